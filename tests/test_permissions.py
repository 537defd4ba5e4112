"""The permission matrix, tested from the matrix itself: every operation a service answers, asked straight on the
bus as every role — within its scope and outside it — and with no actor, a forged one and an expired one.

Each refusal is the one the matrix and the scope call for (`NOT_PERMITTED`, `OUT_OF_SCOPE`, `ACTOR_MISSING`,
`ACTOR_INVALID`), with a message, and changes nothing: every table of every service's database is the same
before and after all the refused requests. What the matrix allows is answered; a list asked outside one's scope
holds nothing outside it. Runs against the whole system as `make up` runs it, on PostgreSQL when there is one.
The same matrix through the gateway, as signed-in people: `tests/test_permissions_gateway.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib import import_module
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from faststream.nats import NatsBroker
from pydantic import BaseModel
from sqlalchemy import select

from conftest import need_postgres, whole_system_plan
from vms_contracts.actor import ACTOR_HEADER, Actor, Role
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.ids import region_of
from vms_contracts.permissions import COLUMNS, MATRIX, Access, access
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import STATUS_HEADER, Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_contracts.rpc.health import HealthRequest, health_rpc
from vms_contracts.subjects import SERVICES, Bus
from vms_deploy.supervisor import KEYS_FILE, Plan, System
from vms_platform.actor import ActorSigner, new_key_set, private_key
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, postgres_required, rpc_client, use_test_keys

pytestmark = pytest.mark.slow

Target = str
"""`in` (the actor's own region 11, centre, volunteer) or `out` (region 26's)."""


def _quiet(_line: str) -> None:
    pass


@dataclass
class World:
    """Two of everything: region 11's (within the scoped actors' reach) and region 26's (outside it)."""

    plan: Plan
    bus: Bus
    nats_url: str
    client: RpcClient
    centres: dict[Target, UUID]
    volunteers: dict[Target, UUID]
    activities: dict[Target, UUID]
    day: itertools.count[int]
    recruitments: dict[str, dict[Target, UUID]] = field(default_factory=dict)
    """By purpose (`main`, `close`, and one per application decision), each in region 11 and 26."""
    applications: dict[str, dict[Target, UUID]] = field(default_factory=dict)
    """By the decision they wait for: `cancel`, `accept`, `reject`, `place`."""
    teams: dict[str, dict[Target, UUID]] = field(default_factory=dict)
    """By the council's decision they wait for: `appoint`, `decline`, `place`."""
    certificates: dict[Target, hours_rpc.CertificateView] = field(default_factory=dict)
    """One issued to each volunteer, on a confirmed record of their own."""

    def actor(self, role: Role) -> Actor:
        """The role's actor, scoped to region 11's records."""
        if role is Role.VOLUNTEER:
            return Actor(id=str(uuid4()), role=role, volunteer_id=self.volunteers["in"])
        if role is Role.CENTRE_MANAGER:
            return Actor(id=str(uuid4()), role=role, centres=frozenset({self.centres["in"]}))
        if role is Role.COUNCIL_ADMIN:
            return Actor(id=str(uuid4()), role=role, region="11")
        if role is Role.SERVICE:
            return Actor.service("linkage")
        if role is Role.ANONYMOUS:
            return Actor(id=str(uuid4()), role=role)
        return Actor(id=str(uuid4()), role=role)

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of every service's database."""
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for service in SERVICES:
            metadata = import_module(f"vms_{service}.db").metadata
            db = Database(self.plan.database_url(service))
            try:
                async with db.transaction() as session:
                    for table in metadata.sorted_tables:
                        found = (await session.execute(select(table))).all()
                        rows[f"{service}.{table.name}"] = sorted((tuple(r) for r in found), key=repr)
            finally:
                await db.close()
        return rows

    async def settled(self) -> dict[str, list[tuple[Any, ...]]]:
        """A snapshot once the system is quiet (the relays have published, the consumers have applied)."""
        last = await self.snapshot()
        for _ in range(60):
            await asyncio.sleep(1.0)
            now = await self.snapshot()
            if now == last:
                return now
            last = now
        raise AssertionError("the databases kept changing for a minute")


