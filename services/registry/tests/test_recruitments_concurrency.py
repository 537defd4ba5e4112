"""Recruitments under many requests at once, on PostgreSQL (SQLite runs one writer at a time, so races never happen
there): the capacity is never exceeded, a volunteer holds one standing application per recruitment, places given
back are counted once, and an orientation recorded while a placement is decided is never missed."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from vms_contracts.rpc.registry import (
    ApplicationRef,
    ApplicationStatus,
    ApplicationView,
    Apply,
    CentreStatusChange,
    CentreView,
    PostRecruitment,
    RecordOrientation,
    RecruitmentRef,
    RecruitmentView,
    RegisterCentre,
    RegisterVolunteer,
    RejectApplication,
)
from vms_contracts.subjects import Bus
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.outbox import Outbox
from vms_platform.testing import ANONYMOUS, CENTRAL_ADMIN, centre_manager, migrated, volunteer
from vms_registry.db import outbox
from vms_registry.handlers import RegistryHandlers
from vms_registry.recruitments import domain
from vms_registry.recruitments.handlers import RecruitmentHandlers
from vms_registry.recruitments.tables import STANDING_STATUSES, applications

pytestmark = pytest.mark.postgres

MIGRATIONS = str(files("vms_registry") / "migrations")
SUBMITTED = "vms.registry.application.submitted.v1"
CANCELLED = "vms.registry.application.cancelled.v1"
REJECTED = "vms.registry.application.rejected.v1"
PLACED = "vms.registry.application.placed.v1"


@dataclass
class Registry:
    people: RegistryHandlers
    recruiting: RecruitmentHandlers
    db: Database


@pytest.fixture
async def registry(postgres_database: Any) -> AsyncIterator[Registry]:
    url = await postgres_database("registry")
    await migrated(url, MIGRATIONS)
    db = Database(url)
    staged = Outbox(outbox, bus=Bus(), source="/vms/registry/test")
    yield Registry(RegistryHandlers(db, staged), RecruitmentHandlers(db, staged), db)
    await db.close()


_numbers = itertools.count(1)


async def members(registry: Registry, how_many: int) -> list[UUID]:
    made = []
    for _ in range(how_many):
        number = next(_numbers)
        view = await registry.people.register_volunteer(
            RegisterVolunteer(
                login_id=f"racer_{number:04d}",
                name="홍길동",
                birth_date=date(1990, 1, 1),
                phone=f"010-{number // 10000:04d}-{number % 10000:04d}",
                region="11",
            ),
            ANONYMOUS,
        )
        made.append(view.id)
    return made


async def accredited_centre(registry: Registry) -> CentreView:
    made = await registry.people.register_centre(RegisterCentre(name="행복종합사회복지관", region="11"), CENTRAL_ADMIN)
    return await registry.people.accredit_centre(CentreStatusChange(centre_id=made.id), CENTRAL_ADMIN)


async def recruitment(registry: Registry, capacity: int, **changes: Any) -> RecruitmentView:
    at = await accredited_centre(registry)
    today = today_kst()
    request = PostRecruitment.model_validate(
        {
            "centre_id": str(at.id),
            "title": "어르신 말벗 봉사자 모집",
            "activity_type": "home",
            "sub_field": "emotional",
            "place": "마포구 어르신 댁",
            "start_date": (today + timedelta(days=7)).isoformat(),
            "end_date": (today + timedelta(days=60)).isoformat(),
            "weekdays": ["sat"],
            "start_time": "10:00",
            "end_time": "12:00",
            "capacity": capacity,
            "eligibility": ["adult", "youth", "group"],
            **changes,
        }
    )
    return await registry.recruiting.post_recruitment(request, centre_manager(at.id))


async def apply(registry: Registry, to: RecruitmentView, who: UUID, party_size: int = 1) -> ApplicationView:
    request = Apply(recruitment_id=to.id, volunteer_id=who, party_size=party_size)
    return await registry.recruiting.apply(request, volunteer(who))


async def cancel(registry: Registry, app: ApplicationView) -> ApplicationView:
    return await registry.recruiting.cancel_application(
        ApplicationRef(application_id=app.id), volunteer(app.volunteer_id)
    )


async def taken_and_standing(registry: Registry, of: RecruitmentView) -> tuple[int, int]:
    """The recruitment's counter, and the people in its standing applications, read in one transaction."""
    async with registry.db.transaction() as session:
        taken = (await registry.recruiting.get_recruitment(RecruitmentRef(recruitment_id=of.id), ANONYMOUS)).taken
        standing = await session.scalar(
            select(func.coalesce(func.sum(applications.c.party_size), 0)).where(
                applications.c.recruitment_id == of.id, applications.c.status.in_(STANDING_STATUSES)
            )
        )
    return taken, int(standing or 0)


