"""Events of linkage: what happened to a record sent to the 1365 portal, and blood donations registered from the
Red Cross."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field

from vms_contracts.envelope import Event, event


@event("linkage", "transfer.sent", 1, aggregate="activity_id")
class TransferSentV1(Event):
    """1365 accepted the record; it shows there (and reaches NEIS through 1365). Published again, with the same
    `portal_reference`, each time 1365 accepts a correction of a record it holds (`hours.corrected`): `minutes` and
    `revision` are then the corrected record's. Of the events about one record, the one with the highest
    `revision` says what 1365 holds."""

    activity_id: UUID
    volunteer_id: UUID
    minutes: int
    portal_reference: str
    sent_at: AwareDatetime
    revision: int = 2
    """The revision of the hours record 1365 now holds: 2 for the confirmed record (every event from before this
    field was one), one more for each correction."""


@event("linkage", "transfer.failed", 1, aggregate="activity_id")
class TransferFailedV1(Event):
    """1365 refused the record, or a correction or the deletion of one it holds. Unless `final`, it is offered
    again later, since those reasons are fixed on 1365's side (join, consent, merge duplicate ids); published once
    per new reason, not per attempt. A refused correction leaves 1365 holding the record as it was before."""

    activity_id: UUID
    volunteer_id: UUID
    reason_code: str
    reason: str
    failed_at: AwareDatetime
    final: bool = False
    """1365 will never accept the record as it stands (e.g. over 8 hours that day, past the 3-month entry window,
    an answer that cannot be read): it is not offered again unless an operator puts it back, or a later
    correction changes it."""
    revision: int = 2
    """The revision of the hours record that was refused (2 for the confirmed record, one more for each
    correction or the cancellation)."""


@event("linkage", "transfer.cancelled", 1, aggregate="activity_id")
class TransferCancelledV1(Event):
    """The record was cancelled in VMS (취소, `hours.cancelled`) and its way to 1365 is over: 1365 deleted the
    record (`deleted`), or had never held it (nothing was asked of 1365). Nothing more of it goes to 1365."""

    activity_id: UUID
    volunteer_id: UUID
    revision: int
    """The revision of the hours record that cancelled it."""
    deleted: bool
    """1365 had accepted the record (a `transfer.sent` was published) and has deleted it now."""
    cancelled_at: AwareDatetime


class BloodDonationType(StrEnum):
    """헌혈 종류, as the Red Cross records them."""

    WHOLE_BLOOD = "whole_blood"
    """전혈"""
    PLASMA = "plasma"
    """혈장성분"""
    PLATELET = "platelet"
    """혈소판성분"""
    PLATELET_PLASMA = "platelet_plasma"
    """혈소판혈장성분"""

    @property
    def korean(self) -> str:
        return _DONATION_TYPE_NAMES[self]

    @property
    def apheresis(self) -> bool:
        """성분헌혈: every kind but whole blood (its own yearly limit)."""
        return self is not BloodDonationType.WHOLE_BLOOD


_DONATION_TYPE_NAMES = {
    BloodDonationType.WHOLE_BLOOD: "전혈",
    BloodDonationType.PLASMA: "혈장성분",
    BloodDonationType.PLATELET: "혈소판성분",
    BloodDonationType.PLATELET_PLASMA: "혈소판혈장성분",
}

DONATION_NUMBER_PATTERN = r"^\d{2}-\d{2}-\d{6}$"
"""A 헌혈증서 number as this system writes it: blood centre (2 digits), year (2), serial (6), e.g. `02-24-012345`.
The Red Cross does not publish its format; this one is the system's own, and the simulator issues it."""


@event("linkage", "blood_donation.registered", 1, aggregate="volunteer_id")
class BloodDonationRegisteredV1(Event):
    """A volunteer looked up their Red Cross donations and registered one (헌혈실적연계): hours converts it into
    volunteer hours (4 hours a donation, within the yearly limits), once per donation number."""

    volunteer_id: UUID
    donation_number: str = Field(pattern=DONATION_NUMBER_PATTERN, examples=["02-24-012345"])
    donated_on: date
    donation_type: BloodDonationType
    blood_centre: str = Field(max_length=100, examples=["헌혈의집 서면센터"])
    """Where the blood was given (헌혈의집 or 헌혈버스)."""
    registered_at: AwareDatetime
