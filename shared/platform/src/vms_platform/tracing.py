"""Traces (OpenTelemetry): one trace follows a change from the gateway's HTTP request through the request it sends
on NATS, the handler that answers it, the event that handler stages, the relay that publishes the event and every
consumer that handles it.

Off unless the standard variables ask for it: `OTEL_TRACES_EXPORTER=otlp` (or `console`), or an OTLP endpoint
(`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` turns it off
whatever else is set. While it is off, `active()` is None and every instrumented path takes its old way after that
one check: no span, no header, nothing added to an event.

The context travels as the W3C `traceparent` and `tracestate` headers: in the headers of every request a service
sends (`vms_platform.rpc`) and of every event the relay publishes (`vms_platform.outbox`). Between the transaction
that stages an event and the relay that publishes it (perhaps in another replica, perhaps after a restart), the
event itself keeps the context it was created in, as CloudEvents' distributed tracing extension has it: the
envelope's `traceparent` and `tracestate` attributes, written only when the staging span is recording. The
causation and correlation ids the envelope and the requests already carry become span attributes
(`vms.causation_id`, `vms.correlation_id`), so a trace and the log lines of the same change are found by the same
id.

The provider is the process's own, not OpenTelemetry's global one: no library adds spans of its own to ours
(FastAPI's built-in telemetry would record query strings, which may hold a name or a phone number).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import traceback
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.re import parse_env_headers
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import StatementError

from vms_contracts.envelope import Envelope
from vms_platform.logging import get_logger, scrub

if TYPE_CHECKING:
    # The SDK is loaded only by a process that traces (`TraceExport.provider`); the API alone is what runs
    # while tracing is off.
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.sdk.trace.sampling import Sampler

log = get_logger("vms.tracing")

# -- attributes ----------------------------------------------------------------------------------------------------

MESSAGING_SYSTEM = "messaging.system"
DESTINATION = "messaging.destination.name"
OPERATION_TYPE = "messaging.operation.type"
MESSAGE_ID = "messaging.message.id"
CONSUMER_GROUP = "messaging.consumer.group.name"
RPC_SYSTEM = "rpc.system"
RPC_SERVICE = "rpc.service"
RPC_METHOD = "rpc.method"
ERROR_TYPE = "error.type"
EVENT_ID = "vms.event_id"
EVENT_TYPE = "vms.event_type"
CAUSATION_ID = "vms.causation_id"
CORRELATION_ID = "vms.correlation_id"
OPERATION = "vms.operation"
"""The request's operation, `<service>.<name>` (the row of the permission matrix that governs it)."""
REGION = "vms.region"
OUTCOME = "vms.outcome"
"""`ok`, or a refusal's kind (`not_found`, `internal`, …) for a request; `handled`, `duplicate`, `retry` or
`parked` for an event a consumer was given; `published` or `failed` for an event the relay sent."""
NATS = "nats"

# -- the process's tracer ------------------------------------------------------------------------------------------


class _Tracing:
    """What `install` set: the provider, and the one tracer every span of this process is made by."""

    provider: TracerProvider | None = None
    tracer: Tracer | None = None


_state = _Tracing()


def active() -> Tracer | None:
    """The tracer, or None while tracing is off (the check every instrumented path makes first)."""
    return _state.tracer


def install(provider: TracerProvider | None) -> None:
    """Make `provider` this process's (None: tracing off). `configure` does it from the environment; tests install
    a provider with an in-memory exporter."""
    _state.provider = provider
    _state.tracer = provider.get_tracer("vms", _package_version("vms-platform")) if provider is not None else None


def configure(program: str, environ: Mapping[str, str] | None = None) -> TracerProvider | None:
    """Set tracing up for this process as the OTEL_* variables ask (`TraceExport.from_environment`), once: a
    process that already has a provider keeps it. Returns the provider, None while tracing is off.
    `TracingConfigurationError` names a variable set to something this cannot do."""
    if _state.provider is not None:
        return _state.provider
    export = TraceExport.from_environment(program, os.environ if environ is None else environ)
    if export is None:
        return None
    provider = export.provider()
    install(provider)
    log.info(
        "traces exported",
        service_name=export.service_name,
        exporters=list(export.exporters),
        endpoint=scrub(export.endpoint) if "otlp" in export.exporters else None,
        sampler=export.sampler,
    )
    return provider


