"""Never lose, never double — on a real NATS server, on SQLite and PostgreSQL.

The producer under test is the registry (its outbox and relay); the consumer is rewards (its inbox, batches and
dead letters) fed with `hours.confirmed` events published straight to JetStream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sysconfig
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import vms_platform.consumer as consumer_module
from vms_contracts.envelope import Envelope
from vms_contracts.events.registry import VolunteerRegisteredV2
from vms_contracts.ids import new_id
from vms_contracts.rpc.health import HealthRequest
from vms_contracts.rpc.registry import REGISTER_VOLUNTEER, RegisterVolunteer
from vms_contracts.rpc.rewards import TotalRequest
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import free_port
from vms_hours.app import create_app as create_hours
from vms_hours.db import known_volunteers
from vms_hours.settings import HoursSettings
from vms_platform.consumer import PermanentError
from vms_platform.deadletter import H_REASON, list_dead_letters, replay_dead_letter
from vms_platform.jetstream import CONSUMERS
from vms_platform.outbox import Outgoing
from vms_platform.runtime import ServiceApp
from vms_platform.testing import (
    ANONYMOUS,
    CENTRAL_ADMIN,
    eventually,
    hours_confirmed,
    rpc_client,
    running,
    volunteer_registered_v1,
)
from vms_registry.__main__ import main as registry_main
from vms_registry.app import create_app as create_registry
from vms_registry.db import outbox
from vms_registry.settings import RegistrySettings
from vms_rewards.app import create_app as create_rewards
from vms_rewards.db import inbox
from vms_rewards.handlers import RewardsHandlers
from vms_rewards.settings import RewardsSettings

REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
REWARDS_MIGRATIONS = str(files("vms_rewards") / "migrations")


async def publish(js: JetStreamContext, bus: Bus, envelope: Envelope[Any], *, msg_id: str | None = None) -> None:
    await js.publish(
        envelope.nats_subject(bus), envelope.to_json(), headers={"Nats-Msg-Id": msg_id or str(envelope.id)}
    )


def rewards_settings(bus: Bus, nats_url: str, database_url: str) -> RewardsSettings:
    return RewardsSettings(nats_url=nats_url, database_url=database_url, bus_root=bus.root)


async def total_minutes(app: ServiceApp, volunteer_id: UUID) -> int:
    total = await RewardsHandlers(app.db).get_total(TotalRequest(volunteer_id=volunteer_id), CENTRAL_ADMIN)
    return total.confirmed_minutes


async def settled(js: JetStreamContext, bus: Bus, durable: str = "rewards-hours") -> bool:
    info = await js.consumer_info(bus.stream_name("HOURS"), durable)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def use_consumer(js: JetStreamContext, bus: Bus, durable: str, **changes: Any) -> None:
    """Recreate a durable consumer with other settings (as an operator would for a test environment)."""
    spec = dataclasses.replace(CONSUMERS[durable], **changes)
    stream = bus.stream_name(spec.stream)
    await js.delete_consumer(stream, durable)
    await js.add_consumer(stream, spec.config(bus))


# -- outbox ----------------------------------------------------------------------------------------------------


async def test_publish_retried_after_lost_ack_gives_one_event(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext
) -> None:
    """The relay publishes, then fails before marking the row sent; its retry is deduplicated by JetStream."""
    settings = RegistrySettings(nats_url=nats_url, database_url=await new_database("registry"), bus_root=bus.root)
    app = create_registry(settings)
    assert app.relay is not None
    real_publish = app.relay.publish_many
    calls: list[str] = []

    async def publish_then_lose_the_ack(messages: Sequence[Outgoing]) -> list[BaseException | None]:
        calls.extend(msg_id for _, _, msg_id, _ in messages)
        results = await real_publish(messages)
        if len(calls) == 1:
            return [TimeoutError("the acknowledgement was lost")]
        return results

    app.relay.publish_many = publish_then_lose_the_ack
    async with running(app, REGISTRY_MIGRATIONS):
        volunteer = await rpc_client(app.broker, bus, ANONYMOUS).call(
            REGISTER_VOLUNTEER,
            RegisterVolunteer(
                login_id="hong_gildong", name="홍길동", birth_date=date(2001, 4, 5), phone="010-1234-5678", region="11"
            ),
        )

        async def all_sent() -> bool:
            async with app.db.transaction() as session:
                unsent = await session.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))
                attempts = await session.scalar(select(outbox.c.attempts))
            return unsent == 0 and attempts == 2

        await eventually(all_sent, what="the outbox row sent on its second attempt")

    assert len(calls) == 2 and calls[0] == calls[1]
    info = await js.stream_info(bus.stream_name("REGISTRY"))
    assert info.state.messages == 1
    stored = await js.get_msg(bus.stream_name("REGISTRY"), info.state.last_seq)
    assert json.loads(stored.data or b"")["data"]["volunteer_id"] == str(volunteer.id)


async def test_rolled_back_transaction_stages_no_event(bus: Bus, nats_url: str, new_database: Any) -> None:
    settings = RegistrySettings(nats_url=nats_url, database_url=await new_database("registry"), bus_root=bus.root)
    app = create_registry(settings)
    assert app.outbox is not None
    async with running(app, REGISTRY_MIGRATIONS):
        with pytest.raises(RuntimeError, match="half-done"):
            async with app.db.transaction() as session:
                await app.outbox.stage(session, hours_confirmed(uuid4()).data, region="11")
                raise RuntimeError("half-done")
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(outbox)) == 0


# -- inbox -----------------------------------------------------------------------------------------------------


async def test_same_event_delivered_twice_is_counted_once(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext
) -> None:
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    volunteer = uuid4()
    event = hours_confirmed(volunteer)
    async with running(app, REWARDS_MIGRATIONS):
        await publish(js, bus, event)
        # Republished later, outside JetStream's duplicate window: a second message with the same event id.
        await publish(js, bus, event, msg_id=f"{event.id}-republished")
        await eventually(lambda: settled(js, bus), what="both deliveries handled")
        assert await total_minutes(app, volunteer) == 210
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(inbox)) == 1
    info = await js.stream_info(bus.stream_name("HOURS"))
    assert info.state.messages == 2


async def test_consumer_killed_before_ack_is_redelivered_and_counted_once(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    await use_consumer(js, bus, "rewards-hours", ack_wait_seconds=1.0)
    database_url = await new_database("rewards")
    volunteer = uuid4()
    acks: list[int] = []

    async def crash_before_ack(messages: Any) -> None:
        if messages:
            acks.append(len(messages))  # committed, but the process dies before it acknowledges

    monkeypatch.setattr(consumer_module, "_ack", crash_before_ack)
    first = create_rewards(rewards_settings(bus, nats_url, database_url))
    async with running(first, REWARDS_MIGRATIONS):
        await publish(js, bus, hours_confirmed(volunteer))

        async def committed_not_acked() -> bool:
            return bool(acks)

        await eventually(committed_not_acked, what="the first delivery committed")
        assert await total_minutes(first, volunteer) == 210
        assert acks == [1]
    monkeypatch.undo()

    second = create_rewards(rewards_settings(bus, nats_url, database_url))
    async with running(second, REWARDS_MIGRATIONS):
        await eventually(lambda: settled(js, bus), what="the redelivery acknowledged")
        assert await total_minutes(second, volunteer) == 210
    info = await js.consumer_info(bus.stream_name("HOURS"), "rewards-hours")
    assert info.delivered.consumer_seq >= 2, "the message was delivered again after the crash"
    assert info.ack_floor.stream_seq == 1


# -- dead letters ----------------------------------------------------------------------------------------------


async def test_malformed_and_unknown_version_messages_are_parked_and_the_rest_flows(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext
) -> None:
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    volunteer = uuid4()
    good = hours_confirmed(volunteer)
    newer = json.loads(hours_confirmed(volunteer).to_json())
    newer["type"] = "vms.hours.confirmed.v7"
    async with running(app, REWARDS_MIGRATIONS):
        subject = bus.event_subject("11", "hours", "confirmed")
        await js.publish(subject, b"\x00not an event", headers={"Nats-Msg-Id": "garbage-1"})
        await js.publish(subject, json.dumps(newer).encode(), headers={"Nats-Msg-Id": "newer-1"})
        await publish(js, bus, good)
        await eventually(lambda: settled(js, bus), what="all three handled")
        assert await total_minutes(app, volunteer) == 210

    letters = await list_dead_letters(js, bus)
    assert [letter.subject for letter in letters] == [subject, subject]
    assert "not JSON" in letters[0].reason
    assert "unknown version v7 of vms.hours.confirmed" in letters[1].reason
    assert letters[0].consumer == "rewards-hours"
    raw = await js.get_msg(bus.stream_name("DEADLETTER"), letters[0].sequence)
    assert (raw.headers or {})[H_REASON].startswith("invalid event: not JSON")
    assert raw.data == b"\x00not an event"


async def test_poison_event_is_retried_then_parked_while_its_batch_goes_through(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CONSUMERS, "rewards-hours", dataclasses.replace(CONSUMERS["rewards-hours"], max_deliver=3))
    monkeypatch.setattr(consumer_module, "retry_delay", lambda deliveries: 0.1)
    poisoned, healthy = uuid4(), uuid4()
    real = RewardsHandlers.on_hours_confirmed

    async def fails_for_one_volunteer(self: RewardsHandlers, session: Any, events: list[Any]) -> None:
        if any(e.data.volunteer_id == poisoned for e in events):
            raise RuntimeError("database constraint broken for this volunteer")
        await real(self, session, events)

    monkeypatch.setattr(RewardsHandlers, "on_hours_confirmed", fails_for_one_volunteer)
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    async with running(app, REWARDS_MIGRATIONS):
        for event in (hours_confirmed(healthy, 60), hours_confirmed(poisoned, 90), hours_confirmed(healthy, 30)):
            await publish(js, bus, event)
        await eventually(lambda: settled(js, bus), what="the poison parked after 3 deliveries")
        assert await total_minutes(app, healthy) == 90
        assert await total_minutes(app, poisoned) == 0

    (letter,) = await list_dead_letters(js, bus)
    assert letter.deliveries == 3
    assert "RuntimeError: database constraint broken" in letter.reason

    # Once the cause is fixed, the operator replays it and it counts.
    monkeypatch.setattr(RewardsHandlers, "on_hours_confirmed", real)
    app = create_rewards(rewards_settings(bus, nats_url, app.settings.database_url))
    async with running(app, REWARDS_MIGRATIONS):
        await replay_dead_letter(js, bus, letter.sequence)
        await eventually(lambda: total_minutes(app, poisoned), what="the replayed event counted")
        assert await total_minutes(app, poisoned) == 90
        assert await total_minutes(app, healthy) == 90
    assert await list_dead_letters(js, bus) == []


async def test_permanent_error_is_parked_at_once(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: RewardsHandlers, session: Any, events: list[Any]) -> None:
        raise PermanentError("this event can never apply")

    monkeypatch.setattr(RewardsHandlers, "on_hours_confirmed", refuse)
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    async with running(app, REWARDS_MIGRATIONS):
        await publish(js, bus, hours_confirmed(uuid4()))
        await eventually(lambda: settled(js, bus), what="parked")
    (letter,) = await list_dead_letters(js, bus)
    assert letter.deliveries == 1
    assert "PermanentError: this event can never apply" in letter.reason


async def test_an_unavailable_database_is_waited_for_not_blamed_on_the_events(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CONSUMERS, "rewards-hours", dataclasses.replace(CONSUMERS["rewards-hours"], max_deliver=2))
    monkeypatch.setattr(consumer_module, "retry_delay", lambda deliveries: 0.1)
    real = RewardsHandlers.on_hours_confirmed
    outages = iter(range(4))

    async def database_down_for_a_while(self: RewardsHandlers, session: Any, events: list[Any]) -> None:
        if next(outages, None) is not None:
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("the database is restarting"))
        await real(self, session, events)

    monkeypatch.setattr(RewardsHandlers, "on_hours_confirmed", database_down_for_a_while)
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    volunteer = uuid4()
    async with running(app, REWARDS_MIGRATIONS):
        await publish(js, bus, hours_confirmed(volunteer))
        await eventually(lambda: total_minutes(app, volunteer), what="counted once the database is back")
        await eventually(lambda: settled(js, bus), what="acknowledged")
    assert await list_dead_letters(js, bus) == []


async def test_a_committed_range_can_be_published_again(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the broker ever loses what it acknowledged, the outbox still holds it: `vms-registry republish` marks a
    range unsent and the running relay sends it again (here within JetStream's duplicate window, so the stream
    keeps one copy; later, consumers' inboxes skip it)."""
    database_url = await new_database("registry")
    settings = RegistrySettings(nats_url=nats_url, database_url=database_url, bus_root=bus.root)
    app = create_registry(settings)
    before = datetime.now(UTC)
    async with running(app, REGISTRY_MIGRATIONS):
        await rpc_client(app.broker, bus, ANONYMOUS).call(
            REGISTER_VOLUNTEER,
            RegisterVolunteer(
                login_id="lee_sunsin", name="이순신", birth_date=date(1990, 4, 28), phone="010-5555-6666", region="26"
            ),
        )

        async def attempts() -> int:
            async with app.db.transaction() as session:
                row = (await session.execute(select(outbox.c.attempts, outbox.c.sent_at))).one()
            return int(row.attempts) if row.sent_at is not None else 0

        assert await eventually(attempts) == 1
        for name, value in {"DATABASE_URL": database_url, "NATS_URL": nats_url, "BUS_ROOT": bus.root}.items():
            monkeypatch.setenv(f"VMS_REGISTRY_{name}", value)
        await asyncio.to_thread(registry_main, ["republish", "--since", before.isoformat()])

        async def sent_twice() -> bool:
            return await attempts() == 2

        await eventually(sent_twice, what="the relay sending the range again")
    assert (await js.stream_info(bus.stream_name("REGISTRY"))).state.messages == 1


