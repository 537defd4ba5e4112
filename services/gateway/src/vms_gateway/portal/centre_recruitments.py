"""봉사자모집 관리, a centre manager's recruitments: the centre's list with a form to post one
(`/centre/recruitments`), and each recruitment's page (`/centre/recruitments/{id}`) to edit or close it and to
answer its applicants — 승인, 반려 with a reason, 배치 — each a button htmx answers by swapping the applicant's row,
and 소양교육 이수 recorded per applicant (which places the applications that waited for it); beside them, the
volunteers whose wish the recruitment fits (추천 봉사자, masked names).

A centre posts only once its council accredited it; the page says so rather than offering a form that cannot work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.ids import region_of
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import ApplicationStatus, Eligibility, RecruitmentSort, RecruitmentView
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices
from vms_gateway.portal.centre import names_of
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    PortalRoute,
    fill,
    gather_panels,
    page,
    posted,
    redirect,
    require,
    shown_with_form,
    validated,
)
from vms_gateway.portal.frame import Form as PostedForm
from vms_gateway.portal.recommendations import recommended_volunteers
from vms_gateway.portal.render import is_htmx, say
from vms_platform.actor import OutOfScope, refused
from vms_platform.clock import today_kst

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["recruitment_posted"] = "WEB_RECRUITMENT_POSTED"
DONE["recruitment_saved"] = "WEB_RECRUITMENT_SAVED"
DONE["recruitment_closed"] = "WEB_RECRUITMENT_CLOSED"
DONE["accepted"] = "WEB_APPLICANT_ACCEPTED"
DONE["rejected"] = "WEB_APPLICANT_REJECTED"
DONE["placed"] = "WEB_APPLICANT_PLACED"
DONE["orientation_recorded"] = "WEB_ORIENTATION_RECORDED"

RECRUITMENT_FIELDS = (
    "title",
    "description",
    "activity_type",
    "sub_field",
    "district",
    "place",
    "start_date",
    "end_date",
    "weekdays",
    "start_time",
    "end_time",
    "capacity",
    "eligibility",
    "orientation_required",
    "apply_until",
)
LISTS = frozenset({"weekdays", "eligibility"})
SHOWN_RECRUITMENTS = 100
SHOWN_APPLICANTS = 200
ANSWERED_FROM = frozenset({ApplicationStatus.APPLIED, ApplicationStatus.ACCEPTED})
"""While an application is still to be answered: it may be rejected."""


def _out_of_scope(me: Principal, operation: str) -> OutOfScope:
    return OutOfScope(**refused(operation, me.role))


def _managed(me: Principal, asked: str, operation: str) -> UUID:
    """The centre `asked` names, if the manager manages it; 403 otherwise."""
    try:
        centre_id = UUID(asked)
    except ValueError:
        centre_id = None
    if centre_id is None or centre_id not in me.actor.centres:
        raise _out_of_scope(me, operation)
    return centre_id


# -- the form --------------------------------------------------------------------------------------------------------


def values_of(form: PostedForm) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: form.texts(name) if name in LISTS else form.text(name) for name in RECRUITMENT_FIELDS
    }
    values["orientation_required"] = form.checked("orientation_required")
    return values


def details_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The request's fields from the form's values: the capacity as a number when it is one (anything else goes on as
    typed, for the model to refuse by name), the checkbox as true or false."""
    capacity = str(values.get("capacity", ""))
    return {
        **{name: values.get(name) for name in RECRUITMENT_FIELDS},
        "capacity": int(capacity) if capacity.isascii() and capacity.isdigit() and len(capacity) < 7 else capacity,
        "orientation_required": bool(values.get("orientation_required")),
    }


def values_from(r: RecruitmentView) -> dict[str, Any]:
    return {
        "title": r.title,
        "description": r.description or "",
        "activity_type": r.activity_type.value,
        "sub_field": r.sub_field,
        "district": r.district or "",
        "place": r.place,
        "start_date": r.start_date.isoformat(),
        "end_date": r.end_date.isoformat(),
        "weekdays": [day.value for day in r.weekdays],
        "start_time": r.start_time.isoformat("minutes"),
        "end_time": r.end_time.isoformat("minutes"),
        "capacity": str(r.capacity),
        "eligibility": [who.value for who in r.eligibility],
        "orientation_required": r.orientation_required,
        "apply_until": r.apply_until.isoformat() if r.apply_until else "",
    }


def blank_values() -> dict[str, Any]:
    values: dict[str, Any] = {name: [] if name in LISTS else "" for name in RECRUITMENT_FIELDS}
    values["eligibility"] = [Eligibility.ADULT.value, Eligibility.YOUTH.value]
    values["orientation_required"] = False
    return values


def form_choices(request: Request, region: str | None, activity_type: str) -> dict[str, Any]:
    t = say(request)
    return {
        "activity_types": choices.activity_types(t),
        "sub_field_groups": choices.sub_field_groups(t, activity_type),
        "district_groups": choices.district_groups(t, region),
        "weekday_options": choices.weekdays(t),
        "eligibility_options": choices.eligibilities(t),
    }


