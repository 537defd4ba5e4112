"""Request/reply over core NATS, as the services serve and call it (the models and subjects are the contract's:
`vms_contracts.rpc`)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, TypeVar

from faststream import Context, Response
from faststream.middlewares import ExceptionMiddleware
from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.message import NatsMessage
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import BaseModel, ValidationError

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.regions import NATIONAL
from vms_contracts.rpc import REQUEST_ID_HEADER, STATUS_HEADER, Rpc
from vms_contracts.subjects import Bus
from vms_platform.errors import DomainError, error_body, field_error
from vms_platform.logging import get_logger, trace

log = get_logger("vms.rpc")

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)


class RemoteError(Exception):
    """The service answered with a refusal; `body` says which rule and why."""

    def __init__(self, body: ErrorBody) -> None:
        self.body = body
        super().__init__(f"{body.code}: {body.message_en}")


class ServiceTimeout(DomainError):
    code = "SERVICE_TIMEOUT"
    kind = ErrorKind.TIMEOUT


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    kind = ErrorKind.UNAVAILABLE


# -- serving ---------------------------------------------------------------------------------------------------


def _refusal(body: ErrorBody) -> Response:
    return Response(body.model_dump(mode="json"), headers={STATUS_HEADER: "error"})


def _on_invalid(exc: ValidationError) -> Response:
    fields = [field_error(err, skip=1) for err in exc.errors(include_url=False)]
    body = error_body("INVALID_REQUEST", ErrorKind.INVALID)
    return _refusal(body.model_copy(update={"fields": fields}))


def _on_domain_error(exc: DomainError) -> Response:
    return _refusal(exc.body())


def _on_remote_refusal(exc: RemoteError) -> Response:
    """Another service refused what this one asked on the caller's behalf: the caller gets that refusal."""
    return _refusal(exc.body)


def _on_unexpected(exc: Exception) -> Response:
    log.exception("request failed", error=repr(exc))
    return _refusal(error_body("INTERNAL_ERROR", ErrorKind.INTERNAL))


def rpc_router() -> NatsRouter:
    """A router whose endpoints answer every failure with a refusal instead of leaving the caller waiting."""
    return NatsRouter(
        middlewares=[
            ExceptionMiddleware(
                publish_handlers={
                    ValidationError: _on_invalid,
                    DomainError: _on_domain_error,
                    RemoteError: _on_remote_refusal,
                    Exception: _on_unexpected,
                }
            )
        ]
    )


def serve(
    router: NatsRouter,
    bus: Bus,
    rpc: Rpc[Req, Res],
    handler: Callable[[Req], Awaitable[Res]],
    *,
    regions: Iterable[str] = ("*",),
) -> None:
    """Answer `rpc` with `handler` on every region in `regions` (`*`: all), one reply per request across
    replicas (queue group = service)."""

    async def endpoint(request: Any, message: Any) -> Any:
        request_id = (message.headers or {}).get(REQUEST_ID_HEADER)
        with trace(causation_id=request_id, correlation_id=request_id):
            return await handler(request)

    # FastStream validates the body against the declared request model (and documents it in AsyncAPI).
    message_type = Annotated[NatsMessage, Context("message")]
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=rpc.request),
            inspect.Parameter("message", inspect.Parameter.KEYWORD_ONLY, annotation=message_type),
        ],
        return_annotation=rpc.response,
    )
    endpoint.__annotations__ = {"request": rpc.request, "message": message_type, "return": rpc.response}
    endpoint.__name__ = rpc.name
    for region in regions:
        router.subscriber(
            rpc.subject(bus, region), queue=rpc.service, title=rpc.subject(bus, region), description=rpc.summary or None
        )(endpoint)


# -- calling ---------------------------------------------------------------------------------------------------


class RpcClient:
    def __init__(self, broker: NatsBroker, bus: Bus, *, timeout: float = 5.0) -> None:
        self.broker = broker
        self.bus = bus
        self.timeout = timeout

    async def call(
        self,
        rpc: Rpc[Req, Res],
        request: Req,
        *,
        region: str = NATIONAL,
        request_id: str | None = None,
        timeout: float | None = None,
    ) -> Res:
        headers = {REQUEST_ID_HEADER: request_id} if request_id else None
        try:
            reply = await self.broker.request(
                request.model_dump(mode="json"),
                rpc.subject(self.bus, region),
                headers=headers,
                timeout=timeout or self.timeout,
            )
        except NoRespondersError:
            raise ServiceUnavailable(service=rpc.service) from None
        except (TimeoutError, NatsTimeoutError):
            raise ServiceTimeout(service=rpc.service) from None
        if (reply.headers or {}).get(STATUS_HEADER) == "error":
            raise RemoteError(ErrorBody.model_validate_json(reply.body))
        return rpc.response.model_validate_json(reply.body)
