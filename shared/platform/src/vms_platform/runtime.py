"""What every service process does around its handlers: connect, serve requests, consume events, relay its
outbox, answer health checks, and stop cleanly, so that `app.py` is wiring only.

Stopping order: stop taking messages, let handlers finish, publish what the outbox still holds, close the
connection and the database. A service killed instead loses nothing either: its outbox rows and unacknowledged
messages are still there when it starts again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, TypeVar
from uuid import UUID

from faststream.nats import NatsBroker, NatsRouter
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError, ServiceUnavailableError
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, text

from vms_contracts.actor import Actor
from vms_contracts.envelope import Event
from vms_contracts.rpc import Rpc
from vms_contracts.rpc.health import HealthRequest, HealthView, health_rpc
from vms_contracts.subjects import inbox_prefix
from vms_platform import tracing
from vms_platform.actor import (
    PUBLIC_KEYS_VARIABLE,
    ActorSigner,
    ActorVerifier,
    KeyConfigurationError,
    private_key,
    public_keys,
)
from vms_platform.aio import settle_heap
from vms_platform.clock import KST
from vms_platform.consumer import BatchHandler, EventConsumer
from vms_platform.db import Database, migrate
from vms_platform.deadletter import DeadLetters
from vms_platform.identity import NoDeploymentId, deployment_id
from vms_platform.jetstream import REGIONAL_SERVICES, BatchPublisher, ConsumerSpec
from vms_platform.logging import configure_logging, get_logger
from vms_platform.metrics import Metrics
from vms_platform.outbox import FULL_PASS_SECONDS, Outbox, OutboxRelay, Outgoing, one_by_one, traced_headers
from vms_platform.probes import ProbeServer
from vms_platform.retry import CONNECT, Backoff, until_it_works
from vms_platform.rpc import RpcClient, ServiceTimeout, ServiceUnavailable, rpc_router, serve
from vms_platform.settings import ServiceSettings, configuration_errors, redacted

PUBLISH_TIMEOUT = 5.0
"""Seconds JetStream may take to acknowledge an event the relay publishes."""
EVENT_TYPE = "application/cloudevents+json"
"""The content type of every event published."""

log = get_logger("vms.runtime")

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)
S = TypeVar("S", bound=ServiceSettings)

Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class StartupError(Exception):
    """The service cannot start as configured; the message says what to do."""


async def log_nats_error(error: Exception) -> None:
    """What the NATS server reported on the connection, logged (the broker's own logger is off): a permissions
    violation — this program's NATS user tried a subject it is not allowed — as an error an operator must see, for
    it is a bug or a wrong account; the rest (a connection lost, a slow consumer) as warnings."""
    reason = str(error).removeprefix("nats: ")
    if "permissions violation" in reason.lower():
        log.error("NATS refused a subject to this program's user", reason=reason)
    else:
        log.warning("NATS reported an error", error=repr(error))


class ServiceApp:
    def __init__(self, service: str, settings: ServiceSettings, *, migrations: str | None = None) -> None:
        """`migrations`: the service's Alembic scripts, whose head its database must be at to be ready."""
        if not settings.database_url:
            raise StartupError(f"set the database URL: {settings.variable('database_url')}")
        if not settings.national and service not in REGIONAL_SERVICES:
            raise StartupError(
                f"{service} runs as one national deployment: {settings.variable('regions')} must include `*` "
                f"(regional councils may run {' and '.join(REGIONAL_SERVICES)} of their own)"
            )
        try:
            # Before anything that makes spans is built: tracing is on only if the OTEL_* variables ask for it.
            tracing.configure(service)
        except tracing.TracingConfigurationError as exc:
            raise StartupError(f"traces: {exc}") from None
        self.service = service
        self.settings = settings
        self.bus = settings.bus
        self.version = _package_version(f"vms-{service}")
        self.started_at = datetime.now(UTC)
        self.broker = NatsBroker(
            [s.strip() for s in settings.nats_url.split(",")],
            name=f"vms-{service}-{settings.instance}",
            # A regional deployment connects as a NATS user of its own, which hears only its own replies.
            inbox_prefix=inbox_prefix(f"{service}-{settings.deployment}" if settings.deployment else service),
            logger=None,
            graceful_timeout=settings.shutdown_timeout,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            error_cb=log_nats_error,
            # Endpoints validate what they receive themselves (`rpc.serve`): no pydantic model is built per
            # subscription, of which a national deployment has one per operation and region.
            serializer=None,
        )
        self.rpc_router: NatsRouter = rpc_router()
        self.db = Database(settings.database_url)
        self.actor = Actor.service(service)
        self.signer, self.verifier = _actor_keys(service, settings)
        self.rpc = RpcClient(self.broker, self.bus, signer=self.signer, actor=self.actor, timeout=settings.rpc_timeout)
        self.request_slots = asyncio.Semaphore(settings.max_concurrent_requests)
        self.deployment: UUID | None = None
        self.deadletters = DeadLetters(self.bus, self.publish)
        self.outbox: Outbox | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self._background: list[Background] = []
        self._health_checks: list[Callable[[], str | None]] = []
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._routers_included = False
        self._in_memory = False
        self._publisher: BatchPublisher | None = None
        self._schema = Schema.of(migrations) if migrations is not None else None
        self._started = False
        self.metrics = Metrics()
        self.metrics.on_scrape(self._read_gauges)
        self.probes = (
            ProbeServer(settings.probe_host, settings.probe_port, self.waiting_for, self.metrics.exposition)
            if settings.probe_port
            else None
        )
        self.serve(health_rpc(service), self.health, counted=False)

    # -- wiring ------------------------------------------------------------------------------------------------

    def use_outbox(self, table: Table) -> Outbox:
        self.outbox = Outbox(table, bus=self.bus, source=f"/vms/{self.service}/{self.settings.instance}")
        self.relay = OutboxRelay(
            self.db,
            self.outbox,
            self.publish,
            publish_many=self.publish_many,
            batch_size=self.settings.batch_size,
            poll_interval=self.settings.relay_poll_interval,
            retention=timedelta(days=self.settings.outbox_retention_days),
        )
        return self.outbox

    def serve(
        self, rpc: Rpc[Req, Res], handler: Callable[[Req, Actor], Awaitable[Res]], *, counted: bool = True
    ) -> None:
        """Answer `rpc` for the regions this deployment serves, for the actors the matrix lets ask it; `counted`
        requests share the process's limit."""
        serve(
            self.rpc_router,
            self.bus,
            rpc,
            handler,
            regions=self.settings.served_regions,
            verifier=self.verifier,
            slots=self.request_slots if counted else None,
            workers=self.settings.max_concurrent_requests,
            metrics=self.metrics,
        )

    def consume(
        self,
        spec: ConsumerSpec,
        handlers: Mapping[type[Event], BatchHandler],
        *,
        inbox: Table,
        on_commit: Callable[[], None] | None = None,
    ) -> EventConsumer:
        consumer = EventConsumer(
            spec.durable_for(self.settings.deployment),
            handlers,
            db=self.db,
            inbox=inbox,
            bus=self.bus,
            deadletters=self.deadletters,
            on_commit=on_commit,
            metrics=self.metrics,
        )
        self.consumers.append(consumer)
        self.add_health_check(lambda: consumer.problem)
        return consumer

    def add_health_check(self, check: Callable[[], str | None]) -> None:
        """Something health reports: `check()` says what is wrong, or None when all is well."""
        self._health_checks.append(check)

    def add_background(self, task: Background) -> None:
        """A loop that runs while the service runs and returns once its stop event is set."""
        self._background.append(task)

    def on_stop(self, close: Callable[[], Awaitable[None]]) -> None:
        """Release a resource (an HTTP client, say) once the service has stopped."""
        self._on_stop.append(close)

    def include_routers(self, *, in_memory: bool = False) -> None:
        """Attach the request endpoints to the broker, once. With `in_memory` (for `TestNatsBroker`), attach the
        event consumers as FastStream subscribers too; on a real server they run their own pull loops."""
        if self._routers_included:
            return
        self._in_memory = in_memory
        self.broker.include_router(self.rpc_router)
        if in_memory:
            events_router = NatsRouter()
            for consumer in self.consumers:
                consumer.subscribe(events_router, batch_size=consumer.spec.batch_size(self.settings.batch_size))
            self.broker.include_router(events_router)
        self._routers_included = True

    # -- bus helpers -------------------------------------------------------------------------------------------

    async def publish(
        self, subject: str, payload: bytes, *, msg_id: str, stream: str, headers: dict[str, str] | None = None
    ) -> None:
        sent = {"Nats-Msg-Id": msg_id, "content-type": EVENT_TYPE, **(headers or {})}
        if self._in_memory:  # `TestNatsBroker` takes what the broker publishes
            await self.broker.publish(payload, subject, headers=sent, stream=stream, timeout=PUBLISH_TIMEOUT)
            return
        # Straight to JetStream: the relay publishes every event of the service, and the broker's own publishing
        # (middlewares, a correlation id made for each message) cost as much of the CPU again as the publish.
        js = self.broker.config.connection_state.stream
        await js.publish(subject, payload, timeout=PUBLISH_TIMEOUT, stream=stream, headers=sent)

    async def publish_many(self, messages: Sequence[Outgoing]) -> list[BaseException | None]:
        """The outbox relay's batches: all at once, their acknowledgements awaited together (`BatchPublisher`)."""
        if self._in_memory:  # `TestNatsBroker` takes what the broker publishes
            return await one_by_one(self.publish, messages)
        if self._publisher is None:
            self._publisher = BatchPublisher(self.broker.config.connection_state.connection, timeout=PUBLISH_TIMEOUT)
        traced = traced_headers()
        if traced is not None:  # some of the batch is traced: those carry their trace context too
            return await self._publisher.publish_many(
                [
                    (
                        subject,
                        payload,
                        {
                            "Nats-Msg-Id": msg_id,
                            "Nats-Expected-Stream": stream,
                            "content-type": EVENT_TYPE,
                            **traced.get(msg_id, {}),
                        },
                    )
                    for subject, payload, msg_id, stream in messages
                ]
            )
        return await self._publisher.publish_many(
            [
                (subject, payload, {"Nats-Msg-Id": msg_id, "Nats-Expected-Stream": stream, "content-type": EVENT_TYPE})
                for subject, payload, msg_id, stream in messages
            ]
        )

    async def health(self, _request: HealthRequest, _actor: Actor) -> HealthView:
        database, waiting = await self._readiness()
        backlog = await self.relay.backlog() if self.relay is not None and database == "ok" else None
        problems = [problem for check in self._health_checks if (problem := check()) is not None]
        return HealthView(
            ready=not waiting,
            waiting_for=waiting,
            service=self.service,
            instance=self.settings.instance,
            version=self.version,
            started_at=self.started_at,
            deployment=self.deployment,
            regions=self.settings.served_regions,
            database=database,
            outbox_backlog=backlog,
            relaying=self.relay.leading if self.relay is not None else None,
            problems=problems,
        )

    async def waiting_for(self) -> list[str]:
        """What this process waits for before it may be given work (readiness); empty once ready: started, its
        database reachable and at the schema this version runs, NATS connected, every event consumer bound."""
        return (await self._readiness())[1]

    async def _readiness(self) -> tuple[str, list[str]]:
        """`ok` or what went wrong reaching the database, and what this process waits for (`waiting_for`)."""
        database, lacking = await database_state(self.db, self._schema, f"vms-{self.service}")
        waiting = [] if self._started else ["start: not finished"]
        if not nats_connected(self.broker):
            waiting.append("NATS: not connected")
        return database, waiting + lacking + self._not_bound()

    async def _read_gauges(self, metrics: Metrics) -> None:
        """The gauges of a scrape: readiness, the outbox, each durable consumer as JetStream counts it, the pool."""
        metrics.ready.set(0 if await self.waiting_for() else 1)
        if self.relay is not None:
            with contextlib.suppress(Exception):  # the database unreachable: readiness says so
                backlog, oldest = await self.relay.unsent()
                metrics.outbox_backlog.set(backlog)
                age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
                metrics.outbox_oldest_seconds.set(max(0.0, age))
        if self._started and not self._in_memory:
            js = self.broker.config.connection_state.stream
            for consumer in self.consumers:
                try:
                    info = await js.consumer_info(
                        self.bus.stream_name(consumer.spec.stream), consumer.name, timeout=PROBE_TIMEOUT
                    )
                except Exception:  # missing or JetStream not answering: readiness and health say so
                    continue
                metrics.consumer_pending.labels(consumer.name).set(info.num_pending or 0)
                metrics.consumer_redelivered.labels(consumer.name).set(info.num_redelivered or 0)
        checked_out = getattr(self.db.engine.pool, "checkedout", None)
        if checked_out is not None:
            metrics.db_connections_in_use.set(checked_out())

    def _not_bound(self) -> list[str]:
        """The event consumers not taking events, each with why."""
        if not self._started:
            return []
        return [
            f"consumer {consumer.name}: {consumer.problem or 'not running'}"
            for consumer in self.consumers
            if not consumer.running or consumer.problem is not None
        ]

    # -- life cycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.include_routers()
        await self._connect()
        try:
            self.deployment = await until_it_works(
                lambda: deployment_id(self.db),
                what="the database",
                stop=self._stop,
                worth_retrying=lambda exc: not isinstance(exc, NoDeploymentId),
                database=_safe_url(self.db.url),
            )
        except NoDeploymentId as exc:
            raise StartupError(str(exc)) from exc
        if not self._in_memory:
            await self._refuse_regions_served_elsewhere()
        await self.broker.start()
        await self.broker.config.connection_state.connection.flush()
        nc = self.broker.config.connection_state.connection
        js = self.broker.config.connection_state.stream
        for consumer in self.consumers:
            if not self._in_memory:
                stream = self.bus.stream_name(consumer.spec.stream)
                try:
                    await js.consumer_info(stream, consumer.spec.durable)
                except (NotFoundError, NatsTimeoutError, ServiceUnavailableError) as exc:
                    # Missing, not visible to this service's NATS user, or JetStream not up yet: services never
                    # declare consumers. The consumer's feed waits for it, reports it in health, and resumes.
                    log.warning(
                        "durable consumer missing; waiting for it (declare it with `vms nats-setup`)",
                        stream=stream,
                        consumer=consumer.spec.durable,
                        error=repr(exc),
                    )
            # In memory (TestNatsBroker) the same loop takes what the consumer's subscriber receives.
            self._tasks.append(
                asyncio.create_task(
                    consumer.run(
                        None if self._in_memory else nc,
                        self._stop,
                        batch_size=consumer.spec.batch_size(self.settings.batch_size),
                    ),
                    name=f"consumer-{consumer.name}",
                )
            )
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"))
        for task in self._background:
            self._tasks.append(asyncio.create_task(task(self._stop), name=getattr(task, "__name__", "background")))
        self._started = True
        log.info(
            "service started",
            version=self.version,
            nats=redacted(self.settings.nats_url),
            database=_safe_url(self.db.url),
            consumers=[c.name for c in self.consumers],
        )

    async def _refuse_regions_served_elsewhere(self) -> None:
        """Two deployments answering one region would split its requests between two databases: before
        answering anything, ask each region this deployment is to serve who answers it now."""
        rpc = health_rpc(self.service)

        async def answer_for(region: str) -> HealthView | None:
            """Who answers `region`: None only when nobody does. A deployment that answers late is still there."""
            for _attempt in range(3):
                try:
                    return await self.rpc.call(rpc, HealthRequest(), region=region, timeout=2.0)
                except ServiceUnavailable:
                    return None
                except ServiceTimeout:
                    continue
            raise StartupError(
                f"region {region}: something answers {self.service}'s requests there but did not say which "
                "deployment it is within 6 s; make sure no other deployment serves it, then start again"
            )

        answers = await asyncio.gather(*(answer_for(r) for r in self.settings.served_regions))
        others: dict[UUID | None, tuple[HealthView, list[str]]] = {}
        for region, answer in zip(self.settings.served_regions, answers, strict=True):
            if answer is not None and answer.deployment != self.deployment:
                others.setdefault(answer.deployment, (answer, []))[1].append(region)
        if others:
            clashes = "; ".join(
                f"{_regions_text(regions)} by deployment {deployment} (instance {view.instance}, which serves "
                f"{_regions_text(view.regions)})"
                for deployment, (view, regions) in others.items()
            )
            raise StartupError(
                f"{self.service} cannot serve what another deployment already serves: {clashes}. Each region is "
                f"served by one deployment: change {self.settings.variable('regions')} here or there (a national "
                "deployment leaves out a region that runs its own with `*,-<region>`, e.g. `*,-26`)"
            )

    async def _connect(self) -> None:
        nats_url = redacted(self.settings.nats_url)
        connecting = asyncio.ensure_future(
            until_it_works(self.broker.connect, what="NATS", stop=self._stop, nats=nats_url)
        )
        # nats-py keeps trying the first connection by itself (`max_reconnect_attempts=-1`) and says nothing while
        # it does, so the wait is reported from here: a service waiting for NATS is seen waiting.
        waited = Backoff(CONNECT)
        since = time.monotonic()
        try:
            while not connecting.done():
                await asyncio.wait({connecting}, timeout=waited.failed())
                if not connecting.done():
                    log.warning("waiting for NATS", nats=nats_url, waited_s=round(time.monotonic() - since, 1))
        finally:
            connecting.cancel()
        connecting.result()

    async def stop(self) -> None:
        self._stop.set()
        self._started = False
        for subscriber in self.broker.subscribers:
            await subscriber.stop()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=self.settings.shutdown_timeout)
            for task in pending:
                task.cancel()
            # Let what was cancelled finish its own clean-up (a feed handing back what it held, a relay giving up
            # its lead) before the connection and the database it needs are closed.
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("background task failed", task=task.get_name(), error=repr(task.exception()))
        await close_broker(self.broker, self.settings.shutdown_timeout)
        for close in self._on_stop:
            await close()
        await self.db.close()
        await tracing.flush()
        log.info("service stopped")

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self, *, started: Callable[[], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM; `started` is called once the service has started."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)
        if self.probes is not None:
            # First: while it waits for NATS or its database, the process is alive, and says what it waits for.
            await self.probes.start()
        try:
            # Starting may wait a long time (for NATS, the database, other deployments' answers), and not every
            # wait can be told to give up: SIGTERM ends the start wherever it is, so the process stops promptly.
            starting = asyncio.ensure_future(self.start())
            stopping = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starting
                log.info("stopped before it had started")
                return
            try:
                starting.result()
            except Exception:
                if self._stop.is_set():  # told to stop while still waiting for NATS or the database
                    return
                raise
            if started is not None:
                started()
            await self._stop.wait()
        finally:
            await self.stop()
            if self.probes is not None:
                await self.probes.stop()


PROBE_TIMEOUT = 2.0
"""Seconds readiness, health and a metrics scrape wait for the database or JetStream to answer."""


async def database_state(db: Database, schema: Schema | None, program: str) -> tuple[str, list[str]]:
    """`ok` or what went wrong reaching `db`; and what it lacks for `program` to work on it (readiness)."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), db.read() as session:
            await session.execute(text("SELECT 1"))
            revisions = set(await session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception as exc:
        if "alembic_version" in str(exc):  # reached, and never migrated
            return "ok", [f"database: not migrated (`{program} migrate`, or run --migrate)"]
        return f"error: {type(exc).__name__}", [f"database: unreachable ({type(exc).__name__})"]
    if schema is not None and schema.behind(revisions):
        at, needs = ", ".join(sorted(revisions)) or "none", ", ".join(sorted(schema.heads))
        return "ok", [f"database: at revision {at}, this version needs {needs}: migrate it"]
    return "ok", []


def nats_connected(broker: NatsBroker) -> bool:
    try:
        return bool(broker.config.connection_state.connection.is_connected)
    except Exception:  # not connected yet: the broker has no connection to ask
        return False


@dataclass(frozen=True)
class Schema:
    """A service's Alembic scripts: the revisions they know, and their head(s)."""

    heads: frozenset[str]
    known: frozenset[str]

    @classmethod
    def of(cls, migrations: str) -> Schema:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", migrations)
        scripts = ScriptDirectory.from_config(config)
        return cls(frozenset(scripts.get_heads()), frozenset(r.revision for r in scripts.walk_revisions()))

    def behind(self, revisions: set[str]) -> bool:
        """Whether a database at `revisions` lacks what this version needs. One at a revision these scripts do not
        know was migrated by a newer version: migrations expand before they contract, so the version before
        runs on it while a rolling upgrade replaces its replicas."""
        if revisions == self.heads:
            return False
        return not revisions or all(revision in self.known for revision in revisions)


async def close_broker(broker: NatsBroker, timeout: float) -> None:
    """Drain the connection to NATS, or close it when it cannot drain: with NATS gone, nats-py refuses to drain a
    connection that is reconnecting, and its reconnection loop then kept the process from ever exiting (a stopped
    service outlived the run it belonged to)."""
    try:
        await asyncio.wait_for(broker.stop(), timeout=timeout)
    except Exception as exc:
        log.warning("NATS connection closed without draining", error=repr(exc))
        connection = getattr(broker, "_connection", None)
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=timeout)


