"""One worker at a time per deployment: of several replicas of a service, one holds the lead for a named job (the
outbox relay) and the others stand by, taking over as soon as the holder is gone.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its own. It is released the
  moment the holder's connection ends (the process stopped or crashed), so a standby takes over within one poll.
  A holder whose host or network vanished leaves a session the server cannot see end: that session is set to
  end itself once idle for `IDLE_SESSION_SECONDS` (the holder speaks on it every few seconds while it leads), and
  the holder stops relaying as soon as it cannot reach the database within `CHECK_SECONDS`. So the lead changes
  hands within about half a minute, and never has two relaying holders for longer than one check.
- SQLite: an exclusive `flock` on a file beside the database, released by the kernel when the process ends.
  (An SQLite database is used by one machine's processes only, the embedded run.)
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from vms_platform.db import Database, is_sqlite
from vms_platform.logging import get_logger

log = get_logger("vms.leader")

IDLE_SESSION_SECONDS = 30
"""The lead's session ends itself after this long without a word from its holder (PostgreSQL 14+)."""
CHECK_SECONDS = 5.0
"""How long the holder waits for the database to confirm its lead before it gives the lead up."""


class Lead(Protocol):
    async def acquire(self) -> bool:
        """Take the lead if nobody holds it; True if this process holds it now."""

    async def holds(self) -> bool:
        """Whether this process still holds the lead (False once its lock was lost)."""

    async def release(self) -> None: ...


def lead_for(db: Database, job: str) -> Lead:
    if is_sqlite(db.url):
        return FileLead(db.url, job)
    return AdvisoryLead(db, job)


def _lock_key(job: str) -> int:
    """A stable signed 64-bit key for `pg_try_advisory_lock`, the same in every replica."""
    return int.from_bytes(hashlib.sha256(f"vms:{job}".encode()).digest()[:8], "big", signed=True)


class AdvisoryLead:
    def __init__(self, db: Database, job: str) -> None:
        self.db = db
        self.job = job
        self.key = _lock_key(job)
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None:
            return await self.holds()
        connection = await asyncio.wait_for(self.db.engine.connect(), CHECK_SECONDS)
        try:
            await connection.execute(text(f"SET idle_session_timeout = '{IDLE_SESSION_SECONDS * 1000}'"))
            got = bool(
                await asyncio.wait_for(
                    connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}), CHECK_SECONDS
                )
            )
            # The lock belongs to the session, not the transaction: end the transaction, keep the session.
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def holds(self) -> bool:
        if self._connection is None:
            return False
        try:
            held = await asyncio.wait_for(
                self._connection.scalar(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
                ),
                CHECK_SECONDS,
            )
            await self._connection.commit()
        except Exception as exc:
            log.warning("lost the lead: its database connection failed", job=self.job, error=repr(exc))
            await self._drop()
            return False
        if not held:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is None:
            return
        with contextlib.suppress(Exception):
            await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._connection.commit()
        await self._drop()

    async def _drop(self) -> None:
        """Forget the lead's connection without waiting on a network that may be gone."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CHECK_SECONDS)


class FileLead:
    def __init__(self, url: str, job: str) -> None:
        database = make_url(url).database
        self.path = Path(f"{database}.{job}.lock") if database and database != ":memory:" else None
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None or self.path is None:
            return True
        fd = await asyncio.to_thread(os.open, self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def holds(self) -> bool:
        return self._fd is not None or self.path is None

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
