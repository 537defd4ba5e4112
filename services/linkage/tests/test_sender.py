"""The sender to 1365 through the real database, on SQLite and PostgreSQL, against the 1365 simulator in process and
the registry's own handlers on a database of their own: due records go once, records wait for consent, refusals
the volunteer can fix come back later, refusals that can never heal are parked, an unavailable 1365 is one state of
1365 rather than of each record, and who a volunteer is comes from the registry when their records are sent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time as clock
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from sqlalchemy import func, insert, select, update
from structlog.testing import capture_logs

from vms_contracts.actor import Actor
from vms_contracts.envelope import Envelope
from vms_contracts.events.hours import (
    CountedActivity,
    HoursBloodDonationCountedV1,
    HoursCancelledV1,
    HoursConfirmedV1,
    HoursCorrectedV1,
)
from vms_contracts.events.registry import ConsentChangedV1, ConsentKind
from vms_contracts.ids import new_id
from vms_contracts.rpc.linkage import TransferList, TransfersRequest, TransferStatus
from vms_contracts.rpc.registry import GET_VOLUNTEER, VolunteerRef, VolunteerView
from vms_contracts.subjects import Bus
from vms_linkage.app import create_app as create_linkage
from vms_linkage.db import metadata, outbox, transfers, volunteers
from vms_linkage.handlers import LinkageHandlers
from vms_linkage.members import LookUp
from vms_linkage.portal import Portal1365Client, Record
from vms_linkage.sender import NothingToRequeue, Sender, requeue
from vms_linkage.settings import LinkageSettings
from vms_platform.actor import ActorSigner, OutOfScope, private_key
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.metrics import Metrics
from vms_platform.outbox import Outbox
from vms_platform.rpc import RpcClient
from vms_platform.testing import (
    CENTRAL_ADMIN,
    council_admin,
    eventually,
    hours_confirmed,
    migrated,
    running,
    use_test_keys,
    volunteer,
)
from vms_registry.app import create_app as create_registry
from vms_registry.db import outbox as registry_outbox
from vms_registry.db import personal_data_reads
from vms_registry.db import volunteers as registry_volunteers
from vms_registry.handlers import RegistryHandlers
from vms_registry.settings import RegistrySettings
from vms_simulators.portal1365.app import create_app as create_portal
from vms_simulators.portal1365.store import records as sim_records

MIGRATIONS = str(files("vms_linkage") / "migrations")
REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
YESTERDAY = today_kst() - timedelta(days=1)


@dataclass
class Person:
    name: str
    birth_date: date
    phone: str
    id: UUID = field(default_factory=uuid4)

    @property
    def member(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "birthDate": self.birth_date.isoformat(),
            "mobile": self.phone.replace("-", ""),
        }


HONG = Person("홍길동", date(2001, 4, 5), "010-1234-5678")
LINKAGE = Actor.service("linkage")
"""Who the sender is when it asks the registry."""


@dataclass
class Lookups:
    """The registry's answers as the sender asks for them: how many, and how many at once."""

    registry: RegistryHandlers
    asked: list[UUID] = field(default_factory=list)
    in_flight: int = 0
    most_at_once: int = 0

    async def __call__(self, volunteer_id: UUID) -> VolunteerView:
        self.asked.append(volunteer_id)
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            await asyncio.sleep(0.01)  # a round trip's worth, so that questions asked one after another show
            return await self.registry.get_volunteer(VolunteerRef(volunteer_id=volunteer_id), LINKAGE)
        finally:
            self.in_flight -= 1


@dataclass
class World:
    url: str
    db: Database
    registry_url: str
    registry_db: Database
    transport: httpx.ASGITransport
    portal: httpx.AsyncClient
    stack: AsyncExitStack
    sim_url: str
    bus: Bus = field(default_factory=lambda: Bus("t"))
    _handlers: LinkageHandlers | None = None
    _lookups: Lookups | None = None

    @property
    def lookups(self) -> Lookups:
        """The registry as the senders ask it (by default)."""
        if self._lookups is None:
            source = "/vms/registry/test"
            self._lookups = Lookups(
                RegistryHandlers(self.registry_db, Outbox(registry_outbox, bus=self.bus, source=source))
            )
        return self._lookups

    @property
    def handlers(self) -> LinkageHandlers:
        """Handlers for the events the tests feed in (a sender of their own, never run)."""
        if self._handlers is None:
            self._handlers = self.sender()[1]
        return self._handlers

    def sender(
        self, *, registry: LookUp | None = None, metrics: Metrics | None = None, **overrides: Any
    ) -> tuple[Sender, LinkageHandlers]:
        settings = LinkageSettings(database_url=self.url, instance="test", **overrides)
        client = Portal1365Client("http://sim1365", timeout=settings.portal1365_timeout, transport=self.transport)
        self.stack.push_async_callback(client.close)
        linkage_outbox = Outbox(outbox, bus=self.bus, source="/vms/linkage/test")
        sender = Sender(self.db, linkage_outbox, client, settings, registry=registry or self.lookups, metrics=metrics)
        return sender, LinkageHandlers(self.db, sender)

    # -- what other services tell linkage, applied through its handlers ----------------------------------------

    async def register(self, person: Person, *, consent: bool = True) -> None:
        """The volunteer as the registry keeps them (under the test's own id), and their consent as linkage hears
        of it."""
        async with self.registry_db.transaction() as session:
            await session.execute(
                insert(registry_volunteers).values(
                    id=person.id,
                    login_id=f"v{person.id.hex[:12]}",
                    name=person.name,
                    birth_date=person.birth_date,
                    phone=person.phone,
                    region="11",
                    registered_at=datetime.now(UTC),
                )
            )
        if consent:
            await self.consent(person, True)

    async def consent(self, person: Person, granted: bool) -> None:
        handlers = self.handlers
        changed = ConsentChangedV1(
            volunteer_id=person.id,
            consent=ConsentKind.PORTAL_1365,
            granted=granted,
            changed_at=datetime.now(UTC),
            channel="portal",
        )
        async with self.db.transaction() as session:
            await handlers.on_consents_changed(session, [Envelope.wrap(changed, source="/t", region="11")])

    async def confirm(
        self,
        person: Person,
        *,
        count: int = 1,
        minutes: int = 60,
        day: date = YESTERDAY,
        spread: bool = False,
        ids: list[UUID] | None = None,
    ) -> list[UUID]:
        """`count` confirmed activities of `person` (on successive earlier days with `spread`), or the activities
        `ids`."""
        handlers = self.handlers
        envelopes = []
        for n, activity_id in enumerate(ids or [uuid4() for _ in range(count)]):
            end = (datetime.combine(day, time(9)) + timedelta(minutes=minutes)).time()
            data = HoursConfirmedV1(
                activity_id=activity_id,
                volunteer_id=person.id,
                centre_id=uuid4(),
                centre_name="행복종합사회복지관",
                activity_date=day - timedelta(days=n) if spread else day,
                start_time=time(9),
                end_time=end,
                minutes=minutes,
                description="어르신 말벗",
                confirmed_at=datetime.now(UTC),
            )
            envelopes.append(Envelope.wrap(data, source="/vms/hours/test", region="11"))
        async with self.db.transaction() as session:
            await handlers.on_hours_confirmed(session, envelopes)
        return [e.data.activity_id for e in envelopes]

    async def change(self, *envelopes: Envelope[Any]) -> None:
        """Corrections and cancellations as linkage's consumers apply them: one batch, one transaction."""
        handlers = self.handlers
        async with self.db.transaction() as session:
            await handlers.on_hours_changed(session, list(envelopes))

    # -- 1365's side -------------------------------------------------------------------------------------------

    async def join_1365(self, person: Person, *, consent: bool = True) -> str:
        response = await self.portal.post("/members", json={**person.member, "consent": consent})
        assert response.status_code == 201, response.text
        return str(response.json()["memberNo"])

    async def sim_stats(self) -> dict[str, Any]:
        response = await self.portal.get("/_sim/stats")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # -- what linkage holds ------------------------------------------------------------------------------------

    async def transfers(self) -> dict[UUID, Any]:
        async with self.db.transaction() as session:
            rows = (await session.execute(select(transfers))).all()
        return {row.activity_id: row for row in rows}

    async def statuses(self) -> dict[UUID, str]:
        return {key: row.status for key, row in (await self.transfers()).items()}

    async def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        async with self.db.transaction() as session:
            rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.created_at))).all()
        found = [json.loads(row.payload) for row in rows]
        return [e for e in found if kind is None or e["type"] == f"vms.linkage.{kind}.v1"]

    async def time_passes(self) -> None:
        """Every record's next attempt falls due now (as if `refused_retry_minutes` had passed)."""
        async with self.db.transaction() as session:
            await session.execute(update(transfers).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


@pytest.fixture
async def world(new_database: Callable[[str], Awaitable[str]], tmp_path: Path) -> AsyncIterator[World]:
    url = await new_database("linkage")
    # The registry only answers here (its own tests run it on both backends): a file of its own is enough.
    registry_url = f"sqlite:///{tmp_path / 'registry.db'}"
    await migrated(url, MIGRATIONS)
    await migrated(registry_url, REGISTRY_MIGRATIONS)
    sim_url = f"sqlite:///{tmp_path / 'sim1365.db'}"
    sim = create_portal(sim_url)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sim.router.lifespan_context(sim))
        transport = httpx.ASGITransport(app=sim)
        portal = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://sim1365"))
        db, registry_db = Database(url), Database(registry_url)
        stack.push_async_callback(db.close)
        stack.push_async_callback(registry_db.close)
        yield World(url, db, registry_url, registry_db, transport, portal, stack, sim_url)


