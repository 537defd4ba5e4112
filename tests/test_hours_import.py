"""A centre's file of activities sent through the REST API (`POST /api/v1/centres/{id}/activities/import`), against
the whole system (each service its own process, on real NATS, on SQLite and on PostgreSQL): every row checked first;
all or nothing, or the clean rows, or only a check; the same file twice records nothing twice; a file of more than
500 rows sent in parts, still all or nothing; another centre's manager refused; a file too large refused whole.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from conftest import need_postgres, running_system
from tests.accounts import DemoAccounts, People, ok
from tests.test_registry_api import Centre, accredited_centre, sign_up
from vms_deploy.supervisor import System
from vms_gateway.imports import XLSX, template
from vms_platform.clock import today_kst

pytestmark = pytest.mark.slow

HEADER = "봉사자번호,활동일,시작시각,종료시각,봉사활동분류,세부분야,활동내용"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    postgres_admin_url: str | None,
) -> AsyncIterator[tuple[System, DemoAccounts]]:
    backend = str(request.param)
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
    async with running_system(tmp_path_factory.mktemp(f"import-{backend}"), nats_url, admin) as (running, _bus):
        yield running, DemoAccounts.of(running.plan.data_dir)


@pytest.fixture
async def people(system: tuple[System, DemoAccounts]) -> AsyncIterator[People]:
    running, demo = system
    async with AsyncExitStack() as stack:
        yield People(stack, running.gateway_url, demo)


def _day(days_ago: int) -> str:
    return (today_kst() - timedelta(days=days_ago)).isoformat()


def _row(volunteer: str, days_ago: int, hour: int, description: str = "어르신 말벗") -> str:
    return f"{volunteer},{_day(days_ago)},{hour}:00,{hour}:50,시설봉사,정서지원,{description}"


def _file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode("cp949")


async def _send(centre: Centre, content: bytes, **params: Any) -> httpx.Response:
    return await centre.manager.post(
        f"/centres/{centre.id}/activities/import",
        params={k: str(v).lower() for k, v in params.items()},
        content=content,
        headers={"content-type": "text/csv"},
    )


async def _count(centre: Centre) -> int:
    return int(ok(await centre.manager.get(f"/centres/{centre.id}/activities", params={"limit": 1}))["total"])


async def test_every_row_is_checked_first_and_nothing_is_recorded_unless_all_may_be(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    content = _file(
        _row(volunteer.id, 3, 9),
        _row(volunteer.id, 3, 10),
        f"{volunteer.id},{_day(3)},12:00,11:00,시설봉사,정서지원,거꾸로",
        _row(volunteer.id, 3, 9, "같은 시각"),
        _row("01a2172c-0000-7000-8000-000000000000", 3, 9, "없는 봉사자"),
        f"{volunteer.id},{_day(1)},10:00,11:00,시설봉사,없는분야,틀린 분야",
    )
    report = ok(await _send(centre, content))
    assert (report["recorded"], report["complete"], report["mode"]) == (0, False, "all_or_nothing")
    codes = {problem["row"]: problem["error"]["code"] for problem in report["refused"]}
    assert codes == {
        4: "ACTIVITY_TIMES_INVALID",
        5: "ROWS_OVERLAP",
        6: "VOLUNTEER_NOT_FOUND",
        7: "INVALID_REQUEST",
    }, report["refused"]
    overlap = next(p for p in report["refused"] if p["row"] == 5)["error"]
    assert "2행" in overlap["message"] and "row 2" in overlap["message_en"]
    assert await _count(centre) == 0

    checked = ok(await _send(centre, content, mode="clean_rows", check_only=True))
    assert (checked["recorded"], len(checked["refused"])) == (2, 4)
    assert await _count(centre) == 0

    clean = ok(await _send(centre, content, mode="clean_rows"))
    assert (clean["recorded"], clean["already"], len(clean["refused"])) == (2, 0, 4)
    assert await _count(centre) == 2
    again = ok(await _send(centre, content, mode="clean_rows"))
    assert (again["recorded"], again["already"]) == (0, 2)
    assert await _count(centre) == 2


async def test_a_file_of_thousands_of_rows_is_sent_in_parts_and_still_all_or_nothing(people: People) -> None:
    volunteers = [await sign_up(people) for _ in range(4)]
    centre = await accredited_centre(people)
    rows = [
        _row(v.id, days_ago, hour, f"활동 {n}")
        for n, (v, days_ago, hour) in enumerate(
            (v, days_ago, hour) for v in volunteers for days_ago in range(1, 80) for hour in range(8, 16)
        )
    ][:2500]
    broken = list(rows)
    broken[2398] = broken[2398].replace(",시설봉사,정서지원,", ",시설봉사,없는분야,")
    report = ok(await _send(centre, _file(*broken)))
    assert report["parts"] == 5 and report["recorded"] == 0
    assert [p["row"] for p in report["refused"]] == [2400]
    assert await _count(centre) == 0

    whole = ok(await _send(centre, _file(*rows)))
    assert (whole["recorded"], whole["refused"], whole["complete"], whole["parts"]) == (2500, [], True, 5)
    assert await _count(centre) == 2500
    again = ok(await _send(centre, _file(*rows)))
    assert (again["recorded"], again["already"], again["complete"]) == (0, 2500, True)
    assert await _count(centre) == 2500


async def test_the_template_is_downloaded_and_an_xlsx_is_read(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    anyone = await people.anonymous()
    for kind, media in (("xlsx", XLSX), ("csv", "text/csv")):
        got = await anyone.get("/activity-import-template", params={"format": kind})
        assert got.status_code == 200 and got.headers["content-type"].startswith(media), got.text[:200]
        assert got.content == template(kind) or kind == "xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append([volunteer.id, _day(2), "10:00", "11:30", "재가봉사", "정서지원", "엑셀로 올린 활동"])
    out = io.BytesIO()
    book.save(out)
    answer = await centre.manager.post(
        f"/centres/{centre.id}/activities/import", content=out.getvalue(), headers={"content-type": XLSX}
    )
    assert ok(answer)["recorded"] == 1
    listed = ok(await centre.manager.get(f"/centres/{centre.id}/activities"))["items"]
    assert [(a["description"], a["minutes"]) for a in listed] == [("엑셀로 올린 활동", 90)]


async def test_a_file_is_refused_whole_when_it_cannot_be_read_or_is_not_the_manager_s(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    other = await accredited_centre(people)
    content = _file(_row(volunteer.id, 2, 9))
    refused = await _send(Centre(centre.id, other.manager), content)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "OUT_OF_SCOPE", refused.text
    assert (await _send(Centre(centre.id, volunteer.me), content)).status_code == 403
    columns = await _send(centre, b"name,date\nx,y\n")
    assert columns.status_code == 422 and columns.json()["error"]["code"] == "IMPORT_COLUMNS_UNKNOWN"
    encoding = await _send(centre, "봉사자번호\n".encode("utf-16"))
    assert encoding.json()["error"]["code"] == "IMPORT_ENCODING", encoding.text
    huge = await _send(centre, b"x" * (11 * 1024 * 1024))
    assert huge.status_code == 413, huge.text[:200]
    mode = await _send(centre, content, mode="some")
    assert mode.status_code == 422
    assert await _count(centre) == 0
