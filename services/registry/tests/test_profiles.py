"""A volunteer's whole profile (희망봉사활동 등록, 회원정보 수정), one account per person, 회원탈퇴 and the guardian's
consent for a volunteer under 14, through the real database on SQLite and PostgreSQL (the races, `…_at_once`,
matter on PostgreSQL, where transactions really run side by side)."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Date, Table, Uuid, column, func, insert, select, table, text

from vms_contracts.actor import Actor, Role
from vms_contracts.errors import ErrorKind
from vms_contracts.events.registry import ConsentKind
from vms_contracts.ids import new_id
from vms_contracts.rpc.registry import (
    GuardianRelation,
    RecordGuardianConsent,
    RegisterVolunteer,
    SetConsent,
    UpdateVolunteer,
    VolunteerRef,
    VolunteerView,
    WithdrawVolunteer,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.clock import today_kst
from vms_platform.db import Database, UtcDateTime, create_engine, migrate
from vms_platform.outbox import Outbox
from vms_platform.testing import CENTRAL_ADMIN, centre_manager, council_admin, migrated, volunteer
from vms_registry import domain
from vms_registry.db import (
    PROFILE_LISTS,
    centres,
    consents,
    guardian_consents,
    outbox,
    personal_data_reads,
    volunteer_desired_activities,
    volunteers,
)
from vms_registry.handlers import RegistryHandlers

MIGRATIONS = str(files("vms_registry") / "migrations")


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[RegistryHandlers]:
    url = await new_database("registry")
    await migrated(url, MIGRATIONS)
    db = Database(url)
    yield RegistryHandlers(db, Outbox(outbox, bus=Bus(), source="/vms/registry/test"))
    await db.close()


PROFILE: dict[str, Any] = {
    "email": "hong@Example.COM",
    "district": "26350",
    "desired_activities": [
        {"activity_type": "facility", "sub_field": "education"},
        {"activity_type": "home", "sub_field": None},
        {"activity_type": "facility", "sub_field": "emotional"},
    ],
    "desired_regions": ["26", "11"],
    "talents": ["피아노", "수화"],
    "availability": [{"weekday": "sat", "part": "morning"}, {"weekday": "mon", "part": "evening"}],
    "school": {"name": "부산중학교", "level": "middle", "grade": 2},
}


def person(login_id: str = "hong_gildong", region: str = "26", **changes: Any) -> RegisterVolunteer:
    fields: dict[str, Any] = {
        "login_id": login_id,
        "name": "홍길동",
        "birth_date": date(2001, 4, 5),
        "phone": "010-1234-5678",
        "region": region,
    }
    return RegisterVolunteer.model_validate({**fields, **changes})


def born(years_ago: int) -> date:
    """A birth date that makes a volunteer exactly `years_ago` today (Korean time); 29 February counts as 28."""
    today = today_kst()
    return date(today.year - years_ago, today.month, min(today.day, 28) if today.month == 2 else today.day)


def signing_up() -> Actor:
    return Actor(id=str(uuid4()), role=Role.ANONYMOUS)


async def sign_up(registry: RegistryHandlers, request: RegisterVolunteer | None = None) -> VolunteerView:
    return await registry.register_volunteer(request or person(), signing_up())


def themselves(someone: VolunteerView) -> Actor:
    return volunteer(someone.id)


def update_of(someone: VolunteerView, **changes: Any) -> UpdateVolunteer:
    """The update that sends `someone`'s profile as it stands, with `changes`."""
    current = {
        "email": someone.email,
        "district": someone.district,
        "desired_activities": [a.model_dump(mode="json") for a in someone.desired_activities],
        "desired_regions": someone.desired_regions,
        "talents": someone.talents,
        "availability": [s.model_dump(mode="json") for s in someone.availability],
        "school": someone.school.model_dump(mode="json") if someone.school else None,
    }
    return UpdateVolunteer.model_validate(
        {"volunteer_id": str(someone.id), "phone": someone.phone, **current, **changes}
    )


