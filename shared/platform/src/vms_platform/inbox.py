"""Inbox: the ids of events a consumer has handled, written in the same transaction as their effects,
so that a redelivered or republished event changes nothing the second time."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Column, MetaData, String, Table, Uuid, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from vms_platform.db import UtcDateTime, insert_for, on_postgresql


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("handled_at", UtcDateTime, nullable=False),
    )


async def claim(session: AsyncSession, table: Table, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
    """Record `event_ids` as handled by `consumer` and return those that were not already: one statement,
    `INSERT … ON CONFLICT DO NOTHING RETURNING`, whose answer is exactly the ids it inserted.

    Two deliveries of one event racing each other in two transactions: the second waits on the first's row and
    then inserts nothing, so only one of them applies the event.
    """
    if not event_ids:
        return set()
    now = datetime.now(UTC)
    ids = list(dict.fromkeys(event_ids))
    if on_postgresql(session):
        # The ids as one array parameter: three values to bind instead of three per event, and one short
        # statement instead of a VALUES list rendered anew for every batch.
        rows = select(
            literal(consumer, String()), func.unnest(bindparam("ids", type_=ARRAY(Uuid()))), literal(now, UtcDateTime())
        )
        statement = (
            postgresql.insert(table)
            .from_select(["consumer", "event_id", "handled_at"], rows)
            .on_conflict_do_nothing()
            .returning(table.c.event_id)
        )
        return set((await session.scalars(statement, {"ids": ids})).all())
    statement = insert_for(session, table).on_conflict_do_nothing().returning(table.c.event_id)
    values = [{"consumer": consumer, "event_id": i, "handled_at": now} for i in ids]
    return set((await session.scalars(statement, values)).all())
