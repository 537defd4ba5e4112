"""The portal in a real browser (Chromium through Playwright), against the whole system started as `make up` starts
it, with its demo accounts: each role signs in through the form and finds its own menus, a wrong password reads as
an unknown login, a centre records and confirms 3 h 30 min which its volunteer then sees, the pages hold at phone
width, the English switch, and a stopped service that costs its panel only.

Every page a test reaches is photographed into `var/screenshots/` and checked with axe-core (`tests/browser.py`);
each test ends by asserting that none had a serious or critical accessibility violation.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from conftest import need_postgres, whole_system_plan
from tests import browser as chromium
from tests.accounts import DemoAccounts
from tests.browser import DESKTOP, PHONE, Visits, Windows
from vms_deploy.supervisor import System
from vms_platform.clock import today_kst
from vms_platform.testing import eventually, postgres_required

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()
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
        ("봉사신청", "봉사인증", "마이페이지", "계정 설정"),
        ("봉사실적조회", "회원정보", "개인정보", ACCOUNT),
    ),
    "centre_manager": Home(
        "/centre", "관리센터 업무: VMS 데모 관리센터", ("관리센터 업무", "계정 설정"), ("봉사실적 입력·확인", ACCOUNT)
    ),
    "council_admin": Home(
        "/council",
        "서울특별시 사회복지협의회 관리",
        ("협의회 관리", "계정 설정"),
        ("관리센터·담당자", "개인정보 열람 기록", ACCOUNT),
    ),
    "central_admin": Home(
        "/central", "중앙회 관리", ("중앙회 관리", "계정 설정"), ("계정 관리", "관리센터·담당자", ACCOUNT)
    ),
    "integrator": Home("/account", "계정 설정", ("계정 설정",), (ACCOUNT,)),
}
EVERY_MENU = {menu for home in HOMES.values() for menu in home.menus}


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
    assert await navigation(page).count() == 0, "no menus once signed out"
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
        assert await navigation(page).count() == 0, "still signed out"
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
    confirm = row.get_by_role("button")
    await expect(confirm).to_have_text("확인")
    await confirm.click()
    await expect(row).to_contain_text("확인됨")
    await expect(row.get_by_role("button")).to_have_count(0)
    await expect(centre.get_by_role("status")).to_contain_text(
        f"{YESTERDAY} 10:00–13:30 활동을 확인했습니다 (3시간 30분)"
    )
    assert await centre.evaluate("window.stillTheSamePage === true"), "htmx swapped the row: the page stayed"
    await visits.look(centre, "confirmed")

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
    assert await menu_headings(page, "Main menu") == ["Apply", "Certification", "My page", "Account settings"]
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
