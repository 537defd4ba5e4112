"""structlog, set up once per process: JSON lines in production, readable lines in a terminal.

Every line carries `service`, `event_id` and `causation_id` (null where there is none) so that one event can be
followed through every service. Standard-library loggers (uvicorn, FastStream, nats-py, Alembic) and uncaught
exceptions go through the same processors.

No line carries a secret written in a URL: NATS and database URLs hold their passwords
(`nats://hours:<password>@nats-1:4222`), and such a URL can reach a line in many ways besides our own fields: a
library's message, an exception's text, the local variables a terminal traceback shows. So the password in every
`scheme://user:password@` (and a NATS token, `nats://<token>@`) is replaced by `***` in every value before the
line is rendered, and once more in the rendered line.

No traceback shows local variables, in any format: a frame's locals hold whatever it was handling (a request's
raw body with a volunteer's name and birth date, a password), and rendering them took seconds and a megabyte per
exception, during which the process answered nothing.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, NamedTuple

import structlog

LogFormat = Literal["auto", "json", "console"]

_TRACE_KEYS = ("event_id", "causation_id", "correlation_id", "actor")

MASK = "***"

_URL_CREDENTIALS = re.compile(
    # The password runs to the last `@` before white space or the next URL of a list (NATS takes a list of
    # servers, comma-separated), so that a password with an unencoded `@`, `'`, `/`, `?` or `#` (base64 passwords
    # hold `/`; SQLAlchemy reads them so) is hidden whole. Where a URL without credentials has an `@` later in its
    # path, what lies between its host's `:` and that `@` is masked too: a port hidden is harmless, a password
    # shown is not. A scheme is short: bounding it keeps the search linear on any line (a long run of
    # `.a.a.a…://` took seconds).
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://)(?P<user>[^\s:/?#@]*)"
    r"(?::(?P<password>(?:(?!,[A-Za-z][A-Za-z0-9+.\-]{0,31}://)\S)*))?@"
)
_TOKEN_SCHEMES = frozenset({"nats://", "tls://", "ws://", "wss://"})
"""Schemes whose user part alone is a secret: NATS reads `nats://<token>@host` as a token."""


def _mask(match: re.Match[str]) -> str:
    scheme, user = match.group("scheme"), match.group("user")
    if match.group("password") is not None:
        return f"{scheme}{user}:{MASK}@"
    if scheme.lower() in _TOKEN_SCHEMES and user:
        return f"{scheme}{MASK}@"
    return match.group(0)


def scrub(text: str) -> str:
    """`text` with the password of every URL in it replaced: `nats://hours:s3cret@nats-1:4222` →
    `nats://hours:***@nats-1:4222` (the user and the host stay, to tell which server and account)."""
    return _URL_CREDENTIALS.sub(_mask, text) if "://" in text else text


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_scrubbed(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    # Any other object is rendered through its text: replace it by that text only when the text holds a URL.
    text = str(value)
    return scrub(text) if "://" in text else value


def _scrub_values(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key != "exc_info":  # rendered by the console renderer itself, and scrubbed with its line
            event_dict[key] = _scrubbed(event_dict[key])
    return event_dict


def _scrub_line(_logger: Any, _name: str, line: Any) -> Any:
    """The rendered line: covers what the renderer itself adds, such as a traceback and its local variables."""
    return scrub(line) if isinstance(line, str) else line


def configure_logging(service: str, *, fmt: LogFormat = "auto", level: str = "INFO") -> None:
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"

    def with_service(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        # Bound context does not follow a line logged from another thread (a database driver's, say).
        event_dict.setdefault("service", service)
        return event_dict

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        with_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True) if fmt == "json" else _local_time,
        _with_trace_keys,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
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
            _scrub_values,
            renderer,
            _scrub_line,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # A library that writes through a handler of its own would write past every processor above, in a format of
    # its own: FastStream gives `faststream` a stderr handler and stops it from propagating. Every logger known
    # by now writes through the root handler instead.
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and (logger.handlers or not logger.propagate):
            logger.handlers.clear()
            logger.propagate = True
    for noisy in ("faststream", "uvicorn.access", "alembic", "httpx", "nats"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # An exception nobody caught would otherwise be printed by Python itself, past every processor above.
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("vms").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("vms").critical(
        f"uncaught exception in thread {name}", exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def _with_trace_keys(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in _TRACE_KEYS:
        event_dict.setdefault(key, None)
    return event_dict


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
    *,
    event_id: str | None = None,
    causation_id: str | None = None,
    correlation_id: str | None = None,
    actor: str | None = None,
) -> Iterator[None]:
    """Bind the ids of the message being handled and who asked for it (`Actor.reference`); log lines and staged
    events inside pick them up."""
    with structlog.contextvars.bound_contextvars(
        event_id=event_id, causation_id=causation_id, correlation_id=correlation_id, actor=actor
    ):
        yield


def current_trace() -> tuple[str | None, str | None]:
    """(causation id, correlation id) for an event staged now: the message being handled caused it."""
    bound = structlog.contextvars.get_contextvars()
    cause = bound.get("event_id") or bound.get("causation_id")
    return cause, bound.get("correlation_id") or cause


def current_actor() -> str | None:
    """Who asked for the request being answered (`Actor.reference`), for the events it stages."""
    actor = structlog.contextvars.get_contextvars().get("actor")
    return str(actor) if actor else None


class Origin(NamedTuple):
    """What caused an event and who asked for it: the envelope's causation, correlation and actor."""

    causation_id: str | None
    correlation_id: str | None
    actor: str | None


def current_origin() -> Origin:
    """The origin of an event staged now (`current_trace`, `current_actor`): kept with a request that is answered
    later, in a batch with others (`vms_platform.aio.Coalescer`), so that its events still name their own cause."""
    return Origin(*current_trace(), current_actor())