# -- the centre's recruitments -----------------------------------------------------------------------------------------


async def _centre_recruitments(call: Services, centre_id: UUID) -> registry_rpc.RecruitmentList:
    wanted = registry_rpc.SearchRecruitments(
        centre_id=centre_id, open_only=False, sort=RecruitmentSort.NEWEST, limit=SHOWN_RECRUITMENTS
    )
    return await call.rpc.call(
        registry_rpc.SEARCH_RECRUITMENTS,
        wanted,
        region=region_of(centre_id),
        request_id=call.request_id,
        actor=call.actor,
    )


async def _list_page(
    request: Request,
    me: Principal,
    centre_id: UUID,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    call = services_for(request, me)
    t = say(request)
    centre, recruitments = await gather_panels(
        fill(t, "WEB_CENTRE_NAME", call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))),
        fill(t, "WEB_CENTRE_RECRUITMENTS", _centre_recruitments(call, centre_id)),
    )
    values = values or blank_values()
    return page(
        request,
        "centre_recruitments.html",
        me,
        status=status,
        centre_id=centre_id,
        centre=centre,
        recruitments=recruitments,
        several=len(me.actor.centres) > 1,
        values=values,
        errors=errors,
        **form_choices(request, region_of(centre_id), str(values.get("activity_type", ""))),
    )


@router.get("/centre/recruitments")
async def recruitments_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    asked = request.query_params.get("centre")
    if asked:
        centre_id: UUID | None = _managed(me, asked, registry_rpc.POST_RECRUITMENT.operation)
    else:
        centre_id = next(iter(me.actor.centres)) if len(me.actor.centres) == 1 else None
    if centre_id is None:
        names = await names_of(services_for(request, me), me.actor.centres)
        centres = sorted(((c, names.get(c)) for c in me.actor.centres), key=lambda pair: (pair[1] or "", str(pair[0])))
        return page(request, "centre_choose.html", me, centres=centres, target="/centre/recruitments")
    return await _list_page(request, me, centre_id)


@router.post("/centre/{centre_id}/recruitments")
async def post_recruitment(request: Request, centre_id: str, principal: CurrentPrincipal) -> Response:
    """봉사자모집 등록."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    centre = _managed(me, centre_id, registry_rpc.POST_RECRUITMENT.operation)
    values = values_of(form)
    try:
        details = validated(registry_rpc.PostRecruitment, {**details_of(values), "centre_id": str(centre)})
        posted_one = await services_for(request, me)(registry_rpc.POST_RECRUITMENT, details)
    except FORM_REFUSALS as exc:
        refused_form, errors = shown_with_form(exc, say(request), RECRUITMENT_FIELDS)
        return await _list_page(request, me, centre, values=values, errors=errors, status=refused_form.status)
    return redirect(f"/centre/recruitments/{posted_one.id}?done=recruitment_posted")


# -- one recruitment and its applicants ------------------------------------------------------------------------------


async def _own_recruitment(call: Services, me: Principal, recruitment_id: str) -> RecruitmentView:
    """The recruitment, if it is one of the manager's centres'; 403 otherwise (anyone may read a recruitment, only its
    centre manages it)."""
    ref = validated(registry_rpc.RecruitmentRef, {"recruitment_id": recruitment_id})
    recruitment = await call(registry_rpc.GET_RECRUITMENT, ref)
    if recruitment.centre_id not in me.actor.centres:
        raise _out_of_scope(me, registry_rpc.UPDATE_RECRUITMENT.operation)
    return recruitment


async def _applicants(call: Services, recruitment_id: UUID) -> registry_rpc.ApplicationList:
    return await call(
        registry_rpc.LIST_APPLICATIONS,
        registry_rpc.ListApplications(recruitment_id=recruitment_id, limit=SHOWN_APPLICANTS),
    )


async def _recruitment_page(
    request: Request,
    me: Principal,
    recruitment_id: str,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    call = services_for(request, me)
    t = say(request)
    recruitment = await _own_recruitment(call, me, recruitment_id)
    applicants, recommended = await gather_panels(
        fill(t, "WEB_APPLICANTS", _applicants(call, recruitment.id)),
        recommended_volunteers(t, call, recruitment.id),
    )
    values = values or values_from(recruitment)
    return page(
        request,
        "centre_recruitment.html",
        me,
        status=status,
        r=recruitment,
        applicants=applicants,
        recommended=recommended,
        values=values,
        errors=errors,
        today=today_kst().isoformat(),
        answerable=ANSWERED_FROM,
        **form_choices(request, recruitment.region, str(values.get("activity_type", ""))),
    )


@router.get("/centre/recruitments/{recruitment_id}")
async def recruitment_page(request: Request, recruitment_id: str, principal: CurrentPrincipal) -> Response:
    return await _recruitment_page(request, require(principal, Role.CENTRE_MANAGER), recruitment_id)


@router.post("/centre/recruitments/{recruitment_id}/edit")
async def update_recruitment(request: Request, recruitment_id: str, principal: CurrentPrincipal) -> Response:
    """봉사자모집 수정: the recruitment as the form now holds it, whole."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    values = values_of(form)
    try:
        details = validated(registry_rpc.UpdateRecruitment, {**details_of(values), "recruitment_id": recruitment_id})
        await services_for(request, me)(registry_rpc.UPDATE_RECRUITMENT, details)
    except FORM_REFUSALS as exc:
        refused_form, errors = shown_with_form(
            exc, say(request), RECRUITMENT_FIELDS, codes={"CAPACITY_BELOW_TAKEN": "capacity"}
        )
        return await _recruitment_page(
            request, me, recruitment_id, values=values, errors=errors, status=refused_form.status
        )
    return redirect(f"/centre/recruitments/{recruitment_id}?done=recruitment_saved")


