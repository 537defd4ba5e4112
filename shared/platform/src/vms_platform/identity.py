"""Which deployment a service process belongs to: the replicas of one deployment share a database, so the id is
kept there (one row, made by the service's first migration). Two deployments of one service must never answer
the same region's requests; `ServiceApp` checks it at start by asking that region who answers it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Column, MetaData, Table, Uuid, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from vms_platform.db import Database, UtcDateTime


def deployment_table(metadata: MetaData) -> Table:
    return Table(
        "deployment",
        metadata,
        Column("id", Uuid, primary_key=True, comment="shared by every replica of this deployment"),
        Column("created_at", UtcDateTime, nullable=False),
    )


class NoDeploymentId(Exception):
    """The database has not been migrated (the migration that makes the table writes its one row)."""


_TABLE = deployment_table(MetaData())


async def deployment_id(db: Database, table: Table = _TABLE) -> UUID:
    """This database's deployment id."""
    try:
        async with db.transaction() as session:
            found = await session.scalar(select(table.c.id).order_by(table.c.created_at).limit(1))
    except (ProgrammingError, OperationalError) as exc:
        if _missing_table(exc):
            raise NoDeploymentId(
                "the database has no deployment table: migrate it first (`vms-<service> migrate`, or run --migrate)"
            ) from exc
        raise
    if found is None:
        raise NoDeploymentId("the database has no deployment id: migrate it first (`vms-<service> migrate`)")
    return UUID(str(found))


def _missing_table(exc: Exception) -> bool:
    """PostgreSQL's undefined_table (42P01), SQLite's "no such table"."""
    return (
        getattr(getattr(exc, "orig", None), "sqlstate", None) == "42P01"
        or "no such table" in str(exc)
        or ("UndefinedTable" in repr(exc))
    )
