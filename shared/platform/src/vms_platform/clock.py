"""Korean time. Korea keeps no daylight saving time, so a fixed offset is exact and needs no tz database."""

from __future__ import annotations

import calendar
from datetime import date

from vms_contracts.types import KST, today_kst

__all__ = ["KST", "months_before", "today_kst"]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, or that month's last day (31 May − 3 months → 28/29 Feb)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
