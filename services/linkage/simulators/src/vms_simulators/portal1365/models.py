"""The wire format of the simulated 1365 record transfer (invented: see the package docstring)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ResultCode(StrEnum):
    OK = "00"
    NO_MEMBER = "10"
    NO_CONSENT = "11"
    DUPLICATE_ID = "12"
    DAILY_LIMIT = "21"
    TOO_LATE = "22"
    NOT_FOUND = "30"
    """A correction (PUT) or deletion (DELETE) of a record 1365 never received, or (PUT) one it deleted: HTTP 404."""
    DELETED = "31"
    """A record sent again (POST) after it was deleted: 1365 does not take a deleted record back."""
    TEMPORARY_ERROR = "99"
    UNEXPECTED = "98"
    """Not one of the codes of the transfer API: only the `echo` fault answers it."""


RESULT_MESSAGES: dict[ResultCode, str] = {
    ResultCode.OK: "정상 처리되었습니다.",
    ResultCode.NO_MEMBER: "일치하는 회원이 없습니다.",
    ResultCode.NO_CONSENT: "봉사실적 연계를 위한 정보제공에 동의하지 않은 회원입니다.",
    ResultCode.DUPLICATE_ID: "중복 아이디가 있습니다. 중복ID 통합 후 다시 시도하십시오.",
    ResultCode.DAILY_LIMIT: "1일 인정 봉사시간(8시간)을 초과합니다.",
    ResultCode.TOO_LATE: "활동일로부터 3개월이 지난 실적은 등록할 수 없습니다.",
    ResultCode.NOT_FOUND: "등록된 실적이 없습니다.",
    ResultCode.DELETED: "삭제된 실적은 다시 등록할 수 없습니다.",
    ResultCode.TEMPORARY_ERROR: "일시적인 장애입니다.",
    ResultCode.UNEXPECTED: "{name}({birth_date}, {mobile}) 회원의 요청을 처리할 수 없습니다.",
}


class Volunteer(Wire):
    name: str = Field(min_length=1, max_length=50)
    birth_date: str = Field(pattern=r"^\d{8}$", description="YYYYMMDD")
    mobile: str = Field(pattern=r"^0\d{8,10}$", description="digits only")


class Activity(Wire):
    act_date: str = Field(pattern=r"^\d{8}$", description="YYYYMMDD")
    act_begin_tm: str = Field(pattern=r"^\d{4}$", description="HHMM")
    act_end_tm: str = Field(pattern=r"^\d{4}$", description="HHMM")
    act_minutes: int = Field(gt=0, le=24 * 60)
    act_place: str = Field(min_length=1, max_length=200, description="장소 또는 주관기관명")
    progrm_cn: str = Field(min_length=1, max_length=2000, description="활동내용")
    sido_cd: str | None = Field(default=None, pattern=r"^\d{7}$")


class RecordTransfer(Wire):
    source_system: str = Field(pattern=r"^[A-Z0-9]{2,10}$", examples=["VMS"])
    source_record_id: str = Field(min_length=1, max_length=64)
    volunteer: Volunteer
    activity: Activity


class TransferResult(Wire):
    result_code: ResultCode
    result_msg: str
    record_no: str | None = None


class MemberCreate(Wire):
    name: str = Field(min_length=1, max_length=50)
    birth_date: date
    mobile: str = Field(pattern=r"^0\d{8,10}$")
    consent: bool = False


class ConsentChange(Wire):
    granted: bool


class Member(Wire):
    member_no: str
    name: str
    birth_date: date
    mobile: str
    consent: bool
    merged_into: str | None
    created_at: datetime


class RecordView(Wire):
    record_no: str
    member_no: str
    source_system: str
    source_record_id: str
    act_date: str
    act_minutes: int
    received_at: datetime
    updated_at: datetime | None = Field(default=None, description="when a correction (PUT) last replaced it")


class FaultKind(StrEnum):
    STATUS = "status"
    """Answer HTTP `status` with 1365's temporary-failure JSON (`resultCode` 99), as an outage would."""
    XML_PAGE = "xml_page"
    """Answer HTTP 200 with an XML error page instead of JSON, as some government portals do."""
    ECHO = "echo"
    """Refuse the record with a result code VMS does not know, in words that quote the volunteer's name, birth date
    and mobile number back, as a portal that echoes the request in its error messages does."""


class Fault(Wire):
    """Make transfer calls fail: the next `count` calls, or every call for `seconds` (exactly one of the two)."""

    kind: FaultKind = FaultKind.STATUS
    status: int = Field(default=503, ge=400, le=599, description="the HTTP status of a `status` fault")
    count: int | None = Field(default=None, ge=1, le=100_000)
    seconds: float | None = Field(default=None, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_limit(self) -> Self:
        if (self.count is None) == (self.seconds is None):
            raise ValueError("give either `count` (the next calls) or `seconds` (every call for that long)")
        return self


class Stats(Wire):
    """What the simulated portal received since it started: every transfer call (POST, PUT, DELETE of a record) is
    counted once, in one of `faulted` (answered with an armed fault), `accepted` (a new record), `updated` (a
    record replaced by a correction), `deleted` (a record deleted), `duplicates` (a record it already held, a
    correction it already held, or a deletion already done, answered OK as before) or `refused` (by result code,
    `30` for a record it does not hold)."""

    received: int
    accepted: int
    updated: int
    deleted: int
    duplicates: int
    refused: dict[str, int]
    faulted: int
    duplicate_records: list[str] = Field(
        description="source record ids received more than once with nothing new (the first 100)"
    )
