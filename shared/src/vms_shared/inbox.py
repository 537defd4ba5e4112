"""Inbox: the ids of events a consumer has handled, written in the same transaction as their effects,
so that a redelivered or republished event changes nothing the second time."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Column, MetaData, String, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_shared.db import UtcDateTime


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("handled_at", UtcDateTime, nullable=False),
    )


async def claim(session: AsyncSession, table: Table, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
    """Record `event_ids` as handled by `consumer` and return those that were not already.

    Two deliveries of one event racing each other both insert the same primary key: one transaction fails and
    rolls back, and its redelivery then finds the event claimed.
    """
    if not event_ids:
        return set()
    seen = set(
        (
            await session.scalars(
                select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id.in_(list(event_ids)))
            )
        ).all()
    )
    new = [i for i in dict.fromkeys(event_ids) if i not in seen]
    if new:
        now = datetime.now(UTC)
        await session.execute(insert(table), [{"consumer": consumer, "event_id": i, "handled_at": now} for i in new])
    return set(new)
