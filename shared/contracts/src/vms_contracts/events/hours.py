"""Events of hours: activity records and their confirmation.

What integrators subscribe to (`vms.*.hours.>`): ids, dates and minutes, never a phone or an address.
"""

from __future__ import annotations

from datetime import date, time
from uuid import UUID

from pydantic import AwareDatetime, Field

from vms_contracts.envelope import Event, event


@event("hours", "recorded", 1, aggregate="activity_id")
class HoursRecordedV1(Event):
    """A management centre entered an activity; it counts only once confirmed."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    activity_date: date
    start_time: time
    end_time: time
    minutes: int = Field(gt=0)
    description: str
    exception_reason: str | None = None
    recorded_at: AwareDatetime


@event("hours", "confirmed", 1, aggregate="activity_id")
class HoursConfirmedV1(Event):
    """The centre confirmed the record: from now on its minutes count towards the volunteer's total."""

    activity_id: UUID
    volunteer_id: UUID
    centre_id: UUID
    centre_name: str
    activity_date: date
    start_time: time
    end_time: time
    minutes: int = Field(gt=0)
    description: str
    confirmed_at: AwareDatetime
