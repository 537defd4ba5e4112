"""What a client or a service may send: every request model refuses what it cannot take at face value, names the
field, and says the rule in Korean and English — the same whether the body was parsed first and validated in
Python (FastAPI's request bodies, FastStream's requests on the bus) or validated from JSON text.

The JSON schema of each model is what the gateway's OpenAPI document and the AsyncAPI document show, so it
states the same rules: anything the schema allows is accepted, anything it forbids is refused."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema import ValidationError as SchemaError
from pydantic import BaseModel, TypeAdapter, ValidationError

from vms_contracts.errors import FieldError
from vms_contracts.ids import new_id
from vms_contracts.reference import ActivityType
from vms_contracts.regions import REGIONS
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc.hours import RecordActivity
from vms_contracts.rpc.registry import RegisterCentre, RegisterVolunteer, SetConsent
from vms_contracts.types import LongText, PersonName, ShortText
from vms_platform.errors import field_error

Validate = Callable[[type[BaseModel], dict[str, Any]], BaseModel]


def python_mode(model: type[BaseModel], payload: dict[str, Any]) -> BaseModel:
    """As FastAPI validates a request body (the JSON already parsed) and FastStream a request from the bus."""
    result: BaseModel = TypeAdapter(model).validate_python(payload, from_attributes=True)
    return result


def json_mode(model: type[BaseModel], payload: dict[str, Any]) -> BaseModel:
    """As a client holding the contract validates a JSON text."""
    return model.model_validate_json(json.dumps(payload))


BOTH_MODES = pytest.mark.parametrize("validate", [python_mode, json_mode], ids=["python", "json"])

KST_TODAY = datetime.now(timezone(timedelta(hours=9))).date()
VOLUNTEER: dict[str, Any] = {
    "login_id": "hong_gildong",
    "name": "홍길동",
    "birth_date": "2001-04-05",
    "phone": "010-1234-5678",
    "region": "11",
}
CENTRE: dict[str, Any] = {"name": "행복종합사회복지관", "region": "11", "phone": "02-1234-5678"}
ACTIVITY: dict[str, Any] = {
    "centre_id": str(new_id("26")),
    "volunteer_id": str(new_id("11")),
    "activity_date": "2026-11-20",
    "start_time": "10:00",
    "end_time": "13:30",
    "activity_type": "facility",
    "sub_field": "emotional",
    "description": "어르신 말벗 및 식사 보조",
}
CONSENT: dict[str, Any] = {"volunteer_id": str(new_id("11")), "consent": "portal1365", "granted": True}


def refusal(validate: Validate, model: type[BaseModel], payload: dict[str, Any]) -> dict[str, FieldError]:
    """The field errors a client reads, by field."""
    with pytest.raises(ValidationError) as refused:
        validate(model, payload)
    return {f.field: f for f in (field_error(e) for e in refused.value.errors(include_url=False))}


def only_error(validate: Validate, model: type[BaseModel], payload: dict[str, Any], field: str) -> FieldError:
    errors = refusal(validate, model, payload)
    assert list(errors) == [field], errors
    return errors[field]


def has_hangul(text: str) -> bool:
    return any("HANGUL" in unicodedata.name(c, "") for c in text)


# -- times and dates -------------------------------------------------------------------------------------------


@BOTH_MODES
def test_time_with_offset_is_refused(validate: Validate) -> None:
    """A plain start and an end with an offset once reached the hours rules and failed there (500)."""
    error = only_error(validate, RecordActivity, {**ACTIVITY, "end_time": "11:00+09:00"}, "end_time")
    assert error.type == "time_offset"
    assert "한국 시간" in error.message
    assert "Korean time" in error.message_en


@BOTH_MODES
def test_times_with_offsets_are_not_converted(validate: Validate) -> None:
    """`10:00+09:00`–`02:00Z` was stored as 10:00–02:00, 60 minutes."""
    errors = refusal(validate, RecordActivity, {**ACTIVITY, "start_time": "10:00+09:00", "end_time": "02:00Z"})
    assert {f: e.type for f, e in errors.items()} == {"start_time": "time_offset", "end_time": "time_offset"}


@BOTH_MODES
@pytest.mark.parametrize("written", ["10:00", "09:05", "10:00:30", "00:00", "23:59:59"])
def test_times_are_hh_mm_or_hh_mm_ss(validate: Validate, written: str) -> None:
    accepted = validate(RecordActivity, {**ACTIVITY, "start_time": written, "end_time": "23:59:59"})
    assert isinstance(accepted, RecordActivity)
    assert accepted.start_time == time.fromisoformat(written)


@BOTH_MODES
@pytest.mark.parametrize("written", ["10", "9:00", "10:0", "1000", "10:00:00.5", "24:00", "10:60", "", 600, 10.5])
def test_other_ways_of_writing_a_time_are_refused(validate: Validate, written: Any) -> None:
    error = only_error(validate, RecordActivity, {**ACTIVITY, "start_time": written}, "start_time")
    assert error.type == "time_format"
    assert "HH:MM" in error.message and "HH:MM" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize("written", [20261120, "20261120", "2026-W47-5", "2026-11-20T00:00:00", "2026/11/20", True])
def test_dates_are_yyyy_mm_dd(validate: Validate, written: Any) -> None:
    error = only_error(validate, RecordActivity, {**ACTIVITY, "activity_date": written}, "activity_date")
    assert error.type == "date_format"
    assert "YYYY-MM-DD" in error.message and "YYYY-MM-DD" in error.message_en


@BOTH_MODES
def test_a_date_that_does_not_exist_is_refused(validate: Validate) -> None:
    error = only_error(validate, RecordActivity, {**ACTIVITY, "activity_date": "2026-02-30"}, "activity_date")
    assert error.type == "date_invalid"


@BOTH_MODES
@pytest.mark.parametrize("written", ["0001-01-01", "1999-12-31", "2006-02-04"])
def test_activity_before_the_volunteer_act_is_refused_even_with_a_reason(validate: Validate, written: str) -> None:
    """Such a record was credited in the totals, and 1365 then refused it."""
    payload = {**ACTIVITY, "activity_date": written, "exception_reason": "옛 기록"}
    error = only_error(validate, RecordActivity, payload, "activity_date")
    assert error.type == "activity_date_range"
    assert "2006-02-05" in error.message and "2006-02-05" in error.message_en


@BOTH_MODES
def test_activity_on_the_day_the_volunteer_act_came_into_force_is_taken(validate: Validate) -> None:
    accepted = validate(RecordActivity, {**ACTIVITY, "activity_date": "2006-02-05", "exception_reason": "옛 기록"})
    assert isinstance(accepted, RecordActivity)
    assert accepted.activity_date == date(2006, 2, 5)


@BOTH_MODES
def test_birth_date_zero_is_refused(validate: Validate) -> None:
    """`0` once became 1970-01-01."""
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "birth_date": 0}, "birth_date")
    assert error.type == "date_format"


@BOTH_MODES
def test_birth_date_is_between_1900_and_today(validate: Validate) -> None:
    for written in ["1899-12-31", (KST_TODAY + timedelta(days=1)).isoformat()]:
        error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "birth_date": written}, "birth_date")
        assert error.type == "birth_date_range"
        assert "1900-01-01" in error.message and "1900-01-01" in error.message_en
    for written in ["1900-01-01", KST_TODAY.isoformat()]:
        assert validate(RegisterVolunteer, {**VOLUNTEER, "birth_date": written})


# -- text ------------------------------------------------------------------------------------------------------


@BOTH_MODES
def test_nul_byte_in_name_is_refused(validate: Validate) -> None:
    """PostgreSQL answered a NUL with an error (a 500); SQLite stored it."""
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "name": "홍\x00길동"}, "name")
    assert error.type == "text_control_character"
    assert "U+0000" in error.message and "U+0000" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused_in_every_text(validate: Validate, character: str) -> None:
    cases: list[tuple[type[BaseModel], dict[str, Any], str]] = [
        (RegisterVolunteer, VOLUNTEER, "name"),
        (RegisterCentre, CENTRE, "name"),
        (RecordActivity, ACTIVITY, "description"),
        (RecordActivity, {**ACTIVITY, "exception_reason": "사유"}, "exception_reason"),
    ]
    for model, payload, field in cases:
        error = only_error(validate, model, {**payload, field: f"가{character}나"}, field)
        assert error.type == "text_control_character", (model, field)


@BOTH_MODES
@pytest.mark.parametrize("character", ["\n", "\t", "\u2028"])
def test_names_take_no_line_break(validate: Validate, character: str) -> None:
    named: list[tuple[type[BaseModel], dict[str, Any]]] = [(RegisterVolunteer, VOLUNTEER), (RegisterCentre, CENTRE)]
    for model, payload in named:
        error = only_error(validate, model, {**payload, "name": f"행복{character}복지관"}, "name")
        assert error.type == "text_line_break"


@BOTH_MODES
def test_long_text_takes_line_breaks_and_tabs(validate: Validate) -> None:
    written = "1. 말벗\n2. 식사 보조\t(점심)"
    accepted = validate(RecordActivity, {**ACTIVITY, "description": written})
    assert isinstance(accepted, RecordActivity)
    assert accepted.description == written


@BOTH_MODES
def test_long_text_breaks_lines_with_a_line_feed_only(validate: Validate) -> None:
    error = only_error(validate, RecordActivity, {**ACTIVITY, "description": "말벗\r\n식사"}, "description")
    assert (error.type, error.params) == ("text_control_character", {"character": "U+000D"})


@BOTH_MODES
@pytest.mark.parametrize("written", [" 홍길동", "홍길동 ", "\u3000홍길동", " "])
def test_text_does_not_begin_or_end_with_a_space(validate: Validate, written: str) -> None:
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "name": written}, "name")
    assert error.type == "text_surrounding_space"


# Characters a text may hold but not show: each was stored with 201 as a centre's name.
INVISIBLE: dict[str, tuple[str, str]] = {
    "a zero-width space alone": ("\u200b", "text_zero_width_edge"),
    "zero-width joiners alone": ("\u200d\u200d", "text_zero_width_edge"),
    "ending with a word joiner": ("센터\u2060", "text_zero_width_edge"),
    "a byte order mark first": ("\ufeff센터", "text_invisible_character"),
    "a byte order mark inside": ("센\ufeff터", "text_invisible_character"),
    "a right-to-left override": ("센터\u202e악성", "text_bidi_control"),
    "a left-to-right mark": ("센터\u200e", "text_bidi_control"),
    "a right-to-left isolate": ("\u2067센터\u2069", "text_bidi_control"),
    "combining marks alone": ("\u0301\u0301", "text_combining_start"),
    "a combining mark first": ("\u20dd센터", "text_combining_start"),
    "a half mark first": ("\ufe20a", "text_combining_start"),
    "private use": ("\ue000", "text_private_use"),
    "private use inside": ("센\uf8ff터", "text_private_use"),
    "a noncharacter": ("\uffff", "text_noncharacter"),
    "a noncharacter inside": ("센\ufdd0터", "text_noncharacter"),
    "U+FFFE": ("센터\ufffe", "text_noncharacter"),
    "a Hangul filler alone": ("\u3164", "text_blank_edge"),
    "Hangul fillers alone": ("\u3164\u3164\u3164", "text_blank_edge"),
    "choseong and jungseong fillers alone": ("\u115f\u1160", "text_blank_edge"),
    "a halfwidth filler last": ("센터\uffa0", "text_blank_edge"),
    "a blank braille pattern": ("\u2800", "text_blank_edge"),
    "a soft hyphen inside": ("센\u00ad터", "text_invisible"),
    "a Mongolian vowel separator": ("센\u180e터", "text_invisible"),
    "an invisible operator": ("센\u2062터", "text_invisible"),
    "an Arabic letter mark": ("센터\u061c", "text_bidi_control"),
    "a combining grapheme joiner last": ("센터\u034f", "text_zero_width_edge"),
}


@BOTH_MODES
@pytest.mark.parametrize(("written", "rule"), INVISIBLE.values(), ids=list(INVISIBLE))
def test_text_shows_what_it_holds(validate: Validate, written: str, rule: str) -> None:
    cases: list[tuple[type[BaseModel], dict[str, Any], str]] = [
        (RegisterVolunteer, VOLUNTEER, "name"),
        (RegisterCentre, CENTRE, "name"),
        (RecordActivity, ACTIVITY, "description"),
    ]
    for model, payload, field in cases:
        error = only_error(validate, model, {**payload, field: written}, field)
        assert error.type == rule, (model, field)
        assert has_hangul(error.message) and error.message_en and "{" not in error.message + error.message_en


@BOTH_MODES
def test_an_invisible_character_is_named(validate: Validate) -> None:
    error = only_error(validate, RegisterCentre, {**CENTRE, "name": "센터\u202e악성"}, "name")
    assert error.params == {"character": "U+202E"}
    assert "U+202E" in error.message and "U+202E" in error.message_en


VISIBLE: dict[str, str] = {
    "Hangul syllables": "행복종합사회복지관",
    "decomposed Hangul, as macOS sends it": unicodedata.normalize("NFD", "행복복지관"),
    "a family emoji, joined inside": "우리 가족 \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "a joiner between letters": "가\u200d나",
    "an accent after its letter": "Cafe\u0301",
    "a combining mark after a space": "a \u0301b",
    "a Hangul filler inside, as old Hangul is spelled": "\u1100\u1160\u11a8",
    "an emoji with its presentation selector": "센터 \u2764\ufe0f",
}


@BOTH_MODES
@pytest.mark.parametrize("written", VISIBLE.values(), ids=list(VISIBLE))
def test_text_that_shows_itself_is_taken(validate: Validate, written: str) -> None:
    accepted = validate(RegisterCentre, {**CENTRE, "name": written})
    assert isinstance(accepted, RegisterCentre)
    assert accepted.name == unicodedata.normalize("NFC", written)


@BOTH_MODES
def test_text_is_stored_composed(validate: Validate) -> None:
    """김나래 sent decomposed (as macOS sends it) is the 김나래 that 1365 and everyone else have: one name, stored
    in Unicode's composed form (NFC), in every text field."""
    decomposed = unicodedata.normalize("NFD", "김나래")
    assert len(decomposed) == 7
    volunteer = validate(RegisterVolunteer, {**VOLUNTEER, "name": decomposed})
    centre = validate(RegisterCentre, {**CENTRE, "name": unicodedata.normalize("NFD", "행복종합사회복지관")})
    activity = validate(RecordActivity, {**ACTIVITY, "description": decomposed, "exception_reason": decomposed})
    assert isinstance(volunteer, RegisterVolunteer) and volunteer.name == "김나래"
    assert isinstance(centre, RegisterCentre) and centre.name == "행복종합사회복지관"
    assert isinstance(activity, RecordActivity)
    assert activity.description == activity.exception_reason == "김나래"


