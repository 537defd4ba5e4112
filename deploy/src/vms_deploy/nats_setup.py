"""`vms nats-setup`: declare every JetStream stream and durable consumer from the contracts, once.

Services never declare streams themselves: this step does, before they start, and again after an upgrade that
adds event types (a stream's subjects follow the catalogue).

It also declares the integrators' consumers, from `VMS_NATS_INTEGRATORS`: space-separated `<durable>=<filter>`
pairs, e.g. `integrator-hours=vms.*.hours.>`. Each is a pull consumer on the stream of the service the filter
names. Integrators may only look up, fetch from and acknowledge their own consumer (deploy/nats/accounts.conf):
were they allowed to create one, a push consumer would let them have JetStream deliver events into any subject,
a service's request subject included.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import nats
from nats.errors import ConnectionClosedError, NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from vms_contracts.streams import STREAMS
from vms_contracts.subjects import SERVICES, Bus, inbox_prefix
from vms_platform.jetstream import declare

INTEGRATORS_VARIABLE = "VMS_NATS_INTEGRATORS"
WAIT_VARIABLE = "VMS_NATS_SETUP_WAIT"
"""How many seconds `vms nats-setup` waits for JetStream to answer (a cluster that is still forming, a node that is
still starting) before it gives up: 60 by default, 0 to try once."""

_DURABLE = re.compile(r"^[A-Za-z0-9_-]+$")


class IntegratorConfigError(ValueError):
    """`VMS_NATS_INTEGRATORS` names a consumer that cannot be declared; the message says which and why."""


@dataclass(frozen=True)
class IntegratorConsumer:
    """A durable pull consumer an integrator reads events through, declared by the operator."""

    durable: str
    filter_subject: str
    stream: str
    """The stream's base name (`HOURS`)."""

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            description=f"integrator consumer, declared by vms nats-setup ({INTEGRATORS_VARIABLE})",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60.0,
            max_deliver=-1,
            filter_subject=self.filter_subject,
            max_ack_pending=10_000,
        )


def parse_integrators(text: str, bus: Bus) -> list[IntegratorConsumer]:
    """`integrator-hours=vms.*.hours.> other-hours=vms.26.hours.confirmed` → the consumers to declare."""
    consumers: dict[str, IntegratorConsumer] = {}
    for pair in text.split():
        durable, equals, filter_subject = pair.partition("=")
        if not equals or not durable or not filter_subject:
            raise IntegratorConfigError(f"{INTEGRATORS_VARIABLE}: {pair!r} is not <durable>=<filter>")
        if not _DURABLE.match(durable):
            raise IntegratorConfigError(
                f"{INTEGRATORS_VARIABLE}: the durable name {durable!r} may hold letters, digits, - and _ only"
            )
        if durable.split("-", 1)[0] in SERVICES:
            raise IntegratorConfigError(
                f"{INTEGRATORS_VARIABLE}: {durable!r} starts with a service's name, which its consumers use"
            )
        if durable in consumers:
            raise IntegratorConfigError(f"{INTEGRATORS_VARIABLE}: {durable!r} is given twice")
        consumers[durable] = IntegratorConsumer(durable, filter_subject, _stream_of_filter(filter_subject, bus))
    return list(consumers.values())


def _stream_of_filter(filter_subject: str, bus: Bus) -> str:
    tokens = filter_subject.split(".")
    problem = None
    if len(tokens) < 4 or tokens[0] != bus.root:
        problem = f"is not an event filter {bus.root}.<region>.<service>.<event>"
    elif any(t == "" or (t not in ("*", ">") and ("*" in t or ">" in t)) for t in tokens) or ">" in tokens[:-1]:
        problem = "is not a valid subject filter (`*` stands for one whole token, `>` only at the end)"
    elif tokens[2] not in SERVICES:
        problem = f"names no service ({', '.join(SERVICES)}) in its third token"
    elif tokens[3] == "rpc":
        problem = "selects requests, not events"
    if problem is None:
        spec = next(s for s in STREAMS.values() if s.service == tokens[2])
        if not any(_overlaps(filter_subject, subject) for subject in spec.subjects(bus)):
            problem = f"selects none of the events the {spec.name(bus)} stream keeps"
        else:
            return spec.base_name
    raise IntegratorConfigError(f"{INTEGRATORS_VARIABLE}: the filter {filter_subject!r} {problem}")


