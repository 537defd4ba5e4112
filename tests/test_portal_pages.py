"""The web portal's pages, read as a browser gets them (httpx against the whole system, started as `make up` starts
it, on SQLite and on PostgreSQL): each role's home with its panels and menus, the language switch, signing in and
out, a page for another role, forms refused with their errors beside their fields, a POST without its CSRF token,
a service that does not answer, and the brochure's journey — a centre records and confirms 3 h 30 min, and the
volunteer sees 3시간 30분.

What a page shows is read from its HTML by element id (`Html`), so that a test names the part of the page it is
about. The browser's own checks (script, accessibility, phone width) are the browser tests'.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from conftest import need_postgres, whole_system_plan
from tests.accounts import PASSWORD, DemoAccounts, new_login
from vms_deploy.supervisor import System
from vms_platform.clock import today_kst
from vms_platform.testing import eventually

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()


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


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def vms(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    postgres_admin_url: str | None,
) -> AsyncIterator[Vms]:
    backend = str(request.param)
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
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

    async def new_volunteer(self, name: str = "한아름") -> tuple[Visitor, str]:
        """A volunteer who signs up on the portal (회원가입), signed in; and their number, read from their page."""
        visitor = self.browser()
        await visitor.get("/sign-up")
        registration = {
            "login_id": new_login("v"),
            "password": PASSWORD,
            "password_again": PASSWORD,
            "name": name,
            "birth_date": "2001-04-05",
            "phone": "010-2468-1357",
            "region": "11",
        }
        answer = await visitor.post("/sign-up", registration)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/me"), answer.text[:2000]
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
    centre_id = re.findall(rf"<td>{name}</td>.*?class=\"id\">([0-9a-f-]{{36}})<", page.source, re.DOTALL)[0]

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
