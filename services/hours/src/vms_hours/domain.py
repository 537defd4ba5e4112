"""The rules of recording hours. Pure: no I/O.

From the brochure and 1365's rules (SEED.md, LINKAGE.md): hours are kept in minutes; a day counts at most
8 hours per volunteer; hours are entered within 3 months of the activity; both limits are settings, and
going past either needs a recorded reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from vms_hours import messages as _messages  # noqa: F401  (the texts of the errors below)
from vms_platform.clock import KST, months_before
from vms_platform.errors import Conflict, NotFound, RuleViolation


class ActivityNotFound(NotFound):
    code = "ACTIVITY_NOT_FOUND"


class ActivityTimesInvalid(RuleViolation):
    code = "ACTIVITY_TIMES_INVALID"


class ActivityInFuture(RuleViolation):
    code = "ACTIVITY_IN_FUTURE"


class ActivityNotOver(RuleViolation):
    code = "ACTIVITY_NOT_OVER"


class ActivityTooShort(RuleViolation):
    code = "ACTIVITY_TOO_SHORT"


class EntryWindowPassed(RuleViolation):
    code = "ENTRY_WINDOW_PASSED"


class DailyLimitExceeded(RuleViolation):
    code = "DAILY_LIMIT_EXCEEDED"


class ActivityOverlaps(Conflict):
    code = "ACTIVITY_OVERLAPS"


class RowsOverlap(Conflict):
    """Two rows of one file (일괄 입력) for the same volunteer overlap: the later one is refused."""

    code = "ROWS_OVERLAP"


class ActivityNotRecorded(Conflict):
    """Only a record not yet confirmed is confirmed or rejected."""

    code = "ACTIVITY_NOT_RECORDED"


class ActivityNotConfirmed(Conflict):
    """Only a confirmed record is corrected or cancelled."""

    code = "ACTIVITY_NOT_CONFIRMED"


class BloodDonationNotEditable(Conflict):
    """A blood donation counts as the Red Cross recorded it: no centre corrects or cancels it."""

    code = "BLOOD_DONATION_NOT_EDITABLE"


@dataclass(frozen=True)
class Slot:
    """One activity of a volunteer on one day, as far as the day's rules need to know it."""

    activity_id: UUID
    centre_id: UUID | None
    start_time: time
    end_time: time
    minutes: int
    description: str


MINIMUM_MINUTES = 1
"""Hours are kept in whole minutes: an activity shorter than one would count as nothing."""


def clock_time(value: time) -> str:
    """`10:00`, or `10:00:01` when the time has seconds: a refusal shows the times as they were sent."""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def activity_minutes(start: time, end: time) -> int:
    """Whole minutes between `start` and `end` on the same day: the end comes after the start, and an activity
    lasts at least a minute (hours are kept in minutes, SEED.md)."""
    times = {"start_time": clock_time(start), "end_time": clock_time(end)}
    if end <= start:
        raise ActivityTimesInvalid(**times)
    day = date(2000, 1, 1)
    minutes = int((datetime.combine(day, end) - datetime.combine(day, start)).total_seconds() // 60)
    if minutes < MINIMUM_MINUTES:
        raise ActivityTooShort(minimum_minutes=MINIMUM_MINUTES, **times)
    return minutes


def check_entry_window(activity_date: date, *, today: date, months: int, exception_reason: str | None) -> None:
    """An activity is entered after it happened, and within `months` of it unless a reason is recorded."""
    if activity_date > today:
        raise ActivityInFuture(activity_date=activity_date)
    if activity_date < months_before(today, months) and not exception_reason:
        raise EntryWindowPassed(months=months, activity_date=activity_date)


def check_activity_over(activity_date: date, end: time, *, now: datetime) -> None:
    """Hours are recorded and confirmed for what was done: an activity that ends later today (Korean time, `now`)
    has not happened yet. A later date is `check_entry_window`'s to refuse."""
    local = now.astimezone(KST)
    if activity_date == local.date() and end > local.time().replace(tzinfo=None):
        raise ActivityNotOver(activity_date=activity_date, end_time=clock_time(end), now=local.strftime("%H:%M:%S"))


def same_record(slot: Slot, *, centre_id: UUID, start: time, end: time, description: str) -> bool:
    """The same centre sending the same record again: it is the record already made, not a new one."""
    return (slot.centre_id, slot.start_time, slot.end_time, slot.description) == (centre_id, start, end, description)


def find_overlap(day: Iterable[Slot], start: time, end: time) -> Slot | None:
    """A volunteer is in one place at a time: two activities of one day may touch but not overlap."""
    for slot in day:
        if slot.start_time < end and start < slot.end_time:
            return slot
    return None


def check_daily_limit(
    day: Iterable[Slot], minutes: int, *, limit: int, activity_date: date, exception_reason: str | None
) -> None:
    """At most `limit` minutes (8 h) count on one day, unless a reason for the exception is recorded."""
    existing = sum(slot.minutes for slot in day)
    if existing + minutes > limit and not exception_reason:
        raise DailyLimitExceeded(
            limit_hours=limit // 60 if limit % 60 == 0 else round(limit / 60, 2),
            activity_date=activity_date,
            existing_minutes=existing,
        )


STATUS_LABELS = {"recorded": "확인되지 않은", "confirmed": "확인된", "rejected": "반려된", "cancelled": "취소된"}
"""A record's state as a refusal names it: `이미 {label} 기록입니다`."""


def status_params(status: str) -> dict[str, str]:
    return {"status": status, "status_label": STATUS_LABELS.get(status, status)}


LIVE_STATUSES = ("recorded", "confirmed")
"""The records that stand on a volunteer's day: a rejected or cancelled one leaves its time free."""


class CertificateNotFound(NotFound):
    """No certificate with that number, or not with that verification code: the two are not told apart."""

    code = "CERTIFICATE_NOT_FOUND"


class NothingToCertify(RuleViolation):
    """A certificate states confirmed hours: none in the period asked, nothing to issue."""

    code = "NOTHING_TO_CERTIFY"
