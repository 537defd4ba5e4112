"""`EventConsumer.run`, the one loop of every consumer: in memory (fed by FastStream's TestNatsBroker) and on a real
server (fed by a `PullFeed`), with what it reports while its durable consumer is missing."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from faststream.nats import NatsBroker, NatsRouter, TestNatsBroker
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession

import vms_platform.consumer as consumer_module
from vms_contracts.envelope import Envelope
from vms_contracts.events import HoursConfirmedV1
from vms_contracts.events.registry import ConsentChangedV1, ConsentKind
from vms_contracts.subjects import Bus
from vms_platform.consumer import EventConsumer, retry_delay
from vms_platform.db import Database, new_metadata
from vms_platform.deadletter import DeadLetters
from vms_platform.inbox import inbox_table
from vms_platform.jetstream import CONSUMERS, declare
from vms_platform.testing import eventually, hours_confirmed

metadata = new_metadata()
inbox = inbox_table(metadata)


class Recorder:
    """The consumer's handler, and what it was given, batch by batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def on_hours_confirmed(self, session: AsyncSession, events: list[Envelope[HoursConfirmedV1]]) -> None:
        self.batches.append([str(e.id) for e in events])

    def ids(self) -> set[str]:
        return {i for batch in self.batches for i in batch}


class Parked:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def __call__(self, subject: str, payload: bytes, **kwargs: Any) -> None:
        self.reasons.append(kwargs["headers"]["Vms-Dead-Reason"])


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'consumer.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.close()


def rewards_consumer(
    bus: Bus, db: Database, recorder: Recorder, parked: Parked, *, durable: str = "rewards-hours"
) -> EventConsumer:
    """A consumer of `hours.confirmed` on `durable` (rewards-hours by default)."""
    return EventConsumer(
        CONSUMERS[durable],
        {HoursConfirmedV1: recorder.on_hours_confirmed},
        db=db,
        inbox=inbox,
        bus=bus,
        deadletters=DeadLetters(bus, parked),
    )


@contextlib.asynccontextmanager
async def running(consumer: EventConsumer, nc: Client | None) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nc, stop, batch_size=500))
    try:
        await eventually(lambda: _running(consumer), what="the consumer's loop started")
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 5.0)


async def _running(consumer: EventConsumer) -> bool:
    return consumer.running


def test_redelivery_delays_grow_to_a_minute() -> None:
    assert [retry_delay(n) for n in (0, 1, 2, 3, 4, 6, 7, 8, 20)] == [1, 1, 2, 4, 8, 32, 60, 60, 60]
    assert retry_delay(5_000) == 60, "a day-long database outage redelivers a batch thousands of times"


def test_a_costly_consumer_takes_smaller_batches_than_the_service_is_configured_for() -> None:
    matches, moved = CONSUMERS["registry-matches"], CONSUMERS["registry-moved"]
    assert matches.max_batch is not None
    assert matches.batch_size(500) == matches.max_batch < 500
    assert matches.batch_size(5) == 5, "never more than the service is configured for"
    assert moved.batch_size(500) == 500
    assert matches.durable_for("26").batch_size(500) == matches.max_batch, "a regional deployment's too"


async def test_without_a_connection_the_loop_needs_the_in_memory_feed(db: Database) -> None:
    consumer = rewards_consumer(Bus("mem"), db, Recorder(), Parked())
    with pytest.raises(RuntimeError, match="no in-memory feed"):
        await consumer.run(None, asyncio.Event(), batch_size=500)


async def test_in_memory_events_are_handled_by_the_loop_in_one_batch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus, recorder, parked = Bus("mem"), Recorder(), Parked()
    acked: list[int] = []
    real_ack = consumer_module._ack

    async def counting_ack(messages: Sequence[Msg]) -> None:
        acked.append(len(messages))
        await real_ack(messages)

    monkeypatch.setattr(consumer_module, "_ack", counting_ack)
    consumer = rewards_consumer(bus, db, recorder, parked)
    broker, router = NatsBroker(), NatsRouter()
    consumer.subscribe(router, batch_size=500)
    broker.include_router(router)
    events = [hours_confirmed() for _ in range(3)]
    async with TestNatsBroker(broker) as test_broker, running(consumer, None) as stop:
        # Sent together, as a backlog: one batch takes them all.
        await asyncio.gather(
            *(
                test_broker.publish(envelope.to_json(), envelope.nats_subject(bus), stream=bus.stream_name("HOURS"))
                for envelope in events
            ),
            test_broker.publish(b"not an event", bus.event_subject("11", "hours", "confirmed")),
        )

        async def all_handled() -> bool:
            return recorder.ids() == {str(e.id) for e in events} and bool(parked.reasons)

        await eventually(all_handled, what="the events handled and the garbage parked")
        assert consumer.problem is None
        stop.set()
    assert [sorted(batch) for batch in recorder.batches] == [sorted(str(e.id) for e in events)], "one transaction"
    assert sum(acked) == 4
    assert parked.reasons[0].startswith("invalid event: not JSON")
    assert not consumer.running


