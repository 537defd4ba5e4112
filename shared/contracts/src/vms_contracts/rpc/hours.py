"""Requests hours answers: recording and confirming activity, and the lists of a volunteer's or a centre's."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from vms_contracts.rpc import Rpc
from vms_contracts.types import (
    EARLIEST_ACTIVITY_DATE,
    NFC_NOTE,
    ActivityDate,
    Id,
    KoreanTime,
    LongText,
    PageLimit,
    PageOffset,
    RequestModel,
)


class ActivityDetails(RequestModel):
    """What a centre says of an activity; the centre itself is named by the address it is sent to (the gateway's
    path) or by `RecordActivity.centre_id`."""

    volunteer_id: Id
    activity_date: ActivityDate = Field(
        description=f"활동일 (Korean date, `YYYY-MM-DD`; from {EARLIEST_ACTIVITY_DATE}, not in the future)",
        examples=["2026-11-20"],
    )
    start_time: KoreanTime = Field(description="시작 시각 (KST, `HH:MM` or `HH:MM:SS`, no offset)", examples=["10:00"])
    end_time: KoreanTime = Field(
        description="종료 시각 (KST, `HH:MM` or `HH:MM:SS`, no offset), the same day", examples=["13:30"]
    )
    description: LongText = Field(description=f"활동내용. {NFC_NOTE}", examples=["어르신 말벗 및 식사 보조"])
    exception_reason: LongText | None = Field(
        default=None, description=f"Why a day over the limit or a late entry must be accepted. {NFC_NOTE}"
    )


class RecordActivity(ActivityDetails):
    centre_id: Id


class ActivityRef(RequestModel):
    activity_id: Id


class VolunteerActivities(RequestModel):
    volunteer_id: Id


class ActivityStatus(StrEnum):
    RECORDED = "recorded"
    CONFIRMED = "confirmed"


class ActivityView(BaseModel):
    id: UUID
    centre_id: UUID
    volunteer_id: UUID
    activity_date: date
    start_time: time
    end_time: time
    minutes: int
    description: str
    exception_reason: str | None
    status: ActivityStatus
    recorded_at: AwareDatetime
    confirmed_at: AwareDatetime | None


class CentreActivities(RequestModel):
    centre_id: Id
    status: ActivityStatus | None = Field(default=None, description="Only records in this state")
    limit: PageLimit = 100
    offset: PageOffset = 0


class ActivityList(BaseModel):
    items: list[ActivityView]
    total: int | None = None
    """How many records match in all when `items` is one page of them (a centre's list); None when `items` is
    all of them."""


RECORD_ACTIVITY = Rpc(
    "hours", "record_activity", RecordActivity, ActivityView, "A centre records an activity", owner="centre_id"
)
CONFIRM_ACTIVITY = Rpc(
    "hours", "confirm_activity", ActivityRef, ActivityView, "A centre confirms a record", owner="activity_id"
)
GET_ACTIVITY = Rpc("hours", "get_activity", ActivityRef, ActivityView, "One activity record", owner="activity_id")
LIST_ACTIVITIES = Rpc("hours", "list_activities", VolunteerActivities, ActivityList, "봉사실적조회")
LIST_CENTRE_ACTIVITIES = Rpc(
    "hours",
    "list_centre_activities",
    CentreActivities,
    ActivityList,
    "A centre's activity records, newest first",
    owner="centre_id",
)
