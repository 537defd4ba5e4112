"""The OpenAPI document says what each route can answer: its success, and each refusal in the error shape
(`vms_gateway.errors`), with the statuses below. The request rules are the models' own (`vms_contracts`), as
FastAPI writes them from the models."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from vms_contracts.actor import Role
from vms_contracts.permissions import Access, access
from vms_contracts.rpc import REQUEST_ID_PATTERN
from vms_gateway.edge import REQUEST_ID
from vms_gateway.errors import ErrorResponse

REFUSALS: dict[int, str] = {
    400: "The request cannot be read: not HTTP/1.1 the gateway frames (`REQUEST_MALFORMED`: a malformed request "
    "line or header, both `Content-Length` and `Transfer-Encoding`, a transfer coding other than `chunked`; the "
    "connection is closed), or a body that is not JSON the gateway reads (`BODY_…`): not UTF-8, a byte order mark, "
    "not JSON text, `NaN` or `Infinity`, a number longer than 100 characters or out of range, or nested too deeply.",
    401: "No one is signed in and the operation needs an account (`SIGN_IN_REQUIRED`), the access token is not a "
    "live one (`TOKEN_INVALID`: revoked, expired, or its account disabled), or the login or password is wrong "
    "(`SIGN_IN_FAILED`); `WWW-Authenticate` says how to sign in.",
    403: "The signed-in role may not do this (`NOT_PERMITTED`), or not to this record (`OUT_OF_SCOPE`: another "
    "volunteer's, centre's or region's), or the session's CSRF token is missing (`CSRF_FAILED`).",
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
    "open (`CLIENT_TOO_MANY_CONNECTIONS`, the connection is closed) at once, or too many failed sign-ins "
    "(`SIGN_IN_THROTTLED`), with `Retry-After`.",
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


OPERATION = "x-vms-operation"
"""The extension that names a route's row of the permission matrix (`vms_gateway.guard.operation`)."""

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "vms_session",
        "description": "The cookie `POST /api/v1/session` (or the portal's sign-in) sets. Every unsafe request of a "
        "session also sends the session's CSRF token as `X-CSRF-Token`.",
    },
    "token": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "vms_pat_…",
        "description": "A personal access token (`POST /api/v1/me/tokens`), as `Authorization: Bearer vms_pat_…`.",
    },
}


def _secure(operation: dict[str, Any]) -> None:
    """Say how a guarded route is signed in to, and that it can be refused for who is asking (401, 403)."""
    named = operation.get(OPERATION)
    names = [named] if isinstance(named, str) else list(named or [])
    if not names:
        return
    # The token first: a client that holds one sends it, and a tool that reads the list in order tries it first.
    operation["security"] = [{"token": []}, {"session": []}]
    if any(access(name, Role.ANONYMOUS) is not Access.REFUSED for name in names):
        operation["security"].append({})
    responses = operation.setdefault("responses", {})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for status in (401, 403):
        responses.setdefault(str(status), {"description": REFUSALS[status], "content": error})
    responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
        "description": 'How to sign in: `Bearer realm="vms"`',
        "required": True,
        "schema": {"type": "string"},
    }


def _address_pattern(template: str) -> re.Pattern[str]:
    """`/api/v1/centres/{centre_id}` → what addresses it stands for: one path segment for each parameter."""
    literal = re.split(r"\{[^/{}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in literal) + "$")


def methods_at(app: FastAPI, path: str) -> list[str]:
    """Every method the document lists at `path` (an address may be served by routes of several routers, and
    Starlette's `Allow` names only those of the first it tried); none for an address the document does not hold."""
    patterns: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "method_patterns", None)
    if patterns is None:
        paths = app.openapi().get("paths", {})
        patterns = [(_address_pattern(template), {m.upper() for m in ops}) for template, ops in paths.items()]
        app.state.method_patterns = patterns
    return sorted({method for pattern, methods in patterns if pattern.match(path) for method in methods})


def install(app: FastAPI) -> None:
    """Generate the document once, with the `X-Request-ID` header that every answer carries, and the ways to sign
    in that each route takes."""

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
            document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    _secure(operation)
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
