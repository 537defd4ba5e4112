"""The production shape run for real: every image built from its own Dockerfile, `docker-compose.yml` started with
podman (a 3-node NATS cluster, a PostgreSQL per program), the README's flow through the gateway's container, and
then what an operator lives through: a NATS node stopped and started again, services killed while 500
confirmations are in flight, a service's PostgreSQL restarted. Every total and every transfer to 1365 is exact
afterwards: none lost, none twice. The metrics are scraped at the end, the images' sizes printed.

`make deploy-test` runs it (and `.ci/run`); it needs podman, which it installs with apt where it is missing.
Images that cannot be pulled here are built locally (`podman.py`); `VMS_PYTHON_IMAGE`, `VMS_NATS_IMAGE` and
`VMS_POSTGRES_IMAGE` name others."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import podman

from vms_deploy.supervisor import free_port
from vms_platform.clock import today_kst

PROJECT = "vmsdeploytest"
COMPOSE_FILE = podman.ROOT / "docker-compose.yml"
TAG = "deploy-test"
PROGRAMS = ("registry", "hours", "rewards", "linkage", "gateway")
DATABASES = tuple(f"{p}-db" for p in PROGRAMS)
NATS_NODES = ("nats-1", "nats-2", "nats-3")
ADMIN = "opsadmin"
PASSWORD = "컨테이너-운영-2026"
RUN = secrets.token_hex(3)
"""Set apart the accounts one run makes (a kept deployment may be run against again)."""
VOLUNTEERS = 5
RECORDS_EACH = 100
"""500 records in flight when the services are killed: 5 volunteers, 100 half-hour records each."""


def container(service: str) -> str:
    return f"{PROJECT}_{service}_1"


def compose(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "podman-compose"), "-p", PROJECT, "-f", str(COMPOSE_FILE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**podman.engine_env(), **env},
        cwd=podman.ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"podman-compose {' '.join(args)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return done.stdout


def secrets_env() -> dict[str, str]:
    """What an operator puts in .env: a password of its own for every NATS user and database, and a key set."""
    env = {
        f"NATS_{user}_PASSWORD": "v" + secrets.token_urlsafe(18)
        for user in ("REGISTRY", "HOURS", "REWARDS", "LINKAGE", "GATEWAY", "SETUP", "INTEGRATOR")
    }
    env |= {f"{program.upper()}_DB_PASSWORD": "v" + secrets.token_urlsafe(18) for program in PROGRAMS}
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "vms"), "keys"], capture_output=True, text=True, check=True
    ).stdout
    env |= dict(line.split("=", 1) for line in printed.splitlines() if line and not line.startswith("#"))
    return env


@dataclass
class Deployment:
    env: dict[str, str]
    gateway: str
    sim1365: str
    built: list[podman.Built]
    timings: dict[str, float] = field(default_factory=dict)

    def podman(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        return podman.run(["podman", *args], check=check, timeout=timeout)

    def crash(self, service: str) -> None:
        """Kill the service's process from outside with SIGKILL, as the kernel's OOM killer or a lost node would:
        no shutdown of its own. (`podman kill` would count as the operator stopping it: no restart.)"""
        pid = int(self.podman("inspect", "-f", "{{.State.Pid}}", container(service)).strip())
        assert pid > 0, f"{service} is not running"
        os.kill(pid, signal.SIGKILL)

    def readiness(self, service: str) -> tuple[int, str]:
        """The status and body of the service's `/readyz`, asked inside its container."""
        script = (
            "import urllib.request as u, urllib.error as e\n"
            "try:\n r = u.urlopen('http://127.0.0.1:8081/readyz', timeout=5); print(r.status, r.read().decode())\n"
            "except e.HTTPError as x:\n print(x.code, x.read().decode())"
        )
        status, _, body = self.podman("exec", container(service), "python", "-c", script).strip().partition(" ")
        return int(status), body

    def fetch(self, service: str, port: int, path: str) -> str:
        """GET a path of a container's own HTTP port, from inside it (the probe ports are not published)."""
        script = (
            f"import urllib.request as u; print(u.urlopen('http://127.0.0.1:{port}{path}', timeout=5).read().decode())"
        )
        return self.podman("exec", container(service), "python", "-c", script)


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    try:
        podman.ensure_podman()
    except podman.EngineMissing as exc:
        pytest.fail(f"the container run needs podman: {exc}")
    started = time.monotonic()
    images = podman.base_images()
    bases = time.monotonic()
    built = podman.build_images(images["VMS_PYTHON_IMAGE"], TAG)
    gateway_port, nats_port, sim_port = free_port(), free_port(), free_port()
    env = {
        **secrets_env(),
        **images,
        "VMS_IMAGE_TAG": TAG,
        "VMS_PUBLISH_GATEWAY": f"127.0.0.1:{gateway_port}",
        "VMS_PUBLISH_NATS": f"127.0.0.1:{nats_port}",
        "VMS_PUBLISH_SIM1365": f"127.0.0.1:{sim_port}",
    }
    with suppress(RuntimeError):
        compose("down", "-v", env=env)
    deployment = Deployment(env, f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{sim_port}", built)
    deployment.timings["base images"] = bases - started
    deployment.timings["VMS images"] = time.monotonic() - bases
    try:
        up = time.monotonic()
        # Every container at once, converging by restart policy: podman's compose does not wait for healthchecks.
        compose("up", "-d", "--no-build", "--no-deps", env=env)
        wait_until(lambda: ready(deployment), 300, "every service ready through the gateway")
        deployment.timings["up until ready"] = time.monotonic() - up
        yield deployment
    finally:
        if os.environ.get("VMS_DEPLOY_TEST_KEEP"):
            # What it was started with, secrets included, for the operator who looks at it (or stops it) afterwards.
            kept = podman.ROOT / "var" / "deploy-test.env"
            kept.parent.mkdir(exist_ok=True)
            kept.touch(mode=0o600)
            kept.write_text("".join(f"{name}={value}\n" for name, value in env.items()), encoding="utf-8")
            podman.say(
                f"kept running (VMS_DEPLOY_TEST_KEEP): gateway {deployment.gateway}; its variables in {kept}; stop it "
                f"with `podman-compose -p {PROJECT} --env-file {kept} down -v`"
            )
        else:
            # The programs' last lines, to read after a failure: var/deploy-test-logs/<program>.log.
            logs = podman.ROOT / "var" / "deploy-test-logs"
            logs.mkdir(parents=True, exist_ok=True)
            for service in PROGRAMS:
                said = subprocess.run(
                    ["podman", "logs", "--tail", "200", container(service)],
                    capture_output=True,
                    text=True,
                    env=podman.engine_env(),
                    check=False,
                )
                (logs / f"{service}.log").write_text(said.stdout + said.stderr, encoding="utf-8")
            compose("down", "-v", env=env)


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(1)
    raise AssertionError(f"not within {timeout:.0f} s: {what}; last seen {last!r}")


def ready(deployment: Deployment) -> bool:
    health = httpx.get(f"{deployment.gateway}/api/v1/health", timeout=5).json()
    return bool(health.get("status") == "up")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.url, response.status_code, response.text[:500])
    return response.json() if response.content else {}


