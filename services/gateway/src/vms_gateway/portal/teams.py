"""전문봉사 → 지역사회봉사단: the public 조회 of community service teams (by 시·도, one of the 8 fields and a word of
a skill, without signing in) and each team's page; a volunteer's 신청, alone or as the leader of a group of 5 or
more, naming the members by the numbers on their own 마이페이지; and the regional council's work (`/council/teams`):
its region's applications with 위촉 and 거절 (with a reason), and its appointed teams with 배치 at an accredited
centre of the region, each a button htmx answers by swapping the team's row.

A search that names no 시·도 asks every region's registry and merges their pages, as the API does
(`vms_gateway.registry_api.search_teams_everywhere`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.reference import TEAM_FIELD_LABELS
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.registry import (
    MIN_GROUP,
    CentreStatus,
    SearchTeams,
    TeamApplicationKind,
    TeamList,
    TeamStatus,
    TeamView,
)
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal import choices
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    Invalid,
    Panel,
    PortalRoute,
    WrongRole,
    fill,
    gather_panels,
    page,
    posted,
    redirect,
    require,
    shown_with_form,
    validated,
    volunteer_of,
)
from vms_gateway.portal.recruitments import _last_page, _page_number, _pages
from vms_gateway.portal.render import Say, is_htmx, say
from vms_gateway.registry_api import search_teams_everywhere

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["team_applied"] = "WEB_TEAM_APPLIED"
DONE["team_appointed"] = "WEB_TEAM_APPOINTED"
DONE["team_declined"] = "WEB_TEAM_DECLINED"
DONE["team_placed"] = "WEB_TEAM_PLACED"

PAGE_SIZE = 10
SEARCH_FIELDS = ("region", "field", "skill")
APPLY_FIELDS = ("region", "district", "name", "field", "kind", "member_ids", "skills", "description")
MEMBER_SEPARATOR = re.compile(r"[\s,]+")
"""Between the members' numbers in the form: commas, spaces or new lines."""
SKILL_SEPARATOR = ","
SHOWN_TEAMS = 100
SHOWN_CENTRES = 500

ABOUT_MEMBERS = {
    "TEAM_GROUP_TOO_SMALL": "member_ids",
    "TEAM_MEMBERS_NOT_FOUND": "member_ids",
    "TEAM_MEMBERS_WITHDRAWN": "member_ids",
    "ALREADY_IN_TEAM": "member_ids",
}
"""The registry's refusals of an application that are about its people: said beside the members' field."""


# -- choices -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChoice:
    """One of the 8 fields of a team as the forms offer it: its name, and what its teams do (the brochure's
    examples)."""

    value: str
    label: str
    examples: str


def team_fields(t: Say) -> list[FieldChoice]:
    korean = t.lang == "ko"
    return [
        FieldChoice(f.code, f.ko if korean else f.en, f.examples_ko if korean else f.examples_en)
        for f in TEAM_FIELD_LABELS.values()
    ]


def field_names(t: Say) -> dict[str, str]:
    """Each field's name by its code, for the lists and pages."""
    return {choice.value: choice.label for choice in team_fields(t)}


def kinds(t: Say) -> list[tuple[str, str, str]]:
    """개인 or 단체, each with what it means."""
    return [
        (kind.value, t(f"WEB_TEAM_KIND_{kind.value}"), t(f"WEB_TEAM_KIND_{kind.value}_HINT", min=MIN_GROUP))
        for kind in TeamApplicationKind
    ]


# -- 지역사회봉사단 조회 -----------------------------------------------------------------------------------------------


@router.get("/teams")
async def search_page(request: Request, principal: CurrentPrincipal) -> Response:
    """지역사회봉사단 조회: appointed and placed teams by 시·도, field and a word of a skill, a page at a time. A value
    the search refuses is said beside its field, with no results."""
    t = say(request)
    query = request.query_params
    values = {name: query.get(name, "").strip() for name in SEARCH_FIELDS}
    current = _page_number(query.get("page", "1"))
    errors: FormErrors | None = None
    status = 200
    results: Panel[TeamList] | None = None
    try:
        wanted = validated(SearchTeams, {**values, "limit": PAGE_SIZE, "offset": (current - 1) * PAGE_SIZE})
    except Invalid as exc:
        refused, errors = shown_with_form(exc, t, SEARCH_FIELDS)
        status = refused.status
    else:
        results = await fill(t, "WEB_TEAM_RESULTS", search_teams_everywhere(services_for(request, principal), wanted))
    last = _last_page(results.value.total if results is not None and results.value is not None else 0)
    return page(
        request,
        "teams.html",
        principal,
        status=status,
        values=values,
        errors=errors,
        results=results,
        current=current,
        pages=_pages(last, current),
        last_page=last,
        page_size=PAGE_SIZE,
        kept=[(name, value) for name, value in values.items() if value],
        regions=choices.regions(t),
        fields=team_fields(t),
        field_names=field_names(t),
    )


