"""Request/reply over core NATS, as the services serve and call it (the models and subjects are the contract's:
`vms_contracts.rpc`).

A service answers only to a reply subject under an inbox prefix (`is_inbox`). The caller chooses the reply
subject, and NATS lets the service publish its answer there whatever it is (`allow_responses`, even past the
service's `deny` list): aimed at an event subject, the answer would be stored in that event's stream; aimed at
a request subject, it would be a request made in the service's name. Such a request is not handled at all.

A record keeps its id for life, and the id names the region that made it; a volunteer who moves to a region another
deployment keeps is answered there. The deployment that gave them away refuses with `VOLUNTEER_MOVED`, naming the
region that keeps them now, and `RpcClient.call` asks that region in its place (`moved_region`), remembering where
it went so that the next request about the same id goes straight there.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Annotated, Any, TypeVar
from uuid import UUID

from faststream import BaseMiddleware, Response
from faststream._internal.context.context_type import Context as ContextField
from faststream.exceptions import SkipMessage
from faststream.message import StreamMessage, decode_message
from faststream.middlewares import ExceptionMiddleware
from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.message import NatsMessage
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from opentelemetry import trace as otel
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from pydantic import BaseModel, ValidationError

from vms_contracts.actor import ACTOR_HEADER, Actor
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.rpc import REGIONS_HEADER, REQUEST_ID_HEADER, STATUS_HEADER, Rpc, safe_request_id
from vms_contracts.subjects import Bus
from vms_platform import strict_json, tracing
from vms_platform.actor import ActorSigner, ActorVerifier, authorize
from vms_platform.errors import DomainError, error_body, invalid_request
from vms_platform.logging import get_logger, trace
from vms_platform.metrics import Metrics

log = get_logger("vms.rpc")

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)


class RemoteError(Exception):
    """The service answered with a refusal; `body` says which rule and why."""

    def __init__(self, body: ErrorBody) -> None:
        self.body = body
        super().__init__(f"{body.code}: {body.message_en}")


class ServiceTimeout(DomainError):
    code = "SERVICE_TIMEOUT"
    kind = ErrorKind.TIMEOUT


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    kind = ErrorKind.UNAVAILABLE


JSON = "application/json"
"""The content type of every request and reply body."""

FORWARDED_HEADER = "vms-forwarded"
"""On a request `RpcClient` sends on to the region a refusal named (`moved_region`): that region. Its instance then
answers about an id written with another region, which it keeps now, instead of refusing it as not owned here."""

MOVED_CODES = frozenset({"VOLUNTEER_MOVED"})
"""Refusals that mean "not here any more: ask `params.region`" rather than "no such thing"."""

MAX_FORWARDS = 2
"""How many times one call is sent on to another region: a volunteer who moved twice is still reached, and two
deployments that would name each other cannot keep a request going round."""

FORWARDS_KEPT = 4096
"""How many forwards a client remembers (the least recently used is forgotten first)."""


def moved_region(body: ErrorBody, about: str) -> str | None:
    """The region a refusal sends the caller on to: the one a `VOLUNTEER_MOVED` refusal (kind not found) names in
    `params.region`, when it is about the very id `about` the request was routed by (a service passing on another
    service's refusal about someone else is not followed); None for any other refusal."""
    if body.code not in MOVED_CODES or body.kind is not ErrorKind.NOT_FOUND:
        return None
    if body.params.get("volunteer_id") != about:
        return None
    region = body.params.get("region")
    return region if isinstance(region, str) and region in REGIONS else None


class NotOwnedHere(DomainError):
    """The request reached a region's instance that does not own what it is about: a caller's routing error,
    refused so that nothing is ever written into another region's database."""

    code = "NOT_OWNED_HERE"
    kind = ErrorKind.INVALID


# -- serving ---------------------------------------------------------------------------------------------------

_INBOX = re.compile(r"^_INBOX(?:_[A-Za-z0-9_-]+)?(?:\.[^.\s*>]+)+$")
"""Our programs' inbox prefixes, `_INBOX_<program>` (`vms_contracts.subjects.inbox_prefix`), or nats-py's
default `_INBOX`, then one or more tokens without wildcards. No stream keeps such a subject and no service listens
to one."""


def is_inbox(subject: str) -> bool:
    """Whether a service may send its answer to `subject`."""
    return _INBOX.match(subject) is not None


class AnswerOnlyToInboxes(BaseMiddleware):
    """Drops a request whose reply subject is not an inbox, before it is decoded: even a refusal is an answer."""

    async def on_receive(self) -> None:
        reply = str(getattr(self.msg, "reply", "") or "")
        if reply and not is_inbox(reply):
            log.warning(
                "request dropped: its reply subject is not an inbox",
                subject=str(getattr(self.msg, "subject", "")),
                reply=reply[:200],
            )
            raise SkipMessage


class UndecodableBody(Exception):
    """A request body that is not one JSON text in UTF-8: the caller sent it wrong, as with any invalid request."""

    def __init__(self, error: str, position: int | None = None) -> None:
        self.error = error
        self.position = position
        super().__init__(error)

    def as_validation_error(self) -> dict[str, Any]:
        """In the shape of pydantic's own `json_invalid` error, which `field_error` reports as the body."""
        location = ("body",) if self.position is None else ("body", self.position)
        return {"type": "json_invalid", "loc": location, "msg": self.error, "ctx": {"error": self.error}}


async def _decode_body(message: StreamMessage[Any]) -> Any:
    """The request body as JSON, read strictly (`vms_platform.strict_json`), or `UndecodableBody`.

    FastStream's own decoder hands a body it cannot read to validation as bytes (which then reads as "not an
    object"), trusts a `content-type` header the caller chose, and lets a `RecursionError` through: a body nested
    100,000 deep was answered as an internal error. Here every body is read one way, as the gateway reads an HTTP
    body, and every way it can fail is the caller's. An empty body stays FastStream's: it reads as a missing body,
    which the refusal says.
    """
    body: bytes = message.body
    if not body:
        return decode_message(message)
    try:
        return strict_json.loads(body)
    except strict_json.UnreadableJson as exc:
        raise UndecodableBody(str(exc), exc.params.get("position")) from None
    # A member named twice (`strict_json.DuplicateMember`) is an invalid field, refused by name.


def _json(model: BaseModel, headers: dict[str, str]) -> Response:
    """A reply of `model` as JSON, serialised by pydantic in one pass (the broker has no serializer of its own)."""
    return Response(model.__pydantic_serializer__.to_json(model), headers={**headers, "content-type": JSON})


def _refusal(body: ErrorBody) -> Response:
    return _json(body, {STATUS_HEADER: "error"})


def _on_invalid(exc: ValidationError) -> Response:
    return _refusal(invalid_request(exc.errors(include_url=False)))


def _on_undecodable(exc: UndecodableBody) -> Response:
    return _refusal(invalid_request([exc.as_validation_error()]))


def _on_duplicate_member(exc: strict_json.DuplicateMember) -> Response:
    return _refusal(invalid_request([exc.as_validation_error()]))


def _on_domain_error(exc: DomainError) -> Response:
    return _refusal(exc.body())


def _on_remote_refusal(exc: RemoteError) -> Response:
    """Another service refused what this one asked on the caller's behalf: the caller gets that refusal."""
    return _refusal(exc.body)


def _on_unexpected(exc: Exception) -> Response:
    log.exception("request failed", error=repr(exc))
    return _refusal(error_body("INTERNAL_ERROR", ErrorKind.INTERNAL))


def rpc_router() -> NatsRouter:
    """A router whose endpoints read every body as JSON (`_decode_body`) and answer every failure with a refusal
    instead of leaving the caller waiting."""
    return NatsRouter(
        decoder=_decode_body,
        middlewares=[
            AnswerOnlyToInboxes,
            ExceptionMiddleware(
                publish_handlers={
                    ValidationError: _on_invalid,
                    UndecodableBody: _on_undecodable,
                    strict_json.DuplicateMember: _on_duplicate_member,
                    DomainError: _on_domain_error,
                    RemoteError: _on_remote_refusal,
                    Exception: _on_unexpected,
                }
            ),
        ],
    )


def _request_id(message: NatsMessage) -> str | None:
    """The caller's request id, or a fresh one in place of a value that is not a short token
    (`vms_contracts.rpc.safe_request_id`): it becomes the causation id of the events the request causes, which
    integrators read. None when the caller sent none."""
    given = (message.headers or {}).get(REQUEST_ID_HEADER)
    if given is None:
        return None
    accepted = safe_request_id(str(given))
    if accepted is None:
        log.warning("request id replaced: not a short token", length=len(str(given)))
        return str(new_id())
    return accepted


class _MessageContext(ContextField):
    """`Context("message")` resolved on the event loop: fast_depends runs a custom field's synchronous `use` in a
    worker thread, a thread hop (and a fight for the GIL) for every request served. (`faststream.Context` is a
    function building this class, which FastStream 0.7 does not export; the version is pinned below 0.8.)"""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


def serve(
    router: NatsRouter,
    bus: Bus,
    rpc: Rpc[Req, Res],
    handler: Callable[[Req, Actor], Awaitable[Res]],
    *,
    regions: Sequence[str],
    verifier: ActorVerifier,
    slots: asyncio.Semaphore | None,
    workers: int,
    metrics: Metrics | None = None,
) -> None:
    """Answer `rpc` with `handler` for each region in `regions`, on behalf of the actor each request carries.

    The actor's token (`vms-actor`) is verified first: a request with none, an expired or a forged one is refused
    (`ACTOR_MISSING`, `ACTOR_INVALID`) before anything is read, and so is an operation the permission matrix
    refuses to the actor's role (`NOT_PERMITTED`). The handler gets the actor and checks the record's scope
    itself (`vms_platform.actor.require_scope`): only it knows whose record it is. Events the handler stages carry
    the actor's reference (`actorid`).

    Each region is a subscription of its own in the queue group `<service>-<region>`, so the replicas of the
    deployment that serves a region share its requests, and no other deployment ever receives them. Requests are
    answered concurrently: up to `workers` (at least 2) per subscription, and at most as many at once in this whole
    process as `slots` allows (None: not counted, for what must answer even when the process is busy, as health).
    A request about something another region owns (`Rpc.owner`) is refused rather than answered from the wrong
    database, unless a caller sent it here after the owner said it moved (`FORWARDED_HEADER`, an id only: the
    handler finds the record here, or refuses as it refuses any id it does not keep). Every reply names the regions
    this deployment serves (`vms-regions`), for callers that ask every region (`RpcClient.gather`).
    """
    served = ",".join(regions)
    operation = rpc.operation

    async def endpoint(body: Any, message: Any) -> Any:
        tracer = tracing.active()
        if metrics is None and tracer is None:
            return await answer(body, message, None)
        span = _serving(tracer, rpc, message) if tracer is not None else None
        started, outcome = time.perf_counter(), "ok"
        try:
            if span is None:
                return await answer(body, message, None)
            with otel.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False):
                return await answer(body, message, span)
        except Exception as exc:
            outcome = outcome_of(exc)
            if span is not None:
                _refused(span, exc, outcome)
            raise
        finally:
            if metrics is not None:
                metrics.request(operation, outcome, time.perf_counter() - started)
            if span is not None:
                span.set_attribute(tracing.OUTCOME, outcome)
                span.end()

    async def answer(body: Any, message: Any, span: Span | None) -> Any:
        request = rpc.request.model_validate(body)
        headers = message.headers or {}
        actor = verifier.verify(headers.get(ACTOR_HEADER))
        asked = bus.split_rpc_subject(message.raw_message.subject)[0]
        owner = rpc.owner_region(request)
        if owner is not None and owner != asked and not _forwarded_here(rpc, request, headers, asked):
            raise NotOwnedHere(owner=owner, asked=asked)
        authorize(operation, actor)
        request_id = _request_id(message)
        with trace(causation_id=request_id, correlation_id=request_id, actor=actor.reference):
            if span is not None and request_id is not None:
                span.set_attributes({tracing.CAUSATION_ID: request_id, tracing.CORRELATION_ID: request_id})
            async with slots if slots is not None else contextlib.nullcontext():
                if span is None:
                    result = await handler(request, actor)
                else:
                    with tracing.handling(request_id, span):
                        result = await handler(request, actor)
        return _json(result, {REGIONS_HEADER: served})

    # The body comes decoded (`_decode_body`) and is validated above, against the contract's model: the broker
    # builds no validation model of its own for each subscription (`ServiceApp.broker`), which cost a pydantic model
    # per operation and region at every start. The reply is a `Response` (it carries the served regions in a
    # header); the reply model itself is documented with the contract (`vms_contracts.rpc`).
    message_type = Annotated[NatsMessage, _MessageContext("message")]
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any),
            inspect.Parameter("message", inspect.Parameter.KEYWORD_ONLY, annotation=message_type),
        ],
        return_annotation=Response,
    )
    endpoint.__annotations__ = {"body": Any, "message": message_type, "return": Response}
    endpoint.__name__ = rpc.name
    for region in regions:
        subject = rpc.subject(bus, region)
        router.subscriber(
            subject,
            queue=f"{rpc.service}-{region}",
            max_workers=max(2, workers),
            title=subject,
            description=rpc.summary or None,
        )(endpoint)


