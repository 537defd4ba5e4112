"""The rules of recruitments, applications, placement and orientation (brochure §3, steps 2 and 4). Pure: no I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic_core import PydanticCustomError

from vms_contracts.reference import district_in_region
from vms_contracts.rpc.registry import (
    ADULT_AGE,
    GUARDIAN_AGE,
    STANDING,
    ApplicationStatus,
    CentreStatus,
    Eligibility,
    RecruitmentStatus,
)
from vms_platform.errors import NotFound, RuleViolation
from vms_platform.messages import text
from vms_registry.domain import CentreNotAccredited, FieldInvalid, GuardianConsentRequired, age_on, centre_status_name
from vms_registry.recruitments import messages as _messages  # noqa: F401  (the texts of the errors below)


class RecruitmentNotFound(NotFound):
    code = "RECRUITMENT_NOT_FOUND"


class ApplicationNotFound(NotFound):
    code = "APPLICATION_NOT_FOUND"


class RecruitmentClosed(RuleViolation):
    code = "RECRUITMENT_CLOSED"


class CapacityBelowTaken(RuleViolation):
    code = "CAPACITY_BELOW_TAKEN"


class RecruitmentNotAccepting(RuleViolation):
    code = "RECRUITMENT_NOT_ACCEPTING"


class RecruitmentFull(RuleViolation):
    code = "RECRUITMENT_FULL"


class AlreadyApplied(RuleViolation):
    code = "ALREADY_APPLIED"


class NotEligible(RuleViolation):
    code = "NOT_ELIGIBLE"


class GroupNotAllowed(RuleViolation):
    code = "GROUP_NOT_ALLOWED"


class ApplicationStatusWrong(RuleViolation):
    code = "APPLICATION_STATUS"


# -- posting -------------------------------------------------------------------------------------------------------


def check_postable(centre_id: UUID, centre_status: str) -> None:
    """Only a centre its council accredited posts recruitments (사회복지자원봉사 관리센터, brochure §1)."""
    if centre_status != CentreStatus.ACCREDITED.value:
        raise CentreNotAccredited(
            centre_id=centre_id, status=centre_status, status_name=centre_status_name(centre_status)
        )


def check_dates(*, start_date: date | None, apply_until: date | None, today: date) -> None:
    """A recruitment is posted for what is still to come: its first day, and its deadline when it has one, are
    today or later (Korean time)."""
    for field, day in (("start_date", start_date), ("apply_until", apply_until)):
        if day is not None and day < today:
            raise FieldInvalid(
                PydanticCustomError(
                    "date_in_past",
                    "{date} has passed: it must be today ({today}) or later",
                    {"field": field, "date": day.isoformat(), "today": today.isoformat()},
                )
            )


def check_district(district: str | None, centre_region: str) -> None:
    """A recruitment takes place in its centre's 시·도: its 시·군·구 lies there."""
    if district is None:
        return
    try:
        district_in_region(district, centre_region)
    except PydanticCustomError as exc:
        raise FieldInvalid(exc) from None


def check_capacity(capacity: int, taken: int) -> None:
    """A capacity is never lowered below the people already standing in it."""
    if capacity < taken:
        raise CapacityBelowTaken(capacity=capacity, taken=taken)


def last_apply_day(apply_until: date | None, end_date: date) -> date:
    """The last day an application is taken: its deadline, or the last day of the activity without one."""
    return apply_until if apply_until is not None else end_date


# -- who may apply -------------------------------------------------------------------------------------------------


class NotAccepting(StrEnum):
    """Why a recruitment takes no applications now."""

    CLOSED = "closed"
    DEADLINE_PASSED = "deadline_passed"
    ENDED = "ended"
    CENTRE_SUSPENDED = "centre_suspended"


