"""The hours service's own database, with its projection of the registry facts it needs."""

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text, Time, UniqueConstraint, Uuid

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.inbox import inbox_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

# Projection of the registry (from its events, or asked for when an event has not arrived yet): that a volunteer
# exists, and where. Who they are (name, birth date, phone) stays with the registry, asked for when needed.
known_volunteers = Table(
    "known_volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("region", String(2), nullable=False),
)

known_centres = Table(
    "known_centres",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("region", String(2), nullable=False),
)

# One row per volunteer and day on which anything was recorded. Recording locks it (SELECT … FOR UPDATE) before
# it reads the day, so the day's rules (no overlap, at most 8 hours) hold when two centres record at once.
volunteer_days = Table(
    "volunteer_days",
    metadata,
    Column("volunteer_id", Uuid, primary_key=True),
    Column("activity_date", Date, primary_key=True),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("centre_id", Uuid, nullable=False),
    Column("volunteer_id", Uuid, nullable=False),
    Column("region", String(2), nullable=False),
    Column("activity_date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("exception_reason", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("recorded_by", Uuid, nullable=True, comment="the centre manager's account that recorded it"),
    Column("confirmed_by", Uuid, nullable=True, comment="the centre manager's account that confirmed it"),
    # Also the index for "this volunteer's activities on this day".
    UniqueConstraint("volunteer_id", "activity_date", "start_time"),
    # A centre's records, newest first (`list_centre_activities`), and those still to confirm.
    Index("ix_activities_centre_newest", "centre_id", "activity_date", "start_time"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
deployment = deployment_table(metadata)
