"""Moving between regions, one function per request or event, as the registry's other handlers.

- `move_volunteer` (the volunteer): within the regions this deployment serves, the region changes and
  `volunteer.moved` is staged in one transaction; to a region another deployment keeps, the volunteer is marked
  `moving` (read as before, changed by no one) and `volunteer.handover_requested` is staged.
- The new region's registry consumes the request (`on_handovers_requested`), asks the registry that keeps the
  volunteer for the whole record (`hand_over_volunteer`, a request/reply: personal data never travels in an
  event, and the read is recorded), takes them in under the same id and stages `volunteer.moved`.
- The registry they left consumes that (`on_volunteers_moved`): it erases what named or reached the person and
  keeps a tombstone (id, `moved`, where they went) that answers `VOLUNTEER_MOVED`, which `RpcClient` follows.

Each step is one transaction and each consumer keeps an inbox, so an event delivered twice, or a registry killed
in between, changes nothing twice and loses nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.errors import ErrorKind
from vms_contracts.events.registry import (
    ConsentKind,
    TeamLeaving,
    VolunteerHandoverRequestedV1,
    VolunteerMovedV1,
)
from vms_contracts.ids import new_id
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    HandedOverConsent,
    HandedOverGuardian,
    HandOverVolunteer,
    MoveState,
    MoveView,
    MoveVolunteer,
    VolunteerFacts,
    VolunteerFactsView,
    VolunteerRecord,
)
from vms_platform.actor import require_scope
from vms_platform.consumer import PermanentError
from vms_platform.db import Database, insert_for
from vms_platform.jetstream import CONSUMERS
from vms_platform.logging import current_trace
from vms_platform.outbox import Outbox
from vms_platform.rpc import RemoteError, RpcClient, ServiceTimeout, ServiceUnavailable
from vms_registry import domain as registry_domain
from vms_registry.db import PROFILE_LISTS, consents, guardian_consents, personal_data_reads, volunteers
from vms_registry.domain import VolunteerStatus, VolunteerWithdrawn
from vms_registry.handlers import _profile_columns, _stored_profile, _write_profile
from vms_registry.regions import domain
from vms_registry.regions.facts import FactsOf, facts_here, volunteer_kept_here
from vms_registry.regions.tables import handovers
from vms_registry.teams.handlers import leave_teams

AnyRow = Row[tuple[Any, ...]]

ACTIVE, MOVING, MOVED = VolunteerStatus.ACTIVE.value, VolunteerStatus.MOVING.value, VolunteerStatus.MOVED.value

HANDOVER_CONSUMER = CONSUMERS["registry-handover"]
"""The new region's registry takes in the volunteers handed over to it."""
MOVED_CONSUMER = CONSUMERS["registry-moved"]
"""The registry a volunteer left erases them once the new one has taken them in."""

ERASED: dict[str, None] = {
    column: None
    for column in (
        "login_id",
        "name",
        "birth_date",
        "phone",
        "email",
        "district",
        "school_name",
        "school_level",
        "school_grade",
        "birth_year",
        "withdrawn_at",
    )
}
"""What a tombstone no longer holds: everything but the id, the region they left, and when they registered."""

UNREACHABLE_KINDS = (ErrorKind.INTERNAL, ErrorKind.UNAVAILABLE, ErrorKind.TIMEOUT)


class OwnerUnreachable(ConnectionError):
    """The registry that keeps a moving volunteer did not answer (stopped, restarting, too busy): like a database
    that is down, no fault of the event, which waits and is tried again for as long as it takes."""


