"""A centre's file of activities (일괄 입력), read: CSV in UTF-8 or CP949 (what Korean spreadsheets save), or XLSX;
its template; and the file of the rows to fix, in the format it came in.

The first row names the columns, in Korean as the template writes them or by the API's field names; their order is
free. Each later row is one activity; an empty row is skipped, and rows keep their number in the file (the header is
row 1), which every refusal names. A value is read as people type it: a type or sub-field by its Korean or English
name as well as its code, a date as `2026-11-20`, `2026.11.20` or `2026/11/20`, a time as `9:00` or `09:00`; a
spreadsheet's own dates and times are read as such.

Nothing here asks a service: a row whose values cannot make an activity is refused here, with the same error the
service would give; the rest go to `hours.record_activities` (`vms_gateway.import_api`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from pydantic import ValidationError

from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.reference import ACTIVITY_TYPE_LABELS, SUB_FIELDS, ActivityType
from vms_contracts.rpc.hours import ActivityDetails
from vms_platform.errors import error_body, invalid_request
from vms_platform.messages import Text, register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MAX_FILE_ROWS = 20_000
"""Activities in one file at most (forty parts of `vms_gateway.import_api.PART_ROWS`); a larger file is split."""


@dataclass(frozen=True)
class Column:
    name: str
    """The request's field (`ActivityDetails`)."""
    korean: str
    """The template's header."""
    required: bool
    example: str


COLUMNS: tuple[Column, ...] = (
    Column("volunteer_id", "봉사자번호", True, "019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b"),
    Column("activity_date", "활동일", True, "2026-11-20"),
    Column("start_time", "시작시각", True, "10:00"),
    Column("end_time", "종료시각", True, "13:30"),
    Column("activity_type", "봉사활동분류", True, "시설봉사"),
    Column("sub_field", "세부분야", True, "정서지원"),
    Column("description", "활동내용", True, "어르신 말벗 및 식사 보조"),
    Column("place", "활동장소", False, ""),
    Column("recruitment_id", "모집번호", False, ""),
    Column("exception_reason", "초과사유", False, ""),
)
ERROR_HEADER = "오류 (error)"
"""The column the file of rows to fix adds: why each row was refused."""

register(
    {
        "IMPORT_EMPTY": Text(
            "파일에 내용이 없습니다: 첫 행에 열 이름, 그 아래에 활동을 한 행에 하나씩 적어 주세요.",
            "The file is empty: the first row names the columns, each row below it is one activity.",
        ),
        "IMPORT_ENCODING": Text(
            "파일의 문자 인코딩을 읽을 수 없습니다. CSV는 UTF-8 또는 CP949(엑셀의 'CSV (쉼표로 분리)')로 "
            "저장해 주세요.",
            "The file's text encoding cannot be read: save the CSV as UTF-8 or CP949 (Excel's 'CSV (comma "
            "delimited)').",
        ),
        "IMPORT_UNREADABLE": Text(
            "파일을 읽을 수 없습니다 ({reason}). CSV 또는 XLSX 파일을 올려 주세요.",
            "The file cannot be read ({reason}): send a CSV or XLSX file.",
        ),
        "IMPORT_COLUMNS_MISSING": Text(
            "필수 열이 없습니다: {missing}. 양식의 첫 행을 그대로 써 주세요.",
            "Required columns are missing: {missing}. Keep the template's first row.",
        ),
        "IMPORT_COLUMNS_UNKNOWN": Text(
            "알 수 없는 열이 있습니다: {unknown}. 쓸 수 있는 열: {known}",
            "Unknown columns: {unknown}. The columns are: {known}.",
        ),
        "IMPORT_COLUMN_TWICE": Text("같은 열이 두 번 있습니다: {column}", "A column is there twice: {column}."),
        "IMPORT_TOO_MANY_ROWS": Text(
            "한 파일에는 활동을 {limit}행까지 담을 수 있습니다 (이 파일: {rows}행). 파일을 나눠 올려 주세요.",
            "A file holds at most {limit} activities (this one: {rows}); split it.",
        ),
        "IMPORT_ROW_TOO_LONG": Text(
            "{row}행의 칸이 열 이름보다 많습니다 ({cells}칸, 열 {columns}개).",
            "Row {row} has more cells ({cells}) than there are columns ({columns}).",
        ),
    }
)


class ImportFileError(Exception):
    """The file as a whole cannot be read: its encoding, its columns, its size."""

    def __init__(self, code: str, **params: Any) -> None:
        self.body = error_body(code, ErrorKind.INVALID, **params)
        super().__init__(self.body.message_en)


@dataclass
class Row:
    number: int
    """Its row in the file (the header is row 1)."""
    cells: dict[str, str]
    """As read, by field name: what the file of rows to fix writes back."""
    activity: ActivityDetails | None = None
    error: ErrorBody | None = None


@dataclass
class ParsedFile:
    kind: str
    """`csv` or `xlsx`: the format the file of rows to fix is written in."""
    columns: list[str]
    """The fields the file has, in its order."""
    rows: list[Row] = field(default_factory=list)

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if row.activity is not None]


