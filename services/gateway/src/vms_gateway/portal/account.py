"""계정 설정, every account holder's own page: changing the password, and personal access tokens for the API
(created — the token shown this once —, listed, revoked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.types import Id, RequestModel
from vms_gateway import accounts
from vms_gateway.auth import CurrentPrincipal, Principal, change_password
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    PortalRoute,
    fill,
    form_refusal,
    page,
    posted,
    redirect,
    require,
    validated,
)
from vms_gateway.portal.render import say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["password_changed"] = "WEB_PASSWORD_CHANGED"
DONE["token_revoked"] = "WEB_TOKEN_REVOKED_SHORT"

PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")
TOKEN_FIELDS = ("name", "expires_in_days")
EXPIRY_DAYS = (30, 90, 365)


class _TokenRef(RequestModel):
    token_id: Id


async def _account_page(
    request: Request,
    me: Principal,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    password_errors: FormErrors | None = None,
    token_errors: FormErrors | None = None,
    token_values: dict[str, Any] | None = None,
    created: accounts.CreatedToken | None = None,
) -> Response:
    t = say(request)
    tokens = await fill(t, "WEB_TOKENS", accounts.list_tokens(request, me))
    return page(
        request,
        "account.html",
        me,
        status=status,
        headers=headers,
        tokens=tokens,
        expiry_days=EXPIRY_DAYS,
        password_errors=password_errors,
        token_errors=token_errors,
        token_values=token_values or {"name": "", "expires_in_days": ""},
        created=created,
    )


@router.get("/account")
async def account_page(request: Request, principal: CurrentPrincipal) -> Response:
    return await _account_page(request, require(principal))


@router.post("/account/password")
async def change_own_password(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal)
    form = await posted(request, me)
    t = say(request)
    current, new, again = (form.text(name, strip=False) for name in PASSWORD_FIELDS)
    if new != again:
        errors = FormErrors(fields={"new_password_again": t("WEB_PASSWORDS_DIFFER")})
        return await _account_page(request, me, status=422, password_errors=errors)
    try:
        await change_password(request, me, current, new)
    except FORM_REFUSALS as exc:
        refused = form_refusal(exc)
        if refused is None:
            raise
        errors = FormErrors.of(refused.body, t, PASSWORD_FIELDS)
        return await _account_page(request, me, status=refused.status, headers=refused.headers, password_errors=errors)
    return redirect("/account?done=password_changed")


@router.post("/account/tokens")
async def create_token(request: Request, principal: CurrentPrincipal) -> Response:
    """A new token, shown in this answer only (the gateway keeps its digest), so the answer is the page itself: a
    redirect would have nowhere to carry the token. htmx takes from it the token's part and the list
    (`hx-select`, `hx-select-oob`)."""
    me = require(principal)
    form = await posted(request, me)
    values = {name: form.text(name) for name in TOKEN_FIELDS}
    days = values["expires_in_days"]
    wanted = {
        "name": values["name"],
        # A number as the select offers it; anything else goes on as typed, for the model to refuse by name.
        "expires_in_days": int(days) if days.isascii() and days.isdigit() and len(days) < 6 else days,
    }
    try:
        created = await accounts.create_token(request, me, validated(accounts.NewToken, wanted))
    except FORM_REFUSALS as exc:
        refused = form_refusal(exc)
        if refused is None:
            raise
        errors = FormErrors.of(refused.body, say(request), TOKEN_FIELDS)
        return await _account_page(request, me, status=refused.status, token_errors=errors, token_values=values)
    return await _account_page(request, me, status=201, created=created)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal)
    await posted(request, me)
    ref = validated(_TokenRef, {"token_id": token_id})
    await accounts.revoke_token(request, me, ref.token_id)
    return redirect("/account?done=token_revoked#tokens")
