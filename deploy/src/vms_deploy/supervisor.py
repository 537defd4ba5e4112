"""The whole system on one machine: an embedded NATS server with JetStream, every service in its own process
with its own SQLite file, the 1365 simulator and the gateway.

Children run in their own session (Ctrl-C reaches the supervisor only, which stops them in order) and are told
by the kernel to stop if the supervisor itself dies, so no process is left behind. All data lives under one
folder (`var/` by default): a restart continues where the last run stopped.

While it runs, the supervisor keeps every child running: one that exits is started again after a delay that grows
while it keeps failing (the others keep running meanwhile, so the gateway answers 503 naming the missing service).
One run at a time holds the data folder, by an OS file lock that the kernel releases when the run's last process is
gone, however it ended; the run writes where it can be reached (`vms-up.json`) beside the lock for the operator
commands to find.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import sys
import sysconfig
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from vms_contracts.subjects import Bus
from vms_deploy.nats_setup import setup as nats_setup
from vms_platform.actor import PUBLIC_KEYS_VARIABLE, new_key_set
from vms_platform.clock import KST
from vms_platform.messages import Text, register, text
from vms_platform.retry import Backoff, Policy
from vms_platform.settings import redacted

SERVICES = ("registry", "hours", "rewards", "linkage")
DATABASES = (*SERVICES, "gateway")
"""Every program with a database of its own: the services, and the gateway (accounts, sessions, tokens)."""
Progress = Callable[[str], None]

KEYS_FILE = "actor-keys.env"
"""The run's actor key set (`vms_platform.actor.new_key_set`), made on the first run and kept: owner-only."""
DEMO_ACCOUNTS_FILE = "demo-accounts.json"
"""The demo accounts' logins and their one password, made on the first run: owner-only."""

DEMO_DATA_FILE = "demo-data.json"
"""Written once the demo region is loaded: later runs leave it to the operator (`vms demo-data`)."""
DEMO_DATA_PATIENCE = 60.0
"""Seconds the demo region may take to load before the system goes on without it (measured: 11 to 16 s on two
cores with nothing else running, each posting matched against the region's volunteers as it is loaded; more when
the machine is busy); what was loaded stays, and the next run continues."""

LOCK_FILE = "vms-up.lock"
"""Held (flock) by the run that owns the data folder, and inherited by its children."""
RUN_FILE = "vms-up.json"
"""Where the running system can be reached; written by the run that holds the lock, removed when it stops."""

