"""Moving between regions, through the real databases on SQLite and PostgreSQL and a real NATS between registry
deployments: the national one (every region but 26 and 27), Busan's own (26) and Daegu's (27). A move within one
deployment changes the region at once; a move to another is handed over — the old owner marks the volunteer moving,
the new owner asks it for the whole record and takes them in under the same id, the old owner keeps a tombstone
that names where they went. Each step is idempotent; each refusal names its rule in Korean and English. The races
matter on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from faststream.nats import NatsBroker
from pydantic import ValidationError
from sqlalchemy import Table, func, select

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope, Event, decode_event
from vms_contracts.events.registry import (
    ApplicationCancelledV1,
    ConsentKind,
    VolunteerHandoverRequestedV1,
    VolunteerMovedV1,
    VolunteerWithdrawnV1,
)
from vms_contracts.ids import new_id, region_of
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    AccessRecordsRequest,
    Apply,
    CentreStatusChange,
    GuardianRelation,
    HandOverVolunteer,
    MoveState,
    MoveVolunteer,
    PostRecruitment,
    RecordGuardianConsent,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    UpdateVolunteer,
    VolunteerFacts,
    VolunteerRef,
    VolunteerStanding,
    VolunteerView,
    WithdrawVolunteer,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import ActorSigner, ActorVerifier, NotPermitted, OutOfScope, private_key, public_keys
from vms_platform.db import Database
from vms_platform.errors import DomainError
from vms_platform.outbox import Outbox
from vms_platform.rpc import RemoteError, RpcClient, rpc_router, serve
from vms_platform.settings import parse_regions
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, centre_manager, migrated, use_test_keys, volunteer
from vms_registry import domain as registry_domain
from vms_registry.db import (
    consents,
    guardian_consents,
    outbox,
    personal_data_reads,
    volunteer_desired_activities,
    volunteer_talents,
    volunteers,
)
from vms_registry.domain import GuardianConsentRequired, VolunteerWithdrawn
from vms_registry.handlers import RegistryHandlers
from vms_registry.recruitments.handlers import RecruitmentHandlers
from vms_registry.regions.domain import AlreadyInRegion, HandoverNotRequested, VolunteerMoved, VolunteerMoving
from vms_registry.regions.handlers import RegionHandlers
from vms_registry.regions.tables import handovers

MIGRATIONS = str(files("vms_registry") / "migrations")
NATIONAL_REGIONS = parse_regions("*,-26,-27")[0]
MOVED = VolunteerMovedV1.event_type
HANDOVER_REQUESTED = VolunteerHandoverRequestedV1.event_type
REGISTRY = Actor.service("registry")


@dataclass
class Deployment:
    """One registry deployment: its database and the handlers wired as `vms_registry.app` wires them."""

    name: str
    db: Database
    people: RegistryHandlers
    regions: RegionHandlers
    recruiting: RecruitmentHandlers

    async def staged(self, event: type[Event]) -> list[Envelope[Any]]:
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.subject, outbox.c.payload)
                    .where(outbox.c.type == event.event_type)
                    .order_by(outbox.c.created_at)
                )
            ).all()
        return [decode_event(row.payload) for row in rows]

    async def count(self, table: Table, **where: Any) -> int:
        async with self.db.transaction() as session:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(table.c[column] == value)
            return int(await session.scalar(query) or 0)

    async def row(self, volunteer_id: UUID) -> Any:
        async with self.db.transaction() as session:
            return (await session.execute(select(volunteers).where(volunteers.c.id == volunteer_id))).one()

    async def take_in(self, envelope: Envelope[Any]) -> None:
        """What the consumer `registry-handover` does with one delivery, in its own transaction."""
        async with self.db.transaction() as session:
            await self.regions.on_handovers_requested(session, [envelope])

    async def hear_moved(self, envelope: Envelope[Any]) -> None:
        """What the consumer `registry-moved` does with one delivery."""
        async with self.db.transaction() as session:
            await self.regions.on_volunteers_moved(session, [envelope])


@dataclass
class Country:
    national: Deployment
    busan: Deployment
    daegu: Deployment


def _registry_client(broker: NatsBroker, bus: Bus) -> RpcClient:
    """The registry's own client, signing as the registry service (as `ServiceApp` makes it)."""
    use_test_keys()
    signer = ActorSigner("registry", private_key(os.environ["VMS_REGISTRY_ACTOR_KEY"]))
    return RpcClient(broker, bus, signer=signer, actor=REGISTRY)


