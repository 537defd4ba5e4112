"""The registry's rules. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from enum import Enum, StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic_core import PydanticCustomError

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.reference import SUB_FIELDS, ActivityType, district_in_region
from vms_contracts.rpc.registry import (
    GUARDIAN_AGE,
    CentreKind,
    CentreStatus,
    DayPart,
    DesiredActivity,
    School,
    SchoolLevel,
    TimeSlot,
    VolunteerProfile,
    Weekday,
)
from vms_platform.errors import Conflict, DomainError, NotFound, RuleViolation, invalid_request
from vms_registry import messages as _messages  # noqa: F401  (the texts of the errors below)

__all__ = ["GuardianConsentRequired", "age_on"]


class VolunteerNotFound(NotFound):
    code = "VOLUNTEER_NOT_FOUND"


class VolunteerWithdrawn(NotFound):
    """회원탈퇴 erased the volunteer: nothing of them is answered or changed any more, to anyone."""

    code = "VOLUNTEER_WITHDRAWN"


class CentreNotFound(NotFound):
    code = "CENTRE_NOT_FOUND"


class LoginIdTaken(Conflict):
    code = "LOGIN_ID_TAKEN"


class PersonAlreadyRegistered(Conflict):
    code = "PERSON_ALREADY_REGISTERED"


class CentreExists(Conflict):
    code = "CENTRE_EXISTS"


class GuardianNotNeeded(RuleViolation):
    code = "GUARDIAN_NOT_NEEDED"


class CentreStatusWrong(RuleViolation):
    code = "CENTRE_STATUS"


class GuardianConsentRequired(RuleViolation):
    """Under 14, a guardian consents before a placement or 1365 linkage (LINKAGE.md)."""

    code = "GUARDIAN_CONSENT_REQUIRED"


class CentreNotAccredited(RuleViolation):
    """A centre its council has not accredited, or has suspended: it posts no recruitment and takes no team."""

    code = "CENTRE_NOT_ACCREDITED"


def age_on(birth_date: date, day: date) -> int:
    """만 나이 on `day`: whole years since birth, a year counted on the birthday (a 29 February birthday on
    1 March in other years, as the Civil Act counts it)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class FieldInvalid(DomainError):
    """A field the request model could not judge alone (a 시·군·구 outside the region the registry holds for the
    volunteer, a suspension without its reason): refused as an invalid request naming the field, exactly as the
    model's own checks are refused."""

    code: ClassVar[str] = "INVALID_REQUEST"
    kind: ClassVar[ErrorKind] = ErrorKind.INVALID

    def __init__(self, error: PydanticCustomError) -> None:
        self.error = {"type": error.type, "loc": (), "msg": error.message(), "ctx": error.context or {}}
        super().__init__()

    def body(self) -> ErrorBody:
        return invalid_request([self.error])


class VolunteerStatus(StrEnum):
    ACTIVE = "active"
    """회원: registered and not withdrawn."""
    WITHDRAWN = "withdrawn"
    """회원탈퇴: the id, region and dates stay (hours recorded remain as anonymous statistics); the person is gone."""
    MOVING = "moving"
    """이관 중: being handed over to the registry of a region another deployment keeps; read as before, changed by no
    one until it is done (`vms_registry.regions`)."""
    MOVED = "moved"
    """이관 완료: another deployment's registry keeps the volunteer now; only the id and where they went are left."""


PERSONAL_DATA = ("name", "birth_date", "phone", "email", "school")
"""What of a volunteer is personal data (DESIGN §Security: birth date and phone, never a 주민등록번호; and what
reaches or places them, e-mail and school): every answer that carries it is an access record a council can
review."""


# -- 회원가입: one account per person ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """What identifies a registering volunteer: name, birth date and phone (never a 주민등록번호)."""

    name: str
    birth_date: date
    phone: str
    region: str


class Registration(Enum):
    NEW = "new"
    ALREADY_DONE = "already_done"


def decide_registration(login_id: str, wanted: Person, existing: Person | None) -> Registration:
    """회원가입 is idempotent: sending the same registration again returns the member already made; a different
    person asking for a taken login id is refused."""
    if existing is None:
        return Registration.NEW
    if existing == wanted:
        return Registration.ALREADY_DONE
    raise LoginIdTaken(login_id=login_id)


