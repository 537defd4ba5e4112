"""The lead of a deployment's replicas on PostgreSQL: one holder at a time, and a holder that vanishes from the
network (its connection neither used nor closed) gives the lead up on both sides, so a standby takes over."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import make_url

import vms_platform.leader as leader_module
from vms_platform.db import Database
from vms_platform.leader import AdvisoryLead
from vms_platform.testing import eventually

pytestmark = pytest.mark.postgres


class BlackHole:
    """A TCP relay to PostgreSQL that, once `flowing` is cleared, keeps every connection open and forwards nothing:
    what a holder's connection looks like when its host or network vanishes."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> BlackHole:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()
        for task in self.tasks:
            task.cancel()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self.tasks.add(task)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await source.read(65536):
                await self.flowing.wait()
                sink.write(data)
                await sink.drain()


@pytest.fixture
async def database(postgres_database: Callable[[str], Awaitable[str]]) -> str:
    return await postgres_database("leader")


async def test_only_one_replica_leads(database: str) -> None:
    first, second = AdvisoryLead(Database(database), "relay"), AdvisoryLead(Database(database), "relay")
    try:
        assert await first.acquire() is True
        assert await second.acquire() is False
        assert await first.holds() is True
        await first.release()
        assert await second.acquire() is True
    finally:
        await first.release()
        await second.release()


async def test_a_holder_cut_off_from_the_database_loses_the_lead_to_a_standby(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leader_module, "IDLE_SESSION_SECONDS", 2)
    monkeypatch.setattr(leader_module, "CHECK_SECONDS", 1.0)
    url = make_url(database)
    async with BlackHole(url.host or "127.0.0.1", url.port or 5432) as hole:
        holder_db = Database(url.set(host="127.0.0.1", port=hole.port).render_as_string(hide_password=False))
        holder, standby = AdvisoryLead(holder_db, "relay"), AdvisoryLead(Database(database), "relay")
        try:
            assert await holder.acquire() is True
            assert await standby.acquire() is False
            hole.flowing.clear()
            assert await asyncio.wait_for(holder.holds(), 5) is False, "the holder stops relaying at once"

            async def taken_over() -> bool:
                return await standby.acquire()

            await eventually(taken_over, timeout=15, what="the standby taking the lead over")
        finally:
            hole.flowing.set()
            await holder.release()
            await standby.release()
            await holder_db.close()
