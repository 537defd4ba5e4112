"""마이페이지, the volunteer's own page: their number (a centre needs it to record hours), 누적 봉사시간 (rewards),
봉사실적조회 (hours, every region), 1365 연계 현황 (linkage), and 회원정보 → 개인정보 with the
'1365자원봉사포털 연계동의' checkbox (registry). Each part comes from its own service and is shown, or said to be
unavailable, on its own."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.events.registry import ConsentKind
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_gateway.api import Services, services_for, volunteer_totals
from vms_gateway.auth import CurrentPrincipal
from vms_gateway.portal.frame import (
    DONE,
    PortalRoute,
    fill,
    gather_panels,
    page,
    posted,
    redirect,
    require,
    volunteer_of,
)
from vms_gateway.portal.render import is_htmx, say
from vms_gateway.portal.totals import last_months
from vms_platform.errors import DomainError
from vms_platform.rpc import RemoteError

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["consent_given"] = "WEB_CONSENT_SAVED_GIVEN"
DONE["consent_withdrawn"] = "WEB_CONSENT_SAVED_WITHDRAWN"

MAX_CENTRE_NAMES = 50
"""Centres whose names are looked up for one page; beyond, the record shows the centre's number."""


@dataclass(frozen=True)
class Consent:
    granted: bool
    changed_at: datetime | None


async def _activities(call: Services, volunteer_id: UUID) -> list[hours_rpc.ActivityView]:
    """Every record of the volunteer, whichever region's centre kept it; newest first."""
    parts = await call.everywhere(hours_rpc.LIST_ACTIVITIES, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id))
    found = {item.id: item for part in parts for item in part.items}
    return sorted(found.values(), key=lambda a: (a.activity_date, a.start_time), reverse=True)


async def _centre_names(call: Services, centres: set[UUID]) -> dict[UUID, str]:
    """The names of the centres that kept the records; a centre that cannot be looked up keeps its number."""

    async def one(centre_id: UUID) -> tuple[UUID, str] | None:
        try:
            centre = await call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))
        except (RemoteError, DomainError):
            return None
        return centre_id, centre.name

    found = await asyncio.gather(*(one(c) for c in sorted(centres)[:MAX_CENTRE_NAMES]))
    return dict(pair for pair in found if pair is not None)


@router.get("/me")
async def my_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.VOLUNTEER)
    volunteer_id = volunteer_of(me)
    call = services_for(request, me)
    t = say(request)
    profile, total, hours_totals, records, transfers = await gather_panels(
        fill(t, "WEB_PROFILE", call(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_id))),
        fill(t, "WEB_TOTAL", call(rewards_rpc.GET_TOTAL, rewards_rpc.TotalRequest(volunteer_id=volunteer_id))),
        fill(t, "WEB_HOURS_TOTALS", volunteer_totals(call, volunteer_id)),
        fill(t, "WEB_RECORDS", _activities(call, volunteer_id)),
        fill(
            t,
            "WEB_TRANSFERS",
            call(linkage_rpc.LIST_TRANSFERS, linkage_rpc.TransfersRequest(volunteer_id=volunteer_id)),
        ),
    )
    names: dict[UUID, str] = {}
    # The registry that could not give the profile would not give the centres' names either: no second wait.
    if records.value and profile.problem is None:
        names = await _centre_names(call, {a.centre_id for a in records.value if a.centre_id is not None})
    consent = (
        Consent(profile.value.consents.portal1365, profile.value.consents.portal1365_changed_at)
        if profile.value is not None
        else None
    )
    return page(
        request,
        "me.html",
        me,
        volunteer_id=volunteer_id,
        profile=profile,
        total=total,
        hours_totals=hours_totals,
        months=last_months(hours_totals.value),
        records=records,
        centre_names=names,
        transfers=transfers,
        consent=consent,
    )


@router.post("/me/consent")
async def set_consent(request: Request, principal: CurrentPrincipal) -> Response:
    """'1365자원봉사포털 연계동의': given or withdrawn by the volunteer alone. htmx swaps the checkbox's form and says
    what was saved; without script the form posts and the page comes back saying it."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    granted = form.checked("granted")
    saved = await services_for(request, me)(
        registry_rpc.SET_CONSENT,
        registry_rpc.SetConsent(
            volunteer_id=volunteer_of(me), consent=ConsentKind.PORTAL_1365, granted=granted, channel="portal"
        ),
    )
    done = "consent_given" if saved.granted else "consent_withdrawn"
    if not is_htmx(request):
        return redirect(f"/me?done={done}#privacy")
    t = say(request)
    return page(
        request,
        "consent.html",
        me,
        consent=Consent(saved.granted, saved.changed_at),
        saved=t(DONE[done]),
    )