@pytest.fixture
async def country(new_database: Any, nats_url: str, bus: Bus) -> AsyncIterator[Country]:
    verifier = ActorVerifier(public_keys(use_test_keys()["VMS_ACTOR_PUBLIC_KEYS"]))
    broker = NatsBroker(nats_url, logger=None)
    client = _registry_client(broker, bus)
    made: list[Deployment] = []
    for name, served in (("national", NATIONAL_REGIONS), ("busan", ["26"]), ("daegu", ["27"])):
        url = await new_database(f"registry{name}")
        await migrated(url, MIGRATIONS)
        db = Database(url)
        staged = Outbox(outbox, bus=bus, source=f"/vms/registry/{name}")
        regions = RegionHandlers(db, staged, client, served)
        deployment = Deployment(
            name, db, RegistryHandlers(db, staged), regions, RecruitmentHandlers(db, staged, facts_of=regions.facts_of)
        )
        router = rpc_router()
        options: dict[str, Any] = {"regions": served, "verifier": verifier, "slots": None, "workers": 4}
        serve(router, bus, rpc.VOLUNTEER_FACTS, regions.volunteer_facts, **options)
        serve(router, bus, rpc.HAND_OVER_VOLUNTEER, regions.hand_over_volunteer, **options)
        broker.include_router(router)
        made.append(deployment)
    await broker.start()
    yield Country(*made)
    await broker.stop()
    for deployment in made:
        await deployment.db.close()


# -- people ------------------------------------------------------------------------------------------------------


async def register(at: Deployment, login_id: str = "hong_gildong", region: str = "11", **changes: Any) -> VolunteerView:
    fields: dict[str, Any] = {
        "login_id": login_id,
        "name": "홍길동",
        "birth_date": "1990-04-05",
        "phone": "010-1234-5678",
        "region": region,
        "email": "hong@example.com",
        "district": "11440" if region == "11" else None,
        "desired_activities": [{"activity_type": "home", "sub_field": "emotional"}, {"activity_type": "community"}],
        "desired_regions": ["11", "26"],
        "talents": ["피아노", "수화"],
        "availability": [{"weekday": "sat", "part": "morning"}],
    }
    return await at.people.register_volunteer(RegisterVolunteer.model_validate({**fields, **changes}), ANONYMOUS)


async def move(at: Deployment, who: VolunteerView | UUID, region: str, district: str | None = None) -> Any:
    volunteer_id = who if isinstance(who, UUID) else who.id
    request = MoveVolunteer(volunteer_id=volunteer_id, region=region, district=district)
    return await at.regions.move_volunteer(request, volunteer(volunteer_id))


async def read(at: Deployment, volunteer_id: UUID) -> VolunteerView:
    return await at.people.get_volunteer(VolunteerRef(volunteer_id=volunteer_id), volunteer(volunteer_id))


async def hand_over(country: Country, who: VolunteerView) -> None:
    """A move from the national deployment to Busan, carried through: the request, the taking in, the erasure."""
    await move(country.national, who, "26", "26350")
    (requested,) = await country.national.staged(VolunteerHandoverRequestedV1)
    await country.busan.take_in(requested)
    (moved,) = await country.busan.staged(VolunteerMovedV1)
    await country.national.hear_moved(moved)


def in_both_languages(error: DomainError) -> None:
    body = error.body()
    assert body.message and body.message_en and "{" not in body.message + body.message_en, body


# -- within one deployment ---------------------------------------------------------------------------------------


async def test_a_move_within_the_regions_one_deployment_serves_changes_the_region_at_once(country: Country) -> None:
    someone = await register(country.national)
    moved = await move(country.national, someone, "41", "41111")
    assert (moved.state, moved.from_region, moved.region, moved.district) == (MoveState.MOVED, "11", "41", "41111")

    now = await read(country.national, someone.id)
    assert (now.id, now.region, now.district, now.login_id) == (someone.id, "41", "41111", "hong_gildong")
    (event,) = await country.national.staged(VolunteerMovedV1)
    assert event.region == "41", "announced under the new region's subject"
    assert event.data == VolunteerMovedV1(volunteer_id=someone.id, from_region="11", to_region="41", moved_at=moved.at)
    assert await country.national.staged(VolunteerHandoverRequestedV1) == []


