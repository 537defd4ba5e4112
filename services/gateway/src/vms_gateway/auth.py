"""Who is asking: the account signed in by a session cookie or a personal access token, and what it may do.

- A session is a random cookie (`vms_session`, HttpOnly, SameSite=Lax, Secure over HTTPS) whose sha256 names a row
  of the gateway's database; it ends after `session_idle_minutes` unused, `session_lifetime_hours` after sign-in,
  at sign-out, and at a password change (every other session of the account). A cookie that names no live
  session is treated as no cookie, and cleared.
- A personal access token (`Authorization: Bearer vms_pat_…`) names a row by its sha256 too. A revoked or expired
  token, or one of a disabled account, is refused (401) at once: both are looked up on every request.
- Every unsafe request (POST, PUT, PATCH, DELETE) signed in by a session carries the session's CSRF token, as the
  form field `csrf_token` or the header `X-CSRF-Token`; forms shown before signing in (sign-in, sign-up) carry
  the value of a `vms_csrf` cookie instead (double submit). A request signed in by a token needs none: a browser
  never sends one by itself.

Whoever it is, the requests the gateway sends on their behalf carry their actor (`actor_of`), signed by the gateway;
an anonymous visitor is `ANONYMOUS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import Depends, Request, Response
from pydantic import Field
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vms_contracts.actor import Actor, Role
from vms_contracts.errors import ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.permissions import Access, access
from vms_contracts.rpc import registry as registry_rpc
from vms_gateway import messages as _messages  # noqa: F401  (the texts of the refusals below)
from vms_gateway import throttle
from vms_gateway.db import access_tokens, account_centres, accounts, insert_account, sessions
from vms_gateway.errors import Refusal
from vms_gateway.passwords import CurrentPasswordWrong, NewPassword, check_rule
from vms_gateway.state import state_of
from vms_platform.actor import NotPermitted, refused
from vms_platform.errors import Conflict, error_body
from vms_platform.logging import get_logger

log = get_logger("vms.gateway.auth")

SESSION_COOKIE = "vms_session"
CSRF_COOKIE = "vms_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIX = "vms_pat_"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOUCH_EVERY = timedelta(seconds=60)
"""A session's (or token's) last use is written at most this often: reading who is asking costs no write."""
SESSIONS_KEPT = timedelta(days=30)
"""How long a session's row is kept once it is over."""
MAX_LOGIN_CHARS = 64
MAX_SECRET_CHARS = 128
"""Longer cookies or tokens than any the gateway makes are refused unread."""

ANONYMOUS = Actor(id="anonymous", role=Role.ANONYMOUS)
"""Whoever is not signed in: what they may do is the matrix's `anonymous` column."""


@dataclass(frozen=True)
class Principal:
    """The account a request is signed in as."""

    account_id: UUID
    login: str
    role: Role
    actor: Actor
    """What is signed into the requests made for this principal."""
    via: Literal["session", "token"]
    csrf_token: str | None
    """The session's CSRF token (None for bearer tokens)."""


class SignUp(registry_rpc.RegisterVolunteer):
    """회원가입: who the volunteer is (the registry keeps it) and the password of their account (the gateway keeps
    its hash)."""

    password: NewPassword = Field(description="비밀번호: 10–128 characters, not the login id itself")


# -- refusals ------------------------------------------------------------------------------------------------------


def _refusal(status: int, code: str, kind: ErrorKind, headers: dict[str, str] | None = None, **params: Any) -> Refusal:
    return Refusal(status, error_body(code, kind, **params), headers)


def sign_in_required() -> Refusal:
    """401: the operation is not open to anonymous visitors."""
    return _refusal(401, "SIGN_IN_REQUIRED", ErrorKind.UNAUTHENTICATED, {"WWW-Authenticate": 'Bearer realm="vms"'})


def _token_refused() -> Refusal:
    return _refusal(
        401,
        "TOKEN_INVALID",
        ErrorKind.UNAUTHENTICATED,
        {"WWW-Authenticate": 'Bearer realm="vms", error="invalid_token"'},
    )


class LoginTaken(Conflict):
    code = "ACCOUNT_LOGIN_TAKEN"


# -- the request's address and scheme --------------------------------------------------------------------------------


def _peer(request: Request) -> str | None:
    return request.client.host if request.client else None


