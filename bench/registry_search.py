"""Benchmark: 봉사자모집 검색 and 추천 over a registry of national size.

It loads `--volunteers` volunteers with their profiles (희망봉사활동, 희망활동지역, 특기, 활동 가능 시간) and
`--recruitments` recruitments of `--centres` management centres over the 17 시·도 and their 시·군·구 into a fresh
registry database, by COPY straight into the registry's tables, with every column the service keeps for searching
computed by the service's own functions (`vms_registry.recruitments.domain`: the search text, its bigrams, the last
day to apply, the eligibility flags), then VACUUM ANALYZEs it and prints the load's time and rows per second.

Then, with the registry service and the gateway each running in a process of its own, as they are deployed
(`vms-registry run`, `vms-gateway run`):

- (a) search through the gateway, `GET /api/v1/recruitments?activity_type=…&region=…&on_date=…&keyword=…`, with
  keywords drawn from the loaded titles (two-syllable words among them), `--requests` requests from `--clients`
  concurrent clients in a process of their own; and the same searches as the service's request over NATS, without
  the gateway, to tell the two apart;
- (b) the same searches as one raw SQL query each on asyncpg doing the same work: the same filters (taking
  applications today, the centre not suspended), the same bigram containment and `strpos` confirmation, the same
  order, LIMIT and the total (`count(*) OVER ()`);
- (c) recommendations for volunteers (추천 봉사자모집) through the gateway
  (`GET /api/v1/volunteers/{id}/recommendations`) when it has that route, and as the service's request over NATS,
  against raw SQL doing the same reads (the volunteer's wishes, the first batch of the same candidate query, the
  best of them whole).

It prints p50 and p99 of each in milliseconds, the ratio service / raw for both, and whether p99 through the gateway
is under 50 ms (the target) and the ratio at most 2. Everything runs on the NATS and PostgreSQL servers of the tests
(`VMS_TEST_NATS_URL`, `VMS_TEST_POSTGRES_URL`) in a bus namespace and databases of its own, removed at the end.

    python bench/registry_search.py [--volunteers 1000000] [--recruitments 100000] [--requests 2000] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from importlib.resources import files
from pathlib import Path
from statistics import quantiles
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import httpx
from faker import Faker
from faststream.nats import NatsBroker
from pydantic_settings import BaseSettings
from sqlalchemy import Table, make_url

from vms_contracts.ids import new_id
from vms_contracts.reference import SUB_FIELDS, ActivityType, District, districts_of
from vms_contracts.regions import REGIONS
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    MATCH_WEIGHTS,
    DayPart,
    Eligibility,
    MatchReason,
    RecommendRecruitments,
    SearchRecruitments,
    Weekday,
)
from vms_deploy.demo_data import (
    AREA_CODES,
    CENTRE_KIND_WEIGHTS,
    CENTRE_NAMES,
    COUNTRIES,
    NAMING_WORDS,
    SUBJECTS,
    TALENTS,
    TEMPLATES,
    place_name,
)
from vms_gateway.admin import create_central_admin
from vms_gateway.settings import GatewaySettings
from vms_platform.actor import new_key_set
from vms_platform.clock import today_kst
from vms_platform.db import migrate
from vms_platform.logging import configure_logging
from vms_platform.testing import CENTRAL_ADMIN, fresh_bus, fresh_postgres_database, rpc_client
from vms_registry.db import (
    centres,
    volunteer_availability,
    volunteer_desired_activities,
    volunteer_desired_regions,
    volunteer_talents,
    volunteers,
)
from vms_registry.matching.domain import DAY_PARTS, adult_from, talent_key
from vms_registry.matching.queries import BATCH, CANDIDATE_COLUMNS
from vms_registry.recruitments import domain
from vms_registry.recruitments.tables import STANDING_STATUSES, recruitments
from vms_registry.settings import RegistrySettings

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_P99_MS = 50.0
TARGET_RATIO = 2.0
CHUNK = 50_000

POPULATION = {
    "11": 93, "26": 33, "27": 24, "28": 30, "29": 14, "30": 14, "31": 11, "36": 4, "41": 136,
    "43": 16, "44": 21, "46": 18, "47": 26, "48": 33, "50": 7, "51": 15, "52": 17,
}  # fmt: skip
"""People in each 시·도, in hundred thousands (2024): where volunteers and centres are."""
REGION_CODES = list(POPULATION)
REGION_WEIGHTS = list(POPULATION.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _columns(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    """`row` in the table's column order; a NOT NULL column without a value is a schema this benchmark no longer
    knows, and is named."""
    values = []
    for column in table.columns:
        if column.name in row:
            values.append(row[column.name])
        elif column.nullable or column.server_default is not None:
            values.append(None if column.server_default is None else _server_default(column))
        else:
            raise SystemExit(f"{table.name}.{column.name} is new and NOT NULL: give it a value in {__file__}")
    return tuple(values)


def _server_default(column: Any) -> Any:
    text = str(column.server_default.arg)
    return text.strip("'")


# -- the data --------------------------------------------------------------------------------------------------


@dataclass
class LoadedRecruitment:
    id: UUID
    activity_type: str
    region: str
    start_date: date
    end_date: date
    title: str
    open_now: bool


@dataclass
class Loaded:
    recruitments: list[LoadedRecruitment]
    volunteers: list[UUID]
    """A sample of volunteers with wishes, to ask recommendations for."""
    rows: dict[str, int]
    seconds: float


class World:
    """What the benchmark loads, drawn from `seed`: the names and streets of `faker` (`ko_KR`), the demo region's
    vocabulary of the welfare field, and the real 시·군·구 of every region."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        fake = Faker("ko_KR")
        fake.seed_instance(seed)
        self.names = [fake.name() for _ in range(5000)]
        self.roads = [fake.road_name() for _ in range(500)]
        self.districts: dict[str, list[District]] = {code: districts_of(code) for code in REGION_CODES}
        self.sub_fields = [(t.value, label.code) for t, labels in SUB_FIELDS.items() for label in labels]
        self.slots = [(d.value, p.value) for d in Weekday for p in DayPart]

    def region(self) -> str:
        return self.rng.choices(REGION_CODES, weights=REGION_WEIGHTS)[0]

    def centres(self, count: int) -> Iterator[tuple[dict[str, Any], str]]:
        """Centre rows (and their region) with names unique in their region."""
        taken: set[tuple[str, str]] = set()
        now = datetime.now(UTC)
        for number in range(count):
            # One in every region first, so that every region has centres to post its recruitments.
            region = REGION_CODES[number] if number < len(REGION_CODES) else self.region()
            district = self.rng.choice(self.districts[region])
            group = self.rng.choices(CENTRE_NAMES, weights=CENTRE_KIND_WEIGHTS)[0]
            pattern = self.rng.choice(group)
            base = pattern.pattern.format(
                place=place_name(district),
                district=district.name.replace(" ", ""),
                word=self.rng.choice(NAMING_WORDS),
            )
            name, number = base, 2
            while (region, name) in taken:
                name, number = f"제{number}{base}", number + 1
            taken.add((region, name))
            yield (
                {
                    "id": new_id(region),
                    "name": name,
                    "region": region,
                    "phone": f"{AREA_CODES[region]}-{self.rng.randint(200, 9999)}-{self.rng.randint(0, 9999):04d}",
                    "registered_at": now - timedelta(days=self.rng.randint(30, 3000)),
                    "district": district.code,
                    "kind": pattern.kind.value,
                    "address": f"{REGIONS[region].name} {district.name} {self.rng.choice(self.roads)}로 "
                    f"{self.rng.randint(1, 300)}",
                    "status": "accredited",
                    "status_changed_at": now - timedelta(days=self.rng.randint(1, 30)),
                },
                region,
            )

    def recruitment(self, centre: dict[str, Any]) -> dict[str, Any]:
        """A recruitment row of `centre`, its search columns made by the service's own functions. About a third
        ran in the past or has closed, as in a registry that has been in use."""
        rng = self.rng
        template = rng.choices(TEMPLATES, weights=[t.weight for t in TEMPLATES])[0]
        district = next(d for d in self.districts[centre["region"]] if d.code == centre["district"])
        values = {
            "centre": centre["name"],
            "phone": centre["phone"],
            "district": district.name,
            "subject": rng.choice(SUBJECTS),
            "country": rng.choice(COUNTRIES),
            "year": f"{self.today.year}",
        }
        values["place"] = template.place.format(**values)
        title = template.title.format(**values)
        description = template.description.format(**values)
        start = self.today + timedelta(days=rng.randint(-120, 60))
        end = start + timedelta(days=rng.randint(*template.days))
        apply_until = min(end, start + timedelta(days=rng.randint(0, 14))) if rng.random() < 0.5 else None
        capacity = rng.choice((2, 3, 5, 8, 10, 15, 20, 30))
        eligibility = [Eligibility(e) for e in rng.choice(template.eligibility)]
        begins, ends = rng.choice(template.hours)
        posted = datetime.now(UTC) - timedelta(days=max(0, (self.today - start).days) + rng.randint(1, 30))
        searched = domain.search_text([title, values["place"], description, centre["name"]])
        return {
            "id": new_id(centre["region"]),
            "centre_id": centre["id"],
            "region": centre["region"],
            "district": district.code if template.activity_type is not ActivityType.OVERSEAS else None,
            "title": title,
            "description": description,
            "activity_type": template.activity_type.value,
            "sub_field": template.sub_field,
            "place": values["place"],
            "start_date": start,
            "end_date": end,
            "weekdays": ",".join(d.value for d in rng.choice(template.weekdays)),
            "start_time": clock_time.fromisoformat(begins),
            "end_time": clock_time.fromisoformat(ends),
            "capacity": capacity,
            "taken": capacity if rng.random() < 0.1 else rng.randint(0, capacity - 1),
            **domain.eligibility_flags(eligibility),
            "orientation_required": template.orientation,
            "apply_until": apply_until,
            "last_apply_day": domain.last_apply_day(apply_until, end),
            "status": "closed" if rng.random() < 0.08 else "open",
            "search_text": searched,
            "search_bigrams": domain.bigrams(searched),
            "posted_at": posted,
            "updated_at": posted,
        }

    def volunteer(self, number: int) -> tuple[dict[str, Any], list[list[tuple[Any, ...]]]]:
        """A volunteer row and the rows of their profile lists: desired activities, regions, talents, times."""
        rng = self.rng
        region = self.region()
        volunteer_id = new_id(region)
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 23_000))
        row = {
            "id": volunteer_id,
            "login_id": f"b{number:07d}",
            "name": rng.choice(self.names),
            "birth_date": born,
            "phone": f"010-{1000 + number // 10_000:04d}-{number % 10_000:04d}",
            "region": region,
            "registered_at": datetime.now(UTC) - timedelta(days=rng.randint(0, 3000)),
            "email": f"b{number:07d}@example.com" if rng.random() < 0.5 else None,
            "district": rng.choice(self.districts[region]).code if rng.random() < 0.9 else None,
            "status": "active",
            "birth_year": born.year,
        }
        wishes = {
            (kind, code if rng.random() < 0.7 else "") for kind, code in rng.sample(self.sub_fields, rng.randint(1, 3))
        }
        activities = [(volunteer_id, kind, code) for kind, code in sorted(wishes)]
        wanted = {region} if rng.random() < 0.85 else set()
        if rng.random() < 0.2:
            wanted.add(rng.choice(REGION_CODES))
        regions = [(volunteer_id, code) for code in sorted(wanted)]
        talents = [(volunteer_id, t) for t in rng.sample(TALENTS, rng.choice((0, 1, 1, 2, 3)))]
        availability = [(volunteer_id, d, p) for d, p in rng.sample(self.slots, rng.randint(1, 6))]
        return row, [activities, regions, talents, availability]


