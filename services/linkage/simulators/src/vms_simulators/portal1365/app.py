"""The simulated 1365 portal over HTTP.

- `POST /api/v1/records`: what VMS calls to transfer one activity record (idempotent per source record id).
- `PUT /api/v1/records/{source}/{id}`: a correction: the record takes the facts sent, checked by the same rules as
  a new one (the member, the 3-month window, 8 hours that day without the record's own old minutes). The same
  correction again answers as before. A record 1365 does not hold (never received, or deleted) is HTTP 404 with
  `resultCode` 30.
- `DELETE /api/v1/records/{source}/{id}`: the record was cancelled at its source: 1365 deletes it. Idempotent: a
  record deleted already answers OK again, with its record number; one never received is HTTP 404 with
  `resultCode` 30. A deleted record keeps its source id: posted again, it is refused (`resultCode` 31).
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
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection, func, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
    Volunteer,
)
from vms_simulators.portal1365.store import ADDED_COLUMNS, members, metadata, records

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


class Change(StrEnum):
    """What a transfer call that 1365 took did to its records."""

    ACCEPTED = "accepted"
    UPDATED = "updated"
    DELETED = "deleted"


class Tally:
    """Counts of every transfer call, so tests and people can see what VMS sent, and how often."""

    MAX_LISTED = 100

    def __init__(self) -> None:
        self.received = 0
        self.done: Counter[Change] = Counter()
        self.duplicates = 0
        self.faulted = 0
        self.refused: Counter[str] = Counter()
        self.duplicate_records: list[str] = []

    def answered(self, source_record_id: str, result: TransferResult, *, duplicate: bool, change: Change) -> None:
        """One call answered: a repeat of what 1365 holds already, `change` done, or refused by its code."""
        if duplicate:
            self.duplicate(source_record_id)
        elif result.result_code is ResultCode.OK:
            self.done[change] += 1
        else:
            self.refused[result.result_code.value] += 1

    def duplicate(self, source_record_id: str) -> None:
        self.duplicates += 1
        if len(self.duplicate_records) < self.MAX_LISTED and source_record_id not in self.duplicate_records:
            self.duplicate_records.append(source_record_id)

    def view(self) -> Stats:
        return Stats(
            received=self.received,
            accepted=self.done[Change.ACCEPTED],
            updated=self.done[Change.UPDATED],
            deleted=self.done[Change.DELETED],
            duplicates=self.duplicates,
            refused=dict(sorted(self.refused.items())),
            faulted=self.faulted,
            duplicate_records=list(self.duplicate_records),
        )


UNKNOWN_VOLUNTEER = Volunteer(name="-", birth_date="00000000", mobile="000000000")
"""Who an `echo` fault quotes when the call named no one (a deletion of a record 1365 never received)."""


def _fault_response(fault: Fault, volunteer: Volunteer | None) -> Response:
    if fault.kind is FaultKind.XML_PAGE:
        return Response(XML_ERROR_PAGE, status_code=200, media_type="text/xml;charset=UTF-8")
    if fault.kind is FaultKind.ECHO:
        quoted = volunteer or UNKNOWN_VOLUNTEER
        code = ResultCode.UNEXPECTED
        message = RESULT_MESSAGES[code].format(name=quoted.name, birth_date=quoted.birth_date, mobile=quoted.mobile)
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
            await connection.run_sync(_add_missing_columns)
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
            return _fault_response(fault, transfer.volunteer)
        result, duplicate = await store_record(transfer)
        tally.answered(transfer.source_record_id, result, duplicate=duplicate, change=Change.ACCEPTED)
        return result

    async def store_record(transfer: RecordTransfer) -> tuple[TransferResult, bool]:
        """1365's answer to a transfer, and whether it repeats a record already held (answered as it was then)."""
        act_date = _parse_date(transfer.activity.act_date)
        async with write_lock, db.transaction() as session:
            existing = (
                await session.execute(
                    select(records.c.record_no, records.c.deleted_at).where(
                        records.c.source_system == transfer.source_system,
                        records.c.source_record_id == transfer.source_record_id,
                    )
                )
            ).one_or_none()
            if existing is not None:
                if existing.deleted_at is not None:
                    return _result(ResultCode.DELETED), False
                return _result(ResultCode.OK, existing.record_no), True
            refusal, member_no = await _checked(session, transfer, act_date)
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
                    act_minutes=transfer.activity.act_minutes,
                    payload=transfer.model_dump_json(by_alias=True),
                    received_at=datetime.now(UTC),
                )
            )
        return _result(ResultCode.OK, record_no), False

    @app.put(
        "/api/v1/records/{source_system}/{source_record_id}",
        response_model=TransferResult,
        responses={404: {"model": TransferResult, "description": "1365 holds no such record (`resultCode` 30)"}},
    )
    async def replace_record(
        source_system: str, source_record_id: str, transfer: RecordTransfer
    ) -> TransferResult | Response:
        if (transfer.source_system, transfer.source_record_id) != (source_system, source_record_id):
            raise HTTPException(
                422,
                f"the body is about record {transfer.source_system}/{transfer.source_record_id}, "
                f"the address about {source_system}/{source_record_id}",
            )
        tally.received += 1
        fault = faults.take()
        if fault is not None:
            tally.faulted += 1
            return _fault_response(fault, transfer.volunteer)
        result, duplicate = await replace(transfer)
        tally.answered(source_record_id, result, duplicate=duplicate, change=Change.UPDATED)
        return _answer(result)

    async def replace(transfer: RecordTransfer) -> tuple[TransferResult, bool]:
        """1365's answer to a correction, and whether it repeats what 1365 holds already (answered OK again)."""
        act_date = _parse_date(transfer.activity.act_date)
        async with write_lock, db.transaction() as session:
            held = (
                await session.execute(
                    select(records.c.seq, records.c.record_no, records.c.payload).where(
                        records.c.source_system == transfer.source_system,
                        records.c.source_record_id == transfer.source_record_id,
                        records.c.deleted_at.is_(None),
                    )
                )
            ).one_or_none()
            if held is None:
                return _result(ResultCode.NOT_FOUND), False
            payload = transfer.model_dump_json(by_alias=True)
            if payload == held.payload:
                return _result(ResultCode.OK, held.record_no), True
            refusal, member_no = await _checked(session, transfer, act_date, instead_of=held.seq)
            if refusal is not None:
                return _result(refusal), False
            await session.execute(
                update(records)
                .where(records.c.seq == held.seq)
                .values(
                    member_no=member_no,
                    act_date=act_date,
                    act_minutes=transfer.activity.act_minutes,
                    payload=payload,
                    updated_at=datetime.now(UTC),
                )
            )
        return _result(ResultCode.OK, held.record_no), False

    @app.delete(
        "/api/v1/records/{source_system}/{source_record_id}",
        response_model=TransferResult,
        responses={404: {"model": TransferResult, "description": "1365 never received the record (`resultCode` 30)"}},
    )
    async def delete_record(source_system: str, source_record_id: str) -> TransferResult | Response:
        tally.received += 1
        fault = faults.take()
        if fault is not None:
            tally.faulted += 1
            return _fault_response(fault, await held_volunteer(source_system, source_record_id))
        result, duplicate = await remove(source_system, source_record_id)
        tally.answered(source_record_id, result, duplicate=duplicate, change=Change.DELETED)
        return _answer(result)

    async def remove(source_system: str, source_record_id: str) -> tuple[TransferResult, bool]:
        """1365's answer to a deletion, and whether the record was deleted already (answered OK again)."""
        async with write_lock, db.transaction() as session:
            held = (
                await session.execute(
                    select(records.c.seq, records.c.record_no, records.c.deleted_at).where(
                        records.c.source_system == source_system, records.c.source_record_id == source_record_id
                    )
                )
            ).one_or_none()
            if held is None:
                return _result(ResultCode.NOT_FOUND), False
            if held.deleted_at is not None:
                return _result(ResultCode.OK, held.record_no), True
            await session.execute(update(records).where(records.c.seq == held.seq).values(deleted_at=datetime.now(UTC)))
        return _result(ResultCode.OK, held.record_no), False

    async def held_volunteer(source_system: str, source_record_id: str) -> Volunteer | None:
        async with db.transaction() as session:
            payload = await session.scalar(
                select(records.c.payload).where(
                    records.c.source_system == source_system, records.c.source_record_id == source_record_id
                )
            )
        return RecordTransfer.model_validate_json(payload).volunteer if payload is not None else None

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
        if row.deleted_at is not None:
            raise HTTPException(
                404, f"record {source_system}/{source_record_id} was deleted at {row.deleted_at.isoformat()}"
            )
        return RecordView(
            record_no=row.record_no,
            member_no=row.member_no,
            source_system=row.source_system,
            source_record_id=row.source_record_id,
            act_date=row.act_date.strftime("%Y%m%d"),
            act_minutes=row.act_minutes,
            received_at=row.received_at,
            updated_at=row.updated_at,
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


async def _checked(
    session: AsyncSession, transfer: RecordTransfer, act_date: date, *, instead_of: int | None = None
) -> tuple[ResultCode | None, str]:
    """1365's rules for a record as sent, new or corrected: exactly one consenting member, within 3 months, at most
    8 hours that day. A correction's own minutes held until now (`instead_of`, its `seq`) do not count towards
    its day. Returns the refusal, if any, and the member the record goes to."""
    volunteer, activity = transfer.volunteer, transfer.activity
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
        return refusal, ""
    member_no: str = matches[0].member_no
    same_day = [records.c.member_no == member_no, records.c.act_date == act_date, records.c.deleted_at.is_(None)]
    if instead_of is not None:
        same_day.append(records.c.seq != instead_of)
    that_day = await session.scalar(select(func.coalesce(func.sum(records.c.act_minutes), 0)).where(*same_day))
    return rules.record_result(act_date, activity.act_minutes, int(that_day or 0), today_kst()), member_no


def _add_missing_columns(connection: Connection) -> None:
    present = {column["name"] for column in inspect(connection).get_columns(records.name)}
    for name in ADDED_COLUMNS:
        if name not in present:
            kind = records.c[name].type.compile(dialect=connection.dialect)
            connection.execute(text(f"ALTER TABLE {records.name} ADD COLUMN {name} {kind}"))


def _answer(result: TransferResult) -> TransferResult | Response:
    """A record 1365 does not hold is HTTP 404, with the transfer API's own answer."""
    if result.result_code is ResultCode.NOT_FOUND:
        return JSONResponse(result.model_dump(mode="json", by_alias=True), status_code=404)
    return result


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
