"""No secret in any log line: every service, the gateway, `vms nats-setup` and `vms admin create`, started as the
operator starts them with passwords in their NATS, database and 1365 portal URLs and their actor keys, are read
line by line, whichever logger wrote the line (ours, FastStream's, nats-py's, uvicorn's, a database driver's) and
whatever happened: waiting for a NATS server that is not up yet, making the first admin, people signing up, in
(once with a wrong password) and out, serving their requests, losing the server and finding it again, stopping.
Besides the passwords, no line carries an actor's private key, a signed actor token, a session cookie, a CSRF
token or a personal access token.

The server requires the password (a real nats-server with a user and password); the PostgreSQL the tests use
accepts any password from this host, so the password in the database URLs is carried, logged if anything logs
it, and otherwise ignored.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sysconfig
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from tests.accounts import ok, open_session
from vms_contracts.subjects import SERVICES
from vms_platform.actor import PROGRAMS
from vms_platform.clock import today_kst
from vms_platform.testing import (
    eventually,
    fresh_postgres_database,
    postgres_missing_reason,
    postgres_required,
)

pytestmark = pytest.mark.slow

SCRIPTS = Path(sysconfig.get_path("scripts"))
NATS_USER, NATS_PASSWORD = "vms", "Nats-Pw-4e1c9a0b"
DB_PASSWORD = "Pg-Pw-7d20f5c3"
PORTAL_PASSWORD = "Portal-Pw-b81e6d42"
ADMIN_PASSWORD = "Admin-Pw-3c9e1f07"
MANAGER_PASSWORD = "Manager-Pw-5a6b7c8d"
VOLUNTEER_PASSWORD = "Volunteer-Pw-0f1e2d3c"
WRONG_PASSWORD = "Wrong-Pw-9a8b7c6d"
SECRETS = (
    NATS_PASSWORD,
    DB_PASSWORD,
    PORTAL_PASSWORD,
    ADMIN_PASSWORD,
    MANAGER_PASSWORD,
    VOLUNTEER_PASSWORD,
    WRONG_PASSWORD,
)
ACTOR_TOKEN = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}")
"""A signed actor token (a JWT: base64url of `{"` twice), whoever's it is."""
DATABASES = (*SERVICES, "gateway")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    """A nats-server with JetStream that signs clients in with a password, and can be stopped and started again
    on the same port and store."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.config = workdir / "nats.conf"
        self.config.write_text(
            f"""
listen: 127.0.0.1:{self.port}
jetstream {{ store_dir: "{workdir / "jetstream"}" }}
authorization {{ users: [ {{ user: {NATS_USER}, password: "{NATS_PASSWORD}" }} ] }}
""",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, *, second_node: bool = False) -> str:
        one = f"nats://{NATS_USER}:{NATS_PASSWORD}@127.0.0.1:{self.port}"
        # A cluster's URL list, as in production; the second address is the same server.
        return f"{one},nats://{NATS_USER}:{NATS_PASSWORD}@localhost:{self.port}" if second_node else one

    async def start(self) -> None:
        self.process = await asyncio.to_thread(
            subprocess.Popen,
            [str(SCRIPTS / "nats-server"), "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        async def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False

        await eventually(listening, timeout=15, what="nats-server listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
async def databases(postgres_admin_url: str | None) -> AsyncIterator[dict[str, str]]:
    """A PostgreSQL database per service and the gateway's, each URL carrying a password."""
    if postgres_admin_url is None:
        if postgres_required():
            pytest.fail(postgres_missing_reason() + " (VMS_TEST_REQUIRE_POSTGRES=1)")
        pytest.skip(postgres_missing_reason())
    async with AsyncExitStack() as stack:
        urls = {}
        for service in DATABASES:
            url = await stack.enter_async_context(fresh_postgres_database(postgres_admin_url, f"secrets_{service}"))
            urls[service] = make_url(url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
        yield urls


class Program:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.to_thread(self.process.wait), 20)
        except TimeoutError:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


