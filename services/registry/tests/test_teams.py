"""Community service teams (지역사회봉사단), through the real database on SQLite and PostgreSQL: an individual or a
group of 5 or more applies to its regional council, which appoints (위촉) or declines it and places it at an
accredited centre of its region; anyone finds appointed and placed teams by region, field and skill. The races
(`…_at_once`) run on PostgreSQL, where transactions really run side by side."""

from __future__ import annotations

import asyncio
import itertools
import json
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError
from sqlalchemy import Table, func, select

from vms_contracts.actor import Actor
from vms_contracts.ids import new_id, region_of
from vms_contracts.reference import TeamField
from vms_contracts.rpc.registry import (
    ApplyTeam,
    CentreStatusChange,
    CentreView,
    DeclineTeam,
    MoveVolunteer,
    PlaceTeam,
    RegisterCentre,
    RegisterVolunteer,
    SearchTeams,
    TeamApplicationKind,
    TeamList,
    TeamRef,
    TeamStatus,
    TeamView,
    WithdrawVolunteer,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.db import Database
from vms_platform.errors import DomainError, invalid_request
from vms_platform.outbox import Outbox
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, centre_manager, council_admin, migrated, volunteer
from vms_registry.db import outbox
from vms_registry.domain import CentreNotFound
from vms_registry.handlers import RegistryHandlers
from vms_registry.regions.handlers import RegionHandlers
from vms_registry.teams import domain
from vms_registry.teams.handlers import TeamHandlers
from vms_registry.teams.tables import team_members, team_skills, teams

MIGRATIONS = str(files("vms_registry") / "migrations")

APPLIED = "vms.registry.team.applied.v1"
APPOINTED = "vms.registry.team.appointed.v1"
DECLINED = "vms.registry.team.declined.v1"
PLACED = "vms.registry.team.placed.v1"


@dataclass
class Registry:
    """The registry's volunteers and centres, and its teams, on one database."""

    people: RegistryHandlers
    teams: TeamHandlers
    db: Database


async def open_registry(url: str) -> Registry:
    await migrated(url, MIGRATIONS)
    db = Database(url)
    staged = Outbox(outbox, bus=Bus(), source="/vms/registry/test")
    return Registry(RegistryHandlers(db, staged), TeamHandlers(db, staged), db)


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[Registry]:
    opened = await open_registry(await new_database("registry"))
    yield opened
    await opened.db.close()


@pytest.fixture
async def postgres_registry(postgres_database: Any) -> AsyncIterator[Registry]:
    opened = await open_registry(await postgres_database("registry"))
    yield opened
    await opened.db.close()


_logins = itertools.count(1)


async def sign_up(registry: Registry, region: str = "26") -> UUID:
    number = next(_logins)
    view = await registry.people.register_volunteer(
        RegisterVolunteer(
            login_id=f"member_{number:04d}",
            name="홍길동",
            birth_date=date(1990, 1, 1),
            phone=f"010-{number // 10000:04d}-{number % 10000:04d}",
            region=region,
        ),
        ANONYMOUS,
    )
    return view.id


async def sign_up_many(registry: Registry, count: int, region: str = "26") -> list[UUID]:
    return [await sign_up(registry, region) for _ in range(count)]


async def accredited_centre(registry: Registry, region: str = "26", name: str = "해운대종합사회복지관") -> CentreView:
    centre = await registry.people.register_centre(RegisterCentre(name=name, region=region), CENTRAL_ADMIN)
    return await registry.people.accredit_centre(CentreStatusChange(centre_id=centre.id), CENTRAL_ADMIN)


def application(people: list[UUID], **changes: Any) -> ApplyTeam:
    """A group application led by the first of `people`."""
    fields: dict[str, Any] = {
        "region": "26",
        "name": "해운대 집수리 봉사단",
        "field": TeamField.SKILLS,
        "kind": TeamApplicationKind.GROUP,
        "leader_id": people[0],
        "member_ids": people[1:],
        "skills": ["도배", "벽화 그리기"],
    }
    return ApplyTeam.model_validate({**fields, **changes})


async def apply(registry: Registry, request: ApplyTeam) -> TeamView:
    return await registry.teams.apply_team(request, volunteer(request.leader_id))


async def applied_group(registry: Registry, size: int = 5, **changes: Any) -> TeamView:
    return await apply(registry, application(await sign_up_many(registry, size), **changes))


async def staged(registry: Registry, event_type: str) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
            )
        ).all()
    return [json.loads(p)["data"] for p in payloads]


