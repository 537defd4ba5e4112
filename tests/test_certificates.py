"""Certificates (사회복지자원봉사 인증서) as their users meet them, through the gateway of the whole system (each
service its own process, on real NATS, on SQLite and on PostgreSQL): a volunteer issues one on their confirmed hours,
in Korean or English, and prints it again; anyone holding it checks it on the verification page its QR code opens,
which says whether a record on it was corrected or cancelled since; nobody else issues or reads one.

The PDF itself is read back: its text (pypdf), its embedded Korean font, and its pages drawn as pictures by poppler's
`pdftoppm` (kept in `var/screenshots/` to look at).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from conftest import need_postgres, running_system
from tests.accounts import DemoAccounts, People, ok
from tests.browser import SCREENSHOTS
from tests.test_registry_api import accredited_centre, sign_up
from vms_contracts.events.hours import ActivityKind, CertificateIssuedV1, CertificateLanguage
from vms_contracts.events.linkage import BloodDonationType
from vms_contracts.reference import ActivityType
from vms_contracts.rpc.hours import CertificateHolder, CertificateLine, CertificateView
from vms_contracts.subjects import Bus
from vms_deploy.supervisor import System
from vms_gateway.certificate_pdf import render
from vms_platform.clock import today_kst
from vms_platform.testing import eventually

pytestmark = pytest.mark.slow

VERIFY_PAGE = "http://127.0.0.1:8000/verify"


# -- the PDF, drawn from what hours answers (no system needed) ------------------------------------------------------


def _certificate(language: CertificateLanguage, activities: int) -> CertificateView:
    first = date(2026, 3, 1)
    lines = [
        CertificateLine(
            activity_id=uuid4(),
            revision=2,
            kind=ActivityKind.ACTIVITY,
            activity_date=first + timedelta(days=n),
            start_time=time(10),
            end_time=time(13, 30),
            minutes=210,
            activity_type=ActivityType.HOME,
            sub_field="emotional",
            place="행복종합사회복지관 2층",
            centre_name="행복종합사회복지관",
            description=f"어르신 말벗 및 식사 보조 {n + 1}회차",
        )
        for n in range(activities)
    ]
    lines.append(
        CertificateLine(
            activity_id=uuid4(),
            revision=1,
            kind=ActivityKind.BLOOD_DONATION,
            activity_date=date(2026, 5, 1),
            start_time=time(0),
            end_time=time(4),
            minutes=240,
            activity_type=None,
            sub_field=None,
            place="대한적십자사",
            centre_name=None,
            description="헌혈",
            donation_type=BloodDonationType.WHOLE_BLOOD,
        )
    )
    return CertificateView(
        id=uuid4(),
        number="11-2026-000123",
        verification_code="7KQ2-M9XD",
        volunteer_id=uuid4(),
        council_region="11",
        language=language,
        period_from=None,
        period_to=None,
        activities=activities,
        minutes=210 * activities,
        blood_donations=1,
        blood_minutes=240,
        issued_at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        holder=CertificateHolder(name="한아름", birth_date=date(1998, 7, 15)),
        lines=lines,
    )


def _text(pdf: bytes) -> str:
    """The PDF's text without its spaces and line breaks (where a line wraps is the layout's business)."""
    return _flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _flat(text: str) -> str:
    return "".join(text.split())


def _fonts(pdf: bytes) -> set[str]:
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font: Any = ref.get_object()
            descriptor = font.get("/DescendantFonts", [font])[0].get_object().get("/FontDescriptor", {})
            if "/FontFile2" in descriptor:  # the font program itself is in the file
                found.add(str(font["/BaseFont"]))
    return found


def need_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        reason = "no pdftoppm: apt-get install -y poppler-utils"
        if os.environ.get("VMS_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (VMS_TEST_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return found


def _pictures(pdf: bytes, name: str, tmp_path: Path) -> list[Image.Image]:
    """Each page drawn at 60 dpi, kept as `var/screenshots/<name>-<page>.png`."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([need_pdftoppm(), "-r", "60", "-png", str(source), str(tmp_path / name)], check=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pictures = []
    for drawn in sorted(tmp_path.glob(f"{name}-*.png")):
        shutil.copy(drawn, SCREENSHOTS / f"certificate-{drawn.name}")
        pictures.append(Image.open(drawn).convert("L"))
    return pictures


