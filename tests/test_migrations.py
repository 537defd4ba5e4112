"""Each service's Alembic migrations build exactly the tables its code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from importlib import import_module
from importlib.resources import files
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vms_platform.db import create_engine, migrate

SERVICES = ["registry", "hours", "rewards", "linkage"]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_in_code(service: str, new_database: Any) -> None:
    url = await new_database(service)
    migrations = str(files(f"vms_{service}") / "migrations")
    await asyncio.to_thread(migrate, url, migrations)
    await asyncio.to_thread(migrate, url, migrations)  # a second run changes nothing
    metadata = import_module(f"vms_{service}.db").metadata
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert differences == []
