"""Events of linkage: what happened to a record sent to the 1365 portal."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime

from vms_contracts.envelope import Event, event


@event("linkage", "transfer.sent", 1, aggregate="activity_id")
class TransferSentV1(Event):
    """1365 accepted the record; it shows there (and reaches NEIS through 1365)."""

    activity_id: UUID
    volunteer_id: UUID
    minutes: int
    portal_reference: str
    sent_at: AwareDatetime


@event("linkage", "transfer.failed", 1, aggregate="activity_id")
class TransferFailedV1(Event):
    """1365 refused the record; it is offered again later, since most reasons are fixed on 1365's side."""

    activity_id: UUID
    volunteer_id: UUID
    reason_code: str
    reason: str
    failed_at: AwareDatetime
