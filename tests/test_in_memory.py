"""The handlers of every service chained in memory with FastStream's TestNatsBroker: no NATS server, real
SQLite databases, the 1365 simulator in process. Events take the consumers' production path (`EventConsumer.run`:
batches from a feed, one transaction each, acknowledged after commit), fed by the test broker instead of a pull
consumer. Quick to run; delivery itself is tested on a real server (test_reliability, test_flow, test_pull)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from faststream.nats import TestNatsBroker
from nats.aio.msg import Msg

from vms_contracts.actor import ACTOR_HEADER
from vms_contracts.errors import ErrorKind
from vms_contracts.events.registry import ConsentKind
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_hours.app import create_app as create_hours
from vms_hours.settings import HoursSettings
from vms_linkage.app import create_app as create_linkage
from vms_linkage.portal import Portal1365Client
from vms_linkage.settings import LinkageSettings
from vms_platform.clock import today_kst
from vms_platform.consumer import EventConsumer
from vms_platform.pull import MemoryFeed
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp
from vms_platform.testing import (
    ANONYMOUS,
    CENTRAL_ADMIN,
    centre_manager,
    eventually,
    gateway_signer,
    rpc_client,
    running,
)
from vms_platform.testing import volunteer as as_volunteer
from vms_registry.app import create_app as create_registry
from vms_registry.settings import RegistrySettings
from vms_rewards.app import create_app as create_rewards
from vms_rewards.settings import RewardsSettings
from vms_simulators.portal1365.app import create_app as create_portal


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    sim = create_portal(f"sqlite:///{tmp_path / 'sim1365.db'}")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sim.router.lifespan_context(sim))
        transport = httpx.ASGITransport(app=sim)
        portal = Portal1365Client("http://sim1365", timeout=5, transport=transport)
        common: dict[str, Any] = {"bus_root": "mem", "relay_poll_interval": 0.05}
        apps: dict[str, ServiceApp] = {
            "registry": create_registry(RegistrySettings(database_url=f"sqlite:///{tmp_path}/r.db", **common)),
            "hours": create_hours(HoursSettings(database_url=f"sqlite:///{tmp_path}/h.db", **common)),
            "rewards": create_rewards(RewardsSettings(database_url=f"sqlite:///{tmp_path}/w.db", **common)),
            "linkage": create_linkage(
                LinkageSettings(database_url=f"sqlite:///{tmp_path}/l.db", **common), portal=portal
            ),
        }
        for app in apps.values():
            app.include_routers(in_memory=True)
        await stack.enter_async_context(TestNatsBroker(*(app.broker for app in apps.values())))
        for name, app in apps.items():
            await stack.enter_async_context(running(app, str(files(f"vms_{name}") / "migrations")))
        admin = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://sim1365"))
        # Asked as the people the brochure names, each request signed as the gateway signs it.
        rpc = rpc_client(apps["registry"].broker, apps["registry"].bus, CENTRAL_ADMIN)
        yield {"rpc": rpc, "portal": admin, "apps": apps}


async def confirm_an_activity(system: dict[str, Any]) -> UUID:
    """A consenting volunteer, known to 1365, with 3½ hours recorded and confirmed; returns the volunteer's id."""
    rpc: RpcClient = system["rpc"]
    centre = await rpc.call(registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="행복복지관", region="26"))
    volunteer = await rpc.call(
        registry_rpc.REGISTER_VOLUNTEER,
        registry_rpc.RegisterVolunteer(
            login_id="kim_younghee", name="김영희", birth_date=date(1999, 9, 9), phone="010-2222-3333", region="26"
        ),
        actor=ANONYMOUS,
    )
    await rpc.call(
        registry_rpc.SET_CONSENT,
        registry_rpc.SetConsent(volunteer_id=volunteer.id, consent=ConsentKind.PORTAL_1365, granted=True),
        actor=as_volunteer(volunteer.id),
    )
    await system["portal"].post(
        "/members", json={"name": "김영희", "birthDate": "1999-09-09", "mobile": "01022223333", "consent": True}
    )
    manager = centre_manager(centre.id)
    activity = await rpc.call(
        hours_rpc.RECORD_ACTIVITY,
        hours_rpc.RecordActivity(
            centre_id=centre.id,
            volunteer_id=volunteer.id,
            activity_date=today_kst() - timedelta(days=2),
            start_time=time(10),
            end_time=time(13, 30),
            activity_type=ActivityType.FACILITY,
            sub_field="emotional",
            description="도시락 배달",
        ),
        actor=manager,
    )
    await rpc.call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity.id), actor=manager)
    return volunteer.id


