"""Benchmark: confirmed-hours events flowing hours → rewards on a real NATS server and PostgreSQL.

One run works in a bus namespace and databases of its own (all removed afterwards):

1. publish N `hours.confirmed` envelopes (spread over V volunteers) into the HOURS stream, pipelined, with
   `Nats-Msg-Id` = event id;
2. system: start the rewards service in this process and time it from `start()` until its durable consumer
   `rewards-hours` has every event acknowledged, then check its ledger, inbox and totals;
3. ceiling: a raw nats-py pull consumer on a durable of its own over the same stream, with asyncpg (no
   SQLAlchemy, no FastStream, no pydantic), one transaction per batch doing the same writes with `executemany`,
   then a plain `ack()` per message, the next fetch overlapped with the database work; same checks;
4. steps 2 and 3 are repeated `--rounds` times over the same events (fresh databases and consumer cursors each
   round, alternating which goes first); the medians and the ratio VMS / ceiling are printed.

Absolute numbers depend on the machine and on whatever else runs on it; compare ratios between runs.

    python bench/hours_to_rewards.py [--events N] [--volunteers V] [--batch 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import io
import json
import os
import pstats
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from importlib.resources import files
from statistics import median
from uuid import UUID

import asyncpg
import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import make_url

from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.subjects import Bus
from vms_platform.db import migrate
from vms_platform.jetstream import CONSUMERS
from vms_platform.logging import configure_logging
from vms_platform.testing import fresh_bus, fresh_postgres_database, use_test_keys
from vms_rewards.app import create_app
from vms_rewards.settings import RewardsSettings

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MIGRATIONS = str(files("vms_rewards") / "migrations")
SYSTEM_DURABLE = "rewards-hours"
CEILING_DURABLE = "bench-ceiling"


# -- workload ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workload:
    messages: list[tuple[str, bytes, str]]
    """(subject, payload, Nats-Msg-Id) in publishing order."""
    expected: dict[UUID, tuple[int, int]]
    """Per volunteer: (confirmed minutes, confirmed activities)."""

    @property
    def events(self) -> int:
        return len(self.messages)

    @property
    def minutes(self) -> int:
        return sum(m for m, _ in self.expected.values())

    @property
    def payload_bytes(self) -> int:
        return sum(len(p) for _, p, _ in self.messages) // max(1, len(self.messages))


def build_workload(bus: Bus, events: int, volunteers: int, seed: int) -> Workload:
    rng = random.Random(seed)
    people = [UUID(int=rng.getrandbits(128), version=4) for _ in range(volunteers)]
    centres = [(UUID(int=rng.getrandbits(128), version=4), f"복지관 {i:03d}") for i in range(50)]
    regions = sorted(code for code in REGIONS if code != NATIONAL)
    today = date.today()
    confirmed_at = datetime.now(UTC)
    messages: list[tuple[str, bytes, str]] = []
    expected: dict[UUID, tuple[int, int]] = {}
    for i in range(events):
        volunteer = people[i % volunteers]
        centre_id, centre_name = rng.choice(centres)
        start_hour = rng.randint(8, 14)
        minutes = rng.randrange(30, 481, 10)
        start = datetime.combine(today, clock(start_hour))
        data = HoursConfirmedV1(
            activity_id=UUID(int=rng.getrandbits(128), version=4),
            volunteer_id=volunteer,
            centre_id=centre_id,
            centre_name=centre_name,
            activity_date=today - timedelta(days=rng.randint(0, 80)),
            start_time=start.time(),
            end_time=(start + timedelta(minutes=minutes)).time(),
            minutes=minutes,
            description="어르신 말벗 및 식사 보조",
            confirmed_at=confirmed_at,
        )
        envelope = Envelope.wrap(data, source="/vms/hours/bench", region=regions[i % len(regions)])
        messages.append((envelope.nats_subject(bus), envelope.to_json(), str(envelope.id)))
        before = expected.get(volunteer, (0, 0))
        expected[volunteer] = (before[0] + minutes, before[1] + 1)
    return Workload(messages, expected)


# -- NATS helpers ------------------------------------------------------------------------------------------------


async def publish_all(js: JetStreamContext, workload: Workload) -> float:
    """Publish every message with many acknowledgements in flight; returns the seconds it took."""
    started = time.perf_counter()
    futures = [
        await js.publish_async(subject, payload, headers={"Nats-Msg-Id": msg_id})
        for subject, payload, msg_id in workload.messages
    ]
    acks = await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    duplicates = sum(1 for ack in acks if ack.duplicate)
    if duplicates:
        raise SystemExit(f"{duplicates} publishes came back as duplicates: the event ids are not unique")
    return elapsed


async def wait_settled(js: JetStreamContext, stream: str, durable: str, *, timeout: float) -> float:
    """Poll the durable consumer until nothing is pending or unacknowledged; returns `perf_counter()` then."""
    deadline = time.perf_counter() + timeout
    while True:
        info = await js.consumer_info(stream, durable)
        now = time.perf_counter()
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return now
        if now > deadline:
            raise TimeoutError(
                f"{durable}: {info.num_pending} pending and {info.num_ack_pending} unacknowledged after {timeout} s"
            )
        await asyncio.sleep(0.02)


async def redeliveries(js: JetStreamContext, stream: str, durable: str) -> int:
    info = await js.consumer_info(stream, durable)
    return int(info.num_redelivered or 0)


# -- the system: the rewards service in this process -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Phase:
    seconds: float
    commits: int
    """Transactions that applied new events."""
    redelivered: int

    def mean_batch(self, events: int) -> float:
        """Events per applying transaction."""
        return events / max(1, self.commits)


class CommitCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


class HandledCounter:
    """Messages a consumer has finished with (applied, skipped or parked); `reached` is set at `expected`."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.reached = asyncio.Event()

    def wrap(self, handle: Callable[[Sequence[Msg]], Awaitable[None]]) -> Callable[[Sequence[Msg]], Awaitable[None]]:
        async def counted(messages: Sequence[Msg]) -> None:
            await handle(messages)
            self.count += len(messages)
            if self.count >= self.expected:
                self.reached.set()

        return counted


