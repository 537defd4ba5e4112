"""Small asyncio helpers."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar


async def wait_any(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    """Return when `stop` or `wake` is set, or after `timeout` seconds, whichever comes first."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def settle_heap() -> None:
    """Once a long-running process has started: what it holds by then (modules, models, compiled statements, its
    settings) is moved out of the garbage collector's sight (`gc.freeze`), after one collection so that no garbage
    is kept with it. A full collection then looks only at what was made since: in a service of about 150 MB it
    stopped the event loop for about 105 ms at a time, every few seconds under load (the p99 of every request), and
    for about 10 ms after this. Called by the programs' own entry points, never in a process that starts and stops
    services again and again (tests)."""
    gc.collect()
    gc.freeze()


T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """Requests that arrive while a batch of them is being done wait, and are done together in the next batch:
    one transaction (a handful of round trips) for however many came, instead of one each.

    Nothing waits for company: the first request of a quiet moment starts at once, alone. Under load the batches
    grow by themselves, to as many as arrived during the last one (at most `max_size`). `run` answers each item
    of a batch, in order, with its result or the exception it is refused with; if `run` itself fails, every
    request of the batch fails with that error. A request whose caller gave up while it waited still goes through
    with its batch, as it would have alone.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[list[R | Exception]]], *, max_size: int = 200) -> None:
        self._run = run
        self.max_size = max_size
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._worker is None:
            self._worker = asyncio.create_task(self._work(), name="coalescer")
        return await answer

    async def _work(self) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_size], self._waiting[self.max_size :]
                try:
                    results = await self._run([item for item, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"a batch of {len(batch)} was answered {len(results)} times")
                except Exception as exc:
                    results = [exc] * len(batch)
                for (_, answer), result in zip(batch, results, strict=True):
                    if answer.done():
                        continue
                    if isinstance(result, Exception):
                        answer.set_exception(result)
                    else:
                        answer.set_result(result)
                batch = []
        finally:
            # Stopped from outside (the process shutting down): nobody is left waiting for an answer.
            for _, answer in batch + self._waiting:
                if not answer.done():
                    answer.cancel()
            self._waiting = []
            self._worker = None
