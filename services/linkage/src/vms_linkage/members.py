"""Who a volunteer is on 1365's terms — name, birth date, phone — asked of the registry when their records are about
to be offered, and held only for that sending pass: linkage keeps no one's details (DESIGN: events carry the
minimum; a service that needs a person's details asks the registry when it needs them)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from vms_contracts.rpc.registry import VolunteerView
from vms_platform.errors import DomainError
from vms_platform.rpc import RemoteError

LookUp = Callable[[UUID], Awaitable[VolunteerView]]
"""Asks the registry that owns the volunteer (`registry.get_volunteer`, routed by the id's region)."""

HIDDEN = "***"
"""What stands in 1365's words where they quoted a member's details."""

NOT_FOUND = "VOLUNTEER_NOT_FOUND"
"""The registry's refusal for an id it does not know (`vms_registry.domain.VolunteerNotFound`)."""


@dataclass(frozen=True)
class Member:
    """What 1365 finds its member by."""

    name: str
    birth_date: date
    phone: str

    def scrub(self, words: str) -> str:
        """1365's own words about a record without this member's details, should 1365 have quoted them back: the
        words are kept with the record and announced in `transfer.failed`, the details must not be."""
        written = {
            self.name,
            self.phone,
            self.phone.replace("-", ""),
            self.birth_date.isoformat(),
            self.birth_date.strftime("%Y%m%d"),
            self.birth_date.strftime("%Y.%m.%d"),
        }
        for detail in sorted(filter(None, written), key=len, reverse=True):
            words = words.replace(detail, HIDDEN)
        return words


@dataclass(frozen=True)
class Unknown:
    """The registry answered that it does not know the volunteer."""


@dataclass(frozen=True)
class Unanswered:
    """The registry gave no usable answer (not running, too late, failed): nothing is known of the volunteer."""

    error: str


Found = Member | Unknown | Unanswered


async def members(look_up: LookUp, volunteer_ids: Iterable[UUID]) -> dict[UUID, Found]:
    """Each volunteer once, all at once: a pass of a hundred volunteers costs one round trip, not a hundred."""
    wanted = sorted(set(volunteer_ids))
    found = await asyncio.gather(*(_member(look_up, volunteer_id) for volunteer_id in wanted))
    return dict(zip(wanted, found, strict=True))


async def _member(look_up: LookUp, volunteer_id: UUID) -> Found:
    try:
        view = await look_up(volunteer_id)
    except RemoteError as exc:  # the registry refused: `str(exc)` is its code and words
        return Unknown() if exc.body.code == NOT_FOUND else Unanswered(str(exc))
    except DomainError as exc:  # no answer (`ServiceUnavailable`, `ServiceTimeout`), or the registry's own refusal
        return Unknown() if exc.code == NOT_FOUND else Unanswered(f"{exc.code}: {exc}")
    except Exception as exc:  # whatever went wrong on the way, the record waits for a better answer
        return Unanswered(repr(exc))
    return Member(name=view.name, birth_date=view.birth_date, phone=view.phone)
