"""The message catalogue: every user-facing text, in Korean first and English second.

This module holds the texts every service shares (request errors, field errors, the display of hours); each
service adds its own (its errors and labels) from its `messages.py` with `register`, so that a text lives with
the service it belongs to and every code is defined once. Parameters are filled with `str.format`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class Text(NamedTuple):
    ko: str
    en: str


CATALOGUE: dict[str, Text] = {
    # Request errors
    "INVALID_REQUEST": Text("입력값이 올바르지 않습니다.", "The request is not valid."),
    "INTERNAL_ERROR": Text(
        "처리 중 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        "Something went wrong. Please try again shortly.",
    ),
    "SERVICE_TIMEOUT": Text(
        "{service} 서비스가 제시간에 응답하지 않았습니다.",
        "The {service} service did not answer in time.",
    ),
    "SERVICE_UNAVAILABLE": Text(
        "{service} 서비스에 연결할 수 없습니다.",
        "The {service} service is not available.",
    ),
    "NOT_FOUND": Text("요청한 주소를 찾을 수 없습니다.", "Nothing is found at this address."),
    "NOT_OWNED_HERE": Text(
        "이 요청의 자료는 {owner} 지역이 관리합니다. {owner} 지역으로 보내야 합니다 (받은 곳: {asked} 지역).",
        "What this request is about belongs to region {owner}; send it to region {owner} (it came to {asked}).",
    ),
    # Field errors, by pydantic's error type
    "FIELD_missing": Text("필수 항목입니다.", "This field is required."),
    "FIELD_string_too_short": Text("너무 짧습니다.", "Too short."),
    "FIELD_string_too_long": Text("너무 깁니다.", "Too long."),
    "FIELD_string_pattern_mismatch": Text("형식이 맞지 않습니다.", "Not in the expected format."),
    "FIELD_string_type": Text("문자열이어야 합니다.", "Must be text."),
    "FIELD_uuid_parsing": Text("올바른 ID가 아닙니다.", "Not a valid id."),
    "FIELD_uuid_type": Text("올바른 ID가 아닙니다.", "Not a valid id."),
    "FIELD_date_parsing": Text("날짜 형식이 아닙니다 (YYYY-MM-DD).", "Not a date (YYYY-MM-DD)."),
    "FIELD_date_from_datetime_parsing": Text("날짜 형식이 아닙니다 (YYYY-MM-DD).", "Not a date (YYYY-MM-DD)."),
    "FIELD_time_parsing": Text("시각 형식이 아닙니다 (HH:MM).", "Not a time (HH:MM)."),
    "FIELD_bool_parsing": Text("참/거짓(true/false)이어야 합니다.", "Must be true or false."),
    "FIELD_bool_type": Text("참/거짓(true/false)이어야 합니다.", "Must be true or false."),
    "FIELD_int_parsing": Text("정수여야 합니다.", "Must be a whole number."),
    "FIELD_enum": Text("허용된 값이 아닙니다.", "Not one of the allowed values."),
    "FIELD_json_invalid": Text("JSON 형식이 아닙니다.", "Not valid JSON."),
    "FIELD_model_type": Text("JSON 객체여야 합니다.", "Must be a JSON object."),
    "FIELD_model_attributes_type": Text("JSON 객체여야 합니다.", "Must be a JSON object."),
    "FIELD_extra_forbidden": Text("알 수 없는 항목입니다.", "Unknown field."),
}


def register(texts: Mapping[str, Text]) -> None:
    """Add a service's own texts; a code already defined (here or by another service) is an error."""
    taken = sorted(code for code in texts if code in CATALOGUE and CATALOGUE[code] != texts[code])
    if taken:
        raise ValueError(f"message codes defined twice: {', '.join(taken)}")
    CATALOGUE.update(texts)


def text(code: str, **params: Any) -> Text:
    """The Korean and English text for `code`, with `params` filled in."""
    template = CATALOGUE[code]
    return Text(template.ko.format(**params), template.en.format(**params))


def format_minutes(minutes: int) -> Text:
    """`210` → `3시간 30분` / `3 h 30 min`: how hours are shown to people (stored as minutes)."""
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return Text(f"{hours}시간", f"{hours} h")
    if hours == 0:
        return Text(f"{rest}분", f"{rest} min")
    return Text(f"{hours}시간 {rest}분", f"{hours} h {rest} min")
