"""The hours service's own database, with its projection of the registry facts it needs."""

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text, Time, Uuid

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.inbox import inbox_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

# Projection of the registry (from its events, or asked for when an event has not arrived yet): that a volunteer
# exists, and where. Who they are (name, birth date, phone) stays with the registry, asked for when needed.
known_volunteers = Table(
    "known_volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("region", String(2), nullable=False),
)

known_centres = Table(
    "known_centres",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("region", String(2), nullable=False),
)

# One row per volunteer and day on which anything was recorded. Recording locks it (SELECT … FOR UPDATE) before
# it reads the day, so the day's rules (no overlap, at most 8 hours) hold when two centres record at once.
volunteer_days = Table(
    "volunteer_days",
    metadata,
    Column("volunteer_id", Uuid, primary_key=True),
    Column("activity_date", Date, primary_key=True),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(20), nullable=False, server_default="activity", comment="activity | blood_donation"),
    Column("centre_id", Uuid, nullable=True, comment="none for a blood donation"),
    Column("volunteer_id", Uuid, nullable=False),
    Column("region", String(2), nullable=False, comment="its centre's region; a blood donation's, its volunteer's"),
    # What the record counts now: as recorded, or as last corrected (the history keeps every revision).
    Column("activity_date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("activity_type", String(20), nullable=True, comment="none for a blood donation and older records"),
    Column("sub_field", String(40), nullable=True),
    Column("place", String(100), nullable=True, comment="none: at the centre itself"),
    Column("description", Text, nullable=False),
    Column("recruitment_id", Uuid, nullable=True),
    Column("donation_number", String(40), nullable=True, unique=True, comment="a blood donation's 헌혈증서 number"),
    Column("donation_type", String(20), nullable=True, comment="a blood donation's kind: whole_blood, plasma, …"),
    Column("exception_reason", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text, nullable=True, comment="why it was last rejected, corrected or cancelled"),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("changed_at", UtcDateTime, nullable=True, comment="when it was last rejected, corrected or cancelled"),
    Column("recorded_by", Uuid, nullable=True, comment="the centre manager's account that recorded it"),
    Column("confirmed_by", Uuid, nullable=True, comment="the centre manager's account that confirmed it"),
    # A volunteer's records of one day (the day's rules: no overlap, at most 8 hours), and all their records.
    Index("ix_activities_volunteer_day", "volunteer_id", "activity_date", "start_time"),
    # A centre's records, newest first (`list_centre_activities`), and those still to confirm.
    Index("ix_activities_centre_newest", "centre_id", "activity_date", "start_time"),
)

# Every step of every record, never changed once written: recorded, confirmed, rejected, corrected, cancelled,
# with what the record said after it, who took it, when and why. A correction or cancellation of a confirmed
# record is a new row here; the record's row above says only where it stands now.
activity_revisions = Table(
    "activity_revisions",
    metadata,
    Column("activity_id", Uuid, primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("change", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", Uuid, nullable=True, comment="the account; none for what the system did itself"),
    Column("reason", Text, nullable=True),
    Column("activity_date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("counted_minutes", Integer, nullable=False, comment="what the record counts after this step"),
    Column("activity_type", String(20), nullable=True),
    Column("sub_field", String(40), nullable=True),
    Column("place", String(100), nullable=True),
    Column("description", Text, nullable=False),
)


def _totals(name: str, owner: Column[Any], comment: str) -> Table:
    """Confirmed minutes and records of one owner (a volunteer, a centre, a region) in each bucket: `all`, a year
    `y2026`, a month `m2026-11`, an activity type `t:facility`. Kept as records change, by adding what each change
    adds or takes away (`vms_hours.totals`): never summed again from the records."""
    return Table(
        name,
        metadata,
        owner,
        Column("bucket", String(20), primary_key=True, comment="all | y2026 | m2026-11 | t:<activity type>"),
        Column("minutes", BigInteger, nullable=False, comment="confirmed activities"),
        Column("activities", Integer, nullable=False),
        Column("blood_minutes", BigInteger, nullable=False, comment="blood donations, counted apart"),
        Column("blood_donations", Integer, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        comment=comment,
    )


# A volunteer's totals change in the transaction that confirms, corrects or cancels their record (read at once);
# a centre's and a region's, which every record of the centre or region would otherwise wait on, are added up
# from this service's own events in batches (consumer `hours-totals`), a moment later.
volunteer_totals = _totals("volunteer_totals", Column("volunteer_id", Uuid, primary_key=True), "a volunteer's hours")
centre_totals = _totals("centre_totals", Column("centre_id", Uuid, primary_key=True), "a centre's hours")
region_totals = _totals("region_totals", Column("region", String(2), primary_key=True), "a region's hours")

# When the totals began to be kept: they were filled from the records confirmed until then, so the events of
# those confirmations (which the consumer `hours-totals` reads from the start of the stream) are already counted.
totals_kept_since = Table(
    "totals_kept_since",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("since", UtcDateTime, nullable=False),
)

# Certificates (사회복지자원봉사 인증서): what each certifies, as issued. The holder's name and birth date are asked
# of the registry whenever it is printed; the records it lists are kept as they were, with their revisions, so that
# the verification page can tell whether any changed since.
certificates = Table(
    "certificates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(20), nullable=False, unique=True, comment="발급번호: <region>-<year>-<serial>"),
    Column("code", String(9), nullable=False, comment="확인코드, printed beside the QR code"),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("council_region", String(2), nullable=False, comment="the issuing council's 시·도"),
    Column("language", String(2), nullable=False),
    Column("period_from", Date, nullable=True),
    Column("period_to", Date, nullable=True),
    Column("activities", Integer, nullable=False),
    Column("minutes", BigInteger, nullable=False),
    Column("blood_donations", Integer, nullable=False),
    Column("blood_minutes", BigInteger, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("issued_by", Uuid, nullable=True),
)

certificate_lines = Table(
    "certificate_lines",
    metadata,
    Column("certificate_id", Uuid, primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("activity_id", Uuid, nullable=False),
    Column("revision", Integer, nullable=False, comment="the record's revision when the certificate was issued"),
    Column("held_here", Boolean, nullable=False, comment="false: a record another region's deployment keeps"),
    Column("kind", String(20), nullable=False),
    Column("activity_date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("activity_type", String(20), nullable=True),
    Column("sub_field", String(40), nullable=True),
    Column("place", String(100), nullable=False),
    Column("centre_name", String(100), nullable=True),
    Column("description", Text, nullable=False),
    Column("donation_type", String(20), nullable=True),
)

# The last serial of each region's year: 발급번호 are counted per issuing region and year, without gaps.
certificate_serials = Table(
    "certificate_serials",
    metadata,
    Column("region", String(2), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
deployment = deployment_table(metadata)
