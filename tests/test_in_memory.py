"""The handlers of every service chained in memory with FastStream's TestNatsBroker: no NATS server, real
SQLite databases, the 1365 simulator in process. Quick to run; delivery itself is tested on a real server
(test_reliability, test_flow)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest
from faststream.nats import TestNatsBroker

from vms_contracts.errors import ErrorKind
from vms_contracts.events.registry import ConsentKind
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
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import ServiceApp
from vms_platform.testing import eventually, running
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
        yield {"rpc": apps["registry"].rpc, "portal": admin}


async def test_hours_flow_through_every_handler(system: dict[str, Any]) -> None:
    rpc: RpcClient = system["rpc"]
    centre = await rpc.call(registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="행복복지관", region="26"))
    volunteer = await rpc.call(
        registry_rpc.REGISTER_VOLUNTEER,
        registry_rpc.RegisterVolunteer(
            login_id="kim_younghee", name="김영희", birth_date=date(1999, 9, 9), phone="010-2222-3333", region="26"
        ),
    )
    await rpc.call(
        registry_rpc.SET_CONSENT,
        registry_rpc.SetConsent(volunteer_id=volunteer.id, consent=ConsentKind.PORTAL_1365, granted=True),
    )
    await system["portal"].post(
        "/members", json={"name": "김영희", "birthDate": "1999-09-09", "mobile": "01022223333", "consent": True}
    )
    activity = await rpc.call(
        hours_rpc.RECORD_ACTIVITY,
        hours_rpc.RecordActivity(
            centre_id=centre.id,
            volunteer_id=volunteer.id,
            activity_date=today_kst() - timedelta(days=2),
            start_time=time(10),
            end_time=time(13, 30),
            description="도시락 배달",
        ),
    )
    await rpc.call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity.id))

    async def total() -> int:
        view = await rpc.call(rewards_rpc.GET_TOTAL, rewards_rpc.TotalRequest(volunteer_id=volunteer.id))
        return view.confirmed_minutes

    assert await eventually(total) == 210

    async def sent() -> linkage_rpc.TransferList | None:
        view = await rpc.call(linkage_rpc.LIST_TRANSFERS, linkage_rpc.TransfersRequest(volunteer_id=volunteer.id))
        return view if view.items and view.items[0].status == "sent" else None

    transfers = await eventually(sent)
    assert transfers.items[0].portal_reference


async def test_refusals_travel_back_as_error_bodies(system: dict[str, Any]) -> None:
    rpc = system["rpc"]
    with pytest.raises(RemoteError) as missing:
        await rpc.call(
            hours_rpc.RECORD_ACTIVITY,
            hours_rpc.RecordActivity(
                centre_id="01a2172c-0000-7000-8000-000000000000",
                volunteer_id="01a2172c-0000-7000-8000-000000000001",
                activity_date=today_kst(),
                start_time=time(9),
                end_time=time(10),
                description="x",
            ),
        )
    assert missing.value.body.code == "CENTRE_NOT_FOUND"
    assert missing.value.body.kind is ErrorKind.NOT_FOUND


async def test_a_request_the_service_cannot_validate_is_refused_with_fields(system: dict[str, Any]) -> None:
    broker = system["rpc"].broker
    reply = await broker.request({"login_id": "x"}, registry_rpc.REGISTER_VOLUNTEER.subject(system["rpc"].bus))
    assert reply.headers["vms-status"] == "error"
    body = await reply.decode()
    assert body["code"] == "INVALID_REQUEST"
    assert {f["field"] for f in body["fields"]} >= {"login_id", "name", "birth_date", "phone", "region"}
