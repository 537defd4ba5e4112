"""`vms nats-setup`: declare every JetStream stream and durable consumer from the contracts, once.

Services never declare streams themselves: this step does, before they start, and again after an upgrade that
adds event types (a stream's subjects follow the catalogue).
"""

from __future__ import annotations

import nats

from vms_contracts.subjects import Bus, inbox_prefix
from vms_platform.jetstream import declare


async def setup(nats_url: str, bus: Bus, *, replicas: int = 1) -> list[str]:
    nc = await nats.connect(
        [s.strip() for s in nats_url.split(",")], name="vms-nats-setup", inbox_prefix=inbox_prefix("setup")
    )
    try:
        return await declare(nc.jetstream(), bus, replicas=replicas)
    finally:
        await nc.close()
