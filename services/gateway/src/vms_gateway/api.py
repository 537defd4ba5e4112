"""REST API v1: each route is one or two NATS requests to the services that own the data, sent as the account
signed in (or as an anonymous visitor), after the gateway's own check (`vms_gateway.guard`)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from vms_contracts.actor import Actor, Role
from vms_contracts.events.registry import ConsentKind
from vms_contracts.regions import ProvinceCode
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_contracts.rpc.health import HealthRequest, HealthView, health_rpc
from vms_contracts.subjects import SERVICES
from vms_contracts.types import Id
from vms_gateway.auth import ANONYMOUS, CurrentPrincipal, Principal, actor_of
from vms_gateway.errors import ErrorResponse
from vms_gateway.guard import GuardedRoute, operation, within_scope
from vms_gateway.openapi import BODY, EVERY_ROUTE, refusals
from vms_gateway.state import state_of
from vms_platform.errors import DomainError
from vms_platform.rpc import RemoteError, RpcClient

router = APIRouter(prefix="/api/v1", responses=refusals(*EVERY_ROUTE), route_class=GuardedRoute)

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)


class Services:
    """The services, asked on behalf of one HTTP request: as its actor, with its request id."""

    def __init__(self, rpc: RpcClient, request_id: str, actor: Actor) -> None:
        self.rpc = rpc
        self.request_id = request_id
        self.actor = actor

    async def __call__(self, rpc: Rpc[Req, Res], request: Req, *, timeout: float | None = None) -> Res:
        """Ask the instance of the region that owns what the request is about (the region is in the id); within
        `timeout` seconds, or the gateway's RPC timeout."""
        return await self.rpc.call(rpc, request, request_id=self.request_id, actor=self.actor, timeout=timeout)

    async def everywhere(self, rpc: Rpc[Req, Res], request: Req) -> list[Res]:
        """Ask every region's deployment once (a volunteer's records may be held in several regions)."""
        return await self.rpc.gather(rpc, request, request_id=self.request_id, actor=self.actor)

    def as_actor(self, actor: Actor) -> Services:
        return Services(self.rpc, self.request_id, actor)


def services_for(request: Request, principal: Principal | None) -> Services:
    """The services as `principal` asks them (an anonymous visitor when None), for this request."""
    return Services(state_of(request).rpc, request.state.request_id, actor_of(principal))


async def services(request: Request, principal: CurrentPrincipal) -> Services:
    return services_for(request, principal)


Call = Annotated[Services, Depends(services)]


def _request(model: type[Req], **values: Any) -> Req:
    """A service's request, made from what the client sent. A rule of that request which the route's own body model
    does not check is still the client's error: a 422 naming the field, not a failure of the gateway."""
    try:
        return model(**values)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


