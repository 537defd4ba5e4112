"""The gateway: FastAPI in front of NATS request/reply.

Every refusal has one shape, `{"error": ErrorBody}` (`vms_gateway.errors`): 422 for invalid input (with the
fields), 404 for an unknown volunteer, centre, record or address, 409 for a conflict, 503/504 naming the service
that is down or late, and the gateway's own refusals (400 for a body that is not JSON, 405, 408, 413, 415 for a
body not sent as `application/json`, 429 when one client address has too many requests or connections, 431, 503
when too busy, 500). No request hangs longer than the RPC timeout, and no client holds more than the limits of
`GatewaySettings`. What a refusal repeats of the request is bounded (`vms_platform.errors.echoed`).

Each request is a span when the OTEL_* variables turn tracing on (`vms_gateway.traces`), the requests it sends to
the services its children.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker
from sqlalchemy import make_url, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vms_contracts.errors import ErrorKind
from vms_contracts.subjects import inbox_prefix
from vms_gateway import accounts_api, api, certificates_api, docs, events_page, import_api, openapi, registry_api
from vms_gateway.auth import CookieJar
from vms_gateway.body import StrictJsonRoute
from vms_gateway.db import MIGRATIONS, accounts
from vms_gateway.edge import Edge, Limits
from vms_gateway.errors import Refusal, error_response
from vms_gateway.passwords import Passwords
from vms_gateway.portal import router as portal_router
from vms_gateway.settings import GatewaySettings
from vms_gateway.state import GatewayState
from vms_gateway.traces import HttpSpans
from vms_platform import tracing
from vms_platform.actor import ActorSigner, KeyConfigurationError, private_key
from vms_platform.db import Database
from vms_platform.errors import DomainError, error_body, invalid_request
from vms_platform.logging import get_logger
from vms_platform.retry import CONNECT, Backoff, until_it_works
from vms_platform.rpc import RemoteError, RpcClient
from vms_platform.runtime import Schema, StartupError, close_broker, database_state, log_nats_error, nats_connected
from vms_platform.settings import redacted

log = get_logger("vms.gateway")


def signer_of(settings: GatewaySettings) -> ActorSigner:
    """What signs the actor of every request the gateway sends (`StartupError` naming the variable when unset)."""
    key = settings.actor_key.get_secret_value()
    if not key:
        raise StartupError(
            f"set {settings.variable('actor_key')}: the gateway signs who is asking into every request it sends "
            "(`vms keys` prints a new key set; `vms up` makes one in its data folder)"
        )
    try:
        return ActorSigner("gateway", private_key(key, settings.variable("actor_key")))
    except KeyConfigurationError as exc:
        raise StartupError(str(exc)) from None


def database_of(settings: GatewaySettings) -> Database:
    if not settings.database_url:
        raise StartupError(
            f"set {settings.variable('database_url')}: the gateway keeps accounts, sessions and tokens in a database "
            "of its own (postgresql://… or sqlite:///path)"
        )
    return Database(settings.database_url)


def create_app(settings: GatewaySettings, stopping: asyncio.Event | None = None) -> FastAPI:
    """The application; `stopping`, once set, ends a start that is still waiting for NATS or its database.
    `StartupError` when a required setting is missing."""
    try:
        tracing.configure("gateway")
    except tracing.TracingConfigurationError as exc:
        raise StartupError(f"traces: {exc}") from None
    signer = signer_of(settings)
    db = database_of(settings)
    broker = NatsBroker(
        [s.strip() for s in settings.nats_url.split(",")],
        name="vms-gateway",
        inbox_prefix=inbox_prefix("gateway"),
        logger=None,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        error_cb=log_nats_error,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = stopping or asyncio.Event()
        try:
            # The hash an unknown login is checked against is made now, so that the first such sign-in takes no
            # longer than any other.
            await passwords.verify(None, "")
            if await _database_ready(db, stop) and await _connect(broker, settings, stop):
                log.info(
                    "gateway started",
                    nats=redacted(settings.nats_url),
                    database=make_url(db.url).render_as_string(hide_password=True),
                    port=settings.port,
                )
            yield
        finally:
            await close_broker(broker, settings.shutdown_timeout)
            await db.close()
            await tracing.flush()

    app = FastAPI(
        title="VMS 사회복지자원봉사 종합관리 시스템 API",
        description=(
            "REST API of the national social-welfare volunteer management system. Every refusal is "
            '`{"error": {code, kind, message (Korean), message_en, params, fields}}`, whatever its status. '
            f"A request body is at most {settings.max_body_bytes} bytes of JSON, sent within "
            f"{settings.body_timeout:g} s of its headers."
        ),
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # A redirect would be built from the client's `Host` header: `POST /api/v1/centres/` with `Host:
        # evil.example` was sent on to http://evil.example/api/v1/centres. An address is answered as written.
        redirect_slashes=False,
        # The request spans are the gateway's own (`HttpSpans`): FastAPI's built-in ones would record the query
        # string, which may hold a name or a phone number; nor does FastAPI set exporters up from the OTEL_*
        # variables, which are read once, by `vms_platform.tracing`.
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    # Routes added to the application itself read their bodies as the API's do.
    app.router.route_class = StrictJsonRoute
    app.state.broker = broker
    rpc = RpcClient(broker, settings.bus, signer=signer, timeout=settings.rpc_timeout)
    passwords = Passwords(settings.password_profile, workers=settings.password_workers)
    app.state.gateway = GatewayState(settings=settings, db=db, passwords=passwords, rpc=rpc)
    app.add_middleware(CookieJar)
    app.add_middleware(
        Edge,
        limits=Limits(
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.body_timeout,
            max_concurrent_requests=settings.max_concurrent_requests,
            max_requests_per_client=settings.max_requests_per_client,
            access_log=settings.access_log,
            max_upload_bytes=settings.max_upload_bytes,
        ),
    )
    app.add_middleware(HttpSpans)  # added last: the outermost, around the edge's refusals too

    @app.exception_handler(RemoteError)
    async def on_remote_error(_request: Request, exc: RemoteError) -> JSONResponse:
        return error_response(exc.body)

    @app.exception_handler(DomainError)
    async def on_domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.body())

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(invalid_request(exc.errors(), skip=lambda err: 1 if err["loc"][:1] == ("body",) else 0))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, Refusal):
            return error_response(exc.body, exc.status_code, exc.headers)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            body = error_body("NOT_FOUND", ErrorKind.NOT_FOUND)
        elif exc.status_code == 405:
            methods = openapi.methods_at(app, request.url.path) or [
                m.strip() for m in (headers.get("Allow") or "").split(",") if m.strip()
            ]
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")  # answered wherever GET is (`StrictJsonRoute`)
            allowed = ", ".join(sorted(methods)) or "-"
            if methods:
                headers["Allow"] = allowed
            body = error_body("METHOD_NOT_ALLOWED", ErrorKind.INVALID, method=request.method, allowed=allowed)
        elif exc.status_code == 400:
            # FastAPI's answer to a body it could not parse for another reason than its syntax.
            body = error_body("BODY_UNREADABLE", ErrorKind.INVALID)
        else:
            body = error_body("REQUEST_REFUSED", ErrorKind.INVALID, status=exc.status_code)
        return error_response(body, exc.status_code, headers)

    schema = Schema.of(MIGRATIONS)

    @app.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        """The container engine's and Kubernetes' liveness probe: answered while the process answers at all."""
        return JSONResponse({"alive": True}, headers={"Cache-Control": "no-store"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the gateway's database reachable and at its schema, NATS connected; else 503 with what it
        waits for. (`/api/v1/health` is the whole system's; this is this process's alone.)"""
        waiting = [] if nats_connected(broker) else ["NATS: not connected"]
        waiting += (await database_state(db, schema, "vms-gateway"))[1]
        body: dict[str, Any] = {"ready": False, "waiting_for": waiting} if waiting else {"ready": True}
        return JSONResponse(body, status_code=503 if waiting else 200, headers={"Cache-Control": "no-store"})

    app.include_router(accounts_api.router)
    app.include_router(api.router)
    app.include_router(registry_api.router)
    app.include_router(certificates_api.router)
    app.include_router(import_api.router)
    app.include_router(portal_router)
    app.include_router(events_page.router)
    app.include_router(docs.router(app))
    openapi.install(app)
    return app


