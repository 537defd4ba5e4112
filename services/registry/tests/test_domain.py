"""회원가입, profiles, guardians, consents and centres' states, as the registry decides them."""

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from vms_contracts.rpc.registry import CentreStatus
from vms_registry import domain

HONG = domain.Person("홍길동", date(2001, 4, 5), "010-1234-5678", "11")


def test_new_login_id_registers() -> None:
    assert domain.decide_registration("hong", HONG, None) is domain.Registration.NEW


def test_same_registration_again_is_the_same_member() -> None:
    assert domain.decide_registration("hong", HONG, HONG) is domain.Registration.ALREADY_DONE


def test_someone_else_cannot_take_a_login_id() -> None:
    other = domain.Person("김철수", date(1990, 1, 1), "010-9999-0000", "26")
    with pytest.raises(domain.LoginIdTaken) as refused:
        domain.decide_registration("hong", other, HONG)
    assert refused.value.body().message == "이미 사용 중인 아이디입니다: hong"


def test_one_centre_of_a_name_per_region() -> None:
    centre = domain.CentreFacts("행복종합사회복지관", "11", None)
    assert domain.decide_centre(centre, centre) is domain.Registration.ALREADY_DONE
    with pytest.raises(domain.CentreExists):
        domain.decide_centre(centre, domain.CentreFacts("행복종합사회복지관", "11", "02-000-0000"))


@pytest.mark.parametrize(
    ("current", "wanted", "changes"),
    [(None, True, True), (None, False, False), (True, True, False), (True, False, True), (False, True, True)],
)
def test_only_a_real_consent_change_is_recorded(current: bool | None, wanted: bool, changes: bool) -> None:
    assert domain.consent_changes(current, wanted) is changes


def test_the_same_person_is_shown_their_login_id_masked() -> None:
    assert domain.masked_login_id("hong_gildong") == "ho**********"
    assert domain.masked_login_id("abcd") == "ab**"
    with pytest.raises(domain.PersonAlreadyRegistered) as refused:
        domain.refuse_second_account("hong_gildong")
    assert refused.value.body().message.startswith("이미 가입된 회원입니다")
    domain.refuse_second_account(None)


def profile(**changes: Any) -> domain.Profile:
    fields: dict[str, Any] = {
        "phone": "010-1234-5678",
        "email": None,
        "district": None,
        "desired_activities": [("facility", "education"), ("home", "")],
        "desired_regions": ["26", "11"],
        "talents": ["피아노"],
        "availability": [("sat", "morning"), ("mon", "evening")],
        "school": None,
    }
    return domain.Profile.build(**{**fields, **changes})


def test_a_profile_is_the_same_in_any_order() -> None:
    assert profile() == profile(
        desired_activities=[("home", ""), ("facility", "education")],
        desired_regions=["11", "26"],
        availability=[("mon", "evening"), ("sat", "morning")],
    )
    # As the brochure lists the types and their sub-fields (the whole type first), and as the week runs.
    assert profile(
        desired_activities=[("overseas", "health"), ("facility", "events"), ("facility", ""), ("home", "social")]
    ).desired_activities == (("home", "social"), ("facility", ""), ("facility", "events"), ("overseas", "health"))
    assert profile().availability == (("mon", "evening"), ("sat", "morning"))


def test_an_update_names_only_what_changed() -> None:
    before = profile()
    assert profile().changed_since(before) == []
    after = profile(phone="010-9999-0000", talents=["피아노", "수화"], school=("부산중학교", "middle", 2))
    assert after.changed_since(before) == ["phone", "talents", "school"]


def test_a_guardian_is_needed_under_14() -> None:
    today = date(2026, 3, 1)
    assert domain.needs_guardian(date(2012, 3, 2), today), "13 until the day before the 14th birthday"
    assert not domain.needs_guardian(date(2012, 3, 1), today)
    domain.check_guardian_needed(date(2015, 1, 1), today)
    with pytest.raises(domain.GuardianNotNeeded):
        domain.check_guardian_needed(date(2012, 3, 1), today)


def test_a_child_links_to_1365_only_with_a_guardians_consent() -> None:
    child, today = date(2016, 5, 5), date(2026, 3, 1)
    volunteer_id = uuid4()
    with pytest.raises(domain.GuardianConsentRequired):
        domain.check_linkage_consent(volunteer_id, child, today, granted=True, guardian_consented=False)
    domain.check_linkage_consent(volunteer_id, child, today, granted=True, guardian_consented=True)
    domain.check_linkage_consent(volunteer_id, child, today, granted=False, guardian_consented=False)
    domain.check_linkage_consent(volunteer_id, date(2001, 4, 5), today, granted=True, guardian_consented=False)


def test_a_district_lies_in_the_volunteers_region() -> None:
    domain.check_district("26350", "26")
    domain.check_district(None, "26")
    with pytest.raises(domain.FieldInvalid) as refused:
        domain.check_district("11110", "26")
    (field,) = refused.value.body().fields
    assert (field.field, field.type) == ("district", "district_region")


@pytest.mark.parametrize(
    ("transition", "current", "allowed"),
    [
        (domain.ACCREDIT, CentreStatus.REGISTERED, True),
        (domain.ACCREDIT, CentreStatus.SUSPENDED, True),
        (domain.SUSPEND, CentreStatus.ACCREDITED, True),
        (domain.SUSPEND, CentreStatus.REGISTERED, False),
    ],
)
def test_a_centre_changes_state_only_from_where_it_may(
    transition: domain.CentreTransition, current: CentreStatus, allowed: bool
) -> None:
    assert (current in transition.sources) is allowed
    if not allowed:
        with pytest.raises(domain.CentreStatusWrong) as refused:
            transition.settle(uuid4(), current)
        assert refused.value.params["status"] == current.value


def test_asking_for_the_state_a_centre_is_in_is_the_same_answer() -> None:
    domain.ACCREDIT.settle(uuid4(), CentreStatus.ACCREDITED)
    domain.SUSPEND.settle(uuid4(), CentreStatus.SUSPENDED)


def test_a_suspension_needs_its_reason() -> None:
    domain.SUSPEND.check_reason("허위 실적")
    domain.ACCREDIT.check_reason(None)
    with pytest.raises(domain.FieldInvalid) as refused:
        domain.SUSPEND.check_reason(None)
    (field,) = refused.value.body().fields
    assert (field.field, field.message) == ("reason", "관리센터를 정지하려면 정지 사유를 적어 주세요.")
