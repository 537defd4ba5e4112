"""One function per request or event."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursCancelledV1, HoursConfirmedV1, HoursCorrectedV1
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
        await _add_to_totals(session, added)

    async def on_hours_changed(
        self, session: AsyncSession, events: list[Envelope[HoursCorrectedV1]] | list[Envelope[HoursCancelledV1]]
    ) -> None:
        """정정 and 취소: the ledger entry takes what the record counts now, and the volunteer's total the
        difference. An event older than the entry (a redelivery, or one overtaken by a later change) changes
        nothing; one that arrives before the confirmation it follows makes the entry, and the confirmation then
        finds it made. Entries are locked in key order, as confirmations write them."""
        added: dict[UUID, tuple[int, int]] = {}
        changes: list[Envelope[HoursCorrectedV1] | Envelope[HoursCancelledV1]] = list(events)
        for envelope in sorted(changes, key=lambda e: (e.data.activity_id, e.data.revision)):
            data = envelope.data
            if isinstance(data, HoursCorrectedV1):
                facts, cancelled, at = data.corrected, False, data.corrected_at
            else:
                facts, cancelled, at = data.cancelled, True, data.cancelled_at
            now_counts = (0, 0) if cancelled else (facts.minutes, 1)
            entry = (
                await session.execute(select(ledger).where(ledger.c.activity_id == data.activity_id).with_for_update())
            ).one_or_none()
            values = {
                "minutes": facts.minutes,
                "activity_date": facts.activity_date,
                "revision": data.revision,
                "cancelled": cancelled,
            }
            if entry is None:
                await session.execute(
                    insert(ledger).values(
                        activity_id=data.activity_id, volunteer_id=data.volunteer_id, confirmed_at=at, **values
                    )
                )
                was = (0, 0)
            elif entry.revision >= data.revision:
                continue
            else:
                await session.execute(update(ledger).where(ledger.c.activity_id == data.activity_id).values(**values))
                was = (0, 0) if entry.cancelled else (entry.minutes, 1)
            before = added.get(data.volunteer_id, (0, 0))
            added[data.volunteer_id] = (before[0] + now_counts[0] - was[0], before[1] + now_counts[1] - was[1])
        await _add_to_totals(session, added)

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


async def _add_to_totals(session: AsyncSession, added: dict[UUID, tuple[int, int]]) -> None:
    """Each volunteer's total moved by (minutes, activities): atomic increments, in key order."""
    changed = {volunteer: change for volunteer, change in added.items() if change != (0, 0)}
    if not changed:
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
                "confirmed_minutes": changed[volunteer_id][0],
                "confirmed_activities": changed[volunteer_id][1],
                "updated_at": now,
            }
            for volunteer_id in sorted(changed)
        ],
    )
