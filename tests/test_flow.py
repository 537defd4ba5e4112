"""The whole system, as `make up` runs it (each service its own process), on real NATS, on SQLite and on
PostgreSQL (a fresh database per service): a volunteer registers and consents, a centre records and confirms
3 h 30 min, rewards counts it, linkage passes it to the 1365 simulator, and the volunteer reads both."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from vms_contracts.subjects import Bus
from vms_deploy.supervisor import SERVICES, Plan, System, free_port
from vms_platform.clock import today_kst
from vms_platform.testing import eventually

pytestmark = pytest.mark.slow

YESTERDAY = (today_kst() - timedelta(days=1)).isoformat()


@pytest.fixture
async def plan(tmp_path: Path, nats_url: str, bus: Bus, new_database: Any) -> Plan:
    return Plan(
        data_dir=tmp_path / "var",
        gateway_port=free_port(),
        sim_port=free_port(),
        nats_url=nats_url,
        database_urls={service: await new_database(service) for service in SERVICES},
        bus_root=bus.root,
        echo_logs=False,
        extra_env={"VMS_GATEWAY_RPC_TIMEOUT": "2"},
    )


@pytest.fixture
async def system(plan: Plan) -> AsyncIterator[System]:
    running = System(plan, progress=lambda line: None)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def stream_count(nats_url: str, bus: Bus, stream: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(bus.stream_name(stream))).state.messages)
    finally:
        await nc.close()


async def test_a_volunteers_hours_reach_their_total_and_1365(
    system: System, plan: Plan, nats_url: str, bus: Bus
) -> None:
    api = httpx.AsyncClient(base_url=f"{system.gateway_url}/api/v1", timeout=10)
    portal = httpx.AsyncClient(base_url=system.sim_url, timeout=10)

    # A council registers a centre; a volunteer joins and consents to 1365 linkage (twice: nothing changes).
    centre_body = {"name": "행복종합사회복지관", "region": "11", "phone": "02-1234-5678"}
    centre = ok(await api.post("/centres", json=centre_body), 201)
    assert ok(await api.post("/centres", json=centre_body), 201)["id"] == centre["id"]
    person = {
        "login_id": "hong_gildong",
        "name": "홍길동",
        "birth_date": "2001-04-05",
        "phone": "01012345678",
        "region": "11",
    }
    volunteer = ok(await api.post("/volunteers", json=person), 201)
    assert volunteer["phone"] == "010-1234-5678"
    assert ok(await api.post("/volunteers", json=person), 201)["id"] == volunteer["id"]
    vid = volunteer["id"]
    consent = ok(await api.put(f"/volunteers/{vid}/consents/portal1365", json={"granted": True}))
    again = ok(await api.put(f"/volunteers/{vid}/consents/portal1365", json={"granted": True}))
    assert again["changed_at"] == consent["changed_at"]
    # ... and on 1365 itself (the other half of the two consents).
    ok(
        await portal.post(
            "/members", json={"name": "홍길동", "birthDate": "2001-04-05", "mobile": "01012345678", "consent": True}
        ),
        201,
    )

    # The centre records 3 h 30 min and confirms it; sending either twice changes nothing.
    activity_body = {
        "volunteer_id": vid,
        "activity_date": YESTERDAY,
        "start_time": "10:00",
        "end_time": "13:30",
        "description": "어르신 말벗 및 식사 보조",
    }
    activity = ok(await api.post(f"/centres/{centre['id']}/activities", json=activity_body), 201)
    assert activity["minutes"] == 210
    assert ok(await api.post(f"/centres/{centre['id']}/activities", json=activity_body), 201)["id"] == activity["id"]
    confirmed = ok(await api.post(f"/activities/{activity['id']}/confirm"))
    assert confirmed["status"] == "confirmed"
    assert ok(await api.post(f"/activities/{activity['id']}/confirm"))["confirmed_at"] == confirmed["confirmed_at"]

    # Rewards counts it; linkage passes it to 1365; the volunteer sees both.
    async def total() -> dict[str, Any] | None:
        body = ok(await api.get(f"/volunteers/{vid}/hours"))
        return body if body["confirmed_minutes"] else None

    hours = await eventually(total, what="rewards counted the confirmed hours")
    assert (hours["confirmed_minutes"], hours["display"], hours["display_en"]) == (210, "3시간 30분", "3 h 30 min")

    async def sent() -> dict[str, Any] | None:
        body = ok(await api.get(f"/volunteers/{vid}/transfers"))
        items = body["items"]
        return body if items and items[0]["status"] == "sent" else None

    transfers = await eventually(sent, what="the record reached 1365")
    (item,) = transfers["items"]
    assert item["activity_id"] == activity["id"]
    assert item["status_label"] == "전송 완료"
    record = ok(await portal.get(f"/api/v1/records/VMS/{activity['id']}"))
    assert (record["recordNo"], record["actMinutes"]) == (item["portal_reference"], 210)

    # Each fact went on the bus once, however often it was asked for.
    assert await stream_count(nats_url, bus, "REGISTRY") == 3  # centre, volunteer, consent
    assert await stream_count(nats_url, bus, "HOURS") == 2  # recorded, confirmed
    assert await eventually(lambda: stream_count(nats_url, bus, "LINKAGE")) == 1  # transfer.sent

    # Bad input gets a clear answer.
    invalid = await api.post("/volunteers", json={**person, "login_id": "x", "phone": "12"})
    assert invalid.status_code == 422
    assert {f["field"] for f in invalid.json()["error"]["fields"]} == {"login_id", "phone"}
    missing = await api.get("/volunteers/01a2172c-0000-7000-8000-000000000000/hours")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "VOLUNTEER_NOT_FOUND"
    unknown_centre = await api.post("/centres/01a2172c-0000-7000-8000-000000000000/activities", json=activity_body)
    assert unknown_centre.status_code == 404
    assert unknown_centre.json()["error"]["code"] == "CENTRE_NOT_FOUND"

    # A service that does not answer in time: 504 naming it, not a hang.
    rewards = next(c for c in system.children if c.name == "rewards")
    os.kill(rewards.process.pid, signal.SIGSTOP)
    try:
        late = await api.get(f"/volunteers/{vid}/hours")
    finally:
        os.kill(rewards.process.pid, signal.SIGCONT)
    assert late.status_code == 504
    assert late.json()["error"]["params"] == {"service": "rewards"}
    assert late.json()["error"]["message"] == "rewards 서비스가 제시간에 응답하지 않았습니다."

    # Withdrawing consent stops transfers at once; consenting again lets them go.
    ok(await api.put(f"/volunteers/{vid}/consents/portal1365", json={"granted": False}))
    second = ok(
        await api.post(
            f"/centres/{centre['id']}/activities",
            json={**activity_body, "start_time": "14:00", "end_time": "15:00", "description": "식사 배달"},
        ),
        201,
    )
    ok(await api.post(f"/activities/{second['id']}/confirm"))

    async def total_is(minutes: int) -> bool:
        return bool(ok(await api.get(f"/volunteers/{vid}/hours"))["confirmed_minutes"] == minutes)

    await eventually(lambda: total_is(270), what="the second activity counted")

    async def held() -> dict[str, Any] | None:
        body = ok(await api.get(f"/volunteers/{vid}/transfers"))
        return body if len(body["items"]) == 2 else None

    waiting = await eventually(held, what="linkage holding the second record")
    assert waiting["consent_granted"] is False
    assert [i["status"] for i in waiting["items"]] == ["sent", "awaiting_consent"]
    ok(await api.put(f"/volunteers/{vid}/consents/portal1365", json={"granted": True}))

    async def both_sent() -> bool:
        items = ok(await api.get(f"/volunteers/{vid}/transfers"))["items"]
        return [i["status"] for i in items] == ["sent", "sent"]

    await eventually(both_sent, what="the held record sent after consent")

    # Stopped and started again on the same data, it continues where it stopped.
    await system.stop()
    restarted = System(plan, progress=lambda line: None)
    try:
        await restarted.start()
        api = httpx.AsyncClient(base_url=f"{restarted.gateway_url}/api/v1", timeout=10)
        assert ok(await api.get(f"/volunteers/{vid}/hours"))["confirmed_minutes"] == 270
        third = ok(
            await api.post(
                f"/centres/{centre['id']}/activities",
                json={**activity_body, "start_time": "16:00", "end_time": "17:00", "description": "정리"},
            ),
            201,
        )
        ok(await api.post(f"/activities/{third['id']}/confirm"))
        await eventually(lambda: total_is(330), what="counting after the restart")
    finally:
        await restarted.stop()
    assert await stream_count(nats_url, bus, "HOURS") == 6