async def load(dsn: str, world: World, *, volunteer_count: int, recruitment_count: int, centre_count: int) -> Loaded:
    """COPY everything into the registry's tables (indexes and foreign keys in place, as the service keeps them),
    then VACUUM ANALYZE."""
    rows: dict[str, int] = {}
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:

        async def copy(into: asyncpg.Connection, table: Table, records: Sequence[tuple[Any, ...]]) -> None:
            if records:
                await into.copy_records_to_table(table.name, records=records, columns=[c.name for c in table.columns])
                rows[table.name] = rows.get(table.name, 0) + len(records)

        made = list(world.centres(centre_count))
        await copy(connection, centres, [_columns(centres, row) for row, _ in made])
        by_region: dict[str, list[dict[str, Any]]] = {}
        for row, region in made:
            by_region.setdefault(region, []).append(row)
        print(f"  centres: {len(made):,} in {time.perf_counter() - started:.1f} s", flush=True)

        loaded: list[LoadedRecruitment] = []
        for first in range(0, recruitment_count, CHUNK):
            batch = []
            for _ in range(min(CHUNK, recruitment_count - first)):
                row = world.recruitment(world.rng.choice(by_region[world.region()]))
                batch.append(_columns(recruitments, row))
                loaded.append(
                    LoadedRecruitment(
                        row["id"],
                        row["activity_type"],
                        row["region"],
                        row["start_date"],
                        row["end_date"],
                        row["title"],
                        row["status"] == "open"
                        and row["end_date"] >= world.today
                        and row["last_apply_day"] >= world.today
                        and row["taken"] < row["capacity"],
                    )
                )
            await copy(connection, recruitments, batch)
        print(f"  recruitments: {recruitment_count:,} in {time.perf_counter() - started:.1f} s", flush=True)

        sample: list[UUID] = []
        lists = (volunteer_desired_activities, volunteer_desired_regions, volunteer_talents, volunteer_availability)
        others = [await asyncpg.connect(dsn) for _ in lists]

        def people_from(first: int) -> tuple[list[tuple[Any, ...]], list[list[tuple[Any, ...]]]]:
            people: list[tuple[Any, ...]] = []
            profile: list[list[tuple[Any, ...]]] = [[] for _ in lists]
            for number in range(first, min(first + CHUNK, volunteer_count)):
                row, items = world.volunteer(number)
                people.append(_columns(volunteers, row))
                for target, rows_of_list in zip(profile, items, strict=True):
                    target.extend(rows_of_list)
                if number % 997 == 0:
                    sample.append(row["id"])
            return people, profile

        try:
            # The next chunk is drawn (in a thread) while PostgreSQL takes this one, the profile lists each on a
            # connection of its own once their volunteers are in.
            drawing = asyncio.ensure_future(asyncio.to_thread(people_from, 0))
            for first in range(0, volunteer_count, CHUNK):
                people, profile = await drawing
                if first + CHUNK < volunteer_count:
                    drawing = asyncio.ensure_future(asyncio.to_thread(people_from, first + CHUNK))
                await copy(connection, volunteers, people)
                await asyncio.gather(
                    *(copy(other, table, records) for other, table, records in zip(others, lists, profile, strict=True))
                )
                done = min(first + CHUNK, volunteer_count)
                print(f"  volunteers: {done:,} in {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            for other in others:
                await other.close()
        # As autovacuum would have it after a while: statistics for the planner, the visibility map for index-only
        # reads, and the GIN index's pending entries merged, rather than autovacuum doing it during the measurement.
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()
    return Loaded(loaded, sample, rows, time.perf_counter() - started)


# -- the queries -------------------------------------------------------------------------------------------------

WORD = re.compile(r"[가-힣A-Za-z0-9]{2,}")


@dataclass(frozen=True)
class Search:
    activity_type: str
    region: str
    on_date: date
    keyword: str

    def path(self) -> str:
        query = {
            "activity_type": self.activity_type,
            "region": self.region,
            "on_date": self.on_date.isoformat(),
            "keyword": self.keyword,
        }
        return f"/api/v1/recruitments?{urlencode(query)}"

    def request(self) -> SearchRecruitments:
        return SearchRecruitments.model_validate(
            {
                "activity_type": self.activity_type,
                "region": self.region,
                "on_date": self.on_date.isoformat(),
                "keyword": self.keyword,
            }
        )


def searches(loaded: Loaded, count: int, rng: random.Random, today: date) -> list[Search]:
    """What people search for: a type, a region, a day it runs and a word of a title, taken from a recruitment
    that takes applications (so most searches find something), two-syllable words as often as they come."""
    open_now = [r for r in loaded.recruitments if r.open_now and r.end_date >= today]
    made = []
    for _ in range(count):
        recruitment = rng.choice(open_now)
        first = max(recruitment.start_date, today)
        day = first + timedelta(days=rng.randint(0, (recruitment.end_date - first).days))
        words = WORD.findall(recruitment.title)
        made.append(Search(recruitment.activity_type, recruitment.region, day, rng.choice(words)))
    return made


SEARCH_SQL = """
SELECT * FROM (
  SELECT r.id, r.centre_id, r.region, r.district, r.title, r.description, r.activity_type, r.sub_field, r.place,
    r.start_date, r.end_date, r.weekdays, r.start_time, r.end_time, r.capacity, r.taken, r.for_adults, r.for_youth,
    r.for_groups, r.orientation_required, r.apply_until, r.last_apply_day, r.status, r.posted_at, r.posted_by,
    r.updated_at, r.updated_by, c.name AS centre_name, c.status AS centre_status, count(*) OVER () AS total
  FROM recruitments r JOIN centres c ON c.id = r.centre_id
  WHERE r.activity_type = $1 AND r.region = $2 AND r.start_date <= $3 AND r.end_date >= $3
    AND r.status = 'open' AND r.end_date >= $4 AND r.last_apply_day >= $4 AND r.taken < r.capacity
    AND c.status <> 'suspended'
    AND r.search_bigrams @> $5::text[] AND strpos(r.search_text, $6) > 0
  OFFSET 0
) found
ORDER BY posted_at DESC, id DESC
LIMIT 20
"""
"""The service's search (`RecruitmentHandlers.search_recruitments`) as one statement, for a keyword of one word of
two characters or more (what `searches` asks): its filters, the word's bigrams contained in the recruitment's
bigrams (the GIN index) and the word found whole in the text, the total beside each row, then its order and page
(the found rows planned on their own, `OFFSET 0`, as the service does: the count reads them all anyway)."""


def search_arguments(search: Search, today: date) -> tuple[Any, ...]:
    (word,) = domain.search_words(search.keyword)
    pairs = domain.bigrams(word)
    assert pairs, f"{word!r} has no bigram"
    return (search.activity_type, search.region, search.on_date, today, pairs, word)


# -- measuring ---------------------------------------------------------------------------------------------------


def percentiles(latencies: Sequence[float]) -> tuple[float, float]:
    cuts = quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


async def _timed(calls: Sequence[Callable[[], Awaitable[Any]]], clients: int) -> list[float]:
    """Milliseconds of each call, `clients` of them in flight at a time."""
    latencies: list[float] = []
    queue = list(reversed(calls))

    async def client() -> None:
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def _http_latencies(url: str, paths: list[str], clients: int, headers: dict[str, str]) -> dict[str, Any]:
    """The latency of every request, and the answers that were not 200 (counted, the first few shown)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60, headers=headers) as client:

        def call(path: str) -> Callable[[], Awaitable[Any]]:
            async def one() -> None:
                response = await client.get(path)
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.text[:300]}")

            return one

        latencies = await _timed([call(p) for p in paths], clients)
    return {"latencies": latencies, "failed": len(failures), "failures": failures[:3]}


async def through_gateway(url: str, paths: list[str], clients: int, headers: dict[str, str]) -> list[float]:
    """The HTTP clients run in a process of their own (`--load`), so that they do not take the CPU the gateway and
    the registry run on in this one."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump({"url": url, "paths": paths, "clients": clients, "headers": headers}, out)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--load", out.name, stdout=asyncio.subprocess.PIPE
        )
        printed, _ = await process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"the HTTP clients failed (exit {process.returncode})")
        result = json.loads(printed)
        if result["failed"]:
            print(f"  {result['failed']} of {len(paths)} requests were not answered 200, e.g.:")
            for failure in result["failures"]:
                print(f"    {failure}")
        return [float(value) for value in result["latencies"]]
    finally:
        os.unlink(out.name)


