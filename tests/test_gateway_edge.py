"""The gateway's HTTP edge, as a client on the network meets it: a real `vms-gateway run` process on a free port,
spoken to through raw sockets, so that what is tested is what uvicorn and the gateway do with bytes that arrive
too many, too slowly, malformed, or never. Every refusal is the one error shape, `{"error": ErrorBody}`.

The gateway under test has short timeouts (1 s) and small caps, so that each limit shows within a second; the body
limit is the default one (1 MB). Its database holds a central admin, made as the operator's command makes it; the
requests of routes that need someone signed in carry that admin's access token (`AS_ADMIN`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import pytest
import structlog
from fastapi import FastAPI, Request

from tests.accounts import PASSWORD, gateway_settings, new_login, token_for
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import free_port
from vms_gateway.admin import create_central_admin
from vms_gateway.app import create_app
from vms_platform.errors import error_body
from vms_platform.logging import configure_logging

pytestmark = pytest.mark.slow

MB = 1024 * 1024
LIMITS = {
    "VMS_GATEWAY_HEADER_TIMEOUT": "1",
    "VMS_GATEWAY_BODY_TIMEOUT": "1",
    "VMS_GATEWAY_KEEP_ALIVE_TIMEOUT": "1",
    "VMS_GATEWAY_MAX_CONNECTIONS": "40",
    "VMS_GATEWAY_MAX_CONCURRENT_REQUESTS": "5",
    "VMS_GATEWAY_RPC_TIMEOUT": "1",
    "VMS_GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "25",
    "VMS_GATEWAY_MAX_REQUESTS_PER_CLIENT": "3",
}
"""Everything but the body limit, which keeps its default of 1 MB."""

NOBODY = "01a2172c-0000-7000-8000-000000000000"

ADMIN_TOKEN = "<the admin's token>"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
"""Headers of a request signed in as the gateway's central admin: the token is put in as the request is sent."""


def _gateway_command() -> list[str]:
    return [str(Path(sysconfig.get_path("scripts")) / "vms-gateway"), "run", "--migrate"]


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    port: int
    bus: Bus
    log: Path
    admin_token: str = ""

    def signed(self, data: bytes) -> bytes:
        """`data` with the admin's token where a request says `AS_ADMIN`."""
        return data.replace(ADMIN_TOKEN.encode(), self.admin_token.encode())

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
    folder = tmp_path_factory.mktemp("gateway")
    log = folder / "gateway.log"
    database_url = f"sqlite:///{folder / 'gateway.db'}"
    asyncio.run(create_central_admin(gateway_settings(database_url), "edge_admin", PASSWORD))
    env = {
        **os.environ,
        **LIMITS,
        "VMS_GATEWAY_NATS_URL": nats_url,
        "VMS_GATEWAY_PORT": str(port),
        "VMS_GATEWAY_BUS_ROOT": bus.root,
        "VMS_GATEWAY_LOG_FORMAT": "json",
        "VMS_GATEWAY_DATABASE_URL": database_url,
        "VMS_GATEWAY_PASSWORD_PROFILE": "CHEAPEST",
    }
    process = _start(env, log)
    try:
        _wait_until_listening(process, port, log)
        token = asyncio.run(token_for(f"http://127.0.0.1:{port}", "edge_admin"))
        yield Gateway(process, port, bus, log, token)
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
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gateway: Gateway) -> None:
        self.reader = reader
        self.writer = writer
        self.gateway = gateway

    @classmethod
    async def open(cls, gateway: Gateway, source: str | None = None) -> Connection:
        """A connection from `source`: on Linux every 127.x.y.z is the loopback, so a test has as many client
        addresses as it needs."""
        local = (source, 0) if source is not None else None
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port, local_addr=local)
        return cls(reader, writer, gateway)

    async def send(self, data: bytes) -> None:
        self.writer.write(self.gateway.signed(data))
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
async def connection(gateway: Gateway, source: str | None = None) -> AsyncIterator[Connection]:
    opened = await Connection.open(gateway, source)
    try:
        yield opened
    finally:
        await opened.close()


async def exchange(gateway: Gateway, request: bytes, source: str | None = None) -> Answer:
    async with connection(gateway, source) as conn:
        await conn.send(request)
        return await conn.answer()