async def test_moving_to_the_region_one_lives_in_is_refused_as_a_rule(country: Country) -> None:
    someone = await register(country.national)
    with pytest.raises(AlreadyInRegion) as refused:
        await move(country.national, someone, "11", "11440")
    assert refused.value.body().kind == "rule"
    assert "서울특별시" in refused.value.body().message
    in_both_languages(refused.value)
    assert await country.national.staged(VolunteerMovedV1) == []


async def test_a_withdrawn_volunteer_does_not_move(country: Country) -> None:
    someone = await register(country.national)
    await country.national.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=someone.id), volunteer(someone.id))
    with pytest.raises(VolunteerWithdrawn):
        await move(country.national, someone, "26")
    assert await country.national.staged(VolunteerHandoverRequestedV1) == []


async def test_only_the_volunteer_moves_themselves(country: Country) -> None:
    someone = await register(country.national)
    other = await register(country.national, "kim_cheolsu", phone="010-9999-0000")
    request = MoveVolunteer(volunteer_id=someone.id, region="26")
    with pytest.raises(OutOfScope):
        await country.national.regions.move_volunteer(request, volunteer(other.id))
    with pytest.raises(NotPermitted):
        await country.national.regions.move_volunteer(request, CENTRAL_ADMIN)
    assert (await country.national.row(someone.id)).status == "active"


def test_a_district_outside_the_new_region_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as refused:
        MoveVolunteer.model_validate({"volunteer_id": str(new_id("11")), "region": "26", "district": "11440"})
    (error,) = refused.value.errors()
    assert (error["type"], error["ctx"]["field"]) == ("district_region", "district")


# -- to another deployment: the handover -------------------------------------------------------------------------


async def test_a_move_to_another_deployments_region_is_asked_for_and_changes_wait_for_it(country: Country) -> None:
    someone = await register(country.national)
    asked = await move(country.national, someone, "26", "26350")
    assert (asked.state, asked.region, asked.district) == (MoveState.HANDING_OVER, "26", "26350")

    (requested,) = await country.national.staged(VolunteerHandoverRequestedV1)
    assert requested.region == "11", "published by the registry that keeps them, under the region they leave"
    assert requested.data == VolunteerHandoverRequestedV1(
        volunteer_id=someone.id, from_region="11", to_region="26", district="26350", requested_at=asked.at
    )
    assert (await read(country.national, someone.id)).name == "홍길동", "read as before meanwhile"
    changes = [
        country.national.people.update_volunteer(
            UpdateVolunteer(volunteer_id=someone.id, phone="010-1111-2222"), volunteer(someone.id)
        ),
        country.national.people.set_consent(
            SetConsent(volunteer_id=someone.id, consent=ConsentKind.PORTAL_1365, granted=True), volunteer(someone.id)
        ),
        country.national.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=someone.id), volunteer(someone.id)),
        move(country.national, someone, "41"),
    ]
    for change in changes:
        with pytest.raises(VolunteerMoving) as refused:
            await change
        assert refused.value.body().kind == "conflict"
        in_both_languages(refused.value)

    again = await move(country.national, someone, "26", "26350")
    assert (again.state, again.at) == (MoveState.HANDING_OVER, asked.at), "the same move asked again: same answer"
    assert len(await country.national.staged(VolunteerHandoverRequestedV1)) == 1


async def test_the_new_region_takes_the_volunteer_in_whole_under_the_same_id(country: Country) -> None:
    someone = await register(country.national, birth_date=(date.today() - timedelta(days=365 * 12)).isoformat())
    await country.national.people.record_guardian_consent(
        RecordGuardianConsent(
            volunteer_id=someone.id,
            guardian_name="홍부모",
            guardian_phone="010-5555-6666",
            relation=GuardianRelation.PARENT,
            consented=True,
        ),
        volunteer(someone.id),
    )
    await country.national.people.set_consent(
        SetConsent(volunteer_id=someone.id, consent=ConsentKind.PORTAL_1365, granted=True), volunteer(someone.id)
    )
    before = await read(country.national, someone.id)
    await move(country.national, someone, "26", "26350")
    (requested,) = await country.national.staged(VolunteerHandoverRequestedV1)

    await country.busan.take_in(requested)
    await country.busan.take_in(requested)  # delivered twice (the inbox aside): nothing is taken in twice

    arrived = await read(country.busan, someone.id)
    assert region_of(arrived.id) == "11", "the id is theirs for life"
    same = {"region", "district", "consents"}
    assert arrived.model_dump(exclude=same) == before.model_dump(exclude=same)
    assert (arrived.region, arrived.district) == ("26", "26350")
    assert (
        arrived.consents.portal1365 and arrived.consents.portal1365_changed_at == before.consents.portal1365_changed_at
    )
    assert await country.busan.count(guardian_consents, volunteer_id=someone.id) == 1
    (moved,) = await country.busan.staged(VolunteerMovedV1)
    assert moved.region == "26"
    assert (moved.data.from_region, moved.data.to_region) == ("11", "26")

    reads = await country.national.people.list_access_records(AccessRecordsRequest(region="11"), CENTRAL_ADMIN)
    handed = [r for r in reads.items if r.operation == rpc.HAND_OVER_VOLUNTEER.operation]
    assert len(handed) == 1 and handed[0].actor == "service:registry"
    assert set(handed[0].fields) >= {"name", "birth_date", "phone", "guardian"}


