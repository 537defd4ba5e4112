"""The registry's REST API as its users reach it, through the gateway of the whole system (each service its own
process, on real NATS, on SQLite and on PostgreSQL): a volunteer signs up with their whole profile, keeps it, has
a guardian consent, withdraws; a council accredits and suspends its centres; a centre's manager posts, edits and
closes recruitments; anyone searches them without signing in; a volunteer applies and the centre accepts, rejects,
places and records orientation (봉사자모집 및 신청 → 배치 → 소양교육, brochure §3); a volunteer applies for a community
service team alone or leading a group of 5 or more, its council appoints, declines and places it, and anyone finds it
by field and skill (지역사회봉사단, §5); and a volunteer and a centre are recommended recruitments and volunteers by
the volunteer's wish (희망봉사활동).

Each test makes its own centres and volunteers and looks only at them. A refusal is checked by its status, its code
and the field it names, in Korean and English. The merge of one list held by several regions' deployments is also
tested on its own, on pages of two regions (the whole system here runs one national deployment).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from conftest import need_postgres, running_system
from tests.accounts import PASSWORD, DemoAccounts, People, new_login, ok
from vms_contracts.ids import new_id
from vms_contracts.reference import COUNCILS, SUB_FIELDS, ActivityType, districts, districts_of
from vms_contracts.rpc.registry import (
    Eligibility,
    RecruitmentSort,
    RecruitmentStatus,
    RecruitmentView,
    Weekday,
)
from vms_deploy.supervisor import System
from vms_gateway.registry_api import (
    MAX_WINDOW,
    RECRUITMENT_ORDER,
    RegionPage,
    first_items,
    merged_page,
)
from vms_platform.clock import today_kst

TODAY = today_kst()
NEXT_WEEK = TODAY + timedelta(days=7)
NOBODY = "01a2172c-0000-7000-8000-000000000000"


# -- one page of a list held by several regions (no system needed) --------------------------------------------------


def _posted(
    region: str, minute: int, start_day: int = 1, *, apply_until: date | None = None, end_day: int = 30
) -> RecruitmentView:
    """A recruitment of `region` as its deployment answers it, posted at 09:`minute` on 1 March."""
    at = datetime(2026, 3, 1, 9, minute, tzinfo=UTC)
    return RecruitmentView(
        id=new_id(region),
        centre_id=new_id(region),
        centre_name="행복종합사회복지관",
        region=region,
        district=None,
        title="어르신 말벗",
        description=None,
        activity_type=ActivityType.HOME,
        sub_field="emotional",
        place="2층",
        start_date=date(2026, 4, start_day),
        end_date=date(2026, 4, end_day),
        weekdays=[Weekday.SAT],
        start_time=time(10),
        end_time=time(12),
        capacity=5,
        taken=0,
        eligibility=[Eligibility.ADULT],
        orientation_required=False,
        apply_until=apply_until,
        status=RecruitmentStatus.OPEN,
        accepting=True,
        posted_at=at,
        updated_at=at,
    )


def _newest_first(items: Sequence[RecruitmentView]) -> list[RecruitmentView]:
    return sorted(items, key=lambda r: (r.posted_at, r.id), reverse=True)


NEWEST = RECRUITMENT_ORDER[RecruitmentSort.NEWEST]


def test_two_regions_pages_merge_into_one_page_newest_first_with_the_total_of_both() -> None:
    seoul = _newest_first([_posted("11", m) for m in (1, 4, 5, 9)])
    busan = _newest_first([_posted("26", m) for m in (2, 3, 7)])
    every = _newest_first([*seoul, *busan])
    for offset, limit in ((0, 3), (2, 3), (5, 3), (6, 10), (7, 2)):
        # Each region answers its first offset + limit items, and how many it holds in all.
        pages = [RegionPage(region[: offset + limit], len(region)) for region in (seoul, busan)]
        items, total = merged_page(pages, NEWEST, offset=offset, limit=limit)
        assert items == every[offset : offset + limit], (offset, limit)
        assert total == 7


def test_a_tie_in_the_order_is_broken_by_the_id_in_every_region_alike() -> None:
    tied = [_posted(region, 0) for region in ("11", "26", "11", "26")]
    pages = [RegionPage([r for r in tied if r.region == region], 2) for region in ("11", "26")]
    items, total = merged_page(pages, NEWEST, offset=0, limit=4)
    assert [r.id for r in items] == sorted((r.id for r in tied), reverse=True)
    items, _ = merged_page(pages, RECRUITMENT_ORDER[RecruitmentSort.STARTING], offset=0, limit=4)
    assert [r.id for r in items] == sorted(r.id for r in tied)
    assert total == 4


def test_closing_soonest_reads_the_deadline_or_else_the_last_day() -> None:
    early_deadline = _posted("11", 1, 20, apply_until=date(2026, 4, 2), end_day=28)
    no_deadline = _posted("26", 0, 1, end_day=5)
    late_deadline = _posted("26", 2, 1, apply_until=date(2026, 4, 9))
    pages = [RegionPage([early_deadline], 1), RegionPage([no_deadline, late_deadline], 2)]
    items, _ = merged_page(pages, RECRUITMENT_ORDER[RecruitmentSort.CLOSING], offset=0, limit=3)
    assert items == [early_deadline, no_deadline, late_deadline]


def test_an_item_answered_by_two_deployments_is_on_the_page_once() -> None:
    one = _posted("11", 1)
    items, _ = merged_page([RegionPage([one], 1), RegionPage([one], 1)], NEWEST, offset=0, limit=5)
    assert items == [one]


async def test_a_page_deeper_than_one_request_is_read_in_several_from_each_region() -> None:
    """Each service answers 500 items at most: the first 1,200 of each region come in three asks, and a region that
    holds fewer is not asked past its end (it answers an empty page while the other is read on)."""
    regions = {
        "11": _newest_first([_posted("11", m % 60) for m in range(1300)]),
        "26": _newest_first([_posted("26", m % 60) for m in range(30)]),
    }
    asked: list[tuple[int, int]] = []

    async def ask(offset: int, limit: int) -> list[RegionPage[RecruitmentView]]:
        asked.append((offset, limit))
        return [RegionPage(items[offset : offset + limit], len(items)) for items in regions.values()]

    pages = await first_items(ask, 1200)
    assert asked == [(0, 500), (500, 500), (1000, 200)]
    assert [len(p.items) for p in pages] == [1200, 30]
    items, total = merged_page(pages, NEWEST, offset=1190, limit=10)
    assert items == _newest_first([*regions["11"], *regions["26"]])[1190:1200]
    assert total == 1330
    asked.clear()
    await first_items(ask, 20)
    assert asked == [(0, 20)], "a list shorter than the page is asked once"


# -- the running system --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    postgres_admin_url: str | None,
) -> AsyncIterator[tuple[System, DemoAccounts]]:
    backend = str(request.param)
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
    async with running_system(tmp_path_factory.mktemp(f"registry-api-{backend}"), nats_url, admin) as (running, _bus):
        yield running, DemoAccounts.of(running.plan.data_dir)


@pytest.fixture
async def people(system: tuple[System, DemoAccounts]) -> AsyncIterator[People]:
    running, demo = system
    async with AsyncExitStack() as stack:
        yield People(stack, running.gateway_url, demo)


@pytest.fixture
async def admin(people: People) -> httpx.AsyncClient:
    return await people.central_admin()


@pytest.fixture
async def anonymous(people: People) -> httpx.AsyncClient:
    return await people.anonymous()


def new_phone() -> str:
    """A mobile number no other test's volunteer has: the registry knows a person by name, birth date and phone."""
    return f"010-{secrets.randbelow(9000) + 1000}-{secrets.randbelow(9000) + 1000}"


