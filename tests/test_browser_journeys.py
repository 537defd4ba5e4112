"""The portal in a real browser (Chromium through Playwright), against the whole system started as `make up` starts
it, with its demo accounts: each role signs in through the form and finds its own menus, a wrong password reads as
an unknown login, a centre records and confirms 3 h 30 min which its volunteer then sees, the pages hold at phone
width, the English switch, and a stopped service that costs its panel only. And the journeys of 봉사자모집: a visitor
searches without signing in (type, region, a two-character keyword, page 2, a recruitment's page, at phone width), a
volunteer signs up with their whole profile, applies and cancels, a centre posts a recruitment and places an
applicant after their orientation, a council registers, accredits and suspends a centre, and a volunteer leaves. And
지역사회봉사단: a council appoints a team that applied and places it at a centre, where the public search finds it.

Every page a test reaches is photographed into `var/screenshots/` and checked with axe-core (`tests/browser.py`);
each test ends by asserting that none had a serious or critical accessibility violation.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from conftest import need_postgres, whole_system_plan
from tests import browser as chromium
from tests.accounts import PASSWORD, DemoAccounts, new_login, ok, open_session
from tests.browser import DESKTOP, PHONE, Visits, Windows
from vms_deploy.supervisor import System
from vms_platform.clock import today_kst
from vms_platform.testing import eventually, postgres_required

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()
NEXT_WEEK = today_kst() + timedelta(days=7)
WRONG_PASSWORD = "not-the-password-1"


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


@dataclass(frozen=True)
class Home:
    """Where a role lands after signing in, what that page is titled, and its navigation: the menus, and the links
    under them."""

    path: str
    title: str
    menus: tuple[str, ...]
    links: tuple[str, ...]


ACCOUNT = "비밀번호·접근 토큰"
HOMES = {
    "volunteer": Home(
        "/me",
        "마이페이지",
        ("봉사신청", "전문봉사", "봉사인증", "마이페이지", "계정 설정"),
        (
            "봉사자모집 및 신청",
            "희망봉사활동 등록",
            "추천 봉사자모집",
            "내 신청",
            "지역사회봉사단 조회",
            "지역사회봉사단 신청",
            "봉사실적조회",
            "인증서 발급",
            "인증서 진위확인",
            "회원정보",
            "개인정보",
            "회원정보 수정",
            "이사 (거주 시·도 변경)",
            "회원탈퇴",
            ACCOUNT,
        ),
    ),
    "centre_manager": Home(
        "/centre",
        "관리센터 업무: VMS 데모 관리센터",
        ("관리센터 업무", "계정 설정"),
        ("봉사실적 입력·확인", "봉사자모집 관리", ACCOUNT),
    ),
    "council_admin": Home(
        "/council",
        "서울특별시 사회복지협의회 관리",
        ("협의회 관리", "계정 설정"),
        ("관리센터·담당자", "지역사회봉사단 위촉·배치", "개인정보 열람 기록", ACCOUNT),
    ),
    "central_admin": Home(
        "/central", "중앙회 관리", ("중앙회 관리", "계정 설정"), ("계정 관리", "관리센터·담당자", ACCOUNT)
    ),
    "integrator": Home("/account", "계정 설정", ("계정 설정",), (ACCOUNT,)),
}
EVERY_MENU = {menu for home in HOMES.values() for menu in home.menus}
PUBLIC_MENUS = ["봉사신청", "전문봉사", "봉사인증", "VMS 안내"]
"""What a visitor who is not signed in finds: the search of recruitments and of community service teams, the
verification of a certificate, the introduction and the councils."""


# -- the running system and the browser ----------------------------------------------------------------------------


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
async def browser() -> AsyncIterator[Browser]:
    async with chromium.launch() as launched:
        yield launched


@pytest.fixture(scope="module")
async def vms(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[Vms]:
    """The whole system, on PostgreSQL when there is one (SQLite otherwise, unless PostgreSQL is required)."""
    admin = need_postgres(postgres_admin_url) if postgres_admin_url is not None or postgres_required() else None
    async with AsyncExitStack() as stack:
        plan, _bus = await whole_system_plan(stack, tmp_path_factory.mktemp("browser"), nats_url, admin)
        system = System(plan, progress=_quiet)
        stack.push_async_callback(system.stop)
        await system.start()
        yield Vms(system, DemoAccounts.of(plan.data_dir))


@pytest.fixture
async def windows(browser: Browser, vms: Vms) -> AsyncIterator[Windows]:
    opened = Windows(browser, vms.url)
    yield opened
    await opened.close()


@pytest.fixture
def visits(request: pytest.FixtureRequest) -> Visits:
    return Visits(chromium.name_of(request))


# -- what people do ------------------------------------------------------------------------------------------------


async def fill_sign_in(page: Page, visits: Visits, login: str, password: str) -> None:
    """Type `login` and `password` into the sign-in form and press its button."""
    await page.goto("/sign-in")
    await visits.look(page, "sign-in form")
    form = page.locator("main form")
    await form.get_by_label("아이디", exact=True).fill(login)
    await form.get_by_label("비밀번호", exact=True).fill(password)
    await form.get_by_role("button", name="로그인", exact=True).click()
    await page.wait_for_load_state()


async def sign_in_by_keyboard(page: Page, login: str, password: str) -> None:
    """From the top of the sign-in page with the keyboard alone: the skip link, the login, the password, Enter."""
    await page.keyboard.press("Tab")
    assert await focused(page) == "a.skip", "the first Tab reaches the skip link"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    assert await focused(page) == "input#f-login", "after skipping to the content, Tab reaches the login"
    await page.keyboard.type(login)
    await page.keyboard.press("Tab")
    assert await focused(page) == "input#f-password"
    await page.keyboard.type(password)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def focused(page: Page) -> str:
    """The focused element as `tag#id` (or `tag.class` when it has no id)."""
    described: str = await page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e) return "";
            const tag = e.tagName.toLowerCase();
            return e.id ? `${tag}#${e.id}` : (e.classList.length ? `${tag}.${e.classList[0]}` : tag);
        }"""
    )
    return described


