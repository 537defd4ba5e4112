"""REST API v1 of what the gateway itself keeps: signing up, in and out (and withdrawing, which closes the account
with the registry's record), one's own account and tokens, and the accounts staff manage
(`vms_gateway.accounts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from vms_contracts.actor import Role
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.types import Id, RequestModel
from vms_gateway import accounts
from vms_gateway.accounts import AccountList, AccountView, CreatedToken, Me, NewAccount, NewToken, TokenList, TokenView
from vms_gateway.auth import CurrentPrincipal, Principal, SignUp, permit, register_volunteer, sign_in, sign_out
from vms_gateway.auth import change_password as change_own_password
from vms_gateway.db import access_tokens, sessions
from vms_gateway.db import accounts as account_rows
from vms_gateway.guard import GuardedRoute, operation, within_scope
from vms_gateway.openapi import BODY, EVERY_ROUTE, refusals
from vms_gateway.passwords import MAX_LENGTH, NewPassword
from vms_gateway.state import state_of
from vms_platform.logging import get_logger
from vms_platform.rpc import RemoteError

log = get_logger("vms.gateway.accounts")

router = APIRouter(prefix="/api/v1", responses=refusals(*EVERY_ROUTE), route_class=GuardedRoute)

OWN = operation("accounts.manage_own")
WITHDRAW = registry_rpc.WITHDRAW_VOLUNTEER

WITHDRAWN_CODE = "VOLUNTEER_WITHDRAWN"
"""The registry's refusal of a volunteer who has already withdrawn."""


class SignIn(RequestModel):
    login: str = Field(min_length=1, max_length=200, description="아이디", examples=["hong_gildong"])
    password: str = Field(min_length=1, max_length=4 * MAX_LENGTH, json_schema_extra={"format": "password"})


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=4 * MAX_LENGTH, json_schema_extra={"format": "password"})
    new_password: NewPassword


class SignedUp(BaseModel):
    volunteer: registry_rpc.VolunteerView
    account: Me


# -- signing up, in and out ----------------------------------------------------------------------------------------


@router.post(
    "/volunteers",
    status_code=201,
    tags=["volunteers"],
    summary="회원가입",
    description="Registers the volunteer with the registry and opens their account, signed in (the session cookie "
    "is set). Only for visitors who are not signed in.",
    responses=refusals(*BODY, 409, 504),
    openapi_extra=operation("accounts.sign_up"),
)
async def sign_up(body: SignUp, request: Request, response: Response) -> SignedUp:
    principal, volunteer = await register_volunteer(request, response, body)
    return SignedUp(volunteer=volunteer, account=accounts.me(principal))


@router.post(
    "/session",
    tags=["accounts"],
    summary="로그인",
    description="Opens a session: the `vms_session` cookie is set, and the answer holds the CSRF token that every "
    "unsafe request of the session sends as `X-CSRF-Token`. An unknown login and a wrong password get the same "
    "answer; after 5 failures for one login (20 for one address) the next attempts wait, longer each time (429).",
    responses=refusals(*BODY, 401, 403),
)
async def open_session(body: SignIn, request: Request, response: Response) -> Me:
    return accounts.me(await sign_in(request, response, body.login, body.password))


@router.delete(
    "/session",
    status_code=204,
    tags=["accounts"],
    summary="로그아웃",
    description="Ends this browser's session and clears its cookie.",
    openapi_extra=OWN,
)
async def close_session(request: Request, response: Response) -> Response:
    await sign_out(request, response)
    response.status_code = 204
    return response


@router.delete(
    "/volunteers/{volunteer_id}",
    tags=["volunteers"],
    summary="회원탈퇴",
    description="The registry erases what names the volunteer (their records of hours stay, without the name), and "
    "their account is disabled: it can no longer sign in, and its sessions and access tokens stop working at once "
    "(this session's cookie is cleared). Asking again is 404 `VOLUNTEER_WITHDRAWN`.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(WITHDRAW.operation),
)
async def withdraw_volunteer(
    volunteer_id: Id, request: Request, response: Response, principal: CurrentPrincipal
) -> registry_rpc.WithdrawnView:
    return await withdraw(request, response, principal, volunteer_id)


async def withdraw(
    request: Request, response: Response, principal: Principal | None, volunteer_id: UUID
) -> registry_rpc.WithdrawnView:
    """회원탈퇴, for the volunteer themselves: the registry withdraws them, then every account of theirs is closed
    (`close_volunteer_accounts`) and this browser's session signed out. A withdrawal whose closing did not finish
    (the gateway stopped in between) finishes when asked again, which the registry refuses as done."""
    from vms_gateway.api import services_for

    actor = permit(principal, WITHDRAW.operation)
    within_scope(actor, WITHDRAW.operation, volunteer=volunteer_id)
    try:
        withdrawn = await services_for(request, principal)(
            WITHDRAW, registry_rpc.WithdrawVolunteer(volunteer_id=volunteer_id)
        )
    except RemoteError as exc:
        if exc.body.code == WITHDRAWN_CODE:
            await close_volunteer_accounts(request, volunteer_id)
        raise
    await close_volunteer_accounts(request, volunteer_id)
    if principal is not None and principal.via == "session":
        await sign_out(request, response)
    return withdrawn