# -- 지역사회봉사단 신청 -----------------------------------------------------------------------------------------------


def _blank_application(me: Principal) -> dict[str, str]:
    values = dict.fromkeys(APPLY_FIELDS, "")
    values["region"] = me.actor.region or ""
    values["kind"] = TeamApplicationKind.INDIVIDUAL.value
    return values


def _control(field: str) -> str:
    """The form's control for a field of the request: `member_ids.2` is the members' box, `skills.0` the skills'."""
    return field.split(".", 1)[0]


def _apply_page(
    request: Request,
    me: Principal,
    *,
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    t = say(request)
    values = values or _blank_application(me)
    return page(
        request,
        "team_apply.html",
        me,
        status=status,
        values=values,
        errors=errors,
        volunteer_id=volunteer_of(me),
        min_group=MIN_GROUP,
        regions=choices.regions(t),
        district_groups=choices.district_groups(t, values.get("region") or None),
        fields=team_fields(t),
        kinds=kinds(t),
    )


@router.get("/teams/apply")
async def apply_page(request: Request, principal: CurrentPrincipal) -> Response:
    """The form of 지역사회봉사단 신청, with the 5-person rule of a group said before it is sent."""
    return _apply_page(request, require(principal, Role.VOLUNTEER))


@router.post("/teams/apply")
async def apply(request: Request, principal: CurrentPrincipal) -> Response:
    """신청 to the council of the 시·도 chosen, the volunteer as its leader; the members by their volunteer numbers."""
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values = {name: form.text(name) for name in APPLY_FIELDS}
    try:
        application = validated(
            registry_rpc.ApplyTeam,
            {
                "region": values["region"],
                "district": values["district"],
                "name": values["name"],
                "field": values["field"],
                "kind": values["kind"],
                "leader_id": str(volunteer_of(me)),
                "member_ids": [m for m in MEMBER_SEPARATOR.split(values["member_ids"]) if m],
                "skills": [s.strip() for s in values["skills"].split(SKILL_SEPARATOR) if s.strip()],
                "description": values["description"],
            },
        )
        await services_for(request, me)(registry_rpc.APPLY_TEAM, application)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, say(request), APPLY_FIELDS, rename=_control, codes=ABOUT_MEMBERS)
        return _apply_page(request, me, values=values, errors=errors, status=refused.status)
    return redirect("/teams/apply?done=team_applied")


# -- one team ----------------------------------------------------------------------------------------------------------


@router.get("/teams/{team_id}")
async def team_page(request: Request, team_id: str, principal: CurrentPrincipal) -> Response:
    """A team as people look for one: its field, where it serves, how many, its skills, and the centre it is placed
    at."""
    t = say(request)
    call = services_for(request, principal)
    team = await call(registry_rpc.GET_TEAM, validated(registry_rpc.TeamRef, {"team_id": team_id}))
    return page(request, "team.html", principal, team=team, centre=team.centre_name, field_names=field_names(t))


# -- the council's 위촉, 거절 and 배치 ---------------------------------------------------------------------------------


def _region(me: Principal) -> str:
    if me.actor.region is None:  # the actor's own rule: a council admin names its region
        raise WrongRole((Role.COUNCIL_ADMIN,))
    return me.actor.region


async def _teams_in(call: Services, region: str, status: TeamStatus) -> TeamList:
    query = SearchTeams(region=region, status=status, limit=SHOWN_TEAMS)
    return await call.rpc.call(
        registry_rpc.SEARCH_TEAMS, query, region=region, request_id=call.request_id, actor=call.actor
    )


async def _centres(call: Services, region: str) -> registry_rpc.CentreList:
    """The region's centres: the accredited ones are where a team may be placed, the others are named still."""
    return await call(registry_rpc.LIST_CENTRES, registry_rpc.ListCentres(region=region, limit=SHOWN_CENTRES))


@dataclass(frozen=True)
class Centres:
    """The centres a team's row names (by id) and offers to place it at (accredited ones)."""

    names: dict[UUID, str]
    options: list[tuple[str, str]]

    @classmethod
    def of(cls, panel: Panel[registry_rpc.CentreList]) -> Centres:
        found = panel.value.items if panel.value is not None else []
        return cls(
            names={c.id: c.name for c in found},
            options=[(str(c.id), c.name) for c in found if c.status is CentreStatus.ACCREDITED],
        )