def request(method: str, path: str, body: bytes | None = None, /, **headers: str) -> bytes:
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
    # From two addresses, each within its own cap: it is the gateway's cap that is reached.
    conns = [await Connection.open(gateway, f"127.0.0.{8 + i % 2}") for i in range(cap)]
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
    # From two addresses, each within its own cap: it is the gateway's cap that is reached.
    waiting = [await Connection.open(gateway, f"127.0.0.{6 + i % 2}") for i in range(cap)]
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
            path = f"/api/v1/volunteers/{NOBODY}"
            answer = await exchange(gateway, request("GET", path, X_Request_ID=given, **AS_ADMIN))
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

SIGN_UP = {
    "login_id": "kim_minji",
    "name": "김민지",
    "birth_date": "2001-04-05",
    "phone": "010-1234-5678",
    "region": "11",
    "password": "a-long-password",
}


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
            b"POST /api/v1/volunteers HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            400,
            "REQUEST_MALFORMED",
            id="unknown transfer coding",
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", b"[" * 5000 + b"]" * 5000), 400, "BODY_TOO_DEEP", id="deep nesting"
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", b'{"login_id": "\xff\xfe"}'), 400, "BODY_NOT_UTF8", id="not utf-8"
        ),
        pytest.param(request("POST", "/api/v1/volunteers", b"{not json"), 400, "BODY_NOT_JSON", id="not json"),
        pytest.param(
            b"POST /api/v1/volunteers HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 2\r\n\r\n{}",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            id="not sent as json",
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", b"x" * (MB + 1)), 413, "REQUEST_TOO_LARGE", id="declared too large"
        ),
        pytest.param(
            request("GET", f"/api/v1/volunteers/{NOBODY}", **AS_ADMIN), 503, "SERVICE_UNAVAILABLE", id="service down"
        ),
        pytest.param(
            request("POST", "/api/v1/volunteers", json.dumps(SIGN_UP).encode()),
            503,
            "SERVICE_UNAVAILABLE",
            id="service down at sign-up",
        ),
        pytest.param(request("GET", f"/api/v1/volunteers/{NOBODY}"), 401, "SIGN_IN_REQUIRED", id="no one signed in"),
        pytest.param(
            request("GET", "/api/v1/me", Authorization="Bearer vms_pat_revoked"), 401, "TOKEN_INVALID", id="bad token"
        ),
    ],
)
async def test_every_refusal_has_the_one_error_shape(gateway: Gateway, raw: bytes, status: int, code: str) -> None:
    answer = await exchange(gateway, raw)
    assert answer.status == status, answer
    error = answer.error()
    assert error.code == code
    assert error.message and error.message_en and error.message != error.message_en


# -- reading a body: JSON as RFC 8259 writes it, one way for every route ------------------------------------------


def json_request(
    method: str, path: str, body: bytes, content_type: str | None = "application/json", *, signed: bool = True
) -> bytes:
    """A request with `body` sent as `content_type`, signed in as the admin unless told otherwise."""
    lines = [f"{method} {path} HTTP/1.1", "Host: gateway", f"Content-Length: {len(body)}"]
    if signed:
        lines += [f"{name}: {value}" for name, value in AS_ADMIN.items()]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_a_member_named_twice_is_refused_naming_it(gateway: Gateway) -> None:
    """Python's parser keeps the last of two members with one name: a reviewer reading the first would be wrong."""
    centre = await exchange(
        gateway, json_request("POST", "/api/v1/centres", b'{"name": "x", "region": "00", "region": "11"}')
    )
    sign_up = await exchange(
        gateway,
        json_request("POST", "/api/v1/volunteers", b'{"login_id": "kim", "login_id": "lee"}', signed=False),
    )
    nested = await exchange(gateway, json_request("POST", "/api/v1/centres", b'{"name": {"a": 1, "a": 2}}'))
    for answer, name in ((centre, "region"), (sign_up, "login_id"), (nested, "a")):
        assert answer.status == 422, answer
        error = answer.error()
        assert error.code == "INVALID_REQUEST"
        [field] = error.fields
        assert (field.field, field.type, field.params) == (name, "duplicate_member", {"name": name})
        assert name in field.message and name in field.message_en


