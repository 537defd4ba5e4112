"""The registry's rules. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from vms_platform.errors import Conflict, NotFound
from vms_registry import messages as _messages  # noqa: F401  (the texts of the errors below)


class VolunteerNotFound(NotFound):
    code = "VOLUNTEER_NOT_FOUND"


class CentreNotFound(NotFound):
    code = "CENTRE_NOT_FOUND"


class LoginIdTaken(Conflict):
    code = "LOGIN_ID_TAKEN"


class CentreExists(Conflict):
    code = "CENTRE_EXISTS"


PERSONAL_DATA = ("name", "birth_date", "phone")
"""What of a volunteer is personal data (DESIGN §Security: birth date and phone, never a 주민등록번호): every answer
that carries it is an access record a council can review."""


@dataclass(frozen=True)
class Person:
    """What identifies a registering volunteer: name, birth date and phone (never a 주민등록번호)."""

    name: str
    birth_date: date
    phone: str
    region: str


class Registration(Enum):
    NEW = "new"
    ALREADY_DONE = "already_done"


def decide_registration(login_id: str, wanted: Person, existing: Person | None) -> Registration:
    """회원가입 is idempotent: sending the same registration again returns the member already made; a different
    person asking for a taken login id is refused."""
    if existing is None:
        return Registration.NEW
    if existing == wanted:
        return Registration.ALREADY_DONE
    raise LoginIdTaken(login_id=login_id)


@dataclass(frozen=True)
class CentreFacts:
    name: str
    region: str
    phone: str | None


def decide_centre(wanted: CentreFacts, existing: CentreFacts | None) -> Registration:
    """One centre per name in a region: the same registration again is the same centre."""
    if existing is None:
        return Registration.NEW
    if existing == wanted:
        return Registration.ALREADY_DONE
    raise CentreExists(name=wanted.name)


def consent_changes(current: bool | None, wanted: bool) -> bool:
    """Only a real change is recorded and announced; never having consented counts as not consenting."""
    return bool(current) != wanted