async def shown(handlers: LinkageHandlers, person: Person, actor: Actor | None = None) -> TransferList:
    """What the volunteer (unless `actor` says who else) is shown of their records' way to 1365."""
    return await handlers.list_transfers(TransfersRequest(volunteer_id=person.id), actor or volunteer(person.id))


# -- due, consent ------------------------------------------------------------------------------------------------


async def test_due_records_are_sent_once_and_announced(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=3, spread=True)

    assert await sender.send_due() == 3
    assert await sender.send_due() == 0

    rows = await world.transfers()
    assert {rows[i].status for i in ids} == {"sent"}
    assert all(rows[i].portal_reference and rows[i].attempts == 1 and rows[i].claim_token is None for i in ids)
    sent = await world.events("transfer.sent")
    assert sorted(e["data"]["activity_id"] for e in sent) == sorted(str(i) for i in ids)
    assert await world.events("transfer.failed") == []
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["duplicates"], stats["received"]) == (3, 0, 3)
    view = await shown(handlers, HONG)
    assert [(i.status, i.status_label, i.status_label_en) for i in view.items] == [("sent", "전송 완료", "Sent")] * 3


async def test_what_came_of_each_offer_to_1365_is_counted_for_prometheus(world: World) -> None:
    metrics = Metrics()
    sender, _ = world.sender(metrics=metrics)
    await world.register(HONG)
    await world.join_1365(HONG)
    await world.confirm(HONG, count=3, spread=True)
    assert await sender.send_due() == 3
    text = (await metrics.exposition()).decode()
    assert 'vms_linkage_transfers_total{outcome="sent"} 3.0' in text
    assert "vms_linkage_1365_available 1.0" in text


async def test_a_record_waits_while_the_volunteer_has_not_consented_in_vms(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG, consent=False)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG)

    assert await sender.send_due() == 0
    view = await shown(handlers, HONG)
    assert (view.consent_granted, view.items[0].status, view.items[0].status_label) == (
        False,
        TransferStatus.AWAITING_CONSENT,
        "연계 동의 대기",
    )
    assert (await world.sim_stats())["received"] == 0

    await world.consent(HONG, True)
    assert await sender.send_due() == 1
    assert (await world.statuses())[activity] == "sent"


async def test_a_record_of_a_volunteer_linkage_has_not_heard_of_waits(world: World) -> None:
    sender, _ = world.sender()
    stranger = Person("김철수", date(1990, 1, 1), "010-9999-0000")
    (activity,) = await world.confirm(stranger)
    assert await sender.send_due() == 0
    await world.register(stranger)
    await world.join_1365(stranger)
    assert await sender.send_due() == 1
    assert (await world.statuses())[activity] == "sent"


async def test_withdrawing_consent_holds_the_records_not_yet_offered(world: World) -> None:
    """The consent is read again under the claim, just before each request: one record goes (the request in
    flight when the withdrawal commits), the rest of the same pass are held."""
    sender, handlers = world.sender(send_concurrency=1)
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=5, spread=True)
    real_send = sender.portal.send

    async def send_then_withdraw(record: Record) -> Any:
        answer = await real_send(record)
        await world.consent(HONG, False)
        return answer

    sender.portal.send = send_then_withdraw  # type: ignore[method-assign]
    assert await sender.send_due() == 1

    statuses = await world.statuses()
    assert sorted(statuses[i] for i in ids) == ["pending"] * 4 + ["sent"]
    assert (await world.sim_stats())["accepted"] == 1
    assert {r.claim_token for r in (await world.transfers()).values()} == {None}
    view = await shown(handlers, HONG)
    assert sorted(i.status for i in view.items) == ["awaiting_consent"] * 4 + ["sent"]
    assert all(r.attempts == 0 for r in (await world.transfers()).values() if r.status == "pending")
    assert await sender.send_due() == 0

    sender.portal.send = real_send  # type: ignore[method-assign]
    await world.consent(HONG, True)
    assert await sender.send_due() == 4
    assert set((await world.statuses()).values()) == {"sent"}


# -- who the volunteer is ---------------------------------------------------------------------------------------


async def details_kept(world: World, person: Person) -> list[str]:
    """Where in linkage's database the person's name, birth date or phone can be found (every table, every row)."""
    wanted = {person.name, person.birth_date.isoformat(), person.birth_date.strftime("%Y%m%d"), person.phone}
    wanted.add(person.phone.replace("-", ""))
    found = []
    async with world.db.transaction() as session:
        for table in metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                text = " ".join(str(v.decode(errors="replace") if isinstance(v, bytes) else v) for v in row)
                found += [f"{table.name}: {value}" for value in wanted if value in text]
    return found


