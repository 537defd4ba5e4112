"""A batch published to JetStream at once: every message acknowledged or refused by itself, on the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import APIError

from vms_contracts.subjects import Bus
from vms_platform.jetstream import BatchPublisher


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    connection = await nats.connect(nats_url)
    yield connection
    await connection.close()


def message(
    bus: Bus, n: int, *, msg_id: str | None = None, stream: str | None = None
) -> tuple[str, bytes, dict[str, str]]:
    return (
        f"{bus.root}.11.hours.confirmed",
        b'{"n": %d}' % n,
        {"Nats-Msg-Id": msg_id or f"m{n}", "Nats-Expected-Stream": stream or bus.stream_name("HOURS")},
    )


async def test_a_batch_is_stored_in_order_and_each_message_answered(nc: Client, bus: Bus, js: JetStreamContext) -> None:
    publisher = BatchPublisher(nc, timeout=5)
    assert await publisher.publish_many([message(bus, n) for n in range(300)]) == [None] * 300
    again = await publisher.publish_many([message(bus, 7), message(bus, 300)])
    assert again == [None, None], "a message sent again is acknowledged (JetStream keeps it once)"
    info = await js.stream_info(bus.stream_name("HOURS"))
    assert info.state.messages == 301
    first = await js.get_msg(bus.stream_name("HOURS"), info.state.first_seq)
    assert first.data == b'{"n": 0}'


async def test_each_refusal_is_the_refused_messages_own(nc: Client, bus: Bus) -> None:
    publisher = BatchPublisher(nc, timeout=5)
    results = await publisher.publish_many(
        [
            message(bus, 1),
            (f"{bus.root}.nowhere", b"{}", {"Nats-Msg-Id": "lost"}),
            message(bus, 2, stream="NOT_THIS_ONE"),
            message(bus, 3),
        ]
    )
    assert results[0] is None and results[3] is None
    assert isinstance(results[1], NoRespondersError), results[1]
    assert isinstance(results[2], APIError), results[2]


async def test_no_acknowledgement_in_time_is_a_timeout(nc: Client, bus: Bus) -> None:
    # A subject something answers, but not JetStream: the answer never comes in the form of an acknowledgement.
    silent = await nc.subscribe(f"{bus.root}.silent", cb=_ignore)
    publisher = BatchPublisher(nc, timeout=0.3)
    (result,) = await publisher.publish_many([(f"{bus.root}.silent", b"{}", {})])
    assert isinstance(result, NatsTimeoutError)
    await silent.unsubscribe()


async def _ignore(_msg: Msg) -> None:
    return None