class RegionHandlers:
    def __init__(self, db: Database, outbox: Outbox, rpc: RpcClient | None, served: Collection[str]) -> None:
        self.db = db
        self.outbox = outbox
        self.rpc = rpc
        self.served = frozenset(served)
        self.facts_of = FactsOf(rpc, served)
        """A volunteer's facts wherever they live (`vms_registry.regions.facts`)."""

    # -- requests ----------------------------------------------------------------------------------------------

    async def move_volunteer(self, cmd: MoveVolunteer, actor: Actor) -> MoveView:
        """이사, by the volunteer alone. Within the regions this deployment serves, the region and district change
        and `volunteer.moved` is staged under the new region's subject; to a region another deployment keeps, the
        volunteer is marked `moving` and `volunteer.handover_requested` is staged under the region they leave (which
        this deployment serves, and may publish for). The volunteer's row is locked first: of two moves asked at
        once, one decides; the same move asked again while it is handed over answers the same."""
        operation = rpc.MOVE_VOLUNTEER.operation
        require_scope(actor, operation, volunteer=cmd.volunteer_id)
        async with self.db.transaction() as session:
            row = await volunteer_kept_here(session, cmd.volunteer_id, lock=True)
            require_scope(actor, operation, volunteer=row.id, region=row.region)
            if row.status == MOVING:
                pending = await _handover(session, row.id)
                if domain.same_handover((pending.to_region, pending.district), (cmd.region, cmd.district)):
                    return _move_view(pending, MoveState.HANDING_OVER, pending.requested_at)
                raise domain.VolunteerMoving(volunteer_id=row.id)
            if row.status != ACTIVE:
                raise VolunteerWithdrawn(volunteer_id=row.id)
            move = domain.decide_move(row.region, cmd.region, self.served)
            now = datetime.now(UTC)
            if move is domain.Move.WITHIN:
                await session.execute(
                    update(volunteers)
                    .where(volunteers.c.id == row.id, volunteers.c.status == ACTIVE)
                    .values(region=cmd.region, district=cmd.district)
                )
                # A community team serves its own 시·도: one who moved out of it is no longer in it.
                await leave_teams(session, self.outbox, row.id, TeamLeaving.MOVED, staying_in=cmd.region)
                await self.outbox.stage(
                    session,
                    VolunteerMovedV1(volunteer_id=row.id, from_region=row.region, to_region=cmd.region, moved_at=now),
                    region=cmd.region,
                )
                return MoveView(
                    volunteer_id=row.id,
                    from_region=row.region,
                    region=cmd.region,
                    district=cmd.district,
                    state=MoveState.MOVED,
                    at=now,
                )
            await session.execute(
                update(volunteers).where(volunteers.c.id == row.id, volunteers.c.status == ACTIVE).values(status=MOVING)
            )
            pending_values = {
                "from_region": row.region,
                "to_region": cmd.region,
                "district": cmd.district,
                "requested_at": now,
                "requested_by": actor.account_id,
                "handed_over_at": None,
            }
            statement = insert_for(session, handovers).values(volunteer_id=row.id, **pending_values)
            await session.execute(
                statement.on_conflict_do_update(index_elements=[handovers.c.volunteer_id], set_=pending_values)
            )
            await self.outbox.stage(
                session,
                VolunteerHandoverRequestedV1(
                    volunteer_id=row.id,
                    from_region=row.region,
                    to_region=cmd.region,
                    district=cmd.district,
                    requested_at=now,
                ),
                region=row.region,
            )
            return _move_view(await _handover(session, row.id), MoveState.HANDING_OVER, now)

    async def volunteer_facts(self, query: VolunteerFacts, actor: Actor) -> VolunteerFactsView:
        """What another region's registry needs of a volunteer this one keeps (their age for a recruitment, their
        guardian's consent for a placement): services only, and the read of the birth date is recorded."""
        operation = rpc.VOLUNTEER_FACTS.operation
        require_scope(actor, operation, volunteer=query.volunteer_id)
        async with self.db.transaction() as session:
            row = await volunteer_kept_here(session, query.volunteer_id)
            require_scope(actor, operation, volunteer=row.id, region=row.region)
            facts = await facts_here(session, row)
            await _record_read(session, actor, row, operation, ("birth_date",))
            return facts

    async def hand_over_volunteer(self, cmd: HandOverVolunteer, actor: Actor) -> VolunteerRecord:
        """The whole record of a volunteer moving to `to_region`, for that region's registry (services only): only
        while the move is pending, and the read is recorded. Asked again (a redelivery), the same record."""
        operation = rpc.HAND_OVER_VOLUNTEER.operation
        require_scope(actor, operation, volunteer=cmd.volunteer_id)
        async with self.db.transaction() as session:
            row = await volunteer_kept_here(session, cmd.volunteer_id, hold=True)
            require_scope(actor, operation, volunteer=row.id, region=row.region)
            pending = await _handover(session, row.id) if row.status == MOVING else None
            if pending is None or (pending.from_region, pending.to_region) != (cmd.from_region, cmd.to_region):
                raise domain.HandoverNotRequested(
                    volunteer_id=row.id, from_region=cmd.from_region, to_region=cmd.to_region
                )
            record = await _record_of(session, row, pending)
            await _record_read(session, actor, row, operation, (*registry_domain.PERSONAL_DATA, "guardian"))
            return record

    # -- events ------------------------------------------------------------------------------------------------

    async def on_handovers_requested(
        self, session: AsyncSession, events: list[Envelope[VolunteerHandoverRequestedV1]]
    ) -> None:
        """Take in the volunteers moving to a region this deployment serves: their record, asked of the registry
        that keeps them, is written under the same id (over the tombstone if they once left from here), and
        `volunteer.moved` staged, in the consumer's transaction. A volunteer already kept here was taken in
        before: nothing is asked or written again."""
        for envelope in events:
            moving = envelope.data
            if moving.to_region not in self.served:
                continue
            status = await session.scalar(select(volunteers.c.status).where(volunteers.c.id == moving.volunteer_id))
            if status is not None and status != MOVED:
                continue
            record = await self._ask_for(moving)
            await _take_in(session, record)
            await self.outbox.stage(
                session,
                VolunteerMovedV1(
                    volunteer_id=record.id,
                    from_region=record.from_region,
                    to_region=record.region,
                    moved_at=datetime.now(UTC),
                ),
                region=record.region,
            )

    async def on_volunteers_moved(self, session: AsyncSession, events: list[Envelope[VolunteerMovedV1]]) -> None:
        """A volunteer this registry was handing over is kept by the new region's registry now: erase what named
        or reached them and keep the tombstone. A tombstone pointing at the region they left again points on to
        where they went, so requests about them take one step, not two."""
        for envelope in events:
            moved = envelope.data
            found = (
                await session.execute(
                    select(volunteers.c.status, handovers.c.from_region, handovers.c.to_region)
                    .select_from(volunteers.join(handovers, handovers.c.volunteer_id == volunteers.c.id))
                    .where(volunteers.c.id == moved.volunteer_id)
                )
            ).one_or_none()
            if found is None:
                continue
            if found.status == MOVING and (found.from_region, found.to_region) == (moved.from_region, moved.to_region):
                await leave_teams(session, self.outbox, moved.volunteer_id, TeamLeaving.MOVED)
                await _erase(session, moved.volunteer_id, moved.moved_at)
            elif found.status == MOVED and found.to_region == moved.from_region:
                await session.execute(
                    update(handovers)
                    .where(handovers.c.volunteer_id == moved.volunteer_id)
                    .values(to_region=moved.to_region)
                )

    async def _ask_for(self, moving: VolunteerHandoverRequestedV1) -> VolunteerRecord:
        if self.rpc is None:
            raise PermanentError("no connection to ask another region's registry with")
        request = HandOverVolunteer(
            volunteer_id=moving.volunteer_id, from_region=moving.from_region, to_region=moving.to_region
        )
        try:
            return await self.rpc.call(rpc.HAND_OVER_VOLUNTEER, request)
        except (ServiceUnavailable, ServiceTimeout) as exc:
            raise OwnerUnreachable(f"registry of region {moving.from_region}: {exc.code}") from exc
        except RemoteError as exc:
            if exc.body.kind in UNREACHABLE_KINDS:
                raise OwnerUnreachable(f"registry of region {moving.from_region}: {exc.body.code}") from exc
            raise PermanentError(f"registry of region {moving.from_region} refused: {exc.body.code}") from exc


