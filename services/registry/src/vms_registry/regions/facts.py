"""What a registry knows of a volunteer wherever they live: `FactsOf` reads this registry's tables when it keeps the
volunteer, and asks the registry that does otherwise (`registry.volunteer_facts`). Recruitments use it where they
look a volunteer up (applying, placing, orientation), so that a volunteer of one region applies to a recruitment
another region's registry holds."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.ids import region_of
from vms_contracts.reference import ActivityType
from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.rpc.registry import (
    VOLUNTEER_FACTS,
    DesiredActivity,
    VolunteerFacts,
    VolunteerFactsView,
    VolunteerStanding,
)
from vms_platform.rpc import RpcClient
from vms_registry.db import guardian_consents, volunteer_desired_activities, volunteer_desired_regions, volunteers
from vms_registry.domain import VolunteerNotFound, VolunteerStatus, VolunteerWithdrawn
from vms_registry.regions.domain import VolunteerMoved
from vms_registry.regions.tables import handovers

AnyRow = Row[tuple[Any, ...]]

MOVED = VolunteerStatus.MOVED.value


async def moved_away(session: AsyncSession, volunteer_id: UUID) -> VolunteerMoved:
    """The refusal a tombstone answers with: where the volunteer went."""
    region = await session.scalar(select(handovers.c.to_region).where(handovers.c.volunteer_id == volunteer_id))
    return VolunteerMoved(volunteer_id=volunteer_id, region=str(region))


async def volunteer_kept_here(
    session: AsyncSession, volunteer_id: UUID, *, hold: bool = False, lock: bool = False
) -> AnyRow:
    """The volunteer's row, if this registry keeps them (withdrawn ones too); `VolunteerMoved` where they left for
    another deployment's region, `VolunteerNotFound` where this registry never knew them. With `hold`, the row is
    held (shared) until the transaction ends: it cannot be withdrawn or handed over in between; with `lock`, it is
    locked for a change."""
    query = select(volunteers).where(volunteers.c.id == volunteer_id)
    if lock or hold:
        query = query.with_for_update(read=not lock)
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    if row is None:
        raise VolunteerNotFound(volunteer_id=volunteer_id)
    if row.status == MOVED:
        raise await moved_away(session, row.id)
    return row


async def facts_here(session: AsyncSession, row: AnyRow) -> VolunteerFactsView:
    """What another registry may know of a volunteer this one keeps; `VolunteerWithdrawn` once they left."""
    if row.status not in (VolunteerStatus.ACTIVE.value, VolunteerStatus.MOVING.value) or row.birth_date is None:
        raise VolunteerWithdrawn(volunteer_id=row.id)
    consented = await session.scalar(
        select(guardian_consents.c.volunteer_id).where(guardian_consents.c.volunteer_id == row.id)
    )
    activities = (
        await session.execute(
            select(volunteer_desired_activities.c.activity_type, volunteer_desired_activities.c.sub_field)
            .where(volunteer_desired_activities.c.volunteer_id == row.id)
            .order_by(volunteer_desired_activities.c.activity_type, volunteer_desired_activities.c.sub_field)
        )
    ).all()
    regions = (
        await session.scalars(
            select(volunteer_desired_regions.c.region)
            .where(volunteer_desired_regions.c.volunteer_id == row.id)
            .order_by(volunteer_desired_regions.c.region)
        )
    ).all()
    return VolunteerFactsView(
        volunteer_id=row.id,
        status=VolunteerStanding(row.status),
        region=row.region,
        district=row.district,
        birth_date=row.birth_date,
        guardian_consented=consented is not None,
        desired_activities=[
            DesiredActivity(activity_type=ActivityType(kind), sub_field=sub or None) for kind, sub in activities
        ],
        desired_regions=list(regions),
    )


class FactsOf:
    """Where a volunteer's facts come from. `served` are the regions this deployment serves; without `rpc` (a
    registry on its own, in tests) every region counts as served and nothing is asked of another registry."""

    def __init__(self, rpc: RpcClient | None = None, served: Collection[str] = ()) -> None:
        self.rpc = rpc
        self.served = frozenset(served) if rpc is not None else frozenset(REGIONS)

    async def __call__(self, volunteer_id: UUID, *, session: AsyncSession) -> VolunteerFactsView:
        """The volunteer's facts, from `session` when this registry keeps them (their row held until it ends, so a
        withdrawal or a handover waits for what is decided with them), else from the registry that keeps them (the
        one their id names, which sends the request on if they moved; that registry records the read)."""
        try:
            return await facts_here(session, await volunteer_kept_here(session, volunteer_id, hold=True))
        except VolunteerNotFound:
            if (region_of(volunteer_id) or NATIONAL) in self.served:
                raise
        except VolunteerMoved:
            if self.rpc is None:
                raise
        assert self.rpc is not None
        return await self.rpc.call(VOLUNTEER_FACTS, VolunteerFacts(volunteer_id=volunteer_id))
