"""The whole system, as `make up` runs it (each service its own process), on real NATS, on SQLite and on
PostgreSQL (a fresh database per service): one behaviour of the brochure per test.

Starting the system takes seconds, so the tests of one backend share one running system; each test registers
volunteers and centres of its own and looks only at them (and at the events about them), so none depends on
another or on their order. The tests that disturb the system (a late service, a restart) leave it running.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import select

from conftest import need_postgres, whole_system_plan
from vms_contracts.events import (
    CentreRegisteredV1,
    ConsentChangedV1,
    HoursConfirmedV1,
    HoursRecordedV1,
    TransferSentV1,
    VolunteerRegisteredV2,
)
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import Plan, System
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.testing import eventually

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()
MORNING = ("10:00", "13:30", "어르신 말벗 및 식사 보조")
"""Start, end and description of 3 h 30 min of activity."""
NOBODY = "01a2172c-0000-7000-8000-000000000000"
"""A well-formed id that names no volunteer, centre or record."""


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


# -- one running system per backend --------------------------------------------------------------------------------


@dataclass
class Vms:
    """The running system the tests of one backend share."""

    plan: Plan
    bus: Bus
    nats_url: str
    system: System

    @property
    def api_url(self) -> str:
        return f"{self.system.gateway_url}/api/v1"

    async def restart(self) -> None:
        """Stop everything and start it again on the same data, as a second `make up` would."""
        await self.system.stop()
        self.system = System(self.plan, progress=_quiet)
        await self.system.start()

    def pid(self, service: str) -> int:
        return next(c.process.pid for c in self.system.children if c.name == service)

    async def messages(self, stream: str) -> list[bytes]:
        """Every message `stream` holds, as it was published."""
        nc = await nats.connect(self.nats_url)
        try:
            js = nc.jetstream()
            name = self.bus.stream_name(stream)
            state = (await js.stream_info(name)).state
            return [
                (await js.get_msg(name, sequence)).data or b""
                for sequence in range(max(state.first_seq, 1), state.last_seq + 1)
            ]
        finally:
            await nc.close()

    async def events(self, stream: str) -> list[dict[str, Any]]:
        """Every event `stream` holds."""
        return [json.loads(data or b"{}") for data in await self.messages(stream)]

    async def events_about(self, stream: str, ids: Iterable[str]) -> Counter[str]:
        """How many events of each type `stream` holds about these volunteers, centres or activities."""
        wanted = set(ids)
        found: Counter[str] = Counter()
        for event in await self.events(stream):
            data = event.get("data") or {}
            if wanted & {event.get("subject"), data.get("volunteer_id"), data.get("centre_id")}:
                found[event["type"]] += 1
        return found

    async def rows_holding(self, service: str, values: Iterable[str]) -> list[str]:
        """Where in `service`'s database any of `values` can be found: every table, every row, every column."""
        metadata = import_module(f"vms_{service}.db").metadata
        wanted = set(values)
        found: list[str] = []
        db = Database(self.plan.database_urls[service])
        try:
            async with db.transaction() as session:
                for table in metadata.sorted_tables:
                    for row in (await session.execute(select(table))).all():
                        cells = " ".join(v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in row)
                        found += [f"{service}.{table.name}: {value}" for value in wanted if value in cells]
        finally:
            await db.close()
        return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def vms(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    postgres_admin_url: str | None,
) -> AsyncIterator[Vms]:
    backend = str(request.param)
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
    data_dir = tmp_path_factory.mktemp(f"vms-{backend}")
    async with AsyncExitStack() as stack:
        plan, bus = await whole_system_plan(stack, data_dir, nats_url, admin)
        running = Vms(plan, bus, nats_url, System(plan, progress=_quiet))

        async def stop() -> None:
            await running.system.stop()

        stack.push_async_callback(stop)
        await running.system.start()
        yield running


@pytest.fixture
async def api(vms: Vms) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=vms.api_url, timeout=10) as client:
        yield client


@pytest.fixture
async def portal(vms: Vms) -> AsyncIterator[httpx.AsyncClient]:
    """The 1365 portal (its simulator), where a volunteer joins and consents on 1365's side."""
    async with httpx.AsyncClient(base_url=vms.system.sim_url, timeout=10) as client:
        yield client


