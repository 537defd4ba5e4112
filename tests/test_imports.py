"""Reading a centre's file of activities (일괄 입력) as Korean spreadsheets write it: CSV in UTF-8 (with or without
its byte order mark) or CP949, XLSX with the spreadsheet's own dates and times; columns by their Korean names or
the API's, in any order; types and sub-fields by name or code. A file that cannot be read says why as a whole; a row
that cannot make an activity says why by its row number; the template reads back; the rows to fix go back in the
format they came in, each with why. No system needed: nothing here asks a service."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from uuid import uuid4

import pytest
from openpyxl import Workbook, load_workbook

from vms_contracts.reference import ActivityType
from vms_gateway import imports
from vms_gateway.imports import COLUMNS, MAX_FILE_ROWS, ImportFileError, parse, rows_to_fix, template

VOLUNTEER = str(uuid4())
HEADER = "봉사자번호,활동일,시작시각,종료시각,봉사활동분류,세부분야,활동내용"


def _csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows, ""]).encode(encoding)


def _xlsx(header: list[str], *rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_a_csv_is_read_in_utf8_with_or_without_its_mark_and_in_cp949(encoding: str) -> None:
    content = _csv(f"{VOLUNTEER},2026-11-20,10:00,13:30,재가봉사,정서지원,어르신 말벗", encoding=encoding)
    parsed = parse(content)
    assert parsed.kind == "csv"
    (row,) = parsed.rows
    assert row.error is None and row.activity is not None
    assert (row.activity.activity_type, row.activity.sub_field) == (ActivityType.HOME, "emotional")
    assert (row.activity.start_time, row.activity.end_time) == (time(10), time(13, 30))
    assert row.activity.description == "어르신 말벗"


def test_values_are_read_as_people_type_them() -> None:
    parsed = parse(
        _csv(
            f"{VOLUNTEER},2026.11.20,9:00,12:00,At facilities,행사보조,행사 준비",
            f"{VOLUNTEER},2026/11/21,09:00:00,10:00,facility,events,행사 정리",
        )
    )
    first, second = parsed.rows
    assert first.activity is not None and second.activity is not None, (first.error, second.error)
    assert first.activity.activity_date == date(2026, 11, 20) and first.activity.start_time == time(9)
    assert first.activity.activity_type is ActivityType.FACILITY and first.activity.sub_field == "events"
    assert second.activity.activity_date == date(2026, 11, 21)


def test_columns_are_named_in_korean_or_by_field_in_any_order_and_optional_ones_may_be_missing() -> None:
    header = "description,volunteer_id,활동 일,start_time,end_time,activity_type,sub_field,활동장소"
    parsed = parse(_csv(f"말벗,{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,경로당", header=header))
    (row,) = parsed.rows
    assert row.activity is not None and row.activity.place == "경로당"


def test_an_xlsx_is_read_with_the_spreadsheet_s_own_dates_and_times() -> None:
    header = [c.korean for c in COLUMNS[:7]]
    content = _xlsx(
        header,
        [VOLUNTEER, datetime(2026, 11, 20), time(10, 0), time(13, 30), "재가봉사", "정서지원", "말벗"],
        [None] * 7,
        [VOLUNTEER, date(2026, 11, 22), "14:00", "15:00", "home", "emotional", "두 번째"],
    )
    parsed = parse(content, imports.XLSX)
    assert parsed.kind == "xlsx"
    assert [row.number for row in parsed.rows] == [2, 4]  # the empty row 3 is skipped, numbers kept
    assert all(row.activity is not None for row in parsed.rows), [row.error for row in parsed.rows]
    assert parsed.rows[0].activity is not None and parsed.rows[0].activity.end_time == time(13, 30)


def test_rows_keep_their_number_in_the_file_and_a_bad_row_says_why() -> None:
    parsed = parse(
        _csv(
            f"{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,좋은 행",
            ",,,,,,",
            f"{VOLUNTEER},2026-02-30,10:00,11:00,home,emotional,없는 날",
            f"{VOLUNTEER},2026-11-20,10:00,11:00,home,housing,다른 분류의 세부분야",
            "not-an-id,2026-11-20,10:00,11:00,home,emotional,번호 아님",
            f"{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,,",
        )
    )
    numbers = {row.number: row for row in parsed.rows}
    assert sorted(numbers) == [2, 4, 5, 6, 7]
    assert numbers[2].activity is not None
    errors = {n: numbers[n].error for n in (4, 5, 6, 7)}
    fields = {n: {f.field for f in error.fields} for n, error in errors.items() if error is not None}
    assert fields == {4: {"activity_date"}, 5: {"sub_field"}, 6: {"volunteer_id"}, 7: {"description"}}
    assert numbers[4].error is not None and numbers[4].error.fields[0].type == "date_invalid"


@pytest.mark.parametrize(
    ("content", "code", "said"),
    [
        (b"", "IMPORT_EMPTY", ""),
        (b"\n\n", "IMPORT_EMPTY", ""),
        (_csv(header="이름,날짜"), "IMPORT_COLUMNS_UNKNOWN", "이름, 날짜"),
        (
            _csv(header="봉사자번호,활동일,시작시각,종료시각,봉사활동분류,세부분야"),
            "IMPORT_COLUMNS_MISSING",
            "활동내용",
        ),
        (_csv(header=HEADER + ",활동일"), "IMPORT_COLUMN_TWICE", "활동일"),
        ("봉사자번호\n".encode("utf-16"), "IMPORT_ENCODING", "CP949"),
        (b"PK\x03\x04 not a workbook", "IMPORT_UNREADABLE", "BadZipFile"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(content: bytes, code: str, said: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        parse(content)
    assert refused.value.body.code == code
    assert said in refused.value.body.message
    assert refused.value.body.message_en.strip()


def test_a_file_of_too_many_rows_is_refused_whole() -> None:
    rows = [f"{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,행 {n}" for n in range(MAX_FILE_ROWS + 1)]
    with pytest.raises(ImportFileError) as refused:
        parse(_csv(*rows))
    assert refused.value.body.code == "IMPORT_TOO_MANY_ROWS"


def test_a_row_longer_than_the_header_is_refused() -> None:
    parsed = parse(_csv(f"{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,말벗,덤"))
    (row,) = parsed.rows
    assert row.error is not None and row.error.code == "IMPORT_ROW_TOO_LONG"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_reads_back_as_one_example_activity(kind: str) -> None:
    parsed = parse(template(kind))
    assert parsed.kind == kind
    assert parsed.columns == [c.name for c in COLUMNS]
    (row,) = parsed.rows
    assert row.activity is not None, row.error


def test_the_rows_to_fix_go_back_as_they_came_with_why() -> None:
    parsed = parse(
        _csv(
            f"{VOLUNTEER},2026-11-20,10:00,11:00,home,emotional,좋은 행",
            f"{VOLUNTEER},2026.11.21,9:00,8:00,시설봉사,행사보조,거꾸로",
            encoding="cp949",
        )
    )
    written = rows_to_fix(parsed, {3: "종료 시각은 시작 시각보다 늦어야 합니다"}).decode("utf-8-sig").splitlines()
    assert written[0] == HEADER + ",오류 (error)"
    assert written[1:] == [
        f"{VOLUNTEER},2026.11.21,9:00,8:00,시설봉사,행사보조,거꾸로,종료 시각은 시작 시각보다 늦어야 합니다"
    ]
    # Sent again as it is (the error column aside), the file is read as before.
    again = parse("\n".join(line.rsplit(",", 1)[0] for line in written).encode())
    assert again.rows[0].cells["start_time"] == "9:00"

    workbook = parse(
        _xlsx([c.korean for c in COLUMNS[:7]], [VOLUNTEER, "2026-11-20", "9:00", "8:00", "home", "emotional", "x"])
    )
    book = load_workbook(io.BytesIO(rows_to_fix(workbook, {2: "거꾸로"})))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][-1] == "오류 (error)"
    assert [c.value for c in sheet[2]][-1] == "거꾸로"