Limit = Annotated[int, Query(ge=1, le=500, description="How many items at most (1–500)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="How many items to skip first")]


# -- management centres ----------------------------------------------------------------------------------------


@router.post(
    "/centres",
    status_code=201,
    tags=["centres"],
    summary="관리센터 등록",
    responses=refusals(*BODY, 409, 504),
    openapi_extra=operation(registry_rpc.REGISTER_CENTRE.operation),
)
async def register_centre(body: registry_rpc.RegisterCentre, call: Call) -> registry_rpc.CentreView:
    within_scope(call.actor, registry_rpc.REGISTER_CENTRE.operation, region=body.region)
    return await call(registry_rpc.REGISTER_CENTRE, body)


@router.get(
    "/centres/{centre_id}",
    tags=["centres"],
    summary="관리센터 조회",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.GET_CENTRE.operation),
)
async def get_centre(centre_id: Id, call: Call) -> registry_rpc.CentreView:
    return await call(registry_rpc.GET_CENTRE, registry_rpc.CentreRef(centre_id=centre_id))


@router.get(
    "/regions/{region}/centres",
    tags=["centres"],
    summary="지역의 관리센터 목록",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.LIST_CENTRES.operation),
)
async def list_centres(
    region: ProvinceCode,
    call: Call,
    status: Annotated[registry_rpc.CentreStatus | None, Query(description="Only centres in this state")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> registry_rpc.CentreList:
    query = registry_rpc.ListCentres(region=region, status=status, limit=limit, offset=offset)
    return await call(registry_rpc.LIST_CENTRES, query)


@router.post(
    "/centres/{centre_id}/activities",
    status_code=201,
    tags=["hours"],
    summary="봉사활동 실적 입력",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(hours_rpc.RECORD_ACTIVITY.operation),
)
async def record_activity(centre_id: Id, body: hours_rpc.ActivityDetails, call: Call) -> hours_rpc.ActivityView:
    within_scope(call.actor, hours_rpc.RECORD_ACTIVITY.operation, centre=centre_id)
    return await call(hours_rpc.RECORD_ACTIVITY, _request(hours_rpc.RecordActivity, centre_id=centre_id, **dict(body)))


@router.post(
    "/centres/{centre_id}/activities/batch",
    tags=["hours"],
    summary="봉사활동 실적 일괄 입력 (all rows or none, or the clean rows; every refused row named)",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(hours_rpc.RECORD_ACTIVITIES.operation),
)
async def record_activities(centre_id: Id, body: hours_rpc.ActivityBatch, call: Call) -> hours_rpc.RecordedActivities:
    within_scope(call.actor, hours_rpc.RECORD_ACTIVITIES.operation, centre=centre_id)
    return await call(
        hours_rpc.RECORD_ACTIVITIES, _request(hours_rpc.RecordActivities, centre_id=centre_id, **dict(body))
    )


@router.get(
    "/centres/{centre_id}/activities",
    tags=["hours"],
    summary="관리센터의 봉사활동 실적 목록",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.LIST_CENTRE_ACTIVITIES.operation),
)
async def list_centre_activities(
    centre_id: Id,
    call: Call,
    status: Annotated[hours_rpc.ActivityStatus | None, Query(description="Only records in this state")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> hours_rpc.ActivityList:
    within_scope(call.actor, hours_rpc.LIST_CENTRE_ACTIVITIES.operation, centre=centre_id)
    query = hours_rpc.CentreActivities(centre_id=centre_id, status=status, limit=limit, offset=offset)
    return await call(hours_rpc.LIST_CENTRE_ACTIVITIES, query)


@router.get(
    "/activities/{activity_id}",
    tags=["hours"],
    summary="봉사활동 실적 조회",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.GET_ACTIVITY.operation),
)
async def get_activity(activity_id: Id, call: Call) -> hours_rpc.ActivityView:
    return await call(hours_rpc.GET_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity_id))


@router.post(
    "/activities/{activity_id}/confirm",
    tags=["hours"],
    summary="봉사활동 실적 확인",
    responses=refusals(404, 409, 422, 504),
    openapi_extra=operation(hours_rpc.CONFIRM_ACTIVITY.operation),
)
async def confirm_activity(activity_id: Id, call: Call) -> hours_rpc.ActivityView:
    return await call(hours_rpc.CONFIRM_ACTIVITY, hours_rpc.ActivityRef(activity_id=activity_id))


@router.post(
    "/activities/{activity_id}/reject",
    tags=["hours"],
    summary="봉사활동 실적 반려",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(hours_rpc.REJECT_ACTIVITY.operation),
)
async def reject_activity(activity_id: Id, body: hours_rpc.Reasoned, call: Call) -> hours_rpc.ActivityView:
    return await call(
        hours_rpc.REJECT_ACTIVITY, _request(hours_rpc.RejectActivity, activity_id=activity_id, reason=body.reason)
    )


@router.post(
    "/activities/{activity_id}/correct",
    tags=["hours"],
    summary="확인된 봉사활동 실적 정정",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(hours_rpc.CORRECT_ACTIVITY.operation),
)
async def correct_activity(activity_id: Id, body: hours_rpc.Correction, call: Call) -> hours_rpc.ActivityView:
    return await call(
        hours_rpc.CORRECT_ACTIVITY, _request(hours_rpc.CorrectActivity, activity_id=activity_id, **dict(body))
    )


@router.post(
    "/activities/{activity_id}/cancel",
    tags=["hours"],
    summary="확인된 봉사활동 실적 취소",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(hours_rpc.CANCEL_ACTIVITY.operation),
)
async def cancel_activity(activity_id: Id, body: hours_rpc.Reasoned, call: Call) -> hours_rpc.ActivityView:
    return await call(
        hours_rpc.CANCEL_ACTIVITY, _request(hours_rpc.CancelActivity, activity_id=activity_id, reason=body.reason)
    )


@router.get(
    "/activities/{activity_id}/history",
    tags=["hours"],
    summary="봉사활동 실적 변경 이력",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.GET_ACTIVITY_HISTORY.operation),
)
async def get_activity_history(activity_id: Id, call: Call) -> hours_rpc.ActivityHistory:
    return await call(hours_rpc.GET_ACTIVITY_HISTORY, hours_rpc.ActivityRef(activity_id=activity_id))


