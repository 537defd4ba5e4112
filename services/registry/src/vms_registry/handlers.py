"""One function per request: validate (done by the models), decide (domain), persist and stage events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Row, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.events.registry import (
    CentreAccreditedV1,
    CentreRegisteredV1,
    CentreSuspendedV1,
    ConsentChangedV1,
    ConsentKind,
    GuardianConsentedV1,
    TeamLeaving,
    VolunteerRegisteredV2,
    VolunteerUpdatedV1,
    VolunteerWithdrawnV1,
)
from vms_contracts.ids import new_id
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    AccessRecordList,
    AccessRecordsRequest,
    AccessRecordView,
    CentreKind,
    CentreList,
    CentreRef,
    CentreStatus,
    CentreStatusChange,
    CentreView,
    ConsentsView,
    ConsentView,
    GuardianView,
    ListCentres,
    RecordGuardianConsent,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    UpdateVolunteer,
    VolunteerRef,
    VolunteerView,
    WithdrawnView,
    WithdrawVolunteer,
)
from vms_platform.actor import OutOfScope, refused, require_scope
from vms_platform.clock import today_kst
from vms_platform.db import Database, insert_for
from vms_platform.logging import current_trace
from vms_platform.outbox import Outbox
from vms_registry import domain
from vms_registry.db import (
    PROFILE_LISTS,
    centres,
    consents,
    guardian_consents,
    personal_data_reads,
    volunteer_availability,
    volunteer_desired_activities,
    volunteer_desired_regions,
    volunteer_talents,
    volunteers,
)
from vms_registry.recruitments.handlers import release_applications_of
from vms_registry.regions.domain import VolunteerMoving
from vms_registry.regions.facts import volunteer_kept_here
from vms_registry.teams.handlers import leave_teams

T = TypeVar("T")

ACTIVE = domain.VolunteerStatus.ACTIVE.value
WITHDRAWAL_CHANNEL = "withdrawal"
"""The channel of the consent changes a withdrawal (회원탈퇴) makes."""


class RegistryHandlers:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    # -- centres -----------------------------------------------------------------------------------------------

    async def register_centre(self, cmd: RegisterCentre, actor: Actor) -> CentreView:
        """A council registers the centres of its own region; the central council, any region's. A centre starts
        `registered`: it posts no recruitments until its council accredits it."""
        require_scope(actor, rpc.REGISTER_CENTRE.operation, region=cmd.region)
        wanted = domain.CentreFacts(cmd.name, cmd.region, cmd.phone, cmd.district, cmd.kind, cmd.address)

        async def attempt(session: AsyncSession) -> CentreView:
            row = (
                await session.execute(select(centres).where(centres.c.region == cmd.region, centres.c.name == cmd.name))
            ).one_or_none()
            existing = (
                domain.CentreFacts(row.name, row.region, row.phone, row.district, CentreKind(row.kind), row.address)
                if row
                else None
            )
            if domain.decide_centre(wanted, existing) is domain.Registration.ALREADY_DONE:
                assert row is not None
                return _centre_view(row)
            centre_id, now = new_id(cmd.region), datetime.now(UTC)
            inserted = (
                await session.execute(
                    insert(centres)
                    .values(
                        id=centre_id,
                        name=cmd.name,
                        region=cmd.region,
                        phone=cmd.phone,
                        district=cmd.district,
                        kind=cmd.kind.value,
                        address=cmd.address,
                        status=CentreStatus.REGISTERED.value,
                        registered_at=now,
                        registered_by=actor.account_id,
                    )
                    .returning(*centres.c)
                )
            ).one()
            await self.outbox.stage(
                session,
                CentreRegisteredV1(
                    centre_id=centre_id, name=cmd.name, region=cmd.region, phone=cmd.phone, registered_at=now
                ),
                region=cmd.region,
            )
            return _centre_view(inserted)

        return await self._once_more_on_conflict(attempt)

    async def get_centre(self, ref: CentreRef, actor: Actor) -> CentreView:
        async with self.db.transaction() as session:
            row = (await session.execute(select(centres).where(centres.c.id == ref.centre_id))).one_or_none()
        if row is None:
            raise domain.CentreNotFound(centre_id=ref.centre_id)
        require_scope(actor, rpc.GET_CENTRE.operation, centre=row.id, region=row.region)
        return _centre_view(row)

    async def list_centres(self, query: ListCentres, actor: Actor) -> CentreList:
        """A region's centres, by name, all of them or those in one state: what a centre is called, where and how
        to call it is public, so anyone signed in finds centres in any region (a volunteer looking for where to
        serve, a council beside its neighbours)."""
        require_scope(actor, rpc.LIST_CENTRES.operation, region=query.region)
        matching = [centres.c.region == query.region]
        if query.status is not None:
            matching.append(centres.c.status == query.status.value)
        async with self.db.transaction() as session:
            total = await session.scalar(select(func.count()).select_from(centres).where(*matching))
            rows = (
                await session.execute(
                    select(centres)
                    .where(*matching)
                    .order_by(centres.c.name, centres.c.id)
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
        return CentreList(items=[_centre_view(row) for row in rows], total=int(total or 0))

    async def accredit_centre(self, cmd: CentreStatusChange, actor: Actor) -> CentreView:
        """인증: the council of the centre's region (or the central council) accredits a registered centre, or a
        suspended one again."""
        return await self._change_centre_status(cmd, actor, domain.ACCREDIT, rpc.ACCREDIT_CENTRE.operation)

    async def suspend_centre(self, cmd: CentreStatusChange, actor: Actor) -> CentreView:
        """정지: the council suspends an accredited centre, saying why; its recruitments take no more
        applications."""
        return await self._change_centre_status(cmd, actor, domain.SUSPEND, rpc.SUSPEND_CENTRE.operation)

    async def _change_centre_status(
        self, cmd: CentreStatusChange, actor: Actor, transition: domain.CentreTransition, operation: str
    ) -> CentreView:
        """A conditional write from the states the transition starts from: of requests racing, one changes the
        centre and stages the event; the others find it changed and answer the same. The centre's row is locked
        first, so its changes are stamped in the order they commit (the latest stamp is the state that holds)."""
        async with self.db.transaction() as session:
            row = (
                await session.execute(select(centres).where(centres.c.id == cmd.centre_id).with_for_update())
            ).one_or_none()
            if row is None:
                raise domain.CentreNotFound(centre_id=cmd.centre_id)
            require_scope(actor, operation, centre=row.id, region=row.region)
            transition.check_reason(cmd.reason)
            now = datetime.now(UTC)
            changed = (
                await session.execute(
                    update(centres)
                    .where(centres.c.id == row.id, centres.c.status.in_([s.value for s in transition.sources]))
                    .values(
                        status=transition.to.value,
                        status_changed_at=now,
                        status_reason=cmd.reason if transition.needs_reason else None,
                    )
                    .returning(*centres.c)
                )
            ).one_or_none()
            if changed is None:
                current = (await session.execute(select(centres).where(centres.c.id == row.id))).one()
                transition.settle(current.id, CentreStatus(current.status))
                return _centre_view(current)
            if transition.to is CentreStatus.SUSPENDED:
                assert cmd.reason is not None
                await self.outbox.stage(
                    session,
                    CentreSuspendedV1(centre_id=row.id, region=row.region, reason=cmd.reason, suspended_at=now),
                    region=row.region,
                )
            else:
                await self.outbox.stage(
                    session,
                    CentreAccreditedV1(centre_id=row.id, region=row.region, accredited_at=now),
                    region=row.region,
                )
            return _centre_view(changed)

    # -- volunteers --------------------------------------------------------------------------------------------

    async def register_volunteer(self, cmd: RegisterVolunteer, actor: Actor) -> VolunteerView:
        """회원가입, asked anonymously: the actor's id is the account the gateway is making with it, kept as
        `registered_by` when it is one (an account id). One person (name, birth date, phone) has one active
        account: the unique index over active accounts holds that when two sign-ups race, and the loser's second
        attempt finds the winner and refuses with its login id masked."""
        wanted = domain.Person(cmd.name, cmd.birth_date, cmd.phone, cmd.region)
        profile = domain.Profile.of(cmd.phone, cmd)

        async def attempt(session: AsyncSession) -> VolunteerView:
            # The login id and the person are looked up in one statement, so both answers are of one moment: read
            # apart, a sign-up committed between the two reads was missed by the first and refused by the second.
            same_person = and_(
                volunteers.c.name == cmd.name,
                volunteers.c.birth_date == cmd.birth_date,
                volunteers.c.phone == cmd.phone,
                volunteers.c.status == ACTIVE,
            )
            found = (
                await session.execute(select(volunteers).where(or_(volunteers.c.login_id == cmd.login_id, same_person)))
            ).all()
            row = next((r for r in found if r.login_id == cmd.login_id), None)
            existing = domain.Person(row.name, row.birth_date, row.phone, row.region) if row else None
            if domain.decide_registration(cmd.login_id, wanted, existing) is domain.Registration.ALREADY_DONE:
                assert row is not None
                return await _volunteer_view(session, row)
            domain.refuse_second_account(
                next(
                    (
                        r.login_id
                        for r in found
                        if (r.name, r.birth_date, r.phone, r.status) == (cmd.name, cmd.birth_date, cmd.phone, ACTIVE)
                    ),
                    None,
                )
            )
            volunteer_id, now = new_id(cmd.region), datetime.now(UTC)
            inserted = (
                await session.execute(
                    insert(volunteers)
                    .values(
                        id=volunteer_id,
                        login_id=cmd.login_id,
                        name=cmd.name,
                        birth_date=cmd.birth_date,
                        region=cmd.region,
                        status=ACTIVE,
                        registered_at=now,
                        registered_by=actor.account_id,
                        **_profile_columns(profile),
                    )
                    .returning(*volunteers.c)
                )
            ).one()
            await _write_profile(session, volunteer_id, profile)
            await self.outbox.stage(
                session,
                # Ids and what happened: who the volunteer is stays here, asked for by whoever needs it.
                VolunteerRegisteredV2(volunteer_id=volunteer_id, region=cmd.region, registered_at=now),
                region=cmd.region,
            )
            return await _volunteer_view(session, inserted, profile)

        return await self._once_more_on_conflict(attempt)

    async def get_volunteer(self, ref: VolunteerRef, actor: Actor) -> VolunteerView:
        """The volunteer themselves, their region's council (the region the registry holds for them, not one the
        caller names), the central council and the services read a volunteer. The answer carries personal data, so
        the read is recorded in the same transaction: no answer without its record, no record of a refused read.
        A withdrawn volunteer is answered to no one."""
        async with self.db.transaction() as session:
            row = await _volunteer_row(session, ref.volunteer_id)
            require_scope(actor, rpc.GET_VOLUNTEER.operation, volunteer=row.id, region=row.region)
            _check_active(row, reading=True)
            view = await _volunteer_view(session, row)
            await _record_read(session, actor, row, rpc.GET_VOLUNTEER.operation)
            return view

    async def update_volunteer(self, cmd: UpdateVolunteer, actor: Actor) -> VolunteerView:
        """회원정보 수정, by the volunteer alone: the profile and phone as they should now be, whole. What changed is
        announced by name, once; sending the same profile again changes nothing and announces nothing. A phone that
        makes the volunteer the same person as another active account is refused, as at 회원가입."""
        require_scope(actor, rpc.UPDATE_VOLUNTEER.operation, volunteer=cmd.volunteer_id)
        wanted = domain.Profile.of(cmd.phone, cmd)

        async def attempt(session: AsyncSession) -> VolunteerView:
            # Locked: a volunteer's updates apply one after another, each compared with the one before it.
            row = await _volunteer_row(session, cmd.volunteer_id, lock=True)
            require_scope(actor, rpc.UPDATE_VOLUNTEER.operation, volunteer=row.id, region=row.region)
            _check_active(row)
            domain.check_district(cmd.district, row.region)
            before = await _stored_profile(session, row)
            changed = wanted.changed_since(before)
            if not changed:
                return await _volunteer_view(session, row, before)
            if "phone" in changed:
                domain.refuse_second_account(
                    await session.scalar(
                        select(volunteers.c.login_id).where(
                            volunteers.c.name == row.name,
                            volunteers.c.birth_date == row.birth_date,
                            volunteers.c.phone == wanted.phone,
                            volunteers.c.status == ACTIVE,
                            volunteers.c.id != row.id,
                        )
                    )
                )
            now = datetime.now(UTC)
            updated = (
                await session.execute(
                    update(volunteers)
                    .where(volunteers.c.id == row.id, volunteers.c.status == ACTIVE)
                    .values(**_profile_columns(wanted))
                    .returning(*volunteers.c)
                )
            ).one()
            await _write_profile(session, row.id, wanted, only=changed, replace=True)
            await self.outbox.stage(
                session,
                VolunteerUpdatedV1(volunteer_id=row.id, region=row.region, changed=changed, updated_at=now),
                region=row.region,
            )
            return await _volunteer_view(session, updated, wanted)

        return await self._once_more_on_conflict(attempt)

    async def withdraw_volunteer(self, cmd: WithdrawVolunteer, actor: Actor) -> WithdrawnView:
        """회원탈퇴, by the volunteer alone. Everything that names or reaches the person is erased in one
        transaction: name, birth date (the year stays, for anonymous statistics), phone, e-mail, login id, school,
        district, the profile lists and the guardian's consent. A 1365 consent given is withdrawn with it, and its
        `consent.changed` staged before `volunteer.withdrawn`, so linkage stops before it hears of the withdrawal.
        The id stays (hours recorded remain), and so do the records of who read the volunteer's data. Asked again,
        the same answer and nothing staged."""
        require_scope(actor, rpc.WITHDRAW_VOLUNTEER.operation, volunteer=cmd.volunteer_id)
        async with self.db.transaction() as session:
            row = await _volunteer_row(session, cmd.volunteer_id, lock=True)
            require_scope(actor, rpc.WITHDRAW_VOLUNTEER.operation, volunteer=row.id, region=row.region)
            if row.status == domain.VolunteerStatus.WITHDRAWN.value:
                return WithdrawnView(volunteer_id=row.id, withdrawn_at=row.withdrawn_at)
            _check_active(row)
            now = datetime.now(UTC)
            # Places the volunteer still holds go back to their recruitments, each cancellation announced.
            await release_applications_of(session, self.outbox, row.id, actor)
            # So do the teams they stand in (지역사회봉사단), each told it has one member fewer.
            await leave_teams(session, self.outbox, row.id, TeamLeaving.WITHDRAWN)
            ended = (
                await session.scalars(
                    update(consents)
                    .where(consents.c.volunteer_id == row.id, consents.c.granted.is_(True))
                    .values(granted=False, changed_at=now, channel=WITHDRAWAL_CHANNEL, changed_by=actor.account_id)
                    .returning(consents.c.kind)
                )
            ).all()
            for kind in sorted(ended):
                await self.outbox.stage(
                    session,
                    ConsentChangedV1(
                        volunteer_id=row.id,
                        consent=ConsentKind(kind),
                        granted=False,
                        changed_at=now,
                        channel=WITHDRAWAL_CHANNEL,
                    ),
                    region=row.region,
                )
            for table in (*PROFILE_LISTS, guardian_consents):
                await session.execute(delete(table).where(table.c.volunteer_id == row.id))
            await session.execute(
                update(volunteers)
                .where(volunteers.c.id == row.id, volunteers.c.status == ACTIVE)
                .values(
                    status=domain.VolunteerStatus.WITHDRAWN.value,
                    withdrawn_at=now,
                    birth_year=row.birth_date.year,
                    login_id=None,
                    name=None,
                    birth_date=None,
                    phone=None,
                    email=None,
                    district=None,
                    school_name=None,
                    school_level=None,
                    school_grade=None,
                )
            )
            await self.outbox.stage(
                session,
                VolunteerWithdrawnV1(volunteer_id=row.id, region=row.region, withdrawn_at=now),
                region=row.region,
            )
            return WithdrawnView(volunteer_id=row.id, withdrawn_at=now)

    async def record_guardian_consent(self, cmd: RecordGuardianConsent, actor: Actor) -> GuardianView:
        """법정대리인 동의 for a volunteer under 14, through the volunteer's own account. The guardian's name and
        phone stay here and never travel in an event. Announced once: recording it again updates the guardian's
        details and keeps the time consent was first given."""
        require_scope(actor, rpc.RECORD_GUARDIAN_CONSENT.operation, volunteer=cmd.volunteer_id)
        async with self.db.transaction() as session:
            row = await _volunteer_row(session, cmd.volunteer_id, lock=True)
            require_scope(actor, rpc.RECORD_GUARDIAN_CONSENT.operation, volunteer=row.id, region=row.region)
            _check_active(row)
            domain.check_guardian_needed(row.birth_date, today_kst())
            now = datetime.now(UTC)
            details = {
                "guardian_name": cmd.guardian_name,
                "guardian_phone": cmd.guardian_phone,
                "relation": cmd.relation.value,
                "recorded_by": actor.account_id,
            }
            first = (
                await session.execute(
                    insert_for(session, guardian_consents)
                    .values(volunteer_id=row.id, consented_at=now, **details)
                    .on_conflict_do_nothing()
                    .returning(guardian_consents.c.consented_at)
                )
            ).one_or_none()
            if first is not None:
                await self.outbox.stage(
                    session,
                    GuardianConsentedV1(volunteer_id=row.id, region=row.region, consented_at=now),
                    region=row.region,
                )
                return GuardianView(volunteer_id=row.id, relation=cmd.relation, consented_at=now)
            consented_at = (
                await session.execute(
                    update(guardian_consents)
                    .where(guardian_consents.c.volunteer_id == row.id)
                    .values(**details)
                    .returning(guardian_consents.c.consented_at)
                )
            ).scalar_one()
            return GuardianView(volunteer_id=row.id, relation=cmd.relation, consented_at=consented_at)

    async def list_access_records(self, query: AccessRecordsRequest, actor: Actor) -> AccessRecordList:
        """Who read the personal data of a region's volunteers: its council and the central council review it."""
        require_scope(actor, rpc.LIST_ACCESS_RECORDS.operation, region=query.region)
        matching = [personal_data_reads.c.volunteer_region == query.region]
        if query.volunteer_id is not None:
            matching.append(personal_data_reads.c.volunteer_id == query.volunteer_id)
        async with self.db.transaction() as session:
            total = await session.scalar(select(func.count()).select_from(personal_data_reads).where(*matching))
            rows = (
                await session.execute(
                    select(personal_data_reads)
                    .where(*matching)
                    .order_by(personal_data_reads.c.read_at.desc(), personal_data_reads.c.id.desc())
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
        return AccessRecordList(items=[_access_record_view(row) for row in rows], total=int(total or 0))

    # -- consents ----------------------------------------------------------------------------------------------

    async def set_consent(self, cmd: SetConsent, actor: Actor) -> ConsentView:
        """Consent to 1365 linkage is what lets personal data leave the system: the volunteer alone gives or
        withdraws it, for themselves; under 14, only after a guardian consented (withdrawing is always allowed).

        Only a real change is recorded and announced, once, however many identical requests race: the volunteer's
        row is locked first, so a volunteer's consent changes are applied one after another and stamped in the
        order they commit (the latest stamp is the state that holds), and the change itself is a conditional write
        whose event is staged only when a row came back."""
        require_scope(actor, rpc.SET_CONSENT.operation, volunteer=cmd.volunteer_id)
        if actor.volunteer_id != cmd.volunteer_id:
            # Held here as well as in the matrix: a matrix that came to let an administrator act would still not
            # let anyone consent for someone else.
            raise OutOfScope(**refused(rpc.SET_CONSENT.operation, actor.role))
        kind = cmd.consent.value
        async with self.db.transaction() as session:
            volunteer = await _volunteer_row(session, cmd.volunteer_id, lock=True)
            _check_active(volunteer)
            if cmd.granted:
                guardian = await session.scalar(
                    select(guardian_consents.c.consented_at).where(guardian_consents.c.volunteer_id == volunteer.id)
                )
                domain.check_linkage_consent(
                    volunteer.id,
                    volunteer.birth_date,
                    today_kst(),
                    granted=cmd.granted,
                    guardian_consented=guardian is not None,
                )
            now = datetime.now(UTC)
            values = {"granted": cmd.granted, "changed_at": now, "channel": cmd.channel, "changed_by": actor.account_id}
            changed = (
                await session.execute(
                    update(consents)
                    .where(
                        consents.c.volunteer_id == cmd.volunteer_id,
                        consents.c.kind == kind,
                        consents.c.granted.is_not(cmd.granted),
                    )
                    .values(**values)
                    .returning(consents.c.changed_at)
                )
            ).one_or_none()
            if changed is None and domain.consent_changes(None, cmd.granted):
                changed = (
                    await session.execute(
                        insert_for(session, consents)
                        .values(volunteer_id=cmd.volunteer_id, kind=kind, **values)
                        .on_conflict_do_nothing()
                        .returning(consents.c.changed_at)
                    )
                ).one_or_none()
            if changed is None:
                current = await session.scalar(
                    select(consents.c.changed_at).where(
                        consents.c.volunteer_id == cmd.volunteer_id, consents.c.kind == kind
                    )
                )
                return ConsentView(
                    volunteer_id=cmd.volunteer_id, consent=cmd.consent, granted=cmd.granted, changed_at=current
                )
            await self.outbox.stage(
                session,
                ConsentChangedV1(
                    volunteer_id=cmd.volunteer_id,
                    consent=cmd.consent,
                    granted=cmd.granted,
                    changed_at=now,
                    channel=cmd.channel,
                ),
                region=volunteer.region,
            )
            return ConsentView(volunteer_id=cmd.volunteer_id, consent=cmd.consent, granted=cmd.granted, changed_at=now)

    async def _once_more_on_conflict(self, attempt: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Two requests racing for one unique key (a login id, a person, a centre's name): the loser's write hits
        it, and its second attempt finds what the winner wrote and answers accordingly."""
        try:
            async with self.db.transaction() as session:
                return await attempt(session)
        except IntegrityError:
            async with self.db.transaction() as session:
                return await attempt(session)


async def _volunteer_row(session: AsyncSession, volunteer_id: UUID, *, lock: bool = False) -> Row[tuple[object, ...]]:
    """The volunteer this registry keeps; one who moved to another deployment's region is answered with where they
    went (`VOLUNTEER_MOVED`), which callers follow."""
    return await volunteer_kept_here(session, volunteer_id, lock=lock)


def _check_active(row: Row[tuple[object, ...]], *, reading: bool = False) -> None:
    """Changed only while active; read while being handed over to another region's registry too."""
    if row.status == domain.VolunteerStatus.MOVING.value:
        if reading:
            return
        raise VolunteerMoving(volunteer_id=row.id)
    if row.status != ACTIVE:
        raise domain.VolunteerWithdrawn(volunteer_id=row.id)


def _profile_columns(profile: domain.Profile) -> dict[str, Any]:
    """The profile's columns of `volunteers` (the lists have tables of their own)."""
    name, level, grade = profile.school or (None, None, None)
    return {
        "phone": profile.phone,
        "email": profile.email,
        "district": profile.district,
        "school_name": name,
        "school_level": level,
        "school_grade": grade,
    }


def _profile_lists(volunteer_id: UUID, profile: domain.Profile) -> dict[str, tuple[Table, list[dict[str, Any]]]]:
    """Each list of the profile by its name (as `Profile` and `VolunteerUpdatedV1.changed` call it): its table and
    its rows."""
    return {
        "desired_activities": (
            volunteer_desired_activities,
            [
                {"volunteer_id": volunteer_id, "activity_type": kind, "sub_field": sub}
                for kind, sub in profile.desired_activities
            ],
        ),
        "desired_regions": (
            volunteer_desired_regions,
            [{"volunteer_id": volunteer_id, "region": region} for region in profile.desired_regions],
        ),
        "talents": (
            volunteer_talents,
            [{"volunteer_id": volunteer_id, "talent": talent} for talent in profile.talents],
        ),
        "availability": (
            volunteer_availability,
            [{"volunteer_id": volunteer_id, "weekday": day, "part": part} for day, part in profile.availability],
        ),
    }


async def _write_profile(
    session: AsyncSession,
    volunteer_id: UUID,
    profile: domain.Profile,
    *,
    only: Collection[str] | None = None,
    replace: bool = False,
) -> None:
    """Write the profile's lists (`only` those named), after deleting what they held (`replace`)."""
    for name, (table, rows) in _profile_lists(volunteer_id, profile).items():
        if only is not None and name not in only:
            continue
        if replace:
            await session.execute(delete(table).where(table.c.volunteer_id == volunteer_id))
        if rows:
            await session.execute(insert(table), rows)


async def _stored_profile(session: AsyncSession, row: Row[tuple[object, ...]]) -> domain.Profile:
    def of(table: Table) -> Any:
        return select(table).where(table.c.volunteer_id == row.id)

    activities = (await session.execute(of(volunteer_desired_activities))).all()
    regions = (await session.execute(of(volunteer_desired_regions))).all()
    talents = (await session.execute(of(volunteer_talents))).all()
    slots = (await session.execute(of(volunteer_availability))).all()
    return domain.Profile.build(
        phone=str(row.phone),
        email=row.email,
        district=row.district,
        desired_activities=[(a.activity_type, a.sub_field) for a in activities],
        desired_regions=[r.region for r in regions],
        talents=[t.talent for t in talents],
        availability=[(s.weekday, s.part) for s in slots],
        school=(row.school_name, row.school_level, row.school_grade) if row.school_name is not None else None,
    )


async def _volunteer_view(
    session: AsyncSession, row: Row[tuple[object, ...]], profile: domain.Profile | None = None
) -> VolunteerView:
    if profile is None:
        profile = await _stored_profile(session, row)
    portal = (
        await session.execute(
            select(consents.c.granted, consents.c.changed_at).where(
                consents.c.volunteer_id == row.id, consents.c.kind == ConsentKind.PORTAL_1365.value
            )
        )
    ).one_or_none()
    guardian_consented_at = await session.scalar(
        select(guardian_consents.c.consented_at).where(guardian_consents.c.volunteer_id == row.id)
    )
    return VolunteerView(
        id=row.id,
        login_id=row.login_id,
        name=row.name,
        birth_date=row.birth_date,
        phone=profile.phone,
        region=row.region,
        registered_at=row.registered_at,
        consents=ConsentsView(
            portal1365=bool(portal and portal.granted), portal1365_changed_at=portal.changed_at if portal else None
        ),
        email=profile.email,
        district=profile.district,
        desired_activities=profile.activities_view(),
        desired_regions=list(profile.desired_regions),
        talents=list(profile.talents),
        availability=profile.availability_view(),
        school=profile.school_view(),
        needs_guardian=domain.needs_guardian(row.birth_date, today_kst()),
        guardian_consented_at=guardian_consented_at,
    )


async def _record_read(session: AsyncSession, actor: Actor, row: Row[tuple[object, ...]], operation: str) -> None:
    causation_id, _ = current_trace()
    await session.execute(
        insert(personal_data_reads).values(
            id=new_id(str(row.region)),
            read_at=datetime.now(UTC),
            actor=actor.reference,
            actor_role=actor.role.value,
            volunteer_id=row.id,
            volunteer_region=row.region,
            fields=",".join(domain.PERSONAL_DATA),
            operation=operation,
            request_id=causation_id,
        )
    )


def _access_record_view(row: Row[tuple[object, ...]]) -> AccessRecordView:
    return AccessRecordView(
        id=row.id,
        read_at=row.read_at,
        actor=row.actor,
        actor_role=row.actor_role,
        volunteer_id=row.volunteer_id,
        fields=str(row.fields).split(","),
        operation=row.operation,
        request_id=row.request_id,
    )


def _centre_view(row: Row[tuple[object, ...]]) -> CentreView:
    return CentreView(
        id=row.id,
        name=row.name,
        region=row.region,
        phone=row.phone,
        registered_at=row.registered_at,
        district=row.district,
        kind=CentreKind(row.kind),
        address=row.address,
        status=CentreStatus(row.status),
        status_changed_at=row.status_changed_at,
        status_reason=row.status_reason,
    )
