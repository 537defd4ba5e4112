"""Events of hours: activity records, their confirmation, rejection, correction and cancellation.

What integrators subscribe to (`vms.*.hours.>`): ids, dates and minutes, never a phone or an address.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from vms_contracts.envelope import Event, event
from vms_contracts.events.linkage import BloodDonationType
from vms_contracts.reference import ActivityType


class ActivityKind(StrEnum):
    """What a record counts: an activity a centre recorded and confirmed (`hours.recorded`, `hours.confirmed`, …),
    or a blood donation (헌혈) the Red Cross recorded, converted into hours (`hours.blood_donation_counted`)."""

    ACTIVITY = "activity"
    BLOOD_DONATION = "blood_donation"


@event("hours", "recorded", 1, aggregate="activity_id")
class HoursRecordedV1(Event):
    """A management centre entered an activity; it counts only once confirmed."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    activity_date: date
    start_time: time
    end_time: time
    minutes: int = Field(gt=0)
    description: str
    exception_reason: str | None = None
    recorded_at: AwareDatetime
    activity_type: ActivityType | None = None
    sub_field: str | None = None
    place: str | None = None
    recruitment_id: UUID | None = None


@event("hours", "confirmed", 1, aggregate="activity_id")
class HoursConfirmedV1(Event):
    """The centre confirmed the record: from now on its minutes count towards the volunteer's total."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    centre_name: str
    activity_date: date
    start_time: time
    end_time: time
    minutes: int = Field(gt=0)
    description: str
    confirmed_at: AwareDatetime
    activity_type: ActivityType | None = None
    sub_field: str | None = None
    place: str | None = None
    recruitment_id: UUID | None = None


@event("hours", "rejected", 1, aggregate="activity_id")
class HoursRejectedV1(Event):
    """The centre would not confirm the record (반려): it never counts."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    reason: str
    rejected_at: AwareDatetime


class CountedActivity(BaseModel):
    """What a confirmed record counts, as of one revision: enough for any total to move it from one day, type or
    amount to another."""

    activity_date: date
    start_time: time
    end_time: time
    minutes: int = Field(gt=0)
    activity_type: ActivityType | None
    sub_field: str | None
    place: str | None
    description: str


@event("hours", "corrected", 1, aggregate="activity_id")
class HoursCorrectedV1(Event):
    """A confirmed record was corrected (정정): it counts `corrected` in place of `previous` from now on, which
    changes the volunteer's total by `minutes_delta`. The record as it was stays in its history."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    revision: int
    previous: CountedActivity
    corrected: CountedActivity
    minutes_delta: int
    reason: str
    corrected_at: AwareDatetime


@event("hours", "cancelled", 1, aggregate="activity_id")
class HoursCancelledV1(Event):
    """A confirmed record was cancelled (취소): its `cancelled.minutes` count no more."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    revision: int
    cancelled: CountedActivity
    reason: str
    cancelled_at: AwareDatetime


@event("hours", "blood_donation_counted", 1, aggregate="activity_id")
class HoursBloodDonationCountedV1(Event):
    """A registered blood donation (헌혈) now counts as volunteer hours, apart from activities in every total.
    1365 knows it from the Red Cross: it is not sent there again."""

    activity_id: UUID
    volunteer_id: UUID
    donation_number: str
    donated_on: date
    donation_type: BloodDonationType
    minutes: int = Field(gt=0)
    counted_at: AwareDatetime


class CertificateLanguage(StrEnum):
    """The language a certificate is printed in."""

    KO = "ko"
    """사회복지자원봉사 인증서, in Korean."""
    EN = "en"
    """Certificate of volunteer service, in English."""


@event("hours", "certificate_issued", 1, aggregate="certificate_id")
class CertificateIssuedV1(Event):
    """A certificate of a volunteer's confirmed hours (사회복지자원봉사 인증서) was issued: what it certifies, as
    issued. Its holder's name and birth date are printed on it but are not in the event; anyone holding the printed
    certificate checks it on the verification page its QR code opens."""

    certificate_id: UUID
    number: str
    """발급번호, printed on the certificate: `<region>-<year>-<serial>`, e.g. `11-2026-000123`."""
    volunteer_id: UUID
    council_region: str
    """The issuing council (`vms_contracts.reference.COUNCILS`): the volunteer's 시·도."""
    language: CertificateLanguage
    period_from: date | None
    period_to: date | None
    activities: int
    minutes: int
    """Confirmed activities' minutes, blood donations apart."""
    blood_donations: int
    blood_minutes: int
    issued_at: AwareDatetime
    issued_by: UUID | None
