"""Requests the registry answers: volunteers and their profiles, management centres, consents, recruitments and
applications, orientation, and the record of who read whose personal data."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from vms_contracts.events.registry import ConsentKind
from vms_contracts.reference import ActivityType, DistrictCode, TeamField, district_in_region, sub_field
from vms_contracts.regions import ProvinceCode
from vms_contracts.rpc import Rpc
from vms_contracts.types import (
    EARLIEST_BIRTH_DATE,
    NFC_NOTE,
    BirthDate,
    CalendarDate,
    Channel,
    EmailAddress,
    Id,
    KoreanTime,
    LoginId,
    LongText,
    PageLimit,
    PageOffset,
    PersonName,
    PhoneNumber,
    RequestModel,
    SearchWords,
    ShortText,
    Talent,
    Unique,
)


class CentreKind(StrEnum):
    """시설 유형: what kind of facility a management centre is."""

    COMMUNITY_WELFARE = "community_welfare"
    """종합사회복지관"""
    ELDERLY = "elderly"
    """노인복지시설"""
    DISABLED = "disabled"
    """장애인복지시설"""
    CHILDREN = "children"
    """아동복지시설"""
    LOCAL_CHILDREN = "local_children"
    """지역아동센터"""
    WOMEN_FAMILY = "women_family"
    """여성·가족복지시설"""
    MENTAL_HEALTH = "mental_health"
    """정신건강복지시설"""
    HOMELESS = "homeless"
    """노숙인복지시설"""
    PUBLIC_AGENCY = "public_agency"
    """공공기관 (행정복지센터 등)"""
    OTHER = "other"
    """기타"""


class CentreStatus(StrEnum):
    REGISTERED = "registered"
    """등록: known to its council, not yet accredited; it posts no recruitments."""
    ACCREDITED = "accredited"
    """인증: accredited by its regional council."""
    SUSPENDED = "suspended"
    """정지: suspended by its regional council; its recruitments take no applications."""


class RegisterCentre(RequestModel):
    name: ShortText = Field(description=f"관리센터 이름. {NFC_NOTE}", examples=["행복종합사회복지관"])
    region: ProvinceCode = Field(description="2-digit 시·도 code", examples=["11"])
    phone: PhoneNumber | None = Field(default=None, examples=["02-1234-5678"])
    district: DistrictCode | None = Field(default=None, description="시·군·구 in `region`", examples=["11440"])
    kind: CentreKind = Field(default=CentreKind.OTHER, description="시설 유형")
    address: ShortText | None = Field(default=None, description="주소", examples=["서울특별시 마포구 만리재로 14"])

    @model_validator(mode="after")
    def _district_in_region(self) -> Self:
        if self.district is not None:
            district_in_region(self.district, self.region)
        return self


class CentreRef(RequestModel):
    centre_id: Id


class CentreView(BaseModel):
    id: UUID
    name: str
    region: str
    phone: str | None
    registered_at: AwareDatetime
    district: str | None = None
    kind: CentreKind = CentreKind.OTHER
    address: str | None = None
    status: CentreStatus = CentreStatus.REGISTERED
    status_changed_at: AwareDatetime | None = None
    status_reason: str | None = None
    """Why the council suspended it, while it is suspended."""


class CentreStatusChange(RequestModel):
    centre_id: Id
    reason: ShortText | None = Field(default=None, description="Why (required to suspend)")


class ListCentres(RequestModel):
    region: ProvinceCode = Field(description="2-digit 시·도 code", examples=["11"])
    status: CentreStatus | None = Field(default=None, description="Only centres in this state")
    limit: PageLimit = 100
    offset: PageOffset = 0


class CentreList(BaseModel):
    items: list[CentreView]
    """Sorted by name."""
    total: int
    """How many centres the region has in all, of which `items` is the page asked for."""


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class DayPart(StrEnum):
    MORNING = "morning"
    """오전 (09–12시)"""
    AFTERNOON = "afternoon"
    """오후 (12–18시)"""
    EVENING = "evening"
    """저녁 (18–22시)"""


class TimeSlot(RequestModel):
    """When a volunteer can serve: a weekday and a part of the day."""

    weekday: Weekday
    part: DayPart


class DesiredActivity(RequestModel):
    """희망봉사활동: a type, and optionally one of its sub-fields."""

    activity_type: ActivityType
    sub_field: str | None = Field(default=None, description="A sub-field code of `activity_type`", max_length=40)

    @model_validator(mode="after")
    def _sub_field_of_type(self) -> Self:
        if self.sub_field is not None:
            sub_field(self.activity_type, self.sub_field)
        return self


class SchoolLevel(StrEnum):
    ELEMENTARY = "elementary"
    """초등학교 (1–6학년)"""
    MIDDLE = "middle"
    """중학교 (1–3학년)"""
    HIGH = "high"
    """고등학교 (1–3학년)"""


GRADES = {SchoolLevel.ELEMENTARY: 6, SchoolLevel.MIDDLE: 3, SchoolLevel.HIGH: 3}


class School(RequestModel):
    """학교 정보 of a student, which NEIS needs (through 1365) to put hours in the school record."""

    name: ShortText = Field(description="학교명", examples=["서울중학교"])
    level: SchoolLevel
    grade: StrictInt = Field(ge=1, le=6, description="학년")

    @model_validator(mode="after")
    def _grade_of_level(self) -> Self:
        if self.grade > GRADES[self.level]:
            raise PydanticCustomError(
                "grade_range",
                "a {level} school has grades 1 to {last}",
                {"field": "grade", "level": self.level.value, "last": GRADES[self.level], "grade": self.grade},
            )
        return self


class VolunteerProfile(RequestModel):
    """What a volunteer tells about themselves beyond who they are: how to reach them, where they live, what they
    wish to do, when, and their school. Matching (희망봉사활동 → 배치) reads it."""

    email: EmailAddress | None = Field(default=None, description="이메일", examples=["hong@example.com"])
    district: DistrictCode | None = Field(default=None, description="거주 시·군·구, in `region`", examples=["11440"])
    desired_activities: Annotated[list[DesiredActivity], Unique] = Field(
        default_factory=list, max_length=10, description="희망봉사활동 (up to 10)"
    )
    desired_regions: Annotated[list[ProvinceCode], Unique] = Field(
        default_factory=list, max_length=17, description="희망활동지역: 시·도 codes"
    )
    talents: Annotated[list[Talent], Unique] = Field(
        default_factory=list, max_length=10, description="특기 (up to 10)", examples=[["피아노", "수화"]]
    )
    availability: Annotated[list[TimeSlot], Unique] = Field(
        default_factory=list, max_length=21, description="활동 가능 시간: weekday and part of day"
    )
    school: School | None = Field(default=None, description="학교 정보 (students)")


class RegisterVolunteer(VolunteerProfile):
    login_id: LoginId = Field(
        description="아이디: 4–20 lowercase letters a–z, digits or _, starting with a letter", examples=["hong_gildong"]
    )
    name: PersonName = Field(description=f"성명. {NFC_NOTE}", examples=["홍길동"])
    birth_date: BirthDate = Field(
        description=f"생년월일, `YYYY-MM-DD` from {EARLIEST_BIRTH_DATE} to today (never a 주민등록번호)",
        examples=["2001-04-05"],
    )
    phone: PhoneNumber = Field(description="휴대전화", examples=["010-1234-5678"])
    region: ProvinceCode = Field(description="2-digit 시·도 code of residence", examples=["11"])

    @model_validator(mode="after")
    def _district_in_region(self) -> Self:
        if self.district is not None:
            district_in_region(self.district, self.region)
        return self


class VolunteerRef(RequestModel):
    volunteer_id: Id


class UpdateVolunteer(VolunteerProfile):
    """회원정보 수정: the profile as it should now be, whole (what is left out is emptied), and the phone. The name
    and birth date are who the volunteer is and are not changed here; moving to another 시·도 is a handover
    between regions, not an edit."""

    volunteer_id: Id
    phone: PhoneNumber = Field(description="휴대전화", examples=["010-1234-5678"])


class WithdrawVolunteer(RequestModel):
    volunteer_id: Id


class WithdrawnView(BaseModel):
    volunteer_id: UUID
    withdrawn_at: AwareDatetime


class GuardianRelation(StrEnum):
    PARENT = "parent"
    """부모"""
    LEGAL_GUARDIAN = "legal_guardian"
    """법정대리인"""


GUARDIAN_AGE = 14
"""Under 14 (만 14세 미만), a guardian consents before personal data leaves the system (1365) or a placement."""


class RecordGuardianConsent(RequestModel):
    """법정대리인 동의 for a volunteer under 14, given through the volunteer's own account."""

    volunteer_id: Id
    guardian_name: PersonName = Field(description="보호자 성명")
    guardian_phone: PhoneNumber = Field(description="보호자 연락처")
    relation: GuardianRelation
    consented: StrictBool = Field(description="보호자가 동의함: must be true")

    @model_validator(mode="after")
    def _consented(self) -> Self:
        if not self.consented:
            raise PydanticCustomError(
                "guardian_consent_required", "the guardian's consent must be given", {"field": "consented"}
            )
        return self