async def run_system(
    nats_url: str,
    database_url: str,
    bus: Bus,
    js: JetStreamContext,
    *,
    events: int,
    batch: int,
    timeout: float,
    profile: bool,
) -> Phase:
    await asyncio.to_thread(migrate, database_url, MIGRATIONS)
    settings = RewardsSettings(nats_url=nats_url, database_url=database_url, bus_root=bus.root, batch_size=batch)
    app = create_app(settings)
    commits = CommitCounter()
    handled = HandledCounter(events)
    for consumer in app.consumers:
        consumer.on_commit = commits
        consumer.handle = handled.wrap(consumer.handle)  # type: ignore[method-assign, assignment]
    profiler = cProfile.Profile() if profile else None
    stream = bus.stream_name("HOURS")
    if profiler is not None:
        profiler.enable()
    started = time.perf_counter()
    await app.start()
    try:
        # Like the ceiling, ask JetStream only once every event went through: on nats-server 2.9 each consumer
        # info request on a filtered consumer holds its deliveries up, and asking every 20 ms during the run
        # halved the service's rate.
        try:
            await asyncio.wait_for(handled.reached.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"{SYSTEM_DURABLE}: {handled.count} of {events} handled after {timeout} s") from None
        finished = await wait_settled(js, stream, SYSTEM_DURABLE, timeout=timeout)
    finally:
        if profiler is not None:
            profiler.disable()
        await app.stop()
    if profiler is not None:
        print_profile(profiler)
    return Phase(finished - started, commits.count, await redeliveries(js, stream, SYSTEM_DURABLE))


def print_profile(profiler: cProfile.Profile) -> None:
    print("\n-- profile of the system consume phase (cProfile; it slows the run down) --")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


# -- the ceiling: raw nats-py pull consumer + asyncpg -------------------------------------------------------------

