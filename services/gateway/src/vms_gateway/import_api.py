"""A centre's file of activities, sent to hours (일괄 입력): through the REST API (the file as the request's body, the
answer when it is done) and through the portal (read in the background, its progress shown as it goes;
`vms_gateway.portal.imports`). Both read the file with `vms_gateway.imports` and send it with `send_file`.

A file is sent in parts of at most `PART_ROWS` rows (`hours.record_activities`). With `all_or_nothing` every part is
checked first (`check_only`), and nothing is recorded unless every row of the file may be; a file of one part is
then recorded in one transaction. A file of several parts is recorded part after part: should a record made in the
meantime (another manager, another file) refuse a row of a later part, the parts before it stay recorded and the
answer says so, row by row. Sending the same file again records nothing twice, so the centre fixes the rows and
sends the whole file again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc.hours import ImportMode
from vms_contracts.types import Id
from vms_gateway import imports
from vms_gateway.api import Call, Services
from vms_gateway.errors import refusal
from vms_gateway.guard import GuardedRoute, operation, within_scope
from vms_gateway.openapi import EVERY_ROUTE, refusals

router = APIRouter(prefix="/api/v1", responses=refusals(*EVERY_ROUTE), route_class=GuardedRoute)


PART_ROWS = 500
"""Rows a request carries (at most `MAX_ROWS`): each part is answered within seconds, and the progress moves."""
PART_TIMEOUT = 60.0
"""Seconds hours may take to check and record one part: its rows' days are locked and read at once."""


class RowProblem(BaseModel):
    row: int
    """The row's number in the file (the header is row 1)."""
    error: ErrorBody


class ImportReport(BaseModel):
    """What became of a file's rows."""

    rows: int
    """Activities in the file (empty rows not counted)."""
    mode: ImportMode
    check_only: bool
    recorded: int
    """Rows recorded now (with `check_only`: that would be)."""
    already: int
    """Rows recorded before, by an earlier sending of the same rows: not recorded twice."""
    refused: list[RowProblem]
    """Each row that may not be recorded, with why, in file order."""
    complete: bool
    """Whether everything the file asked for was done: every row recorded (or, `check_only`, recordable)."""
    parts: int = Field(description="Requests the file was sent in (at most 500 rows each)")


Progress = Callable[[int], Awaitable[None]]


async def _nothing(_done: int) -> None:
    return None


async def send_file(
    call: Services,
    centre_id: UUID,
    parsed: imports.ParsedFile,
    mode: ImportMode,
    check_only: bool,
    progress: Progress = _nothing,
) -> ImportReport:
    """Every row of `parsed` to hours, as `mode` says; `progress` hears how many rows are answered so far."""
    refused = {row.number: row.error for row in parsed.rows if row.error is not None}
    valid = parsed.valid
    parts = [valid[i : i + PART_ROWS] for i in range(0, len(valid), PART_ROWS)]
    recorded = already = asked = 0
    # All or nothing over several requests (or around rows refused here): every part checked before any is recorded.
    first_check = mode is ImportMode.ALL_OR_NOTHING and not check_only and (len(parts) > 1 or bool(refused))
    total_steps = len(valid) * (2 if first_check else 1)

    async def send(part: list[imports.Row], *, check: bool, as_mode: ImportMode) -> hours_rpc.RecordedActivities:
        nonlocal asked
        request = hours_rpc.RecordActivities(
            centre_id=centre_id,
            rows=[row.activity for row in part if row.activity is not None],
            mode=as_mode,
            check_only=check,
            row_numbers=[row.number for row in part],
        )
        answer = await call(hours_rpc.RECORD_ACTIVITIES, request, timeout=PART_TIMEOUT)
        for refusal_of_row in answer.refused:
            refused[refusal_of_row.row] = refusal_of_row.error
        asked += len(part)
        await progress(min(asked * len(valid) // max(total_steps, 1), len(valid)))
        return answer

    if first_check:
        for part in parts:
            await send(part, check=True, as_mode=ImportMode.CLEAN_ROWS)
    if not (first_check and refused):
        for part in parts:
            before = len(refused)
            answer = await send(part, check=check_only, as_mode=mode)
            if mode is ImportMode.ALL_OR_NOTHING and len(refused) > before and not check_only:
                break  # nothing of this part was recorded; the parts after it are not sent
            recorded += len(answer.recorded) - answer.already
            already += answer.already
    await progress(len(valid))
    problems = [RowProblem(row=number, error=refused[number]) for number in sorted(refused)]
    complete = not problems and recorded + already == len(valid)
    return ImportReport(
        rows=len(parsed.rows),
        mode=mode,
        check_only=check_only,
        recorded=recorded,
        already=already,
        refused=problems,
        complete=complete,
        parts=len(parts),
    )


def read_upload(content: bytes, media_type: str | None) -> imports.ParsedFile:
    try:
        return imports.parse(content, media_type)
    except imports.ImportFileError as exc:
        raise refusal(422, exc.body.code, ErrorKind.INVALID, **exc.body.params) from None


UPLOAD_TYPES = frozenset({imports.CSV, imports.XLSX, "application/octet-stream"})
"""What the file may be sent as: CSV, XLSX, or bytes whose kind the file itself says."""

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself: CSV (UTF-8 or CP949) or XLSX; its first row names the columns "
        "(`GET /api/v1/activity-import-template`)",
        "content": {
            imports.CSV: {"schema": {"type": "string", "format": "binary"}},
            imports.XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/centres/{centre_id}/activities/import",
    tags=["hours"],
    summary="봉사활동 실적 파일 올리기 (CSV·XLSX 일괄 입력)",
    responses=refusals(404, 413, 415, 422, 504),
    openapi_extra={**operation(hours_rpc.RECORD_ACTIVITIES.operation), **UPLOAD_BODY},
)
async def import_file(
    centre_id: Id,
    request: Request,
    call: Call,
    mode: Annotated[ImportMode, Query(description="all_or_nothing (default) or clean_rows")] = (
        ImportMode.ALL_OR_NOTHING
    ),
    check_only: Annotated[bool, Query(description="Check every row, record nothing")] = False,
) -> ImportReport:
    """Every row is checked; with `all_or_nothing` nothing is recorded unless every row may be, with `clean_rows`
    the rows that may be are, and each other row comes back with why. The same file sent again records nothing
    twice."""
    within_scope(call.actor, hours_rpc.RECORD_ACTIVITIES.operation, centre=centre_id)
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in UPLOAD_TYPES:
        expected = ", ".join(sorted(UPLOAD_TYPES))
        raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", expected=expected, received=media_type[:100] or "-")
    parsed = read_upload(await request.body(), media_type)
    return await send_file(call, centre_id, parsed, mode, check_only)


@router.get(
    "/activity-import-template",
    tags=["hours"],
    summary="일괄 입력 양식 (CSV·XLSX)",
    response_class=Response,
    responses={200: {"content": {imports.CSV: {}, imports.XLSX: {}}, "description": "The template"}, **refusals(422)},
)
async def import_template(
    format: Annotated[str, Query(pattern="^(csv|xlsx)$", description="csv (UTF-8) or xlsx")] = "xlsx",
) -> Response:
    return template_response(format)


def template_response(kind: str) -> Response:
    return Response(
        imports.template(kind),
        media_type=imports.XLSX if kind == "xlsx" else f"{imports.CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vms-activities-template.{kind}"'},
    )