@BOTH_MODES
def test_length_counts_the_composed_text(validate: Validate) -> None:
    """Once 17 decomposed syllables (51 code points) were too long while 50 composed ones passed."""
    for syllables in (17, 50):
        written = unicodedata.normalize("NFD", "가" * syllables)
        accepted = validate(RegisterVolunteer, {**VOLUNTEER, "name": written})
        assert isinstance(accepted, RegisterVolunteer) and accepted.name == "가" * syllables
    error = only_error(
        validate, RegisterVolunteer, {**VOLUNTEER, "name": unicodedata.normalize("NFD", "가" * 51)}, "name"
    )
    assert (error.type, error.params) == ("string_too_long", {"max_length": 50})
    # A character whose composed form is two (U+0958, a Devanagari letter excluded from composition): 50 sent are
    # 100 stored, too long for a name.
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "name": "\u0958" * 50}, "name")
    assert error.type == "string_too_long"


@pytest.mark.parametrize("text_type", [PersonName, ShortText, LongText], ids=["PersonName", "ShortText", "LongText"])
def test_schema_says_text_is_stored_composed(text_type: Any) -> None:
    assert "NFC-normalized" in TypeAdapter(text_type).json_schema()["description"]


def test_a_lone_surrogate_is_refused() -> None:
    """A JSON parser may hand one over (`"\\ud800"`); no database can store it."""
    error = only_error(python_mode, RegisterVolunteer, {**VOLUNTEER, "name": "홍\ud800"}, "name")
    assert error.type == "string_unicode"
    assert has_hangul(error.message)