async def flush(timeout: float = 5.0) -> None:
    """Send the spans still waiting in the exporter's queue (a stopping process), in a thread: exporting blocks."""
    provider = _state.provider
    if provider is not None:
        await asyncio.to_thread(provider.force_flush, int(timeout * 1000))


# -- configuration from the standard variables ---------------------------------------------------------------------


class TracingConfigurationError(ValueError):
    """An OTEL_* variable asks for something this process cannot do; the message names it."""


Exporter = Literal["otlp", "console"]
OtlpProtocol = Literal["http/protobuf"]
SamplerName = Literal[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
]
Compression = Literal["none", "gzip", "deflate"]


class TraceExport(BaseModel):
    """Where spans go and which are kept, as the standard OTEL_* variables say (the OpenTelemetry SDK's
    environment specification), read from a mapping rather than from the process's environment directly so that
    what a set of variables means can be checked without a collector."""

    model_config = ConfigDict(frozen=True)

    service_name: str = Field(description="`service.name`: OTEL_SERVICE_NAME, else `vms-<program>`")
    resource: dict[str, str] = Field(default_factory=dict, description="OTEL_RESOURCE_ATTRIBUTES")
    exporters: tuple[Exporter, ...] = ("otlp",)
    endpoint: str = Field(
        default="http://localhost:4318/v1/traces",
        description="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces",
    )
    protocol: OtlpProtocol = Field(
        default="http/protobuf", description="the only one installed: an OpenTelemetry Collector takes it on port 4318"
    )
    headers: dict[str, str] = Field(default_factory=dict, description="OTEL_EXPORTER_OTLP_(TRACES_)HEADERS")
    timeout: float = Field(default=10.0, gt=0, description="seconds; the variables give milliseconds")
    compression: Compression = "none"
    certificate: str | None = None
    client_key: str | None = None
    client_certificate: str | None = None
    sampler: SamplerName = "parentbased_always_on"
    sampler_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    schedule_delay_ms: int = Field(default=5000, ge=0)
    export_timeout_ms: int = Field(default=30000, ge=0)
    max_queue_size: int = Field(default=2048, ge=1)
    max_export_batch_size: int = Field(default=512, ge=1)

    @classmethod
    def from_environment(cls, program: str, environ: Mapping[str, str]) -> TraceExport | None:
        """What `environ` asks for; None when it asks for no traces, which is the default (unlike the
        specification's, whose default exporter is `otlp`: nobody is sent spans who did not ask for them)."""

        def get(*names: str) -> str | None:
            for name in names:
                value = environ.get(name, "").strip()
                if value:
                    return value
            return None

        if (get("OTEL_SDK_DISABLED") or "").lower() == "true":
            return None
        named = [n.strip().lower() for n in (get("OTEL_TRACES_EXPORTER") or "").split(",") if n.strip()]
        endpoint = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        base = get("OTEL_EXPORTER_OTLP_ENDPOINT")
        if not named:
            if endpoint is None and base is None:
                return None
            named = ["otlp"]
        exporters = [n for n in named if n != "none"]
        if not exporters:
            return None
        values: dict[str, Any] = {
            "service_name": get("OTEL_SERVICE_NAME")
            or _resource_attributes(environ).get("service.name")
            or f"vms-{program}",
            "resource": _resource_attributes(environ),
            "exporters": tuple(exporters),
            "headers": parse_env_headers(
                get("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS") or "", liberal=True
            ),
            "certificate": get("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"),
            "client_key": get("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
            "client_certificate": get(
                "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"
            ),
        }
        if endpoint is not None:
            values["endpoint"] = endpoint
        elif base is not None:
            values["endpoint"] = f"{base.removesuffix('/')}/v1/traces"
        optional = {
            "protocol": ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"),
            "compression": ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"),
            "sampler": ("OTEL_TRACES_SAMPLER",),
            "sampler_ratio": ("OTEL_TRACES_SAMPLER_ARG",),
            "schedule_delay_ms": ("OTEL_BSP_SCHEDULE_DELAY",),
            "export_timeout_ms": ("OTEL_BSP_EXPORT_TIMEOUT",),
            "max_queue_size": ("OTEL_BSP_MAX_QUEUE_SIZE",),
            "max_export_batch_size": ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE",),
        }
        variables = {field: names for field, names in optional.items() if get(*names) is not None}
        values |= {field: get(*names) for field, names in variables.items()}
        timeout = get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
        if timeout is not None:
            variables["timeout"] = ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
            values["timeout"] = _milliseconds(timeout)
        variables |= {"exporters": ("OTEL_TRACES_EXPORTER",)}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise TracingConfigurationError(_describe(exc, variables)) from None

    def provider(self) -> TracerProvider:
        """A provider that exports as configured, its spans batched in a thread of their own."""
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=self._resource(), sampler=self._sampler(), shutdown_on_exit=True)
        for exporter in self._exporters():
            provider.add_span_processor(
                BatchSpanProcessor(
                    exporter,
                    max_queue_size=self.max_queue_size,
                    schedule_delay_millis=self.schedule_delay_ms,
                    max_export_batch_size=min(self.max_export_batch_size, self.max_queue_size),
                    export_timeout_millis=self.export_timeout_ms,
                )
            )
        return provider

    def _resource(self) -> Resource:
        from opentelemetry.sdk.resources import Resource

        return Resource(
            {
                "telemetry.sdk.language": "python",
                "telemetry.sdk.name": "opentelemetry",
                "telemetry.sdk.version": _package_version("opentelemetry-sdk"),
                **self.resource,
                "service.name": self.service_name,
            }
        )

    def _sampler(self) -> Sampler:
        from opentelemetry.sdk.trace.sampling import (
            ALWAYS_OFF,
            ALWAYS_ON,
            ParentBased,
            ParentBasedTraceIdRatio,
            TraceIdRatioBased,
        )

        samplers: dict[SamplerName, Sampler] = {
            "always_on": ALWAYS_ON,
            "always_off": ALWAYS_OFF,
            "traceidratio": TraceIdRatioBased(self.sampler_ratio),
            "parentbased_always_on": ParentBased(ALWAYS_ON),
            "parentbased_always_off": ParentBased(ALWAYS_OFF),
            "parentbased_traceidratio": ParentBasedTraceIdRatio(self.sampler_ratio),
        }
        return samplers[self.sampler]

    def _exporters(self) -> list[SpanExporter]:
        from opentelemetry.exporter.otlp.proto.http import Compression as OtlpCompression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        exporters: list[SpanExporter] = []
        for name in self.exporters:
            if name == "console":
                exporters.append(ConsoleSpanExporter(service_name=self.service_name))
                continue
            exporters.append(
                OTLPSpanExporter(
                    endpoint=self.endpoint,
                    certificate_file=self.certificate,
                    client_key_file=self.client_key,
                    client_certificate_file=self.client_certificate,
                    headers=self.headers,
                    timeout=self.timeout,
                    compression=OtlpCompression(self.compression),
                )
            )
        return exporters