async def _council_teams_page(
    request: Request,
    me: Principal,
    *,
    row_errors: Mapping[str, FormErrors] | None = None,
    status: int = 200,
) -> Response:
    region = _region(me)
    call = services_for(request, me)
    t = say(request)
    applied, appointed, placed, centres = await gather_panels(
        fill(t, "WEB_TEAMS_APPLIED", _teams_in(call, region, TeamStatus.APPLIED)),
        fill(t, "WEB_TEAMS_APPOINTED", _teams_in(call, region, TeamStatus.APPOINTED)),
        fill(t, "WEB_TEAMS_PLACED", _teams_in(call, region, TeamStatus.PLACED)),
        fill(t, "WEB_CENTRES", _centres(call, region)),
    )
    return page(
        request,
        "council_teams.html",
        me,
        status=status,
        region=region,
        applied=applied,
        appointed=appointed,
        placed=placed,
        centres=centres,
        places=Centres.of(centres),
        field_names=field_names(t),
        row_errors=row_errors or {},
    )


@router.get("/council/teams")
async def council_teams_page(request: Request, principal: CurrentPrincipal) -> Response:
    """The region's applications to answer, its appointed teams to place, and those placed."""
    return await _council_teams_page(request, require(principal, Role.COUNCIL_ADMIN))


async def _team_row(
    request: Request,
    me: Principal,
    team: TeamView,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    saved: str | None = None,
) -> Response:
    """The team's row as it stands, for htmx to swap in: with the centres to place it at once it is appointed."""
    t = say(request)
    places = Centres({}, [])
    if team.status in (TeamStatus.APPOINTED, TeamStatus.PLACED):
        places = Centres.of(await fill(t, "WEB_CENTRES", _centres(services_for(request, me), team.region)))
    return page(
        request,
        "team_row.html",
        me,
        status=status,
        team=team,
        places=places,
        field_names=field_names(t),
        row_errors={str(team.id): errors} if errors else {},
        saved=saved,
    )


@dataclass(frozen=True)
class Decision:
    """위촉, 거절 or 배치: the request, the form's fields besides the team, and the refusals said beside them."""

    rpc: Rpc[Any, TeamView]
    fields: tuple[str, ...]
    done: str
    about: Mapping[str, str]


APPOINT = Decision(registry_rpc.APPOINT_TEAM, (), "team_appointed", {})
DECLINE = Decision(registry_rpc.DECLINE_TEAM, ("reason",), "team_declined", {})
PLACE = Decision(
    registry_rpc.PLACE_TEAM,
    ("centre_id",),
    "team_placed",
    {"TEAM_CENTRE_NOT_IN_REGION": "centre_id", "CENTRE_NOT_ACCREDITED": "centre_id", "CENTRE_NOT_FOUND": "centre_id"},
)


async def _decide(request: Request, principal: Principal | None, team_id: str, decision: Decision) -> Response:
    """htmx swaps the team's row, with a refusal said beside its field there; without script the page comes back
    saying what was done, or with the refusal beside the team's field."""
    me = require(principal, Role.COUNCIL_ADMIN)
    form = await posted(request, me)
    call = services_for(request, me)
    t = say(request)
    try:
        asked = validated(
            decision.rpc.request, {"team_id": team_id, **{name: form.text(name) for name in decision.fields}}
        )
        team = await call(decision.rpc, asked)
    except FORM_REFUSALS as exc:
        refused, errors = shown_with_form(exc, t, decision.fields, codes=decision.about)
        if not is_htmx(request):
            return await _council_teams_page(request, me, row_errors={team_id: errors}, status=refused.status)
        current = await call(registry_rpc.GET_TEAM, validated(registry_rpc.TeamRef, {"team_id": team_id}))
        return await _team_row(request, me, current, status=refused.status, errors=errors)
    if not is_htmx(request):
        return redirect(f"/council/teams?done={decision.done}#team-{team.id}")
    return await _team_row(request, me, team, saved=t("WEB_TEAM_DONE_FOR", name=team.name, done=t(DONE[decision.done])))


@router.post("/council/teams/{team_id}/appoint")
async def appoint_team(request: Request, team_id: str, principal: CurrentPrincipal) -> Response:
    """위촉."""
    return await _decide(request, principal, team_id, APPOINT)


@router.post("/council/teams/{team_id}/decline")
async def decline_team(request: Request, team_id: str, principal: CurrentPrincipal) -> Response:
    """거절, with the reason kept with the team."""
    return await _decide(request, principal, team_id, DECLINE)


@router.post("/council/teams/{team_id}/place")
async def place_team(request: Request, team_id: str, principal: CurrentPrincipal) -> Response:
    """배치 at an accredited centre of the region."""
    return await _decide(request, principal, team_id, PLACE)
