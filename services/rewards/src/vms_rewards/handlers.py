"""One function per request or event."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.rpc.rewards import GET_TOTAL, TotalRequest, TotalView
from vms_platform.actor import require_scope
from vms_platform.db import Database, insert_for
from vms_platform.messages import format_minutes
from vms_rewards.db import ledger, totals


class RewardsHandlers:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def on_hours_confirmed(self, session: AsyncSession, events: list[Envelope[HoursConfirmedV1]]) -> None:
        """실시간 누적시간: each confirmed activity enters the ledger once (its id is the key), and only what
        entered is added to its volunteer's total. The additions are atomic increments, so batches applied at once
        by several replicas add up, where a recount from each transaction's own snapshot would lose one of them;
        rows are written in key order, so two batches never wait on each other in a circle."""
        entries = {
            e.data.activity_id: {
                "activity_id": e.data.activity_id,
                "volunteer_id": e.data.volunteer_id,
                "minutes": e.data.minutes,
                "activity_date": e.data.activity_date,
                "confirmed_at": e.data.confirmed_at,
            }
            for e in events
        }
        entered = (
            await session.execute(
                insert_for(session, ledger)
                .on_conflict_do_nothing(index_elements=["activity_id"])
                .returning(ledger.c.volunteer_id, ledger.c.minutes),
                [entries[key] for key in sorted(entries)],
            )
        ).all()
        added: dict[UUID, tuple[int, int]] = {}
        for volunteer_id, minutes in entered:
            before = added.get(volunteer_id, (0, 0))
            added[volunteer_id] = (before[0] + minutes, before[1] + 1)
        if not added:
            return
        now = datetime.now(UTC)
        statement = insert_for(session, totals)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["volunteer_id"],
                set_={
                    "confirmed_minutes": totals.c.confirmed_minutes + statement.excluded.confirmed_minutes,
                    "confirmed_activities": totals.c.confirmed_activities + statement.excluded.confirmed_activities,
                    "updated_at": statement.excluded.updated_at,
                },
            ),
            [
                {
                    "volunteer_id": volunteer_id,
                    "confirmed_minutes": added[volunteer_id][0],
                    "confirmed_activities": added[volunteer_id][1],
                    "updated_at": now,
                }
                for volunteer_id in sorted(added)
            ],
        )

    async def get_total(self, query: TotalRequest, actor: Actor) -> TotalView:
        """The volunteer themselves, the council of their region (written in their id), the central council."""
        require_scope(actor, GET_TOTAL.operation, volunteer=query.volunteer_id)
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