async def read(registry: RegistryHandlers, someone: UUID, actor: Actor = CENTRAL_ADMIN) -> VolunteerView:
    return await registry.get_volunteer(VolunteerRef(volunteer_id=someone), actor)


async def staged(registry: RegistryHandlers, event_type: str | None = None) -> list[dict[str, Any]]:
    """The envelopes in the outbox, in the order the relay publishes them."""
    query = select(outbox.c.payload).order_by(outbox.c.created_at, outbox.c.id)
    if event_type is not None:
        query = query.where(outbox.c.type == event_type)
    async with registry.db.transaction() as session:
        payloads = (await session.scalars(query)).all()
    return [json.loads(p) for p in payloads]


async def rows(registry: RegistryHandlers, table: Table) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        return [row._asdict() for row in (await session.execute(select(table))).all()]


async def count(registry: RegistryHandlers, table: Table) -> int:
    async with registry.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def everything(registry: RegistryHandlers) -> dict[str, int]:
    """How many rows each table holds: a refusal changes none of them."""
    tables = [volunteers, consents, guardian_consents, personal_data_reads, outbox, *PROFILE_LISTS]
    return {table.name: await count(registry, table) for table in tables}


UPDATED = "vms.registry.volunteer.updated.v1"
WITHDRAWN = "vms.registry.volunteer.withdrawn.v1"
CONSENT_CHANGED = "vms.registry.consent.changed.v1"
GUARDIAN_CONSENTED = "vms.registry.guardian.consented.v1"


# -- the profile -------------------------------------------------------------------------------------------------


async def test_the_whole_profile_is_kept_and_read_back_in_one_order(registry: RegistryHandlers) -> None:
    registered = await sign_up(registry, person(**PROFILE))
    found = await read(registry, registered.id)
    assert found == registered
    assert found.email == "hong@example.com", "the domain is kept in lower case"
    assert found.district == "26350"
    # The lists are sets, shown as the brochure lists activity types and sub-fields, the week and the day run.
    assert [(a.activity_type.value, a.sub_field) for a in found.desired_activities] == [
        ("home", None),
        ("facility", "education"),
        ("facility", "emotional"),
    ]
    assert found.desired_regions == ["11", "26"]
    assert found.talents == sorted(["피아노", "수화"])
    assert [(s.weekday.value, s.part.value) for s in found.availability] == [("mon", "evening"), ("sat", "morning")]
    assert found.school is not None and (found.school.name, found.school.level.value, found.school.grade) == (
        "부산중학교",
        "middle",
        2,
    )
    assert (found.needs_guardian, found.guardian_consented_at) == (False, None)
    # The whole type is stored as the empty sub-field, so that matching finds it by value.
    assert {(r["activity_type"], r["sub_field"]) for r in await rows(registry, volunteer_desired_activities)} == {
        ("home", ""),
        ("facility", "education"),
        ("facility", "emotional"),
    }


async def test_a_volunteer_without_a_profile_has_empty_lists(registry: RegistryHandlers) -> None:
    found = await read(registry, (await sign_up(registry)).id)
    assert (found.email, found.district, found.school) == (None, None, None)
    assert found.desired_activities == found.desired_regions == found.talents == found.availability == []


async def test_an_update_is_announced_by_the_names_of_what_changed_only_when_something_did(
    registry: RegistryHandlers,
) -> None:
    hong = await sign_up(registry, person(**PROFILE))
    me = themselves(hong)
    reordered = update_of(
        hong,
        desired_regions=["26", "11"],
        talents=list(reversed(hong.talents)),
        availability=[{"weekday": "sat", "part": "morning"}, {"weekday": "mon", "part": "evening"}],
    )
    assert await registry.update_volunteer(reordered, me) == hong, "the same profile in another order"
    assert await staged(registry, UPDATED) == []

    changed = await registry.update_volunteer(
        update_of(
            hong,
            phone="01098765432",
            talents=["수화", "컴퓨터 수리"],
            availability=[],
            school=None,
        ),
        me,
    )
    assert changed.phone == "010-9876-5432"
    assert (changed.talents, changed.availability, changed.school) == (["수화", "컴퓨터 수리"], [], None)
    assert (changed.name, changed.birth_date, changed.region) == (hong.name, hong.birth_date, hong.region)
    assert await read(registry, hong.id) == changed
    (event,) = await staged(registry, UPDATED)
    assert event["data"]["changed"] == ["phone", "talents", "availability", "school"]
    assert "010-9876-5432" not in json.dumps(event, ensure_ascii=False), "names of fields, never their values"

    assert await registry.update_volunteer(update_of(changed), me) == changed
    assert len(await staged(registry, UPDATED)) == 1, "the same update again announces nothing"