@pytest.fixture(scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[World]:
    if postgres_admin_url is None and postgres_required():
        need_postgres(postgres_admin_url)
    async with AsyncExitStack() as stack:
        plan, bus = await whole_system_plan(stack, tmp_path_factory.mktemp("vms-matrix"), nats_url, postgres_admin_url)
        use_keys_of_this_session(plan)
        system = System(plan, progress=_quiet)
        stack.push_async_callback(system.stop)
        await system.start()
        client = rpc_client(await _broker(stack, nats_url), bus, timeout=10)
        centres: dict[Target, UUID] = {}
        volunteers: dict[Target, UUID] = {}
        activities: dict[Target, UUID] = {}
        for target, region in (("in", "11"), ("out", "26")):
            centre = await client.call(
                registry_rpc.REGISTER_CENTRE,
                registry_rpc.RegisterCentre(name=f"권한시험복지관{region}", region=region),
                actor=CENTRAL_ADMIN,
            )
            volunteer = await client.call(
                registry_rpc.REGISTER_VOLUNTEER,
                registry_rpc.RegisterVolunteer(
                    login_id=f"matrix_{region}_{uuid4().hex[:6]}",
                    name="김권한",
                    birth_date="1990-01-01",
                    phone=f"010-1234-56{region}",
                    region=region,
                ),
                actor=ANONYMOUS,
            )
            centres[target], volunteers[target] = centre.id, volunteer.id
        world = World(plan, bus, nats_url, client, centres, volunteers, activities, itertools.count(2))
        for target in ("in", "out"):
            manager = Actor(id=str(uuid4()), role=Role.CENTRE_MANAGER, centres=frozenset({centres[target]}))
            activity = await client.call(hours_rpc.RECORD_ACTIVITY, _record(world, target), actor=manager)
            activities[target] = activity.id
            await _recruiting(world, target, manager)
            counted = await client.call(hours_rpc.RECORD_ACTIVITY, _record(world, target), actor=manager)
            await client.call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=counted.id), actor=manager)
            world.certificates[target] = await client.call(
                hours_rpc.ISSUE_CERTIFICATE,
                hours_rpc.IssueCertificate(volunteer_id=volunteers[target]),
                actor=CENTRAL_ADMIN,
            )
        yield world


async def _recruiting(world: World, target: Target, manager: Actor) -> None:
    """The centre of `target` accredited, recruiting, with applications and community teams waiting for each
    decision the matrix governs."""
    client, centre, volunteer = world.client, world.centres[target], world.volunteers[target]
    region = "11" if target == "in" else "26"
    await client.call(
        registry_rpc.ACCREDIT_CENTRE, registry_rpc.CentreStatusChange(centre_id=centre), actor=CENTRAL_ADMIN
    )
    start = today_kst() + timedelta(days=7)
    for purpose in ("main", "close", "apply", "cancel", "accept", "reject", "place"):
        posted = await client.call(
            registry_rpc.POST_RECRUITMENT,
            registry_rpc.PostRecruitment(
                centre_id=centre,
                title=f"권한 시험 모집 {purpose}",
                activity_type="facility",
                sub_field="emotional",
                place="시험복지관",
                start_date=start,
                end_date=start + timedelta(days=30),
                weekdays=["sat"],
                start_time=time(10),
                end_time=time(12),
                capacity=10,
                eligibility=["adult", "youth"],
            ),
            actor=manager,
        )
        world.recruitments.setdefault(purpose, {})[target] = posted.id
    owner = Actor(id=str(uuid4()), role=Role.VOLUNTEER, volunteer_id=volunteer)
    for decision in ("cancel", "accept", "reject", "place"):
        applied = await client.call(
            registry_rpc.APPLY,
            registry_rpc.Apply(recruitment_id=world.recruitments[decision][target], volunteer_id=volunteer),
            actor=owner,
        )
        world.applications.setdefault(decision, {})[target] = applied.id
    await client.call(
        registry_rpc.ACCEPT_APPLICATION,
        registry_rpc.ApplicationRef(application_id=world.applications["place"][target]),
        actor=manager,
    )
    for decision, team_field in (("appoint", "skills"), ("decline", "education"), ("place", "culture")):
        team = await client.call(
            registry_rpc.APPLY_TEAM,
            registry_rpc.ApplyTeam(
                region=region,
                name=f"권한시험봉사단 {decision}",
                field=team_field,
                kind="individual",
                leader_id=volunteer,
            ),
            actor=owner,
        )
        world.teams.setdefault(decision, {})[target] = team.id
    await client.call(
        registry_rpc.APPOINT_TEAM, registry_rpc.TeamRef(team_id=world.teams["place"][target]), actor=CENTRAL_ADMIN
    )


