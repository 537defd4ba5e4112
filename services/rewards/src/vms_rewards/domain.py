"""The rules of cumulative hours. Pure: no I/O.

The brochure's "real-time cumulative hours" (실시간 누적시간) is the sum of a volunteer's confirmed activities,
each counted once however often its confirmation is delivered; badges and benefits are decided from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class LedgerEntry:
    activity_id: UUID
    volunteer_id: UUID
    minutes: int


@dataclass(frozen=True)
class Total:
    minutes: int
    activities: int


def totals_by_volunteer(entries: Iterable[LedgerEntry]) -> dict[UUID, Total]:
    """Each activity counts once: a later entry for the same activity replaces the earlier one."""
    latest: dict[UUID, LedgerEntry] = {}
    for entry in entries:
        latest[entry.activity_id] = entry
    sums: dict[UUID, Total] = {}
    for entry in latest.values():
        before = sums.get(entry.volunteer_id, Total(0, 0))
        sums[entry.volunteer_id] = Total(before.minutes + entry.minutes, before.activities + 1)
    return sums