@pytest.mark.parametrize(
    ("body", "code", "params"),
    [
        pytest.param('{"granted": true}'.encode("utf-16"), "BODY_NOT_UTF8", {"position": 0}, id="utf-16 with bom"),
        pytest.param('{"granted": true}'.encode("utf-16-le"), "BODY_NOT_JSON", {"line": 1, "column": 2}, id="utf-16"),
        pytest.param(b'\xef\xbb\xbf{"granted": true}', "BODY_BYTE_ORDER_MARK", {}, id="utf-8 bom"),
        pytest.param(b'{"granted": NaN}', "BODY_NUMBER_NOT_JSON", {"value": "NaN"}, id="nan"),
        pytest.param(b'{"granted": -Infinity}', "BODY_NUMBER_NOT_JSON", {"value": "-Infinity"}, id="infinity"),
        pytest.param(b'{"granted": 1e400}', "BODY_NUMBER_OUT_OF_RANGE", {"value": "1e400"}, id="1e400"),
        pytest.param(
            b'{"granted": ' + b"7" * 5000 + b"}",
            "BODY_NUMBER_TOO_LONG",
            {"limit_chars": 100, "length": 5000},
            id="5000 digits",
        ),
        pytest.param(b'{"granted": true', "BODY_NOT_JSON", {"line": 1, "column": 17}, id="cut short"),
        pytest.param(b"[" * 100_000, "BODY_TOO_DEEP", {}, id="100000 deep"),
    ],
)
async def test_a_body_is_json_in_utf8_and_nothing_else(
    gateway: Gateway, body: bytes, code: str, params: dict[str, Any]
) -> None:
    answer = await exchange(gateway, json_request("POST", "/api/v1/centres", body))
    assert answer.status == 400, answer
    error = answer.error()
    assert (error.code, error.params) == (code, params)
    assert error.message and error.message_en


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/vnd.foo+json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; profile=x",
        "application/json; charset=utf-16; charset=utf-8",
        "application/json; charset=utf-8; charset=utf-8",
        "multipart/form-data; boundary=x",
    ],
)
async def test_a_body_not_sent_as_json_is_refused_415(gateway: Gateway, content_type: str | None) -> None:
    answer = await exchange(gateway, json_request("POST", "/api/v1/centres", b'{"name": "x"}', content_type))
    assert answer.status == 415, answer
    error = answer.error()
    assert error.code == "UNSUPPORTED_MEDIA_TYPE"
    assert error.params == {"expected": "application/json", "received": content_type or "-"}
    assert "application/json" in error.message and "application/json" in error.message_en


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
async def test_a_body_sent_as_json_is_read(gateway: Gateway, content_type: str) -> None:
    answer = await exchange(gateway, json_request("POST", "/api/v1/centres", b'{"unknown": 1}', content_type))
    assert answer.status == 422, answer
    assert "unknown" in [f.field for f in answer.error().fields]


async def test_an_empty_body_is_a_missing_body_whatever_its_type(gateway: Gateway) -> None:
    answer = await exchange(gateway, json_request("POST", "/api/v1/centres", b"", "text/plain"))
    assert answer.status == 422, answer
    assert [f.type for f in answer.error().fields] == ["missing"]


async def test_a_body_of_many_unknown_fields_is_refused_briefly_and_health_answers_meanwhile(
    gateway: Gateway,
) -> None:
    valid = '"name": "행복종합사회복지관", "region": "11", '.encode()
    body = b"{" + valid + b",".join(b'"k%05d":0' % i for i in range(75_000)) + b"}"
    assert len(body) < MB
    refusing = asyncio.ensure_future(exchange(gateway, json_request("POST", "/api/v1/centres", body)))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    health = await exchange(gateway, request("GET", "/api/v1/health"))
    health_took = time.monotonic() - started
    answer = await refusing
    assert answer.status == 422, answer
    assert len(answer.body) < 8 * 1024, len(answer.body)
    error = answer.error()
    assert len(error.fields) == 20
    assert error.params == {"fields_total": 75_000, "fields_shown": 20}
    assert health.status in (200, 503) and health.headers["content-type"].startswith("application/json")
    assert health_took < 3.5, health_took


# -- addresses -------------------------------------------------------------------------------------------------------


ID = "01a2172c-0000-7000-8000-00000000abcd"