@router.get(
    "/regions/{region}/access-records",
    tags=["councils"],
    summary="개인정보 열람 기록",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.LIST_ACCESS_RECORDS.operation),
)
async def list_access_records(
    region: ProvinceCode,
    call: Call,
    volunteer_id: Annotated[Id | None, Query(description="Only the reads of this volunteer's data")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> registry_rpc.AccessRecordList:
    within_scope(call.actor, registry_rpc.LIST_ACCESS_RECORDS.operation, region=region)
    query = registry_rpc.AccessRecordsRequest(region=region, volunteer_id=volunteer_id, limit=limit, offset=offset)
    return await call(registry_rpc.LIST_ACCESS_RECORDS, query)


# -- volunteers ------------------------------------------------------------------------------------------------
# 회원가입 (`POST /volunteers`) is where an account is opened: `vms_gateway.accounts_api`.


@router.get(
    "/volunteers/{volunteer_id}",
    tags=["volunteers"],
    summary="회원정보",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.GET_VOLUNTEER.operation),
)
async def get_volunteer(volunteer_id: Id, call: Call) -> registry_rpc.VolunteerView:
    within_scope(call.actor, registry_rpc.GET_VOLUNTEER.operation, volunteer=volunteer_id)
    return await call(registry_rpc.GET_VOLUNTEER, registry_rpc.VolunteerRef(volunteer_id=volunteer_id))


@router.put(
    "/volunteers/{volunteer_id}/consents/{consent}",
    tags=["volunteers"],
    summary="연계 동의 (마이페이지 → 회원정보 → 개인정보 → 1365자원봉사포털 연계동의)",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(registry_rpc.SET_CONSENT.operation),
)
async def set_consent(
    volunteer_id: Id, consent: ConsentKind, body: registry_rpc.ConsentChoice, call: Call
) -> registry_rpc.ConsentView:
    within_scope(call.actor, registry_rpc.SET_CONSENT.operation, volunteer=volunteer_id)
    return await call(
        registry_rpc.SET_CONSENT,
        _request(registry_rpc.SetConsent, volunteer_id=volunteer_id, consent=consent, granted=body.granted),
    )


@router.get(
    "/volunteers/{volunteer_id}/activities",
    tags=["volunteers"],
    summary="봉사실적조회",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.LIST_ACTIVITIES.operation),
)
async def list_activities(volunteer_id: Id, call: Call) -> hours_rpc.ActivityList:
    if call.actor.role is Role.VOLUNTEER:
        # A volunteer's records may be kept by centres of any region: a centre manager and a council get the list
        # cut to their centres or region by the service, and only another volunteer is refused outright.
        within_scope(call.actor, hours_rpc.LIST_ACTIVITIES.operation, volunteer=volunteer_id)
    parts = await call.everywhere(hours_rpc.LIST_ACTIVITIES, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id))
    items = {item.id: item for part in parts for item in part.items}
    return hours_rpc.ActivityList(items=sorted(items.values(), key=lambda a: (a.activity_date, a.start_time)))


@router.get(
    "/volunteers/{volunteer_id}/totals",
    tags=["volunteers"],
    summary="봉사실적 누계 (연도별·월별·분야별, 헌혈 별도)",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.GET_VOLUNTEER_TOTALS.operation),
)
async def get_volunteer_totals(volunteer_id: Id, call: Call) -> hours_rpc.VolunteerTotals:
    within_scope(call.actor, hours_rpc.GET_VOLUNTEER_TOTALS.operation, volunteer=volunteer_id)
    return await volunteer_totals(call, volunteer_id)


async def volunteer_totals(call: Services, volunteer_id: UUID) -> hours_rpc.VolunteerTotals:
    """Each deployment keeps the records of its own regions' centres: the volunteer's totals are their sum."""
    parts = await call.everywhere(
        hours_rpc.GET_VOLUNTEER_TOTALS, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id)
    )
    return hours_rpc.VolunteerTotals(volunteer_id=volunteer_id, **hours_rpc.add_up(parts))


