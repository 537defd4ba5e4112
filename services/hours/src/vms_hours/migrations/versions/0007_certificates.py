"""certificates: what each certifies as issued, the records it lists with their revisions, and the serials of the
issue numbers

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms_platform.db import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False, comment="발급번호: <region>-<year>-<serial>"),
        sa.Column("code", sa.String(length=9), nullable=False, comment="확인코드, printed beside the QR code"),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("council_region", sa.String(length=2), nullable=False, comment="the issuing council's 시·도"),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("blood_donations", sa.Integer(), nullable=False),
        sa.Column("blood_minutes", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    op.create_index(op.f("ix_certificates_volunteer_id"), "certificates", ["volunteer_id"])
    op.create_table(
        "certificate_lines",
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column(
            "revision", sa.Integer(), nullable=False, comment="the record's revision when the certificate was issued"
        ),
        sa.Column(
            "held_here", sa.Boolean(), nullable=False, comment="false: a record another region's deployment keeps"
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(length=20), nullable=True),
        sa.Column("sub_field", sa.String(length=40), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("centre_name", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("donation_type", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("certificate_id", "line", name=op.f("pk_certificate_lines")),
    )
    op.create_table(
        "certificate_serials",
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "year", name=op.f("pk_certificate_serials")),
    )


def downgrade() -> None:
    op.drop_table("certificate_serials")
    op.drop_table("certificate_lines")
    op.drop_index(op.f("ix_certificates_volunteer_id"), table_name="certificates")
    op.drop_table("certificates")