register(
    {
        "UP_STARTING": Text("VMS 시작 중…", "starting VMS…"),
        "UP_STOPPING": Text("중지합니다…", "stopping…"),
        "UP_STOPPING_ON_SIGNAL": Text("{signal}을(를) 받아 중지합니다…", "{signal} received: stopping…"),
        "UP_STOPPED": Text("모두 중지되었습니다.", "everything stopped."),
        "UP_COULD_NOT_START": Text("VMS를 시작하지 못했습니다:", "VMS could not start:"),
        "UP_MUST_STOP": Text("VMS를 계속 실행할 수 없어 중지합니다:", "VMS cannot keep running and stops:"),
        "UP_RUNNING": Text("VMS가 실행 중입니다", "VMS is running"),
        "UP_LABEL_PORTAL": Text("포털", "portal"),
        "UP_LABEL_DOCS": Text("API 문서", "API docs"),
        "UP_LABEL_SIM": Text("1365 시뮬레이터", "1365 simulator"),
        "UP_LABEL_DATA": Text("데이터", "data"),
        "UP_LABEL_LOGS": Text("로그", "logs"),
        "UP_CTRL_C": Text("Ctrl-C로 모두 중지합니다.", "Ctrl-C stops everything."),
        "UP_NATS_OTHER_PORT": Text(
            "기본 포트 {port}번이 사용 중이어서 내장 NATS는 {other}번 포트를 씁니다 (--nats-port로 정한 포트는 "
            "옮기지 않습니다: 사용 중이면 시작하지 않습니다)",
            "the default port {port} is in use; the embedded NATS takes {other} (a port given with --nats-port is "
            "never moved: if it is in use, nothing starts)",
        ),
        "UP_NATS_STARTED": Text(
            "✓ NATS (JetStream): {url} (데이터: {store})", "✓ NATS with JetStream: {url} (data in {store})"
        ),
        "UP_NATS_EXTERNAL": Text("✓ NATS: {url} (외부 서버)", "✓ NATS: {url} (external)"),
        "UP_STREAMS_READY": Text(
            "✓ JetStream 스트림과 소비자 준비 완료 ({count}개 확인)",
            "✓ JetStream streams and consumers ready ({count} checked)",
        ),
        "UP_MIGRATED": Text("✓ 데이터베이스 갱신 완료 ({services})", "✓ databases migrated ({services})"),
        "UP_KEYS_MADE": Text(
            "✓ 요청 서명 키를 새로 만들었습니다: {file}", "✓ a new key set signs who is asking: {file}"
        ),
        "UP_DEMO_ACCOUNTS_FAILED": Text(
            "데모 계정을 만들지 못했습니다 (종료 코드 {exit_code}); 시스템은 계속 실행됩니다:",
            "the demo accounts could not be made (exit {exit_code}); the system keeps running:",
        ),
        "UP_DEMO_DATA_FAILED": Text(
            "데모 지역을 다 넣지 못했습니다 (종료 코드 {exit_code}); 시스템은 계속 실행되며, 다음 `vms up`이 "
            "이어서 넣습니다 (`vms demo-data`로도 됩니다):",
            "the demo region was not loaded in full (exit {exit_code}); the system keeps running, and the next "
            "`vms up` continues it (so does `vms demo-data`):",
        ),
        "UP_DEMO_DATA_TOO_SLOW": Text(
            "데모 지역을 {seconds}초 안에 넣지 못해 멈췄습니다; 시스템은 계속 실행되며, 다음 `vms up`이나 "
            "`vms demo-data`가 이어서 넣습니다.",
            "the demo region was not loaded within {seconds} s and was stopped; the system keeps running, and the "
            "next `vms up` or `vms demo-data` continues it.",
        ),
        "UP_SERVICE_UP": Text("✓ {service} 실행 중", "✓ {service} up"),
        "UP_CHILD_EXITED": Text(
            "{name} 종료됨 (종료 코드 {exit_code}), {delay}초 후 다시 시작합니다",
            "{name} exited (code {exit_code}); restarting it in {delay} s",
        ),
        "UP_CHILD_RESTARTED": Text(
            "↻ {name} 다시 시작됨 (pid {pid}, {count}번째 재시작)", "↻ {name} restarted (pid {pid}, restart {count})"
        ),
        "UP_CHILD_CRASHING": Text(
            "{name}이(가) 시작 후 {stable}초 안에 {count}번 연달아 종료되었습니다. 다른 프로세스는 계속 실행되며, "
            "{name}은(는) 최대 {cap}초 간격으로 계속 다시 시작합니다. 로그: {log}",
            "{name} keeps crashing: {count} times in a row, each within {stable} s of starting. The rest keeps "
            "running; {name} is restarted at most every {cap} s. Its log: {log}",
        ),
        "UP_CHILD_NOT_STARTED": Text(
            "{name}을(를) 시작하지 못했습니다: {error}", "{name} could not be started: {error}"
        ),
        "UP_CHILD_RECOVERED": Text(
            "✓ {name}이(가) 다시 시작한 뒤 {stable}초 동안 실행 중입니다",
            "✓ {name} has run for {stable} s since its restart",
        ),
        "UP_RESTART_NOTE": Text(
            "—— vms up: 종료 코드 {exit_code}, {delay}초 후 다시 시작 ——",
            "—— vms up: exit code {exit_code}, restarted after {delay} s ——",
        ),
        "UP_WAITING_FOR_EARLIER_RUN": Text(
            "이전 실행(pid {pid})의 프로세스가 끝나기를 기다립니다…",
            "waiting for the processes of an earlier run (pid {pid}) to end…",
        ),
        # Why the system cannot start or keep running
        "UP_FOLDER_IN_USE": Text(
            "데이터 폴더 {data}는 이미 다른 `vms up`이 쓰고 있습니다: pid {pid}, {since}부터, 포털 {portal}, "
            "NATS {nats}. 그 실행을 멈추거나 (그 터미널에서 Ctrl-C, 또는 `kill {pid}`) --data로 다른 폴더를 고르세요.",
            "the data folder {data} is in use by another `vms up`: pid {pid}, since {since}, portal {portal}, NATS "
            "{nats}. Stop it (Ctrl-C in its terminal, or `kill {pid}`), or choose another folder with --data.",
        ),
        "UP_FOLDER_HELD_BY_LEFTOVERS": Text(
            "데이터 폴더 {data}를 끝난 실행(pid {pid})의 프로세스가 아직 쓰고 있습니다: "
            "`fuser -v {lock}`로 찾아 멈추세요.",
            "the data folder {data} is still held by processes of an earlier run (pid {pid}, which has ended): find "
            "them with `fuser -v {lock}` and stop them.",
        ),
        "UP_NOT_INSTALLED": Text(
            "{name}이(가) {folder}에 설치되어 있지 않습니다. 먼저 `make install`을 실행하세요.",
            "{name} is not installed in {folder}; run `make install` first.",
        ),
        "UP_PORT_IN_USE": Text(
            "{what_ko} 포트 {port}가 사용 중입니다: 쓰고 있는 프로그램을 멈추거나 다른 포트를 고르세요.",
            "port {port} for {what_en} is in use: stop what uses it, or choose another port.",
        ),
        "UP_MIGRATION_FAILED": Text("{name} 실패 (종료 코드 {exit_code}):", "{name} failed (exit {exit_code}):"),
        "UP_NATS_EXITED": Text("nats-server가 종료되었습니다. {log}를 보세요.", "nats-server exited; see {log}."),
        "UP_NO_JETSTREAM": Text(
            "{url}의 NATS가 {timeout}초 안에 JetStream을 제공하지 않았습니다: {error}",
            "NATS at {url} did not offer JetStream within {timeout} s: {error}",
        ),
        "UP_NOT_HEALTHY": Text(
            "서비스가 {timeout}초 안에 모두 시작되지 않았습니다. 마지막 상태: {last}",
            "the services did not all come up within {timeout} s; last health: {last}",
        ),
        "UP_CHILD_DIED_AT_START": Text(
            "{name}이(가) 시작 중에 종료되었습니다 (종료 코드 {exit_code}):", "{name} exited with {exit_code}:"
        ),
        "UP_NATS_PORT_TAKEN": Text(
            "내장 NATS를 다시 시작할 수 없습니다: 다른 프로그램이 그 포트 {port}를 차지했습니다. "
            "모든 서비스가 이 주소로 연결하므로 전체를 중지합니다. 그 프로그램을 멈추고 `vms up`을 다시 실행하세요.",
            "the embedded NATS cannot be restarted: another program took its port {port}. Every service connects to "
            "that address, so everything stops; stop that program and run `vms up` again.",
        ),
    }
)