async def test_who_the_volunteer_is_is_asked_of_the_registry_when_sending_and_never_kept(world: World) -> None:
    """1365 finds its member by name, birth date and phone as the registry holds them at the moment of sending (a
    phone changed since the registration included); linkage keeps none of them."""
    sender, _ = world.sender()
    await world.register(HONG)
    new_phone = Person(HONG.name, HONG.birth_date, "010-8765-4321", HONG.id)
    async with world.registry_db.transaction() as session:
        await session.execute(
            update(registry_volunteers).where(registry_volunteers.c.id == HONG.id).values(phone=new_phone.phone)
        )
    member = await world.join_1365(new_phone)
    ids = await world.confirm(HONG, count=2, spread=True)

    assert await sender.send_due() == 2
    assert set((await world.statuses()).values()) == {"sent"}
    for activity_id in ids:
        record = (await world.portal.get(f"/api/v1/records/VMS/{activity_id}")).json()
        assert record["memberNo"] == member
    assert world.lookups.asked == [HONG.id], "asked once for the pass, not once per record"
    assert await details_kept(world, HONG) == []
    assert await details_kept(world, new_phone) == []


async def test_a_pass_asks_the_registry_about_each_volunteer_once_and_all_at_once(world: World) -> None:
    sender, _ = world.sender()
    people = [Person(f"봉사자{n}", date(1995, 1, 1 + n), f"010-3333-{n:04d}") for n in range(10)]
    for person in people:
        await world.register(person)
        await world.join_1365(person)
        await world.confirm(person, count=3, spread=True)

    started = clock.monotonic()
    assert await sender.send_due() == 30
    assert sorted(world.lookups.asked) == sorted(p.id for p in people)
    assert world.lookups.most_at_once == len(people), "the questions went out together, not one after another"
    assert clock.monotonic() - started < 5


async def test_a_volunteer_the_registry_does_not_know_waits_and_the_others_go(world: World) -> None:
    """Neither lost nor sent: the record keeps its place (pending, no attempt) and is offered again later, without
    holding back the records of volunteers the registry knows."""
    sender, handlers = world.sender()
    stranger = Person("김철수", date(1990, 1, 1), "010-9999-0000")
    await world.register(HONG)
    await world.consent(stranger, True)  # linkage heard of the consent, the registry knows no such volunteer
    for person in (HONG, stranger):
        await world.join_1365(person)
    (hongs,) = await world.confirm(HONG)
    (strangers,) = await world.confirm(stranger, day=YESTERDAY - timedelta(days=1))

    with capture_logs() as logs:
        assert await sender.send_due() == 1
    rows = await world.transfers()
    assert rows[hongs].status == "sent"
    waiting = rows[strangers]
    assert (waiting.status, waiting.attempts, waiting.claim_token, waiting.reason_code) == ("pending", 0, None, None)
    assert waiting.next_attempt_at > datetime.now(UTC) + timedelta(seconds=sender.settings.lookup_retry_seconds - 5)
    assert (await world.sim_stats())["received"] == 1
    assert await world.events("transfer.failed") == []
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == [
        "the registry does not know volunteers whose records are due; their records wait"
    ]
    assert (await shown(handlers, stranger)).items[0].status == TransferStatus.PENDING
    asked = len(world.lookups.asked)
    assert await sender.send_due() == 0
    assert len(world.lookups.asked) == asked, "not asked again before its time"

    # The registry learns of the volunteer: the record goes, once.
    await world.register(stranger, consent=False)
    await world.time_passes()
    assert await sender.send_due() == 1
    assert (await world.statuses())[strangers] == "sent"
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["duplicates"]) == (2, 0)


async def test_a_registry_that_does_not_answer_leaves_the_records_due(world: World, nats_url: str, bus: Bus) -> None:
    """Over NATS, as linkage runs: while no registry answers, every record keeps its place (pending, no attempt,
    no claim) and nothing reaches 1365; one warning, and health says so. Once the registry answers, each record
    goes once."""
    people = [HONG, Person("이영희", date(1988, 8, 8), "010-2222-1111")]
    for person in people:
        await world.register(person)
        await world.join_1365(person)
        await world.confirm(person, count=2, spread=True)
    broker = NatsBroker(nats_url, logger=None)
    await broker.connect()
    world.stack.push_async_callback(broker.stop)
    # Signed as the linkage service signs its own requests, with its own key.
    signer = ActorSigner("linkage", private_key(use_test_keys()["VMS_LINKAGE_ACTOR_KEY"]))
    rpc = RpcClient(broker, bus, signer=signer, actor=LINKAGE, timeout=2)

    async def look_up(volunteer_id: UUID) -> VolunteerView:
        return await rpc.call(GET_VOLUNTEER, VolunteerRef(volunteer_id=volunteer_id))

    sender, _ = world.sender(registry=look_up)

    with capture_logs() as logs:
        assert await sender.send_due() == 0
        assert await sender.send_due() == 0, "nothing due until they are asked about again"
    rows = (await world.transfers()).values()
    assert {(r.status, r.attempts, r.claim_token) for r in rows} == {("pending", 0, None)}
    assert all(r.next_attempt_at > r.created_at for r in rows)
    assert (await world.sim_stats())["received"] == 0
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == [
        "the registry does not say who volunteers are: their records wait"
    ]
    problem = sender.registry_problem()
    assert problem is not None and "SERVICE_UNAVAILABLE" in problem

    settings = RegistrySettings(
        database_url=world.registry_url, nats_url=nats_url, bus_root=bus.root, instance="registry-test"
    )
    async with running(create_registry(settings), REGISTRY_MIGRATIONS):
        await world.time_passes()
        with capture_logs() as logs:
            assert await sender.send_due() == 4
    assert set((await world.statuses()).values()) == {"sent"}
    assert {r.attempts for r in (await world.transfers()).values()} == {1}
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["duplicates"], stats["received"]) == (4, 0, 4)
    assert len(await world.events("transfer.sent")) == 4
    assert sender.registry_problem() is None
    assert "the registry answers again" in [e["event"] for e in logs]
    async with world.registry_db.transaction() as session:
        reads = (await session.execute(select(personal_data_reads.c.actor, personal_data_reads.c.volunteer_id))).all()
    assert sorted(tuple(r) for r in reads) == sorted(("service:linkage", p.id) for p in people), (
        "each volunteer's details, read once to send their records, and recorded as linkage's read"
    )


async def test_words_of_1365_that_quote_the_volunteer_are_kept_and_announced_without_the_details(
    world: World,
) -> None:
    """A refusal 1365 words with the member's name, birth date and mobile number: the record is parked with 1365's
    words, and neither linkage's database nor `transfer.failed` holds the details they quoted."""
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG)
    await world.portal.post("/_sim/faults", json={"kind": "echo", "count": 1})

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.reason_code) == ("rejected", "PORTAL_REJECTED")
    assert row.reason_detail == "98 ***(***, ***) 회원의 요청을 처리할 수 없습니다."
    (event,) = await world.events("transfer.failed")
    assert (
        event["data"]["reason"]
        == "1365 자원봉사포털이 실적을 받지 않았습니다: 98 ***(***, ***) 회원의 요청을 처리할 수 없습니다."
    )
    assert event["actorid"] is None, "the sender sent it on its own: no one's request, and never anyone's name"
    assert (await shown(handlers, HONG)).items[0].reason_en == (
        "1365 refused the record: 98 ***(***, ***) 회원의 요청을 처리할 수 없습니다."
    )
    assert await details_kept(world, HONG) == []


# -- who sees it -------------------------------------------------------------------------------------------------


async def test_transfers_are_shown_to_the_volunteer_and_their_regions_council(world: World) -> None:
    """Busan's volunteer (the region is written in their id): they, Busan's council and the central council see
    where their records are; another volunteer and another council are refused."""
    busan = Person("김부산", date(1990, 3, 3), "010-3333-4444", new_id("26"))
    await world.register(busan)
    await world.confirm(busan)
    handlers = world.handlers
    for allowed in (volunteer(busan.id), council_admin("26"), CENTRAL_ADMIN, Actor.service("rewards")):
        assert len((await shown(handlers, busan, allowed)).items) == 1
    for refused in (volunteer(HONG.id), council_admin("11")):
        with pytest.raises(OutOfScope):
            await shown(handlers, busan, refused)