async def _database_ready(db: Database, stopping: asyncio.Event) -> bool:
    """Wait for the database, however long it takes (unless `stopping` is set first: False then); a database
    without the gateway's tables stops the start (`StartupError`)."""

    async def migrated() -> None:
        try:
            async with db.transaction() as session:
                await session.execute(select(accounts.c.id).limit(1))
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc).lower()
            if "no such table" in text or "does not exist" in text or "undefinedtable" in text:
                raise StartupError(
                    "the gateway's database has no accounts table: migrate it first (`vms-gateway migrate`, or "
                    "`vms-gateway run --migrate`)"
                ) from None
            raise

    checking = asyncio.ensure_future(
        until_it_works(migrated, what="the database", worth_retrying=lambda exc: not isinstance(exc, StartupError))
    )
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({checking, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not checking.done():
            checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checking
    if checking.cancelled():
        return False
    try:
        checking.result()
    except StartupError as exc:
        log.error("cannot start", reason=str(exc))
        raise
    return True


async def _connect(broker: NatsBroker, settings: GatewaySettings, stopping: asyncio.Event) -> bool:
    """Connect to NATS, however long it takes, unless `stopping` is set first (False then)."""
    nats_url = redacted(settings.nats_url)
    connecting = asyncio.ensure_future(until_it_works(broker.connect, what="NATS", nats=nats_url))
    stop = asyncio.ensure_future(stopping.wait())
    # nats-py keeps trying the first connection by itself (`max_reconnect_attempts=-1`) and says nothing while it
    # does, so the wait is reported from here.
    waited = Backoff(CONNECT)
    since = time.monotonic()
    try:
        while not connecting.done() and not stop.done():
            await asyncio.wait({connecting, stop}, timeout=waited.failed(), return_when=asyncio.FIRST_COMPLETED)
            if not connecting.done() and not stop.done():
                log.warning("waiting for NATS", nats=nats_url, waited_s=round(time.monotonic() - since, 1))
    finally:
        stop.cancel()
        if not connecting.done():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
    if connecting.cancelled():
        log.info("stopped before NATS could be reached", nats=nats_url)
        return False
    connecting.result()
    return True
