"""REST API v1 of the registry's volunteers' profiles, centres' accreditation, recruitments (봉사자모집), applications
(봉사신청), orientation (소양교육), community service teams (지역사회봉사단), recommendations (희망봉사활동 → 추천), and
the brochure's reference data.

Each route is one request to the registry instance that owns what it names (its region is written in the id), after
the gateway's own check (`vms_gateway.guard`). A list that spans every region — the search of recruitments without
a region, a volunteer's applications — asks each region's deployment for its first `offset + limit` items, merges
them in the registry's own order and cuts the page here (`merged_page`); the portal calls the same functions
(`search_recruitments_everywhere`, `volunteer_applications`). Withdrawing (회원탈퇴) closes the gateway's account
too, and is in `vms_gateway.accounts_api`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, StrictBool, StrictInt, ValidationError

from vms_contracts.actor import Role
from vms_contracts.ids import region_of
from vms_contracts.reference import (
    ACTIVITY_TYPE_LABELS,
    COUNCILS,
    NATIONAL_LINE,
    SUB_FIELDS,
    TEAM_FIELD_LABELS,
    ActivityType,
    DistrictCode,
    TeamField,
    districts,
)
from vms_contracts.regions import ProvinceCode
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import (
    MAX_PARTY,
    MAX_TEAM,
    MIN_GROUP,
    ApplicationList,
    ApplicationStatus,
    ApplicationView,
    Eligibility,
    GuardianRelation,
    RecruitmentList,
    RecruitmentSort,
    RecruitmentView,
    SearchRecruitments,
    SearchTeams,
    TeamApplicationKind,
    TeamList,
    TeamStatus,
    TeamView,
)
from vms_contracts.types import (
    CalendarDate,
    Id,
    LongText,
    PersonName,
    PhoneNumber,
    RequestModel,
    ShortText,
    Talent,
    Unique,
)
from vms_gateway.api import Call, Limit, Offset, Services, _request
from vms_gateway.guard import GuardedRoute, operation, within_scope
from vms_gateway.openapi import BODY, EVERY_ROUTE, refusals
from vms_platform.actor import OutOfScope, refused

router = APIRouter(prefix="/api/v1", responses=refusals(*EVERY_ROUTE), route_class=GuardedRoute)

MAX_WINDOW = 10_000
"""How deep a list reaches: `offset + limit` at most. Each region is asked for its first `offset + limit` items to
merge, so a page further down is refused (422 on `offset`) rather than made by reading tens of thousands of rows;
a narrower search finds it."""

MAX_PAGE = 500
"""The most items one request to a service returns (`vms_contracts.types.PageLimit`)."""

WindowOffset = Annotated[
    int,
    Query(ge=0, le=MAX_WINDOW - 1, description=f"How many items to skip first (`offset + limit` at most {MAX_WINDOW})"),
]


# -- requests made of what the client sent -----------------------------------------------------------------------------

Req = TypeVar("Req", bound=BaseModel)


def query_request(model: type[Req], **values: Any) -> Req:
    """A service's request made of a route's query parameters: a rule over several of them (a sub-field without its
    activity type, a district outside the region) is a 422 naming the parameter, as one of a wrong shape is."""
    try:
        return model(**values)
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def check_window(offset: int, limit: int) -> None:
    """Refuse (422 on `offset`, saying how far it may go with this `limit`) a page ending deeper than `MAX_WINDOW`."""
    if offset + limit > MAX_WINDOW:
        deepest = MAX_WINDOW - limit
        raise RequestValidationError(
            [
                {
                    "type": "less_than_equal",
                    "loc": ("query", "offset"),
                    "msg": f"offset + limit is at most {MAX_WINDOW}: with limit {limit}, offset is at most {deepest}",
                    "input": offset,
                    "ctx": {"le": deepest},
                }
            ]
        )


# -- one page of a list held in several regions ------------------------------------------------------------------------


class _Identified(Protocol):
    @property
    def id(self) -> UUID: ...


Item = TypeVar("Item", bound=_Identified)
Item_co = TypeVar("Item_co", bound=_Identified, covariant=True)


class Page(Protocol[Item_co]):
    """A page of a list, as one region's deployment answers it (`RecruitmentList`, `ApplicationList`)."""

    @property
    def items(self) -> Sequence[Item_co]: ...

    @property
    def total(self) -> int: ...


@dataclass
class RegionPage(Generic[Item]):
    """One deployment's first items of a list, and how many it holds in all."""

    items: list[Item]
    total: int


@dataclass(frozen=True)
class Order(Generic[Item]):
    """The order a list is kept in by the registry: a sort key ending in the id (the tie-break), and its direction."""

    key: Callable[[Item], tuple[Any, ...]]
    descending: bool