async def _broker(stack: AsyncExitStack, nats_url: str) -> NatsBroker:
    broker = NatsBroker(nats_url, logger=None)
    await broker.connect()
    stack.push_async_callback(broker.stop)
    return broker


def use_keys_of_this_session(plan: Plan) -> None:
    """The system signs and verifies with this test session's keys, so that the test can ask as anyone."""
    plan.data_dir.mkdir(parents=True, exist_ok=True)
    keys = "".join(f"{name}={value}\n" for name, value in use_test_keys().items())
    (plan.data_dir / KEYS_FILE).write_text(keys, encoding="utf-8")


def _region(target: Target) -> str:
    return "11" if target == "in" else "26"


def _record(world: World, target: Target) -> hours_rpc.RecordActivity:
    """An hour of activity on a day no other record of the test uses, so that none overlaps another."""
    return hours_rpc.RecordActivity(
        centre_id=world.centres[target],
        volunteer_id=world.volunteers[target],
        activity_date=today_kst() - timedelta(days=next(world.day)),
        start_time=time(10),
        end_time=time(11),
        activity_type=ActivityType.FACILITY,
        sub_field="emotional",
        description="권한 시험 활동",
    )


# Each operation a service answers, with the request that asks it about region 11's records or region 26's.
REQUESTS: dict[str, tuple[Rpc[Any, Any], Callable[[World, Target], BaseModel]]] = {
    "registry.register_volunteer": (
        registry_rpc.REGISTER_VOLUNTEER,
        lambda w, t: registry_rpc.RegisterVolunteer(
            login_id=f"m_{uuid4().hex[:12]}",
            name="이시험",
            birth_date="1995-05-05",
            phone=f"010-5{uuid4().int % 1000:03d}-{uuid4().int % 10000:04d}",
            region="11" if t == "in" else "26",
        ),
    ),
    "registry.get_volunteer": (
        registry_rpc.GET_VOLUNTEER,
        lambda w, t: registry_rpc.VolunteerRef(volunteer_id=w.volunteers[t]),
    ),
    "registry.set_consent": (
        registry_rpc.SET_CONSENT,
        lambda w, t: registry_rpc.SetConsent(volunteer_id=w.volunteers[t], consent="portal1365", granted=True),
    ),
    "registry.register_centre": (
        registry_rpc.REGISTER_CENTRE,
        lambda w, t: registry_rpc.RegisterCentre(
            name=f"시험복지관{uuid4().hex[:6]}", region="11" if t == "in" else "26"
        ),
    ),
    "registry.get_centre": (registry_rpc.GET_CENTRE, lambda w, t: registry_rpc.CentreRef(centre_id=w.centres[t])),
    "registry.list_centres": (
        registry_rpc.LIST_CENTRES,
        lambda w, t: registry_rpc.ListCentres(region="11" if t == "in" else "26"),
    ),
    "registry.list_access_records": (
        registry_rpc.LIST_ACCESS_RECORDS,
        lambda w, t: registry_rpc.AccessRecordsRequest(region="11" if t == "in" else "26"),
    ),
    "registry.update_volunteer": (
        registry_rpc.UPDATE_VOLUNTEER,
        lambda w, t: registry_rpc.UpdateVolunteer(
            volunteer_id=w.volunteers[t], phone=f"010-1234-56{_region(t)}", talents=["수화"]
        ),
    ),
    "registry.record_guardian_consent": (
        registry_rpc.RECORD_GUARDIAN_CONSENT,
        lambda w, t: registry_rpc.RecordGuardianConsent(
            volunteer_id=w.volunteers[t],
            guardian_name="김보호",
            guardian_phone="010-9999-0000",
            relation="parent",
            consented=True,
        ),
    ),
    # Suspended first and accredited again after, so that the centre recruits for the cases that follow.
    "registry.suspend_centre": (
        registry_rpc.SUSPEND_CENTRE,
        lambda w, t: registry_rpc.CentreStatusChange(centre_id=w.centres[t], reason="권한 시험"),
    ),
    "registry.accredit_centre": (
        registry_rpc.ACCREDIT_CENTRE,
        lambda w, t: registry_rpc.CentreStatusChange(centre_id=w.centres[t]),
    ),
    "registry.post_recruitment": (
        registry_rpc.POST_RECRUITMENT,
        lambda w, t: registry_rpc.PostRecruitment(
            centre_id=w.centres[t],
            title="권한 시험 새 모집",
            activity_type="home",
            sub_field="emotional",
            place="시험복지관",
            start_date=today_kst() + timedelta(days=3),
            end_date=today_kst() + timedelta(days=10),
            weekdays=["mon"],
            start_time=time(14),
            end_time=time(16),
            capacity=3,
            eligibility=["adult"],
        ),
    ),
    "registry.update_recruitment": (
        registry_rpc.UPDATE_RECRUITMENT,
        lambda w, t: registry_rpc.UpdateRecruitment(
            recruitment_id=w.recruitments["main"][t],
            title="권한 시험 모집 (수정)",
            activity_type="facility",
            sub_field="emotional",
            place="시험복지관 2층",
            start_date=today_kst() + timedelta(days=7),
            end_date=today_kst() + timedelta(days=37),
            weekdays=["sat", "sun"],
            start_time=time(10),
            end_time=time(12),
            capacity=12,
            eligibility=["adult", "youth"],
        ),
    ),
    "registry.close_recruitment": (
        registry_rpc.CLOSE_RECRUITMENT,
        lambda w, t: registry_rpc.RecruitmentRef(recruitment_id=w.recruitments["close"][t]),
    ),
    "registry.get_recruitment": (
        registry_rpc.GET_RECRUITMENT,
        lambda w, t: registry_rpc.RecruitmentRef(recruitment_id=w.recruitments["main"][t]),
    ),
    "registry.search_recruitments": (
        registry_rpc.SEARCH_RECRUITMENTS,
        lambda w, t: registry_rpc.SearchRecruitments(region=_region(t), keyword="권한"),
    ),
    "registry.apply": (
        registry_rpc.APPLY,
        lambda w, t: registry_rpc.Apply(recruitment_id=w.recruitments["apply"][t], volunteer_id=w.volunteers[t]),
    ),
    "registry.cancel_application": (
        registry_rpc.CANCEL_APPLICATION,
        lambda w, t: registry_rpc.ApplicationRef(application_id=w.applications["cancel"][t]),
    ),
    "registry.accept_application": (
        registry_rpc.ACCEPT_APPLICATION,
        lambda w, t: registry_rpc.ApplicationRef(application_id=w.applications["accept"][t]),
    ),
    "registry.reject_application": (
        registry_rpc.REJECT_APPLICATION,
        lambda w, t: registry_rpc.RejectApplication(application_id=w.applications["reject"][t], reason="시험"),
    ),
    "registry.place_application": (
        registry_rpc.PLACE_APPLICATION,
        lambda w, t: registry_rpc.ApplicationRef(application_id=w.applications["place"][t]),
    ),
    "registry.list_applications": (
        registry_rpc.LIST_APPLICATIONS,
        lambda w, t: registry_rpc.ListApplications(volunteer_id=w.volunteers[t]),
    ),
    "registry.record_orientation": (
        registry_rpc.RECORD_ORIENTATION,
        lambda w, t: registry_rpc.RecordOrientation(
            centre_id=w.centres[t], volunteer_id=w.volunteers[t], completed_on=today_kst()
        ),
    ),
    "registry.recommend_recruitments": (
        registry_rpc.RECOMMEND_RECRUITMENTS,
        lambda w, t: registry_rpc.RecommendRecruitments(volunteer_id=w.volunteers[t]),
    ),
    "registry.recommend_volunteers": (
        registry_rpc.RECOMMEND_VOLUNTEERS,
        lambda w, t: registry_rpc.RecommendVolunteers(recruitment_id=w.recruitments["main"][t]),
    ),
    "registry.apply_team": (
        registry_rpc.APPLY_TEAM,
        lambda w, t: registry_rpc.ApplyTeam(
            region=_region(t), name="권한시험봉사단 신청", field="health", kind="individual", leader_id=w.volunteers[t]
        ),
    ),
    "registry.appoint_team": (
        registry_rpc.APPOINT_TEAM,
        lambda w, t: registry_rpc.TeamRef(team_id=w.teams["appoint"][t]),
    ),
    "registry.decline_team": (
        registry_rpc.DECLINE_TEAM,
        lambda w, t: registry_rpc.DeclineTeam(team_id=w.teams["decline"][t], reason="권한 시험"),
    ),
    "registry.place_team": (
        registry_rpc.PLACE_TEAM,
        lambda w, t: registry_rpc.PlaceTeam(team_id=w.teams["place"][t], centre_id=w.centres[t]),
    ),
    "registry.get_team": (registry_rpc.GET_TEAM, lambda w, t: registry_rpc.TeamRef(team_id=w.teams["place"][t])),
    "registry.search_teams": (
        registry_rpc.SEARCH_TEAMS,
        lambda w, t: registry_rpc.SearchTeams(region=_region(t), skill="권한"),
    ),
    "hours.record_activity": (hours_rpc.RECORD_ACTIVITY, _record),
    "hours.record_activities": (
        hours_rpc.RECORD_ACTIVITIES,
        lambda w, t: hours_rpc.RecordActivities(
            centre_id=w.centres[t],
            rows=[hours_rpc.ActivityDetails.model_validate(_record(w, t).model_dump(exclude={"centre_id"}))],
        ),
    ),
    "hours.confirm_activity": (
        hours_rpc.CONFIRM_ACTIVITY,
        lambda w, t: hours_rpc.ActivityRef(activity_id=w.activities[t]),
    ),
    # On the confirmed record: a rejection is refused for what the record is (confirmed), after who asked.
    "hours.reject_activity": (
        hours_rpc.REJECT_ACTIVITY,
        lambda w, t: hours_rpc.RejectActivity(activity_id=w.activities[t], reason="권한 시험"),
    ),
    "hours.correct_activity": (
        hours_rpc.CORRECT_ACTIVITY,
        lambda w, t: hours_rpc.CorrectActivity.model_validate(
            {
                **_record(w, t).model_dump(include=set(hours_rpc.ActivityFacts.model_fields)),
                "activity_id": w.activities[t],
                "reason": "권한 시험",
            }
        ),
    ),
    "hours.cancel_activity": (
        hours_rpc.CANCEL_ACTIVITY,
        lambda w, t: hours_rpc.CancelActivity(activity_id=w.activities[t], reason="권한 시험"),
    ),
    "hours.get_activity": (hours_rpc.GET_ACTIVITY, lambda w, t: hours_rpc.ActivityRef(activity_id=w.activities[t])),
    "hours.get_activity_history": (
        hours_rpc.GET_ACTIVITY_HISTORY,
        lambda w, t: hours_rpc.ActivityRef(activity_id=w.activities[t]),
    ),
    "hours.get_volunteer_totals": (
        hours_rpc.GET_VOLUNTEER_TOTALS,
        lambda w, t: hours_rpc.VolunteerActivities(volunteer_id=w.volunteers[t]),
    ),
    "hours.get_centre_totals": (
        hours_rpc.GET_CENTRE_TOTALS,
        lambda w, t: hours_rpc.CentreTotalsRequest(centre_id=w.centres[t]),
    ),
    "hours.get_region_totals": (
        hours_rpc.GET_REGION_TOTALS,
        lambda w, t: hours_rpc.RegionTotalsRequest(region=_region(t)),
    ),
    "hours.list_activities": (
        hours_rpc.LIST_ACTIVITIES,
        lambda w, t: hours_rpc.VolunteerActivities(volunteer_id=w.volunteers[t]),
    ),
    "hours.list_centre_activities": (
        hours_rpc.LIST_CENTRE_ACTIVITIES,
        lambda w, t: hours_rpc.CentreActivities(centre_id=w.centres[t]),
    ),
    "hours.issue_certificate": (
        hours_rpc.ISSUE_CERTIFICATE,
        lambda w, t: hours_rpc.IssueCertificate(volunteer_id=w.volunteers[t]),
    ),
    "hours.get_certificate": (
        hours_rpc.GET_CERTIFICATE,
        lambda w, t: hours_rpc.CertificateRef(certificate_id=w.certificates[t].id),
    ),
    "hours.list_certificates": (
        hours_rpc.LIST_CERTIFICATES,
        lambda w, t: hours_rpc.VolunteerActivities(volunteer_id=w.volunteers[t]),
    ),
    "hours.verify_certificate": (
        hours_rpc.VERIFY_CERTIFICATE,
        lambda w, t: hours_rpc.VerifyCertificate(
            number=w.certificates[t].number, code=w.certificates[t].verification_code
        ),
    ),
    "rewards.get_total": (rewards_rpc.GET_TOTAL, lambda w, t: rewards_rpc.TotalRequest(volunteer_id=w.volunteers[t])),
    "linkage.list_transfers": (
        linkage_rpc.LIST_TRANSFERS,
        lambda w, t: linkage_rpc.TransfersRequest(volunteer_id=w.volunteers[t]),
    ),
    # To the region they live in already: refused for what was asked, after who asked (a move would take the
    # volunteer out of the scope of the cases after it); the moves themselves are tests.test_region_handover's.
    "registry.move_volunteer": (
        registry_rpc.MOVE_VOLUNTEER,
        lambda w, t: registry_rpc.MoveVolunteer(volunteer_id=w.volunteers[t], region=_region(t)),
    ),
    "registry.volunteer_facts": (
        registry_rpc.VOLUNTEER_FACTS,
        lambda w, t: registry_rpc.VolunteerFacts(volunteer_id=w.volunteers[t]),
    ),
    # Not moving: refused for what was asked, and nothing is handed over.
    "registry.hand_over_volunteer": (
        registry_rpc.HAND_OVER_VOLUNTEER,
        lambda w, t: registry_rpc.HandOverVolunteer(
            volunteer_id=w.volunteers[t], from_region=_region(t), to_region="27"
        ),
    ),
    **{f"{service}.health": (health_rpc(service), lambda w, t: HealthRequest()) for service in SERVICES},
    # Last: once the volunteer in scope has left, there is no one left to act for.
    "registry.withdraw_volunteer": (
        registry_rpc.WITHDRAW_VOLUNTEER,
        lambda w, t: registry_rpc.WithdrawVolunteer(volunteer_id=w.volunteers[t]),
    ),
}

