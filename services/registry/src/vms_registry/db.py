"""The registry's own database."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from vms_platform.db import UtcDateTime, new_metadata
from vms_platform.identity import deployment_table
from vms_platform.outbox import outbox_table

metadata = new_metadata()

centres = Table(
    "centres",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("region", String(2), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("registered_by", Uuid, nullable=True, comment="the account that registered it; None if a service did"),
    Column("district", String(5), nullable=True, comment="시·군·구 code, in region"),
    Column("kind", String(30), nullable=False, server_default="other", comment="시설 유형: a CentreKind"),
    Column("address", String(100), nullable=True),
    Column(
        "status",
        String(20),
        nullable=False,
        server_default="registered",
        comment="registered, accredited or suspended: only an accredited centre posts recruitments",
    ),
    Column("status_changed_at", UtcDateTime, nullable=True),
    Column("status_reason", String(100), nullable=True, comment="why its council suspended it, while suspended"),
    UniqueConstraint("region", "name"),
    # A council's list of its centres in one state (those waiting for accreditation, the suspended ones).
    Index("ix_centres_region_status", "region", "status"),
)

# A withdrawn volunteer (회원탈퇴) keeps only what anonymous statistics need: id, region, when they registered and
# left, and the year they were born; everything that names or reaches the person is erased (NULL).
volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("login_id", String(20), nullable=True, unique=True, comment="erased at withdrawal"),
    Column("name", String(50), nullable=True, comment="NFC; erased at withdrawal"),
    Column("birth_date", Date, nullable=True, comment="erased at withdrawal (birth_year stays)"),
    Column("phone", String(20), nullable=True, comment="normalized 010-1234-5678; erased at withdrawal"),
    Column("region", String(2), nullable=False, index=True),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("registered_by", Uuid, nullable=True, comment="the account made with the sign-up, if the gateway named it"),
    Column("email", String(254), nullable=True),
    Column("district", String(5), nullable=True, comment="거주 시·군·구 code, in region"),
    Column("school_name", String(100), nullable=True),
    Column("school_level", String(20), nullable=True, comment="elementary, middle or high"),
    Column("school_grade", SmallInteger, nullable=True),
    Column(
        "status",
        String(20),
        nullable=False,
        server_default="active",
        comment="active, withdrawn, moving (being handed over to another region's registry) or moved (a tombstone)",
    ),
    Column("withdrawn_at", UtcDateTime, nullable=True),
    Column("birth_year", SmallInteger, nullable=True, comment="kept at withdrawal, for anonymous statistics"),
)
# One active account per person (name, birth date, phone): the same person signing up under two login ids at once
# is stopped here, where two transactions cannot both pass; a withdrawn account (erased) never counts. The index
# also finds that person.
Index(
    "uq_volunteers_person",
    volunteers.c.name,
    volunteers.c.birth_date,
    volunteers.c.phone,
    unique=True,
    postgresql_where=volunteers.c.status == "active",
    sqlite_where=volunteers.c.status == "active",
)

# 희망봉사활동, 희망활동지역, 특기, 활동 가능 시간: a volunteer's profile lists, one row per item, replaced whole
# by an update and deleted at withdrawal. Matching looks volunteers up by the value, so those indexes lead with it.
volunteer_desired_activities = Table(
    "volunteer_desired_activities",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), nullable=False),
    Column("activity_type", String(20), nullable=False),
    Column("sub_field", String(40), nullable=False, server_default="", comment="'' for the whole activity type"),
    PrimaryKeyConstraint("volunteer_id", "activity_type", "sub_field"),
    Index("ix_volunteer_desired_activities_value", "activity_type", "sub_field", "volunteer_id"),
)

volunteer_desired_regions = Table(
    "volunteer_desired_regions",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), nullable=False),
    Column("region", String(2), nullable=False),
    PrimaryKeyConstraint("volunteer_id", "region"),
    Index("ix_volunteer_desired_regions_value", "region", "volunteer_id"),
)

volunteer_talents = Table(
    "volunteer_talents",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), nullable=False),
    Column("talent", String(30), nullable=False, comment="NFC, as the volunteer wrote it"),
    PrimaryKeyConstraint("volunteer_id", "talent"),
)

volunteer_availability = Table(
    "volunteer_availability",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), nullable=False),
    Column("weekday", String(3), nullable=False, comment="mon … sun"),
    Column("part", String(10), nullable=False, comment="morning, afternoon or evening"),
    PrimaryKeyConstraint("volunteer_id", "weekday", "part"),
)

PROFILE_LISTS = (volunteer_desired_activities, volunteer_desired_regions, volunteer_talents, volunteer_availability)

# 법정대리인 동의 for a volunteer under 14: the guardian's name and phone are personal data of the guardian, kept
# here only, never in an event, and erased with the volunteer.
guardian_consents = Table(
    "guardian_consents",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("guardian_name", String(50), nullable=False),
    Column("guardian_phone", String(20), nullable=False),
    Column("relation", String(20), nullable=False, comment="parent or legal_guardian"),
    Column("consented_at", UtcDateTime, nullable=False),
    Column("recorded_by", Uuid, nullable=True, comment="the volunteer's account that recorded it"),
)

consents = Table(
    "consents",
    metadata,
    Column("volunteer_id", Uuid, ForeignKey("volunteers.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("granted", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("changed_by", Uuid, nullable=True, comment="the volunteer's account that gave or withdrew it"),
)

# Every answer that carries a volunteer's personal data (name, birth date, phone) is written here in the same
# transaction as the read, so a council can review who read whose data; a refused read writes nothing.
personal_data_reads = Table(
    "personal_data_reads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("read_at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False, comment="account id, or service:<name>; never a name"),
    Column("actor_role", String(20), nullable=False),
    Column("volunteer_id", Uuid, nullable=False),
    Column("volunteer_region", String(2), nullable=False),
    Column("fields", String(200), nullable=False, comment="what was read, comma-separated: name,birth_date,phone"),
    Column("operation", String(80), nullable=False),
    Column("request_id", String(64), nullable=True),
    # A council reviews its region's reads newest first, all of them or one volunteer's.
    Index("ix_personal_data_reads_region", "volunteer_region", "read_at"),
    Index("ix_personal_data_reads_volunteer", "volunteer_id", "read_at"),
)

# -- reference data ------------------------------------------------------------------------------------------------
# Copies of `vms_contracts.reference`, loaded by the migrations, so that SQL users and reports join codes to names.
# The Python module stays what requests are checked against; a test holds the two equal.

councils = Table(
    "councils",
    metadata,
    Column("region", String(2), primary_key=True, comment="00 for the central council"),
    Column("name", String(50), nullable=False),
    Column("homepage", String(100), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("address", String(200), nullable=True),
)

activity_types = Table(
    "activity_types",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name_ko", String(50), nullable=False),
    Column("name_en", String(100), nullable=False),
)

activity_sub_fields = Table(
    "activity_sub_fields",
    metadata,
    Column("activity_type", String(20), ForeignKey("activity_types.code"), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name_ko", String(50), nullable=False),
    Column("name_en", String(100), nullable=False),
    PrimaryKeyConstraint("activity_type", "code"),
)

team_fields = Table(
    "team_fields",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name_ko", String(50), nullable=False),
    Column("name_en", String(100), nullable=False),
    Column("examples_ko", String(200), nullable=False),
    Column("examples_en", String(200), nullable=False),
)

districts = Table(
    "districts",
    metadata,
    Column("code", String(5), primary_key=True),
    Column("region", String(2), nullable=False, index=True),
    Column("name", String(50), nullable=False),
)

outbox = outbox_table(metadata)
deployment = deployment_table(metadata)

# The tables of the registry's other parts live on the same metadata, so that migrations and their checks see them.
from vms_registry.recruitments import tables as _recruitment_tables  # noqa: E402, F401
from vms_registry.regions import tables as _region_tables  # noqa: E402, F401
from vms_registry.teams import tables as _team_tables  # noqa: E402, F401