async def count(registry: Registry, table: Table) -> int:
    async with registry.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def team_rows(registry: Registry) -> dict[str, int]:
    """How many rows the teams' tables and the outbox hold: a refusal changes none of them."""
    return {table.name: await count(registry, table) for table in (teams, team_members, team_skills, outbox)}


def search(**filters: Any) -> SearchTeams:
    return SearchTeams.model_validate(filters)


def names(found: TeamList) -> list[str]:
    return [team.name for team in found.items]


def refusal(error: DomainError) -> tuple[str, str, dict[str, Any]]:
    body = error.body()
    return body.code, body.message, body.params


# -- applying (신청) -------------------------------------------------------------------------------------------------


async def test_a_group_of_four_is_refused_with_the_rule_named(registry: Registry) -> None:
    people = await sign_up_many(registry, 4)
    with pytest.raises(ValidationError) as invalid:
        application(people)
    (error,) = invalid_request(invalid.value.errors()).fields
    assert error.field == "member_ids"
    assert error.type == "group_too_small"
    assert (
        error.message
        == "단체는 대표를 포함해 5명 이상이어야 합니다 (지금 4명). 개인으로 신청하거나 단원을 더해 주세요."
    )
    # The leader listed among the members is still one person: four people are still four.
    with pytest.raises(ValidationError, match="group_too_small"):
        application(people, member_ids=[people[0], *people[1:]])
    # The handler holds the rule too, whatever reaches it.
    unchecked = ApplyTeam.model_construct(
        region="26",
        name="네 사람",
        field=TeamField.SKILLS,
        kind=TeamApplicationKind.GROUP,
        leader_id=people[0],
        member_ids=[*people, people[1]],
        skills=[],
        description=None,
        district=None,
    )
    before = await team_rows(registry)
    with pytest.raises(domain.GroupTooSmall) as refused:
        await registry.teams.apply_team(unchecked, volunteer(people[0]))
    code, message, params = refusal(refused.value)
    assert (code, params) == ("TEAM_GROUP_TOO_SMALL", {"min": 5, "count": 4})
    assert "5명 이상" in message
    assert await team_rows(registry) == before


async def test_a_group_of_five_applies_through_its_regional_council(registry: Registry) -> None:
    people = await sign_up_many(registry, 5)
    team = await apply(registry, application(people, skills=["도배", "CAD 설계", "벽화 그리기"], district="26350"))
    assert region_of(team.id) == "26", "the id names the council that runs the team"
    assert (team.region, team.district, team.status, team.kind) == ("26", "26350", TeamStatus.APPLIED, "group")
    assert (team.leader_id, team.member_count) == (people[0], 5)
    assert team.skills == ["cad 설계", "도배", "벽화 그리기"], "skills are kept as they are searched"
    assert set(TeamView.model_fields) >= {"member_count"} and "member_ids" not in TeamView.model_fields
    (event,) = await staged(registry, APPLIED)
    assert event == {
        "team_id": str(team.id),
        "region": "26",
        "field": "skills",
        "kind": "group",
        "at": team.applied_at.isoformat().replace("+00:00", "Z"),
        "member_count": 5,
    }
    async with registry.db.transaction() as session:
        roles = dict((await session.execute(select(team_members.c.volunteer_id, team_members.c.role))).all())
    assert roles == {people[0]: "leader", **{person: "member" for person in people[1:]}}
    # Its council sees the application; the public does not, until it is appointed.
    assert (await registry.teams.get_team(TeamRef(team_id=team.id), council_admin("26"))).status == "applied"
    with pytest.raises(OutOfScope):
        await registry.teams.get_team(TeamRef(team_id=team.id), ANONYMOUS)


async def test_an_individual_applies_alone(registry: Registry) -> None:
    (someone,) = await sign_up_many(registry, 1)
    team = await apply(
        registry,
        application([someone], kind=TeamApplicationKind.INDIVIDUAL, name="1인 법률상담", field=TeamField.COUNSELLING),
    )
    assert (team.kind, team.member_count, team.field) == ("individual", 1, TeamField.COUNSELLING)
    with pytest.raises(ValidationError, match="individual_with_members"):
        application([someone, *await sign_up_many(registry, 1)], kind=TeamApplicationKind.INDIVIDUAL)


