"""A volunteer keeps their id for life, wherever they live (docs/architecture.md, "Regions"): the national
deployment (`*,-26`) and region 26's own deployment of the registry and of hours, each with its own PostgreSQL
database, on one NATS.

- A volunteer of region 11 applies to a recruitment region 26's registry holds: that registry asks region 11's for
  what it needs to know of them.
- A move within the regions one deployment serves changes the region at once.
- A move from the national deployment to region 26 is a handover: the old id still reaches the volunteer (through
  the redirect), and hours' list of their activities, kept in both regions, stays whole.
- Region 26's registry killed (SIGKILL) in the middle of a handover, and started again, finishes it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sysconfig
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import Table, func, select

from vms_contracts.ids import region_of
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.health import HealthRequest, health_rpc
from vms_contracts.subjects import Bus
from vms_hours.app import create_app as create_hours
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.jetstream import declare
from vms_platform.rpc import RemoteError, RpcClient, ServiceTimeout, ServiceUnavailable
from vms_platform.runtime import ServiceApp
from vms_platform.testing import ANONYMOUS, centre_manager, eventually, rpc_client, running, volunteer
from vms_registry.app import create_app as create_registry
from vms_registry.db import personal_data_reads, volunteers
from vms_registry.recruitments.tables import applications
from vms_registry.regions.handlers import HANDOVER_CONSUMER, MOVED_CONSUMER
from vms_registry.settings import RegistrySettings

pytestmark = pytest.mark.postgres

YESTERDAY = today_kst() - timedelta(days=1)
REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
HOURS_MIGRATIONS = str(files("vms_hours") / "migrations")
NATIONAL = "*,-26"


async def declare_consumers(js: JetStreamContext, bus: Bus, *, ack_wait: float = 60.0) -> None:
    """As `vms nats-setup --regional 26` declares them: the durable consumers of both deployments, the registry's
    own included (each deployment takes in the volunteers moving to it and erases those who left)."""
    await declare(js, bus, regional=["26"])
    stream = bus.stream_name("REGISTRY")
    for spec in (HANDOVER_CONSUMER, MOVED_CONSUMER):
        for deployment in ("", "26"):
            durable = dataclasses.replace(spec.durable_for(deployment), ack_wait_seconds=ack_wait)
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(stream, durable.durable)
            await js.add_consumer(stream, durable.config(bus))


def registry_settings(nats_url: str, bus: Bus, database_url: str, regions: str) -> RegistrySettings:
    return RegistrySettings(nats_url=nats_url, database_url=database_url, bus_root=bus.root, regions=regions)


def person(i: int, region: str, **changes: Any) -> registry_rpc.RegisterVolunteer:
    fields: dict[str, Any] = {
        "login_id": f"mover_{region}_{i:03d}",
        "name": "홍길동",
        "birth_date": date(1995, 5, 5),
        "phone": f"010-4{region}-{i:04d}",
        "region": region,
        "talents": ["피아노"],
    }
    return registry_rpc.RegisterVolunteer.model_validate({**fields, **changes})


async def rows(app: ServiceApp, table: Table, **where: Any) -> int:
    async with app.db.transaction() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return int(await session.scalar(query) or 0)


async def status_of(app: ServiceApp, volunteer_id: UUID) -> str | None:
    async with app.db.transaction() as session:
        found = await session.scalar(select(volunteers.c.status).where(volunteers.c.id == volunteer_id))
    return None if found is None else str(found)


async def events_on(js: JetStreamContext, bus: Bus, subject: str) -> int:
    info = await js.stream_info(bus.stream_name("REGISTRY"), subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def accredited_centre(rpc: RpcClient, name: str, region: str) -> registry_rpc.CentreView:
    made = await rpc.call(registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name=name, region=region))
    return await rpc.call(registry_rpc.ACCREDIT_CENTRE, registry_rpc.CentreStatusChange(centre_id=made.id))


class Country:
    def __init__(self, registry: dict[str, ServiceApp], hours: dict[str, ServiceApp], rpc: RpcClient) -> None:
        self.registry = registry
        self.hours = hours
        self.rpc = rpc


@pytest.fixture
async def country(
    nats_url: str, bus: Bus, js: JetStreamContext, postgres_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[Country]:
    await declare_consumers(js, bus)
    async with AsyncExitStack() as stack:
        registry, hours = {}, {}
        for scope, regions in (("national", NATIONAL), ("26", "26")):
            registry[scope] = await stack.enter_async_context(
                running(
                    create_registry(
                        registry_settings(nats_url, bus, await postgres_database(f"registry{scope}"), regions)
                    ),
                    REGISTRY_MIGRATIONS,
                )
            )
            hours[scope] = await stack.enter_async_context(
                running(
                    create_hours(
                        HoursSettings(
                            nats_url=nats_url,
                            database_url=await postgres_database(f"hours{scope}"),
                            bus_root=bus.root,
                            regions=regions,
                        )
                    ),
                    HOURS_MIGRATIONS,
                )
            )
        yield Country(registry, hours, rpc_client(registry["national"].broker, bus, timeout=30))


# -- what a registry needs of another region's volunteer ---------------------------------------------------------


async def test_a_volunteer_of_region_11_applies_to_a_recruitment_region_26s_own_registry_holds(
    country: Country,
) -> None:
    rpc = country.rpc
    seoulite = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(1, "11"), actor=ANONYMOUS)
    haeundae = await accredited_centre(rpc, "해운대종합사회복지관", "26")
    start = today_kst() + timedelta(days=7)
    recruitment = await rpc.call(
        registry_rpc.POST_RECRUITMENT,
        registry_rpc.PostRecruitment.model_validate(
            {
                "centre_id": str(haeundae.id),
                "title": "해변 정화 봉사자 모집",
                "activity_type": "community",
                "sub_field": "environment",
                "place": "해운대 해수욕장",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=30)).isoformat(),
                "weekdays": ["sat"],
                "start_time": "10:00",
                "end_time": "12:00",
                "capacity": 3,
                "eligibility": ["adult", "youth"],
            }
        ),
        actor=centre_manager(haeundae.id),
    )
    assert region_of(recruitment.id) == "26"

    applied = await rpc.call(
        registry_rpc.APPLY,
        registry_rpc.Apply(recruitment_id=recruitment.id, volunteer_id=seoulite.id),
        actor=volunteer(seoulite.id),
    )
    assert (applied.volunteer_id, applied.status) == (seoulite.id, registry_rpc.ApplicationStatus.APPLIED)
    busan, national = country.registry["26"], country.registry["national"]
    assert await rows(busan, applications, volunteer_id=seoulite.id) == 1
    assert await rows(busan, volunteers) == 0, "Busan keeps the application, Seoul keeps the volunteer"
    assert await rows(national, applications) == 0
    assert (
        await rows(national, personal_data_reads, volunteer_id=seoulite.id, operation="registry.volunteer_facts") == 1
    )

    stranger = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(2, "11"), actor=ANONYMOUS)
    await rpc.call(
        registry_rpc.WITHDRAW_VOLUNTEER,
        registry_rpc.WithdrawVolunteer(volunteer_id=stranger.id),
        actor=volunteer(stranger.id),
    )
    with pytest.raises(RemoteError) as refused:
        await rpc.call(
            registry_rpc.APPLY,
            registry_rpc.Apply(recruitment_id=recruitment.id, volunteer_id=stranger.id),
            actor=volunteer(stranger.id),
        )
    assert refused.value.body.code == "VOLUNTEER_WITHDRAWN", "Seoul's answer, passed on by Busan"


# -- moving --------------------------------------------------------------------------------------------------------


async def test_a_move_within_the_national_deployment_changes_the_region_at_once(
    country: Country, js: JetStreamContext, bus: Bus
) -> None:
    rpc = country.rpc
    someone = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(3, "11"), actor=ANONYMOUS)
    moved = await rpc.call(
        registry_rpc.MOVE_VOLUNTEER,
        registry_rpc.MoveVolunteer(volunteer_id=someone.id, region="41", district="41111"),
        actor=volunteer(someone.id),
    )
    assert moved.state is registry_rpc.MoveState.MOVED
    found = await rpc.call(
        registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=someone.id), actor=volunteer(someone.id)
    )
    assert (found.id, found.region, found.district) == (someone.id, "41", "41111")

    async def announced() -> bool:
        return await events_on(js, bus, bus.event_subject("41", "registry", "volunteer.moved")) == 1

    await eventually(announced, what="volunteer.moved under region 41")
    assert await events_on(js, bus, bus.event_pattern("registry", "volunteer.handover_requested")) == 0


async def test_a_move_to_region_26_hands_the_volunteer_over_and_the_old_id_still_reaches_them(
    country: Country, js: JetStreamContext, bus: Bus
) -> None:
    rpc = country.rpc
    national, busan = country.registry["national"], country.registry["26"]
    someone = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(4, "11"), actor=ANONYMOUS)
    themselves = volunteer(someone.id)
    mapo = await accredited_centre(rpc, "마포종합사회복지관", "11")
    haeundae = await accredited_centre(rpc, "해운대종합사회복지관", "26")

    def at(centre: registry_rpc.CentreView, start: int) -> hours_rpc.RecordActivity:
        return hours_rpc.RecordActivity(
            centre_id=centre.id,
            volunteer_id=someone.id,
            activity_date=YESTERDAY,
            start_time=time(start),
            end_time=time(start + 2),
            activity_type=ActivityType.FACILITY,
            sub_field="emotional",
            description="어르신 말벗",
        )

    in_seoul = await rpc.call(hours_rpc.RECORD_ACTIVITY, at(mapo, 9), actor=centre_manager(mapo.id))

    asked = await rpc.call(
        registry_rpc.MOVE_VOLUNTEER,
        registry_rpc.MoveVolunteer(volunteer_id=someone.id, region="26", district="26350"),
        actor=themselves,
    )
    assert asked.state is registry_rpc.MoveState.HANDING_OVER

    async def handed_over() -> bool:
        return await status_of(busan, someone.id) == "active" and await status_of(national, someone.id) == "moved"

    await eventually(handed_over, timeout=30, what="Busan keeps the volunteer and Seoul keeps a tombstone")

    found = await rpc.call(
        registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=someone.id), actor=themselves
    )
    assert (found.id, found.login_id, found.region, found.district, found.talents) == (
        someone.id,
        someone.login_id,
        "26",
        "26350",
        ["피아노"],
    )
    updated = await rpc.call(
        registry_rpc.UPDATE_VOLUNTEER,
        registry_rpc.UpdateVolunteer(volunteer_id=someone.id, phone="010-9876-5432", talents=["피아노", "수화"]),
        actor=themselves,
    )
    assert updated.talents == ["수화", "피아노"]
    assert await rows(busan, volunteers, id=someone.id, phone="010-9876-5432") == 1
    assert await rows(national, volunteers, id=someone.id, status="moved", name=None) == 1

    # Hours in Busan look the volunteer up by the id Seoul gave them: the registry sends the question on.
    in_busan = await rpc.call(hours_rpc.RECORD_ACTIVITY, at(haeundae, 14), actor=centre_manager(haeundae.id))
    parts = await rpc.gather(
        hours_rpc.LIST_ACTIVITIES, hours_rpc.VolunteerActivities(volunteer_id=someone.id), actor=themselves
    )
    assert sorted(a.id for part in parts for a in part.items) == sorted([in_seoul.id, in_busan.id])

    async def announced_once() -> bool:
        return await events_on(js, bus, bus.event_subject("26", "registry", "volunteer.moved")) == 1

    await eventually(announced_once, what="volunteer.moved under region 26")
    assert await events_on(js, bus, bus.event_subject("11", "registry", "volunteer.handover_requested")) == 1
    # Busan asked Seoul for the record once; Seoul recorded that read.
    assert (
        await rows(national, personal_data_reads, volunteer_id=someone.id, operation="registry.hand_over_volunteer")
        == 1
    )


# -- killed in the middle --------------------------------------------------------------------------------------------


@asynccontextmanager
async def busan_process(
    nats_url: str, bus: Bus, database_url: str, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Region 26's registry as its own process (`vms-registry run`), as an operator runs it."""
    env = {
        **os.environ,
        "VMS_REGISTRY_NATS_URL": nats_url,
        "VMS_REGISTRY_DATABASE_URL": database_url,
        "VMS_REGISTRY_BUS_ROOT": bus.root,
        "VMS_REGISTRY_REGIONS": "26",
        "VMS_REGISTRY_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(Path(sysconfig.get_path("scripts")) / "vms-registry"), "run", "--migrate"]
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=output, stderr=output)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def answering(rpc: RpcClient, region: str) -> bool:
    try:
        await rpc.call(health_rpc("registry"), HealthRequest(), region=region, timeout=1)
    except (ServiceUnavailable, ServiceTimeout):
        return False
    return True