class Api:
    """The REST API as its clients use it, with a retry where an operator's restart makes a request fail: every
    write the flow makes is idempotent (asked twice, done once), so asking again is safe."""

    def __init__(self, base: str) -> None:
        self.base = base

    async def token(self, login: str, password: str) -> str:
        async with httpx.AsyncClient(base_url=self.base, timeout=20) as browser:
            me = ok(await browser.post("/api/v1/session", json={"login": login, "password": password}))
            browser.headers["X-CSRF-Token"] = me["csrf_token"]
            return str(ok(await browser.post("/api/v1/me/tokens", json={"name": "deploy-test"}), 201)["token"])

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=f"{self.base}/api/v1", headers=headers, timeout=30)

    async def open_centre(self, admin: httpx.AsyncClient, name: str, manager: str) -> tuple[str, str]:
        """The central admin registers a centre in region 11 and gives it a manager (`manager` their login): the
        centre's id, and an access token of its manager."""
        centre = await insisting(
            lambda: admin.post("/centres", json={"name": name, "region": "11", "phone": "02-1234-5678"}), 201
        )
        account = {"login": manager, "password": PASSWORD, "role": "centre_manager", "centres": [centre["id"]]}
        await insisting(lambda: admin.post("/accounts", json=account), 201)
        return str(centre["id"]), await self.token(manager, PASSWORD)

    async def sign_up(self, login: str, name: str, birth_date: str, phone: str) -> tuple[str, str]:
        """A volunteer signs up in region 11: their volunteer id, and an access token of their account."""
        person = {"login_id": login, "name": name, "birth_date": birth_date, "phone": phone, "region": "11"}
        async with self.client() as anonymous:
            signed = await insisting(lambda: anonymous.post("/volunteers", json={**person, "password": PASSWORD}), 201)
        return str(signed["volunteer"]["id"]), await self.token(login, PASSWORD)

    async def link_to_1365(
        self, volunteer: httpx.AsyncClient, volunteer_id: str, sim: httpx.AsyncClient, member: dict[str, str]
    ) -> None:
        """The volunteer consents to 1365 linkage in VMS, and joins 1365 (the simulator) consenting there."""
        ok(await volunteer.put(f"/volunteers/{volunteer_id}/consents/portal1365", json={"granted": True}))
        ok(await sim.post("/members", json={**member, "consent": True}), 201)


