"""`vms up` as an operator runs it: one process, its own NATS, a data folder, and a system that heals.

One run is started for the whole module (starting takes seconds) on a folder and ports of its own; each test
disturbs it in one way and leaves it running and healthy, except the last, which kills it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sysconfig
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.accounts import DemoAccounts
from vms_deploy import cli
from vms_deploy.supervisor import DEMO_ACCOUNTS_FILE, KEYS_FILE, LOCK_FILE, RUN_FILE, free_port, running_system
from vms_platform.testing import eventually

pytestmark = pytest.mark.slow

VMS = str(Path(sysconfig.get_path("scripts")) / "vms")
RESTART_DELAYS = "0.2,0.8"
"""Short delays, so that a crash loop shows within seconds."""


def operator_env() -> dict[str, str]:
    """The environment of an operator who has told the commands nothing: no URL, no folder."""
    env = {k: v for k, v in os.environ.items() if k not in {"VMS_NATS_URL", "VMS_BUS_ROOT", "VMS_DATA_DIR"}}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Up:
    """A `vms up` started in `folder` (its data in `folder/var`, the default), its console kept in a file."""

    folder: Path
    process: asyncio.subprocess.Process
    console: Path
    gateway_port: int

    @property
    def data(self) -> Path:
        return self.folder / "var"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/api/v1/health"

    def run_file(self) -> dict[str, Any]:
        return dict(json.loads((self.data / RUN_FILE).read_text(encoding="utf-8")))

    def pid(self, name: str) -> int:
        return int(self.run_file()["processes"][name])

    def said(self) -> str:
        return self.console.read_text(encoding="utf-8", errors="replace")

    def log(self, name: str) -> str:
        return (self.data / "log" / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    async def healthy(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                return (await http.get(self.health_url)).status_code == 200
        except httpx.HTTPError:
            return False


async def start_vms_up(folder: Path, *extra: str) -> Up:
    gateway_port = free_port()
    console = folder / f"console-{gateway_port}.txt"
    with open(console, "wb") as out:  # noqa: ASYNC230 (a file the child writes to; opening it does not block)
        process = await asyncio.create_subprocess_exec(
            VMS,
            "up",
            "--quiet",
            "--port", str(gateway_port),
            "--sim-port", str(free_port()),
            "--nats-port", str(free_port()),
            "--restart-delays", RESTART_DELAYS,
            *extra,
            cwd=folder,
            env=operator_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    return Up(folder, process, console, gateway_port)


async def until_running(up: Up, timeout: float = 150) -> None:
    """The run started, its demo region loaded (or given up on after `DEMO_DATA_PATIENCE`), everything healthy."""

    async def running() -> bool:
        if up.process.returncode is not None:
            raise AssertionError(f"vms up exited with {up.process.returncode}:\n{up.said()}")
        try:
            return up.run_file()["status"] == "running" and await up.healthy()
        except (OSError, ValueError, KeyError):
            return False

    await eventually(running, timeout=timeout, what="vms up running and healthy")


async def stop_vms_up(up: Up) -> int:
    if up.process.returncode is None:
        up.process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(up.process.wait(), 30)


@pytest.fixture(scope="module")
async def up(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Up]:
    running = await start_vms_up(tmp_path_factory.mktemp("up"))
    try:
        await until_running(running)
        yield running
    finally:
        if running.process.returncode is None:
            await stop_vms_up(running)


async def health(up: Up) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(up.health_url)
        return response.status_code, response.json()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def held_port() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Past the killed server's connections still in TIME_WAIT; a listening socket stays exclusive.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        yield s


# -- the tests, in the order they disturb the run ----------------------------------------------------------------


async def test_logs_are_written_while_it_runs(up: Up) -> None:
    assert up.process.returncode is None
    assert "service started" in up.log("registry")
    assert "gateway started" in up.log("gateway")
    assert "Server is ready" in up.log("nats")
    assert "✓ registry up" in up.log("vms")


async def test_the_first_run_makes_a_demo_account_per_role_and_says_their_password_once(up: Up) -> None:
    demo = DemoAccounts.of(up.data)
    said = up.said()
    assert said.count(demo.password) == 1
    for role in ("central_admin", "council_admin", "centre_manager", "volunteer", "integrator"):
        assert demo.login(role) in said, role
    for name in (DEMO_ACCOUNTS_FILE, KEYS_FILE):
        assert (up.data / name).stat().st_mode & 0o777 == 0o600, name
    logs = [path.read_text(errors="replace") for path in (up.data / "log").iterdir()]
    assert not [text for text in logs if demo.password in text], "the password is in no log"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{up.gateway_port}", timeout=10) as browser:
        for role in demo.accounts:
            signed_in = await browser.post(
                "/api/v1/session", json={"login": demo.login(role), "password": demo.password}
            )
            assert signed_in.status_code == 200, signed_in.text
            assert signed_in.json()["role"] == role


async def test_each_process_holds_its_own_signing_key_only(up: Up) -> None:
    keys = dict(line.split("=", 1) for line in (up.data / KEYS_FILE).read_text().splitlines())
    for program in ("registry", "gateway"):
        environ = (await asyncio.to_thread(Path(f"/proc/{up.pid(program)}/environ").read_bytes)).split(b"\0")
        held = {k.decode(): v.decode() for k, _, v in (e.partition(b"=") for e in environ) if k.endswith(b"_KEY")}
        own = f"VMS_{program.upper()}_ACTOR_KEY"
        assert held == {own: keys[own]}, program
        assert f"VMS_ACTOR_PUBLIC_KEYS={keys['VMS_ACTOR_PUBLIC_KEYS']}".encode() in environ


async def test_a_second_run_on_the_same_folder_is_refused_naming_the_first(up: Up) -> None:
    nats_starts = up.log("nats").count("Starting nats-server")
    second = await start_vms_up(up.folder)
    assert await asyncio.wait_for(second.process.wait(), 20) == 1
    said = second.said()
    first = up.run_file()
    assert f"pid {up.process.pid}" in said
    assert f"since {first['since']}" in said
    assert f"portal http://127.0.0.1:{up.gateway_port}" in said
    assert f"NATS {first['nats']}" in said
    assert "이미 다른 `vms up`이 쓰고 있습니다" in said
    # It started nothing and took nothing from the first run.
    assert up.log("nats").count("Starting nats-server") == nats_starts
    assert up.run_file()["pid"] == up.process.pid
    assert await up.healthy()


async def test_operator_commands_find_the_running_system(up: Up) -> None:
    nats_url = up.run_file()["nats"]
    assert not nats_url.endswith(":4222")  # the run's own port, not the default
    for command in (["deadletter", "list"], ["nats-setup"]):
        done = await asyncio.create_subprocess_exec(
            VMS,
            *command,
            cwd=up.folder,
            env=operator_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(done.communicate(), 20)
        assert done.returncode == 0, err.decode()
        assert f"NATS {nats_url}" in err.decode(), err.decode()
        if command[0] == "deadletter":
            assert "no dead letters" in out.decode()
    found = running_system(up.data)
    assert found is not None and found.pid == up.process.pid


async def test_status_shows_the_running_system_on_one_screen_and_as_json(up: Up) -> None:
    """`vms status` on the data folder of a running `vms up`: every service up (exit 0), each durable consumer
    pulling with nothing pending, no dead letters; `--json` the same as one object."""

    async def status(*options: str) -> tuple[int, str, str]:
        done = await asyncio.create_subprocess_exec(
            VMS,
            "status",
            "--data",
            str(up.data),
            *options,
            cwd=up.folder,
            env=operator_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(done.communicate(), 30)
        assert done.returncode is not None
        return done.returncode, out.decode(), err.decode()

    code, screen, err = await status()
    assert code == 0, screen + err
    assert f"services (from http://127.0.0.1:{up.gateway_port}/api/v1/health)" in screen
    for service in ("registry", "hours", "rewards", "linkage"):
        assert re.search(rf"^    {service} +up ", screen, re.MULTILINE), screen
    assert re.search(r"^    HOURS/rewards-hours +0 +0 +0 +1$", screen, re.MULTILINE), screen
    assert "dead letters: 0 (none)" in screen
    code, said, _ = await status("--json")
    report = json.loads(said)
    assert code == 0 and report["healthy"] is True
    assert {c["durable"] for c in report["consumers"]} >= {"hours-totals", "rewards-hours", "linkage-hours"}
    assert report["dead_letters"] == {}


async def test_a_killed_service_is_restarted_and_named_while_it_is_down(up: Up) -> None:
    killed = up.pid("rewards")
    os.kill(killed, signal.SIGKILL)

    async def rewards_down() -> dict[str, Any] | None:
        status, report = await health(up)
        return report if status == 503 and report["services"]["rewards"]["status"] == "down" else None

    report = await eventually(rewards_down, timeout=10, what="health naming rewards as down")
    assert report["services"]["registry"]["status"] == "up"  # the rest keeps running

    await eventually(up.healthy, timeout=20, what="rewards restarted and the system healthy again")
    assert up.pid("rewards") != killed
    assert up.run_file()["restarts"]["rewards"] == 1
    assert "rewards exited (code -9 (SIGKILL)); restarting it in 0.2 s" in up.log("vms")
    assert "restarted after 0.2 s" in up.log("rewards")
    assert up.log("rewards").count("service started") == 2


async def test_a_killed_nats_is_restarted_and_the_services_reconnect(up: Up) -> None:
    killed = up.pid("nats")
    os.kill(killed, signal.SIGKILL)

    async def restarted() -> bool:
        return up.pid("nats") != killed

    await eventually(restarted, timeout=10, what="NATS restarted")
    await eventually(up.healthy, timeout=20, what="every service back on the restarted NATS")
    assert "nats exited (code -9 (SIGKILL))" in up.log("vms")
    done = await asyncio.create_subprocess_exec(
        VMS, "deadletter", "list", cwd=up.folder, env=operator_env(), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(done.communicate(), 20)
    assert done.returncode == 0 and b"no dead letters" in out  # JetStream's store survived


async def test_a_service_that_keeps_crashing_is_reported_and_the_rest_keeps_running(
    up: Up, held_port: socket.socket
) -> None:
    """The gateway cannot bind its port (something took it): it exits at every start, the supervisor backs off
    and reports it, the services keep running; once the port is free again, it comes back by itself."""
    others: Mapping[str, int] = {s: up.pid(s) for s in ("registry", "hours", "rewards", "linkage")}
    os.kill(up.pid("gateway"), signal.SIGKILL)
    deadline = time.monotonic() + 5
    while True:
        try:
            held_port.bind(("127.0.0.1", up.gateway_port))
            break
        except OSError:
            assert time.monotonic() < deadline, "the killed gateway's port did not come free"
            await asyncio.sleep(0.01)
    held_port.listen()

    async def reported() -> bool:
        return "gateway keeps crashing: 3 times in a row" in up.log("vms")

    await eventually(reported, timeout=30, what="the crash loop reported")
    assert up.run_file()["crashing"] == ["gateway"]
    # The report in vms.log holds the gateway's last lines (why it exits), not only where its log is.
    report = up.log("vms").split("gateway keeps crashing", 1)[1]
    quoted = [line.split(" | ", 1)[1] for line in report.splitlines() if "  gateway | " in line]
    assert quoted, report
    assert all(line in up.log("gateway") for line in quoted)
    assert all(alive(pid) for pid in others.values())
    assert {s: up.pid(s) for s in others} == others

    held_port.close()
    await eventually(up.healthy, timeout=20, what="the gateway back once its port is free")


async def test_a_run_killed_with_sigkill_leaves_no_lock_behind(up: Up) -> None:
    """Its children stop by themselves (the kernel tells them to) and the folder is free again: the next run
    starts on the same data, and stops promptly on SIGTERM, leaving nothing behind."""
    first = up.run_file()
    keys = (up.data / KEYS_FILE).read_text()
    demo = DemoAccounts.of(up.data)
    os.kill(up.process.pid, signal.SIGKILL)
    await up.process.wait()

    async def released() -> bool:
        return running_system(up.data) is None

    await eventually(released, timeout=15, what="the killed run's children gone and the folder free")
    assert (up.data / RUN_FILE).exists()  # left behind, and not believed: the lock says no run is alive
    again = await start_vms_up(up.folder)
    try:
        await until_running(again)
        second = again.run_file()
        assert second["pid"] == again.process.pid
        assert running_system(up.data) is not None
        # The same keys sign again, the demo accounts are kept: their logins are said, and where the password is.
        assert (up.data / KEYS_FILE).read_text() == keys
        said = again.said()
        assert demo.login("central_admin") in said and str((up.data / DEMO_ACCOUNTS_FILE).resolve()) in said
        assert demo.password not in said
    finally:
        asked = time.monotonic()
        assert await stop_vms_up(again) == 0
    assert time.monotonic() - asked < 20
    assert not any(alive(pid) for pid in [*first["processes"].values(), *second["processes"].values()])
    assert not (up.data / RUN_FILE).exists()
    assert (up.data / LOCK_FILE).exists() and running_system(up.data) is None
    assert "everything stopped" in again.said()
    # The stop is in the run's own log too, with what asked for it.
    own_log = up.log("vms")
    asked_line = "SIGTERM을(를) 받아 중지합니다… / SIGTERM received: stopping…"
    assert asked_line in own_log
    assert "everything stopped" in own_log[own_log.rindex(asked_line) :]


# -- operator commands without a run: they never guess which system to act on ------------------------------------


def vms_command(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path
) -> tuple[int, str, str]:
    """`vms <argv>` in this process, from `cwd`, as an operator who set no VMS_* variable; (exit code, out, err)."""
    for name in ("VMS_NATS_URL", "VMS_BUS_ROOT", "VMS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def stale_run(folder: Path) -> Path:
    """The run file a killed `vms up` leaves behind: its lock is free, the file still names its NATS."""
    data = folder / "var"
    data.mkdir(parents=True)
    (data / LOCK_FILE).touch()
    run = {
        "pid": 999_999,
        "since": "2026-11-20T10:00:00+09:00",
        "data": str(data),
        "portal": "http://127.0.0.1:8000",
        "nats": "nats://127.0.0.1:4222",
        "bus_root": "vms",
        "logs": str(data / "log"),
    }
    (data / RUN_FILE).write_text(json.dumps(run), encoding="utf-8")
    return data


COMMANDS = [["deadletter", "list"], ["deadletter", "replay", "7"], ["nats-setup"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_named_folder_without_a_run_is_refused(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of these once fell back to nats://127.0.0.1:4222, which may be another system, and acted there."""
    data = stale_run(tmp_path)
    missing = tmp_path / "nowhere"
    cases = {
        str(data): ["pid 999999", "이미 끝났습니다", "has ended"],
        str(missing): [str(missing), "폴더", "there is no data folder"],
        str(tmp_path): [str(tmp_path), "실행 중인 `vms up`이 없습니다", "no `vms up` is running"],
    }
    for folder, said in cases.items():
        code, out, err = vms_command([*command, "--data", folder], capsys, monkeypatch, tmp_path)
        assert code == 1, (folder, err)
        assert out == ""
        for words in [*said, "--nats-url", "VMS_NATS_URL"]:
            assert words in err, (folder, words, err)


