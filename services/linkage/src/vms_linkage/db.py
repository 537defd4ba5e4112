"""The linkage service's own database: what it knows of each volunteer, and one transfer per activity."""

from sqlalchemy import Boolean, Column, Date, Integer, String, Table, Text, Time, Uuid, false

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.inbox import inbox_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

# Projection of the registry: who the volunteer is on 1365's terms, and whether they consented in VMS.
volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(50), nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("phone", String(20), nullable=True),
    Column("region", String(2), nullable=True),
    Column("consent_granted", Boolean, nullable=False, server_default=false()),
    Column("consent_changed_at", UtcDateTime, nullable=True),
)

transfers = Table(
    "transfers",
    metadata,
    Column("activity_id", Uuid, primary_key=True),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("region", String(2), nullable=False),
    Column("centre_name", String(100), nullable=False),
    Column("activity_date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason_code", String(40), nullable=True),
    Column("reason", Text, nullable=True),
    Column("portal_reference", String(40), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False, index=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