def registration(region: str = "11", **profile: Any) -> dict[str, Any]:
    return {
        "login_id": new_login("v"),
        "name": "한아름",
        "birth_date": "1998-07-15",
        "phone": new_phone(),
        "region": region,
        "password": PASSWORD,
        **profile,
    }


def refusal(response: httpx.Response) -> dict[str, Any]:
    """The error of a refusal, checked to carry its text in Korean and English."""
    error: dict[str, Any] = response.json()["error"]
    assert error["message"].strip() and error["message_en"].strip(), error
    return error


def field_errors(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """A 422's fields by name, each with its Korean and English text."""
    assert response.status_code == 422, (response.status_code, response.text)
    error = refusal(response)
    assert error["code"] == "INVALID_REQUEST", error
    fields = {f["field"]: f for f in error["fields"]}
    for f in fields.values():
        assert f["message"].strip() and f["message_en"].strip(), f
        assert f["message"] != f["message_en"], f
    return fields


@dataclass
class Volunteer:
    id: str
    me: httpx.AsyncClient
    login: str


async def sign_up(people: People, region: str = "11", **profile: Any) -> Volunteer:
    form = registration(region, **profile)
    signed_up = ok(await (await people.anonymous()).post("/volunteers", json=form), 201)
    return Volunteer(str(signed_up["volunteer"]["id"]), await people.signed_in(form["login_id"]), form["login_id"])


@dataclass
class Centre:
    id: str
    manager: httpx.AsyncClient


async def accredited_centre(people: People, region: str = "11", name: str | None = None) -> Centre:
    """A centre the central council registers and accredits, with a manager of its own."""
    admin = await people.central_admin()
    body = {"name": name or f"시험복지관 {secrets.token_hex(4)}", "region": region}
    centre_id = str(ok(await admin.post("/centres", json=body), 201)["id"])
    assert ok(await admin.post(f"/centres/{centre_id}/accredit"))["status"] == "accredited"
    return Centre(centre_id, await people.manager_of(centre_id))


def recruitment(**details: Any) -> dict[str, Any]:
    return {
        "title": "어르신 말벗 봉사자 모집",
        "description": "홀로 계신 어르신 댁을 찾아 이야기를 나눕니다.",
        "activity_type": "home",
        "sub_field": "emotional",
        "place": "행복종합사회복지관 2층",
        "start_date": NEXT_WEEK.isoformat(),
        "end_date": (NEXT_WEEK + timedelta(days=30)).isoformat(),
        "weekdays": ["sat"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": 5,
        "eligibility": ["adult", "youth"],
        **details,
    }


async def post(centre: Centre, **details: Any) -> dict[str, Any]:
    return ok(await centre.manager.post(f"/centres/{centre.id}/recruitments", json=recruitment(**details)), 201)


# -- reference data ------------------------------------------------------------------------------------------------


async def test_the_brochure_s_reference_lists_are_read_without_signing_in(anonymous: httpx.AsyncClient) -> None:
    councils = ok(await anonymous.get("/reference/councils"))
    assert councils["national_line"] == "1688-1090"
    assert len(councils["items"]) == len(COUNCILS) == 18
    assert councils["items"][0]["region"] == "00" and "만리재로 14" in councils["items"][0]["address"]
    assert {c["region"]: c["homepage"] for c in councils["items"]}["36"] == "www.sjcsw.or.kr"

    types = {t["code"]: t for t in ok(await anonymous.get("/reference/activity-types"))["items"]}
    assert list(types) == [kind.value for kind in ActivityType]
    assert (types["home"]["ko"], types["home"]["en"]) == ("재가봉사", "Home visits")
    assert [s["code"] for s in types["facility"]["sub_fields"]] == [s.code for s in SUB_FIELDS[ActivityType.FACILITY]]

    fields = ok(await anonymous.get("/reference/team-fields"))["items"]
    assert len(fields) == 8 and fields[0]["ko"] == "기술·기능" and "도배" in fields[0]["examples_ko"]

    seoul = ok(await anonymous.get("/reference/districts", params={"region": "11"}))["items"]
    assert len(seoul) == len(districts_of("11")) and {d["region"] for d in seoul} == {"11"}
    assert {"code": "11440", "region": "11", "name": "마포구"} in seoul
    assert len(ok(await anonymous.get("/reference/districts"))["items"]) == len(districts())
    assert "query.region" in field_errors(await anonymous.get("/reference/districts", params={"region": "99"}))


# -- volunteers ------------------------------------------------------------------------------------------------------


FULL_PROFILE: dict[str, Any] = {
    "email": "Areum.Han@Example.COM",
    "district": "11440",
    "desired_activities": [{"activity_type": "home", "sub_field": "emotional"}, {"activity_type": "overseas"}],
    "desired_regions": ["11", "41"],
    "talents": ["피아노", "수화"],
    "availability": [{"weekday": "sat", "part": "morning"}, {"weekday": "sun", "part": "afternoon"}],
    "school": {"name": "서울고등학교", "level": "high", "grade": 2},
}


async def test_signing_up_keeps_the_whole_profile(people: People) -> None:
    anonymous = await people.anonymous()
    form = registration(**FULL_PROFILE)
    signed_up = ok(await anonymous.post("/volunteers", json=form), 201)
    volunteer = signed_up["volunteer"]
    assert volunteer["email"] == "Areum.Han@example.com"
    assert volunteer["district"] == "11440"
    assert volunteer["desired_activities"] == [
        {"activity_type": "home", "sub_field": "emotional"},
        {"activity_type": "overseas", "sub_field": None},
    ]
    assert (volunteer["desired_regions"], sorted(volunteer["talents"])) == (["11", "41"], ["수화", "피아노"])
    assert volunteer["availability"] == FULL_PROFILE["availability"]
    assert volunteer["school"] == FULL_PROFILE["school"]
    me = await people.signed_in(form["login_id"])
    assert sorted(ok(await me.get(f"/volunteers/{volunteer['id']}"))["talents"]) == ["수화", "피아노"]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"phone": "010-12-34"}, "phone", "phone_format"),
        ({"email": "hong at example.com"}, "email", "email_format"),
        ({"district": "26110"}, "district", "district_region"),
        ({"district": "99999"}, "district", "district_unknown"),
        (
            {"desired_activities": [{"activity_type": "home", "sub_field": "leisure"}]},
            "desired_activities.0.sub_field",
            "sub_field_unknown",
        ),
        ({"talents": ["피아노", "피아노"]}, "talents", "list_duplicate"),
        ({"school": {"name": "서울중학교", "level": "middle", "grade": 5}}, "school.grade", "grade_range"),
    ],
)
async def test_a_sign_up_is_refused_naming_the_field_and_its_rule_in_korean_and_english(
    people: People, change: dict[str, Any], field: str, rule: str
) -> None:
    form = registration(**change)
    refused = await (await people.anonymous()).post("/volunteers", json=form)
    fields = field_errors(refused)
    assert field in fields, fields
    assert fields[field]["type"] == rule, fields[field]
    # Nothing was opened: the login id is still free.
    ok(await (await people.anonymous()).post("/volunteers", json=registration(login_id=form["login_id"])), 201)