@dataclass(frozen=True)
class Opening:
    """What decides whether a recruitment takes an application today."""

    recruitment_id: UUID
    status: str
    end_date: date
    last_apply_day: date
    capacity: int
    taken: int
    centre_status: str

    def closed_because(self, today: date) -> NotAccepting | None:
        if self.status != RecruitmentStatus.OPEN.value:
            return NotAccepting.CLOSED
        if self.centre_status == CentreStatus.SUSPENDED.value:
            return NotAccepting.CENTRE_SUSPENDED
        if self.end_date < today:
            return NotAccepting.ENDED
        if self.last_apply_day < today:
            return NotAccepting.DEADLINE_PASSED
        return None

    def accepting(self, today: date) -> bool:
        """Open, not past its deadline or its end, places left, and its centre not suspended."""
        return self.closed_because(today) is None and self.taken < self.capacity

    def refuse(self, today: date, party_size: int) -> None:
        """Why the places could not be taken (the conditional write found none): not accepting, with the reason,
        or full, with the places left. Returns when neither holds any more (another application let go of its
        places meanwhile): the write may be tried again."""
        reason = self.closed_because(today)
        if reason is not None:
            said = text(
                f"NOT_ACCEPTING_{reason.value}",
                last_apply_day=self.last_apply_day.isoformat(),
                end_date=self.end_date.isoformat(),
            )
            raise RecruitmentNotAccepting(
                recruitment_id=self.recruitment_id, reason=reason.value, reason_name=said.ko, reason_en=said.en
            )
        left = self.capacity - self.taken
        if party_size > left:
            raise RecruitmentFull(capacity=self.capacity, left=max(left, 0), party_size=party_size)


def check_eligible(eligibility: Sequence[Eligibility], *, party_size: int, birth_date: date, start_date: date) -> None:
    """Who may apply (신청 자격): an application for several people only where groups are taken; one for a single
    person only from whom the recruitment is for, by their 만 나이 on its first day — an adult (만 19세 이상,
    민법 제4조) where adults are taken, anyone younger where young people are."""
    if party_size > 1:
        if Eligibility.GROUP not in eligibility:
            raise GroupNotAllowed(party_size=party_size)
        return
    age = age_on(birth_date, start_date)
    kind = Eligibility.ADULT if age >= ADULT_AGE else Eligibility.YOUTH
    if kind in eligibility:
        return
    who = [text(f"ELIGIBLE_{e.value}") for e in eligibility]
    applicant = (
        text("APPLICANT_ALONE")
        if set(eligibility) == {Eligibility.GROUP}
        else text("APPLICANT_AGE", age=age, start_date=start_date.isoformat())
    )
    raise NotEligible(
        who=",".join(e.value for e in eligibility),
        who_name=", ".join(w.ko for w in who),
        who_en=" and ".join(w.en for w in who),
        age=age,
        applicant_name=applicant.ko,
        applicant_en=applicant.en,
    )


def check_guardian(volunteer_id: UUID, birth_date: date, today: date, *, consented: bool) -> None:
    """Under 14 (만 14세 미만, counted on `today` in Korean time), a guardian consents before a volunteer applies or
    is placed."""
    age = age_on(birth_date, today)
    if age < GUARDIAN_AGE and not consented:
        raise GuardianConsentRequired(volunteer_id=volunteer_id, age=age)


# -- what a centre and a volunteer do to an application ------------------------------------------------------------

STATUS_NAMES: dict[ApplicationStatus, tuple[str, str]] = {
    ApplicationStatus.APPLIED: ("신청", "applied"),
    ApplicationStatus.ACCEPTED: ("승인", "accepted"),
    ApplicationStatus.AWAITING_ORIENTATION: ("배치 대기(소양교육)", "awaiting orientation"),
    ApplicationStatus.PLACED: ("배치", "placed"),
    ApplicationStatus.REJECTED: ("반려", "rejected"),
    ApplicationStatus.CANCELLED: ("신청취소", "cancelled"),
}


@dataclass(frozen=True)
class Transition:
    """What is done to an application, from which states to which (신청 → 승인 → 배치; 반려; 신청취소)."""

    action: str
    action_name: str
    sources: tuple[ApplicationStatus, ...]
    targets: tuple[ApplicationStatus, ...]
    """Where it leads: the first is where it goes, the others where it may go instead (배치 waits for 소양교육)."""
    frees_places: bool = False

    @property
    def source_values(self) -> list[str]:
        return [s.value for s in self.sources]


