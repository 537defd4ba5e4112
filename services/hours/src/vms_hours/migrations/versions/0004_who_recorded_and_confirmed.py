"""each activity records the accounts that recorded and confirmed it; a centre's records are read newest first

Records from before this revision were made by nobody hours can name: their `recorded_by` and `confirmed_by` stay
empty. The index on the centre alone gives way to one on the centre and the time of the activity, which serves
the same look-ups and a centre's list in its order.

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
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded_by", sa.Uuid(), nullable=True, comment="the centre manager's account that recorded it")
        )
        batch_op.add_column(
            sa.Column(
                "confirmed_by", sa.Uuid(), nullable=True, comment="the centre manager's account that confirmed it"
            )
        )
        batch_op.drop_index(batch_op.f("ix_activities_centre_id"))
        batch_op.create_index("ix_activities_centre_newest", ["centre_id", "activity_date", "start_time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_centre_newest")
        batch_op.create_index(batch_op.f("ix_activities_centre_id"), ["centre_id"], unique=False)
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("recorded_by")
