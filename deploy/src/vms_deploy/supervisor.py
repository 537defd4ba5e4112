"""The whole system on one machine: an embedded NATS server with JetStream, every service in its own process
with its own SQLite file, the 1365 simulator and the gateway.

Children run in their own session (Ctrl-C reaches the supervisor only, which stops them in order) and are told
by the kernel to stop if the supervisor itself dies, so no process is left behind. All data lives under one
folder (`var/` by default): a restart continues where the last run stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import sysconfig
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats

from vms_contracts.subjects import Bus
from vms_deploy.nats_setup import setup as nats_setup

SERVICES = ("registry", "hours", "rewards", "linkage")
Progress = Callable[[str], None]


class SupervisorError(Exception):
    """The system could not start; the message says why and what to do."""


@dataclass
class Plan:
    data_dir: Path
    gateway_port: int = 8000
    sim_port: int = 8365
    nats_url: str | None = None
    """An existing NATS server to use; None starts the embedded one."""
    nats_port: int = 4222
    database_urls: Mapping[str, str] = field(default_factory=dict)
    """Per service; by default a SQLite file each in `data_dir`."""
    bus_root: str = "vms"
    log_level: str = "INFO"
    echo_logs: bool = True
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or f"sqlite:///{self.data_dir.resolve() / f'{service}.db'}"


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to send SIGTERM when the supervisor goes away."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tool(name: str) -> str:
    """A console script of this environment (`vms-hours`, `nats-server`, …)."""
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        raise SupervisorError(f"{name} is not installed in {path.parent}; run `make install` first")
    return str(path)


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

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.gateway_port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.sim_port}"

    async def start(self) -> None:
        plan = self.plan
        plan.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        for port, what in ((plan.gateway_port, "the portal"), (plan.sim_port, "the 1365 simulator")):
            if not port_is_free(port):
                raise SupervisorError(f"port {port} for {what} is in use: stop what uses it, or choose another port")
        bus = Bus(plan.bus_root)

        if plan.nats_url is None:
            await self._start_nats()
        else:
            self.progress(f"✓ NATS: {plan.nats_url} (external)")
        await self._wait_for_jetstream()
        report = await nats_setup(self.nats_url, bus)
        self.progress(f"✓ JetStream streams and consumers ready ({len(report)} checked)")

        migrations = [self._spawn(f"migrate-{s}", [_tool(f"vms-{s}"), "migrate"], self._env(s)) for s in SERVICES]
        for child in await asyncio.gather(*migrations):
            code = await child.process.wait()
            if child.pump:
                await child.pump
            if code != 0:
                raise SupervisorError(f"{child.name} failed (exit {code}):\n" + "\n".join(child.output[-20:]))
        self.progress(f"✓ databases migrated ({', '.join(SERVICES)})")

        self.children.append(await self._spawn("sim1365", [_tool("vms-sim1365"), "run"], self._sim_env()))
        for service in SERVICES:
            self.children.append(await self._spawn(service, [_tool(f"vms-{service}"), "run"], self._env(service)))
        self.children.append(await self._spawn("gateway", [_tool("vms-gateway"), "run"], self._gateway_env()))
        await self._wait_until_healthy()

    async def _start_nats(self) -> None:
        plan = self.plan
        port = plan.nats_port
        if not port_is_free(port):
            port = free_port()
            self.progress(f"  port {plan.nats_port} is in use; the embedded NATS takes {port}")
        store = plan.data_dir / "nats"
        store.mkdir(exist_ok=True)
        command = [
            _tool("nats-server"),
            "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store),
            "-n", "vms-local", "-l", str(self.logs / "nats.log"),
        ]  # fmt: skip
        self.nats = await self._spawn("nats", command, dict(os.environ), echo=False)
        self.nats_url = f"nats://127.0.0.1:{port}"
        self.progress(f"✓ NATS with JetStream: {self.nats_url} (data in {store})")

    async def _wait_for_jetstream(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.nats is not None and self.nats.process.returncode is not None:
                raise SupervisorError(f"nats-server exited; see {self.logs / 'nats.log'}")
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
        raise SupervisorError(f"NATS at {self.nats_url} did not offer JetStream within {timeout:.0f} s: {last!r}")

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
                        self.progress(f"✓ {name} up")
                if response.status_code == 200:
                    return
                await asyncio.sleep(0.3)
        raise SupervisorError(f"the services did not all come up within {timeout:.0f} s; last health: {last}")

    def _raise_if_a_child_died(self) -> None:
        for child in self.children:
            if child.process.returncode is not None:
                tail = "\n".join(child.output[-30:])
                raise SupervisorError(f"{child.name} exited with {child.process.returncode}:\n{tail}")

    async def wait(self) -> Child:
        """Return the first child that exits by itself."""
        waits = {asyncio.ensure_future(c.process.wait()): c for c in self.children}
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            if w not in done:
                w.cancel()
        return waits[next(iter(done))]

    async def stop(self, timeout: float = 15.0) -> None:
        """The gateway first, then the services together (each publishes what its outbox still holds), then the
        simulator and NATS."""
        by_name = {child.name: child for child in self.children}
        for group in (["gateway"], list(SERVICES), ["sim1365"]):
            await asyncio.gather(*(_terminate(by_name[n], timeout) for n in group if n in by_name))
        if self.nats is not None:
            await _terminate(self.nats, timeout)
        for child in [*self.children, *([self.nats] if self.nats else [])]:
            if child.pump is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(child.pump, 2)

    # -- processes ---------------------------------------------------------------------------------------------

    async def _spawn(self, name: str, command: list[str], env: dict[str, str], *, echo: bool = True) -> Child:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child = Child(name, process)
        child.pump = asyncio.create_task(self._pump(child, echo and self.plan.echo_logs))
        return child

    async def _pump(self, child: Child, echo: bool) -> None:
        assert child.process.stdout is not None
        # A local append-only file; its writes are too small to be worth a thread.
        # Line-buffered, so that `tail -f var/log/<service>.log` shows each line as it comes.
        with open(self.logs / f"{child.name}.log", "a", encoding="utf-8", buffering=1) as log_file:  # noqa: ASYNC230
            async for raw in child.process.stdout:
                line = raw.decode("utf-8", "replace").rstrip()
                child.output.append(line)
                del child.output[:-200]
                log_file.write(line + "\n")
                if echo:
                    self.progress(f"{child.name:>9} | {line}")

    def _env(self, service: str) -> dict[str, str]:
        prefix = f"VMS_{service.upper()}_"
        env = dict(os.environ)
        env.update(
            {
                f"{prefix}NATS_URL": self.nats_url,
                f"{prefix}DATABASE_URL": self.plan.database_url(service),
                f"{prefix}BUS_ROOT": self.plan.bus_root,
                f"{prefix}LOG_FORMAT": "console",
                f"{prefix}LOG_LEVEL": self.plan.log_level,
                f"{prefix}INSTANCE": f"local-{service}",
            }
        )
        if service == "linkage":
            env["VMS_LINKAGE_PORTAL1365_URL"] = self.sim_url
        env.update(self.plan.extra_env)
        return env

    def _sim_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "VMS_SIM1365_DATABASE_URL": f"sqlite:///{self.plan.data_dir.resolve() / 'sim1365.db'}",
                "VMS_SIM1365_PORT": str(self.plan.sim_port),
                "VMS_SIM1365_LOG_FORMAT": "console",
            }
        )
        return env

    def _gateway_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "VMS_GATEWAY_NATS_URL": self.nats_url,
                "VMS_GATEWAY_BUS_ROOT": self.plan.bus_root,
                "VMS_GATEWAY_PORT": str(self.plan.gateway_port),
                "VMS_GATEWAY_LOG_FORMAT": "console",
                "VMS_GATEWAY_LOG_LEVEL": self.plan.log_level,
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
    """`vms up`: start everything, report where it is, and stop it all on Ctrl-C or SIGTERM."""
    system = System(plan)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("VMS 시작 중… / starting VMS…", flush=True)
    try:
        starting = asyncio.ensure_future(system.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            print("중지합니다… / stopping…", flush=True)
            return 130
        stopping.cancel()
        starting.result()
        print(
            "\n"
            f"VMS가 실행 중입니다 / VMS is running\n"
            f"  포털 / portal     {system.gateway_url}\n"
            f"  API 문서 / docs   {system.gateway_url}/docs\n"
            f"  1365 시뮬레이터    {system.sim_url}/docs\n"
            f"  NATS              {system.nats_url}\n"
            f"  데이터 / data     {plan.data_dir.resolve()}\n"
            "Ctrl-C로 중지합니다 / Ctrl-C stops everything.\n",
            flush=True,
        )
        died = asyncio.ensure_future(system.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({died, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if died.done() and not stop.is_set():
            child = died.result()
            print(
                f"{child.name} stopped unexpectedly (exit {child.process.returncode}); stopping the rest.", flush=True
            )
            return 1
        died.cancel()
        print("중지합니다… / stopping…", flush=True)
        return 0
    except SupervisorError as exc:
        print(f"VMS를 시작하지 못했습니다 / VMS could not start: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        await system.stop()
        print("모두 중지되었습니다 / everything stopped.", flush=True)