@BOTH_MODES
def test_too_long_says_the_limit(validate: Validate) -> None:
    error = only_error(validate, RegisterCentre, {**CENTRE, "name": "가" * 101}, "name")
    assert error.type == "string_too_long"
    assert "최대 100자" in error.message
    assert "100" in error.message_en
    assert error.params == {"max_length": 100}


@BOTH_MODES
@pytest.mark.parametrize("written", [123, 1.5, True, ["홍길동"], {"ko": "홍길동"}, None])
def test_text_is_only_a_string(validate: Validate, written: Any) -> None:
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "name": written}, "name")
    assert error.type == "string_type"


# -- numbers, flags, codes ---------------------------------------------------------------------------------------


@BOTH_MODES
@pytest.mark.parametrize(
    "written",
    [
        "010١٢٣٤٥٦٧٨",
        "٠١٠-١٢٣٤-٥٦٧٨",
        "０１０-１２３４-５６７８",
        "010-1234-567８",
        "010.1234.5678",
        "+82-10-1234-5678",
        "12",
    ],
)
def test_phone_takes_ascii_digits_only(validate: Validate, written: str) -> None:
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "phone": written}, "phone")
    assert error.type == "phone_format"
    assert "010-1234-5678" in error.message and "010-1234-5678" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("0212345678", "02-1234-5678"),
        ("02-123-4567", "02-123-4567"),
        ("031-123-4567", "031-123-4567"),
    ],
)
def test_phone_is_written_one_way(validate: Validate, written: str, stored: str) -> None:
    accepted = validate(RegisterVolunteer, {**VOLUNTEER, "phone": written})
    assert isinstance(accepted, RegisterVolunteer)
    assert accepted.phone == stored