INSERT_INBOX = """
INSERT INTO inbox (consumer, event_id, handled_at) VALUES ($1, $2, $3) ON CONFLICT (consumer, event_id) DO NOTHING
"""
ENTER_LEDGER = """
INSERT INTO ledger (activity_id, volunteer_id, minutes, activity_date, confirmed_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::date[], $5::timestamptz[])
ON CONFLICT (activity_id) DO NOTHING
RETURNING volunteer_id, minutes
"""
ADD_TO_TOTALS = """
INSERT INTO totals (volunteer_id, confirmed_minutes, confirmed_activities, updated_at)
SELECT v, m, n, $4 FROM unnest($1::uuid[], $2::int[], $3::int[]) AS t(v, m, n)
ON CONFLICT (volunteer_id) DO UPDATE SET confirmed_minutes = totals.confirmed_minutes + EXCLUDED.confirmed_minutes,
    confirmed_activities = totals.confirmed_activities + EXCLUDED.confirmed_activities,
    updated_at = EXCLUDED.updated_at
"""


async def apply_batch(connection: asyncpg.Connection, durable: str, messages: list[Msg]) -> None:
    """The rewards consumer's writes for one batch, in one transaction, ending in the same rows: inbox rows, the
    activities not yet in the ledger entered (ordered by id), and their minutes added to their volunteers' totals
    (ordered by volunteer), as rewards does. Every statement is idempotent, so a redelivered batch changes
    nothing; unlike the service, it does not first read which events the inbox already holds."""
    now = datetime.now(UTC)
    inbox_rows = []
    entries: dict[UUID, tuple[UUID, UUID, int, date, datetime]] = {}
    for msg in messages:
        doc = json.loads(msg.data)
        data = doc["data"]
        inbox_rows.append((durable, UUID(doc["id"]), now))
        activity = UUID(data["activity_id"])
        entries[activity] = (
            activity,
            UUID(data["volunteer_id"]),
            int(data["minutes"]),
            date.fromisoformat(data["activity_date"]),
            datetime.fromisoformat(data["confirmed_at"]),
        )
    ordered = [entries[key] for key in sorted(entries)]
    async with connection.transaction():
        await connection.executemany(INSERT_INBOX, inbox_rows)
        entered = await connection.fetch(ENTER_LEDGER, *(list(column) for column in zip(*ordered, strict=True)))
        added: dict[UUID, list[int]] = {}
        for row in entered:
            sums = added.setdefault(row["volunteer_id"], [0, 0])
            sums[0] += row["minutes"]
            sums[1] += 1
        volunteers = sorted(added)
        await connection.execute(
            ADD_TO_TOTALS, volunteers, [added[v][0] for v in volunteers], [added[v][1] for v in volunteers], now
        )


async def run_ceiling(
    nats_url: str,
    database_url: str,
    bus: Bus,
    js: JetStreamContext,
    *,
    durable: str,
    events: int,
    batch: int,
    fetch_timeout: float,
    timeout: float,
) -> Phase:
    await asyncio.to_thread(migrate, database_url, MIGRATIONS)
    stream = bus.stream_name("HOURS")
    config = dataclasses.replace(CONSUMERS[SYSTEM_DURABLE].config(bus), durable_name=durable)
    await js.add_consumer(stream, config)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    started = time.perf_counter()
    nc = await nats.connect(nats_url, name="vms-bench-ceiling")
    connection = await asyncpg.connect(dsn)
    commits = 0
    try:
        subscription = await nc.jetstream().pull_subscribe_bind(durable=durable, stream=stream)

        async def fetch() -> list[Msg]:
            with contextlib.suppress(TimeoutError, NatsTimeoutError):
                return await subscription.fetch(batch, timeout=fetch_timeout)
            return []

        handled = 0
        pending = asyncio.create_task(fetch())
        while handled < events:
            messages = await pending
            pending = asyncio.create_task(fetch())
            if not messages:
                if time.perf_counter() - started > timeout:
                    raise TimeoutError(f"{durable}: {handled} of {events} handled after {timeout} s")
                continue
            await apply_batch(connection, durable, messages)
            for msg in messages:
                await msg.ack()
            handled += len(messages)
            commits += 1
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending
        await nc.flush()
        finished = await wait_settled(js, stream, durable, timeout=timeout)
    finally:
        await connection.close()
        await nc.close()
    return Phase(finished - started, commits, await redeliveries(js, stream, durable))


# -- checks ------------------------------------------------------------------------------------------------------


