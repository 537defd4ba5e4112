"""Many rows inserted in one statement, on both databases: copied in on PostgreSQL (arrays a column when rows
whose key exists are skipped), rows as they are elsewhere or when they are few; every type the services keep comes
back as it went in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, Date, Integer, LargeBinary, MetaData, String, Table, Text, Time, Uuid, select
from sqlalchemy.exc import IntegrityError

from vms_platform.db import UNNEST_FROM, Database, UtcDateTime, insert_many

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("day", Date, nullable=False),
    Column("at", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("note", Text, nullable=True),
    Column("stamped", UtcDateTime, nullable=False),
    Column("payload", LargeBinary, nullable=True),
)


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("insert_many"))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.close()


def rows(count: int) -> list[dict[str, Any]]:
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return [
        {
            "id": uuid4(),
            "day": date(2026, 11, 1) + timedelta(days=n % 30),
            "at": time(9 + n % 8, 30),
            "minutes": 30 + n,
            "name": f"봉사활동 {n}",
            "note": None if n % 3 else f"비고 '{n}' \"인용\" \\ ,{{}}",
            "stamped": start + timedelta(minutes=n),
            "payload": None if n % 2 else b'{"n": %d}' % n,
        }
        for n in range(count)
    ]


async def stored(db: Database) -> dict[UUID, dict[str, Any]]:
    async with db.transaction() as session:
        return {row.id: row._asdict() for row in await session.execute(select(things))}


@pytest.mark.parametrize("count", [1, UNNEST_FROM - 1, UNNEST_FROM, 1000])
async def test_rows_come_back_as_they_went_in(db: Database, count: int) -> None:
    made = rows(count)
    async with db.transaction() as session:
        await insert_many(session, things, made)
    assert await stored(db) == {row["id"]: row for row in made}


async def test_rows_whose_key_exists_are_skipped_when_asked_and_refused_otherwise(db: Database) -> None:
    made = rows(50)
    async with db.transaction() as session:
        await insert_many(session, things, made[:20])
    again = [{**row, "name": "다시"} for row in made]
    async with db.transaction() as session:
        await insert_many(session, things, again, ignore_conflicts=True)
    found = await stored(db)
    assert len(found) == 50
    assert [found[row["id"]]["name"] for row in made[:20]] == [row["name"] for row in made[:20]], "kept as they were"
    assert {found[row["id"]]["name"] for row in made[20:]} == {"다시"}
    # The first statement of its transaction, many rows (copied in on PostgreSQL): refused as SQLAlchemy refuses
    # a statement, and the transaction rolled back.
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        async with db.transaction() as session:
            await insert_many(session, things, [*rows(10), made[0]])
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        async with db.transaction() as session:
            await insert_many(session, things, rows(30))
            await insert_many(session, things, [made[0]])
    assert len(await stored(db)) == 50, "nothing of the refused transactions was written"


async def test_nothing_to_insert_writes_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await insert_many(session, things, [])
    assert await stored(db) == {}
