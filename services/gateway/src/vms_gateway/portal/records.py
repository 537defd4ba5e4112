"""A record's history (봉사실적 변경 이력): every step an activity record went through — recorded, confirmed,
rejected, corrected, cancelled — with what it said after each, who took it, when and why. For whoever may read the
record: its volunteer, its centre's managers, its region's council, the central council."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.rpc import hours as hours_rpc
from vms_gateway.api import services_for
from vms_gateway.auth import CurrentPrincipal
from vms_gateway.portal.frame import PortalRoute, page, require, validated

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/activities/{activity_id}/history")
async def activity_history(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal)
    ref = validated(hours_rpc.ActivityRef, {"activity_id": activity_id})
    history = await services_for(request, me)(hours_rpc.GET_ACTIVITY_HISTORY, ref)
    return page(request, "activity_history.html", me, a=history.activity, revisions=history.revisions)