@pytest.mark.parametrize(
    "written",
    ["{" + ID + "}", "%7B" + ID + "%7D", "urn:uuid:" + ID, ID.replace("-", ""), ID.upper().replace("-", "")],
)
@pytest.mark.parametrize(
    ("method", "template", "parameter"),
    [
        ("GET", "/api/v1/volunteers/{}", "volunteer_id"),
        ("GET", "/api/v1/volunteers/{}/hours", "volunteer_id"),
        ("GET", "/api/v1/volunteers/{}/activities", "volunteer_id"),
        ("GET", "/api/v1/centres/{}", "centre_id"),
        ("GET", "/api/v1/activities/{}", "activity_id"),
        ("POST", "/api/v1/accounts/{}/disable", "account_id"),
    ],
)
async def test_an_id_in_the_path_is_written_as_in_a_body(
    gateway: Gateway, written: str, method: str, template: str, parameter: str
) -> None:
    answer = await exchange(gateway, request(method, template.format(written), **AS_ADMIN))
    assert answer.status == 422, answer
    [field] = answer.error().fields
    assert (field.field, field.type) == (f"path.{parameter}", "id_format")


async def test_a_trailing_slash_is_not_redirected_anywhere(gateway: Gateway) -> None:
    for method in ("POST", "GET"):
        raw = request(method, "/api/v1/centres/", b"{}" if method == "POST" else None)
        answer = await exchange(gateway, raw.replace(b"Host: gateway", b"Host: evil.example"))
        assert answer.status in (404, 405), answer
        assert "location" not in answer.headers
        assert answer.error().code in ("NOT_FOUND", "METHOD_NOT_ALLOWED")


# -- what every answer carries, and what the log says ----------------------------------------------------------------


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


async def test_every_answer_carries_the_security_headers_and_a_request_id(gateway: Gateway) -> None:
    answers = [await exchange(gateway, request("GET", "/nowhere")), await exchange(gateway, request("GET", "/docs"))]
    answers.append(await exchange(gateway, request("GET", "/api/v1/health", X_Padding="p" * (20 * 1024))))
    async with connection(gateway) as conn:
        await conn.send(b"GET /api/v1/health HTTP/1.1\r\nHost: gateway\r\n")
        answers.append(await conn.answer(timeout=5))
    assert [a.status for a in answers] == [404, 200, 431, 408]
    for answer in answers:
        assert {k: answer.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS, answer
        assert len(answer.headers["x-request-id"]) == 36, answer


async def test_both_a_length_and_a_transfer_coding_is_refused_and_the_connection_closed(gateway: Gateway) -> None:
    """RFC 9112 §6.1: a request with both may be read one way here and another way by a proxy in front."""
    smuggled = (
        b"POST /api/v1/centres HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nGET /nowhere HTTP/1.1\r\n\r\n"
    )
    async with connection(gateway) as conn:
        await conn.send(smuggled)
        answer = await conn.answer()
        assert answer.status == 400, answer
        assert answer.error().code == "REQUEST_MALFORMED"
        assert answer.closed


def _log_lines(gateway: Gateway) -> list[dict[str, Any]]:
    lines = []
    for line in gateway.log.read_text().splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    return lines


async def test_each_request_is_one_access_line_without_its_query_or_body(gateway: Gateway) -> None:
    marker = uuid4().hex
    await exchange(gateway, request("GET", f"/nowhere/{marker}?name=kim-minji&phone=010", X_Request_ID=marker))
    await exchange(gateway, json_request("POST", f"/api/v1/centres?{marker}", b'{"name": "secret-kim"}', "text/plain"))
    await exchange(gateway, request("GET", "/api/v1/health", X_Padding="p" * (20 * 1024)))
    await exchange(gateway, b"NOT HTTP AT ALL\r\n\r\n")
    await asyncio.sleep(0.3)
    lines = _log_lines(gateway)
    text = gateway.log.read_text()
    assert "kim-minji" not in text and "secret-kim" not in text and "phone=" not in text
    assert gateway.admin_token not in text, "a token is never written in the log"
    mine = [line for line in lines if line.get("request_id") == marker]
    assert len(mine) == 1, mine
    [access] = mine
    assert access["event"] == "request"
    assert (access["method"], access["path"], access["status"]) == ("GET", f"/nowhere/{marker}", 404)
    assert isinstance(access["duration_ms"], float | int) and access["client"].startswith("127.0.0.1:")
    refused = [line for line in lines if line.get("path") == "/api/v1/centres" and line.get("status") == 415]
    assert refused, lines[-5:]
    protocol = [line for line in lines if line.get("event") == "request refused"]
    assert {line["status"] for line in protocol} >= {400, 431}, protocol
    for line in protocol:
        assert line["client"].startswith("127.0.0.1:") and line["reason"] and line["request_id"]
    assert "Invalid HTTP request received." not in text


async def test_a_method_not_allowed_names_the_methods_allowed(gateway: Gateway) -> None:
    answer = await exchange(gateway, request("DELETE", "/api/v1/centres"))
    assert answer.headers["allow"] == "POST"
    assert answer.error().params == {"method": "DELETE", "allowed": "POST"}


async def test_what_only_the_services_request_refuses_is_a_422_naming_the_field(
    gateway: Gateway, nats_url: str
) -> None:
    """The gateway builds the service's request from the body: a rule of that request is the client's error too.
    Asked by the centre's manager (whose account the admin makes, the registry saying the centre exists)."""
    manager = await centre_manager_token(gateway, nats_url, NOBODY)
    body = {
        "volunteer_id": NOBODY,
        "activity_date": "2026-01-05",
        "start_time": "10:00+09:00",
        "end_time": "11:00",
        "activity_type": "facility",
        "sub_field": "emotional",
        "description": "어르신 말벗",
    }
    raw = request(
        "POST", f"/api/v1/centres/{NOBODY}/activities", json.dumps(body).encode(), Authorization=f"Bearer {manager}"
    )
    answer = await exchange(gateway, raw)
    assert answer.status == 422, answer
    assert "start_time" in {f.field for f in answer.error().fields}


async def centre_manager_token(gateway: Gateway, nats_url: str, centre_id: str) -> str:
    """A token of a manager of `centre_id`, made by the admin while a stand-in registry says the centre exists."""
    nc = await nats.connect(nats_url)

    async def registry(msg: Any) -> None:
        centre = {
            "id": centre_id,
            "name": "행복복지관",
            "region": "11",
            "phone": None,
            "registered_at": "2026-01-01T00:00:00Z",
        }
        await nc.publish(msg.reply, json.dumps(centre).encode(), headers={"vms-regions": "00,11"})

    await nc.subscribe(f"{gateway.bus.root}.*.registry.rpc.get_centre", cb=registry)
    await nc.flush()
    login = new_login("cm")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}", timeout=10) as admin:
            made = {"login": login, "password": PASSWORD, "role": "centre_manager", "centres": [centre_id]}
            created = await admin.post(
                "/api/v1/accounts", json=made, headers={"Authorization": f"Bearer {gateway.admin_token}"}
            )
            assert created.status_code == 201, created.text
    finally:
        await nc.close()
    return await token_for(f"http://127.0.0.1:{gateway.port}", login)


