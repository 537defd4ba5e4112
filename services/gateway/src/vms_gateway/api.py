"""REST API v1: each route is one or two NATS requests to the services that own the data."""

from __future__ import annotations

import asyncio
from datetime import date, time
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vms_contracts.events.registry import ConsentKind
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_contracts.rpc.health import HealthRequest, health_rpc
from vms_contracts.subjects import SERVICES
from vms_contracts.types import LongText
from vms_platform.errors import DomainError
from vms_platform.rpc import RemoteError, RpcClient

router = APIRouter(prefix="/api/v1")

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)


class Services:
    """The services, called on behalf of one HTTP request (its request id goes along)."""

    def __init__(self, rpc: RpcClient, request_id: str) -> None:
        self.rpc = rpc
        self.request_id = request_id

    async def __call__(self, rpc: Rpc[Req, Res], request: Req) -> Res:
        """Ask the instance of the region that owns what the request is about (the region is in the id)."""
        return await self.rpc.call(rpc, request, request_id=self.request_id)

    async def everywhere(self, rpc: Rpc[Req, Res], request: Req) -> list[Res]:
        """Ask every region's deployment once (a volunteer's records may be held in several regions)."""
        return await self.rpc.gather(rpc, request, request_id=self.request_id)

    async def volunteer(self, volunteer_id: UUID) -> registry_rpc.VolunteerView:
        """The volunteer, or a 404 that says so, before asking another service about them."""
        return await self(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_id))


def services(request: Request) -> Services:
    return Services(request.app.state.rpc, request.state.request_id)


Call = Annotated[Services, Depends(services)]

# -- management centres ----------------------------------------------------------------------------------------


@router.post("/centres", status_code=201, tags=["centres"], summary="관리센터 등록")
async def register_centre(body: registry_rpc.RegisterCentre, call: Call) -> registry_rpc.CentreView:
    return await call(registry_rpc.REGISTER_CENTRE, body)


@router.get("/centres/{centre_id}", tags=["centres"], summary="관리센터 조회")
async def get_centre(centre_id: UUID, call: Call) -> registry_rpc.CentreView:
    return await call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))


class ActivityBody(BaseModel):
    volunteer_id: UUID
    activity_date: date = Field(description="활동일", examples=["2026-11-20"])
    start_time: time = Field(description="시작 시각 (KST)", examples=["10:00"])
    end_time: time = Field(description="종료 시각 (KST)", examples=["13:30"])
    description: LongText = Field(description="활동내용", examples=["어르신 말벗 및 식사 보조"])
    exception_reason: LongText | None = Field(default=None, description="예외 사유 (over 8 h a day, or late)")


@router.post("/centres/{centre_id}/activities", status_code=201, tags=["hours"], summary="봉사활동 실적 입력")
async def record_activity(centre_id: UUID, body: ActivityBody, call: Call) -> hours_rpc.ActivityView:
    return await call(hours_rpc.RECORD_ACTIVITY, hours_rpc.RecordActivity(centre_id=centre_id, **body.model_dump()))


@router.get("/activities/{activity_id}", tags=["hours"], summary="봉사활동 실적 조회")
async def get_activity(activity_id: UUID, call: Call) -> hours_rpc.ActivityView:
    return await call(hours_rpc.GET_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity_id))


@router.post("/activities/{activity_id}/confirm", tags=["hours"], summary="봉사활동 실적 확인")
async def confirm_activity(activity_id: UUID, call: Call) -> hours_rpc.ActivityView:
    return await call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity_id))


# -- volunteers ------------------------------------------------------------------------------------------------


@router.post("/volunteers", status_code=201, tags=["volunteers"], summary="회원가입")
async def register_volunteer(body: registry_rpc.RegisterVolunteer, call: Call) -> registry_rpc.VolunteerView:
    return await call(registry_rpc.REGISTER_VOLUNTEER, body)


@router.get("/volunteers/{volunteer_id}", tags=["volunteers"], summary="회원정보")
async def get_volunteer(volunteer_id: UUID, call: Call) -> registry_rpc.VolunteerView:
    return await call.volunteer(volunteer_id)


class ConsentBody(BaseModel):
    granted: bool = Field(description="동의 여부")


@router.put(
    "/volunteers/{volunteer_id}/consents/{consent}",
    tags=["volunteers"],
    summary="연계 동의 (마이페이지 → 회원정보 → 개인정보 → 1365자원봉사포털 연계동의)",
)
async def set_consent(
    volunteer_id: UUID, consent: ConsentKind, body: ConsentBody, call: Call
) -> registry_rpc.ConsentView:
    return await call(
        registry_rpc.SET_CONSENT,
        registry_rpc.SetConsent(volunteer_id=volunteer_id, consent=consent, granted=body.granted),
    )


@router.get("/volunteers/{volunteer_id}/activities", tags=["volunteers"], summary="봉사실적조회")
async def list_activities(volunteer_id: UUID, call: Call) -> hours_rpc.ActivityList:
    await call.volunteer(volunteer_id)
    parts = await call.everywhere(hours_rpc.LIST_ACTIVITIES, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id))
    items = {item.id: item for part in parts for item in part.items}
    return hours_rpc.ActivityList(items=sorted(items.values(), key=lambda a: (a.activity_date, a.start_time)))


@router.get("/volunteers/{volunteer_id}/hours", tags=["volunteers"], summary="누적 봉사시간")
async def get_total(volunteer_id: UUID, call: Call) -> rewards_rpc.TotalView:
    await call.volunteer(volunteer_id)
    return await call(rewards_rpc.GET_TOTAL, rewards_rpc.TotalRequest(volunteer_id=volunteer_id))


@router.get("/volunteers/{volunteer_id}/transfers", tags=["volunteers"], summary="1365 연계 현황")
async def list_transfers(volunteer_id: UUID, call: Call) -> linkage_rpc.TransferList:
    await call.volunteer(volunteer_id)
    return await call(linkage_rpc.LIST_TRANSFERS, linkage_rpc.TransfersRequest(volunteer_id=volunteer_id))


# -- operations ------------------------------------------------------------------------------------------------


@router.get("/health", tags=["operations"], summary="Is every service up, in every region?")
async def health(call: Call) -> JSONResponse:
    """Each service's deployments (the national one, and each region that runs its own), each with its
    database, outbox and what keeps it from working fully. 503 unless every one is up."""

    async def one(service: str) -> dict[str, Any]:
        try:
            views = await call.rpc.gather(health_rpc(service), HealthRequest(), timeout=2.0, request_id=call.request_id)
        except (DomainError, RemoteError) as exc:
            return {"status": "down", "error": str(exc)}
        deployments = [
            {"status": "up" if v.database == "ok" and not v.problems else "degraded", **v.model_dump(mode="json")}
            for v in views
        ]
        status = "up" if all(d["status"] == "up" for d in deployments) else "degraded"
        return {"status": status, "deployments": deployments}

    results = dict(zip(SERVICES, await asyncio.gather(*(one(s) for s in SERVICES)), strict=True))
    healthy = all(r["status"] == "up" for r in results.values())
    return JSONResponse(
        {"status": "up" if healthy else "degraded", "services": results}, status_code=200 if healthy else 503
    )
