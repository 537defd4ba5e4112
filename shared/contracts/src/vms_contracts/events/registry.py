"""Events of the registry: volunteers, management centres, consents."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime

from vms_contracts.envelope import Event, event
from vms_contracts.regions import RegionCode


class ConsentKind(StrEnum):
    PORTAL_1365 = "portal1365"
    """마이페이지 → 회원정보 → 개인정보 → '1365자원봉사포털 연계동의'."""


@event("registry", "centre.registered", 1, aggregate="centre_id")
class CentreRegisteredV1(Event):
    """A 사회복지자원봉사 관리센터 joined VMS."""

    centre_id: UUID
    name: str
    region: RegionCode
    phone: str | None = None
    registered_at: AwareDatetime


@event("registry", "volunteer.registered", 1, aggregate="volunteer_id")
class VolunteerRegisteredV1(Event):
    """A volunteer registered (회원가입). Carries what linkage needs to find them on 1365; never a 주민등록번호."""

    volunteer_id: UUID
    name: str
    birth_date: date
    phone: str
    region: RegionCode
    registered_at: AwareDatetime


@event("registry", "consent.changed", 1, aggregate="volunteer_id")
class ConsentChangedV1(Event):
    """A volunteer gave or withdrew a consent; withdrawing stops what depended on it at once."""

    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime
    channel: str
    """Where the change was made, e.g. `portal`."""