@BOTH_MODES
@pytest.mark.parametrize("written", ["yes", "true", 1, 0, "1", None, []])
def test_consent_is_a_json_boolean(validate: Validate, written: Any) -> None:
    """`"yes"` and `1` once counted as consent."""
    error = only_error(validate, SetConsent, {**CONSENT, "granted": written}, "granted")
    assert error.type == "bool_type"
    assert "true" in error.message and "false" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize("granted", [True, False])
def test_consent_given_or_withdrawn(validate: Validate, granted: bool) -> None:
    accepted = validate(SetConsent, {**CONSENT, "granted": granted})
    assert isinstance(accepted, SetConsent)
    assert accepted.granted is granted


@BOTH_MODES
@pytest.mark.parametrize("written", ["00", "99", "1", "011", "서울", " 11"])
def test_centre_region_is_one_of_the_seventeen(validate: Validate, written: Any) -> None:
    error = only_error(validate, RegisterCentre, {**CENTRE, "region": written}, "region")
    assert error.type == "region_province"
    assert "17" in error.message and "17" in error.message_en
    assert "52" in error.message


@BOTH_MODES
def test_a_region_is_a_string(validate: Validate) -> None:
    assert only_error(validate, RegisterCentre, {**CENTRE, "region": 11}, "region").type == "string_type"