async def test_the_region_left_keeps_only_a_tombstone_that_names_where_they_went(country: Country) -> None:
    someone = await register(country.national)
    await hand_over(country, someone)
    (moved,) = await country.busan.staged(VolunteerMovedV1)
    await country.national.hear_moved(moved)  # heard twice: nothing changes

    tombstone = await country.national.row(someone.id)
    assert tombstone.status == "moved" and tombstone.region == "11"
    erased = ["login_id", "name", "birth_date", "phone", "email", "district", "birth_year"]
    assert [getattr(tombstone, column) for column in erased] == [None] * len(erased)
    for table in (volunteer_desired_activities, volunteer_talents, consents, guardian_consents):
        assert await country.national.count(table, volunteer_id=someone.id) == 0
    async with country.national.db.transaction() as session:
        where = (await session.execute(select(handovers).where(handovers.c.volunteer_id == someone.id))).one()
    assert (where.to_region, where.district) == ("26", None) and where.handed_over_at == moved.data.moved_at

    for asking in (
        read(country.national, someone.id),
        country.national.people.update_volunteer(
            UpdateVolunteer(volunteer_id=someone.id, phone="010-1111-2222"), volunteer(someone.id)
        ),
        move(country.national, someone, "41"),
    ):
        with pytest.raises(VolunteerMoved) as refused:
            await asking
        assert refused.value.body().kind == "not_found"
        assert refused.value.body().params["region"] == "26"
        in_both_languages(refused.value)
    # The person may sign up again where they left: nothing of them is kept there.
    again = await register(country.national, "hong_again")
    assert again.id != someone.id


async def test_a_record_is_handed_over_only_for_a_move_asked_for(country: Country) -> None:
    someone = await register(country.national)
    ask = HandOverVolunteer(volunteer_id=someone.id, from_region="11", to_region="26")
    with pytest.raises(HandoverNotRequested) as refused:
        await country.national.regions.hand_over_volunteer(ask, REGISTRY)
    in_both_languages(refused.value)

    await move(country.national, someone, "26")
    with pytest.raises(HandoverNotRequested):
        await country.national.regions.hand_over_volunteer(ask.model_copy(update={"to_region": "27"}), REGISTRY)
    with pytest.raises(NotPermitted):
        await country.national.regions.hand_over_volunteer(ask, volunteer(someone.id))
    with pytest.raises(NotPermitted):
        await country.national.regions.hand_over_volunteer(ask, CENTRAL_ADMIN)
    assert await country.national.count(personal_data_reads, volunteer_id=someone.id) == 0
    record = await country.national.regions.hand_over_volunteer(ask, REGISTRY)
    assert (record.id, record.name, record.region) == (someone.id, "홍길동", "26")
    assert await country.national.count(personal_data_reads, volunteer_id=someone.id) == 1


async def test_a_volunteer_who_comes_back_is_taken_in_over_their_tombstone(country: Country) -> None:
    someone = await register(country.national)
    await hand_over(country, someone)
    await country.busan.people.update_volunteer(
        UpdateVolunteer(volunteer_id=someone.id, phone="010-7777-8888", talents=["바둑"]), volunteer(someone.id)
    )
    back = await move(country.busan, someone, "11", "11440")
    assert back.state is MoveState.HANDING_OVER
    (requested,) = await country.busan.staged(VolunteerHandoverRequestedV1)
    assert requested.region == "26"
    await country.national.take_in(requested)
    moved_back = [e for e in await country.national.staged(VolunteerMovedV1) if e.data.to_region == "11"]
    (moved,) = moved_back
    await country.busan.hear_moved(moved)

    home = await read(country.national, someone.id)
    assert (home.login_id, home.region, home.phone, home.talents) == ("hong_gildong", "11", "010-7777-8888", ["바둑"])
    assert (await country.busan.row(someone.id)).status == "moved"
    assert await country.national.count(handovers, volunteer_id=someone.id) == 0, "no forwarding address of theirs"
    with pytest.raises(VolunteerMoved) as refused:
        await read(country.busan, someone.id)
    assert refused.value.body().params["region"] == "11"


