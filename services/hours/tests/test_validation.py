"""An activity record hours cannot take at face value is refused with its fields named, and nothing is stored or
published. Sent as raw JSON over a real NATS server to the running registry and hours services, on SQLite and
PostgreSQL: before, times with offsets were converted and stored wrong (or ended in an internal error), an
activity of the year 1 was recorded, and unknown fields were dropped without a word."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from sqlalchemy import func, select

from vms_contracts.actor import ACTOR_HEADER, Actor, Role
from vms_contracts.rpc import REQUEST_ID_HEADER, STATUS_HEADER, Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import Bus
from vms_hours.app import create_app as create_hours
from vms_hours.db import activities, outbox
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.runtime import ServiceApp
from vms_platform.testing import CENTRAL_ADMIN, centre_manager, gateway_signer, running
from vms_registry.app import create_app as create_registry
from vms_registry.settings import RegistrySettings

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()


async def ask(
    app: ServiceApp, request: Rpc[Any, Any], body: dict[str, Any], region: str, actor: Actor
) -> tuple[bool, Any]:
    """Send `body` as a client would, as JSON text, on behalf of `actor` as the gateway signs it; (refused?, the
    reply)."""
    nc = await nats.connect(app.settings.nats_url)
    try:
        headers = {REQUEST_ID_HEADER: "t", ACTOR_HEADER: gateway_signer().token(actor)}
        reply = await nc.request(
            request.subject(app.bus, region), json.dumps(body).encode(), timeout=10, headers=headers
        )
    finally:
        await nc.close()
    return (reply.headers or {}).get(STATUS_HEADER) == "error", json.loads(reply.data)


@pytest.fixture
async def services(
    bus: Bus, nats_url: str, new_database: Any
) -> AsyncIterator[tuple[ServiceApp, dict[str, Any], Actor]]:
    """Hours, with the registry it asks about centres and volunteers; a valid record to spoil, and the manager of
    its centre, who sends it."""
    common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root}
    registry = create_registry(RegistrySettings(database_url=await new_database("registry"), **common))
    hours = create_hours(HoursSettings(database_url=await new_database("hours"), **common))
    async with (
        running(registry, str(files("vms_registry") / "migrations")),
        running(hours, str(files("vms_hours") / "migrations")),
    ):
        refused, centre = await ask(
            registry, registry_rpc.REGISTER_CENTRE, {"name": "행복복지관", "region": "26"}, "26", CENTRAL_ADMIN
        )
        assert not refused, centre
        person = {
            "login_id": "hong_gildong",
            "name": "홍길동",
            "birth_date": "2001-04-05",
            "phone": "010-1234-5678",
            "region": "11",
        }
        signing_up = Actor(id=str(uuid4()), role=Role.ANONYMOUS)
        refused, volunteer = await ask(registry, registry_rpc.REGISTER_VOLUNTEER, person, "11", signing_up)
        assert not refused, volunteer
        record = {
            "centre_id": centre["id"],
            "volunteer_id": volunteer["id"],
            "activity_date": YESTERDAY,
            "start_time": "10:00",
            "end_time": "13:30",
            "activity_type": "facility",
            "sub_field": "emotional",
            "description": "어르신 말벗",
        }
        yield hours, record, centre_manager(UUID(centre["id"]))


async def stored(hours: ServiceApp) -> tuple[int, int]:
    """Activity rows and outbox rows."""
    async with hours.db.transaction() as session:
        recorded = await session.scalar(select(func.count()).select_from(activities))
        staged = await session.scalar(select(func.count()).select_from(outbox))
    return int(recorded or 0), int(staged or 0)


def fields(reply: dict[str, Any]) -> dict[str, str]:
    assert reply["code"] == "INVALID_REQUEST", reply
    return {f["field"]: f["type"] for f in reply["fields"]}


SPOILED: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "offsets, once stored as 10:00–02:00, 60 min": (
        {"start_time": "10:00+09:00", "end_time": "02:00Z"},
        {"start_time": "time_offset", "end_time": "time_offset"},
    ),
    "a plain time and one with an offset, once an internal error": (
        {"end_time": "11:00+09:00"},
        {"end_time": "time_offset"},
    ),
    "the year 1 with a reason, once credited": (
        {"activity_date": "0001-01-01", "exception_reason": "옛 기록"},
        {"activity_date": "activity_date_range"},
    ),
    "an unknown field, once dropped": ({"minutes": 1500}, {"minutes": "extra_forbidden"}),
    "a number for a date": ({"activity_date": 20261120}, {"activity_date": "date_format"}),
    "a NUL in the description": ({"description": "말벗\x00"}, {"description": "text_control_character"}),
}


async def test_a_refused_record_stores_nothing(services: tuple[ServiceApp, dict[str, Any], Actor]) -> None:
    hours, record, manager = services
    for case, (changes, refused_fields) in SPOILED.items():
        refused, reply = await ask(hours, hours_rpc.RECORD_ACTIVITY, {**record, **changes}, "26", manager)
        assert refused, case
        assert fields(reply) == refused_fields, case
        assert await stored(hours) == (0, 0), case

    # The same record, as it should be written, is taken: the refusals were the fields', not the setup's.
    refused, view = await ask(hours, hours_rpc.RECORD_ACTIVITY, record, "26", manager)
    assert not refused, view
    assert (view["start_time"], view["end_time"], view["minutes"]) == ("10:00:00", "13:30:00", 210)
    assert await stored(hours) == (1, 1)


async def test_an_activity_under_a_minute_is_refused_by_its_rule(
    services: tuple[ServiceApp, dict[str, Any], Actor],
) -> None:
    """Once an internal event model's refusal (`(body)`, `greater_than`): now the rule of hours, with the times as
    they were sent."""
    hours, record, manager = services
    for start, end in [("09:59:59", "10:00:00"), ("10:00:01", "10:01:00")]:
        refused, reply = await ask(
            hours, hours_rpc.RECORD_ACTIVITY, {**record, "start_time": start, "end_time": end}, "26", manager
        )
        assert refused
        assert reply["code"] == "ACTIVITY_TOO_SHORT", reply
        assert reply["params"]["start_time"] == start and reply["params"]["end_time"] == end[:5]
        assert await stored(hours) == (0, 0)
