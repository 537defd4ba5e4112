"""Linkage's own migrations over records it already holds, on SQLite and PostgreSQL: transfers made before
corrections and cancellations were followed are revision 2, and 1365 holds that revision of those it took; going
back, every record is in a state the code before can read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import column, insert, select, table, update

from vms_linkage.db import transfers
from vms_platform.db import Database, migrate

MIGRATIONS = str(files("vms_linkage") / "migrations")


def downgrade(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from vms_platform.db import async_url

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    command.downgrade(config, revision)


BEFORE = table(
    "transfers",
    *(
        column(c.name, c.type)
        for c in transfers.c
        if c.name not in ("revision", "sent_revision", "cancelled", "confirmed")
    ),
)
"""The transfers table as revision 0004 made it."""


def transfer_before(status: str, reference: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "activity_id": uuid4(),
        "volunteer_id": uuid4(),
        "region": "11",
        "centre_name": "행복종합사회복지관",
        "activity_date": date(2026, 11, 20),
        "start_time": time(9),
        "end_time": time(10),
        "minutes": 60,
        "description": "어르신 말벗",
        "status": status,
        "portal_reference": reference,
        "attempts": 1 if reference else 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def test_transfers_from_before_are_revision_2_and_going_back_parks_the_cancelled(
    new_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await new_database("linkage")
    await asyncio.to_thread(migrate, url, MIGRATIONS, "0004")
    sent, pending, parked = (
        transfer_before("sent", "V0000000001"),
        transfer_before("pending"),
        transfer_before("rejected"),
    )
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(insert(BEFORE), [sent, pending, parked])
        await asyncio.to_thread(migrate, url, MIGRATIONS)

        async def held() -> dict[UUID, Any]:
            async with db.transaction() as session:
                return {r.activity_id: r for r in (await session.execute(select(transfers))).all()}

        rows = await held()
        assert {key: (r.revision, r.sent_revision, r.cancelled, r.confirmed, r.status) for key, r in rows.items()} == {
            sent["activity_id"]: (2, 2, False, True, "sent"),
            pending["activity_id"]: (2, None, False, True, "pending"),
            parked["activity_id"]: (2, None, False, True, "rejected"),
        }

        # Back down: a cancelled record is parked, never to be sent; a correction on its way stays with linkage; a
        # change whose confirmation never came is dropped.
        unconfirmed = transfer_before("pending")
        async with db.transaction() as session:
            await session.execute(insert(BEFORE), [{**unconfirmed}])
            await session.execute(
                update(transfers)
                .where(transfers.c.activity_id == unconfirmed["activity_id"])
                .values(confirmed=False, revision=3)
            )
            await session.execute(
                update(transfers)
                .where(transfers.c.activity_id == sent["activity_id"])
                .values(revision=3, status="pending", minutes=90)
            )
            await session.execute(
                update(transfers)
                .where(transfers.c.activity_id == pending["activity_id"])
                .values(revision=3, cancelled=True, status="cancelled")
            )
    finally:
        await db.close()
    await asyncio.to_thread(downgrade, url, "0004")
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = {r.activity_id: r for r in (await session.execute(select(BEFORE))).all()}
    finally:
        await db.close()
    assert {key: r.status for key, r in rows.items()} == {
        sent["activity_id"]: "sent",
        pending["activity_id"]: "rejected",
        parked["activity_id"]: "rejected",
    }
