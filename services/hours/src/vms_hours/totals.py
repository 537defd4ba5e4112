"""Totals kept as records change (봉사실적 누계): each confirmation adds what the record counts, a correction takes
away what it counted and adds what it counts now, a cancellation takes it away. The cost of a change is the handful
of buckets it touches, never the owner's whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.rpc.hours import ALL_TIME, totals_from_buckets


@dataclass(frozen=True)
class Counted:
    """What one record counts: its minutes, on its day, under its type; a blood donation apart."""

    activity_date: date
    minutes: int
    activity_type: str | None
    blood: bool = False


@dataclass
class Delta:
    minutes: int = 0
    activities: int = 0
    blood_minutes: int = 0
    blood_donations: int = 0

    def add(self, counted: Counted, sign: int) -> None:
        if counted.blood:
            self.blood_minutes += sign * counted.minutes
            self.blood_donations += sign
        else:
            self.minutes += sign * counted.minutes
            self.activities += sign

    @property
    def empty(self) -> bool:
        return not (self.minutes or self.activities or self.blood_minutes or self.blood_donations)


def buckets(counted: Counted) -> list[str]:
    """The buckets a record counts in: all time, its year, its month, and its activity type."""
    found = [ALL_TIME, f"y{counted.activity_date.year}", f"m{counted.activity_date:%Y-%m}"]
    if counted.activity_type is not None and not counted.blood:
        found.append(f"t:{counted.activity_type}")
    return found


class Changes:
    """What a batch of changes adds to each owner's buckets, gathered before anything is written."""

    def __init__(self) -> None:
        self.deltas: dict[tuple[Hashable, str], Delta] = defaultdict(Delta)

    def add(self, owner: Hashable, counted: Counted, sign: int = 1) -> None:
        for bucket in buckets(counted):
            self.deltas[(owner, bucket)].add(counted, sign)

    def remove(self, owner: Hashable, counted: Counted) -> None:
        self.add(owner, counted, -1)

    async def apply(self, session: AsyncSession, table: Table, *, at: datetime) -> None:
        """One statement for every bucket that changed: added to what is there, or inserted. Rows go in key order,
        so that two transactions touching the same buckets take their locks in the same order."""
        owner_column = next(c.name for c in table.primary_key.columns if c.name != "bucket")
        rows = [
            {owner_column: owner, "bucket": bucket, **delta.__dict__, "updated_at": at}
            for (owner, bucket), delta in sorted(self.deltas.items(), key=lambda item: (str(item[0][0]), item[0][1]))
            if not delta.empty
        ]
        if not rows:
            return
        await session.execute(_adding(table, session.get_bind().dialect.name), rows)


@cache
def _adding(table: Table, dialect: str) -> Any:
    """The statement that adds a bucket's delta to what is there, or inserts it: built once per table (a statement
    made anew for each change costs as much of the CPU again as running it)."""
    owner_column = next(c.name for c in table.primary_key.columns if c.name != "bucket")
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    added = {name: table.c[name] + statement.excluded[name] for name in Delta().__dict__}
    return statement.on_conflict_do_update(
        index_elements=[owner_column, "bucket"], set_={**added, "updated_at": statement.excluded.updated_at}
    )


async def read(session: AsyncSession, table: Table, owner: Any) -> dict[str, Any]:
    """An owner's totals as the fields of `HoursTotals` (all zero for one with nothing counted)."""
    owner_column = next(c for c in table.primary_key.columns if c.name != "bucket")
    rows = (await session.execute(select(table).where(owner_column == owner))).all()
    return totals_from_buckets([r._asdict() for r in rows])