async def _handover(session: AsyncSession, volunteer_id: UUID) -> AnyRow:
    row: AnyRow = (await session.execute(select(handovers).where(handovers.c.volunteer_id == volunteer_id))).one()
    return row


def _move_view(pending: AnyRow, state: MoveState, at: datetime) -> MoveView:
    return MoveView(
        volunteer_id=pending.volunteer_id,
        from_region=pending.from_region,
        region=pending.to_region,
        district=pending.district,
        state=state,
        at=at,
    )


async def _record_of(session: AsyncSession, row: AnyRow, pending: AnyRow) -> VolunteerRecord:
    profile = await _stored_profile(session, row)
    given = (await session.execute(select(consents).where(consents.c.volunteer_id == row.id))).all()
    guardian = (
        await session.execute(select(guardian_consents).where(guardian_consents.c.volunteer_id == row.id))
    ).one_or_none()
    return VolunteerRecord(
        id=row.id,
        login_id=row.login_id,
        name=row.name,
        birth_date=row.birth_date,
        phone=row.phone,
        email=profile.email,
        registered_at=row.registered_at,
        registered_by=row.registered_by,
        from_region=pending.from_region,
        region=pending.to_region,
        district=pending.district,
        requested_at=pending.requested_at,
        school=profile.school_view(),
        desired_activities=profile.activities_view(),
        desired_regions=list(profile.desired_regions),
        talents=list(profile.talents),
        availability=profile.availability_view(),
        consents=[
            HandedOverConsent(
                consent=ConsentKind(c.kind),
                granted=c.granted,
                changed_at=c.changed_at,
                channel=c.channel,
                changed_by=c.changed_by,
            )
            for c in sorted(given, key=lambda c: str(c.kind))
        ],
        guardian=HandedOverGuardian(
            guardian_name=guardian.guardian_name,
            guardian_phone=guardian.guardian_phone,
            relation=guardian.relation,
            consented_at=guardian.consented_at,
            recorded_by=guardian.recorded_by,
        )
        if guardian is not None
        else None,
    )


