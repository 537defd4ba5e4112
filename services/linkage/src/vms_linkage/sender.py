"""The sender: offers 1365 every due record of a consenting volunteer, once, however many replicas run.

- **Claims.** A sending pass first claims the records it will offer, in one short transaction: one
  `UPDATE … WHERE activity_id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING` on PostgreSQL, so that
  concurrent passes of other replicas skip the rows it takes (on SQLite the same statement runs inside a
  `BEGIN IMMEDIATE` transaction, which is exclusive already). The claim is a lease (`claim_token`,
  `claimed_until`): no transaction stays open while 1365 is asked. The pass then settles only the rows it still
  holds (`WHERE claim_token = :token`). A replica that stops mid-pass leaves its claims to lapse and another
  takes the records over. A request starts only while its claim outlasts it (`CLAIM_MARGIN_SECONDS`), so no two
  replicas ever have one record in flight; what a pass could not start in time is left for the next one.
  Only if a pass loses its claim before it can record an answer (the process paused past the lease, the database
  gone between sending and settling) is a record offered again; 1365 takes a record once per `sourceRecordId`,
  so the repeat is answered with the same record number.
- **Who the volunteer is.** Linkage keeps no one's name, birth date or phone. Once a pass holds its records, it
  asks the registry for their volunteers, each once and all at once (`members`), and forgets the answers when
  the pass ends. A volunteer the registry does not know, or did not answer for (it is down, or late), holds that
  volunteer's records: they keep their status and attempts, and wait `lookup_retry_seconds`, so that a region
  whose registry is down does not hold the head of the queue while the others' records go. One warning when the
  registry stops answering, one line when it answers again (and health says so meanwhile). Should 1365's answer
  quote the details back, its words are kept and announced without them (`Member.scrub`).
- **Consent.** Only records of volunteers who consent in VMS are claimed (cancellations aside: see below), and each
  claimed record's consent is read again once its request is ready to go, by a read that begins after that moment
  (`ConsentReads`). So once a withdrawal has committed, at most the requests already past their read — at most
  `send_concurrency` per replica, the requests in flight — still reach 1365; the rest of the pass is held. Held
  records keep their place and go once the volunteer consents again.
- **Outages.** 1365 being unavailable is a state of 1365, not of any record (`domain.PortalCircuit`): the first
  unavailable answer stops the pass (requests in flight finish), leaves the records as they were — no attempt
  counted, no delay of their own — and logs one warning with the backlog. Then one record is offered as a probe
  after 1 s, 1.5 s, … at most every minute; the first probe 1365 answers closes the circuit (one info line: how
  long it was open, how many are waiting) and the whole backlog goes at once.
- **Corrections and cancellations.** A record corrected or cancelled after its confirmation carries a newer
  revision than the one 1365 holds (`sent_revision`), and is due again (`vms_linkage.handlers.on_hours_changed`):
  the pass asks 1365 what `domain.action_for` says — the record (POST) if 1365 holds none of it, the correction
  (PUT) if it holds an older one, its deletion (DELETE) once cancelled, and nothing for a record cancelled before
  1365 held it (it is closed at once). A deletion sends no one's details and takes hours off 1365 that VMS no
  longer counts, so it goes whether or not the volunteer still consents (the registry is still asked who they are,
  so that 1365's words about it are kept without their details). Every settling writes the revision offered: should
  a newer one have arrived while the request was in flight, 1365's answer is recorded for the revision it was about
  and the record stays due for the newer one, never marked done.
- **Logging.** One summary line per pass (counts by outcome), never one line per record.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from prometheus_client import Counter as MetricCounter
from prometheus_client import Gauge
from sqlalchemy import Row, and_, func, or_, select, update

from vms_contracts.envelope import Event
from vms_contracts.events.linkage import TransferCancelledV1, TransferFailedV1, TransferSentV1
from vms_contracts.rpc.linkage import TransferStatus
from vms_linkage import domain
from vms_linkage.db import transfers, volunteers
from vms_linkage.members import LookUp, Member, Unanswered, Unknown, members
from vms_linkage.portal import Portal1365Client, PortalUnavailable, Record
from vms_linkage.settings import CLAIM_MARGIN_SECONDS, LinkageSettings
from vms_platform.aio import wait_any
from vms_platform.db import Database
from vms_platform.logging import get_logger
from vms_platform.metrics import Metrics
from vms_platform.outbox import Outbox
from vms_platform.retry import Backoff, Policy

log = get_logger("vms.linkage.sender")

DUE_STATUSES = (TransferStatus.PENDING.value, TransferStatus.FAILED.value)
"""Records the sender offers: never offered, changed since 1365 took them, or refused for a reason the volunteer
can fix. Sent, cancelled and parked (`REJECTED`) records are not offered again, until a change makes them due."""

IDLE_POLL_SECONDS = 1.0
"""With nothing to send, look again this often (a confirmation or a consent wakes the sender sooner)."""

DATABASE = Policy(first=0.5, cap=30.0)
"""The sender's own database unavailable: again after 0.5 s, 1 s, … at most every 30 s, one line each time."""


