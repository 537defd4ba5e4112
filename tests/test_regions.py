"""Regions own their data: a national deployment and region 26's own deployment of registry and of hours, each
with its own PostgreSQL database, on one NATS. Every write lands in the owner's database only, every read by id
finds it, a volunteer's records are gathered from every region, and events carry the owner's region in their
subject (docs/architecture.md, "Regions")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date, time, timedelta
from importlib.resources import files
from typing import Any

import pytest
from nats.js import JetStreamContext
from sqlalchemy import Table, func, select

from vms_contracts.ids import region_of
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import Bus
from vms_hours.app import create_app as create_hours
from vms_hours.db import activities
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.jetstream import declare
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp, StartupError
from vms_platform.testing import ANONYMOUS, centre_manager, eventually, rpc_client, running
from vms_registry.app import create_app as create_registry
from vms_registry.db import centres, volunteers
from vms_registry.settings import RegistrySettings

pytestmark = pytest.mark.postgres

YESTERDAY = today_kst() - timedelta(days=1)
REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
HOURS_MIGRATIONS = str(files("vms_hours") / "migrations")
NATIONAL = "*,-26"
"""The national deployments serve every region but 26, which runs its own."""


class Deployments:
    def __init__(self, registry: dict[str, ServiceApp], hours: dict[str, ServiceApp], rpc: RpcClient) -> None:
        self.registry = registry
        self.hours = hours
        self.rpc = rpc


@pytest.fixture
async def deployments(
    nats_url: str, bus: Bus, js: JetStreamContext, postgres_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[Deployments]:
    await declare(js, bus, regional=["26"])  # region 26's hours reads the registry's events on a durable of its own
    async with AsyncExitStack() as stack:
        common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root}
        registry, hours = {}, {}
        for scope, regions in (("national", NATIONAL), ("26", "26")):
            registry[scope] = await stack.enter_async_context(
                running(
                    create_registry(
                        RegistrySettings(
                            database_url=await postgres_database(f"registry{scope}"), regions=regions, **common
                        )
                    ),
                    REGISTRY_MIGRATIONS,
                )
            )
            hours[scope] = await stack.enter_async_context(
                running(
                    create_hours(
                        HoursSettings(database_url=await postgres_database(f"hours{scope}"), regions=regions, **common)
                    ),
                    HOURS_MIGRATIONS,
                )
            )
        yield Deployments(registry, hours, rpc_client(registry["national"].broker, bus, timeout=30))


async def rows(app: ServiceApp, table: Table, **where: Any) -> int:
    async with app.db.transaction() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return int(await session.scalar(query) or 0)


def person(i: int, region: str) -> registry_rpc.RegisterVolunteer:
    return registry_rpc.RegisterVolunteer(
        login_id=f"r{region}_{i:03d}",
        name="홍길동",
        birth_date=date(1995, 5, 5),
        phone=f"010-3{region}-{i:04d}",
        region=region,
    )


async def events_on(js: JetStreamContext, bus: Bus, stream: str, subject: str) -> int:
    info = await js.stream_info(bus.stream_name(stream), subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def test_each_region_keeps_its_own_volunteers_and_finds_them_by_id(
    deployments: Deployments, js: JetStreamContext, bus: Bus
) -> None:
    rpc = deployments.rpc
    registered = await asyncio.gather(
        *(
            rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(i, region), actor=ANONYMOUS)
            for i in range(200)
            for region in ("26", "11")
        )
    )
    by_region = {"26": [v for v in registered if v.region == "26"], "11": [v for v in registered if v.region == "11"]}
    assert {region_of(v.id) for v in by_region["26"]} == {"26"}
    assert await rows(deployments.registry["26"], volunteers) == 200
    assert await rows(deployments.registry["26"], volunteers, region="11") == 0
    assert await rows(deployments.registry["national"], volunteers) == 200
    assert await rows(deployments.registry["national"], volunteers, region="26") == 0

    found = await asyncio.gather(
        *(rpc.call(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=v.id)) for v in registered)
    )
    assert [f.id for f in found] == [v.id for v in registered]

    async def published() -> bool:
        return await events_on(js, bus, "REGISTRY", bus.event_pattern("registry", "volunteer.registered")) == 400

    await eventually(published, what="every registration on the bus")
    assert await events_on(js, bus, "REGISTRY", bus.event_subject("26", "registry", "volunteer.registered")) == 200
    assert await events_on(js, bus, "REGISTRY", bus.event_subject("11", "registry", "volunteer.registered")) == 200


async def test_hours_live_with_the_centres_region_and_a_volunteers_records_are_gathered(
    deployments: Deployments, js: JetStreamContext, bus: Bus
) -> None:
    rpc = deployments.rpc
    busan = await rpc.call(
        registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="해운대종합사회복지관", region="26")
    )
    seoul = await rpc.call(
        registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="마포종합사회복지관", region="11")
    )
    assert await rows(deployments.registry["26"], centres) == 1
    assert await rows(deployments.registry["national"], centres) == 1
    # A Seoul volunteer serves in Busan in the morning and in Seoul in the afternoon.
    volunteer = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(1, "11"), actor=ANONYMOUS)
    # One person manages both centres: the records are kept where each centre is.
    manager = centre_manager(busan.id, seoul.id)

    def at(centre: registry_rpc.CentreView, start: int) -> hours_rpc.RecordActivity:
        return hours_rpc.RecordActivity(
            centre_id=centre.id,
            volunteer_id=volunteer.id,
            activity_date=YESTERDAY,
            start_time=time(start),
            end_time=time(start + 2),
            activity_type=ActivityType.FACILITY,
            sub_field="emotional",
            description="어르신 말벗",
        )

    morning = await rpc.call(hours_rpc.RECORD_ACTIVITY, at(busan, 9), actor=manager)
    afternoon = await rpc.call(hours_rpc.RECORD_ACTIVITY, at(seoul, 14), actor=manager)
    assert (region_of(morning.id), region_of(afternoon.id)) == ("26", "11")
    assert await rows(deployments.hours["26"], activities) == 1
    assert await rows(deployments.hours["national"], activities) == 1
    # The daily limit is each record-keeping region's own: 2 h + 2 h here, both accepted.

    for activity in (morning, afternoon):
        confirmed = await rpc.call(
            hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity.id), actor=manager
        )
        assert confirmed.status == hours_rpc.ActivityStatus.CONFIRMED
        found = await rpc.call(hours_rpc.GET_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity.id))
        assert found.id == activity.id

    parts = await rpc.gather(hours_rpc.LIST_ACTIVITIES, hours_rpc.VolunteerActivities(volunteer_id=volunteer.id))
    assert len(parts) == 2, "the national deployment answers for every region but 26, and 26 for itself"
    assert sorted(a.id for part in parts for a in part.items) == sorted([morning.id, afternoon.id])

    async def published() -> bool:
        return await events_on(js, bus, "HOURS", bus.event_pattern("hours", "confirmed")) == 2

    await eventually(published, what="both confirmations on the bus")
    assert await events_on(js, bus, "HOURS", bus.event_subject("26", "hours", "confirmed")) == 1
    assert await events_on(js, bus, "HOURS", bus.event_subject("11", "hours", "confirmed")) == 1


async def test_a_request_sent_to_a_region_that_does_not_own_it_is_refused(deployments: Deployments) -> None:
    rpc = deployments.rpc
    volunteer = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(7, "26"), actor=ANONYMOUS)
    with pytest.raises(RemoteError) as refused:
        await rpc.call(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer.id), region="11")
    assert refused.value.body.code == "NOT_OWNED_HERE"
    assert refused.value.body.params == {"owner": "26", "asked": "11"}
    with pytest.raises(RemoteError) as misplaced:
        await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(8, "26"), region="00", actor=ANONYMOUS)
    assert misplaced.value.body.code == "NOT_OWNED_HERE"
    assert await rows(deployments.registry["national"], volunteers, region="26") == 0


async def test_a_second_deployment_for_a_served_region_refuses_to_start(
    deployments: Deployments, nats_url: str, bus: Bus, postgres_database: Callable[[str], Awaitable[str]]
) -> None:
    """Two deployments answering one region would split its requests between two databases."""
    theirs = deployments.registry["26"]

    def registry(database_url: str, regions: str) -> ServiceApp:
        return create_registry(
            RegistrySettings(nats_url=nats_url, database_url=database_url, bus_root=bus.root, regions=regions)
        )

    second_busan = registry(await postgres_database("registryclash"), "26")
    with pytest.raises(StartupError) as refused:
        async with running(second_busan, REGISTRY_MIGRATIONS):
            pass
    assert f"region 26 by deployment {theirs.deployment}" in str(refused.value)
    assert "VMS_REGISTRY_REGIONS" in str(refused.value)
    # A national deployment that forgot region 26 runs its own clashes with both.
    everything = registry(await postgres_database("registryall"), "*")
    with pytest.raises(StartupError, match=r"region 26 by deployment .*`\*,-26`"):
        async with running(everything, REGISTRY_MIGRATIONS):
            pass
    # A replica of an existing deployment (its database) starts: it is that deployment.
    replica = registry(theirs.settings.database_url, "26")
    async with running(replica, REGISTRY_MIGRATIONS):
        assert replica.deployment == theirs.deployment