# -- refusals ----------------------------------------------------------------------------------------------------


async def test_refusals_the_volunteer_can_fix_are_offered_again_and_announced_once_per_reason(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG)
    (activity,) = await world.confirm(HONG)

    async def state() -> tuple[str, str | None, int]:
        row = (await world.transfers())[activity]
        return row.status, row.reason_code, row.attempts

    # Not a member of 1365 (10): shown with the reason, offered again later, not before.
    assert await sender.send_due() == 1
    assert await state() == ("failed", "PORTAL_NO_MEMBER", 1)
    assert await sender.send_due() == 0
    view = (await shown(handlers, HONG)).items[0]
    assert view.reason is not None and "1365에 가입" in view.reason
    assert view.reason_en is not None and "joins 1365" in view.reason_en
    await world.time_passes()
    assert await sender.send_due() == 1
    assert await state() == ("failed", "PORTAL_NO_MEMBER", 2)

    # Joined, but without consent on 1365 (11); then a second account (12); each a new reason.
    member = await world.join_1365(HONG, consent=False)
    await world.time_passes()
    await sender.send_due()
    assert await state() == ("failed", "PORTAL_NO_CONSENT", 3)
    await world.portal.put(f"/members/{member}/consent", json={"granted": True})
    await world.join_1365(HONG)
    await world.time_passes()
    await sender.send_due()
    assert await state() == ("failed", "PORTAL_DUPLICATE_ID", 4)

    # Merged on 1365: it goes through.
    await world.portal.post(f"/members/{member}/merge")
    await world.time_passes()
    await sender.send_due()
    assert (await state())[0] == "sent"

    failed = await world.events("transfer.failed")
    assert [(e["data"]["reason_code"], e["data"]["final"]) for e in failed] == [
        ("PORTAL_NO_MEMBER", False),
        ("PORTAL_NO_CONSENT", False),
        ("PORTAL_DUPLICATE_ID", False),
    ]
    assert len(await world.events("transfer.sent")) == 1


async def test_over_eight_hours_a_day_and_past_the_entry_window_are_parked_for_good(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (seven_hours,) = await world.confirm(HONG, minutes=420)
    assert await sender.send_due() == 1
    (two_more,) = await world.confirm(HONG, minutes=120)
    (too_old,) = await world.confirm(HONG, day=today_kst() - timedelta(days=120))
    assert await sender.send_due() == 2

    rows = await world.transfers()
    assert rows[seven_hours].status == "sent"
    assert (rows[two_more].status, rows[two_more].reason_code) == ("rejected", "PORTAL_DAILY_LIMIT")
    assert (rows[too_old].status, rows[too_old].reason_code) == ("rejected", "PORTAL_TOO_LATE")
    failed = {e["data"]["activity_id"]: e["data"] for e in await world.events("transfer.failed")}
    assert {(d["reason_code"], d["final"]) for d in failed.values()} == {
        ("PORTAL_DAILY_LIMIT", True),
        ("PORTAL_TOO_LATE", True),
    }
    view = {i.activity_id: i for i in (await shown(handlers, HONG)).items}
    parked = view[two_more]
    assert (parked.status, parked.status_label, parked.status_label_en) == (
        "rejected",
        "전송 불가",
        "Not accepted by 1365, will not be retried",
    )
    assert parked.reason is not None and "8시간" in parked.reason
    assert parked.reason_en is not None and "8 hours" in parked.reason_en
    assert view[too_old].reason is not None and "3개월" in view[too_old].reason

    received = (await world.sim_stats())["received"]
    await world.time_passes()
    assert await sender.send_due() == 0
    assert (await world.sim_stats())["received"] == received


async def test_an_xml_page_answered_with_200_is_parked_with_its_start_and_the_rest_go_on(world: World) -> None:
    sender, handlers = world.sender(send_concurrency=1)
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=3, spread=True)
    await world.portal.post("/_sim/faults", json={"kind": "xml_page", "count": 1})

    assert await sender.send_due() == 3

    rows = await world.transfers()
    parked = [rows[i] for i in ids if rows[i].status == "rejected"]
    assert len(parked) == 1
    assert parked[0].reason_code == "PORTAL_UNREADABLE_ANSWER"
    assert "<OpenAPI_ServiceResponse>" in parked[0].reason
    assert sorted(rows[i].status for i in ids) == ["rejected", "sent", "sent"]
    (event,) = await world.events("transfer.failed")
    assert (event["data"]["reason_code"], event["data"]["final"]) == ("PORTAL_UNREADABLE_ANSWER", True)
    view = {i.activity_id: i for i in (await shown(handlers, HONG)).items}
    assert view[parked[0].activity_id].reason_en is not None
    assert "could not be read" in (view[parked[0].activity_id].reason_en or "")
    await world.time_passes()
    assert await sender.send_due() == 0