async def total_of(rpc: RpcClient, volunteer_id: UUID) -> int:
    view = await rpc.call(rewards_rpc.GET_TOTAL, rewards_rpc.TotalRequest(volunteer_id=volunteer_id))
    return view.confirmed_minutes


async def test_hours_flow_through_every_handler(system: dict[str, Any]) -> None:
    rpc: RpcClient = system["rpc"]
    volunteer_id = await confirm_an_activity(system)

    assert await eventually(lambda: total_of(rpc, volunteer_id)) == 210

    async def sent() -> linkage_rpc.TransferList | None:
        view = await rpc.call(linkage_rpc.LIST_TRANSFERS, linkage_rpc.TransfersRequest(volunteer_id=volunteer_id))
        return view if view.items and view.items[0].status == "sent" else None

    transfers = await eventually(sent)
    assert transfers.items[0].portal_reference


@dataclass
class Batches:
    handed_out: list[int] = field(default_factory=list)
    """Sizes of the batches the consumers' in-memory feeds handed out."""
    handled: list[int] = field(default_factory=list)
    """Sizes of the batches `EventConsumer.handle` was given."""


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    """Records batches from before the services start (request it before `system`)."""
    seen = Batches()
    real_next_batch, real_handle = MemoryFeed.next_batch, EventConsumer.handle

    async def next_batch(self: MemoryFeed, max_size: int, timeout: float) -> list[Msg]:
        batch = await real_next_batch(self, max_size, timeout)
        if batch:
            seen.handed_out.append(len(batch))
        return batch

    async def handle(self: EventConsumer, messages: Sequence[Msg]) -> None:
        seen.handled.append(len(messages))
        await real_handle(self, messages)

    monkeypatch.setattr(MemoryFeed, "next_batch", next_batch)
    monkeypatch.setattr(EventConsumer, "handle", handle)
    return seen


async def test_events_reach_the_handlers_through_the_consumer_loop(batches: Batches, system: dict[str, Any]) -> None:
    """In memory as on a server: every event is taken from the consumer's feed in a batch by `EventConsumer.run`
    and handed to `handle` there (one transaction, then the acks), not handled by the test broker's subscriber."""
    consumers = [consumer for app in system["apps"].values() for consumer in app.consumers]

    async def loops_running() -> bool:
        return all(consumer.running for consumer in consumers)

    await eventually(loops_running, timeout=2.0, what="every consumer's loop running in memory")
    volunteer_id = await confirm_an_activity(system)

    assert await eventually(lambda: total_of(system["rpc"], volunteer_id)) == 210
    assert batches.handled, "no event reached a consumer"
    assert batches.handled == batches.handed_out, "every batch handled came from a consumer's feed"
    assert all(consumer.problem is None for consumer in consumers)


async def test_refusals_travel_back_as_error_bodies(system: dict[str, Any]) -> None:
    rpc = system["rpc"]
    nowhere = UUID("01a2172c-0000-7000-8000-000000000000")
    with pytest.raises(RemoteError) as missing:
        await rpc.call(
            hours_rpc.RECORD_ACTIVITY,
            hours_rpc.RecordActivity(
                centre_id=nowhere,
                volunteer_id="01a2172c-0000-7000-8000-000000000001",
                activity_date=today_kst() - timedelta(days=1),
                start_time=time(9),
                end_time=time(10),
                activity_type=ActivityType.FACILITY,
                sub_field="emotional",
                description="x",
            ),
            actor=centre_manager(nowhere),
        )
    assert missing.value.body.code == "CENTRE_NOT_FOUND"
    assert missing.value.body.kind is ErrorKind.NOT_FOUND


async def test_a_request_the_service_cannot_validate_is_refused_with_fields(system: dict[str, Any]) -> None:
    broker = system["rpc"].broker
    signed = {ACTOR_HEADER: gateway_signer().token(ANONYMOUS)}
    reply = await broker.request(
        {"login_id": "x"}, registry_rpc.REGISTER_VOLUNTEER.subject(system["rpc"].bus), headers=signed
    )
    assert reply.headers["vms-status"] == "error"
    body = await reply.decode()
    assert body["code"] == "INVALID_REQUEST"
    assert {f["field"] for f in body["fields"]} >= {"login_id", "name", "birth_date", "phone", "region"}
