"""The registry's tables of recruitments, applications and orientations, on the registry's own metadata."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    Uuid,
)
from sqlalchemy.dialects import postgresql

from vms_platform.db import UtcDateTime
from vms_registry.db import metadata

STANDING_STATUSES = ("applied", "accepted", "awaiting_orientation", "placed")
"""`vms_contracts.rpc.registry.STANDING` as stored: the states in which an application holds its places."""

Bigrams = Text().with_variant(postgresql.ARRAY(Text()), "postgresql")
"""The character bigrams of a recruitment's words, indexed with GIN on PostgreSQL; empty on SQLite, which searches
its small embedded data with `instr` alone."""

recruitments = Table(
    "recruitments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("centre_id", Uuid, ForeignKey("centres.id"), nullable=False),
    Column("region", String(2), nullable=False, comment="the centre's region, which keeps the recruitment"),
    Column("district", String(5), nullable=True),
    Column("title", String(100), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("activity_type", String(20), nullable=False),
    Column("sub_field", String(40), nullable=False),
    Column("place", String(100), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("weekdays", String(30), nullable=False, comment="comma-separated: mon,wed,sat"),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("taken", Integer, nullable=False, comment="people in standing applications, never above capacity"),
    Column("for_adults", Boolean, nullable=False),
    Column("for_youth", Boolean, nullable=False),
    Column("for_groups", Boolean, nullable=False),
    Column("orientation_required", Boolean, nullable=False),
    Column("apply_until", Date, nullable=True),
    Column("last_apply_day", Date, nullable=False, comment="apply_until, or end_date when it is empty"),
    Column("status", String(10), nullable=False, comment="open or closed"),
    Column("search_text", Text, nullable=False, comment="title, place, description, centre name: NFC, lower case"),
    Column("search_bigrams", Bigrams, nullable=True),
    Column("posted_at", UtcDateTime, nullable=False),
    Column("posted_by", Uuid, nullable=True, comment="the centre manager's account"),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", Uuid, nullable=True),
    CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    # 봉사자모집 검색 (measured on 100,000 recruitments): a type and a region, or a region alone, then the days it
    # runs — the last day first, since what has ended is most of the table and every open search leaves it out;
    # a centre's own; the newest first.
    Index("ix_recruitments_type_region_end_start", "activity_type", "region", "end_date", "start_date"),
    Index("ix_recruitments_region_end_start", "region", "end_date", "start_date"),
    Index("ix_recruitments_centre_posted_at", "centre_id", "posted_at"),
    Index("ix_recruitments_posted_at", "posted_at"),
)
OPEN = recruitments.c.status == "open"
# The open ones by deadline (마감 임박순) and by first day (활동 시작일순), read in order and cut at the first page.
_r = recruitments.c
Index("ix_recruitments_open_closing", _r.last_apply_day, _r.id, postgresql_where=OPEN, sqlite_where=OPEN)
Index("ix_recruitments_open_starting", _r.start_date, _r.last_apply_day, postgresql_where=OPEN, sqlite_where=OPEN)
# Words of two characters or more: the recruitments holding all their bigrams (PostgreSQL).
Index("ix_recruitments_search_bigrams", recruitments.c.search_bigrams, postgresql_using="gin")

applications = Table(
    "applications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("recruitment_id", Uuid, ForeignKey("recruitments.id"), nullable=False),
    Column("centre_id", Uuid, nullable=False, comment="the recruitment's centre"),
    Column("region", String(2), nullable=False, comment="the recruitment's region"),
    # A volunteer another region's registry keeps applies here too: their id, not a row of `volunteers`.
    Column("volunteer_id", Uuid, nullable=False),
    Column("party_size", Integer, nullable=False),
    Column("note", String(100), nullable=True),
    Column("status", String(24), nullable=False),
    Column("reason", String(100), nullable=True, comment="why the centre rejected it"),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("applied_by", Uuid, nullable=True, comment="the volunteer's account"),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("changed_by", Uuid, nullable=True, comment="the account that last changed its status"),
    # A recruitment's applicants and a volunteer's applications, newest first.
    Index("ix_applications_recruitment_applied_at", "recruitment_id", "applied_at"),
    Index("ix_applications_volunteer_applied_at", "volunteer_id", "applied_at"),
)
# One standing application per volunteer and recruitment: two applications racing, one commits; after a cancel or
# a rejection the volunteer may apply again.
Index(
    "uq_applications_standing",
    applications.c.recruitment_id,
    applications.c.volunteer_id,
    unique=True,
    postgresql_where=applications.c.status.in_(STANDING_STATUSES),
    sqlite_where=applications.c.status.in_(STANDING_STATUSES),
)

orientations = Table(
    "orientations",
    metadata,
    Column("centre_id", Uuid, ForeignKey("centres.id"), primary_key=True),
    Column("volunteer_id", Uuid, primary_key=True),  # kept here or by another region's registry
    Column("completed_on", Date, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", Uuid, nullable=True, comment="the centre manager's account"),
)