async def _take_in(session: AsyncSession, record: VolunteerRecord) -> None:
    """Write `record` as a volunteer this registry keeps: over a tombstone of theirs, never over anyone else. The
    same login id or the same person (name, birth date, phone) already active here cannot be taken in twice: the
    event is parked, naming only ids, for an operator to settle with the volunteer."""
    clash = await session.scalar(
        select(volunteers.c.id).where(
            volunteers.c.id != record.id,
            or_(
                volunteers.c.login_id == record.login_id,
                and_(
                    volunteers.c.name == record.name,
                    volunteers.c.birth_date == record.birth_date,
                    volunteers.c.phone == record.phone,
                    volunteers.c.status == ACTIVE,
                ),
            ),
        )
    )
    if clash is not None:
        raise PermanentError(
            f"volunteer {record.id} moving from region {record.from_region} is already registered here as {clash} "
            "(the same login id or person)"
        )
    profile = registry_domain.Profile.build(
        phone=record.phone,
        email=record.email,
        district=record.district,
        desired_activities=((a.activity_type.value, a.sub_field or "") for a in record.desired_activities),
        desired_regions=record.desired_regions,
        talents=record.talents,
        availability=((s.weekday.value, s.part.value) for s in record.availability),
        school=(record.school.name, record.school.level.value, record.school.grade) if record.school else None,
    )
    columns = {
        "login_id": record.login_id,
        "name": record.name,
        "birth_date": record.birth_date,
        "region": record.region,
        "registered_at": record.registered_at,
        "registered_by": record.registered_by,
        "status": ACTIVE,
        "withdrawn_at": None,
        "birth_year": None,
        **_profile_columns(profile),
    }
    statement = insert_for(session, volunteers).values(id=record.id, **columns)
    written = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[volunteers.c.id], set_=columns, where=volunteers.c.status == MOVED
            ).returning(volunteers.c.id)
        )
    ).one_or_none()
    if written is None:
        raise PermanentError(f"volunteer {record.id} is kept here already")
    for table in (guardian_consents, consents):
        await session.execute(delete(table).where(table.c.volunteer_id == record.id))
    await _write_profile(session, record.id, profile, replace=True)
    if record.consents:
        await session.execute(
            insert(consents),
            [
                {
                    "volunteer_id": record.id,
                    "kind": c.consent.value,
                    "granted": c.granted,
                    "changed_at": c.changed_at,
                    "channel": c.channel,
                    "changed_by": c.changed_by,
                }
                for c in record.consents
            ],
        )
    if record.guardian is not None:
        await session.execute(
            insert(guardian_consents).values(
                volunteer_id=record.id,
                guardian_name=record.guardian.guardian_name,
                guardian_phone=record.guardian.guardian_phone,
                relation=record.guardian.relation.value,
                consented_at=record.guardian.consented_at,
                recorded_by=record.guardian.recorded_by,
            )
        )
    # They may have left from here once: that forwarding address is no longer theirs.
    await session.execute(delete(handovers).where(handovers.c.volunteer_id == record.id))


async def _erase(session: AsyncSession, volunteer_id: UUID, moved_at: datetime) -> None:
    """What named or reached the person goes, as at a withdrawal (the new region's registry keeps it now); the id,
    the region they left, when they registered and who read their data stay."""
    for table in (*PROFILE_LISTS, guardian_consents, consents):
        await session.execute(delete(table).where(table.c.volunteer_id == volunteer_id))
    await session.execute(
        update(volunteers)
        .where(volunteers.c.id == volunteer_id, volunteers.c.status == MOVING)
        .values(status=MOVED, **ERASED)
    )
    await session.execute(
        update(handovers).where(handovers.c.volunteer_id == volunteer_id).values(handed_over_at=moved_at, district=None)
    )


async def _record_read(
    session: AsyncSession, actor: Actor, row: AnyRow, operation: str, fields: tuple[str, ...]
) -> None:
    causation_id, _ = current_trace()
    await session.execute(
        insert(personal_data_reads).values(
            id=new_id(str(row.region)),
            read_at=datetime.now(UTC),
            actor=actor.reference,
            actor_role=actor.role.value,
            volunteer_id=row.id,
            volunteer_region=row.region,
            fields=",".join(fields),
            operation=operation,
            request_id=causation_id,
        )
    )