async def test_an_update_replaces_the_profile_whole(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry, person(**PROFILE))
    emptied = await registry.update_volunteer(UpdateVolunteer(volunteer_id=hong.id, phone=hong.phone), themselves(hong))
    assert (emptied.email, emptied.district, emptied.school) == (None, None, None)
    assert emptied.desired_activities == emptied.desired_regions == emptied.talents == emptied.availability == []
    for listed in PROFILE_LISTS:
        assert await count(registry, listed) == 0, listed.name
    (event,) = await staged(registry, UPDATED)
    assert event["data"]["changed"] == [
        "email",
        "district",
        "desired_activities",
        "desired_regions",
        "talents",
        "availability",
        "school",
    ]


async def test_a_district_outside_the_volunteers_region_is_refused_naming_the_field(
    registry: RegistryHandlers,
) -> None:
    """Busan's volunteer cannot live in 종로구: the region is the one the registry holds for them."""
    hong = await sign_up(registry, person(region="26"))
    before = await everything(registry)
    with pytest.raises(domain.FieldInvalid) as refused:
        await registry.update_volunteer(update_of(hong, district="11110"), themselves(hong))
    body = refused.value.body()
    assert (body.code, body.kind) == ("INVALID_REQUEST", ErrorKind.INVALID)
    (field,) = body.fields
    assert (field.field, field.type) == ("district", "district_region")
    assert "종로구" in field.message and "부산광역시" in field.message
    assert "11110" in field.message_en and "not 26" in field.message_en
    assert await everything(registry) == before


async def test_only_the_volunteer_changes_their_profile(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    kim = await sign_up(registry, person("kim_younghee", name="김영희"))
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.update_volunteer(update_of(hong, email="kim@example.com"), themselves(kim))
    for administrator in (CENTRAL_ADMIN, council_admin("26"), centre_manager(uuid4()), Actor.service("linkage")):
        with pytest.raises(NotPermitted):
            await registry.update_volunteer(update_of(hong, email="admin@example.com"), administrator)
    assert await everything(registry) == before


# -- one account per person --------------------------------------------------------------------------------------


async def test_the_same_person_under_another_login_id_is_told_they_are_a_member(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    before = await everything(registry)
    # However the name and the phone are written: the name composed (NFC), the phone with or without dashes.
    for again in (
        person("gildong_again"),
        person("gildong_nfd", name=unicodedata.normalize("NFD", "홍길동")),
        person("gildong_digits", phone="01012345678"),
        person("gildong_elsewhere", region="11"),
    ):
        with pytest.raises(domain.PersonAlreadyRegistered) as refused:
            await sign_up(registry, again)
        body = refused.value.body()
        assert (body.kind, body.params) == (ErrorKind.CONFLICT, {"login_id": "ho**********"})
        assert body.message.startswith("이미 가입된 회원입니다") and "ho**********" in body.message
        assert body.message_en.startswith("You are already a member") and "ho**********" in body.message_en
        assert "hong_gildong" not in body.message + body.message_en
    assert await everything(registry) == before
    assert (await sign_up(registry)).id == hong.id, "the same registration again is still the same member"
    # Another person of the same name and birth date is another person.
    other = await sign_up(registry, person("hong_other", phone="010-2222-3333"))
    assert other.id != hong.id


async def test_ten_sign_ups_of_one_person_at_once_make_one_account(registry: RegistryHandlers) -> None:
    results = await asyncio.gather(
        *(sign_up(registry, person(f"hong_{i:02d}")) for i in range(10)), return_exceptions=True
    )
    members = [r for r in results if isinstance(r, VolunteerView)]
    refusals = [r for r in results if isinstance(r, domain.PersonAlreadyRegistered)]
    assert (len(members), len(refusals)) == (1, 9), results
    (member,) = members
    assert {r.params["login_id"] for r in refusals} == {domain.masked_login_id(member.login_id)}
    assert await count(registry, volunteers) == 1
    assert len(await staged(registry, "vms.registry.volunteer.registered.v2")) == 1


async def test_a_phone_that_makes_a_volunteer_another_account_of_theirs_is_refused(
    registry: RegistryHandlers,
) -> None:
    """Two accounts of one name and birth date are two people while their phones differ; an update that would
    make them one person is refused, as a second sign-up would be."""
    first = await sign_up(registry, person("hong_first", phone="010-1111-1111"))
    second = await sign_up(registry, person("hong_second", phone="010-2222-2222"))
    before = await everything(registry)
    with pytest.raises(domain.PersonAlreadyRegistered) as refused:
        await registry.update_volunteer(update_of(second, phone="010-1111-1111"), themselves(second))
    assert refused.value.params == {"login_id": "ho********"}
    assert await everything(registry) == before
    assert (await read(registry, second.id)).phone == "010-2222-2222"
    await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=first.id), themselves(first))
    moved = await registry.update_volunteer(update_of(second, phone="010-1111-1111"), themselves(second))
    assert moved.phone == "010-1111-1111", "a withdrawn account is nobody's any more"


