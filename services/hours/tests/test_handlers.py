"""Recording and confirming hours through the real database: the rules of a day, what is staged for the bus, and
who may record, confirm and read which records.

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
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Table, func, select

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope, decode_event
from vms_contracts.events.linkage import BloodDonationRegisteredV1, BloodDonationType
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV2
from vms_contracts.ids import new_id, region_of
from vms_contracts.reference import ActivityType
from vms_contracts.rpc.hours import (
    ActivityDetails,
    ActivityHistory,
    ActivityRef,
    ActivityStatus,
    ActivityView,
    CancelActivity,
    CentreActivities,
    CentreTotalsRequest,
    Change,
    CorrectActivity,
    ImportMode,
    RecordActivities,
    RecordActivity,
    RegionTotalsRequest,
    RejectActivity,
    VolunteerActivities,
    VolunteerTotals,
)
from vms_contracts.subjects import Bus
from vms_hours import domain
from vms_hours.db import activities, activity_revisions, known_volunteers, outbox, volunteer_days
from vms_hours.handlers import HoursHandlers
from vms_hours.settings import HoursSettings
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.clock import KST, today_kst
from vms_platform.consumer import PermanentError
from vms_platform.db import Database
from vms_platform.errors import DomainError
from vms_platform.logging import trace
from vms_platform.outbox import Outbox
from vms_platform.testing import (
    CENTRAL_ADMIN,
    centre_manager,
    council_admin,
    migrated,
    rpc_client,
    volunteer_registered_v1,
)
from vms_platform.testing import volunteer as volunteer_of

YESTERDAY = today_kst() - timedelta(days=1)
NOW = datetime.now(UTC)


class Clock:
    """Korean time now as the handlers see it: the real time unless a test sets it."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(KST)

    def set_today(self, hour: int, minute: int, second: int = 0) -> None:
        self.fixed = datetime.combine(today_kst(), time(hour, minute, second), KST)


