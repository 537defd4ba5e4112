"""The simulated 1365 portal over HTTP.

- `POST /api/v1/records`: what VMS calls to transfer one activity record (idempotent per source record id).
- `/members…`: what a volunteer does on 1365 itself: join, consent to receive records, merge duplicate ids.
- `POST /_sim/faults`: make the next calls (or every call for some seconds) fail, to rehearse an outage, answer
  HTTP 200 with an XML error page as some government portals do, or refuse in words that quote the volunteer's
  details back; `DELETE /_sim/faults` ends it.
- `GET /_sim/stats`: what it received, including every duplicate transfer of a record it already holds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_simulators.portal1365 import rules
from vms_simulators.portal1365.models import (
    RESULT_MESSAGES,
    ConsentChange,
    Fault,
    FaultKind,
    Member,
    MemberCreate,
    RecordTransfer,
    RecordView,
    ResultCode,
    Stats,
    TransferResult,
)
from vms_simulators.portal1365.store import members, metadata, records

# The error page the public data portal (data.go.kr) answers with HTTP 200 when its gateway fails.
XML_ERROR_PAGE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<OpenAPI_ServiceResponse>
    <cmmMsgHeader>
        <errMsg>SERVICE ERROR</errMsg>
        <returnAuthMsg>SERVICE_TEMPORARILY_UNAVAILABLE</returnAuthMsg>
        <returnReasonCode>99</returnReasonCode>
    </cmmMsgHeader>
</OpenAPI_ServiceResponse>
"""


