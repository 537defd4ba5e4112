"""Events in and requests answered; the sender that passes confirmed hours on to 1365 is `vms_linkage.sender`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.events.registry import ConsentChangedV1, ConsentKind
from vms_contracts.rpc.linkage import LIST_TRANSFERS, TransferList, TransfersRequest, TransferStatus, TransferView
from vms_linkage import domain
from vms_linkage.db import transfers, volunteers
from vms_linkage.sender import Sender
from vms_platform.actor import require_scope
from vms_platform.db import Database, insert_for, upsert
from vms_platform.messages import text

STATUS_LABELS = {
    TransferStatus.PENDING: "TRANSFER_PENDING",
    TransferStatus.AWAITING_CONSENT: "TRANSFER_AWAITING_CONSENT",
    TransferStatus.SENT: "TRANSFER_SENT",
    TransferStatus.FAILED: "TRANSFER_FAILED",
    TransferStatus.REJECTED: "TRANSFER_REJECTED",
}


class LinkageHandlers:
    def __init__(self, db: Database, sender: Sender) -> None:
        self.db = db
        self.sender = sender

    def wake(self) -> None:
        """After a commit of confirmations or consents: something may have become sendable."""
        self.sender.wake()

    # -- events ------------------------------------------------------------------------------------------------

    async def on_consents_changed(self, session: AsyncSession, events: list[Envelope[ConsentChangedV1]]) -> None:
        """The latest change wins, however late or often changes arrive and however many replicas apply them at
        once: the batch keeps each volunteer's latest, and the write itself compares (`ON CONFLICT … DO UPDATE
        … WHERE stored is older`), so an older grant can never overwrite a newer withdrawal."""
        latest: dict[UUID, ConsentChangedV1] = {}
        for e in [e for e in events if e.data.consent == ConsentKind.PORTAL_1365]:
            held = latest.get(e.data.volunteer_id)
            if held is None or domain.consent_is_newer(held.changed_at, e.data.changed_at):
                latest[e.data.volunteer_id] = e.data
        if not latest:
            return
        statement = insert_for(session, volunteers)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={
                    "consent_granted": statement.excluded.consent_granted,
                    "consent_changed_at": statement.excluded.consent_changed_at,
                },
                where=or_(
                    volunteers.c.consent_changed_at.is_(None),
                    volunteers.c.consent_changed_at < statement.excluded.consent_changed_at,
                ),
            ),
            [
                {"id": key, "consent_granted": latest[key].granted, "consent_changed_at": latest[key].changed_at}
                for key in sorted(latest)
            ],
        )

    async def on_hours_confirmed(self, session: AsyncSession, events: list[Envelope[HoursConfirmedV1]]) -> None:
        now = datetime.now(UTC)
        await upsert(
            session,
            transfers,
            [
                {
                    "activity_id": e.data.activity_id,
                    "volunteer_id": e.data.volunteer_id,
                    "region": e.region,
                    "centre_name": e.data.centre_name,
                    "activity_date": e.data.activity_date,
                    "start_time": e.data.start_time,
                    "end_time": e.data.end_time,
                    "minutes": e.data.minutes,
                    "description": e.data.description,
                    "status": TransferStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for e in events
            ],
            key=["activity_id"],
            on_conflict="ignore",
        )

    # -- requests ----------------------------------------------------------------------------------------------

    async def list_transfers(self, query: TransfersRequest, actor: Actor) -> TransferList:
        """The volunteer themselves, the council of their region (written in their id), the central council."""
        require_scope(actor, LIST_TRANSFERS.operation, volunteer=query.volunteer_id)
        async with self.db.transaction() as session:
            consent = await session.scalar(
                select(volunteers.c.consent_granted).where(volunteers.c.id == query.volunteer_id)
            )
            rows = (
                await session.execute(
                    select(transfers)
                    .where(transfers.c.volunteer_id == query.volunteer_id)
                    .order_by(transfers.c.activity_date, transfers.c.start_time)
                )
            ).all()
        granted = bool(consent)
        return TransferList(
            volunteer_id=query.volunteer_id,
            consent_granted=granted,
            items=[_transfer_view(row, granted) for row in rows],
        )


def _transfer_view(row: Any, consent_granted: bool) -> TransferView:
    status = domain.shown_status(TransferStatus(row.status), consent_granted)
    label = text(STATUS_LABELS[status])
    # The Korean reason is kept as the volunteer (and the event) first read it; the English one is made from the
    # same code and 1365's own words.
    reason_en = domain.reason_text(row.reason_code, row.reason_detail)
    return TransferView(
        activity_id=row.activity_id,
        activity_date=row.activity_date,
        minutes=row.minutes,
        status=status,
        status_label=label.ko,
        status_label_en=label.en,
        reason_code=row.reason_code,
        reason=row.reason,
        reason_en=reason_en.en if reason_en else None,
        portal_reference=row.portal_reference,
        attempts=row.attempts,
        sent_at=row.sent_at,
        updated_at=row.updated_at,
    )