async def test_a_withdrawn_volunteer_may_register_again_as_a_new_member(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), themselves(hong))
    again = await sign_up(registry)
    assert again.id != hong.id and again.login_id == "hong_gildong"
    assert (await sign_up(registry, person("gildong_new_id", phone="010-5555-6666"))).id != again.id


# -- 회원탈퇴 --------------------------------------------------------------------------------------------------------


async def test_withdrawal_erases_the_person_and_keeps_the_id_for_anonymous_statistics(
    registry: RegistryHandlers,
) -> None:
    hong = await sign_up(registry, person(**PROFILE))
    me = themselves(hong)
    await registry.set_consent(SetConsent(volunteer_id=hong.id, consent=ConsentKind.PORTAL_1365, granted=True), me)
    await read(registry, hong.id, council_admin("26"))
    withdrawn = await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), me)
    assert withdrawn.volunteer_id == hong.id

    (row,) = await rows(registry, volunteers)
    assert row == {
        "id": hong.id,
        "login_id": None,
        "name": None,
        "birth_date": None,
        "phone": None,
        "region": "26",
        "registered_at": hong.registered_at,
        "registered_by": row["registered_by"],
        "email": None,
        "district": None,
        "school_name": None,
        "school_level": None,
        "school_grade": None,
        "status": "withdrawn",
        "withdrawn_at": withdrawn.withdrawn_at,
        "birth_year": 2001,
    }
    for erased in (*PROFILE_LISTS, guardian_consents):
        assert await count(registry, erased) == 0, erased.name
    (consent,) = await rows(registry, consents)
    assert (consent["granted"], consent["channel"], consent["changed_at"]) == (
        False,
        "withdrawal",
        withdrawn.withdrawn_at,
    )
    assert await count(registry, personal_data_reads) == 1, "the record of who read the data stays"

    # 1365 linkage hears that consent ended before it hears of the withdrawal.
    consent_event, withdrawn_event = (await staged(registry))[-2:]
    assert consent_event["type"] == CONSENT_CHANGED and withdrawn_event["type"] == WITHDRAWN
    assert consent_event["data"] == {
        "volunteer_id": str(hong.id),
        "consent": "portal1365",
        "granted": False,
        "changed_at": consent_event["data"]["changed_at"],
        "channel": "withdrawal",
    }
    assert withdrawn_event["data"] == {
        "volunteer_id": str(hong.id),
        "region": "26",
        "withdrawn_at": withdrawn_event["data"]["withdrawn_at"],
    }
    everything_said = json.dumps(await staged(registry), ensure_ascii=False)
    for personal in ("홍길동", "010-1234-5678", "hong@example.com", "부산중학교", "2001-04-05"):
        assert personal not in everything_said