LISTS = {"hours.list_activities", "registry.list_applications"}
"""Operations whose answer a centre or a council gets cut to its scope rather than refused (a volunteer asking
for another's list is refused)."""


def test_every_operation_a_service_answers_is_asked_here() -> None:
    services = {op for op in MATRIX if not op.startswith("accounts.")}
    assert services == set(REQUESTS)


def _in_scope_of(actor: Actor, item: hours_rpc.ActivityView | registry_rpc.ApplicationView) -> bool:
    region = region_of(item.centre_id) if item.centre_id is not None else None
    return actor.covers(volunteer=item.volunteer_id, centre=item.centre_id, region=region)


@dataclass(frozen=True)
class Case:
    operation: str
    role: Role
    target: Target

    @property
    def expected(self) -> str | None:
        """The refusal's code, or None when the request is to be answered."""
        granted = access(self.operation, self.role)
        if granted is Access.REFUSED:
            return "NOT_PERMITTED"
        cut = self.operation in LISTS and self.role is not Role.VOLUNTEER
        if granted is Access.OWN and self.target == "out" and not cut:
            return "OUT_OF_SCOPE"
        return None

    def __str__(self) -> str:
        return f"{self.operation} as {self.role.value} ({self.target} of scope)"


CASES = [Case(op, role, target) for op in REQUESTS for role in COLUMNS for target in ("in", "out")]


