"""The registry's tables of community service teams (지역사회봉사단), on the registry's own metadata."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid

from vms_platform.db import UtcDateTime
from vms_registry.db import metadata

teams = Table(
    "teams",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("region", String(2), nullable=False, comment="the council the team applied to, which runs it"),
    Column("district", String(5), nullable=True),
    Column("name", String(100), nullable=False),
    Column("field", String(20), nullable=False, comment="one of the 8 TeamField codes"),
    Column("kind", String(20), nullable=False, comment="individual or group"),
    Column("leader_id", Uuid, ForeignKey("volunteers.id"), nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("description", String(1000), nullable=True),
    Column("status", String(20), nullable=False, comment="applied, appointed, declined or placed"),
    Column("reason", String(100), nullable=True, comment="why the council declined it"),
    Column("centre_id", Uuid, ForeignKey("centres.id"), nullable=True, comment="where it is placed"),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("applied_by", Uuid, nullable=True, comment="the leader's account"),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("changed_by", Uuid, nullable=True, comment="the account that last changed its status"),
    # 지역사회봉사단 조회: a status, newest first, within a region or across all of them.
    Index("ix_teams_status_applied_at", "status", "applied_at"),
    Index("ix_teams_region_status_applied_at", "region", "status", "applied_at"),
)

# A person is in at most one standing team (applied, appointed, placed) of a field in a region. Each membership
# carries its team's region and field, and `standing` until the team is declined, so the unique index below holds
# that rule when two applications naming the same person commit at once; reading first would not.
team_members = Table(
    "team_members",
    metadata,
    Column("team_id", Uuid, ForeignKey("teams.id"), primary_key=True),
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("role", String(10), nullable=False, comment="leader or member"),
    Column("region", String(2), nullable=False, comment="the team's region"),
    Column("field", String(20), nullable=False, comment="the team's field"),
    Column("standing", Boolean, nullable=False, comment="false once the team is declined"),
)
Index(
    "uq_team_members_standing",
    team_members.c.volunteer_id,
    team_members.c.region,
    team_members.c.field,
    unique=True,
    postgresql_where=team_members.c.standing,
    sqlite_where=team_members.c.standing,
)

team_skills = Table(
    "team_skills",
    metadata,
    Column("team_id", Uuid, ForeignKey("teams.id"), primary_key=True),
    Column("skill", String(40), primary_key=True, comment="NFC, lower case: what the search compares"),
)
