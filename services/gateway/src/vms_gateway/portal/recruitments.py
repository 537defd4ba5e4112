"""봉사신청 → 봉사자모집 및 신청: the public search of recruitments (no sign-in), a recruitment's page with its 신청
form for a signed-in volunteer, and the volunteer's own applications (내 신청), each of which they may cancel.

A search that names no 시·도 asks every region's registry and merges their pages, and a volunteer's applications are
gathered from every region, as the API does (`vms_gateway.registry_api`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import (
    Eligibility,
    RecruitmentList,
    RecruitmentSort,
    SearchRecruitments,
)
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    Invalid,
    Panel,
    PortalRoute,
    fill,
    page,
    posted,
    redirect,
    require,
    shown_with_form,
    validated,
    volunteer_of,
)
from vms_gateway.portal.render import is_htmx, say
from vms_gateway.registry_api import search_recruitments_everywhere, volunteer_applications

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["applied"] = "WEB_APPLIED"
DONE["application_cancelled"] = "WEB_APPLICATION_CANCELLED_SHORT"

PAGE_SIZE = 10
MAX_PAGES = 50
"""A search pages through its first `PAGE_SIZE * MAX_PAGES` results; a narrower search finds the rest."""
SEARCH_FIELDS = ("activity_type", "sub_field", "region", "district", "on_date", "keyword", "sort")
APPLY_FIELDS = ("party_size", "note")
SHOWN_APPLICATIONS = 200

STANDING = frozenset(registry_rpc.STANDING)
"""The states from which a volunteer may still cancel."""


# -- searching --------------------------------------------------------------------------------------------------------


def _page_number(asked: str) -> int:
    return min(int(asked), MAX_PAGES) if asked.isascii() and asked.isdigit() and 0 < len(asked) < 6 else 1


def _last_page(total: int) -> int:
    return max(1, min(MAX_PAGES, -(-total // PAGE_SIZE)))


def _pages(last: int, current: int) -> list[int]:
    """The page numbers to offer: ten at most, around the current one."""
    start = max(1, min(current - 4, last - 9))
    return list(range(start, min(last, start + 9) + 1))


@router.get("/recruitments")
async def search_page(request: Request, principal: CurrentPrincipal) -> Response:
    """봉사자모집 및 신청: search by activity type and sub-field, 시·도 and 시·군·구, a day, a keyword, open ones only,
    sorted, a page at a time. A form sent with a wrong value shows it beside the field, and no results."""
    t = say(request)
    query = request.query_params
    values: dict[str, Any] = {name: query.get(name, "").strip() for name in SEARCH_FIELDS}
    # A first visit shows the recruitments open now; a form sent without the box ticked shows every one.
    values["open_only"] = query.get("open_only") == "1" if "sort" in query else True
    values["sort"] = values["sort"] or RecruitmentSort.NEWEST.value
    current = _page_number(query.get("page", "1"))
    errors: FormErrors | None = None
    status = 200
    results: Panel[RecruitmentList] | None = None
    try:
        wanted = validated(SearchRecruitments, {**values, "limit": PAGE_SIZE, "offset": (current - 1) * PAGE_SIZE})
    except Invalid as exc:
        refused, errors = shown_with_form(exc, t, (*SEARCH_FIELDS, "open_only"))
        status = refused.status
    else:
        results = await fill(
            t, "WEB_SEARCH_RESULTS", search_recruitments_everywhere(services_for(request, principal), wanted)
        )
    kept = [(name, str(value)) for name, value in values.items() if name != "open_only" and value]
    if values["open_only"]:
        kept.append(("open_only", "1"))
    last = _last_page(results.value.total if results is not None and results.value is not None else 0)
    return page(
        request,
        "recruitments.html",
        principal,
        status=status,
        values=values,
        errors=errors,
        results=results,
        current=current,
        pages=_pages(last, current),
        last_page=last,
        page_size=PAGE_SIZE,
        kept=kept,
        activity_types=choices.activity_types(t),
        sub_field_groups=choices.sub_field_groups(t, values["activity_type"]),
        regions=choices.regions(t),
        district_groups=choices.district_groups(t, values["region"] or None),
        sorts=choices.sorts(t),
    )


# -- one recruitment, and applying ----------------------------------------------------------------------------------


def _recruitment_ref(recruitment_id: str) -> registry_rpc.RecruitmentRef:
    return validated(registry_rpc.RecruitmentRef, {"recruitment_id": recruitment_id})


async def _recruitment_page(
    request: Request,
    principal: Principal | None,
    recruitment_id: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
    refusal_code: str | None = None,
    status: int = 200,
) -> Response:
    ref = _recruitment_ref(recruitment_id)
    recruitment = await services_for(request, principal)(registry_rpc.GET_RECRUITMENT, ref)
    return page(
        request,
        "recruitment.html",
        principal,
        status=status,
        r=recruitment,
        values=values or {"party_size": "1", "note": ""},
        errors=errors,
        guardian_needed=refusal_code == "GUARDIAN_CONSENT_REQUIRED",
        groups_allowed=Eligibility.GROUP in recruitment.eligibility,
        sign_in=f"/sign-in?next=/recruitments/{recruitment.id}",
    )


@router.get("/recruitments/{recruitment_id}")
async def recruitment_page(request: Request, recruitment_id: str, principal: CurrentPrincipal) -> Response:
    """A recruitment as a volunteer decides on it: where, when, how many places are left, who may apply."""
    return await _recruitment_page(request, principal, recruitment_id)


@router.post("/recruitments/{recruitment_id}/apply")
async def apply(request: Request, recruitment_id: str, principal: CurrentPrincipal) -> Response:
    """신청: the volunteer applies, alone or for a group (party size), with a word to the centre."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values = {name: form.text(name) for name in APPLY_FIELDS}
    party = values["party_size"] or "1"
    try:
        application = validated(
            registry_rpc.Apply,
            {
                "recruitment_id": recruitment_id,
                "volunteer_id": str(volunteer_of(me)),
                # A number as typed; anything else goes on as it is, for the model to refuse by name.
                "party_size": int(party) if party.isascii() and party.isdigit() and len(party) < 6 else party,
                "note": values["note"],
            },
        )
        await services_for(request, me)(registry_rpc.APPLY, application)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, say(request), APPLY_FIELDS, codes={"GROUP_NOT_ALLOWED": "party_size"})
        return await _recruitment_page(
            request,
            me,
            recruitment_id,
            values=values,
            errors=errors,
            refusal_code=refused.body.code,
            status=refused.status,
        )
    return redirect("/me/applications?done=applied")


