"""Recording and confirming hours through the real database: the rules of a day, and what is staged for the bus.

Each test runs on SQLite and PostgreSQL; the races (`…_at_once`) matter on PostgreSQL, where transactions really
run side by side (SQLite runs one writer at a time and can only show that the answers are right).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from vms_contracts.envelope import Envelope, decode_event
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV2
from vms_contracts.ids import new_id, region_of
from vms_contracts.rpc.hours import ActivityRef, ActivityStatus, RecordActivity, VolunteerActivities
from vms_contracts.subjects import Bus
from vms_hours import domain
from vms_hours.db import activities, known_volunteers, outbox
from vms_hours.handlers import HoursHandlers
from vms_hours.settings import HoursSettings
from vms_platform.clock import KST, today_kst
from vms_platform.db import Database, migrate
from vms_platform.errors import DomainError
from vms_platform.outbox import Outbox
from vms_platform.rpc import RpcClient

YESTERDAY = today_kst() - timedelta(days=1)


class Clock:
    """Korean time now as the handlers see it: the real time unless a test sets it."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(KST)

    def set_today(self, hour: int, minute: int, second: int = 0) -> None:
        self.fixed = datetime.combine(today_kst(), time(hour, minute, second), KST)


class Hours:
    """The hours handlers on a fresh database, with one centre (region 26) and volunteers known to them."""

    def __init__(self, handlers: HoursHandlers, clock: Clock) -> None:
        self.handlers = handlers
        self.clock = clock
        self.centre = new_id("26")

    async def volunteer(self) -> UUID:
        volunteer = new_id("11")
        event = VolunteerRegisteredV2(volunteer_id=volunteer, region="11", registered_at=datetime.now(UTC))
        async with self.handlers.db.transaction() as session:
            await self.handlers.on_volunteers_registered(session, [Envelope.wrap(event, source="/t", region="11")])
        return volunteer

    def record(self, volunteer: UUID, start: str, end: str, **changes: Any) -> RecordActivity:
        return RecordActivity(
            centre_id=self.centre,
            volunteer_id=volunteer,
            activity_date=changes.pop("activity_date", YESTERDAY),
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
            description=changes.pop("description", "어르신 말벗"),
            **changes,
        )

    async def staged(self, event_type: str) -> int:
        async with self.handlers.db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.type == event_type))
        return int(count or 0)

    async def minutes_on(self, volunteer: UUID, day: date) -> int:
        async with self.handlers.db.transaction() as session:
            total = await session.scalar(
                select(func.coalesce(func.sum(activities.c.minutes), 0)).where(
                    activities.c.volunteer_id == volunteer, activities.c.activity_date == day
                )
            )
        return int(total or 0)


@pytest.fixture
async def hours(new_database: Any) -> AsyncIterator[Hours]:
    url = await new_database("hours")
    await asyncio.to_thread(migrate, url, str(files("vms_hours") / "migrations"))
    db = Database(url)
    # The registry is never asked: every centre and volunteer used here is in the projection already.
    clock = Clock()
    handlers = HoursHandlers(
        db,
        Outbox(outbox, bus=Bus(), source="/vms/hours/test"),
        RpcClient(None, Bus()),
        HoursSettings(database_url=url),  # type: ignore[arg-type]
        clock=clock,
    )
    world = Hours(handlers, clock)
    centre = CentreRegisteredV1(
        centre_id=world.centre, name="해운대종합사회복지관", region="26", registered_at=datetime.now(UTC)
    )
    async with db.transaction() as session:
        await handlers.on_centres_registered(session, [Envelope.wrap(centre, source="/t", region="26")])
    yield world
    await db.close()


async def refusals(results: list[Any]) -> list[str]:
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return sorted(r.code for r in results if isinstance(r, DomainError))