async def test_requeue_brings_parked_records_back(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (unreadable,) = await world.confirm(HONG)
    await world.portal.post("/_sim/faults", json={"kind": "xml_page", "count": 1})
    await sender.send_due()
    (too_old,) = await world.confirm(HONG, day=today_kst() - timedelta(days=120))
    await sender.send_due()
    assert set((await world.statuses()).values()) == {"rejected"}

    with pytest.raises(NothingToRequeue):
        await requeue(world.db)
    assert await requeue(world.db, reason_code="PORTAL_UNREADABLE_ANSWER") == [unreadable]
    row = (await world.transfers())[unreadable]
    assert (row.status, row.reason_code, row.reason) == ("pending", None, None)
    assert await sender.send_due() == 1
    assert (await world.statuses()) == {unreadable: "sent", too_old: "rejected"}

    # Put back by id, it is refused again, and that is news again.
    assert await requeue(world.db, activity_ids=[too_old]) == [too_old]
    assert await sender.send_due() == 1
    assert (await world.statuses())[too_old] == "rejected"
    finals = [e["data"]["activity_id"] for e in await world.events("transfer.failed") if e["data"]["final"]]
    assert finals.count(str(too_old)) == 2


async def test_the_requeue_command_puts_parked_records_back(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=2, day=today_kst() - timedelta(days=120), spread=True)
    await sender.send_due()
    assert set((await world.statuses()).values()) == {"rejected"}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "VMS_LINKAGE_DATABASE_URL": world.url, "VMS_LINKAGE_LOG_FORMAT": "json"}
        return subprocess.run(
            [sys.executable, "-m", "vms_linkage", "requeue", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = await asyncio.to_thread(command)
    assert refused.returncode == 2
    assert "--all" in refused.stderr
    one = await asyncio.to_thread(command, "--activity", str(ids[0]))
    assert one.returncode == 0, one.stderr
    assert "1건" in one.stdout
    assert (await world.statuses())[ids[0]] == "pending"
    rest = await asyncio.to_thread(command, "--all", "--reason-code", "PORTAL_TOO_LATE")
    assert rest.returncode == 0, rest.stderr
    assert "1 parked records" in rest.stdout
    assert set((await world.statuses()).values()) == {"pending"}


# -- claims ------------------------------------------------------------------------------------------------------


async def test_a_replica_that_stops_mid_send_leaves_its_claims_to_another(world: World) -> None:
    first, _ = world.sender()
    second, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=4, spread=True)
    entered, release = asyncio.Event(), asyncio.Event()
    real_send = first.portal.send

    async def hang(record: Record) -> Any:
        entered.set()
        await release.wait()
        return await real_send(record)

    first.portal.send = hang  # type: ignore[method-assign]
    stuck = asyncio.create_task(first.send_due())
    await asyncio.wait_for(entered.wait(), 5)

    # Claimed by the first: the second finds nothing to send.
    assert await second.send_due() == 0
    assert len({r.claim_token for r in (await world.transfers()).values()}) == 1

    # The first's lease lapses (it stopped, or hangs): the second takes the records over.
    async with world.db.transaction() as session:
        await session.execute(update(transfers).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert await second.send_due() == 4
    assert {(await world.statuses())[i] for i in ids} == {"sent"}

    # The first comes back: its late answers change nothing, since it no longer holds the records.
    release.set()
    await asyncio.wait_for(stuck, 10)
    assert len(await world.events("transfer.sent")) == 4


async def test_claims_do_not_outlive_their_pass(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    await world.confirm(HONG, count=2, spread=True)
    await world.portal.post("/_sim/faults", json={"status": 503, "count": 100})
    await sender.send_due()
    rows = (await world.transfers()).values()
    assert {(r.status, r.claim_token, r.claimed_until, r.attempts) for r in rows} == {("pending", None, None, 0)}


# -- outages -----------------------------------------------------------------------------------------------------

BACKLOG_PEOPLE = 20
RECORDS_EACH = 10
OUTAGE_SECONDS = 3.0


async def test_an_outage_is_one_state_of_1365_and_the_backlog_resumes_at_once(
    world: World,
) -> None:
    """200 records fall due while 1365 answers 503 for 3 s: no record is marked as attempted, the sender probes
    with one record at a time, and once 1365 answers the whole backlog goes within seconds; the outage costs a
    bounded number of log lines, whatever the backlog."""
    sender, _ = world.sender()
    people = [Person(f"봉사자{n:02d}", date(1990, 1, 1 + n), f"010-5555-{n:04d}") for n in range(BACKLOG_PEOPLE)]
    ids: list[UUID] = []
    for person in people:
        await world.register(person)
        await world.join_1365(person)
        ids += await world.confirm(person, count=RECORDS_EACH, spread=True)
    backlog = len(ids)

    stop = asyncio.Event()
    with capture_logs() as logs:
        await world.portal.post("/_sim/faults", json={"status": 503, "seconds": OUTAGE_SECONDS})
        outage_ends = clock.monotonic() + OUTAGE_SECONDS
        task = asyncio.create_task(sender.run(stop))
        try:
            while sender.portal_state != "open":
                assert clock.monotonic() < outage_ends, "the circuit did not open during the outage"
                await asyncio.sleep(0.01)
            assert sender.portal_problem() is not None

            # During the outage: records left as they were, nothing counted per record.
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            during = (await world.transfers()).values()
            assert {(r.status, r.attempts, r.next_attempt_at == r.created_at) for r in during} == {("pending", 0, True)}

            async def all_sent() -> bool:
                async with world.db.transaction() as session:
                    waiting = await session.scalar(
                        select(func.count()).select_from(transfers).where(transfers.c.status != "sent")
                    )
                return waiting == 0

            resumed_at: float | None = None
            while not await all_sent():
                assert clock.monotonic() < outage_ends + 15, "backlog not sent 15 s after the outage"
                if resumed_at is None and sender.portal_state == "closed":
                    resumed_at = clock.monotonic()
                await asyncio.sleep(0.05)
            cleared_at = clock.monotonic()
            resumed_at = resumed_at or cleared_at
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
        assert sender.portal_state == "closed"
        assert sender.portal_problem() is None

    stats = await world.sim_stats()
    rows = (await world.transfers()).values()
    assert (stats["accepted"], stats["duplicates"]) == (backlog, 0)
    assert {r.attempts for r in rows} == {1}
    lines = [e for e in logs if e["log_level"] != "debug"]
    opened = [i for i, e in enumerate(lines) if e["event"].startswith("1365 unavailable")]
    closed = [i for i, e in enumerate(lines) if e["event"].startswith("1365 answers again")]
    assert len(opened) == 1 and len(closed) == 1, lines
    assert lines[opened[0]]["waiting"] == backlog
    assert closed[0] - opened[0] + 1 <= 5, lines[opened[0] : closed[0] + 1]
    assert len(lines) <= 5 + backlog // sender.settings.send_batch_size, lines
    probes = [e for e in logs if e["event"] == "1365 still unavailable"]
    # Probes are few (one record each): the requests in flight when the circuit opened, then one per probe.
    assert stats["faulted"] <= sender.settings.send_concurrency + len(probes) + 1
    # Resumed at the first probe after the outage (probes 1 s, 2.5 s, 4.75 s after it began: 1.75 s after a 3 s
    # outage), then the whole backlog at once: full passes back to back, as fast as the simulator takes them.
    after = [e for e in lines[closed[0] + 1 :] if e["event"] == "records offered to 1365"]
    assert sum(e["sent"] for e in after) == backlog - 1
    assert len(after) == -(-(backlog - 1) // sender.settings.send_batch_size)
    resumed_after = resumed_at - outage_ends
    sending = cleared_at - resumed_at
    assert resumed_after < 3.0, f"resumed {resumed_after:.2f} s after the outage ended"
    assert sending < 15.0, f"the backlog took {sending:.2f} s once 1365 answered"
    print(  # the measured figures, for `pytest -s`
        f"\n[outage] backlog {backlog}, outage {OUTAGE_SECONDS:g} s: resumed {resumed_after:.2f} s after it ended, "
        f"cleared {cleared_at - outage_ends:.2f} s after it ended ({sending:.2f} s of sending); "
        f"{stats['faulted']} requests met the outage ({len(probes)} failed probes); "
        f"{closed[0] - opened[0] + 1} log lines from opening to closing, {len(lines)} in all"
    )


async def test_the_latest_consent_wins_when_changes_are_applied_at_once(world: World) -> None:
    """Two replicas apply a volunteer's grant and, a second later, withdrawal at the same moment: whichever
    commits last, the withdrawal is what linkage holds, so nothing more goes to 1365."""
    people = [Person(f"동시{i}", date(1990, 1, 1), f"010-4000-{i:04d}") for i in range(30)]
    for person in people:
        await world.register(person, consent=False)
    handlers = world.handlers
    now = datetime.now(UTC)

    async def apply(person: Person, granted: bool, at: datetime) -> None:
        change = ConsentChangedV1(
            volunteer_id=person.id, consent=ConsentKind.PORTAL_1365, granted=granted, changed_at=at, channel="portal"
        )
        async with world.db.transaction() as session:
            await handlers.on_consents_changed(session, [Envelope.wrap(change, source="/t", region="11")])

    # Half the volunteers' grants are sent first, half their withdrawals: every one ends withdrawn.
    await asyncio.gather(
        *(
            apply(person, granted, now if granted else now + timedelta(seconds=1))
            for i, person in enumerate(people)
            for granted in ((True, False) if i % 2 else (False, True))
        )
    )
    async with world.db.transaction() as session:
        held = dict((await session.execute(select(volunteers.c.id, volunteers.c.consent_granted))).all())
    assert {held[p.id] for p in people} == {False}


# -- corrections and cancellations -------------------------------------------------------------------------------


def counted(minutes: int = 60, *, day: date = YESTERDAY, start: time = time(9)) -> CountedActivity:
    """What a confirmed record counts, as hours puts it in a correction or cancellation."""
    end = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
    return CountedActivity(
        activity_date=day,
        start_time=start,
        end_time=end,
        minutes=minutes,
        activity_type=None,
        sub_field=None,
        place=None,
        description="어르신 말벗 (정정)",
    )


def corrected(
    person: Person, activity: UUID, revision: int, minutes: int, *, day: date = YESTERDAY, start: time = time(9)
) -> Envelope[HoursCorrectedV1]:
    data = HoursCorrectedV1(
        activity_id=activity,
        volunteer_id=person.id,
        centre_id=uuid4(),
        revision=revision,
        previous=counted(),
        corrected=counted(minutes, day=day, start=start),
        minutes_delta=minutes - 60,
        reason="시간 정정",
        corrected_at=datetime.now(UTC),
    )
    return Envelope.wrap(data, source="/vms/hours/test", region="11")


def cancelled(person: Person, activity: UUID, revision: int, minutes: int = 60) -> Envelope[HoursCancelledV1]:
    data = HoursCancelledV1(
        activity_id=activity,
        volunteer_id=person.id,
        centre_id=uuid4(),
        revision=revision,
        cancelled=counted(minutes),
        reason="중복 입력",
        cancelled_at=datetime.now(UTC),
    )
    return Envelope.wrap(data, source="/vms/hours/test", region="11")


async def on_1365(world: World, activity: UUID) -> dict[str, Any] | None:
    """The record as 1365 holds it, or None when it holds none (never received, or deleted)."""
    response = await world.portal.get(f"/api/v1/records/VMS/{activity}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_correction_of_a_record_1365_holds_replaces_it_there_once(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG, minutes=60)
    assert await sender.send_due() == 1
    first = (await world.transfers())[activity]
    assert (first.status, first.revision, first.sent_revision) == ("sent", 2, 2)

    await world.change(corrected(HONG, activity, 3, 120))
    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.minutes) == ("pending", 3, 2, 120)
    item = (await shown(handlers, HONG)).items[0]
    assert (item.status, item.minutes, item.sent_at) == ("pending", 120, first.sent_at)

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.attempts) == ("sent", 3, 3, 2)
    assert row.portal_reference == first.portal_reference
    held = await on_1365(world, activity)
    assert held is not None and held["actMinutes"] == 120
    sent = await world.events("transfer.sent")
    assert [(e["data"]["revision"], e["data"]["minutes"]) for e in sent] == [(2, 60), (3, 120)]
    assert {e["data"]["portal_reference"] for e in sent} == {first.portal_reference}

    # Redelivered, or overtaken by the one after it: nothing changes, nothing goes.
    await world.change(corrected(HONG, activity, 3, 120))
    await world.change(corrected(HONG, activity, 2, 90))
    assert (await world.transfers())[activity] == row
    assert await sender.send_due() == 0
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"], stats["duplicates"], stats["received"]) == (1, 1, 0, 2)


async def test_a_correction_before_the_record_was_sent_goes_in_its_first_offer(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG, minutes=60)
    await world.change(corrected(HONG, activity, 3, 150), corrected(HONG, activity, 4, 180))
    assert (await world.transfers())[activity].revision == 4, "the newest of a batch wins"

    assert await sender.send_due() == 1
    held = await on_1365(world, activity)
    assert held is not None and held["actMinutes"] == 180
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"]) == (1, 0)
    (event,) = await world.events("transfer.sent")
    assert (event["data"]["revision"], event["data"]["minutes"]) == (4, 180)


async def test_a_record_cancelled_before_it_reached_1365_is_closed_without_asking_1365(world: World) -> None:
    """Not even consent is needed to close it: nothing of it goes to 1365."""
    sender, handlers = world.sender()
    await world.register(HONG, consent=False)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG)
    await world.change(cancelled(HONG, activity, 3))
    assert (await shown(handlers, HONG)).items[0].status == TransferStatus.PENDING, "waiting for no one's consent"

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.cancelled, row.sent_revision, row.attempts) == ("cancelled", True, None, 0)
    assert (await world.sim_stats())["received"] == 0
    assert world.lookups.asked == [], "no one's details are needed to ask nothing"
    (event,) = await world.events("transfer.cancelled")
    assert (event["data"]["revision"], event["data"]["deleted"]) == (3, False)
    item = (await shown(handlers, HONG)).items[0]
    assert (item.status, item.status_label, item.status_label_en) == (
        TransferStatus.CANCELLED,
        "실적 취소 (1365 미등록)",
        "Record cancelled, not on 1365",
    )
    await world.time_passes()
    assert await sender.send_due() == 0


async def test_a_cancelled_record_1365_holds_is_deleted_there_even_after_consent_is_withdrawn(world: World) -> None:
    """Withdrawing consent stops records going to 1365; a deletion sends no record, and takes hours off 1365 that
    VMS no longer counts, so it goes."""
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG)
    assert await sender.send_due() == 1
    await world.consent(HONG, False)
    await world.change(cancelled(HONG, activity, 3))

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.attempts) == ("cancelled", 3, 3, 2)
    assert await on_1365(world, activity) is None
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["deleted"], stats["duplicates"]) == (1, 1, 0)
    (event,) = await world.events("transfer.cancelled")
    assert (event["data"]["revision"], event["data"]["deleted"]) == (3, True)
    assert (await shown(handlers, HONG)).items[0].status == TransferStatus.CANCELLED

    # Redelivered, or a correction it overtook arriving late: nothing more goes.
    await world.change(cancelled(HONG, activity, 3), corrected(HONG, activity, 3, 30))
    await world.time_passes()
    assert await sender.send_due() == 0
    assert (await world.sim_stats())["received"] == stats["received"]


