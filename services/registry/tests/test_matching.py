"""Matching (희망봉사활동 → 배치) through the real database, on SQLite and PostgreSQL: a volunteer sees the
recruitments that fit what they registered as their wish, best first with the reasons; a centre sees the volunteers
that fit its recruitment, their names masked; a newly posted recruitment is announced to the volunteers it fits.
Only recruitments taking applications now, and open to the volunteer's age, are recommended."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.registry import RecruitmentPostedV1
from vms_contracts.ids import new_id
from vms_contracts.rpc.registry import (
    Apply,
    CentreStatusChange,
    CentreView,
    MatchReason,
    PostRecruitment,
    RecommendedRecruitments,
    RecommendedVolunteers,
    RecommendRecruitments,
    RecommendVolunteers,
    RecruitmentRef,
    RecruitmentView,
    RegisterCentre,
    RegisterVolunteer,
    VolunteerView,
    WithdrawVolunteer,
)
from vms_contracts.subjects import Bus
from vms_platform.actor import NotPermitted, OutOfScope
from vms_platform.clock import KST
from vms_platform.db import Database
from vms_platform.outbox import Outbox
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, centre_manager, council_admin, migrated, volunteer
from vms_registry.db import (
    outbox,
    volunteer_availability,
    volunteer_desired_activities,
    volunteer_talents,
    volunteers,
)
from vms_registry.domain import VolunteerNotFound, VolunteerWithdrawn
from vms_registry.handlers import RegistryHandlers
from vms_registry.matching import queries
from vms_registry.matching.domain import ANNOUNCED_MATCHES, Wishes, match
from vms_registry.matching.handlers import MatchingHandlers
from vms_registry.matching.queries import announce_matches
from vms_registry.recruitments.domain import RecruitmentNotFound
from vms_registry.recruitments.handlers import RecruitmentHandlers

MIGRATIONS = str(files("vms_registry") / "migrations")
MAPO, JONGNO, HAEUNDAE = "11440", "11110", "26350"


@dataclass
class Clock:
    """Korean time as the handlers see it; a test moves it on to see deadlines pass."""

    now: datetime = field(default_factory=lambda: datetime.now(KST))

    def __call__(self) -> datetime:
        return self.now

    @property
    def today(self) -> date:
        return self.now.date()

    def days_later(self, days: int) -> None:
        self.now += timedelta(days=days)


@dataclass
class Registry:
    people: RegistryHandlers
    recruiting: RecruitmentHandlers
    matching: MatchingHandlers
    db: Database
    clock: Clock


@pytest.fixture
async def registry(new_database: Any) -> AsyncIterator[Registry]:
    url = await new_database("registry")
    await migrated(url, MIGRATIONS)
    db = Database(url)
    staged = Outbox(outbox, bus=Bus(), source="/vms/registry/test")
    clock = Clock()
    yield Registry(
        RegistryHandlers(db, staged),
        RecruitmentHandlers(db, staged, clock=clock),
        MatchingHandlers(db, staged, served=["11"], clock=clock),
        db,
        clock,
    )
    await db.close()


# -- the people and places ---------------------------------------------------------------------------------------

_numbers = itertools.count(1)


async def member(
    registry: Registry,
    name: str = "홍길동",
    *,
    region: str = "11",
    birth_date: date = date(1990, 1, 1),
    **profile: Any,
) -> VolunteerView:
    """A volunteer who registered their wishes: `desired_activities=[("home", "emotional")]`,
    `availability=[("sat", "morning")]`, `district`, `desired_regions`, `talents`."""
    number = next(_numbers)
    profile["desired_activities"] = [
        {"activity_type": kind, "sub_field": sub or None} for kind, sub in profile.get("desired_activities", [])
    ]
    profile["availability"] = [{"weekday": day, "part": part} for day, part in profile.get("availability", [])]
    request = RegisterVolunteer.model_validate(
        {
            "login_id": f"member_{number:04d}",
            "name": name,
            "birth_date": birth_date.isoformat(),
            "phone": f"010-{number // 10000:04d}-{number % 10000:04d}",
            "region": region,
            **profile,
        }
    )
    return await registry.people.register_volunteer(request, ANONYMOUS)


async def centre(registry: Registry, name: str = "마포종합사회복지관", region: str = "11") -> CentreView:
    made = await registry.people.register_centre(RegisterCentre(name=name, region=region), CENTRAL_ADMIN)
    return await registry.people.accredit_centre(CentreStatusChange(centre_id=made.id), CENTRAL_ADMIN)


async def post(registry: Registry, at: CentreView, **changes: Any) -> RecruitmentView:
    today = registry.clock.today
    fields: dict[str, Any] = {
        "title": "어르신 말벗 봉사자 모집",
        "description": "홀로 사시는 어르신을 찾아 이야기를 나눕니다.",
        "activity_type": "home",
        "sub_field": "emotional",
        "district": MAPO if at.region == "11" else None,
        "place": "어르신 댁",
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
    request = PostRecruitment.model_validate({"centre_id": str(at.id), **fields, **changes})
    return await registry.recruiting.post_recruitment(request, centre_manager(at.id))


async def for_volunteer(registry: Registry, who: VolunteerView, limit: int = 10) -> RecommendedRecruitments:
    request = RecommendRecruitments(volunteer_id=who.id, limit=limit)
    return await registry.matching.recommend_recruitments(request, volunteer(who.id))


async def for_centre(
    registry: Registry, recruitment: RecruitmentView, actor: Actor | None = None, limit: int = 20
) -> RecommendedVolunteers:
    request = RecommendVolunteers(recruitment_id=recruitment.id, limit=limit)
    return await registry.matching.recommend_volunteers(request, actor or centre_manager(recruitment.centre_id))


def ids(found: RecommendedRecruitments | RecommendedVolunteers) -> list[UUID]:
    if isinstance(found, RecommendedRecruitments):
        return [item.recruitment.id for item in found.items]
    return [item.volunteer_id for item in found.items]


def reasons(item: Any) -> dict[MatchReason, str]:
    return {reason.reason: reason.detail for reason in item.reasons}


async def candidates(
    registry: Registry, session: AsyncSession, who: VolunteerView, wishes: Wishes, limit: int = queries.CANDIDATES
) -> list[Any]:
    """The recruitments `queries.recruitment_candidates` reads for `who`, all of them, in its order."""
    today = registry.clock.today
    found = queries.recruitment_candidates(session, who.id, wishes, who.birth_date, today, limit=limit)
    return [row async for row in found]


# -- recommendations for a volunteer -------------------------------------------------------------------------------


@dataclass
class Board:
    mapo: CentreView
    chat: RecruitmentView
    """재가봉사/정서지원 in 마포구 on Saturday mornings: everything the volunteer wished."""
    meals: RecruitmentView
    """재가봉사/생활지원 in 종로구 on Sunday afternoons: the type alone, in their 시·도."""
    office: RecruitmentView
    """시설봉사/업무보조 in 마포구 on Saturday mornings: a type they did not wish."""
    busan: RecruitmentView
    """재가봉사/정서지원 in 부산: their wish, where they do not serve."""


@pytest.fixture
async def board(registry: Registry) -> Board:
    mapo = await centre(registry)
    haeundae = await centre(registry, "해운대종합사회복지관", "26")
    return Board(
        mapo=mapo,
        meals=await post(
            registry,
            mapo,
            title="도시락 배달",
            description="어르신 댁에 도시락을 전해 드립니다.",
            sub_field="daily_life",
            district=JONGNO,
            weekdays=["sun"],
            start_time="14:00",
            end_time="16:00",
            start_date=(registry.clock.today + timedelta(days=1)).isoformat(),
        ),
        chat=await post(registry, mapo),
        office=await post(registry, mapo, title="복지관 사무 보조", activity_type="facility", sub_field="office"),
        busan=await post(registry, haeundae, district=HAEUNDAE),
    )


async def wishing_chats(registry: Registry, **changes: Any) -> VolunteerView:
    """A volunteer of 마포구 who wishes 재가봉사/정서지원 on Saturday mornings."""
    profile: dict[str, Any] = {
        "district": MAPO,
        "desired_activities": [("home", "emotional")],
        "availability": [("sat", "morning")],
    }
    return await member(registry, **{**profile, **changes})


async def test_the_recruitment_that_fits_the_wish_comes_first_with_its_reasons(
    registry: Registry, board: Board
) -> None:
    hong = await wishing_chats(registry)
    found = await for_volunteer(registry, hong)
    assert ids(found) == [board.chat.id, board.meals.id], "another type, or another 시·도, is not recommended"
    best, other = found.items
    assert best.recruitment == board.chat
    assert reasons(best) == {
        MatchReason.SUB_FIELD: "정서지원",
        MatchReason.ACTIVITY_TYPE: "재가봉사",
        MatchReason.DISTRICT: "마포구",
        MatchReason.REGION: "서울특별시 (거주지)",
        MatchReason.AVAILABILITY: "토 오전",
    }
    assert best.score == 40 + 25 + 20 + 10 + 15
    assert [r.points for r in best.reasons] == [40, 25, 20, 10, 15]
    assert reasons(other) == {MatchReason.ACTIVITY_TYPE: "재가봉사", MatchReason.REGION: "서울특별시 (거주지)"}
    assert other.score == 35
    assert ids(await for_volunteer(registry, hong, limit=1)) == [board.chat.id]


async def test_the_regions_a_volunteer_wishes_to_serve_in_replace_their_home(registry: Registry, board: Board) -> None:
    hong = await wishing_chats(registry, desired_regions=["26"], talents=["말벗"])
    (found,) = (await for_volunteer(registry, hong)).items
    assert found.recruitment.id == board.busan.id
    assert reasons(found) == {
        MatchReason.SUB_FIELD: "정서지원",
        MatchReason.ACTIVITY_TYPE: "재가봉사",
        MatchReason.REGION: "부산광역시",
        MatchReason.TALENT: "말벗",
        MatchReason.AVAILABILITY: "토 오전",
    }


async def test_a_volunteer_without_wishes_gets_their_home_region_by_availability(
    registry: Registry, board: Board
) -> None:
    kim = await member(registry, "김철수", availability=[("sun", "afternoon")])
    found = await for_volunteer(registry, kim)
    assert ids(found)[0] == board.meals.id, "the one at the time they can serve first"
    assert set(ids(found)) == {board.meals.id, board.chat.id, board.office.id}, "every type, in their home 시·도"
    assert reasons(found.items[0]) == {
        MatchReason.REGION: "서울특별시 (거주지)",
        MatchReason.AVAILABILITY: "일 오후",
    }
    assert [reasons(item) for item in found.items[1:]] == [{MatchReason.REGION: "서울특별시 (거주지)"}] * 2
    assert ids(found)[1:] == sorted([board.chat.id, board.office.id]), "the same score and start: by id"


async def test_candidates_past_the_first_page_are_read_when_the_first_holds_too_few(
    registry: Registry, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidates are read a page (`BATCH`) first and the rest after it: with a page of one, the three found
    are the same, in the same order."""
    kim = await member(registry, "김철수", availability=[("sun", "afternoon")])
    whole = ids(await for_volunteer(registry, kim))
    monkeypatch.setattr(queries, "BATCH", 1)
    assert ids(await for_volunteer(registry, kim)) == whole
    assert len(whole) == 3


