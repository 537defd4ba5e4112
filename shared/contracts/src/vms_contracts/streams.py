"""The JetStream streams events are kept in: one per producing service, plus the dead letters.

A stream lists its service's event subjects from the catalogue rather than `vms.*.<service>.>`, so that
request/reply traffic (`vms.<region>.<service>.rpc.<name>`) is never stored, and never answered by JetStream in
the service's place. Integrators read a stream through a durable consumer of their own (`vms.*.hours.>` on
`HOURS`, say); the streams themselves are declared by the operator's `vms nats-setup`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vms_contracts.events import EVENT_TYPES
from vms_contracts.subjects import Bus


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


def stream_of(service: str) -> StreamSpec:
    """The stream that keeps `service`'s events."""
    return next(s for s in STREAMS.values() if s.service == service)
