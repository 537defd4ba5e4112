"""Transactional outbox: a state change and the events it causes are written in one transaction; a relay
publishes them to JetStream afterwards, as often as it takes, with `Nats-Msg-Id` = event id.

Rows are kept after sending (`sent_at` set) for `retention`, so that any range can be published again if the
broker ever loses what it acknowledged; consumers' inboxes make the repeat harmless.

While tracing is on (`vms_platform.tracing`), an event staged by a traced transaction carries that transaction's
trace context in its envelope, as CloudEvents' distributed tracing extension has it (`traceparent`, `tracestate`),
and the relay publishes it as a span of that trace, the span's own context in the message's headers: the trace goes
on from the request that made the change to every consumer of the event, however much later the row is published
and by whichever replica. No column holds it: the row's payload is the event as it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from opentelemetry.trace import Tracer
from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.envelope import EVENT_TYPES, Envelope, Event
from vms_contracts.events import RETIRED
from vms_contracts.streams import stream_of
from vms_contracts.subjects import Bus
from vms_platform import tracing
from vms_platform.aio import wait_any
from vms_platform.db import Database, UtcDateTime, insert_many, on_postgresql
from vms_platform.leader import Lead, lead_for
from vms_platform.logging import Origin, current_origin, get_logger
from vms_platform.retry import Backoff, Policy

log = get_logger("vms.outbox")


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", Uuid, primary_key=True, comment="event id, also the Nats-Msg-Id"),
        Column("subject", String(200), nullable=False),
        Column("type", String(120), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        Column(
            "generation",
            Integer,
            nullable=False,
            server_default="0",
            comment="raised by every republish, so that a relay pass that read the row before cannot mark it sent",
        ),
        Index("ix_outbox_pending", "sent_at", "created_at"),
        # The relay's read (`WHERE sent_at IS NULL ORDER BY created_at, id LIMIT n`) walks this index from its
        # start: without it each pass sorted every unsent row, so a backlog of a million took longer to drain the
        # longer it was.
        Index(
            "ix_outbox_unsent",
            "created_at",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )


class Outbox:
    """Stages events in the caller's transaction; wakes the relay once that transaction commits."""

    def __init__(self, table: Table, *, bus: Bus, source: str) -> None:
        self.table = table
        self.bus = bus
        self.source = source
        self.committed = asyncio.Event()

    async def stage(self, session: AsyncSession, data: Event, *, region: str) -> Envelope[Event]:
        return (await self.stage_many(session, [(data, region)]))[0]

    async def stage_many(
        self, session: AsyncSession, items: Sequence[tuple[Event, str]], *, origins: Sequence[Origin] | None = None
    ) -> list[Envelope[Event]]:
        """Each event with its region, caused by the message being handled, or by `origins` (one an event) when
        the events of several requests are staged together."""
        for data, _region in items:
            if data.event_type in RETIRED:
                # A retired version is readable, never published again: what it carried must stop flowing.
                raise TypeError(f"{data.event_type} is retired; publish {RETIRED[data.event_type]}")
        if origins is None:
            origins = [current_origin()] * len(items)
        elif len(origins) != len(items):
            raise ValueError(f"{len(items)} events with {len(origins)} origins")
        envelopes: list[Envelope[Event]] = [
            Envelope.wrap(
                data,
                source=self.source,
                region=region,
                causation_id=origin.causation_id,
                correlation_id=origin.correlation_id,
                actor=origin.actor,
            )
            for (data, region), origin in zip(items, origins, strict=True)
        ]
        if not envelopes:
            return envelopes
        now = datetime.now(UTC)
        rows = [
            {
                "id": e.id,
                "subject": e.nats_subject(self.bus),
                "type": e.type,
                "payload": e.to_json(),
                "created_at": now,
            }
            for e in envelopes
        ]
        if tracing.active() is not None:
            _keep_trace_contexts(rows, origins)
        await insert_many(session, self.table, rows)
        event.listen(session.sync_session, "after_commit", self._after_commit, once=True)
        return envelopes

    def _after_commit(self, _session: Any) -> None:
        self.committed.set()


def _keep_trace_contexts(rows: list[dict[str, Any]], origins: Sequence[Origin]) -> None:
    """Each event with the trace of what caused it (`tracing.creation_context`): the request or event its origin
    names while that is being handled, else the current span; left as it is where that is not traced."""
    contexts: dict[str | None, dict[str, str] | None] = {}
    for row, origin in zip(rows, origins, strict=True):
        cause = origin.causation_id
        if cause not in contexts:
            contexts[cause] = tracing.creation_context(cause)
        context = contexts[cause]
        if context is not None:
            row["payload"] = tracing.with_creation_context(row["payload"], context)


