"""What every page shares: who may see it, the forms it reads (each checked for its CSRF token), its panels, and
how a refusal is shown — a page of its own for a browser, a line in the notice area for htmx.

A page for a role the visitor does not hold is a 403 page; a page for signed-in visitors, seen signed out, sends
them to `/sign-in?next=<the page>`. A service that is down or late never makes a page fail: each panel is fetched
on its own (`fill`), and says which part is missing while the rest of the page works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from vms_contracts.actor import Role
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_gateway.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    Principal,
    check_csrf,
    form_csrf_token,
    get_principal,
)
from vms_gateway.errors import Refusal
from vms_gateway.portal.navigation import HOME
from vms_gateway.portal.render import Csrf, Say, is_htmx, object_particle, render, say
from vms_platform.errors import HTTP_STATUS, DomainError, invalid_request
from vms_platform.logging import get_logger
from vms_platform.rpc import RemoteError, ServiceTimeout

log = get_logger("vms.gateway.portal")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


# -- who may see a page -------------------------------------------------------------------------------------------


class SignInFirst(Exception):
    """The page is for signed-in visitors, and this one is not."""


class WrongRole(Exception):
    """The page is for other roles than the visitor's."""

    def __init__(self, roles: Collection[Role]) -> None:
        super().__init__(", ".join(r.value for r in roles))
        self.roles = tuple(roles)


def require(principal: Principal | None, *roles: Role) -> Principal:
    """The visitor, if signed in with one of `roles` (any role when none is named)."""
    if principal is None:
        raise SignInFirst()
    if roles and principal.role not in roles:
        raise WrongRole(roles)
    return principal


def volunteer_of(me: Principal) -> UUID:
    """The volunteer a volunteer's account is (the actor's own rule: a volunteer names its volunteer)."""
    if me.actor.volunteer_id is None:
        raise WrongRole((Role.VOLUNTEER,))
    return me.actor.volunteer_id


def home_of(principal: Principal | None) -> str:
    return HOME.get(principal.role, "/") if principal is not None else "/"


def local_path(target: str | None) -> str | None:
    """`target` if it is a path of this site (`/me`, `/centre?centre=…`), else None: `next` never leads away, not to
    `//evil.example` nor to `/\\evil.example`, which browsers read as another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 0x21 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def sign_in_address(request: Request) -> str:
    """`/sign-in?next=<the page the visitor was on>`: the page asked for, or for htmx the page it was sent from. A
    form posted signed out (its session ended meanwhile) leads back to no form: the visitor's home."""
    if is_htmx(request):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        here = current.path + (f"?{current.query}" if current.query else "")
    elif request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        here = ""
    target = local_path(here)
    return f"/sign-in?next={quote(target, safe='/')}" if target and target != "/" else "/sign-in"


def redirect(location: str) -> RedirectResponse:
    """The answer to a form that did what it asked (post/redirect/get)."""
    return RedirectResponse(location, status_code=303)


# -- forms -------------------------------------------------------------------------------------------------------


class Form:
    """A submitted form's text fields (a file sent in their place counts as nothing)."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def text(self, name: str, *, strip: bool = True) -> str:
        value = self._data.get(name)
        if not isinstance(value, str):
            return ""
        return value.strip() if strip else value

    def texts(self, name: str) -> list[str]:
        return [v.strip() for v in self._data.getlist(name) if isinstance(v, str) and v.strip()]

    def checked(self, name: str) -> bool:
        return self.text(name) != ""


async def posted(request: Request, principal: Principal | None) -> Form:
    """The form, once its CSRF token is checked (403 `CSRF_FAILED` otherwise)."""
    data = await request.form()
    token = data.get(CSRF_FIELD)
    check_csrf(request, principal, token if isinstance(token, str) else None)
    return Form(data)


@dataclass
class FormErrors:
    """What was wrong with a form, in the page's language: per field (shown beside it) and for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    @classmethod
    def of(
        cls,
        body: ErrorBody,
        t: Say,
        known: Collection[str],
        *,
        renamed: Mapping[str, str] | None = None,
        codes: Mapping[str, str] | None = None,
    ) -> FormErrors:
        """The refusal `body` with its field errors beside the form's fields (`known`; `renamed` maps the request's
        names to the form's), the rest said for the whole form. A refusal that names no field, but whose code is
        about one (`codes`: code → field), is said beside that field."""
        errors = cls()
        for error in body.fields:
            name = error.field.rsplit(".", 1)[-1]
            name = (renamed or {}).get(name, name)
            if name in known:
                errors.fields.setdefault(name, t.field_error(error))
            else:
                errors.general.append(f"{error.field}: {t.field_error(error)}")
        about = (codes or {}).get(body.code)
        if not body.fields and about is not None and about in known:
            errors.fields[about] = t.refusal(body)
        elif not errors.fields:
            errors.general.insert(0, t.refusal(body))
        return errors