async def test_every_member_is_a_registered_volunteer_who_has_not_withdrawn(registry: Registry) -> None:
    people = await sign_up_many(registry, 5)
    stranger = new_id("26")
    before = await team_rows(registry)
    with pytest.raises(domain.TeamMembersNotFound) as unknown:
        await apply(registry, application([*people[:4], stranger]))
    assert unknown.value.body().kind == "not_found"
    assert unknown.value.params == {"volunteer_ids": str(stranger)}
    assert str(stranger) in unknown.value.body().message
    assert await team_rows(registry) == before
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=people[3]), volunteer(people[3]))
    before = await team_rows(registry)
    with pytest.raises(domain.TeamMembersWithdrawn) as withdrawn:
        await apply(registry, application(people))
    assert withdrawn.value.body().kind == "rule"
    assert withdrawn.value.params == {"volunteer_ids": str(people[3])}
    assert await team_rows(registry) == before


async def test_a_volunteer_applies_only_as_the_leader_themselves(registry: Registry) -> None:
    people = await sign_up_many(registry, 5)
    with pytest.raises(OutOfScope):
        await registry.teams.apply_team(application(people), volunteer(people[1]))
    with pytest.raises(NotPermitted):
        await registry.teams.apply_team(application(people), council_admin("26"))
    assert await count(registry, teams) == 0


async def test_a_person_is_in_one_standing_team_of_a_field_in_a_region(registry: Registry) -> None:
    people = await sign_up_many(registry, 9)
    first = await apply(registry, application(people[:5]))
    before = await team_rows(registry)
    with pytest.raises(domain.AlreadyInTeam) as refused:
        await apply(registry, application([people[5], people[6], people[7], people[8], people[2]], name="두 번째"))
    code, message, params = refusal(refused.value)
    assert code == "ALREADY_IN_TEAM"
    assert (params["volunteer_id"], params["team_id"], params["field"]) == (str(people[2]), str(first.id), "skills")
    assert str(first.id) in message and "기술·기능" in message
    assert await team_rows(registry) == before
    # Another field, or another region's council, is another team.
    other_field = await apply(registry, application(people[:5], name="해운대 문화 봉사단", field=TeamField.CULTURE))
    other_region = await apply(registry, application(people[:5], region="11"))
    assert (other_field.status, other_region.region) == ("applied", "11")
    # Once the council declines the first team, its people are free to apply again.
    await registry.teams.decline_team(DeclineTeam(team_id=first.id, reason="활동 계획 보완 필요"), council_admin("26"))
    again = await apply(registry, application([people[5], people[6], people[7], people[8], people[2]], name="두 번째"))
    assert again.status == "applied"


async def test_the_same_application_sent_again_is_the_same_team(registry: Registry) -> None:
    people = await sign_up_many(registry, 5)
    first = await apply(registry, application(people))
    assert (await apply(registry, application(people, member_ids=list(reversed(people))))).id == first.id
    assert len(await staged(registry, APPLIED)) == 1


# -- the council's decisions (위촉, 거절, 배치) ------------------------------------------------------------------------


async def test_the_council_appoints_a_team_once_and_names_its_members(registry: Registry) -> None:
    people = await sign_up_many(registry, 5)
    team = await apply(registry, application(people))
    appointed = await registry.teams.appoint_team(TeamRef(team_id=team.id), council_admin("26"))
    assert appointed.status == "appointed" and appointed.changed_at >= team.applied_at
    again = await registry.teams.appoint_team(TeamRef(team_id=team.id), CENTRAL_ADMIN)
    assert again == appointed, "the same answer, and no second event"
    (event,) = await staged(registry, APPOINTED)
    assert event["team_id"] == str(team.id) and event["region"] == "26"
    assert event["member_ids"] == [str(people[0]), *sorted(str(p) for p in people[1:])], "the leader first"
    # A team is appointed only from its application.
    with pytest.raises(domain.TeamStatusWrong):
        await registry.teams.decline_team(DeclineTeam(team_id=team.id, reason="늦은 거절"), council_admin("26"))


