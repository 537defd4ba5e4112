"""The whole system, as `make up` runs it (each service its own process), on real NATS, on SQLite and on
PostgreSQL (a fresh database per service and for the gateway): one behaviour of the brochure per test, each step
taken by the person the brochure says takes it, signed in to the gateway — a volunteer signs up and consents, a
centre's manager records and confirms, a council or the central council reads.

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
from faststream.nats import NatsBroker
from sqlalchemy import select

from conftest import need_postgres, whole_system_plan
from tests.accounts import PASSWORD, DemoAccounts, People, new_login, ok
from vms_contracts.actor import Actor, Role
from vms_contracts.events import (
    CentreRegisteredV1,
    ConsentChangedV1,
    HoursConfirmedV1,
    HoursRecordedV1,
    TransferSentV1,
    VolunteerRegisteredV2,
)
from vms_contracts.ids import new_id
from vms_contracts.rpc.registry import REGISTER_VOLUNTEER, RegisterVolunteer
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import Plan, System, actor_keys
from vms_platform.actor import ActorSigner, private_key
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.rpc import RpcClient
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
async def people(vms: Vms) -> AsyncIterator[People]:
    """Whoever a test needs, signed in to the running system's gateway."""
    async with AsyncExitStack() as stack:
        yield People(stack, vms.system.gateway_url, DemoAccounts.of(vms.plan.data_dir))


@pytest.fixture
async def admin(people: People) -> httpx.AsyncClient:
    """The central council's admin: registers centres, reads everything, records nothing."""
    return await people.central_admin()


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


def centre_named(name: str) -> dict[str, str]:
    return {"name": name, "region": "11", "phone": "02-1234-5678"}


def activity(volunteer_id: str, start: str, end: str, description: str) -> dict[str, str]:
    return {
        "volunteer_id": volunteer_id,
        "activity_date": YESTERDAY,
        "start_time": start,
        "end_time": end,
        "activity_type": "facility",
        "sub_field": "emotional",
        "description": description,
    }


@dataclass
class Centre:
    """A management centre and its manager, signed in."""

    id: str
    manager: httpx.AsyncClient


@dataclass
class Volunteer:
    """A volunteer who signed up, signed in as themselves."""

    id: str
    me: httpx.AsyncClient


async def open_centre(people: People, name: str) -> Centre:
    """The central council registers a centre and gives it a manager."""
    admin = await people.central_admin()
    centre_id = str(ok(await admin.post("/centres", json=centre_named(name)), 201)["id"])
    return Centre(centre_id, await people.manager_of(centre_id))


async def sign_up(people: People, person: Person) -> Volunteer:
    return Volunteer(*await people.sign_up(person.registration()))


async def consent(volunteer: Volunteer, *, granted: bool) -> dict[str, Any]:
    return ok(await volunteer.me.put(f"/volunteers/{volunteer.id}/consents/portal1365", json={"granted": granted}))


async def linked_to_1365(people: People, portal: httpx.AsyncClient, person: Person) -> Volunteer:
    """A volunteer who consented to 1365 linkage in VMS and on 1365 itself (the two consents)."""
    volunteer = await sign_up(people, person)
    await consent(volunteer, granted=True)
    ok(await portal.post("/members", json=person.member_1365()), 201)
    return volunteer


async def record_and_confirm(centre: Centre, body: dict[str, str]) -> str:
    recorded = ok(await centre.manager.post(f"/centres/{centre.id}/activities", json=body), 201)
    ok(await centre.manager.post(f"/activities/{recorded['id']}/confirm"))
    return str(recorded["id"])


async def total_reaches(volunteer: Volunteer, minutes: int) -> dict[str, Any]:
    async def total() -> dict[str, Any] | None:
        body = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/hours"))
        return body if body["confirmed_minutes"] == minutes else None

    return await eventually(total, what=f"rewards counting {minutes} minutes for {volunteer.id}")


async def transfers_become(volunteer: Volunteer, statuses: list[str]) -> dict[str, Any]:
    async def transfers() -> dict[str, Any] | None:
        body = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/transfers"))
        return body if [i["status"] for i in body["items"]] == statuses else None

    return await eventually(transfers, what=f"{volunteer.id}'s transfers becoming {statuses}")


# -- asked twice, done once ----------------------------------------------------------------------------------------


async def test_registering_a_centre_twice_gives_the_same_centre(admin: httpx.AsyncClient) -> None:
    first = ok(await admin.post("/centres", json=centre_named("행복종합사회복지관")), 201)
    again = ok(await admin.post("/centres", json=centre_named("행복종합사회복지관")), 201)
    assert again["id"] == first["id"]