def _actor_keys(service: str, settings: ServiceSettings) -> tuple[ActorSigner, ActorVerifier]:
    """The key this service signs its own requests with, and the keys of those it answers."""
    # The service's own variable; settings without the service's prefix (a test's) read the same variable.
    variable = f"VMS_{service.upper()}_ACTOR_KEY"
    key = settings.actor_key.get_secret_value() or os.environ.get(variable, "")
    trusted = settings.actor_public_keys
    if not key or not trusted:
        missing = variable if not key else PUBLIC_KEYS_VARIABLE
        raise StartupError(
            f"set {missing}: every request on the bus is signed by who sends it and verified by who answers "
            "(`vms keys` prints a new set; `vms up` makes one in its data folder)"
        )
    try:
        return ActorSigner(service, private_key(key, variable)), ActorVerifier(public_keys(trusted))
    except KeyConfigurationError as exc:
        raise StartupError(str(exc)) from None


def _regions_text(regions: list[str]) -> str:
    return ("region " if len(regions) == 1 else "regions ") + ",".join(regions)


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "0+unknown"


def _moment(text: str) -> datetime:
    """An ISO time from the command line; without an offset it is Korean time."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=KST)


async def _republish(app: ServiceApp, since: datetime, until: datetime | None) -> int:
    if app.relay is None:
        sys.exit(f"vms-{app.service}: this service publishes no events")
    try:
        return await app.relay.republish(since, until)
    finally:
        await app.db.close()


def _safe_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Command(Generic[S]):
    """A service's own operator command beside `run`, `migrate` and `republish` (`vms-linkage requeue`, say): it
    gets the service's settings, with logging configured, and says what to print."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[S, argparse.Namespace], Coroutine[Any, Any, str]]


