"""The OpenAPI document says what each route can answer: its success, and each refusal in the error shape
(`vms_gateway.errors`), with the statuses below. The request rules are the models' own (`vms_contracts`), as
FastAPI writes them from the models."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from vms_contracts.rpc import REQUEST_ID_PATTERN
from vms_gateway.edge import REQUEST_ID
from vms_gateway.errors import ErrorResponse

REFUSALS: dict[int, str] = {
    400: "The request cannot be read: not HTTP/1.1 the gateway frames (`REQUEST_MALFORMED`: a malformed request "
    "line or header, both `Content-Length` and `Transfer-Encoding`, a transfer coding other than `chunked`; the "
    "connection is closed), or a body that is not JSON the gateway reads (`BODY_…`): not UTF-8, a byte order mark, "
    "not JSON text, `NaN` or `Infinity`, a number longer than 100 characters or out of range, or nested too deeply.",
    404: "What the request names does not exist (`VOLUNTEER_NOT_FOUND`, `CENTRE_NOT_FOUND`, …).",
    405: "The address does not take this method (`METHOD_NOT_ALLOWED`); `Allow` lists those it takes.",
    408: "The request line and headers, or the body, did not arrive in full in time (`REQUEST_TIMEOUT`); the "
    "connection is closed.",
    409: "The request conflicts with what exists (a login id taken, an overlapping activity, …).",
    413: "The body, declared or as it arrives, is larger than the gateway accepts (`REQUEST_TOO_LARGE`), whether or "
    "not the route takes one.",
    415: "The body is not sent as `application/json` (with no parameter, or `charset=utf-8` once).",
    422: "The request is not valid (`fields` says which and why: a path id not written 8-4-4-4-12, a member "
    "named twice, …), or breaks one of the brochure's rules.",
    429: "This client address has too many requests being answered (`CLIENT_TOO_MANY_REQUESTS`) or connections "
    "open (`CLIENT_TOO_MANY_CONNECTIONS`, the connection is closed) at once, with `Retry-After`.",
    431: "The request line and headers are larger than the gateway accepts (`HEADERS_TOO_LARGE`); the connection "
    "is closed.",
    500: "Something went wrong inside the gateway or a service.",
    503: "A service is not available (`params.service` names it), or the gateway has too many requests or "
    "connections at once (`GATEWAY_BUSY`, `TOO_MANY_CONNECTIONS`, with `Retry-After`).",
    504: "A service did not answer in time (`params.service` names it).",
}

BODY = (415, 422)
"""What a route that reads a body can refuse besides what every route can, before any service is asked."""

EVERY_ROUTE = (400, 405, 408, 413, 429, 431, 500, 503)
"""What any request can be answered, whatever its route: the gateway's own refusals at the HTTP edge."""


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route for these refusals, each in the error shape."""
    return {status: {"model": ErrorResponse, "description": REFUSALS[status]} for status in sorted(set(statuses))}


def install(app: FastAPI) -> None:
    """Generate the document once, with the `X-Request-ID` header that every answer carries."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            request_id = {
                "description": "The request's id: the client's own `X-Request-ID` if it is 1–64 characters of "
                "`A–Z a–z 0–9 . _ : -`, else a new one. Services record it as the cause of what the request changed.",
                "required": True,
                "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
            }
            for operations in document.get("paths", {}).values():
                methods = {m.upper() for m in operations} | ({"HEAD"} if "get" in operations else set())
                allow = {
                    "description": "The methods this address takes (HEAD wherever GET: the GET answer's headers).",
                    "required": True,
                    "schema": {"type": "string", "enum": [", ".join(sorted(methods))]},
                }
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        response.setdefault("headers", {})[REQUEST_ID] = request_id
                        if status == "405":
                            response["headers"]["Allow"] = allow
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
