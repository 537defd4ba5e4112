"""One function per request or event."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.rpc.rewards import TotalRequest, TotalView
from vms_platform.db import Database, UtcDateTime, insert_for, upsert
from vms_platform.messages import format_minutes
from vms_rewards.db import ledger, totals


class RewardsHandlers:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def on_hours_confirmed(self, session: AsyncSession, events: list[Envelope[HoursConfirmedV1]]) -> None:
        await upsert(
            session,
            ledger,
            [
                {
                    "activity_id": e.data.activity_id,
                    "volunteer_id": e.data.volunteer_id,
                    "minutes": e.data.minutes,
                    "activity_date": e.data.activity_date,
                    "confirmed_at": e.data.confirmed_at,
                }
                for e in events
            ],
            key=["activity_id"],
        )
        await _recount(session, {e.data.volunteer_id for e in events})

    async def get_total(self, query: TotalRequest) -> TotalView:
        async with self.db.transaction() as session:
            row = (
                await session.execute(select(totals).where(totals.c.volunteer_id == query.volunteer_id))
            ).one_or_none()
        minutes = row.confirmed_minutes if row else 0
        display = format_minutes(minutes)
        return TotalView(
            volunteer_id=query.volunteer_id,
            confirmed_minutes=minutes,
            confirmed_activities=row.confirmed_activities if row else 0,
            display=display.ko,
            display_en=display.en,
            updated_at=row.updated_at if row else None,
        )


async def _recount(session: AsyncSession, volunteers: set[UUID]) -> None:
    """실시간 누적시간: a volunteer's total is the sum of their confirmed activities in the ledger, where each
    activity has one row however often its confirmation arrives. One statement for the whole batch."""
    sums = (
        select(
            ledger.c.volunteer_id,
            func.sum(ledger.c.minutes),
            func.count(),
            literal(datetime.now(UTC), UtcDateTime()),
        )
        .where(ledger.c.volunteer_id.in_(volunteers))
        .group_by(ledger.c.volunteer_id)
    )
    statement = insert_for(session, totals).from_select(
        ["volunteer_id", "confirmed_minutes", "confirmed_activities", "updated_at"], sums
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["volunteer_id"],
            set_={c: statement.excluded[c] for c in ("confirmed_minutes", "confirmed_activities", "updated_at")},
        )
    )