@router.get(
    "/centres/{centre_id}/totals",
    tags=["hours"],
    summary="관리센터의 봉사실적 누계",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.GET_CENTRE_TOTALS.operation),
)
async def get_centre_totals(centre_id: Id, call: Call) -> hours_rpc.CentreTotals:
    within_scope(call.actor, hours_rpc.GET_CENTRE_TOTALS.operation, centre=centre_id)
    return await call(hours_rpc.GET_CENTRE_TOTALS, hours_rpc.CentreTotalsRequest(centre_id=centre_id))


@router.get(
    "/regions/{region}/totals",
    tags=["councils"],
    summary="시·도의 봉사실적 누계",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.GET_REGION_TOTALS.operation),
)
async def get_region_totals(region: ProvinceCode, call: Call) -> hours_rpc.RegionTotals:
    within_scope(call.actor, hours_rpc.GET_REGION_TOTALS.operation, region=region)
    return await call(hours_rpc.GET_REGION_TOTALS, hours_rpc.RegionTotalsRequest(region=region))


@router.get(
    "/volunteers/{volunteer_id}/hours",
    tags=["volunteers"],
    summary="누적 봉사시간",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(rewards_rpc.GET_TOTAL.operation),
)
async def get_total(volunteer_id: Id, call: Call) -> rewards_rpc.TotalView:
    within_scope(call.actor, rewards_rpc.GET_TOTAL.operation, volunteer=volunteer_id)
    return await call(rewards_rpc.GET_TOTAL, rewards_rpc.TotalRequest(volunteer_id=volunteer_id))


@router.get(
    "/volunteers/{volunteer_id}/transfers",
    tags=["volunteers"],
    summary="1365 연계 현황",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(linkage_rpc.LIST_TRANSFERS.operation),
)
async def list_transfers(volunteer_id: Id, call: Call) -> linkage_rpc.TransferList:
    within_scope(call.actor, linkage_rpc.LIST_TRANSFERS.operation, volunteer=volunteer_id)
    return await call(linkage_rpc.LIST_TRANSFERS, linkage_rpc.TransfersRequest(volunteer_id=volunteer_id))


# -- operations ------------------------------------------------------------------------------------------------


class DeploymentHealth(HealthView):
    status: Literal["up", "degraded"]


class ServiceHealth(BaseModel):
    status: Literal["up", "degraded", "down"]
    deployments: list[DeploymentHealth] = Field(default_factory=list, description="each deployment that answered")
    error: str | None = Field(default=None, description="why the service could not be asked (when down)")


class SystemHealth(BaseModel):
    status: Literal["up", "degraded"]
    services: dict[str, ServiceHealth]


@router.get(
    "/health",
    tags=["operations"],
    summary="Is every service up, in every region?",
    response_model=SystemHealth,
    responses={
        503: {
            "model": SystemHealth | ErrorResponse,
            "description": "Some service is down or degraded (the same report), or the gateway is too busy to ask.",
        }
    },
)
async def health(request: Request) -> JSONResponse:
    """Each service's deployments (the national one, and each region that runs its own), each with its
    database, outbox and what keeps it from working fully. 503 unless every one is up."""

    # Asked as an anonymous visitor: the operators' probes sign in as no one.
    rpc, request_id = state_of(request).rpc, request.state.request_id

    async def one(service: str) -> ServiceHealth:
        try:
            views = await rpc.gather(
                health_rpc(service), HealthRequest(), timeout=2.0, request_id=request_id, actor=ANONYMOUS
            )
        except (DomainError, RemoteError) as exc:
            return ServiceHealth(status="down", error=str(exc))
        deployments = [
            DeploymentHealth(
                status="up" if v.database == "ok" and not v.problems and v.ready is not False else "degraded", **dict(v)
            )
            for v in views
        ]
        status = "up" if all(d.status == "up" for d in deployments) else "degraded"
        return ServiceHealth(status=status, deployments=deployments)

    results = dict(zip(SERVICES, await asyncio.gather(*(one(s) for s in SERVICES)), strict=True))
    healthy = all(r.status == "up" for r in results.values())
    report = SystemHealth(status="up" if healthy else "degraded", services=results)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if healthy else 503)
