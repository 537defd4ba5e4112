"""Declare every JetStream stream and durable consumer from the contracts (`vms_shared.streams`), once.

Services never declare streams themselves: this step does, before they start, and again after an upgrade that
adds event types (the stream's subjects follow the catalogue).
"""

from __future__ import annotations

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from vms_shared.streams import CONSUMERS, STREAMS
from vms_shared.subjects import Bus


async def declare(js: JetStreamContext, bus: Bus, *, replicas: int = 1) -> list[str]:
    """Create what is missing, update what changed; returns one line per stream or consumer, saying which."""
    report: list[str] = []
    for spec in STREAMS.values():
        config = spec.config(bus, replicas=replicas)
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


async def setup(nats_url: str, bus: Bus, *, replicas: int = 1) -> list[str]:
    nc = await nats.connect([s.strip() for s in nats_url.split(",")], name="vms-nats-setup")
    try:
        return await declare(nc.jetstream(), bus, replicas=replicas)
    finally:
        await nc.close()
