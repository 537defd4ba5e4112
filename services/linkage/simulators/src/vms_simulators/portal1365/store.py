"""What the simulated portal keeps: its members and the records it accepted."""

from sqlalchemy import Boolean, Column, Date, Integer, String, Table, Text, UniqueConstraint

from vms_platform.db import UtcDateTime, new_metadata

metadata = new_metadata()

members = Table(
    "members",
    metadata,
    Column("member_no", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("mobile", String(11), nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("merged_into", String(20), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("record_no", String(20), nullable=False, unique=True),
    Column("member_no", String(20), nullable=False, index=True),
    Column("source_system", String(10), nullable=False),
    Column("source_record_id", String(64), nullable=False),
    Column("act_date", Date, nullable=False),
    Column("act_minutes", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    # A deleted record is kept (its source id taken for good), so that a deletion asked again answers as before.
    Column("deleted_at", UtcDateTime, nullable=True),
    UniqueConstraint("source_system", "source_record_id"),
)

ADDED_COLUMNS = ("updated_at", "deleted_at")
"""Columns of `records` added after the first version: a simulator database made before them gets them at start
(all nullable), since the simulator has no migrations of its own."""
