"""Requests hours answers: recording, confirming, rejecting, correcting and cancelling activity records, their
history, and the lists of a volunteer's or a centre's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from vms_contracts.errors import ErrorBody
from vms_contracts.events.hours import ActivityKind, CertificateLanguage
from vms_contracts.events.linkage import BloodDonationType
from vms_contracts.reference import ActivityType, sub_field
from vms_contracts.regions import REGIONS, ProvinceCode
from vms_contracts.rpc import Rpc
from vms_contracts.types import (
    EARLIEST_ACTIVITY_DATE,
    NFC_NOTE,
    ActivityDate,
    CalendarDate,
    Id,
    KoreanTime,
    LongText,
    PageLimit,
    PageOffset,
    RequestModel,
    ShortText,
)


class ActivityFacts(RequestModel):
    """What a record says of an activity, as recorded and as corrected: when, what kind of activity, where, what
    was done."""

    activity_date: ActivityDate = Field(
        description=f"활동일 (Korean date, `YYYY-MM-DD`; from {EARLIEST_ACTIVITY_DATE}, not in the future)",
        examples=["2026-11-20"],
    )
    start_time: KoreanTime = Field(description="시작 시각 (KST, `HH:MM` or `HH:MM:SS`, no offset)", examples=["10:00"])
    end_time: KoreanTime = Field(
        description="종료 시각 (KST, `HH:MM` or `HH:MM:SS`, no offset), the same day", examples=["13:30"]
    )
    activity_type: ActivityType = Field(description="봉사활동 분류", examples=[ActivityType.FACILITY])
    sub_field: str = Field(
        description="세부분야: a sub-field code of `activity_type`", max_length=40, examples=["emotional"]
    )
    place: ShortText | None = Field(
        default=None,
        description=f"활동장소; empty when the activity took place at the centre itself. {NFC_NOTE}",
        examples=["행복종합사회복지관 2층"],
    )
    description: LongText = Field(description=f"활동내용. {NFC_NOTE}", examples=["어르신 말벗 및 식사 보조"])
    exception_reason: LongText | None = Field(
        default=None, description=f"Why a day over the limit or a late entry must be accepted. {NFC_NOTE}"
    )

    @model_validator(mode="after")
    def _sub_field_of_type(self) -> Self:
        sub_field(self.activity_type, self.sub_field)
        return self


class ActivityDetails(ActivityFacts):
    """What a centre says of an activity; the centre itself is named by the address it is sent to (the gateway's
    path) or by `RecordActivity.centre_id`."""

    volunteer_id: Id
    recruitment_id: Id | None = Field(default=None, description="The recruitment (봉사자모집) the activity was for")


class RecordActivity(ActivityDetails):
    centre_id: Id


MAX_ROWS = 1000
"""Rows in one `RecordActivities` request: a file with more is sent in parts. The answer names each row's record
(about 0.6 KB each), so that a part's request and answer both stay well under NATS's 1 MB."""


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    """Nothing is recorded unless every row may be."""
    CLEAN_ROWS = "clean_rows"
    """The rows that may be recorded are; the others come back, each with its reason."""


class ActivityBatch(RequestModel):
    """Several activities of one centre at once (일괄 입력: a file's rows), each checked by the rules of one record,
    among the centre's records and among themselves. `check_only` answers what recording would answer and records
    nothing. A row already recorded (the same centre, volunteer, day, times and description) is that record again:
    the same file sent twice records nothing twice."""

    rows: list[ActivityDetails] = Field(min_length=1, max_length=MAX_ROWS)
    mode: ImportMode = ImportMode.ALL_OR_NOTHING
    check_only: StrictBool = False
    first_row: StrictInt = Field(
        default=1, ge=1, description="The number the first row has in the file: refusals name rows by it"
    )
    row_numbers: list[Annotated[StrictInt, Field(ge=1)]] | None = Field(
        default=None,
        max_length=MAX_ROWS,
        description="The number each row has in the file, where they do not follow on from `first_row` (a file "
        "with empty rows, or rows refused before they were sent); one per row",
    )

    def row_number(self, index: int) -> int:
        """The number the row at `index` has in the file."""
        return self.row_numbers[index] if self.row_numbers is not None else self.first_row + index

    @model_validator(mode="after")
    def _one_number_a_row(self) -> Self:
        if self.row_numbers is not None and len(self.row_numbers) != len(self.rows):
            raise PydanticCustomError(
                "row_numbers_length",
                "{numbers} row numbers for {rows} rows",
                {"field": "row_numbers", "numbers": len(self.row_numbers), "rows": len(self.rows)},
            )
        return self


class RecordActivities(ActivityBatch):
    centre_id: Id


class RowRefusal(BaseModel):
    row: int
    """The row's number in the file (`first_row` for the first one sent, or its `row_numbers`)."""
    error: ErrorBody


class RecordedRow(BaseModel):
    """A row recorded: its number in the file and the record it is (`hours.get_activity` tells the rest)."""

    row: int
    activity_id: UUID
    already: bool = False
    """Recorded before (the same row sent again): nothing was written for it now."""


class RecordedActivities(BaseModel):
    recorded: list[RecordedRow]
    """The rows recorded now (or that would be, `check_only`), and those recorded before (sent again), in the order
    of the request. Each names its record rather than repeating it: the answer to a file stays small."""
    refused: list[RowRefusal]
    """The rows that may not be recorded, each with why; with `all_or_nothing` and any refused, none is recorded."""
    already: int = 0
    """Of `recorded`, how many were recorded before."""


class ActivityRef(RequestModel):
    activity_id: Id


Reason = Annotated[LongText, Field(description=f"Why: kept with the record and shown in its history. {NFC_NOTE}")]


class Reasoned(RequestModel):
    """Why a record is rejected or cancelled (the body the gateway takes)."""

    reason: Reason


class RejectActivity(Reasoned):
    """A record not yet confirmed that the centre will not confirm (반려), with the reason."""

    activity_id: Id


class Correction(ActivityFacts):
    """A confirmed record as it should have been (정정): the facts in full, and why. The record as it was stays in
    its history; every total, certificate and 1365 transfer follows the correction."""

    reason: Reason


class CorrectActivity(Correction):
    activity_id: Id


class CancelActivity(Reasoned):
    """A confirmed record that should never have counted (취소), with the reason: it stays in the history and counts
    no more."""

    activity_id: Id


class VolunteerActivities(RequestModel):
    volunteer_id: Id


class ActivityStatus(StrEnum):
    RECORDED = "recorded"
    """기록: entered by the centre, not counted yet."""
    CONFIRMED = "confirmed"
    """확인: counted (corrected ones included)."""
    REJECTED = "rejected"
    """반려: the centre would not confirm it; never counted."""
    CANCELLED = "cancelled"
    """취소: confirmed once, then cancelled; counts no more."""


class ActivityView(BaseModel):
    id: UUID
    kind: ActivityKind = ActivityKind.ACTIVITY
    centre_id: UUID | None
    """None for a blood donation: the Red Cross recorded it."""
    volunteer_id: UUID
    activity_date: date
    start_time: time
    end_time: time
    minutes: int
    activity_type: ActivityType | None
    """None only for a blood donation, and for records made before the type was asked."""
    sub_field: str | None
    place: str | None
    description: str
    recruitment_id: UUID | None = None
    donation_number: str | None = None
    """The Red Cross donation (헌혈증서) number, for a blood donation."""
    donation_type: BloodDonationType | None = None
    exception_reason: str | None
    status: ActivityStatus
    status_reason: str | None = None
    """Why it was rejected, or why it was last corrected or cancelled."""
    revision: int = 1
    """1 as recorded; one more for each confirmation, rejection, correction or cancellation."""
    recorded_at: AwareDatetime
    confirmed_at: AwareDatetime | None
    changed_at: AwareDatetime | None = None
    """When it was last rejected, corrected or cancelled."""


class Change(StrEnum):
    """What a revision of a record did."""

    RECORDED = "recorded"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    CANCELLED = "cancelled"


class ActivityRevision(BaseModel):
    """One step of a record's history: what it said after the step, who took it, when and why."""

    revision: int
    change: Change
    at: AwareDatetime
    by: UUID | None
    """The account that took the step; None for what the system did itself (a blood donation's conversion)."""
    reason: str | None
    activity_date: date
    start_time: time
    end_time: time
    minutes: int
    counted_minutes: int
    """The minutes the record counts after this step (0 until confirmed, and after a rejection or cancellation)."""
    activity_type: ActivityType | None
    sub_field: str | None
    place: str | None
    description: str


class ActivityHistory(BaseModel):
    activity: ActivityView
    revisions: list[ActivityRevision]
    """Oldest first."""


class CentreActivities(RequestModel):
    centre_id: Id
    status: ActivityStatus | None = Field(default=None, description="Only records in this state")
    limit: PageLimit = 100
    offset: PageOffset = 0


class ActivityList(BaseModel):
    items: list[ActivityView]
    total: int | None = None
    """How many records match in all when `items` is one page of them (a centre's list); None when `items` is
    all of them."""


class CentreTotalsRequest(RequestModel):
    centre_id: Id


class RegionTotalsRequest(RequestModel):
    region: ProvinceCode


class Counts(BaseModel):
    """Confirmed minutes and records, blood donations (헌혈) apart."""

    minutes: int = 0
    """봉사활동: the confirmed activities' minutes."""
    activities: int = 0
    blood_minutes: int = 0
    """헌혈: 4 hours a donation counted."""
    blood_donations: int = 0


class PeriodTotal(Counts):
    period: str
    """`2026` for a year, `2026-11` for a month."""


class TypeTotal(BaseModel):
    activity_type: ActivityType
    minutes: int
    activities: int


class HoursTotals(Counts):
    """Totals as records are confirmed, corrected and cancelled (never summed again from the records): all time,
    each year and month with something counted (oldest first), each activity type."""

    total_minutes: int = 0
    """Activities and blood donations together."""
    by_year: list[PeriodTotal] = []
    by_month: list[PeriodTotal] = []
    by_type: list[TypeTotal] = []
    updated_at: AwareDatetime | None = None


class VolunteerTotals(HoursTotals):
    volunteer_id: UUID


class CentreTotals(HoursTotals):
    centre_id: UUID


class RegionTotals(HoursTotals):
    region: str


# -- certificates ------------------------------------------------------------------------------------------------

CERTIFICATE_NUMBER_PATTERN = rf"^(?:{'|'.join(sorted(REGIONS))})-[0-9]{{4}}-[0-9]{{6}}$"
"""`<region>-<year>-<serial>`: the region whose deployment issued it (`00` the national one), the year, the serial."""
VERIFICATION_CODE_PATTERN = r"^[0-9A-HJ-NP-Z]{4}-[0-9A-HJ-NP-Z]{4}$"
"""Eight characters of a 32-letter alphabet (no I or O, which read as 1 and 0), in two groups of four."""


class CertificateRequest(RequestModel):
    """A certificate of the volunteer's confirmed hours, all of them or those of a period (both ends included)."""

    language: CertificateLanguage = Field(default=CertificateLanguage.KO, description="ko (한국어) or en (English)")
    period_from: CalendarDate | None = Field(default=None, description="활동기간 시작 (`YYYY-MM-DD`), inclusive")
    period_to: CalendarDate | None = Field(default=None, description="활동기간 끝 (`YYYY-MM-DD`), inclusive")

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.period_from and self.period_to and self.period_to < self.period_from:
            raise PydanticCustomError(
                "date_order",
                "{end_field} {end} is before {start_field} {start}",
                {
                    "field": "period_to",
                    "start_field": "period_from",
                    "end_field": "period_to",
                    "start": self.period_from.isoformat(),
                    "end": self.period_to.isoformat(),
                },
            )
        return self


class IssueCertificate(CertificateRequest):
    volunteer_id: Id


class CertificateRef(RequestModel):
    certificate_id: Id


class VerifyCertificate(RequestModel):
    """What the certificate's QR code (or its reader, typing) gives: the issue number and its verification code."""

    number: str = Field(
        pattern=CERTIFICATE_NUMBER_PATTERN, description="발급번호, e.g. `11-2026-000123`", examples=["11-2026-000123"]
    )
    code: str = Field(
        pattern=VERIFICATION_CODE_PATTERN, description="확인코드, e.g. `7KQ2-M9XD`", examples=["7KQ2-M9XD"]
    )

    @property
    def region(self) -> str:
        """The region whose deployment issued it: the number's first two digits."""
        return self.number[:2]


class CertificateLine(BaseModel):
    """One record as the certificate states it, at the revision it had when issued."""

    activity_id: UUID
    revision: int
    kind: ActivityKind
    activity_date: date
    start_time: time
    end_time: time
    minutes: int
    activity_type: ActivityType | None
    sub_field: str | None
    place: str
    """Where: the record's place, else its centre's name; for a blood donation, the Red Cross (대한적십자사)."""
    centre_name: str | None
    description: str
    donation_type: BloodDonationType | None = None


class CertificateHolder(BaseModel):
    """Asked of the registry when the certificate is issued or printed again; hours keeps none of it."""

    name: str
    birth_date: date


class CertificateSummary(BaseModel):
    id: UUID
    number: str
    volunteer_id: UUID
    council_region: str
    language: CertificateLanguage
    period_from: date | None
    period_to: date | None
    activities: int
    minutes: int
    blood_donations: int
    blood_minutes: int
    issued_at: AwareDatetime


class CertificateView(CertificateSummary):
    verification_code: str
    """Printed beside the QR code; with the number, what the public verification page asks."""
    holder: CertificateHolder
    lines: list[CertificateLine]
    """Date order."""


class CertificateList(BaseModel):
    items: list[CertificateSummary]
    """Newest first."""


class CertificateVerification(BaseModel):
    """What anyone may learn of a certificate from its number and code: that it was issued, what it certifies, and
    whether the records it lists changed since (a correction or cancellation). Never the holder's details."""

    number: str
    council_region: str
    language: CertificateLanguage
    issued_at: AwareDatetime
    period_from: date | None
    period_to: date | None
    activities: int
    minutes: int
    blood_donations: int
    blood_minutes: int
    changed: int
    """How many of the records it lists were corrected or cancelled since it was issued (0: as issued)."""
    checked_at: AwareDatetime


ALL_TIME = "all"
_COUNTS = ("minutes", "activities", "blood_minutes", "blood_donations")


def totals_from_buckets(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`HoursTotals`' fields from buckets as hours keeps them (`all`, a year `y2026`, a month `m2026-11`, an
    activity type `t:facility`, each with the `Counts` fields and `updated_at`); rows of the same bucket add up, as
    when one volunteer's totals come from several deployments (`add_up`)."""
    merged: dict[str, Counts] = {}
    updated: datetime | None = None
    for row in rows:
        counts = merged.setdefault(str(row["bucket"]), Counts())
        for name in _COUNTS:
            setattr(counts, name, getattr(counts, name) + int(row.get(name) or 0))
        at = row.get("updated_at")
        if at is not None and (updated is None or at > updated):
            updated = at
    whole = merged.get(ALL_TIME, Counts())

    def periods(prefix: str) -> list[PeriodTotal]:
        return [
            PeriodTotal(period=bucket[1:], **counts.model_dump())
            for bucket, counts in sorted(merged.items())
            if bucket.startswith(prefix) and (counts.activities or counts.blood_donations)
        ]

    return {
        **whole.model_dump(),
        "total_minutes": whole.minutes + whole.blood_minutes,
        "by_year": periods("y"),
        "by_month": periods("m"),
        "by_type": [
            TypeTotal(activity_type=ActivityType(bucket[2:]), minutes=counts.minutes, activities=counts.activities)
            for bucket, counts in sorted(merged.items())
            if bucket.startswith("t:") and counts.activities and bucket[2:] in set(ActivityType)
        ],
        "updated_at": updated,
    }


def add_up(parts: Iterable[HoursTotals]) -> dict[str, Any]:
    """One owner's totals kept by several deployments, as one."""
    rows: list[dict[str, Any]] = []
    for part in parts:
        rows.append({"bucket": ALL_TIME, **part.model_dump(include=set(_COUNTS)), "updated_at": part.updated_at})
        rows += [{"bucket": f"y{p.period}", **p.model_dump(include=set(_COUNTS))} for p in part.by_year]
        rows += [{"bucket": f"m{p.period}", **p.model_dump(include=set(_COUNTS))} for p in part.by_month]
        rows += [
            {"bucket": f"t:{t.activity_type.value}", "minutes": t.minutes, "activities": t.activities}
            for t in part.by_type
        ]
    return totals_from_buckets(rows)


RECORD_ACTIVITY = Rpc(
    "hours", "record_activity", RecordActivity, ActivityView, "A centre records an activity", owner="centre_id"
)
CONFIRM_ACTIVITY = Rpc(
    "hours", "confirm_activity", ActivityRef, ActivityView, "A centre confirms a record", owner="activity_id"
)
REJECT_ACTIVITY = Rpc(
    "hours", "reject_activity", RejectActivity, ActivityView, "A centre rejects a record (반려)", owner="activity_id"
)
CORRECT_ACTIVITY = Rpc(
    "hours",
    "correct_activity",
    CorrectActivity,
    ActivityView,
    "A centre corrects a confirmed record (정정)",
    owner="activity_id",
)
CANCEL_ACTIVITY = Rpc(
    "hours",
    "cancel_activity",
    CancelActivity,
    ActivityView,
    "A centre cancels a confirmed record (취소)",
    owner="activity_id",
)
GET_ACTIVITY_HISTORY = Rpc(
    "hours",
    "get_activity_history",
    ActivityRef,
    ActivityHistory,
    "A record's history of changes",
    owner="activity_id",
)
RECORD_ACTIVITIES = Rpc(
    "hours",
    "record_activities",
    RecordActivities,
    RecordedActivities,
    "A centre records many activities at once (일괄 입력)",
    owner="centre_id",
)
GET_ACTIVITY = Rpc("hours", "get_activity", ActivityRef, ActivityView, "One activity record", owner="activity_id")
LIST_ACTIVITIES = Rpc("hours", "list_activities", VolunteerActivities, ActivityList, "봉사실적조회")
GET_VOLUNTEER_TOTALS = Rpc(
    "hours",
    "get_volunteer_totals",
    VolunteerActivities,
    VolunteerTotals,
    "A volunteer's confirmed hours (each deployment its own; the caller adds them up)",
)
GET_CENTRE_TOTALS = Rpc(
    "hours", "get_centre_totals", CentreTotalsRequest, CentreTotals, "A centre's confirmed hours", owner="centre_id"
)
GET_REGION_TOTALS = Rpc(
    "hours", "get_region_totals", RegionTotalsRequest, RegionTotals, "A region's confirmed hours", owner="region"
)
LIST_CENTRE_ACTIVITIES = Rpc(
    "hours",
    "list_centre_activities",
    CentreActivities,
    ActivityList,
    "A centre's activity records, newest first",
    owner="centre_id",
)

ISSUE_CERTIFICATE = Rpc(
    "hours",
    "issue_certificate",
    IssueCertificate,
    CertificateView,
    "A certificate of a volunteer's confirmed hours (인증서 발급)",
    owner="volunteer_id",
)
GET_CERTIFICATE = Rpc(
    "hours",
    "get_certificate",
    CertificateRef,
    CertificateView,
    "A certificate as issued, to print again",
    owner="certificate_id",
)
LIST_CERTIFICATES = Rpc(
    "hours",
    "list_certificates",
    VolunteerActivities,
    CertificateList,
    "The certificates issued to a volunteer",
    owner="volunteer_id",
)
VERIFY_CERTIFICATE = Rpc(
    "hours",
    "verify_certificate",
    VerifyCertificate,
    CertificateVerification,
    "Whether a certificate was issued and still states the records as they are (진위확인)",
    owner="region",
)
