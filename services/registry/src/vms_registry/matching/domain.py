"""The rules of matching (희망봉사활동 → 배치, brochure §3 steps 3 and 4): a volunteer registers what they wish to do,
where and when, and their skills; a recruitment and a volunteer are put together by how much of that it fits, each
reason adding its weight (`MATCH_WEIGHTS`). Pure: no I/O."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from vms_contracts.reference import ACTIVITY_TYPE_LABELS, ActivityType, districts, sub_field
from vms_contracts.regions import REGIONS
from vms_contracts.rpc.registry import ADULT_AGE, MATCH_WEIGHTS, DayPart, Eligibility, MatchReason, Reason, Weekday
from vms_registry.recruitments.domain import NotEligible, check_eligible, search_key, search_text

K = TypeVar("K", bound=tuple[Any, ...] | UUID)

DAY_PARTS: dict[DayPart, tuple[time, time]] = {
    DayPart.MORNING: (time(9), time(12)),
    DayPart.AFTERNOON: (time(12), time(18)),
    DayPart.EVENING: (time(18), time(22)),
}
"""활동 가능 시간's parts of the day, each from its first hour up to (not including) its last: 12:00 is the
afternoon's, 18:00 the evening's."""

WEEKDAY_NAMES: dict[Weekday, str] = {
    Weekday.MON: "월",
    Weekday.TUE: "화",
    Weekday.WED: "수",
    Weekday.THU: "목",
    Weekday.FRI: "금",
    Weekday.SAT: "토",
    Weekday.SUN: "일",
}
DAY_PART_NAMES: dict[DayPart, str] = {DayPart.MORNING: "오전", DayPart.AFTERNOON: "오후", DayPart.EVENING: "저녁"}
HOME_REGION = "거주지"
"""Said after the 시·도 of a REGION reason when the volunteer named no 희망활동지역 and their home 시·도 stood in."""

DETAIL_SEPARATOR = ", "

ANNOUNCED_MATCHES = 100
"""The most volunteers a newly posted recruitment is announced to (`RecruitmentMatchedV1`), the best first."""
ANNOUNCE_MIN_SCORE = MATCH_WEIGHTS[MatchReason.ACTIVITY_TYPE] + MATCH_WEIGHTS[MatchReason.REGION]
"""A volunteer is told of a new recruitment only when it is of a type they wish to do (its sub-field or the type)
in a 시·도 where they wish to serve, at the least: a place or a time alone is no wish of theirs."""

Slot = tuple[Weekday, DayPart]
"""A weekday and a part of the day: when a volunteer can serve, or when a recruitment takes place."""


def day_parts(start: time, end: time) -> list[DayPart]:
    """The parts of the day an activity from `start` to `end` overlaps (활동 가능 시간: 오전 09–12시, 오후 12–18시,
    저녁 18–22시): 10:00–12:00 is the morning's alone, 11:00–13:00 the morning's and the afternoon's."""
    return [part for part, (first, last) in DAY_PARTS.items() if start < last and end > first]


def slots_of(weekdays: Iterable[Weekday], start: time, end: time) -> list[Slot]:
    """When a recruitment takes place, as the volunteer's slots are written: each of its weekdays, in the week's
    order, by each part of the day its hours overlap."""
    days = set(weekdays)
    parts = day_parts(start, end)
    return [(day, part) for day in Weekday if day in days for part in parts]


def slot_name(slot: Slot) -> str:
    """`토 오전`, as the portal shows a slot."""
    day, part = slot
    return f"{WEEKDAY_NAMES[day]} {DAY_PART_NAMES[part]}"


def talent_key(talent: str) -> str:
    """A talent (특기) as it is looked for in a recruitment's text: NFC, lower case, without spaces, as the
    recruitment's words are searched (`vms_registry.recruitments.domain.search_key`)."""
    return search_key(talent)


@dataclass(frozen=True)
class Wishes:
    """What a volunteer registered (희망봉사활동 등록): the activities (a type, with one of its sub-fields or `""` for
    the whole type), the 시·도 they wish to serve in, their talents and when they can serve; and where they live."""

    region: str
    """Their home 시·도."""
    district: str | None = None
    """Their home 시·군·구."""
    activities: frozenset[tuple[ActivityType, str]] = frozenset()
    regions: frozenset[str] = frozenset()
    talents: tuple[str, ...] = ()
    slots: frozenset[Slot] = frozenset()

    @property
    def activity_types(self) -> frozenset[ActivityType]:
        return frozenset(kind for kind, _ in self.activities)

    @property
    def serving_regions(self) -> frozenset[str]:
        """Where they wish to serve: the 시·도 they named (희망활동지역), or their home 시·도 when they named none."""
        return self.regions or frozenset({self.region})


@dataclass(frozen=True)
class Posting:
    """A recruitment (봉사자모집) as matching reads it: what, where, when, and the words it is described with."""

    id: UUID
    activity_type: ActivityType
    sub_field: str
    region: str
    district: str | None
    weekdays: tuple[Weekday, ...]
    start_time: time
    end_time: time
    start_date: date
    title: str
    description: str | None = None

    @property
    def slots(self) -> list[Slot]:
        return slots_of(self.weekdays, self.start_time, self.end_time)


@dataclass(frozen=True)
class Match:
    """Why a volunteer and a recruitment were put together: each reason with its points and what matched."""

    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def score(self) -> int:
        """The sum of the weights of the reasons present (`MATCH_WEIGHTS`)."""
        return sum(reason.points for reason in self.reasons)

    @property
    def codes(self) -> list[str]:
        return [reason.reason.value for reason in self.reasons]

    def has(self, reason: MatchReason) -> bool:
        return any(r.reason is reason for r in self.reasons)


