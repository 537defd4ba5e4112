"""Who is asking, over the bus: a centre's manager records and confirms, each event names the manager's account,
and hours asks the registry about volunteers as itself. The running registry and hours on a real NATS server, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, insert, select

from vms_contracts.actor import Actor, Role
from vms_contracts.ids import new_id
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import Bus
from vms_hours.app import create_app as create_hours
from vms_hours.db import activities, outbox
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp
from vms_platform.testing import CENTRAL_ADMIN, centre_manager, rpc_client, running
from vms_registry.app import create_app as create_registry
from vms_registry.db import personal_data_reads, volunteers
from vms_registry.settings import RegistrySettings


@dataclass
class World:
    registry: ServiceApp
    hours: ServiceApp
    centre: UUID
    volunteer: UUID

    def client(self, actor: Actor) -> RpcClient:
        return rpc_client(self.hours.broker, self.hours.bus, actor)

    def record(self) -> hours_rpc.RecordActivity:
        return hours_rpc.RecordActivity(
            centre_id=self.centre,
            volunteer_id=self.volunteer,
            activity_date=today_kst() - timedelta(days=1),
            start_time=time(10),
            end_time=time(13, 30),
            activity_type=ActivityType.FACILITY,
            sub_field="emotional",
            description="어르신 말벗",
        )

    async def envelopes(self, event_type: str) -> list[dict[str, Any]]:
        async with self.hours.db.transaction() as session:
            payloads = (await session.scalars(select(outbox.c.payload).where(outbox.c.type == event_type))).all()
        return [json.loads(p) for p in payloads]

    async def rows(self) -> tuple[int, int]:
        async with self.hours.db.transaction() as session:
            recorded = await session.scalar(select(func.count()).select_from(activities))
            staged = await session.scalar(select(func.count()).select_from(outbox))
        return int(recorded or 0), int(staged or 0)


@pytest.fixture
async def world(bus: Bus, nats_url: str, new_database: Any) -> AsyncIterator[World]:
    common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root}
    registry = create_registry(RegistrySettings(database_url=await new_database("registry"), **common))
    hours = create_hours(HoursSettings(database_url=await new_database("hours"), **common))
    async with (
        running(registry, str(files("vms_registry") / "migrations")),
        running(hours, str(files("vms_hours") / "migrations")),
    ):
        admin = rpc_client(registry.broker, bus, CENTRAL_ADMIN)
        centre = await admin.call(
            registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="해운대종합사회복지관", region="26")
        )
        person = registry_rpc.RegisterVolunteer.model_validate(
            {"login_id": "hong_gildong", "name": "홍길동", "birth_date": "2001-04-05", "phone": "010-1234-5678"}
            | {"region": "11"}
        )
        volunteer = await admin.call(
            registry_rpc.REGISTER_VOLUNTEER, person, actor=Actor(id=str(uuid4()), role=Role.ANONYMOUS)
        )
        yield World(registry, hours, centre.id, volunteer.id)


async def test_an_event_names_the_manager_whose_request_caused_it(world: World) -> None:
    recording, confirming = centre_manager(world.centre), centre_manager(world.centre)
    recorded = await world.client(recording).call(hours_rpc.RECORD_ACTIVITY, world.record())
    await world.client(confirming).call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=recorded.id))
    (was_recorded,) = await world.envelopes("vms.hours.recorded.v1")
    (was_confirmed,) = await world.envelopes("vms.hours.confirmed.v1")
    assert (was_recorded["actorid"], was_confirmed["actorid"]) == (recording.id, confirming.id)


async def test_another_centres_manager_is_refused_and_nothing_is_written(world: World) -> None:
    outsider = centre_manager(uuid4())
    with pytest.raises(RemoteError) as refused:
        await world.client(outsider).call(hours_rpc.RECORD_ACTIVITY, world.record())
    assert (refused.value.body.code, refused.value.body.kind) == ("OUT_OF_SCOPE", "forbidden")
    assert await world.rows() == (0, 0)

    recorded = await world.client(centre_manager(world.centre)).call(hours_rpc.RECORD_ACTIVITY, world.record())
    before = await world.rows()
    with pytest.raises(RemoteError) as refused:
        await world.client(outsider).call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=recorded.id))
    assert refused.value.body.code == "OUT_OF_SCOPE"
    assert await world.rows() == before
    listed = await world.client(CENTRAL_ADMIN).call(
        hours_rpc.LIST_CENTRE_ACTIVITIES, hours_rpc.CentreActivities(centre_id=world.centre)
    )
    assert [(a.id, a.status) for a in listed.items] == [(recorded.id, hours_rpc.ActivityStatus.RECORDED)]


async def test_hours_asks_the_registry_about_a_volunteer_as_itself_and_the_read_is_recorded(world: World) -> None:
    """Recording for a volunteer whose registration hours has not heard of, it asks the registry, as the hours
    service (a centre manager may not read volunteers): the registry answers, and records who read."""
    unheard_of = new_id("11")
    async with world.registry.db.transaction() as session:
        await session.execute(
            insert(volunteers).values(
                id=unheard_of,
                login_id="kim_younghee",
                name="김영희",
                birth_date=date(1990, 1, 1),
                phone="010-2222-3333",
                region="11",
                registered_at=datetime.now(UTC),
            )
        )
    record = world.record().model_copy(update={"volunteer_id": unheard_of})
    await world.client(centre_manager(world.centre)).call(hours_rpc.RECORD_ACTIVITY, record)
    async with world.registry.db.transaction() as session:
        reads = (await session.execute(select(personal_data_reads.c.actor, personal_data_reads.c.volunteer_id))).all()
    assert [tuple(r) for r in reads] == [("service:hours", unheard_of)]
