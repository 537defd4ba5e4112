"""The gateway's HTTP edge, as a client on the network meets it: a real `vms-gateway run` process on a free port,
spoken to through raw sockets, so that what is tested is what uvicorn and the gateway do with bytes that arrive
too many, too slowly, malformed, or never. Every refusal is the one error shape, `{"error": ErrorBody}`.

The gateway under test has short timeouts (1 s) and small caps, so that each limit shows within a second; the body
limit is the default one (1 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sysconfig
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import pytest
from fastapi import FastAPI

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import free_port
from vms_gateway.app import create_app
from vms_gateway.settings import GatewaySettings
from vms_platform.errors import error_body

pytestmark = pytest.mark.slow

MB = 1024 * 1024
LIMITS = {
    "VMS_GATEWAY_HEADER_TIMEOUT": "1",
    "VMS_GATEWAY_BODY_TIMEOUT": "1",
    "VMS_GATEWAY_KEEP_ALIVE_TIMEOUT": "1",
    "VMS_GATEWAY_MAX_CONNECTIONS": "40",
    "VMS_GATEWAY_MAX_CONCURRENT_REQUESTS": "5",
    "VMS_GATEWAY_RPC_TIMEOUT": "1",
}
"""Everything but the body limit, which keeps its default of 1 MB."""

NOBODY = "01a2172c-0000-7000-8000-000000000000"


def _gateway_command() -> list[str]:
    return [str(Path(sysconfig.get_path("scripts")) / "vms-gateway"), "run"]


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    port: int
    bus: Bus
    log: Path

    def rss_mb(self) -> float:
        return _status_kb(self.process.pid, "VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        return _status_kb(self.process.pid, "VmHWM") / 1024


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {key} for process {pid}")


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(_gateway_command(), env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the gateway exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"the gateway did not listen on {port}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def gateway(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    port = free_port()
    bus = Bus(f"t{uuid4().hex[:10]}")
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
    env = {
        **os.environ,
        **LIMITS,
        "VMS_GATEWAY_NATS_URL": nats_url,
        "VMS_GATEWAY_PORT": str(port),
        "VMS_GATEWAY_BUS_ROOT": bus.root,
        "VMS_GATEWAY_LOG_FORMAT": "json",
    }
    process = _start(env, log)
    try:
        _wait_until_listening(process, port, log)
        yield Gateway(process, port, bus, log)
    finally:
        _stop(process)


# -- speaking HTTP by hand -------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool = False
    """Whether the server closed the connection after the answer."""
    seconds: float = 0.0
    """From the request's last byte sent to the answer's last byte read."""
    raw: bytes = field(default=b"", repr=False)

    def error(self) -> ErrorBody:
        """The answer's error, checked to be in the one shape."""
        assert self.headers.get("content-type", "").startswith("application/json"), self
        document = json.loads(self.body)
        assert list(document) == ["error"], document
        return ErrorBody.model_validate(document["error"])


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, gateway: Gateway) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, timeout: float = 10.0) -> Answer:
        """Read one whole answer, and whether the connection then closed."""
        started = time.monotonic()
        async with asyncio.timeout(timeout):
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        closed = await self.closed(0.3) if headers.get("connection") == "close" else False
        return Answer(int(status_line.split()[1]), headers, body, closed, time.monotonic() - started, head + body)

    async def closed(self, within: float) -> bool:
        """Whether the server closes the connection within `within` seconds (reading what it still sends)."""
        try:
            async with asyncio.timeout(within):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except ConnectionError:
            return True
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def connection(gateway: Gateway) -> AsyncIterator[Connection]:
    opened = await Connection.open(gateway)
    try:
        yield opened
    finally:
        await opened.close()


async def exchange(gateway: Gateway, request: bytes) -> Answer:
    async with connection(gateway) as conn:
        await conn.send(request)
        return await conn.answer()


