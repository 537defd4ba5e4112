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
from dataclasses import dataclass
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
                    phone="010-1234-5678",
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
        yield world


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


def _record(world: World, target: Target) -> hours_rpc.RecordActivity:
    """An hour of activity on a day no other record of the test uses, so that none overlaps another."""
    return hours_rpc.RecordActivity(
        centre_id=world.centres[target],
        volunteer_id=world.volunteers[target],
        activity_date=today_kst() - timedelta(days=next(world.day)),
        start_time=time(10),
        end_time=time(11),
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
            phone="010-5555-6666",
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
    "hours.record_activity": (hours_rpc.RECORD_ACTIVITY, _record),
    "hours.confirm_activity": (
        hours_rpc.CONFIRM_ACTIVITY,
        lambda w, t: hours_rpc.ActivityRef(activity_id=w.activities[t]),
    ),
    "hours.get_activity": (hours_rpc.GET_ACTIVITY, lambda w, t: hours_rpc.ActivityRef(activity_id=w.activities[t])),
    "hours.list_activities": (
        hours_rpc.LIST_ACTIVITIES,
        lambda w, t: hours_rpc.VolunteerActivities(volunteer_id=w.volunteers[t]),
    ),
    "hours.list_centre_activities": (
        hours_rpc.LIST_CENTRE_ACTIVITIES,
        lambda w, t: hours_rpc.CentreActivities(centre_id=w.centres[t]),
    ),
    "rewards.get_total": (rewards_rpc.GET_TOTAL, lambda w, t: rewards_rpc.TotalRequest(volunteer_id=w.volunteers[t])),
    "linkage.list_transfers": (
        linkage_rpc.LIST_TRANSFERS,
        lambda w, t: linkage_rpc.TransfersRequest(volunteer_id=w.volunteers[t]),
    ),
    **{f"{service}.health": (health_rpc(service), lambda w, t: HealthRequest()) for service in SERVICES},
}

LISTS = {"hours.list_activities"}
"""Operations whose answer a centre or a council gets cut to its scope rather than refused (a volunteer asking
for another's list is refused)."""


def test_every_operation_a_service_answers_is_asked_here() -> None:
    services = {op for op in MATRIX if not op.startswith("accounts.")}
    assert services == set(REQUESTS)


def _in_scope_of(actor: Actor, item: hours_rpc.ActivityView) -> bool:
    return actor.covers(volunteer=item.volunteer_id, centre=item.centre_id, region=region_of(item.centre_id))


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
