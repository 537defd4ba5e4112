"""JetStream streams and durable consumers: defined here once, declared by one setup step (`vms nats-setup`).

One events stream per producing service, limits retention, so any number of consumers and integrators can read
and replay. A stream lists its service's event subjects from the catalogue rather than `vms.*.<service>.>`, so
that request/reply traffic (`vms.<region>.<service>.rpc.<name>`) is never stored and never answered by
JetStream in the service's place.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from vms_shared.events import EVENT_TYPES
from vms_shared.subjects import Bus

DAY = 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    base_name: str
    service: str | None
    """The producing service; None for the dead-letter stream."""
    description: str
    max_age_days: float = 0
    """0 keeps events until the operator trims the stream: the services' databases are the record."""

    def name(self, bus: Bus) -> str:
        return bus.stream_name(self.base_name)

    def subjects(self, bus: Bus) -> list[str]:
        if self.service is None:
            return [bus.deadletter_pattern()]
        names = sorted({cls.event_name for cls in EVENT_TYPES.values() if cls.event_service == self.service})
        return [bus.event_pattern(self.service, name) for name in names]

    def config(self, bus: Bus, *, replicas: int = 1) -> StreamConfig:
        return StreamConfig(
            name=self.name(bus),
            description=self.description,
            subjects=self.subjects(bus),
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=self.max_age_days * DAY or None,
            duplicate_window=120.0,
        )


STREAMS: dict[str, StreamSpec] = {
    s.base_name: s
    for s in (
        StreamSpec("REGISTRY", "registry", "Volunteers, management centres, consents"),
        StreamSpec("HOURS", "hours", "Activity records and confirmations"),
        StreamSpec("REWARDS", "rewards", "Badges, benefits, selections"),
        StreamSpec("LINKAGE", "linkage", "Transfers to 1365, Red Cross look-ups"),
        StreamSpec("DEADLETTER", None, "Messages a consumer could not handle, kept for inspection and replay"),
    )
}


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
        ConsumerSpec("hours-registry", "REGISTRY", "registry"),
        ConsumerSpec("rewards-hours", "HOURS", "hours", "confirmed"),
        ConsumerSpec("linkage-registry", "REGISTRY", "registry"),
        ConsumerSpec("linkage-hours", "HOURS", "hours", "confirmed"),
    )
}


async def declare(js: JetStreamContext, bus: Bus, *, replicas: int = 1) -> list[str]:
    """Create what is missing, update what changed; returns one line per stream or consumer, saying which."""
    report: list[str] = []
    for spec in STREAMS.values():
        config = spec.config(bus, replicas=replicas)
        if not config.subjects:
            report.append(f"stream {config.name}: not declared, its service publishes no events yet")
            continue
        try:
            info = await js.stream_info(spec.name(bus))
        except NotFoundError:
            await js.add_stream(config)
            report.append(f"stream {config.name}: created ({', '.join(config.subjects or [])})")
            continue
        if sorted(info.config.subjects or []) != sorted(config.subjects or []) or (
            info.config.description != config.description
        ):
            await js.update_stream(config)
            report.append(f"stream {config.name}: updated ({', '.join(config.subjects or [])})")
        else:
            report.append(f"stream {config.name}: up to date")
    for consumer in CONSUMERS.values():
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
