"""the deployment id shared by replicas; outbox rows remember how often they were republished

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    deployment = op.create_table(
        "deployment",
        sa.Column("id", sa.Uuid(), nullable=False, comment="shared by every replica of this deployment"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    op.bulk_insert(deployment, [{"id": uuid4(), "created_at": datetime.now(UTC)}])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "generation",
                sa.Integer(),
                server_default="0",
                nullable=False,
                comment="raised by every republish, so that a relay pass that read the row before cannot mark it sent",
            )
        )
    op.create_table(
        "volunteer_days",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id", "activity_date", name=op.f("pk_volunteer_days")),
    )
    # Every day that already has activities gets its row, so that recording on it takes the lock too.
    op.execute(
        "INSERT INTO volunteer_days (volunteer_id, activity_date) "
        "SELECT DISTINCT volunteer_id, activity_date FROM activities"
    )


def downgrade() -> None:
    op.drop_table("volunteer_days")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("generation")
    op.drop_table("deployment")
