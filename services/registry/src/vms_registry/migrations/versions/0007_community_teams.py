"""community service teams (지역사회봉사단): teams, their members and their skills

A person is in at most one standing team of a field in a region: the partial unique index on the membership rows
that are still standing holds it, whichever of two applications commits first.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "region", sa.String(length=2), nullable=False, comment="the council the team applied to, which runs it"
        ),
        sa.Column("district", sa.String(length=5), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False, comment="one of the 8 TeamField codes"),
        sa.Column("kind", sa.String(length=20), nullable=False, comment="individual or group"),
        sa.Column("leader_id", sa.Uuid(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False, comment="applied, appointed, declined or placed"),
        sa.Column("reason", sa.String(length=100), nullable=True, comment="why the council declined it"),
        sa.Column("centre_id", sa.Uuid(), nullable=True, comment="where it is placed"),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.Column("applied_by", sa.Uuid(), nullable=True, comment="the leader's account"),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True, comment="the account that last changed its status"),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_teams_centre_id_centres")),
        sa.ForeignKeyConstraint(["leader_id"], ["volunteers.id"], name=op.f("fk_teams_leader_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index("ix_teams_status_applied_at", ["status", "applied_at"], unique=False)
        batch_op.create_index("ix_teams_region_status_applied_at", ["region", "status", "applied_at"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False, comment="leader or member"),
        sa.Column("region", sa.String(length=2), nullable=False, comment="the team's region"),
        sa.Column("field", sa.String(length=20), nullable=False, comment="the team's field"),
        sa.Column("standing", sa.Boolean(), nullable=False, comment="false once the team is declined"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_team_members_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(
            "uq_team_members_standing",
            ["volunteer_id", "region", "field"],
            unique=True,
            postgresql_where=sa.text("standing"),
            sqlite_where=sa.text("standing"),
        )

    op.create_table(
        "team_skills",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False, comment="NFC, lower case: what the search compares"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_team_skills_team_id_teams")),
        sa.PrimaryKeyConstraint("team_id", "skill", name=op.f("pk_team_skills")),
    )


def downgrade() -> None:
    op.drop_table("team_skills")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index("uq_team_members_standing")
    op.drop_table("team_members")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index("ix_teams_region_status_applied_at")
        batch_op.drop_index("ix_teams_status_applied_at")
    op.drop_table("teams")
