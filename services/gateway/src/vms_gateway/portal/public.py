"""The pages anyone may see: the home page, signing in and out, signing up (volunteers), and the static files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from vms_contracts.regions import NATIONAL, REGIONS
from vms_gateway.auth import CurrentPrincipal, SignUp, sign_in, sign_out, sign_up
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    Invalid,
    PortalRoute,
    form_refusal,
    home_of,
    local_path,
    page,
    posted,
    redirect,
    refusal_of,
    validated,
)
from vms_gateway.portal.render import say, static_files

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["signed_out"] = "WEB_SIGNED_OUT"

SIGN_UP_FIELDS = ("login_id", "password", "password_again", "name", "birth_date", "phone", "region")


@router.get("/")
async def home(request: Request, principal: CurrentPrincipal) -> Response:
    councils = [(code, region.council_homepage) for code, region in REGIONS.items() if code != NATIONAL]
    return page(request, "home.html", principal, councils=councils, home=home_of(principal))


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


def _regions(request: Request) -> list[tuple[str, str]]:
    t = say(request)
    return [(code, t.region(code)) for code in REGIONS if code != NATIONAL]


@router.get("/sign-up")
async def sign_up_page(request: Request, principal: CurrentPrincipal) -> Response:
    if principal is not None:
        return redirect(home_of(principal))
    values = dict.fromkeys(SIGN_UP_FIELDS, "")
    return page(request, "sign_up.html", None, values=values, regions=_regions(request), errors=None)


@router.post("/sign-up")
async def sign_up_submit(request: Request, principal: CurrentPrincipal) -> Response:
    form = await posted(request, principal)
    values = {name: form.text(name, strip=not name.startswith("password")) for name in SIGN_UP_FIELDS}
    t = say(request)
    answer = redirect("/me")
    status, errors, details = 422, FormErrors(), None
    try:
        details = validated(SignUp, {k: v for k, v in values.items() if k != "password_again"})
    except Invalid as exc:
        errors = FormErrors.of(exc.body, t, SIGN_UP_FIELDS)
    if values["password"] != values["password_again"]:
        errors.fields.setdefault("password_again", t("WEB_PASSWORDS_DIFFER"))
    if not errors and details is not None:
        try:
            signed_up = await sign_up(request, answer, details)
        except FORM_REFUSALS as exc:
            refused = form_refusal(exc)
            if refused is None:
                raise
            status = refused.status
            errors = FormErrors.of(refused.body, t, SIGN_UP_FIELDS, codes={"ACCOUNT_LOGIN_TAKEN": "login_id"})
        else:
            answer.headers["location"] = home_of(signed_up)
            return answer
    values["password"] = values["password_again"] = ""
    return page(request, "sign_up.html", None, status=status, values=values, regions=_regions(request), errors=errors)
