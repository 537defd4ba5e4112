"""The secrets an operator makes before the first start: `vms keys` prints a key set a `.env` file takes as it is,
and `vms admin create` makes the first central admin with the operator's password, on SQLite and PostgreSQL, and
refuses a weak one with the rule's message. There is no default password: without one, nothing is made."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest
from dotenv import dotenv_values
from sqlalchemy import select

from conftest import NewDatabase
from vms_contracts.actor import Role
from vms_deploy.admin import ADMIN_PASSWORD_VARIABLE, GATEWAY_DATABASE_VARIABLE, OperatorError, admin_password
from vms_deploy.supervisor import free_port
from vms_gateway.db import accounts
from vms_gateway.passwords import Passwords
from vms_platform.actor import ActorSigner, ActorVerifier, private_key, public_keys
from vms_platform.db import Database
from vms_platform.testing import CENTRAL_ADMIN

VMS = str(Path(sysconfig.get_path("scripts")) / "vms")
PASSWORD = "가을-단풍-2026-봉사"
"""A password as an operator types it: Hangul and ASCII, well within the rule."""


def run_vms(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `vms` command, as an operator runs it, with no terminal behind it."""
    clean = {k: v for k, v in os.environ.items() if k not in (ADMIN_PASSWORD_VARIABLE, GATEWAY_DATABASE_VARIABLE)}
    return subprocess.run(
        [VMS, *args],
        env={**clean, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def accounts_in(url: str) -> list[tuple[str, str, str]]:
    """(login, role, password hash) of every account in the gateway's database."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(select(accounts.c.login, accounts.c.role, accounts.c.password_hash))
            return [(r.login, r.role, r.password_hash) for r in rows]
    finally:
        await db.close()


# -- vms keys ------------------------------------------------------------------------------------------------------


def test_vms_keys_prints_a_set_that_env_files_read_as_it_is(tmp_path: Path) -> None:
    printed = run_vms("keys")
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[0].startswith("# VMS 요청 서명 키") and any(
        line.startswith("# A new VMS actor key set") for line in lines
    )
    env_file = tmp_path / ".env"
    env_file.write_text(printed.stdout, encoding="utf-8")
    keys = {name: value or "" for name, value in dotenv_values(env_file).items()}
    assert set(keys) == {f"VMS_{p}_ACTOR_KEY" for p in ("GATEWAY", "REGISTRY", "HOURS", "REWARDS", "LINKAGE")} | {
        "VMS_ACTOR_PUBLIC_KEYS"
    }
    token = ActorSigner("gateway", private_key(keys["VMS_GATEWAY_ACTOR_KEY"])).token(CENTRAL_ADMIN)
    assert ActorVerifier(public_keys(keys["VMS_ACTOR_PUBLIC_KEYS"])).verify(token) == CENTRAL_ADMIN
    assert run_vms("keys").stdout != printed.stdout, "a new set each time"


# -- vms admin create ----------------------------------------------------------------------------------------------


async def test_the_first_central_admin_is_made_with_the_operators_password(new_database: NewDatabase) -> None:
    url = await new_database("gateway")
    made = run_vms(
        "admin", "create", "--login", "chief_admin", "--database-url", url, env={"VMS_ADMIN_PASSWORD": PASSWORD}
    )
    assert made.returncode == 0, made.stderr
    assert (
        "중앙회 관리자 계정 chief_admin" in made.stdout and "central admin account chief_admin created" in made.stdout
    )
    assert PASSWORD not in made.stdout + made.stderr, "the password is never shown"
    ((login, role, password_hash),) = await accounts_in(url)
    assert (login, role) == ("chief_admin", Role.CENTRAL_ADMIN.value)
    assert PASSWORD not in password_hash
    passwords = Passwords("RFC_9106_LOW_MEMORY", workers=1)
    assert await passwords.verify(password_hash, PASSWORD)
    assert not await passwords.verify(password_hash, PASSWORD + "!")


async def test_the_database_comes_from_the_gateways_variable(new_database: NewDatabase) -> None:
    url = await new_database("gateway")
    made = run_vms(
        "admin",
        "create",
        "--login",
        "chief_admin",
        env={"VMS_ADMIN_PASSWORD": PASSWORD, GATEWAY_DATABASE_VARIABLE: url},
    )
    assert made.returncode == 0, made.stderr
    assert [a[:2] for a in await accounts_in(url)] == [("chief_admin", "central_admin")]


async def test_a_weak_password_is_refused_with_the_rule_and_nothing_is_made(new_database: NewDatabase) -> None:
    url = await new_database("gateway")
    for weak in ("short", "chief_admin"):  # under 10 characters; the login itself
        refused = run_vms(
            "admin", "create", "--login", "chief_admin", "--database-url", url, env={"VMS_ADMIN_PASSWORD": weak}
        )
        assert refused.returncode == 1
        assert "비밀번호는 10자 이상 128자 이하" in refused.stderr
        assert "A password is 10 to 128 characters long, and not the login itself." in refused.stderr
    made = run_vms(
        "admin", "create", "--login", "second_admin", "--database-url", url, env={"VMS_ADMIN_PASSWORD": PASSWORD}
    )
    assert made.returncode == 0, made.stderr
    assert [a[0] for a in await accounts_in(url)] == ["second_admin"], "the refused ones left nothing"


async def test_a_login_that_exists_is_refused(new_database: NewDatabase) -> None:
    url = await new_database("gateway")
    env = {"VMS_ADMIN_PASSWORD": PASSWORD}
    assert run_vms("admin", "create", "--login", "chief_admin", "--database-url", url, env=env).returncode == 0
    again = run_vms("admin", "create", "--login", "chief_admin", "--database-url", url, env=env)
    assert again.returncode == 1
    assert "an account with the login chief_admin exists already" in again.stderr
    assert len(await accounts_in(url)) == 1


def test_without_a_password_nothing_is_made(tmp_path: Path) -> None:
    """No terminal to ask and no `VMS_ADMIN_PASSWORD`: refused, naming the variable; there is no default."""
    database = tmp_path / "gateway.db"
    refused = run_vms("admin", "create", "--login", "chief_admin", "--database-url", f"sqlite:///{database}")
    assert refused.returncode == 1
    assert "VMS_ADMIN_PASSWORD" in refused.stderr and "there is no terminal to ask for the password" in refused.stderr
    assert not database.exists()


def test_without_a_database_it_says_which_before_asking_a_password() -> None:
    refused = run_vms("admin", "create", "--login", "chief_admin")
    assert refused.returncode == 1
    assert "--database-url or VMS_GATEWAY_DATABASE_URL" in refused.stderr
    assert "VMS_ADMIN_PASSWORD" not in refused.stderr


def test_the_password_typed_on_a_terminal_is_asked_twice() -> None:
    asked: list[str] = []

    def terminal(*answers: str) -> io.StringIO:
        return io.StringIO("".join(f"{a}\n" for a in answers))

    def ask_from(typed: io.StringIO) -> Callable[[str], str]:
        def ask(prompt: str) -> str:
            asked.append(prompt)
            return typed.readline().rstrip("\n")

        return ask

    assert admin_password({}, interactive=True, ask=ask_from(terminal(PASSWORD, PASSWORD))) == PASSWORD
    assert asked == ["비밀번호 / Password: ", "비밀번호 확인 / Password again: "]
    with pytest.raises(OperatorError, match="the two passwords differ"):
        admin_password({}, interactive=True, ask=ask_from(terminal(PASSWORD, PASSWORD + "x")))
    assert admin_password({ADMIN_PASSWORD_VARIABLE: PASSWORD}, interactive=True, ask=ask_from(terminal())) == PASSWORD


def test_where_the_gateway_is_not_installed_it_says_where_to_run_it(tmp_path: Path) -> None:
    """The image of `vms nats-setup` carries `vms` without the gateway's package."""
    without_gateway = "import sys; sys.modules['vms_gateway'] = None; from vms_deploy.cli import main; main()"
    refused = subprocess.run(
        [sys.executable, "-c", without_gateway, "admin", "create", "--login", "chief_admin"],
        env={**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD, GATEWAY_DATABASE_VARIABLE: f"sqlite:///{tmp_path}/g.db"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "`vms-gateway admin create` in the gateway's image" in refused.stderr
    assert not (tmp_path / "g.db").exists()


# -- the NATS an operator command acts on ---------------------------------------------------------------------------


def test_a_nats_url_that_cannot_be_one_is_refused_at_once_with_the_variable() -> None:
    """`vms nats-setup` waits for a server that is not up yet; a URL that is no URL is refused without waiting."""
    refused = run_vms("nats-setup", env={"VMS_NATS_URL": "nats://setup:s3cret@nats-1:4222,nats-2:4222"})
    assert refused.returncode == 1
    assert refused.stderr.startswith("VMS_NATS_URL (or --nats-url): 'nats-2:4222' is not a NATS server's URL")
    assert "s3cret" not in refused.stderr


def test_nats_setup_waits_for_a_server_that_is_still_starting_then_declares(tmp_path: Path) -> None:
    """In a container deployment the setup job starts with the NATS nodes: it waits for JetStream (saying so on
    stderr), declares once the server answers, and gives up with a clear line when the wait runs out."""
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    setup = subprocess.Popen(
        [VMS, "nats-setup", "--wait", "30", "--bus-root", "tsetupwait"],
        env={**os.environ, "VMS_NATS_URL": url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert setup.stderr is not None
    first = setup.stderr.readline()  # blocks until the first try has failed: no server listens yet
    binary = str(Path(sysconfig.get_path("scripts")) / "nats-server")
    server = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, err = setup.communicate(timeout=60)
    finally:
        server.terminate()
        server.wait(10)
    assert setup.returncode == 0, first + err
    assert first.startswith("JetStream not ready yet (try 1): NoServersError()")
    assert "stream TSETUPWAIT_HOURS: created" in out

    gave_up = run_vms("nats-setup", "--wait", "1", env={"VMS_NATS_URL": url})
    assert gave_up.returncode == 1
    assert "vms nats-setup: JetStream did not answer within 1 s: NoServersError()" in gave_up.stderr
    assert "Traceback" not in gave_up.stderr