class GuardianView(BaseModel):
    volunteer_id: UUID
    relation: GuardianRelation
    consented_at: AwareDatetime


class ConsentsView(BaseModel):
    portal1365: bool
    portal1365_changed_at: AwareDatetime | None


class VolunteerView(BaseModel):
    id: UUID
    login_id: str
    name: str
    birth_date: date
    phone: str
    region: str
    registered_at: AwareDatetime
    consents: ConsentsView
    email: str | None = None
    district: str | None = None
    desired_activities: list[DesiredActivity] = Field(default_factory=list)
    desired_regions: list[str] = Field(default_factory=list)
    talents: list[str] = Field(default_factory=list)
    availability: list[TimeSlot] = Field(default_factory=list)
    school: School | None = None
    needs_guardian: bool = False
    """Under 14 today: a guardian's consent is needed before placement and 1365 linkage."""
    guardian_consented_at: AwareDatetime | None = None


class ConsentChoice(RequestModel):
    """Given or withdrawn: a JSON `true` or `false`, nothing that merely looks like one."""

    granted: StrictBool = Field(description="동의 여부")


class SetConsent(ConsentChoice):
    volunteer_id: Id
    consent: ConsentKind
    channel: Channel = Field(default="portal", description="Where the volunteer said so", examples=["portal"])


