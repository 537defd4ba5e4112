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
    # Who is asking (`vms_platform.actor`): refusals before any record is read
    "ACTOR_MISSING": Text(
        "요청한 사람을 알 수 없습니다. 로그인한 뒤 다시 시도해 주세요.",
        "The request does not say who is asking; sign in and try again.",
    ),
    "ACTOR_INVALID": Text(
        "요청한 사람의 인증 정보를 받아들일 수 없습니다 ({reason}). 다시 로그인해 주세요.",
        "Who is asking cannot be trusted ({reason}); sign in again.",
    ),
    "NOT_PERMITTED": Text(
        "{role_name} 권한으로는 이 작업({operation})을 할 수 없습니다.",
        "The {role_name_en} role may not do this ({operation}).",
    ),
    "OUT_OF_SCOPE": Text(
        "{role_name} 권한으로는 자신의 범위(본인, 소속 관리센터, 소속 지역) 밖의 자료에 이 작업({operation})을 "
        "할 수 없습니다.",
        "The {role_name_en} role may do this ({operation}) only within its own scope (oneself, one's centres, "
        "one's region).",
    ),
    "ROLE_anonymous": Text("비회원", "Guest"),
    "ROLE_volunteer": Text("자원봉사자", "Volunteer"),
    "ROLE_centre_manager": Text("관리센터 담당자", "Centre manager"),
    "ROLE_council_admin": Text("시·도 협의회 관리자", "Regional council admin"),
    "ROLE_central_admin": Text("중앙회 관리자", "Central council admin"),
    "ROLE_integrator": Text("연계기관 (기계 계정)", "Integrator (machine account)"),
    "ROLE_service": Text("서비스", "Service"),
    # Documents that are not JSON as RFC 8259 defines it (`vms_platform.strict_json`)
    "BODY_NOT_UTF8": Text(
        "요청 본문이 UTF-8이 아닙니다 ({position}번째 바이트). JSON 본문은 UTF-8로 보내야 합니다.",
        "The request body is not UTF-8 (at byte {position}); a JSON body must be sent in UTF-8.",
    ),
    "BODY_BYTE_ORDER_MARK": Text(
        "요청 본문이 바이트 순서 표시(BOM)로 시작합니다. JSON 본문은 BOM 없는 UTF-8이어야 합니다.",
        "The request body starts with a byte order mark; a JSON body must be UTF-8 without one.",
    ),
    "BODY_NOT_JSON": Text(
        "요청 본문이 올바른 JSON이 아닙니다 ({line}번째 줄 {column}번째 글자).",
        "The request body is not valid JSON (line {line}, column {column}).",
    ),
    "BODY_TOO_DEEP": Text(
        "요청 본문의 JSON이 너무 깊게 중첩되었습니다.", "The request body's JSON is nested too deeply."
    ),
    "BODY_NUMBER_TOO_LONG": Text(
        "요청 본문의 숫자가 너무 깁니다 ({length}자, 최대 {limit_chars}자).",
        "A number in the request body is too long ({length} characters, at most {limit_chars}).",
    ),
    "BODY_NUMBER_OUT_OF_RANGE": Text(
        "요청 본문의 숫자가 나타낼 수 있는 범위를 벗어났습니다: {value}",
        "A number in the request body is out of range: {value}.",
    ),
    "BODY_NUMBER_NOT_JSON": Text("{value}은(는) JSON의 숫자가 아닙니다.", "{value} is not a JSON number."),
    # Field errors, by error type: pydantic's own, and those of the contract's field types (`vms_contracts.types`,
    # `vms_contracts.regions`). Parameters are the error's context: the numbers of the rule that was broken.
    "FIELD_invalid": Text("올바른 값이 아닙니다.", "Not a valid value: {detail}"),
    "FIELD_duplicate_member": Text(
        "같은 이름의 항목이 두 번 이상 있습니다: {name}", "The member {name} appears more than once."
    ),
    "FIELD_missing": Text("필수 항목입니다.", "This field is required."),
    "FIELD_body_missing": Text("요청 본문(JSON 객체)이 필요합니다.", "The request needs a body: a JSON object."),
    "FIELD_extra_forbidden": Text(
        "알 수 없는 항목입니다. 이 요청이 받는 항목만 보내 주세요.",
        "Unknown field: this request does not take it.",
    ),
    "FIELD_json_invalid": Text("본문이 올바른 JSON이 아닙니다.", "The body is not valid JSON: {error}."),
    "FIELD_json_invalid_at": Text(
        "본문이 올바른 JSON이 아닙니다 ({position}번째 문자 부근).",
        "The body is not valid JSON (near character {position}): {error}.",
    ),
    "FIELD_model_type": Text("JSON 객체여야 합니다.", "Must be a JSON object."),
    "FIELD_model_attributes_type": Text("JSON 객체여야 합니다.", "Must be a JSON object."),
    "FIELD_dict_type": Text("JSON 객체여야 합니다.", "Must be a JSON object."),
    "FIELD_string_type": Text(
        "문자열이어야 합니다 (따옴표로 감싼 JSON 문자열).", "Must be a string (a JSON string in quotes)."
    ),
    "FIELD_string_unicode": Text(
        "올바른 유니코드 문자열이 아닙니다 (짝 없는 서로게이트 문자 등).",
        "Not a valid Unicode string (a lone surrogate, for instance).",
    ),
    "FIELD_string_too_short": Text(
        "최소 {min_length}자 이상이어야 합니다.", "Must be at least {min_length} characters long."
    ),
    "FIELD_string_too_long": Text(
        "최대 {max_length}자까지 입력할 수 있습니다.", "Must be at most {max_length} characters long."
    ),
    "FIELD_string_pattern_mismatch": Text(
        "형식이 맞지 않습니다 (정규식 {pattern}).", "Not in the expected format (regular expression {pattern})."
    ),
    "FIELD_text_control_character": Text(
        "제어 문자({character})는 쓸 수 없습니다.", "Must not contain a control character ({character})."
    ),
    "FIELD_text_line_break": Text(
        "한 줄로 입력해 주세요: 줄바꿈이나 탭({character})은 쓸 수 없습니다.",
        "Must be one line: no line break or tab ({character}).",
    ),
    "FIELD_text_surrounding_space": Text(
        "앞뒤에 공백 없이 입력해 주세요 (공백만으로도 안 됩니다).",
        "Must not begin or end with a space (nor be only spaces).",
    ),
    "FIELD_text_bidi_control": Text(
        "글자 방향을 바꾸는 제어 문자({character})는 쓸 수 없습니다: 보이는 글과 실제 글이 달라집니다.",
        "Must not contain a text direction control ({character}): it makes the text read otherwise than it is.",
    ),
    "FIELD_text_invisible_character": Text(
        "보이지 않는 바이트 순서 표시({character})는 쓸 수 없습니다.",
        "Must not contain an invisible byte order mark ({character}).",
    ),
    "FIELD_text_noncharacter": Text(
        "유니코드 비문자({character})는 쓸 수 없습니다.", "Must not contain a Unicode noncharacter ({character})."
    ),
    "FIELD_text_private_use": Text(
        "사용자 정의 영역의 문자({character})는 쓸 수 없습니다: 정해진 뜻이 없는 글자입니다.",
        "Must not contain a private use character ({character}): it has no agreed meaning.",
    ),
    "FIELD_text_zero_width_edge": Text(
        "폭 없는 문자({character})로 시작하거나 끝날 수 없습니다 (그것만으로도 안 됩니다).",
        "Must not begin or end with a zero-width character ({character}), nor be only such characters.",
    ),
    "FIELD_text_combining_start": Text(
        "결합 문자({character})로 시작할 수 없습니다: 결합 문자는 글자 뒤에 붙습니다.",
        "Must not begin with a combining mark ({character}): it belongs after a letter.",
    ),
    "FIELD_text_blank_edge": Text(
        "비어 보이는 문자({character})로 시작하거나 끝날 수 없습니다 (그것만으로도 안 됩니다).",
        "Must not begin or end with a character that looks blank ({character}), nor be only such characters.",
    ),
    "FIELD_text_invisible": Text(
        "보이지 않는 문자({character})는 쓸 수 없습니다.", "Must not contain an invisible character ({character})."
    ),
    "FIELD_text_format": Text("이 항목에 쓸 수 없는 글자가 있습니다.", "Contains characters this field does not take."),
    "FIELD_login_id_format": Text(
        "아이디는 영문 소문자로 시작하고 영문 소문자(a–z), 숫자, _로 된 {min_length}–{max_length}자입니다.",
        "A login id is {min_length} to {max_length} lowercase letters a–z, digits or _, starting with a letter.",
    ),
    "FIELD_channel_format": Text(
        "영문 소문자로 시작하고 영문 소문자(a–z), 숫자, _로 된 {max_length}자 이내의 낱말이어야 합니다.",
        "Must be one word of up to {max_length} lowercase letters a–z, digits or _, starting with a letter.",
    ),
    "FIELD_phone_format": Text(
        "전화번호 형식이 아닙니다: 0으로 시작하는 숫자(0–9) 9–11자리, 사이에 - 또는 공백을 둘 수 있습니다 "
        "(예: {example}).",
        "Not a Korean phone number: 9 to 11 digits 0–9 starting with 0, optionally split by - or a space "
        "(e.g. {example}).",
    ),
    "FIELD_id_format": Text(
        "ID 형식이 아닙니다: 8-4-4-4-12자리 16진수 UUID여야 합니다 (예: {example}).",
        "Not an id: a UUID written as 8-4-4-4-12 hex digits (e.g. {example}).",
    ),
    "FIELD_uuid_parsing": Text("ID 형식이 아닙니다 (UUID).", "Not an id (a UUID)."),
    "FIELD_uuid_type": Text("ID 형식이 아닙니다 (UUID).", "Not an id (a UUID)."),
    "FIELD_date_format": Text(
        "날짜는 YYYY-MM-DD 형식의 문자열이어야 합니다 (예: {example}).",
        "A date is a string written YYYY-MM-DD (e.g. {example}).",
    ),
    "FIELD_date_invalid": Text("없는 날짜입니다: {value}", "There is no such day: {value}."),
    "FIELD_date_parsing": Text("날짜 형식이 아닙니다 (YYYY-MM-DD).", "Not a date (YYYY-MM-DD)."),
    "FIELD_date_from_datetime_parsing": Text("날짜 형식이 아닙니다 (YYYY-MM-DD).", "Not a date (YYYY-MM-DD)."),
    "FIELD_birth_date_range": Text(
        "생년월일은 {earliest}부터 오늘({latest})까지의 날짜여야 합니다.",
        "A birth date is between {earliest} and today ({latest}).",
    ),
    "FIELD_activity_date_range": Text(
        "활동일은 자원봉사활동기본법 시행일인 {earliest} 이후여야 합니다.",
        "An activity date is {earliest} or later, when the Framework Act on Volunteer Service came into force.",
    ),
    "FIELD_time_format": Text(
        "시각은 HH:MM 또는 HH:MM:SS 형식의 문자열이어야 합니다 (예: {example}).",
        "A time is a string written HH:MM or HH:MM:SS (e.g. {example}).",
    ),
    "FIELD_time_offset": Text(
        "시각은 시간대 표시 없이 한국 시간으로 적어 주세요 (예: {example}, 받은 값: {value}).",
        "Times are Korean time without an offset (e.g. {example}; got {value}).",
    ),
    "FIELD_time_parsing": Text("시각 형식이 아닙니다 (HH:MM).", "Not a time (HH:MM)."),
    "FIELD_bool_type": Text(
        "true 또는 false여야 합니다 (따옴표 없는 JSON 참/거짓 값).",
        "Must be true or false (a JSON boolean, not a string or a number).",
    ),
    "FIELD_bool_parsing": Text(
        "true 또는 false여야 합니다 (따옴표 없는 JSON 참/거짓 값).",
        "Must be true or false (a JSON boolean, not a string or a number).",
    ),
    "FIELD_int_type": Text("정수여야 합니다.", "Must be a whole number."),
    "FIELD_int_parsing": Text("정수여야 합니다.", "Must be a whole number."),
    "FIELD_enum": Text("허용된 값이 아닙니다: {expected} 중 하나여야 합니다.", "Must be one of {expected}."),
    "FIELD_literal_error": Text("허용된 값이 아닙니다: {expected} 중 하나여야 합니다.", "Must be one of {expected}."),
    "FIELD_region_province": Text(
        "{count}개 시·도 코드 중 하나여야 합니다 (00 전국은 아님): {codes}",
        "Must be one of the {count} province codes (not 00, national): {codes}.",
    ),
    "FIELD_region_replaced": Text(
        "{code}는 {changed}에 {successor}({name})로 바뀐 코드입니다. {successor}를 보내 주세요.",
        "{code} was replaced by {successor} on {changed}; send {successor}.",
    ),
    "FIELD_district_unknown": Text(
        "시·군·구 코드가 아닙니다: {code} (5자리, 예: 11110 서울특별시 종로구)",
        "Not a district (시·군·구) code: {code} (5 digits, e.g. 11110 for Jongno-gu, Seoul).",
    ),
    "FIELD_district_region": Text(
        "{district}({district_name})는 {region_name}이 아닌 다른 시·도({district_region})의 시·군·구입니다.",
        "District {district} ({district_name}) lies in region {district_region}, not {region}.",
    ),
    "FIELD_sub_field_unknown": Text(
        "{activity_type_name}에는 세부분야 {code}가 없습니다. 가능한 값: {codes}",
        "{activity_type} has no sub-field {code}; it has: {codes}.",
    ),
    "FIELD_sub_field_without_type": Text(
        "세부분야는 봉사활동 분류(activity_type)와 함께 검색해야 합니다.",
        "A sub-field is searched within an activity type: give activity_type too.",
    ),
    "FIELD_email_format": Text(
        "이메일 주소 형식이 아닙니다 (예: {example}).",
        "Not an e-mail address (e.g. {example}).",
    ),
    "FIELD_list_duplicate": Text("{item}이(가) 두 번 들어 있습니다.", "{item} is listed twice."),
    "FIELD_grade_range": Text(
        "학년이 맞지 않습니다: 이 학교급은 1–{last}학년입니다 (받은 값: {grade}).",
        "No such grade: a {level} school has grades 1 to {last} (got {grade}).",
    ),
    "FIELD_guardian_consent_required": Text(
        "보호자(법정대리인)의 동의가 있어야 합니다.",
        "The guardian's consent must be given.",
    ),
    "FIELD_row_numbers_length": Text(
        "행 번호는 행마다 하나씩이어야 합니다 (행 {rows}개, 번호 {numbers}개).",
        "One row number a row: {numbers} numbers for {rows} rows.",
    ),
    "FIELD_date_order": Text(
        "{end_field}({end})가 {start_field}({start})보다 앞설 수 없습니다.",
        "{end_field} {end} cannot come before {start_field} {start}.",
    ),
    "FIELD_time_order": Text(
        "{end_field}({end})는 {start_field}({start})보다 늦어야 합니다.",
        "{end_field} {end} must be after {start_field} {start}.",
    ),
    "FIELD_period_too_long": Text(
        "모집 기간은 최대 {days}일입니다. 그 다음 기간은 새로 등록해 주세요.",
        "A recruitment runs for at most {days} days; post the next one then.",
    ),
    "FIELD_one_of_required": Text(
        "{fields} 중 정확히 하나를 보내 주세요.",
        "Give exactly one of {fields}.",
    ),
    "FIELD_group_too_small": Text(
        "단체는 대표를 포함해 {min}명 이상이어야 합니다 (지금 {count}명). 개인으로 신청하거나 단원을 더해 주세요.",
        "A group applies with at least {min} members, the leader included (this one has {count}): apply as an "
        "individual or add members.",
    ),
    "FIELD_individual_with_members": Text(
        "개인 신청에는 단원을 넣을 수 없습니다. 단원과 함께라면 단체(group)로 신청해 주세요.",
        "An individual applies alone: to apply with members, apply as a group.",
    ),
    "FIELD_greater_than_equal": Text("{ge} 이상이어야 합니다.", "Must be at least {ge}."),
    "FIELD_less_than_equal": Text("{le} 이하여야 합니다.", "Must be at most {le}."),
    "FIELD_too_short": Text(
        "{min_length}개 이상 골라 주세요.",
        "Choose at least {min_length}.",
    ),
    "FIELD_too_long": Text(
        "{max_length}개까지만 고를 수 있습니다.",
        "Choose at most {max_length}.",
    ),
}


def register(texts: Mapping[str, Text]) -> None:
    """Add a service's own texts; a code already defined (here or by another service) is an error."""
    taken = sorted(code for code in texts if code in CATALOGUE and CATALOGUE[code] != texts[code])
    if taken:
        raise ValueError(f"message codes defined twice: {', '.join(taken)}")
    CATALOGUE.update(texts)


def text(code: str, /, **params: Any) -> Text:
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
