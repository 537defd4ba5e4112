"""The gateway's HTTP server: uvicorn, with the limits uvicorn does not have, and a start that a signal can stop.

uvicorn 0.54 bounds an idle keep-alive connection, but not a client that opens a connection and sends its
request line and headers slowly, or never: such a connection is held for ever (a hundred of them are enough to
starve a server of sockets). `EdgeProtocol` is uvicorn's h11 protocol with:

- a deadline for the request line and headers (`header_timeout`), from the moment the connection is open or the
  previous answer was sent; a client that misses it gets a 408 in the usual error shape and the connection closes;
- a cap on open connections (`max_connections`); one beyond it is answered 503 and closed at once;
- a cap on open connections from one client address (`max_connections_per_client`); one beyond is answered 429;
- uvicorn's own plain-text refusals of a malformed request (400, 431 for headers over `max_header_bytes`, and 400
  too for a transfer coding other than `chunked`, for which h11 suggests 501) answered in the usual error shape.

The body's limits are the application's (`vms_gateway.edge`), where the body is read.
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.ids import new_id
from vms_gateway.errors import raw_response, seconds
from vms_gateway.settings import GatewaySettings
from vms_platform.aio import settle_heap
from vms_platform.errors import error_body
from vms_platform.logging import get_logger

log = get_logger("vms.gateway")

_UVICORN_BARE_WARNING = "Invalid HTTP request received."


class _WithoutBareWarning(logging.Filter):
    """uvicorn's warning for a malformed request names neither the client nor the reason; the gateway logs its own
    line for each such refusal (`EdgeProtocol._close_with`), so uvicorn's is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _UVICORN_BARE_WARNING


class _Connection(h11.Connection):
    """h11's connection, with a limit on a request's line and headers together, and keeping the last protocol error
    it raised: uvicorn passes on only a fixed text, and the error knows which status it deserves (431 for headers
    too large, 501 for an unknown transfer coding).

    h11's own `max_incomplete_event_size` bounds only headers still incomplete: headers that arrive whole in one
    read, however large, pass it."""

    protocol_error: h11.RemoteProtocolError | None = None

    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head_bytes)
        self.max_head_bytes = max_head_bytes

    def next_event(self) -> Any:
        try:
            if self.their_state is h11.IDLE:
                self._check_head_size()
            event = super().next_event()
            if isinstance(event, h11.Request):
                _refuse_ambiguous_length(event)
            return event
        except h11.RemoteProtocolError as exc:
            self.protocol_error = exc
            raise

    def _check_head_size(self) -> None:
        pending, _ = self.trailing_data
        end = pending.find(b"\r\n\r\n", 0, self.max_head_bytes + 4)
        size = len(pending) if end < 0 else end + 4
        if size > self.max_head_bytes:
            raise h11.RemoteProtocolError("request line and headers too large", error_status_hint=431)


def _refuse_ambiguous_length(request: h11.Request) -> None:
    """RFC 9112 §6.1: a request with both `Content-Length` and `Transfer-Encoding` may be framed one way by a proxy
    in front and another way here (request smuggling). h11 lets the transfer coding win; the gateway refuses it,
    and the connection is closed with the answer, since where its next request starts is unknown."""
    names = {name.lower() for name, _value in request.headers}
    if b"content-length" in names and b"transfer-encoding" in names:
        raise h11.RemoteProtocolError("both Content-Length and Transfer-Encoding", error_status_hint=400)