RECRUITMENT_ORDER: dict[RecruitmentSort, Order[RecruitmentView]] = {
    RecruitmentSort.NEWEST: Order(lambda r: (r.posted_at, r.id), descending=True),
    RecruitmentSort.STARTING: Order(lambda r: (r.start_date, r.id), descending=False),
    # The last day to apply: the deadline, or the activity's last day when it has none.
    RecruitmentSort.CLOSING: Order(lambda r: (r.apply_until or r.end_date, r.id), descending=False),
}
"""How the registry sorts a search (`SearchRecruitments.sort`), so that pages of several regions merge alike."""

APPLICATION_ORDER: Order[ApplicationView] = Order(lambda a: (a.applied_at, a.id), descending=True)
"""Applications, newest first."""

TEAM_ORDER: Order[TeamView] = Order(lambda team: (team.applied_at, team.id), descending=True)
"""Community service teams, the latest application first (`SearchTeams`)."""


def merged_page(pages: Sequence[Page[Item]], order: Order[Item], *, offset: int, limit: int) -> tuple[list[Item], int]:
    """The page `offset`…`offset + limit` of one list held by several regions, from each region's first
    `offset + limit` items in `order`; and the list's total, the sum of theirs. An item answered twice (a region
    served by two deployments while one moves) counts once on the page."""
    unique = {item.id: item for page in pages for item in page.items}
    ranked = sorted(unique.values(), key=order.key, reverse=order.descending)
    return ranked[offset : offset + limit], sum(page.total for page in pages)


async def first_items(ask: Callable[[int, int], Awaitable[Sequence[Page[Item]]]], count: int) -> list[RegionPage[Item]]:
    """Each deployment's first `count` items: `ask(offset, limit)` asks every deployment for one page, in the same
    order each time (`RpcClient.gather`); pages beyond the first are asked only of a list that holds more."""
    size = min(count, MAX_PAGE)
    pages = [RegionPage(list(page.items), page.total) for page in await ask(0, size)]
    start = size
    while start < count and any(page.total > start for page in pages):
        size = min(count - start, MAX_PAGE)
        further = await ask(start, size)
        for page, more in zip(pages, further, strict=False):
            page.items.extend(more.items)
        start += size
    return pages


def _search_region(query: SearchRecruitments) -> str | None:
    """The one region a search can only find recruitments in: the region asked for, or the district's, or the
    centre's."""
    if query.region is not None:
        return query.region
    if query.district is not None:
        return districts()[query.district].region
    if query.centre_id is not None:
        return region_of(query.centre_id)
    return None


async def search_recruitments_everywhere(call: Services, query: SearchRecruitments) -> RecruitmentList:
    """봉사자모집 검색: in the one region the query names (its region, district or centre), else in every region,
    merged in the query's order with the total of all. The caller keeps `offset + limit` within `MAX_WINDOW`
    (`check_window`): each region is asked for that many."""
    region = _search_region(query)
    if region is not None:
        return await call.rpc.call(
            registry_rpc.SEARCH_RECRUITMENTS, query, region=region, request_id=call.request_id, actor=call.actor
        )

    async def ask(offset: int, limit: int) -> list[RecruitmentList]:
        page = query.model_copy(update={"offset": offset, "limit": limit})
        return await call.everywhere(registry_rpc.SEARCH_RECRUITMENTS, page)

    pages = await first_items(ask, query.offset + query.limit)
    items, total = merged_page(pages, RECRUITMENT_ORDER[query.sort], offset=query.offset, limit=query.limit)
    return RecruitmentList(items=items, total=total)


async def search_teams_everywhere(call: Services, query: SearchTeams) -> TeamList:
    """지역사회봉사단 조회: in the region the query names, else in every region, merged newest first with the total
    of all. The caller keeps `offset + limit` within `MAX_WINDOW` (`check_window`): each region is asked for that
    many."""
    if query.region is not None:
        return await call.rpc.call(
            registry_rpc.SEARCH_TEAMS, query, region=query.region, request_id=call.request_id, actor=call.actor
        )

    async def ask(offset: int, limit: int) -> list[TeamList]:
        page = query.model_copy(update={"offset": offset, "limit": limit})
        return await call.everywhere(registry_rpc.SEARCH_TEAMS, page)

    pages = await first_items(ask, query.offset + query.limit)
    items, total = merged_page(pages, TEAM_ORDER, offset=query.offset, limit=query.limit)
    return TeamList(items=items, total=total)