async def signed_in(
    windows: Windows, visits: Visits, vms: Vms, role: str, *, viewport: dict[str, int] = DESKTOP
) -> Page:
    """A new window (a person's own browser) signed in through the form as the demo account of `role`."""
    page = await windows.open(viewport=viewport)
    await fill_sign_in(page, visits, vms.demo.login(role), vms.demo.password)
    await expect(page).to_have_url(f"{vms.url}{HOMES[role].path}")
    return page


def navigation(page: Page, name: str = "주 메뉴") -> Locator:
    return page.get_by_role("navigation", name=name)


async def menu_headings(page: Page, nav: str = "주 메뉴") -> list[str]:
    """The menus of the navigation: each group's heading (the element its list is labelled by)."""
    names: list[str] = await navigation(page, nav).evaluate(
        "nav => [...nav.querySelectorAll('ul[aria-labelledby]')]"
        ".map(list => document.getElementById(list.getAttribute('aria-labelledby')).textContent.trim())"
    )
    return names


# -- signing in and out --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(HOMES))
async def test_each_role_signs_in_through_the_form_sees_its_own_menus_and_signs_out(
    vms: Vms, windows: Windows, visits: Visits, role: str
) -> None:
    home = HOMES[role]
    page = await windows.open()
    if role == "volunteer":
        await page.goto("/sign-in")
        await visits.look(page, "sign-in form")
        await sign_in_by_keyboard(page, vms.demo.login(role), vms.demo.password)
    else:
        await fill_sign_in(page, visits, vms.demo.login(role), vms.demo.password)

    await expect(page).to_have_url(f"{vms.url}{home.path}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(home.title)
    await expect(page.get_by_role("banner")).to_contain_text(f"{vms.demo.login(role)} (")
    await expect(navigation(page)).to_be_visible()
    await visits.look(page, f"home of the {role}")
    assert await menu_headings(page) == list(home.menus)
    assert await navigation(page).get_by_role("link").all_inner_texts() == list(home.links)
    shown = await navigation(page).inner_text()
    assert not [menu for menu in EVERY_MENU - set(home.menus) if menu in shown], "another role's menu is shown"

    await page.get_by_role("banner").get_by_role("button", name="로그아웃").click()
    await expect(page).to_have_url(f"{vms.url}/?done=signed_out")
    await expect(page.get_by_role("status")).to_have_text("로그아웃했습니다.")
    await expect(page.get_by_role("banner").get_by_role("link", name="로그인", exact=True)).to_be_visible()
    assert await menu_headings(page) == PUBLIC_MENUS, "only the public menus once signed out"
    await visits.look(page, "signed out")
    await page.goto(home.path)
    await expect(page).to_have_url(f"{vms.url}/sign-in?next={home.path}")
    visits.assert_accessible()


async def test_a_wrong_password_shows_the_same_message_as_an_unknown_login(
    vms: Vms, windows: Windows, visits: Visits
) -> None:
    page = await windows.open()
    said = []
    for login in (vms.demo.login("volunteer"), "nobody_by_that_name"):
        await fill_sign_in(page, visits, login, WRONG_PASSWORD)
        summary = page.get_by_role("alert")
        await expect(summary).to_contain_text("아이디 또는 비밀번호가 맞지 않습니다")
        await visits.look(page, f"refused {login}")
        said.append(await summary.inner_text())
        await expect(page.get_by_label("아이디", exact=True)).to_have_value(login)
        await expect(page.get_by_label("비밀번호", exact=True)).to_have_value("")
        assert await menu_headings(page) == PUBLIC_MENUS, "still signed out"
    assert said[0] == said[1]
    visits.assert_accessible()


# -- the brochure's journey ----------------------------------------------------------------------------------------


async def test_a_centre_records_and_confirms_three_and_a_half_hours_which_the_volunteer_sees(
    vms: Vms, windows: Windows, visits: Visits
) -> None:
    description = "어르신 말벗 및 식사 보조"
    centre = await signed_in(windows, visits, vms, "centre_manager")
    record = centre.get_by_role("region", name="봉사활동 실적 입력", exact=True)
    await record.get_by_label("봉사자 번호").fill(vms.demo.accounts["volunteer"]["volunteer_id"])
    await record.get_by_label("활동일").fill(YESTERDAY)
    await record.get_by_label("시작 시각").fill("10:00")
    await record.get_by_label("종료 시각").fill("13:30")
    await record.get_by_label("봉사활동 분류").select_option(label="시설봉사")
    # The sub-fields follow the type chosen (htmx): 시설봉사's, of which 정서지원.
    sub_field = record.get_by_label("세부분야")
    await expect(sub_field.locator("optgroup")).to_have_count(0)  # htmx swapped in 시설봉사's sub-fields alone
    await expect(sub_field.locator("option", has_text="행사보조")).to_have_count(1)
    await sub_field.select_option(label="정서지원")
    await record.get_by_label("활동내용").fill(description)
    await visits.look(centre, "record form filled")
    await record.get_by_role("button", name="실적 입력").click()

    await expect(centre.get_by_role("status")).to_contain_text("실적을 입력했습니다")
    row = centre.get_by_role("row").filter(has_text=description)
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("10:00–13:30")
    await expect(row).to_contain_text("3시간 30분")
    await visits.look(centre, "recorded")

    await centre.evaluate("window.stillTheSamePage = true")
    confirm = row.get_by_role("button", name=re.compile("활동 확인$"))
    await expect(confirm).to_have_text("확인")
    await confirm.click()
    await expect(row).to_contain_text("확인됨")
    await expect(row.get_by_role("button", name=re.compile("활동 확인$"))).to_have_count(0)
    await expect(row.get_by_role("button", name=re.compile("활동 취소$"))).to_have_count(1)
    await expect(centre.get_by_role("status")).to_contain_text(
        f"{YESTERDAY} 10:00–13:30 활동을 확인했습니다 (3시간 30분)"
    )
    assert await centre.evaluate("window.stillTheSamePage === true"), "htmx swapped the row: the page stayed"
    await visits.look(centre, "confirmed")

    # The centre's statistics add the confirmation up a moment later (from hours' own events).
    statistics = centre.get_by_role("region", name="센터 봉사실적 통계")

    async def counted() -> bool:
        if "0시간 (확인된 활동 0건)" not in await statistics.locator("dl").inner_text():
            return True
        await centre.reload()
        return False

    await eventually(counted, timeout=20, what="the centre's statistics counting the confirmation")
    await expect(
        statistics.get_by_role("list", name="최근 12개월 월별 봉사시간").get_by_role("listitem")
    ).to_have_count(12)

    volunteer = await signed_in(windows, visits, vms, "volunteer")
    total = volunteer.locator("#total")

    async def total_shown() -> bool:
        # Rewards adds the confirmed hours up from the event, a moment after the confirmation.
        if "3시간 30분" in await total.inner_text():
            return True
        await volunteer.reload()
        return False

    await eventually(total_shown, timeout=20, what="누적 봉사시간 showing 3시간 30분")
    await expect(volunteer.get_by_role("region", name="누적 봉사시간", exact=True)).to_contain_text("3시간 30분")
    await expect(total).to_contain_text("확인된 활동 1건")
    await visits.look(volunteer, "total after confirmation")

    await navigation(volunteer).get_by_role("link", name="봉사실적조회").click()
    await expect(volunteer).to_have_url(re.compile(r"/me#records$"))
    records = volunteer.get_by_role("table", name="봉사실적")
    mine = records.get_by_role("row").filter(has_text=description)
    await expect(mine).to_have_count(1)
    for shown in (YESTERDAY, "10:00–13:30", "3시간 30분", "VMS 데모 관리센터", "확인됨"):
        await expect(mine).to_contain_text(shown)
    await visits.look(volunteer, "records")
    # 봉사실적 누계: by year, by type, and the last twelve months (this one last), blood donations apart.
    totals = volunteer.locator("#hours-totals")
    await expect(
        totals.get_by_role("table", name="분야별 봉사시간").get_by_role("row", name=re.compile("시설봉사"))
    ).to_have_count(1)
    months = totals.get_by_role("list", name="최근 12개월 월별 봉사시간").get_by_role("listitem")
    await expect(months).to_have_count(12)
    await expect(months.filter(has_text=YESTERDAY[:7])).not_to_contain_text("0시간")
    await expect(totals).to_contain_text("헌혈 (1회 4시간)")
    visits.assert_accessible()


# -- phone width ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["volunteer", "centre_manager"])
async def test_the_page_is_usable_at_phone_width(vms: Vms, windows: Windows, visits: Visits, role: str) -> None:
    page = await signed_in(windows, visits, vms, role, viewport=PHONE)
    await visits.look(page, f"home of the {role} at phone width")
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width[0]} px wide in {width[1]} px"

    links = navigation(page).get_by_role("link")
    assert await links.count() > 0
    for link in await links.all():
        await expect(link).to_be_visible()
        box = await link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            await link.inner_text(),
            box,
        )
    for _tab in range(12):
        await page.keyboard.press("Tab")
        if await navigation(page).evaluate("nav => nav.contains(document.activeElement)"):
            break
    else:
        raise AssertionError("the navigation is not reached with the keyboard from the top of the page")

    # Wide tables scroll sideways inside their own region; every other control fits on the screen.
    cut: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll("main :is(input:not([type=hidden]), select, textarea, button)")]
            .filter(c => !c.closest(".scroll"))
            .filter(c => { const r = c.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
            .map(c => c.id || c.name || c.textContent.trim())"""
    )
    assert not cut, f"controls cut off at phone width: {cut}"
    visits.assert_accessible()


# -- English -------------------------------------------------------------------------------------------------------


async def test_the_english_switch_shows_english_labels(vms: Vms, windows: Windows, visits: Visits) -> None:
    page = await windows.open()
    await page.goto("/?lang=en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Social-welfare Volunteer Management System (VMS)")
    await visits.look(page, "home in english")

    await page.get_by_role("banner").get_by_role("link", name="Sign in", exact=True).click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    form = page.locator("main form")
    await form.get_by_label("Login ID").fill(vms.demo.login("volunteer"))
    await form.get_by_label("Password").fill(vms.demo.password)
    await visits.look(page, "sign-in in english")
    await form.get_by_role("button", name="Sign in").click()

    await expect(page).to_have_url(f"{vms.url}/me")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My page")
    assert await menu_headings(page, "Main menu") == [
        "Apply",
        "Professional volunteering",
        "Certification",
        "My page",
        "Account settings",
    ]
    await expect(navigation(page, "Main menu").get_by_role("link", name="My volunteer record")).to_be_visible()
    await expect(page.get_by_role("region", name="Total volunteer hours", exact=True)).to_be_visible()
    await expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()
    await visits.look(page, "my page in english")

    await page.get_by_role("link", name="한국어").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    await expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지")
    await visits.look(page, "my page in korean again")
    visits.assert_accessible()


# -- a service down ------------------------------------------------------------------------------------------------


async def test_a_stopped_service_costs_its_panel_and_the_rest_renders(
    vms: Vms, windows: Windows, visits: Visits
) -> None:
    page = await signed_in(windows, visits, vms, "volunteer")
    rewards = vms.pid("rewards")
    os.kill(rewards, signal.SIGSTOP)
    try:
        await page.reload()
        total = page.get_by_role("region", name="누적 봉사시간", exact=True)
        await expect(total).to_contain_text("누적 봉사시간을 지금 불러올 수 없습니다 (rewards 서비스 응답 없음)")
        await visits.look(page, "rewards stopped")
        await expect(page.get_by_role("region", name="회원정보 → 개인정보", exact=True)).to_contain_text("김봉사")
        await expect(page.get_by_role("checkbox", name=re.compile("1365자원봉사포털 연계동의"))).to_be_visible()
        for other in ("봉사인증 → 봉사실적조회", "1365 연계 현황"):
            region = page.get_by_role("region", name=other, exact=True)
            await expect(region).to_be_visible()
            await expect(region).not_to_contain_text("불러올 수 없습니다")
        await expect(navigation(page)).to_be_visible()
    finally:
        os.kill(rewards, signal.SIGCONT)

    async def total_back() -> bool:
        await page.reload()
        return "불러올 수 없습니다" not in await page.locator("#total").inner_text()

    await eventually(total_back, timeout=20, what="누적 봉사시간 back once rewards runs again")
    await visits.look(page, "rewards running again")
    visits.assert_accessible()


# -- 봉사자모집: searching, signing up and applying, posting and placing, centres, leaving ----------------------------
#
# What a journey needs before it starts (an accredited centre, recruitments, a volunteer who applied) is made through
# the portal's own forms by HTTP, as the people would have made it a moment before; the journey itself is the
# browser's.


@dataclass
class Portal:
    """Sessions of the portal outside the browser (each with its cookie and CSRF token), closed after the test."""

    vms: Vms
    stack: AsyncExitStack

    async def client(self) -> httpx.AsyncClient:
        return await self.stack.enter_async_context(httpx.AsyncClient(base_url=self.vms.url, timeout=15))

    async def demo(self, role: str) -> httpx.AsyncClient:
        client = await self.client()
        await open_session(client, self.vms.demo.login(role), self.vms.demo.password)
        return client

    async def volunteer(self, name: str) -> tuple[httpx.AsyncClient, str, str]:
        """A volunteer who just signed up (the API's 회원가입), signed in: their session, login and number."""
        client = await self.client()
        login = new_login("v")
        registration = {
            "login_id": login,
            "password": PASSWORD,
            "name": name,
            "birth_date": "1998-05-06",
            "phone": f"010-{secrets.randbelow(9000) + 1000}-{secrets.randbelow(9000) + 1000}",
            "region": "11",
        }
        signed_up = ok(await client.post("/api/v1/volunteers", json=registration), 201)
        client.headers["X-CSRF-Token"] = signed_up["account"]["csrf_token"]
        return client, login, str(signed_up["volunteer"]["id"])

    async def accredited_centre(self) -> str:
        """The demo centre, accredited by its council (인증) if it is not yet: only an accredited centre posts."""
        centre_id = self.vms.demo.accounts["centre_manager"]["centre_id"]
        council = await self.demo("council_admin")
        if f"/council/centres/{centre_id}/accredit" in (await council.get("/council")).text:
            assert (await council.post(f"/council/centres/{centre_id}/accredit")).status_code == 303
        return centre_id

    async def post_recruitments(self, *titles: str, **changes: Any) -> list[str]:
        """Recruitments posted through the demo centre's form (재가봉사 · 정서지원 in 마포구, from next week)."""
        centre_id = await self.accredited_centre()
        centre = await self.demo("centre_manager")
        posted = []
        for title in titles:
            answer = await centre.post(f"/centre/{centre_id}/recruitments", data=recruitment_form(title, **changes))
            assert answer.status_code == 303, answer.text[:2000]
            posted.append(answer.headers["location"].split("/")[-1].split("?")[0])
        return posted


def recruitment_form(title: str, **changes: Any) -> dict[str, Any]:
    return {
        "title": title,
        "activity_type": "home",
        "sub_field": "emotional",
        "district": "11440",
        "place": "마포 행복나눔터",
        "start_date": NEXT_WEEK.isoformat(),
        "end_date": (NEXT_WEEK + timedelta(days=30)).isoformat(),
        "weekdays": ["mon", "thu"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": "5",
        "eligibility": ["adult", "youth"],
        "description": "홀로 계신 어르신의 말벗이 되어 드립니다.",
        **changes,
    }


@pytest.fixture
async def portal(vms: Vms) -> AsyncIterator[Portal]:
    async with AsyncExitStack() as stack:
        yield Portal(vms, stack)


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} px wide in {width[1]} px"


async def test_a_visitor_searches_recruitments_by_type_region_and_keyword_and_opens_one_at_phone_width(
    vms: Vms, windows: Windows, visits: Visits, portal: Portal
) -> None:
    titles = [f"마포 어르신 말벗 {n:02d}" for n in range(11)]
    await portal.post_recruitments(*titles)
    page = await windows.open(viewport=PHONE)
    await page.goto("/")
    await navigation(page).get_by_role("link", name="봉사자모집 및 신청").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("봉사자모집 및 신청")
    await visits.look(page, "search")

    search = page.get_by_role("search", name="봉사자모집 검색")
    await search.get_by_label("봉사활동 분류").select_option(label="재가봉사")
    sub_field = search.get_by_label("세부분야")
    await expect(sub_field.locator("optgroup")).to_have_count(0)  # htmx swapped in 재가봉사's sub-fields alone
    await expect(sub_field.get_by_role("option", name="정서지원")).to_have_count(1)
    await sub_field.select_option(label="정서지원")
    await search.get_by_label("지역 (시·도)").select_option(label="서울특별시")
    district = search.get_by_label("시·군·구")
    await expect(district.locator("optgroup")).to_have_count(0)
    await district.select_option(label="마포구")
    await search.get_by_label("검색어").fill("말벗")
    await search.get_by_role("button", name="검색").click()

    results = page.get_by_role("region", name=re.compile("검색 결과"))
    await expect(results.get_by_role("heading", level=2)).to_contain_text("검색 결과 (총")
    cards = results.locator("#results-list > li")
    await expect(cards).to_have_count(10)
    for card in await cards.all():
        await expect(card).to_contain_text("재가봉사 · 정서지원")
        await expect(card).to_contain_text("마포구")
    await visits.look(page, "results")
    await no_sideways_scroll(page)

    await page.get_by_role("navigation", name="검색 결과 쪽").get_by_role("link", name="2쪽").click()
    await expect(page.locator("#results-range")).to_contain_text("2쪽")
    await expect(page.get_by_label("검색어")).to_have_value("말벗")
    await visits.look(page, "results page 2")
    first = page.locator("#results-list > li").first
    title = await first.get_by_role("heading").inner_text()
    await first.get_by_role("link").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    details = page.get_by_role("region", name="모집 내용")
    for shown in ("VMS 데모 관리센터", "서울특별시 마포구", "10:00–12:00"):
        await expect(details).to_contain_text(shown)
    apply = page.get_by_role("region", name="봉사신청")
    await expect(apply.get_by_role("link", name="로그인하고 신청하기")).to_have_attribute(
        "href", re.compile(r"^/sign-in\?next=/recruitments/[0-9a-f-]{36}$")
    )
    await visits.look(page, "recruitment")
    await no_sideways_scroll(page)
    visits.assert_accessible()


async def test_a_volunteer_signs_up_with_their_profile_applies_and_cancels(
    vms: Vms, windows: Windows, visits: Visits, portal: Portal
) -> None:
    title = f"동네 도서관 책 정리 {secrets.token_hex(3)}"
    [recruitment_id] = await portal.post_recruitments(title)
    page = await windows.open()
    await page.goto("/sign-up")
    form = page.locator("main form")
    login = new_login("v")
    await form.get_by_label("아이디", exact=True).fill(login)
    await form.get_by_label("성명").fill("한결")
    await form.get_by_label("생년월일").fill("1999-03-02")
    await form.get_by_label("휴대전화").fill("010-12")
    await form.get_by_label("지역 (시·도)").select_option(label="서울특별시")
    await expect(form.get_by_label("시·군·구").locator("optgroup")).to_have_count(0)
    await form.get_by_label("시·군·구").select_option(label="마포구")
    await form.get_by_label("이메일").fill("hangyeol@example.com")
    wishes = form.get_by_role("group", name="희망 봉사활동 분야")
    await wishes.get_by_role("group", name="재가봉사").get_by_label("정서지원").check()
    await wishes.get_by_role("group", name="지역사회봉사").get_by_label("지역사회봉사 전체").check()
    await form.get_by_role("group", name="희망 활동 지역 (시·도)").get_by_label("서울특별시").check()
    await form.get_by_label("특기").fill("피아노, 수화")
    await form.get_by_role("group", name="토요일").get_by_label("오전").check()
    for field in ("비밀번호", "비밀번호 확인"):
        await form.get_by_label(field, exact=True).fill(PASSWORD)
    await form.get_by_role("button", name="회원가입").click()

    phone = form.get_by_label("휴대전화")
    await expect(phone).to_have_attribute("aria-invalid", "true")
    beside = page.locator(".field", has=page.locator("#f-phone")).locator(".field-error")
    await expect(beside).to_contain_text("010-1234-5678")
    await expect(page.get_by_role("alert")).to_contain_text("010-1234-5678")
    await expect(wishes.get_by_role("group", name="재가봉사").get_by_label("정서지원")).to_be_checked()
    await visits.look(page, "sign-up refused")
    await phone.fill(f"010-{secrets.randbelow(9000) + 1000}-{secrets.randbelow(9000) + 1000}")
    for field in ("비밀번호", "비밀번호 확인"):
        await form.get_by_label(field, exact=True).fill(PASSWORD)
    await form.get_by_role("button", name="회원가입").click()
    await expect(page).to_have_url(f"{vms.url}/me")

    await navigation(page).get_by_role("link", name="희망봉사활동 등록").click()
    await expect(page.get_by_role("group", name="토요일").get_by_label("오전")).to_be_checked()
    await visits.look(page, "wishes")

    await page.goto(f"/recruitments/{recruitment_id}")
    await page.get_by_role("region", name="봉사신청").get_by_role("button", name="신청하기").click()
    await expect(page).to_have_url(f"{vms.url}/me/applications?done=applied")
    await expect(page.get_by_role("status")).to_contain_text("신청했습니다")
    row = page.get_by_role("row").filter(has_text=title)
    await expect(row).to_contain_text("신청")
    await visits.look(page, "my applications")
    await row.get_by_role("button", name=f"{title} 신청취소").click()
    await expect(row.get_by_role("button")).to_have_count(0)
    await expect(row.locator("td").nth(3)).to_have_text("신청취소")
    await expect(page.get_by_role("status")).to_contain_text(f"{title} 신청을 취소했습니다")
    await visits.look(page, "cancelled")
    visits.assert_accessible()


async def test_a_centre_posts_a_recruitment_then_accepts_trains_and_places_an_applicant(
    vms: Vms, windows: Windows, visits: Visits, portal: Portal
) -> None:
    await portal.accredited_centre()
    title = f"주간보호센터 여가 프로그램 {secrets.token_hex(3)}"
    centre = await signed_in(windows, visits, vms, "centre_manager")
    await navigation(centre).get_by_role("link", name="봉사자모집 관리").click()
    post = centre.get_by_role("region", name="봉사자모집 등록")
    await post.get_by_label("모집 제목").fill(title)
    await post.get_by_label("봉사활동 분류").select_option(label="시설봉사")
    await expect(post.get_by_label("세부분야").locator("optgroup")).to_have_count(0)  # 시설봉사's alone, swapped in
    await expect(post.get_by_label("세부분야").get_by_role("option", name="행사보조")).to_have_count(1)
    await post.get_by_label("세부분야").select_option(label="여가선용")
    await post.get_by_label("시·군·구").select_option(label="마포구")
    await post.get_by_label("활동 장소").fill("마포 주간보호센터 강당")
    await post.get_by_label("활동 시작일").fill(NEXT_WEEK.isoformat())
    await post.get_by_label("활동 종료일").fill((NEXT_WEEK + timedelta(days=60)).isoformat())
    await post.get_by_role("group", name="활동 요일").get_by_label("화요일").check()
    await post.get_by_label("시작 시각").fill("14:00")
    await post.get_by_label("종료 시각").fill("16:00")
    await post.get_by_label("모집 인원").fill("4")
    await post.get_by_label("소양교육을 이수한 봉사자만 배치합니다").check()
    await visits.look(centre, "recruitment form filled")
    await post.get_by_role("button", name="모집 등록").click()
    await expect(centre.get_by_role("status")).to_contain_text("봉사자모집을 등록했습니다")
    await expect(centre.get_by_role("heading", level=1)).to_have_text(title)
    recruitment_id = centre.url.split("/")[-1].split("?")[0]

    volunteer, _login, volunteer_id = await portal.volunteer("서다인")
    applied = await volunteer.post(
        f"/recruitments/{recruitment_id}/apply", data={"party_size": "1", "note": "화요일 좋아요"}
    )
    assert applied.status_code == 303, applied.text[:2000]

    await centre.reload()
    applicants = centre.get_by_role("region", name="신청자")
    row = applicants.get_by_role("row").filter(has_text=volunteer_id)
    await expect(row).to_contain_text("화요일 좋아요")
    await visits.look(centre, "an applicant")
    await row.get_by_role("button", name=f"봉사자 {volunteer_id} 신청 승인").click()
    await expect(row.get_by_role("button", name=f"봉사자 {volunteer_id} 배치")).to_be_visible()
    await expect(centre.get_by_role("status")).to_contain_text("신청을 승인했습니다")
    await row.get_by_role("button", name=f"봉사자 {volunteer_id} 소양교육 이수 등록").click()
    await expect(centre.get_by_role("status")).to_contain_text("소양교육 이수")
    await visits.look(centre, "orientation recorded")
    await row.get_by_role("button", name=f"봉사자 {volunteer_id} 배치").click()
    await expect(row.locator("td").nth(4)).to_have_text("배치")
    await expect(centre.get_by_role("status")).to_contain_text("봉사자를 배치했습니다")
    await visits.look(centre, "placed")
    visits.assert_accessible()


async def test_a_council_registers_accredits_and_suspends_a_centre(vms: Vms, windows: Windows, visits: Visits) -> None:
    name = f"햇살지역아동센터 {secrets.token_hex(3)}"
    council = await signed_in(windows, visits, vms, "council_admin")
    register = council.get_by_role("region", name="관리센터 등록")
    await register.get_by_label("관리센터 이름").fill(name)
    await register.get_by_label("전화번호").fill("02-3272-1004")
    await register.get_by_label("시·군·구").select_option(label="마포구")
    await register.get_by_label("시설 유형").select_option(label="지역아동센터")
    await register.get_by_label("주소").fill("서울특별시 마포구 월드컵로 10")
    await register.get_by_role("button", name="등록", exact=True).click()
    await expect(council.get_by_role("status")).to_contain_text("관리센터를 등록했습니다")

    row = council.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text("등록 (인증 전)")
    await expect(row).to_contain_text("지역아동센터")
    await visits.look(council, "centre registered")
    await row.get_by_role("button", name=f"{name} 인증").click()
    await expect(council.get_by_role("status")).to_contain_text("관리센터를 인증했습니다")
    await row.get_by_label(f"{name} 정지 사유").fill("시설 안전 점검")
    await visits.look(council, "centre accredited")
    await row.get_by_role("button", name=f"{name} 정지").click()
    await expect(row).to_contain_text("시설 안전 점검")
    await expect(row.get_by_role("button", name=f"{name} 인증")).to_be_visible()
    await expect(council.get_by_role("status")).to_contain_text("관리센터를 정지했습니다")
    await visits.look(council, "centre suspended")
    visits.assert_accessible()


async def test_a_volunteer_leaves_and_can_no_longer_sign_in(
    vms: Vms, windows: Windows, visits: Visits, portal: Portal
) -> None:
    _session, login, _volunteer_id = await portal.volunteer("떠날이")
    page = await windows.open()
    await fill_sign_in(page, visits, login, PASSWORD)
    await expect(page).to_have_url(f"{vms.url}/me")
    await navigation(page).get_by_role("link", name="회원탈퇴").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("회원탈퇴")
    await visits.look(page, "leaving")
    await page.get_by_label("위 내용을 확인했으며 탈퇴합니다").check()
    await page.get_by_role("main").get_by_role("button", name="회원탈퇴").click()
    await expect(page).to_have_url(f"{vms.url}/?done=withdrawn")
    await expect(page.get_by_role("status")).to_contain_text("회원탈퇴가 끝났습니다")
    await visits.look(page, "left")

    await fill_sign_in(page, visits, login, PASSWORD)
    await expect(page.get_by_role("alert")).to_contain_text("사용이 중지된 계정입니다")
    assert await menu_headings(page) == PUBLIC_MENUS, "still signed out"
    visits.assert_accessible()


async def test_a_council_appoints_and_places_a_team_which_the_public_search_then_finds(
    vms: Vms, windows: Windows, visits: Visits, portal: Portal
) -> None:
    tag = secrets.token_hex(3)
    name = f"망원 벽화 봉사단 {tag}"
    # The demo centre has a recruitment: a visitor reads its name where the portal shows it to anyone.
    await portal.post_recruitments(f"벽화 봉사 안내 {tag}")
    volunteer, _login, _volunteer_id = await portal.volunteer("벽화인")
    applied = await volunteer.post(
        "/teams/apply",
        data={
            "region": "11",
            "district": "11440",
            "name": name,
            "field": "culture",
            "kind": "individual",
            "skills": f"벽화, {tag}",
        },
    )
    assert applied.status_code == 303, applied.text[:2000]

    council = await signed_in(windows, visits, vms, "council_admin")
    await navigation(council).get_by_role("link", name="지역사회봉사단 위촉·배치").click()
    row = council.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text("신청 (위촉 전)")
    await visits.look(council, "an application")
    await row.get_by_role("button", name=f"{name} 위촉").click()
    await expect(council.get_by_role("status")).to_contain_text("봉사단을 위촉했습니다")
    await row.get_by_label(f"{name}을(를) 배치할 관리센터").select_option(label="VMS 데모 관리센터")
    await visits.look(council, "appointed")
    await row.get_by_role("button", name=f"{name} 배치").click()
    await expect(council.get_by_role("status")).to_contain_text("봉사단을 배치했습니다")
    await expect(row).to_contain_text("VMS 데모 관리센터")
    await visits.look(council, "placed")

    page = await windows.open()
    await page.goto("/")
    await navigation(page).get_by_role("link", name="지역사회봉사단 조회").click()
    search = page.get_by_role("search", name="지역사회봉사단 검색")
    await search.get_by_label("보유 기술").fill(tag)
    await search.get_by_role("group", name="활동분야").get_by_label("문화·예술").check()
    await search.get_by_role("button", name="검색").click()
    await expect(page.locator("#results-list > li")).to_have_count(1)
    await visits.look(page, "teams found")
    await page.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    details = page.get_by_role("region", name="봉사단 정보")
    for shown in ("문화·예술", "서울특별시 마포구", "벽화", "VMS 데모 관리센터"):
        await expect(details).to_contain_text(shown)
    await visits.look(page, "a team")
    visits.assert_accessible()


async def test_a_centre_rejects_corrects_and_cancels_with_reasons_kept_in_the_history(
    vms: Vms, windows: Windows, visits: Visits
) -> None:
    volunteer_id = vms.demo.accounts["volunteer"]["volunteer_id"]
    day = (today_kst() - timedelta(days=2)).isoformat()
    centre = await signed_in(windows, visits, vms, "centre_manager")
    record = centre.get_by_role("region", name="봉사활동 실적 입력", exact=True)

    async def recorded(start: str, end: str, description: str) -> Locator:
        await record.get_by_label("봉사자 번호").fill(volunteer_id)
        await record.get_by_label("활동일").fill(day)
        await record.get_by_label("시작 시각").fill(start)
        await record.get_by_label("종료 시각").fill(end)
        await record.get_by_label("봉사활동 분류").select_option(label="시설봉사")
        # Before the type, every type's sub-fields in groups; after it, htmx swaps in 시설봉사's alone.
        await expect(record.get_by_label("세부분야").locator("optgroup")).to_have_count(0)
        await expect(record.get_by_label("세부분야").locator("option", has_text="행사보조")).to_have_count(1)
        await record.get_by_label("세부분야").select_option(label="행사보조")
        await record.get_by_label("활동내용").fill(description)
        await record.get_by_role("button", name="실적 입력").click()
        await expect(centre.get_by_role("status")).to_contain_text("실적을 입력했습니다")
        return centre.get_by_role("row").filter(has_text=description)

    wrong = await recorded("09:00", "10:00", "잘못 입력한 활동")
    await wrong.get_by_label("반려 사유").fill("다른 봉사자의 활동")
    await wrong.get_by_role("button", name=re.compile("활동 반려$")).click()
    await expect(wrong).to_contain_text("반려됨")
    await expect(wrong).to_contain_text("다른 봉사자의 활동")
    await visits.look(centre, "rejected")

    row = await recorded("13:00", "17:00", "행사 준비와 정리")
    await row.get_by_role("button", name=re.compile("활동 확인$")).click()
    await expect(row).to_contain_text("확인됨")
    await row.get_by_role("link", name=re.compile("활동 정정$")).click()
    await expect(centre.get_by_role("heading", level=1)).to_have_text("확인된 봉사활동 실적 정정")
    await centre.get_by_label("종료 시각").fill("16:00")
    await centre.get_by_role("button", name="정정 저장").click()
    await expect(centre.locator("#f-reason-error")).to_contain_text("필수 항목")
    await visits.look(centre, "a correction needs a reason")
    await centre.get_by_label("정정 사유").fill("종료 시각 입력 착오")
    await centre.get_by_role("button", name="정정 저장").click()
    await expect(centre.get_by_role("status")).to_contain_text("활동을 정정했습니다")
    row = centre.get_by_role("row").filter(has_text="행사 준비와 정리")
    await expect(row).to_contain_text("3시간")
    await row.get_by_label("취소 사유").fill("행사가 취소되어 활동하지 않음")
    await row.get_by_role("button", name=re.compile("활동 취소$")).click()
    await expect(row).to_contain_text("취소됨")
    await visits.look(centre, "cancelled")

    await row.get_by_role("link", name=re.compile("변경 이력$")).click()
    revisions = centre.get_by_role("table", name="변경 이력")
    await expect(revisions.get_by_role("row")).to_have_count(5)  # the header and four steps
    for step, reason in (("정정", "종료 시각 입력 착오"), ("취소", "행사가 취소되어 활동하지 않음")):
        await expect(revisions.get_by_role("row").filter(has_text=reason)).to_contain_text(step)
    await visits.look(centre, "history")

    volunteer = await signed_in(windows, visits, vms, "volunteer")
    await navigation(volunteer).get_by_role("link", name="봉사실적조회").click()
    mine = volunteer.get_by_role("table", name="봉사실적").get_by_role("row").filter(has_text="행사 준비와 정리")
    await expect(mine).to_contain_text("취소됨")
    await expect(mine).to_contain_text("행사가 취소되어 활동하지 않음")
    await mine.get_by_role("link", name="변경 이력").click()
    await expect(volunteer.get_by_role("table", name="변경 이력").get_by_role("row")).to_have_count(5)
    await visits.look(volunteer, "the volunteer reads the history")
    visits.assert_accessible()


async def test_a_volunteer_issues_and_downloads_certificates_which_anyone_then_verifies(
    vms: Vms, windows: Windows, visits: Visits
) -> None:
    volunteer_id = vms.demo.accounts["volunteer"]["volunteer_id"]
    day = (today_kst() - timedelta(days=5)).isoformat()
    centre = await signed_in(windows, visits, vms, "centre_manager")
    record = centre.get_by_role("region", name="봉사활동 실적 입력", exact=True)
    await record.get_by_label("봉사자 번호").fill(volunteer_id)
    await record.get_by_label("활동일").fill(day)
    await record.get_by_label("시작 시각").fill("14:00")
    await record.get_by_label("종료 시각").fill("16:30")
    await record.get_by_label("봉사활동 분류").select_option(label="시설봉사")
    await expect(record.get_by_label("세부분야").locator("optgroup")).to_have_count(0)
    await expect(record.get_by_label("세부분야").locator("option", has_text="행사보조")).to_have_count(1)
    await record.get_by_label("세부분야").select_option(label="행사보조")
    await record.get_by_label("활동내용").fill("바자회 물품 정리")
    await record.get_by_role("button", name="실적 입력").click()
    await expect(centre.get_by_role("status")).to_contain_text("실적을 입력했습니다")
    row = centre.get_by_role("row").filter(has_text="바자회 물품 정리")
    await row.get_by_role("button", name=re.compile("활동 확인$")).click()
    await expect(row).to_contain_text("확인됨")

    volunteer = await signed_in(windows, visits, vms, "volunteer")
    await navigation(volunteer).get_by_role("link", name="인증서 발급").click()
    await expect(volunteer.get_by_role("heading", level=1)).to_have_text("인증서 발급")
    await visits.look(volunteer, "the certificate form")
    await volunteer.get_by_label("활동기간 시작").fill(day)
    await volunteer.get_by_label("활동기간 끝").fill((today_kst() - timedelta(days=30)).isoformat())
    await volunteer.get_by_role("button", name="인증서 발급").click()
    await expect(volunteer.locator("#f-period_to-error")).to_contain_text("앞설 수 없습니다")
    await visits.look(volunteer, "a period that ends before it starts")
    await volunteer.get_by_label("활동기간 끝").fill("")
    await volunteer.get_by_role("button", name="인증서 발급").click()
    await expect(volunteer.get_by_role("status")).to_contain_text("인증서를 발급했습니다")
    issued = volunteer.get_by_role("table", name="발급한 인증서").get_by_role("row").filter(has_text="방금 발급")
    await expect(issued).to_contain_text("한국어")
    await visits.look(volunteer, "issued")
    texts: dict[str, str] = {}
    for language, label in (("ko", "한국어"), ("en", "영어 (English)")):
        if language == "en":
            await volunteer.get_by_label("인증서 언어").select_option(label=label)
            await volunteer.get_by_label("활동기간 시작").fill("")
            await volunteer.get_by_role("button", name="인증서 발급").click()
            await expect(volunteer.get_by_role("status")).to_contain_text("인증서를 발급했습니다")
        fresh = volunteer.get_by_role("table", name="발급한 인증서").get_by_role("row").filter(has_text="방금 발급")
        async with volunteer.expect_download() as downloading:
            await fresh.get_by_role("link", name="PDF 내려받기").click()
        download = await downloading.value
        assert (download.suggested_filename or "").endswith(".pdf")
        saved = await download.path()
        texts[language] = "".join(page.extract_text() for page in PdfReader(str(saved)).pages)
    assert "사회복지자원봉사 인증서" in texts["ko"] and "바자회 물품 정리" in texts["ko"]
    assert "Certificate of Volunteer Service" in texts["en"] and "Event assistance" in texts["en"]

    flat = "".join(texts["ko"].split())
    number = re.search(r"\d{2}-\d{4}-\d{6}", flat)
    code = re.search(r"확인코드([0-9A-Z]{4}-[0-9A-Z]{4})", flat)
    assert number and code, flat[-400:]

    anyone = await windows.open()
    await anyone.goto("/")
    await navigation(anyone).get_by_role("link", name="인증서 진위확인").click()
    await anyone.get_by_label("발급번호").fill(number.group(0))
    await anyone.get_by_label("확인코드").fill(code.group(1).lower())
    await anyone.get_by_role("button", name="확인").click()
    await expect(anyone.locator("#verdict")).to_contain_text("서울특별시사회복지협의회에서 발급한 유효한 인증서입니다")
    await expect(anyone.locator("#unchanged")).to_be_visible()
    await visits.look(anyone, "verified")

    await centre.reload()
    row = centre.get_by_role("row").filter(has_text="바자회 물품 정리")
    await row.get_by_label("취소 사유").fill("행사가 연기됨")
    await row.get_by_role("button", name=re.compile("활동 취소$")).click()
    await expect(row).to_contain_text("취소됨")
    await anyone.reload()
    await expect(anyone.locator("#changed")).to_contain_text("1건이 정정되거나 취소되었습니다")
    await visits.look(anyone, "changed since")

    await anyone.get_by_label("확인코드").fill("AAAA-AAAA")
    await anyone.get_by_role("button", name="확인").click()
    await expect(anyone.get_by_role("alert")).to_contain_text("맞는 인증서가 없습니다")
    await visits.look(anyone, "a wrong code")
    visits.assert_accessible()


async def test_a_centre_uploads_a_file_follows_its_progress_and_downloads_the_rows_to_fix(
    vms: Vms, windows: Windows, visits: Visits, tmp_path: Path
) -> None:
    volunteer_id = vms.demo.accounts["volunteer"]["volunteer_id"]
    day = (today_kst() - timedelta(days=7)).isoformat()
    header = "봉사자번호,활동일,시작시각,종료시각,봉사활동분류,세부분야,활동내용"
    good = [f"{volunteer_id},{day},{hour}:00,{hour}:45,시설봉사,행사보조,바자회 준비 {hour}" for hour in (8, 9, 10)]
    bad = f"{volunteer_id},{day},15:00,14:00,시설봉사,행사보조,거꾸로 적은 시각"
    upload = tmp_path / "활동.csv"
    upload.write_bytes("\n".join([header, *good, bad, ""]).encode("cp949"))

    centre = await signed_in(windows, visits, vms, "centre_manager")
    await centre.get_by_role("link", name="파일로 일괄 입력 (CSV·XLSX)").click()
    await expect(centre.get_by_role("heading", level=1)).to_have_text("봉사활동 실적 일괄 입력")
    async with centre.expect_download() as downloading:
        await centre.get_by_role("link", name="엑셀 (XLSX)").click()
    assert (await downloading.value).suggested_filename.endswith(".xlsx")
    await centre.get_by_role("button", name="올리기").click()
    await expect(centre.locator("#f-file-error")).to_contain_text("올릴 파일을 골라 주세요")
    await visits.look(centre, "no file chosen")

    await centre.get_by_label("파일", exact=True).set_input_files(str(upload))
    await centre.get_by_role("button", name="올리기").click()
    progress = centre.get_by_role("progressbar", name="진행")
    await expect(progress).to_have_attribute("value", "100", timeout=30_000)
    summary = centre.locator("#import-summary")
    await expect(summary).to_contain_text("4행 중 1행을 고쳐야 해서 아무것도 기록하지 않았습니다")
    refused = centre.get_by_role("table", name="거부된 행")
    await expect(refused.get_by_role("row")).to_have_count(2)
    await expect(refused.get_by_role("row").nth(1)).to_contain_text("5")
    await expect(refused.get_by_role("row").nth(1)).to_contain_text("종료 시각은 시작 시각보다 늦어야 합니다")
    await visits.look(centre, "nothing recorded, the bad row named")
    async with centre.expect_download() as downloading:
        await centre.get_by_role("link", name="고칠 행 내려받기").click()
    saved = await (await downloading.value).path()
    to_fix = (await asyncio.to_thread(saved.read_bytes)).decode("utf-8-sig").splitlines()
    assert to_fix[0] == header + ",오류 (error)"
    assert to_fix[1].startswith(bad + ',"종료 시각은')

    await centre.get_by_role("link", name="봉사활동 실적 일괄 입력").click()
    await centre.get_by_label("파일", exact=True).set_input_files(str(upload))
    await centre.get_by_label("처리 방법").select_option(label="올바른 행만 기록")
    await centre.get_by_role("button", name="올리기").click()
    await expect(centre.locator("#import-summary")).to_contain_text("3행을 새로 기록", timeout=30_000)
    await visits.look(centre, "the clean rows recorded")
    await centre.get_by_role("link", name="← 봉사실적 입력·확인으로").click()
    for hour in (8, 9, 10):
        await expect(centre.get_by_role("row").filter(has_text=f"바자회 준비 {hour}")).to_have_count(1)
    visits.assert_accessible()
