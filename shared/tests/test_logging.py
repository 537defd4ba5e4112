"""Log lines are JSON in production and carry the ids of the message being handled."""

import json
import logging
from collections.abc import Iterator

import pytest

from vms_platform.logging import configure_logging, current_trace, get_logger, trace


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