class ConsentView(BaseModel):
    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime | None


class AccessRecordsRequest(RequestModel):
    region: ProvinceCode = Field(
        description="2-digit 시·도 code of the volunteers whose data was read", examples=["11"]
    )
    volunteer_id: Id | None = Field(default=None, description="Only the reads of this volunteer's data")
    limit: PageLimit = 100
    offset: PageOffset = 0


class AccessRecordView(BaseModel):
    """One read of a volunteer's personal data: who read which of it, when, in answer to which request."""

    id: UUID
    read_at: AwareDatetime
    actor: str
    """The account id of the person who read it, or `service:<name>`; never a name."""
    actor_role: str
    volunteer_id: UUID
    fields: list[str]
    """What of the volunteer was read, e.g. `name`, `birth_date`, `phone`."""
    operation: str
    """The request that read it, as the permission matrix names it (`registry.get_volunteer`)."""
    request_id: str | None
    """The request id the reader sent (`vms-request-id`), to find the same request in the logs."""


class AccessRecordList(BaseModel):
    items: list[AccessRecordView]
    """Newest first."""
    total: int


REGISTER_CENTRE = Rpc(
    "registry", "register_centre", RegisterCentre, CentreView, "Register a management centre", owner="region"
)
GET_CENTRE = Rpc("registry", "get_centre", CentreRef, CentreView, "One management centre", owner="centre_id")
REGISTER_VOLUNTEER = Rpc("registry", "register_volunteer", RegisterVolunteer, VolunteerView, "회원가입", owner="region")
GET_VOLUNTEER = Rpc("registry", "get_volunteer", VolunteerRef, VolunteerView, "One volunteer", owner="volunteer_id")
SET_CONSENT = Rpc(
    "registry", "set_consent", SetConsent, ConsentView, "Give or withdraw a consent", owner="volunteer_id"
)
LIST_CENTRES = Rpc(
    "registry", "list_centres", ListCentres, CentreList, "The management centres of a region", owner="region"
)
LIST_ACCESS_RECORDS = Rpc(
    "registry",
    "list_access_records",
    AccessRecordsRequest,
    AccessRecordList,
    "Who read volunteers' personal data (개인정보 열람 기록)",
    owner="region",
)
UPDATE_VOLUNTEER = Rpc(
    "registry", "update_volunteer", UpdateVolunteer, VolunteerView, "회원정보 수정", owner="volunteer_id"
)
WITHDRAW_VOLUNTEER = Rpc(
    "registry", "withdraw_volunteer", WithdrawVolunteer, WithdrawnView, "회원탈퇴", owner="volunteer_id"
)
RECORD_GUARDIAN_CONSENT = Rpc(
    "registry",
    "record_guardian_consent",
    RecordGuardianConsent,
    GuardianView,
    "법정대리인 동의 (만 14세 미만)",
    owner="volunteer_id",
)
ACCREDIT_CENTRE = Rpc("registry", "accredit_centre", CentreStatusChange, CentreView, "관리센터 인증", owner="centre_id")
SUSPEND_CENTRE = Rpc("registry", "suspend_centre", CentreStatusChange, CentreView, "관리센터 정지", owner="centre_id")


