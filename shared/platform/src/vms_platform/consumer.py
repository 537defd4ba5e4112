"""Event consumers: a durable pull consumer that takes events in batches, applies each batch in one transaction
with its inbox, and acknowledges only after that transaction committed.

`run` is the consumer's one loop, on a server and in memory alike: batches from a feed (`vms_platform.pull`), each
handled by `handle`. On a server the feed is a `PullFeed` on the durable consumer (FastStream 0.7.8's batch loop
drops the messages it has gathered when nats-py ends a fetch with the built-in `TimeoutError`, and nats-py's
`fetch` itself could lose track of a delivered message on a short timeout; either way the message waited for
`ack_wait`). With FastStream's `TestNatsBroker` (no server) it is a `MemoryFeed` that the subscriber attached by
`subscribe` fills, so the in-memory tests go through the same loop.

- A message that is not a valid event (malformed, unknown type or version, wrong subject, a value not of its
  field's JSON type, such as `"granted": "yes"`) is parked as a dead letter with the reason and acknowledged: it
  could never succeed.
- If a batch fails, its events are applied one by one, so one poison event does not hold back the others.
  A failing event is retried with a growing delay, and parked on its `max_deliver`-th delivery.
- A failure of the database itself (unreachable, restarting, locked) is no fault of the events: they are retried
  with a growing delay for as long as it lasts, never parked.
- Events whose type this consumer has no handler for are acknowledged and left alone.

While tracing is on (`vms_platform.tracing`), each event handled is a CONSUMER span, the child of the context the
relay published it with, carrying its event, causation and correlation ids and what became of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from itertools import groupby
from typing import Annotated, Any
from uuid import UUID

from faststream import Context
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.envelope import Envelope, Event, InvalidEvent, decode_event
from vms_contracts.subjects import Bus
from vms_platform import tracing
from vms_platform.db import Database
from vms_platform.deadletter import DeadLetters, Delivery
from vms_platform.inbox import claim
from vms_platform.jetstream import ConsumerSpec
from vms_platform.logging import get_logger, trace
from vms_platform.metrics import Metrics
from vms_platform.pull import Feed, MemoryFeed, PullFeed
from vms_platform.retry import Policy

log = get_logger("vms.consumer")

BatchHandler = Callable[[AsyncSession, list[Envelope[Any]]], Awaitable[None]]
"""Applies a run of events of one type, in stream order, inside the consumer's transaction."""


class PermanentError(Exception):
    """Raised by a handler for an event that can never be applied: it is parked at once, not retried."""


