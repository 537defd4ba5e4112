"""moving between regions: handovers of volunteers to another deployment's registry, the registry's inbox, and
applications and orientations of volunteers another region's registry keeps

A volunteer keeps their id for life. Handed over to a region another deployment keeps, their row here becomes a
tombstone (`moved`) and `handovers.to_region` says where requests about them go. Applications and orientations
name volunteers by id only: one who lives in another region applies here without being kept here, so those rows no
longer point into `volunteers`.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING = "status IN ('applied', 'accepted', 'awaiting_orientation', 'placed')"
STATUS_BEFORE = "active or withdrawn"
STATUS_NOW = "active, withdrawn, moving (being handed over to another region's registry) or moved (a tombstone)"


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("from_region", sa.String(length=2), nullable=False),
        sa.Column(
            "to_region",
            sa.String(length=2),
            nullable=False,
            comment="the region that keeps the volunteer now, or will",
        ),
        sa.Column(
            "district", sa.String(length=5), nullable=True, comment="시·군·구 in to_region; erased once handed over"
        ),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True, comment="the volunteer's account"),
        sa.Column(
            "handed_over_at", UtcDateTime(), nullable=True, comment="when the new region's registry took them in"
        ),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], name=op.f("fk_handovers_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_handovers")),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    # SQLite copies the table to drop a constraint; its partial index is made again as it was, condition included.
    op.drop_index("uq_applications_standing", table_name="applications")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint("fk_applications_volunteer_id_volunteers", type_="foreignkey")
    _standing_index()
    with op.batch_alter_table("orientations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_orientations_volunteer_id_volunteers", type_="foreignkey")
    _status_comment(STATUS_NOW, STATUS_BEFORE)


def downgrade() -> None:
    _status_comment(STATUS_BEFORE, STATUS_NOW)
    with op.batch_alter_table("orientations", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_orientations_volunteer_id_volunteers", "volunteers", ["volunteer_id"], ["id"])
    op.drop_index("uq_applications_standing", table_name="applications")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_applications_volunteer_id_volunteers", "volunteers", ["volunteer_id"], ["id"])
    _standing_index()
    op.drop_table("inbox")
    op.drop_table("handovers")


def _standing_index() -> None:
    op.create_index(
        "uq_applications_standing",
        "applications",
        ["recruitment_id", "volunteer_id"],
        unique=True,
        postgresql_where=sa.text(STANDING),
        sqlite_where=sa.text(STANDING),
    )


def _status_comment(comment: str, existing: str) -> None:
    """Column comments are PostgreSQL's (SQLite keeps none)."""
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "volunteers", "status", existing_type=sa.String(length=20), comment=comment, existing_comment=existing
        )