# -- recruitments (봉사자모집) -----------------------------------------------------------------------------------------


class Eligibility(StrEnum):
    """Who may apply to a recruitment."""

    ADULT = "adult"
    """성인 (만 19세 이상)"""
    YOUTH = "youth"
    """청소년 (만 19세 미만)"""
    GROUP = "group"
    """단체: one application for several people"""


ADULT_AGE = 19
"""만 19세: the age from which the Civil Act (민법 제4조) counts a person an adult."""

MAX_CAPACITY = 10_000
MAX_PARTY = 100


class RecruitmentDetails(RequestModel):
    """What a centre posts: the activity, where and when, how many people, who may apply."""

    title: ShortText = Field(description=f"모집 제목. {NFC_NOTE}", examples=["어르신 말벗 봉사자 모집"])
    description: LongText | None = Field(default=None, description="활동 내용")
    activity_type: ActivityType = Field(description="봉사활동 분류")
    sub_field: str = Field(description="세부분야: a sub-field code of `activity_type`", max_length=40)
    district: DistrictCode | None = Field(default=None, description="활동 시·군·구, in the centre's 시·도")
    place: ShortText = Field(description="활동 장소", examples=["행복종합사회복지관 2층"])
    start_date: CalendarDate = Field(description="활동 시작일")
    end_date: CalendarDate = Field(description="활동 종료일, not before `start_date`")
    weekdays: Annotated[list[Weekday], Unique] = Field(min_length=1, max_length=7, description="활동 요일")
    start_time: KoreanTime = Field(description="활동 시작 시각 (KST)", examples=["10:00"])
    end_time: KoreanTime = Field(description="활동 종료 시각 (KST), after `start_time`", examples=["12:00"])
    capacity: StrictInt = Field(ge=1, le=MAX_CAPACITY, description="모집 인원 (people)")
    eligibility: Annotated[list[Eligibility], Unique] = Field(
        min_length=1, max_length=3, description="신청 자격: adult, youth, group"
    )
    orientation_required: StrictBool = Field(default=False, description="소양교육 이수자만 배치")
    apply_until: CalendarDate | None = Field(
        default=None, description="신청 마감일, not after `end_date` (the last day of the activity when empty)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        sub_field(self.activity_type, self.sub_field)
        if self.end_date < self.start_date:
            raise PydanticCustomError(
                "date_order",
                "{end_field} {end} is before {start_field} {start}",
                {
                    "field": "end_date",
                    "start_field": "start_date",
                    "end_field": "end_date",
                    "start": self.start_date.isoformat(),
                    "end": self.end_date.isoformat(),
                },
            )
        if (self.end_date - self.start_date).days > 366:
            raise PydanticCustomError(
                "period_too_long",
                "a recruitment runs for at most {days} days; post the next one then",
                {"field": "end_date", "days": 366},
            )
        if self.end_time <= self.start_time:
            raise PydanticCustomError(
                "time_order",
                "{end_field} {end} is not after {start_field} {start}",
                {
                    "field": "end_time",
                    "start_field": "start_time",
                    "end_field": "end_time",
                    "start": self.start_time.isoformat("minutes"),
                    "end": self.end_time.isoformat("minutes"),
                },
            )
        if self.apply_until is not None and self.apply_until > self.end_date:
            raise PydanticCustomError(
                "date_order",
                "{end_field} {end} is after {start_field} {start}",
                {
                    "field": "apply_until",
                    "start_field": "end_date",
                    "end_field": "apply_until",
                    "start": self.end_date.isoformat(),
                    "end": self.apply_until.isoformat(),
                },
            )
        return self


class PostRecruitment(RecruitmentDetails):
    centre_id: Id


class UpdateRecruitment(RecruitmentDetails):
    """The recruitment as it should now be, whole. Only an open one is edited, and its capacity never drops below
    the people already taken."""

    recruitment_id: Id


class RecruitmentRef(RequestModel):
    recruitment_id: Id


class RecruitmentStatus(StrEnum):
    OPEN = "open"
    """모집중"""
    CLOSED = "closed"
    """모집마감 (closed by the centre)"""


class RecruitmentView(BaseModel):
    id: UUID
    centre_id: UUID
    centre_name: str
    region: str
    district: str | None
    title: str
    description: str | None
    activity_type: ActivityType
    sub_field: str
    place: str
    start_date: date
    end_date: date
    weekdays: list[Weekday]
    start_time: time
    end_time: time
    capacity: int
    taken: int
    """People in applications still standing (applied, accepted, placed): never more than `capacity`."""
    eligibility: list[Eligibility]
    orientation_required: bool
    apply_until: date | None
    status: RecruitmentStatus
    accepting: bool
    """Open, not past its deadline, places left, and its centre not suspended: an application may be made now."""
    posted_at: AwareDatetime
    updated_at: AwareDatetime


class RecruitmentSort(StrEnum):
    NEWEST = "newest"
    """최근 등록순"""
    STARTING = "starting"
    """활동 시작일순"""
    CLOSING = "closing"
    """마감 임박순"""


class SearchRecruitments(RequestModel):
    """봉사자모집 검색: every filter optional; a recruitment matches all the filters given."""

    activity_type: ActivityType | None = None
    sub_field: str | None = Field(default=None, max_length=40, description="Needs `activity_type`")
    region: ProvinceCode | None = None
    district: DistrictCode | None = None
    on_date: CalendarDate | None = Field(default=None, description="Runs on this day (between start and end)")
    keyword: SearchWords | None = Field(
        default=None, description="Words in the title, place, description or centre name"
    )
    eligibility: Eligibility | None = Field(default=None, description="Open to this kind of applicant")
    centre_id: Id | None = None
    open_only: StrictBool = Field(default=True, description="Only recruitments taking applications now")
    sort: RecruitmentSort = RecruitmentSort.NEWEST
    limit: PageLimit = 20
    offset: PageOffset = 0

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.sub_field is not None:
            if self.activity_type is None:
                raise PydanticCustomError(
                    "sub_field_without_type",
                    "a sub-field is searched within an activity type: give both",
                    {"field": "activity_type"},
                )
            sub_field(self.activity_type, self.sub_field)
        if self.district is not None and self.region is not None:
            district_in_region(self.district, self.region)
        return self


class RecruitmentList(BaseModel):
    items: list[RecruitmentView]
    total: int


# -- applications --------------------------------------------------------------------------------------------------


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    """신청"""
    ACCEPTED = "accepted"
    """승인"""
    AWAITING_ORIENTATION = "awaiting_orientation"
    """배치 대기: placed once the volunteer completes the centre's orientation (소양교육)"""
    PLACED = "placed"
    """배치"""
    REJECTED = "rejected"
    """반려"""
    CANCELLED = "cancelled"
    """신청취소"""


STANDING = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.AWAITING_ORIENTATION,
    ApplicationStatus.PLACED,
)
"""The states in which an application holds its places in the recruitment's capacity."""