# -- what the people in the brochure do ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    login_id: str
    name: str
    phone: str
    """As typed, digits only; VMS shows it as 010-1234-5678."""
    birth_date: str = "2001-04-05"
    region: str = "11"

    def registration(self) -> dict[str, str]:
        return {
            "login_id": self.login_id,
            "name": self.name,
            "birth_date": self.birth_date,
            "phone": self.phone,
            "region": self.region,
        }

    def member_1365(self) -> dict[str, Any]:
        return {"name": self.name, "birthDate": self.birth_date, "mobile": self.phone, "consent": True}


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def centre_named(name: str) -> dict[str, str]:
    return {"name": name, "region": "11", "phone": "02-1234-5678"}


def activity(volunteer_id: str, start: str, end: str, description: str) -> dict[str, str]:
    return {
        "volunteer_id": volunteer_id,
        "activity_date": YESTERDAY,
        "start_time": start,
        "end_time": end,
        "description": description,
    }


async def register_centre(api: httpx.AsyncClient, name: str) -> str:
    return str(ok(await api.post("/centres", json=centre_named(name)), 201)["id"])


async def register(api: httpx.AsyncClient, person: Person) -> str:
    return str(ok(await api.post("/volunteers", json=person.registration()), 201)["id"])


async def consent(api: httpx.AsyncClient, volunteer_id: str, *, granted: bool) -> dict[str, Any]:
    return ok(await api.put(f"/volunteers/{volunteer_id}/consents/portal1365", json={"granted": granted}))


async def linked_to_1365(api: httpx.AsyncClient, portal: httpx.AsyncClient, person: Person) -> str:
    """A volunteer who consented to 1365 linkage in VMS and on 1365 itself (the two consents)."""
    volunteer_id = await register(api, person)
    await consent(api, volunteer_id, granted=True)
    ok(await portal.post("/members", json=person.member_1365()), 201)
    return volunteer_id


async def record_and_confirm(api: httpx.AsyncClient, centre_id: str, body: dict[str, str]) -> str:
    recorded = ok(await api.post(f"/centres/{centre_id}/activities", json=body), 201)
    ok(await api.post(f"/activities/{recorded['id']}/confirm"))
    return str(recorded["id"])


async def total_reaches(api: httpx.AsyncClient, volunteer_id: str, minutes: int) -> dict[str, Any]:
    async def total() -> dict[str, Any] | None:
        body = ok(await api.get(f"/volunteers/{volunteer_id}/hours"))
        return body if body["confirmed_minutes"] == minutes else None

    return await eventually(total, what=f"rewards counting {minutes} minutes for {volunteer_id}")


async def transfers_become(api: httpx.AsyncClient, volunteer_id: str, statuses: list[str]) -> dict[str, Any]:
    async def transfers() -> dict[str, Any] | None:
        body = ok(await api.get(f"/volunteers/{volunteer_id}/transfers"))
        return body if [i["status"] for i in body["items"]] == statuses else None

    return await eventually(transfers, what=f"{volunteer_id}'s transfers becoming {statuses}")


# -- asked twice, done once ----------------------------------------------------------------------------------------


async def test_registering_a_centre_twice_gives_the_same_centre(api: httpx.AsyncClient) -> None:
    first = ok(await api.post("/centres", json=centre_named("행복종합사회복지관")), 201)
    again = ok(await api.post("/centres", json=centre_named("행복종합사회복지관")), 201)
    assert again["id"] == first["id"]


async def test_registering_twice_gives_the_same_volunteer(api: httpx.AsyncClient) -> None:
    hong = Person("hong_gildong", "홍길동", "01012345678")
    volunteer = ok(await api.post("/volunteers", json=hong.registration()), 201)
    assert volunteer["phone"] == "010-1234-5678"
    assert ok(await api.post("/volunteers", json=hong.registration()), 201)["id"] == volunteer["id"]


async def test_consenting_twice_keeps_the_first_change(api: httpx.AsyncClient) -> None:
    volunteer_id = await register(api, Person("kim_minsu", "김민수", "01023456789"))
    first = await consent(api, volunteer_id, granted=True)
    again = await consent(api, volunteer_id, granted=True)
    assert again["changed_at"] == first["changed_at"]


async def test_recording_twice_gives_the_same_activity(api: httpx.AsyncClient) -> None:
    centre_id = await register_centre(api, "푸른숲종합사회복지관")
    volunteer_id = await register(api, Person("lee_seoyeon", "이서연", "01034567890"))
    body = activity(volunteer_id, "10:00", "13:30", "어르신 말벗 및 식사 보조")
    recorded = ok(await api.post(f"/centres/{centre_id}/activities", json=body), 201)
    assert recorded["minutes"] == 210
    assert ok(await api.post(f"/centres/{centre_id}/activities", json=body), 201)["id"] == recorded["id"]


