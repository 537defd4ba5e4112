"""Registering volunteers and centres and recording consents, through the real database, on SQLite and PostgreSQL
(the races, `…_at_once`, matter on PostgreSQL, where transactions really run side by side)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import date
from importlib.resources import files
from typing import Any

import pytest
from sqlalchemy import select

from vms_contracts.events.registry import ConsentKind
from vms_contracts.ids import region_of
from vms_contracts.rpc.registry import (
    CentreRef,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    VolunteerRef,
    VolunteerView,
)
from vms_contracts.subjects import Bus
from vms_platform.db import Database, migrate
from vms_platform.outbox import Outbox
from vms_registry import domain
from vms_registry.db import consents, outbox
from vms_registry.handlers import RegistryHandlers


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[RegistryHandlers]:
    url = await new_database("registry")
    await asyncio.to_thread(migrate, url, str(files("vms_registry") / "migrations"))
    db = Database(url)
    yield RegistryHandlers(db, Outbox(outbox, bus=Bus(), source="/vms/registry/test"))
    await db.close()


def person(login_id: str = "hong_gildong", region: str = "26", **changes: Any) -> RegisterVolunteer:
    fields: dict[str, Any] = {
        "login_id": login_id,
        "name": "홍길동",
        "birth_date": date(2001, 4, 5),
        "phone": "010-1234-5678",
        "region": region,
    }
    return RegisterVolunteer.model_validate({**fields, **changes})


async def staged(registry: RegistryHandlers, event_type: str) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
            )
        ).all()
    return [json.loads(p)["data"] for p in payloads]


REGISTERED = "vms.registry.volunteer.registered.v2"


def consent(volunteer: VolunteerView, granted: bool) -> SetConsent:
    return SetConsent(volunteer_id=volunteer.id, consent=ConsentKind.PORTAL_1365, granted=granted)


async def test_a_volunteer_belongs_to_their_region(registry: RegistryHandlers) -> None:
    volunteer = await registry.register_volunteer(person(region="26"))
    assert region_of(volunteer.id) == "26", "the id names the region that owns the volunteer"
    assert (await registry.get_volunteer(VolunteerRef(volunteer_id=volunteer.id))).login_id == "hong_gildong"
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"))
    assert region_of(centre.id) == "26"
    assert (await registry.get_centre(CentreRef(centre_id=centre.id))).name == "해운대종합사회복지관"


async def test_a_registration_is_announced_without_the_persons_details(registry: RegistryHandlers) -> None:
    """Who the volunteer is stays in the registry; the event says who registered (an id) where and when."""
    volunteer = await registry.register_volunteer(person(region="26"))
    (event,) = await staged(registry, REGISTERED)
    assert event == {
        "volunteer_id": str(volunteer.id),
        "region": "26",
        "registered_at": volunteer.registered_at.isoformat().replace("+00:00", "Z"),
    }
    assert await staged(registry, "vms.registry.volunteer.registered.v1") == []
    # Asked for, the registry answers with them.
    found = await registry.get_volunteer(VolunteerRef(volunteer_id=volunteer.id))
    assert (found.name, found.birth_date, found.phone) == ("홍길동", date(2001, 4, 5), "010-1234-5678")


async def test_registering_twice_is_one_volunteer_and_a_taken_login_id_is_refused(registry: RegistryHandlers) -> None:
    first = await registry.register_volunteer(person())
    assert (await registry.register_volunteer(person())).id == first.id
    with pytest.raises(domain.LoginIdTaken):
        await registry.register_volunteer(person(name="김영희"))
    assert len(await staged(registry, REGISTERED)) == 1


async def test_a_consent_is_announced_only_when_it_changes(registry: RegistryHandlers) -> None:
    volunteer = await registry.register_volunteer(person())
    assert (await registry.set_consent(consent(volunteer, False))).changed_at is None, "never consented: no change"
    given = await registry.set_consent(consent(volunteer, True))
    again = await registry.set_consent(consent(volunteer, True))
    assert again.changed_at == given.changed_at
    withdrawn = await registry.set_consent(consent(volunteer, False))
    assert withdrawn.changed_at is not None and given.changed_at is not None
    assert withdrawn.changed_at > given.changed_at
    events = await staged(registry, "vms.registry.consent.changed.v1")
    assert [e["granted"] for e in events] == [True, False]
    assert (await registry.get_volunteer(VolunteerRef(volunteer_id=volunteer.id))).consents.portal1365 is False


# -- at once -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("before", [None, False], ids=["never-consented", "withdrawn"])
async def test_the_same_consent_given_ten_times_at_once_is_one_change(
    registry: RegistryHandlers, before: bool | None
) -> None:
    volunteer = await registry.register_volunteer(person())
    if before is not None:
        await registry.set_consent(consent(volunteer, True))
        await registry.set_consent(consent(volunteer, before))
    earlier = len(await staged(registry, "vms.registry.consent.changed.v1"))
    views = await asyncio.gather(*(registry.set_consent(consent(volunteer, True)) for _ in range(10)))
    assert len({v.changed_at for v in views}) == 1
    assert len(await staged(registry, "vms.registry.consent.changed.v1")) == earlier + 1


async def test_consents_changed_back_and_forth_at_once_end_as_their_last_event_says(
    registry: RegistryHandlers,
) -> None:
    """Whatever order they commit in, the events alternate (each one a real change), and the latest of them is
    the state the registry holds: linkage, which keeps the latest change, ends where the registry is."""
    volunteer = await registry.register_volunteer(person())
    await asyncio.gather(*(registry.set_consent(consent(volunteer, i % 2 == 0)) for i in range(12)))
    events = await staged(registry, "vms.registry.consent.changed.v1")
    granted = [e["granted"] for e in events]
    assert granted[0] is True
    assert all(a != b for a, b in itertools.pairwise(granted)), granted
    latest = max(events, key=lambda e: e["changed_at"])
    async with registry.db.transaction() as session:
        held = (await session.execute(select(consents.c.granted, consents.c.changed_at))).one()
    assert held.granted is latest["granted"]
    assert held.changed_at.isoformat().replace("+00:00", "Z") == latest["changed_at"].replace("+00:00", "Z")


async def test_one_volunteer_registering_many_times_at_once_is_one_volunteer(registry: RegistryHandlers) -> None:
    views = await asyncio.gather(*(registry.register_volunteer(person()) for _ in range(6)))
    assert len({v.id for v in views}) == 1
    assert len(await staged(registry, REGISTERED)) == 1
