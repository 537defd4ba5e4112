"""The rules of community service teams (지역사회봉사단, brochure §5). Pure: no I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from vms_contracts.actor import Actor, Role
from vms_contracts.reference import TEAM_FIELD_LABELS, TeamField
from vms_contracts.rpc.registry import MIN_GROUP, CentreStatus, TeamApplicationKind, TeamStatus
from vms_platform.errors import NotFound, RuleViolation
from vms_registry.domain import CentreNotAccredited, centre_status_name
from vms_registry.teams import messages as _messages  # noqa: F401  (the texts of the errors below)


class TeamNotFound(NotFound):
    code = "TEAM_NOT_FOUND"


class TeamMembersNotFound(NotFound):
    code = "TEAM_MEMBERS_NOT_FOUND"


class TeamMembersWithdrawn(RuleViolation):
    code = "TEAM_MEMBERS_WITHDRAWN"


class GroupTooSmall(RuleViolation):
    code = "TEAM_GROUP_TOO_SMALL"


class AlreadyInTeam(RuleViolation):
    code = "ALREADY_IN_TEAM"


class TeamStatusWrong(RuleViolation):
    code = "TEAM_STATUS"


class TeamCentreNotInRegion(RuleViolation):
    code = "TEAM_CENTRE_NOT_IN_REGION"


STANDING = (TeamStatus.APPLIED, TeamStatus.APPOINTED, TeamStatus.PLACED)
"""The states in which a team holds its members: a person is in at most one standing team of a field in a region."""

PUBLIC = (TeamStatus.APPOINTED, TeamStatus.PLACED)
"""What 지역사회봉사단 조회 shows anyone: teams the council appointed. Applications and declined ones are the
council's business."""

STATUS_NAMES: dict[TeamStatus, tuple[str, str]] = {
    TeamStatus.APPLIED: ("신청", "applied"),
    TeamStatus.APPOINTED: ("위촉", "appointed"),
    TeamStatus.DECLINED: ("위촉 거절", "declined"),
    TeamStatus.PLACED: ("배치", "placed"),
}


ACTIVE = "active"
"""A volunteer's status while they are a member (the other is `withdrawn`)."""


def members_of(kind: TeamApplicationKind, leader_id: UUID, member_ids: Iterable[UUID]) -> list[UUID]:
    """The people of an application, the leader first, each once. 지역사회봉사단 is joined "as an individual or as a
    group of 5 or more": a group counts its leader, however the members were listed."""
    people = list(dict.fromkeys([leader_id, *member_ids]))
    if kind is TeamApplicationKind.GROUP and len(people) < MIN_GROUP:
        raise GroupTooSmall(min=MIN_GROUP, count=len(people))
    return people


def skill_key(skill: str) -> str:
    """A skill as it is stored and searched: NFC, lower case, single spaces, so `도배`, `CAD` and `cad` are found
    however they were typed (brochure §5: teams are found by region and by skill)."""
    return " ".join(unicodedata.normalize("NFC", skill).lower().split())


def skill_keys(skills: Iterable[str]) -> list[str]:
    """Each skill once, in the order given, after `skill_key`."""
    return list(dict.fromkeys(key for key in map(skill_key, skills) if key))


def refuse_unknown_or_withdrawn(people: Sequence[UUID], statuses: dict[UUID, str]) -> None:
    """Every member is a volunteer this registry knows and who has not withdrawn: a team is made of registered
    volunteers (등록봉사자), each named in the refusal when not."""
    unknown = [person for person in people if person not in statuses]
    if unknown:
        raise TeamMembersNotFound(volunteer_ids=_listed(unknown))
    withdrawn = [person for person in people if statuses[person] != ACTIVE]
    if withdrawn:
        raise TeamMembersWithdrawn(volunteer_ids=_listed(withdrawn))


@dataclass(frozen=True)
class Application:
    """What makes one application the same as another: sent again (a retry), it is answered with the team it made."""

    region: str
    field: TeamField
    kind: TeamApplicationKind
    name: str
    leader_id: UUID
    people: frozenset[UUID]
    skills: tuple[str, ...]
    description: str | None
    district: str | None


@dataclass(frozen=True)
class StandingMembership:
    volunteer_id: UUID
    team_id: UUID
    team: Application


def decide_application(wanted: Application, standing: Sequence[StandingMembership]) -> UUID | None:
    """None when the people are free to form the team; the team's id when this very application was made before;
    `AlreadyInTeam` naming the first person already in another standing team of the same field and region
    (one team per person, field and region)."""
    for membership in standing:
        if membership.team == wanted:
            return membership.team_id
    if standing:
        first = min(standing, key=lambda m: (m.volunteer_id != wanted.leader_id, str(m.volunteer_id)))
        label = TEAM_FIELD_LABELS[wanted.field]
        raise AlreadyInTeam(
            volunteer_id=first.volunteer_id,
            team_id=first.team_id,
            field=wanted.field.value,
            field_name=label.ko,
            field_name_en=label.en,
        )
    return None


@dataclass(frozen=True)
class Transition:
    """What a council does to a team, from which state to which (신청 → 위촉 → 배치, or 신청 → 위촉 거절)."""

    action: str
    action_name: str
    source: TeamStatus
    target: TeamStatus


APPOINT = Transition("appointed", "위촉", TeamStatus.APPLIED, TeamStatus.APPOINTED)
DECLINE = Transition("declined", "위촉 거절", TeamStatus.APPLIED, TeamStatus.DECLINED)
PLACE = Transition("placed", "배치", TeamStatus.APPOINTED, TeamStatus.PLACED)


def settle(transition: Transition, team_id: UUID, current: TeamStatus, *, same_request: bool = True) -> None:
    """When the conditional write found the team no longer in `transition.source`: the same request again (the
    team already where it would take it, the same way) is answered as before; anything else is refused, naming
    the team's status."""
    if current is transition.target and same_request:
        return
    name, name_en = STATUS_NAMES[current]
    raise TeamStatusWrong(
        team_id=team_id,
        status=name_en,
        status_name=name,
        action_en=transition.action,
        action_name=transition.action_name,
        expected=STATUS_NAMES[transition.source][1],
        expected_name=STATUS_NAMES[transition.source][0],
    )


def refuse_centre(team_region: str, centre_id: UUID, centre_region: str, centre_status: str) -> None:
    """A team is placed 'where it wishes in its community' (brochure §5): at a centre of its own region, one the
    council accredited."""
    if centre_region != team_region:
        raise TeamCentreNotInRegion(centre_id=centre_id, centre_region=centre_region, region=team_region)
    if centre_status != CentreStatus.ACCREDITED.value:
        raise CentreNotAccredited(
            centre_id=centre_id, status=centre_status, status_name=centre_status_name(centre_status)
        )


def sees_leader(actor: Actor, region: str, leader_id: UUID) -> bool:
    """Who leads a team is told to the leader, the team's council and the central council; anyone else sees the
    team, not who is in it."""
    return actor.volunteer_id == leader_id or sees_applications(actor, region)


def sees_applications(actor: Actor, region: str | None) -> bool:
    """Applications and declined teams are shown to the council they were sent to (of `region`; None is every
    region) and to the central council."""
    return actor.role is Role.CENTRAL_ADMIN or (
        actor.role is Role.COUNCIL_ADMIN and region is not None and actor.region == region
    )


def _listed(ids: Iterable[UUID]) -> str:
    return ", ".join(str(i) for i in ids)
