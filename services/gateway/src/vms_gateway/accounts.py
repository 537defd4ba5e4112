"""Accounts and personal access tokens, as the people who manage them see them. Each function takes the signed-in
`Principal` and enforces the permission matrix itself (the `accounts.*` rows), so the API and the portal's pages
call the same code:

- a central admin creates council admins (for one region), centre managers and integrators, lists every account
  and disables any other;
- a council admin creates centre managers for centres of its own region (the registry is asked, as the council
  admin, that each centre exists and where), lists its region's accounts and disables its region's centre managers
  and volunteers;
- every account holder creates, lists and revokes their own tokens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request

from vms_contracts.actor import Role
from vms_contracts.errors import ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.permissions import Access, access
from vms_contracts.regions import ProvinceCode
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.types import Id, LoginId, RequestModel, ShortText
from vms_gateway import messages as _messages  # noqa: F401  (the texts of the refusals below)
from vms_gateway.auth import TOKEN_PREFIX, LoginTaken, Principal, digest, permit
from vms_gateway.db import access_tokens, account_centres, accounts, insert_account, sessions
from vms_gateway.passwords import NewPassword, check_rule
from vms_gateway.state import state_of
from vms_platform.actor import OutOfScope, refused
from vms_platform.errors import Conflict, DomainError, NotFound, RuleViolation
from vms_platform.logging import get_logger

log = get_logger("vms.gateway.accounts")

MAX_TOKENS = 50
"""Live tokens one account may hold at once."""

CREATABLE = {
    Role.COUNCIL_ADMIN: "accounts.create_council_admin",
    Role.CENTRE_MANAGER: "accounts.create_centre_manager",
    Role.INTEGRATOR: "accounts.create_integrator",
}
"""The roles an account can be created for, each with its row of the matrix (a volunteer signs up themselves; a
central admin is made by the operator's command)."""


class AccountNotFound(NotFound):
    code = "ACCOUNT_NOT_FOUND"


class TokenNotFound(NotFound):
    code = "TOKEN_NOT_FOUND"


class TooManyTokens(RuleViolation):
    code = "TOKENS_TOO_MANY"


class CentreOutsideRegion(DomainError):
    code = "CENTRE_OUTSIDE_REGION"
    kind = ErrorKind.FORBIDDEN


class CannotDisableSelf(Conflict):
    code = "ACCOUNT_DISABLE_SELF"


# -- models --------------------------------------------------------------------------------------------------------


class _Shape(RequestModel):
    login: LoginId = Field(description="아이디: 4–20 lowercase letters a–z, digits or _, starting with a letter")
    password: NewPassword = Field(description="초기 비밀번호: 10–128 characters, not the login itself")


class _CouncilAdmin(_Shape):
    """A regional council's admin: runs one region."""

    role: Literal["council_admin"]
    region: ProvinceCode = Field(description="the region it runs (2-digit 시·도 code)")


class _CentreManager(_Shape):
    """A management centre's manager: records and confirms the hours of its centres."""

    role: Literal["centre_manager"]
    centres: list[Id] = Field(min_length=1, max_length=100, description="the centres it manages")


class _Integrator(_Shape):
    """Another organisation's machine account: reads what the matrix lets it read, changes nothing."""

    role: Literal["integrator"]


class NewAccount(RequestModel):
    """A staff or machine account, with the scope its role needs: a council admin's region, a centre manager's
    centres, nothing for an integrator (a volunteer signs up; a central admin is made by the operator's command).
    Its JSON Schema is one of those three shapes, told apart by `role`."""

    login: LoginId
    password: NewPassword
    role: Literal["council_admin", "centre_manager", "integrator"]
    region: ProvinceCode | None = Field(default=None, validate_default=True)
    centres: list[Id] = Field(default_factory=list, max_length=100, validate_default=True)

    @field_validator("region")
    @classmethod
    def _region_fits_role(cls, region: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role == "council_admin" and region is None:
            raise ValueError("시·도 협의회 관리자 계정에는 지역이 필요합니다 / a council admin account names a region")
        if role is not None and role != "council_admin" and region is not None:
            raise ValueError("지역은 시·도 협의회 관리자 계정에만 씁니다 / only council admin accounts name a region")
        return region

    @field_validator("centres")
    @classmethod
    def _centres_fit_role(cls, centres: list[UUID], info: ValidationInfo) -> list[UUID]:
        role = info.data.get("role")
        if role == "centre_manager" and not centres:
            raise ValueError("관리센터 담당자 계정에는 관리센터가 필요합니다 / a centre manager names its centres")
        if role is not None and role != "centre_manager" and centres:
            raise ValueError("관리센터는 관리센터 담당자 계정에만 씁니다 / only a centre manager account names centres")
        return list(dict.fromkeys(centres))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        shapes = [
            {**shape.model_json_schema(), "title": f"New{shape.__name__.strip('_')}"}
            for shape in (_CouncilAdmin, _CentreManager, _Integrator)
        ]
        return {"title": cls.__name__, "description": " ".join((cls.__doc__ or "").split()), "oneOf": shapes}


class AccountView(BaseModel):
    id: UUID
    login: str
    role: Role
    volunteer_id: UUID | None
    region: str | None
    centres: list[UUID]
    created_at: AwareDatetime
    created_by: UUID | None
    disabled_at: AwareDatetime | None
    password_changed_at: AwareDatetime | None


class AccountList(BaseModel):
    items: list[AccountView]
    """In the order they were created."""
    next_after: UUID | None
    """Pass as `after` for the next page; None on the last."""


class Scope(BaseModel):
    volunteer_id: UUID | None = Field(description="the volunteer a volunteer account is")
    centres: list[UUID] = Field(description="the centres a centre manager manages")
    region: str | None = Field(description="the region a council admin runs")


class Me(BaseModel):
    account_id: UUID
    login: str
    role: Role
    scope: Scope
    signed_in_with: Literal["session", "token"]
    csrf_token: str | None = Field(
        description="the session's CSRF token, to send as `X-CSRF-Token` with every unsafe request; none for a token"
    )


def _whole(value: object) -> object:
    """JSON writes a whole number as `7` or `7.0` alike; text such as `"7"` stays refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class NewToken(RequestModel):
    name: ShortText = Field(description="what the token is for, to tell it apart", examples=["출석 연동"])
    expires_in_days: (
        Annotated[
            int,
            BeforeValidator(_whole),
            Strict(),
            Field(ge=1, le=366),
            WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 366}),
        ]
        | None
    ) = Field(default=None, description="days until it stops working; none: until revoked")


class TokenView(BaseModel):
    id: UUID
    name: str
    prefix: str = Field(description="the token's first characters, to tell it apart; never the token")
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None


class CreatedToken(TokenView):
    token: str = Field(description="the token itself, shown this once: send it as `Authorization: Bearer <token>`")


class TokenList(BaseModel):
    items: list[TokenView]


# -- who one is ----------------------------------------------------------------------------------------------------


def me(principal: Principal) -> Me:
    actor = principal.actor
    return Me(
        account_id=principal.account_id,
        login=principal.login,
        role=principal.role,
        scope=Scope(volunteer_id=actor.volunteer_id, centres=sorted(actor.centres, key=str), region=actor.region),
        signed_in_with=principal.via,
        csrf_token=principal.csrf_token,
    )


# -- accounts ------------------------------------------------------------------------------------------------------


async def create_account(request: Request, principal: Principal | None, new: NewAccount) -> AccountView:
    """Create a council admin, centre manager or integrator account, as `principal` may (see the module)."""
    from vms_gateway.api import services_for

    role = Role(new.role)
    operation = CREATABLE[role]
    actor = permit(principal, operation)
    assert principal is not None  # no creation row of the matrix is open to anonymous visitors
    check_rule(new.password, new.login)
    region, centres = new.region, new.centres
    if centres:
        call = services_for(request, principal)
        regions = set()
        for centre_id in centres:
            centre = await call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))
            if access(operation, actor.role) is Access.OWN and centre.region != actor.region:
                raise CentreOutsideRegion(centre_id=centre_id, region=actor.region, centre_region=centre.region)
            regions.add(centre.region)
        # The council that runs the centres' region lists and manages the account; with centres in several
        # regions, only the central council does.
        region = regions.pop() if len(regions) == 1 else None
    state = state_of(request)
    password_hash = await state.passwords.hash(new.password)
    account_id = new_id()
    now = datetime.now(UTC)
    try:
        async with state.db.transaction() as db:
            await insert_account(
                db,
                account_id=account_id,
                login=new.login,
                password_hash=password_hash,
                role=role.value,
                region=region,
                created_at=now,
                created_by=principal.account_id,
                password_changed_at=None,
                centres=centres,
            )
    except IntegrityError:
        raise LoginTaken(login=new.login) from None
    log.info(
        "account created", account_id=str(account_id), login=new.login, role=role.value, by=str(principal.account_id)
    )
    return await _account(request, account_id)


async def list_accounts(
    request: Request,
    principal: Principal | None,
    *,
    role: Role | None = None,
    limit: int = 100,
    after: UUID | None = None,
) -> AccountList:
    """The accounts `principal` may see, in the order they were created: a central admin every one, a council admin
    its region's."""
    actor = permit(principal, "accounts.list")
    query = select(accounts).order_by(accounts.c.id).limit(limit + 1)
    if access("accounts.list", actor.role) is Access.OWN:
        query = query.where(accounts.c.region == actor.region)
    if role is not None:
        query = query.where(accounts.c.role == role.value)
    if after is not None:
        query = query.where(accounts.c.id > after)
    state = state_of(request)
    async with state.db.transaction() as db:
        rows = (await db.execute(query)).all()
        page = rows[:limit]
        centres = await _centres_of(db, [r.id for r in page if r.role == Role.CENTRE_MANAGER.value])
    items = [_view(row, centres.get(row.id, [])) for row in page]
    return AccountList(items=items, next_after=page[-1].id if len(rows) > limit else None)


async def disable_account(request: Request, principal: Principal | None, account_id: UUID) -> AccountView:
    """Disable an account: it can no longer sign in, and its sessions and tokens stop working at once. A council
    admin disables its region's centre managers and volunteers; a central admin any account but its own."""
    actor = permit(principal, "accounts.disable")
    assert principal is not None
    if account_id == principal.account_id:
        raise CannotDisableSelf()
    target = await _account(request, account_id)
    if access("accounts.disable", actor.role) is Access.OWN and (
        target.region != actor.region or target.role not in (Role.CENTRE_MANAGER, Role.VOLUNTEER)
    ):
        raise OutOfScope(**refused("accounts.disable", actor.role))
    state = state_of(request)
    now = datetime.now(UTC)
    async with state.db.transaction() as db:
        disabled = await db.execute(
            update(accounts)
            .where(accounts.c.id == account_id, accounts.c.disabled_at.is_(None))
            .values(disabled_at=now)
        )
        await db.execute(
            update(sessions)
            .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if disabled.rowcount:  # type: ignore[attr-defined]
        log.info("account disabled", account_id=str(account_id), by=str(principal.account_id))
    return await _account(request, account_id)


async def _account(request: Request, account_id: UUID) -> AccountView:
    async with state_of(request).db.transaction() as db:
        row = (await db.execute(select(accounts).where(accounts.c.id == account_id))).one_or_none()
        if row is None:
            raise AccountNotFound(account_id=account_id)
        centres = await _centres_of(db, [account_id])
    return _view(row, centres.get(account_id, []))


async def _centres_of(db: object, account_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    if not account_ids:
        return {}
    result = await db.execute(  # type: ignore[attr-defined]
        select(account_centres.c.account_id, account_centres.c.centre_id)
        .where(account_centres.c.account_id.in_(account_ids))
        .order_by(account_centres.c.centre_id)
    )
    found: dict[UUID, list[UUID]] = {}
    for account_id, centre_id in result.all():
        found.setdefault(account_id, []).append(centre_id)
    return found


def _view(row: object, centres: list[UUID]) -> AccountView:
    return AccountView.model_validate({**row._mapping, "centres": centres})  # type: ignore[attr-defined]


# -- personal access tokens ----------------------------------------------------------------------------------------


async def create_token(request: Request, principal: Principal | None, new: NewToken) -> CreatedToken:
    """A new token of `principal`'s own account, scoped as the account is. The token itself is in this answer only:
    the gateway keeps its sha256."""
    permit(principal, "accounts.manage_own")
    assert principal is not None
    state = state_of(request)
    now = datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = new_id()
    async with state.db.transaction() as db:
        live = await db.scalar(
            select(func.count())
            .select_from(access_tokens)
            .where(access_tokens.c.account_id == principal.account_id, access_tokens.c.revoked_at.is_(None))
        )
        if (live or 0) >= MAX_TOKENS:
            raise TooManyTokens(limit=MAX_TOKENS)
        await db.execute(
            access_tokens.insert().values(
                id=token_id,
                account_id=principal.account_id,
                name=new.name,
                token_hash=digest(token),
                prefix=token[: len(TOKEN_PREFIX) + 4],
                created_at=now,
                expires_at=now + timedelta(days=new.expires_in_days) if new.expires_in_days else None,
            )
        )
    log.info("access token created", account_id=str(principal.account_id), token_id=str(token_id))
    view = await _token(request, principal, token_id)
    return CreatedToken(**view.model_dump(), token=token)


async def list_tokens(request: Request, principal: Principal | None) -> TokenList:
    """`principal`'s own tokens, newest first, revoked ones too."""
    permit(principal, "accounts.manage_own")
    assert principal is not None
    async with state_of(request).db.transaction() as db:
        rows = (
            await db.execute(
                select(access_tokens)
                .where(access_tokens.c.account_id == principal.account_id)
                .order_by(access_tokens.c.id.desc())
            )
        ).all()
    return TokenList(items=[TokenView.model_validate(row._mapping) for row in rows])


async def revoke_token(request: Request, principal: Principal | None, token_id: UUID) -> TokenView:
    """Revoke one of `principal`'s own tokens: it stops working at once. Revoking it again changes nothing."""
    permit(principal, "accounts.manage_own")
    assert principal is not None
    async with state_of(request).db.transaction() as db:
        revoked = await db.execute(
            update(access_tokens)
            .where(
                access_tokens.c.id == token_id,
                access_tokens.c.account_id == principal.account_id,
                access_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=datetime.now(UTC))
        )
    if revoked.rowcount:  # type: ignore[attr-defined]
        log.info("access token revoked", account_id=str(principal.account_id), token_id=str(token_id))
    return await _token(request, principal, token_id)


async def _token(request: Request, principal: Principal, token_id: UUID) -> TokenView:
    async with state_of(request).db.transaction() as db:
        row = (
            await db.execute(
                select(access_tokens).where(
                    access_tokens.c.id == token_id, access_tokens.c.account_id == principal.account_id
                )
            )
        ).one_or_none()
    if row is None:
        raise TokenNotFound(token_id=token_id)
    return TokenView.model_validate(row._mapping)