async def test_no_password_reaches_a_log_line(
    tmp_path: Path, nats_server: NatsServer, databases: dict[str, str]
) -> None:
    gateway_port, portal_port = _free_port(), _free_port()  # nothing listens on the portal's port
    programs: list[Program] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> None:
        programs.append(Program(name, command, env, tmp_path / f"{name}.log"))

    private_keys = [os.environ[f"VMS_{program.upper()}_ACTOR_KEY"] for program in PROGRAMS]
    handed_out: list[str] = []
    """What the gateway gave the people of the test: cookies, CSRF and access tokens."""
    try:
        # The operator makes the first central admin before anything runs (the command migrates the database).
        start(
            "admin-create",
            [str(SCRIPTS / "vms"), "admin", "create", "--login", "chief_admin"],
            {"VMS_ADMIN_PASSWORD": ADMIN_PASSWORD, "VMS_GATEWAY_DATABASE_URL": databases["gateway"]},
        )
        assert await asyncio.to_thread(programs[-1].process.wait, 60) == 0, programs[-1].lines()
        # Started before the server is up: the first thing they log is their wait for it.
        for service in SERVICES:
            prefix = f"VMS_{service.upper()}_"
            env = {
                f"{prefix}NATS_URL": nats_server.url(second_node=True),
                f"{prefix}DATABASE_URL": databases[service],
                f"{prefix}LOG_FORMAT": "json",
                f"{prefix}LOG_LEVEL": "DEBUG",
                f"{prefix}RELAY_POLL_INTERVAL": "0.2",
            }
            if service == "linkage":
                env[f"{prefix}PORTAL1365_URL"] = f"http://vms:{PORTAL_PASSWORD}@127.0.0.1:{portal_port}"
            start(service, [str(SCRIPTS / f"vms-{service}"), "run", "--migrate"], env)
        gateway_env = {
            "VMS_GATEWAY_NATS_URL": nats_server.url(second_node=True),
            "VMS_GATEWAY_DATABASE_URL": databases["gateway"],
            "VMS_GATEWAY_PORT": str(gateway_port),
            "VMS_GATEWAY_LOG_LEVEL": "DEBUG",
            "VMS_GATEWAY_LOG_FORMAT": "console",  # the terminal's format: tracebacks show local variables
        }
        start("gateway", [str(SCRIPTS / "vms-gateway"), "run", "--migrate"], gateway_env)

        async def waiting_for_nats() -> bool:
            return all(
                "waiting for NATS" in program.log.read_text(encoding="utf-8", errors="replace")
                for program in programs
                if program.name != "admin-create"  # done already: it needs no NATS
            )

        await eventually(waiting_for_nats, timeout=60, what="every program waiting for the NATS server")
        await nats_server.start()
        start("nats-setup", [str(SCRIPTS / "vms"), "nats-setup"], {"VMS_NATS_URL": nats_server.url()})
        assert await asyncio.to_thread(programs[-1].process.wait, 60) == 0, programs[-1].lines()

        gateway_url = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(base_url=f"{gateway_url}/api/v1", timeout=10) as http:

            async def answering() -> bool:
                """Every service answers (linkage reports 1365 down once it has something to send there)."""
                try:
                    services = (await http.get("/health")).json().get("services", {})
                except (httpx.HTTPError, ValueError):
                    return False
                return set(services) == set(SERVICES) and all(
                    s["status"] in ("up", "degraded") for s in services.values()
                )

            await eventually(answering, timeout=60, what="every service up behind the gateway")
            handed_out += await _use_the_system(gateway_url)
            nats_server.stop()  # a lost server: every program reconnects on its own
            await asyncio.sleep(0.5)
            await nats_server.start()
            await eventually(answering, timeout=30, what="every service back after the server returned")
            handed_out += await _use_the_system(gateway_url)
    finally:
        await asyncio.gather(*(program.stop() for program in programs))

    lines = {program.name: program.lines() for program in programs}
    secrets = [*SECRETS, *private_keys, *handed_out]
    assert len(handed_out) >= 8 and all(len(secret) >= 12 for secret in secrets), "each long enough to be told apart"
    leaks = [f"{name}: {line}" for name, text in lines.items() for line in text if any(s in line for s in secrets)]
    assert not leaks, "\n".join(leaks)
    tokens = [f"{name}: {line}" for name, text in lines.items() for line in text if ACTOR_TOKEN.search(line)]
    assert not tokens, "a signed actor token was logged:\n" + "\n".join(tokens)
    assert any("central admin created" in line for line in lines["admin-create"])
    for service in SERVICES:
        logged = [json.loads(line) for line in lines[service]]  # every line went through our processors
        started = next(entry for entry in logged if entry["event"] == "service started")
        assert started["nats"].startswith(f"nats://{NATS_USER}:***@127.0.0.1:")
        assert started["database"].startswith("postgresql+asyncpg://postgres:***@")
    gateway = "\n".join(lines["gateway"])
    assert "Uvicorn running on" in gateway and f"nats://{NATS_USER}:***@127.0.0.1:{nats_server.port}" in gateway


