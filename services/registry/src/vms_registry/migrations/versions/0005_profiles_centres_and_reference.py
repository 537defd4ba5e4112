"""volunteer profiles, withdrawal and guardian consent; centre district, kind, address and status; reference data

Volunteers gain their profile (e-mail, 시·군·구, school, and the lists of desired activities, regions, talents and
times), a status (`active`, or `withdrawn` with everything that names the person erased, hence the nullable
name, birth date, phone and login id) and one active account per person (name, birth date, phone), held by a
unique index over active accounts. Accounts registered twice for one person before this revision stop the
upgrade with their ids: which account stays is the council's decision, not the migration's.

Centres gain district, kind, address and a status. What a council registered before this revision was in use:
those centres are `accredited`.

The reference tables (councils, activity types and sub-fields, team fields, 시·군·구) are loaded from
`vms_contracts.reference` as it stands when this revision runs; a later change of that module comes with a
revision of its own that brings the tables in line.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from alembic import op

from vms_contracts.reference import (
    ACTIVITY_TYPE_LABELS,
    COUNCILS,
    SUB_FIELDS,
    TEAM_FIELD_LABELS,
    districts,
)
from vms_platform.db import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")

volunteers = sa.table(
    "volunteers",
    sa.column("id", sa.Uuid()),
    sa.column("login_id", sa.String()),
    sa.column("name", sa.String()),
    sa.column("birth_date", sa.Date()),
    sa.column("phone", sa.String()),
    sa.column("status", sa.String()),
    sa.column("birth_year", sa.SmallInteger()),
)
centres = sa.table("centres", sa.column("status", sa.String()))


def upgrade() -> None:
    _refuse_people_registered_twice()

    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("district", sa.String(length=5), nullable=True, comment="시·군·구 code, in region")
        )
        batch_op.add_column(
            sa.Column(
                "kind", sa.String(length=30), server_default="other", nullable=False, comment="시설 유형: a CentreKind"
            )
        )
        batch_op.add_column(sa.Column("address", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status",
                sa.String(length=20),
                server_default="registered",
                nullable=False,
                comment="registered, accredited or suspended: only an accredited centre posts recruitments",
            )
        )
        batch_op.add_column(sa.Column("status_changed_at", UtcDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status_reason",
                sa.String(length=100),
                nullable=True,
                comment="why its council suspended it, while suspended",
            )
        )
        batch_op.create_index("ix_centres_region_status", ["region", "status"], unique=False)
    op.execute(centres.update().values(status="accredited"))

    with _consents_set_aside_on_sqlite(), op.batch_alter_table("volunteers", schema=None) as batch_op:
        for name, kind, comment in (
            ("login_id", sa.String(length=20), "erased at withdrawal"),
            ("name", sa.String(length=50), "NFC; erased at withdrawal"),
            ("birth_date", sa.Date(), "erased at withdrawal (birth_year stays)"),
            ("phone", sa.String(length=20), "normalized 010-1234-5678; erased at withdrawal"),
        ):
            batch_op.alter_column(name, existing_type=kind, nullable=True, comment=comment)
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("district", sa.String(length=5), nullable=True, comment="거주 시·군·구 code, in region")
        )
        batch_op.add_column(sa.Column("school_name", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("school_level", sa.String(length=20), nullable=True, comment="elementary, middle or high")
        )
        batch_op.add_column(sa.Column("school_grade", sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status", sa.String(length=20), server_default="active", nullable=False, comment="active or withdrawn"
            )
        )
        batch_op.add_column(sa.Column("withdrawn_at", UtcDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "birth_year", sa.SmallInteger(), nullable=True, comment="kept at withdrawal, for anonymous statistics"
            )
        )
    # Made after the table is rebuilt (SQLite), so the rebuild never has to carry a partial index over.
    op.create_index(
        "uq_volunteers_person",
        "volunteers",
        ["name", "birth_date", "phone"],
        unique=True,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )

    op.create_table(
        "volunteer_desired_activities",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("activity_type", sa.String(length=20), nullable=False),
        sa.Column(
            "sub_field",
            sa.String(length=40),
            server_default="",
            nullable=False,
            comment="'' for the whole activity type",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_volunteer_desired_activities_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint(
            "volunteer_id", "activity_type", "sub_field", name=op.f("pk_volunteer_desired_activities")
        ),
    )
    op.create_index(
        "ix_volunteer_desired_activities_value",
        "volunteer_desired_activities",
        ["activity_type", "sub_field", "volunteer_id"],
        unique=False,
    )
    op.create_table(
        "volunteer_desired_regions",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_volunteer_desired_regions_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "region", name=op.f("pk_volunteer_desired_regions")),
    )
    op.create_index(
        "ix_volunteer_desired_regions_value", "volunteer_desired_regions", ["region", "volunteer_id"], unique=False
    )
    op.create_table(
        "volunteer_talents",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("talent", sa.String(length=30), nullable=False, comment="NFC, as the volunteer wrote it"),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_volunteer_talents_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "talent", name=op.f("pk_volunteer_talents")),
    )
    op.create_table(
        "volunteer_availability",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.String(length=3), nullable=False, comment="mon … sun"),
        sa.Column("part", sa.String(length=10), nullable=False, comment="morning, afternoon or evening"),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_volunteer_availability_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "weekday", "part", name=op.f("pk_volunteer_availability")),
    )
    op.create_table(
        "guardian_consents",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("guardian_name", sa.String(length=50), nullable=False),
        sa.Column("guardian_phone", sa.String(length=20), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False, comment="parent or legal_guardian"),
        sa.Column("consented_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True, comment="the volunteer's account that recorded it"),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_guardian_consents_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_guardian_consents")),
    )
    _create_and_load_reference_tables()


@contextmanager
def _consents_set_aside_on_sqlite() -> Iterator[None]:
    """SQLite changes a column's NOT NULL by rebuilding the table (a copy, DROP, RENAME), and the DROP of
    `volunteers` fails on the consents that refer to it (foreign keys cannot be switched off inside the migration's
    transaction). So the consents wait in a table of their own while `volunteers` is rebuilt, and come back to
    the rebuilt table, which holds every id again. PostgreSQL changes the columns in place."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TABLE _consents_aside AS SELECT * FROM consents")
        op.execute("DELETE FROM consents")
    yield
    if sqlite:
        op.execute("INSERT INTO consents SELECT * FROM _consents_aside")
        op.execute("DROP TABLE _consents_aside")


