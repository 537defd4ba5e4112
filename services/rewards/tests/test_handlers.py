"""실시간 누적시간: the sum of a volunteer's confirmed activities, each counted once, shown to the volunteer, their
region's council and the central council."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid4

import pytest

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events import HoursConfirmedV1
from vms_contracts.events.hours import CountedActivity, HoursCancelledV1, HoursCorrectedV1
from vms_contracts.ids import new_id
from vms_contracts.rpc.rewards import TotalRequest
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.db import Database
from vms_platform.testing import CENTRAL_ADMIN, centre_manager, council_admin, hours_confirmed, migrated, volunteer
from vms_rewards.handlers import RewardsHandlers


@pytest.fixture
async def handlers(new_database: Any) -> AsyncIterator[RewardsHandlers]:
    url = await new_database("rewards")
    await migrated(url, str(files("vms_rewards") / "migrations"))
    db = Database(url)
    yield RewardsHandlers(db)
    await db.close()


def confirmed(volunteer: UUID, minutes: int, activity: UUID | None = None) -> Envelope[HoursConfirmedV1]:
    return hours_confirmed(volunteer, minutes, activity_id=activity)


async def apply(handlers: RewardsHandlers, *events: Envelope[Any]) -> None:
    async with handlers.db.transaction() as session:
        await handlers.on_hours_confirmed(session, list(events))


async def total(handlers: RewardsHandlers, someone: UUID, actor: Actor = CENTRAL_ADMIN) -> tuple[int, int, str]:
    view = await handlers.get_total(TotalRequest(volunteer_id=someone), actor)
    return view.confirmed_minutes, view.confirmed_activities, view.display


async def test_totals_add_up_per_volunteer(handlers: RewardsHandlers) -> None:
    a, b = uuid4(), uuid4()
    await apply(handlers, confirmed(a, 210), confirmed(b, 240), confirmed(a, 60))
    assert await total(handlers, a) == (270, 2, "4시간 30분")
    assert await total(handlers, b) == (240, 1, "4시간")


async def test_each_activity_counts_once_however_often_it_arrives(handlers: RewardsHandlers) -> None:
    volunteer, activity = uuid4(), uuid4()
    await apply(handlers, confirmed(volunteer, 210, activity), confirmed(volunteer, 210, activity))
    await apply(handlers, confirmed(volunteer, 210, activity))
    assert await total(handlers, volunteer) == (210, 1, "3시간 30분")


async def test_a_volunteer_without_confirmed_hours_has_zero(handlers: RewardsHandlers) -> None:
    assert await total(handlers, uuid4()) == (0, 0, "0시간")


async def test_batches_applied_at_once_add_up(handlers: RewardsHandlers) -> None:
    """Two replicas apply batches about one volunteer at the same moment: neither addition is lost."""
    volunteer = uuid4()
    await asyncio.gather(*(apply(handlers, confirmed(volunteer, 120)) for _ in range(6)))
    await asyncio.gather(*(apply(handlers, confirmed(volunteer, 30), confirmed(uuid4(), 60)) for _ in range(4)))
    assert await total(handlers, volunteer) == (6 * 120 + 4 * 30, 10, "14시간")


async def test_a_total_is_shown_to_the_volunteer_and_their_regions_council(handlers: RewardsHandlers) -> None:
    """The region is the one written in the volunteer's id (rewards keeps no other)."""
    busan, seoul = new_id("26"), new_id("11")
    await apply(handlers, confirmed(busan, 210), confirmed(seoul, 60))
    for allowed in (volunteer(busan), council_admin("26"), CENTRAL_ADMIN, Actor.service("linkage")):
        assert await total(handlers, busan, allowed) == (210, 1, "3시간 30분")
    for outsider in (volunteer(seoul), council_admin("11")):
        with pytest.raises(OutOfScope):
            await total(handlers, busan, outsider)
    with pytest.raises(NotPermitted):
        await total(handlers, busan, centre_manager(new_id("26")))


def counted(minutes: int) -> CountedActivity:
    return CountedActivity(
        activity_date=date(2026, 11, 20),
        start_time=time(10),
        end_time=time(10 + minutes // 60, minutes % 60),
        minutes=minutes,
        activity_type=None,
        sub_field=None,
        place=None,
        description="말벗",
    )


def corrected(volunteer: UUID, activity: UUID, revision: int, before: int, after: int) -> Envelope[Any]:
    event = HoursCorrectedV1(
        activity_id=activity,
        volunteer_id=volunteer,
        centre_id=new_id("11"),
        revision=revision,
        previous=counted(before),
        corrected=counted(after),
        minutes_delta=after - before,
        reason="정정",
        corrected_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="/vms/hours/test", region="11")


def cancelled(volunteer: UUID, activity: UUID, revision: int, minutes: int) -> Envelope[Any]:
    event = HoursCancelledV1(
        activity_id=activity,
        volunteer_id=volunteer,
        centre_id=new_id("11"),
        revision=revision,
        cancelled=counted(minutes),
        reason="취소",
        cancelled_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="/vms/hours/test", region="11")


async def changed(handlers: RewardsHandlers, *events: Envelope[Any]) -> None:
    async with handlers.db.transaction() as session:
        await handlers.on_hours_changed(session, list(events))


async def test_the_total_follows_corrections_and_cancellations(handlers: RewardsHandlers) -> None:
    someone, activity, other = uuid4(), uuid4(), uuid4()
    await apply(handlers, confirmed(someone, 210, activity), confirmed(someone, 60, other))
    await changed(handlers, corrected(someone, activity, 3, 210, 120))
    assert await total(handlers, someone) == (180, 2, "3시간")
    await changed(handlers, corrected(someone, activity, 3, 210, 120))  # again: nothing more
    await changed(handlers, cancelled(someone, activity, 4, 120))
    assert await total(handlers, someone) == (60, 1, "1시간")
    await changed(handlers, corrected(someone, activity, 3, 210, 120))  # older than what the ledger holds
    assert await total(handlers, someone) == (60, 1, "1시간")


async def test_a_change_that_overtakes_its_confirmation_is_not_counted_twice(handlers: RewardsHandlers) -> None:
    someone, activity = uuid4(), uuid4()
    await changed(handlers, corrected(someone, activity, 3, 210, 90))
    await apply(handlers, confirmed(someone, 210, activity))
    assert await total(handlers, someone) == (90, 1, "1시간 30분")
    late, gone = uuid4(), uuid4()
    await changed(handlers, cancelled(late, gone, 3, 210))
    await apply(handlers, confirmed(late, 210, gone))
    assert await total(handlers, late) == (0, 0, "0시간")