async def test_an_unexpected_failure_is_a_500_in_the_one_shape(tmp_path: Path) -> None:
    app: FastAPI = create_app(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))

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


async def _head(gateway: Gateway, path: str) -> tuple[int, dict[str, str], bytes]:
    """A HEAD request's answer: its status and headers, and whatever follows them before the connection closes."""
    async with connection(gateway) as conn:
        await conn.send(request("HEAD", path, Connection="close"))
        head = await conn.reader.readuntil(b"\r\n\r\n")
        rest = await asyncio.wait_for(conn.reader.read(), 5)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
    return int(status_line.split()[1]), headers, rest


async def test_head_is_answered_where_get_is_without_a_body(gateway: Gateway) -> None:
    get = await exchange(gateway, request("GET", "/api/v1/health"))
    status, headers, rest = await _head(gateway, "/api/v1/health")
    assert (status, rest) == (get.status, b""), (status, rest[:200])
    assert headers["content-type"] == get.headers["content-type"]
    status, headers, rest = await _head(gateway, "/api/v1/centres")
    assert (status, headers["allow"], rest) == (405, "POST", b"")
    wrong = await exchange(gateway, request("DELETE", f"/api/v1/volunteers/{NOBODY}/hours"))
    assert wrong.status == 405 and wrong.headers["allow"] == "GET, HEAD"
    assert wrong.error().params == {"method": "DELETE", "allowed": "GET, HEAD"}


# -- one client cannot take the gateway from the others ------------------------------------------------------------


