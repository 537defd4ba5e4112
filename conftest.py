"""Fixtures every test may use: a real NATS server, a fresh bus namespace per test, and fresh databases on
SQLite and PostgreSQL (see `vms_platform.testing` for where each comes from)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from vms_contracts.subjects import Bus
from vms_deploy.supervisor import DATABASES, Plan, System, free_port
from vms_platform.testing import (
    fresh_bus,
    fresh_postgres_database,
    nats_server,
    postgres_missing_reason,
    postgres_required,
    postgres_server,
    use_test_keys,
)

# Every service started by a test verifies who is asking, as deployed ones do: the session has a key set.
use_test_keys()

NewDatabase = Callable[[str], Awaitable[str]]


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    with postgres_server() as url:
        yield url


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """A JetStream context on the test server, to publish events and look at streams and consumers."""
    nc = await nats.connect(nats_url)
    yield nc.jetstream()
    await nc.close()


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    async with fresh_bus(nats_url) as namespace:
        yield namespace


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def need_postgres(admin_url: str | None) -> str:
    if admin_url is None:
        if postgres_required():
            pytest.fail(postgres_missing_reason() + " (VMS_TEST_REQUIRE_POSTGRES=1)")
        pytest.skip(postgres_missing_reason())
    return admin_url


@pytest.fixture
async def new_database(backend: str, tmp_path: Path, postgres_admin_url: str | None) -> AsyncIterator[NewDatabase]:
    """`await new_database("hours")`: an empty database for this test on its backend."""
    async with AsyncExitStack() as stack:

        async def make(label: str) -> str:
            if backend == "sqlite":
                return f"sqlite:///{tmp_path / label}.db"
            admin = need_postgres(postgres_admin_url)
            return await stack.enter_async_context(fresh_postgres_database(admin, label))

        yield make


@pytest.fixture
async def postgres_database(postgres_admin_url: str | None) -> AsyncIterator[NewDatabase]:
    """`await postgres_database("hours")`: an empty PostgreSQL database, for what only PostgreSQL shows (SQLite
    runs one writer at a time, so races never happen there)."""
    admin = need_postgres(postgres_admin_url)
    async with AsyncExitStack() as stack:

        async def make(label: str) -> str:
            return await stack.enter_async_context(fresh_postgres_database(admin, label))

        yield make


async def whole_system_plan(
    stack: AsyncExitStack, data_dir: Path, nats_url: str, postgres_admin_url: str | None
) -> tuple[Plan, Bus]:
    """The plan of the whole system as `vms up` runs it (`System(plan).start()`), on a fresh bus namespace and a
    fresh database per service and for the gateway: PostgreSQL when `postgres_admin_url` is given, else SQLite files
    in `data_dir`. Its demo accounts (`tests/accounts.py`) sign in with the cheapest password hashing. What it
    creates is removed when `stack` closes."""
    bus = await stack.enter_async_context(fresh_bus(nats_url))
    if postgres_admin_url is not None:
        databases = {
            s: await stack.enter_async_context(fresh_postgres_database(postgres_admin_url, s)) for s in DATABASES
        }
    else:
        databases = {s: f"sqlite:///{data_dir / s}.db" for s in DATABASES}
    plan = Plan(
        data_dir=data_dir / "var",
        gateway_port=free_port(),
        sim_port=free_port(),
        nats_url=nats_url,
        database_urls=databases,
        bus_root=bus.root,
        echo_logs=False,
        extra_env={"VMS_GATEWAY_RPC_TIMEOUT": "2", "VMS_GATEWAY_PASSWORD_PROFILE": "CHEAPEST"},
    )
    return plan, bus


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


@asynccontextmanager
async def running_system(
    data_dir: Path, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[tuple[System, Bus]]:
    """The whole system running as `vms up` runs it, on `whole_system_plan`; stopped, and what it made removed, at
    the end."""
    async with AsyncExitStack() as stack:
        plan, bus = await whole_system_plan(stack, data_dir, nats_url, postgres_admin_url)
        running = System(plan, progress=_quiet)
        stack.push_async_callback(running.stop)
        await running.start()
        yield running, bus
