"""The pages anyone may see: the home page, the introduction of VMS (`/about`) and its councils (`/councils`),
signing in and out, signing up (volunteers, with their profile), and the static files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from vms_contracts.reference import COUNCILS, NATIONAL_LINE
from vms_contracts.regions import NATIONAL, REGIONS
from vms_gateway.auth import CurrentPrincipal, SignUp, sign_in, sign_out, sign_up
from vms_gateway.portal import choices
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    Invalid,
    PortalRoute,
    home_of,
    local_path,
    page,
    posted,
    redirect,
    refusal_of,
    shown_with_form,
    validated,
)
from vms_gateway.portal.profile import (
    PROFILE_FIELDS,
    blank_profile,
    control_of,
    profile_choices,
    profile_request,
    values_of,
)
from vms_gateway.portal.render import say, static_files

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["signed_out"] = "WEB_SIGNED_OUT"

PERSON_FIELDS = ("login_id", "password", "password_again", "name", "birth_date", "phone", "region")
SIGN_UP_FIELDS = (*PERSON_FIELDS, *PROFILE_FIELDS)


@router.get("/")
async def home(request: Request, principal: CurrentPrincipal) -> Response:
    councils = [(code, region.council_homepage) for code, region in REGIONS.items() if code != NATIONAL]
    return page(request, "home.html", principal, councils=councils, home=home_of(principal))


@router.get("/about")
async def about(request: Request, principal: CurrentPrincipal) -> Response:
    """VMS 소개: what it is, who runs it (the central council, the 17 councils, the centres), its scale, and its
    legal basis (SEED.md §1)."""
    return page(request, "about.html", principal)


@router.get("/councils")
async def councils(request: Request, principal: CurrentPrincipal) -> Response:
    """사회복지자원봉사인증관리본부: the central council and the 17 시·도 councils, with their homepages and phones."""
    return page(request, "councils.html", principal, councils=COUNCILS, national_line=NATIONAL_LINE)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    found = static_files().get(name)
    if found is None:
        raise HTTPException(404)
    # The address carries the content's digest (`static_url`), so a copy can be kept as long as browsers keep any.
    return Response(
        found.content, media_type=found.media_type, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )


# -- signing in and out --------------------------------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, principal: CurrentPrincipal) -> Response:
    target = local_path(request.query_params.get("next"))
    if principal is not None:
        return redirect(target or home_of(principal))
    return page(request, "sign_in.html", None, next=target, asked_first=target is not None, login="", errors=None)


@router.post("/sign-in")
async def sign_in_submit(request: Request, principal: CurrentPrincipal) -> Response:
    form = await posted(request, principal)
    login, target = form.text("login"), local_path(form.text("next"))
    answer = redirect(target or "/")
    try:
        signed_in = await sign_in(request, answer, login, form.text("password", strip=False))
    except FORM_REFUSALS as exc:
        # The refusal's own text, the same for an unknown login as for a wrong password; 429 says how long to wait.
        refused = refusal_of(exc)
        if refused is None:
            raise
        errors = FormErrors(general=[say(request).refusal(refused.body)])
        return page(
            request,
            "sign_in.html",
            None,
            status=refused.status,
            headers=refused.headers,
            next=target,
            asked_first=False,
            login=login,
            errors=errors,
        )
    if target is None:
        answer.headers["location"] = home_of(signed_in)
    return answer


@router.post("/sign-out")
async def sign_out_submit(request: Request, principal: CurrentPrincipal) -> Response:
    await posted(request, principal)
    answer = redirect("/?done=signed_out")
    await sign_out(request, answer)
    return answer


# -- signing up ------------------------------------------------------------------------------------------------------


def _sign_up_page(request: Request, values: dict[str, Any], errors: FormErrors | None, status: int = 200) -> Response:
    t = say(request)
    return page(
        request,
        "sign_up.html",
        None,
        status=status,
        values=values,
        regions=choices.regions(t),
        errors=errors,
        **profile_choices(t, values.get("region") or None),
    )


@router.get("/sign-up")
async def sign_up_page(request: Request, principal: CurrentPrincipal) -> Response:
    if principal is not None:
        return redirect(home_of(principal))
    return _sign_up_page(request, {**dict.fromkeys(PERSON_FIELDS, ""), **blank_profile()}, None)


@router.post("/sign-up")
async def sign_up_submit(request: Request, principal: CurrentPrincipal) -> Response:
    """회원가입 with the profile (희망봉사활동, availability, school…), each refusal beside its field; the password
    typed is never sent back."""
    form = await posted(request, principal)
    values = {
        **{name: form.text(name, strip=not name.startswith("password")) for name in PERSON_FIELDS},
        **values_of(form, PROFILE_FIELDS),
    }
    t = say(request)
    answer = redirect("/me")
    status, errors, details = 422, FormErrors(), None
    person = {name: values[name] for name in PERSON_FIELDS if name != "password_again"}
    try:
        details = validated(SignUp, {**person, **profile_request(values)})
    except Invalid as exc:
        _, errors = shown_with_form(exc, t, SIGN_UP_FIELDS, rename=control_of)
    if values["password"] != values["password_again"]:
        errors.fields.setdefault("password_again", t("WEB_PASSWORDS_DIFFER"))
    if not errors and details is not None:
        try:
            signed_up = await sign_up(request, answer, details)
        except FORM_REFUSALS as exc:
            refused, errors = shown_with_form(
                exc, t, SIGN_UP_FIELDS, rename=control_of, codes={"ACCOUNT_LOGIN_TAKEN": "login_id"}
            )
            status = refused.status
        else:
            answer.headers["location"] = home_of(signed_up)
            return answer
    values["password"] = values["password_again"] = ""
    return _sign_up_page(request, values, errors, status)