class Hours:
    """The hours handlers on a fresh database, with one centre (region 26, its manager asking unless a test says
    otherwise) and volunteers known to them."""

    def __init__(self, handlers: HoursHandlers, clock: Clock) -> None:
        self.handlers = handlers
        self.clock = clock
        self.centre = new_id("26")
        self.manager = centre_manager(self.centre)

    async def add_centre(self, region: str) -> UUID:
        centre = new_id(region)
        event = CentreRegisteredV1(centre_id=centre, name=f"센터 {centre.hex[-6:]}", region=region, registered_at=NOW)
        async with self.handlers.db.transaction() as session:
            await self.handlers.on_centres_registered(session, [Envelope.wrap(event, source="/t", region=region)])
        return centre

    async def recorded(self, volunteer: UUID, start: str, end: str, **changes: Any) -> ActivityView:
        """Recorded by the manager of the record's centre."""
        record = self.record(volunteer, start, end, **changes)
        return await self.handlers.record_activity(record, centre_manager(record.centre_id))

    async def confirm(self, activity: UUID, actor: Actor | None = None) -> ActivityView:
        return await self.handlers.confirm_activity(ActivityRef(activity_id=activity), actor or self.manager)

    async def reject(
        self, activity: UUID, reason: str = "활동 시간이 실제와 다릅니다", actor: Actor | None = None
    ) -> ActivityView:
        return await self.handlers.reject_activity(
            RejectActivity(activity_id=activity, reason=reason), actor or self.manager
        )

    async def cancel(
        self, activity: UUID, reason: str = "다른 봉사자의 기록을 잘못 입력", actor: Actor | None = None
    ) -> ActivityView:
        return await self.handlers.cancel_activity(
            CancelActivity(activity_id=activity, reason=reason), actor or self.manager
        )

    async def correct(
        self,
        activity: UUID,
        start: str,
        end: str,
        reason: str = "종료 시각 정정",
        actor: Actor | None = None,
        **changes: Any,
    ) -> ActivityView:
        facts = self.record(uuid4(), start, end, **changes).model_dump(
            exclude={"centre_id", "volunteer_id", "recruitment_id"}
        )
        return await self.handlers.correct_activity(
            CorrectActivity.model_validate({**facts, "activity_id": activity, "reason": reason}), actor or self.manager
        )

    async def history(self, activity: UUID, actor: Actor = CENTRAL_ADMIN) -> ActivityHistory:
        return await self.handlers.get_activity_history(ActivityRef(activity_id=activity), actor)

    async def confirmed(self, volunteer: UUID, start: str, end: str, **changes: Any) -> ActivityView:
        return await self.confirm((await self.recorded(volunteer, start, end, **changes)).id)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        """The `data` of each event of `event_type` staged so far, oldest first."""
        return [e["data"] for e in await self.envelopes(event_type)]

    async def envelopes(self, event_type: str) -> list[dict[str, Any]]:
        """Each event of `event_type` staged so far, oldest first, as published."""
        async with self.handlers.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.payload)
                    .where(outbox.c.type == event_type)
                    .order_by(outbox.c.created_at, outbox.c.id)
                )
            ).all()
        return [json.loads(r.payload) for r in rows]

    async def totals(self, volunteer: UUID, actor: Actor = CENTRAL_ADMIN) -> VolunteerTotals:
        return await self.handlers.get_volunteer_totals(VolunteerActivities(volunteer_id=volunteer), actor)

    async def add_up_own_events(self) -> None:
        """What the consumer `hours-totals` does with the events staged so far: each applied once."""
        handlers = {
            "vms.hours.confirmed.v1": self.handlers.on_hours_confirmed,
            "vms.hours.corrected.v1": self.handlers.on_hours_corrected,
            "vms.hours.cancelled.v1": self.handlers.on_hours_cancelled,
        }
        async with self.handlers.db.transaction() as session:
            rows = (await session.execute(select(outbox.c.payload).order_by(outbox.c.created_at, outbox.c.id))).all()
        for row in rows:
            envelope = decode_event(row.payload, bus=Bus())
            if envelope.type in handlers:
                async with self.handlers.db.transaction() as session:
                    await handlers[envelope.type](session, [envelope])  # type: ignore[operator]

    async def get(self, activity: UUID, actor: Actor = CENTRAL_ADMIN) -> ActivityView:
        return await self.handlers.get_activity(ActivityRef(activity_id=activity), actor)

    async def listed(self, volunteer: UUID, actor: Actor = CENTRAL_ADMIN) -> list[UUID]:
        found = await self.handlers.list_activities(VolunteerActivities(volunteer_id=volunteer), actor)
        return [a.id for a in found.items]

    async def rows(self) -> dict[str, int]:
        """How many rows each table holds: a refusal changes none of them."""
        tables: list[Table] = [activities, volunteer_days, outbox]
        async with self.handlers.db.transaction() as session:
            return {t.name: int(await session.scalar(select(func.count()).select_from(t)) or 0) for t in tables}

    async def volunteer(self, region: str = "11") -> UUID:
        someone = new_id(region)
        event = VolunteerRegisteredV2(volunteer_id=someone, region=region, registered_at=datetime.now(UTC))
        async with self.handlers.db.transaction() as session:
            await self.handlers.on_volunteers_registered(session, [Envelope.wrap(event, source="/t", region=region)])
        return someone

    async def donations(self, events: list[Any]) -> None:
        """What the consumer `hours-linkage` does with a batch of registered donations: one transaction."""
        async with self.handlers.db.transaction() as session:
            await self.handlers.on_blood_donations_registered(session, events)

    def record(self, volunteer: UUID, start: str, end: str, **changes: Any) -> RecordActivity:
        return RecordActivity(
            centre_id=changes.pop("centre_id", self.centre),
            volunteer_id=volunteer,
            activity_date=changes.pop("activity_date", YESTERDAY),
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
            activity_type=changes.pop("activity_type", ActivityType.FACILITY),
            sub_field=changes.pop("sub_field", "emotional"),
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
    await migrated(url, str(files("vms_hours") / "migrations"))
    db = Database(url)
    # The registry is never asked: every centre and volunteer used here is in the projection already.
    clock = Clock()
    handlers = HoursHandlers(
        db,
        Outbox(outbox, bus=Bus(), source="/vms/hours/test"),
        rpc_client(None, Bus(), Actor.service("hours")),
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
    old = volunteer_registered_v1(volunteer, "26")
    envelope = decode_event(json.dumps(old).encode())
    async with hours.handlers.db.transaction() as session:
        await hours.handlers.on_volunteers_registered(session, [envelope])
    async with hours.handlers.db.transaction() as session:
        rows = [row._asdict() for row in (await session.execute(select(known_volunteers))).all()]
    assert rows == [{"id": volunteer, "region": "26"}]
    view = await hours.recorded(volunteer, "10:00", "11:00")
    assert view.volunteer_id == volunteer


async def test_a_record_belongs_to_its_centres_region(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    view = await hours.recorded(volunteer, "10:00", "13:30")
    assert (view.minutes, view.status) == (210, ActivityStatus.RECORDED)
    assert region_of(view.id) == "26", "the activity id names the centre's region, which owns the record"
    assert await hours.staged("vms.hours.recorded.v1") == 1


async def test_the_same_record_sent_again_is_the_same_record(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    first = await hours.recorded(volunteer, "10:00", "13:30")
    again = await hours.recorded(volunteer, "10:00", "13:30")
    assert again.id == first.id
    assert await hours.staged("vms.hours.recorded.v1") == 1


async def test_overlapping_records_are_refused(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    first = await hours.recorded(volunteer, "10:00", "13:00")
    with pytest.raises(domain.ActivityOverlaps) as refused:
        await hours.recorded(volunteer, "12:00", "14:00", description="식사 보조")
    assert refused.value.params["activity_id"] == str(first.id)
    # Touching is not overlapping.
    await hours.recorded(volunteer, "13:00", "14:00", description="식사 보조")


async def test_a_day_counts_at_most_eight_hours_unless_a_reason_is_given(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    await hours.recorded(volunteer, "08:00", "14:00")
    with pytest.raises(domain.DailyLimitExceeded):
        await hours.recorded(volunteer, "15:00", "18:00", description="정리")
    late = await hours.recorded(volunteer, "15:00", "18:00", description="정리", exception_reason="행사 준비로 연장")
    assert late.exception_reason == "행사 준비로 연장"


async def test_confirming_twice_confirms_once(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.recorded(volunteer, "10:00", "13:30")
    first = await hours.confirm(recorded.id)
    again = await hours.confirm(recorded.id)
    assert first.status == again.status == ActivityStatus.CONFIRMED
    assert first.confirmed_at == again.confirmed_at
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_an_activity_is_recorded_only_once_it_has_ended(hours: Hours) -> None:
    """At 21:46 in Korea, today's 23:00–23:59 has not happened: refused, nothing recorded or staged."""
    volunteer = await hours.volunteer()
    today = today_kst()
    hours.clock.set_today(21, 46)
    with pytest.raises(domain.ActivityNotOver) as refused:
        await hours.recorded(volunteer, "23:00", "23:59", activity_date=today)
    assert refused.value.params["end_time"] == "23:59"
    assert await hours.minutes_on(volunteer, today) == 0
    assert await hours.staged("vms.hours.recorded.v1") == 0
    over = await hours.recorded(volunteer, "20:00", "21:46", activity_date=today)
    assert over.minutes == 106


async def test_an_activity_is_confirmed_only_once_it_has_ended(hours: Hours) -> None:
    """A record of what is still to come (made before recording refused it) is not confirmed until it ends."""
    volunteer = await hours.volunteer()
    today = today_kst()
    hours.clock.set_today(23, 59, 30)
    recorded = await hours.recorded(volunteer, "23:00", "23:59", activity_date=today)
    hours.clock.set_today(21, 46)
    with pytest.raises(domain.ActivityNotOver):
        await hours.confirm(recorded.id)
    assert (await hours.get(recorded.id)).status == ActivityStatus.RECORDED
    assert await hours.staged("vms.hours.confirmed.v1") == 0
    hours.clock.set_today(23, 59)
    confirmed = await hours.confirm(recorded.id)
    assert confirmed.status == ActivityStatus.CONFIRMED
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_confirming_an_unknown_record_is_not_found(hours: Hours) -> None:
    with pytest.raises(domain.ActivityNotFound):
        await hours.confirm(new_id("26"))


async def test_a_volunteers_records_are_listed_in_date_order(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    await hours.recorded(volunteer, "14:00", "15:00")
    await hours.recorded(volunteer, "09:00", "10:00", activity_date=YESTERDAY - timedelta(days=1))
    await hours.recorded(volunteer, "09:00", "10:00")
    listed = await hours.handlers.list_activities(VolunteerActivities(volunteer_id=volunteer), volunteer_of(volunteer))
    assert [(a.activity_date, a.start_time.hour) for a in listed.items] == [
        (YESTERDAY - timedelta(days=1), 9),
        (YESTERDAY, 9),
        (YESTERDAY, 14),
    ]


# -- who may record, confirm and read which records -----------------------------------------------------------


async def test_a_centre_manager_records_only_for_their_own_centres(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    other_centre = await hours.add_centre("26")
    before = await hours.rows()
    with pytest.raises(OutOfScope):
        await hours.handlers.record_activity(hours.record(volunteer, "10:00", "12:00"), centre_manager(other_centre))
    for never in (CENTRAL_ADMIN, council_admin("26"), volunteer_of(volunteer)):
        with pytest.raises(NotPermitted):
            await hours.handlers.record_activity(hours.record(volunteer, "10:00", "12:00"), never)
    assert await hours.rows() == before
    both = centre_manager(other_centre, hours.centre)
    assert (await hours.handlers.record_activity(hours.record(volunteer, "10:00", "12:00"), both)).minutes == 120


async def test_centre_manager_cannot_confirm_another_centres_activity(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.recorded(volunteer, "10:00", "13:30")
    before = await hours.rows()
    other_centre = await hours.add_centre("26")
    for outsider in (centre_manager(other_centre), centre_manager(new_id("11"))):
        with pytest.raises(OutOfScope):
            await hours.confirm(recorded.id, outsider)
    with pytest.raises(NotPermitted):
        await hours.confirm(recorded.id, CENTRAL_ADMIN)
    assert await hours.rows() == before, "nothing written, no outbox row"
    assert (await hours.get(recorded.id)).status == ActivityStatus.RECORDED
    assert await hours.staged("vms.hours.confirmed.v1") == 0
    assert (await hours.confirm(recorded.id)).status == ActivityStatus.CONFIRMED


async def test_changes_record_the_account_that_made_them(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recording, confirming = centre_manager(hours.centre), centre_manager(hours.centre)
    recorded = await hours.handlers.record_activity(hours.record(volunteer, "10:00", "13:30"), recording)
    async with hours.handlers.db.transaction() as session:
        row = (await session.execute(select(activities.c.recorded_by, activities.c.confirmed_by))).one()
    assert (row.recorded_by, row.confirmed_by) == (UUID(recording.id), None)
    await hours.confirm(recorded.id, confirming)
    await hours.confirm(recorded.id, recording)  # already confirmed: it stays confirmed by the first
    async with hours.handlers.db.transaction() as session:
        row = (await session.execute(select(activities.c.recorded_by, activities.c.confirmed_by))).one()
    assert (row.recorded_by, row.confirmed_by) == (UUID(recording.id), UUID(confirming.id))


async def test_volunteer_reads_only_their_own_records(hours: Hours) -> None:
    hong, kim = await hours.volunteer(), await hours.volunteer()
    hongs = await hours.recorded(hong, "10:00", "12:00")
    kims = await hours.recorded(kim, "10:00", "12:00")
    assert (await hours.get(hongs.id, volunteer_of(hong))).id == hongs.id
    assert await hours.listed(hong, volunteer_of(hong)) == [hongs.id]
    with pytest.raises(OutOfScope):
        await hours.get(kims.id, volunteer_of(hong))
    with pytest.raises(OutOfScope):
        await hours.listed(kim, volunteer_of(hong))


async def test_list_is_cut_to_the_managers_centres(hours: Hours) -> None:
    """A volunteer serves at centres in Busan and Seoul: each centre's manager sees what their centre kept, each
    council what its region's centres kept, the central council all of it."""
    volunteer = await hours.volunteer()
    busan_other = await hours.add_centre("26")
    seoul = await hours.add_centre("11")
    here = await hours.recorded(volunteer, "08:00", "09:00")
    there = await hours.recorded(volunteer, "10:00", "11:00", centre_id=busan_other)
    in_seoul = await hours.recorded(volunteer, "12:00", "13:00", centre_id=seoul)
    assert await hours.listed(volunteer, hours.manager) == [here.id]
    assert await hours.listed(volunteer, centre_manager(hours.centre, seoul)) == [here.id, in_seoul.id]
    assert await hours.listed(volunteer, centre_manager(new_id("26"))) == []
    assert await hours.listed(volunteer, council_admin("26")) == [here.id, there.id]
    assert await hours.listed(volunteer, council_admin("11")) == [in_seoul.id]
    assert await hours.listed(volunteer, CENTRAL_ADMIN) == [here.id, there.id, in_seoul.id]
    assert await hours.listed(volunteer, Actor.service("rewards")) == [here.id, there.id, in_seoul.id]
    # One record, the same rule: its centre's manager and its centre's region's council.
    assert (await hours.get(in_seoul.id, council_admin("11"))).id == in_seoul.id
    for outsider in (hours.manager, council_admin("26")):
        with pytest.raises(OutOfScope):
            await hours.get(in_seoul.id, outsider)


async def test_a_centres_records_are_listed_newest_first_for_its_manager_and_council(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    days = [YESTERDAY - timedelta(days=d) for d in (3, 0, 1)]
    made = [await hours.recorded(volunteer, "10:00", "11:00", activity_date=day) for day in days]
    await hours.recorded(volunteer, "14:00", "15:00", centre_id=await hours.add_centre("26"))
    await hours.confirm(made[1].id)

    def asking(**changes: Any) -> CentreActivities:
        return CentreActivities(centre_id=hours.centre, **changes)

    listed = await hours.handlers.list_centre_activities(asking(), hours.manager)
    assert [a.activity_date for a in listed.items] == sorted(days, reverse=True)
    assert listed.total == 3
    page = await hours.handlers.list_centre_activities(asking(limit=1, offset=1), council_admin("26"))
    assert ([a.id for a in page.items], page.total) == ([made[2].id], 3)
    waiting = await hours.handlers.list_centre_activities(asking(status=ActivityStatus.RECORDED), CENTRAL_ADMIN)
    assert ([a.id for a in waiting.items], waiting.total) == ([made[2].id, made[0].id], 2)
    for outsider in (centre_manager(new_id("26")), council_admin("11")):
        with pytest.raises(OutOfScope):
            await hours.handlers.list_centre_activities(asking(), outsider)
    with pytest.raises(NotPermitted):
        await hours.handlers.list_centre_activities(asking(), volunteer_of(volunteer))


# -- at once -----------------------------------------------------------------------------------------------------


async def test_eight_confirmations_at_once_give_one_event(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.recorded(volunteer, "10:00", "13:30")
    views = await asyncio.gather(*(hours.confirm(recorded.id) for _ in range(8)))
    assert {v.status for v in views} == {ActivityStatus.CONFIRMED}
    assert len({v.confirmed_at for v in views}) == 1, "every answer tells of the one confirmation"
    assert await hours.staged("vms.hours.confirmed.v1") == 1


async def test_confirmations_written_together_are_each_answered_as_if_alone(hours: Hours) -> None:
    """Confirmations that arrive together are written in one transaction; each is still answered, refused and
    published as if it had come alone, and its event names the request that caused it."""
    volunteer = await hours.volunteer()
    slots = [(f"{h:02d}:00", f"{h:02d}:50") for h in range(9, 14)]
    records = [await hours.recorded(volunteer, s, e, description=s) for s, e in slots]
    rejected = records.pop()
    await hours.reject(rejected.id)
    outsider = centre_manager(await hours.add_centre("26"))
    unknown = new_id("26")
    asked: list[tuple[UUID, Actor]] = [
        (records[0].id, hours.manager),
        (records[1].id, outsider),  # another centre's manager: refused, and the record stays recorded
        (records[2].id, hours.manager),
        (records[2].id, centre_manager(hours.centre)),  # the same record again: answered, not confirmed twice
        (unknown, hours.manager),
        (rejected.id, hours.manager),
        (records[3].id, centre_manager(hours.centre)),
    ]

    async def confirm(n: int, activity: UUID, actor: Actor) -> ActivityView:
        with trace(causation_id=f"request-{n}", correlation_id=f"request-{n}", actor=actor.reference):
            return await hours.confirm(activity, actor)

    answers = await asyncio.gather(
        *(confirm(n, a, actor) for n, (a, actor) in enumerate(asked)), return_exceptions=True
    )
    assert [type(a).__name__ for a in answers] == [
        "ActivityView",
        "OutOfScope",
        "ActivityView",
        "ActivityView",
        "ActivityNotFound",
        "ActivityNotRecorded",
        "ActivityView",
    ]
    assert answers[2] == answers[3], "both answers tell of the one confirmation"
    assert (await hours.get(records[1].id)).status == ActivityStatus.RECORDED
    events = {e["data"]["activity_id"]: e for e in await hours.envelopes("vms.hours.confirmed.v1")}
    assert sorted(events) == sorted(str(records[n].id) for n in (0, 2, 3))
    assert [events[str(records[n].id)]["causationid"] for n in (0, 2, 3)] == ["request-0", "request-2", "request-6"]
    assert events[str(records[3].id)]["actorid"] == asked[6][1].reference
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities) == (3 * 50, 3)
    for record in (records[0], records[2], records[3]):
        steps = (await hours.history(record.id)).revisions
        assert [s.change for s in steps] == [Change.RECORDED, Change.CONFIRMED]


async def test_five_overlapping_records_at_once_leave_one(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    starts = ["09:00", "09:30", "10:00", "10:30", "11:00"]
    results = await asyncio.gather(
        *(
            hours.recorded(volunteer, start, f"{int(start[:2]) + 5:02d}{start[2:]}", description=f"활동 {i}")
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
        *(hours.recorded(volunteer, s, e, description=f"{s}") for s, e in slots),
        return_exceptions=True,
    )
    assert await refusals(results) == ["DAILY_LIMIT_EXCEEDED"] * 2
    assert await hours.minutes_on(volunteer, YESTERDAY) == 8 * 60


async def test_one_record_sent_many_times_at_once_is_recorded_once(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    views = await asyncio.gather(*(hours.recorded(volunteer, "10:00", "13:30") for _ in range(6)))
    assert len({v.id for v in views}) == 1
    assert await hours.staged("vms.hours.recorded.v1") == 1


# -- rejection, correction, cancellation ------------------------------------------------------------------------


async def test_a_rejected_record_never_counts_and_frees_its_time(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.recorded(volunteer, "10:00", "13:30")
    rejected = await hours.reject(recorded.id, "해당 일에 활동하지 않았습니다")
    assert (rejected.status, rejected.status_reason, rejected.revision) == (
        ActivityStatus.REJECTED,
        "해당 일에 활동하지 않았습니다",
        2,
    )
    assert await hours.reject(recorded.id, "다시 보냄") == rejected, "a second rejection changes nothing"
    assert [e["reason"] for e in await hours.events("vms.hours.rejected.v1")] == ["해당 일에 활동하지 않았습니다"]
    with pytest.raises(domain.ActivityNotRecorded) as refused:
        await hours.confirm(recorded.id)
    assert refused.value.params["status"] == "rejected"
    # The same time that day takes the record that replaces it.
    again = await hours.recorded(volunteer, "10:00", "13:00")
    assert again.id != recorded.id


async def test_a_confirmed_record_is_corrected_not_rejected(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    confirmed = await hours.confirmed(volunteer, "10:00", "13:30")
    with pytest.raises(domain.ActivityNotRecorded):
        await hours.reject(confirmed.id)
    corrected = await hours.correct(confirmed.id, "10:00", "12:00", reason="실제 종료 12시", place="2층 강당")
    assert (corrected.status, corrected.minutes, corrected.place, corrected.revision) == (
        ActivityStatus.CONFIRMED,
        120,
        "2층 강당",
        3,
    )
    assert corrected.status_reason == "실제 종료 12시"
    (event,) = await hours.events("vms.hours.corrected.v1")
    assert (event["previous"]["minutes"], event["corrected"]["minutes"], event["minutes_delta"]) == (210, 120, -90)
    assert event["revision"] == 3 and event["reason"] == "실제 종료 12시"
    # The same correction again is the record as it is.
    assert (
        await hours.correct(confirmed.id, "10:00", "12:00", reason="실제 종료 12시", place="2층 강당")
    ).revision == 3
    assert len(await hours.events("vms.hours.corrected.v1")) == 1


async def test_the_history_keeps_every_revision_as_it_was(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    confirmed = await hours.confirmed(volunteer, "10:00", "13:30")
    await hours.correct(confirmed.id, "10:00", "12:00", reason="실제 종료 12시")
    await hours.cancel(confirmed.id, "다른 봉사자의 기록")
    history = await hours.history(confirmed.id)
    steps = [(r.revision, r.change, r.minutes, r.counted_minutes, r.reason) for r in history.revisions]
    assert steps == [
        (1, Change.RECORDED, 210, 0, None),
        (2, Change.CONFIRMED, 210, 210, None),
        (3, Change.CORRECTED, 120, 120, "실제 종료 12시"),
        (4, Change.CANCELLED, 120, 0, "다른 봉사자의 기록"),
    ]
    assert None not in {r.by for r in history.revisions}
    assert {r.by for r in history.revisions[1:]} == {hours.manager.account_id}
    assert history.activity.status is ActivityStatus.CANCELLED
    # The volunteer reads their record's history; another volunteer does not.
    assert (await hours.history(confirmed.id, volunteer_of(volunteer))).activity.id == confirmed.id
    with pytest.raises(OutOfScope):
        await hours.history(confirmed.id, volunteer_of(new_id("11")))


async def test_a_correction_keeps_the_days_rules(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    morning = await hours.confirmed(volunteer, "09:00", "12:00")
    await hours.confirmed(volunteer, "13:00", "17:00", description="오후 활동")
    with pytest.raises(domain.ActivityOverlaps):
        await hours.correct(morning.id, "09:00", "14:00")
    with pytest.raises(domain.DailyLimitExceeded):
        await hours.correct(morning.id, "07:00", "12:00")
    allowed = await hours.correct(morning.id, "07:00", "12:00", exception_reason="행사 준비로 이른 시작")
    assert allowed.minutes == 300
    # Moved to another day, the record leaves this one and is counted on the other.
    other_day = YESTERDAY - timedelta(days=1)
    moved = await hours.correct(morning.id, "09:00", "12:00", activity_date=other_day)
    assert moved.activity_date == other_day
    assert await hours.minutes_on(volunteer, other_day) == 180


async def test_a_correction_or_cancellation_needs_a_reason_and_a_confirmed_record(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    recorded = await hours.recorded(volunteer, "10:00", "13:30")
    with pytest.raises(domain.ActivityNotConfirmed) as refused:
        await hours.cancel(recorded.id)
    assert refused.value.params["status_label"] == "확인되지 않은"
    with pytest.raises(domain.ActivityNotConfirmed):
        await hours.correct(recorded.id, "10:00", "12:00")
    with pytest.raises(ValueError, match="reason"):
        CancelActivity.model_validate({"activity_id": str(recorded.id), "reason": ""})
    with pytest.raises(ValueError, match="reason"):
        CancelActivity.model_validate({"activity_id": str(recorded.id)})


async def test_another_centre_neither_corrects_nor_cancels(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    confirmed = await hours.confirmed(volunteer, "10:00", "13:30")
    stranger = centre_manager(new_id("26"))
    with pytest.raises(OutOfScope):
        await hours.cancel(confirmed.id, actor=stranger)
    with pytest.raises(OutOfScope):
        await hours.correct(confirmed.id, "10:00", "12:00", actor=stranger)
    with pytest.raises(OutOfScope):
        await hours.reject(confirmed.id, actor=stranger)
    with pytest.raises(NotPermitted):
        await hours.cancel(confirmed.id, actor=volunteer_of(volunteer))
    assert (await hours.get(confirmed.id)).revision == 2, "nothing changed"


async def test_eight_cancellations_at_once_give_one_event(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    confirmed = await hours.confirmed(volunteer, "10:00", "13:30")
    views = await asyncio.gather(*(hours.cancel(confirmed.id, f"취소 {i}") for i in range(8)))
    assert {v.status for v in views} == {ActivityStatus.CANCELLED}
    assert len({v.status_reason for v in views}) == 1, "every answer tells of the one cancellation"
    assert len(await hours.events("vms.hours.cancelled.v1")) == 1


async def test_corrections_and_a_cancellation_at_once_each_count_once(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    confirmed = await hours.confirmed(volunteer, "10:00", "13:30")
    ends = ["11:00", "11:30", "12:00", "12:30"]
    results = await asyncio.gather(
        *(hours.correct(confirmed.id, "10:00", end, reason=f"정정 {end}") for end in ends),
        hours.cancel(confirmed.id, "취소"),
        return_exceptions=True,
    )
    assert set(await refusals(results)) <= {"ACTIVITY_NOT_CONFIRMED"}
    history = await hours.history(confirmed.id)
    revisions = [r.revision for r in history.revisions]
    assert revisions == list(range(1, len(revisions) + 1)), "one revision after another, none lost or repeated"
    corrections = await hours.events("vms.hours.corrected.v1")
    assert len(corrections) == sum(1 for r in history.revisions if r.change is Change.CORRECTED)
    # Each correction starts from what the one before it left: the deltas add up to where the record stands.
    counted = history.revisions[-1].counted_minutes
    cancelled = await hours.events("vms.hours.cancelled.v1")
    assert len(cancelled) == 1
    assert 210 + sum(e["minutes_delta"] for e in corrections) - cancelled[0]["cancelled"]["minutes"] == counted == 0


# -- totals -----------------------------------------------------------------------------------------------------


async def test_a_volunteers_totals_follow_confirmations_corrections_and_cancellations(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    assert (await hours.totals(volunteer)).total_minutes == 0
    morning = await hours.confirmed(volunteer, "09:00", "12:00")
    await hours.recorded(volunteer, "13:00", "14:00", description="확인 전")
    last_month = YESTERDAY - timedelta(days=31)
    other = await hours.confirmed(volunteer, "10:00", "11:30", activity_date=last_month, description="지난달")
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities, found.total_minutes) == (270, 2, 270), "only confirmed records count"
    months = {p.period: p.minutes for p in found.by_month}
    assert months == {f"{YESTERDAY:%Y-%m}": 180, f"{last_month:%Y-%m}": 90}
    assert [(t.activity_type, t.minutes, t.activities) for t in found.by_type] == [(ActivityType.FACILITY, 270, 2)]
    await hours.correct(morning.id, "09:00", "10:00", activity_type=ActivityType.HOME, sub_field="education")
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities) == (150, 2)
    assert {t.activity_type: t.minutes for t in found.by_type} == {ActivityType.FACILITY: 90, ActivityType.HOME: 60}
    await hours.cancel(other.id)
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities) == (60, 1)
    assert [p.period for p in found.by_month] == [f"{YESTERDAY:%Y-%m}"], "a month left with nothing is not listed"
    assert [(y.period, y.minutes) for y in found.by_year] == [(str(YESTERDAY.year), 60)]


async def test_the_centres_and_regions_totals_add_up_its_events(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    first = await hours.confirmed(volunteer, "09:00", "12:00")
    second = await hours.confirmed(volunteer, "13:00", "14:00", description="오후")
    await hours.correct(first.id, "09:00", "11:00")
    await hours.cancel(second.id)
    await hours.add_up_own_events()
    centre = await hours.handlers.get_centre_totals(CentreTotalsRequest(centre_id=hours.centre), hours.manager)
    region = await hours.handlers.get_region_totals(RegionTotalsRequest(region="26"), council_admin("26"))
    assert (centre.minutes, centre.activities) == (region.minutes, region.activities) == (120, 1)
    volunteer_totals = await hours.totals(volunteer)
    assert volunteer_totals.minutes == centre.minutes
    with pytest.raises(OutOfScope):
        await hours.handlers.get_region_totals(RegionTotalsRequest(region="26"), council_admin("11"))
    with pytest.raises(OutOfScope):
        await hours.handlers.get_centre_totals(
            CentreTotalsRequest(centre_id=hours.centre), centre_manager(new_id("26"))
        )


async def test_confirmations_at_once_add_up_exactly(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    slots = [(f"{h:02d}:00", f"{h:02d}:50") for h in range(8, 16)]
    recorded = [await hours.recorded(volunteer, s, e, description=s) for s, e in slots]
    await asyncio.gather(*(hours.confirm(r.id) for r in recorded for _ in range(2)))
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities) == (8 * 50, 8)


# -- blood donations (헌혈실적연계) -------------------------------------------------------------------------------


def donation(volunteer: UUID, number: str, day: date, kind: BloodDonationType = BloodDonationType.WHOLE_BLOOD) -> Any:
    event = BloodDonationRegisteredV1(
        volunteer_id=volunteer,
        donation_number=number,
        donated_on=day,
        donation_type=kind,
        blood_centre="헌혈의집 서면센터",
        registered_at=NOW,
    )
    return Envelope.wrap(event, source="/vms/linkage/test", region="26")


async def test_a_blood_donation_counts_four_hours_once_apart_from_activities(hours: Hours) -> None:
    volunteer = await hours.volunteer("26")
    await hours.confirmed(volunteer, "09:00", "17:00", description="하루 종일")
    given = donation(volunteer, "02-26-000001", YESTERDAY)
    await hours.donations([given])
    await hours.donations([given, donation(volunteer, "02-26-000001", YESTERDAY)])
    found = await hours.totals(volunteer)
    assert (found.minutes, found.activities, found.blood_minutes, found.blood_donations) == (480, 1, 240, 1)
    assert found.total_minutes == 720, "a full day of activity leaves room for the donation: it takes no time of it"
    (counted,) = await hours.events("vms.hours.blood_donation_counted.v1")
    assert (counted["donation_number"], counted["minutes"]) == ("02-26-000001", 240)
    listed = await hours.handlers.list_activities(VolunteerActivities(volunteer_id=volunteer), CENTRAL_ADMIN)
    blood = [a for a in listed.items if a.donation_number]
    assert [(a.centre_id, a.place, a.status) for a in blood] == [(None, "헌혈의집 서면센터", ActivityStatus.CONFIRMED)]
    with pytest.raises(OutOfScope):  # no centre recorded it: none corrects or cancels it
        await hours.cancel(blood[0].id)


async def test_blood_donations_count_within_the_yearly_limits(hours: Hours) -> None:
    volunteer = await hours.volunteer("26")
    year = YESTERDAY.year - 1
    whole = [donation(volunteer, f"02-{year % 100:02d}-1000{i:02d}", date(year, 1 + 2 * i, 3)) for i in range(6)]
    plasma = donation(volunteer, f"02-{year % 100:02d}-200001", date(year, 12, 20), BloodDonationType.PLASMA)
    await hours.donations([*whole, plasma])
    found = await hours.totals(volunteer)
    assert found.blood_donations == 6, "5 whole-blood donations a year, and apheresis on its own limit"
    listed = await hours.handlers.list_activities(VolunteerActivities(volunteer_id=volunteer), CENTRAL_ADMIN)
    refused = [a for a in listed.items if a.status is ActivityStatus.REJECTED]
    assert [(a.donation_number, a.status_reason) for a in refused] == [
        (whole[5].data.donation_number, f"{year}년 전혈 헌혈 인정 한도(5회)를 넘었습니다.")
    ]


async def test_a_donation_before_july_2010_counts_no_hours(hours: Hours) -> None:
    volunteer = await hours.volunteer("26")
    await hours.donations([donation(volunteer, "02-10-000001", date(2010, 6, 30))])
    assert (await hours.totals(volunteer)).blood_donations == 0
    assert await hours.events("vms.hours.blood_donation_counted.v1") == []


async def test_a_donation_that_can_never_count_is_refused_for_the_dead_letters(hours: Hours) -> None:
    volunteer = await hours.volunteer("26")
    with pytest.raises(PermanentError, match="not known"):
        await hours.donations([donation(new_id("26"), "02-26-000009", YESTERDAY)])
    await hours.donations([donation(volunteer, "02-26-000010", YESTERDAY)])
    other = await hours.volunteer("26")
    with pytest.raises(PermanentError, match="another volunteer"):
        await hours.donations([donation(other, "02-26-000010", YESTERDAY)])
    assert (await hours.totals(other)).blood_donations == 0


async def test_the_same_donors_donations_at_once_stay_within_the_limit(hours: Hours) -> None:
    volunteer = await hours.volunteer("26")
    year = YESTERDAY.year - 1
    given = [donation(volunteer, f"02-{year % 100:02d}-3000{i:02d}", date(year, 1 + i, 5)) for i in range(8)]
    results = await asyncio.gather(*(hours.donations([g]) for g in given), return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)]
    assert (await hours.totals(volunteer)).blood_donations == 5


# -- many at once (일괄 입력) -------------------------------------------------------------------------------------


def rows_of(hours: Hours, *rows: tuple[UUID, str, str, str]) -> list[ActivityDetails]:
    return [
        ActivityDetails.model_validate(
            hours.record(volunteer, start, end, description=description).model_dump(exclude={"centre_id"})
        )
        for volunteer, start, end, description in rows
    ]


async def test_a_file_is_recorded_whole_or_not_at_all_with_every_bad_row_named(hours: Hours) -> None:
    volunteer, other = await hours.volunteer(), await hours.volunteer()
    rows = rows_of(
        hours,
        (volunteer, "09:00", "12:00", "오전 활동"),
        (volunteer, "11:00", "13:00", "겹치는 활동"),  # overlaps the row above
        (other, "10:00", "09:00", "거꾸로"),  # ends before it starts
        (other, "13:00", "15:00", "오후 활동"),
    )
    answer = await hours.handlers.record_activities(
        RecordActivities(centre_id=hours.centre, rows=rows, first_row=2), hours.manager
    )
    assert [(r.row, r.error.code) for r in answer.refused] == [(3, "ROWS_OVERLAP"), (4, "ACTIVITY_TIMES_INVALID")]
    assert answer.refused[0].error.params["other_row"] == 2, "the row it overlaps, by its number in the file"
    assert await hours.staged("vms.hours.recorded.v1") == 0, "all or nothing: nothing"
    assert await hours.minutes_on(volunteer, YESTERDAY) == 0

    clean = await hours.handlers.record_activities(
        RecordActivities(centre_id=hours.centre, rows=rows, mode=ImportMode.CLEAN_ROWS), hours.manager
    )
    assert len(clean.recorded) == 2 and len(clean.refused) == 2
    assert await hours.staged("vms.hours.recorded.v1") == 2
    # The same file again: the clean rows are the records made, nothing is recorded twice.
    again = await hours.handlers.record_activities(
        RecordActivities(centre_id=hours.centre, rows=rows, mode=ImportMode.CLEAN_ROWS), hours.manager
    )
    assert (again.already, {r.activity_id for r in again.recorded}) == (2, {r.activity_id for r in clean.recorded})
    assert all(r.already for r in again.recorded) and not any(r.already for r in clean.recorded)
    assert await hours.staged("vms.hours.recorded.v1") == 2


async def test_a_check_records_nothing_and_the_day_limit_spans_the_files_rows(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    rows = rows_of(
        hours,
        (volunteer, "06:00", "10:00", "첫째"),
        (volunteer, "10:00", "14:00", "둘째"),
        (volunteer, "14:00", "15:00", "셋째"),  # past 8 hours with the two above
    )
    checked = await hours.handlers.record_activities(
        RecordActivities(centre_id=hours.centre, rows=rows, check_only=True), hours.manager
    )
    assert [(r.row, r.error.code) for r in checked.refused] == [(3, "DAILY_LIMIT_EXCEEDED")]
    assert len(checked.recorded) == 2
    assert await hours.staged("vms.hours.recorded.v1") == 0
    async with hours.handlers.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(activity_revisions)) == 0


async def test_files_of_one_volunteer_at_once_never_overlap(hours: Hours) -> None:
    volunteer = await hours.volunteer()
    files = [rows_of(hours, (volunteer, f"{9 + i:02d}:00", f"{11 + i:02d}:00", f"파일 {i}")) for i in range(4)]
    answers = await asyncio.gather(
        *(
            hours.handlers.record_activities(RecordActivities(centre_id=hours.centre, rows=rows), hours.manager)
            for rows in files
        )
    )
    assert sum(len(a.recorded) for a in answers) == 2, "09–11 and 11–13, or 10–12 and 12–14: two fit"
    assert sum(len(a.refused) for a in answers) == 2
    assert await hours.minutes_on(volunteer, YESTERDAY) == 240


async def test_the_rows_of_a_file_keep_the_numbers_they_have_in_it(hours: Hours) -> None:
    """Rows sent with their numbers in the file (empty rows and rows refused before sending left out between them)
    are named by those numbers, also when one overlaps another."""
    volunteer = await hours.volunteer()
    rows = rows_of(
        hours,
        (volunteer, "09:00", "12:00", "오전 활동"),
        (volunteer, "11:00", "13:00", "겹치는 활동"),
        (volunteer, "16:00", "15:00", "거꾸로"),
    )
    answer = await hours.handlers.record_activities(
        RecordActivities(centre_id=hours.centre, rows=rows, row_numbers=[2, 5, 9], mode=ImportMode.CLEAN_ROWS),
        hours.manager,
    )
    assert [(r.row, r.error.code) for r in answer.refused] == [(5, "ROWS_OVERLAP"), (9, "ACTIVITY_TIMES_INVALID")]
    assert answer.refused[0].error.params["other_row"] == 2
    assert [r.row for r in answer.recorded] == [2]
    assert (await hours.get(answer.recorded[0].activity_id)).description == "오전 활동"
    with pytest.raises(ValueError, match="row numbers"):
        RecordActivities(centre_id=hours.centre, rows=rows, row_numbers=[2, 5])
