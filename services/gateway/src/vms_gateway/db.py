"""The gateway's own database: who may sign in, as what, and the sessions and tokens they hold. No domain data: a
volunteer's name, birth date and phone stay with the registry; an account names its volunteer by id only. And the
progress of the files of activities the portal is reading (imports)."""

from collections.abc import Iterable
from datetime import datetime
from importlib.resources import files
from uuid import UUID

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncSession

from vms_platform.db import UtcDateTime, new_metadata

MIGRATIONS = str(files("vms_gateway") / "migrations")

metadata = new_metadata()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True, comment="UUIDv7; the actor id every request of the account carries"),
    Column("login", String(64), nullable=False, unique=True, comment="lowercase; a volunteer's is their login_id"),
    Column("password_hash", String(512), nullable=False, comment="argon2, in its own encoded form"),
    Column("role", String(20), nullable=False),
    Column("volunteer_id", Uuid, nullable=True, unique=True, comment="the volunteer a volunteer account is"),
    Column(
        "region",
        String(2),
        nullable=True,
        comment="a council admin's region; a centre manager's centres' and a volunteer's region (for the council's "
        "list); none for central admins and integrators",
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Uuid, nullable=True, comment="the account that created it; none for sign-up and the CLI"),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=True),
    Index("ix_accounts_region_role", "region", "role"),
)

account_centres = Table(
    "account_centres",
    metadata,
    Column("account_id", Uuid, ForeignKey("accounts.id"), primary_key=True),
    Column("centre_id", Uuid, primary_key=True, index=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True, comment="sha256 (hex) of the cookie's value, never the value"),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("client", String(64), nullable=True, comment="the address it was signed in from"),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True, comment="sha256 (hex) of the token"),
    Column("prefix", String(16), nullable=False, comment="its first characters, shown to tell tokens apart"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

# Failed sign-ins, per login and per client address, shared by every replica of the gateway. Each attempt is
# counted before its password is checked (and taken back when it was right), by a conditional write, so that
# attempts sent at once are counted one by one.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(100), primary_key=True, comment="`login:<login>` or `client:<address>`"),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=True),
)


# A centre's file of activities being read and sent to hours in parts (일괄 입력), as the portal shows its progress:
# the replica that reads it writes how far it got; whichever replica a later page view reaches reads it here.
imports = Table(
    "imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("centre_id", Uuid, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("kind", String(4), nullable=False, comment="csv | xlsx: the format the rows to fix are written in"),
    Column("mode", String(20), nullable=False),
    Column("check_only", Boolean, nullable=False),
    Column("rows", Integer, nullable=False, comment="activities in the file"),
    Column("done_rows", Integer, nullable=False, comment="rows answered so far"),
    Column("status", String(12), nullable=False, comment="running | done | failed"),
    Column("report", Text, nullable=True, comment="the answer (JSON), once done"),
    Column("to_fix", Text, nullable=True, comment="the refused rows as sent, with why (JSON)"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, comment="the reading replica's last sign of life"),
)


async def insert_account(
    session: AsyncSession,
    *,
    account_id: UUID,
    login: str,
    password_hash: str,
    role: str,
    created_at: datetime,
    password_changed_at: datetime | None,
    created_by: UUID | None = None,
    volunteer_id: UUID | None = None,
    region: str | None = None,
    centres: Iterable[UUID] = (),
) -> None:
    """One account and the centres it manages, in the caller's transaction."""
    await session.execute(
        accounts.insert().values(
            id=account_id,
            login=login,
            password_hash=password_hash,
            role=role,
            volunteer_id=volunteer_id,
            region=region,
            created_at=created_at,
            created_by=created_by,
            password_changed_at=password_changed_at,
        )
    )
    managed = [{"account_id": account_id, "centre_id": centre} for centre in centres]
    if managed:
        await session.execute(account_centres.insert(), managed)
