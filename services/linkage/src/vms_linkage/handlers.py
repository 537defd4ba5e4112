"""Events in, requests answered, and the sender that passes confirmed hours on to 1365."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.events.linkage import TransferFailedV1, TransferSentV1
from vms_contracts.events.registry import ConsentChangedV1, ConsentKind, VolunteerRegisteredV1
from vms_contracts.rpc.linkage import TransferList, TransfersRequest, TransferStatus, TransferView
from vms_linkage import domain
from vms_linkage.db import transfers, volunteers
from vms_linkage.portal import Portal1365Client, PortalUnavailable, Record
from vms_linkage.settings import LinkageSettings
from vms_platform.aio import wait_any
from vms_platform.db import Database, upsert
from vms_platform.logging import get_logger
from vms_platform.messages import text
from vms_platform.outbox import Outbox

log = get_logger("vms.linkage")

STATUS_LABELS = {
    TransferStatus.PENDING: "TRANSFER_PENDING",
    TransferStatus.AWAITING_CONSENT: "TRANSFER_AWAITING_CONSENT",
    TransferStatus.SENT: "TRANSFER_SENT",
    TransferStatus.FAILED: "TRANSFER_FAILED",
}


class LinkageHandlers:
    def __init__(self, db: Database, outbox: Outbox, portal: Portal1365Client, settings: LinkageSettings) -> None:
        self.db = db
        self.outbox = outbox
        self.portal = portal
        self.settings = settings
        self.work = asyncio.Event()
        """Set when something may have become sendable: a confirmation or a consent arrived."""

    def wake(self) -> None:
        self.work.set()

    # -- events ------------------------------------------------------------------------------------------------

    async def on_volunteers_registered(
        self, session: AsyncSession, events: list[Envelope[VolunteerRegisteredV1]]
    ) -> None:
        await upsert(
            session,
            volunteers,
            [
                {
                    "id": e.data.volunteer_id,
                    "name": e.data.name,
                    "birth_date": e.data.birth_date,
                    "phone": e.data.phone,
                    "region": e.data.region,
                }
                for e in events
            ],
            key=["id"],
        )

    async def on_consents_changed(self, session: AsyncSession, events: list[Envelope[ConsentChangedV1]]) -> None:
        for e in [e for e in events if e.data.consent == ConsentKind.PORTAL_1365]:
            stored = (
                await session.execute(
                    select(volunteers.c.consent_changed_at).where(volunteers.c.id == e.data.volunteer_id)
                )
            ).one_or_none()
            if stored is not None and not domain.consent_is_newer(stored.consent_changed_at, e.data.changed_at):
                continue
            await upsert(
                session,
                volunteers,
                [
                    {
                        "id": e.data.volunteer_id,
                        "consent_granted": e.data.granted,
                        "consent_changed_at": e.data.changed_at,
                    }
                ],
                key=["id"],
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

    async def list_transfers(self, query: TransfersRequest) -> TransferList:
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

    # -- sending -----------------------------------------------------------------------------------------------

    async def send_due(self, limit: int = 100) -> int:
        """Offer 1365 the records that are due, for volunteers who consent; returns how many were tried."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            due = (
                await session.execute(
                    select(transfers, volunteers.c.name, volunteers.c.birth_date, volunteers.c.phone)
                    .join(volunteers, volunteers.c.id == transfers.c.volunteer_id)
                    .where(
                        transfers.c.status.in_([TransferStatus.PENDING.value, TransferStatus.FAILED.value]),
                        transfers.c.next_attempt_at <= now,
                        volunteers.c.consent_granted.is_(True),
                        volunteers.c.name.is_not(None),
                    )
                    .order_by(transfers.c.next_attempt_at)
                    .limit(limit)
                )
            ).all()
        if not due:
            return 0
        gate = asyncio.Semaphore(self.settings.send_concurrency)

        async def offer(row: Any) -> domain.PortalAnswer | PortalUnavailable:
            async with gate:
                try:
                    return await self.portal.send(_record(row))
                except PortalUnavailable as exc:
                    return exc

        answers = await asyncio.gather(*(offer(row) for row in due))
        async with self.db.transaction() as session:
            for row, answer in zip(due, answers, strict=True):
                await self._settle(session, row, answer)
        return len(due)

    async def _settle(self, session: AsyncSession, row: Any, answer: domain.PortalAnswer | PortalUnavailable) -> None:
        now = datetime.now(UTC)
        attempts = row.attempts + 1
        where = and_(
            transfers.c.activity_id == row.activity_id,
            or_(transfers.c.status == TransferStatus.PENDING.value, transfers.c.status == TransferStatus.FAILED.value),
        )
        if isinstance(answer, PortalUnavailable):
            log.warning("1365 did not answer, will retry", activity_id=str(row.activity_id), error=str(answer))
            await session.execute(
                update(transfers)
                .where(where)
                .values(attempts=attempts, next_attempt_at=now + domain.unavailable_retry(attempts), updated_at=now)
            )
            return
        outcome = domain.outcome_of(
            answer,
            previous_reason=row.reason_code,
            refused_retry=timedelta(minutes=self.settings.refused_retry_minutes),
        )
        result = await session.execute(
            update(transfers)
            .where(where)
            .values(
                status=outcome.status.value,
                reason_code=outcome.reason_code,
                reason=outcome.reason,
                portal_reference=answer.record_no,
                attempts=attempts,
                next_attempt_at=now + outcome.next_attempt_in,
                sent_at=now if outcome.status is TransferStatus.SENT else None,
                updated_at=now,
            )
        )
        if not outcome.announce or _rowcount(result) == 0:
            return
        if outcome.status is TransferStatus.SENT:
            event: TransferSentV1 | TransferFailedV1 = TransferSentV1(
                activity_id=row.activity_id,
                volunteer_id=row.volunteer_id,
                minutes=row.minutes,
                portal_reference=answer.record_no or "",
                sent_at=now,
            )
        else:
            event = TransferFailedV1(
                activity_id=row.activity_id,
                volunteer_id=row.volunteer_id,
                reason_code=outcome.reason_code or "",
                reason=outcome.reason or "",
                failed_at=now,
            )
        await self.outbox.stage(session, event, region=row.region)

    async def run_sender(self, stop: asyncio.Event) -> None:
        """Send what is due until `stop`; wakes early when a confirmation or a consent arrives."""
        while not stop.is_set():
            self.work.clear()
            try:
                tried = await self.send_due()
            except Exception as exc:
                log.warning("sending to 1365 failed, will retry", error=repr(exc))
                tried = 0
            if tried:
                continue
            await wait_any(stop, self.work, timeout=1.0)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _record(row: Any) -> Record:
    return Record(
        activity_id=row.activity_id,
        name=row.name,
        birth_date=row.birth_date,
        phone=row.phone,
        region=row.region,
        activity_date=row.activity_date,
        start_time=row.start_time,
        end_time=row.end_time,
        minutes=row.minutes,
        place=row.centre_name,
        content=row.description,
    )


def _transfer_view(row: Any, consent_granted: bool) -> TransferView:
    status = domain.shown_status(TransferStatus(row.status), consent_granted)
    label = text(STATUS_LABELS[status])
    return TransferView(
        activity_id=row.activity_id,
        activity_date=row.activity_date,
        minutes=row.minutes,
        status=status,
        status_label=label.ko,
        status_label_en=label.en,
        reason_code=row.reason_code,
        reason=row.reason,
        portal_reference=row.portal_reference,
        attempts=row.attempts,
        sent_at=row.sent_at,
        updated_at=row.updated_at,
    )