class Apply(RequestModel):
    recruitment_id: Id
    volunteer_id: Id
    party_size: StrictInt = Field(
        default=1, ge=1, le=MAX_PARTY, description="People in the application: more than 1 only as a group"
    )
    note: ShortText | None = Field(default=None, description="A word to the centre")


class ApplicationRef(RequestModel):
    application_id: Id


class RejectApplication(RequestModel):
    application_id: Id
    reason: ShortText | None = Field(default=None, description="반려 사유, shown to the volunteer")


class ApplicationView(BaseModel):
    id: UUID
    recruitment_id: UUID
    recruitment_title: str
    centre_id: UUID
    volunteer_id: UUID
    party_size: int
    note: str | None
    status: ApplicationStatus
    reason: str | None
    applied_at: AwareDatetime
    changed_at: AwareDatetime


class ListApplications(RequestModel):
    """A recruitment's applicants (its centre), or a volunteer's applications (the volunteer): give one."""

    recruitment_id: Id | None = None
    volunteer_id: Id | None = None
    status: ApplicationStatus | None = None
    limit: PageLimit = 100
    offset: PageOffset = 0

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.recruitment_id is None) == (self.volunteer_id is None):
            raise PydanticCustomError(
                "one_of_required",
                "give exactly one of {fields}",
                {"field": "recruitment_id", "fields": "recruitment_id, volunteer_id"},
            )
        return self


class ApplicationList(BaseModel):
    items: list[ApplicationView]
    total: int


# -- orientation (소양교육) -------------------------------------------------------------------------------------------


class RecordOrientation(RequestModel):
    centre_id: Id
    volunteer_id: Id
    completed_on: CalendarDate = Field(description="이수일, not in the future")


class OrientationView(BaseModel):
    centre_id: UUID
    volunteer_id: UUID
    completed_on: date
    recorded_at: AwareDatetime
    placed: list[UUID] = Field(default_factory=list)
    """Applications that waited for this orientation and are placed now."""


