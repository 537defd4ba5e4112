"""Matching (희망봉사활동 → 배치): recommendations for a volunteer and for a centre. Reads only: the candidates are
found in SQL (`queries`) and scored by `domain.match`. The volunteers a newly posted recruitment is announced to are
picked by `queries.announce_matches` when the registry's own consumer of `recruitment.posted` takes the posting
(`on_recruitments_posted`), and staged in that consumer's transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import aclosing
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.registry import RecruitmentPostedV1
from vms_contracts.regions import REGIONS
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    RecommendedRecruitment,
    RecommendedRecruitments,
    RecommendedVolunteer,
    RecommendedVolunteers,
    RecommendRecruitments,
    RecommendVolunteers,
)
from vms_platform.actor import authorize, require_scope
from vms_platform.clock import KST
from vms_platform.db import Database
from vms_platform.jetstream import CONSUMERS
from vms_platform.logging import trace
from vms_platform.outbox import Outbox
from vms_registry.domain import VolunteerNotFound, VolunteerStatus, VolunteerWithdrawn
from vms_registry.matching import domain, queries
from vms_registry.recruitments.domain import RecruitmentNotFound
from vms_registry.recruitments.rows import eligibility, opening, recruitment_select, recruitment_view
from vms_registry.recruitments.tables import recruitments
from vms_registry.regions.facts import moved_away

# `eligibility`, `opening`, `recruitment_select` and `recruitment_view` are the recruitments' own reading of a
# row (who may apply, whether it takes applications now, how it is shown): matching decides none of it again.

AnyRow = Row[tuple[Any, ...]]


def now_kst() -> datetime:
    return datetime.now(KST)


MATCHES_CONSUMER = CONSUMERS["registry-matches"]


class MatchingHandlers:
    def __init__(
        self,
        db: Database,
        outbox: Outbox | None = None,
        *,
        served: Collection[str] = tuple(REGIONS),
        clock: Callable[[], datetime] = now_kst,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.served = frozenset(served)
        self.clock = clock

    def today(self) -> date:
        """Today in Korea: whether a recruitment takes applications is decided by the Korean day."""
        return self.clock().astimezone(KST).date()

    async def recommend_recruitments(self, query: RecommendRecruitments, actor: Actor) -> RecommendedRecruitments:
        """추천 봉사자모집: for the volunteer themselves, the recruitments taking applications now that they may apply
        to alone, best first by what they registered as their wish (희망봉사활동, brochure §3 step 3), each with its
        reasons. A volunteer who wished no activity gets those where they serve (their home 시·도 when they named
        none), by their time and place.

        The candidates come best rank first (`queries.recruitment_candidates`); the reading stops once not even a
        candidate scoring all that its rank leaves open could be kept."""
        require_scope(actor, rpc.RECOMMEND_RECRUITMENTS.operation, volunteer=query.volunteer_id)
        today = self.today()
        async with self.db.read() as session:
            person = await _active_volunteer(session, query.volunteer_id)
            wishes = (await queries.wishes_of(session, [person]))[person.id]
            best: domain.Best[tuple[date, UUID]] = domain.Best(query.limit)
            candidates = queries.recruitment_candidates(session, person.id, wishes, person.birth_date, today)
            async with aclosing(candidates) as rows:
                async for row in rows:
                    # Candidates come in the tie-break's order within a rank, so once one could not be kept, no
                    # later one could: a later one of its rank comes after it, one of a lower rank scores less.
                    if not best.could_keep(
                        queries.best_possible(row.rank, queries.RECRUITMENT_RANKED), (row.start_date, row.id)
                    ):
                        break
                    if not opening(row).accepting(today):
                        continue
                    if not domain.may_apply_alone(eligibility(row), person.birth_date, row.start_date):
                        continue
                    best.offer(domain.match(wishes, queries.posting_of(row)), (row.start_date, row.id))
            whole = await _recruitment_rows(session, [recruitment_id for _, (_, recruitment_id) in best.kept])
        items = []
        for found, (_, recruitment_id) in best.kept:
            view = recruitment_view(whole[recruitment_id], today)
            if view.accepting:  # as it stands now: an application may have taken its last place meanwhile
                items.append(RecommendedRecruitment(recruitment=view, score=found.score, reasons=list(found.reasons)))
        return RecommendedRecruitments(items=items)

    async def recommend_volunteers(self, query: RecommendVolunteers, actor: Actor) -> RecommendedVolunteers:
        """모집에 맞는 봉사자 추천: for the manager of the recruitment's centre, the active volunteers who wish its
        type of activity where it takes place and may apply to it, best first (배치 by 희망분야 and 특기, brochure §3
        step 4), each by a masked name and the reasons; the full name is the volunteer's to give."""
        operation = rpc.RECOMMEND_VOLUNTEERS.operation
        authorize(operation, actor)
        async with self.db.transaction() as session:
            row = await queries.recruitment_row(session, query.recruitment_id)
            if row is None:
                raise RecruitmentNotFound(recruitment_id=query.recruitment_id)
            require_scope(actor, operation, centre=row.centre_id, region=row.region)
            best = await queries.best_volunteers(session, row, limit=query.limit)
        return RecommendedVolunteers(
            items=[
                RecommendedVolunteer(
                    volunteer_id=person.id,
                    masked_name=domain.masked_name(person.name),
                    score=found.score,
                    reasons=list(found.reasons),
                )
                for person, found in best
            ]
        )

    # -- events ------------------------------------------------------------------------------------------------

    async def on_recruitments_posted(self, session: AsyncSession, events: list[Envelope[RecruitmentPostedV1]]) -> None:
        """Announce each recruitment posted in a region this deployment serves to the volunteers whose wishes it
        meets (`queries.announce_matches`), in the consumer's transaction: once per posting, however often the event
        is delivered (the inbox), and to no one when it was closed before its turn came."""
        if self.outbox is None:
            raise RuntimeError("matching announces through an outbox: give MatchingHandlers one")
        for envelope in events:
            posted = envelope.data
            if posted.region not in self.served:
                continue
            # Caused by the posting, in the conversation of the request that posted it, on its account's behalf.
            with trace(
                event_id=str(envelope.id),
                correlation_id=envelope.correlationid or str(envelope.id),
                actor=envelope.actorid,
            ):
                matched = await queries.announce_matches(session, posted.recruitment_id)
                await self.outbox.stage_many(session, [(event, event.region) for event in matched])


READABLE = (VolunteerStatus.ACTIVE.value, VolunteerStatus.MOVING.value)


async def _active_volunteer(session: AsyncSession, volunteer_id: UUID) -> AnyRow:
    """The volunteer this registry keeps, read while active or being handed over; one who moved to another
    deployment's region is answered with where they went (`VOLUNTEER_MOVED`), which callers follow."""
    person = await queries.volunteer_row(session, volunteer_id)
    if person is None:
        raise VolunteerNotFound(volunteer_id=volunteer_id)
    if person.status == VolunteerStatus.MOVED.value:
        raise await moved_away(session, volunteer_id)
    if person.status not in READABLE or person.birth_date is None:
        raise VolunteerWithdrawn(volunteer_id=volunteer_id)
    return person


async def _recruitment_rows(session: AsyncSession, recruitment_ids: Sequence[UUID]) -> dict[UUID, AnyRow]:
    """The recruitments recommended, whole, as the recruitments' own view reads them."""
    if not recruitment_ids:
        return {}
    rows = await session.execute(recruitment_select().where(recruitments.c.id.in_(recruitment_ids)))
    return {row.id: row for row in rows}
