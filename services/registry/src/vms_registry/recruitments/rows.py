"""How a recruitment row is read: the columns shown (never the ones kept only to be searched by), who may apply,
whether it takes applications now, and its view. The recruitments' own reading, which matching reads them by too."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, Select, select

from vms_contracts.rpc.registry import RecruitmentView
from vms_registry.db import centres
from vms_registry.recruitments import domain
from vms_registry.recruitments.tables import recruitments

AnyRow = Row[tuple[Any, ...]]


def with_centre() -> Any:
    return recruitments.join(centres, centres.c.id == recruitments.c.centre_id)


SEARCHED_BY = ("search_text", "search_bigrams")
"""The recruitment's columns kept only to be searched by: never read back."""


def recruitment_select() -> Select[tuple[Any, ...]]:
    shown = [column for column in recruitments.c if column.name not in SEARCHED_BY]
    return select(*shown, centres.c.name.label("centre_name"), centres.c.status.label("centre_status")).select_from(
        with_centre()
    )


def eligibility(row: AnyRow) -> list[Any]:
    return domain.eligibility_of(row.for_adults, row.for_youth, row.for_groups)


def opening(row: AnyRow) -> domain.Opening:
    return domain.Opening(
        recruitment_id=row.id,
        status=row.status,
        end_date=row.end_date,
        last_apply_day=row.last_apply_day,
        capacity=row.capacity,
        taken=row.taken,
        centre_status=row.centre_status,
    )


def described(row: AnyRow) -> dict[str, Any]:
    """What a recruitment is, by the row's plain values: what both its events and its view show."""
    return {
        "centre_id": row.centre_id,
        "region": row.region,
        "district": row.district,
        "title": row.title,
        "activity_type": row.activity_type,
        "sub_field": row.sub_field,
        "place": row.place,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "weekdays": row.weekdays.split(","),
        "start_time": row.start_time,
        "end_time": row.end_time,
        "capacity": row.capacity,
        "orientation_required": row.orientation_required,
    }


def recruitment_view(row: AnyRow, today: date) -> RecruitmentView:
    # Validated from the row's plain values: pydantic makes the enums, lists and times of them itself.
    return RecruitmentView.model_validate(
        {
            "id": row.id,
            **described(row),
            "centre_name": row.centre_name,
            "description": row.description,
            "taken": row.taken,
            "eligibility": eligibility(row),
            "apply_until": row.apply_until,
            "status": row.status,
            "accepting": opening(row).accepting(today),
            "posted_at": row.posted_at,
            "updated_at": row.updated_at,
        }
    )