async def check_database(database_url: str, workload: Workload) -> list[str]:
    """What is wrong with the rewards tables after a run; empty when the run was correct."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        ledger_rows = await connection.fetchval("SELECT count(*) FROM ledger")
        inbox_rows = await connection.fetchval("SELECT count(*) FROM inbox")
        totals = {
            row["volunteer_id"]: (row["confirmed_minutes"], row["confirmed_activities"])
            for row in await connection.fetch(
                "SELECT volunteer_id, confirmed_minutes, confirmed_activities FROM totals"
            )
        }
    finally:
        await connection.close()
    problems = []
    if ledger_rows != workload.events:
        problems.append(f"ledger has {ledger_rows} rows, expected {workload.events}")
    if inbox_rows != workload.events:
        problems.append(f"inbox has {inbox_rows} rows, expected {workload.events}")
    total_minutes = sum(m for m, _ in totals.values())
    if total_minutes != workload.minutes:
        problems.append(f"sum of confirmed_minutes is {total_minutes}, expected {workload.minutes}")
    wrong = [v for v, expected in workload.expected.items() if totals.get(v) != expected]
    if wrong or len(totals) != len(workload.expected):
        problems.append(
            f"{len(wrong)} volunteers' totals differ, {len(totals)} totals rows for {len(workload.expected)}"
        )
    return problems


# -- the run -----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="confirmed-hours events to publish (20000)")
    parser.add_argument("--volunteers", type=int, default=1_000, help="volunteers they are spread over (1000)")
    parser.add_argument("--batch", type=int, default=500, help="events fetched and applied at once (500)")
    parser.add_argument(
        "--fetch-timeout", type=float, default=0.2, help="seconds the ceiling's fetch waits for its batch to fill (0.2)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of both consumers over the same events, alternating which goes first; medians reported (3)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the workload")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a consume phase may take at most")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of the system consume phase (slows it down several times: use with fewer --events)",
    )
    args = parser.parse_args(argv)
    if args.events < 1 or args.volunteers < 1 or args.rounds < 1 or not 1 <= args.batch <= 10_000:
        parser.error("--events, --volunteers and --rounds must be positive, --batch between 1 and 10000")
    return args


def from_env(name: str, default: str) -> tuple[str, str]:
    """The value of `name`, or `default`; and which of the two it is."""
    if value := os.environ.get(name):
        return value, f"from {name}"
    return default, f"default: {name} is unset"


def rate(events: int, phase: Phase) -> str:
    return (
        f"{events / phase.seconds:,.0f} events/s in {phase.seconds:.2f} s "
        f"({phase.commits} tx, {phase.mean_batch(events):.0f}/tx)"
    )


def mean_batch(events: int, phases: list[Phase]) -> float:
    """Events per applying transaction over every round."""
    return events * len(phases) / max(1, sum(p.commits for p in phases))


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print()


@contextlib.asynccontextmanager
async def connected(nats_url: str) -> AsyncIterator[NatsClient]:
    nc = await nats.connect(nats_url, name="vms-bench")
    try:
        yield nc
    finally:
        await nc.close()


@dataclasses.dataclass(frozen=True)
class Round:
    system: Phase
    ceiling: Phase
    problems: list[str]

    @property
    def ratio(self) -> float:
        """VMS events/s over ceiling events/s."""
        return self.ceiling.seconds / self.system.seconds


async def run_round(
    args: argparse.Namespace,
    number: int,
    nats_url: str,
    admin_url: str,
    bus: Bus,
    js: JetStreamContext,
    workload: Workload,
) -> Round:
    """Both consumers over the whole stream, each into a fresh database; odd rounds run the system first."""
    stream = bus.stream_name("HOURS")
    ceiling_durable = f"{CEILING_DURABLE}-{number}"
    # A fresh cursor at the start of the stream for the service's durable consumer.
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(stream, SYSTEM_DURABLE)
    await js.add_consumer(stream, CONSUMERS[SYSTEM_DURABLE].config(bus))
    async with (
        fresh_postgres_database(admin_url, "bench_rewards") as system_db,
        fresh_postgres_database(admin_url, "bench_ceiling") as ceiling_db,
    ):

        async def system() -> Phase:
            print(f"round {number}: the rewards service consuming …", flush=True)
            return await run_system(
                nats_url,
                system_db,
                bus,
                js,
                events=workload.events,
                batch=args.batch,
                timeout=args.timeout,
                profile=args.profile and number == 1,
            )

        async def ceiling() -> Phase:
            print(f"round {number}: raw nats-py pull consumer + asyncpg consuming …", flush=True)
            return await run_ceiling(
                nats_url,
                ceiling_db,
                bus,
                js,
                durable=ceiling_durable,
                events=workload.events,
                batch=args.batch,
                fetch_timeout=args.fetch_timeout,
                timeout=args.timeout,
            )

        if number % 2:
            system_phase = await system()
            ceiling_phase = await ceiling()
        else:
            ceiling_phase = await ceiling()
            system_phase = await system()
        problems = [f"round {number}, VMS: {p}" for p in await check_database(system_db, workload)]
        problems += [f"round {number}, ceiling: {p}" for p in await check_database(ceiling_db, workload)]
    await js.delete_consumer(stream, ceiling_durable)
    return Round(system_phase, ceiling_phase, problems)


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging("bench", fmt="console", level="WARNING")
    nats_url, nats_origin = from_env("VMS_TEST_NATS_URL", DEFAULT_NATS_URL)
    admin_url, admin_origin = from_env("VMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    print(f"NATS:       {nats_url} ({nats_origin})")
    print(f"PostgreSQL: {make_url(admin_url).render_as_string(hide_password=True)} ({admin_origin})")

    async with connected(nats_url) as nc, fresh_bus(nats_url) as bus:
        js = nc.jetstream()
        version = nc.connected_server_version
        server = f"{version.major}.{version.minor}.{version.patch}"
        print(f"namespace:  {bus.root} (stream {bus.stream_name('HOURS')}), server nats-server {server}")

        workload = await asyncio.to_thread(build_workload, bus, args.events, args.volunteers, args.seed)
        print(f"publishing {workload.events} events ({workload.payload_bytes} B each) …", flush=True)
        publish_seconds = await publish_all(js, workload)
        stored = (await js.stream_info(bus.stream_name("HOURS"))).state.messages
        if stored != workload.events:
            print(f"FAILED: the HOURS stream holds {stored} messages, expected {workload.events}")
            return 1

        rounds: list[Round] = []
        try:
            for number in range(1, args.rounds + 1):
                rounds.append(await run_round(args, number, nats_url, admin_url, bus, js, workload))
        except TimeoutError as exc:
            print(f"FAILED: {exc}")
            return 1

    n = workload.events
    system_rate = median(n / r.system.seconds for r in rounds)
    ceiling_rate = median(n / r.ceiling.seconds for r in rounds)
    rows = [
        ("events (N)", f"{n:,} over {len(workload.expected):,} volunteers, {workload.payload_bytes} B each"),
        ("batch size", str(args.batch)),
        ("nats-server", server),
        ("publish (publish_async)", f"{n / publish_seconds:,.0f} events/s ({publish_seconds:.2f} s)"),
    ]
    for number, r in enumerate(rounds, start=1):
        first = "VMS first" if number % 2 else "ceiling first"
        rows.append(
            (
                f"round {number} ({first})",
                f"VMS {rate(n, r.system)}, ceiling {rate(n, r.ceiling)}, ratio {r.ratio:.2f}",
            )
        )
    problems = [p for r in rounds for p in r.problems]
    rows += [
        ("VMS consume (median)", f"{system_rate:,.0f} events/s"),
        ("ceiling consume (median)", f"{ceiling_rate:,.0f} events/s"),
        (
            "ratio VMS / ceiling (median)",
            f"{median(r.ratio for r in rounds):.2f}, mean batch {mean_batch(n, [r.system for r in rounds]):.0f} / "
            f"{mean_batch(n, [r.ceiling for r in rounds]):.0f} events per transaction",
        ),
        (
            "redelivered (VMS / ceiling)",
            f"{sum(r.system.redelivered for r in rounds)} / {sum(r.ceiling.redelivered for r in rounds)}",
        ),
        ("correct", "yes" if not problems else "NO"),
    ]
    print_table(rows)
    print(
        "Consume times run from the consumer's start until JetStream reports nothing pending or unacknowledged.\n"
        "Absolute numbers vary with the machine and its load (shared machines especially): compare the ratio."
    )
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    use_test_keys()  # the rewards service it starts verifies who is asking, as a deployed one does
    sys.exit(asyncio.run(main()))