async def test_changes_that_overtake_their_confirmation_are_neither_lost_nor_counted_twice(world: World) -> None:
    """A correction or cancellation may arrive before the confirmation it follows (they travel on consumers of
    their own): the transfer waits, unseen and unsent, for the confirmation, which then never takes it back to
    older facts."""
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    fixed, dropped = uuid4(), uuid4()
    await world.change(corrected(HONG, fixed, 3, 150), cancelled(HONG, dropped, 3))
    assert await sender.send_due() == 0
    assert (await shown(handlers, HONG)).items == []

    await world.confirm(HONG, minutes=60, ids=[fixed, dropped])
    await world.confirm(HONG, minutes=60, ids=[fixed, dropped])  # redelivered
    rows = await world.transfers()
    assert (rows[fixed].revision, rows[fixed].minutes, rows[fixed].centre_name) == (3, 150, "행복종합사회복지관")
    assert await sender.send_due() == 2

    rows = await world.transfers()
    assert (rows[fixed].status, rows[fixed].sent_revision) == ("sent", 3)
    assert (rows[dropped].status, rows[dropped].sent_revision) == ("cancelled", None)
    held = await on_1365(world, fixed)
    assert held is not None and held["actMinutes"] == 150
    stats = await world.sim_stats()
    assert (stats["received"], stats["accepted"]) == (1, 1)
    assert [i.status for i in sorted((await shown(handlers, HONG)).items, key=lambda i: i.minutes)] == [
        "cancelled",
        "sent",
    ]