def _resource_attributes(environ: Mapping[str, str]) -> dict[str, str]:
    """OTEL_RESOURCE_ATTRIBUTES: `key=value,key=value`, values percent-encoded; a pair without `=` is left out."""
    attributes: dict[str, str] = {}
    for pair in environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, equals, value = pair.partition("=")
        if equals and key.strip():
            attributes[key.strip()] = unquote(value.strip())
    return attributes


def _milliseconds(value: str) -> float | str:
    """A timeout the variables give in milliseconds, in seconds (a value that is no number is refused later)."""
    try:
        return float(value) / 1000
    except ValueError:
        return value


def _describe(exc: ValidationError, variables: Mapping[str, tuple[str, ...]]) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        names = " or ".join(variables.get(field, (field,)))
        lines.append(f"{names}: {error['msg']} (given {scrub(repr(error.get('input')))})")
    return "; ".join(lines)


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "0+unknown"


# -- carrying the context ------------------------------------------------------------------------------------------


def inject(headers: dict[str, str], context: Context | None = None) -> None:
    """Add the context (the current one by default) to `headers`: `traceparent`, and `tracestate` if it has one."""
    propagate.inject(headers, context=context)


def extract(headers: Mapping[str, Any] | None) -> Context:
    """The context a message's headers carry; an empty one (a new trace) when they carry none."""
    return propagate.extract(headers or {}, context=Context())