async def test_a_registration_from_before_is_kept_without_the_persons_details(hours: Hours) -> None:
    """A deployment reading the REGISTRY stream from its start meets v1 registrations, which carry a name, birth
    date and phone: it learns that the volunteer exists, and where, and keeps nothing else."""
    volunteer = new_id("26")
    old = {
        "specversion": "1.0",
        "id": str(new_id("26")),
        "type": "vms.registry.volunteer.registered.v1",
        "source": "/vms/registry/registry-1",
        "time": "2026-01-05T01:00:00Z",
        "region": "26",
        "subject": str(volunteer),
        "datacontenttype": "application/json",
        "data": {
            "volunteer_id": str(volunteer),
            "name": "홍길동",
            "birth_date": "2001-04-05",
            "phone": "010-1234-5678",
            "region": "26",
            "registered_at": "2026-01-05T01:00:00Z",
        },
    }
    envelope = decode_event(json.dumps(old).encode())
    async with hours.handlers.db.transaction() as session:
        await hours.handlers.on_volunteers_registered(session, [envelope])
    async with hours.handlers.db.transaction() as session:
        rows = [row._asdict() for row in (await session.execute(select(known_volunteers))).all()]
    assert rows == [{"id": volunteer, "region": "26"}]
    view = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "11:00"))
    assert view.volunteer_id == volunteer


