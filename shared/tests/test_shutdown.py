"""A service told to stop stops, even when NATS went away first (its connection cannot be drained then)."""

from __future__ import annotations

import os
import signal
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest

from vms_platform.testing import _free_port, _wait_for_port, use_test_keys

pytestmark = pytest.mark.slow

SCRIPTS = Path(sysconfig.get_path("scripts"))


def test_a_service_stops_on_sigterm_after_nats_is_gone(tmp_path: Path) -> None:
    port = _free_port()
    nats = subprocess.Popen(
        [str(SCRIPTS / "nats-server"), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    service: subprocess.Popen[bytes] | None = None
    try:
        _wait_for_port(port)
        url = f"nats://127.0.0.1:{port}"
        env = {
            **os.environ,
            **use_test_keys(),
            "VMS_REWARDS_DATABASE_URL": f"sqlite:///{tmp_path / 'rewards.db'}",
            "VMS_REWARDS_NATS_URL": url,
            "VMS_REWARDS_LOG_FORMAT": "json",
        }
        subprocess.run([str(SCRIPTS / "vms"), "nats-setup", "--nats-url", url], env=env, check=True, timeout=60)
        log = tmp_path / "rewards.log"
        with log.open("wb") as out:
            service = subprocess.Popen(
                [str(SCRIPTS / "vms-rewards"), "run", "--migrate"], env=env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + 60
        while b"service started" not in log.read_bytes():
            assert service.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        nats.kill()
        nats.wait(10)
        time.sleep(1.0)  # the connection notices and starts reconnecting
        service.send_signal(signal.SIGTERM)
        try:
            code = service.wait(20)
        except subprocess.TimeoutExpired:
            pytest.fail("the service was still running 20 s after SIGTERM:\n" + log.read_text()[-3000:])
        assert code == 0, log.read_text()[-3000:]
        assert b"service stopped" in log.read_bytes()
    finally:
        for process in (service, nats):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
