"""What matching reads from the registry's tables: a volunteer's wishes, and the candidates on either side, found by
the indexes and cut to a few thousand before they are scored whole (`domain.match`); and the volunteers a newly
posted recruitment is announced to (`announce_matches`, for the registry's consumer of `recruitment.posted`).

A candidate is found by what it must have (an activity type the volunteer wishes, a 시·도 where they serve) and
ordered by what can be told in SQL of the reasons that add to it (the sub-field, the 시·군·구, the time), so the few
thousand scored are the best ones; the talent, found in the words, is scored in Python alone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, case, false, literal, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.events.registry import RecruitmentMatchedV1
from vms_contracts.reference import ActivityType
from vms_contracts.rpc.registry import MATCH_WEIGHTS, CentreStatus, DayPart, MatchReason, RecruitmentStatus, Weekday
from vms_registry.db import (
    centres,
    volunteer_availability,
    volunteer_desired_activities,
    volunteer_desired_regions,
    volunteer_talents,
    volunteers,
)
from vms_registry.domain import VolunteerStatus
from vms_registry.matching.domain import (
    ANNOUNCED_MATCHES,
    DAY_PARTS,
    Best,
    Match,
    Posting,
    Slot,
    Wishes,
    adult_from,
    adults_born_by,
    match,
    may_apply_alone,
    talent_key,
    worth_announcing,
)
from vms_registry.recruitments.domain import eligibility_of
from vms_registry.recruitments.tables import STANDING_STATUSES, applications, recruitments

AnyRow = Row[tuple[Any, ...]]

CANDIDATES = 2000
"""The most candidates scored whole for one answer; the rest rank below them by what SQL can already tell."""
BATCH = 100
"""Candidates read first; the rest (up to `CANDIDATES`) only when the first did not hold enough."""

_r = recruitments.c
_v = volunteers.c
_wishes = volunteer_desired_activities.c
_regions = volunteer_desired_regions.c
_slots = volunteer_availability.c


CANDIDATE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    _r.id,
    _r.activity_type,
    _r.sub_field,
    _r.region,
    _r.district,
    _r.weekdays,
    _r.start_time,
    _r.end_time,
    _r.start_date,
    _r.end_date,
    _r.last_apply_day,
    _r.title,
    _r.description,
    _r.status,
    _r.capacity,
    _r.taken,
    _r.for_adults,
    _r.for_youth,
    _r.for_groups,
    centres.c.status.label("centre_status"),
)
"""What a candidate recruitment is scored and judged by; the whole of it is read for those recommended only."""

RANKED = (MatchReason.SUB_FIELD, MatchReason.DISTRICT, MatchReason.AVAILABILITY)
"""The reasons a candidate volunteer's `rank` counts: the points it will score for them."""
RECRUITMENT_RANKED = (*RANKED, MatchReason.TALENT)
"""The reasons a candidate recruitment's `rank` counts. The talent is counted where it is named anywhere in the
searched text (its place and centre too), so the rank may promise a talent the score then does not find: it is the
most the candidate can score, never less."""


def best_possible(rank: int, ranked: Sequence[MatchReason] = RANKED) -> int:
    """The most a candidate of `rank` can score: what SQL counted (the `ranked` reasons), and every reason it leaves
    to Python. Candidates come best rank first, so once this is below the last score kept, no later one can be
    kept."""
    return rank + sum(points for reason, points in MATCH_WEIGHTS.items() if reason not in ranked)


def _points(reason: MatchReason, condition: ColumnElement[bool] | None) -> ColumnElement[int]:
    if condition is None:
        return literal(0)
    return case((condition, MATCH_WEIGHTS[reason]), else_=0)


