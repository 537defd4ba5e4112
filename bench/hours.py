"""Benchmark: the hours service at national scale — record, confirm, look up and certify on a real NATS server and
PostgreSQL.

One run works in a bus namespace and databases of its own (all removed afterwards), with the hours service running
as it is deployed: `--replicas` processes of `vms-hours run` sharing its requests (one of them relays the outbox):

1. load `--records` activity records of `--volunteers` volunteers through the service's batch path (`hours.
   record_activities`, `--batch` rows a request, `--in-flight` requests at once), every row within the rules
   (the last 85 days, distinct hourly slots, at most 8 h a day); against the ceiling: raw asyncpg inserting the same
   rows into a second database with the same schema (activities, activity_revisions, volunteer_days, outbox), in
   batches of the same size, one transaction each. Records/s of both, their ratio (target >= 0.5), and records/s
   in the first and the last tenth of the load (target: within 20%);
2. confirm `--confirms` records at a paced `--rate` a second (`hours.confirm_activity`), timing each from the
   request to the arrival of its `hours.confirmed` on a subscriber of the bus (target p99 < 100 ms at 500/s);
3. confirm every record of `--tracked` volunteers with `--history` records each, `--sweep-clients` at a time:
   events/s in the first and the last tenth, while each volunteer's confirmed history grows from nothing to all of
   it (target: within 20%: totals are kept by increments, not summed again);
4. look up volunteers' totals (`hours.get_volunteer_totals`) with every record loaded, against the same read in raw
   SQL (target p99 < 10 ms);
5. render a certificate of 100 activities as the gateway does (`vms_gateway.certificate_pdf.render`): pages/s.

Every reply, row count, event and total is checked; any failure is printed and the exit status is 1.

    python bench/hours.py [--records 1000000] [--volunteers 100000] [--batch 1000] [--confirms 15000] [--rate 500]
                          [--replicas 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import nats
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from pydantic_settings import BaseSettings
from pypdf import PdfReader
from sqlalchemy import make_url

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import ActivityKind, CertificateLanguage, HoursRecordedV1
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV2
from vms_contracts.ids import new_id
from vms_contracts.reference import SUB_FIELDS
from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.rpc import hours as rpc
from vms_contracts.rpc.health import HealthRequest, health_rpc
from vms_contracts.rpc.hours import (
    ActivityDetails,
    ActivityRef,
    ActivityStatus,
    CertificateHolder,
    CertificateLine,
    CertificateView,
    RecordActivities,
    VolunteerActivities,
)
from vms_contracts.subjects import Bus
from vms_gateway.certificate_pdf import render
from vms_hours.db import outbox as outbox_table
from vms_hours.handlers import HoursHandlers
from vms_hours.settings import HoursSettings
from vms_platform.aio import settle_heap
from vms_platform.clock import today_kst
from vms_platform.db import Database, migrate
from vms_platform.logging import configure_logging
from vms_platform.outbox import Outbox
from vms_platform.rpc import RemoteError, RpcClient, ServiceTimeout
from vms_platform.testing import (
    CENTRAL_ADMIN,
    centre_manager,
    fresh_bus,
    fresh_postgres_database,
    rpc_client,
    use_test_keys,
)

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MIGRATIONS = str(files("vms_hours") / "migrations")

TARGET_RATIO = 0.5
"""Records/s through the batch path over raw asyncpg inserts of the same rows."""
TARGET_CONFIRM_P99_MS = 100.0
TARGET_CONFIRM_RATE = 500.0
"""Confirm request → `hours.confirmed` on the bus under 100 ms at p99, 500 confirmations a second."""
TARGET_DRIFT = 0.2
"""Events/s at the end of a run within 20% of those at its start."""
TARGET_LOOKUP_P99_MS = 10.0

DAYS = 85
"""Activities on the last 85 days (yesterday the latest): inside the 3-month entry window whatever today is."""
SLOTS_PER_DAY = 8
"""A volunteer's day has 8 hourly slots, 09:00 to 17:00, each activity 30 to 60 minutes of one: never overlapping,
never over the 8 hours a day counts."""
FIRST_HOUR = 9
CERTIFICATE_LINES = 100
VERIFICATION_PAGE = "https://www.vms.or.kr/verify"

DESCRIPTIONS = (
    "어르신 말벗 및 식사 보조",
    "무료급식소 배식과 설거지",
    "지역아동센터 초등학생 학습지도 (수학, 국어)",
    "독거노인 가정 방문, 안부 확인과 청소",
    "장애인 복지관 이동 지원 및 프로그램 보조",
    "하천변 환경정화 활동 (쓰레기 줍기)",
    "연탄 나눔 배달",
    "도서관 책 정리 및 대출 안내",
    "다문화가정 아동 한국어 교실 보조",
    "요양원 어르신 산책 동행과 레크리에이션 진행",
    "푸드뱅크 기부 식품 분류 및 포장",
    "헌옷 수거함 정리",
)
PLACES = (None, None, "행복종합사회복지관 2층 강당", "구립 어린이도서관", "○○동 경로당", "하천변 산책로")


# -- workload ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """One activity as the centre's file has it; which centre is its batch's."""

    volunteer: int
    """Index into `Workload.volunteers`."""
    day: int
    """Days before today (1 = yesterday)."""
    hour: int
    minutes: int
    kind: int
    """Index into `KINDS`."""
    place: int
    description: int

    def activity_date(self, today: date) -> date:
        return today - timedelta(days=self.day)

    @property
    def start_time(self) -> clock:
        return clock(self.hour)

    @property
    def end_time(self) -> clock:
        return clock(self.hour + 1) if self.minutes == 60 else clock(self.hour, self.minutes)


KINDS: list[tuple[str, str]] = [(t.value, label.code) for t, labels in SUB_FIELDS.items() for label in labels]
"""(activity type, sub-field) pairs."""


@dataclasses.dataclass(frozen=True)
class Workload:
    today: date
    centres: list[tuple[UUID, str, str]]
    """(id, name, region)."""
    volunteers: list[tuple[UUID, str]]
    """(id, region)."""
    records: list[Record]
    """In loading order: every volunteer's history grows at the same pace through the load."""
    batch: int
    batch_centres: list[int]
    """The centre of each batch (a centre's file, sent in parts)."""
    tracked: list[int]
    """Volunteers with a long history, every record of theirs confirmed in step 3."""

    @property
    def batches(self) -> int:
        return len(self.batch_centres)

    def rows(self, number: int) -> range:
        return range(number * self.batch, min(len(self.records), (number + 1) * self.batch))

    def centre_of(self, index: int) -> int:
        return self.batch_centres[index // self.batch]

    def details(self, record: Record) -> ActivityDetails:
        activity_type, sub_field = KINDS[record.kind]
        return ActivityDetails.model_validate(
            {
                "volunteer_id": self.volunteers[record.volunteer][0],
                "activity_date": record.activity_date(self.today),
                "start_time": record.start_time,
                "end_time": record.end_time,
                "activity_type": activity_type,
                "sub_field": sub_field,
                "place": PLACES[record.place],
                "description": DESCRIPTIONS[record.description],
            }
        )

    def request(self, number: int, *, check_only: bool = False, rows: int | None = None) -> RecordActivities:
        indices = self.rows(number)[:rows]
        return RecordActivities(
            centre_id=self.centres[self.batch_centres[number]][0],
            rows=[self.details(self.records[i]) for i in indices],
            check_only=check_only,
        )


def build_workload(
    *, records: int, volunteers: int, centres: int, tracked: int, history: int, batch: int, seed: int
) -> Workload:
    """`tracked` volunteers with `history` records each, the other records spread evenly over the other
    volunteers; each volunteer's records on distinct slots of the last `DAYS` days. Loading order: by how far into
    their own history a record is (record k of n at (k + ½) / n), so that at any point of the load every volunteer
    is as far through their history as every other."""
    rng = random.Random(seed)
    today = today_kst()
    regions = sorted(code for code in REGIONS if code != NATIONAL)
    centre_list = []
    for number in range(centres):
        region = regions[number % len(regions)]
        centre_list.append((new_id(region), f"{REGIONS[region].name} 제{number + 1}종합사회복지관", region))
    volunteer_list = []
    for number in range(volunteers):
        region = regions[number % len(regions)]
        volunteer_list.append((new_id(region), region))
    heavy = rng.sample(range(volunteers), tracked)
    heavy_set = set(heavy)
    others = volunteers - tracked
    rest = records - tracked * history
    keyed: list[tuple[float, float, Record]] = []
    position = 0
    for volunteer in range(volunteers):
        if volunteer in heavy_set:
            count = history
        else:
            count = rest // others + (1 if position < rest % others else 0)
            position += 1
        for k, slot in enumerate(rng.sample(range(DAYS * SLOTS_PER_DAY), count)):
            record = Record(
                volunteer=volunteer,
                day=1 + slot // SLOTS_PER_DAY,
                hour=FIRST_HOUR + slot % SLOTS_PER_DAY,
                minutes=rng.randrange(30, 61, 10),
                kind=rng.randrange(len(KINDS)),
                place=rng.randrange(len(PLACES)),
                description=rng.randrange(len(DESCRIPTIONS)),
            )
            keyed.append(((k + 0.5) / count, rng.random(), record))
    keyed.sort(key=lambda item: (item[0], item[1]))
    ordered = [record for _, _, record in keyed]
    batches = (len(ordered) + batch - 1) // batch
    return Workload(
        today=today,
        centres=centre_list,
        volunteers=volunteer_list,
        records=ordered,
        batch=batch,
        batch_centres=[number % centres for number in range(batches)],
        tracked=sorted(heavy),
    )


# -- the hours service in a process of its own ---------------------------------------------------------------------


def _environment(settings: BaseSettings) -> dict[str, str]:
    """The variables that configure the service as `settings` was made here (`VMS_HOURS_DATABASE_URL`, …); the keys
    it reads from this process's environment (`use_test_keys`)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    given = settings.model_dump(include=settings.model_fields_set - {"actor_key"})
    return {f"{prefix}{field}".upper(): str(value) for field, value in given.items() if value is not None}


@contextlib.asynccontextmanager
async def hours_process(settings: HoursSettings) -> AsyncIterator[asyncio.subprocess.Process]:
    """`vms-hours run` in a process of its own, configured by `settings`; stopped by SIGTERM at the end. What it
    printed is shown if it failed."""
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("vms-hours")),
            "run",
            env={**os.environ, **_environment(settings)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.terminate()
            code = await process.wait()
            if code not in (0, -signal.SIGTERM):
                log.seek(0)
                print(f"vms-hours exited with {code}:\n" + log.read().decode("utf-8", "replace")[-3000:])


async def until_answering(client: RpcClient, *, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            await client.call(health_rpc("hours"), HealthRequest(), region=NATIONAL, timeout=2.0)
            return
        await asyncio.sleep(0.2)
    raise SystemExit(f"the hours service does not answer after {seconds:.0f} s")


class CpuClock:
    """The CPU seconds (user and system) the service's processes have used together, read from `/proc` every
    0.2 s while the run goes on, so that what any stretch of a phase cost the service can be told afterwards
    whatever else the machine ran meanwhile. Reads nothing where there is no `/proc` (`between` is then None)."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.paths = [Path(f"/proc/{pid}/stat") for pid in pids]
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.samples: list[tuple[float, float]] = []

    def read(self) -> float | None:
        used = 0
        for path in self.paths:
            try:
                fields = path.read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            used += int(fields[11]) + int(fields[12])  # utime, stime
        return used / self.tick

    def sample(self) -> bool:
        used = self.read()
        if used is not None:
            self.samples.append((time.perf_counter(), used))
        return used is not None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set() and self.sample():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    def at(self, moment: float) -> float | None:
        """CPU seconds used by `moment`, interpolated between the samples around it."""
        if not self.samples or self.samples[-1][0] < moment:
            self.sample()
        before = [s for s in self.samples if s[0] <= moment]
        after = [s for s in self.samples if s[0] >= moment]
        if not before or not after:
            return None
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (moment - t0) / (t1 - t0)

    def between(self, start: float, end: float) -> float | None:
        first, last = self.at(start), self.at(end)
        return None if first is None or last is None else last - first


@dataclasses.dataclass(frozen=True)
class Window:
    """A stretch of a phase: from `start` to `end` (`perf_counter()`), `count` records or events done in it."""

    start: float
    end: float
    count: int

    @property
    def rate(self) -> float:
        return self.count / (self.end - self.start)

    def cpu_ms(self, cpu: CpuClock) -> float | None:
        """The service's CPU milliseconds per record or event in this stretch."""
        used = cpu.between(self.start, self.end)
        return None if used is None else used * 1000 / self.count


def tenths(moments: Sequence[tuple[float, int]]) -> tuple[Window, Window]:
    """The first and the last tenth of `moments` (when each batch or event was done, and how many it counted), each
    timed from the moment before it: the first from the first moment, which only starts the clock (with several
    batches in flight, the first one done shares its time with the others)."""
    done = sorted(moments)
    tenth = max(1, min(len(done) - 1, len(done) // 10))
    first = Window(done[0][0], done[tenth][0], sum(n for _, n in done[1 : tenth + 1]))
    last = Window(done[-tenth - 1][0], done[-1][0], sum(n for _, n in done[-tenth:]))
    return first, last


async def register_in_projection(database_url: str, bus: Bus, client: RpcClient, workload: Workload) -> None:
    """The centres and volunteers as hours knows them from the registry's events: `CentreRegisteredV1` and
    `VolunteerRegisteredV2` applied by the service's own handlers (`on_centres_registered`,
    `on_volunteers_registered`) on its database, before the service starts."""
    db = Database(database_url)
    handlers = HoursHandlers(db, Outbox(outbox_table, bus=bus, source="/vms/hours/bench"), client, HoursSettings())
    now = datetime.now(UTC)
    source = "/vms/registry/bench"
    try:
        async with db.transaction() as session:
            await handlers.on_centres_registered(
                session,
                [
                    Envelope.wrap(
                        CentreRegisteredV1(centre_id=centre_id, name=name, region=region, registered_at=now),
                        source=source,
                        region=region,
                    )
                    for centre_id, name, region in workload.centres
                ],
            )
        for first in range(0, len(workload.volunteers), 5000):
            async with db.transaction() as session:
                await handlers.on_volunteers_registered(
                    session,
                    [
                        Envelope.wrap(
                            VolunteerRegisteredV2(volunteer_id=volunteer_id, region=region, registered_at=now),
                            source=source,
                            region=region,
                        )
                        for volunteer_id, region in workload.volunteers[first : first + 5000]
                    ],
                )
    finally:
        await db.close()


# -- loading -------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Load:
    started: float = 0.0
    seconds: float = 0.0
    finished: list[tuple[float, int]] = dataclasses.field(default_factory=list)
    """(`perf_counter()`, rows) of each batch as it finished."""
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.finished)

    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def tenths(self) -> tuple[Window, Window]:
        """The first tenth of the batches and the last."""
        return tenths(self.finished)


async def load_through_service(
    client: RpcClient, workload: Workload, managers: list[Actor], *, in_flight: int, timeout: float
) -> tuple[Load, list[UUID | None]]:
    """Every batch as a `RecordActivities` request of its centre's manager, `in_flight` at a time; the activity
    ids the service gave, by record."""
    load = Load(started=time.perf_counter())
    ids: list[UUID | None] = [None] * len(workload.records)
    upcoming = iter(range(workload.batches))

    async def sender() -> None:
        for number in upcoming:
            if load.problems:
                return  # a batch failed: the rest would measure nothing
            request = workload.request(number)
            try:
                reply = await client.call(
                    rpc.RECORD_ACTIVITIES, request, actor=managers[workload.batch_centres[number]], timeout=timeout
                )
            except (ServiceTimeout, RemoteError) as exc:
                load.problems.append(f"batch {number} ({len(request.rows)} rows) not recorded: {exc}")
                return
            load.finished.append((time.perf_counter(), len(request.rows)))
            if reply.refused:
                first = reply.refused[0]
                load.problems.append(
                    f"batch {number}: {len(reply.refused)} rows refused, e.g. row {first.row}: "
                    f"{first.error.code} {first.error.message_en}"
                )
            if reply.already:
                load.problems.append(f"batch {number}: {reply.already} rows answered as recorded before")
            given = {recorded.row: recorded.activity_id for recorded in reply.recorded}
            for row, index in enumerate(workload.rows(number), start=request.first_row):
                ids[index] = given.get(row)

    await asyncio.gather(*(sender() for _ in range(in_flight)))
    load.seconds = time.perf_counter() - load.started
    missing = sum(1 for i in ids if i is None)
    if missing:
        load.problems.append(f"{missing} records have no activity id in the replies")
    return load, ids


@dataclasses.dataclass(frozen=True)
class CeilingBatch:
    """One batch's rows as the service writes them, as columns."""

    centre_id: UUID
    region: str
    at: datetime
    ids: list[UUID]
    volunteers: list[UUID]
    dates: list[date]
    starts: list[clock]
    ends: list[clock]
    minutes: list[int]
    types: list[str]
    sub_fields: list[str]
    places: list[str | None]
    descriptions: list[str]
    days: tuple[list[UUID], list[date]]
    """The volunteers' days, sorted (as the service locks them): two batches in flight never wait on each other
    in opposite orders."""
    events: tuple[list[UUID], list[str], list[str], list[bytes]]
    """The outbox rows: event id, subject, type, the `hours.recorded` envelope."""

    def __len__(self) -> int:
        return len(self.ids)


CEILING_DAYS = """
INSERT INTO volunteer_days (volunteer_id, activity_date) SELECT * FROM unnest($1::uuid[], $2::date[])
ON CONFLICT DO NOTHING
"""
CEILING_ACTIVITIES = """
INSERT INTO activities (id, kind, centre_id, volunteer_id, region, activity_date, start_time, end_time, minutes,
    activity_type, sub_field, place, description, status, revision, recorded_at, recorded_by)
SELECT id, 'activity', $2::uuid, volunteer_id, $3::text, activity_date, start_time, end_time, minutes, activity_type,
    sub_field, place, description, 'recorded', 1, $4::timestamptz, $5::uuid
FROM unnest($1::uuid[], $6::uuid[], $7::date[], $8::time[], $9::time[], $10::int[], $11::text[], $12::text[],
    $13::text[], $14::text[])
    AS t(id, volunteer_id, activity_date, start_time, end_time, minutes, activity_type, sub_field, place, description)
"""
CEILING_REVISIONS = """
INSERT INTO activity_revisions (activity_id, revision, change, at, by, activity_date, start_time, end_time, minutes,
    counted_minutes, activity_type, sub_field, place, description)
SELECT id, 1, 'recorded', $4::timestamptz, $5::uuid, activity_date, start_time, end_time, minutes, 0, activity_type,
    sub_field, place, description
FROM unnest($1::uuid[], $7::date[], $8::time[], $9::time[], $10::int[], $11::text[], $12::text[], $13::text[],
    $14::text[]) AS t(id, activity_date, start_time, end_time, minutes, activity_type, sub_field, place, description)
WHERE $2::uuid IS NOT NULL AND $3::text IS NOT NULL AND $6::uuid[] IS NOT NULL
"""
"""The first revision of each: what the record says, counting nothing yet. It takes the activities' arguments (the
`WHERE` only names those it does not use, which a prepared statement must type)."""
CEILING_OUTBOX = """
INSERT INTO outbox (id, subject, type, payload, created_at)
SELECT id, subject, type, payload, $5::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[])
    AS t(id, subject, type, payload)
"""
RECORDED_BY = UUID(int=7)
"""The centre manager's account the ceiling's rows name (the service's name the request's actor)."""


def ceiling_batches(workload: Workload, bus: Bus) -> list[CeilingBatch]:
    """What the service writes for each batch, made before the clock starts: the volunteers' days, the activity
    rows, their first revisions, and an outbox row each with its `hours.recorded` envelope."""
    made = []
    at = datetime.now(UTC)
    for number in range(workload.batches):
        centre_id, _, region = workload.centres[workload.batch_centres[number]]
        records = [workload.records[i] for i in workload.rows(number)]
        batch = CeilingBatch(
            centre_id=centre_id,
            region=region,
            at=at,
            ids=[new_id(region) for _ in records],
            volunteers=[workload.volunteers[r.volunteer][0] for r in records],
            dates=[r.activity_date(workload.today) for r in records],
            starts=[r.start_time for r in records],
            ends=[r.end_time for r in records],
            minutes=[r.minutes for r in records],
            types=[KINDS[r.kind][0] for r in records],
            sub_fields=[KINDS[r.kind][1] for r in records],
            places=[PLACES[r.place] for r in records],
            descriptions=[DESCRIPTIONS[r.description] for r in records],
            days=([], []),
            events=([], [], [], []),
        )
        days = sorted(set(zip(batch.volunteers, batch.dates, strict=True)))
        batch.days[0].extend(v for v, _ in days)
        batch.days[1].extend(d for _, d in days)
        for n, activity_id in enumerate(batch.ids):
            envelope = Envelope.wrap(
                HoursRecordedV1(
                    activity_id=activity_id,
                    volunteer_id=batch.volunteers[n],
                    centre_id=centre_id,
                    activity_date=batch.dates[n],
                    start_time=batch.starts[n],
                    end_time=batch.ends[n],
                    minutes=batch.minutes[n],
                    description=batch.descriptions[n],
                    recorded_at=at,
                    activity_type=batch.types[n],
                    sub_field=batch.sub_fields[n],
                    place=batch.places[n],
                ),
                source="/vms/hours/bench",
                region=region,
            )
            batch.events[0].append(envelope.id)
            batch.events[1].append(envelope.nats_subject(bus))
            batch.events[2].append(envelope.type)
            batch.events[3].append(envelope.to_json())
        made.append(batch)
    return made


async def write_batch(connection: Any, batch: CeilingBatch) -> None:
    """One batch in one transaction: its days, activities, revisions and outbox rows, each one statement."""
    record = (
        batch.ids,
        batch.centre_id,
        batch.region,
        batch.at,
        RECORDED_BY,
        batch.volunteers,
        batch.dates,
        batch.starts,
        batch.ends,
        batch.minutes,
        batch.types,
        batch.sub_fields,
        batch.places,
        batch.descriptions,
    )
    async with connection.transaction():
        await connection.execute(CEILING_DAYS, *batch.days)
        await connection.execute(CEILING_ACTIVITIES, *record)
        await connection.execute(CEILING_REVISIONS, *record)
        await connection.execute(CEILING_OUTBOX, *batch.events, batch.at)


async def load_ceiling(dsn: str, batches: list[CeilingBatch], *, in_flight: int) -> Load:
    """The same rows by raw asyncpg, `in_flight` connections at once (opened, and their four statements prepared
    by writing an empty batch, before the clock)."""
    connections = [await asyncpg.connect(dsn) for _ in range(in_flight)]
    upcoming = iter(batches)
    try:
        first = batches[0]
        empty = CeilingBatch(
            first.centre_id, first.region, first.at, [], [], [], [], [], [], [], [], [], [], ([], []), ([], [], [], [])
        )
        for connection in connections:
            await write_batch(connection, empty)
        load = Load(started=time.perf_counter())

        async def writer(connection: Any) -> None:
            for batch in upcoming:
                await write_batch(connection, batch)
                load.finished.append((time.perf_counter(), len(batch)))

        await asyncio.gather(*(writer(c) for c in connections))
        load.seconds = time.perf_counter() - load.started
    finally:
        for connection in connections:
            await connection.close()
    return load


async def until_relayed(dsn: str, *, timeout: float) -> float:
    """Wait for the service's outbox relay to have published every row; returns `perf_counter()` then."""
    connection = await asyncpg.connect(dsn)
    deadline = time.perf_counter() + timeout
    try:
        while True:
            backlog = await connection.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            now = time.perf_counter()
            if backlog == 0:
                return now
            if now > deadline:
                raise TimeoutError(f"the outbox still holds {backlog} unpublished events after {timeout:.0f} s")
            await asyncio.sleep(0.25)
    finally:
        await connection.close()


async def until_consumed(js: Any, stream: str, durable: str, *, timeout: float) -> None:
    """Wait for a durable consumer to have nothing pending or unacknowledged. Asked every half second, and only
    once the measurement is over: on nats-server 2.9 each consumer-info request holds the consumer's deliveries."""
    deadline = time.perf_counter() + timeout
    while True:
        info = await js.consumer_info(stream, durable)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        if time.perf_counter() > deadline:
            raise TimeoutError(
                f"{durable}: {info.num_pending} pending and {info.num_ack_pending} unacknowledged after {timeout:.0f} s"
            )
        await asyncio.sleep(0.5)


# -- confirming ----------------------------------------------------------------------------------------------------


class ConfirmedEvents:
    """When each `hours.confirmed` arrived on a plain subscriber of the bus (by activity id)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.changed = asyncio.Event()

    async def on_message(self, msg: Msg) -> None:
        now = time.perf_counter()
        activity_id = json.loads(msg.data)["data"]["activity_id"]
        if activity_id in self.arrived:
            self.duplicates += 1
        else:
            self.arrived[activity_id] = now
        self.changed.set()

    async def wait_for(self, ids: Sequence[str], *, timeout: float) -> list[str]:
        """Wait until every id arrived, or `timeout`; returns the ids that did not."""
        deadline = time.perf_counter() + timeout
        while True:
            missing = [i for i in ids if i not in self.arrived]
            left = deadline - time.perf_counter()
            if not missing or left <= 0:
                return missing
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))


@dataclasses.dataclass
class Confirms:
    """What became of each confirmation sent, by its position."""

    ids: list[str]
    sent: list[float]
    replied: list[float]
    """0 for one not answered `confirmed`."""
    seconds: float = 0.0
    """From the first send to the last."""
    late: list[str] = dataclasses.field(default_factory=list)
    """Not answered in time: no answer within the timeout, or refused because the actor's token had expired
    while the request waited (a token lives 60 s): the service fell behind."""
    failed: list[str] = dataclasses.field(default_factory=list)
    """Refused or failed for any other reason: wrong."""

    @classmethod
    def of(cls, ids: Sequence[UUID]) -> Confirms:
        return cls([str(i) for i in ids], [0.0] * len(ids), [0.0] * len(ids))

    @property
    def confirmed(self) -> list[int]:
        """Positions answered `confirmed`."""
        return [n for n, replied in enumerate(self.replied) if replied]

    def reply_ms(self) -> list[float]:
        """Each confirmation's reply in ms; one never answered counts as infinitely late."""
        return [(r - s) * 1000 if r else float("inf") for s, r in zip(self.sent, self.replied, strict=True)]

    def event_ms(self, events: ConfirmedEvents) -> list[float]:
        """From each request to its event's arrival on the bus, in ms; none arrived counts as infinitely late."""
        return [
            (events.arrived[i] - s) * 1000 if i in events.arrived else float("inf")
            for s, i in zip(self.sent, self.ids, strict=True)
        ]


async def confirm_one(
    client: RpcClient, activity_id: UUID, manager: Actor, timeout: float, confirms: Confirms, n: int
) -> None:
    confirms.sent[n] = time.perf_counter()
    try:
        view = await client.call(
            rpc.CONFIRM_ACTIVITY, ActivityRef(activity_id=activity_id), actor=manager, timeout=timeout
        )
    except ServiceTimeout:
        confirms.late.append(f"{activity_id}: no answer within {timeout:.0f} s")
        return
    except RemoteError as exc:
        expired = exc.body.code == "ACTOR_INVALID" and "expired" in exc.body.message_en
        (confirms.late if expired else confirms.failed).append(f"{activity_id}: {exc}")
        return
    if view.status is not ActivityStatus.CONFIRMED:
        confirms.failed.append(f"{activity_id}: answered {view.status}")
        return
    confirms.replied[n] = time.perf_counter()


async def confirm_paced(
    client: RpcClient, targets: Sequence[tuple[UUID, Actor]], *, rate: float, timeout: float
) -> Confirms:
    """Open loop: the n-th confirmation is sent at n / `rate` seconds whether or not the earlier ones were
    answered, so a service that falls behind shows it in the latencies instead of slowing the sender down."""
    confirms = Confirms.of([t[0] for t in targets])
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    for n, (activity_id, manager) in enumerate(targets):
        wait = started + n / rate - time.perf_counter()
        if wait > 0.0005:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(confirm_one(client, activity_id, manager, timeout, confirms, n)))
    confirms.seconds = time.perf_counter() - started
    await asyncio.gather(*tasks)
    return confirms


async def confirm_closed(
    client: RpcClient, targets: Sequence[tuple[UUID, Actor]], *, clients: int, timeout: float
) -> Confirms:
    """Closed loop: `clients` confirmations in flight, each client sending its next when the last was answered."""
    confirms = Confirms.of([t[0] for t in targets])
    upcoming = iter(enumerate(targets))
    started = time.perf_counter()

    async def one_client() -> None:
        for n, (activity_id, manager) in upcoming:
            await confirm_one(client, activity_id, manager, timeout, confirms, n)

    await asyncio.gather(*(one_client() for _ in range(clients)))
    confirms.seconds = time.perf_counter() - started
    return confirms


async def confirm_problems(name: str, confirms: Confirms, events: ConfirmedEvents) -> list[str]:
    """What went wrong: confirmations refused or failed for a reason other than lateness, and confirmed records
    whose event never arrived (waited for up to a minute)."""
    problems = [f"{name} confirm: {len(confirms.failed)} failed, e.g. {confirms.failed[0]}"] if confirms.failed else []
    missing = await events.wait_for([confirms.ids[n] for n in confirms.confirmed], timeout=60)
    if missing:
        problems.append(f"{name} confirm: {len(missing)} confirmed records' hours.confirmed never arrived on the bus")
    return problems


# -- look-ups --------------------------------------------------------------------------------------------------------

RAW_TOTALS = """
SELECT bucket, minutes, activities, blood_minutes, blood_donations, updated_at FROM volunteer_totals
WHERE volunteer_id = $1
"""
"""What `hours.get_volunteer_totals` reads (`vms_hours.totals.read`), in raw SQL."""


async def timed(calls: Sequence[Callable[[], Awaitable[Any]]], clients: int) -> list[float]:
    """Milliseconds of each call, `clients` of them in flight at a time."""
    latencies: list[float] = []
    upcoming = iter(calls)

    async def one_client() -> None:
        for call in upcoming:
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies


def percentiles(latencies: Sequence[float]) -> tuple[float, float]:
    """p50 and p99 by nearest rank (an infinite latency, a request never answered, stays infinite)."""
    ordered = sorted(latencies)
    if not ordered:
        return float("nan"), float("nan")

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return rank(0.50), rank(0.99)


# -- certificates ----------------------------------------------------------------------------------------------------


def certificate_of(workload: Workload, volunteer: int, ids: list[UUID | None]) -> CertificateView:
    """A certificate of the volunteer's first `CERTIFICATE_LINES` records, as the hours service issues one."""
    indices = sorted(
        (i for i, r in enumerate(workload.records) if r.volunteer == volunteer),
        key=lambda i: (workload.records[i].activity_date(workload.today), workload.records[i].hour),
    )[:CERTIFICATE_LINES]
    lines = []
    for index in indices:
        record = workload.records[index]
        activity_type, sub_field = KINDS[record.kind]
        centre_name = workload.centres[workload.centre_of(index)][1]
        lines.append(
            CertificateLine.model_validate(
                {
                    "activity_id": ids[index] or UUID(int=index),
                    "revision": 2,
                    "kind": ActivityKind.ACTIVITY,
                    "activity_date": record.activity_date(workload.today),
                    "start_time": record.start_time,
                    "end_time": record.end_time,
                    "minutes": record.minutes,
                    "activity_type": activity_type,
                    "sub_field": sub_field,
                    "place": PLACES[record.place] or centre_name,
                    "centre_name": centre_name,
                    "description": DESCRIPTIONS[record.description],
                }
            )
        )
    volunteer_id, region = workload.volunteers[volunteer]
    return CertificateView(
        id=new_id(region),
        number=f"{region}-{workload.today.year}-000001",
        volunteer_id=volunteer_id,
        council_region=region,
        language=CertificateLanguage.KO,
        period_from=None,
        period_to=None,
        activities=len(lines),
        minutes=sum(line.minutes for line in lines),
        blood_donations=0,
        blood_minutes=0,
        issued_at=datetime.now(UTC),
        verification_code="7KQ2-M9XD",
        holder=CertificateHolder(name="김봉사", birth_date=date(1990, 5, 17)),
        lines=lines,
    )


def render_certificates(certificate: CertificateView, count: int) -> tuple[int, float]:
    """(pages of one certificate, seconds to render `count` of them)."""
    render(certificate, VERIFICATION_PAGE)  # fonts registered, nothing cold
    started = time.perf_counter()
    pdf = b""
    for _ in range(count):
        pdf = render(certificate, VERIFICATION_PAGE)
    seconds = time.perf_counter() - started
    return len(PdfReader(io.BytesIO(pdf)).pages), seconds


# -- checks ----------------------------------------------------------------------------------------------------------


async def check_tables(dsn: str, expected: dict[str, int]) -> list[str]:
    """Row counts of the tables named in `expected`."""
    connection = await asyncpg.connect(dsn)
    try:
        problems = []
        for table, rows in expected.items():
            found = await connection.fetchval(f"SELECT count(*) FROM {table}")
            if found != rows:
                problems.append(f"{table} has {found} rows, expected {rows}")
        return problems
    finally:
        await connection.close()


TOTALS_DIFFER = """
SELECT count(*) FROM (
  SELECT {owner} AS owner, sum(minutes) AS minutes, count(*) AS activities FROM activities
  WHERE status = 'confirmed' GROUP BY 1
) counted FULL JOIN (SELECT {owner} AS owner, minutes, activities FROM {table} WHERE bucket = 'all') kept
USING (owner)
WHERE counted.minutes IS DISTINCT FROM kept.minutes OR counted.activities IS DISTINCT FROM kept.activities
"""


async def check_totals(dsn: str, confirmed: int, minutes: int) -> list[str]:
    """Every volunteer's, centre's and region's all-time total equals what their confirmed records add up to, and
    those are the records the benchmark confirmed."""
    connection = await asyncpg.connect(dsn)
    try:
        problems = []
        row = await connection.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(minutes), 0) AS m FROM activities WHERE status = 'confirmed'"
        )
        if (row["n"], row["m"]) != (confirmed, minutes):
            problems.append(
                f"{row['n']} confirmed records of {row['m']} minutes, expected {confirmed} of {minutes} minutes"
            )
        for table, owner in (
            ("volunteer_totals", "volunteer_id"),
            ("centre_totals", "centre_id"),
            ("region_totals", "region"),
        ):
            wrong = await connection.fetchval(TOTALS_DIFFER.format(owner=owner, table=table))
            if wrong:
                problems.append(f"{table}: {wrong} owners' all-time totals differ from their confirmed records")
        return problems
    finally:
        await connection.close()


