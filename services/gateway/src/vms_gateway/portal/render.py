"""Pages and fragments from the templates, in the visitor's language.

Korean is the default; `?lang=en` on any page switches to English and the choice is remembered in the cookie
`vms_lang` (`?lang=ko` switches back). Every text comes from the message catalogue, so a template names codes,
never words.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from vms_contracts.actor import Role
from vms_contracts.errors import ErrorBody, FieldError
from vms_contracts.reference import ACTIVITY_TYPE_LABELS, SUB_FIELDS, ActivityType, Label, council_of, districts
from vms_contracts.regions import NATIONAL
from vms_gateway import portal_messages as _portal_messages  # noqa: F401  (the texts the templates name)
from vms_gateway.auth import Principal
from vms_gateway.portal.navigation import menus_for
from vms_platform.clock import KST
from vms_platform.messages import CATALOGUE, Text, format_minutes, text

Language = Literal["ko", "en"]
LANGUAGES: tuple[Language, ...] = ("ko", "en")
LANGUAGE_COOKIE = "vms_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

HTMX_CONFIG = {
    # A refused form (422) is swapped in place, with its errors beside its fields; any other refusal goes to the
    # page's notice area (`#notice`, a live region), so that a failed click is said, never silent.
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True, "error": True},
        {"code": "[45]..", "swap": True, "error": True, "target": "#notice", "swapOverride": "innerHTML"},
    ],
    # Pages hold personal data: none is copied into the browser's storage for the back button.
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "allowEval": False,
    "selfRequestsOnly": True,
    # The stylesheet styles requests under way (`.htmx-request`): no inline style, which the policy below forbids.
    "includeIndicatorStyles": False,
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
"""The pages run only the portal's own script and style, and send forms only to the portal: text a visitor typed
that slipped through escaping could still run nothing."""


class Say:
    """The catalogue's texts in one language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def __call__(self, code: str, /, **params: Any) -> str:
        return self.pick(text(code, **params))

    def pick(self, message: Text) -> str:
        return message.ko if self.lang == "ko" else message.en

    def refusal(self, body: ErrorBody) -> str:
        return body.message if self.lang == "ko" else body.message_en

    def field_error(self, error: FieldError) -> str:
        return error.message if self.lang == "ko" else error.message_en

    def minutes(self, minutes: int) -> str:
        """`210` → `3시간 30분` / `3 h 30 min`."""
        return self.pick(format_minutes(minutes))

    def region(self, code: str | None) -> str:
        return self(f"WEB_REGION_{code}") if code else ""

    def role(self, role: Role | str) -> str:
        """A role's name; a value no role has (read from another service's record) as it is."""
        code = f"ROLE_{Role(role).value}" if role in set(Role) else None
        return self(code) if code else str(role)

    def council(self, region: str) -> str:
        """A council by its region (`00` the central council): its name as the reference data has it; in English,
        the region's council by the region's English name."""
        found = council_of(region)
        if self.lang == "ko":
            return found.name
        return self("WEB_CERT_COUNCIL_EN", region=self.region(found.region) if found.region != NATIONAL else "Korea")

    def label(self, label: Label) -> str:
        """A name of the reference data (`vms_contracts.reference`), which carries its own Korean and English."""
        return label.ko if self.lang == "ko" else label.en

    def activity_type(self, code: str) -> str:
        """`home` → 재가봉사 / Home visits; a code the taxonomy lacks as it is."""
        found = ACTIVITY_TYPE_LABELS.get(ActivityType(code)) if code in set(ActivityType) else None
        return self.label(found) if found is not None else code

    def sub_field(self, activity_type: str, code: str) -> str:
        """A sub-field's name within its type (`home`, `daily_life` → 생활지원); unknown ones as they are."""
        kind = ActivityType(activity_type) if activity_type in set(ActivityType) else None
        found = next((label for label in SUB_FIELDS[kind] if label.code == code), None) if kind else None
        return self.label(found) if found is not None else code

    def district(self, code: str | None) -> str:
        """A 시·군·구 by its code (`11440` → 마포구); its name is Korean in both languages, as on a map of Korea."""
        if not code:
            return ""
        found = districts().get(code)
        return found.name if found is not None else code

    def place(self, region: str | None, district: str | None) -> str:
        """`서울특별시 마포구`: a 시·도 and, when known, its 시·군·구."""
        return " ".join(part for part in (self.region(region), self.district(district)) if part)

    def field_name(self, name: str) -> str:
        """What a record's field is called (`birth_date` → 생년월일); one without a name here as it is."""
        return self(f"WEB_FIELD_{name}") if f"WEB_FIELD_{name}" in CATALOGUE else name

    def when(self, moment: datetime | date | time | None) -> str:
        """A moment as people in Korea read it: Korean time, to the minute."""
        if moment is None:
            return "-"
        if isinstance(moment, datetime):
            return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M")
        if isinstance(moment, time):
            return moment.strftime("%H:%M")
        return moment.isoformat()


def object_particle(word: str) -> str:
    """The object particle that follows `word` in Korean: 을 after a final consonant (누적 봉사시간을), 를 after a
    vowel (1365 연계 현황을 — 황 ends in ㅇ; 봉사실적조회를); 을(를) when the last letter is not Hangul."""
    last = word.rstrip()[-1:] or " "
    if "가" <= last <= "힣":
        return "을" if (ord(last) - ord("가")) % 28 else "를"
    return "을(를)"


def language(request: Request) -> Language:
    asked = request.query_params.get("lang")
    for lang in LANGUAGES:
        if asked == lang:
            return lang
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    return "en" if remembered == "en" else "ko"


def say(request: Request) -> Say:
    return Say(language(request))


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (and so wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def _switch_url(request: Request, lang: Language) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"


# -- static files ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticFile:
    content: bytes
    media_type: str
    version: str


_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@functools.cache
def static_files() -> Mapping[str, StaticFile]:
    """The files under `/static/`, read once from the package. Their addresses carry a digest of their content, so
    a browser may keep them for a year and still never run an old copy."""
    folder = resources.files("vms_gateway") / "static"
    found: dict[str, StaticFile] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _STATIC_TYPES:
            content = entry.read_bytes()
            found[entry.name] = StaticFile(content, _STATIC_TYPES[suffix], hashlib.sha256(content).hexdigest()[:12])
    return found


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_files()[name].version}"


# -- templates ---------------------------------------------------------------------------------------------------


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vms_gateway", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        # The templates ship inside the package and never change while it runs.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
    return env


@dataclass(frozen=True)
class Csrf:
    """The token a page's forms carry, and the names it travels under."""

    token: str | None
    field: str
    header: str


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None,
    csrf: Csrf,
    status: int = 200,
    notices: list[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """`template` rendered for this visitor: in their language, with the menus of their role."""
    lang = language(request)
    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            t=Say(lang),
            principal=principal,
            csrf=csrf.token,
            csrf_field=csrf.field,
            csrf_header=csrf.header,
            nav=menus_for(principal.role if principal is not None else None),
            path=request.url.path,
            lang_urls={code: _switch_url(request, code) for code in LANGUAGES},
            notices=notices or [],
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    # Every page is someone's own (their name, their hours, their token): kept by no cache, shared or not.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    remember_language(request, response)
    return response


def remember_language(request: Request, response: HTMLResponse) -> None:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=LANGUAGE_COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
