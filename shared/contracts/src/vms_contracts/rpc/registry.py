"""Requests the registry answers: volunteers, management centres, consents."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from vms_contracts.events.registry import ConsentKind
from vms_contracts.regions import RegionCode
from vms_contracts.rpc import Rpc
from vms_contracts.types import BirthDate, LoginId, PersonName, PhoneNumber, ShortText


class RegisterCentre(BaseModel):
    name: ShortText = Field(description="관리센터 이름", examples=["행복종합사회복지관"])
    region: RegionCode = Field(description="2-digit 시·도 code", examples=["11"])
    phone: PhoneNumber | None = Field(default=None, examples=["02-1234-5678"])


class CentreRef(BaseModel):
    centre_id: UUID


class CentreView(BaseModel):
    id: UUID
    name: str
    region: str
    phone: str | None
    registered_at: AwareDatetime


class RegisterVolunteer(BaseModel):
    login_id: LoginId = Field(description="아이디: 4–20 lowercase letters, digits or _", examples=["hong_gildong"])
    name: PersonName = Field(description="성명", examples=["홍길동"])
    birth_date: BirthDate = Field(description="생년월일 (never a 주민등록번호)", examples=["2001-04-05"])
    phone: PhoneNumber = Field(description="휴대전화", examples=["010-1234-5678"])
    region: RegionCode = Field(description="2-digit 시·도 code of residence", examples=["11"])


class VolunteerRef(BaseModel):
    volunteer_id: UUID


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


class SetConsent(BaseModel):
    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    channel: str = Field(default="portal", max_length=40)


class ConsentView(BaseModel):
    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime | None


REGISTER_CENTRE = Rpc(
    "registry", "register_centre", RegisterCentre, CentreView, "Register a management centre", owner="region"
)
GET_CENTRE = Rpc("registry", "get_centre", CentreRef, CentreView, "One management centre", owner="centre_id")
REGISTER_VOLUNTEER = Rpc("registry", "register_volunteer", RegisterVolunteer, VolunteerView, "회원가입", owner="region")
GET_VOLUNTEER = Rpc("registry", "get_volunteer", VolunteerRef, VolunteerView, "One volunteer", owner="volunteer_id")
SET_CONSENT = Rpc(
    "registry", "set_consent", SetConsent, ConsentView, "Give or withdraw a consent", owner="volunteer_id"
)
