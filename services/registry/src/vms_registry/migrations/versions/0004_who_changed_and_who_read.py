"""every change records the account that made it, and every read of a volunteer's personal data is recorded

Rows from before this revision were made by nobody the registry can name: their `registered_by` and `changed_by`
stay empty.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "registered_by",
                sa.Uuid(),
                nullable=True,
                comment="the account that registered it; None if a service did",
            )
        )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "registered_by",
                sa.Uuid(),
                nullable=True,
                comment="the account made with the sign-up, if the gateway named it",
            )
        )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "changed_by", sa.Uuid(), nullable=True, comment="the volunteer's account that gave or withdrew it"
            )
        )
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False, comment="account id, or service:<name>; never a name"),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_region", sa.String(length=2), nullable=False),
        sa.Column(
            "fields",
            sa.String(length=200),
            nullable=False,
            comment="what was read, comma-separated: name,birth_date,phone",
        ),
        sa.Column("operation", sa.String(length=80), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
    )
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.create_index("ix_personal_data_reads_region", ["volunteer_region", "read_at"], unique=False)
        batch_op.create_index("ix_personal_data_reads_volunteer", ["volunteer_id", "read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.drop_index("ix_personal_data_reads_volunteer")
        batch_op.drop_index("ix_personal_data_reads_region")
    op.drop_table("personal_data_reads")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("changed_by")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("registered_by")
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.drop_column("registered_by")
