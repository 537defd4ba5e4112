"""Requests rewards answers: cumulative totals (badges and benefits come here too)."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from vms_contracts.rpc import Rpc
from vms_contracts.types import Id, RequestModel


class TotalRequest(RequestModel):
    volunteer_id: Id


class TotalView(BaseModel):
    volunteer_id: UUID
    confirmed_minutes: int
    confirmed_activities: int
    display: str
    """`3시간 30분`"""
    display_en: str
    updated_at: AwareDatetime | None


GET_TOTAL = Rpc("rewards", "get_total", TotalRequest, TotalView, "누적 봉사시간", owner="volunteer_id")
