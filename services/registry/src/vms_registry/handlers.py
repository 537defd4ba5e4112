"""One function per request: validate (done by the models), decide (domain), persist and stage events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.events.registry import (
    CentreRegisteredV1,
    ConsentChangedV1,
    ConsentKind,
    VolunteerRegisteredV2,
)
from vms_contracts.ids import new_id
from vms_contracts.rpc.registry import (
    CentreRef,
    CentreView,
    ConsentsView,
    ConsentView,
    RegisterCentre,
    RegisterVolunteer,
    SetConsent,
    VolunteerRef,
    VolunteerView,
)
from vms_platform.db import Database, insert_for
from vms_platform.outbox import Outbox
from vms_registry import domain
from vms_registry.db import centres, consents, volunteers

T = TypeVar("T")


class RegistryHandlers:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    # -- centres -----------------------------------------------------------------------------------------------

    async def register_centre(self, cmd: RegisterCentre) -> CentreView:
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
                    id=centre_id, name=cmd.name, region=cmd.region, phone=cmd.phone, registered_at=now
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

    async def get_centre(self, ref: CentreRef) -> CentreView:
        async with self.db.transaction() as session:
            row = (await session.execute(select(centres).where(centres.c.id == ref.centre_id))).one_or_none()
        if row is None:
            raise domain.CentreNotFound(centre_id=ref.centre_id)
        return _centre_view(row)

    # -- volunteers --------------------------------------------------------------------------------------------

    async def register_volunteer(self, cmd: RegisterVolunteer) -> VolunteerView:
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

    async def get_volunteer(self, ref: VolunteerRef) -> VolunteerView:
        async with self.db.transaction() as session:
            row = await _volunteer_row(session, ref.volunteer_id)
            return await _volunteer_view(session, row)

    # -- consents ----------------------------------------------------------------------------------------------

    async def set_consent(self, cmd: SetConsent) -> ConsentView:
        """Only a real change is recorded and announced, once, however many identical requests race: the
        volunteer's row is locked first, so a volunteer's consent changes are applied one after another and
        stamped in the order they commit (the latest stamp is the state that holds), and the change itself is a
        conditional write whose event is staged only when a row came back."""
        kind = cmd.consent.value
        async with self.db.transaction() as session:
            volunteer = await _volunteer_row(session, cmd.volunteer_id, lock=True)
            now = datetime.now(UTC)
            values = {"granted": cmd.granted, "changed_at": now, "channel": cmd.channel}
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


def _centre_view(row: Row[tuple[object, ...]]) -> CentreView:
    return CentreView(id=row.id, name=row.name, region=row.region, phone=row.phone, registered_at=row.registered_at)
