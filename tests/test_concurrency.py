"""Many requests at once through the real services, with two replicas of a service on one PostgreSQL database and
a real NATS: then the invariants — one event per transition, each outbox row published once, answers bounded and
concurrent in each process. PostgreSQL only: SQLite runs one writer at a time, so races never show there."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from typing import Any
from uuid import UUID

import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select

from vms_contracts.actor import Actor
from vms_contracts.ids import new_id
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import Bus
from vms_hours.app import create_app as create_hours
from vms_hours.db import activities
from vms_hours.db import outbox as hours_outbox
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.outbox import Outgoing
from vms_platform.runtime import ServiceApp
from vms_platform.testing import ANONYMOUS, centre_manager, eventually, rpc_client, running
from vms_registry.app import create_app as create_registry
from vms_registry.db import outbox as registry_outbox
from vms_registry.settings import RegistrySettings

pytestmark = pytest.mark.postgres

YESTERDAY = today_kst() - timedelta(days=1)
HOURS_MIGRATIONS = str(files("vms_hours") / "migrations")
REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")


async def start(stack: AsyncExitStack, app: ServiceApp, migrations: str) -> ServiceApp:
    return await stack.enter_async_context(running(app, migrations))


class CountedPublishes:
    """Wraps each replica's outbox relay to count what it published: JetStream's duplicate window would hide a
    second publish of one event, the count does not."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def watch(self, app: ServiceApp) -> None:
        assert app.relay is not None
        real = app.relay.publish_many

        async def publish_many(messages: Sequence[Outgoing]) -> list[BaseException | None]:
            results = await real(messages)
            self.ids.extend(msg_id for (_, _, msg_id, _), result in zip(messages, results, strict=True) if not result)
            return results

        app.relay.publish_many = publish_many


async def outbox_rows(app: ServiceApp, table: Any, event_type: str) -> tuple[int, set[int], int]:
    """(rows of `event_type`, the attempts they took, rows not yet sent)."""
    async with app.db.transaction() as session:
        rows = (
            await session.execute(select(table.c.attempts, table.c.sent_at).where(table.c.type == event_type))
        ).all()
    return len(rows), {r.attempts for r in rows}, sum(1 for r in rows if r.sent_at is None)


async def test_confirmations_at_once_on_two_replicas_give_one_event_each(
    nats_url: str, bus: Bus, postgres_database: Callable[[str], Awaitable[str]], js: JetStreamContext
) -> None:
    """200 activities, each confirmed by 4 requests at once, spread over two hours replicas: 200 confirmations."""
    hours_url = await postgres_database("hours")
    counted = CountedPublishes()
    async with AsyncExitStack() as stack:
        await start(
            stack,
            create_registry(
                RegistrySettings(nats_url=nats_url, database_url=await postgres_database("registry"), bus_root=bus.root)
            ),
            REGISTRY_MIGRATIONS,
        )
        replicas = []
        for instance in ("hours-a", "hours-b"):
            app = create_hours(
                HoursSettings(nats_url=nats_url, database_url=hours_url, bus_root=bus.root, instance=instance)
            )
            counted.watch(app)
            replicas.append(await start(stack, app, HOURS_MIGRATIONS))
        rpc = rpc_client(replicas[0].broker, bus, timeout=30)

        centre = await rpc.call(
            registry_rpc.REGISTER_CENTRE, registry_rpc.RegisterCentre(name="행복종합사회복지관", region="11")
        )
        # The centre's managers record and confirm: the four requests confirming an activity, each from another.
        managers = [centre_manager(centre.id) for _ in range(4)]
        volunteers = await asyncio.gather(
            *(
                rpc.call(
                    registry_rpc.REGISTER_VOLUNTEER,
                    registry_rpc.RegisterVolunteer(
                        login_id=f"vol_{i:03d}",
                        name="홍길동",
                        birth_date=date(2000, 1, 1),
                        phone=f"010-1000-{i:04d}",
                        region="11",
                    ),
                    actor=ANONYMOUS,  # signing up
                )
                for i in range(50)
            )
        )
        recorded = await asyncio.gather(
            *(
                rpc.call(
                    hours_rpc.RECORD_ACTIVITY,
                    hours_rpc.RecordActivity(
                        centre_id=centre.id,
                        volunteer_id=volunteer.id,
                        activity_date=YESTERDAY,
                        start_time=time(9 + 2 * slot),
                        end_time=time(10 + 2 * slot),
                        activity_type=ActivityType.FACILITY,
                        sub_field="emotional",
                        description="어르신 말벗",
                    ),
                    actor=managers[0],
                )
                for volunteer in volunteers
                for slot in range(4)
            )
        )
        assert len({a.id for a in recorded}) == 200

        confirmations = await asyncio.gather(
            *(
                rpc.call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity.id), actor=managers[n])
                for activity in recorded
                for n in range(4)
            )
        )
        answers: dict[UUID, set[Any]] = {}
        for view in confirmations:
            assert view.status == hours_rpc.ActivityStatus.CONFIRMED
            answers.setdefault(view.id, set()).add(view.confirmed_at)
        assert all(len(times) == 1 for times in answers.values()), "every answer tells of the one confirmation"
        async with replicas[0].db.transaction() as session:
            confirmed_by = (await session.scalars(select(activities.c.confirmed_by))).all()
        assert set(confirmed_by) <= {UUID(m.id) for m in managers} and len(confirmed_by) == 200, (
            "each confirmation is recorded as made by the one manager whose request made it"
        )

        async def published() -> bool:
            count, _, unsent = await outbox_rows(replicas[0], hours_outbox, "vms.hours.confirmed.v1")
            return count == 200 and unsent == 0

        await eventually(published, what="every confirmation published", timeout=30)
        assert await outbox_rows(replicas[0], hours_outbox, "vms.hours.confirmed.v1") == (200, {1}, 0)
        assert [r.relay.leading for r in replicas if r.relay is not None].count(True) == 1, "one relay leads"
    assert len(counted.ids) == len(set(counted.ids)) == 400, "200 recorded + 200 confirmed, each published once"
    # Nothing consumes in this test, so the rewards consumer's pending count is every confirmation on the stream.
    info = await js.consumer_info(bus.stream_name("HOURS"), "rewards-hours")
    assert info.num_pending == 200


