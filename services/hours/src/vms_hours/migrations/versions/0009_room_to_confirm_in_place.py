"""activities: room on each page for its records' confirmations (PostgreSQL `fillfactor`)

A record is written once as recorded and changed once as confirmed. On a full page the confirmed version goes to
another page, and every index of the table gets an entry for it; with room left on the page it stays there and no
index is touched (a heap-only update), which is also what the write-ahead log must carry after each checkpoint.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 60


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE activities SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE activities RESET (fillfactor)")
