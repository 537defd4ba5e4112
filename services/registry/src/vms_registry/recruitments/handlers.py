"""Recruitments, applications, placement and orientation: one function per request, as the registry's other
handlers. A state change is a conditional write whose event is staged, in the same transaction, only when a row
came back; the places of a recruitment are taken and given back by one conditional write on its `taken` counter."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor, Role
from vms_contracts.envelope import Envelope
from vms_contracts.events.registry import (
    ApplicationAcceptedV1,
    ApplicationCancelledV1,
    ApplicationFacts,
    ApplicationPlacedV1,
    ApplicationRejectedV1,
    ApplicationSubmittedV1,
    OrientationCompletedV1,
    RecruitmentClosedV1,
    RecruitmentPostedV1,
    RecruitmentUpdatedV1,
    VolunteerWithdrawnV1,
)
from vms_contracts.ids import new_id
from vms_contracts.permissions import Access
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    ApplicationList,
    ApplicationRef,
    ApplicationStatus,
    ApplicationView,
    Apply,
    CentreStatus,
    Eligibility,
    ListApplications,
    OrientationView,
    PostRecruitment,
    RecordOrientation,
    RecruitmentDetails,
    RecruitmentList,
    RecruitmentRef,
    RecruitmentSort,
    RecruitmentStatus,
    RecruitmentView,
    RejectApplication,
    SearchRecruitments,
    UpdateRecruitment,
)
from vms_platform.actor import OutOfScope, authorize, refused, require_scope
from vms_platform.clock import KST
from vms_platform.db import Database, insert_for, on_postgresql
from vms_platform.jetstream import CONSUMERS
from vms_platform.logging import trace
from vms_platform.outbox import Outbox
from vms_registry.db import centres, volunteers
from vms_registry.domain import CentreNotFound
from vms_registry.recruitments import domain
from vms_registry.recruitments.rows import (
    SEARCHED_BY,
    described,
    eligibility,
    opening,
    recruitment_select,
    recruitment_view,
    with_centre,
)
from vms_registry.recruitments.tables import STANDING_STATUSES, applications, orientations, recruitments
from vms_registry.regions.facts import FactsOf

T = TypeVar("T")
AnyRow = Row[tuple[Any, ...]]

TAKE_PLACES_ATTEMPTS = 3
"""How often an application tries to take its places when the write found none but the refusal finds no reason
(an application let go of its places between the two): the third time, it is refused as full."""


def now_kst() -> datetime:
    return datetime.now(KST)


WITHDRAWN_CONSUMER = CONSUMERS["registry-withdrawn"]


class RecruitmentHandlers:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        *,
        clock: Callable[[], datetime] = now_kst,
        facts_of: FactsOf | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.facts_of = facts_of or FactsOf()
        """A volunteer's facts, from this registry or from the one of the region that keeps them."""

    def today(self) -> date:
        """Today in Korea: deadlines and periods are Korean days."""
        return self.clock().astimezone(KST).date()

    # -- recruitments (봉사자모집) ----------------------------------------------------------------------------------

    async def post_recruitment(self, cmd: PostRecruitment, actor: Actor) -> RecruitmentView:
        """봉사자모집 등록: a manager of the centre posts for an accredited centre, in the centre's region, from today
        on. The centre's row is held (shared) until the recruitment commits, so a suspension committing at the
        same moment waits for it."""
        require_scope(actor, rpc.POST_RECRUITMENT.operation, centre=cmd.centre_id)
        domain.check_dates(start_date=cmd.start_date, apply_until=cmd.apply_until, today=self.today())
        async with self.db.transaction() as session:
            centre = (
                await session.execute(
                    select(centres.c.id, centres.c.name, centres.c.region, centres.c.status)
                    .where(centres.c.id == cmd.centre_id)
                    .with_for_update(read=True)
                )
            ).one_or_none()
            if centre is None:
                raise CentreNotFound(centre_id=cmd.centre_id)
            domain.check_postable(centre.id, centre.status)
            domain.check_district(cmd.district, centre.region)
            recruitment_id, now = new_id(centre.region), datetime.now(UTC)
            await session.execute(
                insert(recruitments).values(
                    id=recruitment_id,
                    centre_id=centre.id,
                    region=centre.region,
                    taken=0,
                    status=RecruitmentStatus.OPEN.value,
                    posted_at=now,
                    posted_by=actor.account_id,
                    updated_at=now,
                    updated_by=actor.account_id,
                    **_details(session, cmd, centre.name),
                )
            )
            row = await _recruitment_row(session, recruitment_id)
            await self.outbox.stage(
                session, RecruitmentPostedV1(**_facts(row), posted_at=row.posted_at), region=row.region
            )
            # The volunteers whose wishes it meets are told of it by the registry's own consumer of this event
            # (`MatchingHandlers.on_recruitments_posted`): matching a million volunteers is not the centre's wait.
            return recruitment_view(row, self.today())

    async def update_recruitment(self, cmd: UpdateRecruitment, actor: Actor) -> RecruitmentView:
        """봉사자모집 수정: the recruitment as it should now be, whole, while it is open; its capacity never below the
        people standing in it. Announced only when something changed. The recruitment's row is locked first, so an
        application taking places waits for the new capacity (or is counted before it)."""
        authorize(rpc.UPDATE_RECRUITMENT.operation, actor)
        async with self.db.transaction() as session:
            current = await _recruitment_row(session, cmd.recruitment_id, lock=True)
            require_scope(actor, rpc.UPDATE_RECRUITMENT.operation, centre=current.centre_id, region=current.region)
            if current.status != RecruitmentStatus.OPEN.value:
                raise domain.RecruitmentClosed(recruitment_id=current.id)
            # A recruitment under way keeps its first day: only a day being changed must be still to come.
            domain.check_dates(
                start_date=cmd.start_date if cmd.start_date != current.start_date else None,
                apply_until=cmd.apply_until if cmd.apply_until != current.apply_until else None,
                today=self.today(),
            )
            domain.check_district(cmd.district, current.region)
            domain.check_capacity(cmd.capacity, current.taken)
            details = _details(session, cmd, current.centre_name)
            # The searched columns follow from the shown ones and the centre's name, which a centre keeps for good.
            shown = {column: value for column, value in details.items() if column not in SEARCHED_BY}
            if all(_same(getattr(current, column), value) for column, value in shown.items()):
                return recruitment_view(current, self.today())
            now = datetime.now(UTC)
            changed = (
                await session.execute(
                    update(recruitments)
                    .where(
                        recruitments.c.id == current.id,
                        recruitments.c.status == RecruitmentStatus.OPEN.value,
                        recruitments.c.taken <= cmd.capacity,
                    )
                    .values(updated_at=now, updated_by=actor.account_id, **details)
                    .returning(recruitments.c.id)
                )
            ).one_or_none()
            if changed is None:  # the lock makes this unreachable; the write still says what it requires
                raise domain.RecruitmentClosed(recruitment_id=current.id)
            row = await _recruitment_row(session, current.id)
            await self.outbox.stage(
                session, RecruitmentUpdatedV1(**_facts(row), updated_at=row.updated_at), region=row.region
            )
            return recruitment_view(row, self.today())

    async def close_recruitment(self, ref: RecruitmentRef, actor: Actor) -> RecruitmentView:
        """봉사자모집 마감: open → closed, once however often it is asked; the applications already made stand."""
        authorize(rpc.CLOSE_RECRUITMENT.operation, actor)
        async with self.db.transaction() as session:
            current = await _recruitment_row(session, ref.recruitment_id)
            require_scope(actor, rpc.CLOSE_RECRUITMENT.operation, centre=current.centre_id, region=current.region)
            now = datetime.now(UTC)
            closed = (
                await session.execute(
                    update(recruitments)
                    .where(recruitments.c.id == current.id, recruitments.c.status == RecruitmentStatus.OPEN.value)
                    .values(status=RecruitmentStatus.CLOSED.value, updated_at=now, updated_by=actor.account_id)
                    .returning(recruitments.c.id)
                )
            ).one_or_none()
            row = await _recruitment_row(session, current.id)
            if closed is not None:
                await self.outbox.stage(
                    session,
                    RecruitmentClosedV1(
                        recruitment_id=row.id, centre_id=row.centre_id, region=row.region, closed_at=now
                    ),
                    region=row.region,
                )
            return recruitment_view(row, self.today())

    async def get_recruitment(self, ref: RecruitmentRef, actor: Actor) -> RecruitmentView:
        """봉사자모집 상세: public, as the portal shows it to anyone."""
        authorize(rpc.GET_RECRUITMENT.operation, actor)
        async with self.db.read() as session:
            return recruitment_view(await _recruitment_row(session, ref.recruitment_id), self.today())

    async def search_recruitments(self, query: SearchRecruitments, actor: Actor) -> RecruitmentList:
        """봉사자모집 검색 (봉사신청 → 봉사자모집 및 신청): by activity field and region (brochure §3 step 2), the
        day, words of the text, who may apply and the centre; by default only those taking applications now."""
        authorize(rpc.SEARCH_RECRUITMENTS.operation, actor)
        today = self.today()
        async with self.db.read() as session:
            postgres = on_postgresql(session)
            given = _search_parameters(query, today, postgres=postgres)
            shape = _SearchShape(frozenset(given), query.eligibility, query.sort, postgres)
            rows = (
                await session.execute(
                    _search_page(shape), {**given, "page_limit": query.limit, "page_offset": query.offset}
                )
            ).all()
            # The page and the total in one read; only a page past the end has no row to carry the total.
            if rows:
                total = rows[0].found
            elif query.offset > 0:
                total = await session.scalar(_search_count(shape), given)
            else:
                total = 0
        return RecruitmentList(items=[recruitment_view(row, today) for row in rows], total=int(total or 0))

    # -- applying (봉사신청) --------------------------------------------------------------------------------------

    async def apply(self, cmd: Apply, actor: Actor) -> ApplicationView:
        """봉사신청: the volunteer themselves, an active member of this registry or of another region's (`FactsOf`),
        who may apply (age on the first day, a group only where groups are taken, a guardian's consent under 14),
        once while an application of theirs stands.

        The places are taken by one conditional write on the recruitment's counter (open, within the deadline,
        the centre not suspended, `taken + party_size <= capacity`) in the transaction that inserts the
        application: however many apply at once, the capacity holds. Two applications of the same volunteer
        racing: the standing index lets one commit; the other reads it and is refused naming it."""
        require_scope(actor, rpc.APPLY.operation, volunteer=cmd.volunteer_id)
        today = self.today()

        async def attempt(session: AsyncSession) -> ApplicationView:
            recruitment = await _recruitment_row(session, cmd.recruitment_id)
            person = await _applicant(session, cmd.volunteer_id, self.facts_of)
            standing = await session.scalar(
                select(applications.c.id).where(
                    applications.c.recruitment_id == recruitment.id,
                    applications.c.volunteer_id == person.id,
                    applications.c.status.in_(STANDING_STATUSES),
                )
            )
            if standing is not None:
                raise domain.AlreadyApplied(application_id=standing, recruitment_id=recruitment.id)
            # Said first when it is already so; the conditional write below is what holds it.
            opening(recruitment).refuse(today, cmd.party_size)
            domain.check_eligible(
                eligibility(recruitment),
                party_size=cmd.party_size,
                birth_date=person.birth_date,
                start_date=recruitment.start_date,
            )
            domain.check_guardian(person.id, person.birth_date, today, consented=person.guardian_consented)
            await self._take_places(session, recruitment.id, cmd.party_size, today)
            application_id, now = new_id(recruitment.region), datetime.now(UTC)
            await session.execute(
                insert(applications).values(
                    id=application_id,
                    recruitment_id=recruitment.id,
                    centre_id=recruitment.centre_id,
                    region=recruitment.region,
                    volunteer_id=person.id,
                    party_size=cmd.party_size,
                    note=cmd.note,
                    status=ApplicationStatus.APPLIED.value,
                    applied_at=now,
                    applied_by=actor.account_id,
                    changed_at=now,
                    changed_by=actor.account_id,
                )
            )
            row = await _application_row(session, application_id)
            await self.outbox.stage(session, _application_event(ApplicationSubmittedV1, row), region=row.region)
            return _application_view(row)

        return await self._once_more_on_conflict(attempt)

    async def _take_places(self, session: AsyncSession, recruitment_id: UUID, people: int, today: date) -> None:
        """`people` places of the recruitment, in one conditional write, or the refusal saying why not."""
        for _ in range(TAKE_PLACES_ATTEMPTS):
            suspended = (
                select(centres.c.id)
                .where(centres.c.id == recruitments.c.centre_id, centres.c.status == CentreStatus.SUSPENDED.value)
                .exists()
            )
            taken = (
                await session.execute(
                    update(recruitments)
                    .where(
                        recruitments.c.id == recruitment_id,
                        recruitments.c.status == RecruitmentStatus.OPEN.value,
                        recruitments.c.end_date >= today,
                        recruitments.c.last_apply_day >= today,
                        recruitments.c.taken + people <= recruitments.c.capacity,
                        ~suspended,
                    )
                    .values(taken=recruitments.c.taken + people)
                    .returning(recruitments.c.taken)
                )
            ).one_or_none()
            if taken is not None:
                return
            opening(await _recruitment_row(session, recruitment_id)).refuse(today, people)
        row = await _recruitment_row(session, recruitment_id)
        raise domain.RecruitmentFull(capacity=row.capacity, left=max(row.capacity - row.taken, 0), party_size=people)

    async def cancel_application(self, ref: ApplicationRef, actor: Actor) -> ApplicationView:
        """봉사신청 취소: the volunteer withdraws a standing application (a placed one too); its places are free
        again at once."""
        operation = rpc.CANCEL_APPLICATION.operation
        authorize(operation, actor)
        return await self._change(
            ref.application_id, domain.CANCEL, ApplicationCancelledV1, actor, operation, by_volunteer=True
        )

    async def accept_application(self, ref: ApplicationRef, actor: Actor) -> ApplicationView:
        """봉사신청 승인: the recruitment's centre accepts an application (신청 → 승인)."""
        operation = rpc.ACCEPT_APPLICATION.operation
        authorize(operation, actor)
        return await self._change(ref.application_id, domain.ACCEPT, ApplicationAcceptedV1, actor, operation)

    async def reject_application(self, cmd: RejectApplication, actor: Actor) -> ApplicationView:
        """봉사신청 반려: the centre turns down an application not yet placed, with its reason for the volunteer;
        its places are free again."""
        operation = rpc.REJECT_APPLICATION.operation
        authorize(operation, actor)
        return await self._change(
            cmd.application_id, domain.REJECT, ApplicationRejectedV1, actor, operation, reason=cmd.reason
        )

    async def _change(
        self,
        application_id: UUID,
        transition: domain.Transition,
        event: type[ApplicationFacts],
        actor: Actor,
        operation: str,
        *,
        by_volunteer: bool = False,
        reason: str | None = None,
    ) -> ApplicationView:
        """One conditional write from `transition.sources`, the places given back in the same transaction when it
        frees them."""
        async with self.db.transaction() as session:
            current = await _application_row(session, application_id)
            if by_volunteer:
                require_scope(actor, operation, volunteer=current.volunteer_id)
            else:
                require_scope(actor, operation, centre=current.centre_id, region=current.region)
            if transition.frees_places:
                await _lock_recruitment(session, current.recruitment_id)
            values: dict[str, Any] = {"status": transition.targets[0].value}
            if transition is domain.REJECT:
                values["reason"] = reason
            changed = await _change_status(session, current.id, transition, actor, values)
            if changed is None:
                return await _settled(session, transition, current.id)
            if transition.frees_places:
                await _give_places_back(session, changed)
            extra: dict[str, Any] = {"reason": reason} if event is ApplicationRejectedV1 else {}
            await self.outbox.stage(session, _application_event(event, changed, **extra), region=changed.region)
            return _application_view(changed)

    async def place_application(self, ref: ApplicationRef, actor: Actor) -> ApplicationView:
        """배치: the centre places an accepted application. Where the recruitment requires orientation (소양교육) and
        the volunteer has not completed it at this centre, the application waits for it (`awaiting_orientation`)
        and is announced as placed when it is recorded; a volunteer under 14 is placed only with a guardian's
        consent. The volunteer's orientation at the centre is held while deciding, so an orientation recorded at
        the same moment either is seen here or sees this application waiting."""
        authorize(rpc.PLACE_APPLICATION.operation, actor)
        async with self.db.transaction() as session:
            current = await _application_row(session, ref.application_id)
            require_scope(actor, rpc.PLACE_APPLICATION.operation, centre=current.centre_id, region=current.region)
            if current.status != ApplicationStatus.ACCEPTED.value:
                return await _settled(session, domain.PLACE, current.id)
            person = await _applicant(session, current.volunteer_id, self.facts_of)
            domain.check_guardian(person.id, person.birth_date, self.today(), consented=person.guardian_consented)
            required = bool(
                await session.scalar(
                    select(recruitments.c.orientation_required).where(recruitments.c.id == current.recruitment_id)
                )
            )
            oriented = False
            if required:
                await _hold_orientation(session, current.centre_id, current.volunteer_id)
                oriented = await _oriented(session, current.centre_id, current.volunteer_id)
            target = domain.placement_of(required, oriented=oriented)
            changed = await _change_status(session, current.id, domain.PLACE, actor, {"status": target.value})
            if changed is None:
                return await _settled(session, domain.PLACE, current.id)
            if target is ApplicationStatus.PLACED:
                await self.outbox.stage(
                    session, _application_event(ApplicationPlacedV1, changed), region=changed.region
                )
            return _application_view(changed)

    async def list_applications(self, query: ListApplications, actor: Actor) -> ApplicationList:
        """봉사신청 목록: a recruitment's applicants (its centre, its region's council, the central council, the
        services), or a volunteer's applications (the volunteer; a centre sees those to its own centres, a council
        those in its region), newest first."""
        access = authorize(rpc.LIST_APPLICATIONS.operation, actor)
        operation = rpc.LIST_APPLICATIONS.operation
        matching: list[ColumnElement[bool]] = []
        async with self.db.transaction() as session:
            if query.recruitment_id is not None:
                recruitment = await _recruitment_row(session, query.recruitment_id)
                require_scope(actor, operation, centre=recruitment.centre_id, region=recruitment.region)
                matching.append(applications.c.recruitment_id == recruitment.id)
            else:
                assert query.volunteer_id is not None
                matching.append(applications.c.volunteer_id == query.volunteer_id)
                if access is Access.OWN:
                    matching.extend(_cut_to_scope(actor, operation, query.volunteer_id))
            if query.status is not None:
                matching.append(applications.c.status == query.status.value)
            total = await session.scalar(select(func.count()).select_from(applications).where(*matching))
            rows = (
                await session.execute(
                    _application_select()
                    .where(*matching)
                    .order_by(applications.c.applied_at.desc(), applications.c.id.desc())
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
        return ApplicationList(items=[_application_view(row) for row in rows], total=int(total or 0))

    # -- orientation (소양교육) -------------------------------------------------------------------------------------

    # -- events ------------------------------------------------------------------------------------------------

    async def on_volunteers_withdrawn(
        self, session: AsyncSession, events: list[Envelope[VolunteerWithdrawnV1]]
    ) -> None:
        """A volunteer another deployment keeps withdrew (회원탈퇴): the applications they made to recruitments here
        are cancelled and their places given back, as their own registry did with those it holds. A volunteer kept
        here had theirs released in the withdrawal's own transaction."""
        for envelope in events:
            gone = envelope.data.volunteer_id
            if await session.scalar(select(volunteers.c.id).where(volunteers.c.id == gone)) is not None:
                continue
            with trace(event_id=str(envelope.id), correlation_id=envelope.correlationid or str(envelope.id)):
                await release_applications_of(session, self.outbox, gone, Actor.service("registry"))

    async def record_orientation(self, cmd: RecordOrientation, actor: Actor) -> OrientationView:
        """소양교육 이수 등록: the centre records that a volunteer completed its orientation, announced the first time;
        every application of the volunteer at the centre's recruitments that waited for it is placed in the same
        transaction, each announced."""
        require_scope(actor, rpc.RECORD_ORIENTATION.operation, centre=cmd.centre_id)
        domain.check_completed_on(cmd.completed_on, self.today())
        async with self.db.transaction() as session:
            centre = (
                await session.execute(select(centres.c.id, centres.c.region).where(centres.c.id == cmd.centre_id))
            ).one_or_none()
            if centre is None:
                raise CentreNotFound(centre_id=cmd.centre_id)
            await self.facts_of(cmd.volunteer_id, session=session)  # known here or in their own region
            await _hold_orientation(session, centre.id, cmd.volunteer_id)
            now = datetime.now(UTC)
            first = (
                await session.execute(
                    insert_for(session, orientations)
                    .values(
                        centre_id=centre.id,
                        volunteer_id=cmd.volunteer_id,
                        completed_on=cmd.completed_on,
                        recorded_at=now,
                        recorded_by=actor.account_id,
                    )
                    .on_conflict_do_nothing()
                    .returning(orientations.c.recorded_at)
                )
            ).one_or_none()
            if first is None:
                await session.execute(
                    update(orientations)
                    .where(orientations.c.centre_id == centre.id, orientations.c.volunteer_id == cmd.volunteer_id)
                    .values(completed_on=cmd.completed_on, recorded_by=actor.account_id)
                )
            else:
                await self.outbox.stage(
                    session,
                    OrientationCompletedV1(
                        centre_id=centre.id,
                        volunteer_id=cmd.volunteer_id,
                        region=centre.region,
                        completed_on=cmd.completed_on,
                    ),
                    region=centre.region,
                )
            recorded = (
                await session.execute(
                    select(orientations).where(
                        orientations.c.centre_id == centre.id, orientations.c.volunteer_id == cmd.volunteer_id
                    )
                )
            ).one()
            placed = (
                await session.scalars(
                    update(applications)
                    .where(
                        applications.c.centre_id == centre.id,
                        applications.c.volunteer_id == cmd.volunteer_id,
                        applications.c.status == ApplicationStatus.AWAITING_ORIENTATION.value,
                    )
                    .values(status=ApplicationStatus.PLACED.value, changed_at=now, changed_by=actor.account_id)
                    .returning(applications.c.id)
                )
            ).all()
            placed = sorted(placed)
            for application_id in placed:
                row = await _application_row(session, application_id)
                await self.outbox.stage(session, _application_event(ApplicationPlacedV1, row), region=row.region)
            return OrientationView(
                centre_id=centre.id,
                volunteer_id=cmd.volunteer_id,
                completed_on=recorded.completed_on,
                recorded_at=recorded.recorded_at,
                placed=list(placed),
            )

    async def _once_more_on_conflict(self, attempt: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """An application that lost the race on the standing index: the second attempt finds the winner's
        application and refuses naming it."""
        try:
            async with self.db.transaction() as session:
                return await attempt(session)
        except IntegrityError:
            async with self.db.transaction() as session:
                return await attempt(session)


async def release_applications_of(
    session: AsyncSession, outbox: Outbox, volunteer_id: UUID, actor: Actor
) -> list[UUID]:
    """회원탈퇴: every standing application of the volunteer is cancelled in the withdrawal's own transaction, its
    places given back and its cancellation announced, as if the volunteer had cancelled each. Returns their ids.
    Each recruitment's row is locked before its application changes, in the order an application takes it."""
    standing = (
        await session.execute(
            select(applications.c.id, applications.c.recruitment_id)
            .where(applications.c.volunteer_id == volunteer_id, applications.c.status.in_(STANDING_STATUSES))
            .order_by(applications.c.recruitment_id)
        )
    ).all()
    released: list[UUID] = []
    for application_id, recruitment_id in standing:
        await _lock_recruitment(session, recruitment_id)
        changed = await _change_status(
            session, application_id, domain.CANCEL, actor, {"status": ApplicationStatus.CANCELLED.value}
        )
        if changed is None:
            continue
        await _give_places_back(session, changed)
        await outbox.stage(session, _application_event(ApplicationCancelledV1, changed), region=changed.region)
        released.append(application_id)
    return released


# -- recruitments --------------------------------------------------------------------------------------------------


def _details(session: AsyncSession, details: RecruitmentDetails, centre_name: str) -> dict[str, Any]:
    """The columns of what a centre posts, with the text it is searched by."""
    searched = domain.search_text([details.title, details.place, details.description, centre_name])
    return {
        "district": details.district,
        "title": details.title,
        "description": details.description,
        "activity_type": details.activity_type.value,
        "sub_field": details.sub_field,
        "place": details.place,
        "start_date": details.start_date,
        "end_date": details.end_date,
        "weekdays": ",".join(day.value for day in details.weekdays),
        "start_time": details.start_time,
        "end_time": details.end_time,
        "capacity": details.capacity,
        **domain.eligibility_flags(details.eligibility),
        "orientation_required": details.orientation_required,
        "apply_until": details.apply_until,
        "last_apply_day": domain.last_apply_day(details.apply_until, details.end_date),
        "search_text": searched,
        "search_bigrams": domain.bigrams(searched) if on_postgresql(session) else None,
    }


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, list) or isinstance(wanted, list):
        return sorted(stored or []) == sorted(wanted or [])
    return bool(stored == wanted)


async def _recruitment_row(session: AsyncSession, recruitment_id: UUID, *, lock: bool = False) -> AnyRow:
    query = recruitment_select().where(recruitments.c.id == recruitment_id)
    if lock:
        query = query.with_for_update(of=recruitments)
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    if row is None:
        raise domain.RecruitmentNotFound(recruitment_id=recruitment_id)
    return row


def _facts(row: AnyRow) -> dict[str, Any]:
    """What `RecruitmentPostedV1` and `RecruitmentUpdatedV1` carry: the recruitment as the public sees it."""
    return {
        "recruitment_id": row.id,
        **described(row),
        "eligibility": [e.value for e in eligibility(row)],
    }


ELIGIBILITY_COLUMNS = {"adult": "for_adults", "youth": "for_youth", "group": "for_groups"}


EQUAL_FILTERS = ("activity_type", "sub_field", "region", "district", "centre_id")
"""The search's filters that a recruitment's column of the same name must equal."""


@dataclass(frozen=True)
class _SearchShape:
    """What the statement of a search depends on, apart from the values it binds: the filters and words given, who
    may apply, the order and the database. Searches of one shape share one statement, built and compiled once."""

    given: frozenset[str]
    eligibility: Eligibility | None
    sort: RecruitmentSort
    postgres: bool


def _search_parameters(query: SearchRecruitments, today: date, *, postgres: bool) -> dict[str, Any]:
    """The values a search binds, by name: the filters given, `today` for those taking applications now, each word
    of the keyword (`word_0`, …) and, on PostgreSQL, their bigrams (`bigrams`)."""
    given: dict[str, Any] = {}
    for name in EQUAL_FILTERS:
        value = getattr(query, name)
        if value is not None:
            given[name] = value.value if isinstance(value, ActivityType) else value
    if query.on_date is not None:
        given["on_date"] = query.on_date
    if query.open_only:
        given["today"] = today
    words = domain.search_words(query.keyword) if query.keyword is not None else []
    for number, word in enumerate(words):
        given[f"word_{number}"] = word
    pairs = sorted({pair for word in words for pair in domain.bigrams(word)})
    if postgres and pairs:
        given["bigrams"] = pairs
    return given


def _search_conditions(shape: _SearchShape) -> list[ColumnElement[bool]]:
    r = recruitments.c
    given = shape.given
    matching: list[ColumnElement[bool]] = [r[name] == bindparam(name) for name in EQUAL_FILTERS if name in given]
    if "on_date" in given:
        on_date = bindparam("on_date", type_=Date())
        matching.extend([r.start_date <= on_date, r.end_date >= on_date])
    if shape.eligibility is not None:
        matching.append(recruitments.c[ELIGIBILITY_COLUMNS[shape.eligibility.value]].is_(True))
    if "today" in given:
        today = bindparam("today", type_=Date())
        matching.extend(
            [
                r.status == RecruitmentStatus.OPEN.value,
                r.end_date >= today,
                r.last_apply_day >= today,
                r.taken < r.capacity,
                centres.c.status != CentreStatus.SUSPENDED.value,
            ]
        )
    matching.extend(_keyword_conditions(shape))
    return matching


def _keyword_conditions(shape: _SearchShape) -> list[ColumnElement[bool]]:
    """Every word of the keyword in the recruitment's search text. On PostgreSQL the GIN index of bigrams finds
    the recruitments holding all the words' bigrams, and the text itself confirms each word whole; a word of one
    character has no bigram and is found by the text alone. SQLite, the small embedded run, reads the text."""
    words = sorted(name for name in shape.given if name.startswith("word_"))
    text_of = recruitments.c.search_text
    if not shape.postgres:
        return [func.instr(text_of, bindparam(word, type_=Text())) > 0 for word in words]
    conditions: list[ColumnElement[bool]] = [func.strpos(text_of, bindparam(word, type_=Text())) > 0 for word in words]
    if "bigrams" in shape.given:
        contains = recruitments.c.search_bigrams.op("@>", return_type=Boolean)
        conditions.insert(0, contains(bindparam("bigrams", type_=postgresql.ARRAY(Text()))))
    return conditions


@functools.lru_cache(maxsize=1024)
def _search_page(shape: _SearchShape) -> Select[tuple[Any, ...]]:
    """A page of a search and the number found in all (`found`), bound with the search's values and `page_limit`,
    `page_offset`.

    Counting all that match means reading them all, so they are found first, by the index that fits the filters
    best, and only then ordered and cut to the page. The found rows are a subquery with an `OFFSET 0`, which
    PostgreSQL plans on its own: left to plan the whole at once, it would read the recruitments newest first by
    the index on `posted_at` to stop after a page — which it cannot, the count needing every row — and read the
    whole table."""
    matching = (
        recruitment_select()
        .add_columns(func.count().over().label("found"))
        .where(*_search_conditions(shape))
        .offset(0)
        .subquery("matching")
    )
    return (
        select(matching)
        .order_by(*_search_order(shape.sort, matching.c))
        .limit(bindparam("page_limit", type_=Integer()))
        .offset(bindparam("page_offset", type_=Integer()))
    )


@functools.lru_cache(maxsize=1024)
def _search_count(shape: _SearchShape) -> Select[Any]:
    return select(func.count()).select_from(with_centre()).where(*_search_conditions(shape))


def _search_order(sort: RecruitmentSort, columns: Any) -> list[Any]:
    if sort is RecruitmentSort.STARTING:
        return [columns.start_date.asc(), columns.id.asc()]
    if sort is RecruitmentSort.CLOSING:
        return [columns.last_apply_day.asc(), columns.id.asc()]
    return [columns.posted_at.desc(), columns.id.desc()]


# -- applications --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Applicant:
    id: UUID
    birth_date: date
    guardian_consented: bool


async def _applicant(session: AsyncSession, volunteer_id: UUID, facts_of: FactsOf) -> _Applicant:
    """The volunteer as far as applying and placing need them: known here or to the registry of their region, and
    not withdrawn. Kept here, their row is held (shared) until the transaction commits, so a withdrawal cannot slip
    in between the check and the change."""
    facts = await facts_of(volunteer_id, session=session)
    return _Applicant(facts.volunteer_id, facts.birth_date, facts.guardian_consented)


async def _lock_recruitment(session: AsyncSession, recruitment_id: UUID) -> None:
    """Before an application that holds places changes: the recruitment's row, as an application taking places
    locks it first, so the two wait for each other instead of deadlocking."""
    await session.execute(select(recruitments.c.id).where(recruitments.c.id == recruitment_id).with_for_update())


async def _give_places_back(session: AsyncSession, application: AnyRow) -> None:
    await session.execute(
        update(recruitments)
        .where(recruitments.c.id == application.recruitment_id)
        .values(taken=recruitments.c.taken - application.party_size)
    )


def _application_select() -> Select[tuple[Any, ...]]:
    return select(*applications.c, recruitments.c.title.label("recruitment_title")).select_from(
        applications.join(recruitments, recruitments.c.id == applications.c.recruitment_id)
    )


async def _application_row(session: AsyncSession, application_id: UUID) -> AnyRow:
    query = _application_select().where(applications.c.id == application_id)
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    if row is None:
        raise domain.ApplicationNotFound(application_id=application_id)
    return row


async def _change_status(
    session: AsyncSession, application_id: UUID, transition: domain.Transition, actor: Actor, values: dict[str, Any]
) -> AnyRow | None:
    """The conditional write: the application moves only from one of `transition.sources`; the row that comes
    back, if any, is the change to announce."""
    changed = (
        await session.execute(
            update(applications)
            .where(applications.c.id == application_id, applications.c.status.in_(transition.source_values))
            .values(changed_at=datetime.now(UTC), changed_by=actor.account_id, **values)
            .returning(applications.c.id)
        )
    ).one_or_none()
    return None if changed is None else await _application_row(session, application_id)


async def _settled(session: AsyncSession, transition: domain.Transition, application_id: UUID) -> ApplicationView:
    """Nothing changed: the application as it stands when the same request was already done; else the refusal."""
    row = await _application_row(session, application_id)
    domain.settle(transition, row.id, ApplicationStatus(row.status))
    return _application_view(row)


def _cut_to_scope(actor: Actor, operation: str, volunteer_id: UUID) -> list[ColumnElement[bool]]:
    """A volunteer's applications as far as `actor` may see them: all of their own; those to a centre manager's
    centres; those in a council's region."""
    if actor.role is Role.VOLUNTEER:
        if actor.volunteer_id != volunteer_id:
            raise OutOfScope(**refused(operation, actor.role))
        return []
    if actor.role is Role.CENTRE_MANAGER:
        return [applications.c.centre_id.in_(sorted(actor.centres))]
    if actor.role is Role.COUNCIL_ADMIN and actor.region is not None:
        return [applications.c.region == actor.region]
    raise OutOfScope(**refused(operation, actor.role))


def _application_event(event: type[ApplicationFacts], row: AnyRow, **extra: Any) -> ApplicationFacts:
    return event(
        application_id=row.id,
        recruitment_id=row.recruitment_id,
        centre_id=row.centre_id,
        volunteer_id=row.volunteer_id,
        region=row.region,
        party_size=row.party_size,
        at=row.changed_at,
        **extra,
    )


def _application_view(row: AnyRow) -> ApplicationView:
    return ApplicationView(
        id=row.id,
        recruitment_id=row.recruitment_id,
        recruitment_title=row.recruitment_title,
        centre_id=row.centre_id,
        volunteer_id=row.volunteer_id,
        party_size=row.party_size,
        note=row.note,
        status=ApplicationStatus(row.status),
        reason=row.reason,
        applied_at=row.applied_at,
        changed_at=row.changed_at,
    )


# -- orientation ---------------------------------------------------------------------------------------------------


async def _hold_orientation(session: AsyncSession, centre_id: UUID, volunteer_id: UUID) -> None:
    """Placing a volunteer at a centre and recording their orientation there take turns (a transaction-long
    advisory lock on PostgreSQL; SQLite runs one writer at a time): a placement deciding that the volunteer must
    wait for orientation never misses an orientation being recorded at that moment, nor the reverse."""
    if not on_postgresql(session):
        return
    digest = hashlib.blake2b(centre_id.bytes + volunteer_id.bytes, digest_size=8).digest()
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, signed=True)})


async def _oriented(session: AsyncSession, centre_id: UUID, volunteer_id: UUID) -> bool:
    found = await session.scalar(
        select(orientations.c.completed_on).where(
            orientations.c.centre_id == centre_id, orientations.c.volunteer_id == volunteer_id
        )
    )
    return found is not None
