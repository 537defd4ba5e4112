"""One function per request or event: validate (models), decide (domain), persist and stage events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Row, Table, bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor, Role
from vms_contracts.envelope import Envelope, Event
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.events.hours import (
    ActivityKind,
    CountedActivity,
    HoursBloodDonationCountedV1,
    HoursCancelledV1,
    HoursConfirmedV1,
    HoursCorrectedV1,
    HoursRecordedV1,
    HoursRejectedV1,
)
from vms_contracts.events.linkage import BloodDonationRegisteredV1, BloodDonationType
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV1, VolunteerRegisteredV2
from vms_contracts.ids import new_id, region_of
from vms_contracts.regions import NATIONAL
from vms_contracts.rpc import hours as rpc
from vms_contracts.rpc.hours import (
    ActivityDetails,
    ActivityFacts,
    ActivityHistory,
    ActivityList,
    ActivityRef,
    ActivityRevision,
    ActivityStatus,
    ActivityView,
    CancelActivity,
    CentreActivities,
    CentreTotals,
    CentreTotalsRequest,
    Change,
    CorrectActivity,
    ImportMode,
    RecordActivities,
    RecordActivity,
    RecordedActivities,
    RecordedRow,
    RegionTotals,
    RegionTotalsRequest,
    RejectActivity,
    RowRefusal,
    VolunteerActivities,
    VolunteerTotals,
)
from vms_contracts.rpc.registry import GET_CENTRE, GET_VOLUNTEER, CentreRef, VolunteerRef
from vms_hours import domain, totals
from vms_hours.db import (
    activities,
    activity_revisions,
    centre_totals,
    known_centres,
    known_volunteers,
    region_totals,
    totals_kept_since,
    volunteer_days,
    volunteer_totals,
)
from vms_hours.settings import HoursSettings
from vms_platform.actor import in_scope, require_scope
from vms_platform.aio import Coalescer
from vms_platform.clock import KST
from vms_platform.consumer import PermanentError
from vms_platform.db import Database, insert_many, on_postgresql, upsert
from vms_platform.errors import DomainError
from vms_platform.logging import Origin, current_origin
from vms_platform.outbox import Outbox
from vms_platform.rpc import RemoteError, RpcClient

E = TypeVar("E", bound=Event)

CONFIRM_BATCH = 200
"""Confirmations written in one transaction at most."""


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
        self.served = set(settings.served_regions)
        self._totals_since: datetime | None = None
        self._confirming = Coalescer(self._confirm_many, max_size=CONFIRM_BATCH)

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
            await _lock_days(session, cmd.volunteer_id, [cmd.activity_date])
            rows = await _day(session, cmd.volunteer_id, cmd.activity_date)
            day = [_slot(r) for r in rows]
            for slot, row in zip(day, rows, strict=True):
                if domain.same_record(
                    slot, centre_id=cmd.centre_id, start=cmd.start_time, end=cmd.end_time, description=cmd.description
                ):
                    return _activity_view(row)
            self._check_day(day, cmd, minutes)
            values = _new_record(cmd, cmd.centre_id, centre.region, minutes, actor.account_id, datetime.now(UTC))
            await session.execute(insert(activities).values(**values))
            await _add_revision(session, values, Change.RECORDED, at=values["recorded_at"], by=actor.account_id)
            await self.outbox.stage(session, _recorded_event(values), region=centre.region)
            return ActivityView.model_validate(values)

    async def record_activities(self, cmd: RecordActivities, actor: Actor) -> RecordedActivities:
        """일괄 입력: each row checked by the rules of one record — among the records already made and among the rows
        themselves, under the locks of every day they touch — before anything is written; then all of them, or
        (`clean_rows`) those that may be, recorded in one transaction. A row that repeats a record (the same file
        sent again) is that record. `check_only` writes nothing."""
        require_scope(actor, rpc.RECORD_ACTIVITIES.operation, centre=cmd.centre_id)
        centre = await self._centre(cmd.centre_id)
        now = self.clock()
        today = now.astimezone(KST).date()
        refused: dict[int, ErrorBody] = {}
        minutes: dict[int, int] = {}
        for index, row in enumerate(cmd.rows):
            try:
                minutes[index] = domain.activity_minutes(row.start_time, row.end_time)
                domain.check_entry_window(
                    row.activity_date,
                    today=today,
                    months=self.settings.entry_window_months,
                    exception_reason=row.exception_reason,
                )
                domain.check_activity_over(row.activity_date, row.end_time, now=now)
            except DomainError as exc:
                refused[index] = exc.body()
        unknown = await self._unknown_volunteers({r.volunteer_id for i, r in enumerate(cmd.rows) if i not in refused})
        for index, row in enumerate(cmd.rows):
            if index not in refused and row.volunteer_id in unknown:
                refused[index] = unknown[row.volunteer_id]
        recorded: list[RecordedRow] = []
        already = 0
        try:
            async with self.db.transaction() as session:
                wanted = [(i, r) for i, r in enumerate(cmd.rows) if i not in refused]
                days = _days_of([(r.volunteer_id, r.activity_date) for _, r in wanted])
                await _lock_many_days(session, days)
                standing = await _standing(session, days)
                new: list[dict[str, Any]] = []
                rows_of: dict[UUID, int] = {}
                at = datetime.now(UTC)
                by = actor.account_id
                for index, row in wanted:
                    day = standing.setdefault((row.volunteer_id, row.activity_date), [])
                    same = next(
                        (
                            slot
                            for slot in day
                            if domain.same_record(
                                slot,
                                centre_id=cmd.centre_id,
                                start=row.start_time,
                                end=row.end_time,
                                description=row.description,
                            )
                        ),
                        None,
                    )
                    if same is not None:
                        recorded.append(
                            RecordedRow(row=cmd.row_number(index), activity_id=same.activity_id, already=True)
                        )
                        already += 1
                        continue
                    try:
                        self._check_day(day, row, minutes[index])
                    except domain.ActivityOverlaps as exc:
                        # An earlier row of the same file is named by its row, not by the id it was given here.
                        other = rows_of.get(UUID(str(exc.params["activity_id"])))
                        refused[index] = (
                            domain.RowsOverlap(
                                other_row=other, start_time=exc.params["start_time"], end_time=exc.params["end_time"]
                            ).body()
                            if other is not None
                            else exc.body()
                        )
                        continue
                    except DomainError as exc:
                        refused[index] = exc.body()
                        continue
                    values = _new_record(row, cmd.centre_id, centre.region, minutes[index], by, at)
                    rows_of[values["id"]] = cmd.row_number(index)
                    day.append(
                        domain.Slot(
                            values["id"], cmd.centre_id, row.start_time, row.end_time, minutes[index], row.description
                        )
                    )
                    recorded.append(RecordedRow(row=cmd.row_number(index), activity_id=values["id"]))
                    new.append(values)
                if cmd.check_only or (refused and cmd.mode is ImportMode.ALL_OR_NOTHING):
                    raise _NothingWritten()
                if new:
                    await insert_many(session, activities, new)
                    await insert_many(
                        session,
                        activity_revisions,
                        [_revision_row(values, Change.RECORDED, at=at, by=by) for values in new],
                    )
                    await self.outbox.stage_many(session, [(_recorded_event(v), centre.region) for v in new])
        except _NothingWritten:
            pass
        return RecordedActivities(
            recorded=recorded,
            refused=[RowRefusal(row=cmd.row_number(index), error=body) for index, body in sorted(refused.items())],
            already=already,
        )

    async def _unknown_volunteers(self, volunteer_ids: set[UUID]) -> dict[UUID, ErrorBody]:
        """Of `volunteer_ids`, those neither this service nor the registry knows, each with the registry's refusal."""
        async with self.db.transaction() as session:
            known = set(
                await session.scalars(select(known_volunteers.c.id).where(known_volunteers.c.id.in_(volunteer_ids)))
            )
        unknown: dict[UUID, ErrorBody] = {}
        for volunteer_id in sorted(volunteer_ids - known):
            try:
                await self._volunteer(volunteer_id)
            except RemoteError as exc:
                if exc.body.kind is not ErrorKind.NOT_FOUND:
                    raise
                unknown[volunteer_id] = exc.body
        return unknown

    def _check_day(self, day: list[domain.Slot], facts: ActivityFacts, minutes: int) -> None:
        """The day's rules among the records that stand on it (`day`, without the record being corrected)."""
        overlap = domain.find_overlap(day, facts.start_time, facts.end_time)
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
            activity_date=facts.activity_date,
            exception_reason=facts.exception_reason,
        )

    async def confirm_activity(self, ref: ActivityRef, actor: Actor) -> ActivityView:
        """recorded → confirmed, once, by a manager of the record's own centre (as stored, never as asked). The
        record is locked, then changed and its event staged only if it is still `recorded`, so any number of
        concurrent confirmations (from any replica) give one `hours.confirmed`; the same confirmation again is
        answered with the confirmed record. Another centre's manager is refused before anything is written; so is
        a record already rejected or cancelled.

        Confirmations that arrive while others are being written are written together, in one transaction
        (`_confirm_many`): a centre confirming a day's records, or many centres at once, cost a few round trips
        a batch rather than each."""
        return await self._confirming((ref, actor, current_origin()))

    async def _confirm_many(self, asked: list[tuple[ActivityRef, Actor, Origin]]) -> list[ActivityView | Exception]:
        """Each confirmation of a batch answered as if it had been alone, in the order they came; a refusal is
        that request's answer and changes nothing of the others'."""
        operation = rpc.CONFIRM_ACTIVITY.operation
        now = datetime.now(UTC)
        answers: list[ActivityView | Exception] = []
        changed: dict[UUID, dict[str, Any]] = {}
        origins: dict[UUID, Origin] = {}
        async with self.db.transaction() as session:
            ids = sorted({ref.activity_id for ref, _, _ in asked})
            found = {row.id: row for row in await session.execute(_CONFIRMING, {"ids": ids})}
            for ref, actor, origin in asked:
                try:
                    row = found.get(ref.activity_id)
                    if row is None:
                        raise domain.ActivityNotFound(activity_id=ref.activity_id)
                    require_scope(actor, operation, centre=row.centre_id, region=row.region)
                    if ref.activity_id in changed:  # confirmed by an earlier request of this batch
                        answers.append(_activity_view_of(changed[ref.activity_id]))
                        continue
                    if row.status != ActivityStatus.RECORDED.value:
                        if row.status != ActivityStatus.CONFIRMED.value:
                            raise domain.ActivityNotRecorded(**domain.status_params(row.status))
                        answers.append(_activity_view(row))
                        continue
                    # A record can be ahead of now only if it was made before recording refused it.
                    domain.check_activity_over(row.activity_date, row.end_time, now=self.clock())
                except DomainError as exc:
                    answers.append(exc)
                    continue
                values = {
                    **row._asdict(),
                    "revision": row.revision + 1,
                    "status": ActivityStatus.CONFIRMED.value,
                    "confirmed_at": now,
                    "confirmed_by": actor.account_id,
                }
                changed[row.id] = values
                origins[row.id] = origin
                answers.append(_activity_view_of(values))
            if not changed:
                return answers
            confirmed = list(changed.values())
            await session.execute(
                _CONFIRM,
                [
                    {"activity_id": v["id"], "new_status": v["status"], "at": now, "by": v["confirmed_by"]}
                    for v in confirmed
                ],
            )
            await session.execute(
                _NEW_REVISION,
                [_revision_row(v, Change.CONFIRMED, at=now, by=v["confirmed_by"]) for v in confirmed],
            )
            counted = totals.Changes()
            for v in confirmed:
                counted.add(v["volunteer_id"], _counts_of(v))
            await counted.apply(session, volunteer_totals, at=now)
            await self.outbox.stage_many(
                session,
                [(_confirmed_event(v, now), v["region"]) for v in confirmed],
                origins=[origins[v["id"]] for v in confirmed],
            )
        return answers

    async def reject_activity(self, cmd: RejectActivity, actor: Actor) -> ActivityView:
        """recorded → rejected (반려), with the reason, by a manager of the record's centre: it never counts.
        Asked again, the same answer and nothing more; a confirmed record is corrected or cancelled instead."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            stored = await _activity_row(session, cmd.activity_id)
            require_scope(actor, rpc.REJECT_ACTIVITY.operation, centre=stored.centre_id, region=stored.region)
            row = await _transition(
                session,
                cmd.activity_id,
                ActivityStatus.RECORDED,
                status=ActivityStatus.REJECTED.value,
                status_reason=cmd.reason,
                changed_at=now,
            )
            if row is None:
                return await _settled(session, cmd.activity_id, ActivityStatus.REJECTED, domain.ActivityNotRecorded)
            await _add_revision(session, row._asdict(), Change.REJECTED, at=now, by=actor.account_id, reason=cmd.reason)
            await self.outbox.stage(
                session,
                HoursRejectedV1(
                    activity_id=row.id,
                    volunteer_id=row.volunteer_id,
                    centre_id=row.centre_id,
                    reason=cmd.reason,
                    rejected_at=now,
                ),
                region=row.region,
            )
            return _activity_view(row)

    async def correct_activity(self, cmd: CorrectActivity, actor: Actor) -> ActivityView:
        """정정: a confirmed record takes the facts it should have had, for the reason given, by a manager of its
        centre. The record as it was stays in its history (a new revision, never an edit of the old one), and
        `hours.corrected` says what it counted before and what it counts now. The day's rules hold for the
        corrected facts as for a new record. The same correction sent again changes nothing."""
        minutes = domain.activity_minutes(cmd.start_time, cmd.end_time)
        now = self.clock()
        if cmd.activity_date > now.astimezone(KST).date():
            raise domain.ActivityInFuture(activity_date=cmd.activity_date)
        domain.check_activity_over(cmd.activity_date, cmd.end_time, now=now)
        at = datetime.now(UTC)
        async with self.db.transaction() as session:
            stored = await _activity_row(session, cmd.activity_id)
            require_scope(actor, rpc.CORRECT_ACTIVITY.operation, centre=stored.centre_id, region=stored.region)
            _check_editable(stored)
            await _lock_days(session, stored.volunteer_id, [stored.activity_date, cmd.activity_date])
            before = await _activity_row(session, cmd.activity_id, lock=True)
            _check_editable(before)
            corrected = _facts_of(cmd, minutes)
            if all(getattr(before, name) == value for name, value in corrected.items()):
                return _activity_view(before)
            others = [r for r in await _day(session, before.volunteer_id, cmd.activity_date) if r.id != before.id]
            self._check_day([_slot(r) for r in others], cmd, minutes)
            row = await _transition(
                session,
                cmd.activity_id,
                ActivityStatus.CONFIRMED,
                **corrected,
                exception_reason=cmd.exception_reason,
                status_reason=cmd.reason,
                changed_at=at,
            )
            if row is None:  # pragma: no cover - the row is locked above
                raise domain.ActivityNotConfirmed(**domain.status_params(before.status))
            await _add_revision(session, row._asdict(), Change.CORRECTED, at=at, by=actor.account_id, reason=cmd.reason)
            counted = totals.Changes()
            counted.remove(row.volunteer_id, _counts(before))
            counted.add(row.volunteer_id, _counts(row))
            await counted.apply(session, volunteer_totals, at=at)
            await self.outbox.stage(
                session,
                HoursCorrectedV1(
                    activity_id=row.id,
                    volunteer_id=row.volunteer_id,
                    centre_id=row.centre_id,
                    revision=row.revision,
                    previous=_counted(before),
                    corrected=_counted(row),
                    minutes_delta=row.minutes - before.minutes,
                    reason=cmd.reason,
                    corrected_at=at,
                ),
                region=row.region,
            )
            return _activity_view(row)

    async def cancel_activity(self, cmd: CancelActivity, actor: Actor) -> ActivityView:
        """취소: a confirmed record counts no more, for the reason given, by a manager of its centre; it stays in
        the history. Once: a second cancellation answers the cancelled record and stages nothing."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            stored = await _activity_row(session, cmd.activity_id)
            require_scope(actor, rpc.CANCEL_ACTIVITY.operation, centre=stored.centre_id, region=stored.region)
            if stored.kind == ActivityKind.BLOOD_DONATION.value:
                raise domain.BloodDonationNotEditable(activity_id=stored.id)
            row = await _transition(
                session,
                cmd.activity_id,
                ActivityStatus.CONFIRMED,
                status=ActivityStatus.CANCELLED.value,
                status_reason=cmd.reason,
                changed_at=now,
            )
            if row is None:
                return await _settled(session, cmd.activity_id, ActivityStatus.CANCELLED, domain.ActivityNotConfirmed)
            await _add_revision(
                session, row._asdict(), Change.CANCELLED, at=now, by=actor.account_id, reason=cmd.reason
            )
            counted = totals.Changes()
            counted.remove(row.volunteer_id, _counts(row))
            await counted.apply(session, volunteer_totals, at=now)
            await self.outbox.stage(
                session,
                HoursCancelledV1(
                    activity_id=row.id,
                    volunteer_id=row.volunteer_id,
                    centre_id=row.centre_id,
                    revision=row.revision,
                    cancelled=_counted(row),
                    reason=cmd.reason,
                    cancelled_at=now,
                ),
                region=row.region,
            )
            return _activity_view(row)

    async def get_activity_history(self, ref: ActivityRef, actor: Actor) -> ActivityHistory:
        """A record and every step it went through, oldest first: for whoever may read the record."""
        async with self.db.transaction() as session:
            row = await _activity_row(session, ref.activity_id)
            require_scope(
                actor,
                rpc.GET_ACTIVITY_HISTORY.operation,
                volunteer=row.volunteer_id,
                centre=row.centre_id,
                region=row.region,
            )
            steps = (
                await session.execute(
                    select(activity_revisions)
                    .where(activity_revisions.c.activity_id == ref.activity_id)
                    .order_by(activity_revisions.c.revision)
                )
            ).all()
        return ActivityHistory(
            activity=_activity_view(row),
            revisions=[ActivityRevision.model_validate(step._asdict()) for step in steps],
        )

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

    # -- totals --------------------------------------------------------------------------------------------------

    async def get_volunteer_totals(self, query: VolunteerActivities, actor: Actor) -> VolunteerTotals:
        """The volunteer's confirmed hours as this deployment keeps them (all zero when it keeps none): for the
        volunteer, the councils, the central council and the services. A deployment keeps the records of its own
        regions' centres, so the caller asks every deployment and adds the answers up (`add_up`)."""
        require_scope(actor, rpc.GET_VOLUNTEER_TOTALS.operation, volunteer=query.volunteer_id)
        async with self.db.read() as session:  # one statement: no transaction of its own on PostgreSQL
            found = await totals.read(session, volunteer_totals, query.volunteer_id)
        return VolunteerTotals(volunteer_id=query.volunteer_id, **found)

    async def get_centre_totals(self, query: CentreTotalsRequest, actor: Actor) -> CentreTotals:
        """A centre's confirmed hours, for its managers, its region's council and the central council."""
        async with self.db.read() as session:
            region = await session.scalar(select(known_centres.c.region).where(known_centres.c.id == query.centre_id))
            require_scope(
                actor,
                rpc.GET_CENTRE_TOTALS.operation,
                centre=query.centre_id,
                region=region or region_of(query.centre_id),
            )
            found = await totals.read(session, centre_totals, query.centre_id)
        return CentreTotals(centre_id=query.centre_id, **found)

    async def get_region_totals(self, query: RegionTotalsRequest, actor: Actor) -> RegionTotals:
        """A region's confirmed hours, for its council and the central council."""
        require_scope(actor, rpc.GET_REGION_TOTALS.operation, region=query.region)
        async with self.db.read() as session:
            found = await totals.read(session, region_totals, query.region)
        return RegionTotals(region=query.region, **found)

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

    # -- blood donations (헌혈실적연계) ---------------------------------------------------------------------------

    async def on_blood_donations_registered(
        self, session: AsyncSession, events: list[Envelope[BloodDonationRegisteredV1]]
    ) -> None:
        """Each registered donation counts `blood_donation_minutes` (4 h) for its donor, once per donation number,
        if it was given on or after `blood_donations_from` and within the year's limits (whole blood 5, apheresis
        24): a confirmed record of its own kind, apart from activities in every total, with
        `hours.blood_donation_counted`. One that may not count is kept as a rejected record saying why, for the
        volunteer to see. A donor this service does not know, or a number already counted for someone else, can
        never be applied: parked as a dead letter with the reason."""
        for envelope in events:
            if envelope.region not in self.served:
                continue
            await self._count_donation(session, envelope.data)

    async def _count_donation(self, session: AsyncSession, donation: BloodDonationRegisteredV1) -> None:
        existing = (
            await session.execute(select(activities).where(activities.c.donation_number == donation.donation_number))
        ).one_or_none()
        if existing is not None:
            if existing.volunteer_id != donation.volunteer_id:
                raise PermanentError(f"donation {donation.donation_number} is already counted for another volunteer")
            return
        region = await session.scalar(
            select(known_volunteers.c.region).where(known_volunteers.c.id == donation.volunteer_id)
        )
        if region is None:
            raise PermanentError(f"volunteer {donation.volunteer_id} is not known to hours")
        # The donor's year, held as one of their days (1 January) while it is counted: two replicas counting two
        # donations of one donor at once would otherwise both find room under the limit.
        year = donation.donated_on.year
        await _lock_days(session, donation.volunteer_id, [date(year, 1, 1)])
        refusal = await self._donation_refusal(session, donation)
        minutes = self.settings.blood_donation_minutes
        now = datetime.now(UTC)
        values = {
            "id": new_id(region),
            "kind": ActivityKind.BLOOD_DONATION.value,
            "centre_id": None,
            "volunteer_id": donation.volunteer_id,
            "region": region,
            "activity_date": donation.donated_on,
            "start_time": time(0),
            "end_time": time(minutes // 60, minutes % 60) if minutes < 24 * 60 else time(23, 59),
            "minutes": minutes,
            "activity_type": None,
            "sub_field": None,
            "place": donation.blood_centre,
            "description": f"헌혈 ({donation.donation_type.korean}) {donation.donation_number}",
            "recruitment_id": None,
            "donation_number": donation.donation_number,
            "donation_type": donation.donation_type.value,
            "exception_reason": None,
            "status": ActivityStatus.REJECTED.value if refusal else ActivityStatus.CONFIRMED.value,
            "status_reason": refusal,
            "revision": 1,
            "recorded_at": now,
            "confirmed_at": None if refusal else now,
            "changed_at": now if refusal else None,
            "recorded_by": None,
            "confirmed_by": None,
        }
        await session.execute(insert(activities).values(**values))
        change = Change.REJECTED if refusal else Change.CONFIRMED
        await _add_revision(session, values, change, at=now, by=None, reason=refusal)
        if refusal:
            return
        counted = totals.Changes()
        counted.add(donation.volunteer_id, totals.Counted(donation.donated_on, minutes, None, blood=True))
        await counted.apply(session, volunteer_totals, at=now)
        await self.outbox.stage(
            session,
            HoursBloodDonationCountedV1(
                activity_id=values["id"],
                volunteer_id=donation.volunteer_id,
                donation_number=donation.donation_number,
                donated_on=donation.donated_on,
                donation_type=donation.donation_type,
                minutes=minutes,
                counted_at=now,
            ),
            region=region,
        )

    async def _donation_refusal(self, session: AsyncSession, donation: BloodDonationRegisteredV1) -> str | None:
        """Why a donation counts no hours (Korean, as the volunteer reads it), or None when it counts."""
        if donation.donated_on < self.settings.blood_donations_from:
            return f"{self.settings.blood_donations_from:%Y-%m-%d} 이전의 헌혈은 봉사시간으로 인정되지 않습니다."
        apheresis = donation.donation_type.apheresis
        limit = self.settings.apheresis_per_year if apheresis else self.settings.whole_blood_per_year
        year = donation.donated_on.year
        same_kind = [t.value for t in BloodDonationType if t.apheresis == apheresis]
        counted = await session.scalar(
            select(func.count())
            .select_from(activities)
            .where(
                activities.c.volunteer_id == donation.volunteer_id,
                activities.c.kind == ActivityKind.BLOOD_DONATION.value,
                activities.c.status == ActivityStatus.CONFIRMED.value,
                activities.c.activity_date >= date(year, 1, 1),
                activities.c.activity_date <= date(year, 12, 31),
                activities.c.donation_type.in_(same_kind),
            )
        )
        if int(counted or 0) >= limit:
            kind = "성분헌혈" if apheresis else "전혈 헌혈"
            return f"{year}년 {kind} 인정 한도({limit}회)를 넘었습니다."
        return None

    # -- its own events: the centres' and regions' totals ------------------------------------------------------

    async def on_hours_confirmed(self, session: AsyncSession, events: list[Envelope[HoursConfirmedV1]]) -> None:
        changes = totals.Changes(), totals.Changes()
        for envelope in await self._served(session, events):
            counted = _event_counts(envelope.data)
            changes[0].add(envelope.data.centre_id, counted)
            changes[1].add(envelope.region, counted)
        await self._apply_place_totals(session, changes)

    async def on_hours_corrected(self, session: AsyncSession, events: list[Envelope[HoursCorrectedV1]]) -> None:
        changes = totals.Changes(), totals.Changes()
        for envelope in await self._served(session, events):
            previous, corrected = _event_counts(envelope.data.previous), _event_counts(envelope.data.corrected)
            for owner, change in ((envelope.data.centre_id, changes[0]), (envelope.region, changes[1])):
                change.remove(owner, previous)
                change.add(owner, corrected)
        await self._apply_place_totals(session, changes)

    async def on_hours_cancelled(self, session: AsyncSession, events: list[Envelope[HoursCancelledV1]]) -> None:
        changes = totals.Changes(), totals.Changes()
        for envelope in await self._served(session, events):
            counted = _event_counts(envelope.data.cancelled)
            changes[0].remove(envelope.data.centre_id, counted)
            changes[1].remove(envelope.region, counted)
        await self._apply_place_totals(session, changes)

    async def on_blood_donations_counted(
        self, session: AsyncSession, events: list[Envelope[HoursBloodDonationCountedV1]]
    ) -> None:
        """A donation counts in its donor's region's totals, blood apart (no centre recorded it)."""
        changes = totals.Changes(), totals.Changes()
        for envelope in await self._served(session, events):
            donation = envelope.data
            changes[1].add(envelope.region, totals.Counted(donation.donated_on, donation.minutes, None, blood=True))
        await self._apply_place_totals(session, changes)

    async def _served(self, session: AsyncSession, events: list[Envelope[E]]) -> list[Envelope[E]]:
        """The events of records this deployment keeps (those of its regions' centres) made since the totals have
        been kept (those before are in the totals the migration added up)."""
        if self._totals_since is None:
            self._totals_since = await session.scalar(select(totals_kept_since.c.since))
        since = self._totals_since
        return [e for e in events if e.region in self.served and (since is None or e.time >= since)]

    async def _apply_place_totals(self, session: AsyncSession, changes: tuple[totals.Changes, totals.Changes]) -> None:
        at = datetime.now(UTC)
        await changes[0].apply(session, centre_totals, at=at)
        await changes[1].apply(session, region_totals, at=at)


def _counts(row: Row[Any]) -> totals.Counted:
    """What a record counts, as its row says."""
    return _counts_of(row._asdict())


def _counts_of(values: dict[str, Any]) -> totals.Counted:
    return totals.Counted(
        values["activity_date"],
        values["minutes"],
        values["activity_type"],
        blood=values["kind"] == ActivityKind.BLOOD_DONATION.value,
    )


def _event_counts(facts: HoursConfirmedV1 | CountedActivity) -> totals.Counted:
    activity_type = facts.activity_type.value if facts.activity_type is not None else None
    return totals.Counted(facts.activity_date, facts.minutes, activity_type)


async def _lock_days(session: AsyncSession, volunteer_id: UUID, days: list[date]) -> None:
    """Hold the volunteer's days until this transaction ends: the day's rules (no overlap, the daily limit) span
    rows, so they are checked under this lock, never by reading alone. Several days (a correction that moves a
    record) are locked in date order, as every transaction takes them, so that two never wait for each other.
    On SQLite the write transaction (`BEGIN IMMEDIATE`) already runs alone."""
    await _lock_many_days(session, {volunteer_id: sorted(set(days))})


async def _lock_many_days(session: AsyncSession, days: dict[UUID, list[date]]) -> None:
    """`_lock_days` for many volunteers' days at once (a file's rows), in two statements whatever their number:
    the missing days made, then every day locked in (volunteer, date) order, the order every transaction takes
    them in (PostgreSQL locks the rows of `SELECT … ORDER BY … FOR UPDATE` in that order)."""
    pairs = sorted({(volunteer_id, day) for volunteer_id, listed in days.items() for day in listed})
    if not pairs:
        return
    await insert_many(
        session,
        volunteer_days,
        [{"volunteer_id": volunteer_id, "activity_date": day} for volunteer_id, day in pairs],
        ignore_conflicts=True,
    )
    if on_postgresql(session):
        await session.execute(_LOCK_DAYS, _pair_arrays(pairs))
        return
    await session.execute(
        select(volunteer_days.c.volunteer_id)
        .where(tuple_(volunteer_days.c.volunteer_id, volunteer_days.c.activity_date).in_(pairs))
        .order_by(volunteer_days.c.volunteer_id, volunteer_days.c.activity_date)
        .with_for_update()
    )


_LOCK_DAYS = text(
    "SELECT d.volunteer_id FROM unnest(CAST(:volunteers AS uuid[]), CAST(:dates AS date[])) AS t(volunteer_id, day)"
    " CROSS JOIN LATERAL (SELECT volunteer_id FROM volunteer_days"
    " WHERE volunteer_id = t.volunteer_id AND activity_date = t.day OFFSET 0 FOR UPDATE) AS d"
)
"""`_lock_many_days` on PostgreSQL: the days as two arrays in (volunteer, date) order, one statement (and one
prepared plan) whatever their number, where a list of pairs is a statement of its own for every count of them.
Each day is looked up by its key and locked in the order given (`OFFSET 0` keeps the planner from joining the
table whole: a fresh table has no statistics, and a join planned without them reads every row)."""


def _pair_arrays(pairs: list[tuple[UUID, date]]) -> dict[str, list[Any]]:
    return {"volunteers": [volunteer_id for volunteer_id, _ in pairs], "dates": [day for _, day in pairs]}


async def _day(session: AsyncSession, volunteer_id: UUID, activity_date: date) -> list[Row[Any]]:
    """The records that stand on a volunteer's day (recorded or confirmed), in time order."""
    return list(
        (
            await session.execute(
                select(activities)
                .where(
                    activities.c.volunteer_id == volunteer_id,
                    activities.c.activity_date == activity_date,
                    activities.c.status.in_(domain.LIVE_STATUSES),
                    # A blood donation counts its 4 hours apart: it takes no time of the day's activities.
                    activities.c.kind == ActivityKind.ACTIVITY.value,
                )
                .order_by(activities.c.start_time)
            )
        ).all()
    )


class _NothingWritten(Exception):
    """Ends a transaction that must write nothing (a check, or a file refused whole): it rolls back."""


def _days_of(pairs: list[tuple[UUID, date]]) -> dict[UUID, list[date]]:
    """The days each volunteer's rows touch, volunteers in id order: every transaction locks them in that order."""
    days: dict[UUID, set[date]] = {}
    for volunteer_id, day in pairs:
        days.setdefault(volunteer_id, set()).add(day)
    return {volunteer_id: sorted(days[volunteer_id]) for volunteer_id in sorted(days)}


async def _standing(session: AsyncSession, days: dict[UUID, list[date]]) -> dict[tuple[UUID, date], list[domain.Slot]]:
    """The records standing on each of those days (`_day` for many days at once)."""
    if not days:
        return {}
    pairs = sorted({(volunteer_id, day) for volunteer_id, listed in days.items() for day in listed})
    if on_postgresql(session):
        rows = (await session.execute(_STANDING, _pair_arrays(pairs))).all()
    else:
        rows = (
            await session.execute(
                select(*_SLOT_COLUMNS).where(
                    tuple_(activities.c.volunteer_id, activities.c.activity_date).in_(pairs),
                    activities.c.status.in_(domain.LIVE_STATUSES),
                    activities.c.kind == ActivityKind.ACTIVITY.value,
                )
            )
        ).all()
    found: dict[tuple[UUID, date], list[domain.Slot]] = {}
    for row in rows:
        if row.activity_date in days.get(row.volunteer_id, ()):
            found.setdefault((row.volunteer_id, row.activity_date), []).append(_slot(row))
    return found


_SLOT_COLUMNS = (
    activities.c.id,
    activities.c.centre_id,
    activities.c.volunteer_id,
    activities.c.activity_date,
    activities.c.start_time,
    activities.c.end_time,
    activities.c.minutes,
    activities.c.description,
)
"""What the day's rules read of a record standing on it."""

_STANDING = text(
    "SELECT a.* FROM unnest(CAST(:volunteers AS uuid[]), CAST(:dates AS date[])) AS t(volunteer_id, day)"
    " CROSS JOIN LATERAL (SELECT id, centre_id, volunteer_id, activity_date, start_time, end_time, minutes,"
    " description FROM activities WHERE volunteer_id = t.volunteer_id AND activity_date = t.day"
    f" AND status IN ({', '.join(repr(status) for status in domain.LIVE_STATUSES)})"
    f" AND kind = '{ActivityKind.ACTIVITY.value}' OFFSET 0) AS a"
).columns(*_SLOT_COLUMNS)
"""`_standing` on PostgreSQL, its days as two arrays, each looked up by its key (see `_LOCK_DAYS`)."""


def _new_record(
    facts: ActivityDetails, centre_id: UUID, region: str, minutes: int, by: UUID | None, at: datetime
) -> dict[str, Any]:
    """A new record's row: recorded, by the account `by`, at `at`."""
    return {
        # Owned where the centre is: the region its id names, where confirmations will be sent.
        "id": new_id(region_of(centre_id) or NATIONAL),
        "kind": ActivityKind.ACTIVITY.value,
        "centre_id": centre_id,
        "volunteer_id": facts.volunteer_id,
        "region": region,
        **_facts_of(facts, minutes),
        "recruitment_id": facts.recruitment_id,
        "donation_number": None,
        "donation_type": None,
        "exception_reason": facts.exception_reason,
        "status": ActivityStatus.RECORDED.value,
        "status_reason": None,
        "revision": 1,
        "recorded_at": at,
        "confirmed_at": None,
        "changed_at": None,
        "recorded_by": by,
        "confirmed_by": None,
    }


def _recorded_event(values: dict[str, Any]) -> HoursRecordedV1:
    return HoursRecordedV1(
        activity_id=values["id"],
        volunteer_id=values["volunteer_id"],
        centre_id=values["centre_id"],
        activity_date=values["activity_date"],
        start_time=values["start_time"],
        end_time=values["end_time"],
        minutes=values["minutes"],
        description=values["description"],
        exception_reason=values["exception_reason"],
        recorded_at=values["recorded_at"],
        activity_type=values["activity_type"],
        sub_field=values["sub_field"],
        place=values["place"],
        recruitment_id=values["recruitment_id"],
    )


def _slot(row: Row[Any]) -> domain.Slot:
    return domain.Slot(row.id, row.centre_id, row.start_time, row.end_time, row.minutes, row.description)


def _facts_of(facts: ActivityFacts, minutes: int) -> dict[str, Any]:
    """The columns a record's facts are kept in."""
    return {
        "activity_date": facts.activity_date,
        "start_time": facts.start_time,
        "end_time": facts.end_time,
        "minutes": minutes,
        "activity_type": facts.activity_type.value,
        "sub_field": facts.sub_field,
        "place": facts.place,
        "description": facts.description,
    }


def _check_editable(row: Row[Any]) -> None:
    if row.kind == ActivityKind.BLOOD_DONATION.value:
        raise domain.BloodDonationNotEditable(activity_id=row.id)
    if row.status != ActivityStatus.CONFIRMED.value:
        raise domain.ActivityNotConfirmed(**domain.status_params(row.status))


# Built once: a statement made anew for each request costs as much of the CPU again as running it.
_CONFIRMING = (
    select(activities, known_centres.c.name.label("centre_name"))
    .outerjoin(known_centres, known_centres.c.id == activities.c.centre_id)
    .where(activities.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(activities.c.id)  # every batch locks its records in one order: two never wait for each other
    .with_for_update(of=activities)
)
_CONFIRM = (
    update(activities)
    .where(activities.c.id == bindparam("activity_id"), activities.c.status == ActivityStatus.RECORDED.value)
    .values(
        revision=activities.c.revision + 1,
        status=bindparam("new_status"),
        confirmed_at=bindparam("at"),
        confirmed_by=bindparam("by"),
    )
)
_NEW_REVISION = insert(activity_revisions)


async def _transition(
    session: AsyncSession, activity_id: UUID, expected: ActivityStatus, **values: Any
) -> Row[Any] | None:
    """The record changed only if it is still `expected` (a conditional write: of concurrent requests, one gets
    the row back and stages the event), one revision further; None when it was not `expected` any more."""
    return (
        await session.execute(
            update(activities)
            .where(activities.c.id == activity_id, activities.c.status == expected.value)
            .values(revision=activities.c.revision + 1, **values)
            .returning(*activities.c)
        )
    ).one_or_none()


async def _add_revision(
    session: AsyncSession,
    record: dict[str, Any],
    change: Change,
    *,
    at: datetime,
    by: UUID | None,
    reason: str | None = None,
) -> None:
    """The step a record just took, with what it says after it, into its history."""
    await session.execute(_NEW_REVISION, _revision_row(record, change, at=at, by=by, reason=reason))


def _revision_row(
    record: dict[str, Any], change: Change, *, at: datetime, by: UUID | None, reason: str | None = None
) -> dict[str, Any]:
    counted = record["minutes"] if record["status"] == ActivityStatus.CONFIRMED.value else 0
    return {
        "activity_id": record["id"],
        "revision": record["revision"],
        "change": change.value,
        "at": at,
        "by": by,
        "reason": reason,
        "counted_minutes": counted,
        **{name: record[name] for name in _FACT_COLUMNS},
    }


_FACT_COLUMNS = (
    "activity_date",
    "start_time",
    "end_time",
    "minutes",
    "activity_type",
    "sub_field",
    "place",
    "description",
)


def _counted(row: Row[Any]) -> CountedActivity:
    return CountedActivity.model_validate({name: getattr(row, name) for name in _FACT_COLUMNS})


def _confirmed_event(values: dict[str, Any], confirmed_at: datetime) -> HoursConfirmedV1:
    return HoursConfirmedV1(
        activity_id=values["id"],
        volunteer_id=values["volunteer_id"],
        centre_id=values["centre_id"],
        centre_name=values["centre_name"] or "",
        activity_date=values["activity_date"],
        start_time=values["start_time"],
        end_time=values["end_time"],
        minutes=values["minutes"],
        description=values["description"],
        confirmed_at=confirmed_at,
        activity_type=values["activity_type"],
        sub_field=values["sub_field"],
        place=values["place"],
        recruitment_id=values["recruitment_id"],
    )


async def _settled(
    session: AsyncSession, activity_id: UUID, target: ActivityStatus, refusal: type[DomainError]
) -> ActivityView:
    """A record a transition did not change: one already `target` (the same request again) is answered as it is,
    any other state refused with `refusal`, which names it."""
    current = await _activity_row(session, activity_id)
    if current.status != target.value:
        raise refusal(**domain.status_params(current.status))
    return _activity_view(current)


async def _activity_row(session: AsyncSession, activity_id: UUID, *, lock: bool = False) -> Row[Any]:
    query = select(activities).where(activities.c.id == activity_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise domain.ActivityNotFound(activity_id=activity_id)
    return row


def _activity_view(row: Row[Any], **changes: Any) -> ActivityView:
    return _activity_view_of({**row._asdict(), **changes})


def _activity_view_of(values: dict[str, Any]) -> ActivityView:
    return ActivityView.model_validate(values)