def producing(span: Span) -> dict[str, str]:
    """The headers that make what a message causes a child of `span`."""
    headers: dict[str, str] = {}
    inject(headers, trace.set_span_in_context(span, Context()))
    return headers


_causes: dict[str, Span] = {}
"""The span of each request and event being handled now, by the id that its events name as their cause
(`Envelope.causationid`): events staged later than the request that caused them, together with those of others
(`vms_platform.aio.Coalescer`), still continue the trace of their own request."""


@contextlib.contextmanager
def handling(cause: str | None, span: Span) -> Iterator[None]:
    """While `cause` (a request id, an event id) is handled, events whose causation id it is are traced under
    `span` (`creation_context`)."""
    if cause is None:
        yield
        return
    _causes[cause] = span
    try:
        yield
    finally:
        if _causes.get(cause) is span:
            del _causes[cause]


_W3C = TraceContextTextMapPropagator()
"""The envelope's extension is W3C trace context by definition, whatever propagators the headers use."""


def creation_context(cause: str | None) -> dict[str, str] | None:
    """The trace context an event staged now is created in (`traceparent`, and `tracestate` if there is one): that
    of the span handling `cause` if there is one, else of the current span. None when that span is not recording
    (tracing off, or a trace not sampled): the event is then written as it always was."""
    span = _causes.get(cause) if cause is not None else None
    if span is None:
        span = trace.get_current_span()
    if not span.is_recording():
        return None
    context: dict[str, str] = {}
    _W3C.inject(context, trace.set_span_in_context(span, Context()))
    return context


def with_creation_context(payload: bytes, context: Mapping[str, str]) -> bytes:
    """The envelope `payload` (a JSON object) with the extension attributes of `context` added at its end."""
    attributes = json.dumps(dict(context), separators=(",", ":")).encode()
    return payload[:-1] + b"," + attributes[1:]


def _envelope_of(payload: bytes) -> dict[str, Any] | None:
    """The envelope as JSON if it carries a trace context, else None (the usual case read without parsing)."""
    if b'"traceparent"' not in payload:
        return None
    try:
        envelope = json.loads(payload)
    except ValueError:
        return None
    return envelope if isinstance(envelope, dict) and isinstance(envelope.get("traceparent"), str) else None


def _created_in(envelope: Mapping[str, Any]) -> Context:
    carrier = {key: envelope[key] for key in ("traceparent", "tracestate") if isinstance(envelope.get(key), str)}
    return _W3C.extract(carrier, context=Context())


# -- spans ---------------------------------------------------------------------------------------------------------


def failed(span: Span, exc: BaseException, *, outcome: str | None = None) -> None:
    """Mark `span` as failed with `exc`: the exception recorded (its type, message and where it was raised), the
    status ERROR."""
    message = _safe_message(exc)
    where = "".join(traceback.format_tb(exc.__traceback__))
    span.record_exception(
        exc,
        attributes={
            "exception.message": message,
            "exception.stacktrace": f"{where}{type(exc).__qualname__}: {message}",
        },
    )
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {message}"[:500]))
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    if outcome is not None:
        span.set_attribute(OUTCOME, outcome)


def _safe_message(exc: BaseException) -> str:
    """An exception's message as a span may keep it: a database error's without the statement and the values it
    was given (a name, a phone number), which its own text repeats; passwords in URLs masked; cut short."""
    if isinstance(exc, StatementError) and exc.orig is not None:
        first_line = str(exc.orig).split("\n", 1)[0]
        return scrub(f"{type(exc.orig).__name__}: {first_line}")[:500]
    return scrub(str(exc))[:500]


