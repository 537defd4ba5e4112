"""structlog, set up once per process: JSON lines in production, readable lines in a terminal.

Every line carries `service`, `event_id` and `causation_id` (null where there is none) so that one event can be
followed through every service. Standard-library loggers (uvicorn, FastStream, Alembic) go through the same
processors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import structlog

LogFormat = Literal["auto", "json", "console"]

_TRACE_KEYS = ("event_id", "causation_id", "correlation_id")


def _with_trace_keys(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in _TRACE_KEYS:
        event_dict.setdefault(key, None)
    return event_dict


def configure_logging(service: str, *, fmt: LogFormat = "auto", level: str = "INFO") -> None:
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True) if fmt == "json" else _local_time,
        _with_trace_keys,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if fmt == "json" else _drop_empty_trace_keys,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("faststream", "uvicorn.access", "alembic", "httpx", "nats"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def _drop_empty_trace_keys(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """In a terminal, a key with no value is noise; JSON lines keep every key for machines."""
    for key in _TRACE_KEYS:
        if event_dict.get(key) is None:
            event_dict.pop(key, None)
    return event_dict


def _local_time(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event_dict["timestamp"] = datetime.now().strftime("%H:%M:%S.%f")[:-3]
    return event_dict


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


@contextmanager
def trace(
    *, event_id: str | None = None, causation_id: str | None = None, correlation_id: str | None = None
) -> Iterator[None]:
    """Bind the ids of the message being handled; log lines and staged events inside pick them up."""
    with structlog.contextvars.bound_contextvars(
        event_id=event_id, causation_id=causation_id, correlation_id=correlation_id
    ):
        yield


def current_trace() -> tuple[str | None, str | None]:
    """(causation id, correlation id) for an event staged now: the message being handled caused it."""
    bound = structlog.contextvars.get_contextvars()
    cause = bound.get("event_id") or bound.get("causation_id")
    return cause, bound.get("correlation_id") or cause