async def volunteer_applications(
    call: Services,
    volunteer_id: UUID,
    *,
    status: ApplicationStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ApplicationList:
    """A volunteer's applications in every region (they may apply to any region's recruitments), newest first, as
    far as the asker may see them (a centre its own centres', a council its region's). The caller keeps
    `offset + limit` within `MAX_WINDOW` (`check_window`)."""

    async def ask(start: int, size: int) -> list[ApplicationList]:
        query = registry_rpc.ListApplications(volunteer_id=volunteer_id, status=status, limit=size, offset=start)
        return await call.everywhere(registry_rpc.LIST_APPLICATIONS, query)

    pages = await first_items(ask, offset + limit)
    items, total = merged_page(pages, APPLICATION_ORDER, offset=offset, limit=limit)
    return ApplicationList(items=items, total=total)


# -- reference data ----------------------------------------------------------------------------------------------------
# The brochure's lists, answered from the contracts (`vms_contracts.reference`) to anyone: forms and integrators read
# the codes and their names here.


class Label(BaseModel):
    code: str
    ko: str
    en: str


class CouncilView(BaseModel):
    region: str = Field(description="`00` for the central council, else the 2-digit 시·도 code")
    name: str
    homepage: str
    phone: str
    address: str | None


class CouncilList(BaseModel):
    national_line: str = Field(description="전국대표번호, weekdays 09:00–18:00")
    items: list[CouncilView]
    """The central council first, then the 17 regional councils in the brochure's order."""


class ActivityTypeView(Label):
    sub_fields: list[Label] = Field(description="세부분야")


class ActivityTypeList(BaseModel):
    items: list[ActivityTypeView]


class TeamFieldView(Label):
    examples_ko: str
    examples_en: str


class TeamFieldList(BaseModel):
    items: list[TeamFieldView]


class DistrictView(BaseModel):
    code: str = Field(description="5-digit 시·군·구 code")
    region: str = Field(description="its 2-digit 시·도 code")
    name: str


class DistrictList(BaseModel):
    items: list[DistrictView]
    """By code."""


@router.get(
    "/reference/councils", tags=["reference"], summary="사회복지자원봉사인증관리본부 (중앙회와 17개 시·도 협의회)"
)
async def list_councils() -> CouncilList:
    return CouncilList(
        national_line=NATIONAL_LINE,
        items=[
            CouncilView(region=c.region, name=c.name, homepage=c.homepage, phone=c.phone, address=c.address)
            for c in COUNCILS
        ],
    )


@router.get("/reference/activity-types", tags=["reference"], summary="봉사활동 분류와 세부분야")
async def list_activity_types() -> ActivityTypeList:
    return ActivityTypeList(
        items=[
            ActivityTypeView(
                code=kind.value,
                ko=ACTIVITY_TYPE_LABELS[kind].ko,
                en=ACTIVITY_TYPE_LABELS[kind].en,
                sub_fields=[Label(code=s.code, ko=s.ko, en=s.en) for s in SUB_FIELDS[kind]],
            )
            for kind in ActivityType
        ]
    )


@router.get("/reference/team-fields", tags=["reference"], summary="지역사회봉사단 활동분야")
async def list_team_fields() -> TeamFieldList:
    return TeamFieldList(
        items=[
            TeamFieldView(code=f.code, ko=f.ko, en=f.en, examples_ko=f.examples_ko, examples_en=f.examples_en)
            for f in TEAM_FIELD_LABELS.values()
        ]
    )


@router.get("/reference/districts", tags=["reference"], summary="시·군·구 목록", responses=refusals(422))
async def list_districts(
    region: Annotated[ProvinceCode | None, Query(description="Only the 시·군·구 of this 시·도")] = None,
) -> DistrictList:
    found = sorted(districts().values(), key=lambda d: d.code)
    return DistrictList(
        items=[DistrictView(code=d.code, region=d.region, name=d.name) for d in found if region in (None, d.region)]
    )


# -- volunteers --------------------------------------------------------------------------------------------------------


class ProfileUpdate(registry_rpc.VolunteerProfile):
    """회원정보 수정: the profile as it should now be, whole (what is left out is emptied), and the phone. The name and
    birth date are who the volunteer is and are not changed here."""

    phone: PhoneNumber = Field(description="휴대전화", examples=["010-1234-5678"])


class GuardianConsent(RequestModel):
    """법정대리인 동의, for a volunteer under 14."""

    guardian_name: PersonName = Field(description="보호자 성명", examples=["홍부모"])
    guardian_phone: PhoneNumber = Field(description="보호자 연락처", examples=["010-9876-5432"])
    relation: GuardianRelation
    consented: StrictBool = Field(description="보호자가 동의함: must be true")


@router.put(
    "/volunteers/{volunteer_id}",
    tags=["volunteers"],
    summary="회원정보 수정",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(registry_rpc.UPDATE_VOLUNTEER.operation),
)
async def update_volunteer(volunteer_id: Id, body: ProfileUpdate, call: Call) -> registry_rpc.VolunteerView:
    within_scope(call.actor, registry_rpc.UPDATE_VOLUNTEER.operation, volunteer=volunteer_id)
    update = _request(registry_rpc.UpdateVolunteer, volunteer_id=volunteer_id, **dict(body))
    return await call(registry_rpc.UPDATE_VOLUNTEER, update)


@router.put(
    "/volunteers/{volunteer_id}/guardian-consent",
    tags=["volunteers"],
    summary="법정대리인 동의 (만 14세 미만)",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.RECORD_GUARDIAN_CONSENT.operation),
)
async def record_guardian_consent(volunteer_id: Id, body: GuardianConsent, call: Call) -> registry_rpc.GuardianView:
    within_scope(call.actor, registry_rpc.RECORD_GUARDIAN_CONSENT.operation, volunteer=volunteer_id)
    consent = _request(registry_rpc.RecordGuardianConsent, volunteer_id=volunteer_id, **dict(body))
    return await call(registry_rpc.RECORD_GUARDIAN_CONSENT, consent)