async def test_a_service_started_before_its_consumer_is_declared_waits_and_then_consumes(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext
) -> None:
    """As after the JetStream store was lost, or before `vms nats-setup` ran: it starts, says what is missing
    in health, and consumes by itself once the consumer is declared."""
    stream = bus.stream_name("HOURS")
    await js.delete_consumer(stream, "rewards-hours")
    app = create_rewards(rewards_settings(bus, nats_url, await new_database("rewards")))
    volunteer = uuid4()
    async with running(app, REWARDS_MIGRATIONS):
        await publish(js, bus, hours_confirmed(volunteer))

        async def reported() -> list[str]:
            return (await app.health(HealthRequest(), app.actor)).problems

        (problem,) = await eventually(reported, what="health naming the missing consumer")
        assert f"{stream}/rewards-hours" in problem
        await js.add_consumer(stream, CONSUMERS["rewards-hours"].config(bus))
        assert await eventually(lambda: total_minutes(app, volunteer), timeout=30) == 210
        assert (await app.health(HealthRequest(), app.actor)).problems == []


# -- stopping --------------------------------------------------------------------------------------------------


async def test_a_service_waiting_for_nats_at_start_stops_on_sigterm(tmp_path: Path) -> None:
    """NATS is not there (not yet started, or down): the service says it waits, and SIGTERM still ends it at once,
    so that a supervisor or an orchestrator never has to kill it."""
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    env = {
        **os.environ,
        "VMS_REGISTRY_NATS_URL": f"nats://127.0.0.1:{free_port()}",  # nothing listens there
        "VMS_REGISTRY_DATABASE_URL": database,
        "VMS_REGISTRY_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(Path(sysconfig.get_path("scripts")) / "vms-registry"), "run", "--migrate"]
    service = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert service.stdout is not None
    try:

        async def waiting_line() -> bytes:
            assert service.stdout is not None
            async for line in service.stdout:
                if b"waiting for NATS" in line:
                    return line
            raise AssertionError(f"vms-registry exited with {await service.wait()} before waiting for NATS")

        line = await asyncio.wait_for(waiting_line(), 15)
        assert b"127.0.0.1" in line
        service.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        code = await asyncio.wait_for(service.wait(), 5)
        assert time.monotonic() - asked < 3, "stopped, but not promptly"
        assert code == 0
    finally:
        if service.returncode is None:
            service.kill()
            await service.wait()


async def test_during_a_rollout_a_consumer_takes_both_versions_of_an_event(
    bus: Bus, nats_url: str, new_database: Any, js: JetStreamContext
) -> None:
    """While the registry's replicas move from publishing `volunteer.registered` v1 to v2, the stream carries both:
    hours, running, learns of each volunteer from either, parks neither, and keeps no detail v1 carried."""
    app = create_hours(HoursSettings(nats_url=nats_url, database_url=await new_database("hours"), bus_root=bus.root))
    older, newer = new_id("26"), new_id("11")
    v1 = volunteer_registered_v1(older, "26")
    v2 = Envelope.wrap(
        VolunteerRegisteredV2(volunteer_id=newer, region="11", registered_at=datetime.now(UTC)),
        source="/vms/registry/new-replica",
        region="11",
    )
    async with running(app, str(files("vms_hours") / "migrations")):
        await js.publish(bus.event_subject("26", "registry", "volunteer.registered"), json.dumps(v1).encode())
        await js.publish(v2.nats_subject(bus), v2.to_json())

        async def projected() -> dict[UUID, str] | None:
            async with app.db.transaction() as session:
                rows = (await session.execute(select(known_volunteers.c.id, known_volunteers.c.region))).all()
            found = {row.id: row.region for row in rows}
            return found if len(found) == 2 else None

        assert await eventually(projected, what="both volunteers known") == {older: "26", newer: "11"}
        info = await js.consumer_info(bus.stream_name("REGISTRY"), "hours-registry")
        assert info.num_pending == 0 and info.num_ack_pending == 0
    assert await list_dead_letters(js, bus) == []