async def test_a_talent_ranks_in_sql_so_the_first_page_holds_the_best_and_the_place_promises_no_talent(
    registry: Registry, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rank SQL gives counts a talent named anywhere in the searched text, its place too, which the score does
    not count: the rank is the most a recruitment can score, never less. Read a page of one at a time, the
    recruitment naming the talent in its title still comes first, though it starts later than one naming it only in
    its place, and the reading stops there."""
    pianist = await wishing_chats(registry, talents=["피아노"])
    later = (registry.clock.today + timedelta(days=14)).isoformat()
    in_the_place = await post(registry, board.mapo, place="피아노 학원 2층")
    in_the_title = await post(registry, board.mapo, title="어르신께 피아노 연주를 들려드려요", start_date=later)
    monkeypatch.setattr(queries, "BATCH", 1)
    found = await for_volunteer(registry, pianist, limit=3)
    assert ids(found)[0] == in_the_title.id
    assert reasons(found.items[0])[MatchReason.TALENT] == "피아노"
    assert set(ids(found)[1:]) == {board.chat.id, in_the_place.id}, "the same score and start as the board's"
    assert all(MatchReason.TALENT not in reasons(item) for item in found.items[1:])
    assert found.items[0].score > found.items[1].score == found.items[2].score


async def test_closed_full_and_youth_only_recruitments_are_not_recommended_to_an_adult(
    registry: Registry, board: Board
) -> None:
    hong = await wishing_chats(registry)
    youth_only = await post(registry, board.mapo, eligibility=["youth"])
    groups_only = await post(registry, board.mapo, eligibility=["group"])
    full = await post(registry, board.mapo, capacity=1)
    closed = await post(registry, board.mapo)
    soon_closing = await post(registry, board.mapo, apply_until=(registry.clock.today + timedelta(days=1)).isoformat())
    applied = await post(registry, board.mapo)
    taker = await member(registry, "이영희")
    await registry.recruiting.apply(Apply(recruitment_id=full.id, volunteer_id=taker.id), volunteer(taker.id))
    await registry.recruiting.close_recruitment(
        RecruitmentRef(recruitment_id=closed.id), centre_manager(closed.centre_id)
    )
    await registry.recruiting.apply(Apply(recruitment_id=applied.id, volunteer_id=hong.id), volunteer(hong.id))
    found = set(ids(await for_volunteer(registry, hong)))
    assert found == {board.chat.id, board.meals.id, soon_closing.id}
    assert not found & {youth_only.id, groups_only.id, full.id, closed.id, applied.id}

    teen = await wishing_chats(registry, birth_date=date(registry.clock.today.year - 15, 1, 1))
    assert youth_only.id in ids(await for_volunteer(registry, teen)), "the young volunteer it is for sees it"

    registry.clock.days_later(2)
    assert soon_closing.id not in ids(await for_volunteer(registry, hong)), "past its deadline"
    await registry.people.suspend_centre(CentreStatusChange(centre_id=board.mapo.id, reason="점검"), CENTRAL_ADMIN)
    assert ids(await for_volunteer(registry, hong)) == [], "its centre suspended"


async def test_recommendations_are_the_volunteers_own(registry: Registry, board: Board) -> None:
    hong = await wishing_chats(registry)
    request = RecommendRecruitments(volunteer_id=hong.id)
    assert ids(await registry.matching.recommend_recruitments(request, CENTRAL_ADMIN)) == [
        board.chat.id,
        board.meals.id,
    ]
    with pytest.raises(OutOfScope):
        await registry.matching.recommend_recruitments(request, volunteer(new_id("11")))
    for stranger in (centre_manager(board.mapo.id), council_admin("11"), ANONYMOUS):
        with pytest.raises(NotPermitted):
            await registry.matching.recommend_recruitments(request, stranger)
    unknown = new_id("11")
    with pytest.raises(VolunteerNotFound):
        await registry.matching.recommend_recruitments(RecommendRecruitments(volunteer_id=unknown), volunteer(unknown))


async def test_a_withdrawn_volunteer_gets_no_recommendations(registry: Registry, board: Board) -> None:
    hong = await wishing_chats(registry)
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=hong.id), volunteer(hong.id))
    with pytest.raises(VolunteerWithdrawn) as refused:
        await for_volunteer(registry, hong)
    assert refused.value.body().code == "VOLUNTEER_WITHDRAWN"


# -- recommendations for a centre ----------------------------------------------------------------------------------


async def test_a_centre_sees_its_recruitments_best_volunteers_masked(registry: Registry, board: Board) -> None:
    hong = await wishing_chats(registry, talents=["말벗"])
    kim = await member(registry, "김철수", desired_activities=[("home", "")])
    namgung = await member(
        registry, "남궁민수", region="41", desired_regions=["11"], desired_activities=[("home", "daily_life")]
    )
    await member(registry, "이영희", district=MAPO, desired_activities=[("facility", "emotional")])
    await member(registry, "박민수", region="26", desired_activities=[("home", "emotional")])
    await member(registry, "최수정", region="11", desired_regions=["26"], desired_activities=[("home", "emotional")])
    gone = await wishing_chats(registry, name="정우성")
    await registry.people.withdraw_volunteer(WithdrawVolunteer(volunteer_id=gone.id), volunteer(gone.id))

    found = await for_centre(registry, board.chat)
    assert ids(found)[0] == hong.id
    assert set(ids(found)[1:]) == {kim.id, namgung.id}, "another type, another 시·도 or withdrawn: not recommended"
    assert ids(found)[1:] == sorted([kim.id, namgung.id]), "the same score: by id"
    best = found.items[0]
    assert (best.masked_name, best.score) == ("홍*동", 125)
    assert reasons(best) == {
        MatchReason.SUB_FIELD: "정서지원",
        MatchReason.ACTIVITY_TYPE: "재가봉사",
        MatchReason.DISTRICT: "마포구",
        MatchReason.REGION: "서울특별시 (거주지)",
        MatchReason.TALENT: "말벗",
        MatchReason.AVAILABILITY: "토 오전",
    }
    assert {item.masked_name for item in found.items[1:]} == {"김*수", "남**수"}
    assert {item.score for item in found.items[1:]} == {35}
    assert "홍길동" not in found.model_dump_json(), "no full name reaches the centre"
    assert ids(await for_centre(registry, board.chat, limit=1)) == [hong.id]


async def test_a_centre_is_recommended_only_volunteers_who_may_apply(registry: Registry, board: Board) -> None:
    today = registry.clock.today
    adult = await wishing_chats(registry)
    teen = await wishing_chats(registry, name="김하늘", birth_date=date(today.year - 15, 1, 1))
    adults_only = await post(registry, board.mapo, eligibility=["adult"])
    youth_only = await post(registry, board.mapo, eligibility=["youth"])
    assert ids(await for_centre(registry, adults_only)) == [adult.id]
    assert ids(await for_centre(registry, youth_only)) == [teen.id]
    await registry.recruiting.apply(Apply(recruitment_id=adults_only.id, volunteer_id=adult.id), volunteer(adult.id))
    assert ids(await for_centre(registry, adults_only)) == [], "who applied already need not be invited"


async def test_another_centre_is_refused(registry: Registry, board: Board) -> None:
    await wishing_chats(registry)
    other = await centre(registry, "종로노인복지관")
    with pytest.raises(OutOfScope):
        await for_centre(registry, board.chat, centre_manager(other.id))
    for stranger in (volunteer(new_id("11")), council_admin("11"), CENTRAL_ADMIN, ANONYMOUS):
        with pytest.raises(NotPermitted):
            await for_centre(registry, board.chat, stranger)
    with pytest.raises(RecruitmentNotFound):
        await registry.matching.recommend_volunteers(
            RecommendVolunteers(recruitment_id=new_id("11")), centre_manager(board.mapo.id)
        )


# -- announcing a new recruitment ----------------------------------------------------------------------------------


async def test_a_new_recruitment_is_announced_to_the_matching_volunteers_only(registry: Registry) -> None:
    mapo = await centre(registry)
    hong = await wishing_chats(registry, talents=["말벗"])
    kim = await member(registry, "김철수", desired_activities=[("home", "")])
    await member(registry, "이영희", district=MAPO, availability=[("sat", "morning")], talents=["말벗"])
    await member(registry, "박민수", region="26", desired_activities=[("home", "emotional")])
    chat = await post(registry, mapo)
    async with registry.db.transaction() as session:
        events = await announce_matches(session, chat.id)
    assert [(e.volunteer_id, e.score) for e in events] == [(hong.id, 125), (kim.id, 35)]
    assert {e.recruitment_id for e in events} == {chat.id}
    assert {e.region for e in events} == {"11"}
    assert events[0].reasons == ["sub_field", "activity_type", "district", "region", "talent", "availability"]
    assert events[1].reasons == ["activity_type", "region"]


async def staged_events(registry: Registry, event_type: str) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        rows = (await session.execute(select(outbox.c.payload).where(outbox.c.type == event_type))).all()
    return [json.loads(row.payload)["data"] for row in rows]


async def take_postings(registry: Registry) -> None:
    """What the registry's consumer of `recruitment.posted` does with every posting staged so far."""
    postings = [
        Envelope.wrap(RecruitmentPostedV1.model_validate(data), source="/vms/registry/test", region=data["region"])
        for data in await staged_events(registry, POSTED)
    ]
    async with registry.db.transaction() as session:
        await registry.matching.on_recruitments_posted(session, postings)


POSTED, MATCHED = "vms.registry.recruitment.posted.v1", "vms.registry.recruitment.matched.v1"


async def test_a_posting_is_announced_when_its_event_is_taken_not_while_the_centre_waits(registry: Registry) -> None:
    mapo = await centre(registry)
    hong = await wishing_chats(registry)
    await member(registry, "박민수", region="26", desired_activities=[("home", "emotional")])
    chat = await post(registry, mapo)
    assert len(await staged_events(registry, POSTED)) == 1
    assert await staged_events(registry, MATCHED) == [], "posting stages the posting alone"
    await take_postings(registry)
    announced = await staged_events(registry, MATCHED)
    assert [(a["recruitment_id"], a["volunteer_id"]) for a in announced] == [(str(chat.id), str(hong.id))]


async def test_a_posting_closed_before_its_turn_or_of_a_region_served_elsewhere_is_announced_to_no_one(
    registry: Registry,
) -> None:
    mapo = await centre(registry)
    await wishing_chats(registry)
    await member(registry, "박민수", region="26", desired_activities=[("home", "emotional")])
    closed = await post(registry, mapo)
    await registry.recruiting.close_recruitment(
        RecruitmentRef(recruitment_id=closed.id), centre_manager(closed.centre_id)
    )
    busan = await post(registry, await centre(registry, "해운대종합사회복지관", region="26"))
    await take_postings(registry)
    assert await staged_events(registry, MATCHED) == []
    assert {e["recruitment_id"] for e in await staged_events(registry, POSTED)} == {str(closed.id), str(busan.id)}


async def test_a_recruitment_is_announced_to_the_best_hundred_in_order(registry: Registry) -> None:
    mapo = await centre(registry)
    now = datetime.now(UTC)
    people = [
        {
            "id": new_id("11"),
            "login_id": f"bulk_{n:04d}",
            "name": "홍길동",
            "birth_date": date(1990, 1, 1),
            "phone": f"010-9999-{n:04d}",
            "region": "11",
            "district": MAPO if n % 3 == 0 else None,
            "registered_at": now,
            "status": "active",
        }
        for n in range(ANNOUNCED_MATCHES + 30)
    ]
    async with registry.db.transaction() as session:
        await session.execute(insert(volunteers), people)
        await session.execute(
            insert(volunteer_desired_activities),
            [
                {"volunteer_id": p["id"], "activity_type": "home", "sub_field": "emotional" if n % 2 else ""}
                for n, p in enumerate(people)
            ],
        )
        await session.execute(
            insert(volunteer_availability),
            [{"volunteer_id": p["id"], "weekday": "sat", "part": "morning"} for p in people[::5]],
        )
        await session.execute(
            insert(volunteer_talents), [{"volunteer_id": p["id"], "talent": "말벗"} for p in people[::7]]
        )
    chat = await post(registry, mapo)
    async with registry.db.transaction() as session:
        events = await announce_matches(session, chat.id)
    assert len(events) == ANNOUNCED_MATCHES
    ranked = sorted(events, key=lambda e: (-e.score, e.volunteer_id))
    assert events == ranked, "best first, then by id"
    async with registry.db.transaction() as session:
        assert await announce_matches(session, chat.id) == events, "the same answer every time"
    best = await for_centre(registry, chat, limit=100)
    assert [(item.volunteer_id, item.score) for item in best.items] == [(e.volunteer_id, e.score) for e in events]


# -- the candidates scored ---------------------------------------------------------------------------------------


async def test_the_candidates_kept_for_scoring_are_the_best_sql_can_tell(registry: Registry) -> None:
    """When there are more candidates than are scored, those kept wish the very sub-field, live in the 시·군·구 or
    are free at the time: 11:00–13:00 fits a Saturday afternoon, 10:00–12:00 does not."""
    mapo = await centre(registry)
    tomorrow = (registry.clock.today + timedelta(days=1)).isoformat()
    daily = {"sub_field": "daily_life", "district": JONGNO}
    until_noon = await post(registry, mapo, **daily, start_date=tomorrow)
    across_noon = await post(registry, mapo, **daily, start_time="11:00", end_time="13:00")
    wished = await post(registry, mapo, district=JONGNO)
    nearby = await post(registry, mapo, sub_field="daily_life")
    hong = await member(
        registry, district=MAPO, desired_activities=[("home", "emotional")], availability=[("sat", "afternoon")]
    )
    any_home = [("home", "")]
    kim = await member(registry, "김철수", desired_activities=any_home, availability=[("sat", "morning")])
    await member(registry, "이영희", desired_activities=any_home, availability=[("sat", "evening")])
    park = await member(registry, "박민수", desired_activities=any_home, district=MAPO)

    async with registry.db.transaction() as session:
        person = await queries.volunteer_row(session, hong.id)
        assert person is not None
        wishes = (await queries.wishes_of(session, [person]))[hong.id]
        for limit, kept in [
            (3, [wished.id, nearby.id, across_noon.id]),
            (4, [wished.id, nearby.id, across_noon.id, until_noon.id]),
        ]:
            rows = await candidates(registry, session, hong, wishes, limit=limit)
            assert [row.id for row in rows] == kept

        row = await queries.recruitment_row(session, nearby.id)
        assert row is not None
        posting = queries.posting_of(row)
        rows = await queries.volunteer_candidates(
            session, posting, for_adults=True, for_youth=True, sub_field=False, limit=3
        )
    in_the_district = sorted([hong.id, park.id])
    assert [row.id for row in rows] == [*in_the_district, kim.id], "마포구 first, then free on Saturday morning"


async def test_the_rank_sql_counts_is_what_those_reasons_score(registry: Registry, board: Board) -> None:
    """Candidates are cut, and the search for the best stops, by the rank SQL gives them: it must count exactly the
    points `domain.match` gives for the reasons it ranks, never fewer."""
    extra = [
        await post(registry, board.mapo, start_time="11:00", end_time="13:00", weekdays=["sat", "sun"]),
        await post(registry, board.mapo, start_time="17:00", end_time="19:00", weekdays=["mon"], district=None),
        await post(registry, board.mapo, sub_field="daily_life", start_time="09:00", end_time="09:30"),
    ]
    people = [
        await wishing_chats(registry),
        await wishing_chats(registry, availability=[("sat", "afternoon"), ("mon", "evening")], talents=["말벗"]),
        await member(
            registry, "김철수", desired_activities=[("home", "daily_life"), ("facility", "")], district=JONGNO
        ),
        await member(registry, "이영희", availability=[("sun", "morning"), ("mon", "afternoon")]),
        await member(registry, "박민수", region="41", desired_regions=["11", "26"], desired_activities=[("home", "")]),
    ]
    ranked = 0
    async with registry.db.transaction() as session:
        for someone in people:
            person = await queries.volunteer_row(session, someone.id)
            assert person is not None
            wishes = (await queries.wishes_of(session, [person]))[someone.id]
            for row in await candidates(registry, session, someone, wishes):
                found = match(wishes, queries.posting_of(row))
                assert row.rank == sum(r.points for r in found.reasons if r.reason in queries.RECRUITMENT_RANKED)
                ranked += 1
        for recruitment in [board.chat, board.meals, board.office, board.busan, *extra]:
            row = await queries.recruitment_row(session, recruitment.id)
            assert row is not None
            posting = queries.posting_of(row)
            people_found = [
                person
                for sub_field in (True, False)
                for person in await queries.volunteer_candidates(
                    session, posting, for_adults=True, for_youth=True, sub_field=sub_field
                )
            ]
            wishes_of = await queries.wishes_of(session, people_found)
            for candidate in people_found:
                found = match(wishes_of[candidate.id], posting)
                assert candidate.rank == sum(r.points for r in found.reasons if r.reason in queries.RANKED)
                ranked += 1
    assert ranked > 20