def masked_login_id(login_id: str) -> str:
    """`hong_gildong` → `ho**********`: enough for a person to recognise their own account, too little for anyone
    else to sign in with or look up."""
    return login_id[:2] + "*" * max(len(login_id) - 2, 0)


def refuse_second_account(existing_login_id: str | None) -> None:
    """One person, one account: the same name, birth date and phone under another login id is the member who
    already exists (a forgotten id is found, not made again). The refusal shows that account's id masked."""
    if existing_login_id is not None:
        raise PersonAlreadyRegistered(login_id=masked_login_id(existing_login_id))


# -- the profile (희망봉사활동 등록, 회원정보) ------------------------------------------------------------------------


def _activity_order(item: tuple[str, str]) -> tuple[int, int]:
    kind = ActivityType(item[0])
    codes = [label.code for label in SUB_FIELDS[kind]]
    return list(ActivityType).index(kind), (codes.index(item[1]) + 1 if item[1] in codes else 0)


def _slot_order(item: tuple[str, str]) -> tuple[int, int]:
    return list(Weekday).index(Weekday(item[0])), list(DayPart).index(DayPart(item[1]))


@dataclass(frozen=True)
class Profile:
    """What a volunteer says of themselves beyond who they are, in one order however it was sent: the lists are
    sets (a volunteer who lists the same wishes in another order changed nothing), kept sorted as the brochure
    lists activity types and the week runs."""

    phone: str
    email: str | None
    district: str | None
    desired_activities: tuple[tuple[str, str], ...]
    """(activity type, sub-field), the sub-field `''` for the whole type."""
    desired_regions: tuple[str, ...]
    talents: tuple[str, ...]
    availability: tuple[tuple[str, str], ...]
    """(weekday, part of the day)."""
    school: tuple[str, str, int] | None
    """(name, level, grade)."""

    @classmethod
    def build(
        cls,
        *,
        phone: str,
        email: str | None,
        district: str | None,
        desired_activities: Iterable[tuple[str, str]],
        desired_regions: Iterable[str],
        talents: Iterable[str],
        availability: Iterable[tuple[str, str]],
        school: tuple[str, str, int] | None,
    ) -> Profile:
        return cls(
            phone=phone,
            email=email,
            district=district,
            desired_activities=tuple(sorted(set(desired_activities), key=_activity_order)),
            desired_regions=tuple(sorted(set(desired_regions))),
            talents=tuple(sorted(set(talents))),
            availability=tuple(sorted(set(availability), key=_slot_order)),
            school=school,
        )

    @classmethod
    def of(cls, phone: str, profile: VolunteerProfile) -> Profile:
        """The profile as a registration or an update sends it."""
        return cls.build(
            phone=phone,
            email=profile.email,
            district=profile.district,
            desired_activities=((a.activity_type.value, a.sub_field or "") for a in profile.desired_activities),
            desired_regions=profile.desired_regions,
            talents=profile.talents,
            availability=((s.weekday.value, s.part.value) for s in profile.availability),
            school=(profile.school.name, profile.school.level.value, profile.school.grade) if profile.school else None,
        )

    def changed_since(self, before: Profile) -> list[str]:
        """The names of what differs from `before`, as `VolunteerUpdatedV1.changed` announces them: names only,
        never values."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(before, f.name)]

    def activities_view(self) -> list[DesiredActivity]:
        return [
            DesiredActivity(activity_type=ActivityType(kind), sub_field=sub or None)
            for kind, sub in self.desired_activities
        ]

    def availability_view(self) -> list[TimeSlot]:
        return [TimeSlot(weekday=Weekday(day), part=DayPart(part)) for day, part in self.availability]

    def school_view(self) -> School | None:
        if self.school is None:
            return None
        name, level, grade = self.school
        return School(name=name, level=SchoolLevel(level), grade=grade)


def check_district(district: str | None, region: str) -> None:
    """A volunteer lives in their region: the 시·군·구 they give lies in the 시·도 whose registry keeps them (moving
    to another 시·도 is a handover between regions, not an edit)."""
    if district is None:
        return
    try:
        district_in_region(district, region)
    except PydanticCustomError as exc:
        raise FieldInvalid(exc) from None


# -- 법정대리인 동의 (under 14) ----------------------------------------------------------------------------------------


def needs_guardian(birth_date: date, today: date) -> bool:
    """Under 14 (만 14세 미만, counted in Korean time), a guardian consents before a volunteer's personal data leaves
    the system (1365) or they are placed."""
    return age_on(birth_date, today) < GUARDIAN_AGE


def check_guardian_needed(birth_date: date, today: date) -> None:
    """A guardian's consent is recorded only for a volunteer who needs one: from 14 the volunteer consents alone."""
    age = age_on(birth_date, today)
    if age >= GUARDIAN_AGE:
        raise GuardianNotNeeded(age=age, guardian_age=GUARDIAN_AGE)


