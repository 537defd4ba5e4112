"""Each service's Alembic migrations build exactly the tables its code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from importlib import import_module
from importlib.resources import files
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Boolean, Date, Uuid, column, insert, select, table

from vms_contracts.envelope import decode_event
from vms_contracts.events.registry import VolunteerRegisteredV2
from vms_contracts.ids import new_id
from vms_platform.db import UtcDateTime, async_url, create_engine, migrate

SERVICES = ["registry", "hours", "rewards", "linkage", "gateway"]


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


# -- personal data leaves what the services keep --------------------------------------------------------------------


def downgrade(url: str, script_location: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    command.downgrade(config, revision)


async def test_registrations_kept_in_the_registry_outbox_lose_the_persons_details(new_database: Any) -> None:
    """The outbox keeps sent events so that they can be published again: after the upgrade, what it would publish
    again is `volunteer.registered.v2` under the same event id, and nothing of the person."""
    from vms_registry.db import outbox, volunteers

    url = await new_database("registry")
    migrations = str(files("vms_registry") / "migrations")
    await asyncio.to_thread(migrate, url, migrations, "0002")
    volunteer_id, event_id, now = new_id("26"), new_id("26"), datetime.now(UTC)
    person = {"name": "홍길동", "birth_date": "2001-04-05", "phone": "010-1234-5678"}
    v1 = {
        "specversion": "1.0",
        "id": str(event_id),
        "type": "vms.registry.volunteer.registered.v1",
        "source": "/vms/registry/registry-1",
        "time": "2026-01-05T01:00:00Z",
        "region": "26",
        "subject": str(volunteer_id),
        "datacontenttype": "application/json",
        "causationid": None,
        "correlationid": None,
        "data": {"volunteer_id": str(volunteer_id), **person, "region": "26", "registered_at": "2026-01-05T01:00:00Z"},
    }
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(volunteers).values(
                    id=volunteer_id,
                    login_id="hong_gildong",
                    name=person["name"],
                    birth_date=date(2001, 4, 5),
                    phone=person["phone"],
                    region="26",
                    registered_at=now,
                )
            )
            await connection.execute(
                insert(outbox).values(
                    id=event_id,
                    subject="vms.26.registry.volunteer.registered",
                    type=v1["type"],
                    payload=json.dumps(v1, ensure_ascii=False, separators=(",", ":")).encode(),
                    created_at=now,
                    sent_at=now,
                )
            )

        async def kept() -> Any:
            async with engine.connect() as connection:
                return (await connection.execute(select(outbox))).one()

        await asyncio.to_thread(migrate, url, migrations)
        row = await kept()
        assert (row.id, row.type, row.sent_at) == (event_id, "vms.registry.volunteer.registered.v2", now)
        envelope = decode_event(row.payload, nats_subject=row.subject)
        assert isinstance(envelope.data, VolunteerRegisteredV2)
        assert json.loads(row.payload)["data"] == {
            "volunteer_id": str(volunteer_id),
            "region": "26",
            "registered_at": "2026-01-05T01:00:00Z",
        }
        assert not {"홍길동", "2001-04-05", "010-1234-5678"} & set(row.payload.decode().replace('"', " ").split())

        # Back to the code before, which publishes v1 only: the details come from the registry's own record.
        await asyncio.to_thread(downgrade, url, migrations, "0002")
        assert json.loads((await kept()).payload) == v1
    finally:
        await engine.dispose()


async def test_hours_and_linkage_forget_the_details_they_kept(new_database: Any) -> None:
    """What each knew of a volunteer beyond the id is dropped; linkage keeps the consent it needs."""
    hours_url, linkage_url = await new_database("hours"), await new_database("linkage")
    hours_migrations = str(files("vms_hours") / "migrations")
    linkage_migrations = str(files("vms_linkage") / "migrations")
    await asyncio.to_thread(migrate, hours_url, hours_migrations, "0002")
    await asyncio.to_thread(migrate, linkage_url, linkage_migrations, "0003")
    volunteer_id, now = new_id("11"), datetime.now(UTC)
    details = {"name": "홍길동", "region": "11"}
    # The tables as the revisions before left them.
    hours_before = table("known_volunteers", column("id", Uuid()), column("name"), column("region"))
    linkage_before = table(
        "volunteers",
        column("id", Uuid()),
        column("name"),
        column("birth_date", Date()),
        column("phone"),
        column("region"),
        column("consent_granted", Boolean()),
        column("consent_changed_at", UtcDateTime()),
    )
    for url, statement in (
        (hours_url, insert(hours_before).values(id=volunteer_id, **details)),
        (
            linkage_url,
            insert(linkage_before).values(
                id=volunteer_id,
                birth_date=date(2001, 4, 5),
                phone="010-1234-5678",
                consent_granted=True,
                consent_changed_at=now,
                **details,
            ),
        ),
    ):
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(statement)
        finally:
            await engine.dispose()
    await asyncio.to_thread(migrate, hours_url, hours_migrations)
    await asyncio.to_thread(migrate, linkage_url, linkage_migrations)

    from vms_hours.db import known_volunteers
    from vms_linkage.db import volunteers

    for url, after, expected in (
        (hours_url, known_volunteers, {"id": volunteer_id, "region": "11"}),
        (linkage_url, volunteers, {"id": volunteer_id, "consent_granted": True, "consent_changed_at": now}),
    ):
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(select(after))).all()
        finally:
            await engine.dispose()
        assert [row._asdict() for row in rows] == [expected]
