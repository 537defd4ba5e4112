"""A request the registry cannot take at face value is refused with its fields named, and leaves nothing behind:
no row, no event. Sent as raw JSON over a real NATS server to the running service, on SQLite and PostgreSQL
(where a NUL byte in a name used to end in an internal error, and on SQLite in the database)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from sqlalchemy import Table, func, select

from vms_contracts.actor import ACTOR_HEADER, Actor, Role
from vms_contracts.rpc import REQUEST_ID_HEADER, STATUS_HEADER, Rpc
from vms_contracts.rpc import registry as rpc
from vms_contracts.subjects import Bus
from vms_platform.runtime import ServiceApp
from vms_platform.testing import CENTRAL_ADMIN, gateway_signer, running, volunteer
from vms_registry.app import create_app
from vms_registry.db import centres, consents, outbox, volunteers
from vms_registry.settings import RegistrySettings

VOLUNTEER: dict[str, Any] = {
    "login_id": "hong_gildong",
    "name": "홍길동",
    "birth_date": "2001-04-05",
    "phone": "010-1234-5678",
    "region": "11",
}


@pytest.fixture
async def registry(bus: Bus, nats_url: str, new_database: Any) -> AsyncIterator[ServiceApp]:
    settings = RegistrySettings(nats_url=nats_url, database_url=await new_database("registry"), bus_root=bus.root)
    async with running(create_app(settings), str(files("vms_registry") / "migrations")) as app:
        yield app


SIGNING_UP = Actor(id=str(uuid4()), role=Role.ANONYMOUS)


async def ask(
    app: ServiceApp, request: Rpc[Any, Any], body: dict[str, Any], region: str, actor: Actor = CENTRAL_ADMIN
) -> tuple[bool, Any]:
    """Send `body` as a client would, as JSON text, on behalf of `actor` as the gateway signs it; (refused?, the
    reply)."""
    nc = await nats.connect(app.settings.nats_url)
    try:
        reply = await nc.request(
            request.subject(app.bus, region),
            json.dumps(body).encode(),
            timeout=10,
            headers={REQUEST_ID_HEADER: "test", ACTOR_HEADER: gateway_signer().token(actor)},
        )
    finally:
        await nc.close()
    return (reply.headers or {}).get(STATUS_HEADER) == "error", json.loads(reply.data)


async def rows(app: ServiceApp, table: Table) -> int:
    async with app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def fields(reply: dict[str, Any]) -> dict[str, str]:
    assert reply["code"] == "INVALID_REQUEST", reply
    return {f["field"]: f["type"] for f in reply["fields"]}


async def test_a_nul_byte_in_a_name_is_refused_and_nothing_is_stored(registry: ServiceApp) -> None:
    refused, reply = await ask(registry, rpc.REGISTER_VOLUNTEER, {**VOLUNTEER, "name": "홍\x00길동"}, "11", SIGNING_UP)
    assert refused
    assert fields(reply) == {"name": "text_control_character"}
    assert (await rows(registry, volunteers), await rows(registry, outbox)) == (0, 0)


async def test_every_wrong_field_of_a_registration_is_named_at_once(registry: ServiceApp) -> None:
    wrong = {
        **VOLUNTEER,
        "login_id": "Hong",
        "name": "홍길동\n",
        "birth_date": 0,
        "phone": "010١٢٣٤٥٦٧٨",
        "nickname": "길동",
    }
    refused, reply = await ask(registry, rpc.REGISTER_VOLUNTEER, wrong, "11", SIGNING_UP)
    assert refused
    assert fields(reply) == {
        "login_id": "login_id_format",
        "name": "text_line_break",
        "birth_date": "date_format",
        "phone": "phone_format",
        "nickname": "extra_forbidden",
    }
    assert all(f["message"] and f["message_en"] for f in reply["fields"])
    assert (await rows(registry, volunteers), await rows(registry, outbox)) == (0, 0)


async def test_a_centre_in_the_national_region_is_refused(registry: ServiceApp) -> None:
    refused, reply = await ask(registry, rpc.REGISTER_CENTRE, {"name": "행복종합사회복지관", "region": "00"}, "00")
    assert refused
    assert fields(reply) == {"region": "region_province"}
    assert (await rows(registry, centres), await rows(registry, outbox)) == (0, 0)


async def test_consent_is_given_only_by_true(registry: ServiceApp) -> None:
    """`"yes"` and `1` once counted as consent, and were announced as such."""
    refused, member = await ask(registry, rpc.REGISTER_VOLUNTEER, VOLUNTEER, "11", SIGNING_UP)
    assert not refused
    me = volunteer(UUID(member["id"]))
    events = await rows(registry, outbox)
    request = {"volunteer_id": member["id"], "consent": "portal1365"}
    for granted in ["yes", 1, "true", None]:
        refused, reply = await ask(registry, rpc.SET_CONSENT, {**request, "granted": granted}, "11", me)
        assert refused, granted
        assert fields(reply) == {"granted": "bool_type"}, granted
    assert (await rows(registry, consents), await rows(registry, outbox)) == (0, events)

    refused, consent = await ask(registry, rpc.SET_CONSENT, {**request, "granted": True}, "11", me)
    assert not refused and consent["granted"] is True
    assert (await rows(registry, consents), await rows(registry, outbox)) == (1, events + 1)


async def test_a_name_that_hides_what_it_holds_is_refused_and_nothing_is_stored(registry: ServiceApp) -> None:
    """Each of these was stored as a centre's name."""
    hidden = {
        "\u200b": "text_zero_width_edge",
        "\u200d\u200d": "text_zero_width_edge",
        "\ufeff센터": "text_invisible_character",
        "센터\u202e악성": "text_bidi_control",
        "\u0301\u0301": "text_combining_start",
        "\ue000": "text_private_use",
        "\uffff": "text_noncharacter",
    }
    for name, rule in hidden.items():
        refused, reply = await ask(registry, rpc.REGISTER_CENTRE, {"name": name, "region": "11"}, "11")
        assert refused, name
        assert fields(reply) == {"name": rule}, name
    assert (await rows(registry, centres), await rows(registry, outbox)) == (0, 0)

    refused, centre = await ask(
        registry, rpc.REGISTER_CENTRE, {"name": "행복\u1112\u1161\u11ab센터", "region": "11"}, "11"
    )
    assert not refused, centre
    assert (await rows(registry, centres), await rows(registry, outbox)) == (1, 1)


