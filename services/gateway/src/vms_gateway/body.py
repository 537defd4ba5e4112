"""The one way the gateway reads a request body: JSON as RFC 8259 defines it, and nothing a lenient parser would
also take.

Python's `json.loads` (which FastAPI calls) guesses UTF-16 and UTF-32 from the first bytes, takes `NaN`,
`Infinity` and `1e400` (as infinity), keeps the last of two members with the same name, and reads a
5,000-digit integer only to fail on Python's digit limit; FastAPI also reads any `+json` media type, and ignores a
`charset`. Each of those let a client send something other than what it meant, or what a reviewer of the request
would read: `{"granted": false, "granted": true}` grants.

So a body is read here, before FastAPI does, and refused unless it is:

- sent as `application/json` (with no parameter, or `charset=utf-8`): else 415 `UNSUPPORTED_MEDIA_TYPE`;
- UTF-8 without a byte order mark, JSON text with no `NaN`/`Infinity`, numbers of at most `MAX_NUMBER_CHARS`
  characters that fit a double, nested no deeper than the parser can follow: else 400, one of the `BODY_…` codes,
  which say what is wrong;
- an object whose members have distinct names: else 422 naming the repeated member, as any other invalid field.

An empty body is left to FastAPI, which answers the missing body as a field error (422), whatever its media type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from vms_gateway.errors import refusal

JSON_MEDIA_TYPE = "application/json"

MAX_NUMBER_CHARS = 100
"""The longest number a body may hold, in characters. No field takes more than a few digits; a longer one is a
mistake or an attack (Python's `int()` is quadratic in the digits), refused before it is converted."""

_UTF8_BOM = b"\xef\xbb\xbf"


class _DuplicateMember(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class _BadNumber(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise _DuplicateMember(name)
            seen.add(name)
    return document


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber("BODY_NUMBER_TOO_LONG", limit_chars=MAX_NUMBER_CHARS, length=len(text))
    return int(text)


def _decimal(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber("BODY_NUMBER_TOO_LONG", limit_chars=MAX_NUMBER_CHARS, length=len(text))
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber("BODY_NUMBER_OUT_OF_RANGE", value=text)
    return value


def _constant(name: str) -> Any:
    raise _BadNumber("BODY_NUMBER_NOT_JSON", value=name)


def check_media_type(content_type: str | None) -> None:
    """Refuse (415) a body that is not declared `application/json`, in UTF-8 or with no charset."""
    if content_type:
        message = Message()
        message["content-type"] = content_type
        params = {key.lower(): value for key, value in (message.get_params() or [])[1:]}
        charset = str(params.pop("charset", "utf-8")).lower()
        if message.get_content_type() == JSON_MEDIA_TYPE and not params and charset in ("utf-8", "utf8"):
            return
    received = (content_type or "").strip()[:100] or "-"
    raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", expected=JSON_MEDIA_TYPE, received=received)


def parse_json(body: bytes) -> Any:
    """The JSON document in `body`, read strictly (see the module's docstring); a refusal otherwise."""
    if body.startswith(_UTF8_BOM):
        raise refusal(400, "BODY_BYTE_ORDER_MARK")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refusal(400, "BODY_NOT_UTF8", position=exc.start) from None
    try:
        return json.loads(
            text, object_pairs_hook=_members, parse_int=_integer, parse_float=_decimal, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise refusal(400, "BODY_NOT_JSON", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise refusal(400, "BODY_TOO_DEEP") from None
    except _BadNumber as exc:
        raise refusal(400, exc.code, **exc.params) from None
    except _DuplicateMember as exc:
        error = {"type": "duplicate_member", "loc": ("body", exc.name), "msg": "duplicate member", "input": None}
        raise RequestValidationError([{**error, "ctx": {"name": exc.name}}]) from None


async def read_json_body(request: Request) -> None:
    """Read the request's body strictly and leave the document where FastAPI will look for it (`Request.json`)."""
    body = await request.body()
    if not body:
        return
    check_media_type(request.headers.get("content-type"))
    # Starlette's `Request.json()` returns what it finds here, and parses nothing itself.
    request._json = parse_json(body)


class StrictJsonRoute(APIRoute):
    """A route whose body, if it takes one, is read by `read_json_body` before FastAPI reads it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strictly(request: Request) -> Response:
            await read_json_body(request)
            return await handler(request)

        return strictly
