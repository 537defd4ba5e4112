"""A service answers a request only to a reply subject under an inbox prefix.

NATS lets a caller choose any reply subject, and lets the service publish its answer there (`allow_responses`,
deploy/nats/accounts.conf), even to a subject the service's permissions deny. A reply aimed at an event subject
would be stored in that event's stream; one aimed at a request subject would be a request made in the service's
name. So what asks for such a reply is not handled at all. Checked on the real test server; the same rule holds
under the production permissions (tests/test_nats_config.py, with the real registry).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from pydantic import BaseModel

from vms_contracts.actor import ACTOR_HEADER, Actor
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.rpc import REQUEST_ID_HEADER, STATUS_HEADER, Rpc, safe_request_id
from vms_contracts.subjects import SERVICES, Bus, inbox_prefix
from vms_platform.actor import ActorVerifier, public_keys
from vms_platform.logging import current_trace
from vms_platform.rpc import is_inbox, rpc_router, serve
from vms_platform.testing import CENTRAL_ADMIN, gateway_signer, use_test_keys


class Ping(BaseModel):
    text: str


class Pong(BaseModel):
    text: str


PING = Rpc("registry", "health", Ping, Pong)
"""Served under the name of a request the permission matrix lets anyone ask, so that only the reply rules are
tested here (who may ask what: `test_actor.py`)."""


@pytest.mark.parametrize(
    ("reply", "answered"),
    [
        ("_INBOX_gateway.k3Ja9.1", True),
        ("_INBOX_hours-26.k3Ja9.1", True),
        ("_INBOX.k3Ja9.1", True),  # nats-py's default prefix
        ("vms.00.registry.volunteer.registered", False),
        ("vms.00.registry.rpc.set_consent", False),
        ("$JS.API.STREAM.DELETE.REGISTRY", False),
        ("$JS.ACK.HOURS.rewards-hours.1.2.3.4.0", False),
        ("_INBOX_gateway", False),
        ("_INBOX_", False),
        ("_INBOXES.x", False),
        ("_INBOX_gateway.>", False),
        ("_INBOX_gateway.*.x", False),
    ],
)
def test_only_an_inbox_is_a_reply_subject(reply: str, answered: bool) -> None:
    assert is_inbox(reply) is answered


@pytest.mark.parametrize("program", [*SERVICES, "gateway", "setup", "integrator", "registry-26", "hours-26-27"])
def test_every_programs_inbox_is_answered(program: str) -> None:
    assert is_inbox(f"{inbox_prefix(program)}.Xq3lWJ8yfG2sNY0cRbTz1a.17")


def signed(headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` and the actor every request must carry."""
    return {ACTOR_HEADER: gateway_signer().token(CENTRAL_ADMIN), **(headers or {})}


class Served:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.traced: list[tuple[str | None, str | None]] = []

    async def ping(self, request: Ping, _actor: Actor) -> Pong:
        self.asked.append(request.text)
        # What an event staged now would carry as its causation and correlation ids.
        self.traced.append(current_trace())
        return Pong(text=request.text)


@pytest.fixture
async def served(nats_url: str, bus: Bus) -> AsyncIterator[Served]:
    served = Served()
    router = rpc_router()
    verifier = ActorVerifier(public_keys(use_test_keys()["VMS_ACTOR_PUBLIC_KEYS"]))
    serve(router, bus, PING, served.ping, regions=["00"], verifier=verifier, slots=None, workers=2)
    broker = NatsBroker(nats_url, logger=None)
    broker.include_router(router)
    await broker.start()
    yield served
    await broker.stop()


async def _asked_after(client: Client, subject: str, served: Served, text: str) -> None:
    """Ask once more through a real inbox and let what was sent before it be handled first."""
    assert (await client.request(subject, Pong(text=text).model_dump_json().encode(), headers=signed(), timeout=5)).data
    await asyncio.sleep(0.2)


async def test_a_reply_aimed_at_a_stream_or_a_request_is_never_sent(nats_url: str, bus: Bus, served: Served) -> None:
    subject = PING.subject(bus)
    event_subject = bus.event_subject("00", "registry", "volunteer.registered")
    client = await nats.connect(nats_url, inbox_prefix=inbox_prefix("gateway"))
    js = client.jetstream()
    stream = bus.stream_name("REGISTRY")
    heard: list[str] = []

    async def hear(msg: nats.aio.msg.Msg) -> None:
        heard.append(msg.data.decode())

    await client.subscribe(subject, cb=hear)  # every message on the request subject, the service's own included
    await client.flush()
    before = (await js.stream_info(stream)).state.messages

    await client.publish(subject, b'{"text": "into the stream"}', reply=event_subject, headers=signed())
    await client.publish(subject, b'{"no": "text"}', reply=event_subject, headers=signed())  # a refusal replies too
    await client.publish(subject, b'{"text": "as a request"}', reply=subject, headers=signed())
    await _asked_after(client, subject, served, "through an inbox")

    assert served.asked == ["through an inbox"], "what asked for a reply outside an inbox was not handled"
    assert (await js.stream_info(stream)).state.messages == before, "nothing was stored as an event"
    assert len(heard) == 4, f"no reply arrived as a request: {heard}"
    await client.close()


