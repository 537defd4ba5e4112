"""A service's database units on PostgreSQL: a connection the server closed is never handed out, and a read runs
outside any transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

import vms_platform.db as db_module
from vms_platform.db import Database
from vms_platform.testing import eventually

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(postgres_database: Callable[[str], Awaitable[str]]) -> str:
    return await postgres_database("units")


async def _backend_pid(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _driver_connection(db: Database) -> Any:
    """The asyncpg connection the pool will hand out next (the one just returned)."""
    async with db.transaction() as session:
        raw = await (await session.connection()).get_raw_connection()
        return raw.driver_connection


async def test_a_connection_the_server_closed_is_replaced_before_the_next_unit(database: str) -> None:
    db = Database(database)
    other = Database(database)
    try:
        pid = await _backend_pid(db)
        pooled = await _driver_connection(db)
        async with other.transaction() as session:
            assert await session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        async def closed() -> bool | None:
            return pooled.is_closed() or None

        await eventually(closed, what="asyncpg sees the connection closed")
        for _ in range(3):  # every unit after it works, on a new connection
            assert await _backend_pid(db) != pid
    finally:
        await db.close()
        await other.close()


async def test_a_connection_idle_for_a_while_is_pinged_and_replaced_when_dead(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that restarted while the service was quiet: the first unit of work after it does not fail."""
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)
    db = Database(database)
    other = Database(database)
    try:
        pid = await _backend_pid(db)
        async with other.transaction() as session:
            assert await session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with db.read() as session:  # at once, before the close may have reached the client
            assert await session.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await db.close()
        await other.close()


async def _two_nows(session: AsyncSession) -> tuple[object, object]:
    """`now()` is the time the transaction began: the same for every statement of one transaction."""
    first = await session.scalar(text("SELECT now()"))
    await session.execute(text("SELECT pg_sleep(0.01)"))
    return first, await session.scalar(text("SELECT now()"))


async def test_a_read_holds_no_transaction_and_a_unit_of_work_does(database: str) -> None:
    db = Database(database)
    try:
        async with db.read() as session:
            first, second = await _two_nows(session)
            assert first != second, "each statement of a read is a transaction of its own"
        async with db.transaction() as session:
            first, second = await _two_nows(session)
            assert first == second, "the statements of a unit of work share one transaction"
    finally:
        await db.close()
