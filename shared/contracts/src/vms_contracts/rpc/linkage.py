"""Requests linkage answers: what became of each record sent to 1365."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from vms_contracts.rpc import Rpc
from vms_contracts.types import Id, RequestModel


class TransferStatus(StrEnum):
    PENDING = "pending"
    """Waiting to be offered to 1365 (also while 1365 is unavailable)."""
    AWAITING_CONSENT = "awaiting_consent"
    """Pending, but the volunteer has not consented to 1365 linkage in VMS: held until they do."""
    SENT = "sent"
    FAILED = "failed"
    """1365 refused it for a reason the volunteer can fix on 1365 (join, consent, merge ids): offered again later."""
    REJECTED = "rejected"
    """1365 will never accept it as it stands (over 8 hours that day, past the 3-month entry window) or answered
    in a way that cannot be read: not retried; an operator may put it back (`vms-linkage requeue`)."""


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
