"""`vms`: the operator's command.

vms up                      the whole system on this machine (embedded NATS, SQLite, portal on :8000)
vms nats-setup [--regional 26]  declare JetStream streams and consumers (before services start)
vms status [--json]         every service's health, each consumer's backlog, the dead letters: one screen
vms deadletter list         what consumers could not handle, and why
vms deadletter replay SEQ   send one back to where it came from, once its cause is fixed
vms docs [--check]          write the event documentation (docs/events/) and who may do what
                            (docs/permissions.md) from the contracts, or check them
vms keys                    print a new actor key set as environment lines (for .env or a secret store)
vms admin create --login N  make the first central admin in the gateway's database (password prompted, or
                            VMS_ADMIN_PASSWORD)
vms demo-data [--region 11] a demo region through the registry's requests: centres, volunteers, recruitments,
                            community teams (`vms up` loads Seoul's on its first run); loading again adds nothing

The commands that talk to NATS take the server from `--nats-url`, else from `VMS_NATS_URL`, else from the
`vms up` running on the data folder (`--data`, `VMS_DATA_DIR`, `var/`). A folder named with `--data` or
`VMS_DATA_DIR` that no running `vms up` holds is refused: the commands never guess which system to act on. Only
when nothing at all was named and `var/` has no run do they try nats://127.0.0.1:4222, and say so.
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
from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError

import vms_deploy.messages  # noqa: F401  (registers the operator's texts)
from vms_contracts.subjects import Bus, inbox_prefix
from vms_deploy import admin, demo_data
from vms_deploy import docs as documentation
from vms_deploy.demo_data import AREA_CODES, DEFAULT_SEED, DemoSpec
from vms_deploy.nats_setup import (
    INTEGRATORS_VARIABLE,
    WAIT_VARIABLE,
    IntegratorConfigError,
    JetStreamNotReady,
    parse_integrators,
    setup,
)
from vms_deploy.status import gather as status_of
from vms_deploy.status import render as render_status
from vms_deploy.supervisor import RUN_FILE, Plan, RestartPolicy, RunningSystem, both, run_forever, running_system
from vms_platform.deadletter import list_dead_letters, replay_dead_letter
from vms_platform.jetstream import deployment_name
from vms_platform.retry import Policy
from vms_platform.settings import check_nats_urls, parse_regions, redacted

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
STREAM_NOT_FOUND = 10059
MESSAGE_NOT_FOUND = 10037
"""JetStream's error codes for a stream, and a message of a stream, that does not exist."""


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"a number of seconds, 0 or more, is needed, not {text!r}")
    return seconds


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _restart_delays(value: str) -> Policy:
    """`1,60` → restart delays from 1 s, doubling, at most 60 s."""
    try:
        first, cap = (float(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("two numbers of seconds, the first and the longest delay: e.g. 1,60") from None
    if not 0 < first <= cap:
        raise argparse.ArgumentTypeError("the first delay must be above 0 and at most the longest")
    return Policy(first=first, cap=cap)


def _at_least_zero(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, 0 or more: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"0 or more: {number}")
    return number


def _demo_region(value: str) -> str:
    if value not in AREA_CODES:
        raise argparse.ArgumentTypeError(f"one of the 17 시·도 codes: {', '.join(sorted(AREA_CODES))}")
    return value


def _at_least_one(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, 1 or more: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"1 or more: {number}")
    return number


DEFAULT_DATA_DIR = Path("var")


def _bus_options(parser: argparse.ArgumentParser) -> None:
    """Where an operator command finds the bus: given, or the running `vms up`'s (see the module's docstring)."""
    parser.add_argument("--nats-url", default=os.environ.get("VMS_NATS_URL"), help="NATS server(s), comma-separated")
    parser.add_argument("--bus-root", default=os.environ.get("VMS_BUS_ROOT"), help="subject root (vms)")
    # None when not named, so that a folder the operator named is told apart from the default.
    named = os.environ.get("VMS_DATA_DIR")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(named) if named else None,
        help="the data folder of a running `vms up` whose NATS to use when no URL is given (var/); refused when no "
        "`vms up` runs on it",
    )


class NoRunningSystem(Exception):
    """A data folder was named and no `vms up` runs on it; the message says why and what to give instead."""


class WrongNatsUrl(Exception):
    """The NATS URL given cannot be one; the message names the variable and what is wrong."""


def _bus_target(args: argparse.Namespace) -> tuple[str, Bus]:
    """The NATS URL and bus an operator command acts on (see the module's docstring); `NoRunningSystem` when a
    named folder has no run, rather than a guess that may be another system; `WrongNatsUrl` for a URL that cannot
    be one."""
    nats_url: str | None = args.nats_url
    bus_root: str | None = args.bus_root
    if nats_url is not None:
        try:
            nats_url = check_nats_urls(nats_url)
        except ValueError as exc:
            # A mistake to fix, not a server to wait for (the setup job waits for a server that is not up yet).
            raise WrongNatsUrl(f"VMS_NATS_URL (or --nats-url): {exc}") from None
    if nats_url is None:
        named: Path | None = args.data
        folder = named if named is not None else DEFAULT_DATA_DIR
        running = running_system(folder)
        if running is not None and running.nats_url:
            nats_url = running.nats_url
            bus_root = bus_root or running.bus_root
            # On stderr: what `deadletter list` prints on stdout stays one JSON object per line.
            print(
                both("OPS_USING_RUNNING_SYSTEM", nats=redacted(nats_url), data=running.data_dir, pid=running.pid),
                file=sys.stderr,
            )
        elif named is not None:
            raise NoRunningSystem(_no_run_on(named))
        else:
            nats_url = DEFAULT_NATS_URL
            print(both("OPS_USING_DEFAULT_NATS", nats=nats_url, data=folder), file=sys.stderr)
    return nats_url, Bus(bus_root or "vms")


def _no_run_on(folder: Path) -> str:
    if not folder.is_dir():
        return both("OPS_NO_SUCH_DATA_FOLDER", data=folder)
    ended = RunningSystem.read(folder)
    if ended is None:
        return both("OPS_NO_RUN_ON_DATA_FOLDER", data=folder)
    return both(
        "OPS_STALE_RUN_ON_DATA_FOLDER",
        data=folder,
        pid=ended.pid,
        since=ended.since,
        nats=redacted(ended.nats_url or "-"),
        run_file=folder / RUN_FILE,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vms", description="Run and operate VMS")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the whole system on this machine; Ctrl-C stops it")
    up.add_argument("--data", type=Path, default=Path(_env("VMS_DATA_DIR", "var")), help="data folder (var/)")
    up.add_argument("--port", type=int, default=int(_env("VMS_PORT", "8000")), help="portal port (8000)")
    up.add_argument("--sim-port", type=int, default=8365, help="1365 simulator port (8365)")
    up.add_argument(
        "--nats-port",
        type=int,
        default=None,
        help="embedded NATS port; refused when in use (default 4222, or a free one when 4222 is in use)",
    )
    up.add_argument("--nats-url", default=None, help="use this NATS server instead of the embedded one")
    up.add_argument("--quiet", action="store_true", help="do not echo the services' logs (they stay in var/log)")
    up.add_argument(
        "--no-demo-data",
        action="store_true",
        default=_env("VMS_DEMO_DATA", "1") == "0",
        help="do not load the demo region (Seoul: centres, volunteers, recruitments) on the first run "
        "(env VMS_DEMO_DATA=0)",
    )
    up.add_argument(
        "--restart-delays",
        type=_restart_delays,
        default=RestartPolicy().delays,
        metavar="FIRST,LONGEST",
        help="seconds before restarting a process that exited: the first delay, doubled while it keeps exiting, "
        "up to the longest (1,60)",
    )

    nats_setup = commands.add_parser("nats-setup", help="declare JetStream streams and consumers")
    _bus_options(nats_setup)
    nats_setup.add_argument("--replicas", type=int, choices=(1, 3, 5), default=int(_env("VMS_NATS_REPLICAS", "1")))
    nats_setup.add_argument(
        "--regional",
        action="append",
        type=_deployment,
        default=[_deployment(d) for d in _env("VMS_NATS_REGIONAL", "").split() if d],
        metavar="REGIONS",
        help="a regional deployment's regions (`26`, or `26,27` for one serving both), whose own durable consumers "
        "to declare too; repeat for each (env VMS_NATS_REGIONAL, space-separated)",
    )

    nats_setup.add_argument(
        "--wait",
        type=_seconds,
        default=_env(WAIT_VARIABLE, "60"),
        metavar="SECONDS",
        help="how long to wait for JetStream to answer (servers still starting, a cluster still forming) before "
        "giving up (env VMS_NATS_SETUP_WAIT; 60, 0 to try once)",
    )
    nats_setup.add_argument(
        "--integrators",
        default=_env(INTEGRATORS_VARIABLE, ""),
        metavar="NAME=FILTER ...",
        help="integrators' pull consumers on HOURS to declare, space-separated `name=filter` pairs, e.g. "
        "`integrator-hours=vms.*.hours.>` (env VMS_NATS_INTEGRATORS)",
    )

    status = commands.add_parser(
        "status", help="every service's health, each durable consumer's backlog, the dead letters: one screen"
    )
    _bus_options(status)
    status.add_argument(
        "--gateway",
        default=os.environ.get("VMS_GATEWAY_URL"),
        help="the gateway whose health report asks the services (env VMS_GATEWAY_URL; else the running `vms up`'s "
        "portal, else http://127.0.0.1:8000)",
    )
    status.add_argument("--json", action="store_true", help="one JSON object instead of the screen")

    dead = commands.add_parser("deadletter", help="inspect and replay dead letters")
    dead.add_argument("action", choices=("list", "replay"))
    dead.add_argument("sequence", nargs="?", type=int, help="the dead letter to replay")
    _bus_options(dead)
    dead.add_argument("--limit", type=_at_least_one, default=50, help="list at most this many (50)")

    docs = commands.add_parser(
        "docs", help="write the event documentation (AsyncAPI, JSON Schemas) and the permissions page from the code"
    )
    docs.add_argument("--out", type=Path, default=Path("docs/events"), help="where to write the events' (docs/events)")
    docs.add_argument(
        "--permissions",
        type=Path,
        default=None,
        help="where to write who may do what (permissions.md beside the events' folder: docs/permissions.md)",
    )
    docs.add_argument("--check", action="store_true", help="write nothing; fail if the files differ from the code")

    commands.add_parser(
        "keys",
        help="print a new actor key set as environment lines: each program's private key and every public key",
    )

    admin_command = commands.add_parser("admin", help="accounts an operator makes")
    admin_actions = admin_command.add_subparsers(dest="action", required=True)
    create = admin_actions.add_parser(
        "create",
        help="make the first central admin; the password from VMS_ADMIN_PASSWORD, else asked twice",
    )
    create.add_argument("--login", required=True, help="the sign-in name")
    create.add_argument(
        "--database-url",
        default=None,
        help="the gateway's database (env VMS_GATEWAY_DATABASE_URL)",
    )

    demo = commands.add_parser(
        "demo-data",
        help="load a demo region through the registry's requests: centres, volunteers, recruitments, community teams",
        description="Load a demo region through the registry's own requests, signed as the gateway signs them (the "
        "key in the data folder's actor-keys.env, or VMS_GATEWAY_ACTOR_KEY). The same seed makes the same region, "
        "and loading again adds nothing.",
    )
    demo.add_argument("--region", type=_demo_region, default="11", help="2-digit 시·도 code (11, Seoul)")
    demo.add_argument("--centres", type=_at_least_zero, default=30, help="management centres (30)")
    demo.add_argument("--volunteers", type=_at_least_zero, default=300, help="volunteers (300)")
    demo.add_argument("--recruitments", type=_at_least_zero, default=120, help="recruitments (120)")
    demo.add_argument("--teams", type=_at_least_zero, default=10, help="community service teams (10)")
    demo.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"the same seed, the same people and places ({DEFAULT_SEED})"
    )
    _bus_options(demo)

    args = parser.parse_args(argv)
    if args.command == "up":
        plan = Plan(
            data_dir=args.data,
            gateway_port=args.port,
            sim_port=args.sim_port,
            nats_port=args.nats_port,
            nats_url=args.nats_url,
            echo_logs=not args.quiet,
            restarts=RestartPolicy(delays=args.restart_delays),
            demo_data=not args.no_demo_data,
        )
        sys.exit(asyncio.run(run_forever(plan)))
    if args.command == "docs":
        permissions = args.permissions or documentation.permissions_path(args.out)
        sys.exit(_docs(args.out, permissions, check=args.check))
    if args.command == "keys":
        print("\n".join(admin.key_lines()))
        return
    if args.command == "admin":
        sys.exit(admin.create_admin_command(args.login, args.database_url))
    if args.command == "deadletter" and args.action == "replay" and args.sequence is None:
        parser.error("deadletter replay needs the sequence number shown by `vms deadletter list`")
    try:
        nats_url, bus = _bus_target(args)
    except (NoRunningSystem, WrongNatsUrl) as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    if args.command == "demo-data":
        spec = DemoSpec(args.region, args.centres, args.volunteers, args.recruitments, args.teams, args.seed)
        folder = args.data if args.data is not None else DEFAULT_DATA_DIR
        sys.exit(asyncio.run(demo_data.command(spec, nats_url=nats_url, bus=bus, data_dir=folder, environ=os.environ)))
    if args.command == "nats-setup":
        try:
            integrators = parse_integrators(args.integrators, bus)
        except IntegratorConfigError as exc:
            sys.exit(str(exc))
        report = setup(
            nats_url, bus, replicas=args.replicas, regional=args.regional, integrators=integrators, wait=args.wait
        )
        try:
            lines = asyncio.run(report)
        except JetStreamNotReady as exc:
            sys.exit(f"vms nats-setup: {exc}")
        for line in lines:
            print(line)
        return
    if args.command == "status":
        sys.exit(asyncio.run(_status(nats_url, bus, _gateway_of(args), as_json=args.json)))
    sys.exit(asyncio.run(_deadletter(args.action, args.sequence, nats_url, bus, args.limit)))