def client_of(request: Request) -> str | None:
    """The client's address: behind a trusted proxy, the last address it added to `X-Forwarded-For` that is not
    itself a trusted proxy."""
    peer = _peer(request)
    proxies = state_of(request).settings.proxies
    if peer in proxies:
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        for address in reversed(forwarded):
            if address not in proxies:
                return address[:64]
    return peer[:64] if peer else None


def _over_https(request: Request) -> bool:
    setting = state_of(request).settings.secure_cookies
    if setting != "auto":
        return setting == "always"
    if request.url.scheme == "https":
        return True
    if _peer(request) in state_of(request).settings.proxies:
        proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        return proto == "https"
    return False


# -- cookies -----------------------------------------------------------------------------------------------------


_PENDING = "vms_cookies"


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    """Set (or, with an empty value and no age, clear) a cookie on `response`, and on whatever answer this request
    gets in the end (`CookieJar`): a page may answer with a response of its own."""
    scratch = Response()
    scratch.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=_over_https(request),
        httponly=True,
        samesite="lax",
    )
    header = next(v for k, v in scratch.raw_headers if k == b"set-cookie")
    response.raw_headers.append((b"set-cookie", header))
    pending: dict[str, bytes] = getattr(request.state, _PENDING, None) or {}
    pending[name] = header
    setattr(request.state, _PENDING, pending)


