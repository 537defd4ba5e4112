"""The inbox returns exactly the events not yet handled, on both databases."""

from typing import Any
from uuid import uuid4

from sqlalchemy import func, select

from vms_platform.db import Database, new_metadata
from vms_platform.inbox import claim, inbox_table

metadata = new_metadata()
inbox = inbox_table(metadata)


async def test_claim_returns_only_new_event_ids(new_database: Any) -> None:
    db = Database(await new_database("inbox"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        a, b, c, d = (uuid4() for _ in range(4))
        async with db.transaction() as session:
            assert await claim(session, inbox, "rewards-hours", [a, b, c]) == {a, b, c}
        async with db.transaction() as session:
            assert await claim(session, inbox, "rewards-hours", [b, d, c, d]) == {d}
            assert await claim(session, inbox, "linkage-hours", [a]) == {a}
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(inbox)) == 5
    finally:
        await db.close()
