"""협의회 관리, a regional council admin's page: its region's centres (registry) with their status and the buttons to
accredit (인증) or suspend (정지, with a reason) each, registering a centre (its 시·군·구, kind and address), creating
the accounts of centre managers, the region's accounts, and who read its volunteers' personal data (the registry's
access records)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_gateway.api import services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices, staff
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    PortalRoute,
    WrongRole,
    fill,
    gather_panels,
    page,
    posted,
    redirect,
    require,
    shown_with_form,
    validated,
)
from vms_gateway.portal.render import is_htmx, say
from vms_gateway.portal.totals import last_months

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["centre_registered"] = "WEB_CENTRE_REGISTERED"
DONE["account_created"] = "WEB_ACCOUNT_CREATED"
DONE["account_disabled"] = "WEB_ACCOUNT_DISABLED_SHORT"
DONE["centre_accredited"] = "WEB_CENTRE_ACCREDITED"
DONE["centre_suspended"] = "WEB_CENTRE_SUSPENDED"

SHOWN_ACCESS_RECORDS = 100


def _region(me: Principal) -> str:
    if me.actor.region is None:  # the actor's own rule: a council admin names its region
        raise WrongRole((Role.COUNCIL_ADMIN,))
    return me.actor.region


async def _council_page(
    request: Request,
    me: Principal,
    forms: staff.Forms | None = None,
    row_errors: Mapping[str, FormErrors] | None = None,
) -> Response:
    region = _region(me)
    call = services_for(request, me)
    t = say(request)
    centres, reads, accounts, statistics = await gather_panels(
        staff.centres_panel(t, call, region),
        fill(
            t,
            "WEB_ACCESS_RECORDS",
            call(
                registry_rpc.LIST_ACCESS_RECORDS,
                registry_rpc.AccessRecordsRequest(region=region, limit=SHOWN_ACCESS_RECORDS),
            ),
        ),
        staff.accounts_panel(t, request, me),
        fill(
            t, "WEB_REGION_STATISTICS", call(hours_rpc.GET_REGION_TOTALS, hours_rpc.RegionTotalsRequest(region=region))
        ),
    )
    forms = forms or staff.Forms()
    # Access records name their reader by account id, as text.
    logins = {str(a.id): a.login for a in accounts.value.items} if accounts.value else {}
    return page(
        request,
        "council.html",
        me,
        status=forms.status,
        region=region,
        centres=centres,
        names=staff.centre_names(centres),
        centre_options=[(str(c.id), c.name) for c in centres.value.items] if centres.value else [],
        reads=reads,
        statistics=statistics,
        months=last_months(statistics.value),
        accounts=accounts,
        logins=logins,
        forms=forms,
        manage_base="/council/centres",
        row_errors=row_errors or {},
        district_groups=choices.district_groups(t, region),
        centre_kinds=choices.centre_kinds(t),
    )


@router.get("/council")
async def council_page(request: Request, principal: CurrentPrincipal) -> Response:
    return await _council_page(request, require(principal, Role.COUNCIL_ADMIN))


@router.post("/council/centres")
async def register_centre(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.COUNCIL_ADMIN)
    form = await posted(request, me)
    forms = staff.Forms()
    values = {name: form.text(name) for name in staff.CENTRE_FIELDS}
    if await staff.register_centre(request, services_for(request, me), values, _region(me), forms) is None:
        return await _council_page(request, me, forms)
    return redirect("/council?done=centre_registered#centres")


@router.post("/council/managers")
async def create_manager(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.COUNCIL_ADMIN)
    form = await posted(request, me)
    forms = staff.Forms()
    values = {
        "login": form.text("login"),
        "password": form.text("password", strip=False),
        "centres": form.texts("centres"),
    }
    if await staff.create_account(request, me, Role.CENTRE_MANAGER.value, values, forms, "manager") is None:
        return await _council_page(request, me, forms)
    return redirect("/council?done=account_created#accounts")


@router.post("/council/accounts/{account_id}/disable")
async def disable_account(request: Request, account_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.COUNCIL_ADMIN)
    await posted(request, me)
    await staff.disable(request, me, account_id)
    return redirect("/council?done=account_disabled#accounts")


async def _change_status(
    request: Request,
    principal: Principal | None,
    centre_id: str,
    rpc: Rpc[registry_rpc.CentreStatusChange, registry_rpc.CentreView],
    done: str,
) -> Response:
    """인증 or 정지: htmx swaps the centre's row (with the refusal beside the reason, when there is one); without
    script the page comes back saying it."""
    me = require(principal, Role.COUNCIL_ADMIN)
    form = await posted(request, me)
    call = services_for(request, me)
    t = say(request)
    try:
        change = validated(registry_rpc.CentreStatusChange, {"centre_id": centre_id, "reason": form.text("reason")})
        centre = await call(rpc, change)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, t, ("reason",))
        if not is_htmx(request):
            forms = staff.Forms(status=refused.status)
            return await _council_page(request, me, forms, row_errors={centre_id: errors})
        ref = validated(registry_rpc.CentreRef, {"centre_id": centre_id})
        shown = await call(registry_rpc.GET_CENTRE, ref)
        return page(
            request,
            "centre_status_row.html",
            me,
            status=refused.status,
            c=shown,
            manage_base="/council/centres",
            row_errors={centre_id: errors},
        )
    if not is_htmx(request):
        return redirect(f"/council?done={done}#centres")
    return page(
        request,
        "centre_status_row.html",
        me,
        c=centre,
        manage_base="/council/centres",
        row_errors={},
        saved=t(DONE[done]),
    )


@router.post("/council/centres/{centre_id}/accredit")
async def accredit_centre(request: Request, centre_id: str, principal: CurrentPrincipal) -> Response:
    """인증: the centre may post recruitments (again, after a suspension)."""
    return await _change_status(request, principal, centre_id, registry_rpc.ACCREDIT_CENTRE, "centre_accredited")


@router.post("/council/centres/{centre_id}/suspend")
async def suspend_centre(request: Request, centre_id: str, principal: CurrentPrincipal) -> Response:
    """정지, with the reason: its recruitments take no applications while it lasts."""
    return await _change_status(request, principal, centre_id, registry_rpc.SUSPEND_CENTRE, "centre_suspended")