async def test_a_request_without_a_reply_subject_is_handled(nats_url: str, bus: Bus, served: Served) -> None:
    """Nothing to answer, so nothing can land anywhere: a publish without a reply is handled as before."""
    client = await nats.connect(nats_url)
    await client.publish(PING.subject(bus), b'{"text": "no reply wanted"}', headers=signed())
    await _asked_after(client, PING.subject(bus), served, "through the default inbox")
    assert sorted(served.asked) == ["no reply wanted", "through the default inbox"]
    await client.close()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"text": NaN}', None),
        (b'{"text": "' + b"\xc0\xaf" + b'"}', None),
        (b"\xef\xbb\xbf" + b'{"text": "a byte order mark first"}', None),
        (b'{"text": 1' + b"0" * 5000 + b"}", None),
        (b"{not json", {"content-type": "application/json"}),
        (b"[" * 3000 + b"]" * 3000, {"content-type": "text/plain"}),
    ],
    ids=["NaN", "overlong UTF-8", "BOM", "a 5,000-digit number", "declared JSON", "declared text"],
)
async def test_a_body_that_cannot_be_read_is_an_invalid_request(
    nats_url: str, bus: Bus, served: Served, body: bytes, headers: dict[str, str] | None
) -> None:
    """Whatever the caller declares the body to be, it is read as JSON, and what cannot be read is the caller's
    fault (INVALID_REQUEST at the body), never an internal error."""
    client = await nats.connect(nats_url)
    reply = await client.request(PING.subject(bus), body, headers=signed(headers), timeout=5)
    await client.close()
    assert (reply.headers or {}).get(STATUS_HEADER) == "error"
    refusal = ErrorBody.model_validate_json(reply.data)
    assert (refusal.code, refusal.kind) == ("INVALID_REQUEST", ErrorKind.INVALID)
    assert [(f.field, f.type) for f in refusal.fields] == [("(body)", "json_invalid")]
    assert served.asked == []


async def test_an_empty_body_is_a_missing_request(nats_url: str, bus: Bus, served: Served) -> None:
    client = await nats.connect(nats_url)
    reply = await client.request(PING.subject(bus), b"", headers=signed(), timeout=5)
    await client.close()
    refusal = ErrorBody.model_validate_json(reply.data)
    assert refusal.code == "INVALID_REQUEST"
    assert [f.field for f in refusal.fields] == ["(body)"]


async def test_a_json_body_is_read_whatever_its_declared_type(nats_url: str, bus: Bus, served: Served) -> None:
    client = await nats.connect(nats_url)
    reply = await client.request(
        PING.subject(bus), b'{"text": "x"}', headers=signed({"content-type": "text/plain"}), timeout=5
    )
    await client.close()
    assert Pong.model_validate_json(reply.data) == Pong(text="x")


async def test_a_member_named_twice_is_refused_by_name(nats_url: str, bus: Bus, served: Served) -> None:
    """`{"text": "a", "text": "b"}`: which was meant cannot be known, on the bus as over HTTP."""
    client = await nats.connect(nats_url)
    reply = await client.request(PING.subject(bus), b'{"text": "a", "text": "b"}', headers=signed(), timeout=5)
    await client.close()
    refusal = ErrorBody.model_validate_json(reply.data)
    assert (refusal.code, refusal.kind) == ("INVALID_REQUEST", ErrorKind.INVALID)
    assert [(f.field, f.type) for f in refusal.fields] == [("text", "duplicate_member")]
    assert served.asked == []


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("req-7f3a.2:b_C", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("name=홍길동", False),
        ("abc def", False),
        ("abc\n", False),
    ],
)
def test_a_request_id_is_a_short_token(value: str, safe: bool) -> None:
    assert (safe_request_id(value) == value) is safe
    assert safe or safe_request_id(value) is None


async def test_a_request_id_that_is_not_a_short_token_never_becomes_a_cause(
    nats_url: str, bus: Bus, served: Served
) -> None:
    """A caller's `vms-request-id` becomes the causation id of the events its request causes, which integrators
    read: a long value holding a person's details is replaced with a fresh id, a short token is kept."""
    client = await nats.connect(nats_url)
    leaky = "name=홍길동 phone=010-1234-5678 " * 200
    for request_id in [leaky, "req-42"]:
        await client.request(
            PING.subject(bus), b'{"text": "x"}', headers=signed({REQUEST_ID_HEADER: request_id}), timeout=5
        )
    await client.request(PING.subject(bus), b'{"text": "x"}', headers=signed(), timeout=5)
    await client.close()

    (replaced, _), kept, absent = served.traced
    assert replaced is not None and replaced != leaky and safe_request_id(replaced) == replaced
    assert served.traced[0] == (replaced, replaced)
    assert kept == ("req-42", "req-42")
    assert absent == (None, None)
