"""Who is asking, over the bus as the gateway and the other services ask: every event names the account whose
request caused it (never a name), and every read of a volunteer's personal data is recorded with the request that
made it. A real NATS server and the running registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import time, timedelta
from importlib.resources import files
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from vms_contracts.actor import Actor, Role
from vms_contracts.events.registry import ConsentKind
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import registry as rpc
from vms_contracts.subjects import Bus
from vms_platform.clock import today_kst
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp
from vms_platform.testing import centre_manager, council_admin, eventually, rpc_client, running, volunteer
from vms_registry.app import create_app
from vms_registry.db import outbox, personal_data_reads
from vms_registry.settings import RegistrySettings

HONG = rpc.RegisterVolunteer(
    login_id="hong_gildong", name="홍길동", birth_date="2001-04-05", phone="010-1234-5678", region="26"
)


@pytest.fixture
async def registry(bus: Bus, nats_url: str, new_database: Any) -> AsyncIterator[ServiceApp]:
    settings = RegistrySettings(nats_url=nats_url, database_url=await new_database("registry"), bus_root=bus.root)
    async with running(create_app(settings), str(files("vms_registry") / "migrations")) as app:
        yield app


def client(app: ServiceApp, actor: Actor) -> RpcClient:
    return rpc_client(app.broker, app.bus, actor)


async def envelopes(app: ServiceApp, event_type: str) -> list[dict[str, Any]]:
    async with app.db.transaction() as session:
        payloads = (await session.scalars(select(outbox.c.payload).where(outbox.c.type == event_type))).all()
    return [json.loads(p) for p in payloads]


async def test_an_event_names_the_account_whose_request_caused_it(registry: ServiceApp) -> None:
    account = str(uuid4())
    hong = await client(registry, Actor(id=account, role=Role.ANONYMOUS)).call(rpc.REGISTER_VOLUNTEER, HONG)
    (registered,) = await envelopes(registry, "vms.registry.volunteer.registered.v2")
    assert registered["actorid"] == account

    me = volunteer(hong.id)
    await client(registry, me).call(
        rpc.SET_CONSENT, rpc.SetConsent(volunteer_id=hong.id, consent=ConsentKind.PORTAL_1365, granted=True)
    )
    (consented,) = await envelopes(registry, "vms.registry.consent.changed.v1")
    assert consented["actorid"] == me.id
    assert "홍길동" not in json.dumps(consented) and "010-1234-5678" not in json.dumps(consented)

    busan = council_admin("26")
    centre_request = rpc.RegisterCentre(name="해운대종합사회복지관", region="26")
    await client(registry, busan).call(rpc.REGISTER_CENTRE, centre_request)
    (centre,) = await envelopes(registry, "vms.registry.centre.registered.v1")
    assert centre["actorid"] == busan.id


async def test_a_read_over_the_bus_is_recorded_with_its_request_id(registry: ServiceApp) -> None:
    hong = await client(registry, Actor(id=str(uuid4()), role=Role.ANONYMOUS)).call(rpc.REGISTER_VOLUNTEER, HONG)
    busan = council_admin("26")
    await client(registry, busan).call(
        rpc.GET_VOLUNTEER, rpc.VolunteerRef(volunteer_id=hong.id), request_id="req-council-1"
    )
    with pytest.raises(RemoteError) as refused:
        await client(registry, council_admin("11")).call(
            rpc.GET_VOLUNTEER, rpc.VolunteerRef(volunteer_id=hong.id), request_id="req-seoul-1"
        )
    assert refused.value.body.code == "OUT_OF_SCOPE"
    records = await client(registry, busan).call(rpc.LIST_ACCESS_RECORDS, rpc.AccessRecordsRequest(region="26"))
    assert [(r.actor, r.actor_role, r.volunteer_id, r.request_id) for r in records.items] == [
        (busan.id, "council_admin", hong.id, "req-council-1")
    ]
    async with registry.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(personal_data_reads)) == 1


async def test_a_volunteers_own_changes_name_their_account_and_a_withdrawal_ends_every_read(
    registry: ServiceApp,
) -> None:
    hong = await client(registry, Actor(id=str(uuid4()), role=Role.ANONYMOUS)).call(rpc.REGISTER_VOLUNTEER, HONG)
    me = volunteer(hong.id)
    await client(registry, me).call(
        rpc.UPDATE_VOLUNTEER, rpc.UpdateVolunteer(volunteer_id=hong.id, phone=hong.phone, talents=["피아노"])
    )
    (updated,) = await envelopes(registry, "vms.registry.volunteer.updated.v1")
    assert (updated["actorid"], updated["data"]["changed"]) == (me.id, ["talents"])

    withdrawn = await client(registry, me).call(rpc.WITHDRAW_VOLUNTEER, rpc.WithdrawVolunteer(volunteer_id=hong.id))
    (event,) = await envelopes(registry, "vms.registry.volunteer.withdrawn.v1")
    assert (event["actorid"], event["subject"]) == (me.id, str(hong.id))
    assert withdrawn.volunteer_id == hong.id

    for reader in (Actor.service("linkage"), council_admin("26"), me):
        with pytest.raises(RemoteError) as refused:
            await client(registry, reader).call(rpc.GET_VOLUNTEER, rpc.VolunteerRef(volunteer_id=hong.id))
        assert (refused.value.body.code, refused.value.body.kind) == ("VOLUNTEER_WITHDRAWN", "not_found")
    async with registry.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(personal_data_reads)) == 0


async def test_a_posting_is_announced_by_the_registry_s_own_consumer_once(registry: ServiceApp) -> None:
    """Posting answers the centre at once; the volunteers whose wishes it meets are announced when the registry's
    consumer of `recruitment.posted` takes the event (over the real bus), once, caused by the posting."""
    wish = rpc.DesiredActivity(activity_type=ActivityType.HOME, sub_field="emotional")
    hong = await client(registry, Actor(id=str(uuid4()), role=Role.ANONYMOUS)).call(
        rpc.REGISTER_VOLUNTEER, HONG.model_copy(update={"desired_activities": [wish]})
    )
    busan = council_admin("26")
    made = await client(registry, busan).call(
        rpc.REGISTER_CENTRE, rpc.RegisterCentre(name="해운대종합사회복지관", region="26")
    )
    await client(registry, busan).call(rpc.ACCREDIT_CENTRE, rpc.CentreStatusChange(centre_id=made.id))
    start = today_kst() + timedelta(days=7)
    posted = await client(registry, centre_manager(made.id)).call(
        rpc.POST_RECRUITMENT,
        rpc.PostRecruitment(
            centre_id=made.id,
            title="어르신 말벗 봉사자 모집",
            activity_type=ActivityType.HOME,
            sub_field="emotional",
            place="어르신 댁",
            start_date=start,
            end_date=start + timedelta(days=30),
            weekdays=[rpc.Weekday.SAT],
            start_time=time(10),
            end_time=time(12),
            capacity=5,
            eligibility=[rpc.Eligibility.ADULT],
            orientation_required=False,
        ),
    )
    (posting,) = await envelopes(registry, "vms.registry.recruitment.posted.v1")

    async def announced() -> list[dict[str, Any]]:
        return await envelopes(registry, "vms.registry.recruitment.matched.v1")

    (matched,) = await eventually(announced, what="the posting announced to 홍길동")
    assert (matched["data"]["recruitment_id"], matched["data"]["volunteer_id"]) == (str(posted.id), str(hong.id))
    assert matched["causationid"] == posting["id"]
    assert matched["actorid"] == posting["actorid"], "on behalf of the centre's account that posted it"
    await asyncio.sleep(1)  # another batch of the consumer announces nothing again
    assert len(await announced()) == 1
