"""A real browser for the tests: Playwright driving the machine's Chromium, a screenshot of every page a test
visits (in `var/screenshots/`, named by test and step), and an accessibility check (axe-core) of each.

Chromium comes from the system (`apt-get install chromium`; `.ci/run` installs it): Playwright's own browser
download needs the internet. Without a Chromium the browser tests are skipped with the reason, or fail when
`VMS_TEST_REQUIRE_BROWSER=1` (as in CI).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
"""Where the screenshots of every page the browser tests visit are kept (named in the README)."""

SERIOUS = ("serious", "critical")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 360, "height": 760}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    found = os.environ.get("VMS_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def need_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "no Chromium: apt-get install -y chromium (or set VMS_TEST_CHROMIUM)"
        if os.environ.get("VMS_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (VMS_TEST_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return path


@asynccontextmanager
async def launch() -> AsyncIterator[Browser]:
    """One browser for a module of tests: `async with launch() as browser:`."""
    path = need_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Visits:
    """Every page one test saw: each is photographed and checked for accessibility as it is reached."""

    test: str
    axe: Axe = field(default_factory=Axe)
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A test that now visits fewer pages than it once did must not leave the older run's photographs behind,
        # where they would pass for this run's.
        earlier = re.compile(rf"{re.escape(self.test)}-\d{{2}}-.*\.png")
        if SCREENSHOTS.is_dir():
            for old in SCREENSHOTS.iterdir():
                if earlier.fullmatch(old.name):
                    old.unlink()

    async def look(self, page: Page, step: str) -> None:
        """Photograph the page as it is now and check it; serious or critical violations are kept as problems."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{self.test}-{len(self.seen) + 1:02d}-{_slug(step)}.png"
        await page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        self.seen.append(name)
        result = await self.axe.run(page)
        for violation in result.response.get("violations", []):
            if violation.get("impact") in SERIOUS:
                targets = [node.get("target") for node in violation.get("nodes", [])][:5]
                self.problems.append(
                    f"{step} ({page.url}, {name}): {violation['impact']} {violation['id']}: {violation['help']} "
                    f"{targets}"
                )

    def assert_accessible(self) -> None:
        assert not self.problems, "accessibility violations:\n" + "\n".join(self.problems)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:60].strip("-") or "page"


def name_of(request: pytest.FixtureRequest) -> str:
    """The test's name as screenshots start with it; a parametrized test's parameters are kept whole, so that each
    case has photographs of its own."""
    function, _, parameters = request.node.name.partition("[")
    return f"{_slug(function)}-{_slug(parameters)}" if parameters else _slug(function)


async def new_page(browser: Browser, base_url: str, *, viewport: dict[str, int] = DESKTOP, **options: Any) -> Page:
    """A page in a context of its own: its own cookies, as another person's browser would have."""
    context = await browser.new_context(base_url=base_url, viewport=viewport, locale="ko-KR", **options)  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return page


@dataclass
class Windows:
    """The browser windows one test opens, each with cookies of its own (one person each), closed after it."""

    browser: Browser
    base_url: str
    opened: list[BrowserContext] = field(default_factory=list)

    async def open(self, *, viewport: dict[str, int] = DESKTOP, **options: Any) -> Page:
        page = await new_page(self.browser, self.base_url, viewport=viewport, **options)
        self.opened.append(page.context)
        return page

    async def close(self) -> None:
        for context in self.opened:
            await context.close()
        self.opened.clear()