async def test_a_district_outside_the_region_is_named_in_both_languages(people: People) -> None:
    refused = await (await people.anonymous()).post("/volunteers", json=registration(district="26110"))
    district = field_errors(refused)["district"]
    assert "26110" in district["message"] and "26110" in district["message_en"]
    assert "11" in district["message_en"] and district["params"]["district_region"] == "26"


async def test_the_same_person_signing_up_twice_is_told_their_login_id_masked(people: People) -> None:
    first = registration(name="김바다", birth_date="1990-01-02")
    ok(await (await people.anonymous()).post("/volunteers", json=first), 201)
    again = {**first, "login_id": new_login("w")}
    refused = await (await people.anonymous()).post("/volunteers", json=again)
    assert refused.status_code == 409, refused.text
    error = refusal(refused)
    login = first["login_id"]
    shown = error["message"] + error["message_en"] + str(error["params"])
    assert login not in shown, "the whole login id of someone else is not told"
    assert login[:2] in shown and "*" in shown, error


async def test_a_volunteer_keeps_their_profile_and_no_one_else_s(people: People) -> None:
    volunteer = await sign_up(people, **FULL_PROFILE)
    phone = new_phone()
    changed = ok(
        await volunteer.me.put(
            f"/volunteers/{volunteer.id}",
            json={"phone": phone, "district": "11110", "talents": ["목공"], "desired_regions": ["11"]},
        )
    )
    assert (changed["phone"], changed["district"], changed["talents"]) == (phone, "11110", ["목공"])
    # The profile is sent whole: what is left out is emptied.
    assert (changed["email"], changed["school"], changed["desired_activities"]) == (None, None, [])
    assert ok(await volunteer.me.get(f"/volunteers/{volunteer.id}"))["district"] == "11110"

    wrong = await volunteer.me.put(f"/volunteers/{volunteer.id}", json={"phone": phone, "district": "26110"})
    assert field_errors(wrong)["district"]["type"] == "district_region"
    unknown = await volunteer.me.put(f"/volunteers/{volunteer.id}", json={"phone": phone, "name": "바꾼이름"})
    assert "name" in field_errors(unknown)

    other = await sign_up(people)
    refused = await volunteer.me.put(f"/volunteers/{other.id}", json={"phone": phone})
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    staff = await people.demo_account("council_admin")
    refused = await staff.put(f"/volunteers/{volunteer.id}", json={"phone": phone})
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")


async def test_a_guardian_consents_for_a_volunteer_under_14(people: People) -> None:
    child = await sign_up(people, birth_date=(TODAY - timedelta(days=365 * 10)).isoformat())
    assert ok(await child.me.get(f"/volunteers/{child.id}"))["needs_guardian"] is True
    consent = {"guardian_name": "한부모", "guardian_phone": "010-2222-3333", "relation": "parent", "consented": False}
    refused = await child.me.put(f"/volunteers/{child.id}/guardian-consent", json=consent)
    assert field_errors(refused)["consented"]["type"] == "guardian_consent_required"

    given = ok(await child.me.put(f"/volunteers/{child.id}/guardian-consent", json={**consent, "consented": True}))
    assert (given["volunteer_id"], given["relation"]) == (child.id, "parent")
    assert ok(await child.me.get(f"/volunteers/{child.id}"))["guardian_consented_at"] is not None