async def close_volunteer_accounts(request: Request, volunteer_id: UUID) -> None:
    """Disable the account of `volunteer_id` and end its sessions and tokens, in one transaction; again, nothing
    changes."""
    now = datetime.now(UTC)
    async with state_of(request).db.transaction() as db:
        owned = select(account_rows.c.id).where(account_rows.c.volunteer_id == volunteer_id)
        closed = await db.execute(
            update(account_rows)
            .where(account_rows.c.volunteer_id == volunteer_id, account_rows.c.disabled_at.is_(None))
            .values(disabled_at=now)
        )
        await db.execute(
            update(sessions)
            .where(sessions.c.account_id.in_(owned), sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await db.execute(
            update(access_tokens)
            .where(access_tokens.c.account_id.in_(owned), access_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if closed.rowcount:  # type: ignore[attr-defined]
        log.info("account closed: the volunteer withdrew", volunteer_id=str(volunteer_id))


# -- one's own account ---------------------------------------------------------------------------------------------


@router.get("/me", tags=["accounts"], summary="내 계정", openapi_extra=OWN)
async def get_me(principal: CurrentPrincipal) -> Me:
    assert principal is not None  # the guard let only signed-in accounts through
    return accounts.me(principal)


@router.put(
    "/me/password",
    status_code=204,
    tags=["accounts"],
    summary="비밀번호 변경",
    description="Every other session of the account ends; its access tokens keep working.",
    responses=refusals(*BODY),
    openapi_extra=OWN,
)
async def change_password(body: PasswordChange, request: Request, principal: CurrentPrincipal) -> Response:
    assert principal is not None
    await change_own_password(request, principal, body.current_password, body.new_password)
    return Response(status_code=204)


@router.get("/me/tokens", tags=["accounts"], summary="내 액세스 토큰 목록", openapi_extra=OWN)
async def list_tokens(request: Request, principal: CurrentPrincipal) -> TokenList:
    return await accounts.list_tokens(request, principal)


@router.post(
    "/me/tokens",
    status_code=201,
    tags=["accounts"],
    summary="액세스 토큰 발급",
    description="The token is in this answer only. It acts as the account does, within the account's scope.",
    responses=refusals(*BODY),
    openapi_extra=OWN,
)
async def create_token(body: NewToken, request: Request, principal: CurrentPrincipal) -> CreatedToken:
    return await accounts.create_token(request, principal, body)


@router.delete(
    "/me/tokens/{token_id}",
    tags=["accounts"],
    summary="액세스 토큰 폐기",
    responses=refusals(404, 422),
    openapi_extra=OWN,
)
async def revoke_token(token_id: Id, request: Request, principal: CurrentPrincipal) -> TokenView:
    return await accounts.revoke_token(request, principal, token_id)


# -- accounts staff manage -----------------------------------------------------------------------------------------


@router.post(
    "/accounts",
    status_code=201,
    tags=["accounts"],
    summary="계정 만들기",
    description="A central admin creates council admins, centre managers and integrators; a council admin creates "
    "centre managers for centres of its own region.",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(*accounts.CREATABLE.values()),
)
async def create_account(body: NewAccount, request: Request, principal: CurrentPrincipal) -> AccountView:
    return await accounts.create_account(request, principal, body)


@router.get(
    "/accounts",
    tags=["accounts"],
    summary="계정 목록",
    description="A central admin sees every account, a council admin its region's.",
    responses=refusals(422),
    openapi_extra=operation("accounts.list"),
)
async def list_accounts(
    request: Request,
    principal: CurrentPrincipal,
    role: Annotated[Role | None, Query(description="Only accounts of this role")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="How many at most (1–500)")] = 100,
    after: Annotated[Id | None, Query(description="The `next_after` of the page before")] = None,
) -> AccountList:
    return await accounts.list_accounts(request, principal, role=role, limit=limit, after=after)


@router.post(
    "/accounts/{account_id}/disable",
    tags=["accounts"],
    summary="계정 사용 중지",
    description="The account can no longer sign in; its sessions and tokens stop working at once. An account "
    "cannot disable itself (409).",
    responses=refusals(404, 409, 422),
    openapi_extra=operation("accounts.disable"),
)
async def disable_account(account_id: Id, request: Request, principal: CurrentPrincipal) -> AccountView:
    return await accounts.disable_account(request, principal, account_id)
