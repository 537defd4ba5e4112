"""The registry's tables for moving between regions, on the registry's own metadata."""

from sqlalchemy import Column, ForeignKey, String, Table, Uuid

from vms_platform.db import UtcDateTime
from vms_platform.inbox import inbox_table
from vms_registry.db import metadata

# A volunteer handed over to a region another deployment keeps (the latest such move from here): while
# `handed_over_at` is NULL the volunteer is `moving`; after it, their row in `volunteers` is a tombstone (`moved`)
# and `to_region` is where requests about them are sent on.
handovers = Table(
    "handovers",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("from_region", String(2), nullable=False),
    Column("to_region", String(2), nullable=False, comment="the region that keeps the volunteer now, or will"),
    Column("district", String(5), nullable=True, comment="시·군·구 in to_region; erased once handed over"),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("requested_by", Uuid, nullable=True, comment="the volunteer's account"),
    Column("handed_over_at", UtcDateTime, nullable=True, comment="when the new region's registry took them in"),
)

# The events the registry's consumers handled (handovers asked of it, volunteers moved away), written in the same
# transaction as their effects: a redelivery changes nothing.
inbox = inbox_table(metadata)
