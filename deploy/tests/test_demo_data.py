"""The demo region `vms up` loads on its first run: made the same from the same seed, every request one the registry
takes as it is sent, Korean people and places that lie in the region, and loaded through the whole system twice
with nothing added the second time."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.nats import NatsBroker
from pydantic import BaseModel

from conftest import need_postgres, whole_system_plan
from vms_contracts.reference import SUB_FIELDS, TeamField, districts, districts_of
from vms_contracts.regions import REGIONS
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    GUARDIAN_AGE,
    MIN_GROUP,
    CentreKind,
    GuardianRelation,
    ListCentres,
    SchoolLevel,
    TeamApplicationKind,
)
from vms_deploy.demo_data import (
    AREA_CODES,
    RPC_TIMEOUT,
    SCHOOL_YEAR,
    DemoRegion,
    DemoSpec,
    central_account,
    generate,
    load,
)
from vms_deploy.supervisor import DEMO_DATA_FILE, System, actor_keys
from vms_platform.actor import ActorSigner, private_key
from vms_platform.clock import today_kst
from vms_platform.rpc import RpcClient
from vms_platform.testing import CENTRAL_ADMIN

TODAY = date(2026, 11, 30)
SEOUL = DemoSpec()
HANGUL_NAME = re.compile("[가-힣]{2,5}")
MOBILE = re.compile("010-[0-9]{4}-[0-9]{4}")
KIND_OF_NAME = {
    "종합사회복지관": CentreKind.COMMUNITY_WELFARE,
    "노인": CentreKind.ELDERLY,
    "요양원": CentreKind.ELDERLY,
    "지역아동센터": CentreKind.LOCAL_CHILDREN,
    "장애인": CentreKind.DISABLED,
    "보육원": CentreKind.CHILDREN,
    "아동복지센터": CentreKind.CHILDREN,
    "가족센터": CentreKind.WOMEN_FAMILY,
    "여성인력개발센터": CentreKind.WOMEN_FAMILY,
    "정신건강복지센터": CentreKind.MENTAL_HEALTH,
    "의집": CentreKind.HOMELESS,
    "노숙인": CentreKind.HOMELESS,
    "자원봉사센터": CentreKind.PUBLIC_AGENCY,
    "사회복지협의회": CentreKind.OTHER,
}
"""What a centre's name says it is: the kind it is registered as."""
A_CENTRE, A_VOLUNTEER = UUID("01a2172c-0000-7000-8000-000000000001"), UUID("01a2172c-0000-7000-8000-000000000002")


@pytest.fixture(scope="module")
def seoul() -> DemoRegion:
    return generate(SEOUL, TODAY)


def test_the_same_seed_makes_the_same_region_and_another_seed_another(seoul: DemoRegion) -> None:
    again = generate(SEOUL, TODAY)
    assert again == seoul
    other = generate(DemoSpec(seed=SEOUL.seed + 1), TODAY)
    assert [c.name for c in other.centres] != [c.name for c in seoul.centres]
    assert [v.request.name for v in other.volunteers] != [v.request.name for v in seoul.volunteers]


def test_a_bigger_region_begins_with_the_smaller_one(seoul: DemoRegion) -> None:
    """Loading 300 volunteers after 100 adds 200: the first 100 are the same people."""
    smaller = generate(DemoSpec(centres=10, volunteers=100, recruitments=40, teams=3), TODAY)
    assert smaller.centres == seoul.centres[:10]
    assert smaller.volunteers == seoul.volunteers[:100]


