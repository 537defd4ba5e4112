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
    """1365 refused the record. Unless `final`, it is offered again later, since those reasons are fixed on
    1365's side (join, consent, merge duplicate ids); published once per new reason, not per attempt."""

    activity_id: UUID
    volunteer_id: UUID
    reason_code: str
    reason: str
    failed_at: AwareDatetime
    final: bool = False
    """1365 will never accept the record as it stands (e.g. over 8 hours that day, past the 3-month entry window,
    an answer that cannot be read): it is not offered again unless an operator puts it back."""
