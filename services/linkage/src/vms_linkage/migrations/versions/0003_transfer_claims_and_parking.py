"""transfers are claimed by one sending pass at a time; 1365's own words are kept beside the reason; the due index
reads by status

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reason_detail",
                sa.Text(),
                nullable=True,
                comment="1365's own words, or the start of an unreadable answer",
            )
        )
        batch_op.add_column(
            sa.Column(
                "claim_token",
                sa.Uuid(),
                nullable=True,
                comment="the sending pass that holds the record while it is sent",
            )
        )
        batch_op.add_column(
            sa.Column(
                "claimed_until", UtcDateTime(), nullable=True, comment="when the claim lapses if its pass never settles"
            )
        )
        batch_op.drop_index("ix_transfers_next_attempt_at")
        batch_op.create_index("ix_transfers_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_due")
        batch_op.create_index("ix_transfers_next_attempt_at", ["next_attempt_at"], unique=False)
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("reason_detail")
    # Parked records become refused ones again, offered later, as before this revision.
    op.execute("UPDATE transfers SET status = 'failed' WHERE status = 'rejected'")