class Relocation(RequestModel):
    """이사: the 시·도 (and, if known, the 시·군·구) the volunteer now lives in. The id stays; the registry of the new
    region keeps the volunteer from now on (handed over by event where another deployment keeps that region)."""

    region: ProvinceCode = Field(description="2-digit 시·도 code of the new residence", examples=["26"])
    district: DistrictCode | None = Field(default=None, description="새 거주 시·군·구, in `region`", examples=["26350"])


@router.put(
    "/volunteers/{volunteer_id}/region",
    tags=["volunteers"],
    summary="이사: 거주 시·도 변경",
    description="`state` is `moved` when the new region's registry keeps the volunteer already, `handing_over` while "
    "their record is handed over to another deployment's registry (read as before, changed by no one meanwhile).",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.MOVE_VOLUNTEER.operation),
)
async def move_volunteer(volunteer_id: Id, body: Relocation, call: Call) -> registry_rpc.MoveView:
    within_scope(call.actor, registry_rpc.MOVE_VOLUNTEER.operation, volunteer=volunteer_id)
    move = _request(registry_rpc.MoveVolunteer, volunteer_id=volunteer_id, **dict(body))
    return await call(registry_rpc.MOVE_VOLUNTEER, move)


@router.get(
    "/volunteers/{volunteer_id}/applications",
    tags=["volunteers"],
    summary="나의 봉사신청 목록",
    description="The volunteer's applications in every region, newest first. A centre manager sees those to its "
    "own centres, a council those in its region.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.LIST_APPLICATIONS.operation),
)
async def list_volunteer_applications(
    volunteer_id: Id,
    call: Call,
    status: Annotated[ApplicationStatus | None, Query(description="Only applications in this state")] = None,
    limit: Limit = 100,
    offset: WindowOffset = 0,
) -> ApplicationList:
    if call.actor.role is Role.VOLUNTEER:
        # A centre manager and a council get the list cut to their centres or region by the service; only another
        # volunteer is refused outright.
        within_scope(call.actor, registry_rpc.LIST_APPLICATIONS.operation, volunteer=volunteer_id)
    check_window(offset, limit)
    return await volunteer_applications(call, volunteer_id, status=status, limit=limit, offset=offset)


# -- management centres ------------------------------------------------------------------------------------------------


class Suspension(RequestModel):
    reason: ShortText = Field(description="정지 사유", examples=["운영 점검 중"])


@router.post(
    "/centres/{centre_id}/accredit",
    tags=["centres"],
    summary="관리센터 인증",
    description="A registered or suspended centre becomes accredited by its regional council: it may post "
    "recruitments, and its recruitments take applications.",
    responses=refusals(404, 409, 422, 504),
    openapi_extra=operation(registry_rpc.ACCREDIT_CENTRE.operation),
)
async def accredit_centre(centre_id: Id, call: Call) -> registry_rpc.CentreView:
    within_scope(call.actor, registry_rpc.ACCREDIT_CENTRE.operation, centre=centre_id)
    return await call(registry_rpc.ACCREDIT_CENTRE, registry_rpc.CentreStatusChange(centre_id=centre_id))


@router.post(
    "/centres/{centre_id}/suspend",
    tags=["centres"],
    summary="관리센터 정지",
    description="The centre posts no recruitments and its recruitments take no applications until it is accredited "
    "again; the reason is kept and shown.",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.SUSPEND_CENTRE.operation),
)
async def suspend_centre(centre_id: Id, body: Suspension, call: Call) -> registry_rpc.CentreView:
    within_scope(call.actor, registry_rpc.SUSPEND_CENTRE.operation, centre=centre_id)
    change = registry_rpc.CentreStatusChange(centre_id=centre_id, reason=body.reason)
    return await call(registry_rpc.SUSPEND_CENTRE, change)


