"""Community service teams (지역사회봉사단): one function per request, as the registry's other handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Row, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.events.registry import (
    TeamAppliedV1,
    TeamAppointedV1,
    TeamDeclinedV1,
    TeamLeaving,
    TeamMemberLeftV1,
    TeamPlacedV1,
)
from vms_contracts.ids import new_id
from vms_contracts.reference import TeamField
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    ApplyTeam,
    DeclineTeam,
    PlaceTeam,
    SearchTeams,
    TeamApplicationKind,
    TeamList,
    TeamRef,
    TeamStatus,
    TeamView,
)
from vms_platform.actor import OutOfScope, authorize, refused, require_scope
from vms_platform.db import Database
from vms_platform.outbox import Outbox
from vms_registry.db import centres, volunteers
from vms_registry.domain import CentreNotFound, VolunteerStatus
from vms_registry.teams import domain
from vms_registry.teams.tables import team_members, team_skills, teams

T = TypeVar("T")
TeamRow = Row[tuple[Any, ...]]

LEADER, MEMBER = "leader", "member"


class TeamHandlers:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    # -- applying ------------------------------------------------------------------------------------------------

    async def apply_team(self, cmd: ApplyTeam, actor: Actor) -> TeamView:
        """The leader applies, for themselves, to the council of `region`: alone or with a group of 5 or more
        registered volunteers, each in no other standing team of the same field there.

        The same application sent again answers with the team it made. Two applications naming the same person
        racing: both may read the person free, but the membership rows' unique key lets only one commit; the other
        hits it, reads again and is refused with the team that won."""
        require_scope(actor, rpc.APPLY_TEAM.operation, volunteer=cmd.leader_id)
        people = domain.members_of(cmd.kind, cmd.leader_id, cmd.member_ids)
        skills = domain.skill_keys(cmd.skills)
        wanted = domain.Application(
            region=cmd.region,
            field=cmd.field,
            kind=cmd.kind,
            name=cmd.name,
            leader_id=cmd.leader_id,
            people=frozenset(people),
            skills=tuple(sorted(skills)),
            description=cmd.description,
            district=cmd.district,
        )

        async def attempt(session: AsyncSession) -> TeamView:
            domain.refuse_unknown_or_withdrawn(people, await _statuses_held(session, people))
            made_before = domain.decide_application(wanted, await _standing_memberships(session, wanted))
            if made_before is not None:
                return await _team_view(session, await _team_row(session, made_before), actor)
            team_id, now = new_id(cmd.region), datetime.now(UTC)
            await session.execute(
                insert(teams).values(
                    id=team_id,
                    region=cmd.region,
                    district=cmd.district,
                    name=cmd.name,
                    field=cmd.field.value,
                    kind=cmd.kind.value,
                    leader_id=cmd.leader_id,
                    member_count=len(people),
                    description=cmd.description,
                    status=TeamStatus.APPLIED.value,
                    applied_at=now,
                    applied_by=actor.account_id,
                    changed_at=now,
                    changed_by=actor.account_id,
                )
            )
            await session.execute(
                insert(team_members),
                [
                    {
                        "team_id": team_id,
                        "volunteer_id": person,
                        "role": LEADER if person == cmd.leader_id else MEMBER,
                        "region": cmd.region,
                        "field": cmd.field.value,
                        "standing": True,
                    }
                    # In id order, so that two applications sharing people wait on each other's rows in the same
                    # order and never deadlock.
                    for person in sorted(people)
                ],
            )
            if skills:
                await session.execute(insert(team_skills), [{"team_id": team_id, "skill": skill} for skill in skills])
            await self.outbox.stage(
                session,
                TeamAppliedV1(
                    team_id=team_id,
                    region=cmd.region,
                    field=cmd.field.value,
                    kind=cmd.kind.value,
                    at=now,
                    member_count=len(people),
                ),
                region=cmd.region,
            )
            return await _team_view(session, await _team_row(session, team_id), actor)

        return await self._once_more_on_conflict(attempt)

    # -- the council's decisions ---------------------------------------------------------------------------------

    async def appoint_team(self, ref: TeamRef, actor: Actor) -> TeamView:
        """위촉: the council of the team's region (or the central council) appoints an applied team, once however
        often it is asked; its members are announced with it."""
        authorize(rpc.APPOINT_TEAM.operation, actor)
        async with self.db.transaction() as session:
            team = await _team_row(session, ref.team_id)
            require_scope(actor, rpc.APPOINT_TEAM.operation, region=team.region)
            changed = await _change_status(session, team.id, domain.APPOINT, actor)
            if changed is None:
                return await _settled(session, domain.APPOINT, await _team_row(session, team.id), actor)
            members = await _member_ids(session, team.id)
            await self.outbox.stage(
                session,
                TeamAppointedV1(
                    team_id=changed.id,
                    region=changed.region,
                    field=changed.field,
                    kind=changed.kind,
                    at=changed.changed_at,
                    member_ids=members,
                ),
                region=changed.region,
            )
            return await _team_view(session, changed, actor)

    async def decline_team(self, cmd: DeclineTeam, actor: Actor) -> TeamView:
        """위촉 거절: the council declines an applied team, with its reason; its people are free to apply again."""
        authorize(rpc.DECLINE_TEAM.operation, actor)
        async with self.db.transaction() as session:
            team = await _team_row(session, cmd.team_id)
            require_scope(actor, rpc.DECLINE_TEAM.operation, region=team.region)
            changed = await _change_status(session, team.id, domain.DECLINE, actor, reason=cmd.reason)
            if changed is None:
                return await _settled(session, domain.DECLINE, await _team_row(session, team.id), actor)
            await session.execute(update(team_members).where(team_members.c.team_id == team.id).values(standing=False))
            await self.outbox.stage(
                session,
                TeamDeclinedV1(
                    team_id=changed.id,
                    region=changed.region,
                    field=changed.field,
                    kind=changed.kind,
                    at=changed.changed_at,
                    reason=cmd.reason,
                ),
                region=changed.region,
            )
            return await _team_view(session, changed, actor)

    async def place_team(self, cmd: PlaceTeam, actor: Actor) -> TeamView:
        """배치: the council places an appointed team at an accredited centre of the team's region. The centre's row
        is held while the team is placed, so a suspension committing at the same moment waits for it (or wins,
        and the team is refused)."""
        authorize(rpc.PLACE_TEAM.operation, actor)
        async with self.db.transaction() as session:
            team = await _team_row(session, cmd.team_id)
            require_scope(actor, rpc.PLACE_TEAM.operation, region=team.region)
            if team.status != domain.PLACE.source.value:
                # Placed already (here: the same answer again) or not appointed: said before the centre is looked at.
                return await _settled(session, domain.PLACE, team, actor, same_request=team.centre_id == cmd.centre_id)
            centre = (
                await session.execute(
                    select(centres.c.id, centres.c.region, centres.c.status)
                    .where(centres.c.id == cmd.centre_id)
                    .with_for_update(read=True)
                )
            ).one_or_none()
            if centre is None:
                raise CentreNotFound(centre_id=cmd.centre_id)
            domain.refuse_centre(team.region, centre.id, centre.region, centre.status)
            changed = await _change_status(session, team.id, domain.PLACE, actor, centre_id=cmd.centre_id)
            if changed is None:
                current = await _team_row(session, team.id)
                return await _settled(
                    session, domain.PLACE, current, actor, same_request=current.centre_id == cmd.centre_id
                )
            await self.outbox.stage(
                session,
                TeamPlacedV1(
                    team_id=changed.id,
                    region=changed.region,
                    field=changed.field,
                    kind=changed.kind,
                    at=changed.changed_at,
                    centre_id=cmd.centre_id,
                ),
                region=changed.region,
            )
            return await _team_view(session, changed, actor)

    # -- finding teams (지역사회봉사단 조회) -----------------------------------------------------------------------

    async def get_team(self, ref: TeamRef, actor: Actor) -> TeamView:
        """Anyone reads an appointed or placed team; an application or a declined one only its council and the
        central council."""
        authorize(rpc.GET_TEAM.operation, actor)
        async with self.db.transaction() as session:
            team = await _team_row(session, ref.team_id)
            if TeamStatus(team.status) not in domain.PUBLIC and not domain.sees_applications(actor, team.region):
                raise OutOfScope(**refused(rpc.GET_TEAM.operation, actor.role))
            return await _team_view(session, team, actor)

    async def search_teams(self, query: SearchTeams, actor: Actor) -> TeamList:
        """Teams by region, field and a word of a skill, newest first. Without a status, the appointed and placed
        ones; asking for applications or declined teams is the council's (its own region: a council asking
        without a region gets its own) and the central council's."""
        authorize(rpc.SEARCH_TEAMS.operation, actor)
        region = query.region
        if query.status is None:
            # A team whose last member left (withdrew, moved away) is its council's to settle, not one to find.
            matching: list[ColumnElement[bool]] = [
                teams.c.status.in_([s.value for s in domain.PUBLIC]),
                teams.c.member_count > 0,
            ]
        else:
            if query.status not in domain.PUBLIC:
                region = region or actor.region
                if not domain.sees_applications(actor, region):
                    raise OutOfScope(**refused(rpc.SEARCH_TEAMS.operation, actor.role))
            matching = [teams.c.status == query.status.value]
        if region is not None:
            matching.append(teams.c.region == region)
        if query.field is not None:
            matching.append(teams.c.field == query.field.value)
        if query.skill is not None and (word := domain.skill_key(query.skill)):
            matching.append(
                exists().where(
                    team_skills.c.team_id == teams.c.id,
                    team_skills.c.skill.like(f"%{_escape_like(word)}%", escape="\\"),
                )
            )
        async with self.db.transaction() as session:
            total = await session.scalar(select(func.count()).select_from(teams).where(*matching))
            rows = (
                await session.execute(
                    select(teams)
                    .where(*matching)
                    .order_by(teams.c.applied_at.desc(), teams.c.id.desc())
                    .limit(query.limit)
                    .offset(query.offset)
                )
            ).all()
            items = await _views(session, rows, actor)
        return TeamList(items=items, total=int(total or 0))

    async def _once_more_on_conflict(self, attempt: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """An application that lost a race on the membership key: the second attempt reads what the winner wrote
        and answers with it (the same application) or refuses naming it (another team)."""
        try:
            async with self.db.transaction() as session:
                return await attempt(session)
        except IntegrityError:
            async with self.db.transaction() as session:
                return await attempt(session)


async def _statuses_held(session: AsyncSession, people: Sequence[UUID]) -> dict[UUID, str]:
    """Each known person's status, their rows held (shared) until the application commits: a withdrawal cannot
    slip in between the check and the membership. One who moved to another deployment's region is not known here
    any more (a team is made of its region's volunteers)."""
    rows = (
        await session.execute(
            select(volunteers.c.id, volunteers.c.status)
            .where(volunteers.c.id.in_(people), volunteers.c.status != VolunteerStatus.MOVED.value)
            .order_by(volunteers.c.id)
            .with_for_update(read=True)
        )
    ).all()
    return {row.id: row.status for row in rows}


async def _standing_memberships(session: AsyncSession, wanted: domain.Application) -> list[domain.StandingMembership]:
    """The people of `wanted` who are already in a standing team of its field and region, with those teams."""
    rows = (
        await session.execute(
            select(team_members.c.volunteer_id, team_members.c.team_id).where(
                team_members.c.volunteer_id.in_(wanted.people),
                team_members.c.region == wanted.region,
                team_members.c.field == wanted.field.value,
                team_members.c.standing,
            )
        )
    ).all()
    found: dict[UUID, domain.Application] = {}
    for team_id in {row.team_id for row in rows}:
        found[team_id] = await _application_of(session, await _team_row(session, team_id))
    return [domain.StandingMembership(row.volunteer_id, row.team_id, found[row.team_id]) for row in rows]


async def _application_of(session: AsyncSession, team: TeamRow) -> domain.Application:
    people = (await session.scalars(select(team_members.c.volunteer_id).where(team_members.c.team_id == team.id))).all()
    skills = (await _skills_of(session, [team.id])).get(team.id, [])
    return domain.Application(
        region=team.region,
        field=TeamField(team.field),
        kind=TeamApplicationKind(team.kind),
        name=team.name,
        leader_id=team.leader_id,
        people=frozenset(people),
        skills=tuple(sorted(skills)),
        description=team.description,
        district=team.district,
    )


async def _team_row(session: AsyncSession, team_id: UUID) -> TeamRow:
    row = (await session.execute(select(teams).where(teams.c.id == team_id))).one_or_none()
    if row is None:
        raise domain.TeamNotFound(team_id=team_id)
    return row


async def _change_status(
    session: AsyncSession, team_id: UUID, transition: domain.Transition, actor: Actor, **values: Any
) -> TeamRow | None:
    """The conditional write of a council's decision: the team moves only from `transition.source`; the row that
    comes back, if any, is the change to announce."""
    return (
        await session.execute(
            update(teams)
            .where(teams.c.id == team_id, teams.c.status == transition.source.value)
            .values(status=transition.target.value, changed_at=datetime.now(UTC), changed_by=actor.account_id, **values)
            .returning(*teams.c)
        )
    ).one_or_none()


async def _settled(
    session: AsyncSession, transition: domain.Transition, team: TeamRow, actor: Actor, *, same_request: bool = True
) -> TeamView:
    """Nothing changed: the team as it stands, when the same decision was already made; else the refusal."""
    domain.settle(transition, team.id, TeamStatus(team.status), same_request=same_request)
    return await _team_view(session, team, actor)


async def leave_teams(
    session: AsyncSession,
    outbox: Outbox,
    volunteer_id: UUID,
    reason: TeamLeaving,
    *,
    staying_in: str | None = None,
) -> list[UUID]:
    """The volunteer leaves every standing team they are in (of a region other than `staying_in`, for one who moved
    within this deployment), in the caller's transaction: their membership goes, the team counts one fewer and
    `team.member_left` is staged. Each team's row is locked first, as its council's decisions lock it. Returns the
    teams left."""
    held = (
        await session.execute(
            select(team_members.c.team_id, team_members.c.role)
            .where(team_members.c.volunteer_id == volunteer_id, team_members.c.standing)
            .order_by(team_members.c.team_id)
        )
    ).all()
    left: list[UUID] = []
    now = datetime.now(UTC)
    for team_id, role in held:
        team = (await session.execute(select(teams).where(teams.c.id == team_id).with_for_update())).one()
        if team.region == staying_in:
            continue
        await session.execute(
            delete(team_members).where(team_members.c.team_id == team_id, team_members.c.volunteer_id == volunteer_id)
        )
        count = (
            await session.execute(
                update(teams)
                .where(teams.c.id == team_id)
                .values(member_count=teams.c.member_count - 1, changed_at=now)
                .returning(teams.c.member_count)
            )
        ).scalar_one()
        await outbox.stage(
            session,
            TeamMemberLeftV1(
                team_id=team.id,
                region=team.region,
                field=team.field,
                kind=team.kind,
                at=now,
                volunteer_id=volunteer_id,
                reason=reason,
                leader=role == LEADER,
                member_count=count,
            ),
            region=team.region,
        )
        left.append(team_id)
    return left


async def _member_ids(session: AsyncSession, team_id: UUID) -> list[UUID]:
    """The team's people, the leader first, then by id."""
    rows = (
        await session.execute(
            select(team_members.c.volunteer_id, team_members.c.role).where(team_members.c.team_id == team_id)
        )
    ).all()
    return [row.volunteer_id for row in sorted(rows, key=lambda r: (r.role != LEADER, str(r.volunteer_id)))]


async def _skills_of(session: AsyncSession, team_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    if not team_ids:
        return {}
    rows = (
        await session.execute(
            select(team_skills.c.team_id, team_skills.c.skill)
            .where(team_skills.c.team_id.in_(team_ids))
            .order_by(team_skills.c.team_id, team_skills.c.skill)
        )
    ).all()
    skills: dict[UUID, list[str]] = {}
    for row in rows:
        skills.setdefault(row.team_id, []).append(row.skill)
    return skills


async def _team_view(session: AsyncSession, team: TeamRow, actor: Actor) -> TeamView:
    return (await _views(session, [team], actor))[0]


async def _views(session: AsyncSession, rows: Sequence[TeamRow], actor: Actor) -> list[TeamView]:
    """What `actor` may see of each team: no member is named, not even by id, only how many they are; the leader's
    id to the leader, the team's council and the central council alone. The centre it is placed at by name."""
    skills = await _skills_of(session, [row.id for row in rows])
    placed_at = sorted({row.centre_id for row in rows if row.centre_id is not None})
    names: dict[UUID, str] = {}
    if placed_at:
        found = await session.execute(select(centres.c.id, centres.c.name).where(centres.c.id.in_(placed_at)))
        names = {row.id: row.name for row in found}
    return [
        TeamView(
            id=team.id,
            region=team.region,
            district=team.district,
            name=team.name,
            field=TeamField(team.field),
            kind=TeamApplicationKind(team.kind),
            leader_id=team.leader_id if domain.sees_leader(actor, team.region, team.leader_id) else None,
            member_count=team.member_count,
            skills=skills.get(team.id, []),
            description=team.description,
            status=TeamStatus(team.status),
            reason=team.reason,
            centre_id=team.centre_id,
            centre_name=names.get(team.centre_id) if team.centre_id is not None else None,
            applied_at=team.applied_at,
            changed_at=team.changed_at,
        )
        for team in rows
    ]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
