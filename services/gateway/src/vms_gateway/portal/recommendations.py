"""희망봉사활동 → 추천: the recruitments the registry recommends to a volunteer by what they registered as their wish
(`/me/recommendations`, under 봉사신청 beside 희망봉사활동 등록), each with the reasons it was picked as the portal says
them ("정서지원 희망 +40 · 마포구 +20 · 토 오전 +15"); and the volunteers it recommends for a centre's recruitment, by
masked names (`recommended_volunteers`, a panel of the centre's page of the recruitment).

A volunteer who registered no wish is offered the way to register one: the recommendations then know more than
where and when they serve.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import registry as registry_rpc
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CurrentPrincipal
from vms_gateway.portal.frame import Panel, PortalRoute, fill, gather_panels, page, require, volunteer_of
from vms_gateway.portal.render import Say, say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

SHOWN_RECOMMENDATIONS = 10
SHOWN_RECOMMENDED_VOLUNTEERS = 20


async def recommended_volunteers(
    t: Say, call: Services, recruitment_id: UUID
) -> Panel[registry_rpc.RecommendedVolunteers]:
    """The panel of volunteers recommended for a recruitment: said unavailable, like any panel, when the registry
    does not answer."""
    query = registry_rpc.RecommendVolunteers(recruitment_id=recruitment_id, limit=SHOWN_RECOMMENDED_VOLUNTEERS)
    return await fill(t, "WEB_RECOMMENDED_VOLUNTEERS", call(registry_rpc.RECOMMEND_VOLUNTEERS, query))


@router.get("/me/recommendations")
async def recommendations_page(request: Request, principal: CurrentPrincipal) -> Response:
    """추천 봉사자모집: the best first, each linking to its page; and, for a volunteer who registered no wish, the way
    to register one."""
    me = require(principal, Role.VOLUNTEER)
    volunteer_id = volunteer_of(me)
    call = services_for(request, me)
    t = say(request)
    query = registry_rpc.RecommendRecruitments(volunteer_id=volunteer_id, limit=SHOWN_RECOMMENDATIONS)
    profile, recommended = await gather_panels(
        fill(t, "WEB_PROFILE", call(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_id))),
        fill(t, "WEB_RECOMMENDATIONS", call(registry_rpc.RECOMMEND_RECRUITMENTS, query)),
    )
    wishes_missing = profile.value is not None and not profile.value.desired_activities
    return page(request, "recommendations.html", me, recommended=recommended, wishes_missing=wishes_missing)
