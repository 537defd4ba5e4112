"""the ledger follows corrections and cancellations of confirmed records

Each entry says the revision of the record it reflects (2 for a confirmation, the only event before this revision)
and whether the record was cancelled; the totals stay as they are.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("cancelled", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_column("cancelled")
        batch_op.drop_column("revision")
