"""The linkage client against the 1365 simulator, in process: the record format both sides speak, and 1365's
answers as linkage reads them."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from vms_linkage.domain import UnreadableAnswer
from vms_linkage.portal import Portal1365Client, PortalUnavailable, Record
from vms_platform.clock import today_kst
from vms_simulators.portal1365.app import create_app

YESTERDAY = today_kst() - timedelta(days=1)


@pytest.fixture
async def portal(tmp_path: Path) -> AsyncIterator[tuple[Portal1365Client, httpx.AsyncClient]]:
    app = create_app(f"sqlite:///{tmp_path / 'sim1365.db'}")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        client = Portal1365Client("http://sim1365", timeout=5, transport=transport)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim1365") as admin:
            yield client, admin
        await client.close()


def record(minutes: int = 210, day: date = YESTERDAY, start: time = time(10)) -> Record:
    end = time(start.hour + minutes // 60, minutes % 60)
    return Record(
        activity_id=uuid4(),
        name="홍길동",
        birth_date=date(2001, 4, 5),
        phone="010-1234-5678",
        region="11",
        activity_date=day,
        start_time=start,
        end_time=end,
        minutes=minutes,
        place="행복종합사회복지관",
        content="어르신 말벗",
    )


async def join(admin: httpx.AsyncClient, consent: bool = True) -> str:
    response = await admin.post(
        "/members", json={"name": "홍길동", "birthDate": "2001-04-05", "mobile": "01012345678", "consent": consent}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["memberNo"])


async def test_no_member_on_1365(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, _ = portal
    answer = await client.send(record())
    assert not isinstance(answer, UnreadableAnswer)
    assert (answer.accepted, answer.result_code) == (False, "10")


async def test_member_without_consent_on_1365(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    member = await join(admin, consent=False)
    assert (await client.send(record())).result_code == "11"
    await admin.put(f"/members/{member}/consent", json={"granted": True})
    assert (await client.send(record())).accepted


async def test_duplicate_ids_must_be_merged_first(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    first = await join(admin)
    await join(admin)
    assert (await client.send(record())).result_code == "12"
    await admin.post(f"/members/{first}/merge")
    answer = await client.send(record())
    assert answer.accepted
    assert answer.record_no is not None


async def accepted(client: Portal1365Client, one: Record) -> str | None:
    answer = await client.send(one)
    assert not isinstance(answer, UnreadableAnswer)
    assert answer.accepted, answer
    return answer.record_no


async def stats(admin: httpx.AsyncClient) -> dict[str, object]:
    response = await admin.get("/_sim/stats")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_the_same_record_twice_is_received_once_and_counted_as_a_duplicate(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    one = record()
    first, second = await accepted(client, one), await accepted(client, one)
    assert first == second
    stored = await admin.get(f"/api/v1/records/VMS/{one.activity_id}")
    assert stored.json()["actMinutes"] == 210
    counted = await stats(admin)
    assert (counted["received"], counted["accepted"], counted["duplicates"]) == (2, 1, 1)
    assert counted["duplicateRecords"] == [str(one.activity_id)]


async def test_refusals_are_counted_by_code_and_a_resend_after_one_is_no_duplicate(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    one = record()
    assert (await client.send(one)).result_code == "10"
    await join(admin)
    await accepted(client, one)
    counted = await stats(admin)
    assert (counted["received"], counted["accepted"], counted["duplicates"], counted["refused"]) == (
        2,
        1,
        0,
        {"10": 1},
    )


async def test_1365_counts_at_most_eight_hours_a_day(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    await join(admin)
    assert (await client.send(record(minutes=420, start=time(8)))).accepted
    assert (await client.send(record(minutes=120, start=time(16)))).result_code == "21"


async def test_1365_refuses_records_older_than_three_months(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    assert (await client.send(record(day=today_kst() - timedelta(days=120)))).result_code == "22"


async def test_an_outage_is_unavailable_not_a_refusal(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    await join(admin)
    await admin.post("/_sim/faults", json={"status": 503, "count": 1})
    with pytest.raises(PortalUnavailable, match="503"):
        await client.send(record())
    await accepted(client, record(start=time(15)))
    assert (await stats(admin))["faulted"] == 1


async def test_an_outage_can_last_a_time(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    await join(admin)
    armed = await admin.post("/_sim/faults", json={"status": 502, "seconds": 0.3})
    assert armed.status_code == 204, armed.text
    for _ in range(3):
        with pytest.raises(PortalUnavailable, match="502"):
            await client.send(record())
    await asyncio.sleep(0.35)
    await accepted(client, record())


async def test_an_armed_outage_can_be_ended(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    await join(admin)
    await admin.post("/_sim/faults", json={"status": 503, "seconds": 600})
    with pytest.raises(PortalUnavailable):
        await client.send(record())
    assert (await admin.delete("/_sim/faults")).status_code == 204
    await accepted(client, record())


async def test_a_fault_needs_a_count_or_a_time(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    _, admin = portal
    assert (await admin.post("/_sim/faults", json={"status": 503})).status_code == 422
    assert (await admin.post("/_sim/faults", json={"status": 503, "count": 1, "seconds": 1})).status_code == 422


async def test_an_xml_error_page_with_http_200_is_read_as_unreadable_not_raised(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    await admin.post("/_sim/faults", json={"kind": "xml_page", "count": 1})
    answer = await client.send(record())
    assert isinstance(answer, UnreadableAnswer)
    assert answer.code == "PORTAL_UNREADABLE_ANSWER"
    assert "<OpenAPI_ServiceResponse>" in answer.detail
    assert "SERVICE_TEMPORARILY_UNAVAILABLE" in answer.detail
