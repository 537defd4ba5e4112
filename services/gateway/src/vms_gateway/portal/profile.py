"""회원정보 수정, the volunteer's profile (`/me/profile`): the phone, e-mail and 시·군·구, 희망봉사활동 (the types and
sub-fields they wish to serve in, for matching), the 시·도 they wish to serve in, their talents (특기), when they can
serve (weekday × 오전/오후/저녁) and, for students, their school. Saved whole (`registry.update_volunteer`). The same
fields are asked at sign-up (`public.py`), read by the same code here.

Also the guardian's consent (법정대리인 동의) a volunteer under 14 needs before a placement or 1365 linkage, and
회원탈퇴 (`/me/withdraw`): after a page that says what leaving erases, the registry erases the volunteer, the
gateway disables the account, and the browser is signed out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import DayPart, Weekday
from vms_gateway.accounts_api import withdraw as withdraw_volunteer
from vms_gateway.api import services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
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
from vms_gateway.portal.frame import Form as PostedForm
from vms_gateway.portal.render import Say, say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["profile_saved"] = "WEB_PROFILE_SAVED"
DONE["guardian_saved"] = "WEB_GUARDIAN_SAVED"
DONE["withdrawn"] = "WEB_WITHDRAWN"
DONE["moved"] = "WEB_MOVED"
DONE["handing_over"] = "WEB_MOVE_HANDING_OVER"

PROFILE_FIELDS = (
    "email",
    "district",
    "desired",
    "desired_regions",
    "talents",
    "availability",
    "school_name",
    "school_level",
    "school_grade",
)
"""The profile's controls, as the sign-up form and `/me/profile` name them."""
LISTS = frozenset({"desired", "desired_regions", "availability"})
"""The controls that are groups of checkboxes (the others hold one text each)."""
EDIT_FIELDS = ("phone", *PROFILE_FIELDS)
GUARDIAN_FIELDS = ("guardian_name", "guardian_phone", "relation", "consented")
MOVE_FIELDS = ("region", "district")
TALENT_SEPARATOR = ","

_CONTROL_OF = {
    "desired_activities": "desired",
    "desired_regions": "desired_regions",
    "talents": "talents",
    "availability": "availability",
}


def control_of(field: str) -> str:
    """The form control a request's field is typed in: `school.grade` → `school_grade`, `availability.3.part` →
    `availability`, `desired_activities.0.sub_field` → `desired` (the checkboxes of 희망봉사활동)."""
    head, _, rest = field.partition(".")
    if head == "school" and rest:
        return "school_" + rest.split(".", 1)[0]
    return _CONTROL_OF.get(head, field)


def values_of(form: PostedForm, names: tuple[str, ...]) -> dict[str, Any]:
    """What the form holds, as typed: a text per control, a list of the boxes ticked per group."""
    return {name: form.texts(name) if name in LISTS else form.text(name) for name in names}


def profile_request(values: Mapping[str, Any]) -> dict[str, Any]:
    """The profile's part of a request (`VolunteerProfile`) from the form's values; what is left empty is left out,
    and anything malformed goes on as typed, for the model to refuse by name."""
    desired = []
    for value in values.get("desired", []):
        kind, _, sub_field = str(value).partition(":")
        desired.append({"activity_type": kind, **({"sub_field": sub_field} if sub_field else {})})
    slots = []
    for value in values.get("availability", []):
        weekday, _, part = str(value).partition(":")
        slots.append({"weekday": weekday, "part": part})
    talents = [t.strip() for t in str(values.get("talents", "")).split(TALENT_SEPARATOR) if t.strip()]
    school: dict[str, Any] = {}
    for name in ("name", "level", "grade"):
        typed = str(values.get(f"school_{name}", ""))
        if typed:
            school[name] = int(typed) if name == "grade" and typed.isascii() and typed.isdigit() else typed
    return {
        "email": values.get("email", ""),
        "district": values.get("district", ""),
        "desired_activities": desired,
        "desired_regions": list(values.get("desired_regions", [])),
        "talents": talents,
        "availability": slots,
        "school": school or None,
    }


def values_from(volunteer: registry_rpc.VolunteerView) -> dict[str, Any]:
    """The form's values for the profile the registry holds."""
    school = volunteer.school
    return {
        "phone": volunteer.phone,
        "email": volunteer.email or "",
        "district": volunteer.district or "",
        "desired": [
            f"{d.activity_type.value}:{d.sub_field}" if d.sub_field else d.activity_type.value
            for d in volunteer.desired_activities
        ],
        "desired_regions": list(volunteer.desired_regions),
        "talents": f"{TALENT_SEPARATOR} ".join(volunteer.talents),
        "availability": [f"{slot.weekday.value}:{slot.part.value}" for slot in volunteer.availability],
        "school_name": school.name if school else "",
        "school_level": school.level.value if school else "",
        "school_grade": str(school.grade) if school else "",
    }


def blank_profile() -> dict[str, Any]:
    return {name: [] if name in LISTS else "" for name in PROFILE_FIELDS}


def profile_choices(t: Say, region: str | None) -> dict[str, Any]:
    """What the profile's controls offer; the 시·군·구 of `region` (every 시·도's, grouped, while none is chosen)."""
    return {
        "district_groups": choices.district_groups(t, region),
        "desired_groups": choices.desired_groups(t),
        "region_options": choices.regions(t),
        "availability_groups": [
            choices.Group(
                day.value,
                t(f"WEB_WEEKDAY_{day.value}"),
                [(f"{day.value}:{part.value}", t(f"WEB_DAY_PART_{part.value}")) for part in DayPart],
            )
            for day in Weekday
        ],
        "school_levels": choices.school_levels(t),
        "grades": choices.grades(t),
    }


