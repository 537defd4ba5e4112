"""The REST API keeps the promises of its OpenAPI document, and its documentation pages work without the internet.

Schemathesis (`--checks all`) runs against the whole system as `make up` runs it — the gateway and the four
services, each its own process, on a real NATS — on PostgreSQL when there is one (where text the services store
meets its strictest backend), else on SQLite, signed in as the demo central admin (an access token), so that what
lies behind the sign-in is tried too. The number of examples is bounded and the seed fixed, so that a run takes
seconds and a failure can be replayed (`st replay <id>` with the printed id, against a running system).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from conftest import need_postgres, whole_system_plan
from tests.accounts import DemoAccounts, gateway_settings, token_for
from vms_contracts.actor import Role
from vms_contracts.permissions import Access, access
from vms_deploy.supervisor import System
from vms_gateway.app import create_app
from vms_gateway.docs import ASSETS, ASSETS_PREFIX
from vms_platform.testing import postgres_required

pytestmark = pytest.mark.slow

SEED = os.environ.get("VMS_TEST_SCHEMATHESIS_SEED", "20061")
MAX_EXAMPLES = os.environ.get("VMS_TEST_SCHEMATHESIS_EXAMPLES", "25")

SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")
"""The one configuration, shared with `make api-check`: what the schema cannot say about the brochure's rules."""


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


@dataclass(frozen=True)
class Running:
    gateway_url: str
    token: str
    """A personal access token of the demo central admin."""


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[Running]:
    data_dir = tmp_path_factory.mktemp("vms-schema")
    async with AsyncExitStack() as stack:
        if postgres_admin_url is None and postgres_required():
            need_postgres(postgres_admin_url)  # fails: PostgreSQL was asked for
        plan, _bus = await whole_system_plan(stack, data_dir, nats_url, postgres_admin_url)
        system = System(plan, progress=_quiet)
        stack.push_async_callback(system.stop)
        await system.start()
        demo = DemoAccounts.of(plan.data_dir)
        token = await token_for(system.gateway_url, demo.login("central_admin"), demo.password)
        yield Running(system.gateway_url, token)


def _tool(name: str) -> str:
    return str(Path(sysconfig.get_path("scripts")) / name)