def outcome_of(exc: Exception) -> str:
    """How a request that raised `exc` is counted and traced: the kind of the refusal it is answered with."""
    if isinstance(exc, DomainError):
        return exc.body().kind.value
    if isinstance(exc, RemoteError):
        return exc.body.kind.value
    if isinstance(exc, ValidationError):
        return ErrorKind.INVALID.value
    return ErrorKind.INTERNAL.value


SERVER_FAULTS = frozenset({ErrorKind.INTERNAL.value, ErrorKind.UNAVAILABLE.value, ErrorKind.TIMEOUT.value})
"""Refusals that are the answering side's failure, not the caller's: their spans have the status ERROR. A refusal
of what was asked (invalid, not found, not permitted, a rule) is the service working as it should."""


def _rpc_attributes(rpc: Rpc[Any, Any], subject: str) -> dict[str, str]:
    return {
        tracing.MESSAGING_SYSTEM: tracing.NATS,
        tracing.DESTINATION: subject,
        tracing.RPC_SYSTEM: tracing.NATS,
        tracing.RPC_SERVICE: rpc.service,
        tracing.RPC_METHOD: rpc.name,
        tracing.OPERATION: rpc.operation,
    }


def _serving(tracer: Tracer, rpc: Rpc[Any, Any], message: Any) -> Span:
    """The SERVER span of one request, the child of the context its caller sent (`RpcClient`)."""
    subject = str(message.raw_message.subject)
    return tracer.start_span(
        rpc.operation,
        context=tracing.extract(message.headers),
        kind=SpanKind.SERVER,
        attributes=_rpc_attributes(rpc, subject),
    )


