"""The day's rules for recording hours (SEED.md; 1365's rules in LINKAGE.md)."""

from datetime import UTC, date, datetime, time
from uuid import UUID, uuid4

import pytest

from vms_hours import domain

CENTRE = uuid4()
TODAY = date(2026, 11, 26)


def slot(start: str, end: str, centre: UUID = CENTRE, description: str = "말벗") -> domain.Slot:
    s, e = time.fromisoformat(start), time.fromisoformat(end)
    return domain.Slot(uuid4(), centre, s, e, domain.activity_minutes(s, e), description)


def test_minutes_are_counted_between_start_and_end() -> None:
    assert domain.activity_minutes(time(10, 0), time(13, 30)) == 210


@pytest.mark.parametrize(("start", "end"), [(time(13, 0), time(10, 0)), (time(10, 0), time(10, 0))])
def test_end_must_come_after_start(start: time, end: time) -> None:
    with pytest.raises(domain.ActivityTimesInvalid) as refused:
        domain.activity_minutes(start, end)
    assert refused.value.body().params == {"start_time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M")}


def test_activity_cannot_be_entered_before_it_happens() -> None:
    with pytest.raises(domain.ActivityInFuture):
        domain.check_entry_window(date(2026, 11, 27), today=TODAY, months=3, exception_reason=None)


def test_hours_are_entered_within_three_months() -> None:
    domain.check_entry_window(date(2026, 8, 26), today=TODAY, months=3, exception_reason=None)
    with pytest.raises(domain.EntryWindowPassed) as refused:
        domain.check_entry_window(date(2026, 8, 25), today=TODAY, months=3, exception_reason=None)
    assert "3개월" in refused.value.body().message


def test_late_entry_needs_a_recorded_reason() -> None:
    domain.check_entry_window(date(2026, 1, 5), today=TODAY, months=3, exception_reason="센터 전산 장애로 지연 입력")


def test_a_day_counts_at_most_eight_hours() -> None:
    day = [slot("09:00", "13:00"), slot("14:00", "17:00")]  # 7 h
    domain.check_daily_limit(day, 60, limit=480, activity_date=TODAY, exception_reason=None)
    with pytest.raises(domain.DailyLimitExceeded) as refused:
        domain.check_daily_limit(day, 61, limit=480, activity_date=TODAY, exception_reason=None)
    assert refused.value.body().params["existing_minutes"] == 420


def test_a_longer_day_needs_a_recorded_reason() -> None:
    day = [slot("08:00", "17:00")]
    domain.check_daily_limit(day, 120, limit=480, activity_date=TODAY, exception_reason="재난 구호")


def test_activities_may_touch_but_not_overlap() -> None:
    day = [slot("10:00", "13:30")]
    assert domain.find_overlap(day, time(13, 30), time(15, 0)) is None
    assert domain.find_overlap(day, time(8, 0), time(10, 0)) is None
    assert domain.find_overlap(day, time(13, 0), time(14, 0)) is day[0]
    assert domain.find_overlap(day, time(9, 0), time(16, 0)) is day[0]


def test_the_same_record_sent_again_is_recognised() -> None:
    existing = slot("10:00", "13:30")
    assert domain.same_record(existing, centre_id=CENTRE, start=time(10), end=time(13, 30), description="말벗")
    assert not domain.same_record(existing, centre_id=uuid4(), start=time(10), end=time(13, 30), description="말벗")
    assert not domain.same_record(existing, centre_id=CENTRE, start=time(10), end=time(13, 30), description="청소")


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (time(9, 59, 59), time(10, 0, 0), ("09:59:59", "10:00")),
        (time(10, 0, 1), time(10, 1, 0), ("10:00:01", "10:01")),
    ],
)
def test_an_activity_lasts_at_least_a_minute(start: time, end: time, shown: tuple[str, str]) -> None:
    """Hours are kept in minutes: under a minute is refused as the rule it breaks, with the times as sent."""
    with pytest.raises(domain.ActivityTooShort) as refused:
        domain.activity_minutes(start, end)
    body = refused.value.body()
    assert (body.params["start_time"], body.params["end_time"]) == shown
    assert f"시작 {shown[0]}, 종료 {shown[1]}" in body.message
    assert domain.activity_minutes(time(10, 0, 1), time(10, 1, 1)) == 1


def test_an_activity_that_ends_later_today_has_not_happened() -> None:
    """At 21:46 in Korea, today's 23:00–23:59 is still to come; 20:00–21:46 is over."""
    now = datetime(2026, 11, 26, 12, 46, tzinfo=UTC)  # 21:46 KST
    with pytest.raises(domain.ActivityNotOver) as refused:
        domain.check_activity_over(TODAY, time(23, 59), now=now)
    assert refused.value.body().params == {"activity_date": "2026-11-26", "end_time": "23:59", "now": "21:46:00"}
    assert "아직 끝나지 않은" in refused.value.body().message
    domain.check_activity_over(TODAY, time(21, 46), now=now)
    domain.check_activity_over(date(2026, 11, 25), time(23, 59), now=now)
