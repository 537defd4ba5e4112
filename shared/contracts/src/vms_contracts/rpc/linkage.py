"""Requests linkage answers: what became of each record sent to 1365."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from vms_contracts.rpc import Rpc


class TransferStatus(StrEnum):
    PENDING = "pending"
    AWAITING_CONSENT = "awaiting_consent"
    SENT = "sent"
    FAILED = "failed"


class TransfersRequest(BaseModel):
    volunteer_id: UUID


class TransferView(BaseModel):
    activity_id: UUID
    activity_date: date
    minutes: int
    status: TransferStatus
    status_label: str
    status_label_en: str
    reason_code: str | None
    reason: str | None
    portal_reference: str | None
    attempts: int
    sent_at: AwareDatetime | None
    updated_at: AwareDatetime


class TransferList(BaseModel):
    volunteer_id: UUID
    consent_granted: bool
    """Whether linkage has seen the volunteer's VMS consent to 1365 linkage."""
    items: list[TransferView]


LIST_TRANSFERS = Rpc("linkage", "list_transfers", TransfersRequest, TransferList, "1365 연계 현황")