async def _use_the_system(gateway_url: str) -> list[str]:
    """The admin signs in (once with a wrong password) and registers a centre and its manager; a volunteer signs up
    and consents to 1365; the manager records an activity and confirms it (hours asks the registry, rewards and
    linkage consume; linkage tries the 1365 portal, which is not there); a few refusals. Returns what the gateway
    handed out on the way: session cookies, CSRF tokens, access tokens."""
    handed_out: list[str] = []
    api = f"{gateway_url}/api/v1"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as browser:
        refused = await browser.post("/api/v1/session", json={"login": "chief_admin", "password": WRONG_PASSWORD})
        assert refused.status_code == 401
        handed_out.append(await open_session(browser, "chief_admin", ADMIN_PASSWORD))
        handed_out.append(browser.cookies["vms_session"])
        token = str(ok(await browser.post("/api/v1/me/tokens", json={"name": "secrets"}), 201)["token"])
        handed_out.append(token)
        ok(await browser.delete("/api/v1/session"), 204)
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, timeout=10) as http:
        centre = ok(
            await http.post("/centres", json={"name": "행복종합사회복지관", "region": "11"}, headers=admin), 201
        )
        manager = f"m{os.urandom(4).hex()}"
        new_manager = {
            "login": manager,
            "password": MANAGER_PASSWORD,
            "role": "centre_manager",
            "centres": [centre["id"]],
        }
        ok(await http.post("/accounts", json=new_manager, headers=admin), 201)
        login = f"secret_{os.urandom(3).hex()}"
        registration = {
            "login_id": login,
            "name": "김봉사",
            "birth_date": "1990-01-01",
            # A new person each run: the registry refuses the same name, birth date and phone twice.
            "phone": f"010-{int.from_bytes(os.urandom(2)) % 9000 + 1000}-{int.from_bytes(os.urandom(2)) % 10000:04d}",
            "region": "11",
            "password": VOLUNTEER_PASSWORD,
        }
        async with httpx.AsyncClient(base_url=api, timeout=10) as volunteer:
            signed_up = ok(await volunteer.post("/volunteers", json=registration), 201)
            csrf = str(signed_up["account"]["csrf_token"])
            handed_out += [csrf, volunteer.cookies["vms_session"]]
            consent = await volunteer.put(
                f"/volunteers/{signed_up['volunteer']['id']}/consents/portal1365",
                json={"granted": True},
                headers={"X-CSRF-Token": csrf},
            )
            ok(consent)
        async with httpx.AsyncClient(base_url=api, timeout=10) as browser:
            me = ok(await browser.post("/session", json={"login": manager, "password": MANAGER_PASSWORD}))
            handed_out += [str(me["csrf_token"]), browser.cookies["vms_session"]]
            browser.headers["X-CSRF-Token"] = str(me["csrf_token"])
            manager_token = str(ok(await browser.post("/me/tokens", json={"name": "secrets"}), 201)["token"])
            handed_out.append(manager_token)
        as_manager = {"Authorization": f"Bearer {manager_token}"}
        activity = ok(
            await http.post(
                f"/centres/{centre['id']}/activities",
                json={
                    "volunteer_id": signed_up["volunteer"]["id"],
                    "activity_date": str(today_kst() - timedelta(days=1)),
                    "start_time": "10:00",
                    "end_time": "12:00",
                    "activity_type": "facility",
                    "sub_field": "emotional",
                    "description": "어르신 말벗",
                },
                headers=as_manager,
            ),
            201,
        )
        assert (await http.post(f"/activities/{activity['id']}/confirm", headers=as_manager)).status_code == 200
        assert (await http.post(f"/activities/{activity['id']}/confirm")).status_code == 401
        assert (await http.get("/volunteers/not-an-id", headers=admin)).status_code == 422
        forged = {"Authorization": f"Bearer vms_pat_{os.urandom(16).hex()}"}
        assert (await http.get(f"/volunteers/{signed_up['volunteer']['id']}/hours", headers=forged)).status_code == 401
        unreadable = await http.post("/volunteers", content=b"{", headers={"content-type": "application/json"})
        assert unreadable.status_code == 400
    return handed_out
