"""1365's public rules, as the simulator applies them to incoming records."""

from __future__ import annotations

from datetime import date

from vms_platform.clock import months_before
from vms_simulators.portal1365.models import ResultCode

DAILY_LIMIT_MINUTES = 8 * 60
ENTRY_WINDOW_MONTHS = 3


def member_result(active_matches: int, consented: bool) -> ResultCode | None:
    """A record goes to exactly one member who consented; duplicates must be merged first (중복ID 통합)."""
    if active_matches == 0:
        return ResultCode.NO_MEMBER
    if active_matches > 1:
        return ResultCode.DUPLICATE_ID
    if not consented:
        return ResultCode.NO_CONSENT
    return None


def record_result(act_date: date, minutes: int, minutes_that_day: int, today: date) -> ResultCode | None:
    """Entered within 3 months of the activity; at most 8 hours counted a day."""
    if act_date < months_before(today, ENTRY_WINDOW_MONTHS):
        return ResultCode.TOO_LATE
    if minutes_that_day + minutes > DAILY_LIMIT_MINUTES:
        return ResultCode.DAILY_LIMIT
    return None