async def send(app: ServiceApp, request: Rpc[Any, Any], body: bytes, region: str) -> tuple[bool, Any]:
    """Send `body` as it is, bytes that need not be JSON; (refused?, the reply)."""
    nc = await nats.connect(app.settings.nats_url)
    try:
        reply = await nc.request(request.subject(app.bus, region), body, timeout=10)
    finally:
        await nc.close()
    return (reply.headers or {}).get(STATUS_HEADER) == "error", json.loads(reply.data)


DEPTH = 100_000
UNDECODABLE: dict[str, bytes] = {
    "nested arrays": b"[" * DEPTH + b"]" * DEPTH,
    "nested objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "a name nested deep": b'{"name": ' + b"[" * DEPTH + b"]" * DEPTH + b', "region": "11"}',
    "not UTF-8": b'{"name": "\xff\xfe", "region": "11"}',
    "not JSON": b"name=x&region=11",
    "cut short": '{"name": "행복'.encode(),
}


@pytest.mark.parametrize("body", UNDECODABLE.values(), ids=list(UNDECODABLE))
async def test_a_body_that_cannot_be_read_is_refused_as_invalid(registry: ServiceApp, body: bytes) -> None:
    """A body nested 100,000 deep was answered INTERNAL_ERROR (a RecursionError in the log): the caller sent
    something wrong, and is told so, like any other request that is not JSON."""
    refused, reply = await send(registry, rpc.REGISTER_CENTRE, body, "11")
    assert refused
    assert reply["code"] == "INVALID_REQUEST", reply
    assert reply["kind"] == "invalid", reply
    assert [(f["field"], f["type"]) for f in reply["fields"]] == [("(body)", "json_invalid")], reply
    assert all(f["message"] and f["message_en"] for f in reply["fields"])
    assert (await rows(registry, centres), await rows(registry, outbox)) == (0, 0)


async def test_a_centre_name_sent_decomposed_is_the_same_centre(registry: ServiceApp) -> None:
    """The name in its region is what makes registering a centre idempotent: sent composed (NFC) and decomposed
    (NFD, as macOS sends it), it once made two centres. One centre now, its name stored composed."""
    composed = "해운대종합사회복지관"
    refused, first = await ask(registry, rpc.REGISTER_CENTRE, {"name": composed, "region": "26"}, "26")
    assert not refused, first
    decomposed = unicodedata.normalize("NFD", composed)
    refused, again = await ask(registry, rpc.REGISTER_CENTRE, {"name": decomposed, "region": "26"}, "26")
    assert not refused, again
    assert again["id"] == first["id"] and again["name"] == composed
    assert await rows(registry, centres) == 1


def hangul(message: str) -> bool:
    return any("\uac00" <= character <= "\ud7a3" for character in message)


