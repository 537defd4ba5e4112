"""What the gateway takes from a client before any service is asked: one request id, a bounded body, a bounded
wait for it, a bounded number of requests at once, and an answer in the usual error shape whatever goes wrong.

The connection itself (how long its headers may take, how many connections at once) is bounded one level down,
where uvicorn reads it (`vms_gateway.server`).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vms_contracts.errors import ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.rpc import safe_request_id
from vms_gateway.errors import SECURITY_HEADERS, Refusal, error_response, refusal, seconds
from vms_platform.errors import echoed, error_body
from vms_platform.logging import get_logger, trace

log = get_logger("vms.gateway")

REQUEST_ID = "X-Request-ID"
CLIENT_CLOSED_REQUEST = 499
"""The access line's status for a request whose client went away before it was read (nginx's convention)."""
_ADDED_HEADERS = [(name.lower().encode("ascii"), value.encode("ascii")) for name, value in SECURITY_HEADERS.items()]
_ADDED_NAMES = {b"x-request-id", *(name for name, _ in _ADDED_HEADERS)}


def accepted_request_id(value: str | None) -> str:
    """The client's request id if it is a short token of safe characters, else a fresh one. It is echoed to the
    client, written in log lines and becomes the causation id of the events the request causes, which
    integrators read: nothing longer or stranger than a token travels that far."""
    return safe_request_id(value) or str(new_id())


def logged_path(scope: Scope) -> str:
    """The path as the client wrote it (percent-encoded, as received, without the query), cut to 200 characters:
    a decoded path would write a name sent in an address (`/api/v1/volunteers/홍길동`) into the log as text."""
    raw = scope.get("raw_path")
    path = raw.decode("ascii", "backslashreplace") if isinstance(raw, bytes) else str(scope.get("path", ""))
    return echoed(path, 200)


def logged_method(scope: Scope) -> str:
    """The method, cut short: HTTP sets no limit to its length, and a client sent 5,000 characters of it."""
    return echoed(str(scope.get("method", "")), 32)


def client_address(scope: Scope) -> str | None:
    """The address the connection comes from: what the per-client limits count (behind a reverse proxy, the
    proxy's address, which is why the proxy enforces such limits there)."""
    client = scope.get("client")
    return str(client[0]) if client else None


UPLOADS = re.compile(r"/activities/import$")
"""The paths that take a file (a centre's activities): their bodies may be as large as `Limits.max_upload_bytes`."""


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    body_timeout: float
    max_concurrent_requests: int
    max_requests_per_client: int = 50
    access_log: bool = True
    max_upload_bytes: int = 0
    """For the paths that take a file (`UPLOADS`); no more than `max_body_bytes` when smaller."""

    def body_limit(self, path: str) -> int:
        return max(self.max_upload_bytes, self.max_body_bytes) if UPLOADS.search(path) else self.max_body_bytes


class Edge:
    """ASGI middleware in front of the whole application (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.in_flight = 0
        self.in_flight_by_client: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accepted_request_id(headers.get(REQUEST_ID))
        scope.setdefault("state", {})["request_id"] = request_id
        started = False
        status = 0
        since = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _ADDED_NAMES]
                added = [*_ADDED_HEADERS, (b"x-request-id", request_id.encode("ascii"))]
                message = {**message, "headers": [*kept, *added]}
            await send(message)

        address = client_address(scope)
        with trace(causation_id=request_id, correlation_id=request_id):
            try:
                limit = self.limits.body_limit(scope.get("path", ""))
                self._refuse_at_once(headers, address, limit)
                self._count(address, +1)
                try:
                    body = _BoundedBody(receive, self.limits, limit)
                    await self.app(scope, body.receive, send_with_id)
                finally:
                    self._count(address, -1)
            except Refusal as exc:
                # Refused before the application ran, or raised where no handler renders it.
                if started:
                    raise
                await error_response(exc.body, exc.status_code, exc.headers)(scope, receive, send_with_id)
            except ClientDisconnect:
                # The client went away before its body was in: nobody is left to answer, and nothing failed here.
                # Recorded as 499 in the access line, as proxies do, never as an internal failure.
                status = CLIENT_CLOSED_REQUEST
            except Exception as exc:
                # The traceback says what failed; the request's content stays out of the log line.
                log.exception(
                    "request failed", method=logged_method(scope), path=logged_path(scope), error=type(exc).__name__
                )
                if started:
                    raise
                response = error_response(error_body("INTERNAL_ERROR", ErrorKind.INTERNAL), 500)
                await response(scope, receive, send_with_id)
            finally:
                if self.limits.access_log:
                    # The query string and the body may hold personal data (a name, a phone number): neither is
                    # logged. The path holds ids only, and is written as received and cut short in case a client
                    # sends something else.
                    client = scope.get("client")
                    log.info(
                        "request",
                        method=logged_method(scope),
                        path=logged_path(scope),
                        status=status,
                        duration_ms=round((time.perf_counter() - since) * 1000, 1),
                        request_id=request_id,
                        client=f"{client[0]}:{client[1]}" if client else None,
                    )

    def _count(self, address: str | None, change: int) -> None:
        self.in_flight += change
        if address is not None:
            count = self.in_flight_by_client.get(address, 0) + change
            if count > 0:
                self.in_flight_by_client[address] = count
            else:
                self.in_flight_by_client.pop(address, None)

    def _refuse_at_once(self, headers: Headers, address: str | None, limit_bytes: int) -> None:
        """Refusals that need no byte of the body: a declared length over the limit, or too many requests, from
        this client (429) or from all (503). One client alone cannot fill the gateway: its own cap is below the
        gateway's, so the others are still served while it is refused.

        The connection stays open after a 413: closing it while the client is still sending would reset it, and the
        client would lose the answer. What it still sends of the body is read and dropped, for at most the time its
        next request's headers may take (`vms_gateway.server`)."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit_bytes:
            raise refusal(413, "REQUEST_TOO_LARGE", limit_bytes=limit_bytes)
        mine = self.in_flight_by_client.get(address, 0) if address is not None else 0
        if mine >= self.limits.max_requests_per_client:
            limit = self.limits.max_requests_per_client
            raise refusal(429, "CLIENT_TOO_MANY_REQUESTS", retry_after=1, limit=limit)
        if self.in_flight >= self.limits.max_concurrent_requests:
            limit = self.limits.max_concurrent_requests
            raise refusal(503, "GATEWAY_BUSY", ErrorKind.UNAVAILABLE, retry_after=1, limit=limit)


class _BoundedBody:
    """The request body as the application reads it: at most `max_body_bytes`, counted as it streams in (a
    chunked body declares no length), and complete within `body_timeout` seconds of the first read."""

    def __init__(self, receive: Receive, limits: Limits, limit_bytes: int) -> None:
        self._receive = receive
        self._limits = limits
        self._limit_bytes = limit_bytes
        self._received = 0
        self._complete = False
        self._deadline: float | None = None

    async def receive(self) -> Message:
        if self._complete:
            # After the body, only a disconnect can come; waiting for it is the application's business.
            return await self._receive()
        loop = asyncio.get_running_loop()
        if self._deadline is None:
            self._deadline = loop.time() + self._limits.body_timeout
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise refusal(408, "REQUEST_TIMEOUT", close=True, seconds=seconds(self._limits.body_timeout)) from None
        if message["type"] != "http.request":
            self._complete = True
            return message
        self._received += len(message.get("body", b""))
        if self._received > self._limit_bytes:
            raise refusal(413, "REQUEST_TOO_LARGE", limit_bytes=self._limit_bytes)
        if not message.get("more_body", False):
            self._complete = True
        return message