class Faults:
    """The fault armed by `POST /_sim/faults`, if any: for a number of calls or for a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.armed: Fault | None = None
        self.remaining = 0
        self.until = 0.0

    def arm(self, fault: Fault) -> None:
        self.armed = fault
        self.remaining = fault.count or 0
        self.until = self.clock() + (fault.seconds or 0.0)

    def clear(self) -> None:
        self.armed = None

    def take(self) -> Fault | None:
        fault = self.armed
        if fault is None:
            return None
        if fault.seconds is not None:
            if self.clock() < self.until:
                return fault
        elif self.remaining > 0:
            self.remaining -= 1
            return fault
        self.armed = None
        return None


class Tally:
    """Counts of every transfer call, so tests and people can see what VMS sent, and how often."""

    MAX_LISTED = 100

    def __init__(self) -> None:
        self.received = 0
        self.accepted = 0
        self.duplicates = 0
        self.faulted = 0
        self.refused: Counter[str] = Counter()
        self.duplicate_records: list[str] = []

    def duplicate(self, source_record_id: str) -> None:
        self.duplicates += 1
        if len(self.duplicate_records) < self.MAX_LISTED and source_record_id not in self.duplicate_records:
            self.duplicate_records.append(source_record_id)

    def view(self) -> Stats:
        return Stats(
            received=self.received,
            accepted=self.accepted,
            duplicates=self.duplicates,
            refused=dict(sorted(self.refused.items())),
            faulted=self.faulted,
            duplicate_records=list(self.duplicate_records),
        )


def _fault_response(fault: Fault, transfer: RecordTransfer) -> Response:
    if fault.kind is FaultKind.XML_PAGE:
        return Response(XML_ERROR_PAGE, status_code=200, media_type="text/xml;charset=UTF-8")
    if fault.kind is FaultKind.ECHO:
        volunteer = transfer.volunteer
        code = ResultCode.UNEXPECTED
        message = RESULT_MESSAGES[code].format(
            name=volunteer.name, birth_date=volunteer.birth_date, mobile=volunteer.mobile
        )
        return JSONResponse({"resultCode": code.value, "resultMsg": message}, status_code=200)
    code = ResultCode.TEMPORARY_ERROR
    return JSONResponse({"resultCode": code.value, "resultMsg": RESULT_MESSAGES[code]}, status_code=fault.status)


def create_app(database_url: str) -> FastAPI:
    db = Database(database_url)
    faults = Faults()
    tally = Tally()
    # One writer at a time: numbering records and the 8-hour sum must not interleave.
    write_lock = asyncio.Lock()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield
        await db.close()

    app = FastAPI(
        title="1365 자원봉사포털 (simulator)",
        description=__doc__,
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.post("/api/v1/records", response_model=TransferResult)
    async def receive_record(transfer: RecordTransfer) -> TransferResult | Response:
        tally.received += 1
        fault = faults.take()
        if fault is not None:
            tally.faulted += 1
            return _fault_response(fault, transfer)
        result, duplicate = await store_record(transfer)
        if duplicate:
            tally.duplicate(transfer.source_record_id)
        elif result.result_code is ResultCode.OK:
            tally.accepted += 1
        else:
            tally.refused[result.result_code.value] += 1
        return result

    async def store_record(transfer: RecordTransfer) -> tuple[TransferResult, bool]:
        """1365's answer to a transfer, and whether it repeats a record already held (answered as it was then)."""
        volunteer, activity = transfer.volunteer, transfer.activity
        act_date = _parse_date(activity.act_date)
        async with write_lock, db.transaction() as session:
            existing = await session.scalar(
                select(records.c.record_no).where(
                    records.c.source_system == transfer.source_system,
                    records.c.source_record_id == transfer.source_record_id,
                )
            )
            if existing is not None:
                return _result(ResultCode.OK, existing), True
            matches = (
                await session.execute(
                    select(members.c.member_no, members.c.consent).where(
                        members.c.name == volunteer.name,
                        members.c.birth_date == _parse_date(volunteer.birth_date),
                        members.c.mobile == volunteer.mobile,
                        members.c.merged_into.is_(None),
                    )
                )
            ).all()
            refusal = rules.member_result(len(matches), bool(matches) and all(m.consent for m in matches))
            if refusal is not None:
                return _result(refusal), False
            member_no = matches[0].member_no
            that_day = await session.scalar(
                select(func.coalesce(func.sum(records.c.act_minutes), 0)).where(
                    records.c.member_no == member_no, records.c.act_date == act_date
                )
            )
            refusal = rules.record_result(act_date, activity.act_minutes, int(that_day or 0), today_kst())
            if refusal is not None:
                return _result(refusal), False
            count = await session.scalar(select(func.count()).select_from(records))
            record_no = f"V{int(count or 0) + 1:010d}"
            await session.execute(
                insert(records).values(
                    record_no=record_no,
                    member_no=member_no,
                    source_system=transfer.source_system,
                    source_record_id=transfer.source_record_id,
                    act_date=act_date,
                    act_minutes=activity.act_minutes,
                    payload=transfer.model_dump_json(by_alias=True),
                    received_at=datetime.now(UTC),
                )
            )
        return _result(ResultCode.OK, record_no), False

    @app.get("/api/v1/records/{source_system}/{source_record_id}", response_model=RecordView)
    async def get_record(source_system: str, source_record_id: str) -> RecordView:
        async with db.transaction() as session:
            row = (
                await session.execute(
                    select(records).where(
                        records.c.source_system == source_system, records.c.source_record_id == source_record_id
                    )
                )
            ).one_or_none()
        if row is None:
            raise HTTPException(404, f"no record {source_system}/{source_record_id}")
        return RecordView(
            record_no=row.record_no,
            member_no=row.member_no,
            source_system=row.source_system,
            source_record_id=row.source_record_id,
            act_date=row.act_date.strftime("%Y%m%d"),
            act_minutes=row.act_minutes,
            received_at=row.received_at,
        )

    @app.post("/members", response_model=Member, status_code=201)
    async def join(body: MemberCreate) -> Member:
        async with write_lock, db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(members))
            values: dict[str, Any] = {
                "member_no": f"M{int(count or 0) + 1:08d}",
                "name": body.name,
                "birth_date": body.birth_date,
                "mobile": body.mobile,
                "consent": body.consent,
                "merged_into": None,
                "created_at": datetime.now(UTC),
            }
            try:
                await session.execute(insert(members).values(**values))
            except IntegrityError as exc:  # pragma: no cover - guarded by the lock
                raise HTTPException(409, "member number taken; try again") from exc
        return Member.model_validate(values)

    @app.get("/members", response_model=list[Member])
    async def find_members(name: str, birth_date: date) -> list[Member]:
        async with db.transaction() as session:
            rows = (
                await session.execute(select(members).where(members.c.name == name, members.c.birth_date == birth_date))
            ).all()
        return [Member.model_validate(row._asdict()) for row in rows]

    @app.put("/members/{member_no}/consent", response_model=Member)
    async def set_consent(member_no: str, body: ConsentChange) -> Member:
        async with db.transaction() as session:
            await _member(session, member_no)
            await session.execute(update(members).where(members.c.member_no == member_no).values(consent=body.granted))
            return await _member(session, member_no)

    @app.post("/members/{member_no}/merge", response_model=Member)
    async def merge_duplicates(member_no: str) -> Member:
        """중복ID 통합: every other account of the same person is folded into this one."""
        async with write_lock, db.transaction() as session:
            keep = await _member(session, member_no)
            await session.execute(
                update(members)
                .where(
                    members.c.name == keep.name,
                    members.c.birth_date == keep.birth_date,
                    members.c.mobile == keep.mobile,
                    members.c.member_no != member_no,
                )
                .values(merged_into=member_no)
            )
            return keep

    @app.post("/_sim/faults", status_code=204)
    async def arm_fault(fault: Fault) -> None:
        faults.arm(fault)

    @app.delete("/_sim/faults", status_code=204)
    async def clear_fault() -> None:
        faults.clear()

    @app.get("/_sim/stats", response_model=Stats)
    async def stats() -> Stats:
        return tally.view()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": "sim1365"}

    return app


async def _member(session: Any, member_no: str) -> Member:
    row = (await session.execute(select(members).where(members.c.member_no == member_no))).one_or_none()
    if row is None:
        raise HTTPException(404, f"no member {member_no}")
    return Member.model_validate(row._asdict())


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise HTTPException(422, f"not a date (YYYYMMDD): {value}") from None


def _result(code: ResultCode, record_no: str | None = None) -> TransferResult:
    return TransferResult(result_code=code, result_msg=RESULT_MESSAGES[code], record_no=record_no)