def _refuse_people_registered_twice() -> None:
    """One person, one active account: accounts made twice for the same name, birth date and phone before this
    revision are shown, not merged (hours and consents hang on each id)."""
    twice = (
        sa.select(volunteers.c.name, volunteers.c.birth_date, volunteers.c.phone)
        .group_by(volunteers.c.name, volunteers.c.birth_date, volunteers.c.phone)
        .having(sa.func.count() > 1)
        .subquery()
    )
    ids = (
        op.get_bind()
        .execute(
            sa.select(volunteers.c.id)
            .join(
                twice,
                sa.and_(
                    volunteers.c.name == twice.c.name,
                    volunteers.c.birth_date == twice.c.birth_date,
                    volunteers.c.phone == twice.c.phone,
                ),
            )
            .order_by(volunteers.c.name, volunteers.c.birth_date, volunteers.c.phone, volunteers.c.id)
        )
        .scalars()
        .all()
    )
    if ids:
        shown = ", ".join(str(i) for i in ids[:50])
        raise RuntimeError(
            f"{len(ids)} volunteer accounts belong to people registered more than once (same name, birth date and "
            f"phone): {shown}{' …' if len(ids) > 50 else ''}. Keep one account per person (the region's council "
            "decides which) before upgrading to revision 0005."
        )


