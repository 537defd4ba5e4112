"""The linkage client against the 1365 simulator, in process: the record format both sides speak, and 1365's
answers as linkage reads them — to a record, a correction of it, and its deletion."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Column, MetaData, Table, create_engine

from vms_linkage.domain import UnreadableAnswer
from vms_linkage.portal import Portal1365Client, PortalUnavailable, Record
from vms_platform.clock import today_kst
from vms_simulators.portal1365.app import create_app
from vms_simulators.portal1365.store import ADDED_COLUMNS, records

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


# -- corrections (PUT) and deletions (DELETE) ---------------------------------------------------------------------


def corrected(one: Record, minutes: int, day: date | None = None, start: time = time(10)) -> Record:
    """The same record (same source id) with other facts."""
    changed = record(minutes=minutes, day=day or one.activity_date, start=start)
    return dataclasses.replace(changed, activity_id=one.activity_id)


async def held(admin: httpx.AsyncClient, one: Record) -> dict[str, Any]:
    response = await admin.get(f"/api/v1/records/VMS/{one.activity_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_correction_replaces_the_record_1365_holds(portal: tuple[Portal1365Client, httpx.AsyncClient]) -> None:
    client, admin = portal
    await join(admin)
    one = record(minutes=210)
    number = await accepted(client, one)
    assert (await held(admin, one))["updatedAt"] is None

    answer = await client.correct(corrected(one, 120, day=YESTERDAY - timedelta(days=1)))
    assert not isinstance(answer, UnreadableAnswer)
    assert (answer.accepted, answer.record_no) == (True, number)
    now = await held(admin, one)
    assert (now["actMinutes"], now["actDate"], now["recordNo"]) == (
        120,
        (YESTERDAY - timedelta(days=1)).strftime("%Y%m%d"),
        number,
    )
    assert now["updatedAt"] is not None
    counted = await stats(admin)
    assert (counted["received"], counted["accepted"], counted["updated"], counted["duplicates"]) == (2, 1, 1, 0)


async def test_the_same_correction_twice_is_answered_as_before_and_counted_as_a_duplicate(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    one = record(minutes=210)
    number = await accepted(client, one)
    fix = corrected(one, 90)
    first, second = await client.correct(fix), await client.correct(fix)
    assert first == second
    assert not isinstance(first, UnreadableAnswer) and (first.accepted, first.record_no) == (True, number)
    counted = await stats(admin)
    assert (counted["updated"], counted["duplicates"], counted["duplicateRecords"]) == (1, 1, [str(one.activity_id)])


async def test_a_correction_counts_its_day_without_its_own_old_minutes(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    """1365's 8 hours a day hold for the corrected facts: the record's own minutes held until now are not counted
    twice, the other records of the day are."""
    client, admin = portal
    await join(admin)
    seven = record(minutes=420, start=time(8))
    await accepted(client, seven)
    assert (await client.correct(corrected(seven, 480, start=time(8)))).accepted  # 8 hours: its own 7 are replaced
    other = record(minutes=60, day=YESTERDAY - timedelta(days=1))
    await accepted(client, other)
    over = await client.correct(corrected(other, 60, day=YESTERDAY, start=time(17)))
    assert (over.accepted, over.result_code) == (False, "21")
    assert (await held(admin, other))["actDate"] == (YESTERDAY - timedelta(days=1)).strftime("%Y%m%d")
    assert (await client.correct(corrected(seven, 420, start=time(8)))).accepted
    assert (await client.correct(corrected(other, 60, day=YESTERDAY, start=time(17)))).accepted
    assert (await stats(admin))["refused"] == {"21": 1}


async def test_a_correction_is_checked_by_the_rules_of_a_new_record(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    member = await join(admin)
    one = record()
    await accepted(client, one)
    too_old = await client.correct(corrected(one, 60, day=today_kst() - timedelta(days=120)))
    assert (too_old.accepted, too_old.result_code) == (False, "22")
    await admin.put(f"/members/{member}/consent", json={"granted": False})
    no_consent = await client.correct(corrected(one, 60))
    assert (no_consent.accepted, no_consent.result_code) == (False, "11")
    assert (await held(admin, one))["actMinutes"] == 210, "a refused correction leaves the record as it was"


async def test_a_correction_of_a_record_1365_does_not_hold_is_404_with_its_result_code(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    one = record()
    raw = await admin.put(f"/api/v1/records/VMS/{one.activity_id}", json=one.to_wire())
    assert raw.status_code == 404, raw.text
    assert raw.json() == {"resultCode": "30", "resultMsg": "등록된 실적이 없습니다.", "recordNo": None}
    answer = await client.correct(one)  # read as 1365's answer about the record, not as 1365 being unavailable
    assert not isinstance(answer, UnreadableAnswer)
    assert (answer.accepted, answer.result_code) == (False, "30")
    assert (await stats(admin))["refused"] == {"30": 2}


async def test_a_correction_must_name_the_record_of_its_address(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    one, other = record(), record(start=time(15))
    await accepted(client, one)
    response = await admin.put(f"/api/v1/records/VMS/{one.activity_id}", json=other.to_wire())
    assert response.status_code == 422, response.text
    assert str(other.activity_id) in response.json()["detail"]
    assert str(one.activity_id) in response.json()["detail"]
    bad = await admin.put(f"/api/v1/records/VMS/{one.activity_id}", json={"sourceSystem": "VMS"})
    assert bad.status_code == 422, bad.text
    assert (await stats(admin))["received"] == 1, "a malformed call is no transfer call"


async def test_deleting_a_record_twice_answers_ok_both_times(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    """DELETE is idempotent: the record deleted, a second deletion answers OK again with its record number and is
    counted as a duplicate. Only a record 1365 never received is 404."""
    client, admin = portal
    await join(admin)
    one = record()
    number = await accepted(client, one)
    first, second = await client.delete(one.activity_id), await client.delete(one.activity_id)
    assert first == second
    assert not isinstance(first, UnreadableAnswer) and (first.accepted, first.record_no) == (True, number)
    gone = await admin.get(f"/api/v1/records/VMS/{one.activity_id}")
    assert gone.status_code == 404
    assert "was deleted" in gone.json()["detail"]

    never = uuid4()
    raw = await admin.delete(f"/api/v1/records/VMS/{never}")
    assert raw.status_code == 404, raw.text
    assert raw.json()["resultCode"] == "30"
    counted = await stats(admin)
    assert (counted["received"], counted["accepted"], counted["deleted"], counted["duplicates"]) == (4, 1, 1, 1)
    assert counted["refused"] == {"30": 1}


async def test_a_deleted_record_is_neither_corrected_nor_taken_back_and_frees_its_day(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    seven = record(minutes=420, start=time(8))
    await accepted(client, seven)
    assert (await client.delete(seven.activity_id)).accepted
    assert (await client.correct(corrected(seven, 60))).result_code == "30"
    again = await client.send(seven)
    assert (again.accepted, again.result_code) == (False, "31")
    await accepted(client, record(minutes=420, start=time(8)))  # the day's 8 hours no longer hold the deleted 7


async def test_an_outage_meets_corrections_and_deletions_too(
    portal: tuple[Portal1365Client, httpx.AsyncClient],
) -> None:
    client, admin = portal
    await join(admin)
    one = record()
    await accepted(client, one)
    await admin.post("/_sim/faults", json={"status": 503, "count": 2})
    with pytest.raises(PortalUnavailable, match="503"):
        await client.correct(corrected(one, 60))
    with pytest.raises(PortalUnavailable, match="503"):
        await client.delete(one.activity_id)
    await admin.post("/_sim/faults", json={"kind": "echo", "count": 1})
    echoed = await client.delete(one.activity_id)
    assert not isinstance(echoed, UnreadableAnswer)
    assert echoed.result_code == "98" and "홍길동" in echoed.message, "it quotes the record's member back"
    assert (await stats(admin))["faulted"] == 3
    assert (await held(admin, one))["actMinutes"] == 210


async def test_a_simulator_database_from_before_corrections_gets_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "old-sim1365.db"
    old = MetaData()
    Table(
        "records",
        old,
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in records.c if c.name not in ADDED_COLUMNS),
    )
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        old.create_all(connection)
    engine.dispose()

    app = create_app(f"sqlite:///{path}")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        client = Portal1365Client("http://sim1365", timeout=5, transport=transport)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim1365") as admin:
            await join(admin)
            one = record()
            await accepted(client, one)
            assert (await client.correct(corrected(one, 60))).accepted
            assert (await client.delete(one.activity_id)).accepted
        await client.close()