# -- the run ---------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="activity records to load (1000000)")
    parser.add_argument("--volunteers", type=int, default=100_000, help="volunteers they belong to (100000)")
    parser.add_argument("--centres", type=int, default=250, help="centres whose files they come in (250)")
    parser.add_argument(
        "--batch", type=int, default=rpc.MAX_ROWS, help=f"rows in one record_activities request ({rpc.MAX_ROWS})"
    )
    parser.add_argument("--in-flight", type=int, default=2, help="batches loading at once, on both sides (2)")
    parser.add_argument(
        "--replicas", type=int, default=1, help="processes of the hours service, sharing its requests (1)"
    )
    parser.add_argument("--confirms", type=int, default=15_000, help="confirmations sent at --rate (15000)")
    parser.add_argument(
        "--rate", type=float, default=TARGET_CONFIRM_RATE, help=f"confirmations a second ({TARGET_CONFIRM_RATE:g})"
    )
    parser.add_argument(
        "--tracked", type=int, default=40, help="volunteers with a long history, all of it confirmed (40)"
    )
    parser.add_argument("--history", type=int, default=500, help="records of each tracked volunteer (500)")
    parser.add_argument("--lookups", type=int, default=10_000, help="volunteer total look-ups (10000)")
    parser.add_argument(
        "--sweep-clients",
        type=int,
        default=32,
        help="confirmations in flight while the history grows (32: enough to keep the service busy, so that "
        "its batches are alike in the first and the last tenth)",
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients of the look-ups (4)")
    parser.add_argument("--certificates", type=int, default=20, help="certificates of 100 activities rendered (20)")
    parser.add_argument("--seed", type=int, default=1365, help="random seed of the workload")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a request or a wait may take at most")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= rpc.MAX_ROWS:
        parser.error(f"--batch is between 1 and {rpc.MAX_ROWS} (the contract's MAX_ROWS)")
    if (
        min(args.records, args.volunteers, args.centres, args.in_flight, args.rate, args.replicas) <= 0
        or min(args.clients, args.sweep_clients) <= 0
        or min(args.confirms, args.lookups, args.certificates) <= 0
    ):
        parser.error("every count, --in-flight, --clients, --sweep-clients and --rate must be positive")
    if args.records < 2 * args.batch:
        parser.error("--records must make two batches at least: the load's first and last tenths are batches")
    if args.volunteers > args.records:
        parser.error("--volunteers must not exceed --records: every volunteer has a record")
    most = DAYS * SLOTS_PER_DAY
    if not 0 < args.history <= most:
        parser.error(f"--history is between 1 and {most}: a volunteer has {SLOTS_PER_DAY} slots on each of {DAYS} days")
    # A small run keeps the history long and tracks fewer volunteers: a fifth of the records at most.
    args.tracked = max(1, min(args.tracked, args.volunteers // 2, args.records // 5 // args.history))
    ordinary = args.records - args.tracked * args.history
    if ordinary < args.volunteers - args.tracked or ordinary > (args.volunteers - args.tracked) * most:
        parser.error("the records do not fit the volunteers: give every volunteer 1 to 680 records")
    if args.confirms > ordinary:
        parser.error(f"--confirms must not exceed the {ordinary} records of untracked volunteers")
    return args


def from_env(name: str, default: str) -> tuple[str, str]:
    """The value of `name`, or `default`; and which of the two it is."""
    if value := os.environ.get(name):
        return value, f"from {name}"
    return default, f"default: {name} is unset"


def dsn_of(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} ms" if math.isfinite(value) else "never (not answered)"


def change(first: float, last: float) -> str:
    return f"{last / first - 1:+.0%}"


@contextlib.contextmanager
def phase(what: str) -> Iterator[None]:
    print(f"{what} …", flush=True)
    started = time.perf_counter()
    yield
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)


@dataclasses.dataclass
class Report:
    rows: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    targets: list[tuple[bool, str]] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)

    def row(self, label: str, value: str) -> None:
        self.rows.append((label, value))

    def target(self, met: bool, text: str) -> None:
        self.targets.append((met, text))

    def print(self) -> None:
        self.row("correct", "yes" if not self.problems else "NO")
        width = max(len(label) for label, _ in self.rows)
        print()
        for label, value in self.rows:
            print(f"  {label:<{width}}  {value}")
        print()
        for met, text in self.targets:
            print(f"  {'PASS' if met else 'FAIL'}  {text}")
        print(
            "\nAbsolute numbers vary with the machine and its load (shared machines especially): compare the ratios,"
            "\nand the service's CPU per record or event."
        )
        for problem in self.problems:
            print(f"FAILED: {problem}")


@dataclasses.dataclass
class Run:
    """What every phase works with."""

    args: argparse.Namespace
    workload: Workload
    managers: list[Actor]
    bus: Bus
    nc: Any
    client: RpcClient
    service_db: str
    ceiling_db: str
    cpu: CpuClock
    report: Report

    @property
    def js(self) -> Any:
        return self.nc.jetstream()

    def cpu_text(self, first: Window, last: Window) -> str:
        before, after = first.cpu_ms(self.cpu), last.cpu_ms(self.cpu)
        if before is None or after is None:
            return "service CPU not measured (no /proc)"
        return f"service CPU {before:.2f} / {after:.2f} ms each ({change(before, after)})"


async def batch_fits(run: Run) -> bool:
    """Whether a full batch fits in one NATS message both ways: the request, and the reply that lists every row
    (measured on a `check_only` request of a few of its rows, which writes nothing). If it does, the first batch is
    sent `check_only` whole, to warm the service's path up."""
    workload, nc = run.workload, run.nc
    sample = min(50, len(workload.rows(0)))
    probe = await run.client.call(
        rpc.RECORD_ACTIVITIES, workload.request(0, check_only=True, rows=sample), actor=run.managers[0]
    )
    per_row = len(probe.__pydantic_serializer__.to_json(probe)) / sample
    full = workload.request(0)
    request_bytes = len(full.__pydantic_serializer__.to_json(full))
    reply_bytes = int(per_row * len(full.rows))
    run.report.row(
        "a full batch on the wire",
        f"{len(full.rows)} rows: request {request_bytes:,} B, reply about {reply_bytes:,} B (server max_payload "
        f"{nc.max_payload:,} B)",
    )
    if max(request_bytes, reply_bytes) <= nc.max_payload:
        # The whole first batch, checked and not written: the service's path warm before the clock starts.
        await run.client.call(
            rpc.RECORD_ACTIVITIES, workload.request(0, check_only=True), actor=run.managers[0], timeout=run.args.timeout
        )
        return True
    fits = int(nc.max_payload / per_row)
    run.report.problems.append(
        f"a record_activities request of {len(full.rows)} rows cannot be answered on this server: its "
        f"{'reply' if reply_bytes > nc.max_payload else 'request'} would be over the server's max_payload "
        f"({nc.max_payload:,} B), so the caller never hears back (the rows are recorded all the same); about {fits} "
        f"rows fit. Run with --batch {int(fits * 0.9) // 100 * 100} to measure the rest."
    )
    return False


async def measure_load(run: Run) -> list[UUID | None] | None:
    """1: the ceiling, then the service; the activity ids the service gave, or None if the load failed."""
    args, workload, report = run.args, run.workload, run.report
    with phase(f"making the ceiling's rows ({workload.batches} batches of {args.batch})"):
        prepared = await asyncio.to_thread(ceiling_batches, workload, run.bus)
        # The workload and the ceiling's rows stay until the end: out of the collector's sight, so that its full
        # collections do not stop this client (and its timing of the service) for a long time each.
        settle_heap()
    with phase("ceiling: raw asyncpg inserts"):
        ceiling = await load_ceiling(dsn_of(run.ceiling_db), prepared, in_flight=args.in_flight)
    del prepared
    with phase(f"the service: {workload.batches} record_activities requests, {args.in_flight} at a time"):
        loaded, ids = await load_through_service(
            run.client, workload, run.managers, in_flight=args.in_flight, timeout=args.timeout
        )
    report.problems += [f"load: {p}" for p in loaded.problems]
    if loaded.problems:
        return None
    last_reply = time.perf_counter()
    relay_lag = await until_relayed(dsn_of(run.service_db), timeout=args.timeout) - last_reply
    await until_consumed(run.js, run.bus.stream_name("HOURS"), "hours-totals", timeout=args.timeout)
    totals_lag = time.perf_counter() - last_reply
    n = len(workload.records)
    ratio = loaded.rate() / ceiling.rate()
    first, last = loaded.tenths()
    ceiling_first, ceiling_last = ceiling.tenths()
    report.row("records (N)", f"{n:,} over {args.volunteers:,} volunteers at {args.centres} centres")
    report.row("batch", f"{args.batch} rows a request, {args.in_flight} at a time ({workload.batches} batches)")
    report.row(
        "load: VMS (record_activities)",
        f"{loaded.rate():,.0f} records/s in {loaded.seconds:.1f} s; the relay published the last hours.recorded "
        f"{relay_lag:.1f} s after the last reply, hours-totals had read them {totals_lag:.1f} s after it",
    )
    report.row("load: ceiling (raw asyncpg)", f"{ceiling.rate():,.0f} records/s in {ceiling.seconds:.1f} s")
    report.row("ratio VMS / ceiling", f"{ratio:.3f}")
    report.row(
        "load: first / last tenth, VMS",
        f"{first.rate:,.0f} / {last.rate:,.0f} records/s ({change(first.rate, last.rate)}); "
        + run.cpu_text(first, last),
    )
    report.row(
        "load: first / last tenth, ceiling",
        f"{ceiling_first.rate:,.0f} / {ceiling_last.rate:,.0f} records/s "
        f"({change(ceiling_first.rate, ceiling_last.rate)})",
    )
    report.target(ratio >= TARGET_RATIO, f"records/s VMS / ceiling {ratio:.3f} (target >= {TARGET_RATIO})")
    report.target(
        abs(last.rate / first.rate - 1) <= TARGET_DRIFT,
        f"recording: records/s in the last tenth of the load {last.rate:,.0f} against {first.rate:,.0f} in the "
        f"first ({change(first.rate, last.rate)}; target within {TARGET_DRIFT:.0%})",
    )
    report.problems += [
        f"VMS: {p}"
        for p in await check_tables(
            dsn_of(run.service_db),
            {"activities": n, "activity_revisions": n, "outbox": n, "known_volunteers": args.volunteers},
        )
    ]
    days = len({(r.volunteer, r.day) for r in workload.records})
    report.problems += [
        f"ceiling: {p}"
        for p in await check_tables(
            dsn_of(run.ceiling_db), {"activities": n, "activity_revisions": n, "outbox": n, "volunteer_days": days}
        )
    ]
    return ids


async def measure_confirms(run: Run, known: list[UUID]) -> dict[UUID, tuple[int, int]]:
    """2 and 3: confirmations at a paced rate, then every record of the tracked volunteers; each `hours.confirmed`
    timed on its arrival on the bus. Returns the minutes and records now confirmed for each volunteer."""
    args, workload, report = run.args, run.workload, run.report
    events = ConfirmedEvents()
    subscription = await run.nc.subscribe(run.bus.event_pattern("hours", "confirmed"), cb=events.on_message)
    rng = random.Random(args.seed + 1)
    tracked = set(workload.tracked)
    ordinary = [i for i, r in enumerate(workload.records) if r.volunteer not in tracked]
    paced_indices = rng.sample(ordinary, args.confirms)
    # In loading order, which took each tracked volunteer's records in turn: every one's confirmed history grows
    # from nothing to all of it at the same pace.
    sweep_indices = [i for i, r in enumerate(workload.records) if r.volunteer in tracked]

    def target(index: int) -> tuple[UUID, Actor]:
        return known[index], run.managers[workload.centre_of(index)]

    try:
        with phase(f"confirming {args.confirms:,} records at {args.rate:g}/s"):
            paced = await confirm_paced(
                run.client, [target(i) for i in paced_indices], rate=args.rate, timeout=args.timeout
            )
            report.problems += await confirm_problems("paced", paced, events)
        # Nothing of the paced confirmations left to do when the history's clock starts.
        await until_consumed(run.js, run.bus.stream_name("HOURS"), "hours-totals", timeout=args.timeout)
        with phase(
            f"confirming all {len(sweep_indices):,} records of the {len(tracked)} tracked volunteers, "
            f"{args.sweep_clients} at a time"
        ):
            sweep = await confirm_closed(
                run.client, [target(i) for i in sweep_indices], clients=args.sweep_clients, timeout=args.timeout
            )
            report.problems += await confirm_problems("history", sweep, events)
    finally:
        await subscription.unsubscribe()

    reply50, reply99 = percentiles(paced.reply_ms())
    event50, event99 = percentiles(paced.event_ms(events))
    sent_rate = len(paced.ids) / paced.seconds
    late = f", {len(paced.late):,} not answered in time (e.g. {paced.late[0]})" if paced.late else ""
    report.row(
        f"confirm at {args.rate:g}/s",
        f"{len(paced.ids):,} sent at {sent_rate:,.0f}/s{late}; reply p50 {ms(reply50)} / p99 {ms(reply99)}",
    )
    arrivals = [events.arrived[paced.ids[n]] for n in paced.confirmed if paced.ids[n] in events.arrived]
    busy = Window(paced.sent[0], max(arrivals, default=paced.sent[0] + paced.seconds), max(1, len(arrivals)))
    report.row(
        "confirm → hours.confirmed on the bus",
        f"p50 {ms(event50)} / p99 {ms(event99)}; {len(arrivals):,} confirmed, the last event "
        f"{busy.end - busy.start:.1f} s after the first request; service CPU {ms(busy.cpu_ms(run.cpu))} a confirmation",
    )
    report.target(
        event99 < TARGET_CONFIRM_P99_MS and sent_rate >= 0.95 * TARGET_CONFIRM_RATE,
        f"confirm → hours.confirmed p99 {ms(event99)} at {sent_rate:,.0f}/s (target < {TARGET_CONFIRM_P99_MS:.0f} "
        f"ms at {TARGET_CONFIRM_RATE:g}/s)",
    )

    arrived = [(events.arrived[i], 1) for i in sweep.ids if i in events.arrived]
    if len(arrived) < 20:
        report.problems.append(f"history: {len(arrived)} events arrived, too few to tell a first and a last tenth")
        return {}
    first, last = tenths(arrived)
    sweep50, sweep99 = percentiles(sweep.reply_ms())
    tenth = args.history // 10
    report.row(
        "confirm, history growing",
        f"{len(sweep.ids) / sweep.seconds:,.0f}/s, {args.sweep_clients} in flight; reply p50 {ms(sweep50)} / p99 "
        f"{ms(sweep99)}",
    )
    report.row(
        "hours.confirmed/s first / last tenth",
        f"{first.rate:,.0f} / {last.rate:,.0f} ({change(first.rate, last.rate)}; each tracked volunteer's confirmed "
        f"history 0–{tenth} records, then {args.history - tenth}–{args.history}); " + run.cpu_text(first, last),
    )
    report.target(
        abs(last.rate / first.rate - 1) <= TARGET_DRIFT,
        f"confirming: hours.confirmed/s in the last tenth {last.rate:,.0f} against {first.rate:,.0f} in the first "
        f"({change(first.rate, last.rate)}; target within {TARGET_DRIFT:.0%})",
    )
    if events.duplicates:
        report.row("hours.confirmed received twice", f"{events.duplicates} (at least once: allowed)")

    # Every event through hours-totals, then every total compared with the records confirmed.
    await until_consumed(run.js, run.bus.stream_name("HOURS"), "hours-totals", timeout=args.timeout)
    confirmed = [paced_indices[k] for k in paced.confirmed] + [sweep_indices[k] for k in sweep.confirmed]
    expected: dict[UUID, tuple[int, int]] = {}
    for index in confirmed:
        record = workload.records[index]
        volunteer_id = workload.volunteers[record.volunteer][0]
        minutes, count = expected.get(volunteer_id, (0, 0))
        expected[volunteer_id] = (minutes + record.minutes, count + 1)
    report.problems += await check_totals(dsn_of(run.service_db), len(confirmed), sum(m for m, _ in expected.values()))
    stored = (await run.js.stream_info(run.bus.stream_name("HOURS"))).state.messages
    if stored != len(workload.records) + len(confirmed):
        report.problems.append(
            f"the HOURS stream holds {stored} events, expected {len(workload.records) + len(confirmed)}"
        )
    return expected


async def measure_lookups(run: Run, expected: dict[UUID, tuple[int, int]]) -> None:
    """4: volunteers' totals with every record loaded, through the service and in raw SQL, each answer checked."""
    args, report = run.args, run.report
    rng = random.Random(args.seed + 2)
    people = sorted(expected)
    asked = [rng.choice(people) for _ in range(args.lookups)]
    warm = [rng.choice(people) for _ in range(min(200, args.lookups))]
    wrong: list[str] = []

    def lookup(volunteer_id: UUID) -> Callable[[], Awaitable[None]]:
        async def one() -> None:
            found = await run.client.call(rpc.GET_VOLUNTEER_TOTALS, VolunteerActivities(volunteer_id=volunteer_id))
            if (found.minutes, found.activities) != expected[volunteer_id]:
                minutes, count = expected[volunteer_id]
                wrong.append(
                    f"{volunteer_id}: {found.minutes} min in {found.activities}, expected {minutes} in {count}"
                )

        return one

    pool = await asyncpg.create_pool(dsn_of(run.service_db), min_size=args.clients, max_size=args.clients)
    try:

        def raw_lookup(volunteer_id: UUID) -> Callable[[], Awaitable[None]]:
            async def one() -> None:
                async with pool.acquire() as connection:
                    await connection.fetch(RAW_TOTALS, volunteer_id)

            return one

        with phase(f"looking up {args.lookups:,} volunteers' totals, {args.clients} at a time"):
            await timed([lookup(v) for v in warm], args.clients)
            began = time.perf_counter()
            service_ms = await timed([lookup(v) for v in asked], args.clients)
            measured = Window(began, time.perf_counter(), len(asked))
            await timed([raw_lookup(v) for v in warm], args.clients)
            raw_ms = await timed([raw_lookup(v) for v in asked], args.clients)
    finally:
        await pool.close()
    if wrong:
        report.problems.append(f"{len(wrong)} totals look-ups answered wrong, e.g. {wrong[0]}")
    look50, look99 = percentiles(service_ms)
    raw50, raw99 = percentiles(raw_ms)
    report.row(
        "volunteer totals: VMS",
        f"p50 {ms(look50)} / p99 {ms(look99)} ({len(people):,} volunteers with confirmed hours; p99 ratio to raw "
        f"{look99 / raw99:.1f}); {measured.rate:,.0f}/s, service CPU {ms(measured.cpu_ms(run.cpu))} each",
    )
    report.row("volunteer totals: raw SQL", f"p50 {raw50:.2f} ms / p99 {raw99:.2f} ms")
    report.target(
        look99 < TARGET_LOOKUP_P99_MS, f"totals look-up p99 {ms(look99)} (target < {TARGET_LOOKUP_P99_MS:.0f} ms)"
    )


async def measure_certificates(run: Run, ids: list[UUID | None]) -> None:
    """5: a certificate of `CERTIFICATE_LINES` activities of a tracked volunteer, rendered as the gateway does."""
    certificate = certificate_of(run.workload, run.workload.tracked[0], ids)
    count = run.args.certificates
    with phase(f"rendering {count} certificates of {len(certificate.lines)} activities"):
        pages, seconds = await asyncio.to_thread(render_certificates, certificate, count)
    run.report.row(
        f"certificate of {len(certificate.lines)} activities",
        f"{pages} pages; {count / seconds:.2f} certificates/s, {pages * count / seconds:.1f} pages/s (rendering "
        "alone, one thread)",
    )


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging("bench", fmt="console", level="WARNING")
    nats_url, nats_origin = from_env("VMS_TEST_NATS_URL", DEFAULT_NATS_URL)
    admin_url, admin_origin = from_env("VMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    print(f"NATS:       {nats_url} ({nats_origin})")
    print(f"PostgreSQL: {make_url(admin_url).render_as_string(hide_password=True)} ({admin_origin})")
    use_test_keys()  # before the service starts: it inherits the keys
    report = Report()

    with phase(
        f"drawing {args.records:,} records of {args.volunteers:,} volunteers ({args.tracked} of them with "
        f"{args.history} records each) at {args.centres} centres"
    ):
        workload = build_workload(
            records=args.records,
            volunteers=args.volunteers,
            centres=args.centres,
            tracked=args.tracked,
            history=args.history,
            batch=args.batch,
            seed=args.seed,
        )

    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(fresh_bus(nats_url))
        service_db = await stack.enter_async_context(fresh_postgres_database(admin_url, "bench_hours"))
        ceiling_db = await stack.enter_async_context(fresh_postgres_database(admin_url, "bench_hours_ceiling"))
        nc = await nats.connect(nats_url, name="vms-bench-hours")
        stack.push_async_callback(nc.close)
        version = nc.connected_server_version
        server = f"{version.major}.{version.minor}.{version.patch}"
        print(f"namespace:  {bus.root} (stream {bus.stream_name('HOURS')}), nats-server {server}")
        report.row("nats-server", server)
        broker = NatsBroker(nats_url)
        await broker.connect()
        stack.push_async_callback(broker.stop)
        client = rpc_client(broker, bus, CENTRAL_ADMIN, timeout=args.timeout)

        with phase("migrating both databases, the centres and volunteers into hours' projection"):
            await asyncio.to_thread(migrate, service_db, MIGRATIONS)
            await asyncio.to_thread(migrate, ceiling_db, MIGRATIONS)
            await register_in_projection(service_db, bus, client, workload)

        settings = HoursSettings(nats_url=nats_url, database_url=service_db, bus_root=bus.root, log_level="WARNING")
        processes = [
            await stack.enter_async_context(hours_process(settings.model_copy(update={"instance": f"bench-{n}"})))
            for n in range(args.replicas)
        ]
        await until_answering(client)
        cpu = CpuClock([process.pid for process in processes])
        stop_sampling = asyncio.Event()
        sampling = asyncio.create_task(cpu.run(stop_sampling))
        stack.push_async_callback(lambda: sampling)
        stack.callback(stop_sampling.set)
        run = Run(
            args=args,
            workload=workload,
            managers=[centre_manager(centre_id) for centre_id, _, _ in workload.centres],
            bus=bus,
            nc=nc,
            client=client,
            service_db=service_db,
            ceiling_db=ceiling_db,
            cpu=cpu,
            report=report,
        )
        if await batch_fits(run):
            ids = await measure_load(run)
            if ids is not None:
                expected = await measure_confirms(run, [i or UUID(int=0) for i in ids])
                if expected:
                    await measure_lookups(run, expected)
                await measure_certificates(run, ids)

    report.print()
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