def _gateway_of(args: argparse.Namespace) -> str:
    if args.gateway:
        return str(args.gateway)
    running = running_system(args.data if args.data is not None else DEFAULT_DATA_DIR)
    return running.portal if running is not None else DEFAULT_GATEWAY_URL


async def _status(nats_url: str, bus: Bus, gateway: str, *, as_json: bool) -> int:
    nc = await _operator_connection(nats_url, "vms-status")
    if nc is None:
        return 1
    try:
        found = await status_of(nc.jetstream(), bus, gateway)
    finally:
        await nc.close()
    print(found.to_json() if as_json else render_status(found))
    return 0 if found.healthy else 1


async def _operator_connection(nats_url: str, name: str) -> NatsClient | None:
    """A connection as an operator command makes it: each server tried twice, then a clear answer (None, said on
    stderr): an operator command must not retry for minutes."""
    try:
        return await nats.connect(
            [s.strip() for s in nats_url.split(",")],
            name=name,
            inbox_prefix=inbox_prefix("setup"),
            connect_timeout=2,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.5,
            error_cb=_quiet,
        )
    except (OSError, NatsError) as exc:
        print(both("OPS_NATS_UNREACHABLE", nats=redacted(nats_url), error=type(exc).__name__), file=sys.stderr)
        return None