async def test_signing_up_registers_the_volunteer_and_opens_their_account(people: People) -> None:
    hong = Person("hong_gildong", "홍길동", "01012345678")
    anonymous = await people.anonymous()
    signed_up = ok(await anonymous.post("/volunteers", json={**hong.registration(), "password": PASSWORD}), 201)
    volunteer, account = signed_up["volunteer"], signed_up["account"]
    assert volunteer["phone"] == "010-1234-5678"
    assert (account["login"], account["role"], account["scope"]["volunteer_id"]) == (
        "hong_gildong",
        "volunteer",
        volunteer["id"],
    )
    me = await people.signed_in("hong_gildong")
    assert ok(await me.get(f"/volunteers/{volunteer['id']}"))["name"] == "홍길동"


async def test_signing_up_twice_is_refused_the_second_time(people: People) -> None:
    kim = Person("kim_jisoo", "김지수", "01098765432")
    first = await sign_up(people, kim)
    again = await (await people.anonymous()).post("/volunteers", json={**kim.registration(), "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "ACCOUNT_LOGIN_TAKEN"
    assert ok(await first.me.get(f"/volunteers/{first.id}"))["login_id"] == "kim_jisoo"


async def test_consenting_twice_keeps_the_first_change(people: People) -> None:
    volunteer = await sign_up(people, Person("kim_minsu", "김민수", "01023456789"))
    first = await consent(volunteer, granted=True)
    again = await consent(volunteer, granted=True)
    assert again["changed_at"] == first["changed_at"]


async def test_recording_twice_gives_the_same_activity(people: People) -> None:
    centre = await open_centre(people, "푸른숲종합사회복지관")
    volunteer = await sign_up(people, Person("lee_seoyeon", "이서연", "01034567890"))
    body = activity(volunteer.id, "10:00", "13:30", "어르신 말벗 및 식사 보조")
    recorded = ok(await centre.manager.post(f"/centres/{centre.id}/activities", json=body), 201)
    assert recorded["minutes"] == 210
    assert ok(await centre.manager.post(f"/centres/{centre.id}/activities", json=body), 201)["id"] == recorded["id"]


async def test_confirming_twice_keeps_the_first_confirmation(people: People) -> None:
    centre = await open_centre(people, "한빛노인복지관")
    volunteer = await sign_up(people, Person("park_jiho", "박지호", "01045678901"))
    recorded = ok(
        await centre.manager.post(f"/centres/{centre.id}/activities", json=activity(volunteer.id, *MORNING)), 201
    )
    confirmed = ok(await centre.manager.post(f"/activities/{recorded['id']}/confirm"))
    assert confirmed["status"] == "confirmed"
    again = ok(await centre.manager.post(f"/activities/{recorded['id']}/confirm"))
    assert again["confirmed_at"] == confirmed["confirmed_at"]


async def test_each_event_goes_on_the_bus_once_however_often_it_was_asked_for(
    vms: Vms, people: People, admin: httpx.AsyncClient, portal: httpx.AsyncClient
) -> None:
    choi = Person("choi_yuna", "최유나", "01056789012")
    centre_ids = [
        ok(await admin.post("/centres", json=centre_named("새솔종합사회복지관")), 201)["id"] for _ in range(2)
    ]
    assert centre_ids[0] == centre_ids[1]
    centre = Centre(centre_ids[0], await people.manager_of(centre_ids[0]))
    volunteer = await sign_up(people, choi)
    for _ in range(2):
        await consent(volunteer, granted=True)
    ok(await portal.post("/members", json=choi.member_1365()), 201)
    body = activity(volunteer.id, *MORNING)
    recorded = [ok(await centre.manager.post(f"/centres/{centre.id}/activities", json=body), 201) for _ in range(2)]
    for _ in range(2):
        ok(await centre.manager.post(f"/activities/{recorded[0]['id']}/confirm"))
    await total_reaches(volunteer, 210)
    await transfers_become(volunteer, ["sent"])

    ours = (centre.id, volunteer.id)
    assert await vms.events_about("REGISTRY", ours) == {
        CentreRegisteredV1.event_type: 1,
        VolunteerRegisteredV2.event_type: 1,
        ConsentChangedV1.event_type: 1,
    }
    assert await vms.events_about("HOURS", ours) == {HoursRecordedV1.event_type: 1, HoursConfirmedV1.event_type: 1}
    linkage = await eventually(lambda: vms.events_about("LINKAGE", ours), what="transfer.sent on the bus")
    assert linkage == {TransferSentV1.event_type: 1}


# -- the volunteer's hours -------------------------------------------------------------------------------------------


async def test_confirmed_hours_reach_the_total_and_1365(people: People, portal: httpx.AsyncClient) -> None:
    centre = await open_centre(people, "사랑나눔복지관")
    volunteer = await linked_to_1365(people, portal, Person("jung_haeun", "정하은", "01067890123"))
    activity_id = await record_and_confirm(centre, activity(volunteer.id, *MORNING))

    hours = await total_reaches(volunteer, 210)
    assert (hours["display"], hours["display_en"]) == ("3시간 30분", "3 h 30 min")

    (item,) = (await transfers_become(volunteer, ["sent"]))["items"]
    assert item["activity_id"] == activity_id
    assert item["status_label"] == "전송 완료"
    record = ok(await portal.get(f"/api/v1/records/VMS/{activity_id}"))
    assert (record["recordNo"], record["actMinutes"]) == (item["portal_reference"], 210)


async def test_who_a_volunteer_is_stays_with_the_registry(vms: Vms, people: People, portal: httpx.AsyncClient) -> None:
    """The registration goes on the bus as ids, region and time; linkage asks the registry for the name, birth date
    and phone when it sends, and 1365 files the record under the member who joined with them. No event and no
    other service's database holds them, nor the gateway's, which keeps the account only."""
    person = Person("oh_sumin", "오수민", "01013572468", birth_date="1999-12-31")
    centre = await open_centre(people, "온누리종합사회복지관")
    volunteer = await sign_up(people, person)
    await consent(volunteer, granted=True)
    member = ok(await portal.post("/members", json=person.member_1365()), 201)["memberNo"]
    activity_id = await record_and_confirm(centre, activity(volunteer.id, *MORNING))

    await transfers_become(volunteer, ["sent"])
    assert ok(await portal.get(f"/api/v1/records/VMS/{activity_id}"))["memberNo"] == member

    (registered,) = [
        e for e in await vms.events("REGISTRY") if e["subject"] == volunteer.id and "volunteer.registered" in e["type"]
    ]
    assert registered["type"] == VolunteerRegisteredV2.event_type
    assert set(registered["data"]) == {"volunteer_id", "region", "registered_at"}
    details = (person.name, person.birth_date, person.phone, "010-1357-2468")
    for stream in ("REGISTRY", "HOURS", "LINKAGE", "DEADLETTER"):
        messages = [m.decode(errors="replace") for m in await vms.messages(stream)]
        assert not [d for d in details for m in messages if d in m], f"{stream} carries the person's details"
    for service in ("hours", "rewards", "linkage", "gateway"):
        assert await vms.rows_holding(service, details) == []
    assert await vms.rows_holding("registry", details), "the registry is where they are kept"


async def test_withdrawn_consent_holds_transfers_until_given_again(people: People, portal: httpx.AsyncClient) -> None:
    centre = await open_centre(people, "다솜지역아동센터")
    volunteer = await linked_to_1365(people, portal, Person("kang_doyun", "강도윤", "01078901234"))
    await record_and_confirm(centre, activity(volunteer.id, *MORNING))
    await transfers_become(volunteer, ["sent"])

    await consent(volunteer, granted=False)
    await record_and_confirm(centre, activity(volunteer.id, "14:00", "15:00", "식사 배달"))
    await total_reaches(volunteer, 270)
    waiting = await transfers_become(volunteer, ["sent", "awaiting_consent"])
    assert waiting["consent_granted"] is False

    await consent(volunteer, granted=True)
    await transfers_become(volunteer, ["sent", "sent"])


# -- who may do what -------------------------------------------------------------------------------------------------


async def test_a_volunteer_sees_and_changes_only_themselves(people: People) -> None:
    me = await sign_up(people, Person("moon_chaewon", "문채원", "01024681357"))
    other = await sign_up(people, Person("bae_junho", "배준호", "01035792468"))
    for path in ("", "/hours", "/activities", "/transfers"):
        ok(await me.me.get(f"/volunteers/{me.id}{path}"))
        refused = await me.me.get(f"/volunteers/{other.id}{path}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE"), path
    refused = await me.me.put(f"/volunteers/{other.id}/consents/portal1365", json={"granted": True})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE")
    assert ok(await other.me.get(f"/volunteers/{other.id}"))["consents"]["portal1365"] is False


async def test_consent_is_given_by_the_volunteer_alone(people: People, admin: httpx.AsyncClient) -> None:
    volunteer = await sign_up(people, Person("yoo_hana", "유하나", "01046802468"))
    council = await people.council_of("11")
    for staff in (admin, council):
        refused = await staff.put(f"/volunteers/{volunteer.id}/consents/portal1365", json={"granted": True})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "NOT_PERMITTED")
    assert ok(await volunteer.me.get(f"/volunteers/{volunteer.id}"))["consents"]["portal1365"] is False


async def test_a_centre_manager_records_only_at_their_own_centres(people: People) -> None:
    ours = await open_centre(people, "새봄지역아동센터")
    theirs = await open_centre(people, "하늘지역아동센터")
    volunteer = await sign_up(people, Person("song_minji", "송민지", "01057913579"))
    body = activity(volunteer.id, *MORNING)
    refused = await ours.manager.post(f"/centres/{theirs.id}/activities", json=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE")
    recorded = ok(await theirs.manager.post(f"/centres/{theirs.id}/activities", json=body), 201)
    refused = await ours.manager.post(f"/activities/{recorded['id']}/confirm")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE")
    listed = ok(await theirs.manager.get(f"/centres/{theirs.id}/activities"))
    assert [item["id"] for item in listed["items"]] == [recorded["id"]]
    assert (await ours.manager.get(f"/centres/{theirs.id}/activities")).status_code == 403


async def test_a_council_reads_its_own_region_only(people: People) -> None:
    seoul = await people.council_of("11")
    busan = await people.council_of("26")
    volunteer = await sign_up(people, Person("jeon_woojin", "전우진", "01068024680"))
    ok(await seoul.get(f"/volunteers/{volunteer.id}"))
    refused = await busan.get(f"/volunteers/{volunteer.id}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE")
    assert ok(await seoul.get("/regions/11/centres"))["total"] >= 1
    records = ok(await seoul.get("/regions/11/access-records", params={"volunteer_id": volunteer.id}))
    assert records["items"], "reading a volunteer's personal data is recorded"
    assert (await busan.get("/regions/11/access-records")).status_code == 403


async def test_an_integrator_reads_no_ones_personal_data(people: People) -> None:
    integrator = await people.demo_account("integrator")
    volunteer = await sign_up(people, Person("ahn_seoyun", "안서윤", "01079135791"))
    refused = await integrator.get(f"/volunteers/{volunteer.id}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "NOT_PERMITTED")
    assert (await integrator.post("/centres", json=centre_named("x"))).status_code == 403


async def test_no_one_signed_in_may_only_sign_up(people: People, admin: httpx.AsyncClient) -> None:
    anonymous = await people.anonymous()
    volunteer = await sign_up(people, Person("ryu_jimin", "류지민", "01080246802"))
    for method, path in (("GET", f"/volunteers/{volunteer.id}"), ("POST", "/centres"), ("GET", "/me")):
        refused = await anonymous.request(method, path, json=centre_named("x") if method == "POST" else None)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "SIGN_IN_REQUIRED"), path
        assert refused.headers["www-authenticate"].startswith("Bearer")
    refused = await admin.post("/volunteers", json={**Person("x_signup", "엑스", "01011110000").registration()})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "NOT_PERMITTED")


async def test_a_council_admin_makes_managers_for_its_own_regions_centres_only(
    people: People, admin: httpx.AsyncClient
) -> None:
    seoul = await people.council_of("11")
    ours = ok(await seoul.post("/centres", json=centre_named("마포구립노인복지관")), 201)["id"]
    refused = await seoul.post("/centres", json={**centre_named("해운대구립노인복지관"), "region": "26"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "OUT_OF_SCOPE")
    theirs = ok(await admin.post("/centres", json={**centre_named("해운대구립노인복지관"), "region": "26"}), 201)["id"]

    def manager(*centres: str) -> dict[str, Any]:
        return {"login": new_login("cm"), "password": PASSWORD, "role": "centre_manager", "centres": list(centres)}

    made = ok(await seoul.post("/accounts", json=manager(ours)), 201)
    assert (made["centres"], made["region"]) == ([ours], "11")
    outside = await seoul.post("/accounts", json=manager(ours, theirs))
    assert (outside.status_code, outside.json()["error"]["code"]) == (403, "CENTRE_OUTSIDE_REGION")
    missing = await seoul.post("/accounts", json=manager(NOBODY))
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "CENTRE_NOT_FOUND")
    listed = ok(await seoul.get("/accounts", params={"role": "centre_manager"}))["items"]
    assert made["login"] in [account["login"] for account in listed]
    ok(await seoul.post(f"/accounts/{made['id']}/disable"))


async def test_a_sign_up_that_stopped_after_the_registry_answered_succeeds_when_sent_again(
    vms: Vms, people: People
) -> None:
    """The registry registered the volunteer, then the gateway stopped before it kept the account: the visitor sends
    the form again, and gets their account for the volunteer the registry has."""
    person = Person("nam_gyuri", "남규리", "01091357913")
    keys, _made = actor_keys(vms.plan.data_dir)
    signer = ActorSigner("gateway", private_key(keys["VMS_GATEWAY_ACTOR_KEY"]))
    broker = NatsBroker(vms.nats_url)
    await broker.connect()
    try:
        first_try = Actor(id=str(new_id()), role=Role.ANONYMOUS)
        rpc = RpcClient(broker, vms.bus, signer=signer, actor=first_try)
        registered = await rpc.call(REGISTER_VOLUNTEER, RegisterVolunteer.model_validate(person.registration()))
    finally:
        await broker.stop()
    volunteer = await sign_up(people, person)
    assert volunteer.id == str(registered.id)
    assert ok(await volunteer.me.get(f"/volunteers/{volunteer.id}"))["login_id"] == "nam_gyuri"


# -- clear answers ---------------------------------------------------------------------------------------------------


async def test_bad_input_is_a_422_naming_the_fields(people: People) -> None:
    person = Person("yoon_seojun", "윤서준", "01089012345").registration()
    anonymous = await people.anonymous()
    invalid = await anonymous.post("/volunteers", json={**person, "login_id": "x", "phone": "12", "password": PASSWORD})
    assert invalid.status_code == 422
    assert {f["field"] for f in invalid.json()["error"]["fields"]} == {"login_id", "phone"}
    short = await anonymous.post("/volunteers", json={**person, "password": "short"})
    assert short.status_code == 422
    assert [(f["field"], f["type"]) for f in short.json()["error"]["fields"]] == [("password", "password_rule")]


async def test_unknown_ids_are_404s(admin: httpx.AsyncClient) -> None:
    for path, code in (
        (f"/volunteers/{NOBODY}", "VOLUNTEER_NOT_FOUND"),
        (f"/centres/{NOBODY}", "CENTRE_NOT_FOUND"),
        (f"/activities/{NOBODY}", "ACTIVITY_NOT_FOUND"),
    ):
        missing = await admin.get(path)
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, code), path


