"""`vms nats-setup`: declare every JetStream stream and durable consumer from the contracts, once.

Services never declare streams themselves: this step does, before they start, and again after an upgrade that
adds event types (a stream's subjects follow the catalogue).
"""

from __future__ import annotations

from collections.abc import Sequence

import nats

from vms_contracts.subjects import Bus, inbox_prefix
from vms_platform.jetstream import declare


async def setup(nats_url: str, bus: Bus, *, replicas: int = 1, regional: Sequence[str] = ()) -> list[str]:
    """Declare everything; `regional` names the regional deployments (`26`, `26-27`) that need durable consumers
    of their own."""
    nc = await nats.connect(
        [s.strip() for s in nats_url.split(",")], name="vms-nats-setup", inbox_prefix=inbox_prefix("setup")
    )
    try:
        return await declare(nc.jetstream(), bus, replicas=replicas, regional=regional)
    finally:
        await nc.close()
