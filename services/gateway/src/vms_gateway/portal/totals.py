"""봉사실적 누계 as the portal shows it (`templates/hours_totals.html`): the month bars of the last year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vms_contracts.rpc import hours as hours_rpc
from vms_platform.clock import today_kst

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class MonthBar:
    """One month of the chart: its minutes (activities and blood donations) and its bar's share of the longest."""

    month: str
    minutes: int
    blood_minutes: int
    percent: int


def last_months(totals: hours_rpc.HoursTotals | None, today: date | None = None) -> list[MonthBar]:
    """The last `MONTHS_SHOWN` months up to this one (Korean time), oldest first, each with what counted in it
    (none: zero); none at all when the totals could not be had."""
    if totals is None:
        return []
    today = today or today_kst()
    counted = {p.period: p for p in totals.by_month}
    months: list[str] = []
    year, month = today.year, today.month
    for _ in range(MONTHS_SHOWN):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    months.reverse()
    sums = {m: (counted[m].minutes, counted[m].blood_minutes) if m in counted else (0, 0) for m in months}
    longest = max((a + b for a, b in sums.values()), default=0) or 1
    return [MonthBar(m, a, b, round(100 * (a + b) / longest)) for m, (a, b) in sums.items()]
