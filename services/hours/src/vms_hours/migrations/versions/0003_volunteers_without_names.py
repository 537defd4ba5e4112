"""hours keeps no volunteer's name: that a volunteer exists, and where, is all it needs

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
    with op.batch_alter_table("known_volunteers", schema=None) as batch_op:
        batch_op.drop_column("name")


def downgrade() -> None:
    # The names are gone for good. The code before this revision writes a name with each volunteer but never reads
    # it, so an empty one stands in for those it knew.
    with op.batch_alter_table("known_volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=50), server_default="", nullable=False))