def test_every_request_is_one_the_registry_takes_as_it_is_sent(seoul: DemoRegion) -> None:
    requests: list[tuple[Rpc[Any, Any], BaseModel]] = [
        *((rpc.REGISTER_CENTRE, centre) for centre in seoul.centres),
        *((rpc.REGISTER_VOLUNTEER, volunteer.request) for volunteer in seoul.volunteers),
        *((rpc.RECORD_GUARDIAN_CONSENT, v.guardian.consent(A_VOLUNTEER)) for v in seoul.volunteers if v.guardian),
        *((rpc.POST_RECRUITMENT, recruitment.request(A_CENTRE)) for recruitment in seoul.recruitments),
        *(
            (rpc.APPLY_TEAM, team.request(SEOUL.region, uuid4(), [uuid4() for _ in team.members]))
            for team in seoul.teams
        ),
    ]
    assert len(requests) > 450
    for operation, request in requests:
        # As the service reads it off the bus: the JSON text, strictly, into the contract's own model.
        assert operation.request.model_validate_json(request.model_dump_json()) == request


def test_people_and_places_are_korean_and_lie_in_the_region(seoul: DemoRegion) -> None:
    in_seoul = {district.code for district in districts_of("11")}
    for centre in seoul.centres:
        assert centre.region == "11" and centre.district in in_seoul
        assert centre.phone is not None and centre.phone.startswith("02-")
        assert centre.address is not None
        assert centre.address.startswith(f"서울특별시 {districts()[centre.district].name} ")
        assert re.fullmatch("[가-힣0-9]+", centre.name), centre.name
    assert len({c.name for c in seoul.centres}) == len(seoul.centres), "a name is one centre in its region"
    assert {c.district for c in seoul.centres} == in_seoul, "30 centres cover Seoul's 25 districts"
    for centre in seoul.centres:
        kind = next(kind for word, kind in KIND_OF_NAME.items() if word in centre.name)
        assert centre.kind is kind, f"{centre.name} is a {kind.value}, not a {centre.kind.value}"

    people = [v.request for v in seoul.volunteers]
    assert all(HANGUL_NAME.fullmatch(p.name) for p in people)
    assert all(MOBILE.fullmatch(p.phone) for p in people)
    assert all(p.region == "11" and (p.district is None or p.district in in_seoul) for p in people)
    assert len({p.phone for p in people}) == len(people) and len({p.login_id for p in people}) == len(people)
    assert all(date(1950, 1, 1) <= p.birth_date <= date(2014, 12, 31) for p in people)
    assert any(p.talents for p in people) and any(p.desired_activities for p in people)
    assert any(p.availability for p in people) and any(p.email for p in people)

    children = [v for v in seoul.volunteers if v.request.birth_date.year > SCHOOL_YEAR - GUARDIAN_AGE]
    assert children, "some volunteers are under 14"
    for child in children:
        assert child.guardian is not None and MOBILE.fullmatch(child.guardian.phone)
        assert child.guardian.phone != child.request.phone
        assert child.guardian.relation in GuardianRelation
    students = [p for p in people if p.school is not None]
    assert students
    for student in students:
        assert student.school is not None
        grade = SCHOOL_YEAR - student.birth_date.year - 6
        offset = {SchoolLevel.ELEMENTARY: 0, SchoolLevel.MIDDLE: 6, SchoolLevel.HIGH: 9}[student.school.level]
        assert student.school.grade + offset == grade, "the grade of the year they were born"


def test_another_region_has_its_own_districts_and_area_code() -> None:
    busan = generate(DemoSpec(region="26", centres=12, volunteers=20, recruitments=10, teams=2), TODAY)
    in_busan = {district.code for district in districts_of("26")}
    assert all(c.phone and c.phone.startswith(f"{AREA_CODES['26']}-") for c in busan.centres)
    assert all(c.district in in_busan and c.address and c.address.startswith("부산광역시 ") for c in busan.centres)
    assert all(v.request.region == "26" for v in busan.volunteers)
    assert all(r.details.district is None or r.details.district in in_busan for r in busan.recruitments)
    assert set(AREA_CODES) == set(REGIONS) - {"00"}