def check_linkage_consent(
    volunteer_id: UUID, birth_date: date, today: date, *, granted: bool, guardian_consented: bool
) -> None:
    """1365 linkage sends a volunteer's records out of the system: under 14 it is granted only after a guardian
    consented. Withdrawing it is always allowed."""
    if granted and needs_guardian(birth_date, today) and not guardian_consented:
        raise GuardianConsentRequired(volunteer_id=volunteer_id, age=age_on(birth_date, today))


def consent_changes(current: bool | None, wanted: bool) -> bool:
    """Only a real change is recorded and announced; never having consented counts as not consenting."""
    return bool(current) != wanted


# -- management centres ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreFacts:
    name: str
    region: str
    phone: str | None
    district: str | None = None
    kind: CentreKind = CentreKind.OTHER
    address: str | None = None


def decide_centre(wanted: CentreFacts, existing: CentreFacts | None) -> Registration:
    """One centre per name in a region: the same registration again is the same centre."""
    if existing is None:
        return Registration.NEW
    if existing == wanted:
        return Registration.ALREADY_DONE
    raise CentreExists(name=wanted.name)


CENTRE_STATUS_NAMES: dict[CentreStatus, tuple[str, str]] = {
    CentreStatus.REGISTERED: ("등록", "registered"),
    CentreStatus.ACCREDITED: ("인증", "accredited"),
    CentreStatus.SUSPENDED: ("정지", "suspended"),
}


@dataclass(frozen=True)
class CentreTransition:
    """What a regional council does to a centre of its region (사회복지자원봉사인증관리본부: each council runs
    certification in its own region)."""

    action: str
    action_ko: str
    to: CentreStatus
    sources: tuple[CentreStatus, ...]
    needs_reason: bool

    def check_reason(self, reason: str | None) -> None:
        """A suspension says why: the centre and its volunteers are told."""
        if self.needs_reason and reason is None:
            raise FieldInvalid(
                PydanticCustomError("suspension_reason_required", "a suspension needs its reason", {"field": "reason"})
            )

    def settle(self, centre_id: UUID, current: CentreStatus) -> None:
        """The write found the centre in none of `sources`: in `to` already, asking again is the same answer;
        anything else cannot become `to` from where it is."""
        if current is self.to:
            return
        name, name_en = CENTRE_STATUS_NAMES[current]
        raise CentreStatusWrong(
            centre_id=centre_id,
            status=current.value,
            status_name=name,
            status_name_en=name_en,
            action=self.action,
            action_name=self.action_ko,
            action_en=self.to.value,
            expected=", ".join(s.value for s in self.sources),
            expected_name=", ".join(CENTRE_STATUS_NAMES[s][0] for s in self.sources),
        )


def centre_status_name(status: str) -> str:
    """The Korean name of a centre's status as stored (`accredited` → 인증); an unknown value as it is."""
    try:
        return CENTRE_STATUS_NAMES[CentreStatus(status)][0]
    except ValueError:
        return status


ACCREDIT = CentreTransition(
    "accredit", "인증", CentreStatus.ACCREDITED, (CentreStatus.REGISTERED, CentreStatus.SUSPENDED), needs_reason=False
)
"""인증: a registered centre starts posting recruitments; a suspended one is accredited again."""
SUSPEND = CentreTransition("suspend", "정지", CentreStatus.SUSPENDED, (CentreStatus.ACCREDITED,), needs_reason=True)
"""정지: only an accredited centre is suspended, and always with a reason."""
