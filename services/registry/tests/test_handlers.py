"""Registering volunteers and centres and recording consents, through the real database, on SQLite and PostgreSQL
(the races, `…_at_once`, matter on PostgreSQL, where transactions really run side by side); who may read and change
what, who did, and who read whose personal data."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Table, func, insert, select

from vms_contracts.actor import Actor, Role
from vms_contracts.events.registry import ConsentKind
from vms_contracts.ids import region_of
from vms_contracts.reference import ACTIVITY_TYPE_LABELS, COUNCILS, SUB_FIELDS, TEAM_FIELD_LABELS
from vms_contracts.reference import districts as reference_districts
from vms_contracts.rpc.registry import (
    AccessRecordsRequest,
    CentreKind,
    CentreRef,
    CentreStatus,
    CentreStatusChange,
    ListCentres,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    VolunteerRef,
    VolunteerView,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.db import Database
from vms_platform.outbox import Outbox
from vms_platform.testing import CENTRAL_ADMIN, centre_manager, council_admin, migrated, volunteer
from vms_registry import domain
from vms_registry.db import (
    activity_sub_fields,
    activity_types,
    centres,
    consents,
    councils,
    districts,
    outbox,
    personal_data_reads,
    team_fields,
    volunteers,
)
from vms_registry.handlers import RegistryHandlers


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[RegistryHandlers]:
    url = await new_database("registry")
    await migrated(url, str(files("vms_registry") / "migrations"))
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
CENTRE_REGISTERED = "vms.registry.centre.registered.v1"
CENTRE_ACCREDITED = "vms.registry.centre.accredited.v1"
CENTRE_SUSPENDED = "vms.registry.centre.suspended.v1"


def _wire(moment: datetime | None) -> str:
    """A time as events carry it."""
    assert moment is not None
    return moment.isoformat().replace("+00:00", "Z")


def signing_up(account: UUID | None = None) -> Actor:
    """Who registers a volunteer: nobody signed in yet, named by the account the gateway is making."""
    return Actor(id=str(account or uuid4()), role=Role.ANONYMOUS)


async def sign_up(registry: RegistryHandlers, request: RegisterVolunteer | None = None) -> VolunteerView:
    return await registry.register_volunteer(request or person(), signing_up())


def consent(volunteer: VolunteerView, granted: bool) -> SetConsent:
    return SetConsent(volunteer_id=volunteer.id, consent=ConsentKind.PORTAL_1365, granted=granted)


def themselves(someone: VolunteerView) -> Actor:
    return volunteer(someone.id)


async def read(registry: RegistryHandlers, someone: UUID, actor: Actor = CENTRAL_ADMIN) -> VolunteerView:
    return await registry.get_volunteer(VolunteerRef(volunteer_id=someone), actor)


async def count(registry: RegistryHandlers, table: Table) -> int:
    async with registry.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def everything(registry: RegistryHandlers) -> dict[str, int]:
    """How many rows each table holds: a refusal changes none of them."""
    tables = [centres, volunteers, consents, personal_data_reads, outbox]
    return {table.name: await count(registry, table) for table in tables}


async def access_records(registry: RegistryHandlers) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        rows = (await session.execute(select(personal_data_reads).order_by(personal_data_reads.c.read_at))).all()
    return [row._asdict() for row in rows]


async def test_a_volunteer_belongs_to_their_region(registry: RegistryHandlers) -> None:
    volunteer = await sign_up(registry, person(region="26"))
    assert region_of(volunteer.id) == "26", "the id names the region that owns the volunteer"
    assert (await read(registry, volunteer.id)).login_id == "hong_gildong"
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), CENTRAL_ADMIN)
    assert region_of(centre.id) == "26"
    assert (await registry.get_centre(CentreRef(centre_id=centre.id), CENTRAL_ADMIN)).name == "해운대종합사회복지관"


async def test_a_registration_is_announced_without_the_persons_details(registry: RegistryHandlers) -> None:
    """Who the volunteer is stays in the registry; the event says who registered (an id) where and when."""
    volunteer = await sign_up(registry, person(region="26"))
    (event,) = await staged(registry, REGISTERED)
    assert event == {
        "volunteer_id": str(volunteer.id),
        "region": "26",
        "registered_at": volunteer.registered_at.isoformat().replace("+00:00", "Z"),
    }
    assert await staged(registry, "vms.registry.volunteer.registered.v1") == []
    # Asked for, the registry answers with them.
    found = await read(registry, volunteer.id)
    assert (found.name, found.birth_date, found.phone) == ("홍길동", date(2001, 4, 5), "010-1234-5678")


async def test_registering_twice_is_one_volunteer_and_a_taken_login_id_is_refused(registry: RegistryHandlers) -> None:
    first = await sign_up(registry)
    assert (await sign_up(registry)).id == first.id
    with pytest.raises(domain.LoginIdTaken):
        await sign_up(registry, person(name="김영희"))
    assert len(await staged(registry, REGISTERED)) == 1


async def test_a_consent_is_announced_only_when_it_changes(registry: RegistryHandlers) -> None:
    volunteer = await sign_up(registry)
    me = themselves(volunteer)
    assert (await registry.set_consent(consent(volunteer, False), me)).changed_at is None, "never consented"
    given = await registry.set_consent(consent(volunteer, True), me)
    again = await registry.set_consent(consent(volunteer, True), me)
    assert again.changed_at == given.changed_at
    withdrawn = await registry.set_consent(consent(volunteer, False), me)
    assert withdrawn.changed_at is not None and given.changed_at is not None
    assert withdrawn.changed_at > given.changed_at
    events = await staged(registry, "vms.registry.consent.changed.v1")
    assert [e["granted"] for e in events] == [True, False]
    assert (await read(registry, volunteer.id, me)).consents.portal1365 is False


# -- who may read and change what -------------------------------------------------------------------------------


async def test_volunteer_reads_only_themselves(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person("hong_gildong"))
    kim = await sign_up(registry, person("kim_younghee", name="김영희"))
    assert (await read(registry, hong.id, themselves(hong))).name == "홍길동"
    before = await everything(registry)
    with pytest.raises(OutOfScope) as refused:
        await read(registry, kim.id, themselves(hong))
    assert refused.value.body().kind == "forbidden"
    assert await everything(registry) == before


async def test_a_council_reads_the_volunteers_of_its_region_as_the_registry_holds_it(
    registry: RegistryHandlers,
) -> None:
    """The region is the one the registry keeps for the volunteer: a volunteer whose id names no region (made
    before ids did) is still Busan's to read, and no other council's."""
    busan = await sign_up(registry, person(region="26"))
    assert (await read(registry, busan.id, council_admin("26"))).id == busan.id
    unmarked = uuid4()
    async with registry.db.transaction() as session:
        await session.execute(
            insert(volunteers).values(
                id=unmarked,
                login_id="old_member",
                name="박옛날",
                birth_date=date(1970, 1, 1),
                phone="010-0000-1111",
                region="26",
                registered_at=datetime.now(UTC),
            )
        )
    assert region_of(unmarked) is None
    assert (await read(registry, unmarked, council_admin("26"))).name == "박옛날"
    for other in ("11", "50"):
        with pytest.raises(OutOfScope):
            await read(registry, busan.id, council_admin(other))
        with pytest.raises(OutOfScope):
            await read(registry, unmarked, council_admin(other))
    with pytest.raises(NotPermitted):
        await read(registry, busan.id, centre_manager(uuid4()))


async def test_consent_is_given_by_the_volunteer_alone(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person("hong_gildong"))
    kim = await sign_up(registry, person("kim_younghee", name="김영희"))
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.set_consent(consent(hong, True), themselves(kim))
    for administrator in (CENTRAL_ADMIN, council_admin("26"), centre_manager(uuid4())):
        with pytest.raises(NotPermitted):
            await registry.set_consent(consent(hong, True), administrator)
    assert await everything(registry) == before, "no consent, no event"
    assert (await registry.set_consent(consent(hong, True), themselves(hong))).granted is True
    assert await count(registry, consents) == 1


async def test_council_admin_registers_centres_only_in_its_region(registry: RegistryHandlers) -> None:
    centre = RegisterCentre(name="해운대종합사회복지관", region="26")
    before = await everything(registry)
    for outsider in (council_admin("11"), volunteer(uuid4()), centre_manager(uuid4())):
        with pytest.raises((OutOfScope, NotPermitted)):
            await registry.register_centre(centre, outsider)
    assert await everything(registry) == before
    busan = council_admin("26")
    registered = await registry.register_centre(centre, busan)
    assert registered.region == "26"
    assert (await registry.register_centre(centre, CENTRAL_ADMIN)).id == registered.id, "the same centre again"
    with pytest.raises(OutOfScope):
        await registry.register_centre(centre, council_admin("11"))


async def test_changes_record_the_account_that_made_them(registry: RegistryHandlers) -> None:
    account = uuid4()
    hong = await registry.register_volunteer(person(), signing_up(account))
    me = themselves(hong)
    await registry.set_consent(consent(hong, True), me)
    busan = council_admin("26")
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), busan)
    async with registry.db.transaction() as session:
        assert await session.scalar(select(volunteers.c.registered_by)) == account
        assert await session.scalar(select(consents.c.changed_by)) == UUID(me.id)
        assert await session.scalar(select(centres.c.registered_by).where(centres.c.id == centre.id)) == UUID(busan.id)
    withdrawing = me.model_copy(update={"id": str(uuid4())})  # the same volunteer, signed in on another account
    await registry.set_consent(consent(hong, False), withdrawing)
    async with registry.db.transaction() as session:
        assert await session.scalar(select(consents.c.changed_by)) == UUID(withdrawing.id)
    # A sign-up the gateway names no account for is registered by nobody the registry can name.
    anonymous = await registry.register_volunteer(
        person("kim_younghee", name="김영희"), Actor(id="anonymous", role=Role.ANONYMOUS)
    )
    async with registry.db.transaction() as session:
        assert await session.scalar(select(volunteers.c.registered_by).where(volunteers.c.id == anonymous.id)) is None


# -- reads of personal data -------------------------------------------------------------------------------------


async def test_personal_data_read_is_recorded(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person(region="26"))
    assert await access_records(registry) == [], "registering is not reading"
    busan = council_admin("26")
    await read(registry, hong.id, busan)
    await read(registry, hong.id, Actor.service("linkage"))
    first, second = await access_records(registry)
    said = ("actor", "actor_role", "volunteer_id", "volunteer_region", "fields", "operation")
    assert {k: first[k] for k in said} == {
        "actor": busan.id,
        "actor_role": "council_admin",
        "volunteer_id": hong.id,
        "volunteer_region": "26",
        "fields": "name,birth_date,phone,email,school",
        "operation": "registry.get_volunteer",
    }
    assert (second["actor"], second["actor_role"]) == ("service:linkage", "service")
    assert first["read_at"] <= second["read_at"]


async def test_refused_read_leaves_no_access_record(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person(region="26"))
    for refused in (council_admin("11"), volunteer(uuid4())):
        with pytest.raises(OutOfScope):
            await read(registry, hong.id, refused)
    with pytest.raises(domain.VolunteerNotFound):
        await read(registry, uuid4())
    assert await access_records(registry) == []


async def test_access_records_are_reviewed_by_the_regions_council_newest_first(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person("hong_gildong", region="26"))
    kim = await sign_up(registry, person("kim_younghee", name="김영희", region="26"))
    seoul = await sign_up(registry, person("lee_seoul", name="이서울", region="11"))
    for someone in (hong, kim, hong, seoul):
        await read(registry, someone.id)
    busan = council_admin("26")
    listed = await registry.list_access_records(AccessRecordsRequest(region="26"), busan)
    assert listed.total == 3
    assert [r.volunteer_id for r in listed.items] == [hong.id, kim.id, hong.id]
    assert [r.read_at for r in listed.items] == sorted((r.read_at for r in listed.items), reverse=True)
    assert listed.items[0].actor == CENTRAL_ADMIN.id and listed.items[0].fields == list(domain.PERSONAL_DATA)
    hongs = await registry.list_access_records(AccessRecordsRequest(region="26", volunteer_id=hong.id, limit=1), busan)
    assert (hongs.total, len(hongs.items)) == (2, 1)
    everyone = await registry.list_access_records(AccessRecordsRequest(region="11"), CENTRAL_ADMIN)
    assert [r.volunteer_id for r in everyone.items] == [seoul.id]
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.list_access_records(AccessRecordsRequest(region="11"), busan)
    for never in (themselves(hong), centre_manager(uuid4())):
        with pytest.raises(NotPermitted):
            await registry.list_access_records(AccessRecordsRequest(region="26"), never)
    assert await everything(registry) == before, "reviewing the reads is no read of personal data"


# -- centres -----------------------------------------------------------------------------------------------------


async def test_the_centres_of_a_region_are_listed_by_name_a_page_at_a_time(registry: RegistryHandlers) -> None:
    busan = council_admin("26")
    for name in ["해운대종합사회복지관", "강서종합사회복지관", "부산진종합사회복지관"]:
        await registry.register_centre(RegisterCentre(name=name, region="26"), busan)
    await registry.register_centre(RegisterCentre(name="마포종합사회복지관", region="11"), CENTRAL_ADMIN)
    listed = await registry.list_centres(ListCentres(region="26"), busan)
    assert [c.name for c in listed.items] == ["강서종합사회복지관", "부산진종합사회복지관", "해운대종합사회복지관"]
    assert listed.total == 3
    page = await registry.list_centres(ListCentres(region="26", limit=2, offset=2), volunteer(uuid4()))
    assert ([c.name for c in page.items], page.total) == (["해운대종합사회복지관"], 3)
    assert [c.name for c in (await registry.list_centres(ListCentres(region="11"), CENTRAL_ADMIN)).items] == [
        "마포종합사회복지관"
    ]


async def test_centres_are_public_so_a_council_finds_its_neighbours_too(registry: RegistryHandlers) -> None:
    await registry.register_centre(RegisterCentre(name="마포종합사회복지관", region="11"), CENTRAL_ADMIN)
    assert (await registry.list_centres(ListCentres(region="11"), council_admin("11"))).total == 1
    assert (await registry.list_centres(ListCentres(region="11"), council_admin("26"))).total == 1


async def test_a_centre_is_registered_with_where_and_what_it_is_and_waits_for_accreditation(
    registry: RegistryHandlers,
) -> None:
    request = RegisterCentre(
        name="해운대종합사회복지관",
        region="26",
        phone="051-123-4567",
        district="26350",
        kind=CentreKind.COMMUNITY_WELFARE,
        address="부산광역시 해운대구 해운대로 1",
    )
    centre = await registry.register_centre(request, council_admin("26"))
    assert (centre.district, centre.kind, centre.address) == ("26350", CentreKind.COMMUNITY_WELFARE, request.address)
    assert (centre.status, centre.status_changed_at, centre.status_reason) == (CentreStatus.REGISTERED, None, None)
    assert await registry.get_centre(CentreRef(centre_id=centre.id), CENTRAL_ADMIN) == centre
    assert await registry.register_centre(request, CENTRAL_ADMIN) == centre, "the same registration again"
    for differing in ({"kind": CentreKind.ELDERLY}, {"district": "26320"}, {"address": "부산광역시 해운대구 다른로 2"}):
        with pytest.raises(domain.CentreExists):
            await registry.register_centre(request.model_copy(update=differing), CENTRAL_ADMIN)
    assert len(await staged(registry, CENTRE_REGISTERED)) == 1


async def test_a_council_accredits_suspends_and_accredits_again_a_centre_of_its_region(
    registry: RegistryHandlers,
) -> None:
    busan = council_admin("26")
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), busan)
    accredited = await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), busan)
    assert accredited.status is CentreStatus.ACCREDITED and accredited.status_changed_at is not None
    assert await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), CENTRAL_ADMIN) == accredited

    before = await everything(registry)
    with pytest.raises(domain.FieldInvalid) as refused:
        await registry.suspend_centre(CentreStatusChange(centre_id=centre.id), busan)
    (field,) = refused.value.body().fields
    assert (field.field, field.type) == ("reason", "suspension_reason_required")
    assert "정지 사유" in field.message and "reason" in field.message_en
    assert await everything(registry) == before

    why = CentreStatusChange(centre_id=centre.id, reason="봉사시간 허위 입력")
    suspended = await registry.suspend_centre(why, busan)
    assert (suspended.status, suspended.status_reason) == (CentreStatus.SUSPENDED, "봉사시간 허위 입력")
    assert await registry.suspend_centre(why.model_copy(update={"reason": "다시"}), busan) == suspended
    again = await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), busan)
    assert (again.status, again.status_reason) == (CentreStatus.ACCREDITED, None)
    assert await registry.get_centre(CentreRef(centre_id=centre.id), busan) == again

    assert [e["accredited_at"] for e in await staged(registry, CENTRE_ACCREDITED)] == [
        _wire(accredited.status_changed_at),
        _wire(again.status_changed_at),
    ]
    assert await staged(registry, CENTRE_SUSPENDED) == [
        {
            "centre_id": str(centre.id),
            "region": "26",
            "reason": "봉사시간 허위 입력",
            "suspended_at": _wire(suspended.status_changed_at),
        }
    ]


async def test_a_centre_that_is_not_accredited_cannot_be_suspended(registry: RegistryHandlers) -> None:
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), CENTRAL_ADMIN)
    before = await everything(registry)
    with pytest.raises(domain.CentreStatusWrong) as refused:
        await registry.suspend_centre(CentreStatusChange(centre_id=centre.id, reason="점검"), CENTRAL_ADMIN)
    body = refused.value.body()
    assert (body.code, body.kind, body.params["status"]) == ("CENTRE_STATUS", "rule", "registered")
    assert "'등록' 상태" in body.message and "registered" in body.message_en
    assert await everything(registry) == before


async def test_only_the_council_of_its_region_or_the_central_council_changes_a_centres_status(
    registry: RegistryHandlers,
) -> None:
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), CENTRAL_ADMIN)
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), council_admin("11"))
    with pytest.raises(OutOfScope):
        await registry.suspend_centre(CentreStatusChange(centre_id=centre.id), council_admin("11"))
    for never in (centre_manager(centre.id), volunteer(uuid4()), Actor.service("hours")):
        with pytest.raises(NotPermitted):
            await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), never)
    with pytest.raises(domain.CentreNotFound):
        await registry.accredit_centre(CentreStatusChange(centre_id=uuid4()), CENTRAL_ADMIN)
    assert await everything(registry) == before


async def test_the_centres_of_a_region_are_listed_by_status(registry: RegistryHandlers) -> None:
    busan = council_admin("26")
    made = {}
    for name in ["해운대종합사회복지관", "강서종합사회복지관", "부산진종합사회복지관"]:
        made[name] = await registry.register_centre(RegisterCentre(name=name, region="26"), busan)
    await registry.accredit_centre(CentreStatusChange(centre_id=made["해운대종합사회복지관"].id), busan)
    await registry.accredit_centre(CentreStatusChange(centre_id=made["강서종합사회복지관"].id), busan)
    accredited = await registry.list_centres(ListCentres(region="26", status=CentreStatus.ACCREDITED), busan)
    assert ([c.name for c in accredited.items], accredited.total) == (["강서종합사회복지관", "해운대종합사회복지관"], 2)
    waiting = await registry.list_centres(ListCentres(region="26", status=CentreStatus.REGISTERED), busan)
    assert [c.name for c in waiting.items] == ["부산진종합사회복지관"]
    assert (await registry.list_centres(ListCentres(region="26", status=CentreStatus.SUSPENDED), busan)).total == 0
    assert (await registry.list_centres(ListCentres(region="26"), busan)).total == 3


# -- at once -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("before", [None, False], ids=["never-consented", "withdrawn"])
async def test_the_same_consent_given_ten_times_at_once_is_one_change(
    registry: RegistryHandlers, before: bool | None
) -> None:
    volunteer = await sign_up(registry)
    me = themselves(volunteer)
    if before is not None:
        await registry.set_consent(consent(volunteer, True), me)
        await registry.set_consent(consent(volunteer, before), me)
    earlier = len(await staged(registry, "vms.registry.consent.changed.v1"))
    views = await asyncio.gather(*(registry.set_consent(consent(volunteer, True), me) for _ in range(10)))
    assert len({v.changed_at for v in views}) == 1
    assert len(await staged(registry, "vms.registry.consent.changed.v1")) == earlier + 1


async def test_consents_changed_back_and_forth_at_once_end_as_their_last_event_says(
    registry: RegistryHandlers,
) -> None:
    """Whatever order they commit in, the events alternate (each one a real change), and the latest of them is
    the state the registry holds: linkage, which keeps the latest change, ends where the registry is."""
    volunteer = await sign_up(registry)
    me = themselves(volunteer)
    await asyncio.gather(*(registry.set_consent(consent(volunteer, i % 2 == 0), me) for i in range(12)))
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
    views = await asyncio.gather(*(sign_up(registry) for _ in range(6)))
    assert len({v.id for v in views}) == 1
    assert len(await staged(registry, REGISTERED)) == 1


async def test_a_centre_accredited_ten_times_at_once_is_accredited_once(registry: RegistryHandlers) -> None:
    busan = council_admin("26")
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), busan)
    views = await asyncio.gather(
        *(registry.accredit_centre(CentreStatusChange(centre_id=centre.id), busan) for _ in range(10))
    )
    assert {(v.status, v.status_changed_at) for v in views} == {(CentreStatus.ACCREDITED, views[0].status_changed_at)}
    assert len(await staged(registry, CENTRE_ACCREDITED)) == 1


async def test_a_centre_suspended_and_accredited_at_once_ends_as_its_last_event_says(
    registry: RegistryHandlers,
) -> None:
    busan = council_admin("26")
    centre = await registry.register_centre(RegisterCentre(name="해운대종합사회복지관", region="26"), busan)
    await registry.accredit_centre(CentreStatusChange(centre_id=centre.id), busan)
    changes = [
        registry.suspend_centre(CentreStatusChange(centre_id=centre.id, reason="점검"), busan)
        if i % 2
        else registry.accredit_centre(CentreStatusChange(centre_id=centre.id), busan)
        for i in range(10)
    ]
    await asyncio.gather(*changes, return_exceptions=True)
    said = [("accredited", e["accredited_at"]) for e in await staged(registry, CENTRE_ACCREDITED)] + [
        ("suspended", e["suspended_at"]) for e in await staged(registry, CENTRE_SUSPENDED)
    ]
    in_order = [status for status, _ in sorted(said, key=lambda e: datetime.fromisoformat(e[1]))]
    assert in_order[0] == "accredited"
    assert all(a != b for a, b in itertools.pairwise(in_order)), in_order
    held = await registry.get_centre(CentreRef(centre_id=centre.id), busan)
    assert held.status.value == in_order[-1]
    assert _wire(held.status_changed_at) == max((e[1] for e in said), key=datetime.fromisoformat)


# -- reference data ----------------------------------------------------------------------------------------------


async def test_the_reference_tables_hold_what_the_contracts_define(registry: RegistryHandlers) -> None:
    """SQL users and reports join on the tables; requests are checked against the module: the two are the same."""
    async with registry.db.transaction() as session:

        async def all_of(table: Table) -> set[tuple[Any, ...]]:
            return {tuple(row) for row in (await session.execute(select(table))).all()}

        assert await all_of(councils) == {(c.region, c.name, c.homepage, c.phone, c.address) for c in COUNCILS}
        assert await all_of(activity_types) == {(t.code, t.ko, t.en) for t in ACTIVITY_TYPE_LABELS.values()}
        assert await all_of(activity_sub_fields) == {
            (kind.value, label.code, label.ko, label.en) for kind, labels in SUB_FIELDS.items() for label in labels
        }
        assert await all_of(team_fields) == {
            (f.code, f.ko, f.en, f.examples_ko, f.examples_en) for f in TEAM_FIELD_LABELS.values()
        }
        assert await all_of(districts) == {(d.code, d.region, d.name) for d in reference_districts().values()}
    assert len(COUNCILS) == 18 and len(reference_districts()) > 250
