"""Errors are types: one class per broken rule, each with a code in the message catalogue.

A domain error crosses the bus as an `ErrorBody` reply (`vms_contracts.errors`) and becomes an HTTP status at the
gateway through `HTTP_STATUS`, the one mapping from kind to status.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from vms_contracts.errors import ErrorBody, ErrorKind, FieldError
from vms_platform.messages import CATALOGUE, text

HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.RULE: 422,
    ErrorKind.TIMEOUT: 504,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}


ECHO_LIMIT = 200
"""The most characters of anything a client sent (a member's name, a value, an HTTP method) that a refusal repeats:
an unknown member named with 900 KB came back whole, in a 900 KB answer."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def echoed(value: str, limit: int = ECHO_LIMIT) -> str:
    """`value` as a refusal may repeat it: at most `limit` characters (cut ones end in `…`), and encodable in UTF-8.
    A JSON escape such as `"\\udfff"` reads as a lone surrogate, which no UTF-8 answer can carry: writing the
    refusal failed, and the client got a 500 instead. Each is replaced by U+FFFD, as a decoder shows a bad byte."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return _LONE_SURROGATE.sub("\ufffd", value)


def field_error(err: Mapping[str, Any], *, skip: int = 0) -> FieldError:
    """One of pydantic's errors as a client reads it: where (without the first `skip` parts of its location), and
    the rule it broke in Korean and English, from the catalogue's `FIELD_<type>` filled with the error's context
    (the limit, the pattern, the allowed values), which also travels as `params`."""
    kind = str(err["type"])
    location = list(err.get("loc", ()))
    params = {key: _plain(value) for key, value in (err.get("ctx") or {}).items()}
    code = f"FIELD_{kind}"
    if kind == "json_invalid":
        # The body could not be read at all: its location is where the parser stopped, not a field.
        field = "(body)"
        position = next((part for part in reversed(location) if isinstance(part, int)), None)
        if position is not None:
            params["position"] = position
            code = "FIELD_json_invalid_at"
        params.setdefault("error", echoed(str(err.get("msg", ""))))
    else:
        parts = location[skip:]
        if isinstance(params.get("field"), str):
            # A rule over several fields of one object (an end before its start) is checked on the object, and
            # names in its context the field the client should change.
            parts = [*parts, params["field"]]
        field = echoed(".".join(str(part) for part in parts)) or "(body)"
        if kind == "missing" and field == "(body)":
            code = "FIELD_body_missing"
    if code in CATALOGUE:
        with contextlib.suppress(KeyError, IndexError, ValueError):
            known = text(code, **params)
            return FieldError(field=field, message=known.ko, message_en=known.en, type=kind, params=params)
    message = echoed(str(err.get("msg", "")).removeprefix("Value error, "), 2 * ECHO_LIMIT)
    ko, separator, en = message.partition(" / ")
    if separator:  # a validator of our own that says it in both languages, `한국어 / English`
        return FieldError(field=field, message=ko, message_en=en, type=kind, params=params)
    generic = text("FIELD_invalid", detail=message)
    return FieldError(field=field, message=generic.ko, message_en=generic.en, type=kind, params=params)


MAX_FIELD_ERRORS = 20
"""A refusal lists at most this many fields (and says how many were wrong in all): a body of 75,000 unknown
fields is refused in a few hundred bytes, not twelve megabytes."""


def invalid_request(
    errors: Sequence[Mapping[str, Any]], *, skip: Callable[[Mapping[str, Any]], int] = lambda _err: 0
) -> ErrorBody:
    """The refusal of a request that failed validation: its first `MAX_FIELD_ERRORS` field errors, and, when there
    were more, `params` says how many (`fields_total`, `fields_shown`)."""
    shown = [field_error(err, skip=skip(err)) for err in errors[:MAX_FIELD_ERRORS]]
    params = {"fields_total": len(errors), "fields_shown": len(shown)} if len(errors) > len(shown) else {}
    return error_body("INVALID_REQUEST", ErrorKind.INVALID).model_copy(update={"fields": shown, "params": params})


class DomainError(Exception):
    """Base of every rule a service refuses to break. Subclasses set `code` and `kind`; the code's text is in the
    message catalogue (`vms_platform.messages`, or the service's own `messages.py`)."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    kind: ClassVar[ErrorKind] = ErrorKind.INTERNAL

    def __init__(self, **params: Any) -> None:
        self.params = {k: _plain(v) for k, v in params.items()}
        super().__init__(self.body().message_en)

    def body(self) -> ErrorBody:
        return error_body(self.code, self.kind, **self.params)


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class RuleViolation(DomainError):
    kind = ErrorKind.RULE


def error_body(code: str, kind: ErrorKind, **params: Any) -> ErrorBody:
    """The refusal `code` with its text filled from `params`, each bounded (`echoed`): whatever of the client's a
    param holds reaches the answer at most `ECHO_LIMIT` characters long."""
    params = {key: _plain(value) for key, value in params.items()}
    message = text(code, **params)
    return ErrorBody(code=code, kind=kind, message=message.ko, message_en=message.en, params=params)


def _plain(value: Any) -> Any:
    """Params travel as JSON: keep numbers, render the rest (dates, UUIDs) as text, and bound every text
    (`echoed`)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return echoed(value if isinstance(value, str) else str(value))
