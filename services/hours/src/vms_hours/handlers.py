"""One function per request or event: validate (models), decide (domain), persist and stage events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor, Role
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1, HoursRecordedV1
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV1, VolunteerRegisteredV2
from vms_contracts.ids import new_id, region_of
from vms_contracts.regions import NATIONAL
from vms_contracts.rpc import hours as rpc
from vms_contracts.rpc.hours import (
    ActivityList,
    ActivityRef,
    ActivityStatus,
    ActivityView,
    CentreActivities,
    RecordActivity,
    VolunteerActivities,
)
from vms_contracts.rpc.registry import GET_CENTRE, GET_VOLUNTEER, CentreRef, VolunteerRef
from vms_hours import domain
from vms_hours.db import activities, known_centres, known_volunteers, volunteer_days
from vms_hours.settings import HoursSettings
from vms_platform.actor import in_scope, require_scope
from vms_platform.clock import KST
from vms_platform.db import Database, insert_for, upsert
from vms_platform.outbox import Outbox
from vms_platform.rpc import RpcClient


def now_kst() -> datetime:
    return datetime.now(KST)


class HoursHandlers:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        registry: RpcClient,
        settings: HoursSettings,
        *,
        clock: Callable[[], datetime] = now_kst,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.registry = registry
        self.settings = settings
        self.clock = clock
        """Korean time now: what "already happened" is measured against."""

    # -- requests ----------------------------------------------------------------------------------------------

    async def record_activity(self, cmd: RecordActivity, actor: Actor) -> ActivityView:
        """A centre's manager records its activities, and no other centre's."""
        require_scope(actor, rpc.RECORD_ACTIVITY.operation, centre=cmd.centre_id)
        minutes = domain.activity_minutes(cmd.start_time, cmd.end_time)
        now = self.clock()
        domain.check_entry_window(
            cmd.activity_date,
            today=now.astimezone(KST).date(),
            months=self.settings.entry_window_months,
            exception_reason=cmd.exception_reason,
        )
        domain.check_activity_over(cmd.activity_date, cmd.end_time, now=now)
        centre = await self._centre(cmd.centre_id)
        await self._volunteer(cmd.volunteer_id)
        async with self.db.transaction() as session:
            await _lock_day(session, cmd.volunteer_id, cmd.activity_date)
            rows = (
                await session.execute(
                    select(activities).where(
                        activities.c.volunteer_id == cmd.volunteer_id,
                        activities.c.activity_date == cmd.activity_date,
                    )
                )
            ).all()
            day = [domain.Slot(r.id, r.centre_id, r.start_time, r.end_time, r.minutes, r.description) for r in rows]
            for slot, row in zip(day, rows, strict=True):
                if domain.same_record(
                    slot, centre_id=cmd.centre_id, start=cmd.start_time, end=cmd.end_time, description=cmd.description
                ):
                    return _activity_view(row)
            overlap = domain.find_overlap(day, cmd.start_time, cmd.end_time)
            if overlap is not None:
                raise domain.ActivityOverlaps(
                    activity_id=overlap.activity_id,
                    start_time=domain.clock_time(overlap.start_time),
                    end_time=domain.clock_time(overlap.end_time),
                )
            domain.check_daily_limit(
                day,
                minutes,
                limit=self.settings.daily_limit_minutes,
                activity_date=cmd.activity_date,
                exception_reason=cmd.exception_reason,
            )
            values = {
                # Owned where the centre is: the region its id names, where confirmations will be sent.
                "id": new_id(region_of(cmd.centre_id) or NATIONAL),
                "centre_id": cmd.centre_id,
                "volunteer_id": cmd.volunteer_id,
                "region": centre.region,
                "activity_date": cmd.activity_date,
                "start_time": cmd.start_time,
                "end_time": cmd.end_time,
                "minutes": minutes,
                "description": cmd.description,
                "exception_reason": cmd.exception_reason,
                "status": ActivityStatus.RECORDED.value,
                "recorded_at": datetime.now(UTC),
                "confirmed_at": None,
                "recorded_by": actor.account_id,
                "confirmed_by": None,
            }
            await session.execute(insert(activities).values(**values))
            await self.outbox.stage(
                session,
                HoursRecordedV1(
                    activity_id=values["id"],
                    volunteer_id=cmd.volunteer_id,
                    centre_id=cmd.centre_id,
                    activity_date=cmd.activity_date,
                    start_time=cmd.start_time,
                    end_time=cmd.end_time,
                    minutes=minutes,
                    description=cmd.description,
                    exception_reason=cmd.exception_reason,
                    recorded_at=values["recorded_at"],
                ),
                region=centre.region,
            )
            return ActivityView.model_validate(values)

    async def confirm_activity(self, ref: ActivityRef, actor: Actor) -> ActivityView:
        """recorded → confirmed, once, by a manager of the record's own centre (as stored, never as asked): a
        conditional write, and the event is staged only when a row came back, so any number of concurrent
        confirmations (from any replica) give one `hours.confirmed`. Another centre's manager is refused before
        anything is written."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            stored = await _activity_row(session, ref.activity_id)
            require_scope(actor, rpc.CONFIRM_ACTIVITY.operation, centre=stored.centre_id, region=stored.region)
            row = (
                await session.execute(
                    update(activities)
                    .where(activities.c.id == ref.activity_id, activities.c.status == ActivityStatus.RECORDED.value)
                    .values(status=ActivityStatus.CONFIRMED.value, confirmed_at=now, confirmed_by=actor.account_id)
                    .returning(*activities.c)
                )
            ).one_or_none()
            if row is None:
                return _activity_view(await _activity_row(session, ref.activity_id))
            # Refused here, the transaction rolls back and the record stays as it was. A record can be ahead of
            # now only if it was made before recording refused it.
            domain.check_activity_over(row.activity_date, row.end_time, now=self.clock())
            centre_name = await session.scalar(select(known_centres.c.name).where(known_centres.c.id == row.centre_id))
            await self.outbox.stage(
                session,
                HoursConfirmedV1(
                    activity_id=row.id,
                    volunteer_id=row.volunteer_id,
                    centre_id=row.centre_id,
                    centre_name=centre_name or "",
                    activity_date=row.activity_date,
                    start_time=row.start_time,
                    end_time=row.end_time,
                    minutes=row.minutes,
                    description=row.description,
                    confirmed_at=now,
                ),
                region=row.region,
            )
            return _activity_view(row)

    async def get_activity(self, ref: ActivityRef, actor: Actor) -> ActivityView:
        """Its volunteer, a manager of its centre, the council of its centre's region, the central council."""
        async with self.db.transaction() as session:
            row = await _activity_row(session, ref.activity_id)
        require_scope(
            actor, rpc.GET_ACTIVITY.operation, volunteer=row.volunteer_id, centre=row.centre_id, region=row.region
        )
        return _activity_view(row)

    async def list_activities(self, query: VolunteerActivities, actor: Actor) -> ActivityList:
        """봉사실적조회: a volunteer's records. A volunteer asks for their own only; a centre manager gets the records
        their centres kept, a council those of its region's centres: the list is cut to what the actor may see."""
        operation = rpc.LIST_ACTIVITIES.operation
        if actor.role is Role.VOLUNTEER:
            # Another volunteer's list is refused, not answered empty: it is about one person, and not them.
            require_scope(actor, operation, volunteer=query.volunteer_id)
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(activities)
                    .where(activities.c.volunteer_id == query.volunteer_id)
                    .order_by(activities.c.activity_date, activities.c.start_time)
                )
            ).all()
        seen = [
            r for r in rows if in_scope(actor, operation, volunteer=r.volunteer_id, centre=r.centre_id, region=r.region)
        ]
        return ActivityList(items=[_activity_view(r) for r in seen])

    async def list_centre_activities(self, query: CentreActivities, actor: Actor) -> ActivityList:
        """A centre's records, newest activity first: for its managers, its region's council, the central council.
        The centre's region is the one hours knows it by, else the one written in its id."""
        async with self.db.transaction() as session:
            region = await session.scalar(select(known_centres.c.region).where(known_centres.c.id == query.centre_id))
            require_scope(
                actor,
                rpc.LIST_CENTRE_ACTIVITIES.operation,
                centre=query.centre_id,
                region=region or region_of(query.centre_id),
            )
            matching = [activities.c.centre_id == query.centre_id]
            if query.status is not None:
                matching.append(activities.c.status == query.status.value)
            total = await session.scalar(select(func.count()).select_from(activities).where(*matching))
            rows = (
                await session.execute(
                    select(activities)
                    .where(*matching)
                    .order_by(activities.c.activity_date.desc(), activities.c.start_time.desc(), activities.c.id)
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
        return ActivityList(items=[_activity_view(r) for r in rows], total=int(total or 0))

    # -- registry facts ----------------------------------------------------------------------------------------

    async def _centre(self, centre_id: UUID) -> Row[Any]:
        async def ask() -> dict[str, Any]:
            found = await self.registry.call(GET_CENTRE, CentreRef(centre_id=centre_id))
            return {"id": found.id, "name": found.name, "region": found.region}

        return await self._known(known_centres, centre_id, ask)

    async def _volunteer(self, volunteer_id: UUID) -> Row[Any]:
        async def ask() -> dict[str, Any]:
            found = await self.registry.call(GET_VOLUNTEER, VolunteerRef(volunteer_id=volunteer_id))
            # The registry answers with the person's details too; of them, hours keeps none.
            return {"id": found.id, "region": found.region}

        return await self._known(known_volunteers, volunteer_id, ask)

    async def _known(self, table: Table, key: UUID, ask_registry: Callable[[], Awaitable[dict[str, Any]]]) -> Row[Any]:
        """A centre or volunteer from this service's projection, or from the registry if its event has not arrived
        yet; the registry's refusal (not found, say) is passed on as it is."""
        async with self.db.transaction() as session:
            row = (await session.execute(select(table).where(table.c.id == key))).one_or_none()
        if row is not None:
            return row
        found = await ask_registry()
        async with self.db.transaction() as session:
            await upsert(session, table, [found], key=["id"])
            return (await session.execute(select(table).where(table.c.id == key))).one()

    # -- events ------------------------------------------------------------------------------------------------

    async def on_volunteers_registered(
        self,
        session: AsyncSession,
        events: list[Envelope[VolunteerRegisteredV2]] | list[Envelope[VolunteerRegisteredV1]],
    ) -> None:
        """Both versions: v1 registrations still on the stream (a deployment that reads it from the start) name a
        volunteer as well; of either, only the id and region are kept."""
        await upsert(
            session,
            known_volunteers,
            [{"id": e.data.volunteer_id, "region": e.data.region} for e in events],
            key=["id"],
        )

    async def on_centres_registered(self, session: AsyncSession, events: list[Envelope[CentreRegisteredV1]]) -> None:
        await upsert(
            session,
            known_centres,
            [{"id": e.data.centre_id, "name": e.data.name, "region": e.data.region} for e in events],
            key=["id"],
        )


async def _lock_day(session: AsyncSession, volunteer_id: UUID, activity_date: date) -> None:
    """Hold the volunteer's day until this transaction ends: the day's rules (no overlap, the daily limit) span
    rows, so they are checked under this lock, never by reading alone. On SQLite the write transaction
    (`BEGIN IMMEDIATE`) already runs alone."""
    day = {"volunteer_id": volunteer_id, "activity_date": activity_date}
    await session.execute(insert_for(session, volunteer_days).values(**day).on_conflict_do_nothing())
    await session.execute(
        select(volunteer_days.c.volunteer_id)
        .where(volunteer_days.c.volunteer_id == volunteer_id, volunteer_days.c.activity_date == activity_date)
        .with_for_update()
    )


async def _activity_row(session: AsyncSession, activity_id: UUID) -> Row[Any]:
    row = (await session.execute(select(activities).where(activities.c.id == activity_id))).one_or_none()
    if row is None:
        raise domain.ActivityNotFound(activity_id=activity_id)
    return row


def _activity_view(row: Row[Any], **changes: Any) -> ActivityView:
    return ActivityView.model_validate({**row._asdict(), **changes})
