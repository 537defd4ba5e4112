"""One function per request or event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_rewards import domain
from vms_rewards.db import ledger, totals
from vms_shared.db import Database, upsert
from vms_shared.envelope import Envelope
from vms_shared.events.hours import HoursConfirmedV1
from vms_shared.messages import format_minutes
from vms_shared.rpc.rewards import TotalRequest, TotalView


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
        volunteers = {e.data.volunteer_id for e in events}
        entries = (
            await session.execute(
                select(ledger.c.activity_id, ledger.c.volunteer_id, ledger.c.minutes).where(
                    ledger.c.volunteer_id.in_(volunteers)
                )
            )
        ).all()
        now = datetime.now(UTC)
        sums = domain.totals_by_volunteer(domain.LedgerEntry(*row) for row in entries)
        await upsert(
            session,
            totals,
            [
                {
                    "volunteer_id": volunteer_id,
                    "confirmed_minutes": total.minutes,
                    "confirmed_activities": total.activities,
                    "updated_at": now,
                }
                for volunteer_id, total in sums.items()
            ],
            key=["volunteer_id"],
        )

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