async def insisting(send: Any, status: int, *, tries: int = 60) -> Any:
    """`send()` until it answers `status`; a refused connection, a timeout or a 5xx (a service restarting) is asked
    again after a second."""
    last: Any = None
    for _ in range(tries):
        try:
            response = await send()
        except httpx.TransportError as exc:
            last = exc
        else:
            if response.status_code == status:
                return response.json() if response.content else {}
            if response.status_code < 500:
                raise AssertionError((response.request.url, response.status_code, response.text[:500]))
            last = response.text[:300]
        await asyncio.sleep(1)
    raise AssertionError(f"still failing after {tries} tries: {last!r}")


@dataclass
class Person:
    id: str
    client: httpx.AsyncClient
    minutes: int = 0
    records: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def admin_token(deployment: Deployment) -> str:
    """The first central admin, made as deploy/README says, inside the gateway's container."""
    deployment.podman(
        "exec",
        "-e",
        f"VMS_ADMIN_PASSWORD={PASSWORD}",
        container("gateway"),
        "vms-gateway",
        "admin",
        "create",
        "--login",
        ADMIN,
    )
    return asyncio.run(Api(deployment.gateway).token(ADMIN, PASSWORD))


def test_images_are_built_small_non_root_and_read_only(deployment: Deployment) -> None:
    for built in deployment.built:
        podman.say(
            f"image vms-{built.name}: {built.size / 1e6:.0f} MB ({built.own / 1e6:.0f} MB on its base), "
            f"built in {built.seconds:.0f} s"
        )
    for phase, seconds in deployment.timings.items():
        podman.say(f"{phase}: {seconds:.0f} s")
    for program in PROGRAMS:
        found = podman.inspect(container(program))
        config, host = found["Config"], found["HostConfig"]
        assert isinstance(config, dict) and isinstance(host, dict)
        assert config["User"] == "10001:10001", f"{program} runs as the vms user"
        assert host["ReadonlyRootfs"] is True, f"{program} runs on a read-only root filesystem"
        written = deployment.podman("exec", container(program), "sh", "-c", "touch /opt/vms/x 2>&1 || true")
        assert "Read-only file system" in written, written
        compilers = deployment.podman("exec", container(program), "sh", "-c", "command -v gcc cc || true").strip()
        assert not compilers, f"{program} carries a compiler: {compilers}"
    for built in deployment.built:
        assert built.own < 200e6, f"vms-{built.name} adds {built.own / 1e6:.0f} MB to its base"


