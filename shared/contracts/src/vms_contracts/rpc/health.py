"""Every service answers `vms.<region>.<service>.rpc.health` for each region it serves."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from vms_contracts.rpc import Rpc
from vms_contracts.types import RequestModel


class HealthRequest(RequestModel):
    pass


class HealthView(BaseModel):
    service: str
    instance: str
    version: str
    started_at: AwareDatetime
    deployment: UUID | None = Field(default=None, description="shared by the replicas of one deployment")
    regions: list[str] = Field(default_factory=list, description="the regions whose requests it answers")
    database: str
    """`ok`, or what went wrong reaching it."""
    outbox_backlog: int | None = None
    """Events committed but not yet acknowledged by JetStream (None for a service that publishes none)."""
    relaying: bool | None = None
    """Whether this replica is the one publishing the deployment's outbox (None: publishes none)."""
    ready: bool | None = None
    """Whether this process may be given work: started, its database reachable and at the schema it runs, NATS
    connected, its event consumers bound (None from a version that does not say)."""
    waiting_for: list[str] = Field(default_factory=list)
    """What it waits for before it is ready, a line each; empty once ready."""
    problems: list[str] = Field(default_factory=list)
    """What keeps it from working fully (a missing consumer, an external system down); empty when healthy."""


def health_rpc(service: str) -> Rpc[HealthRequest, HealthView]:
    return Rpc(service, "health", HealthRequest, HealthView, "Is the service up, and is its database?")