async def test_confirming_twice_keeps_the_first_confirmation(api: httpx.AsyncClient) -> None:
    centre_id = await register_centre(api, "한빛노인복지관")
    volunteer_id = await register(api, Person("park_jiho", "박지호", "01045678901"))
    recorded = ok(await api.post(f"/centres/{centre_id}/activities", json=activity(volunteer_id, *MORNING)), 201)
    confirmed = ok(await api.post(f"/activities/{recorded['id']}/confirm"))
    assert confirmed["status"] == "confirmed"
    assert ok(await api.post(f"/activities/{recorded['id']}/confirm"))["confirmed_at"] == confirmed["confirmed_at"]


async def test_each_event_goes_on_the_bus_once_however_often_it_was_asked_for(
    vms: Vms, api: httpx.AsyncClient, portal: httpx.AsyncClient
) -> None:
    choi = Person("choi_yuna", "최유나", "01056789012")
    centre = [ok(await api.post("/centres", json=centre_named("새솔종합사회복지관")), 201) for _ in range(2)]
    volunteer = [ok(await api.post("/volunteers", json=choi.registration()), 201) for _ in range(2)]
    centre_id, volunteer_id = centre[0]["id"], volunteer[0]["id"]
    for _ in range(2):
        await consent(api, volunteer_id, granted=True)
    ok(await portal.post("/members", json=choi.member_1365()), 201)
    body = activity(volunteer_id, *MORNING)
    recorded = [ok(await api.post(f"/centres/{centre_id}/activities", json=body), 201) for _ in range(2)]
    for _ in range(2):
        ok(await api.post(f"/activities/{recorded[0]['id']}/confirm"))
    await total_reaches(api, volunteer_id, 210)
    await transfers_become(api, volunteer_id, ["sent"])

    ours = (centre_id, volunteer_id)
    assert await vms.events_about("REGISTRY", ours) == {
        CentreRegisteredV1.event_type: 1,
        VolunteerRegisteredV2.event_type: 1,
        ConsentChangedV1.event_type: 1,
    }
    assert await vms.events_about("HOURS", ours) == {HoursRecordedV1.event_type: 1, HoursConfirmedV1.event_type: 1}
    linkage = await eventually(lambda: vms.events_about("LINKAGE", ours), what="transfer.sent on the bus")
    assert linkage == {TransferSentV1.event_type: 1}


# -- the volunteer's hours -------------------------------------------------------------------------------------------


async def test_confirmed_hours_reach_the_total_and_1365(api: httpx.AsyncClient, portal: httpx.AsyncClient) -> None:
    centre_id = await register_centre(api, "사랑나눔복지관")
    volunteer_id = await linked_to_1365(api, portal, Person("jung_haeun", "정하은", "01067890123"))
    activity_id = await record_and_confirm(api, centre_id, activity(volunteer_id, *MORNING))

    hours = await total_reaches(api, volunteer_id, 210)
    assert (hours["display"], hours["display_en"]) == ("3시간 30분", "3 h 30 min")

    (item,) = (await transfers_become(api, volunteer_id, ["sent"]))["items"]
    assert item["activity_id"] == activity_id
    assert item["status_label"] == "전송 완료"
    record = ok(await portal.get(f"/api/v1/records/VMS/{activity_id}"))
    assert (record["recordNo"], record["actMinutes"]) == (item["portal_reference"], 210)


async def test_who_a_volunteer_is_stays_with_the_registry(
    vms: Vms, api: httpx.AsyncClient, portal: httpx.AsyncClient
) -> None:
    """The registration goes on the bus as ids, region and time; linkage asks the registry for the name, birth date
    and phone when it sends, and 1365 files the record under the member who joined with them. No event and no
    other service's database holds them."""
    person = Person("oh_sumin", "오수민", "01013572468", birth_date="1999-12-31")
    centre_id = await register_centre(api, "온누리종합사회복지관")
    volunteer_id = await register(api, person)
    await consent(api, volunteer_id, granted=True)
    member = ok(await portal.post("/members", json=person.member_1365()), 201)["memberNo"]
    activity_id = await record_and_confirm(api, centre_id, activity(volunteer_id, *MORNING))

    await transfers_become(api, volunteer_id, ["sent"])
    assert ok(await portal.get(f"/api/v1/records/VMS/{activity_id}"))["memberNo"] == member

    (registered,) = [
        e for e in await vms.events("REGISTRY") if e["subject"] == volunteer_id and "volunteer.registered" in e["type"]
    ]
    assert registered["type"] == VolunteerRegisteredV2.event_type
    assert set(registered["data"]) == {"volunteer_id", "region", "registered_at"}
    details = (person.name, person.birth_date, person.phone, "010-1357-2468")
    for stream in ("REGISTRY", "HOURS", "LINKAGE", "DEADLETTER"):
        messages = [m.decode(errors="replace") for m in await vms.messages(stream)]
        assert not [d for d in details for m in messages if d in m], f"{stream} carries the person's details"
    for service in ("hours", "rewards", "linkage"):
        assert await vms.rows_holding(service, details) == []
    assert await vms.rows_holding("registry", details), "the registry is where they are kept"


