"""JSON read the one way RFC 8259 defines it, and nothing a lenient parser would also take: what the gateway reads
from an HTTP body and what a service reads from a request on the bus.

Python's `json.loads` guesses UTF-16 and UTF-32 from the first bytes, takes `NaN`, `Infinity` and `1e400` (as
infinity), keeps the last of two members with the same name, and reads a 5,000-digit integer only to fail on
Python's digit limit. Each of those lets a client send something other than what it meant, or than what a reviewer
of the request would read: `{"granted": false, "granted": true}` grants. Here a document is refused unless it is
UTF-8 without a byte order mark, JSON text with no `NaN`/`Infinity`, numbers of at most `MAX_NUMBER_CHARS`
characters that fit a double, nested no deeper than the parser can follow, objects whose members have distinct
names. Each refusal names what is wrong with a `BODY_…` code of the message catalogue.
"""

from __future__ import annotations

import json
import math
from typing import Any

from vms_platform.messages import text

MAX_NUMBER_CHARS = 100
"""The longest number a document may hold, in characters. No field takes more than a few digits; a longer one is a
mistake or an attack (Python's `int()` is quadratic in the digits), refused before it is converted."""

_UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableJson(ValueError):
    """The bytes are not one JSON text as RFC 8259 defines it; `code` (`BODY_…`) and `params` say why."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(text(code, **params).en)


class DuplicateMember(ValueError):
    """An object names the member `name` twice: which of the two was meant cannot be known."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"the member {name!r} appears more than once")

    def as_validation_error(self, *, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
        """In the shape of a pydantic error, so the refusal names the member as any other invalid field."""
        return {
            "type": "duplicate_member",
            "loc": (*prefix, self.name),
            "msg": str(self),
            "input": None,
            "ctx": {"name": self.name},
        }


def loads(document: bytes) -> Any:
    """The JSON document in `document`, read strictly; `UnreadableJson` or `DuplicateMember` otherwise."""
    if document.startswith(_UTF8_BOM):
        raise UnreadableJson("BODY_BYTE_ORDER_MARK")
    try:
        decoded = document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableJson("BODY_NOT_UTF8", position=exc.start) from None
    try:
        return json.loads(
            decoded, object_pairs_hook=_members, parse_int=_integer, parse_float=_decimal, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise UnreadableJson("BODY_NOT_JSON", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise UnreadableJson("BODY_TOO_DEEP") from None


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise DuplicateMember(name)
            seen.add(name)
    return document


def _integer(digits: str) -> int:
    if len(digits) > MAX_NUMBER_CHARS:
        raise UnreadableJson("BODY_NUMBER_TOO_LONG", limit_chars=MAX_NUMBER_CHARS, length=len(digits))
    return int(digits)


def _decimal(number: str) -> float:
    if len(number) > MAX_NUMBER_CHARS:
        raise UnreadableJson("BODY_NUMBER_TOO_LONG", limit_chars=MAX_NUMBER_CHARS, length=len(number))
    value = float(number)
    if not math.isfinite(value):
        raise UnreadableJson("BODY_NUMBER_OUT_OF_RANGE", value=number)
    return value


def _constant(name: str) -> Any:
    raise UnreadableJson("BODY_NUMBER_NOT_JSON", value=name)
