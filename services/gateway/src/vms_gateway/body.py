"""The one way the gateway reads a request body: declared as JSON, and JSON as RFC 8259 defines it
(`vms_platform.strict_json`, which the services apply to their requests on the bus too).

FastAPI reads any `+json` media type and ignores a `charset`, and Python's `json.loads` takes much that is not
JSON (see `vms_platform.strict_json`). So a body is read here, before FastAPI does, and refused unless it is:

- sent as `application/json` (with no parameter, or `charset=utf-8` once): else 415 `UNSUPPORTED_MEDIA_TYPE`;
- one JSON text, read strictly: else 400, one of the `BODY_…` codes, which say what is wrong;
- made of objects whose members have distinct names: else 422 naming the repeated member, as any other invalid
  field.

An empty body is left to FastAPI, which answers the missing body as a field error (422), whatever its media type.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from vms_gateway.errors import refusal
from vms_platform import strict_json

JSON_MEDIA_TYPE = "application/json"


def check_media_type(content_type: str | None) -> None:
    """Refuse (415) a body that is not declared `application/json`, in UTF-8 or with no charset."""
    if content_type:
        message = Message()
        message["content-type"] = content_type
        pairs = [(key.lower(), value) for key, value in (message.get_params() or [])[1:]]
        params = dict(pairs)
        charset = str(params.pop("charset", "utf-8")).lower()
        # A parameter given twice (`charset=utf-16; charset=utf-8`) is read by some with the first value, by others
        # with the last: which was meant cannot be known.
        distinct = len(pairs) == len({key for key, _ in pairs})
        if message.get_content_type() == JSON_MEDIA_TYPE and distinct and not params and charset in ("utf-8", "utf8"):
            return
    received = (content_type or "").strip()[:100] or "-"
    raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", expected=JSON_MEDIA_TYPE, received=received)


def parse_json(body: bytes) -> Any:
    """The JSON document in `body`, read strictly; a refusal otherwise."""
    try:
        return strict_json.loads(body)
    except strict_json.UnreadableJson as exc:
        raise refusal(400, exc.code, **exc.params) from None
    except strict_json.DuplicateMember as exc:
        raise RequestValidationError([exc.as_validation_error(prefix=("body",))]) from None


async def read_json_body(request: Request) -> None:
    """Read the request's body strictly and leave the document where FastAPI will look for it (`Request.json`)."""
    body = await request.body()
    if not body:
        return
    check_media_type(request.headers.get("content-type"))
    # Starlette's `Request.json()` returns what it finds here, and parses nothing itself.
    request._json = parse_json(body)


def _as_get(scope: Scope) -> Scope:
    return {**scope, "method": "GET"} if scope.get("method") == "HEAD" else scope


class StrictJsonRoute(APIRoute):
    """A route whose body, if it takes one, is read by `read_json_body` before FastAPI reads it.

    A route that answers GET answers HEAD too (RFC 9110 §9.3.2), as GET without the body: the server (uvicorn) sends
    the headers of the GET answer and drops its body. HEAD is not a separate operation in the OpenAPI document."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return super().matches(_as_get(scope) if "GET" in (self.methods or ()) else scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The scope the server holds keeps saying HEAD, which is what makes it leave the body out.
        await super().handle(_as_get(scope) if "GET" in (self.methods or ()) else scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strictly(request: Request) -> Response:
            await read_json_body(request)
            return await handler(request)

        return strictly
