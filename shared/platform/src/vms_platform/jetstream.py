"""JetStream as the services use it: the stream configurations and the durable consumers, declared by one setup
step (`vms nats-setup`), never by the services themselves (their NATS users may not).

A service that a regional council runs on its own (registry, hours) has a database per deployment, so each
deployment reads the events it follows through durable consumers of its own: `hours-registry` for the national
deployment, `hours-registry-26` for region 26's (`ConsumerSpec.durable_for`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    Header,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError

from vms_contracts.streams import STREAMS, StreamSpec
from vms_contracts.subjects import Bus

DAY = 24 * 3600.0

REGIONAL_SERVICES = ("registry", "hours")
"""Services a regional council may run as a deployment of its own (DESIGN: its registry, and if it wants, hours)."""


def stream_config(spec: StreamSpec, bus: Bus, *, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=spec.name(bus),
        description=spec.description,
        subjects=spec.subjects(bus),
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_age=spec.max_age_days * DAY or None,
        duplicate_window=120.0,
    )


def deployment_name(regions: Sequence[str]) -> str:
    """`26` for a deployment that serves region 26, `26-27` for one serving both; the national one is ``."""
    return "-".join(sorted(regions))


@dataclass(frozen=True)
class ConsumerSpec:
    durable: str
    """`<consumer>-<purpose>`, no dots."""
    stream: str
    service: str
    """The producing service whose events it reads."""
    event: str = ">"
    """One event name (`consent.changed`), a prefix pattern (`consent.>`) or everything (`>`)."""
    max_deliver: int = 8
    """The delivery on which a failing event is parked as a dead letter. JetStream itself is told no limit, so a
    message it stopped delivering can never be stuck unseen between the two counts."""
    ack_wait_seconds: float = 60.0
    max_batch: int | None = None
    """The most events one batch takes, below the service's `batch_size`, for a consumer whose every event costs
    much work: a batch is applied in one transaction and must end well within `ack_wait_seconds`."""

    def batch_size(self, configured: int) -> int:
        """How many events a batch takes when the service is configured for `configured`."""
        return min(configured, self.max_batch) if self.max_batch is not None else configured

    @property
    def consumer_service(self) -> str:
        return self.durable.split("-", 1)[0]

    def durable_for(self, deployment: str) -> ConsumerSpec:
        """This consumer as a regional deployment reads it (`deployment` from `deployment_name`)."""
        if not deployment:
            return self
        return dataclasses.replace(self, durable=f"{self.durable}-{deployment}")

    def filter_subject(self, bus: Bus) -> str:
        return bus.event_pattern(self.service, self.event)

    def config(self, bus: Bus) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_seconds,
            max_deliver=-1,
            filter_subject=self.filter_subject(bus),
            max_ack_pending=10_000,
        )


CONSUMERS: dict[str, ConsumerSpec] = {
    c.durable: c
    for c in (
        ConsumerSpec("registry-handover", "REGISTRY", "registry", "volunteer.handover_requested"),
        ConsumerSpec("registry-moved", "REGISTRY", "registry", "volunteer.moved"),
        # Each posting is matched against the region's volunteers (tenths of a second among a million).
        ConsumerSpec("registry-matches", "REGISTRY", "registry", "recruitment.posted", max_batch=20),
        # A volunteer kept elsewhere who withdrew: their applications to this deployment's recruitments end.
        ConsumerSpec("registry-withdrawn", "REGISTRY", "registry", "volunteer.withdrawn"),
        ConsumerSpec("hours-registry", "REGISTRY", "registry"),
        # Its own confirmations, corrections and cancellations, added up by centre and by region.
        ConsumerSpec("hours-totals", "HOURS", "hours"),
        # Blood donations the volunteers registered from their Red Cross records (헌혈실적연계).
        ConsumerSpec("hours-linkage", "LINKAGE", "linkage", "blood_donation.registered"),
        ConsumerSpec("rewards-hours", "HOURS", "hours", "confirmed"),
        # Corrections and cancellations of confirmed records: a consumer each (NATS 2.9 has one filter a consumer;
        # one on every hours event would skip, and park, the confirmations rewards-hours reads already).
        ConsumerSpec("rewards-corrected", "HOURS", "hours", "corrected"),
        ConsumerSpec("rewards-cancelled", "HOURS", "hours", "cancelled"),
        ConsumerSpec("linkage-registry", "REGISTRY", "registry"),
        ConsumerSpec("linkage-hours", "HOURS", "hours", "confirmed"),
        # What becomes of a confirmed record after 1365 may have taken it: a consumer each, as for rewards.
        ConsumerSpec("linkage-corrected", "HOURS", "hours", "corrected"),
        ConsumerSpec("linkage-cancelled", "HOURS", "hours", "cancelled"),
    )
}


def consumers_for(deployments: Iterable[str] = ()) -> list[ConsumerSpec]:
    """Every durable consumer to declare: the national ones, and those of each regional deployment named."""
    found = list(CONSUMERS.values())
    for deployment in deployments:
        found += [c.durable_for(deployment) for c in CONSUMERS.values() if c.consumer_service in REGIONAL_SERVICES]
    return found


STORE_FAILED = 10049
"""JetStream's "error creating store for stream": the server could not make the stream's files this time (a
transient failure of its disk); asking again is safe, creating a stream that exists with this configuration is a
no-op."""


async def _add_stream(js: JetStreamContext, config: StreamConfig, *, attempts: int = 5) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await js.add_stream(config)
            return
        except APIError as e:
            if e.err_code != STORE_FAILED or attempt == attempts:
                raise
            await asyncio.sleep(0.2 * attempt)


async def declare(js: JetStreamContext, bus: Bus, *, replicas: int = 1, regional: Iterable[str] = ()) -> list[str]:
    """Create what is missing, update what changed; returns one line per stream or consumer, saying which.
    `regional` names the regional deployments (`26`, `26-27`) whose own durable consumers to declare too."""
    report: list[str] = []
    for spec in STREAMS.values():
        config = stream_config(spec, bus, replicas=replicas)
        if not config.subjects:
            report.append(f"stream {config.name}: not declared, its service publishes no events yet")
            continue
        try:
            info = await js.stream_info(spec.name(bus))
        except NotFoundError:
            await _add_stream(js, config)
            report.append(f"stream {config.name}: created ({', '.join(config.subjects or [])})")
            continue
        if sorted(info.config.subjects or []) != sorted(config.subjects or []) or (
            info.config.description != config.description
        ):
            await js.update_stream(config)
            report.append(f"stream {config.name}: updated ({', '.join(config.subjects or [])})")
        else:
            report.append(f"stream {config.name}: up to date")
    for consumer in consumers_for(regional):
        stream = bus.stream_name(consumer.stream)
        wanted = consumer.config(bus)
        try:
            current = (await js.consumer_info(stream, consumer.durable)).config
        except NotFoundError:
            await js.add_consumer(stream, wanted)
            report.append(f"consumer {stream}/{consumer.durable}: created ({wanted.filter_subject})")
            continue
        if (current.filter_subject, current.ack_wait, current.max_deliver) != (
            wanted.filter_subject,
            wanted.ack_wait,
            wanted.max_deliver,
        ):
            await js.add_consumer(stream, wanted)
            report.append(f"consumer {stream}/{consumer.durable}: updated")
        else:
            report.append(f"consumer {stream}/{consumer.durable}: up to date")
    return report


class BatchPublisher:
    """Publishes a batch of messages to JetStream and waits for all of their acknowledgements together.

    nats-py's `JetStreamContext.publish` is a request a message: a reply subject made of random bytes, a future
    and a timer each, and the relay of a busy service spent more of its time on that than on anything else. Here
    every message of a batch goes out at once, each with its own reply subject on one subscription opened at the
    first batch, and the batch waits once, for all of them, at most `timeout` seconds. Each message is answered
    with None (stored) or the error it failed with: JetStream's refusal (`APIError`), no stream for the subject
    (`NoRespondersError`), or no acknowledgement in time (`TimeoutError`). A message that cannot be sent at all
    (the connection lost) fails the whole call, as any error of the connection does."""

    def __init__(self, nc: NatsClient, *, timeout: float) -> None:
        self.nc = nc
        self.timeout = timeout
        self._inbox: str | None = None
        self._waiting: dict[str, asyncio.Future[Msg]] = {}
        self._sent = 0

    async def publish_many(self, messages: Sequence[tuple[str, bytes, dict[str, str]]]) -> list[BaseException | None]:
        """Each message: (subject, payload, headers), `Nats-Msg-Id` and `Nats-Expected-Stream` among them."""
        if self._inbox is None:
            inbox = self.nc.new_inbox()
            await self.nc.subscribe(f"{inbox}.*", cb=self._acknowledged)
            self._inbox = inbox
        loop = asyncio.get_running_loop()
        answers: list[tuple[str, asyncio.Future[Msg]]] = []
        try:
            for subject, payload, headers in messages:
                self._sent += 1
                reply = f"{self._inbox}.{self._sent}"
                answer: asyncio.Future[Msg] = loop.create_future()
                self._waiting[reply] = answer
                answers.append((reply, answer))
                await self.nc.publish(subject, payload, reply=reply, headers=headers)
            if answers:
                await asyncio.wait([answer for _, answer in answers], timeout=self.timeout)
        finally:
            for reply, _ in answers:
                self._waiting.pop(reply, None)
        return [_outcome(answer) for _, answer in answers]

    async def _acknowledged(self, msg: Msg) -> None:
        answer = self._waiting.pop(msg.subject, None)
        if answer is not None and not answer.done():
            answer.set_result(msg)


def _outcome(answer: asyncio.Future[Msg]) -> BaseException | None:
    if not answer.done():
        answer.cancel()
        return NatsTimeoutError()
    msg = answer.result()
    if msg.headers and msg.headers.get(Header.STATUS) == NO_RESPONDERS_STATUS:
        return NoRespondersError()
    if msg.data.startswith(STORED) and b'"error"' not in msg.data:
        return None  # the common answer, known without reading it whole
    try:
        reply = json.loads(msg.data)
    except ValueError as exc:
        return exc
    if isinstance(reply, dict) and "error" in reply:
        try:  # nats-py raises the error it makes of a known code, and returns the others
            refused: BaseException = APIError.from_error(reply["error"])
        except APIError as exc:
            refused = exc
        return refused
    return None


STORED = b'{"stream":'
"""How JetStream's acknowledgement of a stored message begins (`{"stream":"HOURS","seq":42}`)."""
NO_RESPONDERS_STATUS = "503"
"""The status NATS answers a request with when nothing listens on its subject (here: no stream takes it)."""