async def test_a_volunteer_who_withdraws_can_no_longer_sign_in_and_is_gone(people: People) -> None:
    volunteer = await sign_up(people)
    session = await people.client()
    signed_in = ok(await session.post("/session", json={"login": volunteer.login, "password": PASSWORD}))
    session.headers["X-CSRF-Token"] = signed_in["csrf_token"]

    withdrawn = ok(await volunteer.me.delete(f"/volunteers/{volunteer.id}"))
    assert withdrawn["volunteer_id"] == volunteer.id and withdrawn["withdrawn_at"]

    # Its token and its other session stop at once; signing in again is refused.
    token_refused = await volunteer.me.get(f"/volunteers/{volunteer.id}")
    assert (token_refused.status_code, refusal(token_refused)["code"]) == (401, "TOKEN_INVALID")
    assert (await session.get("/me")).status_code == 401
    again = await (await people.anonymous()).post("/session", json={"login": volunteer.login, "password": PASSWORD})
    assert (again.status_code, refusal(again)["code"]) == (403, "ACCOUNT_DISABLED")

    gone = await (await people.central_admin()).get(f"/volunteers/{volunteer.id}")
    assert (gone.status_code, refusal(gone)["code"]) == (404, "VOLUNTEER_WITHDRAWN")


async def test_a_volunteer_withdraws_only_themselves(people: People) -> None:
    volunteer, other = await sign_up(people), await sign_up(people)
    refused = await volunteer.me.delete(f"/volunteers/{other.id}")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    staff = await people.central_admin()
    refused = await staff.delete(f"/volunteers/{other.id}")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")
    assert ok(await other.me.get(f"/volunteers/{other.id}"))["id"] == other.id


# -- centres ---------------------------------------------------------------------------------------------------------


async def test_a_council_accredits_and_suspends_the_centres_of_its_region_only(people: People) -> None:
    admin = await people.central_admin()
    seoul = await people.demo_account("council_admin")
    assert ok(await seoul.get("/me"))["scope"]["region"] == "11"
    ours = ok(
        await admin.post("/centres", json={"name": f"인증시험복지관 {secrets.token_hex(3)}", "region": "11"}), 201
    )
    theirs = ok(
        await admin.post("/centres", json={"name": f"부산시험복지관 {secrets.token_hex(3)}", "region": "26"}), 201
    )
    assert ours["status"] == "registered"

    accredited = ok(await seoul.post(f"/centres/{ours['id']}/accredit"))
    assert (accredited["status"], accredited["status_changed_at"] is not None) == ("accredited", True)
    no_reason = await seoul.post(f"/centres/{ours['id']}/suspend", json={})
    assert "reason" in field_errors(no_reason)
    suspended = ok(await seoul.post(f"/centres/{ours['id']}/suspend", json={"reason": "운영 점검 중"}))
    assert (suspended["status"], suspended["status_reason"]) == ("suspended", "운영 점검 중")
    assert ok(await seoul.get(f"/centres/{ours['id']}"))["status"] == "suspended"

    for action, body in (("accredit", None), ("suspend", {"reason": "다른 지역"})):
        refused = await seoul.post(f"/centres/{theirs['id']}/{action}", json=body)
        assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE"), action
    assert ok(await admin.get(f"/centres/{theirs['id']}"))["status"] == "registered"

    manager = await people.manager_of(ours["id"])
    refused = await manager.post(f"/centres/{ours['id']}/accredit")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")


# -- recruitments ----------------------------------------------------------------------------------------------------


async def test_a_centre_posts_edits_and_closes_its_recruitments(people: People, anonymous: httpx.AsyncClient) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre, district="11440")
    assert (posted["centre_id"], posted["region"], posted["status"], posted["accepting"]) == (
        centre.id,
        "11",
        "open",
        True,
    )
    assert (posted["capacity"], posted["taken"], posted["district"]) == (5, 0, "11440")

    edited = ok(
        await centre.manager.put(
            f"/recruitments/{posted['id']}", json=recruitment(capacity=8, title="말벗 모집 (수정)")
        )
    )
    assert (edited["capacity"], edited["title"], edited["id"]) == (8, "말벗 모집 (수정)", posted["id"])
    assert ok(await anonymous.get(f"/recruitments/{posted['id']}"))["title"] == "말벗 모집 (수정)"

    closed = ok(await centre.manager.post(f"/recruitments/{posted['id']}/close"))
    assert (closed["status"], closed["accepting"]) == ("closed", False)
    again = ok(await centre.manager.post(f"/recruitments/{posted['id']}/close"))
    assert again["updated_at"] == closed["updated_at"]
    refused = await centre.manager.put(f"/recruitments/{posted['id']}", json=recruitment())
    assert (refused.status_code, refusal(refused)["code"]) == (422, "RECRUITMENT_CLOSED")


async def test_a_recruitment_is_refused_naming_its_field(people: People) -> None:
    centre = await accredited_centre(people)
    path = f"/centres/{centre.id}/recruitments"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"sub_field": "leisure"}, "sub_field", "sub_field_unknown"),
        ({"end_date": TODAY.isoformat(), "start_date": NEXT_WEEK.isoformat()}, "end_date", "date_order"),
        ({"end_time": "09:00"}, "end_time", "time_order"),
        ({"start_date": (TODAY - timedelta(days=1)).isoformat()}, "start_date", "date_in_past"),
        ({"district": "26110"}, "district", "district_region"),
        ({"capacity": 0}, "capacity", "greater_than_equal"),
        ({"weekdays": ["sat", "sat"]}, "weekdays", "list_duplicate"),
    ]
    for change, field, rule in cases:
        fields = field_errors(await centre.manager.post(path, json=recruitment(**change)))
        assert field in fields and fields[field]["type"] == rule, (change, fields)


async def test_a_manager_touches_no_other_centre_s_recruitments(people: People) -> None:
    ours, theirs = await accredited_centre(people), await accredited_centre(people)
    posted = await post(theirs)
    refused = await ours.manager.post(f"/centres/{theirs.id}/recruitments", json=recruitment())
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    for method, path, body in (
        ("PUT", f"/recruitments/{posted['id']}", recruitment(capacity=1)),
        ("POST", f"/recruitments/{posted['id']}/close", None),
        ("GET", f"/recruitments/{posted['id']}/applications", None),
    ):
        refused = await ours.manager.request(method, path, json=body)
        assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE"), path
    assert ok(await theirs.manager.get(f"/recruitments/{posted['id']}"))["status"] == "open"


