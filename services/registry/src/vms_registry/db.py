"""The registry's own database."""

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, UniqueConstraint, Uuid

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
    Column("registered_by", Uuid, nullable=True, comment="the account that registered it; None if a service did"),
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
    Column("registered_by", Uuid, nullable=True, comment="the account made with the sign-up, if the gateway named it"),
)

consents = Table(
    "consents",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("granted", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("changed_by", Uuid, nullable=True, comment="the volunteer's account that gave or withdrew it"),
)

# Every answer that carries a volunteer's personal data (name, birth date, phone) is written here in the same
# transaction as the read, so a council can review who read whose data; a refused read writes nothing.
personal_data_reads = Table(
    "personal_data_reads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("read_at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False, comment="account id, or service:<name>; never a name"),
    Column("actor_role", String(20), nullable=False),
    Column("volunteer_id", Uuid, nullable=False),
    Column("volunteer_region", String(2), nullable=False),
    Column("fields", String(200), nullable=False, comment="what was read, comma-separated: name,birth_date,phone"),
    Column("operation", String(80), nullable=False),
    Column("request_id", String(64), nullable=True),
    # A council reviews its region's reads newest first, all of them or one volunteer's.
    Index("ix_personal_data_reads_region", "volunteer_region", "read_at"),
    Index("ix_personal_data_reads_volunteer", "volunteer_id", "read_at"),
)

outbox = outbox_table(metadata)
deployment = deployment_table(metadata)
