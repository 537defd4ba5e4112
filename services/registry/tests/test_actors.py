"""Who is asking, over the bus as the gateway and the other services ask: every event names the account whose
request caused it (never a name), and every read of a volunteer's personal data is recorded with the request that
made it. A real NATS server and the running registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from vms_contracts.actor import Actor, Role
from vms_contracts.events.registry import ConsentKind
from vms_contracts.rpc import registry as rpc
from vms_contracts.subjects import Bus
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp
from vms_platform.testing import council_admin, rpc_client, running, volunteer
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
