"""records say their activity type, sub-field, place and recruitment; rejections, corrections and cancellations;
every step of a record kept in its history; blood donations as records of their own kind

A record made before this revision has no type, sub-field or place: they stay empty (the certificate shows the
centre as its place). Its history starts with what it says now: revision 1 recorded, and revision 2 confirmed for
a confirmed one, at the times and by the accounts the record names. The volunteer's day is no longer unique by
start time: a rejected or cancelled record leaves its time free for the record that replaces it, and the day's
rules (no overlap, at most 8 hours) are kept under the day's lock, among the records that still stand.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.String(length=20),
                server_default="activity",
                nullable=False,
                comment="activity | blood_donation",
            )
        )
        batch_op.add_column(
            sa.Column(
                "activity_type",
                sa.String(length=20),
                nullable=True,
                comment="none for a blood donation and older records",
            )
        )
        batch_op.add_column(sa.Column("sub_field", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("place", sa.String(length=100), nullable=True, comment="none: at the centre itself")
        )
        batch_op.add_column(sa.Column("recruitment_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "donation_number", sa.String(length=40), nullable=True, comment="a blood donation's 헌혈증서 number"
            )
        )
        batch_op.add_column(
            sa.Column(
                "donation_type",
                sa.String(length=20),
                nullable=True,
                comment="a blood donation's kind: whole_blood, plasma, …",
            )
        )
        batch_op.add_column(
            sa.Column(
                "status_reason", sa.Text(), nullable=True, comment="why it was last rejected, corrected or cancelled"
            )
        )
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column(
                "changed_at",
                UtcDateTime(timezone=True),
                nullable=True,
                comment="when it was last rejected, corrected or cancelled",
            )
        )
        batch_op.alter_column("centre_id", existing_type=sa.Uuid(), nullable=True, comment="none for a blood donation")
        batch_op.alter_column(
            "region",
            existing_type=sa.String(length=2),
            existing_nullable=False,
            comment="its centre's region; a blood donation's, its volunteer's",
        )
        batch_op.drop_constraint("uq_activities_volunteer_id_activity_date_start_time", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_activities_donation_number"), ["donation_number"])
        batch_op.create_index(
            "ix_activities_volunteer_day", ["volunteer_id", "activity_date", "start_time"], unique=False
        )

    revisions = op.create_table(
        "activity_revisions",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=True, comment="the account; none for what the system did itself"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("counted_minutes", sa.Integer(), nullable=False, comment="what the record counts after this step"),
        sa.Column("activity_type", sa.String(length=20), nullable=True),
        sa.Column("sub_field", sa.String(length=40), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "revision", name=op.f("pk_activity_revisions")),
    )
    assert revisions is not None
    activities = sa.table(
        "activities",
        *(
            sa.column(name)
            for name in (
                "id",
                "activity_date",
                "start_time",
                "end_time",
                "minutes",
                "description",
                "status",
                "recorded_at",
                "recorded_by",
                "confirmed_at",
                "confirmed_by",
                "revision",
            )
        ),
    )
    facts = [activities.c.activity_date, activities.c.start_time, activities.c.end_time, activities.c.minutes]
    columns = ["activity_id", "revision", "change", "at", "by", "reason", "activity_date", "start_time", "end_time"]
    columns += ["minutes", "counted_minutes", "description"]
    op.execute(
        revisions.insert().from_select(
            columns,
            sa.select(
                activities.c.id,
                sa.literal(1),
                sa.literal("recorded"),
                activities.c.recorded_at,
                activities.c.recorded_by,
                sa.null(),
                *facts,
                sa.literal(0),
                activities.c.description,
            ),
        )
    )
    confirmed = activities.c.status == "confirmed"
    op.execute(
        revisions.insert().from_select(
            columns,
            sa.select(
                activities.c.id,
                sa.literal(2),
                sa.literal("confirmed"),
                activities.c.confirmed_at,
                activities.c.confirmed_by,
                sa.null(),
                *facts,
                activities.c.minutes,
                activities.c.description,
            ).where(confirmed),
        )
    )
    op.execute(activities.update().where(confirmed).values(revision=2))


def downgrade() -> None:
    op.drop_table("activity_revisions")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_volunteer_day")
        batch_op.drop_constraint(batch_op.f("uq_activities_donation_number"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_activities_volunteer_id_activity_date_start_time", ["volunteer_id", "activity_date", "start_time"]
        )
        batch_op.alter_column("region", existing_type=sa.String(length=2), existing_nullable=False, comment=None)
        batch_op.alter_column("centre_id", existing_type=sa.Uuid(), nullable=False, comment=None)
        batch_op.drop_column("changed_at")
        batch_op.drop_column("revision")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("donation_type")
        batch_op.drop_column("donation_number")
        batch_op.drop_column("recruitment_id")
        batch_op.drop_column("place")
        batch_op.drop_column("sub_field")
        batch_op.drop_column("activity_type")
        batch_op.drop_column("kind")
