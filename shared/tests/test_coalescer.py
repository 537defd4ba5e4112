"""Requests done together: the first alone at once, the ones that come meanwhile in the next batch, each answered
with its own result or refusal."""

from __future__ import annotations

import asyncio

import pytest

from vms_platform.aio import Coalescer


class Doubling:
    """Doubles numbers a batch at a time, refusing negative ones; holds each batch until `release` is set."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(items)
        await self.release.wait()
        return [ValueError(f"{n} is negative") if n < 0 else 2 * n for n in items]


async def test_the_first_request_goes_alone_and_the_ones_meanwhile_together() -> None:
    doubling = Doubling()
    coalescer = Coalescer(doubling, max_size=3)
    doubling.release.clear()
    first = asyncio.create_task(coalescer(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert doubling.batches == [[1]], "nothing waits for company"
    later = [asyncio.create_task(coalescer(n)) for n in range(2, 7)]
    await asyncio.sleep(0)
    doubling.release.set()
    assert await first == 2
    assert await asyncio.gather(*later) == [4, 6, 8, 10, 12]
    assert doubling.batches == [[1], [2, 3, 4], [5, 6]], "at most max_size a batch, in the order they came"


async def test_each_request_gets_its_own_refusal() -> None:
    coalescer = Coalescer(Doubling())
    answers = await asyncio.gather(*(coalescer(n) for n in (1, -2, 3)), return_exceptions=True)
    assert answers[0] == 2 and answers[2] == 6
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "-2 is negative"


async def test_a_failed_batch_fails_each_of_its_requests_and_the_next_batch_runs() -> None:
    calls: list[list[int]] = []

    async def failing_once(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise ConnectionError("database unreachable")
        return list(items)

    coalescer = Coalescer(failing_once)
    answers = await asyncio.gather(coalescer(1), coalescer(2), return_exceptions=True)
    assert [type(a) for a in answers] == [ConnectionError, ConnectionError]
    assert await coalescer(3) == 3


async def test_an_answer_for_each_request_or_none_at_all() -> None:
    async def one_short(items: list[int]) -> list[int | Exception]:
        return list(items[1:])

    coalescer = Coalescer(one_short)
    with pytest.raises(RuntimeError, match="a batch of 2 was answered 1 times"):
        await asyncio.gather(coalescer(1), coalescer(2))


async def test_a_caller_that_gives_up_leaves_the_others_answered() -> None:
    doubling = Doubling()
    doubling.release.clear()
    coalescer = Coalescer(doubling)
    impatient = asyncio.create_task(coalescer(1))
    patient = asyncio.create_task(coalescer(2))
    await asyncio.sleep(0)
    impatient.cancel()
    doubling.release.set()
    assert await patient == 4
    assert doubling.batches == [[1, 2]], "the request given up on still went through with its batch"


async def test_stopped_while_busy_no_caller_waits_for_ever() -> None:
    doubling = Doubling()
    doubling.release.clear()
    coalescer = Coalescer(doubling)
    waiting = [asyncio.create_task(coalescer(n)) for n in (1, 2)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    worker = coalescer._worker
    assert worker is not None
    worker.cancel()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    doubling.release.set()
    assert await asyncio.wait_for(coalescer(5), 1) == 10, "the next request starts a new worker"