async def staged(registry: Registry, event_type: str) -> list[dict[str, Any]]:
    async with registry.db.transaction() as session:
        payloads = (await session.scalars(select(outbox.c.payload).where(outbox.c.type == event_type))).all()
    return [json.loads(p)["data"] for p in payloads]


def outcomes(results: list[Any]) -> tuple[list[ApplicationView], list[BaseException]]:
    made = [r for r in results if isinstance(r, ApplicationView)]
    refused = [r for r in results if isinstance(r, BaseException)]
    return made, refused


async def test_capacity_is_never_exceeded_by_concurrent_applications(registry: Registry) -> None:
    posted = await recruitment(registry, capacity=10)
    people = await members(registry, 40)
    results = await asyncio.gather(*(apply(registry, posted, who) for who in people), return_exceptions=True)
    made, refused = outcomes(results)
    assert len(made) == 10
    assert len(refused) == 30 and all(isinstance(r, domain.RecruitmentFull) for r in refused), refused[:3]
    assert {r.body().params["left"] for r in refused if isinstance(r, domain.RecruitmentFull)} == {0}
    assert await taken_and_standing(registry, posted) == (10, 10)
    assert len(await staged(registry, SUBMITTED)) == 10


async def test_group_applications_racing_never_exceed_capacity(registry: Registry) -> None:
    posted = await recruitment(registry, capacity=20)
    sizes = [5, 4, 3, 6, 2, 7, 5, 3, 4, 6, 2, 5]
    people = await members(registry, len(sizes))
    results = await asyncio.gather(
        *(apply(registry, posted, who, size) for who, size in zip(people, sizes, strict=True)), return_exceptions=True
    )
    made, refused = outcomes(results)
    taken, standing = await taken_and_standing(registry, posted)
    assert taken == standing == sum(app.party_size for app in made) <= 20
    assert all(isinstance(r, domain.RecruitmentFull) for r in refused), refused[:3]
    left = 20 - taken
    for reason, size in zip(results, sizes, strict=True):
        if isinstance(reason, domain.RecruitmentFull):
            assert size > left, "refused only when it did not fit, even at the end"


async def test_the_same_volunteer_applying_five_times_at_once_is_one_application(registry: Registry) -> None:
    posted = await recruitment(registry, capacity=10)
    (someone,) = await members(registry, 1)
    results = await asyncio.gather(*(apply(registry, posted, someone) for _ in range(5)), return_exceptions=True)
    made, refused = outcomes(results)
    assert len(made) == 1
    assert len(refused) == 4 and all(isinstance(r, domain.AlreadyApplied) for r in refused), refused
    assert {r.body().params["application_id"] for r in refused if isinstance(r, domain.AlreadyApplied)} == {
        str(made[0].id)
    }
    assert await taken_and_standing(registry, posted) == (1, 1)
    assert len(await staged(registry, SUBMITTED)) == 1