def test_a_folder_named_by_the_environment_is_held_to_the_same_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.chdir(tmp_path)
    for name in ("VMS_NATS_URL", "VMS_BUS_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VMS_DATA_DIR", str(missing))
    with pytest.raises(SystemExit) as exited:
        cli.main(["deadletter", "list"])
    assert exited.value.code == 1
    assert str(missing) in capsys.readouterr().err


def test_with_nothing_named_the_default_nats_is_tried_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing named and `var/` holds no run: the one case where the default address is tried, on stderr."""
    stale_run(tmp_path)
    monkeypatch.setattr(cli, "DEFAULT_NATS_URL", f"nats://127.0.0.1:{free_port()}")  # nobody there
    code, out, err = vms_command(["deadletter", "list"], capsys, monkeypatch, tmp_path)
    assert code == 1
    assert f"NATS {cli.DEFAULT_NATS_URL}: 기본 주소" in err and "the default" in err
    assert "cannot reach NATS" in err
    assert out == ""


@pytest.mark.parametrize("limit", ["0", "-1", "x"])
def test_deadletter_limit_is_at_least_one(
    limit: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = vms_command(["deadletter", "list", "--limit", limit], capsys, monkeypatch, tmp_path)
    assert code == 2
    assert "--limit" in err and "1 or more" in err


async def test_a_busy_nats_port_given_is_refused_naming_it(tmp_path: Path, held_port: socket.socket) -> None:
    """It once moved to a random port without a word of refusal, while a busy `--port` was refused."""
    held_port.bind(("127.0.0.1", 0))
    held_port.listen()
    busy = held_port.getsockname()[1]
    run = await start_vms_up(tmp_path, "--nats-port", str(busy))
    try:
        code = await asyncio.wait_for(run.process.wait(), 20)
    finally:
        if run.process.returncode is None:
            await stop_vms_up(run)
    said = run.said()
    assert code == 1, said
    assert f"port {busy} for the embedded NATS is in use" in said
    assert f"내장 NATS 포트 {busy}" in said
    assert not (run.data / "log" / "nats.log").exists()  # nothing was started
    assert f"port {busy} for the embedded NATS is in use" in run.log("vms")