POST_RECRUITMENT = Rpc(
    "registry", "post_recruitment", PostRecruitment, RecruitmentView, "봉사자모집 등록", owner="centre_id"
)
UPDATE_RECRUITMENT = Rpc(
    "registry", "update_recruitment", UpdateRecruitment, RecruitmentView, "봉사자모집 수정", owner="recruitment_id"
)
CLOSE_RECRUITMENT = Rpc(
    "registry", "close_recruitment", RecruitmentRef, RecruitmentView, "봉사자모집 마감", owner="recruitment_id"
)
GET_RECRUITMENT = Rpc(
    "registry", "get_recruitment", RecruitmentRef, RecruitmentView, "봉사자모집 상세", owner="recruitment_id"
)
SEARCH_RECRUITMENTS = Rpc(
    "registry", "search_recruitments", SearchRecruitments, RecruitmentList, "봉사자모집 검색 (every region)"
)
APPLY = Rpc("registry", "apply", Apply, ApplicationView, "봉사신청", owner="recruitment_id")
CANCEL_APPLICATION = Rpc(
    "registry", "cancel_application", ApplicationRef, ApplicationView, "봉사신청 취소", owner="application_id"
)
ACCEPT_APPLICATION = Rpc(
    "registry", "accept_application", ApplicationRef, ApplicationView, "봉사신청 승인", owner="application_id"
)
REJECT_APPLICATION = Rpc(
    "registry", "reject_application", RejectApplication, ApplicationView, "봉사신청 반려", owner="application_id"
)
PLACE_APPLICATION = Rpc(
    "registry", "place_application", ApplicationRef, ApplicationView, "배치", owner="application_id"
)
LIST_APPLICATIONS = Rpc(
    "registry", "list_applications", ListApplications, ApplicationList, "봉사신청 목록 (every region)"
)
RECORD_ORIENTATION = Rpc(
    "registry", "record_orientation", RecordOrientation, OrientationView, "소양교육 이수 등록", owner="centre_id"
)


# -- matching (희망봉사활동 → 배치) ------------------------------------------------------------------------------------


class MatchReason(StrEnum):
    """Why a recruitment and a volunteer were put together; each adds to the rank (`MATCH_WEIGHTS`)."""

    SUB_FIELD = "sub_field"
    """The volunteer wishes this very sub-field."""
    ACTIVITY_TYPE = "activity_type"
    """The volunteer wishes this type of activity."""
    DISTRICT = "district"
    """It is in the volunteer's own 시·군·구."""
    REGION = "region"
    """It is in a 시·도 the volunteer wishes to serve in (or lives in, when they named none)."""
    TALENT = "talent"
    """One of the volunteer's talents (특기) is named in it."""
    AVAILABILITY = "availability"
    """It takes place when the volunteer said they can serve."""


MATCH_WEIGHTS: dict[MatchReason, int] = {
    MatchReason.SUB_FIELD: 40,
    MatchReason.ACTIVITY_TYPE: 25,
    MatchReason.DISTRICT: 20,
    MatchReason.REGION: 10,
    MatchReason.TALENT: 15,
    MatchReason.AVAILABILITY: 15,
}
"""What each reason adds to a match's score (at most 100 + 25: a sub-field match counts its type too)."""


class Reason(BaseModel):
    reason: MatchReason
    points: int
    detail: str
    """What matched, as the portal shows it: `정서지원`, `마포구`, `피아노`, `토 오전`."""


class RecommendRecruitments(RequestModel):
    """Recruitments for a volunteer, best first, each with its reasons; only those taking applications now."""

    volunteer_id: Id
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class RecommendedRecruitment(BaseModel):
    recruitment: RecruitmentView
    score: int
    reasons: list[Reason]


class RecommendedRecruitments(BaseModel):
    items: list[RecommendedRecruitment]


class RecommendVolunteers(RequestModel):
    """Volunteers for a recruitment, best first, each with its reasons: for its centre to invite."""

    recruitment_id: Id
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class RecommendedVolunteer(BaseModel):
    volunteer_id: UUID
    masked_name: str
    """`홍*동`: enough for a centre to tell people apart; the full name is the volunteer's to give."""
    score: int
    reasons: list[Reason]


class RecommendedVolunteers(BaseModel):
    items: list[RecommendedVolunteer]


RECOMMEND_RECRUITMENTS = Rpc(
    "registry",
    "recommend_recruitments",
    RecommendRecruitments,
    RecommendedRecruitments,
    "추천 봉사자모집 (희망봉사활동에 맞춘)",
    owner="volunteer_id",
)
RECOMMEND_VOLUNTEERS = Rpc(
    "registry",
    "recommend_volunteers",
    RecommendVolunteers,
    RecommendedVolunteers,
    "모집에 맞는 봉사자 추천",
    owner="recruitment_id",
)


