"""The gateway's check before it asks anyone: each route names its operation in the permission matrix
(`vms_contracts.permissions`), and a request whose signed-in role may not do it is refused before its body is
read — 401 `SIGN_IN_REQUIRED` when no one is signed in, 403 `NOT_PERMITTED` otherwise — as is an unsafe request
signed in by a session without its CSRF token (403 `CSRF_FAILED`). The service asked stays the authority: it checks
the same matrix, and the record's scope, again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from vms_contracts.actor import Actor, Role
from vms_contracts.ids import region_of
from vms_contracts.permissions import Access, access
from vms_gateway.auth import check_csrf, get_principal, permit
from vms_gateway.body import StrictJsonRoute
from vms_gateway.openapi import OPERATION
from vms_platform.actor import OutOfScope, refused


def operation(*names: str) -> dict[str, Any]:
    """A route's `openapi_extra`: the operation it performs, checked before anything else; with several (a route
    whose body says which), whoever may do any of them gets past this check, and the route checks the one asked."""
    return {OPERATION: names[0] if len(names) == 1 else list(names)}


def operations_of(extra: dict[str, Any] | None) -> list[str]:
    named = (extra or {}).get(OPERATION)
    return [] if named is None else [named] if isinstance(named, str) else list(named)


class GuardedRoute(StrictJsonRoute):
    """A route that, when it names an operation, lets through only who the matrix lets do it (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        names = operations_of(self.openapi_extra)
        if not names:
            return handler

        async def guarded(request: Request) -> Response:
            principal = await get_principal(request)
            permit(principal, *names)
            if principal is not None:
                check_csrf(request, principal, None)
            return await handler(request)

        return guarded


def within_scope(
    actor: Actor,
    operation: str,
    *,
    volunteer: UUID | None = None,
    centre: UUID | None = None,
    region: str | None = None,
) -> None:
    """Refuse (403 `OUT_OF_SCOPE`) before asking, where the ids alone tell that the record is outside what the actor
    may reach for `operation`: a volunteer asking about another, a centre manager about another centre, a council
    admin about another region (the owner region is written in every id). What the ids cannot tell (whether a
    volunteer's records were kept by a manager's centre, say) is left to the service."""
    if access(operation, actor.role) is not Access.OWN:
        return
    if actor.role is Role.VOLUNTEER:
        decidable = volunteer is not None
    elif actor.role is Role.CENTRE_MANAGER:
        decidable = centre is not None
    elif actor.role is Role.COUNCIL_ADMIN:
        region = region or next((region_of(i) for i in (centre, volunteer) if i is not None and region_of(i)), None)
        decidable = region is not None
    else:
        decidable = False
    if decidable and not actor.covers(volunteer=volunteer, centre=centre, region=region):
        raise OutOfScope(**refused(operation, actor.role))