CANCEL = Transition("cancelled", "취소", STANDING, (ApplicationStatus.CANCELLED,), frees_places=True)
ACCEPT = Transition("accepted", "승인", (ApplicationStatus.APPLIED,), (ApplicationStatus.ACCEPTED,))
REJECT = Transition(
    "rejected",
    "반려",
    (ApplicationStatus.APPLIED, ApplicationStatus.ACCEPTED),
    (ApplicationStatus.REJECTED,),
    frees_places=True,
)
PLACE = Transition(
    "placed",
    "배치",
    (ApplicationStatus.ACCEPTED,),
    (ApplicationStatus.PLACED, ApplicationStatus.AWAITING_ORIENTATION),
)


def settle(transition: Transition, application_id: UUID, current: ApplicationStatus) -> None:
    """When the conditional write found the application no longer where `transition` starts: already where it
    leads (the same request again) is answered as it stands, without a second event; anything else is refused,
    naming the application's status."""
    if current in transition.targets:
        return
    name, name_en = STATUS_NAMES[current]
    raise ApplicationStatusWrong(
        application_id=application_id,
        status=name_en,
        status_name=name,
        action_en=transition.action,
        action_name=transition.action_name,
        expected=" or ".join(STATUS_NAMES[s][1] for s in transition.sources),
        expected_name="', '".join(STATUS_NAMES[s][0] for s in transition.sources),
    )


def placement_of(orientation_required: bool, *, oriented: bool) -> ApplicationStatus:
    """배치 follows orientation (소양교육, brochure §3 step 4): where the recruitment requires it and the volunteer
    has not completed it at the centre, the application waits for it."""
    if orientation_required and not oriented:
        return ApplicationStatus.AWAITING_ORIENTATION
    return ApplicationStatus.PLACED


def check_completed_on(completed_on: date, today: date) -> None:
    """An orientation is recorded once it took place: on a day up to today (Korean time)."""
    if completed_on > today:
        raise FieldInvalid(
            PydanticCustomError(
                "date_in_future",
                "{date} is still to come: it must be today ({today}) or earlier",
                {"field": "completed_on", "date": completed_on.isoformat(), "today": today.isoformat()},
            )
        )


# -- searching -----------------------------------------------------------------------------------------------------

FIELD_SEPARATOR = "\n"
"""Between the texts a recruitment is searched by; no one-line text holds it, so no word spans two of them."""


def search_key(value: str) -> str:
    """Text as it is stored and searched: NFC, lower case, without spaces (`어르신 말벗` → `어르신말벗`), so that a
    word is found however it was typed or spaced."""
    return "".join(unicodedata.normalize("NFC", value).lower().split())


def search_text(texts: Iterable[str | None]) -> str:
    """The title, place, description and centre name of a recruitment as one searchable text."""
    return FIELD_SEPARATOR.join(search_key(t) for t in texts if t)


def search_words(keyword: str) -> list[str]:
    """The words of a keyword, each after `search_key`, each once: a recruitment matches when it holds them all."""
    return list(dict.fromkeys(w for w in (search_key(part) for part in keyword.split()) if w))


def bigrams(value: str) -> list[str]:
    """The distinct pairs of neighbouring characters of a search text or word (`말벗봉사` → `말벗`, `벗봉`, `봉사`).
    Most Korean words are two syllables, too short for trigram indexes: a word of two characters or more is found
    by the recruitments holding all its bigrams, then checked whole."""
    pairs = (value[i : i + 2] for i in range(len(value) - 1))
    return sorted({pair for pair in pairs if FIELD_SEPARATOR not in pair})


def eligibility_flags(eligibility: Iterable[Eligibility]) -> Mapping[str, Any]:
    chosen = set(eligibility)
    return {
        "for_adults": Eligibility.ADULT in chosen,
        "for_youth": Eligibility.YOUTH in chosen,
        "for_groups": Eligibility.GROUP in chosen,
    }


def eligibility_of(for_adults: bool, for_youth: bool, for_groups: bool) -> list[Eligibility]:
    flags = ((Eligibility.ADULT, for_adults), (Eligibility.YOUTH, for_youth), (Eligibility.GROUP, for_groups))
    return [kind for kind, on in flags if on]
