"""`vms status`: the whole system on one screen, for an operator on call — every service's deployments as the
gateway's `/api/v1/health` reports them (up, ready, database, outbox backlog, what keeps each from working fully), each
durable consumer's pending, unacknowledged and redelivered events, and the dead letters by consumer; `--json` gives
the same as one JSON object.

The services are asked through the gateway (its `/api/v1/health`, which asks every region's deployment over NATS, as an
anonymous visitor may); the consumers and dead letters are read from JetStream as the `setup` user reads them.
The exit status is 0 only when every service is up and ready: it can drive an alert or a script.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from vms_contracts.regions import REGIONS
from vms_contracts.streams import STREAMS
from vms_contracts.subjects import Bus

HEALTH_PATH = "/api/v1/health"
GATEWAY_TIMEOUT = 10.0
"""Seconds the gateway may take to ask every service (it gives each 2 s)."""


@dataclass
class ConsumerState:
    stream: str
    durable: str
    pending: int
    """Events in the stream it has not been given yet: how far behind it is."""
    unacknowledged: int
    redelivered: int
    waiting_pulls: int
    """Pull requests it has outstanding: 0 while its service is not running."""


@dataclass
class Status:
    gateway: str
    services: dict[str, Any] | None = None
    """The gateway's health report (`services`: each service's status and deployments)."""
    services_error: str | None = None
    consumers: list[ConsumerState] = field(default_factory=list)
    missing_streams: list[str] = field(default_factory=list)
    dead_letters: dict[str, int] = field(default_factory=dict)
    """Dead letters kept, by the consumer that parked them."""

    @property
    def healthy(self) -> bool:
        return self.services is not None and self.services.get("status") == "up"

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "healthy": self.healthy}, ensure_ascii=False, indent=2)


async def gather(js: JetStreamContext, bus: Bus, gateway: str) -> Status:
    status = Status(gateway=gateway)
    try:
        async with httpx.AsyncClient(timeout=GATEWAY_TIMEOUT) as client:
            answer = await client.get(f"{gateway.rstrip('/')}{HEALTH_PATH}")
        report = answer.json()
        if "services" not in report:
            raise ValueError(f"{answer.status_code}: {str(report)[:200]}")
        status.services = report
    except (httpx.HTTPError, ValueError) as exc:
        status.services_error = f"{type(exc).__name__}: {exc}"
    for spec in STREAMS.values():
        if not spec.subjects(bus):  # a service that publishes no events has no stream
            continue
        stream = spec.name(bus)
        try:
            infos = await js.consumers_info(stream)
        except NotFoundError:
            status.missing_streams.append(stream)
            continue
        status.consumers += [
            ConsumerState(
                stream=stream,
                durable=info.name,
                pending=info.num_pending or 0,
                unacknowledged=info.num_ack_pending or 0,
                redelivered=info.num_redelivered or 0,
                waiting_pulls=info.num_waiting or 0,
            )
            for info in sorted(infos, key=lambda i: i.name)
        ]
    if bus.stream_name("DEADLETTER") not in status.missing_streams:
        info = await js.stream_info(bus.stream_name("DEADLETTER"), subjects_filter=bus.deadletter_pattern())
        prefix = bus.deadletter_subject("")
        status.dead_letters = {
            subject.removeprefix(prefix): count for subject, count in sorted((info.state.subjects or {}).items())
        }
    return status


def render(status: Status) -> str:
    """The one screen: services, then consumers, then dead letters; what needs a look marked with `!`."""
    lines = [f"services (from {status.gateway}{HEALTH_PATH})"]
    if status.services is None:
        lines.append(f"  ! the gateway did not answer: {status.services_error}")
    else:
        for name, service in status.services["services"].items():
            if service["status"] == "down":
                lines.append(f"  ! {name:9} down: {service.get('error') or ''}")
                continue
            for deployment in service["deployments"]:
                served = deployment.get("regions") or []
                regions = "all" if set(served) == set(REGIONS) else ",".join(served) or "-"
                mark = " " if deployment["status"] == "up" else "!"
                backlog = deployment.get("outbox_backlog")
                relay = "" if deployment.get("relaying") is None else (" relaying" if deployment["relaying"] else "")
                lines.append(
                    f"  {mark} {name:9} {deployment['status']:8} {deployment['instance']:24} regions {regions:20} "
                    f"db {deployment['database']:8} outbox {'-' if backlog is None else backlog}{relay}"
                )
                lines += [f"      waiting for {w}" for w in deployment.get("waiting_for") or []]
                lines += [f"      problem: {p}" for p in deployment.get("problems") or []]
    lines.append("consumers                                   pending  unacked  redelivered  pulls")
    for stream in status.missing_streams:
        lines.append(f"  ! stream {stream} missing: declare it with `vms nats-setup`")
    for c in status.consumers:
        mark = "!" if c.pending or c.redelivered or not c.waiting_pulls else " "
        name = f"{c.stream}/{c.durable}"
        lines.append(
            f"  {mark} {name:40} {c.pending:>7}  {c.unacknowledged:>7}  {c.redelivered:>11}  {c.waiting_pulls:>5}"
        )
    total = sum(status.dead_letters.values())
    lines.append(f"dead letters: {total}" + ("" if total else " (none)"))
    lines += [f"  ! {consumer:40} {count:>7}" for consumer, count in status.dead_letters.items()]
    if total:
        lines.append("    `vms deadletter list` shows them; `vms deadletter replay N` sends one back")
    return "\n".join(lines)
