"""Events of the registry: volunteers, management centres, consents."""

from __future__ import annotations

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
    """The centre's name, as it presents itself to the public (an organisation's, never a person's)."""
    region: RegionCode
    phone: str | None = None
    """The centre's office number, published on its own signboard and website: an organisation's number, not a
    person's, so it may travel with the event."""
    registered_at: AwareDatetime


@event("registry", "volunteer.registered", 1, aggregate="volunteer_id")
class VolunteerRegisteredV1(Event):
    """Retired: no longer published; `vms.registry.volunteer.registered.v2` replaced it. Messages of this version
    still on the stream also carry the volunteer's name, birth date and phone: this model leaves them unread, and
    no reader may use or keep them."""

    volunteer_id: UUID
    region: RegionCode
    registered_at: AwareDatetime


@event("registry", "volunteer.registered", 2, aggregate="volunteer_id")
class VolunteerRegisteredV2(Event):
    """A volunteer registered (회원가입). Who they are stays with the registry: a service that needs their details
    asks it (`registry.get_volunteer`) when it needs them, and keeps no copy."""

    volunteer_id: UUID
    region: RegionCode
    """2-digit 시·도 code of the region the volunteer lives in, whose registry keeps them."""
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
