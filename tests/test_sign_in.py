"""Signing in to the gateway, and what keeps a session or a token honest: the gateway with its own database (on
SQLite and PostgreSQL) and no service behind it, spoken to over HTTP in process. What needs the services
(signing up, centre managers) is tested on the whole system (test_flow)."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sysconfig
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from argon2 import PasswordHasher, profiles
from fastapi import APIRouter, FastAPI, Form, Request, Response
from sqlalchemy import select, update

from tests.accounts import PASSWORD, gateway_settings, ok, open_session
from vms_gateway import auth
from vms_gateway.admin import create_central_admin
from vms_gateway.app import create_app
from vms_gateway.auth import check_csrf, form_csrf_token, get_principal
from vms_gateway.db import access_tokens, accounts, sessions, sign_in_throttle
from vms_gateway.settings import GatewaySettings
from vms_platform.db import Database

NewDatabase = Callable[[str], Awaitable[str]]
ADMIN = "root_admin"


@dataclass
class Gateway:
    app: FastAPI
    settings: GatewaySettings
    db: Database

    def client(self, address: str = "203.0.113.10", base_url: str = "http://gateway") -> httpx.AsyncClient:
        """A browser (or API client) at `address`."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    async def account(self, login: str) -> Any:
        async with self.db.transaction() as session:
            return (await session.execute(select(accounts).where(accounts.c.login == login))).one()


async def start(url: str, **settings: Any) -> Gateway:
    gateway_config = gateway_settings(url, **settings)
    app = create_app(gateway_config)
    return Gateway(app, gateway_config, app.state.gateway.db)


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[Gateway]:
    """A gateway whose database holds one central admin, made as the operator's command makes it."""
    url = await new_database("gateway")
    await create_central_admin(gateway_settings(url), ADMIN, PASSWORD)
    started = await start(url)
    yield started
    await started.db.close()