def parse(content: bytes, media_type: str | None = None) -> ParsedFile:
    """The file's rows, each read into an activity or refused with why; `ImportFileError` for a file that cannot be
    read at all."""
    if not content.strip():
        raise ImportFileError("IMPORT_EMPTY")
    if content[:4] == b"PK\x03\x04" or (media_type or "").startswith(XLSX):
        kind, table = "xlsx", _xlsx_rows(content)
    else:
        kind, table = "csv", _csv_rows(content)
    table = [(n, cells) for n, cells in table if any(c.strip() for c in cells)]
    if not table:
        raise ImportFileError("IMPORT_EMPTY")
    (_header_row, header), body = table[0], table[1:]
    columns = _columns(header)
    if len(body) > MAX_FILE_ROWS:
        raise ImportFileError("IMPORT_TOO_MANY_ROWS", limit=MAX_FILE_ROWS, rows=len(body))
    parsed = ParsedFile(kind, columns)
    for number, cells in body:
        extra = [c for c in cells[len(columns) :] if c.strip()]
        values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(columns)}
        row = Row(number, values)
        if extra:
            row.error = error_body(
                "IMPORT_ROW_TOO_LONG", ErrorKind.INVALID, row=number, cells=len(cells), columns=len(columns)
            )
        else:
            _read(row)
        parsed.rows.append(row)
    return parsed


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    text = _decoded(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise ImportFileError("IMPORT_UNREADABLE", reason=str(exc)) from None


def _decoded(content: bytes) -> str:
    """UTF-8 (with or without its byte order mark), else CP949, which Korean Excel writes; nothing else guessed."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("IMPORT_ENCODING")


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("IMPORT_UNREADABLE", reason=type(exc).__name__) from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, [_cell(value) for value in values]))
            if len(rows) > MAX_FILE_ROWS + 10_000:
                break  # far past the limit: counted as too many without reading the rest
        return rows
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_key(text: str) -> str:
    return re.sub(r"[\s_()·]", "", text).lower()


_HEADERS = {
    **{_header_key(c.korean): c.name for c in COLUMNS},
    **{_header_key(c.name): c.name for c in COLUMNS},
}


def _columns(header: Sequence[str]) -> list[str]:
    names: list[str] = []
    unknown: list[str] = []
    for text in header:
        if not text.strip():
            names.append("")
            continue
        name = _HEADERS.get(_header_key(text))
        if name is None:
            unknown.append(text.strip())
        elif name in names:
            raise ImportFileError("IMPORT_COLUMN_TWICE", column=text.strip())
        names.append(name or "")
    if unknown:
        known = ", ".join(f"{c.korean}({c.name})" for c in COLUMNS)
        raise ImportFileError("IMPORT_COLUMNS_UNKNOWN", unknown=", ".join(unknown), known=known)
    missing = [f"{c.korean}({c.name})" for c in COLUMNS if c.required and c.name not in names]
    if missing:
        raise ImportFileError("IMPORT_COLUMNS_MISSING", missing=", ".join(missing))
    while names and not names[-1]:
        names.pop()
    return names


# -- reading a row ---------------------------------------------------------------------------------------------------

_TYPES = {
    **{t.value: t.value for t in ActivityType},
    **{_header_key(label.ko): t.value for t, label in ACTIVITY_TYPE_LABELS.items()},
    **{_header_key(label.en): t.value for t, label in ACTIVITY_TYPE_LABELS.items()},
}
_DATE = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _activity_type(text: str) -> str:
    return _TYPES.get(_header_key(text), text)


def _sub_field(activity_type: str, text: str) -> str:
    if activity_type not in set(ActivityType):
        return text
    key = _header_key(text)
    for label in SUB_FIELDS[ActivityType(activity_type)]:
        if key in (_header_key(label.code), _header_key(label.ko), _header_key(label.en)):
            return label.code
    return text


def _date(text: str) -> str:
    found = _DATE.match(text)
    return f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}" if found else text


def _time(text: str) -> str:
    found = _TIME.match(text)
    if not found:
        return text
    return f"{int(found[1]):02d}:{found[2]}" + (f":{found[3]}" if found[3] else "")


def _read(row: Row) -> None:
    cells = row.cells
    values: dict[str, Any] = {name: value for name, value in cells.items() if name and value}
    if "activity_type" in values:
        values["activity_type"] = _activity_type(values["activity_type"])
        if "sub_field" in values:
            values["sub_field"] = _sub_field(values["activity_type"], values["sub_field"])
    for name in ("activity_date",):
        if name in values:
            values[name] = _date(values[name])
    for name in ("start_time", "end_time"):
        if name in values:
            values[name] = _time(values[name])
    try:
        row.activity = ActivityDetails.model_validate(values)
    except ValidationError as exc:
        row.error = invalid_request(exc.errors(include_url=False))


# -- files written -----------------------------------------------------------------------------------------------


def template(kind: str) -> bytes:
    """The file to fill: the columns' Korean names, and one example row (to be replaced)."""
    return _write(kind, [c.name for c in COLUMNS], [{c.name: c.example for c in COLUMNS}], errors=None)


def rows_to_fix(parsed: ParsedFile, refused: dict[int, str]) -> bytes:
    """The refused rows as they were sent, each with why (`refused`: row number → reason), in the file's format."""
    rows = [row.cells for row in parsed.rows if row.number in refused]
    reasons = [refused[row.number] for row in parsed.rows if row.number in refused]
    return _write(parsed.kind, [c for c in parsed.columns if c], rows, errors=reasons)


def _write(kind: str, columns: list[str], rows: Iterable[dict[str, str]], errors: list[str] | None) -> bytes:
    korean = {c.name: c.korean for c in COLUMNS}
    header = [korean[name] for name in columns] + ([ERROR_HEADER] if errors is not None else [])
    table = [
        [row.get(name, "") for name in columns] + ([errors[i]] if errors is not None else [])
        for i, row in enumerate(rows)
    ]
    if kind == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "봉사활동실적"
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E8EDF4")
        for line in table:
            sheet.append(line)
        for letter, width in zip("ABCDEFGHIJK", (38, 12, 10, 10, 14, 14, 30, 20, 38, 20, 60), strict=False):
            sheet.column_dimensions[letter].width = width
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(table)
    # With the byte order mark, Excel opens the file as UTF-8 rather than as the system's code page.
    return text.getvalue().encode("utf-8-sig")
