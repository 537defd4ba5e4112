"""Matching's rules (희망봉사활동 → 배치): each reason a recruitment fits a volunteer's wish, alone and together, the
score as the sum of their weights, the parts of the day at their edges, and the names a centre sees."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, time, timedelta
from uuid import UUID

import pytest

from vms_contracts.reference import ActivityType
from vms_contracts.rpc.registry import ADULT_AGE, MATCH_WEIGHTS, DayPart, MatchReason, Weekday
from vms_registry.domain import age_on
from vms_registry.matching import domain
from vms_registry.matching.domain import Posting, Wishes, day_parts, masked_name, match

HOME, FACILITY = ActivityType.HOME, ActivityType.FACILITY
SAT, SUN = Weekday.SAT, Weekday.SUN
MORNING, AFTERNOON, EVENING = DayPart.MORNING, DayPart.AFTERNOON, DayPart.EVENING
MAPO, JONGNO = "11440", "11110"

NOBODY = Wishes(region="26")
"""A volunteer of 부산 who wished nothing: no reason holds for a recruitment in 서울."""

CHAT = Posting(
    id=UUID(int=1),
    activity_type=HOME,
    sub_field="emotional",
    region="11",
    district=MAPO,
    weekdays=(SAT,),
    start_time=time(10),
    end_time=time(12),
    start_date=date(2030, 5, 4),
    title="어르신 말벗 봉사자 모집",
    description="피아노 연주로 어르신과 함께하는 시간",
)


def reasons(wishes: Wishes, posting: Posting = CHAT) -> dict[MatchReason, str]:
    return {reason.reason: reason.detail for reason in match(wishes, posting).reasons}


def test_nothing_wished_nothing_matched() -> None:
    found = match(NOBODY, CHAT)
    assert found.reasons == ()
    assert found.score == 0


def test_the_very_sub_field_earns_its_type_too() -> None:
    wishes = replace(NOBODY, activities=frozenset({(HOME, "emotional")}))
    assert reasons(wishes) == {MatchReason.SUB_FIELD: "정서지원", MatchReason.ACTIVITY_TYPE: "재가봉사"}
    assert match(wishes, CHAT).score == MATCH_WEIGHTS[MatchReason.SUB_FIELD] + MATCH_WEIGHTS[MatchReason.ACTIVITY_TYPE]


def test_the_whole_type_or_another_sub_field_earns_the_type_alone() -> None:
    for wished in ("", "daily_life"):
        wishes = replace(NOBODY, activities=frozenset({(HOME, wished)}))
        assert reasons(wishes) == {MatchReason.ACTIVITY_TYPE: "재가봉사"}, wished


def test_the_same_sub_field_of_another_type_is_no_match() -> None:
    """정서지원 is a sub-field of 재가봉사 and of 시설봉사: wishing it at facilities says nothing of home visits."""
    wishes = replace(NOBODY, activities=frozenset({(FACILITY, "emotional")}))
    assert reasons(wishes) == {}


def test_a_recruitment_in_the_volunteers_own_district() -> None:
    wishes = replace(NOBODY, region="11", district=MAPO, regions=frozenset({"41"}))
    assert reasons(wishes) == {MatchReason.DISTRICT: "마포구"}
    assert reasons(replace(wishes, district=JONGNO)) == {}
    assert reasons(wishes, replace(CHAT, district=None)) == {}, "a recruitment without a 시·군·구 is in none"


def test_a_recruitment_in_a_region_the_volunteer_wishes_to_serve_in() -> None:
    wishes = replace(NOBODY, regions=frozenset({"11", "41"}))
    assert reasons(wishes) == {MatchReason.REGION: "서울특별시"}
    assert reasons(replace(NOBODY, regions=frozenset({"41"}))) == {}


def test_the_home_region_stands_in_when_the_volunteer_named_none_and_says_so() -> None:
    assert reasons(replace(NOBODY, region="11")) == {MatchReason.REGION: "서울특별시 (거주지)"}


def test_a_talent_named_in_the_words_however_it_is_written() -> None:
    wishes = replace(NOBODY, talents=("피아노",))
    assert reasons(wishes) == {MatchReason.TALENT: "피아노"}
    decomposed = unicodedata.normalize("NFD", "피아노")
    assert reasons(replace(NOBODY, talents=(decomposed,))) == {MatchReason.TALENT: decomposed}, "NFC or not"
    english = replace(CHAT, title="Piano lessons", description=None)
    assert reasons(replace(NOBODY, talents=("PIANO", "수화")), english) == {MatchReason.TALENT: "PIANO"}
    spaced = replace(CHAT, description="수화 통역 봉사")
    assert reasons(replace(NOBODY, talents=("수화통역",)), spaced) == {MatchReason.TALENT: "수화통역"}
    assert reasons(replace(NOBODY, talents=("바이올린",))) == {}


def test_every_talent_found_is_named_and_counted_once() -> None:
    posting = replace(CHAT, description="피아노와 바이올린 연주")
    found = match(replace(NOBODY, talents=("바이올린", "피아노", "수화")), posting)
    assert [(r.reason, r.detail, r.points) for r in found.reasons] == [
        (MatchReason.TALENT, "바이올린, 피아노", MATCH_WEIGHTS[MatchReason.TALENT])
    ]


def test_a_time_the_volunteer_can_serve() -> None:
    assert reasons(replace(NOBODY, slots=frozenset({(SAT, MORNING)}))) == {MatchReason.AVAILABILITY: "토 오전"}
    assert reasons(replace(NOBODY, slots=frozenset({(SAT, AFTERNOON), (SUN, MORNING)}))) == {}


def test_every_slot_that_fits_is_named_in_the_weeks_order() -> None:
    posting = replace(CHAT, weekdays=(SUN, SAT), start_time=time(11), end_time=time(13))
    slots = frozenset({(SUN, AFTERNOON), (SAT, MORNING), (SAT, EVENING)})
    assert reasons(replace(NOBODY, slots=slots), posting) == {MatchReason.AVAILABILITY: "토 오전, 일 오후"}


def test_every_reason_together_scores_the_sum_of_the_weights() -> None:
    wishes = Wishes(
        region="11",
        district=MAPO,
        activities=frozenset({(HOME, "emotional"), (FACILITY, "")}),
        regions=frozenset({"11"}),
        talents=("피아노",),
        slots=frozenset({(SAT, MORNING)}),
    )
    found = match(wishes, CHAT)
    assert [r.reason for r in found.reasons] == list(MatchReason), "every reason, in the order of MatchReason"
    assert found.codes == [reason.value for reason in MatchReason]
    assert found.score == sum(MATCH_WEIGHTS.values()) == 125
    assert [r.detail for r in found.reasons] == ["정서지원", "재가봉사", "마포구", "서울특별시", "피아노", "토 오전"]


def test_the_score_is_the_sum_of_the_reasons_present() -> None:
    wishes = replace(NOBODY, activities=frozenset({(HOME, "")}), slots=frozenset({(SAT, MORNING)}))
    found = match(wishes, CHAT)
    assert found.score == MATCH_WEIGHTS[MatchReason.ACTIVITY_TYPE] + MATCH_WEIGHTS[MatchReason.AVAILABILITY] == 40
    assert sum(r.points for r in found.reasons) == found.score


@pytest.mark.parametrize(
    ("start", "end", "parts"),
    [
        (time(9), time(12), [MORNING]),
        (time(10), time(12), [MORNING]),
        (time(12), time(14), [AFTERNOON]),
        (time(11), time(13), [MORNING, AFTERNOON]),
        (time(11, 59), time(12), [MORNING]),
        (time(12), time(12, 1), [AFTERNOON]),
        (time(17), time(19), [AFTERNOON, EVENING]),
        (time(18), time(22), [EVENING]),
        (time(8), time(23), [MORNING, AFTERNOON, EVENING]),
        (time(7), time(9), []),
        (time(22), time(23), []),
    ],
)
def test_the_parts_of_the_day_an_activity_overlaps(start: time, end: time, parts: list[DayPart]) -> None:
    """오전 09–12시, 오후 12–18시, 저녁 18–22시: 12:00 belongs to the afternoon, 18:00 to the evening."""
    assert day_parts(start, end) == parts


def test_an_activity_across_noon_fits_a_morning_and_an_afternoon() -> None:
    across_noon = replace(CHAT, start_time=time(11), end_time=time(13))
    assert reasons(replace(NOBODY, slots=frozenset({(SAT, AFTERNOON)})), across_noon) == {
        MatchReason.AVAILABILITY: "토 오후"
    }
    until_noon = replace(CHAT, start_time=time(10), end_time=time(12))
    assert reasons(replace(NOBODY, slots=frozenset({(SAT, AFTERNOON)})), until_noon) == {}


@pytest.mark.parametrize(
    ("name", "masked"),
    [("홍길동", "홍*동"), ("남궁민수", "남**수"), ("홍길", "홍*"), ("김", "*"), ("이몽룡춘향", "이***향")],
)
def test_a_centre_sees_a_masked_name(name: str, masked: str) -> None:
    assert masked_name(name) == masked


def test_recruitments_rank_by_score_then_sooner_start_then_id() -> None:
    wishes = replace(NOBODY, activities=frozenset({(HOME, "")}))
    later = replace(CHAT, id=UUID(int=2), start_date=CHAT.start_date + timedelta(days=1))
    twin = replace(CHAT, id=UUID(int=3))
    better = replace(CHAT, id=UUID(int=4), start_date=CHAT.start_date + timedelta(days=30), region="26")
    best: domain.Best[tuple[date, UUID]] = domain.Best(3)
    for posting in [later, twin, CHAT, better]:
        best.offer(match(wishes, posting), (posting.start_date, posting.id))
    assert [(found.score, tie_break[1].int) for found, tie_break in best.kept] == [(35, 4), (25, 1), (25, 3)]


def test_the_best_stay_open_to_a_tie_and_closed_to_less() -> None:
    wishes = replace(NOBODY, activities=frozenset({(HOME, "")}), regions=frozenset({"11"}))
    best: domain.Best[UUID] = domain.Best(2)
    assert best.open_to(0), "room for anything while not full"
    best.offer(match(wishes, CHAT), UUID(int=9))
    best.offer(match(NOBODY, CHAT), UUID(int=1))
    assert [(found.score, key.int) for found, key in best.kept] == [(35, 9), (0, 1)]
    best.offer(match(replace(NOBODY, activities=wishes.activities), CHAT), UUID(int=5))
    assert [(found.score, key.int) for found, key in best.kept] == [(35, 9), (25, 5)], "the lowest falls out"
    assert best.open_to(25), "a tie may still come first by its id"
    assert not best.open_to(24)


def test_an_announcement_needs_the_wished_type_where_the_volunteer_serves() -> None:
    here_and_now = replace(NOBODY, region="11", district=MAPO, slots=frozenset({(SAT, MORNING)}), talents=("피아노",))
    assert match(here_and_now, CHAT).score == 60
    assert not domain.worth_announcing(match(here_and_now, CHAT)), "place, time and talent are not a wish to do it"
    wished = replace(NOBODY, region="11", activities=frozenset({(HOME, "")}))
    assert domain.worth_announcing(match(wished, CHAT))
    elsewhere = replace(wished, regions=frozenset({"41"}))
    assert not domain.worth_announcing(match(elsewhere, CHAT)), "the type alone, far from where they serve"


def test_the_day_one_turns_adult_as_the_recruitments_count_age() -> None:
    """Both cut-offs agree with `age_on` (만 나이) on every day around the birthdays that are hard to count."""
    births = [date(2004, 2, 29), date(2005, 3, 1), date(2005, 2, 28), date(2011, 12, 31), date(2012, 1, 1)]
    for born in births:
        turns = domain.adult_from(born)
        assert age_on(born, turns) == ADULT_AGE
        assert age_on(born, turns - timedelta(days=1)) == ADULT_AGE - 1
    for offset in range(-800, 800):
        day = date(2024, 2, 29) + timedelta(days=offset)
        cut = domain.adults_born_by(day)
        assert age_on(cut, day) >= ADULT_AGE
        assert age_on(cut + timedelta(days=1), day) < ADULT_AGE