async def test_withdrawing_again_is_the_same_answer_and_announces_nothing(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    me = themselves(hong)
    first = await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), me)
    assert [e["type"] for e in await staged(registry)][-1:] == [WITHDRAWN], "no consent was given: one event"
    before = await everything(registry)
    assert await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), me) == first
    assert await everything(registry) == before


async def test_withdrawing_at_once_is_one_withdrawal(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    me = themselves(hong)
    await registry.set_consent(SetConsent(volunteer_id=hong.id, consent=ConsentKind.PORTAL_1365, granted=True), me)
    views = await asyncio.gather(
        *(registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), me) for _ in range(6))
    )
    assert len({v.withdrawn_at for v in views}) == 1
    assert len(await staged(registry, WITHDRAWN)) == 1
    assert [e["data"]["granted"] for e in await staged(registry, CONSENT_CHANGED)] == [True, False]


async def test_only_the_volunteer_withdraws_themselves(registry: RegistryHandlers) -> None:
    hong = await sign_up(registry)
    kim = await sign_up(registry, person("kim_younghee", name="김영희"))
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), themselves(kim))
    for administrator in (CENTRAL_ADMIN, council_admin("26"), Actor.service("linkage")):
        with pytest.raises(NotPermitted):
            await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), administrator)
    assert await everything(registry) == before


async def test_after_withdrawal_everything_about_the_volunteer_is_refused_to_everyone(
    registry: RegistryHandlers,
) -> None:
    child = await sign_up(registry, person(birth_date=born(10)))
    me = themselves(child)
    await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=child.id), me)
    before = await everything(registry)
    refusals: list[domain.VolunteerWithdrawn] = []
    for reader in (me, council_admin("26"), CENTRAL_ADMIN, Actor.service("linkage")):
        with pytest.raises(domain.VolunteerWithdrawn) as refused:
            await read(registry, child.id, reader)
        refusals.append(refused.value)
    with pytest.raises(domain.VolunteerWithdrawn):
        await registry.update_volunteer(UpdateVolunteer(volunteer_id=child.id, phone="010-1234-5678"), me)
    for granted in (True, False):
        with pytest.raises(domain.VolunteerWithdrawn):
            await registry.set_consent(
                SetConsent(volunteer_id=child.id, consent=ConsentKind.PORTAL_1365, granted=granted), me
            )
    with pytest.raises(domain.VolunteerWithdrawn):
        await registry.record_guardian_consent(guardian_of(child), me)
    assert await everything(registry) == before, "no read recorded, nothing changed"
    body = refusals[0].body()
    assert (body.code, body.kind) == ("VOLUNTEER_WITHDRAWN", ErrorKind.NOT_FOUND)
    assert "탈퇴한 회원" in body.message and "withdrawn" in body.message_en
    # Someone out of scope learns nothing more than before.
    with pytest.raises(OutOfScope):
        await read(registry, child.id, council_admin("11"))


# -- 법정대리인 동의 -----------------------------------------------------------------------------------------------


def guardian_of(child: VolunteerView, **changes: Any) -> RecordGuardianConsent:
    fields: dict[str, Any] = {
        "volunteer_id": str(child.id),
        "guardian_name": "홍판서",
        "guardian_phone": "010-9999-0000",
        "relation": "parent",
        "consented": True,
    }
    return RecordGuardianConsent.model_validate({**fields, **changes})


def linkage(someone: VolunteerView, granted: bool) -> SetConsent:
    return SetConsent(volunteer_id=someone.id, consent=ConsentKind.PORTAL_1365, granted=granted)


