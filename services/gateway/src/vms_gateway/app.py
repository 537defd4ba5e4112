"""The gateway: FastAPI in front of NATS request/reply.

Every refusal has one shape, `{"error": ErrorBody}`, with the HTTP status from `vms_platform.errors.HTTP_STATUS`:
422 for invalid input (with the fields), 404 for an unknown volunteer, centre or record, 409 for a conflict,
503/504 naming the service that is down or late. No request hangs longer than the RPC timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from faststream.nats import NatsBroker
from starlette.exceptions import HTTPException as StarletteHTTPException

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.subjects import inbox_prefix
from vms_gateway import api, events_page, portal
from vms_gateway.settings import GatewaySettings
from vms_platform.errors import HTTP_STATUS, DomainError, error_body, field_error
from vms_platform.logging import get_logger, trace
from vms_platform.retry import until_it_works
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.settings import redacted

log = get_logger("vms.gateway")

REQUEST_ID = "X-Request-ID"


def create_app(settings: GatewaySettings) -> FastAPI:
    broker = NatsBroker(
        [s.strip() for s in settings.nats_url.split(",")],
        name="vms-gateway",
        inbox_prefix=inbox_prefix("gateway"),
        logger=None,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await until_it_works(broker.connect, what="NATS", nats=redacted(settings.nats_url))
        log.info("gateway started", nats=redacted(settings.nats_url), port=settings.port)
        yield
        await broker.stop()

    app = FastAPI(
        title="VMS 사회복지자원봉사 종합관리 시스템 API",
        description=(
            "REST API of the national social-welfare volunteer management system. Every refusal is "
            '`{"error": {code, kind, message (Korean), message_en, params, fields}}`.'
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.broker = broker
    app.state.rpc = RpcClient(broker, settings.bus, timeout=settings.rpc_timeout)

    @app.middleware("http")
    async def request_id(request: Request, call_next: Any) -> Response:
        rid = request.headers.get(REQUEST_ID) or str(new_id())
        request.state.request_id = rid
        with trace(causation_id=rid, correlation_id=rid):
            response: Response = await call_next(request)
        response.headers[REQUEST_ID] = rid
        return response

    @app.exception_handler(RemoteError)
    async def on_remote_error(_request: Request, exc: RemoteError) -> JSONResponse:
        return _error_response(exc.body)

    @app.exception_handler(DomainError)
    async def on_domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _error_response(exc.body())

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [field_error(err, skip=1 if err["loc"][:1] == ("body",) else 0) for err in exc.errors()]
        body = error_body("INVALID_REQUEST", ErrorKind.INVALID).model_copy(update={"fields": fields})
        return _error_response(body)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error_response(error_body("NOT_FOUND", ErrorKind.NOT_FOUND))
        return JSONResponse({"error": {"code": "HTTP_ERROR", "message": str(exc.detail)}}, status_code=exc.status_code)

    app.include_router(api.router)
    app.include_router(portal.router)
    app.include_router(events_page.router)
    return app


def _error_response(body: ErrorBody) -> JSONResponse:
    return JSONResponse({"error": body.model_dump(mode="json")}, status_code=HTTP_STATUS[body.kind])