class EdgeProtocol(H11Protocol):
    """See the module's docstring. The settings are a class attribute: uvicorn makes one protocol per connection
    and passes it only its own `Config` (`edge_protocol` makes the class)."""

    settings: ClassVar[GatewaySettings]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _Connection(self.settings.max_header_bytes)
        self._headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limit = self.settings.max_connections
        if len(self.connections) > limit:
            body = error_body("TOO_MANY_CONNECTIONS", ErrorKind.UNAVAILABLE, limit=limit)
            self._close_with(503, body, {"retry-after": "1"}, reason="too many connections")
            return
        if self.client is not None:
            host = self.client[0]
            mine = sum(1 for other in self.connections if (getattr(other, "client", None) or ("",))[0] == host)
            per_client = self.settings.max_connections_per_client
            if mine > per_client:
                body = error_body("CLIENT_TOO_MANY_CONNECTIONS", ErrorKind.INVALID, limit=per_client)
                self._close_with(429, body, {"retry-after": "1"}, reason="too many connections from one address")
                return
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_headers_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:
            # A request's line and headers are in: from here on it is the application's to read and answer.
            self._cancel_headers_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._expect_headers()

    def send_400_response(self, msg: str) -> None:
        error = self.conn.protocol_error if isinstance(self.conn, _Connection) else None
        status = error.error_status_hint if error is not None else 400
        if status == 501:
            # h11's hint for a transfer coding other than `chunked` (`gzip, chunked`): the gateway reads no other,
            # and refuses it as it refuses any request it cannot frame, so every route answers one status for it.
            status = 400
        # h11's text, cut before it quotes the client's bytes (which could hold a query string, personal data).
        reason = re.split(r":| b'| bytearray\(", str(error) if error is not None else msg, maxsplit=1)[0]
        if status == 431:
            body = error_body("HEADERS_TOO_LARGE", ErrorKind.INVALID, limit_bytes=self.settings.max_header_bytes)
        else:
            body = error_body("REQUEST_MALFORMED", ErrorKind.INVALID)
        self._close_with(status, body, reason=reason)

    # -- the deadline for a request's headers ----------------------------------------------------------------------

    def _expect_headers(self) -> None:
        self._cancel_headers_deadline()
        self._headers_due = self.loop.call_later(self.settings.header_timeout, self._headers_late)

    def _cancel_headers_deadline(self) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None

    def _headers_late(self) -> None:
        self._headers_due = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return
        started, _ = self.conn.trailing_data
        if self.conn.our_state is h11.IDLE and started:
            timeout = seconds(self.settings.header_timeout)
            body = error_body("REQUEST_TIMEOUT", ErrorKind.INVALID, seconds=timeout)
            self._close_with(408, body, reason="request line and headers not in time")
        else:
            # Nothing of a next request came (or the rest of a body the application did not need): no one is
            # waiting for an answer.
            self.transport.close()

    def _close_with(self, status: int, body: ErrorBody, headers: dict[str, str] | None = None, *, reason: str) -> None:
        """Answer without a request to answer (h11 would refuse to), log who was refused and why, and close."""
        request_id = str(new_id())
        client = self.client
        log.warning(
            "request refused",
            status=status,
            code=body.code,
            reason=reason[:200],
            request_id=request_id,
            client=f"{client[0]}:{client[1]}" if client else None,
        )
        self.transport.write(raw_response(status, body, {**(headers or {}), "x-request-id": request_id}))
        self.transport.close()


def edge_protocol(settings: GatewaySettings) -> type[EdgeProtocol]:
    class GatewayEdgeProtocol(EdgeProtocol):
        pass

    GatewayEdgeProtocol.settings = settings
    return GatewayEdgeProtocol


class GatewayServer(uvicorn.Server):
    """uvicorn's server, telling the application when a signal asks it to stop. uvicorn only notices a signal once
    the application has started; the gateway's start waits for NATS, possibly for ever, and must stop too."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event) -> None:
        super().__init__(config)
        self.stopping = stopping
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:
            settle_heap()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None:
            # A signal handler runs between two bytecodes of whatever the loop was doing: hand the event over to
            # the loop, which also wakes it up.
            self._loop.call_soon_threadsafe(self.stopping.set)


def server(app: Any, settings: GatewaySettings, stopping: asyncio.Event) -> GatewayServer:
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _WithoutBareWarning) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_WithoutBareWarning())
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=edge_protocol(settings),
        ws="none",
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_keep_alive=settings.keep_alive_timeout,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    return GatewayServer(config, stopping)