# -- 내 신청 -----------------------------------------------------------------------------------------------------------


async def my_applications(call: Services, volunteer_id: UUID) -> list[registry_rpc.ApplicationView]:
    """The volunteer's applications, whichever region's recruitment each is to; newest first."""
    return (await volunteer_applications(call, volunteer_id, limit=SHOWN_APPLICATIONS)).items


@router.get("/me/applications")
async def applications_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.VOLUNTEER)
    t = say(request)
    applications = await fill(t, "WEB_MY_APPLICATIONS", my_applications(services_for(request, me), volunteer_of(me)))
    return page(request, "my_applications.html", me, applications=applications, standing=STANDING)


@router.post("/me/applications/{application_id}/cancel")
async def cancel_application(request: Request, application_id: str, principal: CurrentPrincipal) -> Response:
    """신청취소: htmx swaps the application's row; without script the page comes back saying it."""
    me = require(principal, Role.VOLUNTEER)
    await posted(request, me)
    ref = validated(registry_rpc.ApplicationRef, {"application_id": application_id})
    cancelled = await services_for(request, me)(registry_rpc.CANCEL_APPLICATION, ref)
    if not is_htmx(request):
        return redirect("/me/applications?done=application_cancelled")
    t = say(request)
    said = t("WEB_APPLICATION_CANCELLED_OF", title=cancelled.recruitment_title)
    return page(request, "application_row.html", me, a=cancelled, standing=STANDING, saved=said)