async def test_each_process_answers_at_once_but_no_more_than_its_limit(
    nats_url: str, bus: Bus, postgres_database: Callable[[str], Awaitable[str]]
) -> None:
    settings = RegistrySettings(
        nats_url=nats_url,
        database_url=await postgres_database("registry"),
        bus_root=bus.root,
        max_concurrent_requests=4,
    )
    app = ServiceApp("registry", settings)
    busy, peak, release = 0, 0, asyncio.Event()

    async def slow_lookup(ref: registry_rpc.CentreRef, _actor: Actor) -> registry_rpc.CentreView:
        nonlocal busy, peak
        busy += 1
        peak = max(peak, busy)
        try:
            await release.wait()
        finally:
            busy -= 1
        return registry_rpc.CentreView(
            id=ref.centre_id, name="행복복지관", region="11", phone=None, registered_at=datetime.now(UTC)
        )

    app.serve(registry_rpc.GET_CENTRE, slow_lookup)
    async with running(app, REGISTRY_MIGRATIONS):
        rpc = rpc_client(app.broker, bus, timeout=30)
        calls = [
            asyncio.create_task(rpc.call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=new_id(region))))
            for region in ["11", "26"] * 10
        ]

        async def limit_reached() -> bool:
            return busy == 4

        await eventually(limit_reached, what="four requests in the handler at once")
        await asyncio.sleep(0.3)
        assert busy == 4, "the fifth waits for a free slot"
        release.set()
        answers = await asyncio.gather(*calls)
    assert len(answers) == 20
    assert peak == 4


async def test_two_registry_replicas_publish_each_event_once_and_one_takes_over(
    nats_url: str, bus: Bus, postgres_database: Callable[[str], Awaitable[str]], js: JetStreamContext
) -> None:
    url = await postgres_database("registry")
    counted = CountedPublishes()
    async with AsyncExitStack() as stack:
        replicas: list[ServiceApp] = []
        stops: list[AsyncExitStack] = []
        for instance in ("registry-a", "registry-b"):
            app = create_registry(
                RegistrySettings(nats_url=nats_url, database_url=url, bus_root=bus.root, instance=instance)
            )
            counted.watch(app)
            own = AsyncExitStack()
            stack.push_async_callback(own.aclose)
            replicas.append(await own.enter_async_context(running(app, REGISTRY_MIGRATIONS)))
            stops.append(own)
        rpc = rpc_client(replicas[1].broker, bus, ANONYMOUS, timeout=30)  # volunteers sign up

        async def register(prefix: str, count: int, exchange: int) -> None:
            # One person per registration: the same name, birth date and phone twice would be the same person.
            await asyncio.gather(
                *(
                    rpc.call(
                        registry_rpc.REGISTER_VOLUNTEER,
                        registry_rpc.RegisterVolunteer(
                            login_id=f"{prefix}_{i:03d}",
                            name="김영희",
                            birth_date=date(1999, 9, 9),
                            phone=f"010-{exchange}-{i:04d}",
                            region=("11", "26", "41")[i % 3],
                        ),
                    )
                    for i in range(count)
                )
            )

        async def all_published(total: int) -> bool:
            count, _, unsent = await outbox_rows(replicas[1], registry_outbox, "vms.registry.volunteer.registered.v2")
            return count == total and unsent == 0

        await register("first", 300, 2000)
        await eventually(lambda: all_published(300), what="300 registrations published", timeout=30)
        leader = next(i for i, r in enumerate(replicas) if r.relay is not None and r.relay.leading)
        await stops[leader].aclose()  # the leading replica stops; the other takes over its relay
        other = replicas[1 - leader]
        rpc = rpc_client(other.broker, bus, ANONYMOUS, timeout=30)
        await register("second", 30, 2001)
        await eventually(lambda: all_published(330), what="the standby publishing after the leader left", timeout=30)
        assert other.relay is not None and other.relay.leading
        async with other.db.transaction() as session:
            attempts = set((await session.scalars(select(registry_outbox.c.attempts))).all())
            rows = await session.scalar(select(func.count()).select_from(registry_outbox))
        assert attempts == {1} and rows == 330
    assert len(counted.ids) == len(set(counted.ids)) == 330, "each event published once"
    assert (await js.stream_info(bus.stream_name("REGISTRY"))).state.messages == 330
