"""Recruitments (봉사자모집), applications, placement and orientation, through the real database on SQLite and
PostgreSQL: an accredited centre posts, anyone searches (by field, region, day and words — two-syllable Korean words
too), a volunteer applies within the capacity and the rules of who may apply, the centre accepts and places them,
after its orientation (소양교육) when it asks for one. Every refusal names its rule in Korean and English; every
transition is announced once."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Table, delete, func, select, update

from vms_contracts.actor import Actor
from vms_contracts.errors import ErrorBody
from vms_contracts.ids import new_id, region_of
from vms_contracts.rpc.registry import (
    ApplicationList,
    ApplicationRef,
    ApplicationStatus,
    ApplicationView,
    Apply,
    CentreStatusChange,
    CentreView,
    Eligibility,
    GuardianRelation,
    ListApplications,
    OrientationView,
    PostRecruitment,
    RecordGuardianConsent,
    RecordOrientation,
    RecruitmentRef,
    RecruitmentSort,
    RecruitmentStatus,
    RecruitmentView,
    RegisterCentre,
    RegisterVolunteer,
    RejectApplication,
    SearchRecruitments,
    UpdateRecruitment,
    VolunteerView,
    WithdrawVolunteer,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.clock import KST
from vms_platform.db import Database
from vms_platform.errors import DomainError
from vms_platform.outbox import Outbox
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, centre_manager, council_admin, migrated, volunteer
from vms_registry.db import guardian_consents, outbox, volunteers
from vms_registry.domain import CentreNotFound, VolunteerNotFound, VolunteerWithdrawn
from vms_registry.handlers import RegistryHandlers
from vms_registry.recruitments import domain
from vms_registry.recruitments.handlers import RecruitmentHandlers, release_applications_of
from vms_registry.recruitments.tables import applications, orientations, recruitments

MIGRATIONS = str(files("vms_registry") / "migrations")

POSTED = "vms.registry.recruitment.posted.v1"
UPDATED = "vms.registry.recruitment.updated.v1"
CLOSED = "vms.registry.recruitment.closed.v1"
SUBMITTED = "vms.registry.application.submitted.v1"
CANCELLED = "vms.registry.application.cancelled.v1"
ACCEPTED = "vms.registry.application.accepted.v1"
REJECTED = "vms.registry.application.rejected.v1"
PLACED = "vms.registry.application.placed.v1"
ORIENTED = "vms.registry.orientation.completed.v1"


@dataclass
class Clock:
    """Korean time as the handlers see it; a test moves it on to see deadlines pass."""

    now: datetime = field(default_factory=lambda: datetime.now(KST))

    def __call__(self) -> datetime:
        return self.now

    @property
    def today(self) -> date:
        return self.now.date()

    def day(self, days_from_today: int) -> str:
        """A day counted from today, as a request writes it."""
        return (self.today + timedelta(days=days_from_today)).isoformat()

    def days_later(self, days: int) -> None:
        self.now += timedelta(days=days)


@dataclass
class Registry:
    people: RegistryHandlers
    recruiting: RecruitmentHandlers
    db: Database
    clock: Clock


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[Registry]:
    url = await new_database("registry")
    await migrated(url, MIGRATIONS)
    db = Database(url)
    staged = Outbox(outbox, bus=Bus(), source="/vms/registry/test")
    clock = Clock()
    yield Registry(RegistryHandlers(db, staged), RecruitmentHandlers(db, staged, clock=clock), db, clock)
    await db.close()


# -- the people and places ---------------------------------------------------------------------------------------

_numbers = itertools.count(1)


async def member(registry: Registry, *, birth_date: date = date(1990, 1, 1), region: str = "11") -> VolunteerView:
    number = next(_numbers)
    return await registry.people.register_volunteer(
        RegisterVolunteer(
            login_id=f"member_{number:04d}",
            name="홍길동",
            birth_date=birth_date,
            phone=f"010-{number // 10000:04d}-{number % 10000:04d}",
            region=region,
        ),
        ANONYMOUS,
    )


async def centre(
    registry: Registry, name: str = "행복종합사회복지관", region: str = "11", *, accredited: bool = True
) -> CentreView:
    made = await registry.people.register_centre(RegisterCentre(name=name, region=region), CENTRAL_ADMIN)
    if not accredited:
        return made
    return await registry.people.accredit_centre(CentreStatusChange(centre_id=made.id), CENTRAL_ADMIN)


def details(registry: Registry, **changes: Any) -> dict[str, Any]:
    today = registry.clock.today
    fields: dict[str, Any] = {
        "title": "어르신 말벗 봉사자 모집",
        "description": "홀로 사시는 어르신을 찾아 이야기를 나눕니다.",
        "activity_type": "home",
        "sub_field": "emotional",
        "district": None,
        "place": "마포구 어르신 댁",
        "start_date": (today + timedelta(days=7)).isoformat(),
        "end_date": (today + timedelta(days=60)).isoformat(),
        "weekdays": ["sat"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": 10,
        "eligibility": ["adult", "youth"],
        "orientation_required": False,
        "apply_until": None,
    }
    return {**fields, **changes}


async def post(registry: Registry, at: CentreView, **changes: Any) -> RecruitmentView:
    request = PostRecruitment.model_validate({"centre_id": str(at.id), **details(registry, **changes)})
    return await registry.recruiting.post_recruitment(request, centre_manager(at.id))


async def apply(
    registry: Registry, to: RecruitmentView, who: VolunteerView, party_size: int = 1, note: str | None = None
) -> ApplicationView:
    request = Apply(recruitment_id=to.id, volunteer_id=who.id, party_size=party_size, note=note)
    return await registry.recruiting.apply(request, volunteer(who.id))


async def get(registry: Registry, recruitment: RecruitmentView | UUID) -> RecruitmentView:
    recruitment_id = recruitment if isinstance(recruitment, UUID) else recruitment.id
    return await registry.recruiting.get_recruitment(RecruitmentRef(recruitment_id=recruitment_id), ANONYMOUS)


def manager_of(recruitment: RecruitmentView) -> Actor:
    return centre_manager(recruitment.centre_id)


async def accept(registry: Registry, recruitment: RecruitmentView, app: ApplicationView) -> ApplicationView:
    return await registry.recruiting.accept_application(ApplicationRef(application_id=app.id), manager_of(recruitment))


async def place(registry: Registry, recruitment: RecruitmentView, app: ApplicationView) -> ApplicationView:
    return await registry.recruiting.place_application(ApplicationRef(application_id=app.id), manager_of(recruitment))


async def cancel(registry: Registry, app: ApplicationView) -> ApplicationView:
    return await registry.recruiting.cancel_application(
        ApplicationRef(application_id=app.id), volunteer(app.volunteer_id)
    )


async def orientation(registry: Registry, at: UUID, who: UUID, completed_on: date | None = None) -> OrientationView:
    request = RecordOrientation(centre_id=at, volunteer_id=who, completed_on=completed_on or registry.clock.today)
    return await registry.recruiting.record_orientation(request, centre_manager(at))


async def staged(registry: Registry, event_type: str) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
            )
        ).all()
    return [json.loads(p)["data"] for p in payloads]


async def count(registry: Registry, table: Table) -> int:
    async with registry.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def taken(registry: Registry, recruitment: RecruitmentView) -> int:
    return (await get(registry, recruitment)).taken


def refusal(error: DomainError) -> ErrorBody:
    return error.body()


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years) if (day.month, day.day) != (2, 29) else date(day.year - years, 3, 1)


# -- posting -------------------------------------------------------------------------------------------------------


async def test_an_accredited_centre_posts_a_recruitment_announced_once(registry: Registry) -> None:
    happy = await centre(registry, region="11")
    posted = await post(registry, happy, district="11440", orientation_required=True)
    assert region_of(posted.id) == "11", "the recruitment is kept by its centre's region"
    assert (posted.centre_name, posted.region, posted.district) == ("행복종합사회복지관", "11", "11440")
    assert (posted.capacity, posted.taken, posted.status, posted.accepting) == (10, 0, RecruitmentStatus.OPEN, True)
    assert posted.eligibility == [Eligibility.ADULT, Eligibility.YOUTH]
    assert await get(registry, posted) == posted
    (event,) = await staged(registry, POSTED)
    assert event["recruitment_id"] == str(posted.id)
    assert (event["centre_id"], event["region"], event["title"]) == (str(happy.id), "11", "어르신 말벗 봉사자 모집")
    assert (event["weekdays"], event["eligibility"], event["orientation_required"]) == (
        ["sat"],
        ["adult", "youth"],
        True,
    )
    assert (event["start_time"], event["capacity"], event["activity_type"]) == ("10:00:00", 10, "home")


async def test_a_centre_not_accredited_posts_no_recruitment(registry: Registry) -> None:
    registered = await centre(registry, "새복지관", accredited=False)
    with pytest.raises(DomainError) as refused:
        await post(registry, registered)
    body = refusal(refused.value)
    assert (body.code, body.kind, body.params["status"]) == ("CENTRE_NOT_ACCREDITED", "rule", "registered")
    assert "인증된 센터가 아닙니다" in body.message and "'등록' 상태" in body.message
    assert "not accredited (it is registered)" in body.message_en

    suspended = await centre(registry, "정지복지관")
    await registry.people.suspend_centre(CentreStatusChange(centre_id=suspended.id, reason="점검"), CENTRAL_ADMIN)
    with pytest.raises(DomainError) as refused:
        await post(registry, suspended)
    assert refused.value.body().params["status"] == "suspended"
    assert await count(registry, recruitments) == 0 and await staged(registry, POSTED) == []


async def test_a_district_outside_the_centres_region_is_refused_by_name(registry: Registry) -> None:
    seoul = await centre(registry, region="11")
    with pytest.raises(domain.FieldInvalid) as refused:
        await post(registry, seoul, district="26350")  # 해운대구, 부산
    body = refusal(refused.value)
    assert (body.code, body.kind) == ("INVALID_REQUEST", "invalid")
    (problem,) = body.fields
    assert (problem.field, problem.type) == ("district", "district_region")
    assert "해운대구" in problem.message and "26350" in problem.message_en
    assert await count(registry, recruitments) == 0


async def test_a_first_day_or_deadline_already_past_is_refused_by_name(registry: Registry) -> None:
    happy = await centre(registry)
    yesterday = (registry.clock.today - timedelta(days=1)).isoformat()
    with pytest.raises(domain.FieldInvalid) as refused:
        await post(registry, happy, start_date=yesterday)
    (problem,) = refused.value.body().fields
    assert (problem.field, problem.type) == ("start_date", "date_in_past")
    assert problem.message == (
        f"{yesterday}는 이미 지난 날짜입니다: 오늘({registry.clock.today.isoformat()}, 한국 시간) 이후여야 합니다."
    )
    assert problem.message_en.startswith(f"{yesterday} has passed")
    with pytest.raises(domain.FieldInvalid) as refused:
        await post(registry, happy, apply_until=yesterday)
    assert refused.value.body().fields[0].field == "apply_until"
    today = await post(registry, happy, start_date=registry.clock.today.isoformat())
    assert today.start_date == registry.clock.today, "a recruitment may start today"


async def test_only_the_centres_own_manager_posts(registry: Registry) -> None:
    happy, other = await centre(registry), await centre(registry, "다른복지관")
    request = PostRecruitment.model_validate({"centre_id": str(happy.id), **details(registry)})
    with pytest.raises(OutOfScope):
        await registry.recruiting.post_recruitment(request, centre_manager(other.id))
    for actor in (council_admin("11"), CENTRAL_ADMIN, ANONYMOUS):
        with pytest.raises(NotPermitted):
            await registry.recruiting.post_recruitment(request, actor)
    unknown = new_id("11")
    request = PostRecruitment.model_validate({"centre_id": str(unknown), **details(registry)})
    with pytest.raises(CentreNotFound):
        await registry.recruiting.post_recruitment(request, centre_manager(unknown))


# -- changing and closing ------------------------------------------------------------------------------------------


def changed(recruitment: RecruitmentView, registry: Registry, **changes: Any) -> UpdateRecruitment:
    stored = {
        "title": recruitment.title,
        "description": recruitment.description,
        "district": recruitment.district,
        "start_date": recruitment.start_date.isoformat(),
        "end_date": recruitment.end_date.isoformat(),
        "capacity": recruitment.capacity,
        "eligibility": [e.value for e in recruitment.eligibility],
    }
    whole = details(registry, **{**stored, **changes})
    return UpdateRecruitment.model_validate({"recruitment_id": str(recruitment.id), **whole})


async def test_a_change_is_announced_only_when_something_changed(registry: Registry) -> None:
    happy = await centre(registry)
    posted = await post(registry, happy)
    same = await registry.recruiting.update_recruitment(changed(posted, registry), manager_of(posted))
    assert same == posted and await staged(registry, UPDATED) == []

    renamed = await registry.recruiting.update_recruitment(
        changed(posted, registry, title="어르신 목욕 봉사", capacity=12), manager_of(posted)
    )
    assert (renamed.title, renamed.capacity) == ("어르신 목욕 봉사", 12)
    assert await get(registry, posted) == renamed
    (event,) = await staged(registry, UPDATED)
    assert (event["title"], event["capacity"], event["recruitment_id"]) == ("어르신 목욕 봉사", 12, str(posted.id))
    found = await search(registry, keyword="목욕")
    assert [r.id for r in found.items] == [posted.id], "the search reads the new title"
    assert (await search(registry, keyword="말벗")).total == 0


async def test_a_capacity_never_drops_below_the_places_taken(registry: Registry) -> None:
    happy = await centre(registry)
    posted = await post(registry, happy, capacity=5, eligibility=["adult", "group"])
    await apply(registry, posted, await member(registry), party_size=3)
    with pytest.raises(domain.CapacityBelowTaken) as refused:
        await registry.recruiting.update_recruitment(changed(posted, registry, capacity=2), manager_of(posted))
    body = refusal(refused.value)
    assert (body.code, body.params) == ("CAPACITY_BELOW_TAKEN", {"capacity": 2, "taken": 3})
    assert body.message == "모집 인원을 2명으로 줄일 수 없습니다: 이미 3명이 신청해 있습니다."
    assert body.message_en == "The capacity cannot be 2: 3 people have already applied."
    down = await registry.recruiting.update_recruitment(changed(posted, registry, capacity=3), manager_of(posted))
    assert (down.capacity, down.taken, down.accepting) == (3, 3, False)


async def test_closing_is_once_and_a_closed_recruitment_is_not_changed(registry: Registry) -> None:
    happy = await centre(registry)
    posted = await post(registry, happy)
    ref = RecruitmentRef(recruitment_id=posted.id)
    first = await registry.recruiting.close_recruitment(ref, manager_of(posted))
    again = await registry.recruiting.close_recruitment(ref, manager_of(posted))
    assert first == again and (first.status, first.accepting) == (RecruitmentStatus.CLOSED, False)
    (event,) = await staged(registry, CLOSED)
    assert (event["recruitment_id"], event["centre_id"], event["region"]) == (str(posted.id), str(happy.id), "11")
    with pytest.raises(domain.RecruitmentClosed) as refused:
        await registry.recruiting.update_recruitment(changed(posted, registry, capacity=20), manager_of(posted))
    assert refused.value.body().message == f"봉사자모집 {posted.id}는 마감되어 수정할 수 없습니다."
    with pytest.raises(OutOfScope):
        await registry.recruiting.close_recruitment(ref, centre_manager(new_id("11")))


async def test_anyone_reads_a_recruitment_and_an_unknown_one_is_named(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    for actor in (ANONYMOUS, volunteer(new_id("11")), council_admin("26"), CENTRAL_ADMIN):
        assert (await registry.recruiting.get_recruitment(RecruitmentRef(recruitment_id=posted.id), actor)).id == (
            posted.id
        )
    unknown = new_id("11")
    with pytest.raises(domain.RecruitmentNotFound) as refused:
        await get(registry, unknown)
    assert refused.value.body().message == f"봉사자모집을 찾을 수 없습니다: {unknown}"
    assert refused.value.body().kind == "not_found"


# -- searching (봉사자모집 검색) -------------------------------------------------------------------------------------


async def search(registry: Registry, **filters: Any) -> Any:
    return await registry.recruiting.search_recruitments(SearchRecruitments.model_validate(filters), ANONYMOUS)


@dataclass
class Board:
    happy: CentreView
    haeundae: CentreView
    chat: RecruitmentView
    meals: RecruitmentView
    baths: RecruitmentView
    study: RecruitmentView


@pytest.fixture
async def board(registry: Registry) -> Board:
    """Four recruitments in two regions, posted in this order; the last one closed."""
    day = registry.clock.day
    happy = await centre(registry, "행복종합사회복지관", "11")
    haeundae = await centre(registry, "해운대노인복지관", "26")
    chat = await post(registry, happy, district="11440", start_date=day(7), end_date=day(60), eligibility=["adult"])
    meals = await post(
        registry,
        happy,
        title="무료 급식 배식 도우미",
        description=None,
        activity_type="facility",
        sub_field="daily_life",
        place="복지관 식당",
        start_date=day(3),
        end_date=day(30),
        apply_until=day(2),
        eligibility=["adult", "youth"],
    )
    baths = await post(
        registry,
        haeundae,
        title="목욕 봉사",
        description="거동이 불편한 어르신 목욕 도움",
        activity_type="facility",
        sub_field="daily_life",
        district="26350",
        place="요양원 2층",
        start_date=day(10),
        end_date=day(20),
        eligibility=["youth", "group"],
    )
    study = await post(
        registry,
        haeundae,
        title="청소년 학습 멘토링",
        description="English Mentoring for middle school students",
        activity_type="professional",
        sub_field="education",
        place="해운대 도서관",
        start_date=day(30),
        end_date=day(90),
        eligibility=["youth"],
    )
    await registry.recruiting.close_recruitment(RecruitmentRef(recruitment_id=study.id), manager_of(study))
    return Board(happy, haeundae, chat, meals, baths, study)


def ids(found: Any) -> set[UUID]:
    return {item.id for item in found.items}


async def test_each_filter_alone(registry: Registry, board: Board) -> None:
    b, day = board, registry.clock.day
    assert ids(await search(registry)) == {b.chat.id, b.meals.id, b.baths.id}, "open ones by default"
    assert ids(await search(registry, open_only=False)) == {b.chat.id, b.meals.id, b.baths.id, b.study.id}
    assert ids(await search(registry, activity_type="facility")) == {b.meals.id, b.baths.id}
    assert ids(await search(registry, activity_type="home", sub_field="emotional")) == {b.chat.id}
    assert ids(await search(registry, region="26")) == {b.baths.id}
    assert ids(await search(registry, region="26", open_only=False)) == {b.baths.id, b.study.id}
    assert ids(await search(registry, district="11440")) == {b.chat.id}
    assert ids(await search(registry, on_date=day(5))) == {b.meals.id}
    assert ids(await search(registry, on_date=day(15))) == {b.chat.id, b.meals.id, b.baths.id}
    assert ids(await search(registry, on_date=day(61))) == set()
    assert ids(await search(registry, eligibility="youth")) == {b.meals.id, b.baths.id}
    assert ids(await search(registry, eligibility="group")) == {b.baths.id}
    assert ids(await search(registry, eligibility="adult")) == {b.chat.id, b.meals.id}
    assert ids(await search(registry, centre_id=str(b.happy.id))) == {b.chat.id, b.meals.id}


async def test_filters_together(registry: Registry, board: Board) -> None:
    day = registry.clock.day
    found = await search(registry, activity_type="facility", region="26", on_date=day(15), keyword="목욕")
    assert ids(found) == {board.baths.id} and found.total == 1
    assert (await search(registry, activity_type="facility", region="11", keyword="목욕")).total == 0
    assert ids(await search(registry, region="11", eligibility="youth", on_date=day(5))) == {board.meals.id}


async def test_two_syllable_korean_words_are_found(registry: Registry, board: Board) -> None:
    assert ids(await search(registry, keyword="말벗")) == {board.chat.id}
    assert ids(await search(registry, keyword="급식")) == {board.meals.id}
    assert ids(await search(registry, keyword="목욕")) == {board.baths.id}
    assert ids(await search(registry, keyword="어르신")) == {board.chat.id, board.baths.id}, "in a description too"
    assert ids(await search(registry, keyword="말벗 모집")) == {board.chat.id}, "every word, anywhere"
    assert ids(await search(registry, keyword="말벗 목욕")) == set()
    assert ids(await search(registry, keyword="배식도우미")) == {board.meals.id}, "spaces do not matter"
    assert ids(await search(registry, keyword="mentoring", open_only=False)) == {board.study.id}, "any case"
    assert ids(await search(registry, keyword="MENTORING", open_only=False)) == {board.study.id}
    assert ids(await search(registry, keyword="식당")) == {board.meals.id}, "in the place"
    assert ids(await search(registry, keyword="벗말")) == set(), "the word itself, not its syllables"


async def test_a_one_character_word_is_found(registry: Registry, board: Board) -> None:
    assert ids(await search(registry, keyword="욕")) == {board.baths.id}
    assert ids(await search(registry, keyword="벗")) == {board.chat.id}
    assert ids(await search(registry, keyword="%")) == set(), "a LIKE wildcard is a character like any other"


async def test_a_word_of_the_centres_name_is_found(registry: Registry, board: Board) -> None:
    assert ids(await search(registry, keyword="노인복지관")) == {board.baths.id}
    assert ids(await search(registry, keyword="해운대노인", open_only=False)) == {board.baths.id, board.study.id}
    assert ids(await search(registry, keyword="행복")) == {board.chat.id, board.meals.id}


async def test_pages_total_and_sorting(registry: Registry, board: Board) -> None:
    b = board
    newest = await search(registry, limit=2)
    assert [r.id for r in newest.items] == [b.baths.id, b.meals.id] and newest.total == 3
    rest = await search(registry, limit=2, offset=2)
    assert [r.id for r in rest.items] == [b.chat.id] and rest.total == 3
    starting = await search(registry, sort=RecruitmentSort.STARTING)
    assert [r.id for r in starting.items] == [b.meals.id, b.chat.id, b.baths.id]
    closing = await search(registry, sort=RecruitmentSort.CLOSING)
    assert [r.id for r in closing.items] == [b.meals.id, b.baths.id, b.chat.id], "deadline, else last day"
    every = await search(registry, open_only=False, sort=RecruitmentSort.CLOSING, limit=1, offset=3)
    assert [r.id for r in every.items] == [b.study.id] and every.total == 4
    past_the_end = await search(registry, limit=2, offset=10)
    assert past_the_end.items == [] and past_the_end.total == 3, "a page past the end still tells the total"
    assert (await search(registry, keyword="없는말")).total == 0


async def test_equal_days_are_sorted_by_id(registry: Registry) -> None:
    happy = await centre(registry)
    same = [await post(registry, happy, title=f"같은 날 모집 {n}") for n in range(4)]
    starting = await search(registry, sort=RecruitmentSort.STARTING)
    assert [r.id for r in starting.items] == sorted(r.id for r in same)
    pages = [(await search(registry, sort="closing", limit=1, offset=n)).items[0].id for n in range(4)]
    assert pages == sorted(r.id for r in same), "no item twice, none left out across pages"


async def test_the_open_ones_are_those_taking_applications_now(registry: Registry, board: Board) -> None:
    """Full, past its deadline, or at a suspended centre: not in the default search, and not `accepting`."""
    small = await post(registry, board.happy, title="한 명 모집", capacity=1)
    await apply(registry, small, await member(registry))
    assert small.id not in ids(await search(registry)) and not (await get(registry, small)).accepting
    assert small.id in ids(await search(registry, open_only=False))
    assert [r.taken for r in (await search(registry, centre_id=str(board.happy.id), open_only=False)).items] == [
        1,
        0,
        0,
    ]

    await registry.people.suspend_centre(CentreStatusChange(centre_id=board.haeundae.id, reason="점검"), CENTRAL_ADMIN)
    assert ids(await search(registry)) == {board.chat.id, board.meals.id}
    assert not (await get(registry, board.baths)).accepting

    registry.clock.days_later(3)  # past the meals' deadline (today + 2)
    assert ids(await search(registry)) == {board.chat.id}
    assert not (await get(registry, board.meals)).accepting


# -- applying (봉사신청) --------------------------------------------------------------------------------------------


async def test_a_volunteer_applies_and_takes_a_place(registry: Registry) -> None:
    posted = await post(registry, await centre(registry, region="26", name="부산복지관"))
    someone = await member(registry, region="11")
    app = await apply(registry, posted, someone, note="주말에 갈 수 있습니다")
    assert region_of(app.id) == "26", "the application is kept where the recruitment is"
    assert (app.status, app.party_size, app.note, app.recruitment_title) == (
        ApplicationStatus.APPLIED,
        1,
        "주말에 갈 수 있습니다",
        "어르신 말벗 봉사자 모집",
    )
    assert (app.recruitment_id, app.centre_id, app.volunteer_id) == (posted.id, posted.centre_id, someone.id)
    assert await taken(registry, posted) == 1
    (event,) = await staged(registry, SUBMITTED)
    assert event == {
        "application_id": str(app.id),
        "recruitment_id": str(posted.id),
        "centre_id": str(posted.centre_id),
        "volunteer_id": str(someone.id),
        "region": "26",
        "party_size": 1,
        "at": event["at"],
    }


async def test_only_the_volunteer_applies_for_themselves(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    someone, other = await member(registry), await member(registry)
    request = Apply(recruitment_id=posted.id, volunteer_id=someone.id)
    with pytest.raises(OutOfScope):
        await registry.recruiting.apply(request, volunteer(other.id))
    for actor in (manager_of(posted), council_admin("11"), CENTRAL_ADMIN, ANONYMOUS):
        with pytest.raises(NotPermitted):
            await registry.recruiting.apply(request, actor)
    assert await count(registry, applications) == 0 and await taken(registry, posted) == 0


async def test_an_unknown_or_withdrawn_volunteer_cannot_apply(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    stranger = new_id("11")
    with pytest.raises(VolunteerNotFound):
        await registry.recruiting.apply(Apply(recruitment_id=posted.id, volunteer_id=stranger), volunteer(stranger))
    gone = await member(registry)
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=gone.id), volunteer(gone.id))
    with pytest.raises(VolunteerWithdrawn) as refused:
        await apply(registry, posted, gone)
    assert refused.value.body().params == {"volunteer_id": str(gone.id)}
    assert refused.value.body().message.startswith(f"탈퇴한 회원입니다: {gone.id}.")
    unknown = new_id("11")
    with pytest.raises(domain.RecruitmentNotFound):
        await registry.recruiting.apply(Apply(recruitment_id=unknown, volunteer_id=gone.id), volunteer(gone.id))
    assert await taken(registry, posted) == 0


async def not_accepting(registry: Registry, recruitment: RecruitmentView, who: VolunteerView) -> ErrorBody:
    with pytest.raises(domain.RecruitmentNotAccepting) as refused:
        await apply(registry, recruitment, who)
    return refusal(refused.value)


async def test_a_recruitment_not_accepting_says_why(registry: Registry) -> None:
    happy = await centre(registry)
    someone = await member(registry)
    today = registry.clock.today

    closed = await post(registry, happy)
    await registry.recruiting.close_recruitment(RecruitmentRef(recruitment_id=closed.id), manager_of(closed))
    body = await not_accepting(registry, closed, someone)
    assert (body.params["reason"], body.kind) == ("closed", "rule")
    assert body.message == f"봉사자모집 {closed.id}는 지금 신청을 받지 않습니다: 모집이 마감되었습니다."
    assert body.message_en == f"Recruitment {closed.id} takes no applications now: it is closed."

    deadline = await post(registry, happy, apply_until=(today + timedelta(days=1)).isoformat())
    ends = await post(registry, happy, start_date=today.isoformat(), end_date=(today + timedelta(days=2)).isoformat())
    registry.clock.days_later(2)
    body = await not_accepting(registry, deadline, someone)
    assert body.params["reason"] == "deadline_passed"
    assert f"신청 마감일({today + timedelta(days=1)})이 지났습니다." in body.message
    assert (await apply(registry, ends, someone)).status is ApplicationStatus.APPLIED, "the last day still takes"
    registry.clock.days_later(1)
    other = await member(registry)
    body = await not_accepting(registry, ends, other)
    assert body.params["reason"] == "ended"
    assert body.message_en.endswith(f"its activity has ended (last day {today + timedelta(days=2)}).")

    suspended_centre = await centre(registry, "정지될복지관")
    at_suspended = await post(registry, suspended_centre)
    await registry.people.suspend_centre(
        CentreStatusChange(centre_id=suspended_centre.id, reason="점검"), CENTRAL_ADMIN
    )
    body = await not_accepting(registry, at_suspended, other)
    assert body.params["reason"] == "centre_suspended" and "관리센터가 정지되었습니다." in body.message
    assert await taken(registry, at_suspended) == 0
    assert len(await staged(registry, SUBMITTED)) == 1, "only the one application made"


async def test_a_full_recruitment_refuses_naming_the_places_left(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), capacity=3, eligibility=["adult", "group"])
    await apply(registry, posted, await member(registry), party_size=2)
    with pytest.raises(domain.RecruitmentFull) as refused:
        await apply(registry, posted, await member(registry), party_size=2)
    body = refusal(refused.value)
    assert (body.code, body.params) == ("RECRUITMENT_FULL", {"capacity": 3, "left": 1, "party_size": 2})
    assert body.message == "모집 인원이 찼습니다: 정원 3명 중 남은 자리는 1명입니다 (신청 인원 2명)."
    assert body.message_en == "The recruitment is full: of 3 places, 1 are left (the application is for 2)."
    await apply(registry, posted, await member(registry))
    assert await taken(registry, posted) == 3 and len(await staged(registry, SUBMITTED)) == 2


async def test_applying_twice_is_refused_until_the_first_is_cancelled_or_rejected(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    someone = await member(registry)
    first = await apply(registry, posted, someone)
    with pytest.raises(domain.AlreadyApplied) as refused:
        await apply(registry, posted, someone)
    body = refusal(refused.value)
    assert body.params["application_id"] == str(first.id)
    assert f"(신청 {first.id})" in body.message and f"(application {first.id})" in body.message_en
    assert await taken(registry, posted) == 1

    await cancel(registry, first)
    second = await apply(registry, posted, someone)
    assert second.id != first.id
    await registry.recruiting.reject_application(
        RejectApplication(application_id=second.id, reason="인원 조정"), manager_of(posted)
    )
    third = await apply(registry, posted, someone)
    assert third.status is ApplicationStatus.APPLIED and await taken(registry, posted) == 1


async def test_who_may_apply_goes_by_age_on_the_first_day(registry: Registry) -> None:
    today = registry.clock.today
    start = today + timedelta(days=10)
    happy = await centre(registry)
    adults = await post(registry, happy, start_date=start.isoformat(), eligibility=["adult"])
    youth = await post(registry, happy, start_date=start.isoformat(), eligibility=["youth"])
    groups = await post(registry, happy, start_date=start.isoformat(), eligibility=["group"])

    nineteen_on_the_day = await member(registry, birth_date=years_before(start, 19))
    eighteen_on_the_day = await member(registry, birth_date=years_before(start, 19) + timedelta(days=1))
    assert (await apply(registry, adults, nineteen_on_the_day)).status is ApplicationStatus.APPLIED
    with pytest.raises(domain.NotEligible) as refused:
        await apply(registry, adults, eighteen_on_the_day)
    body = refusal(refused.value)
    assert (body.params["who"], body.params["age"]) == ("adult", 18)
    assert body.message == (
        f"이 모집은 성인(만 19세 이상)만 신청할 수 있습니다 (신청자는 활동 시작일({start})에 만 18세)."
    )
    assert body.message_en == (
        f"Only adults (19 or older) may apply to this recruitment (the applicant is 18 on its first day, {start})."
    )
    assert (await apply(registry, youth, eighteen_on_the_day)).status is ApplicationStatus.APPLIED
    with pytest.raises(domain.NotEligible) as refused:
        await apply(registry, youth, nineteen_on_the_day)
    assert refused.value.body().params["who"] == "youth"

    with pytest.raises(domain.NotEligible) as refused:
        await apply(registry, groups, nineteen_on_the_day)
    assert refused.value.body().message == "이 모집은 단체만 신청할 수 있습니다 (한 사람의 신청은 받지 않습니다)."
    assert (await apply(registry, groups, nineteen_on_the_day, party_size=6)).party_size == 6


async def test_a_group_applies_only_where_groups_are_taken(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), eligibility=["adult", "youth"])
    with pytest.raises(domain.GroupNotAllowed) as refused:
        await apply(registry, posted, await member(registry), party_size=4)
    body = refusal(refused.value)
    assert body.message == "이 모집은 단체 신청을 받지 않습니다: 한 사람씩 신청해 주세요 (신청 인원 4명)."
    assert body.kind == "rule" and await taken(registry, posted) == 0


async def test_a_child_under_fourteen_applies_with_a_guardians_consent(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), eligibility=["youth"])
    child = await member(registry, birth_date=years_before(registry.clock.today, 12))
    with pytest.raises(domain.GuardianConsentRequired) as refused:
        await apply(registry, posted, child)
    body = refusal(refused.value)
    assert (body.kind, body.params["age"]) == ("rule", 12)
    assert body.message.startswith("만 14세 미만 봉사자(지금 만 12세)는 보호자(법정대리인)의 동의가 있어야")
    assert body.message_en.startswith("A volunteer under 14 (now 12) applies, is placed and links to 1365 only with")
    await give_guardian_consent(registry, child)
    assert (await apply(registry, posted, child)).status is ApplicationStatus.APPLIED
    fourteen = await member(registry, birth_date=years_before(registry.clock.today, 14))
    assert (await apply(registry, posted, fourteen)).status is ApplicationStatus.APPLIED


async def give_guardian_consent(registry: Registry, child: VolunteerView) -> None:
    await registry.people.record_guardian_consent(
        RecordGuardianConsent(
            volunteer_id=child.id,
            guardian_name="홍부모",
            guardian_phone="010-9999-0000",
            relation=GuardianRelation.PARENT,
            consented=True,
        ),
        volunteer(child.id),
    )


# -- the centre's decisions ----------------------------------------------------------------------------------------


async def test_cancelling_gives_the_places_back_once(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), eligibility=["adult", "group"])
    app = await apply(registry, posted, await member(registry), party_size=3)
    assert await taken(registry, posted) == 3
    first = await cancel(registry, app)
    again = await cancel(registry, app)
    assert first == again and first.status is ApplicationStatus.CANCELLED
    assert await taken(registry, posted) == 0
    (event,) = await staged(registry, CANCELLED)
    assert (event["application_id"], event["party_size"]) == (str(app.id), 3)
    with pytest.raises(NotPermitted):
        await registry.recruiting.cancel_application(ApplicationRef(application_id=app.id), manager_of(posted))
    with pytest.raises(OutOfScope):
        await registry.recruiting.cancel_application(ApplicationRef(application_id=app.id), volunteer(new_id("11")))


async def test_accepting_and_placing_are_each_announced_once(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    app = await apply(registry, posted, await member(registry))
    accepted = await accept(registry, posted, app)
    assert accepted.status is ApplicationStatus.ACCEPTED and await accept(registry, posted, app) == accepted
    placed = await place(registry, posted, app)
    assert placed.status is ApplicationStatus.PLACED and await place(registry, posted, app) == placed
    assert [e["application_id"] for e in await staged(registry, ACCEPTED)] == [str(app.id)]
    assert [e["application_id"] for e in await staged(registry, PLACED)] == [str(app.id)]
    assert await taken(registry, posted) == 1, "a placed volunteer holds their place"
    cancelled = await cancel(registry, app)
    assert cancelled.status is ApplicationStatus.CANCELLED and await taken(registry, posted) == 0, (
        "a placed volunteer may cancel too"
    )


async def test_an_impossible_step_names_the_applications_status(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    app = await apply(registry, posted, await member(registry))
    with pytest.raises(domain.ApplicationStatusWrong) as refused:
        await place(registry, posted, app)
    body = refusal(refused.value)
    assert (body.code, body.kind, body.params["status"]) == ("APPLICATION_STATUS", "rule", "applied")
    assert (
        body.message == f"봉사신청 {app.id}는 지금 '신청' 상태라서 배치할 수 없습니다 ('승인' 상태에서만 가능합니다)."
    )
    assert body.message_en == f"Application {app.id} is applied: it cannot be placed (only one that is accepted can)."
    await cancel(registry, app)
    for step in (accept, place):
        with pytest.raises(domain.ApplicationStatusWrong) as refused:
            await step(registry, posted, app)
        assert refused.value.body().params["status"] == "cancelled"
    with pytest.raises(domain.ApplicationStatusWrong):
        await registry.recruiting.reject_application(RejectApplication(application_id=app.id), manager_of(posted))
    assert await staged(registry, ACCEPTED) == [] and await staged(registry, PLACED) == []


async def test_a_rejection_keeps_its_reason_and_frees_the_places(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), eligibility=["adult", "group"])
    app = await apply(registry, posted, await member(registry), party_size=2)
    await accept(registry, posted, app)
    request = RejectApplication(application_id=app.id, reason="활동 시간이 맞지 않습니다")
    rejected = await registry.recruiting.reject_application(request, manager_of(posted))
    assert (rejected.status, rejected.reason) == (ApplicationStatus.REJECTED, "활동 시간이 맞지 않습니다")
    assert await registry.recruiting.reject_application(request, manager_of(posted)) == rejected
    assert await taken(registry, posted) == 0
    (event,) = await staged(registry, REJECTED)
    assert (event["reason"], event["party_size"]) == ("활동 시간이 맞지 않습니다", 2)
    placed = await apply(registry, posted, await member(registry))
    await accept(registry, posted, placed)
    await place(registry, posted, placed)
    with pytest.raises(domain.ApplicationStatusWrong):
        await registry.recruiting.reject_application(RejectApplication(application_id=placed.id), manager_of(posted))


async def test_only_the_recruitments_centre_decides(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    someone = await member(registry)
    app = await apply(registry, posted, someone)
    ref = ApplicationRef(application_id=app.id)
    with pytest.raises(OutOfScope):
        await registry.recruiting.accept_application(ref, centre_manager(new_id("11")))
    for actor in (volunteer(someone.id), council_admin("11"), CENTRAL_ADMIN):
        with pytest.raises(NotPermitted):
            await registry.recruiting.accept_application(ref, actor)
    unknown = new_id("11")
    with pytest.raises(domain.ApplicationNotFound) as refused:
        await registry.recruiting.accept_application(ApplicationRef(application_id=unknown), manager_of(posted))
    assert refused.value.body().message == f"봉사신청을 찾을 수 없습니다: {unknown}"


async def test_placing_a_child_needs_a_guardians_consent(registry: Registry) -> None:
    posted = await post(registry, await centre(registry), eligibility=["youth"])
    child = await member(registry, birth_date=years_before(registry.clock.today, 10))
    await give_guardian_consent(registry, child)
    app = await accept(registry, posted, await apply(registry, posted, child))
    async with registry.db.transaction() as session:  # the consent is no longer on record
        await session.execute(delete(guardian_consents).where(guardian_consents.c.volunteer_id == child.id))
    with pytest.raises(domain.GuardianConsentRequired):
        await place(registry, posted, app)
    assert (
        await registry.recruiting.list_applications(ListApplications(recruitment_id=posted.id), CENTRAL_ADMIN)
    ).items[0].status is ApplicationStatus.ACCEPTED


async def test_a_withdrawn_volunteer_is_not_placed(registry: Registry) -> None:
    posted = await post(registry, await centre(registry))
    someone = await member(registry)
    app = await accept(registry, posted, await apply(registry, posted, someone))
    async with registry.db.transaction() as session:  # 회원탈퇴 as it leaves the row: the person erased
        await session.execute(
            update(volunteers)
            .where(volunteers.c.id == someone.id)
            .values(status="withdrawn", login_id=None, name=None, birth_date=None, phone=None)
        )
    with pytest.raises(VolunteerWithdrawn):
        await place(registry, posted, app)
    assert await staged(registry, PLACED) == []


async def test_a_withdrawal_cancels_the_standing_applications_and_frees_their_places(registry: Registry) -> None:
    happy = await centre(registry)
    first = await post(registry, happy, eligibility=["adult", "group"])
    second = await post(registry, happy, title="두 번째 모집")
    someone, other = await member(registry), await member(registry)
    group = await apply(registry, first, someone, party_size=3)
    placed = await place(registry, second, await accept(registry, second, await apply(registry, second, someone)))
    earlier = await cancel(registry, await apply(registry, second, other))
    kept = await apply(registry, first, other)
    async with registry.db.transaction() as session:
        released = await release_applications_of(session, registry.recruiting.outbox, someone.id, volunteer(someone.id))
    assert sorted(released) == sorted([group.id, placed.id])
    assert (await taken(registry, first), await taken(registry, second)) == (1, 0)
    mine = await listed(registry, CENTRAL_ADMIN, volunteer_id=str(someone.id))
    assert {a.status for a in mine.items} == {ApplicationStatus.CANCELLED}
    assert sorted(e["application_id"] for e in await staged(registry, CANCELLED)) == sorted(
        str(i) for i in [group.id, placed.id, earlier.id]
    )
    assert (await listed(registry, CENTRAL_ADMIN, volunteer_id=str(other.id))).items[0].id == kept.id


# -- orientation (소양교육) -------------------------------------------------------------------------------------------


async def test_placement_waits_for_the_centres_orientation(registry: Registry) -> None:
    happy = await centre(registry)
    first = await post(registry, happy, orientation_required=True)
    second = await post(registry, happy, title="두 번째 모집", orientation_required=True)
    elsewhere = await post(registry, await centre(registry, "다른복지관"), orientation_required=True)
    someone = await member(registry)
    apps = []
    for recruitment in (first, second, elsewhere):
        app = await accept(registry, recruitment, await apply(registry, recruitment, someone))
        waiting = await place(registry, recruitment, app)
        assert waiting.status is ApplicationStatus.AWAITING_ORIENTATION
        assert await place(registry, recruitment, app) == waiting
        apps.append(app)
    assert await staged(registry, PLACED) == [], "not placed yet: nothing announced"

    recorded = await orientation(registry, happy.id, someone.id)
    assert set(recorded.placed) == {apps[0].id, apps[1].id}, "this centre's, not the other's"
    assert (recorded.centre_id, recorded.volunteer_id, recorded.completed_on) == (
        happy.id,
        someone.id,
        registry.clock.today,
    )
    assert {e["application_id"] for e in await staged(registry, PLACED)} == {str(apps[0].id), str(apps[1].id)}
    (event,) = await staged(registry, ORIENTED)
    assert (event["centre_id"], event["volunteer_id"], event["region"]) == (str(happy.id), str(someone.id), "11")

    again = await orientation(registry, happy.id, someone.id, registry.clock.today - timedelta(days=1))
    assert again.placed == [] and again.completed_on == registry.clock.today - timedelta(days=1)
    assert len(await staged(registry, ORIENTED)) == 1 and len(await staged(registry, PLACED)) == 2

    third = await post(registry, happy, title="세 번째 모집", orientation_required=True)
    app = await accept(registry, third, await apply(registry, third, someone))
    assert (await place(registry, third, app)).status is ApplicationStatus.PLACED, "oriented already"


async def test_an_orientation_is_recorded_after_it_took_place(registry: Registry) -> None:
    happy = await centre(registry)
    someone = await member(registry)
    tomorrow = registry.clock.today + timedelta(days=1)
    with pytest.raises(domain.FieldInvalid) as refused:
        await orientation(registry, happy.id, someone.id, tomorrow)
    (problem,) = refused.value.body().fields
    assert (problem.field, problem.type) == ("completed_on", "date_in_future")
    assert problem.message.startswith(f"{tomorrow}는 아직 오지 않은 날짜입니다")
    with pytest.raises(VolunteerNotFound):
        await orientation(registry, happy.id, new_id("11"))
    with pytest.raises(OutOfScope):
        await registry.recruiting.record_orientation(
            RecordOrientation(centre_id=happy.id, volunteer_id=someone.id, completed_on=registry.clock.today),
            centre_manager(new_id("11")),
        )
    assert await count(registry, orientations) == 0 and await staged(registry, ORIENTED) == []


# -- lists of applications -----------------------------------------------------------------------------------------


async def listed(registry: Registry, actor: Actor, **query: Any) -> ApplicationList:
    return await registry.recruiting.list_applications(ListApplications.model_validate(query), actor)


async def test_a_recruitments_applicants_newest_first(registry: Registry) -> None:
    posted = await post(registry, await centre(registry, region="26", name="부산복지관"))
    made = [await apply(registry, posted, await member(registry)) for _ in range(3)]
    await accept(registry, posted, made[0])
    for actor in (manager_of(posted), council_admin("26"), CENTRAL_ADMIN):
        found = await listed(registry, actor, recruitment_id=str(posted.id))
        assert [a.id for a in found.items] == [a.id for a in reversed(made)] and found.total == 3
        assert {a.recruitment_title for a in found.items} == {"어르신 말벗 봉사자 모집"}
    page = await listed(registry, CENTRAL_ADMIN, recruitment_id=str(posted.id), limit=1, offset=1)
    assert [a.id for a in page.items] == [made[1].id] and page.total == 3
    accepted = await listed(registry, CENTRAL_ADMIN, recruitment_id=str(posted.id), status="accepted")
    assert [a.id for a in accepted.items] == [made[0].id] and accepted.total == 1
    for actor in (council_admin("11"), centre_manager(new_id("26")), volunteer(made[0].volunteer_id)):
        with pytest.raises(OutOfScope):
            await listed(registry, actor, recruitment_id=str(posted.id))


async def test_a_volunteers_applications_cut_to_who_asks(registry: Registry) -> None:
    seoul, busan = await centre(registry, region="11"), await centre(registry, "부산복지관", region="26")
    in_seoul, in_busan = await post(registry, seoul), await post(registry, busan, title="부산 모집")
    someone = await member(registry)
    first, second = await apply(registry, in_seoul, someone), await apply(registry, in_busan, someone)
    mine = await listed(registry, volunteer(someone.id), volunteer_id=str(someone.id))
    assert [a.id for a in mine.items] == [second.id, first.id] and mine.total == 2
    assert [a.recruitment_title for a in mine.items] == ["부산 모집", "어르신 말벗 봉사자 모집"]
    assert [a.id for a in (await listed(registry, centre_manager(seoul.id), volunteer_id=str(someone.id))).items] == [
        first.id
    ]
    by_busan = await listed(registry, council_admin("26"), volunteer_id=str(someone.id))
    assert [a.id for a in by_busan.items] == [second.id] and by_busan.total == 1
    assert (await listed(registry, CENTRAL_ADMIN, volunteer_id=str(someone.id))).total == 2
    with pytest.raises(OutOfScope):
        await listed(registry, volunteer(new_id("11")), volunteer_id=str(someone.id))
    with pytest.raises(NotPermitted):
        await listed(registry, ANONYMOUS, volunteer_id=str(someone.id))


# -- the rules, without a database ---------------------------------------------------------------------------------


def test_age_is_counted_in_whole_years_from_the_birthday() -> None:
    assert domain.age_on(date(2006, 5, 10), date(2025, 5, 9)) == 18
    assert domain.age_on(date(2006, 5, 10), date(2025, 5, 10)) == 19
    assert domain.age_on(date(2008, 2, 29), date(2027, 2, 28)) == 18
    assert domain.age_on(date(2008, 2, 29), date(2027, 3, 1)) == 19


def test_a_text_is_searched_by_its_bigrams() -> None:
    text = domain.search_text(["어르신 말벗", None, "행복 복지관"])
    assert text == "어르신말벗\n행복복지관"
    assert domain.bigrams("말벗봉사") == ["말벗", "벗봉", "봉사"]
    assert "벗행" not in domain.bigrams(text), "no word spans two texts"
    assert domain.search_words("  말벗   MENTOR 말벗 ") == ["말벗", "mentor"]
    assert domain.bigrams("욕") == []