async def route_exists(url: str, path: str) -> bool:
    """Whether the gateway's API document lists a route for `path` (a template `{volunteer_id}` takes any id)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
    templates = (
        re.sub(r"\{[^}]+\}", "[^/]+", re.escape(listed).replace("\\{", "{").replace("\\}", "}"))
        for listed in document.get("paths", {})
    )
    return any(re.fullmatch(template, path) for template in templates)


def report(name: str, measured: list[tuple[str, list[float]]], raw: list[float]) -> tuple[str, float, float]:
    """The table of one measurement: each way through the service, then raw SQL; the ratios are the first way's
    (the gateway's when it has the route) to raw SQL. That way, its p99 and p99 ratio."""
    r50, r99 = percentiles(raw)
    print(f"{name} ({len(raw)} requests each, {len(measured[0][1])} through the service)")
    print(f"  {'':44} {'p50 ms':>8} {'p99 ms':>8} {'p50 ratio':>10} {'p99 ratio':>10}")
    for label, latencies in measured:
        p50, p99 = percentiles(latencies)
        print(f"  {label:44} {p50:8.1f} {p99:8.1f} {p50 / r50:10.2f} {p99 / r99:10.2f}")
    print(f"  {'raw SQL on asyncpg (the same work)':44} {r50:8.1f} {r99:8.1f}")
    p99 = percentiles(measured[0][1])[1]
    return measured[0][0], p99, p99 / r99


# -- the running system --------------------------------------------------------------------------------------------


def _environment(settings: BaseSettings) -> dict[str, str]:
    """The variables that configure a service as `settings` was made here (`VMS_REGISTRY_DATABASE_URL`, …): the
    fields given to it; the rest (the keys) each process reads from this one's environment, as `settings` did."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    given = settings.model_dump(include=settings.model_fields_set - {"actor_key"})
    return {f"{prefix}{field}".upper(): str(value) for field, value in given.items() if value is not None}


@asynccontextmanager
async def _process(program: str, settings: BaseSettings) -> AsyncIterator[None]:
    """`program run --migrate` (`vms-registry`, `vms-gateway`) in a process of its own, as each service is deployed,
    configured by `settings`; stopped by SIGTERM at the end. What it printed is shown if it failed."""
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name(program)),
            "run",
            "--migrate",
            env={**os.environ, **_environment(settings)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        try:
            yield
        finally:
            if process.returncode is None:
                process.terminate()
            code = await process.wait()
            if code not in (0, -signal.SIGTERM):
                log.seek(0)
                print(f"{program} exited with {code}:\n" + log.read().decode("utf-8", "replace")[-3000:])


async def _until(check: Callable[[], Awaitable[bool]], what: str, *, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if await check():
                return
        await asyncio.sleep(0.1)
    raise SystemExit(f"{what}: not ready after {seconds:.0f} s")


async def main(args: argparse.Namespace) -> int:
    configure_logging("bench", level="WARNING")
    nats_url = os.environ.get("VMS_TEST_NATS_URL", DEFAULT_NATS_URL)
    admin_url = os.environ.get("VMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    print(f"NATS {nats_url}, PostgreSQL {admin_url.split('@')[-1]}")
    os.environ.update(new_key_set())
    today = today_kst()
    centre_count = args.centres or max(17 * 3, min(13_265, args.recruitments // 8))

    async with AsyncExitStack() as stack:
        bus = await stack.enter_async_context(fresh_bus(nats_url))
        common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root, "log_level": "WARNING"}
        databases = {
            name: await stack.enter_async_context(fresh_postgres_database(admin_url, f"bench_{name}"))
            for name in ("registry", "gateway")
        }
        dsn = _dsn(databases["registry"])
        await asyncio.to_thread(migrate, databases["registry"], str(files("vms_registry") / "migrations"))
        print(
            f"loading {args.volunteers:,} volunteers with profiles, {centre_count:,} centres and "
            f"{args.recruitments:,} recruitments by COPY …",
            flush=True,
        )
        world = World(args.seed, today)
        loaded = await load(
            dsn,
            world,
            volunteer_count=args.volunteers,
            recruitment_count=args.recruitments,
            centre_count=centre_count,
        )
        total_rows = sum(loaded.rows.values())
        print(
            f"loaded {total_rows:,} rows in {loaded.seconds:.1f} s ({total_rows / loaded.seconds:,.0f} rows/s, "
            "VACUUM ANALYZE included): " + ", ".join(f"{name} {count:,}" for name, count in loaded.rows.items())
        )

        registry_settings = RegistrySettings(database_url=databases["registry"], **common)
        await stack.enter_async_context(_process("vms-registry", registry_settings))
        settings = GatewaySettings(
            database_url=databases["gateway"],
            port=_free_port(),
            password_profile="CHEAPEST",
            access_log=False,
            max_requests_per_client=1_000_000,
            max_concurrent_requests=10_000,
            rpc_timeout=30,
            **common,
        )
        await stack.enter_async_context(_process("vms-gateway", settings))
        url = f"http://127.0.0.1:{settings.port}"
        pool = await asyncpg.create_pool(dsn, min_size=args.clients, max_size=args.clients)
        stack.push_async_callback(pool.close)
        broker = NatsBroker(nats_url)
        await broker.connect()
        stack.push_async_callback(broker.stop)
        client = rpc_client(broker, bus, CENTRAL_ADMIN, timeout=30)

        async def registry_answers() -> bool:
            await client.call(rpc.SEARCH_RECRUITMENTS, SearchRecruitments(region="11", limit=1), region="11")
            return True

        async def gateway_answers() -> bool:
            async with httpx.AsyncClient(base_url=url, timeout=5) as http:
                return (await http.get("/api/v1/recruitments?region=11&limit=1")).status_code == 200

        await _until(registry_answers, "the registry")
        await _until(gateway_answers, "the gateway")

        rng = random.Random(args.seed + 1)
        asked = searches(loaded, args.requests, rng, today)
        warm = searches(loaded, min(200, args.requests), rng, today)
        results: list[tuple[str, float, float]] = []

        # (a) and (b): search
        measured: list[tuple[str, list[float]]] = []
        if await route_exists(url, "/api/v1/recruitments"):
            await through_gateway(url, [s.path() for s in warm], args.clients, {})
            measured.append(
                ("through the gateway (HTTP)", await through_gateway(url, [s.path() for s in asked], args.clients, {}))
            )
        await _timed([_rpc_call(client, s) for s in warm], args.clients)
        measured.append(
            ("the service's request over NATS", await _timed([_rpc_call(client, s) for s in asked], args.clients))
        )

        def raw_search(search: Search) -> Callable[[], Awaitable[Any]]:
            async def one() -> None:
                async with pool.acquire() as connection:
                    await connection.fetch(SEARCH_SQL, *search_arguments(search, today))

            return one

        await _timed([raw_search(s) for s in warm], args.clients)
        raw = await _timed([raw_search(s) for s in asked], args.clients)
        way, p99, ratio = report("(a)/(b) 봉사자모집 검색 (search)", measured, raw)
        results.append((f"search, {way}", p99, ratio))
        if p99 >= TARGET_P99_MS or ratio > TARGET_RATIO:
            await explain(pool, asked, today)

        # (c): recommendations
        results.append(await recommendations(url, settings, client, pool, loaded, args, rng, today))

    print()
    for name, p99, ratio in results:
        print(
            f"{name}: p99 {p99:.1f} ms {'<' if p99 < TARGET_P99_MS else '≥'} {TARGET_P99_MS:.0f} ms target "
            f"({'met' if p99 < TARGET_P99_MS else 'missed'}); p99 ratio {ratio:.2f} "
            f"{'≤' if ratio <= TARGET_RATIO else '>'} {TARGET_RATIO:g} ({'met' if ratio <= TARGET_RATIO else 'missed'})"
        )
    return 0


def _rpc_call(client: Any, search: Search) -> Callable[[], Awaitable[Any]]:
    async def one() -> None:
        await client.call(rpc.SEARCH_RECRUITMENTS, search.request(), region=search.region)

    return one


async def explain(pool: Any, asked: list[Search], today: date) -> None:
    """The plan of the slowest of a few searches, to see which index is missing."""
    slowest: tuple[float, Search] | None = None
    async with pool.acquire() as connection:
        for search in asked[:50]:
            started = time.perf_counter()
            await connection.fetch(SEARCH_SQL, *search_arguments(search, today))
            took = time.perf_counter() - started
            if slowest is None or took > slowest[0]:
                slowest = (took, search)
        assert slowest is not None
        plan = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + SEARCH_SQL, *search_arguments(slowest[1], today))
    print(f"  EXPLAIN ANALYZE of the slowest of 50 ({slowest[0] * 1000:.1f} ms): {slowest[1]}")
    for row in plan:
        print(f"    {row[0]}")


WISHES_SQL = """
SELECT v.region, v.district, v.birth_date,
  ARRAY(SELECT activity_type FROM volunteer_desired_activities WHERE volunteer_id = v.id) AS types,
  ARRAY(SELECT sub_field FROM volunteer_desired_activities WHERE volunteer_id = v.id) AS sub_fields,
  ARRAY(SELECT region FROM volunteer_desired_regions WHERE volunteer_id = v.id) AS regions,
  ARRAY(SELECT talent FROM volunteer_talents WHERE volunteer_id = v.id ORDER BY talent) AS talents,
  ARRAY(SELECT weekday FROM volunteer_availability WHERE volunteer_id = v.id) AS weekdays,
  ARRAY(SELECT part FROM volunteer_availability WHERE volunteer_id = v.id) AS parts
FROM volunteers v WHERE v.id = $1 AND v.status = 'active'
"""
"""The volunteer and their wishes (희망봉사활동, 희망활동지역, 특기, 활동 가능 시간): the service reads them in five."""

CANDIDATES_SQL = """
SELECT {columns}, {rank} AS rank
FROM recruitments r JOIN centres c ON c.id = r.centre_id
WHERE r.status = 'open' AND r.end_date >= $2 AND r.last_apply_day >= $2 AND r.taken < r.capacity
  AND c.status <> 'suspended'
  AND r.region = ANY($3::text[])
  AND ((r.for_adults AND r.start_date >= $4) OR (r.for_youth AND r.start_date < $4))
  AND NOT EXISTS (
    SELECT 1 FROM applications a
    WHERE a.recruitment_id = r.id AND a.volunteer_id = $1 AND a.status = ANY($5::text[])
  )
  {of_wished_types}
ORDER BY rank DESC, r.start_date, r.id
LIMIT $6
"""
"""`matching.queries.recruitment_candidates`: the columns a candidate is judged by, of the recruitments taking
applications, in a 시·도 where the volunteer serves, of a type they wish (any, when they wished none), open to their
age on the first day, no application of theirs standing; ranked by the wished sub-fields, their 시·군·구 and their
times (written out as conditions, as the service writes them), then the soonest."""


def _selected(column: Any) -> str:
    """A column of `CANDIDATE_COLUMNS` as the statement's select list names it (`r.title`, `c.status AS …`)."""
    inner = getattr(column, "element", column)
    alias = "r" if inner.table is recruitments else "c"
    return f"{alias}.{inner.name}" + (f" AS {column.name}" if inner is not column else "")


CANDIDATE_SELECT = ", ".join(_selected(column) for column in CANDIDATE_COLUMNS)

WHOLE_SQL = """
SELECT r.*, c.name AS centre_name, c.status AS centre_status
FROM recruitments r JOIN centres c ON c.id = r.centre_id
WHERE r.id = ANY($1::uuid[])
"""
"""The recruitments recommended, whole (`_recruitment_rows`)."""
RECOMMENDED = RecommendRecruitments.model_fields["limit"].default


def candidates_statement(me: Any, volunteer_id: UUID, today: date) -> tuple[str, list[Any]]:
    """The candidate query of the volunteer `me` (their wishes as `WISHES_SQL` reads them), and its arguments."""
    arguments: list[Any] = [
        volunteer_id,
        today,
        sorted(set(me["regions"]) or {me["region"]}),
        adult_from(me["birth_date"]),
        list(STANDING_STATUSES),
        BATCH,
    ]

    def given(value: Any) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    def points(reason: MatchReason, conditions: list[str]) -> list[str]:
        if not conditions:
            return []
        return [f"CASE WHEN {' OR '.join(conditions)} THEN {MATCH_WEIGHTS[reason]} ELSE 0 END"]

    wished = sorted({(kind, sub) for kind, sub in zip(me["types"], me["sub_fields"], strict=True) if sub})
    slots = sorted(set(zip(me["weekdays"], me["parts"], strict=True)))
    rank = [
        *points(
            MatchReason.SUB_FIELD,
            [f"(r.activity_type = {given(kind)} AND r.sub_field = {given(sub)})" for kind, sub in wished],
        ),
        *points(MatchReason.DISTRICT, [f"r.district = {given(me['district'])}"] if me["district"] else []),
        *points(
            MatchReason.TALENT,
            [f"r.search_text LIKE {given(_containing(key))} ESCAPE '/'" for key in sorted(talent_keys(me["talents"]))],
        ),
        *points(
            MatchReason.AVAILABILITY,
            [
                f"(r.weekdays LIKE {given(f'%{day}%')} AND r.start_time < {given(DAY_PARTS[DayPart(part)][1])} "
                f"AND r.end_time > {given(DAY_PARTS[DayPart(part)][0])})"
                for day, part in slots
            ],
        ),
    ]
    types = sorted(set(me["types"]))
    of_types = f"AND r.activity_type = ANY({given(types)}::text[])" if types else ""
    statement = CANDIDATES_SQL.format(columns=CANDIDATE_SELECT, rank=" + ".join(rank) or "0", of_wished_types=of_types)
    return statement, arguments


def talent_keys(talents: Sequence[str]) -> set[str]:
    """The volunteer's talents as the service looks for them in a recruitment's searched text."""
    return {key for key in map(talent_key, talents) if key}


def _containing(key: str) -> str:
    """A LIKE pattern finding `key` anywhere, its wildcards escaped with `/` (as SQLAlchemy's `autoescape`)."""
    return "%" + key.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


async def raw_recommendation(connection: Any, volunteer_id: UUID, today: date) -> list[Any]:
    """A recommendation's reads as the service makes them when its first batch of candidates holds the best (the
    service reads `BATCH` at a time and stops once no later candidate can be kept): the wishes, the first batch of
    candidates, and the best of them whole. Only the scoring, the service's own, is left out."""
    me = await connection.fetchrow(WISHES_SQL, volunteer_id)
    statement, arguments = candidates_statement(me, volunteer_id, today)
    candidates = await connection.fetch(statement, *arguments)
    rows: list[Any] = await connection.fetch(WHOLE_SQL, [row["id"] for row in candidates[:RECOMMENDED]])
    return rows


async def recommendations(
    url: str,
    settings: GatewaySettings,
    client: Any,
    pool: Any,
    loaded: Loaded,
    args: argparse.Namespace,
    rng: random.Random,
    today: date,
) -> tuple[str, float, float]:
    count = max(50, args.requests // 4)
    people = [rng.choice(loaded.volunteers) for _ in range(count)]
    warm = [rng.choice(loaded.volunteers) for _ in range(min(50, count))]
    route = "/api/v1/volunteers/{}/recommendations"
    measured: list[tuple[str, list[float]]] = []
    if await route_exists(url, route.format(people[0])):
        headers = await _central_admin_session(url, settings)
        await through_gateway(url, [route.format(p) for p in warm], args.clients, headers)
        paths = [route.format(p) for p in people]
        measured.append(("through the gateway (HTTP)", await through_gateway(url, paths, args.clients, headers)))

    def ask(volunteer_id: UUID) -> Callable[[], Awaitable[Any]]:
        async def one() -> None:
            await client.call(rpc.RECOMMEND_RECRUITMENTS, RecommendRecruitments(volunteer_id=volunteer_id))

        return one

    await _timed([ask(p) for p in warm], args.clients)
    measured.append(("the service's request over NATS", await _timed([ask(p) for p in people], args.clients)))

    def raw(volunteer_id: UUID) -> Callable[[], Awaitable[Any]]:
        async def one() -> None:
            async with pool.acquire() as connection:
                await raw_recommendation(connection, volunteer_id, today)

        return one

    await _timed([raw(p) for p in warm], args.clients)
    raw_latencies = await _timed([raw(p) for p in people], args.clients)
    way, p99, ratio = report("(c) 추천 봉사자모집 (recommendations for a volunteer)", measured, raw_latencies)
    return f"recommendations, {way}", p99, ratio


CENTRAL_LOGIN, CENTRAL_PASSWORD = "bench_central", "a long bench password for the central council"


async def _central_admin_session(url: str, settings: GatewaySettings) -> dict[str, str]:
    """A central admin (who may ask recommendations for anyone) signed in to the gateway once: the header of a
    personal access token, as an integrator's or a script's client sends it."""
    await create_central_admin(settings, CENTRAL_LOGIN, CENTRAL_PASSWORD)
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=30) as client:
        session = await client.post("/session", json={"login": CENTRAL_LOGIN, "password": CENTRAL_PASSWORD})
        if session.status_code != 200:
            raise SystemExit(f"the central admin could not sign in: {session.status_code} {session.text[:300]}")
        client.headers["X-CSRF-Token"] = str(session.json()["csrf_token"])
        made = await client.post("/me/tokens", json={"name": "registry search benchmark"})
        if made.status_code != 201:
            raise SystemExit(f"no access token for the central admin: {made.status_code} {made.text[:300]}")
        return {"Authorization": f"Bearer {made.json()['token']}"}


def _load_main(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    result = asyncio.run(_http_latencies(spec["url"], spec["paths"], spec["clients"], spec["headers"]))
    print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--recruitments", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=0, help="management centres (recruitments / 8 at most 13,265)")
    parser.add_argument("--requests", type=int, default=2000, help="requests of each measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=1365)
    parser.add_argument("--load", metavar="SPEC", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.load:
        _load_main(arguments.load)
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments)))