@BOTH_MODES
def test_volunteer_region_is_one_of_the_seventeen(validate: Validate) -> None:
    assert only_error(validate, RegisterVolunteer, {**VOLUNTEER, "region": "00"}, "region").type == "region_province"


@BOTH_MODES
def test_a_replaced_region_code_names_its_successor(validate: Validate) -> None:
    error = only_error(validate, RegisterCentre, {**CENTRE, "region": "42"}, "region")
    assert error.type == "region_replaced"
    assert "51" in error.message and "51" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize("code", sorted(set(REGIONS) - {"00"}))
def test_every_province_is_taken(validate: Validate, code: str) -> None:
    accepted = validate(RegisterCentre, {**CENTRE, "region": code})
    assert isinstance(accepted, RegisterCentre)
    assert accepted.region == code


@BOTH_MODES
@pytest.mark.parametrize("written", ["Hong_gildong", "hong-gildong", "홍길동", "hon", "h" * 21, "_hong"])
def test_login_id_is_taken_as_written_or_refused(validate: Validate, written: str) -> None:
    error = only_error(validate, RegisterVolunteer, {**VOLUNTEER, "login_id": written}, "login_id")
    assert error.type == "login_id_format"
    assert "4" in error.message and "20" in error.message_en


@BOTH_MODES
@pytest.mark.parametrize(
    "written", ["not-an-id", 12, "01a2172c00007000800000000000000f", "{01a2172c-0000-7000-8000-00000000000f}"]
)
def test_ids_are_uuids_written_the_usual_way(validate: Validate, written: Any) -> None:
    error = only_error(validate, SetConsent, {**CONSENT, "volunteer_id": written}, "volunteer_id")
    assert error.type == "id_format"


@BOTH_MODES
def test_consent_kind_is_one_of_the_listed(validate: Validate) -> None:
    error = only_error(validate, SetConsent, {**CONSENT, "consent": "everything"}, "consent")
    assert error.type == "enum"
    assert "portal1365" in error.message and "portal1365" in error.message_en


# -- unknown and missing fields --------------------------------------------------------------------------------


