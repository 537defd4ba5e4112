"""accounts, their centres, sessions, access tokens and sign-in throttling

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False, comment="UUIDv7; the actor id every request of the account carries"),
        sa.Column("login", sa.String(length=64), nullable=False, comment="lowercase; a volunteer's is their login_id"),
        sa.Column("password_hash", sa.String(length=512), nullable=False, comment="argon2, in its own encoded form"),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=True, comment="the volunteer a volunteer account is"),
        sa.Column(
            "region",
            sa.String(length=2),
            nullable=True,
            comment="a council admin's region; a centre manager's centres' and a volunteer's region (for the council's list); none for central admins and integrators",
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column(
            "created_by", sa.Uuid(), nullable=True, comment="the account that created it; none for sign-up and the CLI"
        ),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
        sa.Column("password_changed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("login", name=op.f("uq_accounts_login")),
        sa.UniqueConstraint("volunteer_id", name=op.f("uq_accounts_volunteer_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_region_role", ["region", "role"], unique=False)

    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=100), nullable=False, comment="`login:<login>` or `client:<address>`"),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UtcDateTime(), nullable=False),
        sa.Column("blocked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="sha256 (hex) of the token"),
        sa.Column(
            "prefix", sa.String(length=16), nullable=False, comment="its first characters, shown to tell tokens apart"
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_used_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_access_tokens_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_account_id"), ["account_id"], unique=False)

    op.create_table(
        "account_centres",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_account_centres_account_id_accounts")),
        sa.PrimaryKeyConstraint("account_id", "centre_id", name=op.f("pk_account_centres")),
    )
    with op.batch_alter_table("account_centres", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_centres_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="sha256 (hex) of the cookie's value, never the value"
        ),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True, comment="the address it was signed in from"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_sessions_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_account_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("account_centres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_centres_centre_id"))

    op.drop_table("account_centres")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_account_id"))

    op.drop_table("access_tokens")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_region_role")

    op.drop_table("accounts")
