"""Requests the registry answers: volunteers, management centres, consents, and the record of who read whose
personal data."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StrictBool

from vms_contracts.events.registry import ConsentKind
from vms_contracts.regions import ProvinceCode
from vms_contracts.rpc import Rpc
from vms_contracts.types import (
    EARLIEST_BIRTH_DATE,
    NFC_NOTE,
    BirthDate,
    Channel,
    Id,
    LoginId,
    PageLimit,
    PageOffset,
    PersonName,
    PhoneNumber,
    RequestModel,
    ShortText,
)


class RegisterCentre(RequestModel):
    name: ShortText = Field(description=f"관리센터 이름. {NFC_NOTE}", examples=["행복종합사회복지관"])
    region: ProvinceCode = Field(description="2-digit 시·도 code", examples=["11"])
    phone: PhoneNumber | None = Field(default=None, examples=["02-1234-5678"])


class CentreRef(RequestModel):
    centre_id: Id


class CentreView(BaseModel):
    id: UUID
    name: str
    region: str
    phone: str | None
    registered_at: AwareDatetime


class ListCentres(RequestModel):
    region: ProvinceCode = Field(description="2-digit 시·도 code", examples=["11"])
    limit: PageLimit = 100
    offset: PageOffset = 0


class CentreList(BaseModel):
    items: list[CentreView]
    """Sorted by name."""
    total: int
    """How many centres the region has in all, of which `items` is the page asked for."""


class RegisterVolunteer(RequestModel):
    login_id: LoginId = Field(
        description="아이디: 4–20 lowercase letters a–z, digits or _, starting with a letter", examples=["hong_gildong"]
    )
    name: PersonName = Field(description=f"성명. {NFC_NOTE}", examples=["홍길동"])
    birth_date: BirthDate = Field(
        description=f"생년월일, `YYYY-MM-DD` from {EARLIEST_BIRTH_DATE} to today (never a 주민등록번호)",
        examples=["2001-04-05"],
    )
    phone: PhoneNumber = Field(description="휴대전화", examples=["010-1234-5678"])
    region: ProvinceCode = Field(description="2-digit 시·도 code of residence", examples=["11"])


class VolunteerRef(RequestModel):
    volunteer_id: Id


class ConsentsView(BaseModel):
    portal1365: bool
    portal1365_changed_at: AwareDatetime | None


class VolunteerView(BaseModel):
    id: UUID
    login_id: str
    name: str
    birth_date: date
    phone: str
    region: str
    registered_at: AwareDatetime
    consents: ConsentsView


class ConsentChoice(RequestModel):
    """Given or withdrawn: a JSON `true` or `false`, nothing that merely looks like one."""

    granted: StrictBool = Field(description="동의 여부")


class SetConsent(ConsentChoice):
    volunteer_id: Id
    consent: ConsentKind
    channel: Channel = Field(default="portal", description="Where the volunteer said so", examples=["portal"])


class ConsentView(BaseModel):
    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime | None


class AccessRecordsRequest(RequestModel):
    region: ProvinceCode = Field(
        description="2-digit 시·도 code of the volunteers whose data was read", examples=["11"]
    )
    volunteer_id: Id | None = Field(default=None, description="Only the reads of this volunteer's data")
    limit: PageLimit = 100
    offset: PageOffset = 0


class AccessRecordView(BaseModel):
    """One read of a volunteer's personal data: who read which of it, when, in answer to which request."""

    id: UUID
    read_at: AwareDatetime
    actor: str
    """The account id of the person who read it, or `service:<name>`; never a name."""
    actor_role: str
    volunteer_id: UUID
    fields: list[str]
    """What of the volunteer was read, e.g. `name`, `birth_date`, `phone`."""
    operation: str
    """The request that read it, as the permission matrix names it (`registry.get_volunteer`)."""
    request_id: str | None
    """The request id the reader sent (`vms-request-id`), to find the same request in the logs."""


class AccessRecordList(BaseModel):
    items: list[AccessRecordView]
    """Newest first."""
    total: int


REGISTER_CENTRE = Rpc(
    "registry", "register_centre", RegisterCentre, CentreView, "Register a management centre", owner="region"
)
GET_CENTRE = Rpc("registry", "get_centre", CentreRef, CentreView, "One management centre", owner="centre_id")
REGISTER_VOLUNTEER = Rpc("registry", "register_volunteer", RegisterVolunteer, VolunteerView, "회원가입", owner="region")
GET_VOLUNTEER = Rpc("registry", "get_volunteer", VolunteerRef, VolunteerView, "One volunteer", owner="volunteer_id")
SET_CONSENT = Rpc(
    "registry", "set_consent", SetConsent, ConsentView, "Give or withdraw a consent", owner="volunteer_id"
)
LIST_CENTRES = Rpc(
    "registry", "list_centres", ListCentres, CentreList, "The management centres of a region", owner="region"
)
LIST_ACCESS_RECORDS = Rpc(
    "registry",
    "list_access_records",
    AccessRecordsRequest,
    AccessRecordList,
    "Who read volunteers' personal data (개인정보 열람 기록)",
    owner="region",
)