async def test_a_centre_not_accredited_posts_nothing(people: People) -> None:
    admin = await people.central_admin()
    centre_id = ok(await admin.post("/centres", json={"name": f"미인증 {secrets.token_hex(3)}", "region": "11"}), 201)
    manager = await people.manager_of(centre_id["id"])
    refused = await manager.post(f"/centres/{centre_id['id']}/recruitments", json=recruitment())
    assert refused.status_code == 422, refused.text
    assert refusal(refused)["code"] == "CENTRE_NOT_ACCREDITED"


# -- searching without signing in ------------------------------------------------------------------------------------


async def test_anyone_searches_recruitments_by_field_region_day_and_words(
    people: People, anonymous: httpx.AsyncClient
) -> None:
    seoul, busan = await accredited_centre(people, "11"), await accredited_centre(people, "26")
    tag = secrets.token_hex(4)
    talk = await post(seoul, title=f"어르신 말벗 {tag}", district="11440", eligibility=["adult"])
    repair = await post(
        seoul,
        title=f"집수리 봉사 {tag}",
        activity_type="community",
        sub_field="housing",
        capacity=10,
        start_date=(NEXT_WEEK + timedelta(days=40)).isoformat(),
        end_date=(NEXT_WEEK + timedelta(days=50)).isoformat(),
    )
    beach = await post(busan, title=f"해변 정화 {tag}", activity_type="community", sub_field="environment")

    async def found(**params: Any) -> list[str]:
        answer = ok(await anonymous.get("/recruitments", params={"keyword": tag, **params}))
        return [item["id"] for item in answer["items"]]

    assert await found() == [beach["id"], repair["id"], talk["id"]]  # newest first
    assert await found(region="11") == [repair["id"], talk["id"]]
    assert await found(region="26") == [beach["id"]]
    assert await found(district="11440") == [talk["id"]]
    assert await found(activity_type="community") == [beach["id"], repair["id"]]
    assert await found(activity_type="community", sub_field="housing") == [repair["id"]]
    assert await found(eligibility="youth") == [beach["id"], repair["id"]]
    assert await found(on_date=(NEXT_WEEK + timedelta(days=45)).isoformat()) == [repair["id"]]
    assert await found(centre_id=busan.id) == [beach["id"]]
    # The two starting next week tie on the day, and go by id.
    starting = await found(sort="starting")
    assert starting[-1] == repair["id"] and set(starting[:2]) == {talk["id"], beach["id"]}
    assert starting[:2] == sorted(starting[:2])

    # A Korean word of two characters is found in the title, and only where it is.
    assert await found(keyword=f"말벗 {tag}") == [talk["id"]]
    assert (
        ok(await anonymous.get("/recruitments", params={"keyword": "말벗", "centre_id": seoul.id}))["items"][0]["id"]
        == talk["id"]
    )

    ok(await seoul.manager.post(f"/recruitments/{talk['id']}/close"))
    assert await found() == [beach["id"], repair["id"]]
    assert await found(open_only="false") == [beach["id"], repair["id"], talk["id"]]


async def test_search_pages_count_every_region(people: People, anonymous: httpx.AsyncClient) -> None:
    seoul, busan = await accredited_centre(people, "11"), await accredited_centre(people, "26")
    tag = secrets.token_hex(4)
    posted = []
    for n in range(5):
        posted.append((await post(seoul if n % 2 else busan, title=f"모집 {n} {tag}"))["id"])
    newest_first = list(reversed(posted))
    pages = []
    for offset in (0, 2, 4):
        page = ok(await anonymous.get("/recruitments", params={"keyword": tag, "limit": 2, "offset": offset}))
        assert page["total"] == 5
        pages += [item["id"] for item in page["items"]]
    assert pages == newest_first
    beyond = ok(await anonymous.get("/recruitments", params={"keyword": tag, "limit": 2, "offset": 6}))
    assert (beyond["items"], beyond["total"]) == ([], 5)


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"sub_field": "housing"}, "query.activity_type", "sub_field_without_type"),
        ({"activity_type": "home", "sub_field": "housing"}, "query.sub_field", "sub_field_unknown"),
        ({"activity_type": "gardening"}, "query.activity_type", "enum"),
        ({"region": "99"}, "query.region", "region_province"),
        ({"region": "26", "district": "11440"}, "query.district", "district_region"),
        ({"district": "1144"}, "query.district", "district_unknown"),
        ({"on_date": "2026-02-30"}, "query.on_date", "date_invalid"),
        ({"centre_id": "not-an-id"}, "query.centre_id", "id_format"),
        ({"limit": "0"}, "query.limit", "greater_than_equal"),
        ({"limit": "501"}, "query.limit", "less_than_equal"),
        ({"offset": "-1"}, "query.offset", "greater_than_equal"),
        ({"offset": str(MAX_WINDOW - 10), "limit": "20"}, "query.offset", "less_than_equal"),
        ({"sort": "cheapest"}, "query.sort", "enum"),
        ({"open_only": "maybe"}, "query.open_only", "bool_parsing"),
        ({"keyword": "말" * 51}, "query.keyword", "string_too_long"),
        ({"keyword": "말벗\n봉사"}, "query.keyword", "text_line_break"),
    ],
)
async def test_a_bad_search_is_refused_naming_the_parameter(
    anonymous: httpx.AsyncClient, params: dict[str, str], field: str, rule: str
) -> None:
    fields = field_errors(await anonymous.get("/recruitments", params=params))
    assert field in fields, fields
    assert fields[field]["type"] == rule, fields[field]