async def _ask(world: World, case: Case, actor: Actor) -> Any:
    rpc, build = REQUESTS[case.operation]
    request = build(world, case.target)
    if rpc.owner is None and case.operation.endswith(".health"):
        return await world.client.call(rpc, request, actor=actor, region="00")
    return await world.client.call(rpc, request, actor=actor)


async def test_every_refusal_the_matrix_calls_for_changes_nothing(world: World) -> None:
    refused = [case for case in CASES if case.expected is not None]
    before = await world.settled()
    wrong: list[str] = []
    for case in refused:
        try:
            answer = await _ask(world, case, world.actor(case.role))
        except RemoteError as exc:
            body = exc.body
            if body.code != case.expected or body.kind is not ErrorKind.FORBIDDEN:
                wrong.append(f"{case}: {body.code} ({body.kind}), not {case.expected}")
            elif not body.message or not body.message_en or case.operation not in body.message_en:
                wrong.append(f"{case}: the refusal does not say what was refused: {body.message_en!r}")
        else:
            wrong.append(f"{case}: answered {type(answer).__name__}, not refused {case.expected}")
    assert not wrong, "\n".join(wrong)
    after = await world.settled()
    changed = [name for name in before if before[name] != after.get(name)]
    assert not changed, f"refused requests changed {changed}"