async def test_a_tombstone_points_on_when_the_volunteer_moves_on_from_where_they_went(country: Country) -> None:
    """Moved from Seoul to Busan, then on to Daegu: the Seoul tombstone points to Daegu from then on, so a request
    about them is sent on once, not twice."""
    someone = await register(country.national)
    await hand_over(country, someone)
    await move(country.busan, someone, "27")
    (onwards,) = await country.busan.staged(VolunteerHandoverRequestedV1)
    await country.daegu.take_in(onwards)
    (moved,) = await country.daegu.staged(VolunteerMovedV1)
    await country.busan.hear_moved(moved)
    await country.national.hear_moved(moved)

    assert (await read(country.daegu, someone.id)).region == "27"
    for left in (country.national, country.busan):
        with pytest.raises(VolunteerMoved) as refused:
            await read(left, someone.id)
        assert refused.value.body().params["region"] == "27"


# -- what a registry needs of another region's volunteer ---------------------------------------------------------


async def test_volunteer_facts_are_for_services_and_their_read_is_recorded(country: Country) -> None:
    someone = await register(country.national)
    facts = await country.national.regions.volunteer_facts(VolunteerFacts(volunteer_id=someone.id), REGISTRY)
    assert (facts.status, facts.region, facts.district, facts.birth_date) == (
        VolunteerStanding.ACTIVE,
        "11",
        "11440",
        date(1990, 4, 5),
    )
    assert not facts.guardian_consented
    assert [(a.activity_type.value, a.sub_field) for a in facts.desired_activities] == [
        ("community", None),
        ("home", "emotional"),
    ]
    assert facts.desired_regions == ["11", "26"]
    for actor in (volunteer(someone.id), CENTRAL_ADMIN, centre_manager(someone.id)):
        with pytest.raises(NotPermitted):
            await country.national.regions.volunteer_facts(VolunteerFacts(volunteer_id=someone.id), actor)
    async with country.national.db.transaction() as session:
        fields = (await session.scalars(select(personal_data_reads.c.fields))).all()
    assert fields == ["birth_date"]


async def busan_recruitment(country: Country, *, capacity: int, eligibility: list[str]) -> tuple[Any, Any]:
    """A centre of Busan's deployment, accredited, and a recruitment it posts (해변 정화, a week from today)."""
    made = await country.busan.people.register_centre(
        RegisterCentre(name="해운대종합사회복지관", region="26"), CENTRAL_ADMIN
    )
    busan_centre = await country.busan.people.accredit_centre(CentreStatusChange(centre_id=made.id), CENTRAL_ADMIN)
    start = date.today() + timedelta(days=7)
    recruitment = await country.busan.recruiting.post_recruitment(
        PostRecruitment.model_validate(
            {
                "centre_id": str(busan_centre.id),
                "title": "해변 정화 봉사자 모집",
                "activity_type": "community",
                "sub_field": "environment",
                "place": "해운대 해수욕장",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=30)).isoformat(),
                "weekdays": ["sat"],
                "start_time": "10:00",
                "end_time": "12:00",
                "capacity": capacity,
                "eligibility": eligibility,
            }
        ),
        centre_manager(busan_centre.id),
    )
    return busan_centre, recruitment


async def test_a_volunteer_of_another_region_applies_and_is_placed_by_the_facts_their_region_gives(
    country: Country,
) -> None:
    child = await register(country.national, birth_date=(date.today() - timedelta(days=365 * 12)).isoformat())
    busan_centre, recruitment = await busan_recruitment(country, capacity=5, eligibility=["youth"])
    applying = Apply(recruitment_id=recruitment.id, volunteer_id=child.id)
    with pytest.raises(GuardianConsentRequired):
        await country.busan.recruiting.apply(applying, volunteer(child.id))
    await country.national.people.record_guardian_consent(
        RecordGuardianConsent(
            volunteer_id=child.id,
            guardian_name="홍부모",
            guardian_phone="010-5555-6666",
            relation=GuardianRelation.PARENT,
            consented=True,
        ),
        volunteer(child.id),
    )
    applied = await country.busan.recruiting.apply(applying, volunteer(child.id))
    assert applied.volunteer_id == child.id
    assert await country.busan.count(volunteers) == 0, "applied without being kept in Busan"
    manager = centre_manager(busan_centre.id)
    accepted = await country.busan.recruiting.accept_application(rpc.ApplicationRef(application_id=applied.id), manager)
    placed = await country.busan.recruiting.place_application(rpc.ApplicationRef(application_id=accepted.id), manager)
    assert placed.status is rpc.ApplicationStatus.PLACED
    operation = rpc.VOLUNTEER_FACTS.operation
    reads = await country.national.count(personal_data_reads, volunteer_id=child.id, operation=operation)
    assert reads == 3, "each look-up of the child's birth date is recorded where the child is kept"


