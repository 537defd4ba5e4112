"""transfers follow corrections and cancellations of confirmed records: the revision each carries, the revision
1365 holds, whether it was cancelled, and whether its confirmation has arrived

Every transfer before this revision came from a confirmation: revision 2, confirmed; 1365 holds that revision of
the records it accepted (status `sent`) and none of the others.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("sent_revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("confirmed", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE transfers SET sent_revision = revision WHERE status = 'sent'")


def downgrade() -> None:
    # The code before this revision knows confirmations only. Records it never heard confirmed go; a cancelled one
    # is parked, never to be sent (an operator who requeues it sends it as confirmed); a correction still on its way
    # to 1365 does not go, and 1365 keeps the record as it took it.
    op.execute("DELETE FROM transfers WHERE NOT confirmed")
    op.execute(
        "UPDATE transfers SET status = 'rejected', reason_code = 'TRANSFER_CANCELLED', reason = '취소된 실적', "
        "claim_token = NULL, claimed_until = NULL WHERE cancelled"
    )
    op.execute(
        "UPDATE transfers SET status = 'sent', reason_code = NULL, reason = NULL, reason_detail = NULL "
        "WHERE NOT cancelled AND sent_revision IS NOT NULL AND status IN ('pending', 'failed')"
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("confirmed")
        batch_op.drop_column("cancelled")
        batch_op.drop_column("sent_revision")
        batch_op.drop_column("revision")