async def test_a_child_links_to_1365_only_after_a_guardian_consented(registry: RegistryHandlers) -> None:
    child = await sign_up(registry, person(birth_date=born(13)))
    me = themselves(child)
    assert (child.needs_guardian, child.guardian_consented_at) == (True, None)
    before = await everything(registry)
    with pytest.raises(domain.GuardianConsentRequired) as refused:
        await registry.set_consent(linkage(child, True), me)
    assert refused.value.body().kind == ErrorKind.RULE
    assert refused.value.params["age"] == 13
    assert await everything(registry) == before
    assert (await registry.set_consent(linkage(child, False), me)).changed_at is None, "withdrawing is allowed"

    given = await registry.record_guardian_consent(guardian_of(child), me)
    assert given.relation is GuardianRelation.PARENT
    assert (await read(registry, child.id)).guardian_consented_at == given.consented_at
    assert (await registry.set_consent(linkage(child, True), me)).granted is True

    (event,) = await staged(registry, GUARDIAN_CONSENTED)
    assert event["data"] == {
        "volunteer_id": str(child.id),
        "region": "26",
        "consented_at": event["data"]["consented_at"],
    }


async def test_recording_the_guardian_again_updates_the_details_and_announces_nothing(
    registry: RegistryHandlers,
) -> None:
    child = await sign_up(registry, person(birth_date=born(9)))
    me = themselves(child)
    first = await registry.record_guardian_consent(guardian_of(child), me)
    again = await registry.record_guardian_consent(
        guardian_of(child, guardian_name="김보호", guardian_phone="01077778888", relation="legal_guardian"), me
    )
    assert again.consented_at == first.consented_at and again.relation is GuardianRelation.LEGAL_GUARDIAN
    (row,) = await rows(registry, guardian_consents)
    assert (row["guardian_name"], row["guardian_phone"], row["relation"]) == (
        "김보호",
        "010-7777-8888",
        "legal_guardian",
    )
    assert row["recorded_by"] == UUID(me.id)
    assert len(await staged(registry, GUARDIAN_CONSENTED)) == 1
    everything_said = json.dumps(await staged(registry), ensure_ascii=False)
    for guardian in ("홍판서", "김보호", "010-9999-0000", "010-7777-8888"):
        assert guardian not in everything_said, "the guardian's details never travel"


async def test_a_guardian_consents_only_for_a_volunteer_under_14(registry: RegistryHandlers) -> None:
    fourteen = await sign_up(registry, person("teen_fourteen", name="김열넷", birth_date=born(14)))
    assert fourteen.needs_guardian is False
    before = await everything(registry)
    with pytest.raises(domain.GuardianNotNeeded) as refused:
        await registry.record_guardian_consent(guardian_of(fourteen), themselves(fourteen))
    body = refused.value.body()
    assert (body.kind, body.params) == (ErrorKind.RULE, {"age": 14, "guardian_age": 14})
    assert "만 14세 미만" in body.message
    assert await everything(registry) == before
    assert (await registry.set_consent(linkage(fourteen, True), themselves(fourteen))).granted is True


async def test_only_the_volunteer_records_their_guardians_consent(registry: RegistryHandlers) -> None:
    child = await sign_up(registry, person(birth_date=born(8)))
    other = await sign_up(registry, person("kim_younghee", name="김영희"))
    before = await everything(registry)
    with pytest.raises(OutOfScope):
        await registry.record_guardian_consent(guardian_of(child), themselves(other))
    for administrator in (CENTRAL_ADMIN, council_admin("26"), centre_manager(uuid4())):
        with pytest.raises(NotPermitted):
            await registry.record_guardian_consent(guardian_of(child), administrator)
    assert await everything(registry) == before


async def test_a_guardian_recorded_many_times_at_once_is_announced_once(registry: RegistryHandlers) -> None:
    child = await sign_up(registry, person(birth_date=born(12)))
    me = themselves(child)
    views = await asyncio.gather(*(registry.record_guardian_consent(guardian_of(child), me) for _ in range(8)))
    assert len({v.consented_at for v in views}) == 1
    assert len(await staged(registry, GUARDIAN_CONSENTED)) == 1


# -- the migration -----------------------------------------------------------------------------------------------