def _any(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return or_(*conditions) if conditions else None


# -- volunteers ----------------------------------------------------------------------------------------------------


def _person_select() -> Any:
    return select(_v.id, _v.name, _v.region, _v.district, _v.birth_date, _v.status)


async def volunteer_row(session: AsyncSession, volunteer_id: UUID) -> AnyRow | None:
    row: AnyRow | None = (await session.execute(_person_select().where(_v.id == volunteer_id))).one_or_none()
    return row


async def wishes_of(session: AsyncSession, people: Sequence[AnyRow]) -> dict[UUID, Wishes]:
    """Each volunteer's registered wishes (희망봉사활동, 희망활동지역, 특기, 활동 가능 시간), read in one statement for
    all: the four tables' rows, each tagged with the kind of wish it is."""
    ids = [person.id for person in people]
    if not ids:
        return {}
    activities: dict[UUID, set[tuple[ActivityType, str]]] = defaultdict(set)
    regions: dict[UUID, set[str]] = defaultdict(set)
    talents: dict[UUID, list[str]] = defaultdict(list)
    slots: dict[UUID, set[Slot]] = defaultdict(set)
    talent = volunteer_talents.c
    every = union_all(
        select(literal("activity").label("kind"), _wishes.volunteer_id, _wishes.activity_type, _wishes.sub_field).where(
            _wishes.volunteer_id.in_(ids)
        ),
        select(literal("region"), _regions.volunteer_id, _regions.region, literal("")).where(
            _regions.volunteer_id.in_(ids)
        ),
        select(literal("talent"), talent.volunteer_id, talent.talent, literal("")).where(talent.volunteer_id.in_(ids)),
        select(literal("slot"), _slots.volunteer_id, _slots.weekday, _slots.part).where(_slots.volunteer_id.in_(ids)),
    )
    for kind, volunteer_id, first, second in await session.execute(every):
        if kind == "activity":
            activities[volunteer_id].add((ActivityType(first), second))
        elif kind == "region":
            regions[volunteer_id].add(first)
        elif kind == "talent":
            talents[volunteer_id].append(first)
        else:
            slots[volunteer_id].add((Weekday(first), DayPart(second)))
    return {
        person.id: Wishes(
            region=person.region,
            district=person.district,
            activities=frozenset(activities[person.id]),
            regions=frozenset(regions[person.id]),
            talents=tuple(sorted(talents[person.id])),
            slots=frozenset(slots[person.id]),
        )
        for person in people
    }


# -- recruitments for a volunteer ----------------------------------------------------------------------------------


def taking_applications(today: date) -> list[ColumnElement[bool]]:
    """The recruitments that may be taking applications today, as an index finds them: open, not ended, before
    their deadline, places left, the centre not suspended. The recruitment's own rule
    (`recruitments.domain.Opening.accepting`) decides each one found."""
    return [
        _r.status == RecruitmentStatus.OPEN.value,
        _r.end_date >= today,
        _r.last_apply_day >= today,
        _r.taken < _r.capacity,
        centres.c.status != CentreStatus.SUSPENDED.value,
    ]


def _open_to_age(birth_date: date) -> ColumnElement[bool]:
    """The recruitments a volunteer may apply to alone by their age on the first day (`check_eligible`): for adults
    from the day they turn 만 19세, for young people before it."""
    adult = adult_from(birth_date)
    return or_(
        and_(_r.for_adults.is_(True), _r.start_date >= adult),
        and_(_r.for_youth.is_(True), _r.start_date < adult),
    )


def _held_by(volunteer_id: Any, recruitment_id: Any) -> ColumnElement[bool]:
    """An application of the volunteer to the recruitment still stands: they need not be pointed to it."""
    return (
        select(applications.c.id)
        .where(
            applications.c.recruitment_id == recruitment_id,
            applications.c.volunteer_id == volunteer_id,
            applications.c.status.in_(STANDING_STATUSES),
        )
        .exists()
    )


def _takes_place_in(slots: Iterable[Slot]) -> ColumnElement[bool] | None:
    """A recruitment on one of the weekdays whose hours overlap that part of the day (`domain.day_parts`)."""
    return _any(
        [
            and_(_r.weekdays.contains(day.value), _r.start_time < DAY_PARTS[part][1], _r.end_time > DAY_PARTS[part][0])
            for day, part in sorted(slots)
        ]
    )


async def recruitment_candidates(
    session: AsyncSession,
    volunteer_id: UUID,
    wishes: Wishes,
    birth_date: date,
    today: date,
    *,
    limit: int = CANDIDATES,
) -> AsyncGenerator[AnyRow]:
    """Recruitments that may be taking applications, in a 시·도 where the volunteer serves, of a type they wish (any
    type when they wished none), open to their age, without an application of theirs standing: the sub-field, the
    시·군·구, a talent and the time first (`RECRUITMENT_RANKED`), then the soonest. Found by the index on the type,
    the region and the last day, and read as two pages, the first `BATCH` and then the rest only when the caller
    reads past them (close it where it has found enough). Plain statements, not a cursor: the reading needs no
    transaction."""
    wished_sub_fields = [
        and_(_r.activity_type == kind.value, _r.sub_field == sub) for kind, sub in sorted(wishes.activities) if sub
    ]
    talents = sorted({key for key in map(talent_key, wishes.talents) if key})
    rank = (
        _points(MatchReason.SUB_FIELD, _any(wished_sub_fields))
        + _points(MatchReason.DISTRICT, _r.district == wishes.district if wishes.district else None)
        + _points(MatchReason.TALENT, _any([_r.search_text.contains(key, autoescape=True) for key in talents]))
        + _points(MatchReason.AVAILABILITY, _takes_place_in(wishes.slots))
    ).label("rank")
    conditions = [
        *taking_applications(today),
        _r.region.in_(sorted(wishes.serving_regions)),
        _open_to_age(birth_date),
        ~_held_by(volunteer_id, _r.id),
    ]
    if wishes.activities:
        conditions.append(_r.activity_type.in_(sorted(kind.value for kind in wishes.activity_types)))
    query = (
        select(*[*CANDIDATE_COLUMNS, rank])
        .select_from(recruitments.join(centres, centres.c.id == _r.centre_id))
        .where(*conditions)
        .order_by(rank.desc(), _r.start_date, _r.id)
    )
    first = (await session.execute(query.limit(min(BATCH, limit)))).all()
    for row in first:
        yield row
    if len(first) < BATCH or limit <= BATCH:
        return
    for row in await session.execute(query.offset(BATCH).limit(limit - BATCH)):
        yield row


def posting_of(row: AnyRow) -> Posting:
    return Posting(
        id=row.id,
        activity_type=ActivityType(row.activity_type),
        sub_field=row.sub_field,
        region=row.region,
        district=row.district,
        weekdays=tuple(Weekday(day) for day in row.weekdays.split(",")),
        start_time=row.start_time,
        end_time=row.end_time,
        start_date=row.start_date,
        title=row.title,
        description=row.description,
    )


async def recruitment_row(session: AsyncSession, recruitment_id: UUID) -> AnyRow | None:
    row: AnyRow | None = (await session.execute(select(recruitments).where(_r.id == recruitment_id))).one_or_none()
    return row


# -- volunteers for a recruitment ----------------------------------------------------------------------------------


def _old_enough(for_adults: bool, for_youth: bool, start_date: date) -> ColumnElement[bool]:
    """The volunteers who may apply alone by their age on the recruitment's first day (`check_eligible`)."""
    adults = _v.birth_date <= adults_born_by(start_date)
    if for_adults and for_youth:
        return _v.birth_date.is_not(None)
    if for_adults:
        return adults
    if for_youth:
        return ~adults
    return false()


def _wishing(volunteer_id: Any, posting: Posting, *, sub_field: bool) -> ColumnElement[bool]:
    """The volunteer wishes the recruitment's very sub-field (`sub_field`), or its type without that sub-field."""
    very = and_(_wishes.activity_type == posting.activity_type.value, _wishes.sub_field == posting.sub_field)
    wished = select(_wishes.volunteer_id).where(_wishes.volunteer_id == volunteer_id)
    if sub_field:
        return wished.where(very).exists()
    other = wished.where(_wishes.activity_type == posting.activity_type.value).exists()
    return and_(other, ~wished.where(very).exists())


def _one_found(query: Any) -> ColumnElement[bool]:
    """Whether `query` finds a row, asked of each candidate by its own index (a scalar subquery, which PostgreSQL
    never turns into a scan of the whole table as it may an `EXISTS`)."""
    found: ColumnElement[bool] = query.limit(1).scalar_subquery().is_not(None)
    return found


def highest_rank(*, sub_field: bool) -> int:
    """The highest rank a volunteer of either group (`volunteer_candidates`) can have."""
    return sum(MATCH_WEIGHTS[reason] for reason in RANKED if sub_field or reason is not MatchReason.SUB_FIELD)


async def volunteer_candidates(
    session: AsyncSession,
    posting: Posting,
    *,
    for_adults: bool,
    for_youth: bool,
    sub_field: bool,
    limit: int = CANDIDATES,
) -> list[AnyRow]:
    """Active volunteers who wish the recruitment's very sub-field (`sub_field`), or else its type with another
    sub-field or the whole type, and serve in its 시·도 — named as 희망활동지역, or their home when they named none —
    who may apply alone by age and have not applied yet: those living in its 시·군·구 and free at its time first,
    then by id.

    Found from the values' indexes: the wishes of the sub-field or type, of the 시·도, and the volunteers living
    there. Asked first for the sub-field, the smaller group and the better one, then for the rest only while one of
    them could still be kept (`highest_rank`)."""
    home = volunteers.alias("home")
    serving = union_all(
        select(_regions.volunteer_id).where(
            _regions.region == posting.region, _wishing(_regions.volunteer_id, posting, sub_field=sub_field)
        ),
        select(home.c.id).where(
            home.c.region == posting.region,
            _wishing(home.c.id, posting, sub_field=sub_field),
            ~_one_found(select(literal(1)).where(_regions.volunteer_id == home.c.id)),
        ),
    )
    slots = [(day.value, part.value) for day, part in posting.slots]
    free_then = (
        _one_found(
            select(literal(1)).where(_slots.volunteer_id == _v.id, tuple_(_slots.weekday, _slots.part).in_(slots))
        )
        if slots
        else None
    )
    rank = (
        literal(MATCH_WEIGHTS[MatchReason.SUB_FIELD] if sub_field else 0)
        + _points(MatchReason.DISTRICT, _v.district == posting.district if posting.district else None)
        + _points(MatchReason.AVAILABILITY, free_then)
    ).label("rank")
    query = (
        _person_select()
        .add_columns(rank)
        .where(
            _v.id.in_(serving),
            _v.status == VolunteerStatus.ACTIVE.value,
            _old_enough(for_adults, for_youth, posting.start_date),
            ~_held_by(_v.id, posting.id),
        )
        .order_by(rank.desc(), _v.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


WISHES_BATCH = 200
"""The most candidate volunteers whose wishes are read at once (twice the volunteers asked for, up to this)."""


async def best_volunteers(
    session: AsyncSession, row: AnyRow, *, limit: int, keep: Callable[[Match], bool] = lambda _: True
) -> list[tuple[AnyRow, Match]]:
    """The best `limit` volunteers for the recruitment `row` that `keep` lets through, each with their match. The
    candidates come best rank first; their wishes are read a batch at a time, until no later one can be kept."""
    posting = posting_of(row)
    eligibility = eligibility_of(row.for_adults, row.for_youth, row.for_groups)
    best: Best[UUID] = Best(limit)
    found: dict[UUID, AnyRow] = {}
    for sub_field in (True, False):
        if not best.open_to(best_possible(highest_rank(sub_field=sub_field))):
            break
        people = await volunteer_candidates(
            session, posting, for_adults=row.for_adults, for_youth=row.for_youth, sub_field=sub_field
        )
        size = min(WISHES_BATCH, 2 * limit)
        for first in range(0, len(people), size):
            batch = people[first : first + size]
            if not best.open_to(best_possible(batch[0].rank)):
                break
            wishes = await wishes_of(session, batch)
            for person in batch:
                if not best.open_to(best_possible(person.rank)):
                    break
                if not may_apply_alone(eligibility, person.birth_date, posting.start_date):
                    continue
                matched = match(wishes[person.id], posting)
                if keep(matched):
                    best.offer(matched, person.id)
                    found[person.id] = person
    return [(found[volunteer_id], matched) for matched, volunteer_id in best.kept]


async def announce_matches(session: AsyncSession, recruitment_id: UUID) -> list[RecruitmentMatchedV1]:
    """The volunteers a newly posted recruitment is announced to (희망봉사활동 → 배치): at most `ANNOUNCED_MATCHES`,
    those worth announcing (`domain.worth_announcing`), best first (score, then id), one `RecruitmentMatchedV1`
    each, for the caller to stage in the same transaction. None for a recruitment not kept here or no longer open
    (closed before its announcement was made)."""
    row = await recruitment_row(session, recruitment_id)
    if row is None or row.status != RecruitmentStatus.OPEN.value:
        return []
    best = await best_volunteers(session, row, limit=ANNOUNCED_MATCHES, keep=worth_announcing)
    return [
        RecruitmentMatchedV1(
            recruitment_id=row.id, volunteer_id=person.id, region=row.region, score=found.score, reasons=found.codes
        )
        for person, found in best
    ]