async def test_one_address_over_its_connection_cap_is_refused_while_another_is_served(gateway: Gateway) -> None:
    cap = int(LIMITS["VMS_GATEWAY_MAX_CONNECTIONS_PER_CLIENT"])
    await asyncio.sleep(0.3)  # the connections of earlier tests may still be closing on the server's side
    idle = [await Connection.open(gateway, "127.0.0.2") for _ in range(cap)]
    try:
        async with connection(gateway, "127.0.0.2") as extra:
            refused = await extra.answer(timeout=2)
        other = await exchange(gateway, request("GET", "/nowhere"), source="127.0.0.3")
    finally:
        for conn in idle:
            await conn.close()
    assert refused.status == 429 and refused.closed
    assert refused.headers["retry-after"] == "1"
    assert (refused.error().code, refused.error().params) == ("CLIENT_TOO_MANY_CONNECTIONS", {"limit": cap})
    assert other.status == 404, other


async def test_one_address_over_its_request_cap_is_refused_while_another_is_served(gateway: Gateway) -> None:
    """Requests whose headers are in and whose body never ends held every slot of the gateway for 10 s: now they
    hold only their own address's."""
    cap = int(LIMITS["VMS_GATEWAY_MAX_REQUESTS_PER_CLIENT"])
    waiting = [await Connection.open(gateway, "127.0.0.4") for _ in range(cap)]
    try:
        for conn in waiting:
            await conn.send(request("POST", "/api/v1/volunteers", b'{"login_id": "kim_minji"}')[:-5])
        await asyncio.sleep(0.2)
        refused = await exchange(gateway, request("GET", "/api/v1/health"), source="127.0.0.4")
        other = await exchange(gateway, request("GET", "/api/v1/health"), source="127.0.0.5")
        assert {(await conn.answer(timeout=5)).status for conn in waiting} == {408}
        again = await exchange(gateway, request("GET", "/nowhere"), source="127.0.0.4")
    finally:
        for conn in waiting:
            await conn.close()
    assert refused.status == 429, refused
    assert refused.headers["retry-after"] == "1"
    assert (refused.error().code, refused.error().params) == ("CLIENT_TOO_MANY_REQUESTS", {"limit": cap})
    assert refused.seconds < 0.5
    assert other.status in (200, 503) and "error" not in json.loads(other.body), other
    assert again.status == 404


# -- what a refusal repeats of the client's -------------------------------------------------------------------------


async def test_a_member_named_twice_with_a_lone_surrogate_is_a_422(gateway: Gateway) -> None:
    """`"\\udfff"` is valid JSON text for a lone surrogate, which UTF-8 cannot carry: repeating it in the refusal
    made the answer fail (500, and a traceback of 12,000 lines in a terminal)."""
    answer = await exchange(gateway, json_request("POST", "/api/v1/centres", b'{"\\udfff":0,"\\udfff":0}'))
    assert answer.status == 422, answer
    [field] = answer.error().fields
    assert (field.field, field.type, field.params) == ("\ufffd", "duplicate_member", {"name": "\ufffd"})
    assert answer.seconds < 1


async def test_what_a_refusal_repeats_of_the_request_is_bounded(gateway: Gateway) -> None:
    unknown = b'{"' + b"u" * 900_000 + b'": 1}'
    twice = b'{"' + b"d" * 500_000 + b'": 1, "' + b"d" * 500_000 + b'": 2}'
    method = "M" * 5000
    answers = [
        await exchange(gateway, json_request("POST", "/api/v1/centres", unknown)),
        await exchange(gateway, json_request("POST", "/api/v1/centres", twice)),
        await exchange(gateway, request(method, "/api/v1/centres", X_Request_ID=f"long-method-{uuid4().hex}")),
    ]
    assert [a.status for a in answers] == [422, 422, 405], answers
    for answer in answers:
        assert len(answer.body) < 4096, len(answer.body)
        error = answer.error()
        for text in [error.message, error.message_en, *(f.field for f in error.fields)]:
            assert len(text) < 600, len(text)
    assert "u" * 199 + "…" in [f.field for f in answers[0].error().fields]
    assert answers[2].error().params["method"] == "M" * 199 + "…"
    await asyncio.sleep(0.3)
    [access] = [line for line in _log_lines(gateway) if line.get("request_id") == answers[2].headers["x-request-id"]]
    assert access["method"] == "M" * 31 + "…" and access["status"] == 405


