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


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("generation")
    op.drop_table("deployment")