# -- community service teams (지역사회봉사단) -------------------------------------------------------------------------


class TeamApplicationKind(StrEnum):
    INDIVIDUAL = "individual"
    """개인: one volunteer applies"""
    GROUP = "group"
    """단체: a group of at least `MIN_GROUP` volunteers applies together"""


MIN_GROUP = 5
"""A group applies with 5 or more members (지역사회봉사단: 개인 또는 5인 이상 단체)."""
MAX_TEAM = 200


class TeamStatus(StrEnum):
    APPLIED = "applied"
    """신청 (to the regional council)"""
    APPOINTED = "appointed"
    """위촉"""
    DECLINED = "declined"
    """위촉 거절"""
    PLACED = "placed"
    """배치 (at a centre of its community)"""


class ApplyTeam(RequestModel):
    """An application to serve as a community service team, made by its leader (a volunteer) to the council of
    `region`."""

    region: ProvinceCode
    name: ShortText = Field(description="봉사단 이름", examples=["마포 집수리 봉사단"])
    field: TeamField = Field(description="활동분야 (8 fields)")
    kind: TeamApplicationKind
    leader_id: Id = Field(description="대표 봉사자: the volunteer applying")
    member_ids: Annotated[list[Id], Unique] = Field(
        default_factory=list, max_length=MAX_TEAM, description="단원 (the leader included or not)"
    )
    skills: Annotated[list[Talent], Unique] = Field(default_factory=list, max_length=10, description="보유 기술")
    description: LongText | None = None
    district: DistrictCode | None = Field(default=None, description="활동 희망 시·군·구, in `region`")

    @model_validator(mode="after")
    def _size(self) -> Self:
        people = {self.leader_id, *self.member_ids}
        if self.kind is TeamApplicationKind.GROUP and len(people) < MIN_GROUP:
            raise PydanticCustomError(
                "group_too_small",
                "a group applies with at least {min} members (the leader included); this one has {count}",
                {"field": "member_ids", "min": MIN_GROUP, "count": len(people)},
            )
        if self.kind is TeamApplicationKind.INDIVIDUAL and people != {self.leader_id}:
            raise PydanticCustomError(
                "individual_with_members",
                "an individual applies alone: send kind group to apply with members",
                {"field": "member_ids"},
            )
        if self.district is not None:
            district_in_region(self.district, self.region)
        return self


class TeamRef(RequestModel):
    team_id: Id


class DeclineTeam(RequestModel):
    team_id: Id
    reason: ShortText = Field(description="거절 사유")


class PlaceTeam(RequestModel):
    team_id: Id
    centre_id: Id = Field(description="The management centre, in the team's region, where it will serve")


class TeamView(BaseModel):
    id: UUID
    region: str
    district: str | None
    name: str
    field: TeamField
    kind: TeamApplicationKind
    leader_id: UUID | None = Field(
        description="The leader's volunteer id: told to the leader, the team's council and the central council only"
    )
    member_count: int
    skills: list[str]
    description: str | None
    status: TeamStatus
    reason: str | None
    centre_id: UUID | None
    centre_name: str | None = Field(description="The centre the team is placed at (배치)")
    applied_at: AwareDatetime
    changed_at: AwareDatetime


class SearchTeams(RequestModel):
    """지역사회봉사단 조회: appointed and placed teams, by region, field and skill."""

    region: ProvinceCode | None = None
    field: TeamField | None = None
    skill: Talent | None = Field(default=None, description="A word of a skill (`도배`, `벽화`)")
    status: TeamStatus | None = Field(default=None, description="Councils: applications too; default appointed+placed")
    limit: PageLimit = 20
    offset: PageOffset = 0


class TeamList(BaseModel):
    items: list[TeamView]
    total: int


APPLY_TEAM = Rpc("registry", "apply_team", ApplyTeam, TeamView, "지역사회봉사단 신청", owner="region")
APPOINT_TEAM = Rpc("registry", "appoint_team", TeamRef, TeamView, "지역사회봉사단 위촉", owner="team_id")
DECLINE_TEAM = Rpc("registry", "decline_team", DeclineTeam, TeamView, "지역사회봉사단 위촉 거절", owner="team_id")
PLACE_TEAM = Rpc("registry", "place_team", PlaceTeam, TeamView, "지역사회봉사단 배치", owner="team_id")
GET_TEAM = Rpc("registry", "get_team", TeamRef, TeamView, "지역사회봉사단 상세", owner="team_id")
SEARCH_TEAMS = Rpc("registry", "search_teams", SearchTeams, TeamList, "지역사회봉사단 조회 (every region)")


