"""The brochure's reference data as shipped (councils, activity taxonomy, community-team fields, 시·군·구), and the
registry's new requests refusing what they cannot take with the field named in Korean and English — including the
rules over several fields (an end before its start), which name the field to change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from vms_contracts import reference
from vms_contracts.ids import new_id
from vms_contracts.reference import ACTIVITY_TYPE_LABELS, COUNCILS, SUB_FIELDS, TEAM_FIELD_LABELS, ActivityType
from vms_contracts.regions import PROVINCES
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import (
    ListApplications,
    PostRecruitment,
    RecordGuardianConsent,
    RegisterCentre,
    RegisterVolunteer,
    SearchRecruitments,
)
from vms_platform.messages import CATALOGUE

from .test_request_models import BOTH_MODES, KST_TODAY, VOLUNTEER, Validate, has_hangul, only_error, refusal


def test_the_central_council_and_seventeen_regional_councils_with_the_brochures_homepages() -> None:
    assert len(COUNCILS) == 18
    assert {c.region for c in COUNCILS} == {"00", *PROVINCES}
    central = COUNCILS[0]
    assert (central.phone, central.homepage) == ("02-2077-3995", "www.vms.or.kr")
    assert central.address is not None and "만리재로 14" in central.address
    by_region = {c.region: c for c in COUNCILS}
    assert by_region["11"].homepage == "www.s-win.or.kr"
    assert by_region["50"].homepage == "www.jejubokji.net"
    assert by_region["36"].phone == "044-862-0404"
    assert all(c.phone == reference.NATIONAL_LINE for c in COUNCILS if c.region not in {"00", "36"})


def test_five_activity_types_with_the_brochures_sub_fields() -> None:
    assert [ACTIVITY_TYPE_LABELS[t].ko for t in ActivityType] == [
        "재가봉사",
        "시설봉사",
        "전문봉사",
        "지역사회봉사",
        "해외봉사",
    ]
    assert {t: len(SUB_FIELDS[t]) for t in ActivityType} == {
        ActivityType.HOME: 4,
        ActivityType.FACILITY: 9,
        ActivityType.PROFESSIONAL: 5,
        ActivityType.COMMUNITY: 9,
        ActivityType.OVERSEAS: 4,
    }
    for labels in SUB_FIELDS.values():
        codes = [label.code for label in labels]
        assert len(codes) == len(set(codes))


def test_eight_community_team_fields_with_examples() -> None:
    assert [label.ko for label in TEAM_FIELD_LABELS.values()] == [
        "기술·기능",
        "교육·학습",
        "상담·정보",
        "노력·행정",
        "운영·지원",
        "보건·의료",
        "문화·예술",
        "교통·환경",
    ]
    assert all(label.examples_ko and label.examples_en for label in TEAM_FIELD_LABELS.values())


def test_every_province_has_its_districts_coded_under_it() -> None:
    districts = reference.districts()
    assert len(districts) == 254
    for code, district in districts.items():
        assert len(code) == 5 and code.isdigit()
        assert code[:2] == district.region, district
    counts = {region: len(reference.districts_of(region)) for region in PROVINCES}
    assert counts["11"] == 25 and counts["41"] == 44 and counts["36"] == 1
    assert all(counts.values())
    # Changes since the source's extract, as `data/README.md` lists them.
    assert districts["27720"].name == "군위군"
    assert districts["51110"].name == "춘천시" and "42110" not in districts
    assert districts["52111"].name == "전주시 완산구" and "45111" not in districts
    assert districts["41192"].name == "부천시 원미구" and "41190" not in districts
    names = [(d.region, d.name) for d in districts.values()]
    assert len(names) == len(set(names))


# -- the registry's new requests ---------------------------------------------------------------------------------

RECRUITMENT: dict[str, Any] = {
    "centre_id": str(new_id("11")),
    "title": "어르신 말벗 봉사자 모집",
    "activity_type": "facility",
    "sub_field": "emotional",
    "place": "행복종합사회복지관 2층",
    "start_date": (KST_TODAY + timedelta(days=7)).isoformat(),
    "end_date": (KST_TODAY + timedelta(days=37)).isoformat(),
    "weekdays": ["mon", "wed"],
    "start_time": "10:00",
    "end_time": "12:00",
    "capacity": 10,
    "eligibility": ["adult", "youth"],
}


def english(text: str) -> bool:
    """English, which may name a Korean term (`시·군·구`) but says the rule in Latin letters."""
    letters = [c for c in text if c.isalpha()]
    return sum(c.isascii() for c in letters) > len(letters) / 2


def both_languages(error: Any) -> None:
    assert has_hangul(error.message), error
    assert error.message_en and english(error.message_en), error


@BOTH_MODES
def test_a_full_profile_is_taken(validate: Validate) -> None:
    profile = {
        **VOLUNTEER,
        "email": "Hong@Example.COM",
        "district": "11440",
        "desired_activities": [{"activity_type": "home", "sub_field": "emotional"}, {"activity_type": "overseas"}],
        "desired_regions": ["11", "41"],
        "talents": ["피아노", "수화"],
        "availability": [{"weekday": "sat", "part": "morning"}, {"weekday": "sun", "part": "afternoon"}],
        "school": {"name": "서울중학교", "level": "middle", "grade": 3},
    }
    taken = validate(RegisterVolunteer, profile)
    assert isinstance(taken, RegisterVolunteer)
    assert taken.email == "Hong@example.com"
    assert taken.school is not None and taken.school.grade == 3


@BOTH_MODES
@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"email": "hong@localhost"}, "email", "email_format"),
        ({"district": "26110"}, "district", "district_region"),
        ({"district": "99999"}, "district", "district_unknown"),
        (
            {"desired_activities": [{"activity_type": "home", "sub_field": "leisure"}]},
            "desired_activities.0.sub_field",
            "sub_field_unknown",
        ),
        ({"desired_activities": [{"activity_type": "hobby"}]}, "desired_activities.0.activity_type", "enum"),
        ({"availability": [{"weekday": "mon", "part": "morning"}] * 2}, "availability", "list_duplicate"),
        ({"talents": ["피아노", "피아노"]}, "talents", "list_duplicate"),
        ({"school": {"name": "서울중학교", "level": "middle", "grade": 4}}, "school.grade", "grade_range"),
        ({"desired_regions": ["00"]}, "desired_regions.0", "region_province"),
    ],
)
def test_each_bad_part_of_a_profile_is_named(validate: Validate, change: dict[str, Any], field: str, rule: str) -> None:
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, **change}, field)
    assert error.type == rule
    both_languages(error)


@BOTH_MODES
@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"end_date": (KST_TODAY + timedelta(days=1)).isoformat()}, "end_date", "date_order"),
        ({"end_time": "09:00"}, "end_time", "time_order"),
        ({"end_time": "10:00"}, "end_time", "time_order"),
        ({"capacity": 0}, "capacity", "greater_than_equal"),
        ({"capacity": "10"}, "capacity", "int_type"),
        ({"weekdays": []}, "weekdays", "too_short"),
        ({"weekdays": ["mon", "mon"]}, "weekdays", "list_duplicate"),
        ({"eligibility": ["adult", "senior"]}, "eligibility.1", "enum"),
        ({"sub_field": "counselling"}, "sub_field", "sub_field_unknown"),
        ({"apply_until": (KST_TODAY + timedelta(days=60)).isoformat()}, "apply_until", "date_order"),
        ({"end_date": (KST_TODAY + timedelta(days=400)).isoformat()}, "end_date", "period_too_long"),
        ({"start_date": "2026-02-30"}, "start_date", "date_invalid"),
    ],
)
def test_each_bad_part_of_a_recruitment_is_named(
    validate: Validate, change: dict[str, Any], field: str, rule: str
) -> None:
    error = only_error(validate, PostRecruitment, {**RECRUITMENT, **change}, field)
    assert error.type == rule
    both_languages(error)


@BOTH_MODES
def test_a_search_by_sub_field_needs_its_type(validate: Validate) -> None:
    error = only_error(validate, SearchRecruitments, {"sub_field": "emotional"}, "activity_type")
    assert error.type == "sub_field_without_type"
    assert validate(SearchRecruitments, {"activity_type": "home", "sub_field": "emotional", "keyword": "말벗"})


@BOTH_MODES
def test_a_list_of_applications_is_of_a_recruitment_or_of_a_volunteer(validate: Validate) -> None:
    error = only_error(validate, ListApplications, {}, "recruitment_id")
    assert error.type == "one_of_required"
    both = {"recruitment_id": str(new_id("11")), "volunteer_id": str(new_id("11"))}
    assert list(refusal(validate, ListApplications, both)) == ["recruitment_id"]


@BOTH_MODES
def test_a_guardian_consent_is_given_or_not_recorded(validate: Validate) -> None:
    payload = {
        "volunteer_id": str(new_id("11")),
        "guardian_name": "홍부모",
        "guardian_phone": "010-9876-5432",
        "relation": "parent",
        "consented": False,
    }
    error = only_error(validate, RecordGuardianConsent, payload, "consented")
    assert error.type == "guardian_consent_required"


@BOTH_MODES
def test_a_centre_is_registered_with_its_district_in_its_region(validate: Validate) -> None:
    centre = {"name": "행복종합사회복지관", "region": "11", "district": "11440", "kind": "community_welfare"}
    assert validate(RegisterCentre, centre)
    error = only_error(validate, RegisterCentre, {**centre, "region": "26"}, "district")
    assert error.type == "district_region"
    assert "마포구" in error.message


def test_every_new_rule_has_its_text_in_both_languages() -> None:
    for code in (
        "district_unknown",
        "district_region",
        "sub_field_unknown",
        "email_format",
        "list_duplicate",
        "grade_range",
        "guardian_consent_required",
        "date_order",
        "time_order",
        "period_too_long",
        "one_of_required",
        "sub_field_without_type",
    ):
        text = CATALOGUE[f"FIELD_{code}"]
        assert has_hangul(text.ko) and english(text.en)


def test_every_registry_request_is_declared_once() -> None:
    rpcs = [value for value in vars(registry_rpc).values() if isinstance(value, registry_rpc.Rpc)]
    names = [rpc.name for rpc in rpcs]
    assert len(names) == len(set(names))
    assert {"post_recruitment", "search_recruitments", "apply", "withdraw_volunteer", "accredit_centre"} <= set(names)