def _reason(kind: MatchReason, detail: str) -> Reason:
    return Reason(reason=kind, points=MATCH_WEIGHTS[kind], detail=detail)


def match(wishes: Wishes, posting: Posting) -> Match:
    """How well a recruitment fits a volunteer's wish (brochure §3: 배치 by 희망분야 and 특기), every reason that
    holds, in the order of `MatchReason`, each with what matched as the portal shows it:

    - SUB_FIELD: the volunteer wishes that very sub-field (`정서지원`); it earns ACTIVITY_TYPE too;
    - ACTIVITY_TYPE: the volunteer wishes an activity of its type, the whole type or one of its sub-fields
      (`재가봉사`);
    - DISTRICT: it takes place in the volunteer's own 시·군·구 (`마포구`);
    - REGION: in a 시·도 the volunteer wishes to serve in, or their home 시·도 when they named none
      (`서울특별시`, `서울특별시 (거주지)`);
    - TALENT: one of the volunteer's talents is named in its title or description, however it is spaced, cased or
      composed (`피아노`);
    - AVAILABILITY: one of its weekdays by a part of the day its hours overlap is among the volunteer's slots
      (`토 오전`)."""
    reasons: list[Reason] = []
    kind = posting.activity_type
    if (kind, posting.sub_field) in wishes.activities:
        reasons.append(_reason(MatchReason.SUB_FIELD, sub_field(kind, posting.sub_field).ko))
    if kind in wishes.activity_types:
        reasons.append(_reason(MatchReason.ACTIVITY_TYPE, ACTIVITY_TYPE_LABELS[kind].ko))
    if posting.district is not None and posting.district == wishes.district:
        reasons.append(_reason(MatchReason.DISTRICT, _district_name(posting.district)))
    if posting.region in wishes.serving_regions:
        name = REGIONS[posting.region].name if posting.region in REGIONS else posting.region
        reasons.append(_reason(MatchReason.REGION, name if wishes.regions else f"{name} ({HOME_REGION})"))
    text = search_text([posting.title, posting.description])
    talents = [talent for talent in wishes.talents if (key := talent_key(talent)) and key in text]
    if talents:
        reasons.append(_reason(MatchReason.TALENT, DETAIL_SEPARATOR.join(talents)))
    slots = [slot for slot in posting.slots if slot in wishes.slots]
    if slots:
        reasons.append(_reason(MatchReason.AVAILABILITY, DETAIL_SEPARATOR.join(slot_name(s) for s in slots)))
    return Match(tuple(reasons))


def _district_name(code: str) -> str:
    found = districts().get(code)
    return found.name if found is not None else code


class Best(Generic[K]):
    """The best `limit` matches offered, the highest score first, then by `K`, the tie-break: for recruitments the
    sooner start, then the id; for volunteers the id (so that the same question always gets the same answer)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._ranked: list[tuple[tuple[int, K], Match]] = []

    def open_to(self, score: int) -> bool:
        """Whether a match scoring `score` could still be kept: there is room, or it would at least tie the last
        one kept (and might come before it by the tie-break)."""
        return len(self._ranked) < self.limit or score >= -self._ranked[-1][0][0]

    def could_keep(self, score: int, tie_break: K) -> bool:
        """Whether a match scoring `score` with this tie-break would be kept: there is room, or it would come before
        the last one kept."""
        return len(self._ranked) < self.limit or (-score, tie_break) < self._ranked[-1][0]

    def offer(self, found: Match, tie_break: K) -> None:
        bisect.insort(self._ranked, ((-found.score, tie_break), found), key=lambda item: item[0])
        del self._ranked[self.limit :]

    @property
    def kept(self) -> list[tuple[Match, K]]:
        return [(found, tie_break) for (_, tie_break), found in self._ranked]


def may_apply_alone(eligibility: Sequence[Eligibility], birth_date: date, start_date: date) -> bool:
    """Only what a volunteer may apply to is recommended: alone, by their age on its first day, as the recruitments
    decide it (`check_eligible`: 성인 만 19세 이상, 청소년 under it; a group-only recruitment takes no one alone)."""
    try:
        check_eligible(eligibility, party_size=1, birth_date=birth_date, start_date=start_date)
    except NotEligible:
        return False
    return True


def worth_announcing(found: Match) -> bool:
    """A new recruitment is announced to a volunteer (`RecruitmentMatchedV1`) when it is of a type they wish to do
    and scores at least `ANNOUNCE_MIN_SCORE`."""
    return found.has(MatchReason.ACTIVITY_TYPE) and found.score >= ANNOUNCE_MIN_SCORE


def masked_name(name: str) -> str:
    """A volunteer's name as a centre sees it among recommendations: the first and last character, each one between
    them hidden (`홍길동` → `홍*동`, `남궁민수` → `남**수`); a two-character name keeps its first (`홍*`)."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def adult_from(birth_date: date) -> date:
    """The day a person born on `birth_date` turns 만 19세 (an adult, 민법 제4조), as `age_on` counts it: their
    birthday 19 years on, a 29 February birthday on 1 March in other years."""
    year = birth_date.year + ADULT_AGE
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28) + timedelta(days=1)


def adults_born_by(day: date) -> date:
    """The latest birth date of a person who is 만 19세 or older on `day`, as `age_on` counts it."""
    year = day.year - ADULT_AGE
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)
