"""Traces: which OTEL_* variables turn them on and where they send spans, and one trace from a gateway's HTTP request
through the request it sends on NATS, the handler that stages an event, the relay that publishes it later, to the
consumer of another service that handles it, on a real NATS server. Spans are read from OpenTelemetry's own
in-memory exporter; nothing is sent anywhere."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import nats
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vms_contracts.envelope import decode_event
from vms_contracts.rpc.registry import GET_VOLUNTEER, REGISTER_CENTRE, RegisterCentre, VolunteerRef
from vms_contracts.subjects import Bus
from vms_gateway.app import create_app as create_gateway
from vms_gateway.db import MIGRATIONS as GATEWAY_MIGRATIONS
from vms_gateway.settings import GatewaySettings
from vms_hours.app import create_app as create_hours
from vms_hours.settings import HoursSettings
from vms_platform import tracing
from vms_platform.consumer import EventConsumer, PermanentError
from vms_platform.db import Database, migrate, new_metadata
from vms_platform.deadletter import DeadLetters
from vms_platform.inbox import inbox_table
from vms_platform.jetstream import CONSUMERS
from vms_platform.logging import Origin
from vms_platform.outbox import Outbox, OutboxRelay, outbox_table
from vms_platform.rpc import RemoteError
from vms_platform.runtime import ServiceApp, StartupError
from vms_platform.testing import eventually, hours_confirmed, rpc_client, running, use_test_keys
from vms_registry.app import create_app as create_registry
from vms_registry.db import outbox as registry_outbox
from vms_registry.settings import RegistrySettings

REGISTRY_MIGRATIONS = str(files("vms_registry") / "migrations")
HOURS_MIGRATIONS = str(files("vms_hours") / "migrations")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test, every span kept in memory as it ends; off again afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)
        provider.shutdown()


def one(found: Sequence[ReadableSpan], **wanted: Any) -> ReadableSpan:
    """The only span among `found` with these `name` and `kind`."""
    matching = [s for s in found if all(getattr(s, key) == value for key, value in wanted.items())]
    assert len(matching) == 1, (wanted, [(s.name, s.kind) for s in found])
    return matching[0]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.trace_id


def traceparent_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"00-{trace_id(span):032x}-{span_id(span):016x}-{span.context.trace_flags:02x}"


# -- what the variables ask for ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"OTEL_SERVICE_NAME": "vms-hours", "OTEL_TRACES_SAMPLER": "always_on"},
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
        {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"},
        {"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"},
    ],
)
def test_traces_are_off_unless_the_variables_ask_for_them(environ: dict[str, str]) -> None:
    assert tracing.TraceExport.from_environment("hours", environ) is None
    assert tracing.configure("hours", environ) is None
    assert tracing.active() is None


def test_an_exporter_or_an_endpoint_turns_them_on() -> None:
    asked = tracing.TraceExport.from_environment("hours", {"OTEL_TRACES_EXPORTER": "otlp"})
    assert asked is not None
    assert (asked.service_name, asked.exporters, asked.endpoint) == (
        "vms-hours",
        ("otlp",),
        "http://localhost:4318/v1/traces",
    )
    by_endpoint = tracing.TraceExport.from_environment("gateway", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"})
    assert by_endpoint is not None
    assert (by_endpoint.service_name, by_endpoint.exporters, by_endpoint.endpoint) == (
        "vms-gateway",
        ("otlp",),
        "http://c:4318/v1/traces",
    )


def test_the_otlp_variables_choose_the_exporter_its_endpoint_and_what_is_sampled() -> None:
    environ = {
        "OTEL_TRACES_EXPORTER": "otlp,console",
        "OTEL_SERVICE_NAME": "hours-busan",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging,vms.region=26,service.name=ignored",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example:4318/v1/traces",
        "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20abc,x-tenant=vms",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500",
        "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.25",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    asked = tracing.TraceExport.from_environment("hours", environ)
    assert asked is not None
    assert asked.exporters == ("otlp", "console")
    assert asked.endpoint == "https://traces.example:4318/v1/traces", "the traces endpoint wins over the base one"
    assert asked.headers == {"authorization": "Bearer abc", "x-tenant": "vms"}
    assert asked.timeout == 2.5, "the variables give milliseconds"
    assert (asked.compression, asked.sampler, asked.sampler_ratio, asked.schedule_delay_ms) == (
        "gzip",
        "parentbased_traceidratio",
        0.25,
        200,
    )

    provider = asked.provider()
    try:
        assert provider.resource.attributes["service.name"] == "hours-busan"
        assert provider.resource.attributes["deployment.environment"] == "staging"
        assert provider.sampler.get_description().startswith("ParentBased{root:TraceIdRatioBased{0.25}")
        processors = provider._active_span_processor._span_processors
        exporters = [processor.span_exporter for processor in processors]  # type: ignore[attr-defined]
        assert [type(e).__name__ for e in exporters] == ["OTLPSpanExporter", "ConsoleSpanExporter"]
        otlp = exporters[0]
        assert isinstance(otlp, OTLPSpanExporter)
        assert otlp._endpoint == "https://traces.example:4318/v1/traces"
    finally:
        provider.shutdown()


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "OTEL_TRACES_EXPORTER"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER_ARG": "half"}, "OTEL_TRACES_SAMPLER_ARG"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, "OTEL_EXPORTER_OTLP_TIMEOUT"),
    ],
)
def test_a_variable_asking_for_what_cannot_be_done_is_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(tracing.TracingConfigurationError, match=named):
        tracing.TraceExport.from_environment("hours", environ)


def test_a_service_asked_for_what_cannot_be_done_does_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(StartupError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        create_hours(HoursSettings(database_url=f"sqlite:///{tmp_path / 'hours.db'}"))
    assert tracing.active() is None


# -- one trace across the services -----------------------------------------------------------------------------


async def gateway_client(stack: AsyncExitStack, nats_url: str, bus: Bus, tmp_path: Path) -> httpx.AsyncClient:
    """The gateway in this process, connected to NATS, its database migrated; a client of its HTTP API."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    await asyncio.to_thread(migrate, url, GATEWAY_MIGRATIONS)
    settings = GatewaySettings(
        nats_url=nats_url,
        database_url=url,
        bus_root=bus.root,
        actor_key=use_test_keys()["VMS_GATEWAY_ACTOR_KEY"],
        password_profile="CHEAPEST",
    )
    app = create_gateway(settings)
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://gateway"))