def test_every_program_has_its_own_postgresql_and_credentials(deployment: Deployment) -> None:
    for program in PROGRAMS:
        url = deployment.podman("exec", container(program), "printenv", f"VMS_{program.upper()}_DATABASE_URL").strip()
        assert f"@{program}-db:5432/{program}" in url and url.startswith(f"postgresql://{program}:")
        password = deployment.env[f"{program.upper()}_DB_PASSWORD"]
        for other in PROGRAMS:
            if other == program:
                continue
            # Its credentials open no other program's database.
            refused = subprocess.run(
                [
                    "podman",
                    "exec",
                    "-e",
                    f"PGPASSWORD={password}",
                    container(f"{other}-db"),
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    program,
                    "-d",
                    other,
                    "-c",
                    "select 1",
                ],
                capture_output=True,
                text=True,
                env=podman.engine_env(),
                timeout=60,
            )
            assert refused.returncode != 0, f"{program}'s password opens {other}'s database"


def test_the_readme_flow_through_the_gateway_container(deployment: Deployment, admin_token: str) -> None:
    asyncio.run(readme_flow(deployment, admin_token))


async def readme_flow(deployment: Deployment, admin_token: str) -> None:
    api = Api(deployment.gateway)
    async with api.client(admin_token) as admin, httpx.AsyncClient(base_url=deployment.sim1365, timeout=20) as sim:
        centre, manager_token = await api.open_centre(admin, "컨테이너복지관", f"ctr_centre_{RUN}")
        volunteer_id, volunteer_token = await api.sign_up(f"hong_cont_{RUN}", "홍길동", "2001-04-05", "010-1234-5678")
        async with api.client(volunteer_token) as volunteer, api.client(manager_token) as manager:
            member = {"name": "홍길동", "birthDate": "2001-04-05", "mobile": "01012345678"}
            await api.link_to_1365(volunteer, volunteer_id, sim, member)
            yesterday = (today_kst() - timedelta(days=1)).isoformat()
            recorded = ok(
                await manager.post(
                    f"/centres/{centre}/activities",
                    json={
                        "volunteer_id": volunteer_id,
                        "activity_date": yesterday,
                        "start_time": "10:00",
                        "end_time": "13:30",
                        "activity_type": "facility",
                        "sub_field": "emotional",
                        "description": "어르신 말벗 및 식사 보조",
                    },
                ),
                201,
            )
            ok(await manager.post(f"/activities/{recorded['id']}/confirm"))

            async def totalled() -> bool:
                hours = ok(await volunteer.get(f"/volunteers/{volunteer_id}/hours"))
                transfers = ok(await volunteer.get(f"/volunteers/{volunteer_id}/transfers"))
                return hours["confirmed_minutes"] == 210 and [t["status"] for t in transfers["items"]] == ["sent"]

            await eventually(totalled, 90, "210 minutes counted and sent to 1365")
            assert (await manager.get(f"/volunteers/{volunteer_id}/hours")).status_code == 403


