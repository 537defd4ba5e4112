"""imports: the files of activities the portal reads and sends to hours in parts, with their progress

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind", sa.String(length=4), nullable=False, comment="csv | xlsx: the format the rows to fix are written in"
        ),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("check_only", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False, comment="activities in the file"),
        sa.Column("done_rows", sa.Integer(), nullable=False, comment="rows answered so far"),
        sa.Column("status", sa.String(length=12), nullable=False, comment="running | done | failed"),
        sa.Column("report", sa.Text(), nullable=True, comment="the answer (JSON), once done"),
        sa.Column("to_fix", sa.Text(), nullable=True, comment="the refused rows as sent, with why (JSON)"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at", UtcDateTime(timezone=True), nullable=False, comment="the reading replica's last sign of life"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_imports_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_account_id"), "imports", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_imports_account_id"), table_name="imports")
    op.drop_table("imports")