def _overlaps(first: str, second: str) -> bool:
    """Whether some subject matches both NATS patterns."""
    a, b = first.split("."), second.split(".")
    for x, y in zip(a, b, strict=False):
        if ">" in (x, y):
            return True
        if x != y and "*" not in (x, y):
            return False
    return len(a) == len(b)


async def declare_integrators(js: JetStreamContext, bus: Bus, consumers: Sequence[IntegratorConsumer]) -> list[str]:
    """Create what is missing, update a changed filter; a consumer of that name that pushes (made before
    integrators lost the right to create consumers) is replaced by a pull consumer."""
    report: list[str] = []
    for consumer in consumers:
        stream = bus.stream_name(consumer.stream)
        wanted = consumer.config()
        try:
            current = (await js.consumer_info(stream, consumer.durable)).config
        except NotFoundError:
            await js.add_consumer(stream, wanted)
            report.append(f"consumer {stream}/{consumer.durable}: created (pull, {consumer.filter_subject})")
            continue
        if current.deliver_subject:
            await js.delete_consumer(stream, consumer.durable)
            await js.add_consumer(stream, wanted)
            report.append(
                f"consumer {stream}/{consumer.durable}: replaced by a pull consumer (it pushed to "
                f"{current.deliver_subject}; it starts from the beginning of the stream again)"
            )
        elif current.filter_subject != wanted.filter_subject:
            await js.add_consumer(stream, wanted)
            report.append(f"consumer {stream}/{consumer.durable}: updated (pull, {consumer.filter_subject})")
        else:
            report.append(f"consumer {stream}/{consumer.durable}: up to date (pull, {consumer.filter_subject})")
    return report


JETSTREAM_TEMPORARILY_UNAVAILABLE = 10008


def _not_ready_yet(exc: Exception) -> bool:
    """Whether `exc` says JetStream is not there *yet* (worth waiting for), rather than that something is wrong."""
    if isinstance(exc, OSError | NoServersError | NoRespondersError | NatsTimeoutError | ConnectionClosedError):
        return True
    return isinstance(exc, APIError) and (exc.code == 503 or exc.err_code == JETSTREAM_TEMPORARILY_UNAVAILABLE)


async def _quiet(_error: Exception) -> None:
    """nats-py's error callback: a failed try is said once, by `setup`, not per server with its traceback."""


class JetStreamNotReady(Exception):
    """JetStream did not answer within the wait: no server reachable, or the cluster without a leader still."""


def _say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def setup(
    nats_url: str,
    bus: Bus,
    *,
    replicas: int = 1,
    regional: Sequence[str] = (),
    integrators: Sequence[IntegratorConsumer] | None = None,
    wait: float = 0.0,
    say: Callable[[str], None] = _say_on_stderr,
) -> list[str]:
    """Declare everything; `regional` names the regional deployments (`26`, `26-27`) that need durable consumers
    of their own; `integrators` (by default from `VMS_NATS_INTEGRATORS`) the integrators' consumers.

    Started with the servers, as in a container deployment, it waits up to `wait` seconds for JetStream (no server
    listening yet, a cluster still electing its leader): each failed try is said, the last one raised as
    `JetStreamNotReady`. Declaring is idempotent, so a try that failed half-way is simply made again."""
    if integrators is None:
        integrators = parse_integrators(os.environ.get(INTEGRATORS_VARIABLE, ""), bus)
    deadline = time.monotonic() + wait
    attempt = 0
    while True:
        attempt += 1
        try:
            return await _declare_all(nats_url, bus, replicas, regional, integrators)
        except Exception as exc:
            if not _not_ready_yet(exc):
                raise
            if time.monotonic() >= deadline:
                raise JetStreamNotReady(f"JetStream did not answer within {wait:.0f} s: {exc!r}") from exc
            say(f"JetStream not ready yet (try {attempt}): {exc!r}; trying again")
            await asyncio.sleep(min(2.0, 0.25 * attempt))


async def _declare_all(
    nats_url: str, bus: Bus, replicas: int, regional: Sequence[str], integrators: Sequence[IntegratorConsumer]
) -> list[str]:
    nc = await nats.connect(
        [s.strip() for s in nats_url.split(",")],
        name="vms-nats-setup",
        inbox_prefix=inbox_prefix("setup"),
        connect_timeout=2,
        max_reconnect_attempts=1,
        reconnect_time_wait=0.5,
        error_cb=_quiet,
    )
    try:
        js = nc.jetstream()
        report = await declare(js, bus, replicas=replicas, regional=regional)
        return report + await declare_integrators(js, bus, integrators)
    finally:
        await nc.close()
