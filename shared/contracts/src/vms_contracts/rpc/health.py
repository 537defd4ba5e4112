"""Every service answers `vms.<region>.<service>.rpc.health`."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from vms_contracts.rpc import Rpc


class HealthRequest(BaseModel):
    pass


class HealthView(BaseModel):
    service: str
    instance: str
    version: str
    started_at: AwareDatetime
    database: str
    """`ok`, or what went wrong reaching it."""
    outbox_backlog: int | None = None
    """Events committed but not yet acknowledged by JetStream (None for a service that publishes none)."""


def health_rpc(service: str) -> Rpc[HealthRequest, HealthView]:
    return Rpc(service, "health", HealthRequest, HealthView, "Is the service up, and is its database?")