def test_a_korean_certificate_states_the_holder_every_record_the_totals_and_where_to_check_it(
    tmp_path: Path,
) -> None:
    pdf = render(_certificate(CertificateLanguage.KO, 100), VERIFY_PAGE)
    text = _text(pdf)
    for said in (
        "사회복지자원봉사 인증서",
        "발급번호",
        "11-2026-000123",
        "한아름",
        "1998년 7월 15일",
        "전체 기간",
        "재가봉사 · 정서지원",
        "어르신 말벗 및 식사 보조 1회차",
        "어르신 말벗 및 식사 보조 100회차",
        "2026-06-08",  # the 100th day
        "헌혈 (전혈)",
        "대한적십자사",
        "봉사활동 100건",
        "350시간",  # 100 × 3 h 30 min
        "354시간",  # and the donation's 4 hours
        "위 사람은 위와 같이 사회복지자원봉사 활동을 하였음을 확인합니다.",
        "2026년 12월 1일",
        "서울특별시사회복지협의회장",
        "7KQ2-M9XD",
        VERIFY_PAGE,
    ):
        assert _flat(said) in text, said
    assert {font.split("+")[-1] for font in _fonts(pdf)} == {"NanumGothic", "NanumGothicBold"}
    pages = _pictures(pdf, "ko", tmp_path)
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) >= 4
    for picture in pages:
        # A4 at 60 dpi, drawn: dark text on white, not an empty page.
        assert abs(picture.size[0] - 496) <= 1 and abs(picture.size[1] - 702) <= 1, picture.size
        assert ImageStat.Stat(picture).stddev[0] > 20
    # Every page says which certificate it belongs to.
    for n, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        assert _flat("사회복지자원봉사 인증서 11-2026-000123") in _flat(page.extract_text()), n


def test_an_english_certificate_says_the_same_in_english(tmp_path: Path) -> None:
    pdf = render(_certificate(CertificateLanguage.EN, 3), VERIFY_PAGE)
    text = _text(pdf)
    for said in (
        "Certificate of Volunteer Service",
        "Certificate no.",
        "Date of birth",
        "1998-07-15",
        "Home visits · Emotional support",
        "Blood donation (whole blood)",
        "Korean Red Cross",
        "Volunteer activities: 3",
        "10 h 30 min",
        "This is to certify that the person named above has performed the volunteer service stated above.",
        "President, Seoul Council on Social Welfare",
    ):
        assert _flat(said) in text, said
    assert "확인합니다" not in text
    assert "한아름" in text  # a name is printed as registered
    assert len(_pictures(pdf, "en", tmp_path)) == 1


# -- the running system --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    postgres_admin_url: str | None,
) -> AsyncIterator[tuple[System, DemoAccounts, Bus]]:
    backend = str(request.param)
    admin = need_postgres(postgres_admin_url) if backend == "postgres" else None
    async with running_system(tmp_path_factory.mktemp(f"certificates-{backend}"), nats_url, admin) as (running, bus):
        yield running, DemoAccounts.of(running.plan.data_dir), bus


@pytest.fixture
async def people(system: tuple[System, DemoAccounts, Bus]) -> AsyncIterator[People]:
    running, demo, _bus = system
    async with AsyncExitStack() as stack:
        yield People(stack, running.gateway_url, demo)


def _day(days_ago: int) -> str:
    return (today_kst() - timedelta(days=days_ago)).isoformat()


async def _confirmed(manager: httpx.AsyncClient, centre: str, volunteer: str, days_ago: int, **facts: Any) -> str:
    body = {
        "volunteer_id": volunteer,
        "activity_date": _day(days_ago),
        "start_time": "10:00",
        "end_time": "13:30",
        "activity_type": "home",
        "sub_field": "emotional",
        "description": "어르신 말벗 및 식사 보조",
        **facts,
    }
    recorded = ok(await manager.post(f"/centres/{centre}/activities", json=body), 201)
    ok(await manager.post(f"/activities/{recorded['id']}/confirm"))
    return str(recorded["id"])