class Invalid(Exception):
    """A form whose values the request it makes refuses, found before anything is asked."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(body.message_en)
        self.body = body


def validated(model: type[M], values: Mapping[str, Any]) -> M:
    """`model` made from a form's values, or `Invalid` with the refusal a service would give (422, with the fields),
    so that a form shows the errors found here and there alike. An empty field is left out (an optional one stays
    unset, a required one is missing)."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in ("", None, [])})
    except ValidationError as exc:
        raise Invalid(invalid_request(exc.errors(include_url=False))) from None


FORM_REFUSALS = (Invalid, Refusal, RemoteError, DomainError)
"""What a form's handler catches to show it with the form (`form_refusal`)."""


@dataclass(frozen=True)
class Refused:
    """A refusal as the page answers it: what was refused, the HTTP status and the headers (`Retry-After`)."""

    body: ErrorBody
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


FORM_KINDS = frozenset(
    {
        ErrorKind.INVALID,
        ErrorKind.RULE,
        ErrorKind.CONFLICT,
        ErrorKind.NOT_FOUND,
        ErrorKind.TIMEOUT,
        ErrorKind.UNAVAILABLE,
    }
)
"""Refusals a form shows with itself, what was typed kept: its values were wrong, broke a rule, clash with or name
what does not exist, or the service that takes them is down or late (sent again, the same request is done once)."""


def form_refusal(exc: Exception) -> Refused | None:
    """The refusal a form shows beside its fields or at its top; None for one the page shows as a whole (the
    visitor may not do it)."""
    refused = refusal_of(exc)
    return refused if refused is not None and refused.body.kind in FORM_KINDS else None


def shown_with_form(
    exc: Exception,
    t: Say,
    known: Collection[str],
    *,
    rename: Callable[[str], str] | None = None,
    codes: Mapping[str, str] | None = None,
) -> tuple[Refused, FormErrors]:
    """The refusal `exc` stands for and its errors beside the form's fields (`known`), for a form to show with
    itself; `exc` itself, raised again, when the page shows it as a whole (`form_refusal`). `rename` maps a
    request's field (`school.grade`, `availability.2.part`) to the form's control (`school_grade`,
    `availability`)."""
    refused = form_refusal(exc)
    if refused is None:
        raise exc
    body = refused.body
    if rename is not None:
        fields = [error.model_copy(update={"field": rename(error.field)}) for error in body.fields]
        body = body.model_copy(update={"fields": fields})
    return refused, FormErrors.of(body, t, known, codes=codes)


def refusal_of(exc: Exception) -> Refused | None:
    """The refusal an exception stands for; None for a failure of our own."""
    if isinstance(exc, Refusal):
        return Refused(exc.body, exc.status_code, dict(exc.headers or {}))
    if isinstance(exc, Invalid):
        return Refused(exc.body, 422)
    if isinstance(exc, RemoteError):
        return Refused(exc.body, HTTP_STATUS[exc.body.kind])
    if isinstance(exc, DomainError):
        return Refused(exc.body(), HTTP_STATUS[exc.kind])
    return None


# -- panels ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel(Generic[T]):
    """A part of a page filled by one service: its value, or why it cannot be shown."""

    value: T | None = None
    problem: str | None = None


async def fill(t: Say, what: str, fetch: Awaitable[T]) -> Panel[T]:
    """Ask for one panel's content; a service down, late or refusing becomes the panel's sentence saying so
    (`WEB_PANEL_LATE`: "누적 봉사시간을 지금 불러올 수 없습니다 (rewards 서비스 응답 없음)")."""
    try:
        return Panel(await fetch)
    except (RemoteError, DomainError) as exc:
        return Panel(problem=unavailable(t, what, exc))