async def test_a_declined_team_keeps_its_reason_and_cannot_be_appointed(registry: Registry) -> None:
    team = await applied_group(registry)
    declined = await registry.teams.decline_team(
        DeclineTeam(team_id=team.id, reason="활동 계획 보완 필요"), council_admin("26")
    )
    assert (declined.status, declined.reason) == ("declined", "활동 계획 보완 필요")
    again = await registry.teams.decline_team(
        DeclineTeam(team_id=team.id, reason="활동 계획 보완 필요"), council_admin("26")
    )
    assert again == declined
    (event,) = await staged(registry, DECLINED)
    assert (event["team_id"], event["reason"]) == (str(team.id), "활동 계획 보완 필요")
    with pytest.raises(domain.TeamStatusWrong) as refused:
        await registry.teams.appoint_team(TeamRef(team_id=team.id), council_admin("26"))
    code, message, params = refusal(refused.value)
    assert (code, params["status"], params["expected"]) == ("TEAM_STATUS", "declined", "applied")
    assert "위촉 거절" in message
    assert await staged(registry, APPOINTED) == []


async def test_an_appointed_team_is_placed_at_an_accredited_centre_of_its_region(registry: Registry) -> None:
    team = await applied_group(registry)
    busan = await accredited_centre(registry)
    seoul = await accredited_centre(registry, region="11", name="마포종합사회복지관")
    waiting = await registry.people.register_centre(RegisterCentre(name="기장노인복지관", region="26"), CENTRAL_ADMIN)
    council = council_admin("26")
    with pytest.raises(domain.TeamStatusWrong, match="applied"):
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=busan.id), council)
    await registry.teams.appoint_team(TeamRef(team_id=team.id), council)
    with pytest.raises(domain.TeamCentreNotInRegion) as elsewhere:
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=seoul.id), council)
    assert elsewhere.value.params["centre_region"] == "11"
    with pytest.raises(domain.CentreNotAccredited) as not_accredited:
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=waiting.id), council)
    assert "인증된 센터가 아닙니다" in not_accredited.value.body().message
    with pytest.raises(CentreNotFound):
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=new_id("26")), council)
    assert await staged(registry, PLACED) == []
    placed = await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=busan.id), council)
    assert (placed.status, placed.centre_id) == ("placed", busan.id)
    assert await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=busan.id), CENTRAL_ADMIN) == placed
    (event,) = await staged(registry, PLACED)
    assert (event["team_id"], event["centre_id"]) == (str(team.id), str(busan.id))
    other = await accredited_centre(registry, name="수영구노인복지관")
    with pytest.raises(domain.TeamStatusWrong, match="placed"):
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=other.id), council)


async def test_another_regions_council_is_refused(registry: Registry) -> None:
    team = await applied_group(registry)
    centre = await accredited_centre(registry)
    seoul = council_admin("11")
    before = await team_rows(registry)
    with pytest.raises(OutOfScope):
        await registry.teams.appoint_team(TeamRef(team_id=team.id), seoul)
    with pytest.raises(OutOfScope):
        await registry.teams.decline_team(DeclineTeam(team_id=team.id, reason="다른 지역"), seoul)
    await registry.teams.appoint_team(TeamRef(team_id=team.id), council_admin("26"))
    with pytest.raises(OutOfScope):
        await registry.teams.place_team(PlaceTeam(team_id=team.id, centre_id=centre.id), seoul)
    assert await staged(registry, PLACED) == [] and await staged(registry, DECLINED) == []
    assert await count(registry, outbox) == before["outbox"] + 1


async def test_a_volunteer_or_a_centre_cannot_appoint_a_team(registry: Registry) -> None:
    team = await applied_group(registry)
    centre = await accredited_centre(registry)
    for actor in (volunteer(team.leader_id), centre_manager(centre.id), ANONYMOUS):
        with pytest.raises(NotPermitted):
            await registry.teams.appoint_team(TeamRef(team_id=team.id), actor)
        with pytest.raises(NotPermitted):
            await registry.teams.decline_team(DeclineTeam(team_id=team.id, reason="자격 없음"), actor)
    assert await staged(registry, APPOINTED) == []
    with pytest.raises(domain.TeamNotFound):
        await registry.teams.appoint_team(TeamRef(team_id=new_id("26")), CENTRAL_ADMIN)