async def test_blood_donations_never_reach_1365(world: World, nats_url: str, bus: Bus) -> None:
    """1365 has blood donations from the Red Cross. Hours announces them as `hours.blood_donation_counted`, which
    none of linkage's consumers reads; and a change of a record linkage was never told is a confirmed activity
    (should hours ever send one for a donation) waits unsent and unseen."""
    settings = LinkageSettings(database_url=world.url, nats_url=nats_url, bus_root=bus.root, instance="test")
    app = create_linkage(settings)
    followed = {event_type for consumer in app.consumers for event_type in consumer.handlers}
    assert followed == {
        ConsentChangedV1.event_type,
        HoursConfirmedV1.event_type,
        HoursCorrectedV1.event_type,
        HoursCancelledV1.event_type,
    }
    assert HoursBloodDonationCountedV1.event_type not in followed
    assert {c.name: c.spec.event for c in app.consumers} == {
        "linkage-registry": ">",
        "linkage-hours": "confirmed",
        "linkage-corrected": "corrected",
        "linkage-cancelled": "cancelled",
    }

    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    donation = uuid4()
    await world.change(corrected(HONG, donation, 2, 240), cancelled(HONG, donation, 3, 240))
    await world.time_passes()
    assert await sender.send_due() == 0
    assert await sender.waiting() == 0
    assert (await shown(handlers, HONG)).items == []
    assert (await world.sim_stats())["received"] == 0


async def test_a_correction_1365_refuses_leaves_it_with_what_it_held_until_a_later_one_fits(world: World) -> None:
    sender, handlers = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    await world.confirm(HONG, minutes=420)
    (other,) = await world.confirm(HONG, minutes=60, day=YESTERDAY - timedelta(days=1))
    assert await sender.send_due() == 2

    # Moved onto the day that holds 7 hours on 1365 already, for 2 hours: 1365 will not take it.
    await world.change(corrected(HONG, other, 3, 120, start=time(17)))
    assert await sender.send_due() == 1
    row = (await world.transfers())[other]
    assert (row.status, row.reason_code, row.revision, row.sent_revision) == ("rejected", "PORTAL_DAILY_LIMIT", 3, 2)
    held = await on_1365(world, other)
    assert held is not None and (held["actMinutes"], held["actDate"]) == (
        60,
        (YESTERDAY - timedelta(days=1)).strftime("%Y%m%d"),
    )
    (failed,) = await world.events("transfer.failed")
    assert (failed["data"]["revision"], failed["data"]["final"]) == (3, True)
    await world.time_passes()
    assert await sender.send_due() == 0, "parked, as a refusal that cannot heal by itself"

    # A later correction that fits is due again, its old reason gone.
    await world.change(corrected(HONG, other, 4, 60, start=time(17)))
    row = (await world.transfers())[other]
    assert (row.status, row.reason_code) == ("pending", None)
    assert await sender.send_due() == 1
    row = (await world.transfers())[other]
    assert (row.status, row.sent_revision) == ("sent", 4)
    item = next(i for i in (await shown(handlers, HONG)).items if i.activity_id == other)
    assert (item.status, item.reason) == ("sent", None)


async def test_a_record_1365_lost_is_offered_anew_instead_of_corrected(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG, minutes=60)
    assert await sender.send_due() == 1
    sim = Database(world.sim_url)
    try:
        async with sim.transaction() as session:
            await session.execute(sim_records.delete())
    finally:
        await sim.close()

    await world.change(corrected(HONG, activity, 3, 90))
    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.sent_revision, row.portal_reference, row.reason_code) == (
        "pending",
        None,
        None,
        "PORTAL_RECORD_MISSING",
    )
    assert await world.events("transfer.failed") == [], "not news: the offer that follows is"
    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.sent_revision, row.reason_code) == ("sent", 3, None)
    assert row.portal_reference is not None
    held = await on_1365(world, activity)
    assert held is not None and held["actMinutes"] == 90


async def test_1365s_words_about_a_deletion_are_kept_without_the_volunteers_details(world: World) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG)
    assert await sender.send_due() == 1
    await world.change(cancelled(HONG, activity, 3))
    await world.portal.post("/_sim/faults", json={"kind": "echo", "count": 1})

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.reason_code) == ("rejected", "PORTAL_REJECTED")
    assert row.reason_detail == "98 ***(***, ***) 회원의 요청을 처리할 수 없습니다."
    assert await details_kept(world, HONG) == []
    assert await on_1365(world, activity) is not None, "1365 still holds it: an operator requeues it"
    assert await requeue(world.db, activity_ids=[activity]) == [activity]
    assert await sender.send_due() == 1
    assert (await world.transfers())[activity].status == "cancelled"
    assert await on_1365(world, activity) is None


# -- races -------------------------------------------------------------------------------------------------------


async def in_flight(sender: Sender, action: str, during: Callable[[], Awaitable[None]]) -> int:
    """One sending pass, with `during` done while its request (`send`, `correct` or `delete`) is with 1365."""
    entered, release = asyncio.Event(), asyncio.Event()
    real = getattr(sender.portal, action)

    async def hold(*args: Any) -> Any:
        entered.set()
        await release.wait()
        return await real(*args)

    setattr(sender.portal, action, hold)
    try:
        passing = asyncio.create_task(sender.send_due())
        await asyncio.wait_for(entered.wait(), 5)
        await during()
        release.set()
        return await asyncio.wait_for(passing, 10)
    finally:
        setattr(sender.portal, action, real)


async def test_a_correction_that_arrives_while_the_record_is_in_flight_leaves_it_due(world: World) -> None:
    """1365 accepts revision 2 while revision 3 commits: the answer is recorded as revision 2's, and the record is
    due again for the correction rather than marked done."""
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG, minutes=60)

    assert await in_flight(sender, "send", lambda: world.change(corrected(HONG, activity, 3, 120))) == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.claim_token) == ("pending", 3, 2, None)
    assert row.portal_reference is not None and row.next_attempt_at <= datetime.now(UTC)
    held = await on_1365(world, activity)
    assert held is not None and held["actMinutes"] == 60

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.sent_revision) == ("sent", 3)
    held = await on_1365(world, activity)
    assert held is not None and held["actMinutes"] == 120
    sent = await world.events("transfer.sent")
    assert [(e["data"]["revision"], e["data"]["minutes"]) for e in sent] == [(2, 60), (3, 120)]


async def test_a_cancellation_that_arrives_while_a_correction_is_in_flight_deletes_it_afterwards(
    world: World,
) -> None:
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    (activity,) = await world.confirm(HONG, minutes=60)
    assert await sender.send_due() == 1
    await world.change(corrected(HONG, activity, 3, 120))

    assert await in_flight(sender, "correct", lambda: world.change(cancelled(HONG, activity, 4, 120))) == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.cancelled) == ("pending", 4, 3, True)

    assert await sender.send_due() == 1
    row = (await world.transfers())[activity]
    assert (row.status, row.sent_revision) == ("cancelled", 4)
    assert await on_1365(world, activity) is None
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"], stats["deleted"], stats["duplicates"]) == (1, 1, 1, 0)


