"""`vms`: the operator's command.

vms up                      the whole system on this machine (embedded NATS, SQLite, portal on :8000)
vms nats-setup [--regional 26]  declare JetStream streams and consumers (before services start)
vms deadletter list         what consumers could not handle, and why
vms deadletter replay SEQ   send one back to where it came from, once its cause is fixed
vms docs [--check]          write the event documentation (docs/events/) from the contracts, or check it
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
from pathlib import Path

import nats

from vms_contracts.docs import stale_documents, write_documents
from vms_contracts.subjects import Bus, inbox_prefix
from vms_deploy.nats_setup import setup
from vms_deploy.supervisor import Plan, run_forever
from vms_platform.deadletter import list_dead_letters, replay_dead_letter
from vms_platform.jetstream import deployment_name
from vms_platform.settings import parse_regions


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vms", description="Run and operate VMS")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the whole system on this machine; Ctrl-C stops it")
    up.add_argument("--data", type=Path, default=Path(_env("VMS_DATA_DIR", "var")), help="data folder (var/)")
    up.add_argument("--port", type=int, default=int(_env("VMS_PORT", "8000")), help="portal port (8000)")
    up.add_argument("--sim-port", type=int, default=8365, help="1365 simulator port (8365)")
    up.add_argument("--nats-port", type=int, default=4222, help="embedded NATS port (4222, or a free one)")
    up.add_argument("--nats-url", default=None, help="use this NATS server instead of the embedded one")
    up.add_argument("--quiet", action="store_true", help="do not echo the services' logs (they stay in var/log)")

    nats_setup = commands.add_parser("nats-setup", help="declare JetStream streams and consumers")
    nats_setup.add_argument("--nats-url", default=_env("VMS_NATS_URL", "nats://127.0.0.1:4222"))
    nats_setup.add_argument("--replicas", type=int, choices=(1, 3, 5), default=int(_env("VMS_NATS_REPLICAS", "1")))
    nats_setup.add_argument("--bus-root", default=_env("VMS_BUS_ROOT", "vms"))
    nats_setup.add_argument(
        "--regional",
        action="append",
        type=_deployment,
        default=[_deployment(d) for d in _env("VMS_NATS_REGIONAL", "").split() if d],
        metavar="REGIONS",
        help="a regional deployment's regions (`26`, or `26,27` for one serving both), whose own durable consumers "
        "to declare too; repeat for each (env VMS_NATS_REGIONAL, space-separated)",
    )

    dead = commands.add_parser("deadletter", help="inspect and replay dead letters")
    dead.add_argument("action", choices=("list", "replay"))
    dead.add_argument("sequence", nargs="?", type=int, help="the dead letter to replay")
    dead.add_argument("--nats-url", default=_env("VMS_NATS_URL", "nats://127.0.0.1:4222"))
    dead.add_argument("--bus-root", default=_env("VMS_BUS_ROOT", "vms"))
    dead.add_argument("--limit", type=int, default=50)

    docs = commands.add_parser("docs", help="write the event documentation (AsyncAPI, JSON Schemas) from the code")
    docs.add_argument("--out", type=Path, default=Path("docs/events"), help="where to write it (docs/events)")
    docs.add_argument("--check", action="store_true", help="write nothing; fail if the files differ from the code")

    args = parser.parse_args(argv)
    if args.command == "up":
        plan = Plan(
            data_dir=args.data,
            gateway_port=args.port,
            sim_port=args.sim_port,
            nats_port=args.nats_port,
            nats_url=args.nats_url,
            echo_logs=not args.quiet,
        )
        sys.exit(asyncio.run(run_forever(plan)))
    if args.command == "nats-setup":
        report = setup(args.nats_url, Bus(args.bus_root), replicas=args.replicas, regional=args.regional)
        for line in asyncio.run(report):
            print(line)
        return
    if args.command == "docs":
        sys.exit(_docs(args.out, check=args.check))
    if args.action == "replay" and args.sequence is None:
        parser.error("deadletter replay needs the sequence number shown by `vms deadletter list`")
    sys.exit(asyncio.run(_deadletter(args.action, args.sequence, args.nats_url, Bus(args.bus_root), args.limit)))


async def _deadletter(action: str, sequence: int | None, nats_url: str, bus: Bus, limit: int) -> int:
    nc = await nats.connect(
        [s.strip() for s in nats_url.split(",")], name="vms-deadletter", inbox_prefix=inbox_prefix("setup")
    )
    try:
        js = nc.jetstream()
        if action == "replay":
            assert sequence is not None
            subject = await replay_dead_letter(js, bus, sequence)
            print(f"dead letter {sequence} sent again to {subject}")
            return 0
        letters = await list_dead_letters(js, bus, limit=limit)
        for letter in letters:
            print(
                json.dumps(
                    {
                        "sequence": letter.sequence,
                        "consumer": letter.consumer,
                        "subject": letter.subject,
                        "reason": letter.reason,
                        "deliveries": letter.deliveries,
                        "at": letter.at,
                        "data": _readable(letter.data),
                    },
                    ensure_ascii=False,
                )
            )
        if not letters:
            print("no dead letters")
        return 0
    finally:
        await nc.close()


def _docs(out: Path, *, check: bool) -> int:
    if check:
        problems = stale_documents(out)
        for problem in problems:
            print(f"{out}/{problem}")
        if problems:
            print(f"the event documentation differs from the code: run `vms docs --out {out}`", file=sys.stderr)
        return 1 if problems else 0
    changed = write_documents(out)
    for action, name in changed:
        print(f"{action} {out / name}")
    if not changed:
        print(f"{out} is up to date")
    return 0


def _deployment(regions: str) -> str:
    """`26,27` → `26-27`, the name a regional deployment's durable consumers carry (`hours-registry-26-27`)."""
    try:
        codes, national = parse_regions(regions)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if national:
        raise argparse.ArgumentTypeError("the national deployment's consumers are always declared; name regions")
    return deployment_name(codes)


def _readable(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(data).decode()