def both(code: str, /, **params: Any) -> str:
    """A catalogue text as the console shows it: Korean, then English."""
    message = text(code, **params)
    return f"{message.ko} / {message.en}"


class SupervisorError(Exception):
    """The system could not start, or cannot keep running; the message says why and what to do."""

    def __init__(self, code: str, /, *, details: str = "", **params: Any) -> None:
        message = text(code, **params)
        super().__init__(f"{message.ko}\n{message.en}" + (f"\n{details}" if details else ""))


RESTART_DELAYS = Policy(first=1.0, cap=60.0)
DEFAULT_NATS_PORT = 4222


@dataclass(frozen=True)
class RestartPolicy:
    """How a child that exits by itself is started again."""

    delays: Policy = RESTART_DELAYS
    """The wait before each restart: 1 s, doubling while it keeps failing, at most 60 s."""
    stable_after: float = 30.0
    """A child that has run this long has recovered: its next exit waits the first delay again."""
    report_after: int = 3
    """Exits in a row, each before `stable_after`, after which the child is reported as crashing."""


@dataclass
class Plan:
    data_dir: Path
    gateway_port: int = 8000
    sim_port: int = 8365
    nats_url: str | None = None
    """An existing NATS server to use; None starts the embedded one."""
    nats_port: int | None = None
    """The embedded NATS's port. None: `DEFAULT_NATS_PORT`, or a free port when that one is in use (said so). A
    port given is that port or none: when it is in use the system does not start, as for the portal's port."""
    database_urls: Mapping[str, str] = field(default_factory=dict)
    """Per service and for the gateway; by default a SQLite file each in `data_dir`."""
    bus_root: str = "vms"
    log_level: str = "INFO"
    echo_logs: bool = True
    extra_env: Mapping[str, str] = field(default_factory=dict)
    restarts: RestartPolicy = field(default_factory=RestartPolicy)
    demo_accounts: bool = True
    """Once the system is up, make one demo account per role (`vms-gateway demo-accounts`)."""
    demo_data: bool = False
    """Then, on the data folder's first run, load the demo region (`vms demo-data`); `vms up` asks for it unless
    told not to."""
    demo_region: str = "11"

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or f"sqlite:///{self.data_dir.resolve() / f'{service}.db'}"


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    echo: bool
    process: asyncio.subprocess.Process
    started_at: float = field(default_factory=time.monotonic)
    output: list[str] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None
    restarts: int = 0
    crashing: bool = False