async def test_schemathesis_finds_no_failure_of_any_kind(running: Running, tmp_path: Path) -> None:
    command = [
        _tool("st"),
        "--config-file",
        str(SCHEMATHESIS_CONFIG),
        "run",
        f"{running.gateway_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {running.token}",
        "--checks",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
    ]
    # In a thread: the supervisor's tasks on this loop keep reading the services' output meanwhile.
    result = await asyncio.to_thread(
        subprocess.run, command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    report = result.stdout + result.stderr
    (tmp_path / "schemathesis.txt").write_text(report)
    failures = report[report.find("FAILURES") :] if "FAILURES" in report else report
    assert result.returncode == 0, failures[:30000]


# -- the documentation pages -----------------------------------------------------------------------------------------


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The pages ask no service anything: the application alone serves them.
    app = create_app(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


def _references(page: str) -> list[str]:
    """Every address a page loads or names: src and href attributes, and the document Swagger UI fetches."""
    found = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", page)
    found += re.findall(r"""url:\s*["']([^"']+)["']""", page)
    return found


@pytest.mark.parametrize("page", ["/docs"])
async def test_a_documentation_page_loads_everything_from_the_gateway(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"(https?:)?//[a-z0-9]", html, re.IGNORECASE), "no address elsewhere, not even a font"
    references = _references(html)
    assert references and "/openapi.json" in references
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        asset = await client.get(urljoin("http://gateway", reference))
        assert asset.status_code == 200, reference
        assert asset.content, reference


_LOADABLE_URL = re.compile(
    r"(?:https?:)?//[^\s\"'()<>]+/[^\s\"'()<>/]+\.(?:svg|png|jpe?g|gif|webp|ico|woff2?|ttf|otf|css|m?js)(?=[\"'?#)\s])",
    re.IGNORECASE,
)
"""An address of an image, a font, a style sheet or a script written in an asset: what a browser would fetch."""


async def test_no_asset_makes_the_browser_fetch_anything_elsewhere(client: httpx.AsyncClient) -> None:
    for name in ASSETS:
        content = (await client.get(f"{ASSETS_PREFIX}/{name}")).content.decode("utf-8", errors="replace")
        assert not _LOADABLE_URL.findall(content), (name, _LOADABLE_URL.findall(content)[:5])
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", content), name


async def test_there_is_no_redoc_page(client: httpx.AsyncClient) -> None:
    """ReDoc's script loads its logo from cdn.redoc.ly: the page would reach out of a closed network."""
    for address in ("/redoc", f"{ASSETS_PREFIX}/redoc.standalone.js"):
        answer = await client.get(address)
        assert answer.status_code == 404, address
        assert answer.json()["error"]["code"] == "NOT_FOUND"


async def test_every_asset_is_served_with_its_type(client: httpx.AsyncClient) -> None:
    for name, media_type in ASSETS.items():
        response = await client.get(f"{ASSETS_PREFIX}/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media_type), (name, response.headers["content-type"])
        assert len(response.content) > 1000, name
    missing = await client.get(f"{ASSETS_PREFIX}/nothing.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"


async def test_the_document_lists_each_routes_refusals_in_the_error_shape(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            # What the HTTP edge answers any request: malformed or slow (400, 408), too large (413, 431), a method
            # the address does not take (405), too many from one client or from all (429, 503), a failure (500).
            assert {"400", "405", "408", "413", "429", "431", "500", "503"} <= set(responses), where
            if operation.get("requestBody"):
                assert {"415", "422"} <= set(responses), where
            if "{" in path:
                assert {"404", "422"} <= set(responses), where
            for status, response in responses.items():
                assert "X-Request-ID" in response["headers"], (where, status)
                if status.startswith(("4", "5")) and path != "/api/v1/health":
                    assert response["content"]["application/json"]["schema"] == error, (where, status)
            assert "HTTPValidationError" not in str(operation), where
            allowed = ", ".join(sorted({m.upper() for m in operations} | ({"HEAD"} if "get" in operations else set())))
            assert responses["405"]["headers"]["Allow"]["schema"]["enum"] == [allowed], where
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_the_document_says_how_each_route_is_signed_in_to(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie", "name": "vms_session"}
    assert schemes["token"] == {**schemes["token"], "type": "http", "scheme": "bearer"}
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    guarded = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            name = operation.get("x-vms-operation")
            if name is None:
                assert "security" not in operation, where
                continue
            guarded += 1
            names = [name] if isinstance(name, str) else name
            open_to_visitors = any(access(n, Role.ANONYMOUS) is not Access.REFUSED for n in names)
            expected: list[dict[str, list[str]]] = [{"token": []}, {"session": []}, *([{}] if open_to_visitors else [])]
            assert operation["security"] == expected, where
            for status in ("401", "403"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == error, where
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], where
    assert guarded >= 20
    assert "security" not in document["paths"]["/api/v1/health"]["get"], "operators' probes sign in as no one"
    assert "security" not in document["paths"]["/api/v1/session"]["post"]
    assert document["paths"]["/api/v1/volunteers"]["post"]["x-vms-operation"] == "accounts.sign_up"


async def test_the_document_lists_what_the_gateway_answers_on_each_route(client: httpx.AsyncClient) -> None:
    """A request the gateway refuses at its edge, on a route of each kind, is answered a status that route lists."""
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    listed = {path: {m: set(op["responses"]) for m, op in ops.items()} for path, ops in document["paths"].items()}
    nobody = "01a2172c-0000-7000-8000-000000000000"
    confirm = f"/api/v1/activities/{nobody}/confirm"
    answers = {
        ("get", "/api/v1/volunteers/{volunteer_id}"): await client.request("DELETE", f"/api/v1/volunteers/{nobody}"),
        ("post", "/api/v1/activities/{activity_id}/confirm"): await client.post(
            confirm, headers={"content-length": "2000000"}
        ),
        ("get", "/api/v1/health"): await client.get("/api/v1/health", headers={"content-length": "2000000"}),
    }
    for (method, path), answer in answers.items():
        assert str(answer.status_code) in listed[path][method], (method, path, answer.status_code)


def test_make_api_check_runs_with_the_tests_configuration() -> None:
    """`make api-check` against a running system checks what this test checks, with the same configuration."""
    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text()
    recipe = makefile[makefile.index("\napi-check:") :].split("\n\n", 1)[0]
    assert f"--config-file {SCHEMATHESIS_CONFIG.relative_to(root)}" in recipe, recipe
    assert SCHEMATHESIS_CONFIG.is_file()


async def test_swagger_ui_shows_the_operations_in_a_browser(running: Running, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("VMS_TEST_REQUIRE_BROWSER"):
            pytest.fail("VMS_TEST_REQUIRE_BROWSER is set but there is no chromium (apt-get install chromium)")
        pytest.skip("no chromium here (apt-get install chromium)")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        "--virtual-time-budget=5000",
        f"{running.gateway_url}/docs",
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)
    dom = result.stdout
    assert "opblock" in dom, (result.returncode, result.stderr[-3000:], dom[-3000:])
    for summary in ("회원가입", "관리센터 등록", "봉사활동 실적 입력", "누적 봉사시간", "액세스 토큰 발급"):
        assert summary in dom, summary
    assert "authorize" in dom, "the page can be given a token (its Authorize button)"