# -- recruitments (봉사자모집) -----------------------------------------------------------------------------------------


@router.post(
    "/centres/{centre_id}/recruitments",
    status_code=201,
    tags=["recruitments"],
    summary="봉사자모집 등록",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.POST_RECRUITMENT.operation),
)
async def post_recruitment(
    centre_id: Id, body: registry_rpc.RecruitmentDetails, call: Call
) -> registry_rpc.RecruitmentView:
    within_scope(call.actor, registry_rpc.POST_RECRUITMENT.operation, centre=centre_id)
    posting = _request(registry_rpc.PostRecruitment, centre_id=centre_id, **dict(body))
    return await call(registry_rpc.POST_RECRUITMENT, posting)


@router.put(
    "/recruitments/{recruitment_id}",
    tags=["recruitments"],
    summary="봉사자모집 수정",
    description="The recruitment as it should now be, whole. Only an open one is edited, and its capacity never "
    "drops below the people already taken.",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.UPDATE_RECRUITMENT.operation),
)
async def update_recruitment(
    recruitment_id: Id, body: registry_rpc.RecruitmentDetails, call: Call
) -> registry_rpc.RecruitmentView:
    update = _request(registry_rpc.UpdateRecruitment, recruitment_id=recruitment_id, **dict(body))
    return await call(registry_rpc.UPDATE_RECRUITMENT, update)


@router.post(
    "/recruitments/{recruitment_id}/close",
    tags=["recruitments"],
    summary="봉사자모집 마감",
    description="It takes no more applications; those already made stand. Closing a closed one changes nothing.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.CLOSE_RECRUITMENT.operation),
)
async def close_recruitment(recruitment_id: Id, call: Call) -> registry_rpc.RecruitmentView:
    ref = registry_rpc.RecruitmentRef(recruitment_id=recruitment_id)
    return await call(registry_rpc.CLOSE_RECRUITMENT, ref)


@router.get(
    "/recruitments/{recruitment_id}",
    tags=["recruitments"],
    summary="봉사자모집 상세",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.GET_RECRUITMENT.operation),
)
async def get_recruitment(recruitment_id: Id, call: Call) -> registry_rpc.RecruitmentView:
    return await call(registry_rpc.GET_RECRUITMENT, registry_rpc.RecruitmentRef(recruitment_id=recruitment_id))


@router.get(
    "/recruitments",
    tags=["recruitments"],
    summary="봉사자모집 검색 (봉사신청 → 봉사자모집 및 신청)",
    description="By activity field and region, the day, words, who may apply and the centre; every filter optional, "
    "a recruitment matches all those given. Without a region (district or centre), every region is searched and "
    f"the results merged: `total` counts them all, and `offset + limit` is at most {MAX_WINDOW}.",
    responses=refusals(422, 503, 504),
    openapi_extra=operation(registry_rpc.SEARCH_RECRUITMENTS.operation),
)
async def search_recruitments(
    call: Call,
    activity_type: Annotated[ActivityType | None, Query(description="봉사활동 분류")] = None,
    sub_field: Annotated[
        str | None, Query(max_length=40, description="세부분야: a sub-field code of `activity_type`")
    ] = None,
    region: Annotated[ProvinceCode | None, Query(description="2-digit 시·도 code")] = None,
    district: Annotated[DistrictCode | None, Query(description="5-digit 시·군·구 code")] = None,
    on_date: Annotated[
        CalendarDate | None, Query(description="Runs on this day (`YYYY-MM-DD`, between its start and end)")
    ] = None,
    # Text of a line (checked by the request model, `ShortText`), at most 50 characters: a plain string here, so
    # that a longer one is told its length in characters.
    keyword: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=50,
            description="Words, each in the title, place, description or centre name (a Korean word of 2 characters, "
            "such as `말벗`, is found too)",
        ),
    ] = None,
    eligibility: Annotated[Eligibility | None, Query(description="Open to this kind of applicant")] = None,
    centre_id: Annotated[Id | None, Query(description="Only this centre's")] = None,
    open_only: Annotated[bool, Query(description="Only recruitments taking applications now")] = True,
    sort: Annotated[RecruitmentSort, Query(description="newest, starting (start date) or closing (deadline)")] = (
        RecruitmentSort.NEWEST
    ),
    limit: Limit = 20,
    offset: WindowOffset = 0,
) -> RecruitmentList:
    check_window(offset, limit)
    query = query_request(
        SearchRecruitments,
        activity_type=activity_type,
        sub_field=sub_field,
        region=region,
        district=district,
        on_date=on_date,
        keyword=keyword,
        eligibility=eligibility,
        centre_id=centre_id,
        open_only=open_only,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return await search_recruitments_everywhere(call, query)


# -- applications (봉사신청) -------------------------------------------------------------------------------------------


class Application(RequestModel):
    volunteer_id: Id = Field(description="The volunteer applying (oneself)")
    party_size: StrictInt = Field(
        default=1, ge=1, le=MAX_PARTY, description="People in the application: more than 1 only as a group"
    )
    note: ShortText | None = Field(default=None, description="A word to the centre")


class Rejection(RequestModel):
    reason: ShortText | None = Field(default=None, description="반려 사유, shown to the volunteer")


class Orientation(RequestModel):
    volunteer_id: Id
    completed_on: CalendarDate = Field(description="이수일, not in the future")


@router.post(
    "/recruitments/{recruitment_id}/applications",
    status_code=201,
    tags=["applications"],
    summary="봉사신청",
    description="The volunteer applies, for themselves (or for a group, where groups are taken). Refused when the "
    "recruitment is closed, past its deadline or its centre suspended (422 `RECRUITMENT_NOT_ACCEPTING`), when its "
    "places are taken (422 `RECRUITMENT_FULL`), or when an application of theirs stands (409 `ALREADY_APPLIED`).",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.APPLY.operation),
)
async def apply(recruitment_id: Id, body: Application, call: Call) -> ApplicationView:
    within_scope(call.actor, registry_rpc.APPLY.operation, volunteer=body.volunteer_id)
    application = _request(registry_rpc.Apply, recruitment_id=recruitment_id, **dict(body))
    return await call(registry_rpc.APPLY, application)


