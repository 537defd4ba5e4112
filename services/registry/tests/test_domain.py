"""회원가입 and consents, as the registry decides them."""

from datetime import date

import pytest

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