async def test_the_deepest_page_says_how_far_it_may_go(anonymous: httpx.AsyncClient) -> None:
    deepest = ok(await anonymous.get("/recruitments", params={"offset": MAX_WINDOW - 20, "limit": 20}))
    assert deepest["items"] == []
    offset = field_errors(await anonymous.get("/recruitments", params={"offset": MAX_WINDOW - 19, "limit": 20}))
    assert str(MAX_WINDOW - 20) in offset["query.offset"]["message_en"]


# -- applying (봉사신청) ----------------------------------------------------------------------------------------------


async def test_a_volunteer_applies_and_the_centre_accepts_and_places_them(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre)
    volunteer = await sign_up(people)

    applied = ok(
        await volunteer.me.post(
            f"/recruitments/{posted['id']}/applications",
            json={"volunteer_id": volunteer.id, "note": "토요일 오전 가능합니다"},
        ),
        201,
    )
    assert (applied["status"], applied["party_size"], applied["recruitment_title"]) == ("applied", 1, posted["title"])
    twice = await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id})
    assert (twice.status_code, refusal(twice)["code"]) == (422, "ALREADY_APPLIED")
    assert ok(await centre.manager.get(f"/recruitments/{posted['id']}"))["taken"] == 1

    listed = ok(await centre.manager.get(f"/recruitments/{posted['id']}/applications"))
    assert ([a["id"] for a in listed["items"]], listed["total"]) == ([applied["id"]], 1)
    accepted = ok(await centre.manager.post(f"/applications/{applied['id']}/accept"))
    assert accepted["status"] == "accepted"
    placed = ok(await centre.manager.post(f"/applications/{applied['id']}/place"))
    assert placed["status"] == "placed"

    mine = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications"))
    assert [(a["id"], a["status"]) for a in mine["items"]] == [(applied["id"], "placed")]


async def test_a_volunteer_cancels_and_applies_again(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre, capacity=1)
    volunteer = await sign_up(people)
    path = f"/recruitments/{posted['id']}/applications"
    first = ok(await volunteer.me.post(path, json={"volunteer_id": volunteer.id}), 201)
    cancelled = ok(await volunteer.me.post(f"/applications/{first['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert ok(await volunteer.me.get(f"/recruitments/{posted['id']}"))["taken"] == 0
    second = ok(await volunteer.me.post(path, json={"volunteer_id": volunteer.id}), 201)
    mine = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications"))
    assert [a["id"] for a in mine["items"]] == [second["id"], first["id"]]  # newest first
    assert mine["total"] == 2
    one = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications", params={"limit": 1, "offset": 1}))
    assert ([a["id"] for a in one["items"]], one["total"]) == ([first["id"]], 2)
    only = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications", params={"status": "cancelled"}))
    assert [a["id"] for a in only["items"]] == [first["id"]]


async def test_a_rejected_application_carries_its_reason_to_the_volunteer(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre)
    volunteer = await sign_up(people)
    applied = ok(
        await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id}), 201
    )
    rejected = ok(await centre.manager.post(f"/applications/{applied['id']}/reject", json={"reason": "일정 마감"}))
    assert (rejected["status"], rejected["reason"]) == ("rejected", "일정 마감")
    (mine,) = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications"))["items"]
    assert (mine["status"], mine["reason"]) == ("rejected", "일정 마감")
    accepting = await centre.manager.post(f"/applications/{applied['id']}/accept")
    assert (accepting.status_code, refusal(accepting)["code"]) == (422, "APPLICATION_STATUS")


async def test_a_full_recruitment_takes_no_more_applications(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre, capacity=2, eligibility=["adult", "group"])
    group, late = await sign_up(people), await sign_up(people)
    path = f"/recruitments/{posted['id']}/applications"
    ok(await group.me.post(path, json={"volunteer_id": group.id, "party_size": 2}), 201)
    full = await late.me.post(path, json={"volunteer_id": late.id})
    assert full.status_code == 422, full.text
    error = refusal(full)
    assert error["code"] == "RECRUITMENT_FULL"
    assert "2" in error["message"] and "2" in error["message_en"]
    seen = ok(await late.me.get(f"/recruitments/{posted['id']}"))
    assert (seen["taken"], seen["accepting"]) == (2, False)


async def test_an_application_for_someone_else_is_refused(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre)
    volunteer, other = await sign_up(people), await sign_up(people)
    refused = await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": other.id})
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    refused = await volunteer.me.get(f"/volunteers/{other.id}/applications")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    too_many = await volunteer.me.post(
        f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id, "party_size": 101}
    )
    assert field_errors(too_many)["party_size"]["type"] == "less_than_equal"


async def test_orientation_places_the_volunteers_who_waited_for_it(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre, orientation_required=True)
    volunteer = await sign_up(people)
    applied = ok(
        await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id}), 201
    )
    ok(await centre.manager.post(f"/applications/{applied['id']}/accept"))
    waiting = ok(await centre.manager.post(f"/applications/{applied['id']}/place"))
    assert waiting["status"] == "awaiting_orientation"

    future = await centre.manager.post(
        f"/centres/{centre.id}/orientations",
        json={"volunteer_id": volunteer.id, "completed_on": (TODAY + timedelta(days=1)).isoformat()},
    )
    assert field_errors(future)["completed_on"]["type"] == "date_in_future"
    recorded = ok(
        await centre.manager.post(
            f"/centres/{centre.id}/orientations", json={"volunteer_id": volunteer.id, "completed_on": TODAY.isoformat()}
        ),
        201,
    )
    assert (recorded["volunteer_id"], recorded["placed"]) == (volunteer.id, [applied["id"]])
    (mine,) = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/applications"))["items"]
    assert mine["status"] == "placed"

    other = await accredited_centre(people)
    refused = await other.manager.post(
        f"/centres/{centre.id}/orientations", json={"volunteer_id": volunteer.id, "completed_on": TODAY.isoformat()}
    )
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")


async def test_a_suspended_centre_s_recruitments_take_no_applications(people: People) -> None:
    centre = await accredited_centre(people)
    posted = await post(centre)
    volunteer = await sign_up(people)
    seoul = await people.demo_account("council_admin")
    ok(await seoul.post(f"/centres/{centre.id}/suspend", json={"reason": "점검"}))
    refused = await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id})
    assert (refused.status_code, refusal(refused)["code"]) == (422, "RECRUITMENT_NOT_ACCEPTING")
    assert ok(await volunteer.me.get(f"/recruitments/{posted['id']}"))["accepting"] is False