@router.get(
    "/recruitments/{recruitment_id}/applications",
    tags=["applications"],
    summary="봉사신청자 목록",
    description="A recruitment's applicants, newest first: for its centre, its region's council and the central "
    "council.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.LIST_APPLICATIONS.operation),
)
async def list_recruitment_applications(
    recruitment_id: Id,
    call: Call,
    status: Annotated[ApplicationStatus | None, Query(description="Only applications in this state")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> ApplicationList:
    operation_name = registry_rpc.LIST_APPLICATIONS.operation
    if call.actor.role is Role.VOLUNTEER:
        # A recruitment's applicants are its centre's to see: never a volunteer's own record.
        raise OutOfScope(**refused(operation_name, call.actor.role))
    within_scope(call.actor, operation_name, region=region_of(recruitment_id))
    query = registry_rpc.ListApplications(recruitment_id=recruitment_id, status=status, limit=limit, offset=offset)
    return await call(registry_rpc.LIST_APPLICATIONS, query)


@router.post(
    "/applications/{application_id}/cancel",
    tags=["applications"],
    summary="봉사신청 취소",
    description="The volunteer withdraws a standing application; its places are free again. Cancelling a cancelled "
    "one changes nothing.",
    responses=refusals(404, 409, 422, 504),
    openapi_extra=operation(registry_rpc.CANCEL_APPLICATION.operation),
)
async def cancel_application(application_id: Id, call: Call) -> ApplicationView:
    ref = registry_rpc.ApplicationRef(application_id=application_id)
    return await call(registry_rpc.CANCEL_APPLICATION, ref)


@router.post(
    "/applications/{application_id}/accept",
    tags=["applications"],
    summary="봉사신청 승인",
    responses=refusals(404, 409, 422, 504),
    openapi_extra=operation(registry_rpc.ACCEPT_APPLICATION.operation),
)
async def accept_application(application_id: Id, call: Call) -> ApplicationView:
    ref = registry_rpc.ApplicationRef(application_id=application_id)
    return await call(registry_rpc.ACCEPT_APPLICATION, ref)


@router.post(
    "/applications/{application_id}/reject",
    tags=["applications"],
    summary="봉사신청 반려",
    description="The reason, if given, is shown to the volunteer; the places are free again.",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.REJECT_APPLICATION.operation),
)
async def reject_application(application_id: Id, body: Rejection, call: Call) -> ApplicationView:
    rejection = registry_rpc.RejectApplication(application_id=application_id, reason=body.reason)
    return await call(registry_rpc.REJECT_APPLICATION, rejection)


@router.post(
    "/applications/{application_id}/place",
    tags=["applications"],
    summary="배치",
    description="An accepted application is placed (배치), or, where the recruitment asks for orientation (소양교육) "
    "the volunteer has not completed at the centre, waits for it (`awaiting_orientation`).",
    responses=refusals(404, 409, 422, 504),
    openapi_extra=operation(registry_rpc.PLACE_APPLICATION.operation),
)
async def place_application(application_id: Id, call: Call) -> ApplicationView:
    ref = registry_rpc.ApplicationRef(application_id=application_id)
    return await call(registry_rpc.PLACE_APPLICATION, ref)


@router.post(
    "/centres/{centre_id}/orientations",
    status_code=201,
    tags=["applications"],
    summary="소양교육 이수 등록",
    description="The volunteer completed the centre's orientation: their applications to its recruitments that "
    "waited for it are placed now (`placed`).",
    responses=refusals(*BODY, 404, 409, 504),
    openapi_extra=operation(registry_rpc.RECORD_ORIENTATION.operation),
)
async def record_orientation(centre_id: Id, body: Orientation, call: Call) -> registry_rpc.OrientationView:
    within_scope(call.actor, registry_rpc.RECORD_ORIENTATION.operation, centre=centre_id)
    record = _request(registry_rpc.RecordOrientation, centre_id=centre_id, **dict(body))
    return await call(registry_rpc.RECORD_ORIENTATION, record)


# -- recommendations (희망봉사활동 → 추천) -----------------------------------------------------------------------------


@router.get(
    "/volunteers/{volunteer_id}/recommendations",
    tags=["recommendations"],
    summary="추천 봉사자모집 (희망봉사활동에 맞춘)",
    description="Recruitments taking applications now that the volunteer may apply to alone, best first by what "
    "they registered as their wish (희망봉사활동: fields, 시·도, 시·군·구, talents, times), each with its score and "
    "the reasons that made it (`reasons[].detail` is what matched, as the portal shows it).",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.RECOMMEND_RECRUITMENTS.operation),
)
async def recommend_recruitments(
    volunteer_id: Id,
    call: Call,
    limit: Annotated[int, Query(ge=1, le=50, description="How many recruitments at most (1–50)")] = 10,
) -> registry_rpc.RecommendedRecruitments:
    within_scope(call.actor, registry_rpc.RECOMMEND_RECRUITMENTS.operation, volunteer=volunteer_id)
    query = registry_rpc.RecommendRecruitments(volunteer_id=volunteer_id, limit=limit)
    return await call(registry_rpc.RECOMMEND_RECRUITMENTS, query)


