"""recruitments (봉사자모집), applications and orientations (소양교육)

A recruitment counts the people in its standing applications (`taken`), which never exceeds its capacity; an
application takes and gives back places in the transaction that changes it. One standing application per
volunteer and recruitment. On PostgreSQL the character bigrams of a recruitment's text are kept in an array with a
GIN index, so that two-character Korean words are found at scale.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from vms_platform.db import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status = 'open'"
STANDING = "status IN ('applied', 'accepted', 'awaiting_orientation', 'placed')"


def upgrade() -> None:
    op.create_table(
        "recruitments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column(
            "region", sa.String(length=2), nullable=False, comment="the centre's region, which keeps the recruitment"
        ),
        sa.Column("district", sa.String(length=5), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("activity_type", sa.String(length=20), nullable=False),
        sa.Column("sub_field", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.String(length=30), nullable=False, comment="comma-separated: mon,wed,sat"),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "taken", sa.Integer(), nullable=False, comment="people in standing applications, never above capacity"
        ),
        sa.Column("for_adults", sa.Boolean(), nullable=False),
        sa.Column("for_youth", sa.Boolean(), nullable=False),
        sa.Column("for_groups", sa.Boolean(), nullable=False),
        sa.Column("orientation_required", sa.Boolean(), nullable=False),
        sa.Column("apply_until", sa.Date(), nullable=True),
        sa.Column("last_apply_day", sa.Date(), nullable=False, comment="apply_until, or end_date when it is empty"),
        sa.Column("status", sa.String(length=10), nullable=False, comment="open or closed"),
        sa.Column(
            "search_text",
            sa.Text(),
            nullable=False,
            comment="title, place, description, centre name: NFC, lower case",
        ),
        sa.Column("search_bigrams", sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"), nullable=True),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.Column("posted_by", sa.Uuid(), nullable=True, comment="the centre manager's account"),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name=op.f("ck_recruitments_taken_within_capacity")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_recruitments_centre_id_centres")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitments")),
    )
    op.create_index(
        "ix_recruitments_type_region_end_start", "recruitments", ["activity_type", "region", "end_date", "start_date"]
    )
    op.create_index("ix_recruitments_region_end_start", "recruitments", ["region", "end_date", "start_date"])
    op.create_index("ix_recruitments_centre_posted_at", "recruitments", ["centre_id", "posted_at"])
    op.create_index("ix_recruitments_posted_at", "recruitments", ["posted_at"])
    op.create_index(
        "ix_recruitments_open_closing",
        "recruitments",
        ["last_apply_day", "id"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_recruitments_open_starting",
        "recruitments",
        ["start_date", "last_apply_day"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index("ix_recruitments_search_bigrams", "recruitments", ["search_bigrams"], postgresql_using="gin")

    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recruitment_id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False, comment="the recruitment's centre"),
        sa.Column("region", sa.String(length=2), nullable=False, comment="the recruitment's region"),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True, comment="why the centre rejected it"),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.Column("applied_by", sa.Uuid(), nullable=True, comment="the volunteer's account"),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True, comment="the account that last changed its status"),
        sa.ForeignKeyConstraint(
            ["recruitment_id"], ["recruitments.id"], name=op.f("fk_applications_recruitment_id_recruitments")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_applications_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index("ix_applications_recruitment_applied_at", "applications", ["recruitment_id", "applied_at"])
    op.create_index("ix_applications_volunteer_applied_at", "applications", ["volunteer_id", "applied_at"])
    op.create_index(
        "uq_applications_standing",
        "applications",
        ["recruitment_id", "volunteer_id"],
        unique=True,
        postgresql_where=sa.text(STANDING),
        sqlite_where=sa.text(STANDING),
    )

    op.create_table(
        "orientations",
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True, comment="the centre manager's account"),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_orientations_centre_id_centres")),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_orientations_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("centre_id", "volunteer_id", name=op.f("pk_orientations")),
    )


def downgrade() -> None:
    op.drop_table("orientations")
    op.drop_index("uq_applications_standing", table_name="applications")
    op.drop_index("ix_applications_volunteer_applied_at", table_name="applications")
    op.drop_index("ix_applications_recruitment_applied_at", table_name="applications")
    op.drop_table("applications")
    for index in (
        "ix_recruitments_search_bigrams",
        "ix_recruitments_open_starting",
        "ix_recruitments_open_closing",
        "ix_recruitments_posted_at",
        "ix_recruitments_centre_posted_at",
        "ix_recruitments_region_end_start",
        "ix_recruitments_type_region_end_start",
    ):
        op.drop_index(index, table_name="recruitments")
    op.drop_table("recruitments")