# -- finding teams (지역사회봉사단 조회) ---------------------------------------------------------------------------


async def appointed(registry: Registry, region: str = "26", **changes: Any) -> TeamView:
    team = await apply(registry, application(await sign_up_many(registry, 5, region), region=region, **changes))
    return await registry.teams.appoint_team(TeamRef(team_id=team.id), CENTRAL_ADMIN)


async def test_teams_are_found_by_region_field_and_skill(registry: Registry) -> None:
    repairs = await appointed(registry, name="해운대 집수리", skills=["도배·장판", "전기 점검"])
    murals = await appointed(registry, name="수영 벽화", skills=["벽화", "디자인"])
    seoul = await appointed(registry, region="11", name="마포 도배", skills=["도배"])
    music = await appointed(registry, name="부산 음악회", field=TeamField.CULTURE, skills=["Piano", "합창"])
    everyone = ANONYMOUS
    assert names(await registry.teams.search_teams(search(skill="도배"), everyone)) == ["마포 도배", "해운대 집수리"]
    assert names(await registry.teams.search_teams(search(skill="벽화"), everyone)) == ["수영 벽화"]
    assert names(await registry.teams.search_teams(search(skill="PIANO"), everyone)) == ["부산 음악회"]
    assert names(await registry.teams.search_teams(search(skill="%"), everyone)) == [], "a wildcard is a character"
    by_region = await registry.teams.search_teams(search(region="26"), everyone)
    assert names(by_region) == ["부산 음악회", "수영 벽화", "해운대 집수리"], "newest first"
    assert by_region.total == 3
    assert names(await registry.teams.search_teams(search(region="26", field="culture"), everyone)) == ["부산 음악회"]
    assert names(await registry.teams.search_teams(search(region="11", skill="도배"), everyone)) == ["마포 도배"]
    page = await registry.teams.search_teams(search(limit=2, offset=1), everyone)
    assert (names(page), page.total) == (["마포 도배", "수영 벽화"], 4)
    assert {t.id for t in (await registry.teams.search_teams(search(), everyone)).items} == {
        repairs.id,
        murals.id,
        seoul.id,
        music.id,
    }
    found = await registry.teams.get_team(TeamRef(team_id=murals.id), everyone)
    assert found == murals.model_copy(update={"leader_id": None}) and found.member_count == 5


async def test_the_public_sees_appointed_and_placed_teams_only(registry: Registry) -> None:
    waiting = await applied_group(registry, name="신청한 봉사단")
    refused_team = await applied_group(registry, name="거절된 봉사단", field=TeamField.HEALTH)
    await registry.teams.decline_team(DeclineTeam(team_id=refused_team.id, reason="중복 신청"), CENTRAL_ADMIN)
    chosen = await appointed(registry, name="위촉된 봉사단", field=TeamField.TRAFFIC)
    placed = await appointed(registry, name="배치된 봉사단", field=TeamField.LABOUR)
    centre = await accredited_centre(registry)
    await registry.teams.place_team(PlaceTeam(team_id=placed.id, centre_id=centre.id), CENTRAL_ADMIN)
    seoul_waiting = await apply(registry, application(await sign_up_many(registry, 5, "11"), region="11", name="서울"))

    for anyone in (ANONYMOUS, volunteer(waiting.leader_id), centre_manager(centre.id), council_admin("11")):
        assert names(await registry.teams.search_teams(search(region="26"), anyone)) == [
            "배치된 봉사단",
            "위촉된 봉사단",
        ]
        for hidden in (waiting, refused_team):
            with pytest.raises(OutOfScope):
                await registry.teams.get_team(TeamRef(team_id=hidden.id), anyone)
        with pytest.raises(OutOfScope):
            await registry.teams.search_teams(search(region="26", status="applied"), anyone)
    assert names(await registry.teams.search_teams(search(status="placed"), ANONYMOUS)) == ["배치된 봉사단"]

    busan = council_admin("26")
    assert names(await registry.teams.search_teams(search(status="applied"), busan)) == ["신청한 봉사단"], (
        "a council asking without a region sees its own applications"
    )
    assert names(await registry.teams.search_teams(search(status="declined", region="26"), busan)) == ["거절된 봉사단"]
    assert (await registry.teams.get_team(TeamRef(team_id=refused_team.id), busan)).reason == "중복 신청"
    with pytest.raises(OutOfScope):
        await registry.teams.get_team(TeamRef(team_id=seoul_waiting.id), busan)
    everywhere = await registry.teams.search_teams(search(status="applied"), CENTRAL_ADMIN)
    assert {t.id for t in everywhere.items} == {waiting.id, seoul_waiting.id}
    assert chosen.id not in {t.id for t in everywhere.items}


