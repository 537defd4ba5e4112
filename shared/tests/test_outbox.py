"""The outbox relay on both databases, with a stand-in for JetStream that records what was published: one relay
of a deployment at a time, and a republish is never undone by a pass that was already under way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, update

from vms_contracts.events.registry import VolunteerRegisteredV1
from vms_contracts.subjects import Bus
from vms_platform.db import Database, new_metadata
from vms_platform.outbox import FULL_PASS_SECONDS, LATE_COMMIT, Outbox, OutboxRelay, Outgoing, outbox_table
from vms_platform.testing import eventually, hours_confirmed

metadata = new_metadata()
outbox = outbox_table(metadata)


class Published:
    """Stands in for JetStream: keeps the message ids in the order they were published."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, subject: str, payload: bytes, *, msg_id: str, stream: str, **_: Any) -> None:
        self.ids.append(msg_id)


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("outbox"))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.close()


def relay(db: Database, published: Published, batch_size: int = 500) -> OutboxRelay:
    return OutboxRelay(
        db, Outbox(outbox, bus=Bus(), source="/vms/test"), published, poll_interval=0.05, batch_size=batch_size
    )


async def stage(db: Database, relay: OutboxRelay, count: int = 1) -> list[str]:
    async with db.transaction() as session:
        envelopes = await relay.outbox.stage_many(session, [(hours_confirmed().data, "11") for _ in range(count)])
    return [str(e.id) for e in envelopes]


async def sent_state(db: Database) -> list[tuple[bool, int]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(outbox.c.sent_at, outbox.c.attempts).order_by(outbox.c.created_at))).all()
    return [(row.sent_at is not None, row.attempts) for row in rows]


async def test_a_republish_during_a_pass_is_not_undone(db: Database) -> None:
    """The pass reads a row, the operator marks it for publishing again (the broker lost what it acknowledged),
    then the pass finishes: the row must stay unsent and go out once more."""
    published = Published()
    outbox_relay = relay(db, published)
    (event_id,) = await stage(db, outbox_relay)
    before = datetime.now(UTC) - timedelta(minutes=1)

    async def operator_republishes() -> None:
        outbox_relay.after_read = None
        assert await outbox_relay.republish(before) == 1

    outbox_relay.after_read = operator_republishes
    assert await outbox_relay.publish_pending() == (1, 0)
    assert await sent_state(db) == [(False, 0)], "the pass that read the row before the reset did not mark it"
    assert await outbox_relay.publish_pending() == (1, 0)
    assert await sent_state(db) == [(True, 1)]
    assert published.ids == [event_id, event_id]


async def test_one_relay_of_a_deployment_publishes_and_another_takes_over(db: Database) -> None:
    published = Published()
    first, second = relay(db, published), relay(db, published)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running = [asyncio.create_task(first.run(stop_first))]

    async def first_leads() -> bool:
        return first.leading

    await eventually(first_leads, what="the first relay leading")
    running.append(asyncio.create_task(second.run(stop_second)))
    ids = await stage(db, first, 50)

    async def all_sent() -> bool:
        return all(sent for sent, _ in await sent_state(db))

    await eventually(all_sent, what="the first batch published")
    assert not second.leading, "the second replica stands by"
    assert sorted(published.ids) == sorted(ids), "each row published once"

    stop_first.set()
    await running[0]

    async def second_leads() -> bool:
        return second.leading

    await eventually(second_leads, what="the standby taking over")
    more = await stage(db, second, 20)
    await eventually(all_sent, what="the second batch published by the new leader")
    stop_second.set()
    await running[1]
    assert sorted(published.ids) == sorted(ids + more)
    assert {attempts for _, attempts in await sent_state(db)} == {1}


async def test_a_retired_event_version_is_never_staged(db: Database) -> None:
    retired = VolunteerRegisteredV1(volunteer_id=uuid4(), region="11", registered_at=datetime.now(UTC))
    with pytest.raises(TypeError, match="retired"):
        async with db.transaction() as session:
            await relay(db, Published()).outbox.stage_many(session, [(retired, "11")])
    assert await sent_state(db) == []


async def staged_at(db: Database, relay: OutboxRelay, created_at: datetime) -> str:
    """An event whose transaction staged it at `created_at` and committed it now."""
    (event_id,) = await stage(db, relay)
    async with db.transaction() as session:
        await session.execute(update(outbox).where(outbox.c.id == UUID(event_id)).values(created_at=created_at))
    return event_id


async def test_a_pass_reads_on_from_where_nothing_can_be_left_and_a_full_pass_finds_what_was(db: Database) -> None:
    """Passes read on from the last row sent (less a margin for transactions still open), not over every row ever
    sent; an event committed later than that margin allows is still published, by the next full pass."""
    published = Published()
    outbox_relay = relay(db, published, batch_size=3)
    draining = await stage(db, outbox_relay, 5)
    assert await outbox_relay.publish_pending() == (3, 0)
    assert await outbox_relay.publish_pending() == (2, 0), "the backlog drains on from the last row read"
    assert published.ids == draining
    recent = await staged_at(db, outbox_relay, datetime.now(UTC) - LATE_COMMIT / 2)
    assert await outbox_relay.publish_pending() == (1, 0), "staged within the margin: found at once"
    late = await staged_at(db, outbox_relay, datetime.now(UTC) - 3 * LATE_COMMIT)
    assert await outbox_relay.publish_pending() == (0, 0), "staged before the margin: not on a pass that reads on"
    outbox_relay._full_pass_at -= FULL_PASS_SECONDS
    assert await outbox_relay.publish_pending() == (1, 0), "found by the full pass"
    assert published.ids == [*draining, recent, late]
    assert await sent_state(db) == [(True, 1)] * 7


async def test_after_a_failed_publish_the_next_pass_starts_from_the_first_unsent_row(db: Database) -> None:
    calls: list[str] = []

    async def failing_first(subject: str, payload: bytes, *, msg_id: str, stream: str, **_: Any) -> None:
        calls.append(msg_id)
        if len(calls) == 1:
            raise ConnectionError("JetStream did not answer")

    outbox_relay = OutboxRelay(db, Outbox(outbox, bus=Bus(), source="/vms/test"), failing_first)
    first, second = await stage(db, outbox_relay, 2)
    assert await outbox_relay.publish_pending() == (1, 1)
    assert await outbox_relay.publish_pending() == (1, 0)
    assert calls == [first, second, first]


async def test_a_pass_that_raised_leaves_the_next_to_read_from_where_it_did(db: Database) -> None:
    """JetStream unreachable half-way through a backlog: the next pass reads the same rows again, not on from the
    last one it had read."""
    published = Published()
    outbox_relay = relay(db, published, batch_size=3)
    start = datetime.now(UTC) - LATE_COMMIT / 2
    backlog = [await staged_at(db, outbox_relay, start + timedelta(milliseconds=n)) for n in range(5)]
    real = outbox_relay.publish_many
    calls = 0

    async def unreachable_once(messages: Sequence[Outgoing]) -> list[BaseException | None]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("nats: connection closed")
        return await real(messages)

    outbox_relay.publish_many = unreachable_once
    with pytest.raises(ConnectionError):
        await outbox_relay.publish_pending()
    assert await outbox_relay.publish_pending() == (3, 0)
    assert await outbox_relay.publish_pending() == (2, 0)
    assert published.ids == backlog