def envelope_attributes(envelope: Envelope[Any]) -> dict[str, str]:
    """The ids an event carries, as span attributes (`vms.event_id`, `vms.causation_id`, `vms.correlation_id`)."""
    attributes = {EVENT_ID: str(envelope.id), EVENT_TYPE: envelope.type, MESSAGE_ID: str(envelope.id)}
    if envelope.causationid is not None:
        attributes[CAUSATION_ID] = envelope.causationid
    if envelope.correlationid is not None:
        attributes[CORRELATION_ID] = envelope.correlationid
    return attributes


def publishing(tracer: Tracer, subject: str, event_id: str, event_type: str, payload: bytes) -> Span | None:
    """The relay's PRODUCER span for one event, the child of the trace the event was created in
    (`creation_context`); None for an event staged untraced, which is published as it would be untraced."""
    envelope = _envelope_of(payload)
    if envelope is None:
        return None
    attributes = {
        MESSAGING_SYSTEM: NATS,
        DESTINATION: subject,
        OPERATION_TYPE: "send",
        MESSAGE_ID: event_id,
        EVENT_ID: event_id,
        EVENT_TYPE: event_type,
    }
    for key, attribute in (("causationid", CAUSATION_ID), ("correlationid", CORRELATION_ID)):
        if isinstance(envelope.get(key), str):
            attributes[attribute] = envelope[key]
    return tracer.start_span(
        f"send {subject}", context=_created_in(envelope), kind=SpanKind.PRODUCER, attributes=attributes
    )


def _parent_of(msg: Msg) -> Context:
    """The context a consumed event continues: the relay's, from the message's headers; else (a relay that did
    not trace published it) the one the event was created in, if it carries one."""
    context = extract(msg.headers)
    if trace.get_current_span(context).get_span_context().is_valid:
        return context
    envelope = _envelope_of(msg.data)
    return _created_in(envelope) if envelope is not None else context


class EventSpans:
    """A consumer's CONSUMER spans for one batch: one a message, each the child of the context its producer (the
    relay) sent with it, open from the moment the batch is taken until the message is acknowledged, retried or
    parked."""

    def __init__(self, tracer: Tracer, consumer: str, items: Sequence[tuple[Msg, Envelope[Any]]]) -> None:
        self._spans: dict[int, tuple[Span, str]] = {}
        for msg, envelope in items:
            attributes = {
                MESSAGING_SYSTEM: NATS,
                DESTINATION: msg.subject,
                OPERATION_TYPE: "process",
                CONSUMER_GROUP: consumer,
                **envelope_attributes(envelope),
            }
            span = tracer.start_span(
                f"process {msg.subject}", context=_parent_of(msg), kind=SpanKind.CONSUMER, attributes=attributes
            )
            self._spans[id(msg)] = (span, str(envelope.id))

    @contextlib.contextmanager
    def applying(self, messages: Sequence[Msg]) -> Iterator[None]:
        """While `messages` are applied in one transaction: the events they cause are traced under each one's own
        span where their causation id names it (`handling`); anything else done meanwhile (a request sent, an event
        staged without naming its cause) under the span of the message when it is applied alone."""
        with contextlib.ExitStack() as stack:
            for msg in messages:
                span, event_id = self._spans[id(msg)]
                stack.enter_context(handling(event_id, span))
            if len(messages) == 1:
                span = self._spans[id(messages[0])][0]
                stack.enter_context(
                    trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False)
                )
            yield

    def outcome(self, messages: Sequence[Msg], outcome: str) -> None:
        for msg in messages:
            self._spans[id(msg)][0].set_attribute(OUTCOME, outcome)

    def failed(self, msg: Msg, exc: BaseException, outcome: str) -> None:
        failed(self._spans[id(msg)][0], exc, outcome=outcome)

    def end(self) -> None:
        for span, _ in self._spans.values():
            span.end()