async def test_withdrawn_consent_holds_transfers_until_given_again(
    api: httpx.AsyncClient, portal: httpx.AsyncClient
) -> None:
    centre_id = await register_centre(api, "다솜지역아동센터")
    volunteer_id = await linked_to_1365(api, portal, Person("kang_doyun", "강도윤", "01078901234"))
    await record_and_confirm(api, centre_id, activity(volunteer_id, *MORNING))
    await transfers_become(api, volunteer_id, ["sent"])

    await consent(api, volunteer_id, granted=False)
    await record_and_confirm(api, centre_id, activity(volunteer_id, "14:00", "15:00", "식사 배달"))
    await total_reaches(api, volunteer_id, 270)
    waiting = await transfers_become(api, volunteer_id, ["sent", "awaiting_consent"])
    assert waiting["consent_granted"] is False

    await consent(api, volunteer_id, granted=True)
    await transfers_become(api, volunteer_id, ["sent", "sent"])


# -- clear answers ---------------------------------------------------------------------------------------------------


async def test_bad_input_is_a_422_naming_the_fields(api: httpx.AsyncClient) -> None:
    person = Person("yoon_seojun", "윤서준", "01089012345").registration()
    invalid = await api.post("/volunteers", json={**person, "login_id": "x", "phone": "12"})
    assert invalid.status_code == 422
    assert {f["field"] for f in invalid.json()["error"]["fields"]} == {"login_id", "phone"}


async def test_unknown_ids_are_404s(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/volunteers/{NOBODY}/hours")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "VOLUNTEER_NOT_FOUND"

    volunteer_id = await register(api, Person("jang_minjun", "장민준", "01090123456"))
    unknown_centre = await api.post(f"/centres/{NOBODY}/activities", json=activity(volunteer_id, *MORNING))
    assert unknown_centre.status_code == 404
    assert unknown_centre.json()["error"]["code"] == "CENTRE_NOT_FOUND"


async def test_a_late_service_is_a_504_naming_it(vms: Vms, api: httpx.AsyncClient) -> None:
    volunteer_id = await register(api, Person("han_jiwoo", "한지우", "01001234567"))
    rewards = vms.pid("rewards")
    os.kill(rewards, signal.SIGSTOP)
    try:
        late = await api.get(f"/volunteers/{volunteer_id}/hours")
    finally:
        os.kill(rewards, signal.SIGCONT)
    assert late.status_code == 504
    region = (await api.get(f"/volunteers/{volunteer_id}")).json()["region"]
    assert late.json()["error"]["params"] == {"service": "rewards", "region": region}
    assert late.json()["error"]["message"] == "rewards 서비스가 제시간에 응답하지 않았습니다."
    # Once it answers again, so does the gateway.
    await total_reaches(api, volunteer_id, 0)


# -- operations ------------------------------------------------------------------------------------------------------


async def test_a_restart_continues_where_it_stopped(vms: Vms, api: httpx.AsyncClient) -> None:
    centre_id = await register_centre(api, "늘푸른노인종합복지관")
    volunteer_id = await register(api, Person("seo_yejin", "서예진", "01011112222"))
    await record_and_confirm(api, centre_id, activity(volunteer_id, *MORNING))
    await record_and_confirm(api, centre_id, activity(volunteer_id, "14:00", "15:00", "식사 배달"))
    await total_reaches(api, volunteer_id, 270)

    await vms.restart()

    async with httpx.AsyncClient(base_url=vms.api_url, timeout=10) as after:
        assert ok(await after.get(f"/volunteers/{volunteer_id}/hours"))["confirmed_minutes"] == 270
        await record_and_confirm(after, centre_id, activity(volunteer_id, "16:00", "17:00", "정리"))
        await total_reaches(after, volunteer_id, 330)
    # Nothing was published a second time on the way down or up.
    ours = (centre_id, volunteer_id)
    assert await vms.events_about("HOURS", ours) == {HoursRecordedV1.event_type: 3, HoursConfirmedV1.event_type: 3}
    assert await vms.events_about("REGISTRY", ours) == {
        CentreRegisteredV1.event_type: 1,
        VolunteerRegisteredV2.event_type: 1,
    }
