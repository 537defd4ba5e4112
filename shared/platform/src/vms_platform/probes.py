"""Liveness and readiness on a small HTTP port of a service's own, for what starts and watches its container (the
container engine's health check, Kubernetes' probes):

- `GET /livez`: 200 while the process answers at all (its event loop turns); a process that does not answer
  within the probe's timeout is to be restarted.
- `GET /readyz`: 200 `{"ready": true}` once the service may be given work — its database reachable and migrated
  to the version it runs, NATS connected, its event consumers bound; else 503 with what it waits for, a line each:
  `{"ready": false, "waiting_for": ["database: at revision 0007, this version needs 0009: migrate it", …]}`.
  A service waiting for NATS or its database is alive and not ready: it is left to wait, not restarted.

- `GET /metrics`: the service's metrics for Prometheus (`vms_platform.metrics`).

Nothing else is served, and nothing here reads a request's body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from vms_platform.logging import get_logger

log = get_logger("vms.probes")

HEADER_TIMEOUT = 5.0
"""Seconds a probe may take to send its request line and headers."""
MAX_HEADER_BYTES = 8 * 1024

Readiness = Callable[[], Awaitable[list[str]]]
"""What the service still waits for before it may be given work; empty once ready."""


Exposition = Callable[[], Awaitable[bytes]]
"""The metrics in Prometheus' text format, read now."""
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ProbeServer:
    def __init__(self, host: str, port: int, readiness: Readiness, metrics: Exposition | None = None) -> None:
        self.host = host
        self.port = port
        self.readiness = readiness
        self.metrics = metrics
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, self.host, self.port, limit=MAX_HEADER_BYTES)
        self.port = self._server.sockets[0].getsockname()[1]  # the one given, or the one taken for port 0
        log.info("probes listening", host=self.host, port=self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        content_type = "application/json"
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=HEADER_TIMEOUT)
            status, body = await self._response(head.split(b"\r\n", 1)[0])
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            status, body = 400, {"error": "a request line and headers, within 8 KiB and 5 s"}
        if isinstance(body, bytes):
            payload, content_type = body, METRICS_TYPE
        else:
            payload = json.dumps(body, ensure_ascii=False).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Not Ready"}
        writer.write(
            f"HTTP/1.1 {status} {reason[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    async def _response(self, request_line: bytes) -> tuple[int, dict[str, Any] | bytes]:
        parts = request_line.decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return 400, {"error": "not an HTTP request line"}
        method, target = parts[0], parts[1].split("?", 1)[0]
        served = ("/livez", "/readyz", "/metrics") if self.metrics is not None else ("/livez", "/readyz")
        if target not in served:
            return 404, {"error": f"only {', '.join(served)} are served here"}
        if method != "GET":
            return 405, {"error": "GET only"}
        if target == "/livez":
            return 200, {"alive": True}
        if target == "/metrics" and self.metrics is not None:
            return 200, await self.metrics()
        try:
            waiting = await self.readiness()
        except Exception as exc:  # a probe must be answered whatever went wrong in asking
            waiting = [f"readiness could not be checked: {type(exc).__name__}"]
        return (503, {"ready": False, "waiting_for": waiting}) if waiting else (200, {"ready": True})