async def test_cancels_and_applications_racing_keep_the_count(registry: Registry) -> None:
    """Round after round, some leave while others (and some of those leaving) apply: the counter always equals
    the people standing, never above the capacity, and each volunteer stands at most once."""
    posted = await recruitment(registry, capacity=6)
    people = await members(registry, 24)
    sizes = itertools.cycle([1, 2, 1, 3])
    standing = [
        (app.id, app.volunteer_id) for app in [await apply(registry, posted, p, next(sizes)) for p in people[:3]]
    ]
    for round_ in range(4):
        newcomers = people[3 + round_ * 5 : 8 + round_ * 5]
        leaving = standing[: len(standing) // 2 + 1]
        work: list[Any] = [
            registry.recruiting.cancel_application(ApplicationRef(application_id=app_id), volunteer(who))
            for app_id, who in leaving
        ]
        work += [apply(registry, posted, who, next(sizes)) for who in newcomers]
        work += [apply(registry, posted, who) for _, who in leaving]  # back again, at the same moment
        results = await asyncio.gather(*work, return_exceptions=True)
        expected = (domain.RecruitmentFull, domain.AlreadyApplied)
        assert [r for r in results if isinstance(r, BaseException) and not isinstance(r, expected)] == []
        taken, in_standing = await taken_and_standing(registry, posted)
        assert taken == in_standing <= 6, f"round {round_}"
        async with registry.db.transaction() as session:
            rows = (
                await session.execute(
                    select(applications.c.id, applications.c.volunteer_id).where(
                        applications.c.recruitment_id == posted.id, applications.c.status.in_(STANDING_STATUSES)
                    )
                )
            ).all()
        assert len({row.volunteer_id for row in rows}) == len(rows), "one standing application per volunteer"
        standing = [(row.id, row.volunteer_id) for row in rows]


async def test_a_cancel_and_a_rejection_racing_give_the_places_back_once(registry: Registry) -> None:
    posted = await recruitment(registry, capacity=50)
    people = await members(registry, 10)
    made = [await apply(registry, posted, who, 3) for who in people]
    manager = centre_manager(posted.centre_id)
    work: list[Any] = []
    for app in made:
        work.append(cancel(registry, app))
        work.append(
            registry.recruiting.reject_application(
                RejectApplication(application_id=app.id, reason="정원 조정"), manager
            )
        )
    results = await asyncio.gather(*work, return_exceptions=True)
    assert all(isinstance(r, (ApplicationView, domain.ApplicationStatusWrong)) for r in results), results
    assert await taken_and_standing(registry, posted) == (0, 0)
    assert len(await staged(registry, CANCELLED)) + len(await staged(registry, REJECTED)) == 10


async def test_an_orientation_recorded_while_placing_is_never_missed(registry: Registry) -> None:
    """The centre places accepted applicants at the moment it records their orientation: each is placed, none is
    left waiting for an orientation already on record, and each placement is announced once."""
    posted = await recruitment(registry, capacity=30, orientation_required=True)
    people = await members(registry, 12)
    manager = centre_manager(posted.centre_id)
    made = [await apply(registry, posted, who) for who in people]
    for app in made:
        await registry.recruiting.accept_application(ApplicationRef(application_id=app.id), manager)
    work: list[Any] = []
    for app in made:
        work.append(registry.recruiting.place_application(ApplicationRef(application_id=app.id), manager))
        work.append(
            registry.recruiting.record_orientation(
                RecordOrientation(centre_id=posted.centre_id, volunteer_id=app.volunteer_id, completed_on=today_kst()),
                manager,
            )
        )
    await asyncio.gather(*work)
    async with registry.db.transaction() as session:
        statuses = (
            await session.scalars(select(applications.c.status).where(applications.c.recruitment_id == posted.id))
        ).all()
    assert set(statuses) == {ApplicationStatus.PLACED.value}
    assert sorted(e["application_id"] for e in await staged(registry, PLACED)) == sorted(str(a.id) for a in made)
