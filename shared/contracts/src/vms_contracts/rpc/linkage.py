"""Requests linkage answers: what became of each record sent to 1365."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from vms_contracts.rpc import Rpc
from vms_contracts.types import Id, RequestModel


class TransferStatus(StrEnum):
    """Where a record stands with 1365. A confirmed record that is corrected (정정, `hours.corrected`) after 1365
    took it is pending again until 1365 has taken the correction too (its `sent_at` still says when 1365 last took
    it); one that is cancelled (취소) is pending until 1365 has deleted it, then cancelled."""

    PENDING = "pending"
    """Waiting to be offered to 1365 (also while 1365 is unavailable), or a correction or cancellation of it
    waiting to reach 1365."""
    AWAITING_CONSENT = "awaiting_consent"
    """Pending, but the volunteer has not consented to 1365 linkage in VMS: held until they do."""
    SENT = "sent"
    FAILED = "failed"
    """1365 refused it for a reason the volunteer can fix on 1365 (join, consent, merge ids): offered again later."""
    REJECTED = "rejected"
    """1365 will never accept it as it stands (over 8 hours that day, past the 3-month entry window) or answered
    in a way that cannot be read: not retried; an operator may put it back (`vms-linkage requeue`)."""
    CANCELLED = "cancelled"
    """The record was cancelled in VMS (취소, `hours.cancelled`): 1365 deleted it, or never held it. Nothing more of
    it goes to 1365."""


class TransfersRequest(RequestModel):
    volunteer_id: Id


class TransferView(BaseModel):
    activity_id: UUID
    activity_date: date
    minutes: int
    status: TransferStatus
    status_label: str
    status_label_en: str
    reason_code: str | None
    reason: str | None
    """Why it is not sent yet or not accepted, in Korean."""
    reason_en: str | None = None
    """The same in English."""
    portal_reference: str | None
    attempts: int
    sent_at: AwareDatetime | None
    updated_at: AwareDatetime


class TransferList(BaseModel):
    volunteer_id: UUID
    consent_granted: bool
    """Whether linkage has seen the volunteer's VMS consent to 1365 linkage."""
    items: list[TransferView]


LIST_TRANSFERS = Rpc(
    "linkage", "list_transfers", TransfersRequest, TransferList, "1365 연계 현황", owner="volunteer_id"
)