async def test_the_access_log_writes_the_path_as_received(gateway: Gateway) -> None:
    """As the client wrote it, percent-encoded: a name put in an address is not written out as text."""
    marker = uuid4().hex
    name = "/api/v1/volunteers/%ED%99%8D%EA%B8%B8%EB%8F%99"
    long = "/nowhere/" + "p" * 500
    for path in (name, long):
        await exchange(gateway, request("GET", path, X_Request_ID=f"{marker}-{len(path)}"))
    await asyncio.sleep(0.3)
    logged = {line["request_id"]: line["path"] for line in _log_lines(gateway) if line.get("event") == "request"}
    assert logged[f"{marker}-{len(name)}"] == name
    assert logged[f"{marker}-{len(long)}"] == long[:199] + "…"
    assert "홍길동" not in gateway.log.read_text()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """A test may set logging up as a process does; what was set before comes back after it."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    hooks = sys.excepthook, threading.excepthook
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)
    sys.excepthook, threading.excepthook = hooks


async def test_a_failure_with_personal_data_at_hand_is_answered_and_logged_without_it(
    capsys: pytest.CaptureFixture[str], restore_logging: None, tmp_path: Path
) -> None:
    """In a terminal the traceback showed every frame's locals: the raw body (a name, a birth date), megabytes of
    it, taking seconds in which the gateway answered nobody. The log line is short and holds none of it."""
    configure_logging("gateway", fmt="console")  # as `vms up` runs the gateway in a terminal
    app: FastAPI = create_app(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))

    @app.post("/api/v1/broken")
    async def broken(request: Request) -> None:
        body = (await request.body()).decode()
        raise UnicodeEncodeError("utf-8", body, 0, 1, "surrogates not allowed")

    personal = json.dumps({"name": "홍길동", "birth_date": "1990-03-04", "padding": "x" * 500_000}).encode()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        answer = await client.post("/api/v1/broken", content=personal, headers={"content-type": "application/json"})
    output = capsys.readouterr().err
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "request failed" in output
    assert "홍길동" not in output and "1990-03-04" not in output and "x" * 100 not in output
    assert len(output) < 20_000, len(output)


# -- stopping --------------------------------------------------------------------------------------------------------


def test_sigterm_stops_a_gateway_still_waiting_for_nats(tmp_path: Path) -> None:
    unreachable = free_port()  # nothing listens there
    log = tmp_path / "gateway.log"
    env = {
        **os.environ,
        "VMS_GATEWAY_NATS_URL": f"nats://127.0.0.1:{unreachable}",
        "VMS_GATEWAY_PORT": str(free_port()),
        "VMS_GATEWAY_LOG_FORMAT": "json",
        "VMS_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
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


async def test_a_client_that_leaves_mid_body_is_no_failure_of_the_gateway(gateway: Gateway) -> None:
    """A client may hang up before its body is in: that is logged as 499 in the access line, never as an internal
    failure with a traceback, which any anonymous client could otherwise write into the log at will."""
    marker = uuid4().hex
    conn = await Connection.open(gateway)
    await conn.send(
        f"POST /api/v1/volunteers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: 100\r\nX-Request-ID: {marker}\r\n\r\n".encode()
        + b'{"name"'
    )
    await asyncio.sleep(0.2)
    await conn.close()
    await asyncio.sleep(0.5)
    lines = _log_lines(gateway)
    mine = [line for line in lines if line.get("request_id") == marker]
    assert [line["event"] for line in mine] == ["request"], mine
    assert mine[0]["status"] == 499
    assert not [line for line in lines if line.get("event") == "request failed"]
    answer = await exchange(gateway, request("GET", "/api/v1/health"))
    assert answer.status in (200, 503)


async def test_the_gateway_answers_its_own_liveness_and_readiness(gateway: Gateway) -> None:
    """`/livez` and `/readyz` are the gateway process's own (its database at its schema, NATS connected), for the
    container engine and Kubernetes; the system's health is `/api/v1/health`. Neither is in the API document."""
    alive = await exchange(gateway, request("GET", "/livez"))
    assert (alive.status, json.loads(alive.body)) == (200, {"alive": True})
    ready = await exchange(gateway, request("GET", "/readyz"))
    assert (ready.status, json.loads(ready.body)) == (200, {"ready": True})
    assert ready.headers.get("cache-control") == "no-store"
    document = json.loads((await exchange(gateway, request("GET", "/openapi.json"))).body)
    assert not {"/livez", "/readyz"} & set(document["paths"])