def test_recruitments_cover_every_sub_field_and_start_this_week(seoul: DemoRegion) -> None:
    posted = {(r.details.activity_type, r.details.sub_field) for r in seoul.recruitments}
    assert posted == {(t, label.code) for t, labels in SUB_FIELDS.items() for label in labels}
    for recruitment in seoul.recruitments:
        details = recruitment.details
        assert TODAY <= details.start_date <= TODAY + timedelta(days=60)
        assert details.start_date <= details.end_date <= details.start_date + timedelta(days=180)
        assert 2 <= details.capacity <= 30
        assert details.apply_until is None or TODAY <= details.apply_until <= details.end_date
        assert re.search("[가-힣]", details.title) and details.description and "■ 활동내용" in details.description
    titles = [(r.centre, r.details.title) for r in seoul.recruitments]
    assert len(set(titles)) == len(titles), "a centre's titles tell its recruitments apart"


def test_teams_cover_every_field_and_a_group_has_at_least_five(seoul: DemoRegion) -> None:
    assert {team.field for team in seoul.teams} == set(TeamField)
    seen: set[int] = set()
    for team in seoul.teams:
        people = {team.leader, *team.members}
        assert not people & seen, "a volunteer serves in one team"
        seen |= people
        if team.kind is TeamApplicationKind.GROUP:
            assert len(people) >= MIN_GROUP
        else:
            assert not team.members
        assert seoul.volunteers[team.leader].request.birth_date.year <= SCHOOL_YEAR - 20
    assert len({team.name for team in seoul.teams}) == len(seoul.teams)


# -- through the whole system --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_vms_up_loads_the_region_once_and_loading_again_adds_nothing(
    backend: str, tmp_path: Path, nats_url: str, postgres_admin_url: str | None
) -> None:
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
    async with AsyncExitStack() as stack:
        plan, bus = await whole_system_plan(stack, tmp_path, nats_url, admin)
        plan.demo_data = True
        said: list[str] = []
        systems = [System(plan, progress=said.append)]

        async def stop() -> None:
            await systems[-1].stop()

        stack.push_async_callback(stop)
        await systems[-1].start()

        loaded = [line for line in said if line.startswith("✓ 데모 데이터 (서울특별시)")]
        assert len(loaded) == 1, "\n".join(said[-20:])
        assert "관리센터 30곳, 봉사자 300명" in loaded[0], said[-20:]
        assert "봉사자모집 120건, 지역사회봉사단 10개" in loaded[0], said[-20:]
        assert loaded[0] == said[-1], f"one line, nothing refused or skipped: {said[-5:]}"
        assert (plan.data_dir / DEMO_DATA_FILE).exists()

        keys, _ = actor_keys(plan.data_dir)
        broker = NatsBroker(nats_url)
        await broker.connect()
        stack.push_async_callback(broker.stop)
        signer = ActorSigner("gateway", private_key(keys["VMS_GATEWAY_ACTOR_KEY"]))
        client = RpcClient(broker, bus, signer=signer, timeout=RPC_TIMEOUT)

        centres = await client.call(rpc.LIST_CENTRES, ListCentres(region="11"), actor=CENTRAL_ADMIN)
        # The demo accounts' centre and the demo region's 30.
        assert centres.total == 31

        again = await load(generate(SEOUL, today_kst()), client, central=central_account(plan.data_dir))
        assert again.refused == 0, again.lines()
        assert again.written == 0, again.lines()
        assert (again.centres.total, again.volunteers.total) == (30, 300)
        served = {tally.what for tally in again.tallies if tally.skipped is None}
        if "DEMO_WHAT_RECRUITMENTS" in served:
            assert again.recruitments.total == 120
        if "DEMO_WHAT_TEAMS" in served:
            assert again.teams.total == 10
        after = await client.call(rpc.LIST_CENTRES, ListCentres(region="11"), actor=CENTRAL_ADMIN)
        assert after.total == 31

        # A restart of `vms up` on the same folder leaves the region to the operator.
        await systems[-1].stop()
        said.clear()
        systems.append(System(plan, progress=said.append))
        await systems[-1].start()
        assert not [line for line in said if "데모 데이터" in line]