async def test_who_leads_a_team_is_told_to_the_leader_and_its_councils_and_where_it_serves_to_anyone(
    registry: Registry,
) -> None:
    placed = await appointed(registry, name="배치된 봉사단", field=TeamField.LABOUR)
    centre = await accredited_centre(registry)
    await registry.teams.place_team(PlaceTeam(team_id=placed.id, centre_id=centre.id), CENTRAL_ADMIN)
    leader = placed.leader_id
    assert leader is not None, "the leader who applied sees their own id"
    for told in (volunteer(leader), council_admin("26"), CENTRAL_ADMIN):
        assert (await registry.teams.get_team(TeamRef(team_id=placed.id), told)).leader_id == leader
    for anyone in (ANONYMOUS, volunteer(new_id("26")), centre_manager(centre.id), council_admin("11")):
        seen = await registry.teams.get_team(TeamRef(team_id=placed.id), anyone)
        assert (seen.leader_id, seen.centre_id, seen.centre_name) == (None, centre.id, centre.name)
        (listed,) = (await registry.teams.search_teams(search(region="26", status="placed"), anyone)).items
        assert (listed.leader_id, listed.centre_name) == (None, centre.name)


def test_a_skill_is_kept_as_it_is_searched() -> None:
    decomposed = unicodedata.normalize("NFD", "도배")
    assert decomposed != "도배"
    assert domain.skill_key(f"  {decomposed}  ") == "도배"
    assert domain.skill_key("CAD  설계") == "cad 설계"
    assert domain.skill_keys(["Piano", "piano", "피아노"]) == ["piano", "피아노"]


# -- at once (PostgreSQL) --------------------------------------------------------------------------------------------


async def outcomes(calls: list[Awaitable[TeamView]]) -> tuple[list[TeamView], list[BaseException]]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    done = [r for r in results if isinstance(r, TeamView)]
    failed = [r for r in results if isinstance(r, BaseException)]
    return done, failed


@pytest.mark.postgres
async def test_applications_racing_for_the_same_member_make_one_team_at_once(postgres_registry: Registry) -> None:
    registry = postgres_registry
    shared = await sign_up(registry)
    groups = [[*await sign_up_many(registry, 4), shared] for _ in range(8)]
    done, failed = await outcomes([apply(registry, application(g, name=f"봉사단 {i}")) for i, g in enumerate(groups)])
    assert len(done) == 1, "one team holds the shared member"
    assert len(failed) == 7 and all(isinstance(f, domain.AlreadyInTeam) for f in failed), failed
    assert {f.params["team_id"] for f in failed if isinstance(f, domain.AlreadyInTeam)} == {str(done[0].id)}
    assert await count(registry, teams) == 1
    assert len(await staged(registry, APPLIED)) == 1


@pytest.mark.postgres
async def test_the_same_application_sent_many_times_at_once_is_one_team(postgres_registry: Registry) -> None:
    registry = postgres_registry
    people = await sign_up_many(registry, 6)
    done, failed = await outcomes([apply(registry, application(people)) for _ in range(8)])
    assert failed == []
    assert len({team.id for team in done}) == 1
    assert len(await staged(registry, APPLIED)) == 1


@pytest.mark.postgres
async def test_two_councils_admins_appointing_at_once_announce_it_once(postgres_registry: Registry) -> None:
    registry = postgres_registry
    team = await applied_group(registry)
    admins: list[Actor] = [council_admin("26"), CENTRAL_ADMIN] * 5
    done, failed = await outcomes([registry.teams.appoint_team(TeamRef(team_id=team.id), a) for a in admins])
    assert failed == []
    assert {t.status for t in done} == {TeamStatus.APPOINTED}
    assert len({t.changed_at for t in done}) == 1, "every answer is the one appointment"
    assert len(await staged(registry, APPOINTED)) == 1


