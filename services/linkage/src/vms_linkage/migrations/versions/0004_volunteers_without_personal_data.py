"""linkage keeps no volunteer's name, birth date, phone or region: it asks the registry for them when it sends

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("region")
        batch_op.drop_column("phone")
        batch_op.drop_column("birth_date")
        batch_op.drop_column("name")


def downgrade() -> None:
    # The details are gone for good. The code before this revision sends a volunteer's records only while it holds
    # their details, which only `volunteer.registered.v1` events bring: their records wait until those are applied
    # again.
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(length=2), nullable=True))
