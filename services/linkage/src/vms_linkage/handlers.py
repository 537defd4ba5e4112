"""Events in and requests answered; the sender that passes confirmed hours on to 1365 is `vms_linkage.sender`.

Hours' events about one record travel on three consumers (`linkage-hours` for confirmations, `linkage-corrected`,
`linkage-cancelled`) and may overtake each other: a transfer holds the facts of the newest revision of the record
it has heard of, whichever event brought it, and an older or repeated event changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import CountedActivity, HoursCancelledV1, HoursConfirmedV1, HoursCorrectedV1
from vms_contracts.events.registry import ConsentChangedV1, ConsentKind
from vms_contracts.rpc.linkage import LIST_TRANSFERS, TransferList, TransfersRequest, TransferStatus, TransferView
from vms_linkage import domain
from vms_linkage.db import transfers, volunteers
from vms_linkage.sender import Sender
from vms_platform.actor import require_scope
from vms_platform.db import Database, insert_for
from vms_platform.messages import text

STATUS_LABELS = {
    TransferStatus.PENDING: "TRANSFER_PENDING",
    TransferStatus.AWAITING_CONSENT: "TRANSFER_AWAITING_CONSENT",
    TransferStatus.SENT: "TRANSFER_SENT",
    TransferStatus.FAILED: "TRANSFER_FAILED",
    TransferStatus.REJECTED: "TRANSFER_REJECTED",
    TransferStatus.CANCELLED: "TRANSFER_CANCELLED",
}

CONFIRMED_REVISION = 2
"""The revision of an hours record once confirmed (1 recorded, 2 confirmed); each correction, and the
cancellation, is one more."""


class LinkageHandlers:
    def __init__(self, db: Database, sender: Sender) -> None:
        self.db = db
        self.sender = sender

    def wake(self) -> None:
        """After a commit of confirmations, changes or consents: something may have become sendable."""
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
        """A confirmed activity is to go to 1365: one transfer per record, however often the event arrives. Blood
        donations never come this way (hours announces them as `hours.blood_donation_counted`, which linkage does
        not follow): 1365 has them from the Red Cross.

        A correction or cancellation that overtook its confirmation made the transfer already, with newer facts
        than the confirmation's (revision 3 or later): the confirmation then only says that the record is an
        activity for 1365, and from which centre — it never takes the transfer back to older facts."""
        now = datetime.now(UTC)
        latest = {e.data.activity_id: e for e in events}
        statement = insert_for(session, transfers)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["activity_id"],
                set_={
                    "confirmed": True,
                    "centre_name": statement.excluded.centre_name,
                    "next_attempt_at": statement.excluded.next_attempt_at,
                    "updated_at": statement.excluded.updated_at,
                },
                where=transfers.c.confirmed.is_(False),
            ),
            [
                {
                    "activity_id": key,
                    "volunteer_id": e.data.volunteer_id,
                    "region": e.region,
                    "centre_name": e.data.centre_name,
                    "activity_date": e.data.activity_date,
                    "start_time": e.data.start_time,
                    "end_time": e.data.end_time,
                    "minutes": e.data.minutes,
                    "description": e.data.description,
                    "revision": CONFIRMED_REVISION,
                    "sent_revision": None,
                    "cancelled": False,
                    "confirmed": True,
                    "status": TransferStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for key, e in sorted(latest.items())
            ],
        )

    async def on_hours_changed(
        self, session: AsyncSession, events: list[Envelope[HoursCorrectedV1]] | list[Envelope[HoursCancelledV1]]
    ) -> None:
        """정정 and 취소 of a confirmed record: the transfer takes the newest revision's facts (and, for a
        cancellation, is marked cancelled) and is due at once, so that the sender brings 1365 to it — a correction
        of a record 1365 holds, its deletion, or nothing for one 1365 never held. An event of a revision no newer
        than the one held (a redelivery, or one overtaken by a later change) changes nothing; the write itself
        compares (`ON CONFLICT … DO UPDATE … WHERE stored is older`), so a correction and a cancellation applied
        at once by two consumers end at the newer one, whichever commits last.

        A change that arrives before its confirmation makes the transfer, unconfirmed: it is neither sent nor
        shown until the confirmation arrives (`on_hours_confirmed`). A record linkage is never told was confirmed
        (a blood donation, say) so never reaches 1365. A sending pass that holds the record meanwhile finds the
        newer revision when it settles, and leaves the record due again (`vms_linkage.sender`)."""
        changes: list[Envelope[HoursCorrectedV1] | Envelope[HoursCancelledV1]] = list(events)
        latest: dict[UUID, tuple[Envelope[HoursCorrectedV1] | Envelope[HoursCancelledV1], CountedActivity, bool]] = {}
        for e in changes:
            data = e.data
            facts, cancelled = (data.cancelled, True) if isinstance(data, HoursCancelledV1) else (data.corrected, False)
            held = latest.get(data.activity_id)
            if held is None or held[0].data.revision < data.revision:
                latest[data.activity_id] = (e, facts, cancelled)
        if not latest:
            return
        now = datetime.now(UTC)
        statement = insert_for(session, transfers)
        new = statement.excluded
        failed = transfers.c.status == TransferStatus.FAILED.value
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["activity_id"],
                set_={
                    "activity_date": new.activity_date,
                    "start_time": new.start_time,
                    "end_time": new.end_time,
                    "minutes": new.minutes,
                    "description": new.description,
                    "revision": new.revision,
                    "cancelled": new.cancelled,
                    # A refusal the volunteer can fix on 1365 keeps its reason (announced once per new reason);
                    # anything else is due afresh: sent, parked or waiting, the new facts are offered now.
                    "status": case((failed, transfers.c.status), else_=TransferStatus.PENDING.value),
                    "reason_code": case((failed, transfers.c.reason_code), else_=None),
                    "reason": case((failed, transfers.c.reason), else_=None),
                    "reason_detail": case((failed, transfers.c.reason_detail), else_=None),
                    "next_attempt_at": new.next_attempt_at,
                    "updated_at": new.updated_at,
                },
                where=transfers.c.revision < new.revision,
            ),
            [
                {
                    "activity_id": key,
                    "volunteer_id": e.data.volunteer_id,
                    "region": e.region,
                    "centre_name": "",  # known from the confirmation only
                    "activity_date": facts.activity_date,
                    "start_time": facts.start_time,
                    "end_time": facts.end_time,
                    "minutes": facts.minutes,
                    "description": facts.description,
                    "revision": e.data.revision,
                    "sent_revision": None,
                    "cancelled": cancelled,
                    "confirmed": False,
                    "status": TransferStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for key, (e, facts, cancelled) in sorted(latest.items())
            ],
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
                    .where(transfers.c.volunteer_id == query.volunteer_id, transfers.c.confirmed.is_(True))
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
    status = domain.shown_status(TransferStatus(row.status), consent_granted, cancelled=row.cancelled)
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
