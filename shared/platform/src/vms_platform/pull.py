"""Where a consumer's messages come from: a durable pull consumer on the server (`PullFeed`), or messages handed
over in this process by FastStream's `TestNatsBroker` (`MemoryFeed`). Both hand out batches the same way, so a
consumer runs one loop whichever feeds it.

`PullFeed` keeps one pull request always outstanding: `batch` messages, expiring after `expires` seconds. When the
server ends it (the count reached, or it expired), the next one goes out. Every message delivered to the inbox lands
in the one local queue, whichever request it answered, so none can be left waiting unseen for `ack_wait`; and the
server delivers the next messages while the service is still handling the last ones. It is written against the
JetStream pull protocol rather than nats-py's `fetch`, which on a short timeout could lose track of a message the
server had already delivered (it then came back only after `ack_wait`).

A batch is handed out full when the server has said more messages are pending (every message's acknowledgement
subject carries that count): a consumer catching up on a backlog commits `batch` events per transaction, not
whatever happened to have arrived; a quiet stream's message waits only `linger` seconds for company.

What the servers answer a pull request with (checked with nats-server 2.9.10 and 2.15.1):

| situation                                      | 2.9                     | 2.10 and later           |
|------------------------------------------------|-------------------------|--------------------------|
| request expired, or nothing to deliver         | 408 Request Timeout     | 408 Request Timeout      |
| idle, while the request waits                  | 100 Idle Heartbeat      | 100 Idle Heartbeat       |
| too many requests waiting (other replicas)     | 409 Exceeded MaxWaiting | 409 Exceeded MaxWaiting  |
| the stream or the consumer is missing          | no answer at all        | 503 (no responders)      |
| the consumer or its stream deleted meanwhile   | 409 Consumer Deleted    | 409 Consumer Deleted     |
| JetStream not enabled                          | 503 (no responders)     | 503 (no responders)      |

So requests ask for idle heartbeats, and a request that shows no sign of life for three of them counts as lost
(a missing consumer on 2.9, a restarted server). When the consumer cannot be read, the feed does not ask again
at once (a 503 comes back within a millisecond, and pulling again at once is a busy loop): it asks JetStream
what is wrong (`CONSUMER.INFO`, which a service's NATS user may read), logs one warning, reports it in `problem`,
and checks again with a growing delay; the first sign of life (a message, a heartbeat) ends it with one info line,
and the messages published meanwhile follow. nats-py reconnects by itself; the request lost with the old
connection is replaced as soon as the reconnect is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final, Protocol

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

from vms_platform.logging import get_logger
from vms_platform.retry import Backoff, Policy

log = get_logger("vms.pull")

HEARTBEAT: Final = "100"
NORMAL_ENDS: Final = frozenset({"404", "408"})
"""No messages, request expired: the request is over, the next one goes out."""
PASSING_CONFLICTS: Final = ("exceeded maxwaiting", "leadership change", "server shutdown")
"""409s that end a request for a reason that passes by itself (other replicas' requests, a new leader)."""
STREAM_NOT_FOUND: Final = 10059
"""JetStream's error code for a missing stream (a missing consumer is 10014)."""

MISSING: Final = Policy(first=0.5, cap=5.0)
"""Between checks whether a missing stream or consumer, or JetStream itself, is back."""
BUSY: Final = Policy(first=0.1, cap=2.0)
"""After requests that the server ended at once without a message: pulling again stays a trickle, never a loop."""

_ANSWERED: Final = ""
_LOST: Final = "lost with the connection"
_UNANSWERED: Final = "no answer"


class Feed(Protocol):
    """Batches of messages for a consumer's loop: `start`, then `next_batch` until done, then `stop`."""

    @property
    def problem(self) -> str | None:
        """What keeps messages from coming, in a few English words; None when all is well."""
        ...

    async def start(self) -> None: ...

    async def next_batch(self, max_size: int, timeout: float) -> list[Msg]:
        """Up to `max_size` messages; [] when none came within `timeout` seconds (or `wake` was called)."""
        ...

    def wake(self) -> None:
        """Have a `next_batch` that waits return now, with what it has (a consumer that is stopping)."""
        ...

    async def stop(self) -> None:
        """Stop taking messages and hand back those taken but not handed out."""
        ...


class _Batches:
    """The local queue a feed fills and `next_batch` takes from, waking the taker once per batch rather than once
    per message."""

    def __init__(self, *, linger: float, fill: float) -> None:
        self.linger = linger
        self.fill = fill
        self._messages: deque[Msg] = deque()
        self._arrived = asyncio.Event()
        self._wanted = 1

    def _arrive(self, msg: Msg) -> None:
        self._messages.append(msg)
        if len(self._messages) >= self._wanted:
            self._arrived.set()

    def wake(self) -> None:
        self._wanted = 1
        self._arrived.set()

    def _coming(self) -> int:
        """Messages known to be on their way: worth waiting for to fill a batch."""
        return 0

    def _taken(self) -> None:
        """Called after a batch was handed out."""

    async def next_batch(self, max_size: int, timeout: float) -> list[Msg]:
        """Up to `max_size` messages, [] if none came within `timeout` seconds. Once one is here, the batch waits
        (at most `fill` seconds) for the messages known to be coming, else `linger` seconds for whatever comes."""
        messages = self._messages
        if not messages and not await self._until(1, timeout):
            return []
        loop = asyncio.get_running_loop()
        now = loop.time()
        lingering, filling = now + self.linger, now + self.fill
        while messages and len(messages) < max_size:
            coming = self._coming()
            if coming > 0:
                wanted, until = min(max_size, len(messages) + coming), filling
            else:
                wanted, until = max_size, lingering
            if not await self._until(wanted, until - loop.time()):
                break
        batch = [messages.popleft() for _ in range(min(max_size, len(messages)))]
        self._taken()
        return batch

    async def _until(self, count: int, timeout: float) -> bool:
        """Wait until `count` messages are queued or the feed's outlook changed; False when `timeout` passed."""
        if len(self._messages) >= count:
            return True
        if timeout <= 0:
            return False
        self._wanted = count
        self._arrived.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._arrived.wait()
        except TimeoutError:
            return False
        return True


class MemoryFeed(_Batches):
    """Messages handed over in this process: FastStream's `TestNatsBroker` delivers them to a subscriber that
    `put`s them here. No server, so no problem to report and no redelivery of what is left at `stop`."""

    def __init__(self, *, linger: float = 0.01) -> None:
        super().__init__(linger=linger, fill=linger)

    @property
    def problem(self) -> str | None:
        return None

    async def start(self) -> None:
        """Nothing to start: what the subscriber puts is kept until taken."""

    def put(self, messages: Iterable[Msg]) -> None:
        for msg in messages:
            self._arrive(msg)

    async def stop(self) -> None:
        self._messages.clear()


class PullFeed(_Batches):
    def __init__(
        self,
        nc: Client,
        *,
        stream: str,
        durable: str,
        batch: int,
        expires: float = 5.0,
        heartbeat: float = 0.5,
        linger: float = 0.01,
        fill: float = 0.25,
        api_prefix: str = "$JS.API",
        retry: Policy = MISSING,
    ) -> None:
        if not 0 < 2 * heartbeat <= expires:
            raise ValueError(f"heartbeat {heartbeat} s must be at most half of expires {expires} s (the server's rule)")
        super().__init__(linger=linger, fill=fill)
        self._nc = nc
        self._js = nc.jetstream(prefix=api_prefix)
        self.stream = stream
        self.durable = durable
        self.batch = batch
        self.expires = expires
        self.heartbeat = heartbeat
        self._next_subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._full = 2 * batch
        self._room = asyncio.Event()
        self._inbox = ""
        self._subscription: Subscription | None = None
        self._puller: asyncio.Task[None] | None = None
        # The request outstanding: its reply subject, how many messages it may still bring, how it ended.
        self._reply = ""
        self._outstanding = 0
        self._done = asyncio.Event()
        self._ended_with = _ANSWERED
        self._description = ""
        self._signs = 0
        """Messages and heartbeats so far: the consumer's signs of life."""
        self._pending: int | None = None
        """Messages the server holds for this consumer beyond the last one delivered (None: not known)."""
        self._backoff = Backoff(retry)
        self._busy = Backoff(BUSY)
        self._unanswered = 0
        self._trouble: str | None = None
        self._since: datetime | None = None

    @property
    def problem(self) -> str | None:
        """E.g. `consumer HOURS/rewards-hours not found (404) since 09:41:03Z`; None while messages can come."""
        if self._trouble is None or self._since is None:
            return None
        return f"{self._trouble} since {self._since:%H:%M:%S}Z"

    async def start(self) -> None:
        self._inbox = self._nc.new_inbox()
        # One subscription for every request, each answered on a subject of its own (`<inbox>.<n>`), so that the
        # late word of a request given up on (after a reconnect) is not taken for the current one's.
        self._subscription = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_message)
        self._room.set()
        self._puller = asyncio.create_task(self._keep_pulling(), name=f"pull-{self.durable}")

    async def stop(self) -> None:
        """Stop asking, and hand back what arrived but was not handed out, so that it is delivered again at once
        (to this service's next start, or to another replica) rather than after `ack_wait`."""
        if self._puller is not None:
            self._puller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._puller
            self._puller = None
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            try:
                # Unsubscribe and take in what the server sent before it saw that, so it is handed back too.
                async with asyncio.timeout(2.0):
                    await subscription.drain()  # type: ignore[no-untyped-call]
            except Exception:
                with contextlib.suppress(Exception):
                    await subscription.unsubscribe()
        unhandled = list(self._messages)
        self._messages.clear()
        if not unhandled:
            return
        if not self._done.is_set():
            # nats-server 2.9 drops a request whose reply subject lost its interest only when the request's next
            # heartbeat is due; a message handed back before that would be redelivered to the dead request and
            # come back only after ack_wait.
            await asyncio.sleep(1.25 * self.heartbeat)
        with contextlib.suppress(Exception):
            for msg in unhandled:
                await msg.nak()
            await self._nc.flush(timeout=2)

    # -- the pull requests ------------------------------------------------------------------------------------

    async def _keep_pulling(self) -> None:
        request = json.dumps(
            {"batch": self.batch, "expires": _nanoseconds(self.expires), "idle_heartbeat": _nanoseconds(self.heartbeat)}
        ).encode()
        number = 0
        while True:
            # Hold back while a batch and more wait here: they are delivered, and their ack_wait runs.
            await self._room.wait()
            if self._trouble is not None:
                # Pulling again would be refused at once (2.10+) or go unanswered (2.9): ask first.
                found = await self._diagnose()
                if found is not None:
                    await self._wait_after(found)
                    continue
            number += 1
            self._reply = f"{self._inbox}.{number}"
            self._outstanding = self.batch
            self._ended_with, self._description = _ANSWERED, ""
            self._done.clear()
            started, signs = asyncio.get_running_loop().time(), self._signs
            try:
                await self._nc.publish(self._next_subject, request, reply=self._reply)
            except Exception as exc:  # closed, or disconnected with a full buffer
                await self._wait_after(self._named(f"pull request not sent ({type(exc).__name__})"), "not sent")
                continue
            ended = await self._until_ended()
            if ended == _LOST:
                continue
            if ended == _UNANSWERED:
                await self._unanswered_request()
                continue
            if ended == _ANSWERED or ended in NORMAL_ENDS or _passes(ended, self._description):
                self._working()
                quick = self._signs == signs and asyncio.get_running_loop().time() - started < self.heartbeat
                if quick:
                    await asyncio.sleep(self._busy.failed())
                else:
                    self._busy.succeeded()
                continue
            status = _status_text(ended, self._description)
            found = await self._diagnose()
            await self._wait_after(found or self._named(f"pull requests refused ({status})"), status)

    async def _until_ended(self) -> str:
        """How the outstanding request ended: `_ANSWERED` (count reached), a status, `_LOST` or `_UNANSWERED`."""
        reconnects = self._nc.stats["reconnects"]
        signs, quiet = self._signs, 0
        while True:
            try:
                async with asyncio.timeout(self.heartbeat):
                    await self._done.wait()
                return self._ended_with
            except TimeoutError:
                pass
            if self._nc.stats["reconnects"] != reconnects:
                return _LOST
            if self._signs != signs:
                signs, quiet = self._signs, 0
                continue
            quiet += 1
            if quiet >= 3:
                return _UNANSWERED

    async def _unanswered_request(self) -> None:
        """Three heartbeats of silence: on 2.9 a missing consumer; else a request lost on the way (a restarted
        server), worth asking again once, at once."""
        self._unanswered += 1
        found = await self._diagnose()
        if found is None and self._unanswered < 2:
            return
        await self._wait_after(found or self._named("pull requests go unanswered"), _UNANSWERED)

    async def _diagnose(self) -> str | None:
        """What JetStream says keeps this consumer from being read; None when it is there."""
        try:
            await self._js.consumer_info(self.stream, self.durable, timeout=2.0)
        except NotFoundError as exc:
            if exc.err_code == STREAM_NOT_FOUND:
                return self._named(f"stream {self.stream} not found (404)")
            return f"consumer {self.stream}/{self.durable} not found (404)"
        except (ServiceUnavailableError, NoRespondersError):
            return self._named("JetStream unavailable (503)")
        except (TimeoutError, NatsTimeoutError):
            return self._named("JetStream did not answer")
        except APIError as exc:
            return self._named(f"{exc.description} ({exc.code})")
        except Exception as exc:  # not connected, connection closed
            return self._named(f"JetStream unreachable ({type(exc).__name__})")
        return None

    def _named(self, trouble: str) -> str:
        return f"consumer {self.stream}/{self.durable}: {trouble}"

    async def _wait_after(self, trouble: str, status: str = "") -> None:
        """The consumer cannot be read: say so once, then wait a growing delay before trying again."""
        if self._trouble is None:
            self._since = datetime.now(UTC)
            log.warning(
                "consumer unavailable, waiting for it",
                stream=self.stream,
                consumer=self.durable,
                status=status,
                problem=trouble,
            )
        self._trouble = trouble
        self._pending = None
        await asyncio.sleep(self._backoff.failed())

    def _working(self) -> None:
        """A sign of life from the consumer: whatever was wrong is over."""
        self._backoff.succeeded()
        self._unanswered = 0
        if self._trouble is None:
            return
        since = self._since or datetime.now(UTC)
        log.info(
            "consumer available again",
            stream=self.stream,
            consumer=self.durable,
            was=self._trouble,
            seconds=round((datetime.now(UTC) - since).total_seconds(), 1),
        )
        self._trouble, self._since = None, None

    # -- what arrives -----------------------------------------------------------------------------------------

    async def _on_message(self, msg: Msg) -> None:
        headers = msg.headers
        if headers is not None and (status := headers.get("Status")) is not None:
            if msg.subject != self._reply:
                return  # the late word of a request given up on
            if status == HEARTBEAT:
                self._signs += 1
                if self._trouble is not None:
                    self._working()
                return
            self._ended_with, self._description = status, headers.get("Description", "")
            self._pending = None
            self._done.set()
            self._arrived.set()
            return
        self._signs += 1
        self._pending = _pending_after(msg.reply)
        if self._trouble is not None:
            self._working()
        self._arrive(msg)
        if len(self._messages) >= self._full:
            self._room.clear()
        self._outstanding -= 1
        if self._outstanding <= 0:
            self._done.set()

    def _coming(self) -> int:
        return self._pending or 0

    def _taken(self) -> None:
        if len(self._messages) < self._full:
            self._room.set()


def _status_text(status: str, description: str) -> str:
    """`409 Consumer Deleted`, `503 no responders` (2.10+ describe a 503 with the request's subject)."""
    if status == "503":
        return "503 no responders"
    return " ".join([status, *description.split()])


def _passes(status: str, description: str) -> bool:
    return status == "409" and description.lower().startswith(PASSING_CONFLICTS)


def _pending_after(reply: str) -> int | None:
    """The server's count of this consumer's messages not yet delivered, from a message's acknowledgement subject
    (`$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the longer form with domain and
    account hash)."""
    tokens = reply.split(".")
    try:
        if len(tokens) == 9:
            return int(tokens[8])
        if len(tokens) >= 11:
            return int(tokens[Msg.Ack.NumPending])
    except ValueError:
        return None
    return None


def _nanoseconds(seconds: float) -> int:
    return int(seconds * 1e9)
