"""관리센터 → 일괄 입력: a centre's manager uploads a CSV or XLSX of activities (the template is downloadable), chooses
all or nothing or the clean rows (or only a check), and follows the file's progress on its own page; then reads the
rows refused, each with why, and downloads them as a file to fix and send again.

The file is read at once (a file that cannot be read is said on the form); its rows are sent to hours in the
background (`vms_gateway.import_api.send_file`), which writes its progress to the gateway's database (`imports`),
so that the progress page, polled by htmx, may be answered by any replica. A replica that stops while it sends leaves
its file's progress still: after `STALLED_AFTER` the page says so (sending the file again records nothing twice).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import delete, insert, select, update
from starlette.datastructures import UploadFile

from vms_contracts.actor import Role
from vms_contracts.errors import ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.rpc.hours import ImportMode
from vms_gateway import imports
from vms_gateway.api import Services, services_for
from vms_gateway.auth import CSRF_FIELD, CurrentPrincipal, Principal, check_csrf
from vms_gateway.db import imports as import_jobs
from vms_gateway.import_api import ImportReport, send_file, template_response
from vms_gateway.portal.centre import _centre_of
from vms_gateway.portal.frame import FormErrors, PortalRoute, page, redirect, require
from vms_gateway.portal.render import Say, is_htmx, say
from vms_gateway.state import state_of
from vms_platform.db import Database
from vms_platform.errors import error_body
from vms_platform.logging import get_logger

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
log = get_logger("vms.gateway")

STALLED_AFTER = timedelta(seconds=60)
"""A file whose progress has not moved for this long is no longer being sent (its replica stopped)."""
KEPT_FOR = timedelta(days=7)
"""How long a file's answer and rows to fix are kept."""
IMPORT_FIELDS = ("file", "mode", "check_only")

_running: set[asyncio.Task[None]] = set()
"""The files this replica is sending (held, so that the event loop does not drop them)."""


@router.get("/centre/import")
async def import_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    centre_id = _centre_of(me, request.query_params.get("centre"))
    return await _form(request, me, centre_id, {"mode": ImportMode.ALL_OR_NOTHING.value, "check_only": ""})


async def _form(
    request: Request,
    me: Principal,
    centre_id: UUID | None,
    values: dict[str, str],
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    t = say(request)
    async with state_of(request).db.transaction() as session:
        earlier = (
            await session.execute(
                select(import_jobs)
                .where(import_jobs.c.account_id == me.account_id)
                .order_by(import_jobs.c.created_at.desc())
                .limit(10)
            )
        ).all()
    return page(
        request,
        "import.html",
        me,
        status=status,
        centre_id=centre_id,
        centres=sorted(me.actor.centres),
        values=values,
        errors=errors,
        earlier=[_job_view(row._asdict(), t) for row in earlier],
        modes=[(m.value, t(f"WEB_IMPORT_MODE_{m.value}")) for m in ImportMode],
    )


@router.get("/centre/import/template.{kind}")
async def template(kind: str, principal: CurrentPrincipal) -> Response:
    require(principal, Role.CENTRE_MANAGER)
    if kind not in ("csv", "xlsx"):
        return Response(status_code=404)
    return template_response(kind)


@router.post("/centre/import")
async def upload(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    data = await request.form()
    token = data.get(CSRF_FIELD)
    check_csrf(request, me, token if isinstance(token, str) else None)
    chosen = data.get("centre")
    centre_id = _centre_of(me, chosen if isinstance(chosen, str) else None)
    mode_text = data.get("mode")
    check_only = bool(data.get("check_only"))
    values = {"mode": mode_text if isinstance(mode_text, str) else "", "check_only": "on" if check_only else ""}
    t = say(request)
    file = data.get("file")
    errors = FormErrors()
    if centre_id is None:
        errors.general.append(t("WEB_IMPORT_CHOOSE_CENTRE"))
    if not isinstance(file, UploadFile) or not file.filename:
        errors.fields["file"] = t("WEB_IMPORT_NO_FILE")
    if values["mode"] not in {m.value for m in ImportMode}:
        errors.fields["mode"] = t("WEB_IMPORT_NO_MODE")
    if errors:
        return await _form(request, me, centre_id, values, errors, 422)
    assert isinstance(file, UploadFile) and centre_id is not None
    content = await file.read()
    try:
        parsed = imports.parse(content, file.content_type)
    except imports.ImportFileError as exc:
        errors = FormErrors(fields={"file": t.refusal(exc.body)})
        return await _form(request, me, centre_id, values, errors, 422)
    job_id = new_id()
    now = datetime.now(UTC)
    db = state_of(request).db
    async with db.transaction() as session:
        await session.execute(delete(import_jobs).where(import_jobs.c.created_at < now - KEPT_FOR))
        await session.execute(
            insert(import_jobs).values(
                id=job_id,
                account_id=me.account_id,
                centre_id=centre_id,
                file_name=(file.filename or "")[:200],
                kind=parsed.kind,
                mode=values["mode"],
                check_only=check_only,
                rows=len(parsed.rows),
                done_rows=0,
                status="running",
                created_at=now,
                updated_at=now,
            )
        )
    task = asyncio.create_task(
        _send(db, services_for(request, me), job_id, centre_id, parsed, ImportMode(values["mode"]), check_only)
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    return redirect(f"/centre/imports/{job_id}")


async def _send(
    db: Database,
    call: Services,
    job_id: UUID,
    centre_id: UUID,
    parsed: imports.ParsedFile,
    mode: ImportMode,
    check_only: bool,
) -> None:
    invalid = sum(1 for row in parsed.rows if row.activity is None)

    async def progress(done: int) -> None:
        async with db.transaction() as session:
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id)
                .values(done_rows=invalid + done, updated_at=datetime.now(UTC))
            )

    try:
        report = await send_file(call, centre_id, parsed, mode, check_only, progress)
    except Exception as exc:
        log.exception("import failed", import_id=str(job_id), error=type(exc).__name__)
        body = getattr(exc, "body", None) or error_body("INTERNAL_ERROR", ErrorKind.INTERNAL)
        async with db.transaction() as session:
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id)
                .values(
                    status="failed",
                    report=json.dumps({"error": body.model_dump(mode="json")}),
                    updated_at=datetime.now(UTC),
                )
            )
        return
    reasons = {problem.row: f"{problem.error.message} / {problem.error.message_en}" for problem in report.refused}
    to_fix = [
        {"row": row.number, "cells": row.cells, "reason": reasons[row.number]}
        for row in parsed.rows
        if row.number in reasons
    ]
    async with db.transaction() as session:
        await session.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id)
            .values(
                status="done",
                done_rows=len(parsed.rows),
                report=report.model_dump_json(),
                to_fix=json.dumps({"columns": parsed.columns, "rows": to_fix}, ensure_ascii=False),
                updated_at=datetime.now(UTC),
            )
        )


