"""관리센터 업무, the centre manager's page: the activities their centre recorded (newest first), a form to record
one, and a 확인 (confirm) button per record not yet confirmed, which htmx answers by swapping the row. A manager of
several centres chooses one first."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    PortalRoute,
    fill,
    form_refusal,
    gather_panels,
    page,
    posted,
    redirect,
    require,
    validated,
)
from vms_gateway.portal.render import is_htmx, say
from vms_gateway.portal.totals import last_months
from vms_platform.actor import OutOfScope, refused
from vms_platform.errors import DomainError
from vms_platform.rpc import RemoteError

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["recorded"] = "WEB_RECORDED"
DONE["confirmed"] = "WEB_CONFIRMED_SHORT"

ACTIVITY_FIELDS = (
    "volunteer_id",
    "activity_date",
    "start_time",
    "end_time",
    "activity_type",
    "sub_field",
    "place",
    "description",
    "exception_reason",
)
SHOWN_ACTIVITIES = 100


def _managed(me: Principal, asked: str) -> UUID:
    """The centre `asked` names, if the manager manages it; 403 otherwise."""
    try:
        centre_id = UUID(asked)
    except ValueError:
        centre_id = None
    if centre_id is None or centre_id not in me.actor.centres:
        raise OutOfScope(**refused(hours_rpc.LIST_CENTRE_ACTIVITIES.operation, me.role))
    return centre_id


def _centre_of(me: Principal, asked: str | None) -> UUID | None:
    """The centre the page is about: the one asked for (`_managed`), the manager's only one, or None when they
    manage several and chose none yet."""
    if asked:
        return _managed(me, asked)
    if len(me.actor.centres) == 1:
        return next(iter(me.actor.centres))
    return None


async def names_of(call: Services, centres: frozenset[UUID]) -> dict[UUID, str]:
    """The names of `centres`; a centre that cannot be looked up is left out (shown by its number)."""

    async def one(centre_id: UUID) -> tuple[UUID, str] | None:
        try:
            return centre_id, (await call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))).name
        except (RemoteError, DomainError):
            return None

    return dict(pair for pair in await asyncio.gather(*(one(c) for c in sorted(centres))) if pair is not None)


async def _centre_page(
    request: Request,
    me: Principal,
    centre_id: UUID,
    *,
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    call = services_for(request, me)
    t = say(request)
    values = values or dict.fromkeys(ACTIVITY_FIELDS, "")
    centre, activities, statistics = await gather_panels(
        fill(t, "WEB_CENTRE_NAME", call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))),
        fill(
            t,
            "WEB_CENTRE_ACTIVITIES",
            call(
                hours_rpc.LIST_CENTRE_ACTIVITIES,
                hours_rpc.CentreActivities(centre_id=centre_id, limit=SHOWN_ACTIVITIES),
            ),
        ),
        fill(
            t,
            "WEB_CENTRE_STATISTICS",
            call(hours_rpc.GET_CENTRE_TOTALS, hours_rpc.CentreTotalsRequest(centre_id=centre_id)),
        ),
    )
    return page(
        request,
        "centre.html",
        me,
        status=status,
        centre_id=centre_id,
        centre=centre,
        activities=activities,
        statistics=statistics,
        months=last_months(statistics.value),
        several=len(me.actor.centres) > 1,
        values=values,
        errors=errors,
        activity_types=choices.activity_types(t),
        sub_field_groups=choices.sub_field_groups(t, values["activity_type"]),
    )


@router.get("/centre")
async def centre_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    centre_id = _centre_of(me, request.query_params.get("centre"))
    if centre_id is None:
        names = await names_of(services_for(request, me), me.actor.centres)
        centres = sorted(((c, names.get(c)) for c in me.actor.centres), key=lambda pair: (pair[1] or "", str(pair[0])))
        return page(request, "centre_choose.html", me, centres=centres)
    return await _centre_page(request, me, centre_id)


@router.post("/centre/{centre_id}/activities")
async def record_activity(request: Request, centre_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    centre = _managed(me, centre_id)
    values = {name: form.text(name) for name in ACTIVITY_FIELDS}
    try:
        activity = validated(hours_rpc.RecordActivity, {**values, "centre_id": str(centre)})
        await services_for(request, me)(hours_rpc.RECORD_ACTIVITY, activity)
    except FORM_REFUSALS as exc:
        refused = form_refusal(exc)
        if refused is None:
            raise
        errors = FormErrors.of(refused.body, say(request), ACTIVITY_FIELDS)
        return await _centre_page(request, me, centre, values=values, errors=errors, status=refused.status)
    return redirect(f"/centre?centre={centre}&done=recorded#activities")


@router.post("/centre/activities/{activity_id}/confirm")
async def confirm_activity(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    """확인: the record counts from now on (rewards adds it up, linkage sends it to 1365)."""
    me = require(principal, Role.CENTRE_MANAGER)
    await posted(request, me)
    ref = validated(hours_rpc.ActivityRef, {"activity_id": activity_id})
    confirmed = await services_for(request, me)(hours_rpc.CONFIRM_ACTIVITY, ref)
    if not is_htmx(request):
        return redirect(f"/centre?centre={confirmed.centre_id}&done=confirmed#activities")
    t = say(request)
    said = t(
        "WEB_CONFIRMED",
        date=confirmed.activity_date.isoformat(),
        start=t.when(confirmed.start_time),
        end=t.when(confirmed.end_time),
        duration=t.minutes(confirmed.minutes),
    )
    return page(request, "centre_row.html", me, a=confirmed, saved=said)


@router.post("/centre/activities/{activity_id}/reject")
async def reject_activity(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    """반려: a record not yet confirmed that will not be, with the reason the volunteer is shown."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    wanted = validated(hours_rpc.RejectActivity, {"activity_id": activity_id, "reason": form.text("reason")})
    rejected = await services_for(request, me)(hours_rpc.REJECT_ACTIVITY, wanted)
    return _changed(request, me, rejected, "activity_rejected")


