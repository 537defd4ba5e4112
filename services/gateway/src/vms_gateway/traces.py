"""A SERVER span for each HTTP request the gateway answers, while tracing is on (`vms_platform.tracing`): the
requests it sends to the services on NATS are its children, so one trace runs from the client to every service.

The span is named after the route that answered (`POST /api/v1/volunteers`, `GET /api/v1/centres/{centre_id}`),
never after the path as sent: a path holds ids, and a name is what traces are grouped by. Neither the query string
nor the body is recorded: either may hold a name or a phone number.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vms_platform import tracing

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""The methods named as they are; any other is `_OTHER` (HTTP sets no limit to a method's length)."""


class HttpSpans:
    """ASGI middleware, outside the gateway's own (`vms_gateway.edge.Edge`) so that its refusals are traced too.
    While tracing is off it passes each request on after one check."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracer = tracing.active()
        if tracer is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", ""))
        method = method if method in METHODS else "_OTHER"
        span = tracer.start_span(
            method,
            # A client (or a proxy in front of the gateway) that sends `traceparent` continues its own trace.
            context=tracing.extract(Headers(scope=scope)),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.scheme": str(scope.get("scheme", "http"))},
        )
        status = 0

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False):
            try:
                await self.app(scope, receive, send_with_status)
            except Exception as exc:
                tracing.failed(span, exc)
                raise
            finally:
                _finish(span, scope, method, status)


def _finish(span: Span, scope: Scope, method: str, status: int) -> None:
    route = route_of(scope)
    if route is not None:
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)
    request_id = scope.get("state", {}).get("request_id")
    if isinstance(request_id, str):
        # The request id the gateway answers with (`X-Request-ID`): the causation and correlation id of every
        # event the request causes.
        span.set_attribute(tracing.CORRELATION_ID, request_id)
    if status:
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, str(status)))
    span.end()


def route_of(scope: Scope) -> str | None:
    """The template of the route that answered (`/api/v1/centres/{centre_id}`), None when none did (a 404)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else None
