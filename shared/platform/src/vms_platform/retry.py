"""Waiting before trying again, written once: every loop that retries (connecting, relaying, pulling, sending to
1365) takes its delays from a `Backoff`, and every delay that depends on a count (a message's deliveries, a
record's attempts) from `delay_after`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from vms_platform.aio import wait_any
from vms_platform.logging import get_logger

log = get_logger("vms.retry")

T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    """Delays `first`, `first × factor`, … capped at `cap` seconds."""

    first: float
    cap: float
    factor: float = 2.0

    def delay_after(self, failures: int) -> float:
        """The delay after the `failures`-th failure in a row (1 → `first`); 0 when nothing failed."""
        if failures <= 0:
            return 0.0
        # The exponent is bounded: an outage of a thousand failures in a row must not overflow the float.
        return float(min(self.cap, self.first * self.factor ** min(failures - 1, 64)))


@dataclass
class Backoff:
    """The delays of one retrying loop: `failed()` returns the next delay, `succeeded()` starts over."""

    policy: Policy
    failures: int = field(default=0)

    def failed(self) -> float:
        self.failures += 1
        return self.policy.delay_after(self.failures)

    def succeeded(self) -> None:
        self.failures = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0


CONNECT = Policy(first=0.5, cap=10.0)
"""Reaching NATS or a database at start: soon at first, then every 10 s."""


async def until_it_works(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: Policy = CONNECT,
    what: str,
    stop: asyncio.Event | None = None,
    worth_retrying: Callable[[Exception], bool] = lambda _exc: True,
    **log_fields: object,
) -> T:
    """Call `attempt` until it returns, waiting between failures; each failure is logged with what is awaited.
    Gives up (raising the error) once `stop` is set, or at once for an error not `worth_retrying`."""
    backoff = Backoff(policy)
    while True:
        try:
            return await attempt()
        except Exception as exc:
            if (stop is not None and stop.is_set()) or not worth_retrying(exc):
                raise
            delay = backoff.failed()
            log.warning(f"waiting for {what}", error=repr(exc), retry_in=delay, **log_fields)
            await wait_any(stop, None, delay) if stop is not None else await asyncio.sleep(delay)
            if stop is not None and stop.is_set():
                raise