async def test_a_late_service_is_a_504_naming_it(vms: Vms, people: People) -> None:
    volunteer = await sign_up(people, Person("han_jiwoo", "한지우", "01001234567"))
    rewards = vms.pid("rewards")
    os.kill(rewards, signal.SIGSTOP)
    try:
        late = await volunteer.me.get(f"/volunteers/{volunteer.id}/hours")
    finally:
        os.kill(rewards, signal.SIGCONT)
    assert late.status_code == 504
    region = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}"))["region"]
    assert late.json()["error"]["params"] == {"service": "rewards", "region": region}
    assert late.json()["error"]["message"] == "rewards 서비스가 제시간에 응답하지 않았습니다."
    # Once it answers again, so does the gateway.
    await total_reaches(volunteer, 0)


# -- operations ------------------------------------------------------------------------------------------------------


async def test_a_restart_continues_where_it_stopped(vms: Vms, people: People) -> None:
    centre = await open_centre(people, "늘푸른노인종합복지관")
    volunteer = await sign_up(people, Person("seo_yejin", "서예진", "01011112222"))
    await record_and_confirm(centre, activity(volunteer.id, *MORNING))
    await record_and_confirm(centre, activity(volunteer.id, "14:00", "15:00", "식사 배달"))
    await total_reaches(volunteer, 270)

    await vms.restart()

    # The accounts and their tokens outlive the restart; the demo accounts are not made again.
    assert ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/hours"))["confirmed_minutes"] == 270
    assert "nothing changed" in " ".join(vms.system.demo_accounts)
    await record_and_confirm(centre, activity(volunteer.id, "16:00", "17:00", "정리"))
    await total_reaches(volunteer, 330)
    # Nothing was published a second time on the way down or up.
    ours = (centre.id, volunteer.id)
    assert await vms.events_about("HOURS", ours) == {HoursRecordedV1.event_type: 3, HoursConfirmedV1.event_type: 3}
    assert await vms.events_about("REGISTRY", ours) == {
        CentreRegisteredV1.event_type: 1,
        VolunteerRegisteredV2.event_type: 1,
    }
