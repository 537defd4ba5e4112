"""outbox: an index of the unsent events in the order the relay publishes them

The relay reads `WHERE sent_at IS NULL ORDER BY created_at, id LIMIT n`; without this index each pass sorted every
unsent row, so that a large backlog (a file of thousands of records, a relay that was down) drained the more slowly
the larger it was.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["created_at", "id"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")
