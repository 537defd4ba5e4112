"""registrations kept in the outbox are v2 events: ids, region and time, without name, birth date or phone

The outbox keeps sent events for a while so that any range can be published again; after this revision nothing
in it would publish a volunteer's details again. Each row keeps its event id, so a consumer that handled the v1
event skips the v2 one as the same event.

Revision ID: 0003
Revises: 0002
"""

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

V1 = "vms.registry.volunteer.registered.v1"
V2 = "vms.registry.volunteer.registered.v2"
PERSONAL = ("name", "birth_date", "phone")

outbox = sa.table(
    "outbox", sa.column("id", sa.Uuid()), sa.column("type", sa.String()), sa.column("payload", sa.LargeBinary())
)
volunteers = sa.table(
    "volunteers",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("birth_date", sa.Date()),
    sa.column("phone", sa.String()),
)


def _encode(envelope: dict[str, Any]) -> bytes:
    # As the services write it (pydantic's compact JSON, UTF-8).
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.type == V1)).all()
    for row in rows:
        envelope = json.loads(row.payload)
        envelope["type"] = V2
        envelope["data"] = {k: v for k, v in envelope["data"].items() if k not in PERSONAL}
        connection.execute(sa.update(outbox).where(outbox.c.id == row.id).values(type=V2, payload=_encode(envelope)))


def downgrade() -> None:
    # The code before this revision publishes only v1, which carries the details: they are read back from the
    # volunteers themselves, the registry's own record.
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.type == V2)).all()
    for row in rows:
        envelope = json.loads(row.payload)
        person = connection.execute(
            sa.select(volunteers.c.name, volunteers.c.birth_date, volunteers.c.phone).where(
                volunteers.c.id == UUID(envelope["data"]["volunteer_id"])
            )
        ).one()
        envelope["type"] = V1
        envelope["data"] = {
            "volunteer_id": envelope["data"]["volunteer_id"],
            "name": person.name,
            "birth_date": person.birth_date.isoformat(),
            "phone": person.phone,
            **{k: v for k, v in envelope["data"].items() if k != "volunteer_id"},
        }
        connection.execute(sa.update(outbox).where(outbox.c.id == row.id).values(type=V1, payload=_encode(envelope)))
