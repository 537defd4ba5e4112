"""`vms nats-setup` declares the integrators' pull consumers from `VMS_NATS_INTEGRATORS`; integrators may no longer
create consumers themselves (deploy/nats/accounts.conf, proven in tests/test_nats_config.py)."""

from __future__ import annotations

import nats
import pytest
from nats.js.api import ConsumerConfig

from vms_contracts.subjects import Bus
from vms_deploy.nats_setup import IntegratorConfigError, IntegratorConsumer, parse_integrators, setup

BUS = Bus()


def test_each_pair_names_a_durable_and_the_filter_it_reads() -> None:
    parsed = parse_integrators("integrator-hours=vms.*.hours.>\n  partner-b=vms.26.hours.confirmed ", BUS)
    assert parsed == [
        IntegratorConsumer("integrator-hours", "vms.*.hours.>", "HOURS"),
        IntegratorConsumer("partner-b", "vms.26.hours.confirmed", "HOURS"),
    ]
    assert parse_integrators("", BUS) == []
    assert parse_integrators("consents=vms.*.registry.consent.changed", BUS)[0].stream == "REGISTRY"


@pytest.mark.parametrize(
    ("pairs", "why"),
    [
        ("integrator-hours", "is not <durable>=<filter>"),
        ("=vms.*.hours.>", "is not <durable>=<filter>"),
        ("integrator.hours=vms.*.hours.>", "letters, digits, - and _ only"),
        ("hours-copy=vms.*.hours.>", "starts with a service's name"),
        ("a=vms.*.hours.> a=vms.*.hours.confirmed", "given twice"),
        ("a=other.*.hours.>", "is not an event filter"),
        ("a=vms.*.hours", "is not an event filter"),
        ("a=vms.*.ho*rs.>", "not a valid subject filter"),
        ("a=vms.>.hours.confirmed", "not a valid subject filter"),
        ("a=vms.*.*.confirmed", "names no service"),
        ("a=vms.*.hours.rpc.>", "selects requests"),
        ("a=vms.*.hours.vanished", "selects none of the events the HOURS stream keeps"),
        ("a=vms.*.rewards.>", "selects none of the events the REWARDS stream keeps"),
    ],
)
def test_a_consumer_that_cannot_be_declared_is_refused_with_the_reason(pairs: str, why: str) -> None:
    with pytest.raises(IntegratorConfigError, match="VMS_NATS_INTEGRATORS") as refused:
        parse_integrators(pairs, BUS)
    assert why in str(refused.value)


async def test_setup_declares_pull_consumers_and_replaces_a_pushing_one(nats_url: str, bus: Bus) -> None:
    """A consumer an integrator once created for itself may push; the operator's setup turns it into a pull
    consumer under the same name."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = bus.stream_name("HOURS")
    every_hour_event = f"{bus.root}.*.hours.>"
    await js.add_consumer(
        stream,
        ConsumerConfig(
            durable_name="partner-a",
            deliver_subject=f"{bus.root}.00.registry.rpc.set_consent",
            filter_subject=every_hour_event,
        ),
    )
    wanted = parse_integrators(f"partner-a={every_hour_event} partner-b={bus.root}.26.hours.confirmed", bus)

    report = await setup(nats_url, bus, integrators=wanted)
    assert f"consumer {stream}/partner-b: created (pull, {bus.root}.26.hours.confirmed)" in report
    (replaced,) = [line for line in report if "partner-a" in line]
    assert "replaced by a pull consumer" in replaced and "rpc.set_consent" in replaced
    for durable in ("partner-a", "partner-b"):
        assert (await js.consumer_info(stream, durable)).config.deliver_subject is None

    changed = parse_integrators(f"partner-b={bus.root}.*.hours.confirmed", bus)
    report = await setup(nats_url, bus, integrators=changed)
    assert f"consumer {stream}/partner-b: updated (pull, {bus.root}.*.hours.confirmed)" in report
    assert (await js.consumer_info(stream, "partner-b")).config.filter_subject == f"{bus.root}.*.hours.confirmed"
    report = await setup(nats_url, bus, integrators=changed)
    assert f"consumer {stream}/partner-b: up to date (pull, {bus.root}.*.hours.confirmed)" in report
    await nc.close()