def _refused(span: Span, exc: Exception, outcome: str) -> None:
    """A request answered with a refusal: which one; the exception and the status ERROR when it is the server's
    fault (`SERVER_FAULTS`)."""
    if outcome in SERVER_FAULTS:
        tracing.failed(span, exc, outcome=outcome)
        return
    if isinstance(exc, DomainError):
        code = exc.body().code
    elif isinstance(exc, RemoteError):
        code = exc.body.code
    else:
        code = type(exc).__qualname__
    span.set_attribute(tracing.ERROR_TYPE, code)


def _forwarded_here(rpc: Rpc[Any, Any], request: Any, headers: dict[str, Any], asked: str) -> bool:
    """Whether a caller sent `request` on to `asked` because its owner said the record moved there. Only a request
    about an id is: one naming a region (a registration, say) is about that region and nothing else."""
    return headers.get(FORWARDED_HEADER) == asked and isinstance(getattr(request, rpc.owner or "", None), UUID)


# -- calling ---------------------------------------------------------------------------------------------------


class RpcClient:
    """Asks the services, each request signed with its actor: the caller's `actor`, else the client's own (a
    service asking on its own behalf). A refusal saying the record moved to another region (`moved_region`) is
    followed there, and remembered."""

    def __init__(
        self, broker: NatsBroker, bus: Bus, *, signer: ActorSigner, actor: Actor | None = None, timeout: float = 5.0
    ) -> None:
        self.broker = broker
        self.bus = bus
        self.signer = signer
        self.actor = actor
        self.timeout = timeout
        self._forwards: OrderedDict[tuple[str, str], str] = OrderedDict()
        """(service, id) → the region that answered for it after its owner said it moved."""

    async def call(
        self,
        rpc: Rpc[Req, Res],
        request: Req,
        *,
        region: str | None = None,
        request_id: str | None = None,
        timeout: float | None = None,
        actor: Actor | None = None,
    ) -> Res:
        """Ask the instance of the region that owns what `request` is about (`Rpc.owner`), or `region`.

        Where that instance says the record the request is about (its id) moved (`VOLUNTEER_MOVED`), ask the region
        it names, at most `MAX_FORWARDS` times, and remember it: the next call about the same id, without `region`,
        goes there first.
        """
        home = rpc.owner_region(request) or NATIONAL
        key = _forward_key(rpc, request)
        remembered = self._forwards.get(key) if key is not None and region is None else None
        target, forwarded = region or remembered or home, remembered is not None
        for forwards in range(MAX_FORWARDS + 1):
            try:
                return (await self._request(rpc, request, target, request_id, timeout, actor, forwarded=forwarded))[0]
            except RemoteError as exc:
                moved_to = moved_region(exc.body, key[1]) if key is not None else None
                if moved_to is None or moved_to == target or forwards == MAX_FORWARDS:
                    raise
                self._remember(key, moved_to, home)
                target, forwarded = moved_to, True
        raise AssertionError("unreachable: the last forward returns or raises")

    def _remember(self, key: tuple[str, str] | None, region: str, home: str) -> None:
        if key is None:
            return
        if region == home:  # back where the id says: nothing to remember
            self._forwards.pop(key, None)
            return
        self._forwards[key] = region
        self._forwards.move_to_end(key)
        while len(self._forwards) > FORWARDS_KEPT:
            self._forwards.popitem(last=False)

    async def gather(
        self,
        rpc: Rpc[Req, Res],
        request: Req,
        *,
        request_id: str | None = None,
        timeout: float | None = None,
        actor: Actor | None = None,
        skip: Iterable[str] = (),
    ) -> list[Res]:
        """Ask every region, each deployment once: the national deployment first, which answers for every region
        it serves, then each region it did not cover. A region nobody answers for is a `ServiceUnavailable`.
        `skip`: regions not to ask (a service asking the other deployments of itself names the regions it serves)."""
        covered: set[str] = set(skip)
        replies: list[Res] = []
        for region in sorted(REGIONS):
            if region in covered:
                continue
            reply, served = await self._request(rpc, request, region, request_id, timeout, actor)
            covered |= served | {region}
            replies.append(reply)
        return replies

    async def _request(
        self,
        rpc: Rpc[Req, Res],
        request: Req,
        region: str,
        request_id: str | None,
        timeout: float | None,
        actor: Actor | None,
        *,
        forwarded: bool = False,
    ) -> tuple[Res, set[str]]:
        acting = actor or self.actor
        if acting is None:
            raise TypeError(f"{rpc.operation}: no actor to ask as")
        headers = {ACTOR_HEADER: self.signer.token(acting), "content-type": JSON}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if forwarded:
            headers[FORWARDED_HEADER] = region
        tracer = tracing.active()
        if tracer is None:
            return await self._send(rpc, request, region, headers, timeout)
        subject = rpc.subject(self.bus, region)
        attributes = {**_rpc_attributes(rpc, subject), tracing.REGION: region}
        if request_id:
            attributes[tracing.CORRELATION_ID] = request_id
        with tracer.start_as_current_span(
            rpc.operation,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            tracing.inject(headers)
            try:
                answered = await self._send(rpc, request, region, headers, timeout)
            except RemoteError as exc:
                # The caller's side: any refusal is a call that did not do what was asked.
                span.set_attributes({tracing.OUTCOME: exc.body.kind.value, tracing.ERROR_TYPE: exc.body.code})
                span.set_status(Status(StatusCode.ERROR, exc.body.code))
                raise
            except Exception as exc:
                tracing.failed(span, exc, outcome=outcome_of(exc))
                raise
            span.set_attribute(tracing.OUTCOME, "ok")
            return answered

    async def _send(
        self, rpc: Rpc[Req, Res], request: Req, region: str, headers: dict[str, str], timeout: float | None
    ) -> tuple[Res, set[str]]:
        try:
            reply = await self.broker.request(
                request.__pydantic_serializer__.to_json(request),
                rpc.subject(self.bus, region),
                headers=headers,
                timeout=timeout or self.timeout,
            )
        except NoRespondersError:
            raise ServiceUnavailable(service=rpc.service, region=region) from None
        except (TimeoutError, NatsTimeoutError):
            raise ServiceTimeout(service=rpc.service, region=region) from None
        reply_headers = reply.headers or {}
        if reply_headers.get(STATUS_HEADER) == "error":
            raise RemoteError(ErrorBody.model_validate_json(reply.body))
        served = {r for r in str(reply_headers.get(REGIONS_HEADER, "")).split(",") if r}
        return rpc.response.model_validate_json(reply.body), served


def _forward_key(rpc: Rpc[Any, Any], request: BaseModel) -> tuple[str, str] | None:
    """What a forward is remembered by: the service and the id the request is about; None for a request that
    names a region, or nothing."""
    value = getattr(request, rpc.owner, None) if rpc.owner is not None else None
    return (rpc.service, str(value)) if isinstance(value, UUID) else None