def main(
    service: str,
    settings_class: type[S],
    create_app: Callable[[S], ServiceApp],
    migrations: str,
    argv: list[str] | None = None,
    *,
    commands_of_the_service: Sequence[Command[S]] = (),
) -> None:
    """`vms-<service> run [--migrate]`, `vms-<service> migrate`, `vms-<service> republish --since …` and the
    service's own commands, configured by `VMS_<SERVICE>_…` variables."""
    parser = argparse.ArgumentParser(prog=f"vms-{service}", description=f"VMS {service} service")
    commands = parser.add_subparsers(dest="command", required=True)
    own = {command.name: command for command in commands_of_the_service}
    for command in own.values():
        command.arguments(commands.add_parser(command.name, help=command.help, description=command.help))
    run = commands.add_parser("run", help="serve requests and consume events until SIGINT/SIGTERM")
    run.add_argument("--migrate", action="store_true", help="bring the database up to date first")
    commands.add_parser("migrate", help="bring the database up to date and exit")
    republish = commands.add_parser(
        "republish",
        help="publish again the events committed in a time range (after the broker lost them); "
        "the running service's relay sends them, consumers skip what they already handled",
    )
    republish.add_argument("--since", type=_moment, required=True, help="ISO time, e.g. 2026-11-26T09:00 (KST)")
    republish.add_argument("--until", type=_moment, default=None, help="ISO time, exclusive; now if left out")
    args = parser.parse_args(argv)

    try:
        settings = settings_class()
    except ValidationError as exc:
        sys.exit(f"vms-{service}: invalid configuration:\n{configuration_errors(settings_class, exc)}")
    if not settings.database_url:
        sys.exit(f"vms-{service}: set the database URL ({settings.variable('database_url')})")
    configure_logging(service, fmt=settings.log_format, level=settings.log_level)

    if args.command == "migrate" or getattr(args, "migrate", False):
        migrate(settings.database_url, migrations)
        log.info("database migrated", database=_safe_url(settings.database_url))
    if args.command == "republish":
        count = asyncio.run(_republish(create_app(settings), args.since, args.until))
        log.info("events marked for publishing again", events=count, since=str(args.since), until=str(args.until))
        within = f"within {FULL_PASS_SECONDS:.0f} s"
        print(f"{count} events will be published again by the running {service} service ({within})")
    if args.command in own:
        print(asyncio.run(own[args.command].run(settings, args)))
    if args.command == "run":
        try:
            app = create_app(settings)
            asyncio.run(app.run(started=settle_heap))
        except StartupError as exc:
            log.error("cannot start", reason=str(exc))
            sys.exit(2)