@dataclass(frozen=True)
class RunningSystem:
    """A `vms up` running now, as its run file describes it."""

    pid: int
    since: str
    data_dir: Path
    portal: str
    nats_url: str | None
    bus_root: str
    logs: Path
    processes: Mapping[str, int]
    restarts: Mapping[str, int]
    crashing: tuple[str, ...]

    @classmethod
    def read(cls, data_dir: Path) -> RunningSystem | None:
        """What the run file in `data_dir` says, alive or not (None if there is none, or it is unreadable)."""
        try:
            state = json.loads((data_dir / RUN_FILE).read_text(encoding="utf-8"))
            return cls(
                pid=int(state["pid"]),
                since=str(state["since"]),
                data_dir=Path(state["data"]),
                portal=str(state["portal"]),
                nats_url=state.get("nats"),
                bus_root=str(state["bus_root"]),
                logs=Path(state["logs"]),
                processes={str(k): int(v) for k, v in state.get("processes", {}).items()},
                restarts={str(k): int(v) for k, v in state.get("restarts", {}).items()},
                crashing=tuple(state.get("crashing", ())),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def running_system(data_dir: Path) -> RunningSystem | None:
    """The `vms up` that holds `data_dir` now, or None when no run does (a run file left by a run that was killed
    is not believed: only the lock says whether a run is alive)."""
    if not _lock_is_held(data_dir / LOCK_FILE):
        return None
    return RunningSystem.read(data_dir)


def _lock_is_held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_text(code: int) -> str:
    """`-9` → `-9 (SIGKILL)`: asyncio reports a death by signal as the negative signal number."""
    if code >= 0:
        return str(code)
    try:
        return f"{code} ({signal.Signals(-code).name})"
    except ValueError:
        return str(code)


def _seconds(delay: float) -> str:
    return f"{delay:g}"


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to send SIGTERM when the supervisor goes away."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tool(name: str) -> str:
    """A console script of this environment (`vms-hours`, `nats-server`, …)."""
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        raise SupervisorError("UP_NOT_INSTALLED", name=name, folder=path.parent)
    return str(path)


def actor_keys(data_dir: Path) -> tuple[dict[str, str], bool]:
    """The data folder's actor key set, made (readable by its owner only) when it has none; and whether it was
    made now. Every run on the folder signs with the same keys."""
    path = data_dir / KEYS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        keys = new_key_set()
        draft = path.with_name(path.name + ".new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{name}={value}\n" for name, value in keys.items())
        os.replace(draft, path)
        return keys, True
    keys = {}
    for line in lines:
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            keys[name] = value
    return keys, False


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class System:
    def __init__(self, plan: Plan, progress: Progress = print) -> None:
        self.plan = plan
        self.progress = progress
        self.children: list[Child] = []
        self.nats: Child | None = None
        self.nats_url = plan.nats_url or ""
        self.logs = plan.data_dir / "log"
        self.since = datetime.now(KST).isoformat(timespec="seconds")
        self._lock_fd: int | None = None
        self._own_log: Any = None
        self._status = "starting"
        self._stopping = asyncio.Event()
        self._watchers: list[asyncio.Task[None]] = []
        self.keys: dict[str, str] = {}
        self.demo_accounts: list[str] = []
        """What `vms-gateway demo-accounts` said: the logins, and the password on the run that made them."""

    @property
    def demo_accounts_file(self) -> Path:
        return self.plan.data_dir / DEMO_ACCOUNTS_FILE

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.gateway_port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.sim_port}"

    @property
    def holds_data_dir(self) -> bool:
        return self._lock_fd is not None

    async def start(self) -> None:
        plan = self.plan
        plan.data_dir.mkdir(parents=True, exist_ok=True)
        await self._hold_data_dir()
        self.logs.mkdir(exist_ok=True)
        # Line-buffered: the supervisor's own account of the run (restarts above all) is readable as it happens.
        self._own_log = open(self.logs / "vms.log", "a", encoding="utf-8", buffering=1)  # noqa: ASYNC230, SIM115
        given = (
            [(plan.nats_port, "내장 NATS", "the embedded NATS")]
            if plan.nats_url is None and plan.nats_port is not None
            else []
        )
        for port, what_ko, what_en in (
            (plan.gateway_port, "포털", "the portal"),
            (plan.sim_port, "1365 시뮬레이터", "the 1365 simulator"),
            *given,
        ):
            if not port_is_free(port):
                raise SupervisorError("UP_PORT_IN_USE", port=port, what_ko=what_ko, what_en=what_en)
        bus = Bus(plan.bus_root)
        self.keys, made = actor_keys(plan.data_dir)
        if made:
            self._say(both("UP_KEYS_MADE", file=(plan.data_dir / KEYS_FILE).resolve()))

        if plan.nats_url is None:
            await self._start_nats()
        else:
            self._say(both("UP_NATS_EXTERNAL", url=redacted(plan.nats_url)))
        self._write_run_file()
        await self._wait_for_jetstream()
        report = await nats_setup(self.nats_url, bus)
        self._say(both("UP_STREAMS_READY", count=len(report)))

        migrations = [self._spawn(f"migrate-{s}", [_tool(f"vms-{s}"), "migrate"], self._env(s)) for s in SERVICES]
        migrations.append(self._spawn("migrate-gateway", [_tool("vms-gateway"), "migrate"], self._gateway_env()))
        for child in await asyncio.gather(*migrations):
            code = await child.process.wait()
            if child.pump:
                await child.pump
            if code != 0:
                raise SupervisorError(
                    "UP_MIGRATION_FAILED", name=child.name, exit_code=code, details="\n".join(child.output[-20:])
                )
        self._say(both("UP_MIGRATED", services=", ".join(DATABASES)))

        self.children.append(await self._spawn("sim1365", [_tool("vms-sim1365"), "run"], self._sim_env()))
        for service in SERVICES:
            self.children.append(await self._spawn(service, [_tool(f"vms-{service}"), "run"], self._env(service)))
        self.children.append(await self._spawn("gateway", [_tool("vms-gateway"), "run"], self._gateway_env()))
        self._write_run_file()
        await self._wait_until_healthy()
        if plan.demo_accounts:
            await self._make_demo_accounts()
        if plan.demo_data and not (plan.data_dir / DEMO_DATA_FILE).exists():
            await self._load_demo_data()
        self._status = "running"
        self._write_run_file()

    async def _make_demo_accounts(self) -> None:
        """One demo account per role; what the command says (with the password, on the run that made them) is kept
        for the console, never written to `vms.log`."""
        command = [_tool("vms-gateway"), "demo-accounts", "--out", str(self.demo_accounts_file.resolve())]
        env = {**self._gateway_env(), "VMS_GATEWAY_LOG_LEVEL": "WARNING"}
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            self._say(both("UP_DEMO_ACCOUNTS_FAILED", exit_code=_exit_text(process.returncode or 0)))
            for line in (out + err).decode("utf-8", "replace").splitlines()[-15:]:
                self._say(f"  {line}")
            return
        self.demo_accounts = [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]

    async def _load_demo_data(self) -> None:
        """The demo region, through `vms demo-data` signed with this run's gateway key: its one line on the console
        and in `vms.log`, and the marker that keeps later runs from asking again. Whatever goes wrong is said and
        the system runs on without it (what was loaded stays, and the next run continues)."""
        env = {
            **self._python_env(),
            "VMS_NATS_URL": self.nats_url,
            "VMS_BUS_ROOT": self.plan.bus_root,
            "VMS_DATA_DIR": str(self.plan.data_dir.resolve()),
        }
        try:
            process = await asyncio.create_subprocess_exec(
                _tool("vms"),
                "demo-data",
                "--region",
                self.plan.demo_region,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        except (SupervisorError, OSError) as exc:
            self._say(both("UP_DEMO_DATA_FAILED", exit_code="-"))
            self._say(f"  {exc}")
            return
        try:
            out, _ = await asyncio.wait_for(process.communicate(), DEMO_DATA_PATIENCE)
        except TimeoutError:
            self._say(both("UP_DEMO_DATA_TOO_SLOW", seconds=_seconds(DEMO_DATA_PATIENCE)))
            return
        finally:  # too slow, or the start itself called off (Ctrl-C): the load stops with it
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        lines = [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]
        if process.returncode != 0:
            self._say(both("UP_DEMO_DATA_FAILED", exit_code=_exit_text(process.returncode or 0)))
            for line in lines[-15:]:
                self._say(f"  {line}")
            return
        for line in lines:
            self._say(line)
        marker = {"loaded_at": datetime.now(KST).isoformat(timespec="seconds"), "region": self.plan.demo_region}
        (self.plan.data_dir / DEMO_DATA_FILE).write_text(json.dumps({**marker, "report": lines}, ensure_ascii=False))

    async def _hold_data_dir(self, patience: float = 15.0) -> None:
        """Take the data folder's lock, or say who has it. A run that was killed leaves its children stopping for
        a moment (the kernel tells them to), and they hold the lock until they are gone: wait for them a little."""
        path = self.plan.data_dir / LOCK_FILE
        deadline = time.monotonic() + patience
        told = False
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
            else:
                self._lock_fd = fd
                self._write_run_file()
                return
            other = RunningSystem.read(self.plan.data_dir)
            if other is not None and _alive(other.pid):
                raise SupervisorError(
                    "UP_FOLDER_IN_USE",
                    data=self.plan.data_dir.resolve(),
                    pid=other.pid,
                    since=other.since,
                    portal=other.portal,
                    nats=redacted(other.nats_url) if other.nats_url else "-",
                )
            pid = other.pid if other is not None else "?"
            if time.monotonic() > deadline:
                raise SupervisorError(
                    "UP_FOLDER_HELD_BY_LEFTOVERS", data=self.plan.data_dir.resolve(), pid=pid, lock=path.resolve()
                )
            if not told and other is not None:  # without a run file, the holder is a run that is just starting
                self.progress(both("UP_WAITING_FOR_EARLIER_RUN", pid=pid))
                told = True
            await asyncio.sleep(0.2)

    def _write_run_file(self) -> None:
        """Where this run can be reached, for the operator commands (`vms deadletter` …) and for a second `vms up`
        to name it. It may hold the NATS credentials of an external server: readable by its owner only."""
        if self._lock_fd is None:
            return
        everyone = [*([self.nats] if self.nats else []), *self.children]
        state = {
            "pid": os.getpid(),
            "since": self.since,
            "status": self._status,
            "data": str(self.plan.data_dir.resolve()),
            "portal": self.gateway_url,
            "simulator": self.sim_url,
            "nats": self.nats_url or None,
            "bus_root": self.plan.bus_root,
            "logs": str(self.logs.resolve()),
            "processes": {c.name: c.process.pid for c in everyone},
            "restarts": {c.name: c.restarts for c in everyone if c.restarts},
            "crashing": [c.name for c in everyone if c.crashing],
        }
        path = self.plan.data_dir / RUN_FILE
        draft = path.with_name(path.name + ".new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state, out, ensure_ascii=False, indent=2)
        os.replace(draft, path)

    def _say(self, line: str) -> None:
        """A line of the supervisor's own: on the console and in `log/vms.log`."""
        self.progress(line)
        self.record(line)

    def record(self, text: str) -> None:
        """Into `log/vms.log` only (what the console shows otherwise), each line with the time: the log is the
        account of the run that stays once the terminal is gone."""
        if self._own_log is None:
            return
        stamp = datetime.now(KST).isoformat(timespec="seconds")
        for line in text.splitlines() or [""]:
            self._own_log.write(f"{stamp} {line}\n")

    async def _start_nats(self) -> None:
        plan = self.plan
        port = plan.nats_port
        if port is None:
            port = DEFAULT_NATS_PORT
            if not port_is_free(port):
                port = free_port()
                self._say("  " + both("UP_NATS_OTHER_PORT", port=DEFAULT_NATS_PORT, other=port))
        elif not port_is_free(port):  # taken since `start` looked
            raise SupervisorError("UP_PORT_IN_USE", port=port, what_ko="내장 NATS", what_en="the embedded NATS")
        store = plan.data_dir / "nats"
        store.mkdir(exist_ok=True)
        command = [
            _tool("nats-server"),
            "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store),
            "-n", "vms-local", "-l", str(self.logs / "nats.log"),
        ]  # fmt: skip
        self.nats = await self._spawn("nats", command, dict(os.environ), echo=False)
        self.nats_url = f"nats://127.0.0.1:{port}"
        self._say(both("UP_NATS_STARTED", url=self.nats_url, store=store))

    async def _wait_for_jetstream(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.nats is not None and self.nats.process.returncode is not None:
                raise SupervisorError("UP_NATS_EXITED", log=self.logs / "nats.log")
            if self.nats is not None and port_is_free(int(self.nats_url.rsplit(":", 1)[1])):
                await asyncio.sleep(0.1)  # not listening yet
                continue
            try:
                nc = await nats.connect(
                    self.nats_url, connect_timeout=1, allow_reconnect=False, max_reconnect_attempts=0
                )
                try:
                    await nc.jetstream().account_info()
                    return
                finally:
                    await nc.close()
            except Exception as exc:
                last = exc
                await asyncio.sleep(0.2)
        raise SupervisorError(
            "UP_NO_JETSTREAM", url=redacted(self.nats_url), timeout=f"{timeout:.0f}", error=repr(last)
        )

    async def _wait_until_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        shown: set[str] = set()
        last: Any = None
        async with httpx.AsyncClient(timeout=5.0) as http:
            while time.monotonic() < deadline:
                self._raise_if_a_child_died()
                try:
                    response = await http.get(f"{self.gateway_url}/api/v1/health")
                    last = response.json()
                except httpx.HTTPError as exc:
                    last = repr(exc)
                    await asyncio.sleep(0.3)
                    continue
                for name, state in last.get("services", {}).items():
                    if state.get("status") == "up" and name not in shown:
                        shown.add(name)
                        self._say(both("UP_SERVICE_UP", service=name))
                if response.status_code == 200:
                    return
                await asyncio.sleep(0.3)
        raise SupervisorError("UP_NOT_HEALTHY", timeout=f"{timeout:.0f}", last=last)

    def _raise_if_a_child_died(self) -> None:
        """While starting, a child that exits is a mistake to show at once (a port, a setting), not to retry."""
        for child in self.children:
            if child.process.returncode is not None:
                raise SupervisorError(
                    "UP_CHILD_DIED_AT_START",
                    name=child.name,
                    exit_code=_exit_text(child.process.returncode),
                    details="\n".join(child.output[-30:]),
                )

    # -- keeping it running ------------------------------------------------------------------------------------

    async def supervise(self) -> None:
        """Keep every child running until `stop()`; raises `SupervisorError` when the system cannot go on."""
        everyone = [*([self.nats] if self.nats else []), *self.children]
        self._watchers = [asyncio.create_task(self._keep_running(c), name=f"keep-{c.name}") for c in everyone]
        await asyncio.gather(*self._watchers)

    async def _keep_running(self, child: Child) -> None:
        policy = self.plan.restarts
        backoff = Backoff(policy.delays)
        while True:
            # After a restart, running `stable_after` seconds is recovery: the next exit starts the delays over.
            code = await self._exit_of(child, within=policy.stable_after if backoff.failing else None)
            if self._stopping.is_set():
                return
            if code is None:
                backoff.succeeded()
                if child.crashing:
                    child.crashing = False
                    self._write_run_file()
                    self._say(both("UP_CHILD_RECOVERED", name=child.name, stable=_seconds(policy.stable_after)))
                continue
            if child.pump is not None:  # its last lines, for the report below
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(child.pump, 2)
            delay = backoff.failed()
            self._say(both("UP_CHILD_EXITED", name=child.name, exit_code=_exit_text(code), delay=_seconds(delay)))
            if backoff.failures == policy.report_after:
                child.crashing = True
                self._write_run_file()
                self._say(
                    both(
                        "UP_CHILD_CRASHING",
                        name=child.name,
                        count=backoff.failures,
                        stable=_seconds(policy.stable_after),
                        cap=_seconds(policy.delays.cap),
                        log=(self.logs / f"{child.name}.log").resolve(),
                    )
                )
                # Its last lines in vms.log too: the reason it keeps exiting, where the operator looks first.
                for line in child.output[-15:]:
                    self._say(f"{child.name:>9} | {line}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            if child is self.nats and not port_is_free(int(self.nats_url.rsplit(":", 1)[1])):
                # Every service was given this address; another one would mean restarting them all on it.
                raise SupervisorError("UP_NATS_PORT_TAKEN", port=self.nats_url.rsplit(":", 1)[1])
            try:
                await self._launch(
                    child, note=both("UP_RESTART_NOTE", exit_code=_exit_text(code), delay=_seconds(delay))
                )
            except OSError as exc:  # out of processes or file handles, say: the old exit stands, so it is retried
                self._say(both("UP_CHILD_NOT_STARTED", name=child.name, error=repr(exc)))
                continue
            child.restarts += 1
            self._write_run_file()
            self._say(both("UP_CHILD_RESTARTED", name=child.name, pid=child.process.pid, count=child.restarts))

    async def _exit_of(self, child: Child, *, within: float | None) -> int | None:
        """The child's exit code once it exits; None if the system stops or `within` seconds pass first."""
        exited = asyncio.ensure_future(child.process.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({exited, stopping}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not exited.done():
                exited.cancel()
        return exited.result() if exited.done() and not exited.cancelled() else None

    async def stop(self, timeout: float = 15.0) -> None:
        """The gateway first, then the services together (each publishes what its outbox still holds), then the
        simulator and NATS."""
        self._stopping.set()
        # The keepers return at once when told to stop; waiting for them means none starts a child behind us.
        await asyncio.gather(*self._watchers, return_exceptions=True)
        by_name = {child.name: child for child in self.children}
        for group in (["gateway"], list(SERVICES), ["sim1365"]):
            await asyncio.gather(*(_terminate(by_name[n], timeout) for n in group if n in by_name))
        if self.nats is not None:
            await _terminate(self.nats, timeout)
        for child in [*self.children, *([self.nats] if self.nats else [])]:
            if child.pump is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(child.pump, 2)
        if self.holds_data_dir:
            self._say(both("UP_STOPPED"))
        self._release_data_dir()

    def _release_data_dir(self) -> None:
        if self._own_log is not None:
            self._own_log.close()
            self._own_log = None
        if self._lock_fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            (self.plan.data_dir / RUN_FILE).unlink()
        # Closing is what releases it (an explicit unlock would also release it for children still holding it).
        os.close(self._lock_fd)
        self._lock_fd = None

    # -- processes ---------------------------------------------------------------------------------------------

    async def _spawn(self, name: str, command: list[str], env: dict[str, str], *, echo: bool = True) -> Child:
        child = Child(name, command, env, echo and self.plan.echo_logs, await self._exec(command, env))
        child.pump = asyncio.create_task(self._pump(child, None))
        return child

    async def _launch(self, child: Child, *, note: str) -> None:
        """Start `child` again, with the same command and environment."""
        child.process = await self._exec(child.command, child.env)
        child.started_at = time.monotonic()
        child.pump = asyncio.create_task(self._pump(child, note))

    async def _exec(self, command: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            # Every process of the run holds the data folder's lock: a run killed with SIGKILL keeps it until its
            # last child (NATS on its store above all) is gone, then the kernel releases it.
            pass_fds=(self._lock_fd,) if self._lock_fd is not None else (),
        )

    async def _pump(self, child: Child, note: str | None) -> None:
        process = child.process
        assert process.stdout is not None
        # A local append-only file; its writes are too small to be worth a thread.
        # Line-buffered, so that `tail -f var/log/<service>.log` shows each line as it comes.
        with open(self.logs / f"{child.name}.log", "a", encoding="utf-8", buffering=1) as log_file:  # noqa: ASYNC230
            if note is not None:
                log_file.write(note + "\n")
            async for raw in process.stdout:
                line = raw.decode("utf-8", "replace").rstrip()
                child.output.append(line)
                del child.output[:-200]
                log_file.write(line + "\n")
                if child.echo:
                    self.progress(f"{child.name:>9} | {line}")

    def _python_env(self) -> dict[str, str]:
        # A child's output is a pipe, where Python would buffer what is not a log line; the log files and the
        # console are to show everything as it happens. Every child knows every program's public key; a private
        # key goes only to the program it belongs to (`_own_key`), whatever this process's environment holds.
        env = {k: v for k, v in os.environ.items() if not (k.startswith("VMS_") and k.endswith("_ACTOR_KEY"))}
        if PUBLIC_KEYS_VARIABLE in self.keys:
            env[PUBLIC_KEYS_VARIABLE] = self.keys[PUBLIC_KEYS_VARIABLE]
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _own_key(self, program: str) -> dict[str, str]:
        name = f"VMS_{program.upper()}_ACTOR_KEY"
        return {name: self.keys[name]} if name in self.keys else {}

    def _env(self, service: str) -> dict[str, str]:
        prefix = f"VMS_{service.upper()}_"
        env = self._python_env()
        env.update(
            {
                f"{prefix}NATS_URL": self.nats_url,
                f"{prefix}DATABASE_URL": self.plan.database_url(service),
                f"{prefix}BUS_ROOT": self.plan.bus_root,
                f"{prefix}LOG_FORMAT": "console",
                f"{prefix}LOG_LEVEL": self.plan.log_level,
                f"{prefix}INSTANCE": f"local-{service}",
                **self._own_key(service),
            }
        )
        if service == "linkage":
            env["VMS_LINKAGE_PORTAL1365_URL"] = self.sim_url
        env.update(self.plan.extra_env)
        return env

    def _sim_env(self) -> dict[str, str]:
        env = self._python_env()
        env.update(
            {
                "VMS_SIM1365_DATABASE_URL": f"sqlite:///{self.plan.data_dir.resolve() / 'sim1365.db'}",
                "VMS_SIM1365_PORT": str(self.plan.sim_port),
                "VMS_SIM1365_LOG_FORMAT": "console",
            }
        )
        return env

    def _gateway_env(self) -> dict[str, str]:
        env = self._python_env()
        env.update(
            {
                "VMS_GATEWAY_NATS_URL": self.nats_url,
                "VMS_GATEWAY_DATABASE_URL": self.plan.database_url("gateway"),
                "VMS_GATEWAY_BUS_ROOT": self.plan.bus_root,
                "VMS_GATEWAY_PORT": str(self.plan.gateway_port),
                "VMS_GATEWAY_LOG_FORMAT": "console",
                "VMS_GATEWAY_LOG_LEVEL": self.plan.log_level,
                **self._own_key("gateway"),
            }
        )
        env.update(self.plan.extra_env)
        return env


async def _terminate(child: Child, timeout: float) -> None:
    if child.process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        child.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(child.process.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            child.process.kill()
        await child.process.wait()


async def run_forever(plan: Plan) -> int:
    """`vms up`: start everything, report where it is, keep it running, and stop it all on Ctrl-C or SIGTERM."""
    system = System(plan)
    stop = asyncio.Event()
    received: list[str] = []
    loop = asyncio.get_running_loop()

    def stop_on(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    def stopping_line() -> str:
        return both("UP_STOPPING_ON_SIGNAL", signal=received[0]) if received else both("UP_STOPPING")

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_on, sig)
    print(both("UP_STARTING"), flush=True)
    started = False
    try:
        starting = asyncio.ensure_future(system.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            system._say(stopping_line())
            return 130
        stopping.cancel()
        starting.result()
        started = True

        def line(label: str, value: object) -> str:
            return f"  {both(label)}: {value}"

        print(
            "\n"
            + "\n".join(
                [
                    both("UP_RUNNING"),
                    line("UP_LABEL_PORTAL", system.gateway_url),
                    line("UP_LABEL_DOCS", f"{system.gateway_url}/docs"),
                    line("UP_LABEL_SIM", f"{system.sim_url}/docs"),
                    f"  NATS: {redacted(system.nats_url)}",
                    line("UP_LABEL_DATA", plan.data_dir.resolve()),
                    line("UP_LABEL_LOGS", system.logs.resolve()),
                    *system.demo_accounts,
                    both("UP_CTRL_C"),
                ]
            )
            + "\n",
            flush=True,
        )
        supervising = asyncio.ensure_future(system.supervise())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({supervising, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if supervising.done():
            supervising.result()  # only a `SupervisorError` ends supervising before a stop
        system._say(stopping_line())
        return 0
    except SupervisorError as exc:
        heading = both("UP_MUST_STOP" if started else "UP_COULD_NOT_START")
        print(f"{heading}\n{exc}", file=sys.stderr, flush=True)
        system.record(f"{heading}\n{exc}")
        return 1
    finally:
        await system.stop()
        sys.stdout.flush()
