"""Growing delays after failed sign-ins, per login and per client address, kept in the gateway's database so that
every replica of the gateway counts the same attempts.

After 5 failures for one login, the next attempt waits 2^(n-5) seconds (n failures so far: 1 s, 2 s, 4 s, …), at
most 15 minutes; after 20 for one client address, 2^(n-20) seconds, at most 15 minutes. A right password resets
the login's count. An attempt is counted before its password is checked, by a conditional write (compare and
swap), and taken back when the password was right: twenty attempts sent at once are counted one by one, not
checked twenty times against a count of zero.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_gateway.db import sign_in_throttle
from vms_platform.db import Database, insert_for


@dataclass(frozen=True)
class Limit:
    kind: str
    free: int
    """Failures allowed before the delays start."""
    cap: timedelta = timedelta(minutes=15)

    def key(self, subject: str) -> str:
        return f"{self.kind}:{subject}"[:100]

    def blocked_until(self, failures: int, now: datetime) -> datetime | None:
        if failures < self.free:
            return None
        seconds = min(2.0 ** min(failures - self.free, 30), self.cap.total_seconds())
        return now + timedelta(seconds=seconds)


PER_LOGIN = Limit("login", free=5)
PER_CLIENT = Limit("client", free=20)
FORGOTTEN_AFTER = timedelta(hours=24)
"""Failures this old no longer count: the count starts again."""


async def attempt(db: Database, keys: list[tuple[Limit, str]], now: datetime) -> int | None:
    """Count one attempt against each key; None when it may go ahead, else the seconds to wait (nothing is counted
    against a key that is waiting)."""
    if secrets.randbelow(100) == 0:
        await _forget(db, now)
    for limit, subject in keys:
        wait = await _count(db, limit, limit.key(subject), now)
        if wait is not None:
            return wait
    return None


async def _count(db: Database, limit: Limit, key: str, now: datetime) -> int | None:
    table = sign_in_throttle
    for _race in range(20):
        async with db.transaction() as session:
            row = (
                await session.execute(
                    select(table.c.failures, table.c.last_failure_at, table.c.blocked_until).where(table.c.key == key)
                )
            ).one_or_none()
            if row is None:
                if await _first(session, limit, key, now):
                    return None
                continue
            blocked_until: datetime | None = row.blocked_until
            if blocked_until is not None and blocked_until > now:
                return max(1, math.ceil((blocked_until - now).total_seconds()))
            failures = 1 if row.last_failure_at < now - FORGOTTEN_AFTER else row.failures + 1
            counted = await session.execute(
                update(table)
                .where(
                    table.c.key == key,
                    table.c.failures == row.failures,
                    table.c.last_failure_at == row.last_failure_at,
                )
                .values(failures=failures, last_failure_at=now, blocked_until=limit.blocked_until(failures, now))
            )
            if counted.rowcount == 1:  # type: ignore[attr-defined]
                return None
    raise RuntimeError(f"sign-in throttle: {key} kept changing under 20 attempts to count")


async def _first(session: AsyncSession, limit: Limit, key: str, now: datetime) -> bool:
    statement = (
        insert_for(session, sign_in_throttle)
        .values(key=key, failures=1, last_failure_at=now, blocked_until=limit.blocked_until(1, now))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    inserted = await session.execute(statement)
    return bool(inserted.rowcount == 1)  # type: ignore[attr-defined]


async def _forget(db: Database, now: datetime) -> None:
    """Rows nothing counts any more (every login ever tried leaves one): removed now and then, by whichever attempt
    comes along, so that the table holds the last day's failures only."""
    table = sign_in_throttle
    async with db.transaction() as session:
        await session.execute(
            delete(table).where(
                table.c.last_failure_at < now - FORGOTTEN_AFTER,
                or_(table.c.blocked_until.is_(None), table.c.blocked_until < now),
            )
        )


async def succeeded(db: Database, login: str, client: str | None) -> None:
    """The password was right: the login's count starts again, and the attempt is taken back from the client's."""
    table = sign_in_throttle
    async with db.transaction() as session:
        await session.execute(delete(table).where(table.c.key == PER_LOGIN.key(login)))
        if client is not None:
            await session.execute(
                update(table)
                .where(table.c.key == PER_CLIENT.key(client), table.c.failures > 0)
                .values(failures=table.c.failures - 1)
            )