class CookieJar:
    """Adds the cookies set while answering a request (`_set_cookie`) to the answer that is sent, unless it already
    sets them: a session cleared while reading who is asking is cleared whatever the route answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending: dict[str, bytes] = scope.get("state", {}).get(_PENDING) or {}
                if pending:
                    headers = list(message.get("headers", []))
                    present = {v.split(b"=", 1)[0].decode("latin-1") for k, v in headers if k.lower() == b"set-cookie"}
                    headers += [(b"set-cookie", v) for name, v in pending.items() if name not in present]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- who is asking -------------------------------------------------------------------------------------------------

_UNSET = object()
_PRINCIPAL = "vms_principal"
_SESSION_ID = "vms_session_id"


def _remember(request: Request, principal: Principal | None, session_id: str | None = None) -> Principal | None:
    setattr(request.state, _PRINCIPAL, principal)
    setattr(request.state, _SESSION_ID, session_id)
    # The request's log lines, its access line among them, name the account that asked (never its name).
    structlog.contextvars.bind_contextvars(actor=principal.actor.reference if principal is not None else None)
    return principal


async def get_principal(request: Request) -> Principal | None:
    """The account this request is signed in as, or None; read once per request. A bearer token that is not a live
    token of an enabled account is refused (401); a session cookie that names no live session counts as signed out,
    and is cleared."""
    known = getattr(request.state, _PRINCIPAL, _UNSET)
    if known is not _UNSET:
        return known  # type: ignore[return-value]
    authorization = request.headers.get("authorization")
    if authorization is not None:
        return _remember(request, await _by_token(request, authorization))
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return _remember(request, None)
    found = await _by_session(request, cookie)
    if found is None:
        _set_cookie(request, Response(), SESSION_COOKIE, "", max_age=0)
        return _remember(request, None)
    return _remember(request, found, digest(cookie))


CurrentPrincipal = Annotated[Principal | None, Depends(get_principal)]


def actor_of(principal: Principal | None) -> Actor:
    return principal.actor if principal is not None else ANONYMOUS


def _actor(account_id: UUID, role: Role, volunteer_id: UUID | None, region: str | None, centres: set[UUID]) -> Actor:
    if role is Role.VOLUNTEER:
        return Actor(id=str(account_id), role=role, volunteer_id=volunteer_id)
    if role is Role.CENTRE_MANAGER:
        return Actor(id=str(account_id), role=role, centres=frozenset(centres))
    if role is Role.COUNCIL_ADMIN:
        return Actor(id=str(account_id), role=role, region=region)
    return Actor(id=str(account_id), role=role)


async def _by_session(request: Request, cookie: str) -> Principal | None:
    if len(cookie) > MAX_SECRET_CHARS:
        return None
    state = state_of(request)
    now = datetime.now(UTC)
    idle = timedelta(minutes=state.settings.session_idle_minutes)
    session_id = digest(cookie)
    async with state.db.transaction() as db:
        row = (
            await db.execute(
                select(
                    accounts.c.id,
                    accounts.c.login,
                    accounts.c.role,
                    accounts.c.volunteer_id,
                    accounts.c.region,
                    sessions.c.csrf_token,
                    sessions.c.last_seen_at,
                )
                .join(accounts, accounts.c.id == sessions.c.account_id)
                .where(
                    sessions.c.id == session_id,
                    sessions.c.revoked_at.is_(None),
                    sessions.c.expires_at > now,
                    sessions.c.last_seen_at > now - idle,
                    accounts.c.disabled_at.is_(None),
                )
            )
        ).one_or_none()
        if row is None:
            return None
        centres = await _centres(db, row.id, Role(row.role))
        if row.last_seen_at < now - TOUCH_EVERY:
            await db.execute(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.last_seen_at < now - TOUCH_EVERY)
                .values(last_seen_at=now)
            )
    role = Role(row.role)
    actor = _actor(row.id, role, row.volunteer_id, row.region, centres)
    return Principal(row.id, row.login, role, actor, "session", row.csrf_token)


async def _by_token(request: Request, authorization: str) -> Principal:
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_SECRET_CHARS:
        raise _token_refused()
    state = state_of(request)
    now = datetime.now(UTC)
    token_hash = digest(token)
    async with state.db.transaction() as db:
        row = (
            await db.execute(
                select(
                    accounts.c.id,
                    accounts.c.login,
                    accounts.c.role,
                    accounts.c.volunteer_id,
                    accounts.c.region,
                    access_tokens.c.id.label("token_id"),
                    access_tokens.c.last_used_at,
                )
                .join(accounts, accounts.c.id == access_tokens.c.account_id)
                .where(
                    access_tokens.c.token_hash == token_hash,
                    access_tokens.c.revoked_at.is_(None),
                    or_(access_tokens.c.expires_at.is_(None), access_tokens.c.expires_at > now),
                    accounts.c.disabled_at.is_(None),
                )
            )
        ).one_or_none()
        if row is None:
            log.info("token refused", client=client_of(request))
            raise _token_refused()
        centres = await _centres(db, row.id, Role(row.role))
        if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
            await db.execute(
                update(access_tokens)
                .where(
                    access_tokens.c.id == row.token_id,
                    or_(access_tokens.c.last_used_at.is_(None), access_tokens.c.last_used_at < now - TOUCH_EVERY),
                )
                .values(last_used_at=now)
            )
    role = Role(row.role)
    return Principal(
        row.id, row.login, role, _actor(row.id, role, row.volunteer_id, row.region, centres), "token", None
    )


async def _centres(db: Any, account_id: UUID, role: Role) -> set[UUID]:
    if role is not Role.CENTRE_MANAGER:
        return set()
    result = await db.execute(select(account_centres.c.centre_id).where(account_centres.c.account_id == account_id))
    return {UUID(str(c)) for c in result.scalars()}


# -- what they may do ------------------------------------------------------------------------------------------------


def permit(principal: Principal | None, *operations: str) -> Actor:
    """The actor to ask as, if the matrix lets `principal` do the operation (any of `operations`) at all: else 401
    for an anonymous visitor (`SIGN_IN_REQUIRED`), 403 for an account whose role may not (`NOT_PERMITTED`)."""
    actor = actor_of(principal)
    if all(access(operation, actor.role) is Access.REFUSED for operation in operations):
        if principal is None:
            raise sign_in_required()
        raise NotPermitted(**refused(" | ".join(operations), actor.role))
    return actor


# -- CSRF ------------------------------------------------------------------------------------------------------------


def form_csrf_token(request: Request, response: Response, principal: Principal | None) -> str:
    """The token a form must carry: the session's, or (signed out) the value of the `vms_csrf` cookie, which is set
    on `response` when the browser has none yet."""
    if principal is not None and principal.csrf_token is not None:
        return principal.csrf_token
    current = request.cookies.get(CSRF_COOKIE, "")
    if 32 <= len(current) <= 64 and current.isascii():
        return current
    token = secrets.token_urlsafe(32)
    _set_cookie(request, response, CSRF_COOKIE, token, max_age=12 * 3600)
    return token


def check_csrf(request: Request, principal: Principal | None, submitted: str | None) -> None:
    """Refuse (403 `CSRF_FAILED`) an unsafe request that does not carry the token `form_csrf_token` gave: the form
    field `submitted`, else the `X-CSRF-Token` header. A request signed in by a bearer token needs none."""
    if request.method not in UNSAFE_METHODS or (principal is not None and principal.via == "token"):
        return
    given = submitted or request.headers.get(CSRF_HEADER) or ""
    expected = principal.csrf_token if principal is not None else request.cookies.get(CSRF_COOKIE)
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("csrf token missing or wrong", method=request.method, client=client_of(request))
        raise _refusal(403, "CSRF_FAILED", ErrorKind.FORBIDDEN)


# -- signing in and out ------------------------------------------------------------------------------------------


def normalized_login(login: str) -> str:
    return unicodedata.normalize("NFC", login).strip().lower()[:MAX_LOGIN_CHARS]


async def sign_in(request: Request, response: Response, login: str, password: str) -> Principal:
    """Check the password and open a session (its cookie set on `response`). Refuses with 401 `SIGN_IN_FAILED`,
    the same for an unknown login as for a wrong password (and after the same work); 429 `SIGN_IN_THROTTLED` with
    `Retry-After` after too many failures; 403 `ACCOUNT_DISABLED` to whoever knows the password of a disabled
    account."""
    state = state_of(request)
    login = normalized_login(login)
    client = client_of(request)
    now = datetime.now(UTC)
    keys = [(throttle.PER_LOGIN, login)]
    if client is not None:
        keys.insert(0, (throttle.PER_CLIENT, client))
    wait = await throttle.attempt(state.db, keys, now)
    if wait is not None:
        log.warning("sign-in refused: too many failures", outcome="throttled", login=login, client=client, wait_s=wait)
        raise _refusal(429, "SIGN_IN_THROTTLED", ErrorKind.INVALID, {"Retry-After": str(wait)}, seconds=wait)
    async with state.db.transaction() as db:
        row = (
            await db.execute(
                select(accounts.c.id, accounts.c.password_hash, accounts.c.disabled_at).where(accounts.c.login == login)
            )
        ).one_or_none()
    if not await state.passwords.verify(row.password_hash if row is not None else None, password) or row is None:
        log.warning(
            "sign-in failed",
            outcome="unknown login" if row is None else "wrong password",
            login=login,
            account_id=str(row.id) if row is not None else None,
            client=client,
        )
        raise _refusal(401, "SIGN_IN_FAILED", ErrorKind.UNAUTHENTICATED)
    await throttle.succeeded(state.db, login, client)
    if row.disabled_at is not None:
        log.warning("sign-in refused: account disabled", outcome="disabled", login=login, account_id=str(row.id))
        raise _refusal(403, "ACCOUNT_DISABLED", ErrorKind.FORBIDDEN)
    if state.passwords.needs_rehash(row.password_hash):
        await _rehash(request, row.id, row.password_hash, password)
    principal = await _open_session(request, response, row.id)
    log.info("signed in", outcome="signed in", login=login, account_id=str(row.id), client=client)
    return principal


async def _rehash(request: Request, account_id: UUID, old_hash: str, password: str) -> None:
    """The stored hash was made with other parameters than the configured ones: replace it, unless the password
    changed meanwhile."""
    state = state_of(request)
    new_hash = await state.passwords.hash(password)
    async with state.db.transaction() as db:
        await db.execute(
            update(accounts)
            .where(accounts.c.id == account_id, accounts.c.password_hash == old_hash)
            .values(password_hash=new_hash)
        )
    log.info("password rehashed with the current parameters", account_id=str(account_id))


async def _open_session(request: Request, response: Response, account_id: UUID) -> Principal:
    state = state_of(request)
    settings = state.settings
    now = datetime.now(UTC)
    cookie = secrets.token_urlsafe(32)
    session_id = digest(cookie)
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    old = request.cookies.get(SESSION_COOKIE)
    async with state.db.transaction() as db:
        # Sessions over for a month are of no more use, even to tell when someone signed in.
        await db.execute(
            delete(sessions).where(sessions.c.account_id == account_id, sessions.c.expires_at < now - SESSIONS_KEPT)
        )
        if old and len(old) <= MAX_SECRET_CHARS:
            # The browser's earlier session ends here: one browser, one session.
            await db.execute(
                update(sessions)
                .where(sessions.c.id == digest(old), sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        await db.execute(
            sessions.insert().values(
                id=session_id,
                account_id=account_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                client=client_of(request),
            )
        )
    _set_cookie(request, response, SESSION_COOKIE, cookie, max_age=int(lifetime.total_seconds()))
    found = await _by_session(request, cookie)
    if found is None:  # the account was disabled between the check and now
        raise _refusal(403, "ACCOUNT_DISABLED", ErrorKind.FORBIDDEN)
    _remember(request, found, session_id)
    return found


async def sign_out(request: Request, response: Response) -> None:
    """End this browser's session and clear its cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and len(cookie) <= MAX_SECRET_CHARS:
        state = state_of(request)
        async with state.db.transaction() as db:
            ended = await db.execute(
                update(sessions)
                .where(sessions.c.id == digest(cookie), sessions.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
                .returning(sessions.c.account_id)
            )
            account_id = ended.scalar_one_or_none()
        if account_id is not None:
            log.info("signed out", account_id=str(account_id), client=client_of(request))
    _set_cookie(request, response, SESSION_COOKIE, "", max_age=0)
    _remember(request, None)


async def change_password(request: Request, principal: Principal, current: str, new: str) -> None:
    """Replace the account's password. Refuses a new password that breaks the rule (422 `PASSWORD_RULE` on
    `new_password`), a wrong current one (422 `CURRENT_PASSWORD_WRONG`, counted as a failed sign-in); ends every
    other session of the account."""
    check_rule(new, principal.login, "new_password")
    state = state_of(request)
    client = client_of(request)
    keys = [(throttle.PER_LOGIN, principal.login)]
    wait = await throttle.attempt(state.db, keys, datetime.now(UTC))
    if wait is not None:
        raise _refusal(429, "SIGN_IN_THROTTLED", ErrorKind.INVALID, {"Retry-After": str(wait)}, seconds=wait)
    async with state.db.transaction() as db:
        stored = await db.scalar(select(accounts.c.password_hash).where(accounts.c.id == principal.account_id))
    if stored is None or not await state.passwords.verify(stored, current):
        log.warning("password change refused: current password wrong", account_id=str(principal.account_id))
        raise CurrentPasswordWrong()
    await throttle.succeeded(state.db, principal.login, None)
    new_hash = await state.passwords.hash(new)
    now = datetime.now(UTC)
    keep = getattr(request.state, _SESSION_ID, None) if principal.via == "session" else None
    async with state.db.transaction() as db:
        changed = await db.execute(
            update(accounts)
            .where(accounts.c.id == principal.account_id, accounts.c.password_hash == stored)
            .values(password_hash=new_hash, password_changed_at=now)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise CurrentPasswordWrong()  # changed by another request meanwhile: the current one is no more
        others = and_(sessions.c.account_id == principal.account_id, sessions.c.revoked_at.is_(None))
        if keep is not None:
            others = and_(others, sessions.c.id != keep)
        ended = await db.execute(update(sessions).where(others).values(revoked_at=now))
    log.info(
        "password changed",
        account_id=str(principal.account_id),
        client=client,
        sessions_ended=ended.rowcount,  # type: ignore[attr-defined]
    )


async def sign_up(request: Request, response: Response, form: SignUp) -> Principal:
    """회원가입: register the volunteer with the registry and open their account, signed in."""
    principal, _volunteer = await register_volunteer(request, response, form)
    return principal


async def register_volunteer(
    request: Request, response: Response, form: SignUp
) -> tuple[Principal, registry_rpc.VolunteerView]:
    """Sign-up, with the volunteer as the registry registered them. The registry is asked as an anonymous actor
    named with the new account's id (it records who registered), and its registration is idempotent: a sign-up
    that stopped after the registry answered succeeds when sent again."""
    from vms_gateway.api import services_for

    current = await get_principal(request)
    permit(current, "accounts.sign_up")
    check_rule(form.password, form.login_id)
    state = state_of(request)
    async with state.db.transaction() as db:
        taken = await db.scalar(select(accounts.c.id).where(accounts.c.login == form.login_id))
    if taken is not None:
        raise LoginTaken(login=form.login_id)
    account_id = new_id()
    password_hash = await state.passwords.hash(form.password)
    asking = Actor(id=str(account_id), role=Role.ANONYMOUS)
    details = registry_rpc.RegisterVolunteer(**form.model_dump(exclude={"password"}))
    volunteer = await services_for(request, None).as_actor(asking)(registry_rpc.REGISTER_VOLUNTEER, details)
    now = datetime.now(UTC)
    try:
        async with state.db.transaction() as db:
            await insert_account(
                db,
                account_id=account_id,
                login=volunteer.login_id,
                password_hash=password_hash,
                role=Role.VOLUNTEER.value,
                volunteer_id=volunteer.id,
                region=volunteer.region,
                created_at=now,
                password_changed_at=now,
            )
    except IntegrityError:
        raise LoginTaken(login=form.login_id) from None
    log.info("signed up", outcome="signed up", login=volunteer.login_id, account_id=str(account_id))
    principal = await _open_session(request, response, account_id)
    return principal, volunteer
