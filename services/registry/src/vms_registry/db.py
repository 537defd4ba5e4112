"""The registry's own database."""

from sqlalchemy import Boolean, Column, Date, ForeignKey, String, Table, UniqueConstraint, Uuid

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

centres = Table(
    "centres",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("region", String(2), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("registered_at", UtcDateTime, nullable=False),
    UniqueConstraint("region", "name"),
)

volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("login_id", String(20), nullable=False, unique=True),
    Column("name", String(50), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("phone", String(20), nullable=False),
    Column("region", String(2), nullable=False, index=True),
    Column("registered_at", UtcDateTime, nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("granted", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("channel", String(40), nullable=False),
)

outbox = outbox_table(metadata)
deployment = deployment_table(metadata)