async def services(stack: AsyncExitStack, nats_url: str, bus: Bus, tmp_path: Path) -> dict[str, ServiceApp]:
    """The registry and hours (whose `hours-registry` consumer follows the registry's events), started here."""
    common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root, "relay_poll_interval": 0.05}
    registry = create_registry(RegistrySettings(database_url=f"sqlite:///{tmp_path / 'registry.db'}", **common))
    hours = create_hours(HoursSettings(database_url=f"sqlite:///{tmp_path / 'hours.db'}", **common))
    await stack.enter_async_context(running(registry, REGISTRY_MIGRATIONS))
    await stack.enter_async_context(running(hours, HOURS_MIGRATIONS))
    return {"registry": registry, "hours": hours}


async def published_headers(nats_url: str, bus: Bus, stream: str) -> list[dict[str, str]]:
    """The headers of every message `stream` holds, as the relay published them."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = bus.stream_name(stream)
        state = (await js.stream_info(name)).state
        return [
            dict((await js.get_msg(name, sequence)).headers or {})
            for sequence in range(max(state.first_seq, 1), state.last_seq + 1)
        ]
    finally:
        await nc.close()


SIGN_UP = {
    "login_id": "trace_kim",
    "name": "김영희",
    "birth_date": "1999-09-09",
    "phone": "010-2222-3333",
    "region": "26",
    "password": "test-password-1234",
}


async def test_one_trace_runs_from_the_http_request_to_the_consumer_of_the_event_it_caused(
    spans: InMemorySpanExporter, nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    """회원가입 through the gateway: the registry registers the volunteer and stages `volunteer.registered`, its relay
    publishes it, and hours (`hours-registry`) keeps its copy. Every step is a span of one trace, each the child of
    the one before, and the ids the request and the event carry are on them."""
    async with AsyncExitStack() as stack:
        await services(stack, nats_url, bus, tmp_path)
        client = await gateway_client(stack, nats_url, bus, tmp_path)

        answer = await client.post("/api/v1/volunteers", json=SIGN_UP, headers={"X-Request-ID": "req-trace-1"})
        assert answer.status_code == 201, answer.text
        volunteer_id = answer.json()["volunteer"]["id"]

        def consumed() -> list[ReadableSpan]:
            return [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]

        async def consumer_span() -> list[ReadableSpan]:
            return consumed()

        await eventually(consumer_span, what="hours handling volunteer.registered")
        finished = spans.get_finished_spans()

        http = one(finished, name="POST /api/v1/volunteers", kind=SpanKind.SERVER)
        client_span = one(finished, name="registry.register_volunteer", kind=SpanKind.CLIENT)
        server = one(finished, name="registry.register_volunteer", kind=SpanKind.SERVER)
        subject = bus.event_subject("26", "registry", "volunteer.registered")
        producer = one(finished, name=f"send {subject}", kind=SpanKind.PRODUCER)
        consumer = one(finished, name=f"process {subject}", kind=SpanKind.CONSUMER)

        assert {trace_id(s) for s in (http, client_span, server, producer, consumer)} == {trace_id(http)}
        assert http.parent is None
        assert parent_of(client_span) == span_id(http)
        assert parent_of(server) == span_id(client_span)
        assert parent_of(producer) == span_id(server), "the relay continues the trace the outbox row kept"
        assert parent_of(consumer) == span_id(producer)

        assert http.attributes is not None
        assert http.attributes["http.route"] == "/api/v1/volunteers"
        assert http.attributes["http.response.status_code"] == 201
        assert http.attributes["vms.correlation_id"] == "req-trace-1"
        assert "url.query" not in http.attributes and "url.path" not in http.attributes

        rpc_subject = bus.rpc_subject("26", "registry", "register_volunteer")
        for rpc_span in (client_span, server):
            assert rpc_span.attributes is not None
            assert rpc_span.attributes["messaging.system"] == "nats"
            assert rpc_span.attributes["messaging.destination.name"] == rpc_subject
            assert rpc_span.attributes["rpc.service"] == "registry"
            assert rpc_span.attributes["rpc.method"] == "register_volunteer"
            assert rpc_span.attributes["vms.operation"] == "registry.register_volunteer"
            assert rpc_span.attributes["vms.outcome"] == "ok"
        assert server.attributes is not None
        assert server.attributes["vms.causation_id"] == server.attributes["vms.correlation_id"] == "req-trace-1"

        async with Database(f"sqlite:///{tmp_path / 'registry.db'}").transaction() as session:
            (row,) = (
                await session.execute(select(registry_outbox).where(registry_outbox.c.type.like("%registered%")))
            ).all()
        event_id = str(row.id)
        staged = json.loads(row.payload)
        assert staged["traceparent"] == traceparent_of(server), "the event keeps the trace it was created in"
        assert staged["data"]["volunteer_id"] == volunteer_id

        for event_span in (producer, consumer):
            assert event_span.attributes is not None
            assert event_span.attributes["messaging.system"] == "nats"
            assert event_span.attributes["messaging.destination.name"] == subject
            assert event_span.attributes["vms.event_id"] == event_id
            assert event_span.attributes["vms.causation_id"] == "req-trace-1"
            assert event_span.attributes["vms.correlation_id"] == "req-trace-1"
        assert producer.attributes is not None and producer.attributes["vms.outcome"] == "published"
        assert consumer.attributes is not None
        assert consumer.attributes["messaging.consumer.group.name"] == "hours-registry"
        assert consumer.attributes["vms.outcome"] == "handled"

        (sent,) = [h for h in await published_headers(nats_url, bus, "REGISTRY") if h.get("Nats-Msg-Id") == event_id]
        assert sent["traceparent"] == traceparent_of(producer), "the context travels in the message's headers"

        # A route with an id in its path is named after its template, never after the path as sent.
        read = await client.get(f"/api/v1/volunteers/{volunteer_id}")
        assert read.status_code == 200, read.text
        named = one(spans.get_finished_spans(), name="GET /api/v1/volunteers/{volunteer_id}", kind=SpanKind.SERVER)
        assert volunteer_id not in named.name
        assert parent_of(one(spans.get_finished_spans(), name="registry.get_volunteer", kind=SpanKind.CLIENT)) == (
            span_id(named)
        )
        missing = await client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        assert one(spans.get_finished_spans(), name="GET", kind=SpanKind.SERVER).status.status_code is StatusCode.UNSET


async def test_a_client_sending_a_trace_context_continues_its_own_trace(
    spans: InMemorySpanExporter, nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        client = await gateway_client(stack, nats_url, bus, tmp_path)
        traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        await client.get("/livez", headers={"traceparent": traceparent})
        span = one(spans.get_finished_spans(), kind=SpanKind.SERVER)
        assert span.name == "GET /livez"
        assert trace_id(span) == 0x0AF7651916CD43DD8448EB211C80319C
        assert parent_of(span) == 0xB7AD6B7169203331


async def test_a_refusal_is_on_the_spans_and_only_a_failure_of_the_server_is_an_error(
    spans: InMemorySpanExporter, nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        apps = await services(stack, nats_url, bus, tmp_path)
        rpc = rpc_client(apps["registry"].broker, bus)
        with pytest.raises(RemoteError) as refused:
            await rpc.call(GET_VOLUNTEER, VolunteerRef(volunteer_id=UUID("01a2172c-0000-7000-8000-000000000000")))
        assert refused.value.body.kind.value == "not_found"
        finished = spans.get_finished_spans()
        server = one(finished, name="registry.get_volunteer", kind=SpanKind.SERVER)
        caller = one(finished, name="registry.get_volunteer", kind=SpanKind.CLIENT)
        assert server.attributes is not None and caller.attributes is not None
        assert server.attributes["vms.outcome"] == caller.attributes["vms.outcome"] == "not_found"
        assert server.status.status_code is StatusCode.UNSET, "the service answered as it should"
        assert caller.status.status_code is StatusCode.ERROR, "the caller did not get what it asked for"


async def test_with_tracing_off_no_span_is_made_and_no_header_or_context_is_added(
    nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    """Without the OTEL_* variables: no tracer (so no span), and a request, its event and the published message are
    exactly what they were before traces existed."""
    assert tracing.active() is None
    asked: list[dict[str, str]] = []
    nc = await nats.connect(nats_url)

    async def overhear(msg: Any) -> None:
        asked.append(dict(msg.headers or {}))

    await nc.subscribe(bus.rpc_subject("26", "registry", "register_centre"), cb=overhear)
    try:
        async with AsyncExitStack() as stack:
            apps = await services(stack, nats_url, bus, tmp_path)
            rpc = rpc_client(apps["registry"].broker, bus)
            centre = await rpc.call(REGISTER_CENTRE, RegisterCentre(name="행복복지관", region="26"), request_id="r-1")

            async def relayed() -> list[dict[str, str]]:
                return await published_headers(nats_url, bus, "REGISTRY")

            (sent,) = await eventually(relayed, what="centre.registered published")
            async with apps["registry"].db.transaction() as session:
                (row,) = (await session.execute(select(registry_outbox))).all()
    finally:
        await nc.close()
    assert str(centre.id) in row.payload.decode()
    assert "traceparent" not in json.loads(row.payload)
    assert asked and all("traceparent" not in headers for headers in asked)
    assert "traceparent" not in sent
    assert tracing.active() is None


def test_a_failure_on_a_span_keeps_no_value_the_database_was_given(spans: InMemorySpanExporter) -> None:
    tracer = tracing.active()
    assert tracer is not None
    refused = IntegrityError(
        "INSERT INTO accounts (login, name) VALUES (?, ?)",
        ("kim_younghee", "김영희"),
        sqlite3.IntegrityError("UNIQUE constraint failed: accounts.login"),
    )
    with tracer.start_as_current_span("registry.register_volunteer") as span:
        tracing.failed(span, refused, outcome="internal")
    (finished,) = spans.get_finished_spans()
    assert finished.status.status_code is StatusCode.ERROR
    (exception,) = finished.events
    assert exception.attributes is not None
    kept = " ".join(str(value) for value in exception.attributes.values()) + str(finished.status.description)
    assert "UNIQUE constraint failed: accounts.login" in kept
    assert "김영희" not in kept and "kim_younghee" not in kept


# -- the outbox keeps the trace; the consumer reports what became of each event --------------------------------------

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("tracing"))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.close()


class Published:
    """Stands in for JetStream: the headers each message was published with; fails while `failing`."""

    def __init__(self) -> None:
        self.headers: dict[str, dict[str, str] | None] = {}
        self.failing = False

    async def __call__(
        self, subject: str, payload: bytes, *, msg_id: str, stream: str, headers: dict[str, str] | None = None
    ) -> None:
        if self.failing:
            raise TimeoutError("no acknowledgement")
        self.headers[msg_id] = headers


async def test_the_trace_that_staged_an_event_survives_in_it_until_a_relay_publishes_it(
    spans: InMemorySpanExporter, db: Database
) -> None:
    tracer = tracing.active()
    assert tracer is not None
    staging = Outbox(outbox, bus=Bus(), source="/vms/test")
    with tracer.start_as_current_span("registry.register_volunteer") as request:
        async with db.transaction() as session:
            (envelope,) = await staging.stage_many(session, [(hours_confirmed().data, "11")])
    event_id = str(envelope.id)

    # Another replica's relay, with nothing in memory of the request: what it continues is in the event it reads.
    published = Published()
    relay = OutboxRelay(db, Outbox(outbox, bus=Bus(), source="/vms/other"), published, poll_interval=0.05)
    published.failing = True
    assert await relay.publish_pending() == (0, 1)
    published.failing = False
    assert await relay.publish_pending() == (1, 0)

    failed, sent = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    request_context = request.get_span_context()
    for attempt in (failed, sent):
        assert attempt.parent is not None
        assert (attempt.parent.trace_id, attempt.parent.span_id) == (request_context.trace_id, request_context.span_id)
        assert attempt.attributes is not None and attempt.attributes["vms.event_id"] == event_id
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes is not None and failed.attributes["vms.outcome"] == "failed"
    assert [event.name for event in failed.events] == ["exception"]
    assert sent.attributes is not None and sent.attributes["vms.outcome"] == "published"
    assert published.headers[event_id] == {"traceparent": traceparent_of(sent)}


async def test_events_staged_together_for_several_requests_each_continue_their_own_trace(
    spans: InMemorySpanExporter, db: Database
) -> None:
    """Confirmations coalesced into one transaction (`vms_platform.aio.Coalescer`) stage their events together,
    each naming its own request as its cause: each row keeps the trace of that request."""
    tracer = tracing.active()
    assert tracer is not None
    staging = Outbox(outbox, bus=Bus(), source="/vms/test")
    first, second = tracer.start_span("first"), tracer.start_span("second")
    with tracing.handling("req-1", first), tracing.handling("req-2", second):
        async with db.transaction() as session:
            await staging.stage_many(
                session,
                [(hours_confirmed().data, "11"), (hours_confirmed().data, "11")],
                origins=[Origin("req-1", "req-1", None), Origin("req-2", "req-2", None)],
            )
    first.end()
    second.end()
    by_request = {event["causationid"]: event["traceparent"] for event in await events(db)}
    for request_id, span in (("req-1", first), ("req-2", second)):
        context = span.get_span_context()
        assert by_request[request_id] == f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


async def test_every_event_a_transaction_stages_keeps_its_trace(spans: InMemorySpanExporter, db: Database) -> None:
    """Many at once (copied in on PostgreSQL), each row with the context of the span that staged them."""
    tracer = tracing.active()
    assert tracer is not None
    staging = Outbox(outbox, bus=Bus(), source="/vms/test")
    with tracer.start_as_current_span("hours.record_activities") as request:
        async with db.transaction() as session:
            await staging.stage_many(session, [(hours_confirmed().data, "11") for _ in range(20)])
    context = request.get_span_context()
    expected = f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    kept = await events(db)
    assert len(kept) == 20
    assert all(event["traceparent"] == expected and "tracestate" not in event for event in kept)
    assert all(decode_event(json.dumps(event).encode()).type == event["type"] for event in kept), "still an event"


async def events(db: Database) -> list[dict[str, Any]]:
    """The events the outbox holds, as they will be published."""
    async with db.transaction() as session:
        return [json.loads(row.payload) for row in (await session.execute(select(outbox))).all()]


class Parked:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def __call__(self, subject: str, payload: bytes, **kwargs: Any) -> None:
        self.reasons.append(kwargs["headers"]["Vms-Dead-Reason"])


async def test_a_consumer_span_says_what_became_of_each_event(
    spans: InMemorySpanExporter, db: Database, nats_url: str, bus: Bus
) -> None:
    """One event is handled, one the handler refuses for good (parked); each a CONSUMER span, the child of the
    context it was published with. One published by a relay that did not trace continues the trace it was created
    in."""
    tracer = tracing.active()
    assert tracer is not None
    good, poison, untraced = hours_confirmed(), hours_confirmed(), hours_confirmed()

    async def on_hours_confirmed(_session: Any, events: list[Any]) -> None:
        if any(e.id == poison.id for e in events):
            raise PermanentError("no such volunteer")

    parked = Parked()
    consumer = EventConsumer(
        CONSUMERS["rewards-hours"],
        {type(good.data): on_hours_confirmed},
        db=db,
        inbox=inbox,
        bus=bus,
        deadletters=DeadLetters(bus, parked),
    )
    nc = await nats.connect(nats_url)
    stop = asyncio.Event()
    try:
        js = nc.jetstream()
        producers = {}
        for envelope in (good, poison):
            span = tracer.start_span(f"send {envelope.id}")
            producers[envelope.id] = span
            await js.publish(envelope.nats_subject(bus), envelope.to_json(), headers=tracing.producing(span))
            span.end()
        created = producers[untraced.id] = tracer.start_span("hours.confirm_activity")
        context = tracing.creation_context(None)
        assert context is None, "no span is current here"
        with tracing.handling("req-untraced", created):
            context = tracing.creation_context("req-untraced")
        assert context is not None
        created.end()
        payload = tracing.with_creation_context(untraced.to_json(), context)
        await js.publish(untraced.nats_subject(bus), payload)
        loop = asyncio.create_task(consumer.run(nc, stop, batch_size=500))

        async def all_done() -> bool:
            return len([s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]) == 3

        await eventually(all_done, what="every event handled or parked")
        stop.set()
        await asyncio.wait_for(loop, 5.0)
    finally:
        stop.set()
        await nc.close()

    processed = {
        s.attributes["vms.event_id"]: s
        for s in spans.get_finished_spans()
        if s.kind is SpanKind.CONSUMER and s.attributes is not None
    }
    assert set(processed) == {str(good.id), str(poison.id), str(untraced.id)}
    for envelope in (good, poison, untraced):
        assert parent_of(processed[str(envelope.id)]) == producers[envelope.id].get_span_context().span_id
    handled, refused = processed[str(good.id)], processed[str(poison.id)]
    assert handled.attributes is not None and handled.attributes["vms.outcome"] == "handled"
    assert handled.status.status_code is StatusCode.UNSET
    assert refused.attributes is not None and refused.attributes["vms.outcome"] == "parked"
    assert refused.status.status_code is StatusCode.ERROR
    assert [event.name for event in refused.events] == ["exception"]
    assert len(parked.reasons) == 1
