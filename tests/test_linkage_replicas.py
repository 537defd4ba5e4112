"""Two replicas of linkage on one PostgreSQL database and one NATS: hundreds of confirmed activities of consenting
volunteers reach the 1365 simulator once each — none twice, none missing — and every transfer is `sent`.

The replicas share the durable consumers (each event is applied by one of them) and claim the records they send
(`FOR UPDATE SKIP LOCKED`), so neither sends what the other holds. Who each volunteer is, both ask the registry
(running beside them) when they send."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select

from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.events.registry import ConsentKind
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import Bus
from vms_linkage.app import create_app
from vms_linkage.db import transfers
from vms_linkage.portal import Portal1365Client, Record
from vms_linkage.settings import LinkageSettings
from vms_platform.clock import today_kst
from vms_platform.runtime import ServiceApp
from vms_platform.testing import (
    ANONYMOUS,
    eventually,
    fresh_postgres_database,
    postgres_missing_reason,
    postgres_required,
    rpc_client,
    running,
)
from vms_platform.testing import volunteer as themselves
from vms_registry.app import create_app as create_registry
from vms_registry.db import personal_data_reads
from vms_registry.settings import RegistrySettings
from vms_simulators.portal1365.app import create_app as create_portal

pytestmark = pytest.mark.postgres

MIGRATIONS = str(files("vms_linkage") / "migrations")
REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
VOLUNTEERS = 100
RECORDS_EACH = 4  # an hour each, on one day: within 1365's 8 hours
YESTERDAY = today_kst() - timedelta(days=1)


@pytest.fixture
async def database_url(postgres_admin_url: str | None) -> AsyncIterator[str]:
    async with fresh_postgres_database(need_postgres(postgres_admin_url), "linkage") as url:
        yield url


@pytest.fixture
async def registry_url(postgres_admin_url: str | None) -> AsyncIterator[str]:
    async with fresh_postgres_database(need_postgres(postgres_admin_url), "registry") as url:
        yield url


def need_postgres(admin_url: str | None) -> str:
    if admin_url is None:
        if postgres_required():
            pytest.fail(postgres_missing_reason() + " (VMS_TEST_REQUIRE_POSTGRES=1)")
        pytest.skip(postgres_missing_reason())
    return admin_url


async def publish(js: JetStreamContext, bus: Bus, envelope: Envelope[Any]) -> None:
    await js.publish(envelope.nats_subject(bus), envelope.to_json(), headers={"Nats-Msg-Id": str(envelope.id)})


def confirmed(volunteer_id: UUID, n: int) -> Envelope[HoursConfirmedV1]:
    start = time(8 + n)
    return Envelope.wrap(
        HoursConfirmedV1(
            activity_id=uuid4(),
            volunteer_id=volunteer_id,
            centre_id=uuid4(),
            centre_name="행복종합사회복지관",
            activity_date=YESTERDAY,
            start_time=start,
            end_time=time(start.hour + 1),
            minutes=60,
            activity_type=ActivityType.FACILITY,
            sub_field="emotional",
            description="어르신 말벗",
            confirmed_at=datetime.now(UTC),
        ),
        source="/vms/hours/test",
        region="11",
    )


async def test_two_replicas_send_each_record_to_1365_once(
    database_url: str, registry_url: str, nats_url: str, bus: Bus, js: JetStreamContext, tmp_path: Path
) -> None:
    sim = create_portal(f"sqlite:///{tmp_path / 'sim1365.db'}")
    sent_by: Counter[str] = Counter()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sim.router.lifespan_context(sim))
        transport = httpx.ASGITransport(app=sim)
        portal = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://sim1365"))

        def replica(name: str) -> ServiceApp:
            settings = LinkageSettings(
                database_url=database_url,
                nats_url=nats_url,
                bus_root=bus.root,
                instance=name,
                relay_poll_interval=0.05,
                send_batch_size=20,
            )
            client = Portal1365Client("http://sim1365", timeout=settings.portal1365_timeout, transport=transport)
            real_send = client.send

            async def counted(record: Record) -> Any:
                sent_by[name] += 1
                return await real_send(record)

            client.send = counted  # type: ignore[method-assign]
            return create_app(settings, portal=client)

        first = await stack.enter_async_context(running(replica("linkage-a"), MIGRATIONS))
        await stack.enter_async_context(running(replica("linkage-b"), MIGRATIONS))

        common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root, "relay_poll_interval": 0.05}
        registry = create_registry(RegistrySettings(database_url=registry_url, instance="registry-1", **common))
        await stack.enter_async_context(running(registry, REGISTRY_MIGRATIONS))
        rpc = rpc_client(registry.broker, bus, ANONYMOUS, timeout=10)  # volunteers sign up, then consent

        # Volunteers who register and consent in VMS (the registry announces the consents) and join 1365 with the
        # same details; their confirmed hours as hours publishes them.
        async def volunteer(n: int) -> UUID:
            birth_date, phone = date(1990, 1, 1) + timedelta(days=n), f"010-7777-{n:04d}"
            registered = await rpc.call(
                registry_rpc.REGISTER_VOLUNTEER,
                registry_rpc.RegisterVolunteer(
                    login_id=f"volunteer_{n:03d}",
                    name=f"봉사자{n:03d}",
                    birth_date=birth_date,
                    phone=phone,
                    region="11",
                ),
            )
            await rpc.call(
                registry_rpc.SET_CONSENT,
                registry_rpc.SetConsent(volunteer_id=registered.id, consent=ConsentKind.PORTAL_1365, granted=True),
                actor=themselves(registered.id),
            )
            joined = await portal.post(
                "/members",
                json={
                    "name": f"봉사자{n:03d}",
                    "birthDate": birth_date.isoformat(),
                    "mobile": phone.replace("-", ""),
                    "consent": True,
                },
            )
            assert joined.status_code == 201, joined.text
            return registered.id

        volunteer_ids = await asyncio.gather(*(volunteer(n) for n in range(VOLUNTEERS)))
        activities = [confirmed(volunteer_id, k) for volunteer_id in volunteer_ids for k in range(RECORDS_EACH)]
        for envelope in activities:
            await publish(js, bus, envelope)
        total = len(activities)

        async def sent() -> int:
            async with first.db.transaction() as session:
                count = await session.scalar(
                    select(func.count()).select_from(transfers).where(transfers.c.status == "sent")
                )
            return int(count or 0) if count == total else 0

        await eventually(sent, timeout=90, what=f"{total} transfers sent")

        async def announced() -> int:
            info = await js.stream_info(bus.stream_name("LINKAGE"))
            return int(info.state.messages) if info.state.messages >= total else 0

        assert await eventually(announced, timeout=30, what="every transfer.sent on the bus") == total
        stats = (await portal.get("/_sim/stats")).json()
        async with first.db.transaction() as session:
            grouped = await session.execute(select(transfers.c.status, func.count()).group_by(transfers.c.status))
            statuses: dict[str, int] = {status: count for status, count in grouped.all()}
        async with registry.db.transaction() as session:
            reads = (
                await session.execute(select(personal_data_reads.c.actor, personal_data_reads.c.volunteer_id))
            ).all()

    assert stats["duplicates"] == 0, stats["duplicateRecords"]
    assert (stats["accepted"], stats["received"]) == (total, total)
    assert statuses == {"sent": total}
    # Both replicas sent: the claims were contended, not one replica doing all the work.
    assert set(sent_by) == {"linkage-a", "linkage-b"}, sent_by
    assert sum(sent_by.values()) == total
    # The replicas asked the registry who each volunteer is as the linkage service, and each read is on record.
    assert {r.actor for r in reads} == {"service:linkage"}
    assert {r.volunteer_id for r in reads} == set(volunteer_ids)
    print(f"\n[replicas] {total} records, sent by {dict(sent_by)}, 1365 duplicates {stats['duplicates']}")
