"""The rewards service's own database: a ledger of confirmed activities and the totals derived from it."""

from sqlalchemy import Boolean, Column, Date, Integer, Table, Uuid, false

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.inbox import inbox_table

metadata = new_metadata()

ledger = Table(
    "ledger",
    metadata,
    Column("activity_id", Uuid, primary_key=True),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("minutes", Integer, nullable=False),
    Column("activity_date", Date, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=False),
    # Where the record stands as the latest of its events known here says: confirmed is revision 2; each
    # correction or cancellation one more. An older event arriving after a newer one changes nothing.
    Column("revision", Integer, nullable=False, server_default="2"),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
)

totals = Table(
    "totals",
    metadata,
    Column("volunteer_id", Uuid, primary_key=True),
    Column("confirmed_minutes", Integer, nullable=False),
    Column("confirmed_activities", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

inbox = inbox_table(metadata)
deployment = deployment_table(metadata)