async def eventually(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            if await check():
                return
        except (httpx.TransportError, AssertionError) as exc:
            last = exc
        await asyncio.sleep(1)
    raise AssertionError(f"not within {timeout:.0f} s: {what} ({last!r})")


def test_a_nats_node_stopped_and_started_again(deployment: Deployment, admin_token: str) -> None:
    """With one of three nodes down, requests and events still flow (streams are replicated three times); the
    node started again rejoins the cluster and catches up."""
    deployment.podman("stop", "-t", "2", container("nats-2"))
    try:
        asyncio.run(one_confirmation_reaches_the_total(deployment, admin_token, "nats_down"))
    finally:
        deployment.podman("start", container("nats-2"))
    wait_until(
        lambda: (
            "ok"
            in deployment.podman(
                "exec",
                container("nats-2"),
                "wget",
                "-qO-",
                "http://127.0.0.1:8222/healthz?js-enabled-only=false",
                check=False,
            )
        ),
        120,
        "nats-2 healthy again",
    )
    jsz = deployment.podman("exec", container("nats-2"), "wget", "-qO-", "http://127.0.0.1:8222/jsz?streams=true")
    assert '"cluster_size": 3' in jsz or '"cluster_size":3' in jsz, jsz[:800]


async def one_confirmation_reaches_the_total(deployment: Deployment, admin_token: str, login: str) -> None:
    api = Api(deployment.gateway)
    async with api.client(admin_token) as admin:
        centre, manager_token = await api.open_centre(admin, f"{login} 복지관", f"{login}_m_{RUN}")
    phone = f"010{secrets.randbelow(10**8):08d}"
    volunteer_id, volunteer_token = await api.sign_up(f"{login}_v_{RUN}", "김봉사", "1990-01-02", phone)
    async with api.client(volunteer_token) as volunteer, api.client(manager_token) as manager:
        day = (today_kst() - timedelta(days=2)).isoformat()
        recorded = await insisting(
            lambda: manager.post(
                f"/centres/{centre}/activities",
                json={
                    "volunteer_id": volunteer_id,
                    "activity_date": day,
                    "start_time": "09:00",
                    "end_time": "10:00",
                    "activity_type": "facility",
                    "sub_field": "emotional",
                    "description": "노드 하나 없이",
                },
            ),
            201,
        )
        await insisting(lambda: manager.post(f"/activities/{recorded['id']}/confirm"), 200)

        async def counted() -> bool:
            return bool(ok(await volunteer.get(f"/volunteers/{volunteer_id}/hours"))["confirmed_minutes"] == 60)

        await eventually(counted, 90, "60 minutes counted")


def test_services_killed_while_500_confirmations_are_in_flight(deployment: Deployment, admin_token: str) -> None:
    asyncio.run(killed_mid_stream(deployment, admin_token))


async def killed_mid_stream(deployment: Deployment, admin_token: str) -> None:
    api = Api(deployment.gateway)
    async with AsyncStack() as stack:
        admin = await stack.enter(api.client(admin_token))
        sim = await stack.enter(httpx.AsyncClient(base_url=deployment.sim1365, timeout=30))
        centre, manager_token = await api.open_centre(admin, "중단복지관", f"kill_centre_{RUN}")
        manager = await stack.enter(api.client(manager_token))
        people: list[Person] = []
        for n in range(VOLUNTEERS):
            phone = f"010{secrets.randbelow(10**8):08d}"
            volunteer_id, token = await api.sign_up(f"kill_vol{n}_{RUN}", f"이봉사{n}", "1995-03-04", phone)
            person = Person(volunteer_id, await stack.enter(api.client(token)))
            member = {"name": f"이봉사{n}", "birthDate": "1995-03-04", "mobile": phone}
            await api.link_to_1365(person.client, person.id, sim, member)
            people.append(person)
        before = ok(await sim.get("/_sim/stats"))["accepted"]

        # 100 half-hour records each: four a day (09:00–11:00) over 25 days before yesterday.
        bodies = []
        for person in people:
            for i in range(RECORDS_EACH):
                day: date = today_kst() - timedelta(days=3 + i // 4)
                start = 9 * 60 + 30 * (i % 4)
                bodies.append(
                    (
                        person,
                        {
                            "volunteer_id": person.id,
                            "activity_date": day.isoformat(),
                            "start_time": f"{start // 60:02d}:{start % 60:02d}",
                            "end_time": f"{(start + 30) // 60:02d}:{(start + 30) % 60:02d}",
                            "activity_type": "facility",
                            "sub_field": "emotional",
                            "description": f"중단 시험 {i}",
                        },
                    )
                )
        limit = asyncio.Semaphore(8)

        async def record(person: Person, body: dict[str, str]) -> None:
            async with limit:
                made = await insisting(lambda: manager.post(f"/centres/{centre}/activities", json=body), 201)
            person.records.append(made["id"])
            person.minutes += 30

        await asyncio.gather(*(record(p, b) for p, b in bodies))

        confirmed = 0
        a_fifth_through = asyncio.Event()

        async def confirm(activity_id: str) -> None:
            nonlocal confirmed
            async with limit:
                await insisting(lambda: manager.post(f"/activities/{activity_id}/confirm"), 200)
            confirmed += 1
            if confirmed >= len(bodies) / 5:
                a_fifth_through.set()

        confirmations = asyncio.gather(*(confirm(a) for p in people for a in p.records))
        # Mid-stream: hours (which confirms and publishes) and linkage (which sends to 1365) killed, one after the
        # other, while confirmations are still being asked for and events are on their way.
        await a_fifth_through.wait()
        at_crash = confirmed
        assert at_crash < len(bodies) / 2, f"{at_crash} of {len(bodies)} confirmed already: no longer mid-stream"
        deployment.crash("hours")
        await asyncio.sleep(2)
        deployment.crash("linkage")
        await asyncio.sleep(1)
        deployment.crash("rewards")
        await confirmations
        for service in ("hours", "linkage", "rewards"):
            wait_until(
                lambda s=service: "running" in deployment.podman("inspect", "-f", "{{.State.Status}}", container(s)),
                120,
                f"{service} restarted by its restart policy",
            )

        async def all_counted() -> bool:
            for person in people:
                hours = ok(await person.client.get(f"/volunteers/{person.id}/hours"))
                if hours["confirmed_minutes"] != person.minutes:
                    return False
            return True

        await eventually(all_counted, 240, "every volunteer's total exact")

        async def all_sent() -> bool:
            return bool(ok(await sim.get("/_sim/stats"))["accepted"] - before >= VOLUNTEERS * RECORDS_EACH)

        await eventually(all_sent, 300, "every record sent to 1365")
        stats = ok(await sim.get("/_sim/stats"))
        assert stats["accepted"] - before == VOLUNTEERS * RECORDS_EACH, stats  # none twice: 1365 holds each once
        for person in people:
            transfers = ok(await person.client.get(f"/volunteers/{person.id}/transfers", params={"limit": 200}))
            statuses = [t["status"] for t in transfers["items"]]
            assert statuses.count("sent") == RECORDS_EACH, (person.id, statuses[:5], len(statuses))
            totals = ok(await person.client.get(f"/volunteers/{person.id}/totals"))
            assert totals, totals
        podman.say(
            f"{len(bodies)} confirmations, hours, linkage and rewards killed after {at_crash}: every total exact, "
            f"1365 took each record once ({stats['accepted'] - before} new, {stats['duplicates']} asked again)"
        )


class AsyncStack:
    def __init__(self) -> None:
        self.clients: list[httpx.AsyncClient] = []

    async def enter(self, client: httpx.AsyncClient) -> httpx.AsyncClient:
        self.clients.append(client)
        return client

    async def __aenter__(self) -> AsyncStack:
        return self

    async def __aexit__(self, *_: object) -> None:
        for client in self.clients:
            await client.aclose()


def test_a_service_s_postgresql_restarted(deployment: Deployment, admin_token: str) -> None:
    """hours' database goes away: hours says it is not ready, naming the database, and is not restarted for it;
    the database comes back: hours resumes by itself, and a confirmation made then is counted once."""
    deployment.podman("stop", "-t", "5", container("hours-db"))
    try:
        said = wait_until(
            lambda: (found := deployment.readiness("hours"))[0] == 503 and "database" in found[1] and found,
            120,
            "hours not ready while its database is down",
        )
        podman.say(f"hours with its database down: /readyz {said[0]} {said[1][:200]}")
    finally:
        deployment.podman("start", container("hours-db"))
    wait_until(lambda: deployment.readiness("hours")[0] == 200, 120, "hours ready again")
    asyncio.run(one_confirmation_reaches_the_total(deployment, admin_token, "db_restart"))
    wait_until(lambda: ready(deployment), 120, "every service ready again")


def test_metrics_are_scraped_after_the_flow(deployment: Deployment) -> None:
    for service in ("registry", "hours", "rewards", "linkage"):
        text = deployment.fetch(service, 8081, "/metrics")
        assert "vms_ready 1.0" in text, f"{service} reports itself ready"
        assert "vms_outbox_backlog 0.0" in text, f"{service} published every event it committed"
        assert "vms_consumer_pending" in text or service == "registry", f"{service} reports its consumers' lag"
    hours = deployment.fetch("hours", 8081, "/metrics")
    confirms = [line for line in hours.splitlines() if line.startswith("vms_rpc_requests_total") and "confirm" in line]
    assert confirms, "hours counts its confirmations"
    linkage = deployment.fetch("linkage", 8081, "/metrics")
    assert any(line.startswith('vms_linkage_transfers_total{outcome="sent"}') for line in linkage.splitlines()), (
        linkage[:2000]
    )
    assert "vms_linkage_1365_available 1.0" in linkage
    podman.say("metrics: " + "; ".join(line for line in linkage.splitlines() if line.startswith("vms_linkage_")))