async def test_a_record_belongs_to_its_centres_region(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    view = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"))
    assert (view.minutes, view.status) == (210, ActivityStatus.RECORDED)
    assert region_of(view.id) == "26", "the activity id names the centre's region, which owns the record"
    assert await hours.staged("vms.hours.recorded.v1") == 1


async def test_the_same_record_sent_again_is_the_same_record(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    first = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"))
    again = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"))
    assert again.id == first.id
    assert await hours.staged("vms.hours.recorded.v1") == 1


async def test_overlapping_records_are_refused(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    first = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:00"))
    with pytest.raises(domain.ActivityOverlaps) as refused:
        await hours.handlers.record_activity(hours.record(volunteer, "12:00", "14:00", description="식사 보조"))
    assert refused.value.params["activity_id"] == str(first.id)
    # Touching is not overlapping.
    await hours.handlers.record_activity(hours.record(volunteer, "13:00", "14:00", description="식사 보조"))


async def test_a_day_counts_at_most_eight_hours_unless_a_reason_is_given(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    await hours.handlers.record_activity(hours.record(volunteer, "08:00", "14:00"))
    with pytest.raises(domain.DailyLimitExceeded):
        await hours.handlers.record_activity(hours.record(volunteer, "15:00", "18:00", description="정리"))
    late = await hours.handlers.record_activity(
        hours.record(volunteer, "15:00", "18:00", description="정리", exception_reason="행사 준비로 연장")
    )
    assert late.exception_reason == "행사 준비로 연장"


async def test_confirming_twice_confirms_once(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"))
    first = await hours.handlers.confirm_activity(ActivityRef(activity_id=recorded.id))
    again = await hours.handlers.confirm_activity(ActivityRef(activity_id=recorded.id))
    assert first.status == again.status == ActivityStatus.CONFIRMED
    assert first.confirmed_at == again.confirmed_at
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_an_activity_is_recorded_only_once_it_has_ended(hours: Hours) -> None:
    """At 21:46 in Korea, today's 23:00–23:59 has not happened: refused, nothing recorded or staged."""
    volunteer = await hours.volunteer()
    today = today_kst()
    hours.clock.set_today(21, 46)
    with pytest.raises(domain.ActivityNotOver) as refused:
        await hours.handlers.record_activity(hours.record(volunteer, "23:00", "23:59", activity_date=today))
    assert refused.value.params["end_time"] == "23:59"
    assert await hours.minutes_on(volunteer, today) == 0
    assert await hours.staged("vms.hours.recorded.v1") == 0
    over = await hours.handlers.record_activity(hours.record(volunteer, "20:00", "21:46", activity_date=today))
    assert over.minutes == 106


async def test_an_activity_is_confirmed_only_once_it_has_ended(hours: Hours) -> None:
    """A record of what is still to come (made before recording refused it) is not confirmed until it ends."""
    volunteer = await hours.volunteer()
    today = today_kst()
    hours.clock.set_today(23, 59, 30)
    recorded = await hours.handlers.record_activity(hours.record(volunteer, "23:00", "23:59", activity_date=today))
    hours.clock.set_today(21, 46)
    with pytest.raises(domain.ActivityNotOver):
        await hours.handlers.confirm_activity(ActivityRef(activity_id=recorded.id))
    assert (await hours.handlers.get_activity(ActivityRef(activity_id=recorded.id))).status == ActivityStatus.RECORDED
    assert await hours.staged("vms.hours.confirmed.v1") == 0
    hours.clock.set_today(23, 59)
    confirmed = await hours.handlers.confirm_activity(ActivityRef(activity_id=recorded.id))
    assert confirmed.status == ActivityStatus.CONFIRMED
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_confirming_an_unknown_record_is_not_found(hours: Hours) -> None:
    with pytest.raises(domain.ActivityNotFound):
        await hours.handlers.confirm_activity(ActivityRef(activity_id=new_id("26")))


async def test_a_volunteers_records_are_listed_in_date_order(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    await hours.handlers.record_activity(hours.record(volunteer, "14:00", "15:00"))
    await hours.handlers.record_activity(
        hours.record(volunteer, "09:00", "10:00", activity_date=YESTERDAY - timedelta(days=1))
    )
    await hours.handlers.record_activity(hours.record(volunteer, "09:00", "10:00"))
    listed = await hours.handlers.list_activities(VolunteerActivities(volunteer_id=volunteer))
    assert [(a.activity_date, a.start_time.hour) for a in listed.items] == [
        (YESTERDAY - timedelta(days=1), 9),
        (YESTERDAY, 9),
        (YESTERDAY, 14),
    ]


# -- at once -----------------------------------------------------------------------------------------------------


async def test_eight_confirmations_at_once_give_one_event(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"))
    views = await asyncio.gather(
        *(hours.handlers.confirm_activity(ActivityRef(activity_id=recorded.id)) for _ in range(8))
    )
    assert {v.status for v in views} == {ActivityStatus.CONFIRMED}
    assert len({v.confirmed_at for v in views}) == 1, "every answer tells of the one confirmation"
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_five_overlapping_records_at_once_leave_one(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    starts = ["09:00", "09:30", "10:00", "10:30", "11:00"]
    results = await asyncio.gather(
        *(
            hours.handlers.record_activity(
                hours.record(volunteer, start, f"{int(start[:2]) + 5:02d}{start[2:]}", description=f"활동 {i}")
            )
            for i, start in enumerate(starts)
        ),
        return_exceptions=True,
    )
    assert await refusals(results) == ["ACTIVITY_OVERLAPS"] * 4
    assert await hours.minutes_on(volunteer, YESTERDAY) == 300
    assert await hours.staged("vms.hours.recorded.v1") == 1


async def test_records_at_once_never_take_a_day_past_eight_hours(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    slots = [("06:00", "08:00"), ("08:00", "10:00"), ("10:00", "12:00"), ("12:00", "14:00"), ("14:00", "16:00")]
    slots += [("16:00", "18:00")]
    results = await asyncio.gather(
        *(hours.handlers.record_activity(hours.record(volunteer, s, e, description=f"{s}")) for s, e in slots),
        return_exceptions=True,
    )
    assert await refusals(results) == ["DAILY_LIMIT_EXCEEDED"] * 2
    assert await hours.minutes_on(volunteer, YESTERDAY) == 8 * 60


async def test_one_record_sent_many_times_at_once_is_recorded_once(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    views = await asyncio.gather(
        *(hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30")) for _ in range(6))
    )
    assert len({v.id for v in views}) == 1
    assert await hours.staged("vms.hours.recorded.v1") == 1