def unavailable(t: Say, what: str, exc: RemoteError | DomainError) -> str:
    title = t(what)
    eul = object_particle(title)
    if isinstance(exc, DomainError) and exc.kind in (ErrorKind.TIMEOUT, ErrorKind.UNAVAILABLE):
        service = str(exc.params.get("service", "?"))
        log.warning("panel unavailable", panel=what, service=service, error=exc.code)
        code = "WEB_PANEL_LATE" if isinstance(exc, ServiceTimeout) else "WEB_PANEL_DOWN"
        return t(code, what=title, eul=eul, service=service)
    body = exc.body if isinstance(exc, RemoteError) else exc.body()
    return t("WEB_PANEL_REFUSED", what=title, eul=eul, reason=t.refusal(body))


async def gather_panels(*fetches: Coroutine[Any, Any, Panel[Any]]) -> list[Panel[Any]]:
    """Every panel at once: the page waits for the slowest, at most the RPC timeout, never for their sum."""
    return list(await asyncio.gather(*fetches))


# -- answering -----------------------------------------------------------------------------------------------------


def csrf_for(request: Request, principal: Principal | None, response: Response) -> Csrf:
    return Csrf(form_csrf_token(request, response, principal), CSRF_FIELD, CSRF_HEADER)


DONE: dict[str, str] = {}
"""`?done=<what>` after a form's redirect → the sentence saying it was done (each page module adds its own)."""


def page(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    status: int = 200,
    notices: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page (or an htmx fragment) for `principal`, carrying the token its forms need, and saying what the last
    form did (`?done=`)."""
    t = say(request)
    shown = list(notices)
    done = DONE.get(request.query_params.get("done", ""))
    if done is not None and request.method == "GET":
        shown.insert(0, ("ok", t(done)))
    # The CSRF cookie a signed-out form needs is set on this scratch response, then carried over.
    scratch = Response()
    csrf = csrf_for(request, principal, scratch)
    response = render(
        request, template, principal=principal, csrf=csrf, status=status, notices=shown, headers=headers, **context
    )
    for name, value in scratch.raw_headers:
        if name == b"set-cookie":
            response.raw_headers.append((name, value))
    return response


async def _visitor(request: Request) -> Principal | None:
    try:
        return await get_principal(request)
    except Refusal:
        return None  # a bearer token refused: the page is shown as to anyone signed out


async def refused_answer(request: Request, exc: Exception) -> Response | None:
    """How a page answers what it could not do, or None for a failure of its own (left to the application)."""
    if isinstance(exc, SignInFirst) or (isinstance(exc, Refusal) and exc.status_code == 401):
        target = sign_in_address(request)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return redirect(target)
    principal = await _visitor(request)
    t = say(request)
    if isinstance(exc, WrongRole):
        roles = ", ".join(t.role(r) for r in exc.roles)
        message = t("WEB_FORBIDDEN", role=t.role(principal.role) if principal else t.role(Role.ANONYMOUS), roles=roles)
        if is_htmx(request):
            return page(request, "notice.html", principal, status=403, kind="error", message=message)
        return page(request, "forbidden.html", principal, status=403, message=message, home=home_of(principal))
    refused = refusal_of(exc)
    if refused is None:
        return None
    body, status, headers = refused.body, refused.status, refused.headers
    if status >= 500:
        log.warning("page refused: a service is down or late", path=request.url.path, error=body.code)
    if is_htmx(request):
        message = t("WEB_ACTION_FAILED", reason=t.refusal(body))
        return page(request, "notice.html", principal, status=status, headers=headers, kind="error", message=message)
    back = local_path(request.url.path) if request.method == "GET" else None
    return page(
        request,
        "refused.html",
        principal,
        status=status,
        headers=headers,
        message=t.refusal(body),
        home=home_of(principal),
        again=back,
    )


def _as_get(scope: Scope) -> Scope:
    return {**scope, "method": "GET"} if scope.get("method") == "HEAD" else scope


class PortalRoute(APIRoute):
    """A page: answers HEAD as GET (without the body), and shows what it could not do as a page of its own, or a
    notice for htmx, instead of the API's JSON."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return super().matches(_as_get(scope) if "GET" in (self.methods or ()) else scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().handle(_as_get(scope) if "GET" in (self.methods or ()) else scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answered(request: Request) -> Response:
            try:
                return await handler(request)
            except (SignInFirst, WrongRole, Invalid, Refusal, RemoteError, DomainError) as exc:
                answer = await refused_answer(request, exc)
                if answer is None:
                    raise
                return answer

        return answered
