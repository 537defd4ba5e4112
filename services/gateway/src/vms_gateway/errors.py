"""Every answer that is not a success, in one shape: `{"error": ErrorBody}` (`vms_contracts.errors`).

A refusal from a service keeps the status its kind maps to (`vms_platform.errors.HTTP_STATUS`); a refusal of the
gateway's own (a body too large, a request too slow, too many at once) names its status here. The same
statuses, with the same schema, are what the OpenAPI document lists for each route (`vms_gateway.openapi`).
"""

from __future__ import annotations

import http
import json
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_gateway import messages as _messages  # noqa: F401  (the texts of the refusals below)
from vms_platform.errors import HTTP_STATUS, error_body


class ErrorResponse(BaseModel):
    """What every refusal of the API looks like."""

    error: ErrorBody


class Refusal(HTTPException):
    """A request the gateway refuses by itself, with its own status. Raised where the request is read (from the
    body's `receive`), so that FastAPI passes it on as it does any `HTTPException`."""

    def __init__(self, status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, body.message_en, headers=dict(headers or {}))
        self.body = body


def refusal(
    status: int,
    code: str,
    kind: ErrorKind = ErrorKind.INVALID,
    *,
    close: bool = False,
    retry_after: int | None = None,
    **params: Any,
) -> Refusal:
    """A refusal with the text of `code`. `close` ends the connection after it: what the client still sends of this
    request would otherwise be read as its next one."""
    headers = {"Connection": "close"} if close else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Refusal(status, error_body(code, kind, **params), headers)


def seconds(value: float) -> float | int:
    """A duration as people read it in a message: `5`, not `5.0`."""
    return int(value) if float(value).is_integer() else value


def error_response(
    body: ErrorBody, status: int | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The HTTP answer for `body`; without a status, the one its kind maps to."""
    content = {"error": body.model_dump(mode="json")}
    return JSONResponse(content, status_code=status or HTTP_STATUS[body.kind], headers=dict(headers or {}))


SECURITY_HEADERS: dict[str, str] = {
    # Nothing the gateway serves is to be sniffed into another type, framed by another site, or told where the
    # reader came from (an address may hold a volunteer's id).
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def raw_response(status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for where no request was read to answer (the connection
    itself is refused, or its request never arrived)."""
    payload = json.dumps({"error": body.model_dump(mode="json")}, ensure_ascii=False, separators=(",", ":")).encode()
    lines = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        "content-type: application/json",
        f"content-length: {len(payload)}",
        "connection: close",
        *(f"{name}: {value}" for name, value in {**SECURITY_HEADERS, **(headers or {})}.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload
