"""Log lines are JSON in production, carry the ids of the message being handled, and never a password."""

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from vms_platform.logging import LogFormat, configure_logging, current_trace, get_logger, scrub, trace


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_event_and_causation_ids(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("hours", fmt="json")
    log = get_logger("test")
    with trace(event_id="e-1", causation_id="c-1", correlation_id="r-1"):
        log.info("handled", minutes=210)
    log.info("outside")
    logging.getLogger("uvicorn.error").warning("from the standard library")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "handled"
    assert (lines[0]["event_id"], lines[0]["causation_id"], lines[0]["service"]) == ("e-1", "c-1", "hours")
    assert lines[0]["minutes"] == 210
    assert lines[1]["event_id"] is None
    assert lines[1]["causation_id"] is None
    assert lines[2]["event"] == "from the standard library"
    assert "causation_id" in lines[2]


def test_an_event_staged_while_handling_another_is_caused_by_it() -> None:
    with trace(event_id="e-1", causation_id="req-9", correlation_id="req-9"):
        assert current_trace() == ("e-1", "req-9")
    with trace(causation_id="req-9", correlation_id="req-9"):
        assert current_trace() == ("req-9", "req-9")


# -- no secret in any line ------------------------------------------------------------------------------------------

NATS_PASSWORD = "nats-S3cret-pw"
DB_PASSWORD = "pg-S3cret-pw"
NATS_URLS = f"nats://hours:{NATS_PASSWORD}@nats-1:4222,nats://hours:{NATS_PASSWORD}@nats-2:4222"
DATABASE_URL = f"postgresql://hours:{DB_PASSWORD}@hours-db:5432/hours"


@pytest.fixture
def restore_hooks() -> Iterator[None]:
    hooks = sys.excepthook, threading.excepthook
    yield
    sys.excepthook, threading.excepthook = hooks


def _connect(url: str) -> None:
    servers = url.split(",")  # a local a terminal traceback shows
    raise ConnectionError(f"cannot reach {servers[0]}")


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_no_line_carries_a_password_written_in_a_url(
    capsys: pytest.CaptureFixture[str], restore_logging: None, restore_hooks: None, fmt: LogFormat
) -> None:
    """Whichever way a URL reaches a line: our own fields (flat or nested), a library's message and its
    arguments, an exception's text and, in a terminal, the local variables of its traceback."""
    configure_logging("hours", fmt=fmt)
    log = get_logger("test")
    log.info("connecting", nats=NATS_URLS, database=DATABASE_URL, nested={"urls": [NATS_URLS], "n": 1})
    log.info(f"connecting to {DATABASE_URL}")
    logging.getLogger("nats.aio.client").error("nats: cannot connect to %s", NATS_URLS)
    logging.getLogger("faststream").warning("Connection broken with %r", {"servers": NATS_URLS.split(",")})
    logging.getLogger("uvicorn.error").warning("database %s", DATABASE_URL)
    try:
        _connect(NATS_URLS)
    except ConnectionError:
        log.exception("request failed")
        logging.getLogger("sqlalchemy.pool").exception("pool error at %s", DATABASE_URL)
    sys.excepthook(ValueError, ValueError(f"bad URL {DATABASE_URL}"), None)
    output = capsys.readouterr().err
    assert NATS_PASSWORD not in output and DB_PASSWORD not in output, output
    assert output.count("nats://hours:***@nats-1:4222") >= 3, "the user and the host stay: which server, which account"
    assert "postgresql://hours:***@hours-db:5432/hours" in output
    if fmt == "json":
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert len(lines) == 8
        assert lines[-1]["event"] == "uncaught exception" and "bad URL" in lines[-1]["exception"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("nats://hours:s3cret@nats-1:4222", "nats://hours:***@nats-1:4222"),
        ("nats://s3cret-token@nats-1:4222", "nats://***@nats-1:4222"),
        ("postgresql+asyncpg://u:p@ss'w:rd@db/x", "postgresql+asyncpg://u:***@db/x"),
        ("['nats://a:s3cret@h1', 'nats://a:s3cret@h2']", "['nats://a:***@h1', 'nats://a:***@h2']"),
        ("http://user@example.org/path", "http://user@example.org/path"),
        ("nats://nats-1:4222 and mail@example.org", "nats://nats-1:4222 and mail@example.org"),
        ("https://example.org/a?next=http://x:y@z", "https://example.org/a?next=http://x:***@z"),
        ("postgresql://hours:ab/cd+ef==@db:5432/hours", "postgresql://hours:***@db:5432/hours"),
        ("nats://hours:p?ss#w@nats-1:4222", "nats://hours:***@nats-1:4222"),
        ("nats://a:p/w@h1:4222,nats://a:p/w@h2:4222", "nats://a:***@h1:4222,nats://a:***@h2:4222"),
        ("postgresql://u:a,b@db/x", "postgresql://u:***@db/x"),
    ],
)
def test_a_password_in_a_url_is_masked_and_nothing_else(text: str, shown: str) -> None:
    assert scrub(text) == shown


def test_a_line_logged_from_another_thread_names_its_service(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("hours", fmt="json")
    worker = threading.Thread(target=lambda: logging.getLogger("aiosqlite").warning("from a driver's thread"))
    worker.start()
    worker.join()
    (line,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert line["service"] == "hours"


def test_masking_takes_linear_time_on_any_line() -> None:
    """A line is whatever a client or a library put in it: a long run of scheme-like text took seconds once."""
    started = time.perf_counter()
    for text in (".a" * 20_000 + "://" + "b" * 20_000, "a://" + "u" * 30_000 + ":" + "p" * 30_000 + " "):
        scrub(text)
    assert time.perf_counter() - started < 0.5


# -- no local variable in any traceback ------------------------------------------------------------------------------

PERSONAL = "홍길동-1990-03-04-" + "x" * 200_000
"""A request's raw body as a handler holds it: a name and a birth date, and enough of it to be costly to render."""


def _handle(raw_body: str) -> None:
    held = raw_body  # a local of the failing frame, as a web framework's frames hold the body they parse
    raise UnicodeEncodeError("utf-8", held[:1], 0, 1, "surrogates not allowed")


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_a_traceback_shows_no_local_variable(
    capsys: pytest.CaptureFixture[str], restore_logging: None, fmt: LogFormat
) -> None:
    """The frames' locals hold what was being handled (a body with personal data): no format renders them, and
    logging an exception takes milliseconds whatever the locals weigh."""
    configure_logging("gateway", fmt=fmt)
    started = time.perf_counter()
    try:
        _handle(PERSONAL)
    except UnicodeEncodeError:
        get_logger("test").exception("request failed")
    took = time.perf_counter() - started
    output = capsys.readouterr().err
    assert "request failed" in output and "_handle" in output, "the traceback itself is there"
    assert "홍길동" not in output and "x" * 100 not in output, output[-2000:]
    assert len(output) < 10_000, len(output)
    assert took < 0.5, took