async def test_a_volunteer_nobody_keeps_is_not_found_here_or_in_their_region(country: Country) -> None:
    async with country.busan.db.transaction() as session:
        with pytest.raises(RemoteError) as refused:
            await country.busan.regions.facts_of(new_id("11"), session=session)
        assert refused.value.body.code == registry_domain.VolunteerNotFound.code
        with pytest.raises(registry_domain.VolunteerNotFound):
            await country.busan.regions.facts_of(new_id("26"), session=session)  # Busan's own: not asked elsewhere


# -- at once (PostgreSQL shows the races) ------------------------------------------------------------------------


async def test_the_same_move_asked_many_times_at_once_is_one_handover(country: Country) -> None:
    someone = await register(country.national)
    answers = await asyncio.gather(*(move(country.national, someone, "26", "26350") for _ in range(20)))
    assert {(a.state, a.at) for a in answers} == {(MoveState.HANDING_OVER, answers[0].at)}
    assert len(await country.national.staged(VolunteerHandoverRequestedV1)) == 1


async def test_moves_to_different_regions_at_once_never_change_a_volunteer_being_handed_over(
    country: Country,
) -> None:
    someone = await register(country.national)
    targets = ["26", "41", "28", "43"] * 5
    results = await asyncio.gather(
        *(move(country.national, someone, region) for region in targets), return_exceptions=True
    )
    for result in results:
        assert not isinstance(result, BaseException) or isinstance(result, (VolunteerMoving, AlreadyInRegion)), result
    handed = await country.national.staged(VolunteerHandoverRequestedV1)
    within = [e.data for e in await country.national.staged(VolunteerMovedV1)]
    row = await country.national.row(someone.id)
    assert len(handed) == 1, "26 is asked five times: once it is handed over, the others wait for it"
    # The moves within (41, 28, 43) that came before the handover, one after another, and none after it.
    assert [m.from_region for m in within] == ["11", *(m.to_region for m in within)][: len(within)]
    assert handed[0].data.from_region == (within[-1].to_region if within else "11") == row.region
    assert row.status == "moving"


async def test_a_volunteer_who_withdraws_gives_back_their_places_in_another_deployment_s_recruitments(
    country: Country,
) -> None:
    """Their own registry cancels what it holds in the withdrawal; Busan, which keeps the recruitment they applied
    to, cancels theirs when its consumer of `volunteer.withdrawn` hears of it, once, and gives the place back."""
    someone = await register(country.national)
    busan_centre, recruitment = await busan_recruitment(country, capacity=1, eligibility=["adult"])
    applied = await country.busan.recruiting.apply(
        Apply(recruitment_id=recruitment.id, volunteer_id=someone.id), volunteer(someone.id)
    )
    await country.national.people.withdraw_volunteer(
        rpc.WithdrawVolunteer(volunteer_id=someone.id), volunteer(someone.id)
    )
    (withdrawn,) = await country.national.staged(VolunteerWithdrawnV1)
    # Busan twice (the second finds nothing standing), and the national registry, which released its own already.
    for deployment in (country.busan, country.busan, country.national):
        async with deployment.db.transaction() as session:
            await deployment.recruiting.on_volunteers_withdrawn(session, [withdrawn])
    (cancelled,) = await country.busan.staged(ApplicationCancelledV1)
    assert (cancelled.data.application_id, cancelled.data.volunteer_id) == (applied.id, someone.id)
    assert cancelled.causationid == str(withdrawn.id)
    manager = centre_manager(busan_centre.id)
    listed = await country.busan.recruiting.get_recruitment(rpc.RecruitmentRef(recruitment_id=recruitment.id), manager)
    assert listed.taken == 0, "the place is free again"