def downgrade(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from vms_platform.db import async_url

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    command.downgrade(config, revision)


# The tables as revision 0004 left them.
CENTRES_0004 = table(
    "centres", column("id", Uuid()), column("name"), column("region"), column("registered_at", UtcDateTime())
)
VOLUNTEERS_0004 = table(
    "volunteers",
    column("id", Uuid()),
    column("login_id"),
    column("name"),
    column("birth_date", Date()),
    column("phone"),
    column("region"),
    column("registered_at", UtcDateTime()),
)


async def test_centres_registered_before_statuses_existed_are_accredited(new_database: Any) -> None:
    url = await new_database("registry")
    await asyncio.to_thread(migrate, url, MIGRATIONS, "0004")
    engine = create_engine(url)
    centre_id = new_id("26")
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(CENTRES_0004).values(
                    id=centre_id, name="해운대종합사회복지관", region="26", registered_at=datetime.now(UTC)
                )
            )
        await asyncio.to_thread(migrate, url, MIGRATIONS)
        async with engine.connect() as connection:
            row = (await connection.execute(select(centres))).one()
        assert (row.id, row.status, row.kind) == (centre_id, "accredited", "other")
    finally:
        await engine.dispose()


async def test_the_migration_goes_down_and_up_again_with_withdrawn_volunteers(new_database: Any) -> None:
    """The code before this revision needs every volunteer named: a withdrawn one comes back under stand-ins that
    name nobody, with their consents, and the upgrade runs again over them."""
    url = await new_database("registry")
    await asyncio.to_thread(migrate, url, MIGRATIONS)
    db = Database(url)
    try:
        registry = RegistryHandlers(db, Outbox(outbox, bus=Bus(), source="/vms/registry/test"))
        hong = await sign_up(registry, person(**PROFILE))
        kim = await sign_up(registry, person("kim_younghee", name="김영희"))
        await registry.set_consent(linkage(hong, True), themselves(hong))
        await registry.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), themselves(hong))
    finally:
        await db.close()

    await asyncio.to_thread(downgrade, url, "0004")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            people = {r.id: r for r in await connection.execute(select(VOLUNTEERS_0004))}
            consent_rows = (await connection.execute(text("SELECT count(*) FROM consents"))).scalar_one()
    finally:
        await engine.dispose()
    stand_in = people[hong.id]
    assert (stand_in.name, stand_in.birth_date, stand_in.phone) == ("탈퇴회원", date(2001, 1, 1), "000-0000-0000")
    assert stand_in.login_id == f"withdrawn-{hong.id.hex[-10:]}"
    assert (people[kim.id].name, people[kim.id].login_id) == ("김영희", "kim_younghee")
    assert consent_rows == 1, "the consents come back with the volunteers they belong to"

    await asyncio.to_thread(migrate, url, MIGRATIONS)
    db = Database(url)
    try:
        registry = RegistryHandlers(db, Outbox(outbox, bus=Bus(), source="/vms/registry/test"))
        assert (await read(registry, kim.id)).name == "김영희"
    finally:
        await db.close()


async def test_people_registered_twice_before_stop_the_upgrade_naming_their_accounts(new_database: Any) -> None:
    """Which of two accounts of one person stays is the council's decision: the upgrade names them and stops."""
    url = await new_database("registry")
    await asyncio.to_thread(migrate, url, MIGRATIONS, "0004")
    engine = create_engine(url)
    twice = [new_id("26"), new_id("26")]
    try:
        async with engine.begin() as connection:
            for i, volunteer_id in enumerate(twice):
                await connection.execute(
                    insert(VOLUNTEERS_0004).values(
                        id=volunteer_id,
                        login_id=f"hong_{i}",
                        name="홍길동",
                        birth_date=date(2001, 4, 5),
                        phone="010-1234-5678",
                        region="26",
                        registered_at=datetime.now(UTC),
                    )
                )
    finally:
        await engine.dispose()
    with pytest.raises(RuntimeError) as stopped:
        await asyncio.to_thread(migrate, url, MIGRATIONS)
    assert all(str(volunteer_id) in str(stopped.value) for volunteer_id in twice)