@pytest.mark.postgres
async def test_appointing_and_declining_at_once_decides_once(postgres_registry: Registry) -> None:
    registry = postgres_registry
    team = await applied_group(registry)
    council = council_admin("26")
    calls: list[Callable[[], Awaitable[TeamView]]] = [
        lambda: registry.teams.appoint_team(TeamRef(team_id=team.id), council),
        lambda: registry.teams.decline_team(DeclineTeam(team_id=team.id, reason="정원 초과"), CENTRAL_ADMIN),
    ] * 4
    done, failed = await outcomes([call() for call in calls])
    assert len({t.status for t in done}) == 1 and all(isinstance(f, domain.TeamStatusWrong) for f in failed)
    events = len(await staged(registry, APPOINTED)) + len(await staged(registry, DECLINED))
    assert events == 1


# -- leaving a team ------------------------------------------------------------------------------------------------

LEFT = "vms.registry.team.member_left.v1"


async def test_a_member_who_withdraws_leaves_the_team_which_stands_with_one_fewer(registry: Registry) -> None:
    team = await appointed(registry, name="해운대 집수리")
    members = await registry.teams.get_team(TeamRef(team_id=team.id), CENTRAL_ADMIN)
    async with registry.db.transaction() as session:
        people = (
            await session.scalars(select(team_members.c.volunteer_id).where(team_members.c.team_id == team.id))
        ).all()
    leaving = next(p for p in people if p != team.leader_id)
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=leaving), volunteer(leaving))
    after = await registry.teams.get_team(TeamRef(team_id=team.id), CENTRAL_ADMIN)
    assert (after.member_count, after.status) == (members.member_count - 1, TeamStatus.APPOINTED)
    (left,) = await staged(registry, LEFT)
    assert (left["team_id"], left["volunteer_id"], left["reason"]) == (str(team.id), str(leaving), "withdrawn")
    assert (left["leader"], left["member_count"], left["region"]) == (False, 4, "26")
    async with registry.db.transaction() as session:
        assert (
            leaving
            not in (
                await session.scalars(select(team_members.c.volunteer_id).where(team_members.c.team_id == team.id))
            ).all()
        )
    # Asked again, the withdrawal is the same and the team is not told twice.
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=leaving), volunteer(leaving))
    assert len(await staged(registry, LEFT)) == 1


async def test_a_team_whose_last_member_left_is_not_found_by_the_public_but_its_council_still_sees_it(
    registry: Registry,
) -> None:
    alone = await apply(
        registry,
        application([await sign_up(registry)], kind=TeamApplicationKind.INDIVIDUAL, name="혼자 하는 봉사단"),
    )
    await registry.teams.appoint_team(TeamRef(team_id=alone.id), CENTRAL_ADMIN)
    assert alone.leader_id is not None
    await registry.people.withdraw_volunteer(
        WithdrawVolunteer(volunteer_id=alone.leader_id), volunteer(alone.leader_id)
    )
    (left,) = await staged(registry, LEFT)
    assert (left["leader"], left["member_count"]) == (True, 0)
    assert names(await registry.teams.search_teams(search(region="26"), ANONYMOUS)) == []
    seen = await registry.teams.get_team(TeamRef(team_id=alone.id), council_admin("26"))
    assert (seen.member_count, seen.status) == (0, TeamStatus.APPOINTED)


async def test_a_member_who_moves_to_another_province_leaves_its_teams(registry: Registry) -> None:
    """A community team serves its own 시·도 (brochure §5): a member who moved away is no longer in it."""
    busan = await appointed(registry, name="해운대 집수리")
    regions = RegionHandlers(registry.db, registry.people.outbox, None, ["11", "26"])
    async with registry.db.transaction() as session:
        people = (
            await session.scalars(select(team_members.c.volunteer_id).where(team_members.c.team_id == busan.id))
        ).all()
    leaving = next(p for p in people if p != busan.leader_id)
    await regions.move_volunteer(MoveVolunteer(volunteer_id=leaving, region="11"), volunteer(leaving))
    (left,) = await staged(registry, LEFT)
    assert (left["volunteer_id"], left["reason"], left["member_count"]) == (str(leaving), "moved", 4)
    assert (await registry.teams.get_team(TeamRef(team_id=busan.id), ANONYMOUS)).member_count == 4