async def _issued_events(nats_url: str, bus: Bus, volunteer: str) -> list[dict[str, Any]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = bus.stream_name("HOURS")
        state = (await js.stream_info(name)).state
        events = [
            json.loads((await js.get_msg(name, seq)).data or b"{}")
            for seq in range(max(state.first_seq, 1), state.last_seq + 1)
        ]
    finally:
        await nc.close()
    return [
        e for e in events if e.get("type") == CertificateIssuedV1.event_type and e["data"]["volunteer_id"] == volunteer
    ]


async def test_a_volunteer_issues_a_certificate_of_their_confirmed_hours_and_prints_it_again(
    people: People, system: tuple[System, DemoAccounts, Bus], nats_url: str
) -> None:
    volunteer = await sign_up(people, name="한아름", birth_date="1998-07-15")
    centre = await accredited_centre(people, name="행복종합사회복지관")
    await _confirmed(centre.manager, centre.id, volunteer.id, 3)
    await _confirmed(
        centre.manager,
        centre.id,
        volunteer.id,
        2,
        place="해운대 해수욕장",
        activity_type="community",
        sub_field="environment",
        description="해변 쓰레기 줍기",
        start_time="09:00",
        end_time="11:00",
    )
    waiting = {
        "volunteer_id": volunteer.id,
        "activity_date": _day(1),
        "start_time": "10:00",
        "end_time": "12:00",
        "activity_type": "home",
        "sub_field": "emotional",
        "description": "아직 확인되지 않은 활동",
    }
    ok(await centre.manager.post(f"/centres/{centre.id}/activities", json=waiting), 201)

    issued = ok(await volunteer.me.post(f"/volunteers/{volunteer.id}/certificates", json={"language": "ko"}), 201)
    assert (issued["activities"], issued["minutes"], issued["blood_donations"]) == (2, 210 + 120, 0)
    assert issued["holder"] == {"name": "한아름", "birth_date": "1998-07-15"}
    assert issued["number"].startswith(f"11-{today_kst().year}-")
    assert [line["place"] for line in issued["lines"]] == ["행복종합사회복지관", "해운대 해수욕장"]

    pdf = await volunteer.me.get(f"/certificates/{issued['id']}/pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert issued["number"] in pdf.headers["content-disposition"]
    text = _text(pdf.content)
    running, _demo, bus = system
    for said in (
        "한아름",
        "1998년 7월 15일",
        issued["number"],
        issued["verification_code"],
        "행복종합사회복지관",
        "해변 쓰레기 줍기",
        "5시간 30분",
        f"{running.gateway_url}/verify",
    ):
        assert _flat(said) in text, said
    assert "아직 확인되지 않은 활동" not in text

    listed = ok(await volunteer.me.get(f"/volunteers/{volunteer.id}/certificates"))["items"]
    assert [c["number"] for c in listed] == [issued["number"]]

    # Each issue is an event integrators read: what it certifies, never the holder's name or birth date.
    events = await eventually(lambda: _issued_events(nats_url, bus, volunteer.id), what="hours.certificate_issued")
    assert [e["data"]["number"] for e in events] == [issued["number"]]
    assert "한아름" not in json.dumps(events, ensure_ascii=False) and "1998-07-15" not in json.dumps(events)
    assert issued["verification_code"] not in json.dumps(events)


async def test_an_english_certificate_of_a_period(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    await _confirmed(centre.manager, centre.id, volunteer.id, 20)
    await _confirmed(centre.manager, centre.id, volunteer.id, 10)
    period = {"language": "en", "period_from": _day(12), "period_to": _day(5)}
    issued = ok(await volunteer.me.post(f"/volunteers/{volunteer.id}/certificates", json=period), 201)
    assert [line["activity_date"] for line in issued["lines"]] == [_day(10)]
    text = _text((await volunteer.me.get(f"/certificates/{issued['id']}/pdf")).content)
    assert _flat("Certificate of Volunteer Service") in text and _flat("Home visits") in text
    assert _flat(f"{_day(12)} to {_day(5)}") in text


async def test_anyone_checks_a_certificate_and_learns_when_its_records_changed(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    first = await _confirmed(centre.manager, centre.id, volunteer.id, 4)
    second = await _confirmed(centre.manager, centre.id, volunteer.id, 3)
    issued = ok(await volunteer.me.post(f"/volunteers/{volunteer.id}/certificates", json={}), 201)
    anyone = await people.anonymous()
    query = {"number": issued["number"], "code": issued["verification_code"]}

    checked = ok(await anyone.get("/certificates/verification", params=query))
    assert (checked["changed"], checked["activities"], checked["minutes"]) == (0, 2, 420)
    assert checked["council_region"] == "11"
    assert "holder" not in checked and "volunteer_id" not in checked

    correction = {
        "activity_date": _day(4),
        "start_time": "10:00",
        "end_time": "12:00",
        "activity_type": "home",
        "sub_field": "emotional",
        "description": "어르신 말벗",
        "reason": "종료 시각을 잘못 입력",
    }
    ok(await centre.manager.post(f"/activities/{first}/correct", json=correction))
    assert ok(await anyone.get("/certificates/verification", params=query))["changed"] == 1
    ok(await centre.manager.post(f"/activities/{second}/cancel", json={"reason": "중복 입력"}))
    checked = ok(await anyone.get("/certificates/verification", params=query))
    assert checked["changed"] == 2
    assert checked["minutes"] == 420  # what it stated when issued

    # A new certificate states the records as they are now.
    again = ok(await volunteer.me.post(f"/volunteers/{volunteer.id}/certificates", json={}), 201)
    assert (again["activities"], again["minutes"]) == (1, 120)

    wrong = await anyone.get("/certificates/verification", params={**query, "code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "CERTIFICATE_NOT_FOUND", wrong.text
    unknown = await anyone.get("/certificates/verification", params={**query, "number": "11-1999-999999"})
    assert unknown.status_code == 404, unknown.text
    malformed = await anyone.get("/certificates/verification", params={"number": "11-26-1", "code": "x"})
    assert malformed.status_code == 422, malformed.text
    assert {f["field"] for f in malformed.json()["error"]["fields"]} == {"query.number", "query.code"}


async def test_a_certificate_is_refused_with_the_reason(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    path = f"/volunteers/{volunteer.id}/certificates"
    nothing = await volunteer.me.post(path, json={"language": "ko"})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "NOTHING_TO_CERTIFY", nothing.text
    await _confirmed(centre.manager, centre.id, volunteer.id, 30)
    reversed_period = await volunteer.me.post(path, json={"period_from": _day(1), "period_to": _day(40)})
    assert reversed_period.status_code == 422, reversed_period.text
    assert [f["field"] for f in reversed_period.json()["error"]["fields"]] == ["period_to"]
    empty = await volunteer.me.post(path, json={"period_from": _day(10), "period_to": _day(1)})
    assert empty.json()["error"]["code"] == "NOTHING_TO_CERTIFY", empty.text
    for body in ({"language": "ja"}, {"period_from": "2026-02-30"}, {"minutes": 9999}):
        refused = await volunteer.me.post(path, json=body)
        assert refused.status_code == 422, (body, refused.text)
    assert ok(await volunteer.me.get(path))["items"] == []


async def test_only_the_volunteer_and_their_councils_issue_or_read_their_certificates(people: People) -> None:
    volunteer = await sign_up(people)
    other = await sign_up(people)
    centre = await accredited_centre(people)
    await _confirmed(centre.manager, centre.id, volunteer.id, 6)
    path = f"/volunteers/{volunteer.id}/certificates"
    issued = ok(await volunteer.me.post(path, json={}), 201)
    pdf = f"/certificates/{issued['id']}/pdf"

    assert (await other.me.post(path, json={})).json()["error"]["code"] == "OUT_OF_SCOPE"
    assert (await other.me.get(pdf)).status_code == 403
    assert (await centre.manager.post(path, json={})).json()["error"]["code"] == "NOT_PERMITTED"
    assert (await centre.manager.get(pdf)).status_code == 403
    busan = await people.council_of("26")
    assert (await busan.get(pdf)).json()["error"]["code"] == "OUT_OF_SCOPE"
    assert (await (await people.anonymous()).post(path, json={})).status_code == 401
    seoul = await people.council_of("11")
    assert ok(await seoul.post(path, json={"language": "en"}), 201)["council_region"] == "11"
    assert (await seoul.get(pdf)).status_code == 200
    assert len(ok(await volunteer.me.get(path))["items"]) == 2


async def test_certificates_issued_at_once_get_consecutive_numbers_none_twice(people: People) -> None:
    volunteer = await sign_up(people)
    centre = await accredited_centre(people)
    await _confirmed(centre.manager, centre.id, volunteer.id, 8)
    path = f"/volunteers/{volunteer.id}/certificates"
    answers = await asyncio.gather(*(volunteer.me.post(path, json={}) for _ in range(8)))
    numbers = sorted(ok(answer, 201)["number"] for answer in answers)
    serials = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert len(set(numbers)) == 8
    assert serials == list(range(serials[0], serials[0] + 8)), numbers
    assert len(ok(await volunteer.me.get(path))["items"]) == 8