@BOTH_MODES
def test_unknown_fields_are_refused_with_their_names(validate: Validate) -> None:
    """`"minutes": 1500` was silently dropped."""
    errors = refusal(validate, RecordActivity, {**ACTIVITY, "minutes": 1500, "status": "confirmed"})
    assert {f: e.type for f, e in errors.items()} == {"minutes": "extra_forbidden", "status": "extra_forbidden"}
    assert has_hangul(errors["minutes"].message)


def every_request_model() -> list[type[BaseModel]]:
    from vms_contracts.docs import all_rpcs

    return sorted({rpc.request for rpc in all_rpcs()}, key=lambda m: m.__name__)


@pytest.mark.parametrize("model", every_request_model(), ids=lambda m: m.__name__)
def test_every_request_refuses_unknown_fields(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({"surprise": 1})
    assert "extra_forbidden" in {e["type"] for e in refused.value.errors()}
    assert model.model_json_schema()["additionalProperties"] is False


@BOTH_MODES
def test_a_missing_field_is_named(validate: Validate) -> None:
    payload = {k: v for k, v in VOLUNTEER.items() if k != "phone"}
    error = only_error(validate, RegisterVolunteer, payload, "phone")
    assert (error.type, error.message, error.message_en) == ("missing", "필수 항목입니다.", "This field is required.")


# -- what the services build in Python -------------------------------------------------------------------------


def test_python_values_are_taken_as_they_are() -> None:
    """The gateway and the tests build requests from Python values; what they send is what the service reads."""
    record = RecordActivity(
        centre_id=new_id("26"),
        volunteer_id=new_id("11"),
        activity_date=date(2026, 11, 20),
        start_time=time(10),
        end_time=time(13, 30),
        activity_type=ActivityType.FACILITY,
        sub_field="emotional",
        description="어르신 말벗",
    )
    assert RecordActivity.model_validate_json(record.model_dump_json()) == record
    assert python_mode(RecordActivity, record.model_dump(mode="json")) == record


def test_python_values_follow_the_same_rules() -> None:
    aware = time(10, tzinfo=UTC)
    with pytest.raises(ValidationError, match="time_offset"):
        RecordActivity.model_validate({**ACTIVITY, "start_time": aware})
    with pytest.raises(ValidationError, match="date_format"):
        RecordActivity.model_validate({**ACTIVITY, "activity_date": datetime(2026, 11, 20, 10)})
    with pytest.raises(ValidationError, match="time_format"):
        RecordActivity.model_validate({**ACTIVITY, "start_time": time(10, 0, 0, 500)})
    with pytest.raises(ValidationError, match="bool_type"):
        SetConsent.model_validate({**CONSENT, "granted": 1})
    assert SetConsent.model_validate({**CONSENT, "volunteer_id": UUID(CONSENT["volunteer_id"])})


def test_the_gateway_bodies_are_the_requests_without_what_the_path_says() -> None:
    details = hours_rpc.ActivityDetails.model_validate({k: v for k, v in ACTIVITY.items() if k != "centre_id"})
    record = hours_rpc.RecordActivity(centre_id=ACTIVITY["centre_id"], **details.model_dump())
    assert record == RecordActivity.model_validate(ACTIVITY)
    assert issubclass(hours_rpc.RecordActivity, hours_rpc.ActivityDetails)
    assert "centre_id" not in hours_rpc.ActivityDetails.model_fields
    with pytest.raises(ValidationError, match="extra_forbidden"):
        hours_rpc.ActivityDetails.model_validate(ACTIVITY)

    assert registry_rpc.ConsentChoice.model_validate({"granted": False}).granted is False
    with pytest.raises(ValidationError, match="bool_type"):
        python_mode(registry_rpc.ConsentChoice, {"granted": "yes"})


# -- field errors ----------------------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_reported_as_the_body() -> None:
    """FastAPI reports a JSON syntax error at `("body", <position>)`; the position is not a field."""
    error = field_error(
        {"type": "json_invalid", "loc": ("body", 7), "msg": "JSON decode error", "ctx": {"error": "Expecting value"}},
        skip=1,
    )
    assert error.field == "(body)"
    assert has_hangul(error.message) and "JSON" in error.message_en
    assert error.params["position"] == 7


def test_a_bus_request_that_is_not_json_is_reported_as_the_body() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterCentre.model_validate_json(b"name=x")
    (error,) = [field_error(e) for e in refused.value.errors(include_url=False)]
    assert (error.field, error.type) == ("(body)", "json_invalid")


@BOTH_MODES
def test_a_body_that_is_not_an_object_is_refused(validate: Validate) -> None:
    with pytest.raises(ValidationError) as refused:
        if validate is python_mode:
            TypeAdapter(RegisterCentre).validate_python(["행복"], from_attributes=True)
        else:
            RegisterCentre.model_validate_json("[1]")
    (error,) = [field_error(e) for e in refused.value.errors(include_url=False)]
    assert error.field == "(body)"
    assert "JSON" in error.message and "object" in error.message_en


BAD_INPUTS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (RecordActivity, {**ACTIVITY, "start_time": "10:00+09:00"}),
    (RecordActivity, {**ACTIVITY, "start_time": "ten"}),
    (RecordActivity, {**ACTIVITY, "activity_date": "0001-01-01"}),
    (RecordActivity, {**ACTIVITY, "activity_date": "2026-02-30"}),
    (RecordActivity, {**ACTIVITY, "activity_date": 0}),
    (RecordActivity, {**ACTIVITY, "description": ""}),
    (RecordActivity, {**ACTIVITY, "description": "가" * 1001}),
    (RecordActivity, {**ACTIVITY, "description": " 말벗"}),
    (RecordActivity, {**ACTIVITY, "centre_id": "x"}),
    (RecordActivity, {**ACTIVITY, "minutes": 60}),
    (RegisterVolunteer, {**VOLUNTEER, "name": "a\x00"}),
    (RegisterVolunteer, {**VOLUNTEER, "name": "a\nb"}),
    (RegisterVolunteer, {**VOLUNTEER, "name": 5}),
    (RegisterVolunteer, {**VOLUNTEER, "birth_date": "1800-01-01"}),
    (RegisterVolunteer, {**VOLUNTEER, "phone": "010١٢٣٤٥٦٧٨"}),
    (RegisterVolunteer, {**VOLUNTEER, "login_id": "X"}),
    (RegisterVolunteer, {**VOLUNTEER, "region": "00"}),
    (RegisterVolunteer, {**VOLUNTEER, "region": "45"}),
    (RegisterVolunteer, {k: v for k, v in VOLUNTEER.items() if k != "name"}),
    (SetConsent, {**CONSENT, "granted": "yes"}),
    (SetConsent, {**CONSENT, "consent": "x"}),
    (SetConsent, {**CONSENT, "channel": "Portal App"}),
]