async def test_every_wrong_field_of_a_profile_is_named_in_korean_and_english(registry: ServiceApp) -> None:
    wrong = {
        **VOLUNTEER,
        "phone": "010-12-5678",
        "email": "hong@example",
        "desired_activities": [{"activity_type": "facility", "sub_field": "cooking"}],
        "availability": [{"weekday": "sat", "part": "morning"}, {"weekday": "sat", "part": "morning"}],
        "school": {"name": "서울중학교", "level": "middle", "grade": 4},
    }
    refused, reply = await ask(registry, rpc.REGISTER_VOLUNTEER, wrong, "11", SIGNING_UP)
    assert refused
    assert fields(reply) == {
        "phone": "phone_format",
        "email": "email_format",
        "desired_activities.0.sub_field": "sub_field_unknown",
        "availability": "list_duplicate",
        "school.grade": "grade_range",
    }
    said = {f["field"]: f for f in reply["fields"]}
    for field in said.values():
        assert hangul(field["message"]) and not hangul(field["message_en"]), field
    assert "시설봉사" in said["desired_activities.0.sub_field"]["message"]
    assert "cooking" in said["desired_activities.0.sub_field"]["message_en"]
    assert "1–3학년" in said["school.grade"]["message"] and "grades 1 to 3" in said["school.grade"]["message_en"]
    assert "hong@example.com" in said["email"]["message"], "the refusal shows what an address looks like"

    refused, reply = await ask(
        registry,
        rpc.REGISTER_VOLUNTEER,
        {**VOLUNTEER, "school": {"name": "서울고등학교", "level": "high", "grade": 7}},
        "11",
        SIGNING_UP,
    )
    assert refused and fields(reply) == {"school.grade": "less_than_equal"}
    assert (await rows(registry, volunteers), await rows(registry, outbox)) == (0, 0)


async def test_a_district_outside_the_region_is_refused_at_registration_and_at_update(registry: ServiceApp) -> None:
    """At 회원가입 the request names both; at 회원정보 수정 the region is the one the registry holds."""
    refused, reply = await ask(registry, rpc.REGISTER_VOLUNTEER, {**VOLUNTEER, "district": "26350"}, "11", SIGNING_UP)
    assert refused and fields(reply) == {"district": "district_region"}
    assert (await rows(registry, volunteers), await rows(registry, outbox)) == (0, 0)

    refused, member = await ask(registry, rpc.REGISTER_VOLUNTEER, {**VOLUNTEER, "district": "11110"}, "11", SIGNING_UP)
    assert not refused, member
    events = await rows(registry, outbox)
    update = {"volunteer_id": member["id"], "phone": member["phone"], "district": "26350"}
    refused, reply = await ask(registry, rpc.UPDATE_VOLUNTEER, update, "11", volunteer(UUID(member["id"])))
    assert refused and fields(reply) == {"district": "district_region"}
    (field,) = reply["fields"]
    assert "서울특별시" in field["message"] and "26350" in field["message_en"]
    assert await rows(registry, outbox) == events


async def test_the_same_person_twice_is_told_so_with_the_login_id_masked(registry: ServiceApp) -> None:
    refused, _ = await ask(registry, rpc.REGISTER_VOLUNTEER, VOLUNTEER, "11", SIGNING_UP)
    assert not refused
    again = {**VOLUNTEER, "login_id": "gildong_again", "phone": "01012345678"}
    refused, reply = await ask(registry, rpc.REGISTER_VOLUNTEER, again, "11", SIGNING_UP)
    assert refused
    assert (reply["code"], reply["kind"], reply["params"]) == (
        "PERSON_ALREADY_REGISTERED",
        "conflict",
        {"login_id": "ho**********"},
    )
    assert "이미 가입된 회원입니다" in reply["message"] and "already a member" in reply["message_en"]
    assert await rows(registry, volunteers) == 1


async def test_a_suspension_without_its_reason_is_refused_naming_the_reason(registry: ServiceApp) -> None:
    refused, centre = await ask(registry, rpc.REGISTER_CENTRE, {"name": "행복종합사회복지관", "region": "11"}, "11")
    assert not refused, centre
    refused, accredited = await ask(registry, rpc.ACCREDIT_CENTRE, {"centre_id": centre["id"]}, "11")
    assert not refused and accredited["status"] == "accredited", accredited
    events = await rows(registry, outbox)
    refused, reply = await ask(registry, rpc.SUSPEND_CENTRE, {"centre_id": centre["id"]}, "11")
    assert refused and fields(reply) == {"reason": "suspension_reason_required"}
    assert hangul(reply["fields"][0]["message"]) and reply["fields"][0]["message_en"]
    assert await rows(registry, outbox) == events