async def test_a_missing_durable_consumer_is_reported_and_read_once_declared(
    bus: Bus, nats_url: str, db: Database
) -> None:
    recorder, parked = Recorder(), Parked()
    consumer = rewards_consumer(bus, db, recorder, parked)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        await js.delete_consumer(stream, "rewards-hours")
        async with running(consumer, nc):

            async def reported() -> str | None:
                return consumer.problem

            problem = await eventually(reported, what="the missing consumer reported")
            assert problem.startswith(f"consumer {stream}/rewards-hours not found (404) since ")
            envelope = hours_confirmed()
            await js.publish(envelope.nats_subject(bus), envelope.to_json())
            await declare(js, bus)

            async def handled() -> bool:
                return str(envelope.id) in recorder.ids()

            await eventually(handled, what="the event once the consumer was declared again")
            assert consumer.problem is None
        assert consumer.problem is None and not consumer.running
    finally:
        await nc.close()


async def test_a_stopping_consumer_does_not_wait_out_its_feed(bus: Bus, nats_url: str, db: Database) -> None:
    consumer = rewards_consumer(bus, db, Recorder(), Parked())
    nc = await nats.connect(nats_url)
    try:
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(nc, stop, batch_size=500))
        await eventually(lambda: _running(consumer), what="the loop started")
        loop = asyncio.get_running_loop()
        started = loop.time()
        stop.set()
        await asyncio.wait_for(task, 5.0)
        assert loop.time() - started < 0.3
    finally:
        await nc.close()


async def test_a_wrongly_typed_event_is_parked_not_guessed_at(bus: Bus, nats_url: str, db: Database) -> None:
    """Anyone allowed to publish on an event subject can write an event: a forged `consent.changed` with
    `"granted": "yes"` is no consent. It is parked with the reason; the same event written right is handled, its
    dates, UUIDs and enum read from their strings as before."""
    granted: list[bool] = []
    parked = Parked()

    async def on_consent(session: AsyncSession, events: list[Envelope[ConsentChangedV1]]) -> None:
        granted.extend(e.data.granted for e in events)

    consumer = EventConsumer(
        CONSUMERS["linkage-registry"],
        {ConsentChangedV1: on_consent},
        db=db,
        inbox=inbox,
        bus=bus,
        deadletters=DeadLetters(bus, parked),
    )
    change = ConsentChangedV1(
        volunteer_id=uuid4(),
        consent=ConsentKind.PORTAL_1365,
        granted=True,
        changed_at=datetime.now(UTC),
        channel="portal",
    )
    right = Envelope.wrap(change, source="/vms/registry/test", region="11")
    forged = json.loads(Envelope.wrap(change, source="/vms/registry/test", region="11").to_json())
    forged["data"]["granted"] = "yes"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await js.publish(right.nats_subject(bus), json.dumps(forged).encode())
        await js.publish(right.nats_subject(bus), right.to_json())
        async with running(consumer, nc):

            async def handled() -> bool:
                return bool(granted) and bool(parked.reasons)

            await eventually(handled, what="the right event handled and the forged one parked")
    finally:
        await nc.close()
    assert granted == [True], "only the event written right counted"
    assert len(parked.reasons) == 1
    assert parked.reasons[0].startswith("invalid event: vms.registry.consent.changed.v1: data.granted: ")


async def test_events_of_a_kind_the_consumer_does_not_handle_are_left_unread(
    bus: Bus, nats_url: str, db: Database
) -> None:
    """A stream carries every event of its service and a consumer reads the kinds it handles: one of another kind
    is acknowledged without being read (even one nobody could read), while one of a kind it handles that cannot
    be read is parked with what is wrong with it."""
    recorder, parked = Recorder(), Parked()
    consumer = rewards_consumer(bus, db, recorder, parked, durable="hours-totals")
    right = hours_confirmed()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    try:
        await js.publish(bus.event_subject("11", "hours", "recorded"), b"not an event")
        await js.publish(right.nats_subject(bus), b"not an event either")
        await js.publish(right.nats_subject(bus), right.to_json())
        async with running(consumer, nc):

            async def settled() -> bool:
                info = await js.consumer_info(stream, "hours-totals")
                return info.num_pending == 0 and info.num_ack_pending == 0 and bool(recorder.ids())

            await eventually(settled, what="every message acknowledged")
    finally:
        await nc.close()
    assert recorder.ids() == {str(right.id)}
    assert len(parked.reasons) == 1, parked.reasons
    assert parked.reasons[0].startswith("invalid event: "), parked.reasons
