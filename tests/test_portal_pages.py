"""The web portal's pages, read as a browser gets them (httpx against the whole system, started as `make up` starts
it, on PostgreSQL when there is one, else on SQLite): each role's home with its panels and menus, the language
switch, signing in and out, a page for another role, forms refused with their errors beside their fields, a POST
without its CSRF token, a service that does not answer, and the brochure's journey — a centre records and
confirms 3 h 30 min, and the volunteer sees 3시간 30분. And 지역사회봉사단 (the public search, a volunteer's
application, the council's 위촉, 거절 and 배치 by htmx) and 추천 (a volunteer's recommended recruitments with
their reasons, a centre's recommended volunteers).

What a page shows is read from its HTML by element id (`Html`), so that a test names the part of the page it is
about. The browser's own checks (script, accessibility, phone width) are the browser tests'.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from conftest import need_postgres, whole_system_plan
from tests.accounts import PASSWORD, DemoAccounts, new_login
from vms_deploy.supervisor import System
from vms_platform.clock import today_kst
from vms_platform.testing import eventually, postgres_required

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()
NEXT_WEEK = today_kst() + timedelta(days=7)


def new_phone() -> str:
    """A mobile number no other test's volunteer has."""
    return f"010-{secrets.randbelow(9000) + 1000}-{secrets.randbelow(9000) + 1000}"


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


# -- reading pages -------------------------------------------------------------------------------------------------


