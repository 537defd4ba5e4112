"""The accounts staff manage and the tokens everyone holds, through the gateway's API: the gateway with its own
database (SQLite and PostgreSQL) and no service behind it. What needs the registry (a centre manager's centres) is
tested on the whole system (test_flow)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.accounts import PASSWORD, gateway_settings, ok, open_session
from vms_gateway.accounts import MAX_TOKENS
from vms_gateway.admin import create_central_admin
from vms_gateway.app import create_app

NewDatabase = Callable[[str], Awaitable[str]]


class Staff:
    """Browsers signed in to one gateway, each as someone the central admin made."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.clients: list[httpx.AsyncClient] = []

    async def signed_in(self, login: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(f"203.0.113.{len(self.clients) + 1}", 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway/api/v1")
        self.clients.append(client)
        me = ok(await client.post("/session", json={"login": login, "password": PASSWORD}))
        client.headers["X-CSRF-Token"] = me["csrf_token"]
        return client

    async def made_by(self, admin: httpx.AsyncClient, login: str, role: str, **scope: Any) -> dict[str, Any]:
        return ok(
            await admin.post("/accounts", json={"login": login, "password": PASSWORD, "role": role, **scope}), 201
        )


@pytest.fixture
async def staff(new_database: NewDatabase) -> AsyncIterator[Staff]:
    url = await new_database("gateway")
    await create_central_admin(gateway_settings(url), "central", PASSWORD)
    app = create_app(gateway_settings(url))
    people = Staff(app)
    yield people
    for client in people.clients:
        await client.aclose()
    await app.state.gateway.db.close()


@pytest.fixture
async def central(staff: Staff) -> httpx.AsyncClient:
    return await staff.signed_in("central")


def refusal(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# -- making accounts ------------------------------------------------------------------------------------------------


async def test_the_central_admin_makes_council_admins_and_integrators(staff: Staff, central: httpx.AsyncClient) -> None:
    council = await staff.made_by(central, "seoul_council", "council_admin", region="11")
    me = ok(await central.get("/me"))
    assert (council["role"], council["region"], council["created_by"]) == ("council_admin", "11", me["account_id"])
    partner = await staff.made_by(central, "partner_org", "integrator")
    assert (partner["region"], partner["centres"]) == (None, [])
    seoul = await staff.signed_in("seoul_council")
    assert ok(await seoul.get("/me"))["scope"] == {"volunteer_id": None, "centres": [], "region": "11"}


async def test_a_council_admin_makes_no_other_council_admin_nor_integrator(
    staff: Staff, central: httpx.AsyncClient
) -> None:
    await staff.made_by(central, "seoul_council", "council_admin", region="11")
    seoul = await staff.signed_in("seoul_council")
    for role, scope in (("council_admin", {"region": "11"}), ("integrator", {})):
        made = await seoul.post("/accounts", json={"login": "someone", "password": PASSWORD, "role": role, **scope})
        assert refusal(made) == (403, "NOT_PERMITTED"), role
    partner = await staff.made_by(central, "partner_org", "integrator")
    assert partner["login"] == "partner_org"
    integrator = await staff.signed_in("partner_org")
    refused = await integrator.post("/accounts", json={"login": "x_made", "password": PASSWORD, "role": "integrator"})
    assert refusal(refused) == (403, "NOT_PERMITTED")


@pytest.mark.parametrize(
    ("account", "field"),
    [
        ({"role": "council_admin"}, "region"),
        ({"role": "council_admin", "region": "00"}, "region"),
        ({"role": "integrator", "region": "11"}, "region"),
        ({"role": "integrator", "centres": ["01a2172c-0000-7000-8000-000000000000"]}, "centres"),
        ({"role": "centre_manager"}, "centres"),
        ({"role": "central_admin"}, "role"),
        ({"role": "volunteer"}, "role"),
    ],
)
async def test_an_account_names_the_scope_its_role_needs(
    central: httpx.AsyncClient, account: dict[str, Any], field: str
) -> None:
    made = await central.post("/accounts", json={"login": "new_one", "password": PASSWORD, **account})
    assert made.status_code == 422, made.text
    assert field in {f["field"] for f in made.json()["error"]["fields"]}


async def test_a_login_is_one_account_s(staff: Staff, central: httpx.AsyncClient) -> None:
    await staff.made_by(central, "partner_org", "integrator")
    again = await central.post("/accounts", json={"login": "partner_org", "password": PASSWORD, "role": "integrator"})
    assert refusal(again) == (409, "ACCOUNT_LOGIN_TAKEN")
    admins = await central.post("/accounts", json={"login": "central", "password": PASSWORD, "role": "integrator"})
    assert refusal(admins) == (409, "ACCOUNT_LOGIN_TAKEN")


async def test_a_new_accounts_password_keeps_the_rule(central: httpx.AsyncClient) -> None:
    for password in ("short", "partner_org", "PARTNER_ORG"):
        made = await central.post(
            "/accounts", json={"login": "partner_org", "password": password, "role": "integrator"}
        )
        assert made.status_code == 422, password
        assert [(f["field"], f["type"]) for f in made.json()["error"]["fields"]] == [("password", "password_rule")]


# -- seeing and disabling accounts -------------------------------------------------------------------------------------


async def test_a_council_sees_its_own_regions_accounts_and_the_central_admin_all(
    staff: Staff, central: httpx.AsyncClient
) -> None:
    await staff.made_by(central, "seoul_council", "council_admin", region="11")
    await staff.made_by(central, "busan_council", "council_admin", region="26")
    await staff.made_by(central, "partner_org", "integrator")
    seoul = await staff.signed_in("seoul_council")
    assert [a["login"] for a in ok(await seoul.get("/accounts"))["items"]] == ["seoul_council"]
    everyone = [a["login"] for a in ok(await central.get("/accounts"))["items"]]
    assert everyone == ["central", "seoul_council", "busan_council", "partner_org"], "in the order they were made"
    councils = ok(await central.get("/accounts", params={"role": "council_admin"}))["items"]
    assert [a["login"] for a in councils] == ["seoul_council", "busan_council"]
    first = ok(await central.get("/accounts", params={"limit": 2}))
    assert [a["login"] for a in first["items"]] == ["central", "seoul_council"]
    rest = ok(await central.get("/accounts", params={"limit": 2, "after": first["next_after"]}))
    assert [a["login"] for a in rest["items"]] == ["busan_council", "partner_org"] and rest["next_after"] is None
    partner = await staff.signed_in("partner_org")
    assert refusal(await partner.get("/accounts")) == (403, "NOT_PERMITTED")


async def test_a_council_disables_no_account_outside_its_region(staff: Staff, central: httpx.AsyncClient) -> None:
    await staff.made_by(central, "seoul_council", "council_admin", region="11")
    busan = await staff.made_by(central, "busan_council", "council_admin", region="26")
    partner = await staff.made_by(central, "partner_org", "integrator")
    seoul = await staff.signed_in("seoul_council")
    for account in (busan, partner):
        assert refusal(await seoul.post(f"/accounts/{account['id']}/disable")) == (403, "OUT_OF_SCOPE")
    me = ok(await central.get("/me"))
    assert refusal(await central.post(f"/accounts/{me['account_id']}/disable")) == (409, "ACCOUNT_DISABLE_SELF")
    missing = await central.post("/accounts/01a2172c-0000-7000-8000-000000000000/disable")
    assert refusal(missing) == (404, "ACCOUNT_NOT_FOUND")


async def test_disabling_twice_keeps_the_first_time(staff: Staff, central: httpx.AsyncClient) -> None:
    partner = await staff.made_by(central, "partner_org", "integrator")
    first = ok(await central.post(f"/accounts/{partner['id']}/disable"))
    again = ok(await central.post(f"/accounts/{partner['id']}/disable"))
    assert first["disabled_at"] is not None and again["disabled_at"] == first["disabled_at"]


# -- tokens ------------------------------------------------------------------------------------------------------------


async def test_a_token_acts_as_its_account_does(staff: Staff, central: httpx.AsyncClient) -> None:
    await staff.made_by(central, "seoul_council", "council_admin", region="11")
    seoul = await staff.signed_in("seoul_council")
    made = ok(await seoul.post("/me/tokens", json={"name": "월간 보고", "expires_in_days": 30}), 201)
    assert made["token"].startswith("vms_pat_") and made["prefix"] == made["token"][:12]
    assert made["expires_at"] is not None
    async with httpx.AsyncClient(
        transport=seoul._transport,
        base_url="http://gateway/api/v1",
        headers={"Authorization": f"Bearer {made['token']}"},
    ) as script:
        me = ok(await script.get("/me"))
        assert (me["login"], me["signed_in_with"], me["scope"]["region"], me["csrf_token"]) == (
            "seoul_council",
            "token",
            "11",
            None,
        )
        assert refusal(
            await script.post("/accounts", json={"login": "x_x_x", "password": PASSWORD, "role": "integrator"})
        ) == (
            403,
            "NOT_PERMITTED",
        )


async def test_one_revokes_only_ones_own_tokens(staff: Staff, central: httpx.AsyncClient) -> None:
    await staff.made_by(central, "partner_org", "integrator")
    partner = await staff.signed_in("partner_org")
    theirs = ok(await partner.post("/me/tokens", json={"name": "feed"}), 201)
    assert refusal(await central.delete(f"/me/tokens/{theirs['id']}")) == (404, "TOKEN_NOT_FOUND")
    assert ok(await partner.get("/me/tokens"))["items"][0]["revoked_at"] is None
    assert ok(await central.get("/me/tokens"))["items"] == []


async def test_an_account_holds_a_bounded_number_of_live_tokens(central: httpx.AsyncClient) -> None:
    made = [ok(await central.post("/me/tokens", json={"name": f"t{i}"}), 201) for i in range(MAX_TOKENS)]
    assert refusal(await central.post("/me/tokens", json={"name": "one more"})) == (422, "TOKENS_TOO_MANY")
    ok(await central.delete(f"/me/tokens/{made[0]['id']}"))
    ok(await central.post("/me/tokens", json={"name": "one more"}), 201)


async def test_signing_in_needs_no_account_and_nothing_else_is_open(staff: Staff) -> None:
    transport = httpx.ASGITransport(app=staff.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as visitor:
        for method, path in (("GET", "/me"), ("GET", "/me/tokens"), ("GET", "/accounts"), ("DELETE", "/session")):
            assert refusal(await visitor.request(method, f"/api/v1{path}")) == (401, "SIGN_IN_REQUIRED"), path
        await open_session(visitor, "central")
        ok(await visitor.get("/api/v1/me"))
