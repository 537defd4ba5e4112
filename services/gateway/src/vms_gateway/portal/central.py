"""중앙회 관리, the central admin's page: creating the accounts of regional council admins and integrators, every
account, and the centres of the region chosen (`?region=`, 서울 first)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.regions import NATIONAL, REGIONS
from vms_gateway.api import services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import staff
from vms_gateway.portal.frame import PortalRoute, gather_panels, page, posted, redirect, require
from vms_gateway.portal.render import say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

FIRST_REGION = "11"


def _chosen_region(request: Request) -> str:
    asked = request.query_params.get("region", "")
    return asked if asked in REGIONS and asked != NATIONAL else FIRST_REGION


async def _central_page(request: Request, me: Principal, forms: staff.Forms | None = None) -> Response:
    region = _chosen_region(request)
    t = say(request)
    centres, accounts = await gather_panels(
        staff.centres_panel(t, services_for(request, me), region), staff.accounts_panel(t, request, me)
    )
    forms = forms or staff.Forms()
    return page(
        request,
        "central.html",
        me,
        status=forms.status,
        region=region,
        regions=staff.region_options(t),
        centres=centres,
        names=staff.centre_names(centres),
        accounts=accounts,
        forms=forms,
    )


@router.get("/central")
async def central_page(request: Request, principal: CurrentPrincipal) -> Response:
    return await _central_page(request, require(principal, Role.CENTRAL_ADMIN))


async def _create(request: Request, principal: CurrentPrincipal, role: Role, form_name: str) -> Response:
    me = require(principal, Role.CENTRAL_ADMIN)
    form = await posted(request, me)
    forms = staff.Forms()
    values = {"login": form.text("login"), "password": form.text("password", strip=False)}
    if role is Role.COUNCIL_ADMIN:
        values["region"] = form.text("region")
    if await staff.create_account(request, me, role.value, values, forms, form_name) is None:
        return await _central_page(request, me, forms)
    return redirect("/central?done=account_created#accounts")


@router.post("/central/council-admins")
async def create_council_admin(request: Request, principal: CurrentPrincipal) -> Response:
    return await _create(request, principal, Role.COUNCIL_ADMIN, "council_admin")


@router.post("/central/integrators")
async def create_integrator(request: Request, principal: CurrentPrincipal) -> Response:
    return await _create(request, principal, Role.INTEGRATOR, "integrator")


@router.post("/central/accounts/{account_id}/disable")
async def disable_account(request: Request, account_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRAL_ADMIN)
    await posted(request, me)
    await staff.disable(request, me, account_id)
    return redirect("/central?done=account_disabled#accounts")
