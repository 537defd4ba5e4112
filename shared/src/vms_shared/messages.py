"""The message catalogue: every user-facing text, in Korean first and English second.

Keys are the error codes and labels used across services; parameters are filled with `str.format`.
Nothing user-facing is written anywhere else.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Text(NamedTuple):
    ko: str
    en: str


CATALOGUE: dict[str, Text] = {
    # Request errors
    "INVALID_REQUEST": Text("입력값이 올바르지 않습니다.", "The request is not valid."),
    "INVALID_EVENT": Text("이벤트 형식이 올바르지 않습니다: {reason}", "The event is not valid: {reason}"),
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
    # Registry
    "VOLUNTEER_NOT_FOUND": Text(
        "봉사자를 찾을 수 없습니다: {volunteer_id}",
        "No volunteer with id {volunteer_id}.",
    ),
    "CENTRE_NOT_FOUND": Text(
        "관리센터를 찾을 수 없습니다: {centre_id}",
        "No management centre with id {centre_id}.",
    ),
    "LOGIN_ID_TAKEN": Text(
        "이미 사용 중인 아이디입니다: {login_id}",
        "The login id {login_id} is already taken.",
    ),
    "CENTRE_EXISTS": Text(
        "같은 지역에 같은 이름의 관리센터가 이미 있습니다: {name}",
        "A management centre named {name} already exists in this region.",
    ),
    # Hours
    "ACTIVITY_NOT_FOUND": Text(
        "봉사활동 기록을 찾을 수 없습니다: {activity_id}",
        "No activity record with id {activity_id}.",
    ),
    "ACTIVITY_TIMES_INVALID": Text(
        "종료 시각은 시작 시각보다 늦어야 합니다 (시작 {start_time}, 종료 {end_time}).",
        "The end time must be after the start time (start {start_time}, end {end_time}).",
    ),
    "ACTIVITY_IN_FUTURE": Text(
        "아직 지나지 않은 날짜의 활동은 입력할 수 없습니다: {activity_date}",
        "An activity cannot be entered for a date still to come: {activity_date}.",
    ),
    "ENTRY_WINDOW_PASSED": Text(
        "활동일로부터 {months}개월이 지나 입력할 수 없습니다 (활동일 {activity_date}). 예외 사유를 적어 주세요.",
        "More than {months} months have passed since the activity on {activity_date}; "
        "give an exception reason to enter it.",
    ),
    "DAILY_LIMIT_EXCEEDED": Text(
        "하루 인정 시간은 최대 {limit_hours}시간입니다 ({activity_date}에 이미 {existing_minutes}분). "
        "예외 사유를 적어 주세요.",
        "At most {limit_hours} hours a day are counted ({existing_minutes} min already on {activity_date}); "
        "give an exception reason to exceed it.",
    ),
    "ACTIVITY_OVERLAPS": Text(
        "같은 시간에 이미 기록된 활동이 있습니다: {activity_id} ({start_time}–{end_time})",
        "Another activity is already recorded at that time: {activity_id} ({start_time}–{end_time}).",
    ),
    # Labels
    "TRANSFER_PENDING": Text("전송 대기", "Waiting to be sent"),
    "TRANSFER_AWAITING_CONSENT": Text("연계 동의 대기", "Waiting for linkage consent"),
    "TRANSFER_SENT": Text("전송 완료", "Sent"),
    "TRANSFER_FAILED": Text("전송 실패", "Not accepted"),
    # Portal
    "PORTAL_TITLE": Text("사회복지자원봉사 종합관리 시스템 (VMS)", "Social-welfare Volunteer Management System (VMS)"),
    "PORTAL_INTRO": Text(
        "전국 사회복지자원봉사 관리센터와 17개 시·도 사회복지협의회가 봉사자를 등록하고, 활동을 배치·기록·인증하며, "
        "1365 자원봉사포털과 실적을 연계하는 시스템입니다.",
        "Where welfare centres and the 17 regional councils register volunteers, place them, record and certify "
        "their hours, and pass them on to the 1365 volunteer portal.",
    ),
    "PORTAL_API": Text("API 문서", "API documentation"),
    "PORTAL_HEALTH": Text("서비스 상태", "Service status"),
    "PORTAL_ABOUT": Text("법적 근거", "Legal basis"),
    "PORTAL_LEGAL_BASIS": Text(
        "사회복지사업법 제9조 및 같은 법 시행령 제25조 제3항, 사회복지자원봉사관리규정, 자원봉사활동기본법 제4조. "
        "1978년 사회봉사안내소(도움의 전화)로 시작했습니다.",
        "Social Welfare Services Act art. 9 and its Enforcement Decree art. 25(3), the social-welfare volunteer "
        "management rules, Framework Act on Volunteer Activities art. 4. Started in 1978 as a volunteer "
        "information desk.",
    ),
    "PORTAL_CONTACT": Text(
        "전국대표번호 1688-1090 (평일 09:00–18:00) · 한국사회복지협의회 (04195) 서울특별시 마포구 만리재로 14 "
        "한국사회복지회관 4층 · 02-2077-3995",
        "Nationwide line 1688-1090 (weekdays 09:00–18:00) · Korea National Council on Social Welfare, "
        "14 Mallijae-ro, Mapo-gu, Seoul 04195 · +82-2-2077-3995",
    ),
    # 1365's answers to a transfer
    "PORTAL_NO_MEMBER": Text(
        "1365 자원봉사포털에 해당 회원이 없습니다. 1365에 가입한 뒤 다시 전송됩니다.",
        "No matching member on 1365; the record is sent again once the volunteer joins 1365.",
    ),
    "PORTAL_NO_CONSENT": Text(
        "1365 자원봉사포털의 '봉사실적 연계를 위한 정보제공 동의'가 필요합니다.",
        "The volunteer must consent on 1365 to receive records (봉사실적 연계를 위한 정보제공 동의).",
    ),
    "PORTAL_DUPLICATE_ID": Text(
        "1365 자원봉사포털에 중복 아이디가 있습니다. 1365에서 중복ID 통합을 신청해 주세요.",
        "The volunteer has duplicate ids on 1365 and must ask 1365 to merge them (중복ID 통합).",
    ),
    "PORTAL_REJECTED": Text(
        "1365 자원봉사포털이 실적을 받지 않았습니다: {detail}", "1365 refused the record: {detail}"
    ),
}


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