class Publish(Protocol):
    """Publish one message to JetStream and wait for its acknowledgement."""

    def __call__(
        self, subject: str, payload: bytes, *, msg_id: str, stream: str, headers: dict[str, str] | None = None
    ) -> Awaitable[None]: ...


Outgoing = tuple[str, bytes, str, str]
"""A message the relay publishes: subject, payload, message id (`Nats-Msg-Id`), stream."""


class PublishMany(Protocol):
    """Publish many messages to JetStream at once: each one's error, or None once JetStream acknowledged it. A
    message the relay traces carries its trace context besides its own headers (`traced_headers`)."""

    def __call__(self, messages: Sequence[Outgoing]) -> Awaitable[list[BaseException | None]]: ...


_traced_headers: ContextVar[Mapping[str, dict[str, str]] | None] = ContextVar("traced_headers", default=None)


def traced_headers() -> Mapping[str, dict[str, str]] | None:
    """While the relay publishes a batch of which some events are traced: the headers each of those carries
    besides its own (its trace context), by message id; None otherwise (always, while tracing is off). Every
    `PublishMany` adds them; set around the call rather than passed to it, so that a wrapper around one (a test's
    that loses acknowledgements, say) passes them on unawares."""
    return _traced_headers.get()


async def one_by_one(publish: Publish, messages: Sequence[Outgoing]) -> list[BaseException | None]:
    """`PublishMany` by `publish`, every message in flight at once."""
    traced = traced_headers()
    results = await asyncio.gather(
        *(
            publish(subject, payload, msg_id=msg_id, stream=stream)
            if traced is None or msg_id not in traced
            else publish(subject, payload, msg_id=msg_id, stream=stream, headers=traced[msg_id])
            for subject, payload, msg_id, stream in messages
        ),
        return_exceptions=True,
    )
    return [result if isinstance(result, BaseException) else None for result in results]