def is_transient(exc: BaseException) -> bool:
    """The database (or the network to it) failed, not the event: retry for as long as it takes."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError, SQLAlchemyTimeoutError, OSError, TimeoutError))


REDELIVERY = Policy(first=1.0, cap=60.0)
"""Delays before a failed event (or a batch the database could not take) is delivered again."""


def retry_delay(deliveries: int) -> float:
    """Seconds before the next delivery of an event delivered `deliveries` times: 1, 2, 4, … up to a minute."""
    return REDELIVERY.delay_after(max(1, deliveries))


class EventConsumer:
    def __init__(
        self,
        spec: ConsumerSpec,
        handlers: Mapping[type[Event], BatchHandler],
        *,
        db: Database,
        inbox: Table,
        bus: Bus,
        deadletters: DeadLetters,
        on_commit: Callable[[], None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.spec = spec
        self.metrics = metrics
        self.handlers = {cls.event_type: handler for cls, handler in handlers.items()}
        self._handled = {(cls.event_service, cls.event_name) for cls in handlers}
        self.db = db
        self.inbox = inbox
        self.bus = bus
        self.deadletters = deadletters
        self.on_commit = on_commit
        self._memory: MemoryFeed | None = None
        self._feed: Feed | None = None

    @property
    def name(self) -> str:
        return self.spec.durable

    @property
    def running(self) -> bool:
        """Whether `run` is taking batches."""
        return self._feed is not None

    @property
    def problem(self) -> str | None:
        """What keeps events from coming while the consumer runs (its stream or durable consumer missing,
        JetStream unavailable), with the time it began; None when all is well."""
        return self._feed.problem if self._feed is not None else None

    async def run(self, nc: Client | None, stop: asyncio.Event, *, batch_size: int) -> None:
        """Handle batches until `stop` is set: from the durable consumer on `nc` (declared by `vms nats-setup`;
        while it is missing, the feed waits for it and `problem` says so), or, with `nc=None`, from the in-memory
        feed that the subscriber attached by `subscribe` fills."""
        if nc is not None:
            feed: Feed = PullFeed(
                nc, stream=self.bus.stream_name(self.spec.stream), durable=self.spec.durable, batch=batch_size
            )
        elif self._memory is not None:
            feed = self._memory
        else:
            raise RuntimeError(f"consumer {self.name}: no connection, and no in-memory feed (see `subscribe`)")
        await feed.start()
        self._feed = feed
        waker = asyncio.create_task(_wake_when_set(stop, feed), name=f"stop-{self.name}")
        try:
            while not stop.is_set():
                messages = await feed.next_batch(batch_size, timeout=0.5)
                if not messages:
                    continue
                try:
                    await self.handle(messages)
                except Exception:
                    # `handle` answers every failure it expects; anything else is left unacknowledged and is
                    # delivered again after ack_wait.
                    log.exception("batch not handled", consumer=self.name, size=len(messages))
        finally:
            waker.cancel()
            self._feed = None
            await feed.stop()

    def subscribe(self, router: NatsRouter, *, batch_size: int) -> None:
        """Attach this consumer to `router` as a FastStream batch subscriber (for `TestNatsBroker`, which has no
        server to pull from) that fills the consumer's in-memory feed; `run(None, ...)` handles what it gets."""
        feed = self._memory = MemoryFeed()

        async def on_batch(message: Annotated[NatsBatchMessage, Context("message")]) -> None:
            feed.put(message.raw_message)

        router.subscriber(
            self.spec.filter_subject(self.bus),
            stream=JStream(self.bus.stream_name(self.spec.stream), declare=False),
            durable=self.spec.durable,
            config=self.spec.config(self.bus),
            pull_sub=PullSub(batch_size=batch_size, timeout=0.01, batch=True),
            ack_policy=AckPolicy.MANUAL,
            title=self.spec.durable,
            description=f"{self.spec.durable}: {', '.join(sorted(self.handlers))}",
        )(on_batch)

    async def handle(self, messages: Sequence[Msg]) -> None:
        if self.metrics is not None:
            self.metrics.batch_size.labels(self.name).observe(len(messages))
        wanted: list[tuple[Msg, Envelope[Event]]] = []
        skipped: list[Msg] = []
        for msg in messages:
            if not self._may_handle(msg.subject):
                skipped.append(msg)
                continue
            try:
                envelope = decode_event(msg.data, nats_subject=msg.subject, bus=self.bus)
            except InvalidEvent as exc:
                await self._park(msg, f"invalid event: {exc.reason}")
                continue
            if envelope.type in self.handlers:
                wanted.append((msg, envelope))
            else:
                skipped.append(msg)
        await _ack(skipped)
        if not wanted:
            return
        tracer = tracing.active()
        if tracer is None:
            await self._handle_wanted(wanted, None)
            return
        spans = tracing.EventSpans(tracer, self.name, wanted)
        try:
            await self._handle_wanted(wanted, spans)
        finally:
            spans.end()

    async def _handle_wanted(self, wanted: list[tuple[Msg, Envelope[Event]]], spans: tracing.EventSpans | None) -> None:
        try:
            await self._apply(wanted, spans)
        except Exception as exc:
            if is_transient(exc):
                await self._retry_later([msg for msg, _ in wanted], exc, spans)
                return
            if len(wanted) == 1:
                await self._failed(*wanted[0], exc, spans)
                return
            log.warning(
                "batch failed, applying its events one by one", consumer=self.name, size=len(wanted), error=repr(exc)
            )
            for item in wanted:
                try:
                    await self._apply([item], spans)
                except Exception as one_exc:
                    await self._failed(*item, one_exc, spans)
                else:
                    await _ack([item[0]])
            return
        await _ack([msg for msg, _ in wanted])

    def _may_handle(self, subject: str) -> bool:
        """Whether a message on `subject` may be an event this consumer handles. One of another kind is left
        without reading it (a stream carries every event of its service, and most are not this consumer's);
        one on a subject that is not an event's is read, so that it is parked with what is wrong with it."""
        try:
            _, service, name = self.bus.split_event_subject(subject)
        except ValueError:
            return True
        return (service, name) in self._handled

    async def _apply(self, items: Sequence[tuple[Msg, Envelope[Event]]], spans: tracing.EventSpans | None) -> None:
        if spans is None:
            new = await self._apply_once(items)
        else:
            with spans.applying([msg for msg, _ in items]):
                new = await self._apply_once(items)
            spans.outcome([msg for msg, e in items if e.id in new], "handled")
            spans.outcome([msg for msg, e in items if e.id not in new], "duplicate")
        if new and self.on_commit is not None:
            self.on_commit()

    async def _apply_once(self, items: Sequence[tuple[Msg, Envelope[Event]]]) -> set[UUID]:
        """Apply the events of `items` not handled before, in one transaction with the inbox; returns their ids."""
        async with self.db.transaction() as session:
            new = await claim(session, self.inbox, self.name, [e.id for _, e in items])
            # Once each: a redelivery can land in the same batch as the message it repeats.
            fresh = list({e.id: e for _, e in items if e.id in new}.values())
            for type_, run in groupby(fresh, key=lambda e: e.type):
                await self.handlers[type_](session, list(run))
        if self.metrics is not None:
            self.metrics.events_handled.labels(self.name).inc(len(fresh))
        return new

    async def _retry_later(self, messages: Sequence[Msg], exc: Exception, spans: tracing.EventSpans | None) -> None:
        deliveries = max(Delivery.of(m).deliveries for m in messages)
        delay = retry_delay(deliveries)
        if spans is not None:
            for msg in messages:
                spans.failed(msg, exc, "retry")
        log.warning(
            "database unavailable, the batch waits",
            consumer=self.name,
            size=len(messages),
            retry_in=delay,
            error=repr(exc),
        )
        for msg in messages:
            await msg.nak(delay=delay)

    async def _failed(
        self, msg: Msg, envelope: Envelope[Event], exc: Exception, spans: tracing.EventSpans | None
    ) -> None:
        if is_transient(exc):
            await self._retry_later([msg], exc, spans)
            return
        deliveries = Delivery.of(msg).deliveries
        with traced(envelope):
            if isinstance(exc, PermanentError) or deliveries >= self.spec.max_deliver:
                if spans is not None:
                    spans.failed(msg, exc, "parked")
                await self._park(msg, f"{type(exc).__name__}: {exc} (delivery {deliveries})")
                return
            if spans is not None:
                spans.failed(msg, exc, "retry")
            delay = retry_delay(deliveries)
            log.warning(
                "event failed, will retry",
                consumer=self.name,
                type=envelope.type,
                delivery=deliveries,
                retry_in=delay,
                error=repr(exc),
            )
            await msg.nak(delay=delay)

    async def _park(self, msg: Msg, reason: str) -> None:
        try:
            await self.deadletters.park(msg, consumer=self.name, reason=reason)
        except Exception as exc:
            # Not parked means not acknowledged: JetStream delivers it again and parking is tried again.
            log.error("could not park dead letter", consumer=self.name, subject=msg.subject, error=repr(exc))
            await msg.nak(delay=retry_delay(Delivery.of(msg).deliveries))
            return
        await _ack([msg])
        if self.metrics is not None:
            self.metrics.events_parked.labels(self.name).inc()


async def _wake_when_set(stop: asyncio.Event, feed: Feed) -> None:
    """A stopping consumer does not wait out the feed's timeout."""
    await stop.wait()
    feed.wake()


async def _ack(messages: Sequence[Msg]) -> None:
    # One after the other: an ack only queues a few bytes for the connection, and a task per message would cost
    # more than the ack.
    for msg in messages:
        await msg.ack()


def traced(envelope: Envelope[Any]) -> Any:
    """Bind `envelope`'s ids while a handler works on it (log lines and the events it stages carry them)."""
    return trace(event_id=str(envelope.id), causation_id=envelope.causationid, correlation_id=envelope.correlationid)