@router.post("/centre/recruitments/{recruitment_id}/close")
async def close_recruitment(request: Request, recruitment_id: str, principal: CurrentPrincipal) -> Response:
    """모집마감: no application is taken from now on; those made stand."""
    me = require(principal, Role.CENTRE_MANAGER)
    await posted(request, me)
    ref = validated(registry_rpc.RecruitmentRef, {"recruitment_id": recruitment_id})
    closed = await services_for(request, me)(registry_rpc.CLOSE_RECRUITMENT, ref)
    return redirect(f"/centre/recruitments/{closed.id}?done=recruitment_closed")


async def _answered(request: Request, me: Principal, application: registry_rpc.ApplicationView, done: str) -> Response:
    """htmx: the applicant's row as it is now, and the notice saying what was done; else back to the page."""
    if not is_htmx(request):
        return redirect(f"/centre/recruitments/{application.recruitment_id}?done={done}#applicants")
    t = say(request)
    said = t(DONE[done])
    if application.status is ApplicationStatus.AWAITING_ORIENTATION:
        said = t("WEB_APPLICANT_AWAITING_ORIENTATION")
    return page(
        request,
        "applicant_row.html",
        me,
        a=application,
        answerable=ANSWERED_FROM,
        today=today_kst().isoformat(),
        saved=said,
    )


@router.post("/centre/applications/{application_id}/accept")
async def accept_application(request: Request, application_id: str, principal: CurrentPrincipal) -> Response:
    """승인."""
    return await _move_on(request, application_id, principal, registry_rpc.ACCEPT_APPLICATION, "accepted")


@router.post("/centre/applications/{application_id}/place")
async def place_application(request: Request, application_id: str, principal: CurrentPrincipal) -> Response:
    """배치: placed, or waiting for the centre's orientation when the recruitment asks for one the volunteer has not
    had yet (소양교육 이수 then places it)."""
    return await _move_on(request, application_id, principal, registry_rpc.PLACE_APPLICATION, "placed")


async def _move_on(
    request: Request,
    application_id: str,
    principal: Principal | None,
    rpc: Rpc[registry_rpc.ApplicationRef, registry_rpc.ApplicationView],
    done: str,
) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    await posted(request, me)
    ref = validated(registry_rpc.ApplicationRef, {"application_id": application_id})
    answered = await services_for(request, me)(rpc, ref)
    return await _answered(request, me, answered, done)


@router.post("/centre/applications/{application_id}/reject")
async def reject_application(request: Request, application_id: str, principal: CurrentPrincipal) -> Response:
    """반려, with the reason the volunteer is shown."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    wanted = validated(
        registry_rpc.RejectApplication, {"application_id": application_id, "reason": form.text("reason")}
    )
    rejected = await services_for(request, me)(registry_rpc.REJECT_APPLICATION, wanted)
    return await _answered(request, me, rejected, "rejected")


@router.post("/centre/{centre_id}/orientations")
async def record_orientation(request: Request, centre_id: str, principal: CurrentPrincipal) -> Response:
    """소양교육 이수: the volunteer had the centre's orientation on a day; what waited for it is placed now. The page
    of the recruitment it was recorded from comes back (htmx: its applicants' part), saying so."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    centre = _managed(me, centre_id, registry_rpc.RECORD_ORIENTATION.operation)
    back = form.text("recruitment_id")
    wanted = validated(
        registry_rpc.RecordOrientation,
        {
            "centre_id": str(centre),
            "volunteer_id": form.text("volunteer_id"),
            "completed_on": form.text("completed_on") or today_kst().isoformat(),
        },
    )
    recorded = await services_for(request, me)(registry_rpc.RECORD_ORIENTATION, wanted)
    if not is_htmx(request):
        return redirect(f"/centre/recruitments/{back}?done=orientation_recorded#applicants")
    call = services_for(request, me)
    t = say(request)
    recruitment = await _own_recruitment(call, me, back)
    applicants = await fill(t, "WEB_APPLICANTS", _applicants(call, recruitment.id))
    said = t("WEB_ORIENTATION_RECORDED_FOR", day=recorded.completed_on.isoformat(), placed=len(recorded.placed))
    return page(
        request,
        "applicants.html",
        me,
        r=recruitment,
        applicants=applicants,
        answerable=ANSWERED_FROM,
        today=today_kst().isoformat(),
        saved=said,
    )