async def test_a_cancellation_and_a_correction_applied_at_once_end_at_the_newer(world: World) -> None:
    """On PostgreSQL the two consumers apply them truly at once: whichever commits last, each record holds its
    newest revision — cancelled where the cancellation is newer, corrected where the correction is."""
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=20, minutes=30, spread=True)
    assert await sender.send_due() == 20

    def pair(i: int, activity: UUID) -> tuple[Envelope[Any], Envelope[Any]]:
        day = YESTERDAY - timedelta(days=i)
        correction = corrected(HONG, activity, 3 if i % 2 else 4, 45, day=day)
        return correction, cancelled(HONG, activity, 4 if i % 2 else 3, 30)

    await asyncio.gather(
        *(world.change(envelope) for i, activity in enumerate(ids) for envelope in pair(i, activity)),
        *(world.change(envelope) for i, activity in enumerate(ids) for envelope in reversed(pair(i, activity))),
    )
    rows = await world.transfers()
    for i, activity in enumerate(ids):
        assert (rows[activity].revision, rows[activity].cancelled) == (4, bool(i % 2)), i
    while await sender.send_due():
        pass
    rows = await world.transfers()
    for i, activity in enumerate(ids):
        held = await on_1365(world, activity)
        if i % 2:
            assert (rows[activity].status, held) == ("cancelled", None)
        else:
            assert rows[activity].status == "sent" and held is not None and held["actMinutes"] == 45
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"], stats["deleted"], stats["duplicates"]) == (20, 10, 10, 0)


async def test_the_same_change_applied_twice_at_once_goes_to_1365_once(world: World) -> None:
    """Two replicas applying one redelivered correction (before the inbox of either has it) write it once."""
    sender, _ = world.sender()
    await world.register(HONG)
    await world.join_1365(HONG)
    ids = await world.confirm(HONG, count=10, minutes=30, spread=True)
    assert await sender.send_due() == 10
    changes = [corrected(HONG, a, 3, 40, day=YESTERDAY - timedelta(days=i)) for i, a in enumerate(ids)]
    await asyncio.gather(*(world.change(*changes) for _ in range(3)))
    assert {(r.revision, r.status) for r in (await world.transfers()).values()} == {(3, "pending")}
    assert await sender.send_due() == 10
    assert await sender.send_due() == 0
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"], stats["duplicates"]) == (10, 10, 0)


async def test_replicas_sending_while_changes_arrive_leave_1365_with_each_records_newest_revision(
    world: World,
) -> None:
    """Two senders pass after pass while corrections and then cancellations commit between and during their
    requests: every record ends as its newest revision says, on 1365 as in linkage, each record posted once."""
    first, _ = world.sender(send_batch_size=7)
    second, _ = world.sender(send_batch_size=7)
    people = [Person(f"경합{n}", date(1992, 2, 1 + n), f"010-6000-{n:04d}") for n in range(4)]
    ids: dict[UUID, Person] = {}
    for person in people:
        await world.register(person)
        await world.join_1365(person)
        for activity in await world.confirm(person, count=6, minutes=30, spread=True):
            ids[activity] = person
    stop = asyncio.Event()

    async def keep_sending(sender: Sender) -> None:
        while not stop.is_set():
            await sender.send_due()
            await asyncio.sleep(0)

    async def changes() -> None:
        for revision in (3, 4, 5):
            for n, (activity, person) in enumerate(ids.items()):
                if revision == 5 and n % 3 == 0:
                    await world.change(cancelled(person, activity, revision, 30 + revision))
                elif revision < 5:
                    day = YESTERDAY - timedelta(days=n % 6)
                    await world.change(corrected(person, activity, revision, 30 + revision, day=day))
                await asyncio.sleep(0)

    async def nothing_due() -> bool:
        return await first.waiting() == 0

    senders = [asyncio.create_task(keep_sending(s)) for s in (first, second)]
    try:
        await changes()
        await eventually(nothing_due, timeout=30, what="every change brought to 1365")
    finally:
        stop.set()
        await asyncio.gather(*senders)
    assert await first.send_due() == 0
    rows = await world.transfers()
    closed = 0
    for n, activity in enumerate(ids):
        held = await on_1365(world, activity)
        if n % 3 == 0:
            # Deleted from 1365, or, cancelled before a pass reached it, never sent at all.
            assert (rows[activity].status, held) == ("cancelled", None)
            assert rows[activity].sent_revision in (5, None)
            closed += rows[activity].sent_revision is None
        else:
            assert (rows[activity].status, rows[activity].sent_revision) == ("sent", 4)
            assert held is not None and held["actMinutes"] == 34
    stats = await world.sim_stats()
    cancelled_ones = len([n for n in range(len(ids)) if n % 3 == 0])
    assert (stats["accepted"], stats["deleted"]) == (len(ids) - closed, cancelled_ones - closed)
    assert (stats["duplicates"], stats["refused"], stats["faulted"]) == (0, {}, 0)


# -- over NATS ---------------------------------------------------------------------------------------------------


async def test_over_nats_1365_follows_a_correction_and_a_cancellation_once_each(
    world: World, nats_url: str, bus: Bus, js: JetStreamContext
) -> None:
    """Linkage as it runs, its three hours consumers on a real NATS: a confirmation, its correction (published
    twice, the second time past JetStream's duplicate window, as a republish would be), its cancellation, and the
    correction once more after it. 1365 takes the record once, the correction once, the deletion once."""
    await world.register(HONG)
    await world.join_1365(HONG)
    common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root, "relay_poll_interval": 0.05}
    registry = create_registry(RegistrySettings(database_url=world.registry_url, instance="registry-test", **common))
    client = Portal1365Client("http://sim1365", timeout=5, transport=world.transport)
    linkage = create_linkage(LinkageSettings(database_url=world.url, instance="linkage-test", **common), portal=client)

    async def publish(envelope: Envelope[Any], msg_id: str | None = None) -> None:
        await js.publish(
            envelope.nats_subject(bus), envelope.to_json(), headers={"Nats-Msg-Id": msg_id or str(envelope.id)}
        )

    async def transfer(check: Callable[[Any], bool]) -> Any:
        row = (await world.transfers()).get(activity)
        return row if row is not None and check(row) else None

    async def all_handled(durable: str) -> bool:
        info = await js.consumer_info(bus.stream_name("HOURS"), durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    activity = uuid4()
    async with running(registry, REGISTRY_MIGRATIONS), running(linkage, MIGRATIONS):
        confirmation = hours_confirmed(HONG.id, 60, activity_id=activity)
        await publish(confirmation)
        await eventually(lambda: transfer(lambda r: r.status == "sent"), what="the record sent")

        correction = corrected(HONG, activity, 3, 120)
        await publish(correction)
        await eventually(lambda: transfer(lambda r: r.sent_revision == 3), what="the correction sent")
        await publish(correction, msg_id=f"{correction.id}-again")
        await eventually(lambda: all_handled("linkage-corrected"), what="the repeated correction handled")

        await publish(cancelled(HONG, activity, 4, 120))
        await eventually(lambda: transfer(lambda r: r.status == "cancelled"), what="the record deleted")
        await publish(corrected(HONG, activity, 3, 120), msg_id="late")
        await eventually(lambda: all_handled("linkage-corrected"), what="the late correction handled")

    row = (await world.transfers())[activity]
    assert (row.status, row.revision, row.sent_revision, row.minutes) == ("cancelled", 4, 4, 120)
    assert await on_1365(world, activity) is None
    stats = await world.sim_stats()
    assert (stats["accepted"], stats["updated"], stats["deleted"], stats["duplicates"]) == (1, 1, 1, 0)
    assert [e["data"]["revision"] for e in await world.events("transfer.sent")] == [2, 3]
    assert [e["data"]["deleted"] for e in await world.events("transfer.cancelled")] == [True]