def _token(kind: str) -> str | None:
    """No token, one signed with a key nobody trusts (naming the gateway), or the gateway's own, expired."""
    if kind == "no actor":
        return None
    if kind == "forged":
        key = new_key_set()["VMS_GATEWAY_ACTOR_KEY"]
        return ActorSigner("gateway", private_key(key)).token(CENTRAL_ADMIN)
    return ActorSigner("gateway", private_key(os.environ["VMS_GATEWAY_ACTOR_KEY"]), lifetime=-30).token(CENTRAL_ADMIN)


@pytest.mark.parametrize(
    ("kind", "code"), [("no actor", "ACTOR_MISSING"), ("forged", "ACTOR_INVALID"), ("expired", "ACTOR_INVALID")]
)
async def test_no_operation_is_answered_without_a_trusted_actor(world: World, kind: str, code: str) -> None:
    """Straight on the bus, as anyone who can publish there could: refused before anything is read or written."""
    token = _token(kind)
    before = await world.settled()
    wrong: list[str] = []
    nc = await nats.connect(world.nats_url)
    try:
        for operation, (rpc, build) in REQUESTS.items():
            request = build(world, "in")
            subject = rpc.subject(world.bus, rpc.owner_region(request) or "00")
            headers = {ACTOR_HEADER: token} if token is not None else None
            reply = await nc.request(subject, request.model_dump_json().encode(), headers=headers, timeout=10)
            if operation.endswith(".health"):
                continue  # health answers every deployment's probe; it reads and writes nothing of anyone's
            if (reply.headers or {}).get(STATUS_HEADER) != "error":
                wrong.append(f"{operation}: answered with {kind}")
                continue
            body = ErrorBody.model_validate_json(reply.data)
            if (body.code, body.kind) != (code, ErrorKind.UNAUTHENTICATED):
                wrong.append(f"{operation}: {body.code} ({body.kind}) with {kind}, not {code}")
    finally:
        await nc.close()
    assert not wrong, "\n".join(wrong)
    after = await world.settled()
    assert before == after, "a request without a trusted actor changed something"


async def test_everything_the_matrix_allows_is_answered_and_lists_stay_in_scope(world: World) -> None:
    wrong: list[str] = []
    for case in (c for c in CASES if c.expected is None):
        actor = world.actor(case.role)
        try:
            answer = await _ask(world, case, actor)
        except RemoteError as exc:
            if exc.body.kind in (ErrorKind.FORBIDDEN, ErrorKind.UNAUTHENTICATED):
                wrong.append(f"{case}: refused {exc.body.code}")
            continue
        if case.operation in LISTS:
            outside = [item.id for item in answer.items if not _in_scope_of(actor, item)]
            if outside and access(case.operation, case.role) is Access.OWN:
                wrong.append(f"{case}: the list holds records outside the scope: {outside}")
    assert not wrong, "\n".join(wrong)
