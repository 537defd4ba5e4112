"""A durable pull consumer's messages, as they arrive, in this process's own queue.

One pull request is always outstanding: `batch` messages, expiring after `expires` seconds. When the server ends it
(the count reached, or a 404/408/409 status), the next one goes out. Every message delivered to the inbox lands
in the one queue, whichever request it answered, so none can be left waiting unseen for `ack_wait`; and the server
delivers the next messages while the service is still handling the last ones.

Written against the JetStream pull protocol rather than nats-py's `fetch`, which on a short timeout could lose
track of a message the server had already delivered (it then came back only after `ack_wait`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from vms_platform.logging import get_logger

log = get_logger("vms.pull")

HEARTBEAT = "100"


class PullFeed:
    def __init__(
        self,
        nc: Client,
        *,
        stream: str,
        durable: str,
        batch: int,
        expires: float = 5.0,
        api_prefix: str = "$JS.API",
    ) -> None:
        self._nc = nc
        self._next_subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._durable = durable
        self.batch = batch
        self.expires = expires
        self._queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._request_done = asyncio.Event()
        self._room = asyncio.Event()
        self._outstanding = 0
        self._inbox = ""
        self._subscription: Subscription | None = None
        self._puller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._inbox = self._nc.new_inbox()
        self._subscription = await self._nc.subscribe(self._inbox, cb=self._on_message)
        self._room.set()
        self._puller = asyncio.create_task(self._keep_pulling(), name=f"pull-{self._durable}")

    async def _keep_pulling(self) -> None:
        request = json.dumps({"batch": self.batch, "expires": int(self.expires * 1e9)}).encode()
        while True:
            # Hold back while a batch and more wait here: they are delivered, and their ack_wait runs.
            await self._room.wait()
            self._request_done.clear()
            self._outstanding = self.batch
            try:
                await self._nc.publish(self._next_subject, request, reply=self._inbox)
            except Exception as exc:  # disconnected: nats-py reconnects; ask again shortly
                log.warning("pull request not sent", consumer=self._durable, error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            with contextlib.suppress(TimeoutError):
                # No end-of-request status in time (a reconnect, a restarted server): ask again.
                await asyncio.wait_for(self._request_done.wait(), self.expires + 2.0)

    async def _on_message(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status == HEARTBEAT:
            return
        if status:
            if status == "409":
                log.warning(
                    "pull request ended by the server",
                    consumer=self._durable,
                    status=status,
                    description=(msg.headers or {}).get("Description"),
                )
            self._request_done.set()
            return
        self._queue.put_nowait(msg)
        if self._queue.qsize() >= 2 * self.batch:
            self._room.clear()
        self._outstanding -= 1
        if self._outstanding <= 0:
            self._request_done.set()

    async def next_batch(self, max_size: int, timeout: float, linger: float = 0.01) -> list[Msg]:
        """Up to `max_size` messages: once one has come, whatever else arrives within `linger` seconds (a busy
        stream fills the batch, a quiet one waits no longer than that); [] if none came within `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                first = await self._queue.get()
        except TimeoutError:
            return []
        batch = [first]
        deadline = asyncio.get_running_loop().time() + linger
        while len(batch) < max_size:
            if self._queue.empty():
                try:
                    async with asyncio.timeout_at(deadline):
                        batch.append(await self._queue.get())
                except TimeoutError:
                    break
                continue
            batch.append(self._queue.get_nowait())
        if self._queue.qsize() < 2 * self.batch:
            self._room.set()
        return batch

    async def stop(self) -> None:
        """Stop asking, and hand back what arrived but was not handled, so that it is delivered again at once."""
        if self._puller is not None:
            self._puller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._puller
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
        unhandled = []
        while not self._queue.empty():
            unhandled.append(self._queue.get_nowait())
        with contextlib.suppress(Exception):
            await asyncio.gather(*(m.nak() for m in unhandled))