def request(method: str, path: str, body: bytes | None = None, **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: gateway"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    # Header values are bytes on the wire; a client may send UTF-8 in them.
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def chunked(method: str, path: str) -> bytes:
    """The line and headers of a request whose body follows in chunks, without a declared length."""
    head = f"{method} {path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
    return (head + "Transfer-Encoding: chunked\r\n\r\n").encode()


async def trickle(conn: Connection, data: bytes, every: float) -> Answer:
    """Send `data` a byte at a time, `every` seconds apart, until the server answers (which it must first)."""
    for byte in data:
        try:
            await conn.send(bytes([byte]))
        except ConnectionError:
            break
        with contextlib.suppress(TimeoutError):
            return await conn.answer(timeout=every)
    return await conn.answer()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def many_fields(size: int) -> bytes:
    """A JSON object of `size` bytes made of small members: the costliest shape to parse and report on."""
    members = size // 12
    return b"{" + b",".join(b'"k%09d":0' % i for i in range(members)) + b"}"


# -- the body ------------------------------------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_refused_unread_and_costs_no_memory(gateway: Gateway) -> None:
    body = many_fields(21 * MB)
    before = gateway.rss_mb()
    async with connection(gateway) as conn:
        sending = asyncio.ensure_future(conn.send(request("POST", "/api/v1/volunteers", body)))
        try:
            answer = await conn.answer()
            assert not sending.done(), "answered only once the whole body was in"
        finally:
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await sending
    assert answer.status == 413
    error = answer.error()
    assert error.code == "REQUEST_TOO_LARGE"
    assert error.params == {"limit_bytes": MB}
    assert "1048576" in error.message and "1048576" in error.message_en
    # Parsing it would have taken hundreds of MB; refusing it takes nothing.
    assert gateway.peak_rss_mb() - before < 20, (before, gateway.peak_rss_mb())


async def test_after_a_413_the_connection_serves_the_next_request(gateway: Gateway) -> None:
    """The client that sends its whole body before it reads (most do) still gets the answer: the rest of the body
    is read and dropped rather than reset, and the connection goes on."""
    async with connection(gateway) as conn:
        await conn.send(request("POST", "/api/v1/volunteers", b" " * (MB + 1)))
        assert (await conn.answer()).status == 413
        await conn.send(request("GET", "/nowhere"))
        assert (await conn.answer()).status == 404


async def test_a_chunked_body_is_counted_as_it_arrives(gateway: Gateway) -> None:
    async with connection(gateway) as conn:
        await conn.send(chunked("POST", "/api/v1/volunteers"))
        piece = b" " * (256 * 1024)
        sent = 0
        answer: Answer | None = None
        while sent < 4 * MB:
            try:
                await conn.send(chunk(piece))
            except ConnectionError:
                break
            sent += len(piece)
            with contextlib.suppress(TimeoutError):
                answer = await conn.answer(timeout=0.05)
                break
        if answer is None:
            answer = await conn.answer()
    assert answer.status == 413, answer
    assert answer.error().code == "REQUEST_TOO_LARGE"
    assert sent <= 2 * MB, "refused once the limit was passed, not at the end"


async def test_a_body_at_the_limit_is_read(gateway: Gateway) -> None:
    # Exactly 1 MB of JSON (an unknown field padded with spaces): read whole, then refused for what it says.
    padding = b" " * (MB - len(b'{"unknown": 1}'))
    answer = await exchange(gateway, request("POST", "/api/v1/volunteers", b'{"unknown": 1}' + padding))
    assert answer.status == 422, answer
    assert answer.error().code == "INVALID_REQUEST"


async def test_a_stalled_body_is_answered_408_and_the_connection_closed(gateway: Gateway) -> None:
    async with connection(gateway) as conn:
        head = request("POST", "/api/v1/volunteers", b'{"login_id": "kim_minji"}')
        await conn.send(head[:-10])  # the headers, and the body but its last 10 bytes
        answer = await conn.answer(timeout=5)
    assert answer.status == 408
    error = answer.error()
    assert error.code == "REQUEST_TIMEOUT"
    assert error.params == {"seconds": 1}
    assert answer.closed
    assert answer.seconds < 3


async def test_a_trickling_body_is_cut_off_at_its_deadline(gateway: Gateway) -> None:
    """A byte now and then resets no clock: the body has its deadline as a whole."""
    async with connection(gateway) as conn:
        body = b'{"login_id": "' + b"a" * 200 + b'"}'
        await conn.send(request("POST", "/api/v1/volunteers", body)[: -len(body)])
        started = time.monotonic()
        answer = await trickle(conn, body, every=0.05)
    assert answer.status == 408
    assert time.monotonic() - started < 3


# -- the headers and the connection ----------------------------------------------------------------------------------


async def test_clients_that_never_finish_their_headers_are_cut_off(gateway: Gateway) -> None:
    conns = [await Connection.open(gateway) for _ in range(20)]
    try:
        for conn in conns:
            await conn.send(b"GET /api/v1/health HTTP/1.1\r\nHost: gateway\r\n")  # and never the blank line
        started = time.monotonic()
        answers = await asyncio.gather(*(conn.answer(timeout=5) for conn in conns))
        took = time.monotonic() - started
    finally:
        for conn in conns:
            await conn.close()
    assert {a.status for a in answers} == {408}
    assert all(a.error().code == "REQUEST_TIMEOUT" and a.closed for a in answers)
    assert took < 3, f"held {took:.1f} s with a header timeout of 1 s"


async def test_a_connection_that_sends_nothing_is_closed(gateway: Gateway) -> None:
    async with connection(gateway) as conn:
        assert await conn.closed(within=3)


async def test_a_slow_client_between_two_requests_is_cut_off(gateway: Gateway) -> None:
    """The deadline starts again after each answer: a kept-alive connection gets no more time than a new one."""
    async with connection(gateway) as conn:
        await conn.send(request("GET", "/nowhere"))
        assert (await conn.answer()).status == 404
        started = time.monotonic()
        answer = await trickle(conn, b"GET /nowhere HTTP/1.1\r\nHost: gateway\r\n\r\n", every=0.1)
    assert answer.status == 408
    assert answer.closed
    assert time.monotonic() - started < 2.5


async def test_connections_beyond_the_cap_are_answered_503_at_once(gateway: Gateway) -> None:
    cap = int(LIMITS["VMS_GATEWAY_MAX_CONNECTIONS"])
    # The connections of earlier tests may still be closing on the server's side.
    await asyncio.sleep(0.3)
    conns = [await Connection.open(gateway) for _ in range(cap)]
    try:
        async with connection(gateway) as extra:
            answer = await extra.answer(timeout=2)
            assert answer.closed
        # Those within the cap are served.
        await conns[0].send(request("GET", "/nowhere"))
        assert (await conns[0].answer()).status == 404
    finally:
        for conn in conns:
            await conn.close()
    assert answer.status == 503
    assert answer.headers["retry-after"] == "1"
    error = answer.error()
    assert error.code == "TOO_MANY_CONNECTIONS"
    assert error.params == {"limit": cap}


async def test_requests_beyond_the_concurrency_cap_are_answered_503_at_once(gateway: Gateway) -> None:
    cap = int(LIMITS["VMS_GATEWAY_MAX_CONCURRENT_REQUESTS"])
    waiting = [await Connection.open(gateway) for _ in range(cap)]
    try:
        for conn in waiting:
            # Each is being answered (its headers are in) while its body is still on its way.
            await conn.send(request("POST", "/api/v1/volunteers", b'{"login_id": "kim_minji"}')[:-5])
        await asyncio.sleep(0.2)
        busy = await exchange(gateway, request("GET", "/nowhere"))
        assert busy.status == 503
        assert busy.error().code == "GATEWAY_BUSY"
        assert busy.error().params == {"limit": cap}
        assert busy.headers["retry-after"] == "1"
        assert busy.seconds < 0.5
        # Once those are cut off (408), requests are served again.
        assert {(await conn.answer(timeout=5)).status for conn in waiting} == {408}
        assert (await exchange(gateway, request("GET", "/nowhere"))).status == 404
    finally:
        for conn in waiting:
            await conn.close()


# -- the request id --------------------------------------------------------------------------------------------------


async def test_a_safe_request_id_is_kept_and_any_other_replaced(gateway: Gateway, nats_url: str) -> None:
    """What the client gets back is what the services receive (and write as the cause of their events)."""
    nc = await nats.connect(nats_url)
    heard: list[str] = []

    async def registry(msg: Any) -> None:
        heard.append((msg.headers or {}).get("vms-request-id", ""))
        refusal = error_body("NOT_FOUND", ErrorKind.NOT_FOUND)
        await nc.publish(msg.reply, refusal.model_dump_json().encode(), headers={"vms-status": "error"})

    await nc.subscribe(f"{gateway.bus.root}.*.registry.rpc.get_volunteer", cb=registry)
    await nc.flush()
    try:
        answers = []
        for given in ("client-42:retry.1", "r" * 65, "r" * 15000, "<script>", "한글", "two words"):
            answer = await exchange(gateway, request("GET", f"/api/v1/volunteers/{NOBODY}", X_Request_ID=given))
            assert answer.status == 404, answer
            answers.append((given, answer.headers["x-request-id"]))
    finally:
        await nc.close()
    kept, *replaced = answers
    assert kept[1] == "client-42:retry.1"
    for given, echoed in replaced:
        assert echoed != given and len(echoed) == 36, (given[:20], echoed)
    assert heard == [echoed for _, echoed in answers]


async def test_every_answer_carries_a_request_id(gateway: Gateway) -> None:
    first = await exchange(gateway, request("GET", "/nowhere"))
    second = await exchange(gateway, request("GET", "/nowhere"))
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


# -- one error shape -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        pytest.param(request("GET", "/nowhere"), 404, "NOT_FOUND", id="unknown address"),
        pytest.param(request("DELETE", "/api/v1/centres"), 405, "METHOD_NOT_ALLOWED", id="method not allowed"),
        pytest.param(b"NOT HTTP AT ALL\r\n\r\n", 400, "REQUEST_MALFORMED", id="malformed request line"),
        pytest.param(
            request("GET", "/api/v1/health", X_Padding="p" * (20 * 1024)), 431, "HEADERS_TOO_LARGE", id="huge headers"
        ),
        pytest.param(
            b"POST /api/v1/volunteers HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "REQUEST_MALFORMED",
            id="unknown transfer coding",
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", b"[" * 5000 + b"]" * 5000), 400, "BODY_UNREADABLE", id="deep nesting"
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", b'{"login_id": "\xff\xfe"}'), 400, "BODY_UNREADABLE", id="not utf-8"
        ),
        pytest.param(request("POST", "/api/v1/volunteers", b"{not json"), 422, "INVALID_REQUEST", id="not json"),
        pytest.param(
            request("POST", "/api/v1/volunteers", b"x" * (MB + 1)), 413, "REQUEST_TOO_LARGE", id="declared too large"
        ),
        pytest.param(request("GET", f"/api/v1/volunteers/{NOBODY}"), 503, "SERVICE_UNAVAILABLE", id="service down"),
    ],
)
async def test_every_refusal_has_the_one_error_shape(gateway: Gateway, raw: bytes, status: int, code: str) -> None:
    answer = await exchange(gateway, raw)
    assert answer.status == status, answer
    error = answer.error()
    assert error.code == code
    assert error.message and error.message_en and error.message != error.message_en