async def test_a_centre_sees_a_volunteer_s_applications_to_its_own_centre_only(people: People) -> None:
    ours, theirs = await accredited_centre(people), await accredited_centre(people)
    here, there = await post(ours), await post(theirs)
    volunteer = await sign_up(people)
    for posted in (here, there):
        ok(
            await volunteer.me.post(f"/recruitments/{posted['id']}/applications", json={"volunteer_id": volunteer.id}),
            201,
        )
    seen = ok(await ours.manager.get(f"/volunteers/{volunteer.id}/applications"))
    assert ([a["recruitment_id"] for a in seen["items"]], seen["total"]) == ([here["id"]], 1)
    everything = ok(await (await people.central_admin()).get(f"/volunteers/{volunteer.id}/applications"))
    assert everything["total"] == 2


async def test_nothing_is_found_under_an_id_that_names_nothing(people: People, anonymous: httpx.AsyncClient) -> None:
    missing = await anonymous.get(f"/recruitments/{NOBODY}")
    assert (missing.status_code, refusal(missing)["code"]) == (404, "RECRUITMENT_NOT_FOUND")
    manager = (await accredited_centre(people)).manager
    missing = await manager.post(f"/applications/{NOBODY}/accept")
    assert (missing.status_code, refusal(missing)["code"]) == (404, "APPLICATION_NOT_FOUND")


# -- community service teams (지역사회봉사단) --------------------------------------------------------------------------


def team(name: str, **details: Any) -> dict[str, Any]:
    return {"name": name, "field": "skills", "kind": "individual", "skills": ["도배"], **details}


async def applied_team(volunteer: Volunteer, region: str = "11", **details: Any) -> dict[str, Any]:
    body = team(f"시험 봉사단 {secrets.token_hex(3)}", **details)
    return ok(await volunteer.me.post(f"/regions/{region}/teams", json=body), 201)


async def test_a_volunteer_applies_alone_or_leading_a_group_of_five_and_four_are_too_few(people: People) -> None:
    leader = await sign_up(people)
    alone = await applied_team(leader, district="11440", description="어르신 댁 도배를 돕습니다.")
    assert (alone["status"], alone["kind"], alone["member_count"]) == ("applied", "individual", 1)
    assert (alone["leader_id"], alone["region"], alone["district"]) == (leader.id, "11", "11440")
    again = ok(
        await leader.me.post(
            "/regions/11/teams", json=team(alone["name"], district="11440", description=alone["description"])
        ),
        201,
    )
    assert again["id"] == alone["id"], "the same application sent again answers with the team it made"

    members = [await sign_up(people) for _ in range(4)]
    group = await applied_team(
        leader, field="education", kind="group", member_ids=[m.id for m in members], skills=["학습지도"]
    )
    assert (group["kind"], group["member_count"], group["field"]) == ("group", 5, "education")

    four = await leader.me.post(
        "/regions/11/teams",
        json=team("넷뿐인 봉사단", field="health", kind="group", member_ids=[m.id for m in members[:3]]),
    )
    too_small = field_errors(four)["member_ids"]
    assert too_small["type"] == "group_too_small"
    assert "5명 이상" in too_small["message"] and "지금 4명" in too_small["message"]
    assert "at least 5" in too_small["message_en"] and "has 4" in too_small["message_en"]

    with_members = await leader.me.post(
        "/regions/11/teams", json=team("개인인데 단원", field="health", member_ids=[members[0].id])
    )
    assert field_errors(with_members)["member_ids"]["type"] == "individual_with_members"
    unknown = await leader.me.post(
        "/regions/11/teams",
        json=team("모르는 단원", field="health", kind="group", member_ids=[m.id for m in members[:3]] + [NOBODY]),
    )
    assert (unknown.status_code, refusal(unknown)["code"]) == (404, "TEAM_MEMBERS_NOT_FOUND")
    assert NOBODY in refusal(unknown)["message"]


async def test_only_a_volunteer_applies_and_only_as_the_leader(people: People) -> None:
    council = await people.demo_account("council_admin")
    refused = await council.post("/regions/11/teams", json=team("협의회가 만든 봉사단"))
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")
    volunteer = await sign_up(people)
    leader_named = await volunteer.me.post("/regions/11/teams", json={**team("대표 지정"), "leader_id": volunteer.id})
    assert "leader_id" in field_errors(leader_named), "the leader is who signed in, never named in the body"
    wrong_region = await volunteer.me.post("/regions/11/teams", json=team("부산 구역", district="26350"))
    assert field_errors(wrong_region)["district"]["type"] == "district_region"


async def test_a_council_appoints_declines_and_places_the_teams_of_its_region_only(people: People) -> None:
    seoul = await people.demo_account("council_admin")
    volunteer = await sign_up(people)
    ours, declined_one = await applied_team(volunteer), await applied_team(volunteer, field="culture")
    busan_team = await applied_team(await sign_up(people, "26"), "26")
    centre, busan_centre = await accredited_centre(people), await accredited_centre(people, "26")

    appointed = ok(await seoul.post(f"/teams/{ours['id']}/appoint"))
    assert appointed["status"] == "appointed"
    assert ok(await seoul.post(f"/teams/{ours['id']}/appoint"))["status"] == "appointed", "appointing twice is once"
    elsewhere = await seoul.post(f"/teams/{ours['id']}/place", json={"centre_id": busan_centre.id})
    assert (elsewhere.status_code, refusal(elsewhere)["code"]) == (422, "TEAM_CENTRE_NOT_IN_REGION")
    placed = ok(await seoul.post(f"/teams/{ours['id']}/place", json={"centre_id": centre.id}))
    assert (placed["status"], placed["centre_id"]) == ("placed", centre.id)

    no_reason = await seoul.post(f"/teams/{declined_one['id']}/decline", json={})
    assert "reason" in field_errors(no_reason)
    declined = ok(await seoul.post(f"/teams/{declined_one['id']}/decline", json={"reason": "활동 계획 보완 필요"}))
    assert (declined["status"], declined["reason"]) == ("declined", "활동 계획 보완 필요")
    late = await seoul.post(f"/teams/{declined_one['id']}/appoint")
    assert (late.status_code, refusal(late)["code"]) == (422, "TEAM_STATUS")

    for action, body in (("appoint", None), ("decline", {"reason": "다른 지역"}), ("place", {"centre_id": centre.id})):
        refused = await seoul.post(f"/teams/{busan_team['id']}/{action}", json=body)
        assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE"), action
        refused = await volunteer.me.post(f"/teams/{ours['id']}/{action}", json=body)
        assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED"), action
    busan = await people.council_of("26")
    assert ok(await busan.post(f"/teams/{busan_team['id']}/appoint"))["status"] == "appointed"


