"""The rules of moving between regions. Pure: no I/O.

A volunteer's id is theirs for life: hours, rewards and 1365 transfers are keyed by it, so a move never splits
their history. The id names the region that registered them; after a move to a region another deployment keeps,
that deployment's registry keeps them under the same id, and the one they left answers `VOLUNTEER_MOVED`.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from uuid import UUID

from vms_contracts.regions import REGIONS
from vms_platform.errors import Conflict, NotFound, RuleViolation
from vms_registry.domain import VolunteerStatus
from vms_registry.regions import messages as _messages  # noqa: F401  (the texts of the errors below)


def _names(region: str) -> dict[str, str]:
    """A region's name in the Korean text (`부산광역시`) and in the English one (`region 26`)."""
    known = REGIONS.get(region)
    return {"region_name": known.name if known else region, "region_name_en": f"region {region}"}


class VolunteerMoved(NotFound):
    """The volunteer moved to a region another deployment keeps: only their id and where they went are left here.
    `vms_platform.rpc.RpcClient` asks `region` in this registry's place."""

    code = "VOLUNTEER_MOVED"

    def __init__(self, *, volunteer_id: UUID, region: str) -> None:
        super().__init__(volunteer_id=volunteer_id, region=region, **_names(region))


class VolunteerMoving(Conflict):
    """While a volunteer is handed over, their record here is read and changed by no one: what changed now would
    not reach the registry that keeps them next."""

    code = "VOLUNTEER_MOVING"


class AlreadyInRegion(RuleViolation):
    code = "ALREADY_IN_REGION"

    def __init__(self, *, region: str) -> None:
        super().__init__(region=region, **_names(region))


class HandoverNotRequested(RuleViolation):
    """A registry asked for a volunteer's record who is not moving to its region: nothing is handed over."""

    code = "HANDOVER_NOT_REQUESTED"


class Move(Enum):
    WITHIN = "within"
    """Both regions are served by this deployment: the region changes in one transaction."""
    HANDOVER = "handover"
    """Another deployment keeps the new region: the record is handed over to it by event."""


def decide_move(current: str, wanted: str, served: Collection[str]) -> Move:
    """이사: moving to the region one already lives in is no move (a new 시·군·구 there is a profile change);
    otherwise the deployment that serves the new region decides how."""
    if wanted == current:
        raise AlreadyInRegion(region=current)
    return Move.WITHIN if wanted in served else Move.HANDOVER


def same_handover(pending: tuple[str, str | None], wanted: tuple[str, str | None]) -> bool:
    """The same move asked again while it is handed over ((region, district) both times): the same answer."""
    return pending == wanted


KEPT_HERE = (VolunteerStatus.ACTIVE.value, VolunteerStatus.MOVING.value, VolunteerStatus.WITHDRAWN.value)
"""The statuses of a volunteer this registry keeps (a `moved` row is only a forwarding address)."""