def _create_and_load_reference_tables() -> None:
    councils = op.create_table(
        "councils",
        sa.Column("region", sa.String(length=2), nullable=False, comment="00 for the central council"),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("homepage", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_councils")),
    )
    activity_types = op.create_table(
        "activity_types",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_ko", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_activity_types")),
    )
    activity_sub_fields = op.create_table(
        "activity_sub_fields",
        sa.Column("activity_type", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_ko", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_type"],
            ["activity_types.code"],
            name=op.f("fk_activity_sub_fields_activity_type_activity_types"),
        ),
        sa.PrimaryKeyConstraint("activity_type", "code", name=op.f("pk_activity_sub_fields")),
    )
    team_fields = op.create_table(
        "team_fields",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_ko", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("examples_ko", sa.String(length=200), nullable=False),
        sa.Column("examples_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_team_fields")),
    )
    districts_table = op.create_table(
        "districts",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    op.create_index(op.f("ix_districts_region"), "districts", ["region"], unique=False)

    op.bulk_insert(
        councils,
        [
            {"region": c.region, "name": c.name, "homepage": c.homepage, "phone": c.phone, "address": c.address}
            for c in COUNCILS
        ],
    )
    op.bulk_insert(
        activity_types,
        [{"code": label.code, "name_ko": label.ko, "name_en": label.en} for label in ACTIVITY_TYPE_LABELS.values()],
    )
    op.bulk_insert(
        activity_sub_fields,
        [
            {"activity_type": kind.value, "code": label.code, "name_ko": label.ko, "name_en": label.en}
            for kind, labels in SUB_FIELDS.items()
            for label in labels
        ],
    )
    op.bulk_insert(
        team_fields,
        [
            {
                "code": label.code,
                "name_ko": label.ko,
                "name_en": label.en,
                "examples_ko": label.examples_ko,
                "examples_en": label.examples_en,
            }
            for label in TEAM_FIELD_LABELS.values()
        ],
    )
    op.bulk_insert(
        districts_table,
        [{"code": d.code, "region": d.region, "name": d.name} for d in districts().values()],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_districts_region"), table_name="districts")
    for name in ("districts", "team_fields", "activity_sub_fields", "activity_types", "councils"):
        op.drop_table(name)
    op.drop_table("guardian_consents")
    op.drop_table("volunteer_availability")
    op.drop_table("volunteer_talents")
    op.drop_index("ix_volunteer_desired_regions_value", table_name="volunteer_desired_regions")
    op.drop_table("volunteer_desired_regions")
    op.drop_index("ix_volunteer_desired_activities_value", table_name="volunteer_desired_activities")
    op.drop_table("volunteer_desired_activities")
    op.drop_index("uq_volunteers_person", table_name="volunteers")

    _stand_in_for_the_withdrawn()
    with _consents_set_aside_on_sqlite(), op.batch_alter_table("volunteers", schema=None) as batch_op:
        for name in ("birth_year", "withdrawn_at", "status", "school_grade", "school_level", "school_name"):
            batch_op.drop_column(name)
        batch_op.drop_column("district")
        batch_op.drop_column("email")
        for name, kind in (
            ("login_id", sa.String(length=20)),
            ("name", sa.String(length=50)),
            ("birth_date", sa.Date()),
            ("phone", sa.String(length=20)),
        ):
            batch_op.alter_column(name, existing_type=kind, nullable=False, comment=None)

    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.drop_index("ix_centres_region_status")
        for name in ("status_reason", "status_changed_at", "status", "address", "kind", "district"):
            batch_op.drop_column(name)


def _stand_in_for_the_withdrawn() -> None:
    """The code before this revision knows no withdrawal and needs every volunteer named: a withdrawn one gets
    stand-ins that name nobody (their hours and consents keep their id), with a login id no one can sign up with
    (it holds a `-`)."""
    connection = op.get_bind()
    withdrawn = connection.execute(
        sa.select(volunteers.c.id, volunteers.c.birth_year).where(volunteers.c.status == "withdrawn")
    ).all()
    for row in withdrawn:
        connection.execute(
            volunteers.update()
            .where(volunteers.c.id == row.id)
            .values(
                login_id=f"withdrawn-{row.id.hex[-10:]}",
                name="탈퇴회원",
                birth_date=date(row.birth_year or 1900, 1, 1),
                phone="000-0000-0000",
            )
        )
