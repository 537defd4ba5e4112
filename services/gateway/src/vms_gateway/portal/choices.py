"""The choices forms offer, in the page's language, from the one source of each (`vms_contracts.reference` for the
activity taxonomy and the 시·군·구, the request models' enums for the rest); and the two selects that follow another:
the 시·군·구 of the 시·도 chosen, the 세부분야 of the activity type chosen.

Without script, a 시·군·구 select offers every 시·군·구, grouped by 시·도, and a 세부분야 select every type's
sub-fields, grouped by type (or those of the type the form was sent with); with htmx, choosing a 시·도 or a type asks
for the select that fits it (`/choices/districts`, `/choices/sub-fields`) and swaps it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.reference import ACTIVITY_TYPE_LABELS, SUB_FIELDS, ActivityType, districts_of
from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.rpc.registry import (
    CentreKind,
    DayPart,
    Eligibility,
    GuardianRelation,
    RecruitmentSort,
    SchoolLevel,
    Weekday,
)
from vms_gateway.auth import CurrentPrincipal
from vms_gateway.portal.frame import PortalRoute, page
from vms_gateway.portal.render import Say, say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

Option = tuple[str, str]
"""A value and what the visitor reads for it."""


@dataclass(frozen=True)
class Group:
    """Options under one heading (`<optgroup>`, or a fieldset of checkboxes)."""

    value: str
    label: str
    options: list[Option]


def activity_types(t: Say) -> list[Option]:
    return [(kind.value, t.label(label)) for kind, label in ACTIVITY_TYPE_LABELS.items()]


def sub_fields(t: Say, activity_type: str | None) -> list[Option]:
    """The sub-fields of `activity_type`; none when no type (or no type there is) is chosen."""
    if activity_type not in set(ActivityType):
        return []
    return [(label.code, t.label(label)) for label in SUB_FIELDS[ActivityType(str(activity_type))]]


def sub_field_groups(t: Say, activity_type: str | None) -> list[Group]:
    """The sub-fields of `activity_type` as the one group of a select; every type's, grouped, before a type is
    chosen (a form sent without script then already offers the one wanted)."""
    kinds = [str(activity_type)] if activity_type in set(ActivityType) else [kind.value for kind in ActivityType]
    return [Group(kind, t.activity_type(kind), sub_fields(t, kind)) for kind in kinds]


def regions(t: Say) -> list[Option]:
    return [(code, t.region(code)) for code in REGIONS if code != NATIONAL]


def districts(region: str | None) -> list[Option]:
    """The 시·군·구 of `region` (their names are Korean in both languages, as on a map of Korea)."""
    return [(d.code, d.name) for d in districts_of(region)] if region else []


def district_groups(t: Say, region: str | None) -> list[Group]:
    """The 시·군·구 of `region`, or of every 시·도 (one group each) when none is chosen yet."""
    chosen = [region] if region in REGIONS and region != NATIONAL else [code for code, _ in regions(t)]
    return [Group(code, t.region(code), districts(code)) for code in chosen]


def desired_groups(t: Say) -> list[Group]:
    """희망봉사활동: each type (the whole of it, `home`) and each of its sub-fields (`home:daily_life`)."""
    return [
        Group(
            kind.value,
            t.label(label),
            [(kind.value, t("WEB_WHOLE_TYPE", type=t.label(label)))]
            + [(f"{kind.value}:{sub.code}", t.label(sub)) for sub in SUB_FIELDS[kind]],
        )
        for kind, label in ACTIVITY_TYPE_LABELS.items()
    ]


def weekdays(t: Say) -> list[Option]:
    return [(day.value, t(f"WEB_WEEKDAY_{day.value}")) for day in Weekday]


def day_parts(t: Say) -> list[Option]:
    return [(part.value, t(f"WEB_DAY_PART_{part.value}")) for part in DayPart]


def centre_kinds(t: Say) -> list[Option]:
    return [(kind.value, t(f"WEB_CENTRE_KIND_{kind.value}")) for kind in CentreKind]


def eligibilities(t: Say) -> list[Option]:
    return [(who.value, t(f"WEB_ELIGIBILITY_{who.value}")) for who in Eligibility]


def school_levels(t: Say) -> list[Option]:
    return [(level.value, t(f"WEB_SCHOOL_{level.value}")) for level in SchoolLevel]


def grades(t: Say) -> list[Option]:
    return [(str(grade), t("WEB_GRADE_N", grade=grade)) for grade in range(1, 7)]


def relations(t: Say) -> list[Option]:
    return [(relation.value, t(f"WEB_RELATION_{relation.value}")) for relation in GuardianRelation]


def sorts(t: Say) -> list[Option]:
    return [(order.value, t(f"WEB_SORT_{order.value}")) for order in RecruitmentSort]


# -- the selects that follow another -------------------------------------------------------------------------------


BLANKS = {"any": "WEB_ANY", "none": "WEB_NOT_CHOSEN", "choose": "WEB_CHOOSE"}
"""What the empty choice of a select reads: 전체 for a search filter, 선택 안 함 for what may be left out, 선택하세요
for what must be chosen."""


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name) == "1"


def _blank(request: Request) -> str:
    return BLANKS.get(request.query_params.get("blank", ""), "WEB_CHOOSE")


def _prefix(request: Request) -> str:
    """A form's prefix for its controls' ids (`ui.field`): letters, digits and `-` only, as the templates make them."""
    asked = request.query_params.get("prefix", "")
    return asked if len(asked) <= 20 and all(c.isascii() and (c.isalnum() or c == "-") for c in asked) else ""


@router.get("/choices/districts")
async def district_select(request: Request, principal: CurrentPrincipal) -> Response:
    """The 시·군·구 select for the 시·도 `region` (every 시·도's, grouped, for none)."""
    t = say(request)
    region = request.query_params.get("region", "")
    return page(
        request,
        "choice_select.html",
        principal,
        name="district",
        text="WEB_DISTRICT",
        groups=district_groups(t, region),
        value=request.query_params.get("district", ""),
        prefix=_prefix(request),
        required=_flag(request, "required"),
        blank=_blank(request),
    )


@router.get("/choices/sub-fields")
async def sub_field_select(request: Request, principal: CurrentPrincipal) -> Response:
    """The 세부분야 select for the activity type `activity_type` (every type's, grouped, for none)."""
    t = say(request)
    kind = request.query_params.get("activity_type", "")
    return page(
        request,
        "choice_select.html",
        principal,
        name="sub_field",
        text="WEB_SUB_FIELD",
        groups=sub_field_groups(t, kind),
        value=request.query_params.get("sub_field", ""),
        prefix=_prefix(request),
        required=_flag(request, "required"),
        blank=_blank(request),
    )