@pytest.fixture
async def browser(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway.client() as client:
        yield client


async def sign_in(client: httpx.AsyncClient, login: str = ADMIN, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/session", json={"login": login, "password": password})


def refusal(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# -- the password ------------------------------------------------------------------------------------------------------


async def test_the_right_password_opens_a_session_held_in_a_safe_cookie(browser: httpx.AsyncClient) -> None:
    answer = await sign_in(browser)
    me = ok(answer)
    assert (me["login"], me["role"], me["signed_in_with"]) == (ADMIN, "central_admin", "session")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("vms_session=")
    assert {"HttpOnly", "Path=/", "SameSite=lax"} <= {part.strip() for part in cookie.split(";")}
    assert "Secure" not in cookie, "over plain HTTP a Secure cookie would never come back"
    assert ok(await browser.get("/api/v1/me"))["account_id"] == me["account_id"]


async def test_the_cookie_is_secure_when_the_request_came_over_https(gateway: Gateway) -> None:
    async with gateway.client(base_url="https://gateway") as direct:
        assert "Secure" in (await sign_in(direct)).headers["set-cookie"]
    # Behind a reverse proxy on this machine (a trusted one), the proxy says how the client came.
    async with gateway.client(address="127.0.0.1") as proxied:
        answer = await proxied.post(
            "/api/v1/session", json={"login": ADMIN, "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
        )
        assert "Secure" in answer.headers["set-cookie"]
    # Anyone else saying so is not believed.
    async with gateway.client(address="198.51.100.7") as other:
        answer = await other.post(
            "/api/v1/session", json={"login": ADMIN, "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
        )
        assert "Secure" not in answer.headers["set-cookie"]


async def test_a_hash_made_with_other_parameters_is_made_again_at_sign_in(new_database: NewDatabase) -> None:
    """The hashing profile was raised since the account was made: its next sign-in stores a hash of the new one."""
    url = await new_database("gateway")
    await create_central_admin(gateway_settings(url, password_profile="CHEAPEST"), ADMIN, PASSWORD)
    raised = await start(url, password_profile="RFC_9106_LOW_MEMORY")
    try:
        old = (await raised.account(ADMIN)).password_hash
        current = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
        assert current.check_needs_rehash(old), "the account was made with other parameters"
        async with raised.client() as client:
            ok(await sign_in(client))
        new = (await raised.account(ADMIN)).password_hash
        assert new != old and not current.check_needs_rehash(new)
        assert current.verify(new, PASSWORD)
        async with raised.client() as client:
            ok(await sign_in(client))  # and the password still opens the account
    finally:
        await raised.db.close()


async def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(browser: httpx.AsyncClient) -> None:
    wrong = await sign_in(browser, ADMIN, "not-the-password")
    unknown = await sign_in(browser, "nobody_here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "SIGN_IN_FAILED"
    assert "set-cookie" not in wrong.headers


async def test_an_unknown_login_takes_as_long_as_a_wrong_password(new_database: NewDatabase) -> None:
    """With the real hashing parameters, answering an unknown login checks a hash too: the time does not tell."""
    url = await new_database("gateway")
    await create_central_admin(gateway_settings(url, password_profile="RFC_9106_LOW_MEMORY"), ADMIN, PASSWORD)
    gateway = await start(url, password_profile="RFC_9106_LOW_MEMORY")
    try:

        async def timed(login: str, address: str) -> float:
            async with gateway.client(address) as client:
                since = time.perf_counter()
                assert (await sign_in(client, login, "not-the-password")).status_code == 401
                return time.perf_counter() - since

        await timed("warm_up", "203.0.113.1")
        wrong = statistics.median([await timed(ADMIN, f"203.0.113.{i}") for i in range(2, 5)])
        unknown = statistics.median([await timed(f"nobody_{i}", f"203.0.113.{i}") for i in range(5, 8)])
    finally:
        await gateway.db.close()
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


async def test_sign_ins_and_failures_are_logged_without_the_password(
    browser: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with structlog.testing.capture_logs() as logged:
        # A logger already used earlier in the session keeps the processors it was first used with, past any
        # capture: the module's logger is replaced by a fresh one for the length of the test.
        monkeypatch.setattr(auth, "log", structlog.get_logger("vms.gateway.auth"))
        await sign_in(browser, ADMIN, "a-secret-that-is-wrong")
        await sign_in(browser, "nobody_here", "a-secret-that-is-wrong")
        await sign_in(browser)
    outcomes = [(line.get("outcome"), line.get("login")) for line in logged if "outcome" in line]
    assert outcomes == [("wrong password", ADMIN), ("unknown login", "nobody_here"), ("signed in", ADMIN)]
    assert all(line.get("client") == "203.0.113.10" for line in logged if "outcome" in line)
    assert not [line for line in logged if "secret" in repr(line) or PASSWORD in repr(line)]


# -- growing delays ----------------------------------------------------------------------------------------------------


async def test_failures_make_the_next_attempt_wait_longer_each_time(browser: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401
    waiting = await sign_in(browser)
    assert refusal(waiting) == (429, "SIGN_IN_THROTTLED")
    assert waiting.headers["retry-after"] == "1"
    assert waiting.json()["error"]["params"] == {"seconds": 1}, "even the right password waits"

    await asyncio.sleep(1.1)
    assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401
    longer = await sign_in(browser, ADMIN, "not-the-password")
    assert refusal(longer) == (429, "SIGN_IN_THROTTLED")
    assert longer.headers["retry-after"] == "2"

    await asyncio.sleep(2.1)
    ok(await sign_in(browser))
    # The right password reset the count: a slip afterwards is one failure, not the seventh.
    assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401
    assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401


async def test_failures_a_day_old_no_longer_count(gateway: Gateway, browser: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401
    a_day_later = datetime.now(UTC) - timedelta(hours=25)
    async with gateway.db.transaction() as session:
        await session.execute(update(sign_in_throttle).values(last_failure_at=a_day_later, blocked_until=None))
    assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401
    assert (await sign_in(browser, ADMIN, "not-the-password")).status_code == 401, "the count started again"


async def test_one_address_failing_on_many_logins_waits(gateway: Gateway) -> None:
    async with gateway.client("198.51.100.20") as guesser, gateway.client("198.51.100.21") as someone_else:
        for i in range(20):
            assert (await sign_in(guesser, f"guess_{i}", "not-the-password")).status_code == 401
        assert refusal(await sign_in(guesser, "guess_new", "not-the-password")) == (429, "SIGN_IN_THROTTLED")
        ok(await sign_in(someone_else))


@pytest.mark.postgres
async def test_attempts_sent_at_once_are_counted_one_by_one(postgres_database: NewDatabase) -> None:
    """Twenty wrong passwords sent together: five are checked, the rest wait, on every replica alike (two gateways
    on one database here)."""
    url = await postgres_database("gateway")
    await create_central_admin(gateway_settings(url), ADMIN, PASSWORD)
    replicas = [await start(url), await start(url)]
    try:
        clients = [replicas[i % 2].client(f"198.51.100.{30 + i}") for i in range(20)]
        answers = await asyncio.gather(*(sign_in(c, ADMIN, "not-the-password") for c in clients))
        for client in clients:
            await client.aclose()
    finally:
        for replica in replicas:
            await replica.db.close()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 5 + [429] * 15


# -- sessions --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cookie", ["tampered", "x" * 4000, "Zm9v%00bar", "vms_pat_" + "a" * 43])
async def test_a_cookie_that_names_no_session_is_signed_out_and_cleared(
    browser: httpx.AsyncClient, cookie: str
) -> None:
    answer = await browser.get("/api/v1/me", headers={"Cookie": f"vms_session={cookie}"})
    assert refusal(answer) == (401, "SIGN_IN_REQUIRED")
    assert answer.headers["set-cookie"].startswith('vms_session=""') and "Max-Age=0" in answer.headers["set-cookie"]
    fresh = await browser.post(
        "/api/v1/session", json={"login": ADMIN, "password": PASSWORD}, headers={"Cookie": f"vms_session={cookie}"}
    )
    assert fresh.status_code == 200
    assert not fresh.headers["set-cookie"].startswith('vms_session=""'), "the new session is kept"


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
async def test_an_expired_or_idle_session_is_signed_out(
    gateway: Gateway, browser: httpx.AsyncClient, column: str
) -> None:
    await open_session(browser, ADMIN)
    ok(await browser.get("/api/v1/me"))
    long_ago = datetime.now(UTC) - timedelta(hours=13)
    async with gateway.db.transaction() as session:
        await session.execute(update(sessions).values({column: long_ago}))
    answer = await browser.get("/api/v1/me")
    assert refusal(answer) == (401, "SIGN_IN_REQUIRED")
    assert "Max-Age=0" in answer.headers["set-cookie"]


async def test_signing_out_ends_the_session_for_good(browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    cookie = browser.cookies["vms_session"]
    assert (await browser.delete("/api/v1/session")).status_code == 204
    answer = await browser.get("/api/v1/me", headers={"Cookie": f"vms_session={cookie}"})
    assert refusal(answer) == (401, "SIGN_IN_REQUIRED")


async def test_signing_in_again_replaces_the_browsers_session(browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    first = browser.cookies["vms_session"]
    await open_session(browser, ADMIN)
    assert browser.cookies["vms_session"] != first
    stale = await browser.get("/api/v1/me", headers={"Cookie": f"vms_session={first}"})
    assert stale.status_code == 401


# -- CSRF --------------------------------------------------------------------------------------------------------------


async def test_an_unsafe_request_of_a_session_without_its_csrf_token_is_refused(browser: httpx.AsyncClient) -> None:
    csrf = await open_session(browser, ADMIN)
    del browser.headers["X-CSRF-Token"]
    assert refusal(await browser.post("/api/v1/me/tokens", json={"name": "a"})) == (403, "CSRF_FAILED")
    wrong = {"X-CSRF-Token": csrf[::-1]}
    assert refusal(await browser.post("/api/v1/me/tokens", json={"name": "a"}, headers=wrong)) == (403, "CSRF_FAILED")
    assert refusal(await browser.delete("/api/v1/session")) == (403, "CSRF_FAILED")
    ok(await browser.post("/api/v1/me/tokens", json={"name": "a"}, headers={"X-CSRF-Token": csrf}), 201)
    ok(await browser.get("/api/v1/me/tokens"))  # a safe request needs none


async def test_a_request_signed_in_by_a_token_needs_no_csrf_token(browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    token = ok(await browser.post("/api/v1/me/tokens", json={"name": "script"}), 201)["token"]
    browser.cookies.clear()
    del browser.headers["X-CSRF-Token"]
    made = await browser.post("/api/v1/me/tokens", json={"name": "b"}, headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201


@pytest.fixture
def form_page(gateway: Gateway) -> None:
    """A form of the portal's kind: shown with `form_csrf_token`, posted back with its `csrf_token` field."""
    page = APIRouter()

    @page.get("/test/form")
    async def show(request: Request, response: Response) -> dict[str, str]:
        return {"csrf_token": form_csrf_token(request, response, await get_principal(request))}

    @page.post("/test/form")
    async def submit(request: Request, csrf_token: str | None = Form(default=None)) -> dict[str, bool]:
        check_csrf(request, await get_principal(request), csrf_token)
        return {"accepted": True}

    gateway.app.include_router(page)


@pytest.mark.usefixtures("form_page")
async def test_a_form_before_sign_in_carries_its_double_submit_cookie(browser: httpx.AsyncClient) -> None:
    shown = await browser.get("/test/form")
    token = shown.json()["csrf_token"]
    assert browser.cookies["vms_csrf"] == token
    assert ok(await browser.post("/test/form", data={"csrf_token": token})) == {"accepted": True}
    assert refusal(await browser.post("/test/form", data={})) == (403, "CSRF_FAILED")
    assert refusal(await browser.post("/test/form", data={"csrf_token": "x" * 43})) == (403, "CSRF_FAILED")
    # Posted from another site: the browser sends the cookie, but the other site cannot read it to fill the form.
    browser.cookies.clear()
    assert refusal(await browser.post("/test/form", data={"csrf_token": token})) == (403, "CSRF_FAILED")


@pytest.mark.usefixtures("form_page")
async def test_a_form_after_sign_in_carries_the_sessions_token(browser: httpx.AsyncClient) -> None:
    csrf = await open_session(browser, ADMIN)
    del browser.headers["X-CSRF-Token"]
    assert ok(await browser.get("/test/form"))["csrf_token"] == csrf
    assert ok(await browser.post("/test/form", data={"csrf_token": csrf})) == {"accepted": True}
    assert refusal(await browser.post("/test/form", data={})) == (403, "CSRF_FAILED")


# -- tokens and accounts that stop working -------------------------------------------------------------------------


async def test_a_revoked_token_is_refused_at_once(browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    made = ok(await browser.post("/api/v1/me/tokens", json={"name": "nightly export"}), 201)
    bearer = {"Authorization": f"Bearer {made['token']}"}
    async with httpx.AsyncClient(transport=browser._transport, base_url="http://gateway", headers=bearer) as script:
        assert ok(await script.get("/api/v1/me"))["signed_in_with"] == "token"
        ok(await browser.delete(f"/api/v1/me/tokens/{made['id']}"))
        answer = await script.get("/api/v1/me")
    assert refusal(answer) == (401, "TOKEN_INVALID")
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    listed = ok(await browser.get("/api/v1/me/tokens"))["items"]
    assert [(t["id"], t["prefix"], t["revoked_at"] is not None) for t in listed] == [
        (made["id"], made["token"][:12], True)
    ]
    assert made["token"] not in str(listed)


async def test_an_expired_token_is_refused(gateway: Gateway, browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    made = ok(await browser.post("/api/v1/me/tokens", json={"name": "a day", "expires_in_days": 1}), 201)
    async with gateway.db.transaction() as session:
        await session.execute(update(access_tokens).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    answer = await browser.get("/api/v1/me", headers={"Authorization": f"Bearer {made['token']}"})
    assert refusal(answer) == (401, "TOKEN_INVALID")


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Basic cm9vdDpwYXNz", "Bearer vms_pat_" + "x" * 200])
async def test_a_token_that_is_not_one_is_refused(browser: httpx.AsyncClient, authorization: str) -> None:
    assert refusal(await browser.get("/api/v1/me", headers={"Authorization": authorization})) == (401, "TOKEN_INVALID")


async def test_a_disabled_account_is_refused_at_once(gateway: Gateway, browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    made = {"login": "partner_org", "password": PASSWORD, "role": "integrator"}
    integrator = ok(await browser.post("/api/v1/accounts", json=made), 201)
    async with gateway.client("203.0.113.50") as partner:
        await open_session(partner, "partner_org")
        token = ok(await partner.post("/api/v1/me/tokens", json={"name": "feed"}), 201)["token"]
        ok(await browser.post(f"/api/v1/accounts/{integrator['id']}/disable"))
        assert refusal(await partner.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})) == (
            401,
            "TOKEN_INVALID",
        )
        assert refusal(await partner.get("/api/v1/me")) == (401, "SIGN_IN_REQUIRED")
        assert refusal(await sign_in(partner, "partner_org")) == (403, "ACCOUNT_DISABLED")
        assert refusal(await sign_in(partner, "partner_org", "not-the-password")) == (401, "SIGN_IN_FAILED")


# -- changing the password -----------------------------------------------------------------------------------------


async def test_changing_the_password_ends_the_other_sessions(gateway: Gateway) -> None:
    async with gateway.client("203.0.113.60") as laptop, gateway.client("203.0.113.61") as phone:
        await open_session(laptop, ADMIN)
        await open_session(phone, ADMIN)
        token = ok(await phone.post("/api/v1/me/tokens", json={"name": "script"}), 201)["token"]
        new = "a-new-password-2026"
        change = {"current_password": PASSWORD, "new_password": new}
        assert (await laptop.put("/api/v1/me/password", json=change)).status_code == 204
        ok(await laptop.get("/api/v1/me"))
        assert refusal(await phone.get("/api/v1/me")) == (401, "SIGN_IN_REQUIRED")
        ok(await phone.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))
        assert refusal(await sign_in(phone, ADMIN, PASSWORD)) == (401, "SIGN_IN_FAILED")
        ok(await sign_in(phone, ADMIN, new))
    assert (await gateway.account(ADMIN)).password_changed_at is not None


async def test_a_password_change_is_refused_naming_what_is_wrong(browser: httpx.AsyncClient) -> None:
    await open_session(browser, ADMIN)
    wrong = await browser.put(
        "/api/v1/me/password", json={"current_password": "nope-nope-nope", "new_password": "x" * 12}
    )
    assert refusal(wrong) == (422, "CURRENT_PASSWORD_WRONG")
    assert [f["field"] for f in wrong.json()["error"]["fields"]] == ["current_password"]
    for new in ("short", "x" * 129, ADMIN, ADMIN.upper()):
        broken = await browser.put("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": new})
        assert broken.status_code == 422, new
        (field,) = broken.json()["error"]["fields"]
        assert (field["field"], field["type"]) == ("new_password", "password_rule"), new
        assert field["params"] == {"min_length": 10, "max_length": 128}, new
        assert "10" in field["message"] and "128" in field["message_en"] and "login" in field["message_en"], new


async def test_a_hash_made_with_other_parameters_is_replaced_at_sign_in(gateway: Gateway) -> None:
    before = (await gateway.account(ADMIN)).password_hash
    assert "m=8," in before, "made with the cheapest parameters"
    stronger = await start(gateway.settings.database_url, password_profile="RFC_9106_LOW_MEMORY")
    try:
        async with stronger.client() as browser:
            ok(await sign_in(browser))
            after = (await gateway.account(ADMIN)).password_hash
            assert "m=65536,t=3,p=4" in after and after != before
            ok(await sign_in(browser))
            assert (await gateway.account(ADMIN)).password_hash == after, "made again only when the parameters differ"
    finally:
        await stronger.db.close()


# -- the first central admin -----------------------------------------------------------------------------------------


def _admin_create(url: str, login: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VMS_ADMIN_PASSWORD"}
    env.update({"VMS_GATEWAY_DATABASE_URL": url, "VMS_GATEWAY_PASSWORD_PROFILE": "CHEAPEST"})
    if password is not None:
        env["VMS_ADMIN_PASSWORD"] = password
    command = [str(Path(sysconfig.get_path("scripts")) / "vms-gateway"), "admin", "create", "--login", login]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


async def test_the_first_central_admin_is_made_by_the_operators_command(new_database: NewDatabase) -> None:
    url = await new_database("gateway")  # empty: the command migrates it first
    made = await asyncio.to_thread(_admin_create, url, "first_admin", "a-long-enough-secret")
    assert made.returncode == 0, made.stderr
    assert "first_admin" in made.stdout and "a-long-enough-secret" not in made.stdout + made.stderr
    gateway = await start(url)
    try:
        async with gateway.client() as browser:
            assert ok(await sign_in(browser, "first_admin", "a-long-enough-secret"))["role"] == "central_admin"
    finally:
        await gateway.db.close()

    again = await asyncio.to_thread(_admin_create, url, "first_admin", "another-long-secret")
    assert again.returncode != 0 and "first_admin" in again.stderr
    short = await asyncio.to_thread(_admin_create, url, "second_admin", "short")
    assert short.returncode != 0 and "10" in short.stderr
    silent = await asyncio.to_thread(_admin_create, url, "third_admin", None)
    assert silent.returncode != 0 and "VMS_ADMIN_PASSWORD" in silent.stderr