async def test_a_method_not_allowed_names_the_methods_allowed(gateway: Gateway) -> None:
    answer = await exchange(gateway, request("DELETE", "/api/v1/centres"))
    assert answer.headers["allow"] == "POST"
    assert answer.error().params == {"method": "DELETE", "allowed": "POST"}


async def test_what_only_the_services_request_refuses_is_a_422_naming_the_field(gateway: Gateway) -> None:
    """The gateway builds the service's request from the body: a rule of that request is the client's error too."""
    body = {
        "volunteer_id": NOBODY,
        "activity_date": "2026-01-05",
        "start_time": "10:00+09:00",
        "end_time": "11:00",
        "description": "어르신 말벗",
    }
    answer = await exchange(gateway, request("POST", f"/api/v1/centres/{NOBODY}/activities", json.dumps(body).encode()))
    assert answer.status == 422, answer
    assert "start_time" in {f.field for f in answer.error().fields}


async def test_an_unexpected_failure_is_a_500_in_the_one_shape() -> None:
    app: FastAPI = create_app(GatewaySettings())

    @app.get("/api/v1/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        answer = await client.get("/api/v1/broken")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "a bug" not in answer.text
    assert answer.headers["x-request-id"]


# -- stopping --------------------------------------------------------------------------------------------------------


def test_sigterm_stops_a_gateway_still_waiting_for_nats(tmp_path: Path) -> None:
    unreachable = free_port()  # nothing listens there
    log = tmp_path / "gateway.log"
    env = {
        **os.environ,
        "VMS_GATEWAY_NATS_URL": f"nats://127.0.0.1:{unreachable}",
        "VMS_GATEWAY_PORT": str(free_port()),
        "VMS_GATEWAY_LOG_FORMAT": "json",
    }
    process = _start(env, log)
    try:
        deadline = time.monotonic() + 20
        while "Waiting for application startup" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        time.sleep(1.5)  # well into the wait for NATS
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            code = process.wait(5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 5 s after SIGTERM:\n{log.read_text()}")
        assert time.monotonic() - started < 3
        # uvicorn ends by the signal it was stopped with, as a process without handlers would.
        assert code in (0, -signal.SIGTERM), (code, log.read_text())
        # Meanwhile the operator saw what it was waiting for.
        assert "waiting for NATS" in log.read_text()
    finally:
        _stop(process)