# -- 회원정보 수정 ---------------------------------------------------------------------------------------------------


async def _profile_page(
    request: Request,
    me: Principal,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    guardian_values: Mapping[str, Any] | None = None,
    guardian_errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    t = say(request)
    volunteer = await fill(
        t,
        "WEB_PROFILE_EDIT",
        services_for(request, me)(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_of(me))),
    )
    region = volunteer.value.region if volunteer.value is not None else None
    if values is None:
        values = values_from(volunteer.value) if volunteer.value is not None else {"phone": "", **blank_profile()}
    return page(
        request,
        "profile.html",
        me,
        status=status,
        volunteer=volunteer,
        values=values,
        errors=errors,
        guardian_values=guardian_values or dict.fromkeys(GUARDIAN_FIELDS, ""),
        guardian_errors=guardian_errors,
        relations=choices.relations(t),
        **profile_choices(t, region),
    )


@router.get("/me/profile")
async def profile_page(request: Request, principal: CurrentPrincipal) -> Response:
    return await _profile_page(request, require(principal, Role.VOLUNTEER))


@router.post("/me/profile")
async def save_profile(request: Request, principal: CurrentPrincipal) -> Response:
    """The whole profile as the form now holds it: what is unticked or emptied is removed."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values = values_of(form, EDIT_FIELDS)
    try:
        update = validated(
            registry_rpc.UpdateVolunteer,
            {**profile_request(values), "volunteer_id": str(volunteer_of(me)), "phone": values["phone"]},
        )
        await services_for(request, me)(registry_rpc.UPDATE_VOLUNTEER, update)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, say(request), EDIT_FIELDS, rename=control_of)
        return await _profile_page(request, me, values=values, errors=errors, status=refused.status)
    return redirect("/me/profile?done=profile_saved")


@router.post("/me/guardian")
async def record_guardian_consent(request: Request, principal: CurrentPrincipal) -> Response:
    """법정대리인 동의, for a volunteer under 14: the guardian's name, phone and relation, and their consent."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values: dict[str, Any] = {name: form.text(name) for name in GUARDIAN_FIELDS}
    try:
        consent = validated(
            registry_rpc.RecordGuardianConsent,
            {**values, "volunteer_id": str(volunteer_of(me)), "consented": form.checked("consented")},
        )
        await services_for(request, me)(registry_rpc.RECORD_GUARDIAN_CONSENT, consent)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, say(request), GUARDIAN_FIELDS)
        return await _profile_page(request, me, guardian_values=values, guardian_errors=errors, status=refused.status)
    return redirect("/me/profile?done=guardian_saved#guardian")


# -- 이사 --------------------------------------------------------------------------------------------------------------


async def _move_page(
    request: Request,
    me: Principal,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    t = say(request)
    volunteer = await fill(
        t,
        "NAV_MOVE",
        services_for(request, me)(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_of(me))),
    )
    values = values or dict.fromkeys(MOVE_FIELDS, "")
    chosen = values.get("region") or None
    return page(
        request,
        "move.html",
        me,
        status=status,
        volunteer=volunteer,
        values=values,
        errors=errors,
        region_options=choices.regions(t),
        district_groups=choices.district_groups(t, chosen),
    )


@router.get("/me/move")
async def move_page(request: Request, principal: CurrentPrincipal) -> Response:
    return await _move_page(request, require(principal, Role.VOLUNTEER))


@router.post("/me/move")
async def move(request: Request, principal: CurrentPrincipal) -> Response:
    """이사: the volunteer's new 시·도 (and 시·군·구). Where this deployment serves it, the move is done at once;
    where another does, the record is handed over to it, and the page says so."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values: dict[str, Any] = {name: form.text(name) for name in MOVE_FIELDS}
    try:
        move = validated(
            registry_rpc.MoveVolunteer,
            {"volunteer_id": str(volunteer_of(me)), "region": values["region"], "district": values["district"] or None},
        )
        done = await services_for(request, me)(registry_rpc.MOVE_VOLUNTEER, move)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, say(request), MOVE_FIELDS)
        return await _move_page(request, me, values=values, errors=errors, status=refused.status)
    return redirect(f"/me/profile?done={done.state.value}")


# -- 회원탈퇴 ----------------------------------------------------------------------------------------------------------


@router.get("/me/withdraw")
async def withdraw_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.VOLUNTEER)
    return page(request, "withdraw.html", me, errors=None)


@router.post("/me/withdraw")
async def withdraw(request: Request, principal: CurrentPrincipal) -> Response:
    """회원탈퇴: the registry erases the volunteer (a 1365 consent is withdrawn with it), the gateway disables the
    account (its sessions and tokens stop at once), and this browser is signed out."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    t = say(request)
    if not form.checked("understood"):
        errors = FormErrors(fields={"understood": t("WEB_WITHDRAW_CONFIRM_NEEDED")})
        return page(request, "withdraw.html", me, status=422, errors=errors)
    answer = redirect("/?done=withdrawn")
    try:
        # The registry erases the volunteer, the gateway closes their account, and `answer` signs this browser out.
        await withdraw_volunteer(request, answer, me, volunteer_of(me))
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, t, ("understood",))
        return page(request, "withdraw.html", me, status=refused.status, errors=errors)
    return answer