@router.get(
    "/recruitments/{recruitment_id}/recommended-volunteers",
    tags=["recommendations"],
    summary="모집에 맞는 봉사자 추천",
    description="For the manager of the recruitment's centre: the volunteers whose wish it fits, best first, each by "
    "a masked name (`홍*동`), a score and the reasons. The full name is the volunteer's to give.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.RECOMMEND_VOLUNTEERS.operation),
)
async def recommend_volunteers(
    recruitment_id: Id,
    call: Call,
    limit: Annotated[int, Query(ge=1, le=100, description="How many volunteers at most (1–100)")] = 20,
) -> registry_rpc.RecommendedVolunteers:
    # Whether the recruitment is one of the manager's centres' is not written in its id: the registry decides.
    query = registry_rpc.RecommendVolunteers(recruitment_id=recruitment_id, limit=limit)
    return await call(registry_rpc.RECOMMEND_VOLUNTEERS, query)


# -- community service teams (지역사회봉사단) -------------------------------------------------------------------------


class TeamApplication(RequestModel):
    """지역사회봉사단 신청, made by its leader (the volunteer signed in) to the council of the region in the path."""

    name: ShortText = Field(description="봉사단 이름", examples=["마포 집수리 봉사단"])
    field: TeamField = Field(description="활동분야 (8 fields: `GET /reference/team-fields`)")
    kind: TeamApplicationKind = Field(
        description=f"individual (개인: alone) or group (단체: {MIN_GROUP} or more, the leader included)"
    )
    member_ids: Annotated[list[Id], Unique] = Field(
        default_factory=list,
        max_length=MAX_TEAM,
        description="단원: the members' volunteer ids (each shown on their own 마이페이지), the leader's or not",
    )
    skills: Annotated[list[Talent], Unique] = Field(
        default_factory=list, max_length=10, description="보유 기술", examples=[["도배", "전기 점검"]]
    )
    description: LongText | None = None
    district: DistrictCode | None = Field(default=None, description="활동 희망 시·군·구, in the region")


class TeamDecline(RequestModel):
    reason: ShortText = Field(description="거절 사유, kept with the team", examples=["활동 계획 보완 필요"])


class TeamPlacement(RequestModel):
    centre_id: Id = Field(description="An accredited management centre of the team's region")


