"""The operator's account commands: the first central admin, and the demo accounts of the embedded run.

There is no default password anywhere: the first central admin's is given by the operator (from
`VMS_ADMIN_PASSWORD` or typed twice), and the demo accounts share one password generated when they are made,
written to a file only its owner can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from faststream.nats import NatsBroker
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from vms_contracts.actor import Actor, Role
from vms_contracts.ids import new_id
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.subjects import inbox_prefix
from vms_contracts.types import LoginId
from vms_gateway.app import database_of, signer_of
from vms_gateway.db import MIGRATIONS, accounts, insert_account
from vms_gateway.passwords import PasswordRuleBroken, Passwords, check_rule
from vms_gateway.settings import GatewaySettings
from vms_platform.db import Database, migrate
from vms_platform.logging import get_logger
from vms_platform.messages import Text, register, text
from vms_platform.rpc import RpcClient

log = get_logger("vms.gateway.admin")

PASSWORD_VARIABLE = "VMS_ADMIN_PASSWORD"

register(
    {
        "ADMIN_LOGIN_INVALID": Text(
            "아이디 형식이 맞지 않습니다: 영문 소문자로 시작하는 4–20자의 영문 소문자, 숫자, _",
            "the login must be 4–20 lowercase letters a–z, digits or _, starting with a letter",
        ),
        "ADMIN_LOGIN_EXISTS": Text(
            "아이디 {login}인 계정이 이미 있습니다: 다른 아이디를 고르세요.",
            "an account with the login {login} exists already: choose another login.",
        ),
        "ADMIN_CREATED": Text(
            "중앙회 관리자 계정 {login}을(를) 만들었습니다 (id {account_id}).",
            "central admin account {login} created (id {account_id}).",
        ),
        "DEMO_CREATED": Text(
            "데모 계정을 만들었습니다 (비밀번호는 모두 같습니다, {file}에도 있습니다):",
            "demo accounts created (one password for all, also in {file}):",
        ),
        "DEMO_UNCHANGED": Text(
            "데모 계정이 이미 있습니다. 바뀐 것은 없습니다. 아이디와 비밀번호: {file}",
            "the demo accounts exist already; nothing changed. Their logins and password: {file}",
        ),
        "DEMO_FILE_LOST": Text(
            "데모 계정 {logins}이(가) 이미 있지만 비밀번호를 적은 {file}이(가) 없습니다. 그 계정으로 로그인하려면 "
            "데이터 폴더를 새로 시작하거나, 중앙회 관리자 계정을 `vms admin create`로 만드세요.",
            "the demo accounts {logins} exist, but {file}, which held their password, is gone. Start a new data "
            "folder, or create a central admin with `vms admin create`.",
        ),
        "DEMO_PASSWORD": Text("비밀번호", "password"),
    }
)


class AdminError(Exception):
    """What the operator asked cannot be done; the message says why, in Korean and English."""

    def __init__(self, code: str, **params: Any) -> None:
        said = text(code, **params)
        super().__init__(f"{said.ko}\n{said.en}")


def _login(login: str) -> str:
    try:
        return TypeAdapter(LoginId).validate_python(login)
    except ValidationError:
        raise AdminError("ADMIN_LOGIN_INVALID") from None


async def _migrated(settings: GatewaySettings) -> Database:
    db = database_of(settings)
    await asyncio.to_thread(migrate, settings.database_url, MIGRATIONS)
    return db


async def create_central_admin(settings: GatewaySettings, login: str, password: str) -> UUID:
    """Create a central admin account (the first one, above all): the database is migrated first; an existing login
    is refused (`AdminError`), as is a password that breaks the rule (`PasswordRuleBroken`)."""
    login = _login(login)
    check_rule(password, login)
    db = await _migrated(settings)
    try:
        passwords = Passwords(settings.password_profile, workers=1)
        password_hash = await passwords.hash(password)
        account_id = new_id()
        async with db.transaction() as session:
            if await session.scalar(select(accounts.c.id).where(accounts.c.login == login)) is not None:
                raise AdminError("ADMIN_LOGIN_EXISTS", login=login)
            now = datetime.now(UTC)
            await insert_account(
                session,
                account_id=account_id,
                login=login,
                password_hash=password_hash,
                role=Role.CENTRAL_ADMIN.value,
                created_at=now,
                password_changed_at=now,
            )
    finally:
        await db.close()
    log.info("central admin created", account_id=str(account_id), login=login, by="operator command")
    return account_id


# -- the demo accounts of the embedded run -------------------------------------------------------------------------

DEMO_REGION = "11"
DEMO_LOGINS: dict[Role, str] = {
    Role.CENTRAL_ADMIN: "demo_central",
    Role.COUNCIL_ADMIN: "demo_council",
    Role.CENTRE_MANAGER: "demo_centre",
    Role.VOLUNTEER: "demo_volunteer",
    Role.INTEGRATOR: "demo_integrator",
}
DEMO_CENTRE = registry_rpc.RegisterCentre(name="VMS 데모 관리센터", region=DEMO_REGION, phone="02-2077-3995")
DEMO_VOLUNTEER = registry_rpc.RegisterVolunteer(
    login_id=DEMO_LOGINS[Role.VOLUNTEER],
    name="김봉사",
    birth_date=date(2000, 1, 1),
    phone="010-1234-5678",
    region=DEMO_REGION,
)


@dataclass
class DemoAccounts:
    """What the demo accounts file holds: the password, and each account made so far (the file is written as they
    are made, so that a run stopped halfway continues with the same password)."""

    password: str
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    created: bool = False

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(path.name + ".new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"password": self.password, "accounts": self.accounts}, out, ensure_ascii=False, indent=2)
        os.chmod(draft, 0o600)
        os.replace(draft, path)

    @classmethod
    def read(cls, path: Path) -> DemoAccounts | None:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            return cls(password=str(state["password"]), accounts=dict(state.get("accounts", {})))
        except FileNotFoundError:
            return None

    def lines(self, path: Path) -> list[str]:
        """What the operator is told: on the run that made them, the logins and the password; later, the logins
        and where the file is."""
        said = text("DEMO_CREATED" if self.created else "DEMO_UNCHANGED", file=path)
        head = [f"{said.ko}", f"{said.en}"]
        rows = []
        for role, login in DEMO_LOGINS.items():
            role_text = text(f"ROLE_{role.value}")
            rows.append(f"  {role_text.ko} ({role_text.en}): {login}")
        if self.created:
            password = text("DEMO_PASSWORD")
            rows.append(f"  {password.ko} ({password.en}): {self.password}")
        return head + rows


async def demo_accounts(settings: GatewaySettings, out: Path) -> DemoAccounts:
    """One account per role (central admin, council admin of region 11, the manager of a demo centre registered in
    11, a volunteer signed up through the registry, an integrator), all with one generated password written to
    `out` (mode 0600). Run again, it changes nothing and says so. Needs the system running (the registry is
    asked)."""
    db = await _migrated(settings)
    try:
        async with db.transaction() as session:
            existing = {
                row.login: row.id
                for row in await session.execute(
                    select(accounts.c.login, accounts.c.id).where(accounts.c.login.in_(DEMO_LOGINS.values()))
                )
            }
        demo = DemoAccounts.read(out)
        if demo is None:
            if existing:
                raise AdminError("DEMO_FILE_LOST", logins=", ".join(sorted(existing)), file=out)
            demo = DemoAccounts(password=secrets.token_urlsafe(15))
            demo.write(out)
        missing = [role for role, login in DEMO_LOGINS.items() if login not in existing]
        if missing:
            await _make_demo_accounts(settings, db, demo, out, existing)
            demo.created = True
        return demo
    finally:
        await db.close()


async def _make_demo_accounts(
    settings: GatewaySettings, db: Database, demo: DemoAccounts, out: Path, existing: dict[str, UUID]
) -> None:
    passwords = Passwords(settings.password_profile, workers=1)
    password_hash = await passwords.hash(demo.password)
    broker = NatsBroker(
        [s.strip() for s in settings.nats_url.split(",")],
        name="vms-gateway-admin",
        inbox_prefix=inbox_prefix("gateway"),
    )
    await broker.connect()
    rpc = RpcClient(broker, settings.bus, signer=signer_of(settings), timeout=settings.rpc_timeout)
    try:

        async def account(role: Role, **values: Any) -> UUID:
            login = DEMO_LOGINS[role]
            if login in existing:
                return existing[login]
            account_id: UUID = values.pop("id", None) or new_id()
            centres: list[UUID] = values.pop("centres", [])
            now = datetime.now(UTC)
            async with db.transaction() as session:
                await insert_account(
                    session,
                    account_id=account_id,
                    login=login,
                    password_hash=password_hash,
                    role=role.value,
                    created_at=now,
                    password_changed_at=now,
                    centres=centres,
                    **values,
                )
            existing[login] = account_id
            demo.accounts[role.value] = {
                "login": login,
                "id": str(account_id),
                **{k: str(v) for k, v in values.items()},
            }
            if centres:
                demo.accounts[role.value]["centre_id"] = str(centres[0])
            demo.write(out)
            log.info("demo account created", login=login, role=role.value, account_id=str(account_id))
            return account_id

        central = await account(Role.CENTRAL_ADMIN)
        await account(Role.COUNCIL_ADMIN, region=DEMO_REGION)
        as_central = Actor(id=str(central), role=Role.CENTRAL_ADMIN)
        centre = await rpc.call(registry_rpc.REGISTER_CENTRE, DEMO_CENTRE, actor=as_central)
        if centre.status is registry_rpc.CentreStatus.REGISTERED:
            # Accredited once, so that its manager can post recruitments; a later suspension by its council stays.
            change = registry_rpc.CentreStatusChange(centre_id=centre.id)
            await rpc.call(registry_rpc.ACCREDIT_CENTRE, change, actor=as_central)
        await account(Role.CENTRE_MANAGER, region=centre.region, centres=[centre.id])
        if DEMO_LOGINS[Role.VOLUNTEER] not in existing:
            # Signed up as a visitor does: the registry records the new account as who registered the volunteer.
            volunteer_account = new_id()
            signing_up = Actor(id=str(volunteer_account), role=Role.ANONYMOUS)
            volunteer = await rpc.call(registry_rpc.REGISTER_VOLUNTEER, DEMO_VOLUNTEER, actor=signing_up)
            await account(Role.VOLUNTEER, id=volunteer_account, volunteer_id=volunteer.id, region=volunteer.region)
        await account(Role.INTEGRATOR)
    finally:
        with contextlib.suppress(Exception):
            await broker.stop()


__all__ = [
    "PASSWORD_VARIABLE",
    "AdminError",
    "DemoAccounts",
    "PasswordRuleBroken",
    "create_central_admin",
    "demo_accounts",
]