async def _quiet(_error: Exception) -> None:
    """nats-py's error callback: a failed connection is reported once, by the command, not per attempt."""


async def _deadletter(action: str, sequence: int | None, nats_url: str, bus: Bus, limit: int) -> int:
    nc = await _operator_connection(nats_url, "vms-deadletter")
    if nc is None:
        return 1
    try:
        js = nc.jetstream()
        if action == "replay":
            assert sequence is not None
            subject = await replay_dead_letter(js, bus, sequence)
            print(both("OPS_REPLAYED", sequence=sequence, subject=subject))
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
            print(both("OPS_NO_DEAD_LETTERS"))
        return 0
    except NotFoundError as exc:
        if exc.err_code == MESSAGE_NOT_FOUND and sequence is not None:
            print(both("OPS_NO_SUCH_DEAD_LETTER", sequence=sequence), file=sys.stderr)
            return 1
        if exc.err_code != STREAM_NOT_FOUND:
            raise
        stream = bus.stream_name("DEADLETTER")
        print(both("OPS_NO_DEADLETTER_STREAM", nats=redacted(nats_url), stream=stream, root=bus.root), file=sys.stderr)
        return 1
    finally:
        await nc.close()


def _docs(out: Path, permissions: Path, *, check: bool) -> int:
    if check:
        problems = documentation.stale(out, permissions)
        for problem in problems:
            print(problem)
        if problems:
            print(
                f"the documentation differs from the code: run `vms docs --out {out} --permissions {permissions}`",
                file=sys.stderr,
            )
        return 1 if problems else 0
    changed = documentation.write(out, permissions)
    for line in changed:
        print(line)
    if not changed:
        print(f"{out} and {permissions} are up to date")
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