# -- regions: a volunteer who moves, and what a registry needs of another region's volunteer ----------------------


class MoveVolunteer(RequestModel):
    """이사: the volunteer now lives in another 시·도. The id stays for life (hours, rewards and 1365 transfers are
    keyed by it); from now on the registry of the new region keeps them."""

    volunteer_id: Id
    region: ProvinceCode = Field(description="2-digit 시·도 code of the new residence", examples=["26"])
    district: DistrictCode | None = Field(default=None, description="새 거주 시·군·구, in `region`", examples=["26350"])

    @model_validator(mode="after")
    def _district_in_region(self) -> Self:
        if self.district is not None:
            district_in_region(self.district, self.region)
        return self


class MoveState(StrEnum):
    MOVED = "moved"
    """이전 완료: the new region's registry keeps the volunteer now (the same deployment serves both regions)."""
    HANDING_OVER = "handing_over"
    """이관 중: another deployment keeps the new region; the record is being handed over to it. Meanwhile the
    volunteer is read as before and changed by no one."""


class MoveView(BaseModel):
    volunteer_id: UUID
    from_region: str
    region: str
    """The new region."""
    district: str | None
    state: MoveState
    at: AwareDatetime
    """When the move was made (`moved`) or asked for (`handing_over`)."""


class VolunteerFacts(RequestModel):
    volunteer_id: Id


class VolunteerStanding(StrEnum):
    ACTIVE = "active"
    MOVING = "moving"
    """Being handed over to another region's registry: read as before, changed by no one until it is done."""


class VolunteerFactsView(BaseModel):
    """What a registry needs to know of another region's volunteer to take their application or place them, and no
    more: no name, no phone. The birth date is personal data, and its read is recorded by the registry that keeps
    the volunteer."""

    volunteer_id: UUID
    status: VolunteerStanding
    region: str
    district: str | None
    birth_date: date
    guardian_consented: bool
    desired_activities: list[DesiredActivity] = Field(default_factory=list)
    desired_regions: list[str] = Field(default_factory=list)


class HandOverVolunteer(RequestModel):
    """The registry of the region a volunteer moves to asks the registry that keeps them for their whole record,
    once the move asked for it (`VolunteerHandoverRequestedV1`)."""

    volunteer_id: Id
    from_region: ProvinceCode = Field(description="The region the volunteer leaves, whose registry keeps them")
    to_region: ProvinceCode = Field(description="The region they move to, whose registry asks")


class HandedOverConsent(BaseModel):
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime
    channel: str
    changed_by: UUID | None


class HandedOverGuardian(BaseModel):
    guardian_name: str
    guardian_phone: str
    relation: GuardianRelation
    consented_at: AwareDatetime
    recorded_by: UUID | None


class VolunteerRecord(BaseModel):
    """A volunteer's whole record, as the registry that keeps them hands it to the registry of the region they
    move to: who they are, their profile, their consents and their guardian's. Personal data travels only in this
    reply, to the one registry that asked, and the read is recorded; never in an event."""

    id: UUID
    login_id: str
    name: str
    birth_date: date
    phone: str
    email: str | None
    registered_at: AwareDatetime
    registered_by: UUID | None
    from_region: str
    region: str
    """The region they move to."""
    district: str | None
    """Their 시·군·구 in the new region, as the move gave it."""
    requested_at: AwareDatetime
    school: School | None
    desired_activities: list[DesiredActivity]
    desired_regions: list[str]
    talents: list[str]
    availability: list[TimeSlot]
    consents: list[HandedOverConsent]
    guardian: HandedOverGuardian | None


MOVE_VOLUNTEER = Rpc(
    "registry", "move_volunteer", MoveVolunteer, MoveView, "이사: 거주 시·도 변경", owner="volunteer_id"
)
VOLUNTEER_FACTS = Rpc(
    "registry",
    "volunteer_facts",
    VolunteerFacts,
    VolunteerFactsView,
    "What a registry needs of another region's volunteer (services only)",
    owner="volunteer_id",
)
HAND_OVER_VOLUNTEER = Rpc(
    "registry",
    "hand_over_volunteer",
    HandOverVolunteer,
    VolunteerRecord,
    "A moving volunteer's whole record, for the registry of their new region (services only)",
    owner="from_region",
)