class OutboxRelay:
    """Publishes unsent rows in order, many in flight at once, and marks what JetStream acknowledged.

    Of a deployment's replicas, one relays at a time (`vms_platform.leader`): the others stand by and take over
    when it is gone. So each row is published once, in the order the deployment committed its events (a publish
    that failed is retried after later rows went out). A row is marked sent only if it was not reset for
    republishing (`generation`) after the pass read it; otherwise it stays unsent and goes out again.
    """

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        publish: Publish,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=30),
        lead: Lead | None = None,
        publish_many: PublishMany | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.table = outbox.table
        self.publish = publish
        self.publish_many: PublishMany = publish_many or self._one_by_one
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.lead = lead or lead_for(db, "outbox-relay")
        self.leading = False
        self._unsent = (
            select(
                self.table.c.id,
                self.table.c.subject,
                self.table.c.type,
                self.table.c.payload,
                self.table.c.generation,
                self.table.c.created_at,
            )
            .where(self.table.c.sent_at.is_(None))
            .order_by(self.table.c.created_at, self.table.c.id)
            .limit(bindparam("limit"))
        )
        """Built once, as the statements of every pass."""
        self._unsent_since = self._unsent.where(self.table.c.created_at >= bindparam("since"))
        self._since: datetime | None = None
        """Where the next pass starts reading (None: at the first unsent row). Every row marked sent leaves an entry
        in `ix_outbox_unsent` until the table is vacuumed, and a read from the start steps over all of them: with
        200,000 sent since the last vacuum, 6.5 ms a pass, on every commit. So a pass starts where nothing unsent
        can be left before it: at the last row read while a backlog drains; `LATE_COMMIT` before now once it has
        drained (a transaction still open then, or a replica whose clock is behind, commits rows that old at most).
        A pass from the start, every `FULL_PASS_SECONDS` and after any failure or republish, finds what was later
        still."""
        self._full_pass_at = 0.0
        self._sent = (
            update(self.table)
            .where(self.table.c.id == bindparam("row_id"), self.table.c.generation == bindparam("read_generation"))
            .values(sent_at=bindparam("now"), attempts=self.table.c.attempts + 1, last_error=None)
            .execution_options(synchronize_session=False)
        )
        name = self.table.name
        self._sent_many = text(
            f"UPDATE {name} SET sent_at = :now, attempts = attempts + 1, last_error = NULL WHERE ctid = ANY(ARRAY("
            " SELECT o.ctid FROM unnest(CAST(:ids AS uuid[]), CAST(:generations AS integer[])) AS t(id, generation)"
            f" CROSS JOIN LATERAL (SELECT ctid FROM {name} WHERE id = t.id AND generation = t.generation OFFSET 0)"
            " AS o))"
        )
        """`_sent` on PostgreSQL for a whole pass in one statement, not one a row: each row found by its key (`OFFSET
        0` keeps the planner from reading the table whole when it has no statistics yet) and updated where it was
        found; a row republished meanwhile is a new version elsewhere, and stays unsent."""
        self.after_read: Callable[[], Awaitable[None]] | None = None
        """Called between reading a pass's rows and publishing them (tests use it to interleave a republish)."""

    async def publish_pending(self) -> tuple[int, int]:
        """One pass over at most `batch_size` unsent rows: (published, failed)."""
        t = self.table
        moment = time.monotonic()
        since = self._since
        if since is None or moment - self._full_pass_at >= FULL_PASS_SECONDS:
            since, self._full_pass_at = None, moment
        read_at = datetime.now(UTC)
        async with self.db.read() as session:  # one statement: no transaction of its own on PostgreSQL
            if since is None:
                rows = (await session.execute(self._unsent, {"limit": self.batch_size})).all()
            else:
                rows = (await session.execute(self._unsent_since, {"limit": self.batch_size, "since": since})).all()
        # Drained: nothing committed is left before the margin. Draining: nothing before the last row read, once
        # every row read is sent (a pass that failed or raised leaves the next to start where this one did).
        following = read_at - LATE_COMMIT if len(rows) < self.batch_size else rows[-1].created_at
        if not rows:
            self._since = following
            return 0, 0
        if self.after_read is not None:
            await self.after_read()

        messages = [(row.subject, row.payload, str(row.id), self._stream_for(row.type)) for row in rows]
        tracer = tracing.active()
        if tracer is None:
            results = await self.publish_many(messages)
        else:
            results = await self._publish_traced(tracer, rows, messages)
        sent = [row for row, result in zip(rows, results, strict=True) if not isinstance(result, BaseException)]
        failed = [
            (row.id, result) for row, result in zip(rows, results, strict=True) if isinstance(result, BaseException)
        ]
        now = datetime.now(UTC)
        if sent:
            async with self.db.one_statement() as session:
                if on_postgresql(session):
                    ids, generations = [row.id for row in sent], [row.generation for row in sent]
                    await session.execute(self._sent_many, {"ids": ids, "generations": generations, "now": now})
                else:
                    await session.execute(
                        self._sent, [{"row_id": row.id, "read_generation": row.generation, "now": now} for row in sent]
                    )
        if failed:
            async with self.db.transaction() as session:
                await session.execute(
                    update(t)
                    .where(t.c.id == bindparam("row_id"))
                    .values(attempts=t.c.attempts + 1, last_error=bindparam("error"))
                    .execution_options(synchronize_session=False),
                    [
                        {"row_id": row_id, "error": f"{type(error).__name__}: {error}"[:2000]}
                        for row_id, error in failed
                    ],
                )
        # After a failure the next pass starts from the first unsent row: the failed ones first.
        self._since = None if failed else following
        if failed:
            first_id, first_error = failed[0]
            log.warning(
                "outbox publish failed, will retry",
                published=len(sent),
                failed=len(failed),
                first_failed_event=str(first_id),
                error=repr(first_error),
            )
        return len(sent), len(failed)

    async def _one_by_one(self, messages: Sequence[Outgoing]) -> list[BaseException | None]:
        return await one_by_one(self.publish, messages)

    async def _publish_traced(
        self, tracer: Tracer, rows: Sequence[Any], messages: Sequence[Outgoing]
    ) -> list[BaseException | None]:
        """`publish_many`, each event that carries the trace it was staged in published as a PRODUCER span of it,
        the span's context in the message's headers for its consumers. An event staged while tracing was off, or
        in a trace not sampled, goes out as it would untraced."""
        spans = {
            msg_id: span
            for row, (_, _, msg_id, _) in zip(rows, messages, strict=True)
            if (span := tracing.publishing(tracer, row.subject, msg_id, row.type, row.payload)) is not None
        }
        if not spans:
            return await self.publish_many(messages)
        token = _traced_headers.set({msg_id: tracing.producing(span) for msg_id, span in spans.items()})
        try:
            results = await self.publish_many(messages)
        except Exception as exc:
            for span in spans.values():
                tracing.failed(span, exc, outcome="failed")
                span.end()
            raise
        finally:
            _traced_headers.reset(token)
        for (_, _, msg_id, _), result in zip(messages, results, strict=True):
            sent = spans.get(msg_id)
            if sent is None:
                continue
            if result is None:
                sent.set_attribute(tracing.OUTCOME, "published")
            else:
                tracing.failed(sent, result, outcome="failed")
            sent.end()
        return results

    def _stream_for(self, type_: str) -> str:
        model = EVENT_TYPES.get(type_)
        if model is None:
            raise LookupError(f"outbox holds an event of unknown type {type_}")
        return stream_of(model.event_service).name(self.outbox.bus)

    async def backlog(self) -> int:
        return (await self.unsent())[0]

    async def unsent(self) -> tuple[int, datetime | None]:
        """How many rows are not yet sent, and when the oldest of them was staged (None: none)."""
        t = self.table
        async with self.db.read() as session:
            row = (
                await session.execute(select(func.count(), func.min(t.c.created_at)).where(t.c.sent_at.is_(None)))
            ).one()
        oldest = row[1]
        if oldest is not None and oldest.tzinfo is None:  # SQLite keeps no zone: the column's UTC
            oldest = oldest.replace(tzinfo=UTC)
        return int(row[0] or 0), oldest

    async def prune(self) -> int:
        """Forget rows sent longer ago than the retention period."""
        t = self.table
        cutoff = datetime.now(UTC) - self.retention
        async with self.db.transaction() as session:
            result = await session.execute(delete(t).where(t.c.sent_at.is_not(None), t.c.sent_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def republish(self, since: datetime, until: datetime | None = None) -> int:
        """Mark rows created in [since, until) as unsent so the relay publishes them again."""
        t = self.table
        condition = t.c.created_at >= since
        if until is not None:
            condition = condition & (t.c.created_at < until)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(t).where(condition).values(sent_at=None, generation=t.c.generation + 1)
            )
        self._since = None
        self.outbox.committed.set()
        return int(getattr(result, "rowcount", 0) or 0)

    async def run(self, stop: asyncio.Event, on_pass: Callable[[int], None] | None = None) -> None:
        """Relay while this replica holds the lead, stand by while another does, until `stop` is set; then, if
        leading, make one last pass so that nothing committed stays behind."""
        try:
            while not stop.is_set():
                if not await self._lead():
                    await wait_any(stop, None, self.poll_interval)
                    continue
                await self._relay(stop, on_pass)
            if self.leading:
                with contextlib.suppress(Exception):
                    while (await self.publish_pending())[0]:
                        pass
        except Exception as exc:
            log.warning("outbox relay final pass failed; rows stay for the next start", error=repr(exc))
        finally:
            await self.lead.release()

    async def _lead(self) -> bool:
        try:
            leading = await self.lead.acquire()
        except Exception as exc:  # database unreachable: stand by and ask again
            log.warning("outbox relay cannot reach its database", error=repr(exc))
            leading = False
        if leading != self.leading:
            self.leading = leading
            log.info("outbox relay " + ("relaying" if leading else "standing by: another replica relays"))
        return leading

    async def _relay(self, stop: asyncio.Event, on_pass: Callable[[int], None] | None) -> None:
        """Passes until `stop`, or until the lead is lost (checked every few seconds)."""
        backoff = Backoff(RELAY)
        loop = asyncio.get_running_loop()
        last_check = last_prune = loop.time()
        while not stop.is_set():
            if loop.time() - last_check > LEAD_CHECK_SECONDS:
                last_check = loop.time()
                if not await self.lead.holds():
                    self.leading = False
                    log.warning("outbox relay lost the lead; standing by")
                    return
            self.outbox.committed.clear()
            try:
                published, failed = await self.publish_pending()
            except Exception as exc:  # database unreachable: try again, never give up
                log.warning("outbox relay pass failed", error=repr(exc))
                published, failed = 0, 1
            if on_pass is not None:
                on_pass(published)
            if failed:
                await wait_any(stop, None, backoff.failed())
                continue
            backoff.succeeded()
            if published >= self.batch_size:
                continue
            if loop.time() - last_prune > 3600:
                last_prune = loop.time()
                try:
                    await self.prune()
                except Exception as exc:
                    log.warning("outbox prune failed", error=repr(exc))
            await wait_any(stop, self.outbox.committed, self.poll_interval)


LATE_COMMIT = timedelta(seconds=10)
"""How long before its commit an event may have been staged (its `created_at`), for the relay to find it at once;
one staged earlier still (a transaction open longer, a replica's clock behind) is found by the next full pass."""
FULL_PASS_SECONDS = 30.0
"""At most this long between two relay passes that read from the first unsent row."""

RELAY = Policy(first=0.2, cap=30.0)
"""A failed publish or an unreachable database: again after 0.2 s, 0.4 s, … at most every 30 s."""
LEAD_CHECK_SECONDS = 5.0
