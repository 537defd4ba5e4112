"""One function per request: validate (done by the models), decide (domain), persist and stage events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.events.registry import (
    CentreRegisteredV1,
    ConsentChangedV1,
    ConsentKind,
    VolunteerRegisteredV2,
)
from vms_contracts.ids import new_id
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    AccessRecordList,
    AccessRecordsRequest,
    AccessRecordView,
    CentreList,
    CentreRef,
    CentreView,
    ConsentsView,
    ConsentView,
    ListCentres,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    VolunteerRef,
    VolunteerView,
)
from vms_platform.actor import OutOfScope, refused, require_scope
from vms_platform.db import Database, insert_for
from vms_platform.logging import current_trace
from vms_platform.outbox import Outbox
from vms_registry import domain
from vms_registry.db import centres, consents, personal_data_reads, volunteers

T = TypeVar("T")


class RegistryHandlers:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    # -- centres -----------------------------------------------------------------------------------------------

    async def register_centre(self, cmd: RegisterCentre, actor: Actor) -> CentreView:
        """A council registers the centres of its own region; the central council, any region's."""
        require_scope(actor, rpc.REGISTER_CENTRE.operation, region=cmd.region)
        wanted = domain.CentreFacts(cmd.name, cmd.region, cmd.phone)

        async def attempt(session: AsyncSession) -> CentreView:
            row = (
                await session.execute(select(centres).where(centres.c.region == cmd.region, centres.c.name == cmd.name))
            ).one_or_none()
            existing = domain.CentreFacts(row.name, row.region, row.phone) if row else None
            if domain.decide_centre(wanted, existing) is domain.Registration.ALREADY_DONE:
                assert row is not None
                return _centre_view(row)
            centre_id, now = new_id(cmd.region), datetime.now(UTC)
            await session.execute(
                insert(centres).values(
                    id=centre_id,
                    name=cmd.name,
                    region=cmd.region,
                    phone=cmd.phone,
                    registered_at=now,
                    registered_by=actor.account_id,
                )
            )
            await self.outbox.stage(
                session,
                CentreRegisteredV1(
                    centre_id=centre_id, name=cmd.name, region=cmd.region, phone=cmd.phone, registered_at=now
                ),
                region=cmd.region,
            )
            return CentreView(id=centre_id, name=cmd.name, region=cmd.region, phone=cmd.phone, registered_at=now)

        return await self._once_more_on_conflict(attempt)

    async def get_centre(self, ref: CentreRef, actor: Actor) -> CentreView:
        async with self.db.transaction() as session:
            row = (await session.execute(select(centres).where(centres.c.id == ref.centre_id))).one_or_none()
        if row is None:
            raise domain.CentreNotFound(centre_id=ref.centre_id)
        require_scope(actor, rpc.GET_CENTRE.operation, centre=row.id, region=row.region)
        return _centre_view(row)

    async def list_centres(self, query: ListCentres, actor: Actor) -> CentreList:
        """A region's centres, by name: what a centre is called, where and how to call it is public, so anyone
        signed in finds centres in any region (a volunteer looking for where to serve, a council beside its
        neighbours)."""
        require_scope(actor, rpc.LIST_CENTRES.operation, region=query.region)
        in_region = centres.c.region == query.region
        async with self.db.transaction() as session:
            total = await session.scalar(select(func.count()).select_from(centres).where(in_region))
            rows = (
                await session.execute(
                    select(centres)
                    .where(in_region)
                    .order_by(centres.c.name, centres.c.id)
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
        return CentreList(items=[_centre_view(row) for row in rows], total=int(total or 0))

    # -- volunteers --------------------------------------------------------------------------------------------

    async def register_volunteer(self, cmd: RegisterVolunteer, actor: Actor) -> VolunteerView:
        """회원가입, asked anonymously: the actor's id is the account the gateway is making with it, kept as
        `registered_by` when it is one (an account id)."""
        wanted = domain.Person(cmd.name, cmd.birth_date, cmd.phone, cmd.region)

        async def attempt(session: AsyncSession) -> VolunteerView:
            row = (await session.execute(select(volunteers).where(volunteers.c.login_id == cmd.login_id))).one_or_none()
            existing = domain.Person(row.name, row.birth_date, row.phone, row.region) if row else None
            if domain.decide_registration(cmd.login_id, wanted, existing) is domain.Registration.ALREADY_DONE:
                assert row is not None
                return await _volunteer_view(session, row)
            volunteer_id, now = new_id(cmd.region), datetime.now(UTC)
            await session.execute(
                insert(volunteers).values(
                    id=volunteer_id,
                    login_id=cmd.login_id,
                    name=cmd.name,
                    birth_date=cmd.birth_date,
                    phone=cmd.phone,
                    region=cmd.region,
                    registered_at=now,
                    registered_by=actor.account_id,
                )
            )
            await self.outbox.stage(
                session,
                # Ids and what happened: who the volunteer is stays here, asked for by whoever needs it.
                VolunteerRegisteredV2(volunteer_id=volunteer_id, region=cmd.region, registered_at=now),
                region=cmd.region,
            )
            return VolunteerView(
                id=volunteer_id,
                login_id=cmd.login_id,
                name=cmd.name,
                birth_date=cmd.birth_date,
                phone=cmd.phone,
                region=cmd.region,
                registered_at=now,
                consents=ConsentsView(portal1365=False, portal1365_changed_at=None),
            )

        return await self._once_more_on_conflict(attempt)

    async def get_volunteer(self, ref: VolunteerRef, actor: Actor) -> VolunteerView:
        """The volunteer themselves, their region's council (the region the registry holds for them, not one the
        caller names), the central council and the services read a volunteer. The answer carries personal data, so
        the read is recorded in the same transaction: no answer without its record, no record of a refused read."""
        async with self.db.transaction() as session:
            row = await _volunteer_row(session, ref.volunteer_id)
            require_scope(actor, rpc.GET_VOLUNTEER.operation, volunteer=row.id, region=row.region)
            view = await _volunteer_view(session, row)
            await _record_read(session, actor, row, rpc.GET_VOLUNTEER.operation)
            return view

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
        withdraws it, for themselves.

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
        """Two identical requests racing: the loser's insert hits the unique key, and its second attempt finds
        what the winner wrote and answers the same."""
        try:
            async with self.db.transaction() as session:
                return await attempt(session)
        except IntegrityError:
            async with self.db.transaction() as session:
                return await attempt(session)


async def _volunteer_row(session: AsyncSession, volunteer_id: UUID, *, lock: bool = False) -> Row[tuple[object, ...]]:
    query = select(volunteers).where(volunteers.c.id == volunteer_id)
    row = (await session.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise domain.VolunteerNotFound(volunteer_id=volunteer_id)
    return row


async def _volunteer_view(session: AsyncSession, row: Row[tuple[object, ...]]) -> VolunteerView:
    portal = (
        await session.execute(
            select(consents.c.granted, consents.c.changed_at).where(
                consents.c.volunteer_id == row.id, consents.c.kind == ConsentKind.PORTAL_1365.value
            )
        )
    ).one_or_none()
    return VolunteerView(
        id=row.id,
        login_id=row.login_id,
        name=row.name,
        birth_date=row.birth_date,
        phone=row.phone,
        region=row.region,
        registered_at=row.registered_at,
        consents=ConsentsView(
            portal1365=bool(portal and portal.granted), portal1365_changed_at=portal.changed_at if portal else None
        ),
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
    return CentreView(id=row.id, name=row.name, region=row.region, phone=row.phone, registered_at=row.registered_at)
