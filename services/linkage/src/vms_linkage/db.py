"""The linkage service's own database: whether each volunteer consents, and one transfer per activity."""

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Table, Text, Time, Uuid, false, true

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.inbox import inbox_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

# Projection of the registry: whether each volunteer consents to 1365 linkage in VMS. Who they are on 1365's terms
# (name, birth date, phone) is asked of the registry when their records are sent, never kept (`vms_linkage.members`).
volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
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
    # The facts above are those of the hours record's `revision`: 2 once confirmed, one more for each correction
    # or the cancellation; an event of an older revision than the one held changes nothing. `sent_revision` is the
    # revision 1365 holds (None while it holds none); a record whose `revision` is newer is due again: a correction
    # to send (PUT), or, once `cancelled`, a deletion (DELETE).
    Column("revision", Integer, nullable=False, server_default="2"),
    Column("sent_revision", Integer, nullable=True),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
    # False while only a correction or cancellation of the record has arrived, not yet its confirmation (events of
    # different consumers may overtake each other): such a record is neither sent nor shown until the confirmation
    # says it is an activity for 1365, and from which centre.
    Column("confirmed", Boolean, nullable=False, server_default=true()),
    Column("status", String(20), nullable=False),
    Column("reason_code", String(40), nullable=True),
    Column("reason", Text, nullable=True),  # in Korean, as the volunteer and the event read it
    Column("reason_detail", Text, nullable=True, comment="1365's own words, or the start of an unreadable answer"),
    Column("portal_reference", String(40), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),  # answers from 1365; an outage is no attempt
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claim_token", Uuid, nullable=True, comment="the sending pass that holds the record while it is sent"),
    Column("claimed_until", UtcDateTime, nullable=True, comment="when the claim lapses if its pass never settles"),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The sender's question, "which records are due?", reads pending and refused records by due time only,
    # never the sent ones that pile up behind them.
    Index("ix_transfers_due", "status", "next_attempt_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
deployment = deployment_table(metadata)