async def test_anyone_finds_appointed_teams_by_region_field_and_a_two_character_skill(
    people: People, anonymous: httpx.AsyncClient
) -> None:
    tag = secrets.token_hex(4)
    seoul = await people.demo_account("council_admin")
    volunteer = await sign_up(people)
    repair = await applied_team(volunteer, skills=["도배", tag])
    murals = await applied_team(volunteer, field="culture", skills=["벽화", tag])
    waiting = await applied_team(await sign_up(people), skills=["도배", tag])
    for appointed in (repair, murals):
        ok(await seoul.post(f"/teams/{appointed['id']}/appoint"))

    async def found(**params: Any) -> list[str]:
        answer = ok(await anonymous.get("/teams", params={"limit": 500, **params}))
        return [item["id"] for item in answer["items"]]

    assert await found(skill=tag) == [murals["id"], repair["id"]], "appointed ones only, newest first"
    assert await found(skill=tag, field="skills") == [repair["id"]]
    assert await found(skill=tag, region="11") == [murals["id"], repair["id"]]
    assert await found(skill=tag, region="26") == []
    papering = await found(skill="도배")
    assert repair["id"] in papering and murals["id"] not in papering and waiting["id"] not in papering
    page = ok(await anonymous.get("/teams", params={"skill": tag, "limit": 1, "offset": 1}))
    assert ([t["id"] for t in page["items"]], page["total"]) == ([repair["id"]], 2)

    shown = ok(await anonymous.get(f"/teams/{repair['id']}"))
    assert (shown["name"], shown["member_count"], shown["skills"]) == (repair["name"], 1, sorted(["도배", tag]))
    hidden = await anonymous.get(f"/teams/{waiting['id']}")
    assert (hidden.status_code, refusal(hidden)["code"]) == (403, "OUT_OF_SCOPE"), "an application is the council's"
    applications = ok(await seoul.get("/teams", params={"status": "applied", "skill": tag}))
    assert [t["id"] for t in applications["items"]] == [waiting["id"]]
    refused = await anonymous.get("/teams", params={"status": "applied"})
    assert refused.status_code == 403
    assert field_errors(await anonymous.get("/teams", params={"field": "gardening"}))["query.field"]["type"] == "enum"
    long_skill = await anonymous.get("/teams", params={"skill": "도" * 31})
    assert field_errors(long_skill)["query.skill"]["type"] == "string_too_long"


# -- recommendations (희망봉사활동 → 추천) -----------------------------------------------------------------------------


WISHING: dict[str, Any] = {
    "district": "11440",
    "desired_activities": [{"activity_type": "home", "sub_field": "emotional"}],
    "availability": [{"weekday": "sat", "part": "morning"}],
}


async def test_a_volunteer_is_recommended_the_recruitments_that_fit_their_wish_with_the_reasons(people: People) -> None:
    tag = secrets.token_hex(4)
    centre = await accredited_centre(people)
    fitting = await post(centre, title=f"어르신 말벗 {tag}", district="11440")
    volunteer = await sign_up(people, talents=[tag], **WISHING)
    answer = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/recommendations", params={"limit": 50}))
    best = answer["items"][0]
    assert best["recruitment"]["id"] == fitting["id"], "the one that fits every wish comes first"
    said = {r["reason"]: (r["detail"], r["points"]) for r in best["reasons"]}
    assert said["sub_field"] == ("정서지원", 40) and said["district"] == ("마포구", 20)
    assert said["talent"] == (tag, 15) and said["availability"] == ("토 오전", 15)
    assert best["score"] == sum(points for _, points in said.values())

    other = await sign_up(people)
    refused = await other.me.get(f"/volunteers/{volunteer.id}/recommendations")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    council = await people.demo_account("council_admin")
    refused = await council.get(f"/volunteers/{volunteer.id}/recommendations")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")
    too_many = await volunteer.me.get(f"/volunteers/{volunteer.id}/recommendations", params={"limit": 51})
    assert field_errors(too_many)["query.limit"]["type"] == "less_than_equal"


async def test_a_centre_is_recommended_volunteers_for_its_recruitment_by_masked_names(people: People) -> None:
    tag = secrets.token_hex(4)
    centre = await accredited_centre(people)
    posted = await post(centre, title=f"어르신 말벗 {tag}", district="11440")
    volunteer = await sign_up(people, name="표지안", talents=[tag], **WISHING)
    answer = await centre.manager.get(f"/recruitments/{posted['id']}/recommended-volunteers", params={"limit": 100})
    found = {v["volunteer_id"]: v for v in ok(answer)["items"]}
    assert found[volunteer.id]["masked_name"] == "표*안"
    assert "표지안" not in answer.text, "the full name is the volunteer's to give"
    assert {r["reason"] for r in found[volunteer.id]["reasons"]} >= {"sub_field", "district", "talent"}
    assert ok(answer)["items"][0]["volunteer_id"] == volunteer.id, "the best fit first"

    other = await accredited_centre(people)
    refused = await other.manager.get(f"/recruitments/{posted['id']}/recommended-volunteers")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "OUT_OF_SCOPE")
    refused = await volunteer.me.get(f"/recruitments/{posted['id']}/recommended-volunteers")
    assert (refused.status_code, refusal(refused)["code"]) == (403, "NOT_PERMITTED")