@router.post("/centre/activities/{activity_id}/cancel")
async def cancel_activity(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    """취소: a confirmed record counts no more (its history keeps it), with the reason."""
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    wanted = validated(hours_rpc.CancelActivity, {"activity_id": activity_id, "reason": form.text("reason")})
    cancelled = await services_for(request, me)(hours_rpc.CANCEL_ACTIVITY, wanted)
    return _changed(request, me, cancelled, "activity_cancelled")


def _changed(request: Request, me: Principal, activity: hours_rpc.ActivityView, done: str) -> Response:
    if not is_htmx(request):
        return redirect(f"/centre?centre={activity.centre_id}&done={done}#activities")
    t = say(request)
    said = t(
        DONE[done],
        date=activity.activity_date.isoformat(),
        start=t.when(activity.start_time),
        end=t.when(activity.end_time),
    )
    return page(request, "centre_row.html", me, a=activity, saved=said)


DONE["activity_rejected"] = "WEB_ACTIVITY_REJECTED"
DONE["activity_cancelled"] = "WEB_ACTIVITY_CANCELLED"
DONE["activity_corrected"] = "WEB_ACTIVITY_CORRECTED"

CORRECTION_FIELDS = (*(name for name in ACTIVITY_FIELDS if name != "volunteer_id"), "reason")


@router.get("/centre/activities/{activity_id}/correct")
async def correction_page(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    """정정: the confirmed record's facts, to be set as they should have been, and why."""
    me = require(principal, Role.CENTRE_MANAGER)
    ref = validated(hours_rpc.ActivityRef, {"activity_id": activity_id})
    activity = await services_for(request, me)(hours_rpc.GET_ACTIVITY, ref)
    values = {
        "activity_date": activity.activity_date.isoformat(),
        "start_time": activity.start_time.strftime("%H:%M"),
        "end_time": activity.end_time.strftime("%H:%M"),
        "activity_type": activity.activity_type.value if activity.activity_type else "",
        "sub_field": activity.sub_field or "",
        "place": activity.place or "",
        "description": activity.description,
        "exception_reason": activity.exception_reason or "",
        "reason": "",
    }
    return _correction_form(request, me, activity, values)


def _correction_form(
    request: Request,
    me: Principal,
    activity: hours_rpc.ActivityView,
    values: Mapping[str, str],
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    t = say(request)
    return page(
        request,
        "activity_correct.html",
        me,
        status=status,
        a=activity,
        values=values,
        errors=errors,
        activity_types=choices.activity_types(t),
        sub_field_groups=choices.sub_field_groups(t, values.get("activity_type")),
    )


@router.post("/centre/activities/{activity_id}/correct")
async def correct_activity(request: Request, activity_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    form = await posted(request, me)
    call = services_for(request, me)
    ref = validated(hours_rpc.ActivityRef, {"activity_id": activity_id})
    values = {name: form.text(name) for name in CORRECTION_FIELDS}
    try:
        wanted = validated(hours_rpc.CorrectActivity, {**values, "activity_id": str(ref.activity_id)})
        corrected = await call(hours_rpc.CORRECT_ACTIVITY, wanted)
    except FORM_REFUSALS as exc:
        refused_here = form_refusal(exc)
        if refused_here is None:
            raise
        activity = await call(hours_rpc.GET_ACTIVITY, ref)
        errors = FormErrors.of(refused_here.body, say(request), CORRECTION_FIELDS)
        return _correction_form(request, me, activity, values, errors, refused_here.status)
    return redirect(f"/centre?centre={corrected.centre_id}&done=activity_corrected#activities")