class Held(StrEnum):
    """Why a claimed record was not offered in this pass; it keeps its place for the next."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_UNREAD = "consent_unread"
    VOLUNTEER_UNKNOWN = "volunteer_unknown"
    """The registry does not know the volunteer: waits `lookup_retry_seconds`."""
    REGISTRY_UNANSWERED = "registry_unanswered"
    """The registry did not say who the volunteer is: waits `lookup_retry_seconds`."""
    PORTAL_UNAVAILABLE = "portal_unavailable"
    CLAIM_LAPSING = "claim_lapsing"
    STOPPING = "stopping"


@dataclass(frozen=True)
class NoAnswer:
    """Offered, but 1365 gave no answer about it (the circuit is open now)."""

    error: str


@dataclass(frozen=True)
class Broken:
    """Offering it failed in our own code (a bug, not 1365): it waits `refused_retry_minutes` rather than spin."""

    error: str


@dataclass(frozen=True)
class NothingAsked:
    """Cancelled before 1365 ever held it (`domain.Action.CLOSE`): nothing to ask of 1365."""


Result = domain.PortalAnswer | domain.UnreadableAnswer | Held | NoAnswer | Broken | NothingAsked

LOOKUP_HELD = (Held.VOLUNTEER_UNKNOWN, Held.REGISTRY_UNANSWERED)


class ConsentReads:
    """Whether the volunteers of a pass still consent, from a database read that began after the question was
    asked, so a request never starts on a read older than a withdrawal that had committed before it. Questions
    asked while a read runs share the next read: a pass of a hundred records costs a few reads, not a hundred."""

    def __init__(self, read: Callable[[], Awaitable[frozenset[UUID]]]) -> None:
        self._read = read
        self._running: asyncio.Task[frozenset[UUID]] | None = None
        self._next: asyncio.Task[frozenset[UUID]] | None = None

    async def granted(self, volunteer_id: UUID) -> bool:
        if self._next is None:
            self._next = asyncio.create_task(self._read_after(self._running))
        # Shielded: one asker giving up must not cancel the read the others wait for.
        return volunteer_id in await asyncio.shield(self._next)

    async def _read_after(self, running: asyncio.Task[frozenset[UUID]] | None) -> frozenset[UUID]:
        if running is not None:
            with contextlib.suppress(Exception):
                await running
        # From here on this read is running: whoever asks now waits for the next one.
        self._running, self._next = self._next, None
        return await self._read()


class NothingToRequeue(Exception):
    """`requeue` was asked without saying which parked records to put back."""


class Sender:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        portal: Portal1365Client,
        settings: LinkageSettings,
        *,
        registry: LookUp,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.portal = portal
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.circuit = domain.PortalCircuit(
            Policy(first=settings.probe_first_seconds, cap=settings.probe_max_seconds, factor=domain.PROBE.factor)
        )
        self.work = asyncio.Event()
        """Set when something may have become sendable: a confirmation or a consent arrived."""
        self.log = log.bind(instance=settings.instance)
        self._opened_wall: datetime | None = None
        self._registry_silent_since: datetime | None = None
        self._registry_error: str | None = None
        self._stop: asyncio.Event | None = None
        self._outcomes: MetricCounter | None = None
        if metrics is not None:
            self._outcomes = MetricCounter(
                "vms_linkage_transfers",
                "Records offered to 1365, by what came of it: the transfer's status (sent, refused, …), or "
                "unanswered (1365 did not answer) and broken (what it answered made no sense)",
                ["outcome"],
                registry=metrics.registry,
            )
            available = Gauge(
                "vms_linkage_1365_available",
                "1 while 1365 answers (the circuit closed), else 0",
                registry=metrics.registry,
            )

            async def read_circuit(_metrics: Metrics) -> None:
                available.set(0 if self.circuit.is_open else 1)

            metrics.on_scrape(read_circuit)

    def wake(self) -> None:
        self.work.set()

    # -- health ------------------------------------------------------------------------------------------------

    @property
    def portal_state(self) -> str:
        """`closed` while 1365 answers, `open` while it is unavailable (this replica's view)."""
        return self.circuit.state.value

    def portal_problem(self) -> str | None:
        """For health: None while 1365 answers, else since when it has not and what it last said."""
        if not self.circuit.is_open or self._opened_wall is None:
            return None
        return (
            f"1365 unavailable since {self._opened_wall.isoformat(timespec='seconds')} "
            f"({self.circuit.last_error}); records wait, probing every ≤{self.circuit.policy.cap:g} s"
        )

    def registry_problem(self) -> str | None:
        """For health: None while the registry says who the volunteers are, else since when it has not."""
        if self._registry_silent_since is None:
            return None
        return (
            f"the registry has not said who volunteers are since "
            f"{self._registry_silent_since.isoformat(timespec='seconds')} ({self._registry_error}); their records "
            f"wait, asked again every {self.settings.lookup_retry_seconds:g} s"
        )

    # -- the loop ----------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send what is due until `stop`; wakes early when a confirmation or a consent arrives. While 1365 is
        unavailable, only probes go out, at the circuit's pace, whatever arrives meanwhile."""
        self._stop = stop
        database = Backoff(DATABASE)
        while not stop.is_set():
            self.work.clear()
            if self.circuit.is_open and (wait := self.circuit.until_probe(self.clock())) > 0:
                await wait_any(stop, None, wait)
                continue
            try:
                offered = await self.send_due()
            except Exception as exc:
                delay = database.failed()
                self.log.warning("sending to 1365 paused: its database failed", error=repr(exc), retry_in=delay)
                await wait_any(stop, None, delay)
                continue
            database.succeeded()
            if offered and not self.circuit.is_open:
                continue
            await wait_any(stop, self.work, IDLE_POLL_SECONDS)

    async def send_due(self) -> int:
        """One pass: claim what is due (one record, as a probe, while 1365 is unavailable), offer it — the record,
        its correction or its deletion — and settle what 1365 answered. Returns how many records were offered to
        1365 or, cancelled before 1365 held them, closed without asking."""
        probing = self.circuit.is_open
        token = uuid4()
        started = self.clock()
        rows = await self._claim(token, 1 if probing else self.settings.send_batch_size)
        if not rows:
            return 0
        actions = {row.activity_id: _action(row) for row in rows}
        # A request may start only while the claim outlasts it, by the claim's own (monotonic) start.
        start_by = started + self.settings.claim_seconds - self.settings.portal1365_timeout - CLAIM_MARGIN_SECONDS
        # Held for this pass only: the details go to 1365 and are forgotten with the pass.
        asking = [row for row in rows if actions[row.activity_id] is not domain.Action.CLOSE]
        found = await members(self.registry, (row.volunteer_id for row in asking))
        gate = asyncio.Semaphore(self.settings.send_concurrency)
        consents = ConsentReads(lambda: self._consenting({row.volunteer_id for row in asking}))
        opened = False

        async def offer(row: Row[Any]) -> Result:
            nonlocal opened
            action = actions[row.activity_id]
            if action is domain.Action.CLOSE:
                return NothingAsked()
            async with gate:
                if self.circuit.is_open and not probing:
                    return Held.PORTAL_UNAVAILABLE
                if self._stop is not None and self._stop.is_set():
                    return Held.STOPPING
                if self.clock() > start_by:
                    return Held.CLAIM_LAPSING
                member = found[row.volunteer_id]
                if isinstance(member, Unknown):
                    return Held.VOLUNTEER_UNKNOWN
                if isinstance(member, Unanswered):
                    return Held.REGISTRY_UNANSWERED
                try:
                    if action.sends_record and not await consents.granted(row.volunteer_id):
                        return Held.CONSENT_WITHDRAWN
                except Exception:  # its database failed: not known to consent, so not sent now
                    return Held.CONSENT_UNREAD
                try:
                    return _scrubbed(await self._ask(action, row, member), member)
                except PortalUnavailable as exc:
                    if probing:
                        self.circuit.probe_failed(self.clock(), str(exc))
                    elif self.circuit.trip(self.clock(), str(exc)):
                        opened = True
                        self._opened_wall = datetime.now(UTC)
                    return NoAnswer(str(exc))
                except Exception as exc:
                    return Broken(repr(exc))

        results = await asyncio.gather(*(offer(row) for row in rows))
        closed_after: float | None = None
        if probing and any(isinstance(r, domain.PortalAnswer | domain.UnreadableAnswer) for r in results):
            closed_after = self.circuit.answered(self.clock())
            self._opened_wall = None
        await self._settle(token, rows, results)
        await self._report(
            results,
            [actions[row.activity_id] for row in rows],
            opened=opened,
            probing=probing,
            closed_after=closed_after,
        )
        self._report_registry(found.values())
        return sum(1 for r in results if not isinstance(r, Held))

    async def _ask(
        self, action: domain.Action, row: Row[Any], member: Member
    ) -> domain.PortalAnswer | domain.UnreadableAnswer:
        if action is domain.Action.OFFER:
            return await self.portal.send(_record(row, member))
        if action is domain.Action.CORRECT:
            return await self.portal.correct(_record(row, member))
        return await self.portal.delete(row.activity_id)

    # -- database ----------------------------------------------------------------------------------------------

    async def _claim(self, token: UUID, limit: int) -> Sequence[Row[Any]]:
        now = datetime.now(UTC)
        due = transfers.alias("due")
        candidates = (
            select(due.c.activity_id)
            .outerjoin(volunteers, volunteers.c.id == due.c.volunteer_id)
            .where(
                due.c.status.in_(DUE_STATUSES),
                due.c.next_attempt_at <= now,
                or_(due.c.claimed_until.is_(None), due.c.claimed_until < now),
                *_sendable(due, volunteers),
            )
            .order_by(due.c.next_attempt_at, due.c.activity_id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=due)
        )
        async with self.db.transaction() as session:
            claimed = (
                (
                    await session.execute(
                        update(transfers)
                        .where(transfers.c.activity_id.in_(candidates))
                        .values(claim_token=token, claimed_until=now + timedelta(seconds=self.settings.claim_seconds))
                        .returning(transfers.c.activity_id)
                    )
                )
                .scalars()
                .all()
            )
            if not claimed:
                return []
            return (
                await session.execute(
                    select(transfers)
                    .where(transfers.c.activity_id.in_(claimed))
                    .order_by(transfers.c.next_attempt_at, transfers.c.activity_id)
                )
            ).all()

    async def _consenting(self, volunteer_ids: set[UUID]) -> frozenset[UUID]:
        async with self.db.transaction() as session:
            granted = await session.scalars(
                select(volunteers.c.id).where(
                    volunteers.c.id.in_(volunteer_ids), volunteers.c.consent_granted.is_(True)
                )
            )
            return frozenset(granted)

    async def _settle(self, token: UUID, rows: Sequence[Row[Any]], results: Sequence[Result]) -> None:
        """Record what 1365 answered, for the rows this pass still holds; give the others back untouched.

        The rows are locked first, in key order, as the consumers write them, and each is settled against its
        revision now: an answer about a revision that a newer one overtook while the request was in flight is
        recorded as 1365's (what it holds, its reason), and the record is left due for the newer revision."""
        now = datetime.now(UTC)
        refused_retry = timedelta(minutes=self.settings.refused_retry_minutes)
        held = and_(transfers.c.claim_token == token, transfers.c.status.in_(DUE_STATUSES))
        release = {"claim_token": None, "claimed_until": None}
        events: list[tuple[Event, str]] = []
        untouched: list[UUID] = []
        broken: list[UUID] = []
        unidentified: list[UUID] = []
        outcomes: dict[str, int] = {}
        async with self.db.transaction() as session:
            current: dict[UUID, int] = {
                key: revision
                for key, revision in (
                    await session.execute(
                        select(transfers.c.activity_id, transfers.c.revision)
                        .where(transfers.c.activity_id.in_([row.activity_id for row in rows]), held)
                        .order_by(transfers.c.activity_id)
                        .with_for_update()
                    )
                ).all()
            }
            for row, result in sorted(zip(rows, results, strict=True), key=lambda pair: pair[0].activity_id):
                if row.activity_id not in current:
                    continue  # no longer this pass's: its claim lapsed and another pass took it
                if isinstance(result, Held) and result in LOOKUP_HELD:
                    unidentified.append(row.activity_id)
                    continue
                if isinstance(result, Held | NoAnswer):
                    untouched.append(row.activity_id)
                    if isinstance(result, NoAnswer):
                        outcomes["unanswered"] = outcomes.get("unanswered", 0) + 1
                    continue
                if isinstance(result, Broken):
                    broken.append(row.activity_id)
                    outcomes["broken"] = outcomes.get("broken", 0) + 1
                    continue
                action = _action(row)
                if isinstance(result, NothingAsked):
                    outcome = domain.CLOSED
                else:
                    outcome = domain.outcome_of(
                        result, action=action, previous_reason=row.reason_code, refused_retry=refused_retry
                    )
                overtaken = current[row.activity_id] > row.revision
                await session.execute(
                    update(transfers)
                    .where(transfers.c.activity_id == row.activity_id, held)
                    .values(**_settled(row, result, outcome, overtaken=overtaken, now=now), **release)
                )
                if outcome.announce:
                    events.append((_event(row, result, outcome, action, now), row.region))
                if not isinstance(result, NothingAsked):
                    outcomes[outcome.status.value] = outcomes.get(outcome.status.value, 0) + 1
            if untouched:
                await session.execute(
                    update(transfers).where(transfers.c.activity_id.in_(untouched), held).values(**release)
                )
            if broken:
                await session.execute(
                    update(transfers)
                    .where(transfers.c.activity_id.in_(broken), held)
                    .values(next_attempt_at=now + refused_retry, updated_at=now, **release)
                )
            if unidentified:
                # Nothing happened to the record itself (no attempt, same status): it only waits its turn again.
                lookup_retry = timedelta(seconds=self.settings.lookup_retry_seconds)
                await session.execute(
                    update(transfers)
                    .where(transfers.c.activity_id.in_(unidentified), held)
                    .values(next_attempt_at=now + lookup_retry, **release)
                )
            if events:
                await self.outbox.stage_many(session, events)
        if self._outcomes is not None:  # once they are recorded
            for outcome_name, count in outcomes.items():
                self._outcomes.labels(outcome_name).inc(count)

    async def waiting(self) -> int:
        """How many records are due and may go now: the backlog."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(transfers.outerjoin(volunteers, volunteers.c.id == transfers.c.volunteer_id))
                .where(
                    transfers.c.status.in_(DUE_STATUSES),
                    transfers.c.next_attempt_at <= now,
                    *_sendable(transfers, volunteers),
                )
            )
        return int(count or 0)

    # -- logging -----------------------------------------------------------------------------------------------

    async def _report(
        self,
        results: Sequence[Result],
        actions: Sequence[domain.Action],
        *,
        opened: bool,
        probing: bool,
        closed_after: float | None,
    ) -> None:
        """One line per pass at most: the circuit's change, or the counts by outcome."""
        counts = Counter(_kind(r, a) for r, a in zip(results, actions, strict=True))
        first_broken = next((r.error for r in results if isinstance(r, Broken)), None)
        if opened:
            self.log.warning(
                "1365 unavailable: sending stopped until it answers again",
                error=self.circuit.last_error,
                waiting=await self._waiting_or_none(),
                first_probe_in=round(self.circuit.until_probe(self.clock()), 2),
                **counts,
            )
        elif closed_after is not None:
            self.log.info(
                "1365 answers again: sending resumed",
                open_seconds=round(closed_after, 1),
                waiting=await self._waiting_or_none(),
                **counts,
            )
        elif probing:
            self.log.debug(
                "1365 still unavailable",
                error=self.circuit.last_error,
                next_probe_in=round(self.circuit.until_probe(self.clock()), 2),
            )
        elif first_broken is not None:
            self.log.warning("records offered to 1365; some could not be offered", first_error=first_broken, **counts)
        elif any(counts[kind] for kind in SETTLED_KINDS):
            self.log.info("records offered to 1365", **counts)

    def _report_registry(self, found: Iterable[Member | Unknown | Unanswered]) -> None:
        """A line when the registry stops saying who volunteers are, and one when it does again; a warning for
        volunteers it does not know, which only a fault elsewhere explains (hours records only known volunteers)."""
        answers = list(found)
        silent = [a for a in answers if isinstance(a, Unanswered)]
        unknown = sum(1 for a in answers if isinstance(a, Unknown))
        if unknown:
            self.log.warning(
                "the registry does not know volunteers whose records are due; their records wait",
                volunteers=unknown,
                retry_in=self.settings.lookup_retry_seconds,
            )
        if silent and self._registry_silent_since is None:
            self._registry_silent_since = datetime.now(UTC)
            self._registry_error = silent[0].error
            self.log.warning(
                "the registry does not say who volunteers are: their records wait",
                volunteers=len(silent),
                error=silent[0].error,
                retry_in=self.settings.lookup_retry_seconds,
            )
        elif silent:
            self._registry_error = silent[0].error
        elif answers and self._registry_silent_since is not None:
            silent_for = datetime.now(UTC) - self._registry_silent_since
            self._registry_silent_since = self._registry_error = None
            self.log.info("the registry answers again", silent_seconds=round(silent_for.total_seconds(), 1))

    async def _waiting_or_none(self) -> int | None:
        try:
            return await self.waiting()
        except Exception:  # the count is for the log line only
            return None


async def requeue(
    db: Database, *, reason_code: str | None = None, activity_ids: Sequence[UUID] = (), everything: bool = False
) -> list[UUID]:
    """Put parked records back to pending, so the sender offers them again (an operator's decision, e.g. after
    1365 fixed what made its answers unreadable). `reason_code` and `activity_ids` narrow the choice; with neither,
    `everything` must say that every parked record is meant. Returns the records put back."""
    if reason_code is None and not activity_ids and not everything:
        raise NothingToRequeue()
    now = datetime.now(UTC)
    conditions = [transfers.c.status == TransferStatus.REJECTED.value]
    if reason_code is not None:
        conditions.append(transfers.c.reason_code == reason_code)
    if activity_ids:
        conditions.append(transfers.c.activity_id.in_(list(activity_ids)))
    async with db.transaction() as session:
        result = await session.execute(
            update(transfers)
            .where(*conditions)
            .values(
                status=TransferStatus.PENDING.value,
                reason_code=None,
                reason=None,
                reason_detail=None,
                next_attempt_at=now,
                claim_token=None,
                claimed_until=None,
                updated_at=now,
            )
            .returning(transfers.c.activity_id)
        )
        return list(result.scalars().all())


SETTLED_KINDS = ("sent", "corrected", "deleted", "closed", "missing", "refused", "rejected")
"""What a pass logs of the records 1365 answered about, or closed without asking (`_kind`)."""


def _kind(result: Result, action: domain.Action) -> str:
    if isinstance(result, Held):
        return "held_" + result.value
    if isinstance(result, NoAnswer):
        return "no_answer"
    if isinstance(result, Broken):
        return "broken"
    if isinstance(result, NothingAsked):
        return "closed"
    status = domain.outcome_of(result, action=action, previous_reason=None, refused_retry=timedelta(0)).status
    if status is TransferStatus.SENT:
        return "sent" if action is domain.Action.OFFER else "corrected"
    return {
        TransferStatus.CANCELLED: "deleted",
        TransferStatus.PENDING: "missing",
        TransferStatus.FAILED: "refused",
    }.get(status, "rejected")


def _action(row: Row[Any]) -> domain.Action:
    return domain.action_for(sent_revision=row.sent_revision, cancelled=row.cancelled)


def _sendable(due: Any, volunteers: Any) -> list[Any]:
    """Which due records a pass may take: confirmed ones (a change that overtook its confirmation waits for it), of
    volunteers who consent — or cancelled, since neither a deletion nor closing one sends anyone's record."""
    return [
        due.c.confirmed.is_(True),
        or_(volunteers.c.consent_granted.is_(True), due.c.cancelled.is_(True)),
    ]


def _settled(
    row: Row[Any], result: Result, outcome: domain.Outcome, *, overtaken: bool, now: datetime
) -> dict[str, Any]:
    """The columns a settled record takes. `overtaken`: a newer revision arrived while this one was in flight, so
    the record is due again at once, whatever 1365 said of the older one."""
    reason = outcome.reason
    values: dict[str, Any] = {
        "status": TransferStatus.PENDING.value if overtaken else outcome.status.value,
        "reason_code": outcome.reason_code,
        "reason": reason.ko if reason else None,
        "reason_detail": outcome.reason_detail,
        "next_attempt_at": now if overtaken else now + outcome.next_attempt_in,
        "updated_at": now,
    }
    if not isinstance(result, NothingAsked):
        values["attempts"] = transfers.c.attempts + 1
    if outcome.portal is domain.Portal.CURRENT:
        values["sent_revision"] = row.revision
    elif outcome.portal is domain.Portal.NOTHING:
        values.update(sent_revision=None, portal_reference=None, sent_at=None)
    if outcome.status is TransferStatus.SENT:
        values["sent_at"] = now
    if isinstance(result, domain.PortalAnswer) and result.accepted and result.record_no:
        values["portal_reference"] = result.record_no
    return values


def _event(row: Row[Any], result: Result, outcome: domain.Outcome, action: domain.Action, now: datetime) -> Event:
    """The news of a settled record, about the revision that was offered."""
    if outcome.status is TransferStatus.SENT:
        return TransferSentV1(
            activity_id=row.activity_id,
            volunteer_id=row.volunteer_id,
            minutes=row.minutes,
            portal_reference=(result.record_no if isinstance(result, domain.PortalAnswer) else None)
            or row.portal_reference
            or "",
            sent_at=now,
            revision=row.revision,
        )
    if outcome.status is TransferStatus.CANCELLED:
        return TransferCancelledV1(
            activity_id=row.activity_id,
            volunteer_id=row.volunteer_id,
            revision=row.revision,
            deleted=action is domain.Action.DELETE,
            cancelled_at=now,
        )
    reason = outcome.reason
    return TransferFailedV1(
        activity_id=row.activity_id,
        volunteer_id=row.volunteer_id,
        reason_code=outcome.reason_code or "",
        reason=reason.ko if reason else "",
        failed_at=now,
        final=outcome.final,
        revision=row.revision,
    )


def _scrubbed(
    answer: domain.PortalAnswer | domain.UnreadableAnswer, member: Member
) -> domain.PortalAnswer | domain.UnreadableAnswer:
    """1365's answer as it is kept and announced: its words without the member's details."""
    if isinstance(answer, domain.UnreadableAnswer):
        return dataclasses.replace(answer, detail=member.scrub(answer.detail))
    return dataclasses.replace(answer, message=member.scrub(answer.message))


def _record(row: Row[Any], member: Member) -> Record:
    return Record(
        activity_id=row.activity_id,
        name=member.name,
        birth_date=member.birth_date,
        phone=member.phone,
        region=row.region,
        activity_date=row.activity_date,
        start_time=row.start_time,
        end_time=row.end_time,
        minutes=row.minutes,
        place=row.centre_name,
        content=row.description,
    )