async def _job(request: Request, me: Principal, job_id: str) -> dict[str, Any]:
    try:
        key = UUID(job_id)
    except ValueError:
        key = None
    row = None
    if key is not None:
        async with state_of(request).db.transaction() as session:
            row = (
                await session.execute(
                    select(import_jobs).where(import_jobs.c.id == key, import_jobs.c.account_id == me.account_id)
                )
            ).one_or_none()
    if row is None:
        raise _NotFound()
    return _job_view(row._asdict(), say(request))


class _NotFound(Exception):
    pass


def _job_view(row: dict[str, Any], t: Say) -> dict[str, Any]:
    """A file's progress as the page shows it."""
    status = row["status"]
    updated = row["updated_at"]
    if status == "running" and updated is not None and datetime.now(UTC) - updated > STALLED_AFTER:
        status = "stalled"
    report = ImportReport.model_validate_json(row["report"]) if status == "done" and row["report"] else None
    failure = None
    if status == "failed" and row["report"]:
        failure = json.loads(row["report"]).get("error")
    return {
        **row,
        "status": status,
        "report": report,
        "failure": failure,
        "percent": 100 if status == "done" else (100 * row["done_rows"] // max(row["rows"], 1)),
        "mode_label": t(f"WEB_IMPORT_MODE_{row['mode']}"),
    }


@router.get("/centre/imports/{job_id}")
async def job_page(request: Request, job_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    try:
        job = await _job(request, me, job_id)
    except _NotFound:
        return page(request, "import_job.html", me, status=404, job=None)
    template = "import_progress.html" if is_htmx(request) else "import_job.html"
    return page(request, template, me, job=job)


@router.get("/centre/imports/{job_id}/rows-to-fix")
async def rows_to_fix(request: Request, job_id: str, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.CENTRE_MANAGER)
    try:
        job = await _job(request, me, job_id)
    except _NotFound:
        return Response(status_code=404)
    kept = json.loads(job["to_fix"] or "{}")
    parsed = imports.ParsedFile(job["kind"], kept.get("columns", []))
    parsed.rows = [imports.Row(r["row"], r["cells"]) for r in kept.get("rows", [])]
    content = imports.rows_to_fix(parsed, {r["row"]: r["reason"] for r in kept.get("rows", [])})
    kind = job["kind"]
    return Response(
        content,
        media_type=imports.XLSX if kind == "xlsx" else f"{imports.CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vms-rows-to-fix.{kind}"'},
    )
