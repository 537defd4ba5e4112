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
