"""Liveness and readiness on a service's probe port, as a container engine or Kubernetes asks them: alive while it
answers, ready once its database is migrated to its schema, NATS connected and its consumers bound — and, until
then, what it waits for."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sysconfig
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from sqlalchemy import text

from vms_contracts.rpc.hours import GET_ACTIVITY, ActivityRef
from vms_contracts.subjects import Bus
from vms_hours.app import create_app
from vms_hours.settings import HoursSettings
from vms_platform.db import migrate
from vms_platform.jetstream import declare
from vms_platform.probes import ProbeServer
from vms_platform.rpc import RemoteError
from vms_platform.runtime import ServiceApp
from vms_platform.testing import eventually, hours_confirmed, migrated, rpc_client, run_program, running

MIGRATIONS = str(files("vms_hours") / "migrations")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def probed_hours(nats_url: str, bus: Bus, tmp_path: Path) -> tuple[ServiceApp, HoursSettings]:
    """The hours service on a SQLite file, not started, its probes listening on a port of their own."""
    settings = HoursSettings(
        nats_url=nats_url, database_url=f"sqlite:///{tmp_path / 'hours.db'}", bus_root=bus.root, probe_port=free_port()
    )
    app = create_app(settings)
    assert app.probes is not None
    await app.probes.start()
    return app, settings


async def ask(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


async def get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    return await ask(port, f"GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())


async def test_the_probe_port_answers_the_two_probes_and_nothing_else() -> None:
    waiting: list[str] = ["NATS: not connected"]

    async def readiness() -> list[str]:
        return list(waiting)

    probes = ProbeServer("127.0.0.1", 0, readiness)
    await probes.start()
    try:
        assert await get(probes.port, "/livez") == (200, {"alive": True})
        assert await get(probes.port, "/readyz") == (503, {"ready": False, "waiting_for": ["NATS: not connected"]})
        waiting.clear()
        assert await get(probes.port, "/readyz?verbose=1") == (200, {"ready": True})
        assert (await get(probes.port, "/"))[0] == 404
        assert (await ask(probes.port, b"POST /readyz HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"))[0] == 405
        assert (await ask(probes.port, b"\x16\x03\x01 not http\r\n\r\n"))[0] == 400
        assert (await ask(probes.port, b"GET /livez HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n"))[0] == 400
    finally:
        await probes.stop()


async def test_a_service_is_ready_once_its_consumers_are_bound_and_says_what_it_waits_for(
    nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    app, settings = await probed_hours(nats_url, bus, tmp_path)
    assert app.probes is not None
    try:
        status, said = await get(settings.probe_port, "/readyz")
        assert status == 503
        assert said["waiting_for"][:2] == ["start: not finished", "NATS: not connected"]
        assert "database: not migrated (`vms-hours migrate`, or run --migrate)" in said["waiting_for"]

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        try:
            await js.delete_consumer(bus.stream_name("HOURS"), "hours-totals")
            async with running(app, MIGRATIONS):

                async def waiting() -> list[str]:
                    return (await get(settings.probe_port, "/readyz"))[1].get("waiting_for", [])

                reasons = await eventually(waiting, what="the missing consumer reported")
                assert len(reasons) == 1 and reasons[0].startswith("consumer hours-totals: consumer ")
                health = await app.health(None, None)  # type: ignore[arg-type]
                assert health.ready is False and health.waiting_for == reasons

                await declare(js, bus)

                async def ready() -> bool:
                    return (await get(settings.probe_port, "/readyz"))[0] == 200

                await eventually(ready, what="ready once the consumer is declared")
                assert (await app.health(None, None)).ready is True  # type: ignore[arg-type]
        finally:
            await nc.close()
        assert (await get(settings.probe_port, "/livez"))[0] == 200
    finally:
        await app.probes.stop()


async def test_a_database_behind_the_schema_this_version_runs_is_not_ready_and_one_ahead_is(
    nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hours.db'}"
    await asyncio.to_thread(migrate, url, MIGRATIONS, "0008")
    app = create_app(HoursSettings(nats_url=nats_url, database_url=url, bus_root=bus.root))
    await app.start()
    try:
        assert await app.waiting_for() == ["database: at revision 0008, this version needs 0009: migrate it"]
        await migrated(url, MIGRATIONS)
        assert await app.waiting_for() == []
        # A newer version migrated it further (a rolling upgrade under way): its migrations only added to the
        # schema, and this version, still running beside it, stays ready.
        async with app.db.transaction() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '0010'"))
        assert await app.waiting_for() == []
    finally:
        await app.stop()


def test_the_probes_answer_while_the_service_waits_for_nats(tmp_path: Path) -> None:
    """Started before anything it waits for: a service whose NATS is not up yet is alive (not to be restarted) and
    not ready (not to be given work)."""
    port, nowhere = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_HOURS_") or k == "VMS_HOURS_ACTOR_KEY"}
    env |= {
        "VMS_HOURS_DATABASE_URL": f"sqlite:///{tmp_path / 'hours.db'}",
        "VMS_HOURS_NATS_URL": f"nats://127.0.0.1:{nowhere}",
        "VMS_HOURS_PROBE_PORT": str(port),
        "VMS_HOURS_PROBE_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [str(Path(sysconfig.get_path("scripts")) / "vms-hours"), "run", "--migrate"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        async def probed() -> tuple[tuple[int, dict[str, Any]], tuple[int, dict[str, Any]]] | None:
            try:
                return await get(port, "/livez"), await get(port, "/readyz")
            except OSError:
                return None

        try:
            alive, ready = asyncio.run(eventually(probed, timeout=30, what="the probes answering"))
        except AssertionError:
            process.terminate()
            raise AssertionError(process.communicate(timeout=30)[1].decode()) from None
        assert alive == (200, {"alive": True})
        assert ready[0] == 503 and "NATS: not connected" in ready[1]["waiting_for"]
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_probe_port_that_cannot_be_one_is_refused(tmp_path: Path, port: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_HOURS_")}
    env |= {"VMS_HOURS_DATABASE_URL": f"sqlite:///{tmp_path / 'hours.db'}", "VMS_HOURS_PROBE_PORT": port}
    result = run_program("vms-hours", "run", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode != 0
    assert "VMS_HOURS_PROBE_PORT: " in result.stderr


async def test_metrics_count_requests_events_and_dead_letters_and_read_the_backlogs(
    nats_url: str, bus: Bus, tmp_path: Path
) -> None:
    app, settings = await probed_hours(nats_url, bus, tmp_path)
    assert app.probes is not None
    nc = await nats.connect(nats_url)
    try:
        async with running(app, MIGRATIONS):
            client = rpc_client(app.broker, bus)
            with pytest.raises(RemoteError):  # an activity nobody recorded: refused as not found
                await client.call(GET_ACTIVITY, ActivityRef(activity_id=uuid4()))
            event = hours_confirmed()
            js = nc.jetstream()
            await js.publish(event.nats_subject(bus), event.to_json())
            await js.publish(event.nats_subject(bus), b"not an event")

            async def scraped() -> str | None:
                status, text = await scrape(settings.probe_port)
                assert status == 200
                done = (
                    'vms_events_parked_total{consumer="hours-totals"} 1.0',
                    'vms_events_handled_total{consumer="hours-totals"} 1.0',
                )
                return text if all(line in text for line in done) else None

            text = await eventually(scraped, what="the event handled and the other parked")
    finally:
        await nc.close()
        await app.probes.stop()
    assert 'vms_rpc_requests_total{operation="hours.get_activity",outcome="not_found"} 1.0' in text
    assert 'vms_rpc_duration_seconds_count{operation="hours.get_activity"} 1.0' in text
    assert 'vms_events_handled_total{consumer="hours-totals"} 1.0' in text
    assert 'vms_consumer_pending{consumer="hours-totals"} 0.0' in text
    assert "vms_outbox_backlog 0.0" in text
    assert "vms_outbox_oldest_unsent_age_seconds 0.0" in text
    assert "vms_ready 1.0" in text
    assert "vms_db_connections_in_use " in text


async def scrape(port: int) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: probe\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: text/plain; version=0.0.4" in head
    return int(head.split(b" ")[1]), body.decode()