class Html(HTMLParser):
    """A page's text by element id, its form controls, and its links, as far as these tests look at them."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = html
        self.texts: dict[str, list[str]] = {}
        self.controls: list[dict[str, str]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if tag in ("input", "select", "textarea", "button"):
            self.controls.append({"tag": tag, **values})
        if tag not in self.VOID:
            self._open.append((tag, values.get("id")))
            if values.get("id"):
                self.texts.setdefault(values["id"], [])

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)

    def text(self, element_id: str = "main") -> str:
        """The visible text of the element with this id, spaces collapsed."""
        assert element_id in self.texts, f"no element #{element_id} in the page"
        return " ".join("".join(self.texts[element_id]).split())

    def attributes(self, element_id: str) -> dict[str, str]:
        found = [attrs for _tag, attrs in self.elements if attrs.get("id") == element_id]
        assert found, f"no element #{element_id}"
        return found[0]

    def control(self, element_id: str) -> dict[str, str]:
        found = [c for c in self.controls if c.get("id") == element_id]
        assert found, f"no control #{element_id}"
        return found[0]

    @property
    def csrf(self) -> str:
        return next(c["value"] for c in self.controls if c.get("name") == "csrf_token")

    @property
    def lang(self) -> str:
        return next(attrs.get("lang", "") for tag, attrs in self.elements if tag == "html")

    def links(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.elements if tag == "a" and "href" in attrs]


def html(response: httpx.Response, status: int = 200) -> Html:
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("text/html")
    return Html(response.text)


# -- the running system and its people -----------------------------------------------------------------------------


@dataclass
class Vms:
    system: System
    demo: DemoAccounts

    @property
    def url(self) -> str:
        return self.system.gateway_url

    def pid(self, service: str) -> int:
        return next(c.process.pid for c in self.system.children if c.name == service)


@pytest.fixture(scope="module")
async def vms(
    tmp_path_factory: pytest.TempPathFactory, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[Vms]:
    """The whole system on PostgreSQL when there is one (as deployed), else on SQLite (as `make up` runs it). A page
    reads the services through the API, whose every query is tested on both backends (tests/test_registry_api.py,
    tests/test_flow.py and the services' own); what a page adds is the gateway's rendering, the same on either."""
    if postgres_admin_url is None and postgres_required():
        need_postgres(postgres_admin_url)  # fails: PostgreSQL was asked for
    admin = postgres_admin_url
    backend = "postgres" if admin else "sqlite"
    async with AsyncExitStack() as stack:
        plan, _bus = await whole_system_plan(stack, tmp_path_factory.mktemp(f"portal-{backend}"), nats_url, admin)
        system = System(plan, progress=_quiet)
        stack.push_async_callback(system.stop)
        await system.start()
        yield Vms(system, DemoAccounts.of(plan.data_dir))


@dataclass
class Visitor:
    """A browser: its cookies, and the page it last read (whose forms carry the CSRF token)."""

    client: httpx.AsyncClient
    page: Html | None = None
    login: str | None = None
    """Whom it signed up as, for a volunteer who signed up in the test."""

    async def get(self, path: str, status: int = 200, **kwargs: Any) -> Html:
        self.page = html(await self.client.get(path, **kwargs), status)
        return self.page

    async def post(self, path: str, data: dict[str, Any], *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        """Post a form of the page last read, with its CSRF token unless told otherwise."""
        if csrf:
            assert self.page is not None, "read the page with the form first"
            data = {"csrf_token": self.page.csrf, **data}
        return await self.client.post(path, data=data, **kwargs)

    async def sign_in(self, login: str, password: str, next_page: str | None = None) -> httpx.Response:
        await self.get("/sign-in" + (f"?next={next_page}" if next_page else ""))
        form = {"login": login, "password": password, **({"next": next_page} if next_page else {})}
        return await self.post("/sign-in", form)


@pytest.fixture
async def browser(vms: Vms) -> AsyncIterator[Visitor]:
    async with httpx.AsyncClient(base_url=vms.url, timeout=15, follow_redirects=False) as client:
        yield Visitor(client)


class People:
    """Browsers signed in as someone, each closed after the test."""

    def __init__(self, vms: Vms) -> None:
        self.vms = vms
        self.opened: list[Visitor] = []

    def browser(self) -> Visitor:
        self.opened.append(Visitor(httpx.AsyncClient(base_url=self.vms.url, timeout=15, follow_redirects=False)))
        return self.opened[-1]

    async def __call__(self, role: str) -> Visitor:
        """A browser signed in as the demo account of `role`."""
        visitor = self.browser()
        answer = await visitor.sign_in(self.vms.demo.login(role), self.vms.demo.password)
        assert answer.status_code == 303, answer.text[:2000]
        return visitor

    async def new_volunteer(self, name: str = "한아름", **profile: Any) -> tuple[Visitor, str]:
        """A volunteer who signs up on the portal (회원가입), signed in; and their number, read from their page. Each
        has a phone of their own: the registry knows a person by name, birth date and phone, and refuses the same
        person twice."""
        visitor = self.browser()
        await visitor.get("/sign-up")
        registration = {
            "login_id": new_login("v"),
            "password": PASSWORD,
            "password_again": PASSWORD,
            "name": name,
            "birth_date": "2001-04-05",
            "phone": new_phone(),
            "region": "11",
            **profile,
        }
        answer = await visitor.post("/sign-up", registration)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/me"), answer.text[:2000]
        visitor.login = str(registration["login_id"])
        page = await visitor.get("/me")
        return visitor, page.text("my-id")


@pytest.fixture
async def people(vms: Vms) -> AsyncIterator[People]:
    crowd = People(vms)
    yield crowd
    for visitor in crowd.opened:
        await visitor.client.aclose()


# -- the frame -----------------------------------------------------------------------------------------------------


async def test_the_home_page_says_what_vms_is_with_its_legal_basis_and_line(browser: Visitor) -> None:
    page = await browser.get("/")
    assert page.lang == "ko"
    assert "사회복지자원봉사 종합관리 시스템" in page.text("main")
    assert "사회복지사업법 제9조" in page.source and "1688-1090" in page.source
    assert "s-win.or.kr" in page.text("main"), "the 17 councils are listed"
    assert {"/sign-in", "/sign-up", "#main"} <= set(page.links())


@pytest.mark.parametrize(
    ("role", "home", "menus"),
    [
        ("volunteer", "/me", ["봉사신청", "봉사인증", "봉사실적조회", "마이페이지", "회원정보", "개인정보"]),
        ("centre_manager", "/centre", ["관리센터 업무", "봉사실적 입력·확인"]),
        ("council_admin", "/council", ["협의회 관리", "개인정보 열람 기록"]),
        ("central_admin", "/central", ["중앙회 관리", "계정 관리"]),
        ("integrator", "/account", ["계정 설정"]),
    ],
)
async def test_each_role_lands_on_its_home_with_its_menus(
    vms: Vms, browser: Visitor, role: str, home: str, menus: list[str]
) -> None:
    answer = await browser.sign_in(vms.demo.login(role), vms.demo.password)
    assert (answer.status_code, answer.headers["location"]) == (303, home)
    page = await browser.get(home)
    nav = next(attrs for tag, attrs in page.elements if tag == "nav")
    assert nav.get("aria-label") == "주 메뉴"
    header = page.source.split("<main")[0]
    for menu in menus:
        assert menu in header, f"{role}: the menu {menu} is missing"
    assert f"{vms.demo.login(role)} (" in header, "the signed-in login is shown"
    assert 'action="/sign-out"' in header and page.csrf, "signing out is a form with its CSRF token"
    assert f'"X-CSRF-Token": "{page.csrf}"' in page.source, "htmx sends the token with every request"
    other_staff_areas = {"관리센터 업무", "협의회 관리", "중앙회 관리"} - set(menus)
    assert not [area for area in other_staff_areas if area in header]


async def test_the_volunteer_page_shows_each_of_its_panels(vms: Vms, people: People) -> None:
    volunteer = await people("volunteer")
    page = await volunteer.get("/me")
    assert page.text("my-id") == vms.demo.accounts["volunteer"]["volunteer_id"]
    assert page.text("total").startswith("누적 봉사시간 ") and "시간" in page.text("total")
    assert "봉사실적조회" in page.text("records")
    assert "1365 연계 현황" in page.text("transfers")
    assert "김봉사" in page.text("privacy"), "회원정보 → 개인정보 shows who they are"
    assert page.control("f-granted")["type"] == "checkbox"
    form = page.attributes("consent-form")
    assert (form["hx-post"], form["hx-trigger"]) == ("/me/consent", "change, submit"), "ticked, it is saved at once"
    assert "1365자원봉사포털 연계동의" in page.text("consent-form")
    assert "unavailable" not in page.source


async def test_the_centre_page_shows_its_activities_and_the_form_to_record_one(vms: Vms, people: People) -> None:
    centre = await people("centre_manager")
    page = await centre.get("/centre")
    assert "VMS 데모 관리센터" in page.text("main")
    assert vms.demo.accounts["centre_manager"]["centre_id"] in page.text("main")
    assert "봉사활동 실적" in page.text("activities")
    for field in ("volunteer_id", "activity_date", "start_time", "end_time", "description", "exception_reason"):
        control = page.control(f"f-{field}")
        assert control["name"] == field
        assert f'for="f-{field}"' in page.source, f"{field} has its label"


async def test_the_council_page_lists_its_centres_accounts_and_reads_of_personal_data(vms: Vms, people: People) -> None:
    council = await people("council_admin")
    page = await council.get("/council")
    assert "서울특별시 사회복지협의회 관리" in page.text("main")
    assert "VMS 데모 관리센터" in page.text("centres")
    assert vms.demo.login("centre_manager") in page.text("accounts")
    assert vms.demo.login("central_admin") not in page.text("accounts"), "a council sees its own region's"
    assert "개인정보 열람 기록" in page.text("access")
    assert page.control("f-name")["name"] == "name", "the form to register a centre"
    offered = [c["value"] for c in page.controls if c.get("name") == "centres"]
    assert vms.demo.accounts["centre_manager"]["centre_id"] in offered, "the form to create a centre's manager"


async def test_the_central_page_lists_every_account_and_a_regions_centres(vms: Vms, people: People) -> None:
    central = await people("central_admin")
    page = await central.get("/central")
    for role in ("central_admin", "council_admin", "centre_manager", "volunteer", "integrator"):
        assert vms.demo.login(role) in page.text("accounts")
    assert "VMS 데모 관리센터" in page.text("centres")
    busan = await central.get("/central?region=26")
    assert "부산광역시 관리센터" in busan.text("centres")
    assert "VMS 데모 관리센터" not in busan.text("centres")


async def test_the_language_switch_is_remembered(browser: Visitor) -> None:
    english = await browser.client.get("/?lang=en")
    assert "vms_lang=en" in english.headers["set-cookie"]
    assert Html(english.text).lang == "en"
    again = await browser.get("/sign-in")
    assert again.lang == "en" and "Sign in" in again.text("main"), "the cookie keeps English"
    assert "/sign-in?lang=ko" in again.links(), "and the switch leads back"
    korean = await browser.get("/sign-in?lang=ko")
    assert korean.lang == "ko" and "로그인" in korean.text("main")
    assert (await browser.get("/")).lang == "ko"


async def test_a_page_answers_head_as_get(browser: Visitor) -> None:
    answer = await browser.client.head("/")
    assert answer.status_code == 200 and answer.content == b""


async def test_the_static_files_are_served_for_keeps(browser: Visitor) -> None:
    page = await browser.get("/")
    scripts = [attrs["src"] for tag, attrs in page.elements if tag == "script"]
    styles = [attrs["href"] for tag, attrs in page.elements if tag == "link" and attrs.get("rel") == "stylesheet"]
    assert [s.split("?")[0] for s in scripts] == ["/static/htmx.min.js"]
    for address in scripts + styles:
        answer = await browser.client.get(address)
        assert answer.status_code == 200
        assert "immutable" in answer.headers["cache-control"]
    htmx = await browser.client.get(scripts[0])
    assert b'version:"2.0.' in htmx.content
    assert (await browser.client.get("/static/../app.py")).status_code == 404


# -- signing in and out --------------------------------------------------------------------------------------------


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(vms: Vms, browser: Visitor) -> None:
    answer = await browser.client.get("/centre")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in?next=/centre")
    page = await browser.get(answer.headers["location"])
    assert "먼저 로그인해 주세요" in page.text("main")
    signed = await browser.post(
        "/sign-in",
        {"login": vms.demo.login("centre_manager"), "password": vms.demo.password, "next": "/centre"},
    )
    assert (signed.status_code, signed.headers["location"]) == (303, "/centre")


@pytest.mark.parametrize("elsewhere", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_after_sign_in_next_leads_only_within_the_site(vms: Vms, browser: Visitor, elsewhere: str) -> None:
    await browser.get("/sign-in")
    signed = await browser.post(
        "/sign-in", {"login": vms.demo.login("volunteer"), "password": vms.demo.password, "next": elsewhere}
    )
    assert (signed.status_code, signed.headers["location"]) == (303, "/me")


async def test_a_wrong_password_reads_as_an_unknown_login(vms: Vms, browser: Visitor) -> None:
    wrong = await browser.sign_in(vms.demo.login("volunteer"), "not-the-password-1")
    unknown = await browser.sign_in(new_login("nobody"), "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 401
    said = [Html(r.text) for r in (wrong, unknown)]
    assert said[0].text("main") == said[1].text("main")
    assert "아이디 또는 비밀번호가 맞지 않습니다" in said[0].text("main")
    assert said[0].control("f-login")["value"] == vms.demo.login("volunteer"), "the login typed is kept"
    assert "value" not in said[0].control("f-password"), "the password is never sent back"


async def test_too_many_failed_sign_ins_say_how_long_to_wait(browser: Visitor) -> None:
    login = new_login("nobody")
    answers = [await browser.sign_in(login, "not-the-password-1") for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "초 뒤에 다시 시도해 주세요" in Html(answers[-1].text).text("main")


async def test_signing_out_ends_the_session(people: People) -> None:
    volunteer = await people("volunteer")
    await volunteer.get("/me")
    out = await volunteer.post("/sign-out", {})
    assert (out.status_code, out.headers["location"]) == (303, "/?done=signed_out")
    assert "로그아웃했습니다" in (await volunteer.get(out.headers["location"])).text("notice")
    assert (await volunteer.client.get("/me")).status_code == 303


async def test_a_page_for_another_role_is_refused_with_a_page_saying_so(people: People) -> None:
    volunteer = await people("volunteer")
    page = await volunteer.get("/centre", status=403)
    assert "이 페이지를 볼 권한이 없습니다" in page.text("main")
    assert "관리센터 담당자" in page.text("main"), "it says whose page it is"
    assert "/me" in page.links()
    centre = await people("centre_manager")
    await centre.get("/council", status=403)
    await centre.get("/central", status=403)
    await centre.get("/me", status=403)


# -- forms ---------------------------------------------------------------------------------------------------------


async def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(vms: Vms, people: People) -> None:
    centre = await people("centre_manager")
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    before = (await centre.get("/centre")).text("activities")
    volunteer_id = vms.demo.accounts["volunteer"]["volunteer_id"]
    details = {
        "volunteer_id": volunteer_id,
        "activity_date": YESTERDAY,
        "start_time": "06:00",
        "end_time": "06:30",
        "activity_type": "facility",
        "sub_field": "emotional",
        "description": "토큰 없는 입력",
    }
    for token in ({}, {"csrf_token": "forged"}):
        refused = await centre.post(f"/centre/{centre_id}/activities", {**details, **token}, csrf=False)
        assert refused.status_code == 403
        assert "보안 토큰이 없거나 맞지 않습니다" in Html(refused.text).text("main")
    assert (await centre.get("/centre")).text("activities") == before
    signed_out = await centre.post("/sign-out", {}, csrf=False)
    assert signed_out.status_code == 403
    await centre.get("/centre")


async def test_a_refused_activity_shows_each_error_beside_its_field(vms: Vms, people: People) -> None:
    centre = await people("centre_manager")
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    await centre.get("/centre")
    refused = await centre.post(
        f"/centre/{centre_id}/activities",
        {"volunteer_id": "홍길동", "activity_date": YESTERDAY, "start_time": "10:00", "end_time": "25:00"},
    )
    page = html(refused, 422)
    for field in ("volunteer_id", "end_time", "description"):
        control = page.control(f"f-{field}")
        assert control["aria-invalid"] == "true", field
        assert f"f-{field}-error" in control["aria-describedby"].split(), field
        assert page.text(f"f-{field}-error"), field
    assert "ID 형식이 아닙니다" in page.text("f-volunteer_id-error")
    assert "HH:MM" in page.text("f-end_time-error")
    assert page.control("f-start_time").get("aria-invalid") is None
    assert page.control("f-volunteer_id")["value"] == "홍길동", "what was typed is kept"
    assert page.control("f-activity_date")["value"] == YESTERDAY


async def test_sign_up_refuses_with_the_errors_of_its_fields(browser: Visitor) -> None:
    await browser.get("/sign-up")
    refused = await browser.post(
        "/sign-up",
        {
            "login_id": "Hong Gildong",
            "password": PASSWORD,
            "password_again": PASSWORD + "x",
            "name": "홍길동",
            "birth_date": "2001-02-30",
            "phone": "12345",
            "region": "00",
        },
    )
    page = html(refused, 422)
    for field in ("login_id", "password_again", "birth_date", "phone", "region"):
        assert page.control(f"f-{field}").get("aria-invalid") == "true", field
    assert "두 비밀번호가 서로 다릅니다" in page.text("f-password_again-error")
    assert "value" not in page.control("f-password")
    assert page.control("f-name")["value"] == "홍길동"


async def test_changing_the_password_needs_the_current_one(people: People) -> None:
    volunteer, _ = await people.new_volunteer("오하람")
    await volunteer.get("/account")
    new = "a-new-password-5678"
    wrong = await volunteer.post(
        "/account/password",
        {"current_password": "not-my-password", "new_password": new, "new_password_again": new},
    )
    assert "현재 비밀번호가 맞지 않습니다" in html(wrong, 422).text("f-current_password-error")
    changed = await volunteer.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert (changed.status_code, changed.headers["location"]) == (303, "/account?done=password_changed")
    assert "비밀번호를 바꿨습니다" in (await volunteer.get(changed.headers["location"])).text("notice")


# -- the councils ----------------------------------------------------------------------------------------------------


async def test_a_council_registers_a_centre_and_creates_its_manager_who_then_works_there(
    vms: Vms, people: People
) -> None:
    council = await people("council_admin")
    await council.get("/council")
    name = f"행복나눔센터 {new_login('c')}"
    registered = await council.post("/council/centres", {"name": name, "phone": "02-1234-5678"})
    assert (registered.status_code, registered.headers["location"]) == (303, "/council?done=centre_registered#centres")
    page = await council.get(registered.headers["location"])
    assert name in page.text("centres") and "관리센터를 등록했습니다" in page.text("notice")
    centre_id = next(i for i in page.texts if i.startswith("centre-") and name in page.text(i)).removeprefix("centre-")

    login = new_login("m")
    created = await council.post("/council/managers", {"login": login, "password": PASSWORD, "centres": [centre_id]})
    assert (created.status_code, created.headers["location"]) == (303, "/council?done=account_created#accounts")
    assert login in (await council.get(created.headers["location"])).text("accounts")

    manager = people.browser()
    assert (await manager.sign_in(login, PASSWORD)).headers["location"] == "/centre"
    assert name in (await manager.get("/centre")).text("main")


async def test_a_refused_account_is_said_beside_its_fields(vms: Vms, people: People) -> None:
    council = await people("council_admin")
    await council.get("/council")
    refused = await council.post(
        "/council/managers",
        {"login": vms.demo.login("volunteer"), "password": "short", "centres": []},
    )
    page = html(refused, 422)
    assert page.control("f-login")["value"] == vms.demo.login("volunteer")
    assert page.text("f-centres-error"), "a manager needs a centre"
    assert "value" not in page.control("f-password")


async def test_a_disabled_account_can_no_longer_sign_in(people: People) -> None:
    council = await people("council_admin")
    await council.get("/council")
    login = new_login("m")
    centre_id = next(c["value"] for c in council.page.controls if c.get("name") == "centres")  # type: ignore[union-attr]
    await council.post("/council/managers", {"login": login, "password": PASSWORD, "centres": [centre_id]})
    page = await council.get("/council")
    account_id = re.findall(rf"<td>{login}</td>.*?/council/accounts/([0-9a-f-]{{36}})/disable", page.source, re.DOTALL)
    disabled = await council.post(f"/council/accounts/{account_id[0]}/disable", {})
    assert (disabled.status_code, disabled.headers["location"]) == (303, "/council?done=account_disabled#accounts")
    page = await council.get(disabled.headers["location"])
    assert "계정의 사용을 중지했습니다" in page.text("notice")
    refused = await people.browser().sign_in(login, PASSWORD)
    assert refused.status_code == 403 and "사용이 중지된 계정입니다" in Html(refused.text).text("main")


async def test_the_central_council_creates_a_regional_council_admin(people: People) -> None:
    central = await people("central_admin")
    await central.get("/central")
    login = new_login("busan")
    created = await central.post("/central/council-admins", {"login": login, "password": PASSWORD, "region": "26"})
    assert (created.status_code, created.headers["location"]) == (303, "/central?done=account_created#accounts")
    busan = people.browser()
    assert (await busan.sign_in(login, PASSWORD)).headers["location"] == "/council"
    assert "부산광역시 사회복지협의회 관리" in (await busan.get("/council")).text("main")


# -- the brochure's journey ----------------------------------------------------------------------------------------


async def test_a_centre_records_and_confirms_three_and_a_half_hours_which_the_volunteer_sees(
    vms: Vms, people: People
) -> None:
    volunteer, volunteer_id = await people.new_volunteer()
    centre = await people("centre_manager")
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    await centre.get("/centre")
    recorded = await centre.post(
        f"/centre/{centre_id}/activities",
        {
            "volunteer_id": volunteer_id,
            "activity_date": YESTERDAY,
            "start_time": "10:00",
            "end_time": "13:30",
            "activity_type": "facility",
            "sub_field": "emotional",
            "description": "어르신 말벗 및 식사 보조",
        },
    )
    assert recorded.status_code == 303, recorded.text[:2000]
    page = await centre.get(recorded.headers["location"])
    assert "실적을 입력했습니다" in page.text("notice")
    row = next(
        element_id
        for element_id in page.texts
        if element_id.startswith("activity-") and volunteer_id in page.text(element_id)
    )
    assert "3시간 30분" in page.text(row) and "확인" in page.text(row)
    activity_id = row.removeprefix("activity-")

    confirmed = await centre.post(
        f"/centre/activities/{activity_id}/confirm",
        {},
        headers={"HX-Request": "true", "HX-Current-URL": f"{vms.url}/centre"},
    )
    fragment = html(confirmed)
    assert fragment.source.lstrip().startswith(f'<tr id="{row}"'), "htmx swaps the row"
    assert "확인됨" in fragment.text(row) and "/confirm" not in fragment.text(row)
    assert "3시간 30분" in fragment.text("notice"), "the notice area says what was confirmed"

    async def total_shown() -> Html | None:
        page = await volunteer.get("/me")
        return page if page.text("total").startswith("누적 봉사시간 3시간 30분") else None

    mine = await eventually(total_shown, what="the volunteer's page showing 3시간 30분")
    assert "어르신 말벗 및 식사 보조" in mine.text("records") and "확인됨" in mine.text("records")
    assert "VMS 데모 관리센터" in mine.text("records"), "the record names its centre"


async def test_without_script_confirming_posts_the_form_and_the_page_says_so(vms: Vms, people: People) -> None:
    centre = await people("centre_manager")
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    await centre.get("/centre")
    details = {
        "volunteer_id": vms.demo.accounts["volunteer"]["volunteer_id"],
        "activity_date": YESTERDAY,
        "start_time": "07:00",
        "end_time": "07:45",
        "activity_type": "facility",
        "sub_field": "emotional",
        "description": "스크립트 없이 확인",
    }
    page = await centre.get((await centre.post(f"/centre/{centre_id}/activities", details)).headers["location"])
    row = next(i for i in page.texts if i.startswith("activity-") and "스크립트 없이 확인" in page.text(i))
    confirmed = await centre.post(f"/centre/activities/{row.removeprefix('activity-')}/confirm", {})
    assert confirmed.status_code == 303
    page = await centre.get(confirmed.headers["location"])
    assert "활동을 확인했습니다" in page.text("notice")
    assert "확인됨" in page.text(row) and "45분" in page.text(row)


async def test_the_consent_checkbox_saves_at_once(people: People) -> None:
    volunteer, _ = await people.new_volunteer("송하늘")
    page = await volunteer.get("/me")
    assert "checked" not in page.control("f-granted")
    saved = await volunteer.post("/me/consent", {"granted": "yes"}, headers={"HX-Request": "true"})
    fragment = html(saved)
    assert fragment.source.lstrip().startswith('<form id="consent-form"'), "htmx swaps the form"
    assert "checked" in fragment.control("f-granted")
    assert "연계에 동의했습니다" in fragment.text("notice")
    assert "checked" in (await volunteer.get("/me")).control("f-granted")
    withdrawn = await volunteer.post("/me/consent", {})
    assert (withdrawn.status_code, withdrawn.headers["location"]) == (303, "/me?done=consent_withdrawn#privacy")
    page = await volunteer.get(withdrawn.headers["location"])
    assert "checked" not in page.control("f-granted")
    assert "동의를 철회했습니다" in page.text("notice")


async def test_a_personal_access_token_is_shown_once_and_works_until_revoked(vms: Vms, people: People) -> None:
    integrator = await people("integrator")
    await integrator.get("/account")
    created = await integrator.post("/account/tokens", {"name": "출석 연동", "expires_in_days": "30"})
    page = html(created, 201)
    token = page.control("new-token")["value"]
    assert token.startswith("vms_pat_") and "다시 보여 드리지 않습니다" in page.text("token-area")
    assert token not in (await integrator.get("/account")).source
    api = httpx.AsyncClient(base_url=f"{vms.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    async with api:
        assert (await api.get("/me")).json()["login"] == vms.demo.login("integrator")
        token_id = re.findall(r"/account/tokens/([0-9a-f-]+)/revoke", integrator.page.source)[0]  # type: ignore[union-attr]
        revoked = await integrator.post(f"/account/tokens/{token_id}/revoke", {})
        assert (revoked.status_code, revoked.headers["location"]) == (303, "/account?done=token_revoked#tokens")
        assert (await api.get("/me")).status_code == 401


# -- a service down or late ----------------------------------------------------------------------------------------


async def test_a_late_service_costs_its_panel_only(vms: Vms, people: People) -> None:
    volunteer = await people("volunteer")
    rewards = vms.pid("rewards")
    os.kill(rewards, signal.SIGSTOP)
    try:
        page = await volunteer.get("/me")
        english = await volunteer.get("/me?lang=en")
    finally:
        os.kill(rewards, signal.SIGCONT)
        await volunteer.get("/me?lang=ko")
    assert "누적 봉사시간을 지금 불러올 수 없습니다 (rewards 서비스 응답 없음)" in page.text("total")
    assert "(the rewards service did not answer)" in english.text("total")
    assert "김봉사" in page.text("privacy"), "the registry's part is still there"
    assert "불러올 수 없습니다" not in page.text("records") + page.text("transfers")
    assert page.control("f-granted"), "and the consent can still be given"


async def test_a_form_sent_while_its_service_is_late_is_shown_again_with_what_was_typed(
    vms: Vms, people: People
) -> None:
    centre = await people("centre_manager")
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    await centre.get("/centre")
    details = {
        "volunteer_id": vms.demo.accounts["volunteer"]["volunteer_id"],
        "activity_date": YESTERDAY,
        "start_time": "20:00",
        "end_time": "20:30",
        "activity_type": "facility",
        "sub_field": "emotional",
        "description": "늦은 서비스 확인",
    }
    hours = vms.pid("hours")
    os.kill(hours, signal.SIGSTOP)
    try:
        late = await centre.post(f"/centre/{centre_id}/activities", details)
    finally:
        os.kill(hours, signal.SIGCONT)
    page = html(late, 504)
    assert "hours 서비스가 제시간에 응답하지 않았습니다" in page.text("record")
    assert page.text("f-description") == "늦은 서비스 확인"
    assert page.control("f-start_time")["value"] == "20:00"
    assert "VMS 데모 관리센터" in page.text("main"), "the rest of the page is there"


# -- 봉사자모집: the public pages, applying, the centre's recruitments, the council's centres ------------------------


def recruitment_form(title: str, **changes: Any) -> dict[str, Any]:
    """A centre's 봉사자모집 form, filled: 재가봉사 · 정서지원 in 마포구, from next week, Mon and Wed mornings."""
    return {
        "title": title,
        "activity_type": "home",
        "sub_field": "emotional",
        "district": "11440",
        "place": "마포 행복나눔터 2층",
        "start_date": NEXT_WEEK.isoformat(),
        "end_date": (NEXT_WEEK + timedelta(days=30)).isoformat(),
        "weekdays": ["mon", "wed"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": "3",
        "eligibility": ["adult", "youth"],
        "description": "홀로 계신 어르신 댁을 찾아 말벗이 되어 드립니다.",
        **changes,
    }


async def accredited_demo_centre(vms: Vms, people: People) -> str:
    """The demo centre, accredited by its council (인증) if it is not yet: only an accredited centre posts."""
    centre_id = vms.demo.accounts["centre_manager"]["centre_id"]
    council = await people("council_admin")
    page = await council.get("/council")
    if f"/council/centres/{centre_id}/accredit" in page.source:
        accredited = await council.post(f"/council/centres/{centre_id}/accredit", {})
        assert (accredited.status_code, accredited.headers["location"]) == (
            303,
            "/council?done=centre_accredited#centres",
        )
    return centre_id


async def posted_recruitment(centre: Visitor, centre_id: str, title: str, **changes: Any) -> str:
    """Post a recruitment through the centre's form; its id, read from where the form leads."""
    await centre.get(f"/centre/recruitments?centre={centre_id}")
    answer = await centre.post(f"/centre/{centre_id}/recruitments", recruitment_form(title, **changes))
    assert answer.status_code == 303, answer.text[:3000]
    found = re.fullmatch(r"/centre/recruitments/([0-9a-f-]{36})\?done=recruitment_posted", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


async def test_the_public_pages_need_no_sign_in_and_are_linked_from_the_home_page(browser: Visitor) -> None:
    home = await browser.get("/")
    assert {"/recruitments", "/about", "/councils"} <= set(home.links())
    nav = home.source.split("<main")[0]
    assert "봉사자모집 및 신청" in nav and "VMS 소개" in nav, "the public menus before signing in"
    about = await browser.get("/about")
    for said in ("사회복지사업법 제9조", "시행령 제25조 제3항", "사회복지자원봉사관리규정", "자원봉사활동기본법 제4조"):
        assert said in about.text("legal")
    for figure in ("13,265", "7,941,067", "3,766", "2017년 12월"):
        assert figure in about.text("scale")
    assert "1978년" in about.text("legal")
    councils = await browser.get("/councils")
    cards = [i for i in councils.texts if i.startswith("council-")]
    assert len(cards) == 18, "the central council and the 17 regional ones"
    assert "www.s-win.or.kr" in councils.text("council-11") and "1688-1090" in councils.text("council-11")
    assert "044-862-0404" in councils.text("council-36"), "세종 has its own number"
    assert "02-2077-3995" in councils.text("council-00") and "만리재로 14" in councils.text("council-00")
    assert "1688-1090" in councils.text("national-line")
    english = await browser.get("/about?lang=en")
    assert "Social Welfare Services Act, article 9" in english.text("legal")
    await browser.get("/?lang=ko")


async def test_recruitments_are_searched_by_type_region_and_a_two_character_keyword_without_signing_in(
    vms: Vms, people: People, browser: Visitor
) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    token = new_login("q")
    ids = [await posted_recruitment(centre, centre_id, f"{token} 말벗 {n:02d}") for n in range(11)]
    other = await posted_recruitment(
        centre, centre_id, f"{token} 급식 도우미", activity_type="facility", sub_field="daily_life", description="배식"
    )

    found = await browser.get(f"/recruitments?keyword={token}&sort=newest&open_only=1")
    assert "총 12건" in found.text("results-title")
    assert len([i for i in found.texts if i.startswith("recruitment-")]) == 10, "ten a page"
    assert f"/recruitments/{other}" in found.links(), "newest first"
    second = await browser.get(f"/recruitments?keyword={token}&sort=newest&open_only=1&page=2")
    shown = [i.removeprefix("recruitment-") for i in second.texts if i.startswith("recruitment-")]
    assert shown == [ids[1], ids[0]], "the oldest two, on page 2"
    assert re.search(r'aria-current="page" href="/recruitments\?[^"]*page=2"', second.source), "page 2 is marked"
    assert "2쪽" in second.text("results-range")

    home_only = await browser.get(f"/recruitments?activity_type=home&region=11&keyword={token}&sort=newest&open_only=1")
    assert "총 11건" in home_only.text("results-title")
    assert f"/recruitments/{other}" not in home_only.links()
    assert home_only.control("f-activity_type")["hx-get"] == "/choices/sub-fields", "the sub-fields follow the type"
    offered = re.findall(
        r'<option value="([a-z_]+)"', home_only.source.split('id="f-sub_field"')[1].split("</select>")[0]
    )
    assert offered == ["daily_life", "education", "emotional", "social"], "재가봉사's sub-fields"

    korean = await browser.get(
        "/recruitments?keyword=말벗&activity_type=home&sub_field=emotional&region=11&sort=newest&open_only=1"
    )
    assert {f"/recruitments/{i}" for i in ids[-10:]} <= set(korean.links()), "a two-character Korean keyword"
    for card in (i for i in korean.texts if i.startswith("recruitment-")):
        assert "재가봉사 · 정서지원" in korean.text(card)

    busan = await browser.get(f"/recruitments?region=26&keyword={token}&sort=newest&open_only=1")
    assert "총 0건" in busan.text("results-title") and "조건에 맞는 봉사자모집이 없습니다" in busan.text("results")
    mapo = await browser.get(f"/recruitments?district=11440&keyword={token}&sort=newest&open_only=1")
    assert "총 12건" in mapo.text("results-title"), "a 시·군·구 alone is searched in its 시·도"


async def test_a_search_with_a_wrong_value_says_so_beside_the_field(browser: Visitor) -> None:
    page = await browser.get("/recruitments?sub_field=emotional&sort=newest", status=422)
    assert page.control("f-activity_type")["aria-invalid"] == "true", "a sub-field needs its type"
    assert "분류" in page.text("f-activity_type-error")
    assert "검색 조건을 고친 뒤" in page.text("results")
    no_such_day = await browser.get("/recruitments?on_date=2026-02-30&sort=newest", status=422)
    assert "없는 날짜입니다: 2026-02-30" in no_such_day.text("f-on_date-error")
    assert no_such_day.control("f-on_date")["value"] == "2026-02-30", "what was typed is kept"
    wrong_region = await browser.get("/recruitments?region=26&district=11440&sort=newest", status=422)
    assert "마포구" in wrong_region.text("f-district-error")


async def test_the_district_and_sub_field_selects_follow_the_choice_made(browser: Visitor) -> None:
    busan = await browser.client.get("/choices/districts?region=26&blank=any", headers={"HX-Request": "true"})
    fragment = html(busan)
    assert fragment.source.lstrip().startswith('<div class="field" id="field-district">')
    assert "해운대구" in fragment.source and "마포구" not in fragment.source and "<optgroup" not in fragment.source
    assert "전체" in fragment.text("f-district")
    every = html(await browser.client.get("/choices/districts"))
    assert every.source.count("<optgroup") == 17, "without a 시·도, every one's, grouped"
    facility = html(await browser.client.get("/choices/sub-fields?activity_type=facility&required=1"))
    assert "행사보조" in facility.source and facility.control("f-sub_field").get("required") == ""
    every_type = html(await browser.client.get("/choices/sub-fields?activity_type="))
    assert every_type.source.count("<optgroup") == 5, "before a type is chosen, every type's, grouped"


async def test_a_recruitment_page_offers_a_visitor_to_sign_in_and_a_volunteer_to_apply(
    vms: Vms, people: People, browser: Visitor
) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    recruitment_id = await posted_recruitment(
        centre, centre_id, "주말 단체 환경정화", eligibility=["adult", "group"], capacity="20", weekdays=["sat"]
    )
    page = await browser.get(f"/recruitments/{recruitment_id}")
    details = page.text("details")
    for shown in ("VMS 데모 관리센터", "서울특별시 마포구", "토요일", "10:00–12:00", "20명 중 20명 남음", "단체"):
        assert shown in details, shown
    assert "모집중" in page.text("recruitment-status")
    assert f"/sign-in?next=/recruitments/{recruitment_id}" in page.links()
    assert not [c for c in page.controls if c.get("name") == "party_size"]

    volunteer, _ = await people.new_volunteer("윤다온")
    mine = await volunteer.get(f"/recruitments/{recruitment_id}")
    assert mine.control("f-party_size")["type"] == "number", "a group may apply for several"
    manager_view = await centre.get(f"/recruitments/{recruitment_id}")
    assert f"/centre/recruitments/{recruitment_id}" in manager_view.links()
    assert "봉사자 계정으로만 신청할 수 있습니다" in manager_view.text("apply")
    await browser.get("/recruitments/not-an-id", status=422)
    assert "요청을 처리하지 못했습니다" in (await browser.get(f"/recruitments/{centre_id}", status=404)).text("main")


async def test_a_volunteer_signs_up_with_the_whole_profile_and_edits_it(people: People) -> None:
    volunteer, _ = await people.new_volunteer(
        "배하윤",
        email="Hayun@Example.COM",
        district="11440",
        desired=["home:emotional", "community"],
        desired_regions=["11", "41"],
        talents="피아노, 수화",
        availability=["sat:morning", "sun:afternoon"],
        school_name="서울중학교",
        school_level="middle",
        school_grade="2",
    )
    page = await volunteer.get("/me/profile")
    assert page.control("f-email")["value"] == "Hayun@example.com", "the domain is kept in lower case"
    assert 'value="11440" selected' in page.source
    ticked = {(c["name"], c["value"]) for c in page.controls if c.get("type") == "checkbox" and "checked" in c}
    assert {
        ("desired", "home:emotional"),
        ("desired", "community"),
        ("desired_regions", "41"),
        ("availability", "sat:morning"),
        ("availability", "sun:afternoon"),
    } <= ticked
    assert set(page.control("f-talents")["value"].split(", ")) == {"피아노", "수화"}
    assert page.control("f-school_name")["value"] == "서울중학교"
    assert page.attributes("wishes")["aria-labelledby"] == "wishes-title", "희망봉사활동 등록 is its own section"

    saved = await volunteer.post(
        "/me/profile",
        {
            "phone": new_phone(),
            "district": "11110",
            "desired": ["facility"],
            "talents": "컴퓨터 수리",
            "availability": [],
        },
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/me/profile?done=profile_saved")
    again = await volunteer.get(saved.headers["location"])
    assert "회원정보를 저장했습니다" in again.text("notice")
    ticked = {(c["name"], c["value"]) for c in again.controls if c.get("type") == "checkbox" and "checked" in c}
    assert ticked == {("desired", "facility")}, "the profile is saved whole: what is unticked is gone"
    assert again.control("f-email")["value"] == "" and again.control("f-school_name")["value"] == ""

    refused = await volunteer.post(
        "/me/profile",
        {
            "phone": "010-12",
            "talents": "피아노, 피아노",
            "school_name": "서울중학교",
            "school_level": "middle",
            "school_grade": "5",
        },
    )
    page = html(refused, 422)
    for field in ("phone", "talents", "school_grade"):
        assert page.text(f"f-{field}-error"), field
    assert "010-1234-5678" in page.text("f-phone-error")
    assert page.control("f-phone")["value"] == "010-12", "what was typed is kept"
    elsewhere = html(await volunteer.post("/me/profile", {"phone": new_phone(), "district": "26350"}), 422)
    assert "해운대구" in elsewhere.text("f-district-error"), "the registry's refusal, beside its field"


async def test_sign_up_shows_the_profiles_errors_beside_their_fields(browser: Visitor) -> None:
    await browser.get("/sign-up")
    refused = await browser.post(
        "/sign-up",
        {
            "login_id": new_login("v"),
            "password": PASSWORD,
            "password_again": PASSWORD,
            "name": "류시온",
            "birth_date": "2001-04-05",
            "phone": "02-123",
            "region": "11",
            "email": "not an address",
            "district": "26350",
            "desired": ["home:leisure"],
            "school_name": "부산초등학교",
            "school_level": "elementary",
            "school_grade": "7",
        },
    )
    page = html(refused, 422)
    for field in ("phone", "email", "desired", "school_grade"):
        assert page.text(f"f-{field}-error"), field
    assert "010-1234-5678" in page.text("f-phone-error") and "010-1234-5678" in page.text("f-phone-hint")
    assert "hong@example.com" in page.text("f-email-error")
    assert "leisure" in page.text("f-desired-error")
    assert page.attributes("field-desired")["aria-describedby"].split()[-1] == "f-desired-error"
    assert 'value="home:leisure"' not in page.source, "a sub-field 재가봉사 has not is never offered"
    elsewhere = {
        "login_id": new_login("v"),
        "password": PASSWORD,
        "password_again": PASSWORD,
        "name": "류시온",
        "birth_date": "2001-04-05",
        "phone": new_phone(),
        "region": "11",
        "district": "26350",
    }
    assert "해운대구" in html(await browser.post("/sign-up", elsewhere), 422).text("f-district-error")
    english = html(await browser.post("/sign-up?lang=en", {"phone": "12", "region": "11"}), 422)
    assert "e.g. 010-1234-5678" in english.text("f-phone-error")
    await browser.get("/?lang=ko")


async def test_a_volunteer_applies_sees_it_in_my_applications_and_cancels_it(vms: Vms, people: People) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    title = f"도서관 정리 {new_login('t')}"
    recruitment_id = await posted_recruitment(centre, centre_id, title, capacity="1")
    volunteer, _ = await people.new_volunteer("강나래")
    await volunteer.get(f"/recruitments/{recruitment_id}")
    applied = await volunteer.post(
        f"/recruitments/{recruitment_id}/apply", {"party_size": "1", "note": "토요일도 가능합니다"}
    )
    assert (applied.status_code, applied.headers["location"]) == (303, "/me/applications?done=applied")
    mine = await volunteer.get(applied.headers["location"])
    assert "신청했습니다" in mine.text("notice")
    row = next(i for i in mine.texts if i.startswith("application-") and title in mine.text(i))
    assert "신청" in mine.text(row) and "신청취소" in mine.text(row)

    twice = await volunteer.post(f"/recruitments/{recruitment_id}/apply", {"party_size": "1"})
    assert twice.status_code == 422 and Html(twice.text).text("main").count("이미") >= 1
    full = await (await people.new_volunteer("황보라"))[0].client.get(f"/recruitments/{recruitment_id}")
    assert "1명 중 0명 남음" in Html(full.text).text("places")

    cancelled = await volunteer.post(
        f"/me/applications/{row.removeprefix('application-')}/cancel", {}, headers={"HX-Request": "true"}
    )
    fragment = html(cancelled)
    assert fragment.source.lstrip().startswith(f'<tr id="{row}"'), "htmx swaps the row"
    assert "신청취소" in fragment.text(row) and "/cancel" not in fragment.source.split("<template>")[0]
    assert title in fragment.text("notice")
    assert "1명 중 1명 남음" in (await volunteer.get(f"/recruitments/{recruitment_id}")).text("places")


async def test_a_centre_posts_a_recruitment_and_answers_its_applicants(vms: Vms, people: People) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    page = await centre.get("/centre/recruitments")
    assert "인증" in page.text("centre-status")
    refused = await centre.post(f"/centre/{centre_id}/recruitments", recruitment_form("", weekdays=[]))
    page = html(refused, 422)
    for field in ("title", "weekdays"):
        assert page.text(f"f-{field}-error"), field
    assert page.control("f-place")["value"] == "마포 행복나눔터 2층", "what was typed is kept"
    before = (NEXT_WEEK - timedelta(days=1)).isoformat()
    for wrong, field in (({"sub_field": "leisure"}, "sub_field"), ({"end_date": before}, "end_date")):
        refused = await centre.post(f"/centre/{centre_id}/recruitments", recruitment_form("잘못된 모집", **wrong))
        assert html(refused, 422).text(f"f-{field}-error"), field

    title = f"목욕 봉사 {new_login('t')}"
    recruitment_id = await posted_recruitment(centre, centre_id, title, orientation_required="yes")
    page = await centre.get(f"/centre/recruitments/{recruitment_id}?done=recruitment_posted")
    assert "봉사자모집을 등록했습니다" in page.text("notice")
    assert "아직 신청자가 없습니다" in page.text("applicants")
    listed = await centre.get("/centre/recruitments")
    assert f"/centre/recruitments/{recruitment_id}" in listed.links()

    edited = await centre.post(
        f"/centre/recruitments/{recruitment_id}/edit", recruitment_form(title, capacity="5", orientation_required="yes")
    )
    assert (edited.status_code, edited.headers["location"]) == (
        303,
        f"/centre/recruitments/{recruitment_id}?done=recruitment_saved",
    )

    people_ids = []
    for name in ("신지우", "문채원"):
        volunteer, volunteer_id = await people.new_volunteer(name)
        await volunteer.get(f"/recruitments/{recruitment_id}")
        assert (await volunteer.post(f"/recruitments/{recruitment_id}/apply", {"party_size": "1"})).status_code == 303
        people_ids.append(volunteer_id)
    page = await centre.get(f"/centre/recruitments/{recruitment_id}")
    rows = {page.text(i).split()[0]: i for i in page.texts if i.startswith("applicant-")}
    first, second = rows[people_ids[0]], rows[people_ids[1]]
    hx = {"HX-Request": "true", "HX-Current-URL": f"{vms.url}/centre/recruitments/{recruitment_id}"}

    accepted = html(
        await centre.post(f"/centre/applications/{first.removeprefix('applicant-')}/accept", {}, headers=hx)
    )
    assert "승인" in accepted.text(first) and "/place" in accepted.source
    assert "신청을 승인했습니다" in accepted.text("notice")
    waiting = html(await centre.post(f"/centre/applications/{first.removeprefix('applicant-')}/place", {}, headers=hx))
    assert "배치 대기" in waiting.text(first), "no orientation yet: the placement waits for it"
    recorded = html(
        await centre.post(
            f"/centre/{centre_id}/orientations",
            {"volunteer_id": people_ids[0], "recruitment_id": recruitment_id, "completed_on": YESTERDAY},
            headers=hx,
        )
    )
    assert recorded.source.lstrip().startswith('<section class="panel" id="applicants"')
    assert "배치" in recorded.text(first) and "배치 대기" not in recorded.text(first)
    assert "1건을 배치했습니다" in recorded.text("notice")

    rejected = await centre.post(
        f"/centre/applications/{second.removeprefix('applicant-')}/reject", {"reason": "정원이 찼습니다"}
    )
    assert rejected.status_code == 303
    page = await centre.get(rejected.headers["location"])
    assert "반려" in page.text(second) and "정원이 찼습니다" in page.text(second)
    assert "신청을 반려했습니다" in page.text("notice")

    closed = await centre.post(f"/centre/recruitments/{recruitment_id}/close", {})
    page = await centre.get(closed.headers["location"])
    assert "모집을 마감했습니다" in page.text("notice") and "모집마감" in page.text("recruitment-status")
    assert "edit" not in page.texts, "a closed recruitment is not edited"


async def test_a_centre_manages_only_its_own_recruitments(vms: Vms, people: People) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    recruitment_id = await posted_recruitment(await people("centre_manager"), centre_id, "데모 센터의 모집")
    volunteer, _ = await people.new_volunteer("남궁솔")
    await volunteer.get(f"/recruitments/{recruitment_id}")
    assert (await volunteer.post(f"/recruitments/{recruitment_id}/apply", {"party_size": "1"})).status_code == 303
    application_id = re.findall(
        r"/me/applications/([0-9a-f-]{36})/cancel", (await volunteer.get("/me/applications")).source
    )[0]

    council = await people("council_admin")
    await council.get("/council")
    await council.post("/council/centres", {"name": f"다른 센터 {new_login('c')}"})
    other_centre = next(
        c["value"]
        for c in (await council.get("/council")).controls
        if c.get("name") == "centres" and c["value"] != centre_id
    )
    login = new_login("m")
    await council.post("/council/managers", {"login": login, "password": PASSWORD, "centres": [other_centre]})
    other = people.browser()
    assert (await other.sign_in(login, PASSWORD)).status_code == 303

    refused = await other.get(f"/centre/recruitments/{recruitment_id}", status=403)
    assert "자신의 범위" in refused.text("main")
    await other.get("/centre/recruitments")
    for action in ("accept", "place", "reject"):
        answer = await other.post(f"/centre/applications/{application_id}/{action}", {})
        assert answer.status_code == 403, (action, answer.status_code)
    posted = await other.post(f"/centre/{centre_id}/recruitments", recruitment_form("남의 센터 이름으로"))
    assert posted.status_code == 403
    row = (await volunteer.get("/me/applications")).text(f"application-{application_id}")
    assert "승인" not in row and "반려" not in row and "배치" not in row, "nothing changed"


async def test_a_council_registers_accredits_and_suspends_a_centre_of_its_region(people: People) -> None:
    council = await people("council_admin")
    page = await council.get("/council")
    assert (
        page.control("f-kind")["name"] == "kind" and "<optgroup" not in page.source.split('id="f-district"')[1][:2000]
    )
    name = f"은빛노인복지관 {new_login('c')}"
    registered = await council.post(
        "/council/centres",
        {
            "name": name,
            "phone": "02-3141-5926",
            "district": "11440",
            "kind": "elderly",
            "address": "마포구 만리재로 14",
        },
    )
    page = await council.get(registered.headers["location"])
    row = next(i for i in page.texts if i.startswith("centre-") and name in page.text(i))
    assert "등록 (인증 전)" in page.text(row) and "노인복지시설" in page.text(row) and "마포구" in page.text(row)
    centre_id = row.removeprefix("centre-")
    hx = {"HX-Request": "true"}

    accredited = html(await council.post(f"/council/centres/{centre_id}/accredit", {}, headers=hx))
    assert accredited.source.lstrip().startswith(f'<tr id="{row}"') and "인증" in accredited.text(row)
    assert "관리센터를 인증했습니다" in accredited.text("notice")
    no_reason = await council.post(f"/council/centres/{centre_id}/suspend", {"reason": ""}, headers=hx)
    fragment = html(no_reason, 422)
    assert fragment.text(f"suspend-{centre_id}-error"), "a suspension needs its reason, said beside it"
    suspended = await council.post(f"/council/centres/{centre_id}/suspend", {"reason": "운영 점검 중"})
    assert (suspended.status_code, suspended.headers["location"]) == (303, "/council?done=centre_suspended#centres")
    page = await council.get(suspended.headers["location"])
    assert "정지" in page.text(row) and "운영 점검 중" in page.text(row)
    assert "관리센터를 정지했습니다" in page.text("notice")


async def test_a_volunteer_under_fourteen_records_a_guardians_consent(people: People) -> None:
    ten_years_ago = date(today_kst().year - 10, 1, 1).isoformat()
    child, _ = await people.new_volunteer("어린이", birth_date=ten_years_ago)
    me = await child.get("/me")
    assert "/me/profile#guardian" in me.links()
    page = await child.get("/me/profile")
    assert "보호자의 동의가 필요합니다" in page.text("guardian")
    refused = await child.post(
        "/me/guardian", {"guardian_name": "어보호", "guardian_phone": "010-9876-5432", "relation": "parent"}
    )
    page = html(refused, 422)
    assert page.text("f-consented-error"), "the consent box must be ticked"
    assert page.control("f-guardian_name")["value"] == "어보호"
    saved = await child.post(
        "/me/guardian",
        {"guardian_name": "어보호", "guardian_phone": "010-9876-5432", "relation": "parent", "consented": "yes"},
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/me/profile?done=guardian_saved#guardian")
    assert "보호자가 동의했습니다" in (await child.get("/me/profile")).text("guardian")


async def test_a_volunteer_withdraws_and_can_no_longer_sign_in(people: People) -> None:
    volunteer, _ = await people.new_volunteer("탈퇴인")
    page = await volunteer.get("/me/withdraw")
    assert "개인정보가 지워집니다" in page.text("withdraw")
    unconfirmed = await volunteer.post("/me/withdraw", {})
    assert html(unconfirmed, 422).text("f-understood-error")
    assert volunteer.login is not None and volunteer.login in (await volunteer.get("/me")).text("privacy")
    gone = await volunteer.post("/me/withdraw", {"understood": "yes"})
    assert (gone.status_code, gone.headers["location"]) == (303, "/?done=withdrawn")
    assert "회원탈퇴가 끝났습니다" in (await volunteer.get(gone.headers["location"])).text("notice")
    assert (await volunteer.client.get("/me")).status_code == 303, "signed out"
    refused = await people.browser().sign_in(volunteer.login, PASSWORD)
    assert refused.status_code == 403 and "사용이 중지된 계정입니다" in Html(refused.text).text("main")


async def test_a_volunteer_who_moved_to_busan_says_so_and_busan_keeps_them(people: People) -> None:
    """이사: the volunteer's new 시·도 and 시·군·구, told in the portal; one deployment keeps every region here, so the
    move is done at once (the handover between deployments is tests.test_region_handover's)."""
    volunteer, _ = await people.new_volunteer("이사인")
    page = await volunteer.get("/me/move")
    assert "서울특별시" in page.text("current-region")
    same = await volunteer.post("/me/move", {"region": "11", "district": ""})
    assert "이미 서울특별시에 살고 있습니다" in html(same, 422).text("main")
    mismatched = await volunteer.post("/me/move", {"region": "26", "district": "11440"})
    assert html(mismatched, 422).text("f-district-error"), "마포구 is not in 부산"
    moved = await volunteer.post("/me/move", {"region": "26", "district": "26350"})
    assert (moved.status_code, moved.headers["location"]) == (303, "/me/profile?done=moved")
    profile = await volunteer.get(moved.headers["location"])
    assert "이사를 등록했습니다" in profile.text("notice")
    assert "부산광역시" in profile.text("profile")
    assert 'value="26350" selected' in profile.source, "해운대구, among 부산's 시·군·구"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/me/profile", "volunteer"),
        ("/me/move", "volunteer"),
        ("/me/applications", "volunteer"),
        ("/me/withdraw", "volunteer"),
        ("/centre/recruitments", "centre_manager"),
        ("/teams/apply", "volunteer"),
        ("/me/recommendations", "volunteer"),
        ("/council/teams", "council_admin"),
    ],
)
async def test_each_new_page_renders_for_its_role_and_refuses_the_others(
    vms: Vms, people: People, browser: Visitor, path: str, role: str
) -> None:
    own = await people(role)
    page = await own.get(path)
    assert page.text("main") and "unavailable" not in page.source
    signed_out = await browser.client.get(path)
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, f"/sign-in?next={path}")
    for other in {"volunteer", "centre_manager", "council_admin", "integrator"} - {role}:
        refused = await (await people(other)).get(path, status=403)
        assert "이 페이지를 볼 권한이 없습니다" in refused.text("main")


# -- 전문봉사 → 지역사회봉사단, and 추천 -------------------------------------------------------------------------------


async def applied_team(volunteer: Visitor, name: str, **changes: Any) -> None:
    """A team applied for through the volunteer's form (개인, 기술·기능 in 마포구, Seoul)."""
    await volunteer.get("/teams/apply")
    form = {"region": "11", "district": "11440", "name": name, "field": "skills", "kind": "individual", **changes}
    answer = await volunteer.post("/teams/apply", form)
    assert (answer.status_code, answer.headers.get("location")) == (303, "/teams/apply?done=team_applied"), answer.text[
        :3000
    ]


async def council_row(council: Visitor, name: str) -> str:
    """The id of the row of the council's page that shows the team `name`."""
    page = await council.get("/council/teams")
    return next(i for i in page.texts if i.startswith("team-") and name in page.text(i))


async def test_anyone_finds_appointed_teams_by_field_and_skill_and_opens_one(people: People, browser: Visitor) -> None:
    tag = new_login("k")
    volunteer, _ = await people.new_volunteer("조도배")
    name = f"마포 집수리 봉사단 {tag}"
    await applied_team(volunteer, name, skills=f"도배, {tag}", description="어르신 댁 도배와 전기 점검")
    sent = await volunteer.get("/teams/apply?done=team_applied")
    assert "협의회가 위촉하면" in sent.text("notice")
    hidden = await browser.get(f"/teams?skill={tag}")
    assert "총 0팀" in hidden.text("results-title"), "an application is not shown before the council appoints it"

    council = await people("council_admin")
    row = await council_row(council, name)
    appointed = await council.post(f"/council/teams/{row.removeprefix('team-')}/appoint", {})
    assert (appointed.status_code, appointed.headers["location"]) == (
        303,
        f"/council/teams?done=team_appointed#{row}",
    ), "without script the page comes back saying it"
    assert "봉사단을 위촉했습니다" in (await council.get(appointed.headers["location"])).text("notice")

    search = await browser.get(f"/teams?skill={tag}")
    assert "총 1팀" in search.text("results-title")
    assert "디자인, 벽화, 전기·가스 점검, 집수리, 도배" in search.text("field-field"), "each field with its examples"
    assert "기술·기능" in search.text(row) and "서울특별시 마포구" in search.text(row) and "1명" in search.text(row)
    papering = await browser.get("/teams?skill=도배&field=skills&region=11")
    assert f"/teams/{row.removeprefix('team-')}" in papering.links(), "a two-character skill"
    culture = await browser.get(f"/teams?skill={tag}&field=culture")
    assert "총 0팀" in culture.text("results-title")

    shown = await browser.get(f"/teams/{row.removeprefix('team-')}")
    details = shown.text("details")
    for said in ("기술·기능", "서울특별시 마포구", "개인", "1명", "도배", tag, "위촉", "아직 배치 전", "전기 점검"):
        assert said in details, said
    english = await browser.get(f"/teams/{row.removeprefix('team-')}?lang=en")
    assert "Skills and trades" in english.text("details") and "Not placed yet" in english.text("details")
    await browser.get("/?lang=ko")


async def test_a_search_of_teams_with_a_wrong_value_says_so_beside_the_field(browser: Visitor) -> None:
    page = await browser.get("/teams?region=99", status=422)
    assert page.control("f-region")["aria-invalid"] == "true" and page.text("f-region-error")
    long_skill = await browser.get("/teams?skill=" + "도" * 31, status=422)
    assert "30" in long_skill.text("f-skill-error")
    assert "검색 조건을 고친 뒤" in long_skill.text("results")


async def test_a_group_needs_five_people_and_is_told_so_beside_its_members(people: People) -> None:
    leader, leader_id = await people.new_volunteer("단장")
    members = [(await people.new_volunteer(f"단원{n}"))[1] for n in range(4)]
    page = await leader.get("/teams/apply")
    assert "5명 이상" in page.text("group-rule"), "the rule is said before the form is sent"
    assert page.text("leader-id") == leader_id
    assert "마이페이지" in page.text("f-member_ids-hint")

    name = f"망원 공부방 {new_login('g')}"
    form = {"region": "11", "name": name, "field": "education", "kind": "group"}
    too_few = html(await leader.post("/teams/apply", {**form, "member_ids": "\n".join(members[:3])}), 422)
    said = too_few.text("f-member_ids-error")
    assert "5명 이상" in said and "지금 4명" in said
    assert too_few.control("f-member_ids")["aria-invalid"] == "true"
    assert too_few.text("f-member_ids") == " ".join(members[:3]), "what was typed is kept"
    assert too_few.control("f-kind-group").get("checked") == "", "the kind chosen is kept"

    unknown = "01a2172c-0000-7000-8000-000000000000"
    refused = html(await leader.post("/teams/apply", {**form, "member_ids": ", ".join([*members[:3], unknown])}), 404)
    assert unknown in refused.text("f-member_ids-error"), "the registry's refusal, beside the members"
    not_an_id = html(await leader.post("/teams/apply", {**form, "member_ids": "홍길동"}), 422)
    assert not_an_id.text("f-member_ids-error")

    sent = await leader.post("/teams/apply", {**form, "member_ids": ", ".join(members)})
    assert (sent.status_code, sent.headers["location"]) == (303, "/teams/apply?done=team_applied")
    council = await people("council_admin")
    row = await council_row(council, name)
    assert council.page is not None
    assert "5명" in council.page.text(row) and "단체" in council.page.text(row)


async def test_a_council_declines_appoints_and_places_teams_by_htmx(vms: Vms, people: People, browser: Visitor) -> None:
    centre_id = await accredited_demo_centre(vms, people)
    # The demo centre has a recruitment: a visitor reads a centre's name where the portal shows it to anyone.
    await posted_recruitment(await people("centre_manager"), centre_id, f"배치 안내 {new_login('r')}")
    volunteer, _ = await people.new_volunteer("배치인")
    tag = new_login("p")
    declined_name, placed_name = f"거절될 봉사단 {tag}", f"배치될 봉사단 {tag}"
    await applied_team(volunteer, declined_name, field="labour")
    await applied_team(volunteer, placed_name, field="health")
    council = await people("council_admin")
    declined_row, placed_row = await council_row(council, declined_name), await council_row(council, placed_name)
    hx = {"HX-Request": "true", "HX-Current-URL": f"{vms.url}/council/teams"}

    no_reason = html(
        await council.post(f"/council/teams/{declined_row.removeprefix('team-')}/decline", {"reason": ""}, headers=hx),
        422,
    )
    assert no_reason.source.lstrip().startswith(f'<tr id="{declined_row}"')
    assert no_reason.text(f"decline-{declined_row.removeprefix('team-')}-error"), "the reason is needed, said beside it"
    declined = html(
        await council.post(
            f"/council/teams/{declined_row.removeprefix('team-')}/decline",
            {"reason": "활동 계획 보완 필요"},
            headers=hx,
        )
    )
    assert "위촉 거절" in declined.text(declined_row) and "활동 계획 보완 필요" in declined.text(declined_row)
    assert "/appoint" not in declined.source.split("<template>")[0]
    assert declined_name in declined.text("notice") and "거절했습니다" in declined.text("notice")

    team_id = placed_row.removeprefix("team-")
    appointed = html(await council.post(f"/council/teams/{team_id}/appoint", {}, headers=hx))
    assert "위촉" in appointed.text(placed_row) and f"/council/teams/{team_id}/place" in appointed.source
    offered = re.findall(r'<option value="([0-9a-f-]{36})"', appointed.source)
    assert centre_id in offered, "the accredited centres of the region are offered"
    unchosen = html(await council.post(f"/council/teams/{team_id}/place", {"centre_id": ""}, headers=hx), 422)
    assert unchosen.text(f"place-{team_id}-error")
    placed = html(await council.post(f"/council/teams/{team_id}/place", {"centre_id": centre_id}, headers=hx))
    assert "배치" in placed.text(placed_row) and "VMS 데모 관리센터" in placed.text(placed_row)
    assert "봉사단을 배치했습니다" in placed.text("notice")

    page = await council.get("/council/teams")
    assert placed_name in page.text("teams-placed") and declined_name not in page.text("teams-applied")
    public = await browser.get(f"/teams/{team_id}")
    assert "VMS 데모 관리센터" in public.text("team-centre"), "the centre it serves at, to anyone"
    assert "배치" in public.text("team-status")
    found = await browser.get("/teams?region=11&status=placed")
    assert "VMS 데모 관리센터" in found.text(f"team-{team_id}"), "and in the search, by its name"


async def test_a_volunteer_is_recommended_recruitments_with_the_reasons_as_the_portal_says_them(
    vms: Vms, people: People
) -> None:
    tag = new_login("m")
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    recruitment_id = await posted_recruitment(centre, centre_id, f"어르신 말벗 {tag}")
    volunteer, _ = await people.new_volunteer(
        "추천이", district="11440", desired=["home:emotional"], availability=["mon:morning"], talents=tag
    )
    me = await volunteer.get("/me")
    assert "/me/recommendations" in me.links()
    page = await volunteer.get("/me/recommendations")
    assert "no-wishes" not in page.texts
    card = f"recommendation-{recruitment_id}"
    assert card == next(i for i in page.texts if i.startswith("recommendation-")), "the best fit first"
    reasons = page.text(f"reasons-{recruitment_id}")
    for said in ("정서지원 희망 +40", "재가봉사 희망 +25", "마포구 +20", f"특기 {tag} +15", "월 오전 +15"):
        assert said in reasons, said
    assert " · " in reasons and f"/recruitments/{recruitment_id}" in page.links()
    english = await volunteer.get("/me/recommendations?lang=en")
    assert "wishes 정서지원 +40" in english.text(f"reasons-{recruitment_id}")
    await volunteer.get("/me?lang=ko")

    unwishing, _ = await people.new_volunteer("무희망")
    page = await unwishing.get("/me/recommendations")
    assert "/me/profile#wishes" in page.links() and "희망봉사활동" in page.text("no-wishes")


async def test_a_centre_sees_the_volunteers_recommended_for_its_recruitment_by_masked_names(
    vms: Vms, people: People
) -> None:
    tag = new_login("n")
    centre_id = await accredited_demo_centre(vms, people)
    centre = await people("centre_manager")
    recruitment_id = await posted_recruitment(centre, centre_id, f"어르신 말벗 {tag}")
    await people.new_volunteer(
        "표지안", district="11440", desired=["home:emotional"], availability=["wed:morning"], talents=tag
    )
    page = await centre.get(f"/centre/recruitments/{recruitment_id}")
    panel = page.text("recommended")
    assert "추천 봉사자" in panel and "표*안" in page.text("recommended-volunteer-1"), (
        "the best fit first, by a masked name"
    )
    assert "표지안" not in page.source
    assert f"특기 {tag} +15" in page.text("recommended-volunteer-1") and "점" in page.text("recommended-volunteer-1")