@BOTH_MODES
@pytest.mark.parametrize(("model", "payload"), BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_every_refusal_states_its_rule_in_korean_and_english(
    validate: Validate, model: type[BaseModel], payload: dict[str, Any]
) -> None:
    for error in refusal(validate, model, payload).values():
        assert has_hangul(error.message), error
        assert error.message_en and not has_hangul(error.message_en), error
        assert error.message != "입력값이 올바르지 않습니다.", error
        assert "{" not in error.message + error.message_en, error
        assert "Value error" not in error.message_en and "Input should" not in error.message_en, error


# -- the JSON schema shows the rules ---------------------------------------------------------------------------


def properties(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    props: dict[str, Any] = schema["properties"]
    return props


def test_schema_shows_the_rules() -> None:
    volunteer = properties(RegisterVolunteer)
    assert volunteer["phone"]["pattern"].startswith("^") and "[0-9]" in volunteer["phone"]["pattern"]
    assert volunteer["region"]["enum"] == sorted(set(REGIONS) - {"00"})
    assert volunteer["name"]["maxLength"] == 50 and volunteer["name"]["minLength"] == 1
    assert "pattern" in volunteer["name"]
    assert volunteer["login_id"]["pattern"] == "^[a-z][a-z0-9_]{3,19}$"
    assert volunteer["birth_date"]["format"] == "date"
    activity = properties(RecordActivity)
    assert "format" not in activity["start_time"]
    assert re.fullmatch(activity["start_time"]["pattern"], "10:00")
    assert not re.fullmatch(activity["start_time"]["pattern"], "10:00+09:00")
    assert activity["description"]["maxLength"] == 1000
    assert activity["centre_id"]["format"] == "uuid"
    assert properties(SetConsent)["granted"]["type"] == "boolean"


# Values the JSON schema and the model must judge alike, field by field (dates in range: the schema cannot
# say "not before 2006-02-05" or "not after today", and the descriptions say it instead).
SAMPLES: dict[str, list[Any]] = {
    "text": [
        "홍길동",
        "a",
        "가 나",
        "행복 종합 사회복지관",
        "😀",
        "a\x00",
        "a\n",
        "a\nb",
        "a\tb",
        " a",
        "a ",
        "\u3000a",
        "a\u00a0",
        "a\u2028b",
        "a\x85b",
        "a\x7f",
        "",
        " ",
        "가" * 50,
        "가" * 51,
        "a\rb",
        unicodedata.normalize("NFD", "가" * 17),
        unicodedata.normalize("NFD", "가" * 50),
        unicodedata.normalize("NFD", "가" * 51),
        "\u3164",
        "센\u00ad터",
        "센터\u061c",
        "센터\u034f",
        "\u2800",
        "\u1100\u1160\u11a8",
        "\u0958" * 25,
        "\u0958" * 26,
        "e\u0301",
        *(written for written, _ in INVISIBLE.values()),
        *VISIBLE.values(),
        "\u0300",
        "\u036f",
        "\u1ab0a",
        "\u1dffa",
        "\u20d0a",
        "\u20ffa",
        "\ufe2fa",
        "a\u200c",
        "\u200ca",
        "\u2066a",
        "a\u2068",
        "a\ue000b",
        "\uf8ff",
        "\ufdef",
        "\ufdcf",
        "\ufdf0",
        "\ufffd",
        "\ufffe",
        5,
        None,
        True,
    ],
    "phone": [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "02-123-4567",
        "0212345678",
        "021234567",
        "031-123-4567",
        "010-123-4567",
        "010١٢٣٤٥٦٧٨",
        "12",
        "010-12345-678",
        "+821012345678",
        "010--1234-5678",
        "0101234567890",
        "010-1234-5678 ",
        1012345678,
    ],
    "login_id": ["hong", "hong_gildong", "a123", "Hong", "hon", "h" * 20, "h" * 21, "1hong", "hong-g", "hong ", 7],
    "region": [*sorted(REGIONS), "42", "45", "99", "1", 11, None],
    "time": ["10:00", "10:00:00", "23:59:59", "24:00", "10:00Z", "10:00+09:00", "9:00", "10:00:00.1", 600, None],
    "id": [str(new_id("11")), "01A2172C-0000-7000-8000-00000000000F", "x", "01a2172c00007000800000000000000f", 3],
    "granted": [True, False, "true", 1, 0, None],
}
FIELDS: list[tuple[type[BaseModel], dict[str, Any], str, str]] = [
    (RegisterVolunteer, VOLUNTEER, "name", "text"),
    (RegisterCentre, CENTRE, "name", "text"),
    (RecordActivity, ACTIVITY, "description", "text"),
    (RegisterVolunteer, VOLUNTEER, "phone", "phone"),
    (RegisterCentre, CENTRE, "phone", "phone"),
    (RegisterVolunteer, VOLUNTEER, "login_id", "login_id"),
    (RegisterVolunteer, VOLUNTEER, "region", "region"),
    (RegisterCentre, CENTRE, "region", "region"),
    (RecordActivity, ACTIVITY, "start_time", "time"),
    (RecordActivity, ACTIVITY, "centre_id", "id"),
    (SetConsent, CONSENT, "volunteer_id", "id"),
    (SetConsent, CONSENT, "granted", "granted"),
]


def ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """JSON Schema's `pattern` as ECMA-262 reads it: `$` is the very end of the text (Python's `$`, which the
    jsonschema package uses, also matches before a final newline)."""
    if isinstance(instance, str) and not re.search(re.sub(r"\$$", r"\\Z", pattern), instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": ecma_pattern})


@pytest.mark.parametrize(
    ("model", "payload", "field", "kind"), FIELDS, ids=[f"{m.__name__}.{f}" for m, _, f, _ in FIELDS]
)
def test_schema_and_validation_agree(model: type[BaseModel], payload: dict[str, Any], field: str, kind: str) -> None:
    schema = model.model_json_schema()
    checker = EcmaValidator(schema, format_checker=FormatChecker())
    for value in SAMPLES[kind]:
        candidate = {**payload, field: value}
        # Text is held to its schema as it is stored: composed (NFC).
        stored = unicodedata.normalize("NFC", value) if kind == "text" and isinstance(value, str) else value
        schema_says = checker.is_valid({**payload, field: stored})
        for validate in (python_mode, json_mode):
            try:
                validate(model, candidate)
                model_says = True
            except ValidationError:
                model_says = False
            assert model_says == schema_says, (field, value, validate.__name__, schema["properties"][field])
