"""totals kept as records change: a volunteer's, a centre's and a region's, by year, month and activity type

They start from the records confirmed when this revision runs, added up here once; from then on each confirmation,
correction and cancellation adds or takes away what it changes. A volunteer's totals change in the transaction that
changes the record, a centre's and a region's in the consumer `hours-totals`, which reads this service's events
from the start of the stream and leaves alone those made before `totals_kept_since.since` (counted here already).
Stop the replicas running the revision before this one while it runs: a record they confirmed afterwards would be
missing from its volunteer's totals.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNERS: dict[str, tuple[str, sa.types.TypeEngine[Any], str]] = {
    "volunteer_totals": ("volunteer_id", sa.Uuid(), "a volunteer's hours"),
    "centre_totals": ("centre_id", sa.Uuid(), "a centre's hours"),
    "region_totals": ("region", sa.String(length=2), "a region's hours"),
}


def upgrade() -> None:
    now = datetime.now(UTC)
    tables = {}
    for name, (owner, kind, comment) in OWNERS.items():
        tables[name] = op.create_table(
            name,
            sa.Column(owner, kind, nullable=False),
            sa.Column(
                "bucket", sa.String(length=20), nullable=False, comment="all | y2026 | m2026-11 | t:<activity type>"
            ),
            sa.Column("minutes", sa.BigInteger(), nullable=False, comment="confirmed activities"),
            sa.Column("activities", sa.Integer(), nullable=False),
            sa.Column("blood_minutes", sa.BigInteger(), nullable=False, comment="blood donations, counted apart"),
            sa.Column("blood_donations", sa.Integer(), nullable=False),
            sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint(owner, "bucket", name=op.f(f"pk_{name}")),
            comment=comment,
        )
    since = op.create_table(
        "totals_kept_since",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("since", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totals_kept_since")),
    )
    assert since is not None
    op.bulk_insert(since, [{"id": 1, "since": now}])

    # What the records confirmed so far count, added up once (the ones before 0005 have no type: no type bucket).
    bind = op.get_bind()
    activities = sa.table(
        "activities",
        *(sa.column(c) for c in ("volunteer_id", "centre_id", "region", "activity_date", "minutes", "activity_type")),
        sa.column("kind"),
        sa.column("status"),
    )
    rows = bind.execute(
        sa.select(
            activities.c.volunteer_id,
            activities.c.centre_id,
            activities.c.region,
            activities.c.activity_date,
            activities.c.minutes,
            activities.c.activity_type,
            activities.c.kind,
        ).where(activities.c.status == "confirmed")
    ).all()
    sums: dict[str, dict[tuple[object, str], list[int]]] = {name: {} for name in OWNERS}
    for row in rows:
        blood = row.kind == "blood_donation"
        buckets = ["all", f"y{row.activity_date.year}", f"m{row.activity_date:%Y-%m}"]
        if row.activity_type is not None and not blood:
            buckets.append(f"t:{row.activity_type}")
        for name, owner in (("volunteer_totals", row.volunteer_id), ("centre_totals", row.centre_id)):
            for bucket in buckets:
                _add(sums[name], (owner, bucket), row.minutes, blood)
        for bucket in buckets:
            _add(sums["region_totals"], (row.region, bucket), row.minutes, blood)
    for name, (owner, _, _) in OWNERS.items():
        table = tables[name]
        assert table is not None
        op.bulk_insert(
            table,
            [
                {
                    owner: key,
                    "bucket": bucket,
                    "minutes": counts[0],
                    "activities": counts[1],
                    "blood_minutes": counts[2],
                    "blood_donations": counts[3],
                    "updated_at": now,
                }
                for (key, bucket), counts in sorted(sums[name].items(), key=lambda item: (str(item[0][0]), item[0][1]))
            ],
        )


def _add(sums: dict[tuple[object, str], list[int]], key: tuple[object, str], minutes: int, blood: bool) -> None:
    counts = sums.setdefault(key, [0, 0, 0, 0])
    if blood:
        counts[2] += minutes
        counts[3] += 1
    else:
        counts[0] += minutes
        counts[1] += 1


def downgrade() -> None:
    op.drop_table("totals_kept_since")
    for name in reversed(list(OWNERS)):
        op.drop_table(name)