async def test_a_handover_survives_the_new_owner_killed_in_the_middle(
    nats_url: str,
    bus: Bus,
    js: JetStreamContext,
    postgres_database: Callable[[str], Awaitable[str]],
    tmp_path: Path,
) -> None:
    await declare_consumers(js, bus, ack_wait=2.0)
    national_url, busan_url = await postgres_database("registrynational"), await postgres_database("registry26")
    log = tmp_path / "registry-26.log"
    stream = bus.stream_name("REGISTRY")
    busan_durable = HANDOVER_CONSUMER.durable_for("26").durable

    national = create_registry(registry_settings(nats_url, bus, national_url, NATIONAL))
    async with running(national, REGISTRY_MIGRATIONS):
        rpc = rpc_client(national.broker, bus, timeout=10)
        async with busan_process(nats_url, bus, busan_url, log) as busan:
            await eventually(lambda: answering(rpc, "26"), timeout=60, what="region 26's registry answering")
            busan.send_signal(signal.SIGKILL)
            await busan.wait()
        someone = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, person(5, "11"), actor=ANONYMOUS)
        await rpc.call(
            registry_rpc.MOVE_VOLUNTEER,
            registry_rpc.MoveVolunteer(volunteer_id=someone.id, region="26"),
            actor=volunteer(someone.id),
        )

        async def requested() -> bool:
            return await events_on(js, bus, bus.event_pattern("registry", "volunteer.handover_requested")) == 1

        await eventually(requested, what="the handover asked for on the bus")
    # Seoul's registry is stopped: Busan's takes the request and cannot finish it.

    async with busan_process(nats_url, bus, busan_url, log) as busan:

        async def attempted() -> bool:
            info = await js.consumer_info(stream, busan_durable)
            return bool(info.delivered.stream_seq > 0 and info.num_pending == 0 and info.ack_floor.stream_seq == 0)

        await eventually(attempted, timeout=60, what="region 26 holding the handover it cannot finish")
        await asyncio.sleep(1.0)
        busan.send_signal(signal.SIGKILL)
        await busan.wait()

    national = create_registry(registry_settings(nats_url, bus, national_url, NATIONAL))
    async with running(national, REGISTRY_MIGRATIONS):
        assert await status_of(national, someone.id) == "moving"
        async with busan_process(nats_url, bus, busan_url, log):
            rpc = rpc_client(national.broker, bus, timeout=10)

            async def finished() -> bool:
                return await status_of(national, someone.id) == "moved"

            await eventually(finished, timeout=60, what="the handover finished after the restart")
            found = await rpc.call(
                registry_rpc.GET_VOLUNTEER,
                registry_rpc.VolunteerRef(volunteer_id=someone.id),
                actor=volunteer(someone.id),
            )
            assert (found.id, found.region, found.name) == (someone.id, "26", "홍길동")
            assert await events_on(js, bus, bus.event_subject("26", "registry", "volunteer.moved")) == 1
            info = await js.consumer_info(stream, busan_durable)
            assert info.delivered.consumer_seq >= 2, "delivered again after the kill"