@router.post(
    "/regions/{region}/teams",
    status_code=201,
    tags=["teams"],
    summary="지역사회봉사단 신청",
    description=f"The volunteer signed in applies to the council of `region` as the team's leader: alone "
    f"(`individual`) or with a group of {MIN_GROUP} or more registered volunteers, the leader included (`group`; "
    "fewer is 422 `group_too_small` on `member_ids`). Each person is in at most one standing team of a field in a "
    "region (422 `ALREADY_IN_TEAM`). The same application sent again answers with the team it made.",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(registry_rpc.APPLY_TEAM.operation),
)
async def apply_team(region: ProvinceCode, body: TeamApplication, call: Call) -> TeamView:
    operation_name = registry_rpc.APPLY_TEAM.operation
    leader = call.actor.volunteer_id
    if leader is None:
        raise OutOfScope(**refused(operation_name, call.actor.role))
    application = _request(registry_rpc.ApplyTeam, region=region, leader_id=leader, **dict(body))
    return await call(registry_rpc.APPLY_TEAM, application)


@router.get(
    "/teams",
    tags=["teams"],
    summary="지역사회봉사단 조회 (전문봉사 → 지역사회봉사단 조회)",
    description="Appointed and placed teams by region, field and a word of a skill (a Korean word of 2 characters, "
    "such as `도배`, is found too), newest first. Applications (`status=applied`) and declined teams are the "
    "council's of their region and the central council's. Without a region every region is searched and the "
    f"results merged: `total` counts them all, and `offset + limit` is at most {MAX_WINDOW}.",
    responses=refusals(422, 504),
    openapi_extra=operation(registry_rpc.SEARCH_TEAMS.operation),
)
async def search_teams(
    call: Call,
    region: Annotated[ProvinceCode | None, Query(description="2-digit 시·도 code")] = None,
    field: Annotated[TeamField | None, Query(description="활동분야")] = None,
    # A plain string here, checked by the request model (`Talent`), so that a longer one is told its length.
    skill: Annotated[
        str | None, Query(min_length=1, max_length=30, description="A word of a skill (`도배`, `벽화`)")
    ] = None,
    status: Annotated[
        TeamStatus | None, Query(description="Councils: applied or declined too; default appointed and placed")
    ] = None,
    limit: Limit = 20,
    offset: WindowOffset = 0,
) -> TeamList:
    check_window(offset, limit)
    query = query_request(
        SearchTeams, region=region, field=field, skill=skill, status=status, limit=limit, offset=offset
    )
    return await search_teams_everywhere(call, query)


@router.get(
    "/teams/{team_id}",
    tags=["teams"],
    summary="지역사회봉사단 상세",
    description="An appointed or placed team, to anyone; an application or a declined one to its council and the "
    "central council. Its members are not named, only counted.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.GET_TEAM.operation),
)
async def get_team(team_id: Id, call: Call) -> TeamView:
    return await call(registry_rpc.GET_TEAM, registry_rpc.TeamRef(team_id=team_id))


@router.post(
    "/teams/{team_id}/appoint",
    tags=["teams"],
    summary="지역사회봉사단 위촉",
    description="The council of the team's region appoints an applied team; appointing it again changes nothing.",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(registry_rpc.APPOINT_TEAM.operation),
)
async def appoint_team(team_id: Id, call: Call) -> TeamView:
    within_scope(call.actor, registry_rpc.APPOINT_TEAM.operation, region=region_of(team_id))
    return await call(registry_rpc.APPOINT_TEAM, registry_rpc.TeamRef(team_id=team_id))


@router.post(
    "/teams/{team_id}/decline",
    tags=["teams"],
    summary="지역사회봉사단 위촉 거절",
    description="The council declines an applied team with its reason; its people may apply again.",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(registry_rpc.DECLINE_TEAM.operation),
)
async def decline_team(team_id: Id, body: TeamDecline, call: Call) -> TeamView:
    within_scope(call.actor, registry_rpc.DECLINE_TEAM.operation, region=region_of(team_id))
    return await call(registry_rpc.DECLINE_TEAM, registry_rpc.DeclineTeam(team_id=team_id, reason=body.reason))


@router.post(
    "/teams/{team_id}/place",
    tags=["teams"],
    summary="지역사회봉사단 배치",
    description="The council places an appointed team at an accredited management centre of the team's region "
    "(422 `TEAM_CENTRE_NOT_IN_REGION`, `CENTRE_NOT_ACCREDITED` otherwise).",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(registry_rpc.PLACE_TEAM.operation),
)
async def place_team(team_id: Id, body: TeamPlacement, call: Call) -> TeamView:
    within_scope(call.actor, registry_rpc.PLACE_TEAM.operation, region=region_of(team_id))
    return await call(registry_rpc.PLACE_TEAM, registry_rpc.PlaceTeam(team_id=team_id, centre_id=body.centre_id))
