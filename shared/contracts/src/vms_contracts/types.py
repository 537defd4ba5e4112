"""What the requests clients and services send are made of: the base of every request model and the types of its
fields.

A request is validated in two ways, and each type holds in both: from JSON text (`model_validate_json`), and from
a JSON document already parsed, in Python (FastAPI validates request bodies that way, and FastStream the requests
it takes off the bus), where pydantic's lax mode would turn `"yes"` into `True`, `0` into 1970-01-01 and `"10:00Z"`
into a time with an offset. So each field takes one written form and the Python value of that form, nothing else:
a boolean only `true`/`false`, text only a string, a date only `YYYY-MM-DD`, a time only Korean `HH:MM[:SS]`.

Each refusal has an error type of its own (`time_offset`, `phone_format`, …) with the numbers of its rule in the
error's context; the message catalogue (`vms_platform.messages`, `FIELD_<type>`) turns it into Korean and English.
Each type's JSON schema states the same rule (pattern, enum, length, format), so that the gateway's OpenAPI
document and the AsyncAPI document describe exactly what is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, PydanticKnownError, core_schema


class RequestModel(BaseModel):
    """Base of every request a client or a service sends: a field it does not know is refused by name, never
    dropped, so that a client's `"minutes": 1500` cannot pass for accepted."""

    model_config = ConfigDict(extra="forbid")


KST = timezone(timedelta(hours=9), "KST")
"""Korean time: Korea keeps no daylight saving time, so a fixed offset is exact."""

EARLIEST_ACTIVITY_DATE = date(2006, 2, 5)
"""The day the 자원봉사활동기본법 (Framework Act on Volunteer Service, 법률 제7669호) came into force: volunteer hours
are recognised, and 1365 takes records, under it. The brochure's legal basis (SEED.md) names its article 4. No
activity is recorded, here or at 1365, from before that day."""

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def today_kst() -> date:
    return datetime.now(KST).date()


def _refuse(error_type: str, message: str, **ctx: Any) -> PydanticCustomError:
    """A refusal of our own: `error_type` names the rule (its texts are the catalogue's `FIELD_<type>`), `message`
    says it in English for whoever reads pydantic's errors directly, `ctx` holds the rule's numbers."""
    return PydanticCustomError(error_type, message, ctx)


class _Rule:
    """A rule checked in code after the type's own validation, and shown in the JSON schema (`keys`, e.g. the
    `pattern` whose full match the check is), so that a client sees the rule it is held to."""

    def __init__(self, check: Callable[[Any], Any], **keys: Any) -> None:
        self.check = check
        self.keys = keys

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(self.keys)
        return json_schema


def _full_match(pattern: str) -> Callable[[str], bool]:
    """How a JSON schema `pattern` anchored with `^…$` reads (ECMA-262: `$` is the very end of the text): a full
    match. Python's `$` would also match before a final newline, so the check is `fullmatch` on what is between."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"a rule's pattern is anchored at both ends: {pattern!r}")
    compiled = re.compile(pattern[1:-1])
    return lambda text: compiled.fullmatch(text) is not None


# -- text ----------------------------------------------------------------------------------------------------------


def _ranges(*spans: tuple[int, int]) -> frozenset[int]:
    return frozenset(code for first, last in spans for code in range(first, last + 1))


def _char_class(codes: frozenset[int]) -> str:
    """The inside of a regular expression's `[…]` holding `codes`, written as `\\uXXXX` escapes and ranges, which
    JSON Schema (ECMA-262) and Python read alike."""
    spans: list[list[int]] = []
    for code in sorted(codes):
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])

    def written(first: int, last: int) -> str:
        if first == last:
            return f"\\u{first:04x}"
        return f"\\u{first:04x}{'-' if last > first + 1 else ''}\\u{last:04x}"

    return "".join(written(first, last) for first, last in spans)


# Characters no text takes: C0 and C1 controls and DEL (a NUL is refused by PostgreSQL and silently stored by
# SQLite), the Unicode line and paragraph separators, and lone surrogates (which no database can store).
# Surrogates are left out of the published pattern, which JSON Schema tools cannot read with them (a JSON text
# holds them only as `\ud800` escapes); the check refuses them all the same.
_CONTROLS = _ranges((0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029))
_SURROGATES = _ranges((0xD800, 0xDFFF))
_SURROGATE = re.compile(f"[{_char_class(_SURROGATES)}]")
# Long text keeps two of them: tab and line feed.
_CONTROLS_BUT_LINES = _CONTROLS - {0x09, 0x0A}
# Characters that change what a reader sees without being seen, refused anywhere: the bidirectional marks,
# embeddings, overrides and isolates (`센터\u202e악성` shows its end reversed, so a name can pass for another);
# U+FEFF, a byte order mark that a copy from a file carries in; the noncharacters, which Unicode keeps for a
# program's own use and never assigns; and the private use area, whose glyphs are whatever a font makes of them.
# Only the Basic Multilingual Plane is listed: a pattern reads a character beyond it as two surrogates, which the
# published pattern cannot name (see above), and the pattern and the check must judge every text alike.
_BIDI_CONTROLS = _ranges((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069))
_BYTE_ORDER_MARK = frozenset({0xFEFF})
_NONCHARACTERS = _ranges((0xFDD0, 0xFDEF), (0xFFFE, 0xFFFF))
_PRIVATE_USE = _ranges((0xE000, 0xF8FF))
# Characters that show nothing and join nothing: the soft hyphen (shown only where a line breaks), the Mongolian
# vowel separator (a format character since Unicode 6.3) and the invisible mathematical operators.
_INVISIBLE = _ranges((0x00AD, 0x00AD), (0x180E, 0x180E), (0x2061, 0x2064))
_HIDDEN = _BIDI_CONTROLS | _BYTE_ORDER_MARK | _NONCHARACTERS | _PRIVATE_USE | _INVISIBLE
# Zero-width characters join or part what stands beside them (the joiner inside a family emoji, for one), so
# they are taken inside a text, never at either end, where they join nothing and a text of them alone is blank.
_ZERO_WIDTH = _ranges((0x034F, 0x034F), (0x200B, 0x200D), (0x2060, 0x2060))
# Characters drawn as blank space that are not white space to Python: the Hangul fillers (a name of U+3164 alone
# looks empty) and the blank braille pattern. Inside a text they may stand (old Hangul is spelled with the choseong
# and jungseong fillers); at either end they hide where the text begins or ends, and a text of them is blank.
_BLANK_LOOKING = frozenset({0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0})
# A combining mark belongs to the character before it; first in a text it has none, and a text of marks alone
# shows nothing to read. The blocks of combining marks: diacritical marks, their extension and supplement, the
# marks for symbols, and the half marks. (Hangul jamo are letters, not marks: decomposed Hangul, as macOS sends
# it, begins with a leading consonant and is taken.)
_COMBINING = _ranges((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# What text may not begin or end with: the white space Python's `str.strip()` removes.
_SPACES = frozenset(ord(c) for c in map(chr, range(0x3001)) if c.isspace())
_LINE_BREAKS = frozenset("\t\n\u000b\u000c\r\u2028\u2029")


def _text_pattern(forbidden: frozenset[int]) -> str:
    """Something visible first (no space, zero-width character or combining mark), nothing in `forbidden`
    anywhere, and no space or zero-width character last; a text of one character is both first and last."""
    inside = forbidden | _HIDDEN
    last = inside | _SPACES | _ZERO_WIDTH | _BLANK_LOOKING
    first = last | _COMBINING
    return f"^[^{_char_class(first)}](?:[^{_char_class(inside)}]*[^{_char_class(last)}])?$"


LINE_PATTERN = _text_pattern(_CONTROLS)
"""One line of text: no control character, no line break or tab, no space at either end, nothing hidden."""
LONG_TEXT_PATTERN = _text_pattern(_CONTROLS_BUT_LINES)
"""Text of several lines: line feeds and tabs inside, no other control character, no space at either end,
nothing hidden."""


NFC_NOTE = "Stored NFC-normalized: its length and pattern hold for the normalized text."


class _Text(_Rule):
    """Text in Unicode normalization form C (NFC), then held to its length and pattern.

    The same word reaches us composed (`김`, one code point, as Windows and most phones send it) or decomposed
    (`ᄀ` `ᅵ` `ᆷ`, three, as macOS sends it). Compared as sent, they are two names: a volunteer never matched their
    1365 record, and a centre's name, the key that makes registering it idempotent, made two centres. Counted as
    sent, 17 decomposed syllables were longer than 50 composed ones. So every text is composed first, and its
    length and pattern, in the check and in the JSON schema alike, are those of the text that is stored.
    """

    def __init__(self, pattern: str, *, lines: bool, max_length: int) -> None:
        super().__init__(self._check, pattern=pattern, minLength=1, maxLength=max_length, description=NFC_NOTE)
        self.matches = _full_match(pattern)
        self.forbidden = (_CONTROLS_BUT_LINES if lines else _CONTROLS) | _SURROGATES
        self.lines = lines
        self.max_length = max_length

    def _check(self, sent: str) -> str:
        if _SURROGATE.search(sent) is not None:
            # A lone surrogate (a JSON parser may hand one over from `"\ud800"`) is no text: refused as pydantic
            # refuses it in a string it measures.
            raise PydanticKnownError("string_unicode")
        value = unicodedata.normalize("NFC", sent)
        if not value:
            raise PydanticKnownError("string_too_short", {"min_length": 1})
        if len(value) > self.max_length:
            raise PydanticKnownError("string_too_long", {"max_length": self.max_length})
        if self.matches(value):
            return value
        for character in value:
            refusal = self._refusal_anywhere(character)
            if refusal is not None:
                raise refusal
        if value[:1].isspace() or value[-1:].isspace():
            raise _refuse("text_surrounding_space", "must not begin or end with a space")
        for character in {value[:1], value[-1:]}:
            if character and ord(character) in _BLANK_LOOKING:
                raise _refuse(
                    "text_blank_edge",
                    "must not begin or end with a character that looks blank ({character})",
                    character=f"U+{ord(character):04X}",
                )
            if character and ord(character) in _ZERO_WIDTH:
                raise _refuse(
                    "text_zero_width_edge",
                    "must not begin or end with a zero-width character ({character})",
                    character=f"U+{ord(character):04X}",
                )
        if value and ord(value[0]) in _COMBINING:
            raise _refuse(
                "text_combining_start",
                "must not begin with a combining mark ({character}): it belongs after a letter",
                character=f"U+{ord(value[0]):04X}",
            )
        # Not reached: a value the pattern refuses has one of the faults above. Kept so that a pattern changed
        # without its diagnosis still refuses.
        raise _refuse("text_format", "not text this field takes")

    def _refusal_anywhere(self, character: str) -> PydanticCustomError | None:
        """The refusal of `character` wherever it stands in a text, or None if it may stand inside one."""
        code = ord(character)
        written = f"U+{code:04X}"
        if code in self.forbidden:
            if character in _LINE_BREAKS and not self.lines:
                return _refuse(
                    "text_line_break", "must be one line: no line break or tab ({character})", character=written
                )
            return _refuse(
                "text_control_character", "must not contain a control character ({character})", character=written
            )
        if code in _BIDI_CONTROLS:
            return _refuse(
                "text_bidi_control",
                "must not contain a text direction control ({character}): it changes how the text reads",
                character=written,
            )
        if code in _BYTE_ORDER_MARK:
            return _refuse(
                "text_invisible_character",
                "must not contain an invisible byte order mark ({character})",
                character=written,
            )
        if code in _INVISIBLE:
            return _refuse("text_invisible", "must not contain an invisible character ({character})", character=written)
        if code in _NONCHARACTERS:
            return _refuse(
                "text_noncharacter", "must not contain a Unicode noncharacter ({character})", character=written
            )
        if code in _PRIVATE_USE:
            return _refuse(
                "text_private_use",
                "must not contain a private use character ({character}): it has no agreed meaning",
                character=written,
            )
        return None


PersonName = Annotated[str, Strict(), _Text(LINE_PATTERN, lines=False, max_length=50)]
ShortText = Annotated[str, Strict(), _Text(LINE_PATTERN, lines=False, max_length=100)]
LongText = Annotated[str, Strict(), _Text(LONG_TEXT_PATTERN, lines=True, max_length=1000)]


# -- codes and numbers ---------------------------------------------------------------------------------------------


def _formatted(pattern: str, error_type: str, message: str, **ctx: Any) -> _Rule:
    """A string that fully matches `pattern`, refused as `error_type` otherwise."""
    matches = _full_match(pattern)

    def check(value: str) -> str:
        if not matches(value):
            raise _refuse(error_type, message, **ctx)
        return value

    return _Rule(check, pattern=pattern)


LOGIN_ID_PATTERN = "^[a-z][a-z0-9_]{3,19}$"
LoginId = Annotated[
    str,
    Strict(),
    _formatted(
        LOGIN_ID_PATTERN,
        "login_id_format",
        "{min_length} to {max_length} lowercase letters a–z, digits or _, starting with a letter",
        min_length=4,
        max_length=20,
    ),
]

CHANNEL_PATTERN = "^[a-z][a-z0-9_]{0,39}$"
Channel = Annotated[
    str,
    Strict(),
    _formatted(
        CHANNEL_PATTERN,
        "channel_format",
        "up to {max_length} lowercase letters a–z, digits or _, starting with a letter",
        max_length=40,
    ),
]
"""How something was asked for (`portal`, `counter`, …): a word, not a sentence."""

# Area code (02 Seoul, 0XX elsewhere, 010 mobile), exchange, number; digits 0–9 only (Python's `\d` would take
# any script's digits), optionally split by `-` or a space.
PHONE_PATTERN = "^(?:02|0[13-9][0-9])[- ]?[0-9]{3,4}[- ]?[0-9]{4}$"
_phone_matches = _full_match(PHONE_PATTERN)


def normalize_phone(value: str) -> str:
    """`01012345678`, `010 1234 5678` → `010-1234-5678`; `0212345678` → `02-1234-5678`: one way of writing each
    number, so that the same person is recognised however they typed it."""
    if not _phone_matches(value):
        raise _refuse(
            "phone_format",
            "not a Korean phone number: digits 0–9 starting with 0, e.g. {example}",
            example="010-1234-5678",
        )
    digits = value.replace("-", "").replace(" ", "")
    area = 2 if digits.startswith("02") else 3
    return f"{digits[:area]}-{digits[area:-4]}-{digits[-4:]}"


PhoneNumber = Annotated[str, Strict(), _Rule(normalize_phone, pattern=PHONE_PATTERN)]

_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_uuid_matches = _full_match(_UUID_PATTERN)


def _id(value: object) -> object:
    """An id as a UUID's usual text (8-4-4-4-12 hex digits), or a UUID in Python; not `{…}`, `urn:uuid:…` or 32
    digits without hyphens, which pydantic would otherwise take."""
    if isinstance(value, UUID) or (isinstance(value, str) and _uuid_matches(value)):
        return value
    raise _refuse("id_format", "not an id: a UUID such as {example}", example="01a2172c-0000-7000-8000-000000000001")


Id = Annotated[
    UUID, BeforeValidator(_id), WithJsonSchema({"type": "string", "format": "uuid", "pattern": _UUID_PATTERN})
]


# -- dates and times -----------------------------------------------------------------------------------------------

_DATE_SHAPE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _calendar_date(value: object) -> date:
    """`YYYY-MM-DD`, or a `date` in Python; not a number of seconds, a datetime, `20261120` or `2026-W47-5`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not (isinstance(value, str) and _DATE_SHAPE.fullmatch(value)):
        raise _refuse("date_format", "not a date written YYYY-MM-DD, e.g. {example}", example="2026-11-20")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse("date_invalid", "there is no such day: {value}", value=value) from None


def _birth_date(value: date) -> date:
    today = today_kst()
    if not EARLIEST_BIRTH_DATE <= value <= today:
        raise _refuse(
            "birth_date_range",
            "a birth date is between {earliest} and today ({latest})",
            earliest=EARLIEST_BIRTH_DATE.isoformat(),
            latest=today.isoformat(),
        )
    return value


def _activity_date(value: date) -> date:
    if value < EARLIEST_ACTIVITY_DATE:
        raise _refuse(
            "activity_date_range",
            "activities are recorded from {earliest}, when the Framework Act on Volunteer Service came into force",
            earliest=EARLIEST_ACTIVITY_DATE.isoformat(),
        )
    return value


BirthDate = Annotated[date, BeforeValidator(_calendar_date), _Rule(_birth_date)]
"""From 1900-01-01 to today in Korea (never a 주민등록번호)."""
ActivityDate = Annotated[date, BeforeValidator(_calendar_date), _Rule(_activity_date)]
"""Not before `EARLIEST_ACTIVITY_DATE`; whether it may be entered today is the hours service's rule."""

KOREAN_TIME_PATTERN = "^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"
_korean_time_matches = _full_match(KOREAN_TIME_PATTERN)
_OFFSET = re.compile(
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?(?:[zZ]|[+-][0-9]{2}(?::?[0-9]{2})?)"
)


def _korean_time(value: object) -> object:
    """`HH:MM` or `HH:MM:SS` in Korean time, or a `time` without offset or fraction in Python. A time with an
    offset is refused, not converted: an activity is entered as the clock on the wall in Korea showed it."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise _time_offset(value.isoformat())
        if value.microsecond == 0:
            return value
    elif isinstance(value, str):
        if _korean_time_matches(value):
            return time.fromisoformat(value)
        if _OFFSET.fullmatch(value):
            raise _time_offset(value)
    raise _refuse("time_format", "not a time written HH:MM or HH:MM:SS, e.g. {example}", example="10:00")


def _time_offset(value: str) -> PydanticCustomError:
    # `value` is short: it matched `_OFFSET`, or is a Python `time`.
    return _refuse(
        "time_offset",
        "times are Korean time without an offset, e.g. {example}; got {value}",
        example="10:00",
        value=value,
    )


KoreanTime = Annotated[
    time,
    BeforeValidator(_korean_time),
    WithJsonSchema({"type": "string", "pattern": KOREAN_TIME_PATTERN}),
]
"""A time of day in Korea (KST), written without an offset."""


PageLimit = Annotated[int, Strict(), Field(ge=1, le=500, description="How many items at most (1–500)")]
"""The size of one page of a list: a list is never answered whole, however long it grows."""
PageOffset = Annotated[int, Strict(), Field(ge=0, description="How many items to skip first")]


# -- more shapes of the registry's requests ------------------------------------------------------------------------

CalendarDate = Annotated[
    date,
    BeforeValidator(_calendar_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
"""A day, written `YYYY-MM-DD`: a recruitment's period, a deadline, a day searched for."""

# What a mail system takes and a person types: a local part and a domain with a dot, no spaces, no quotes, ASCII.
EMAIL_PATTERN = "^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$"
_email_matches = _full_match(EMAIL_PATTERN)


def _email(value: str) -> str:
    if len(value) > 254 or not _email_matches(value):
        raise _refuse("email_format", "not an e-mail address, e.g. {example}", example="hong@example.com")
    local, _, domain = value.partition("@")
    return f"{local}@{domain.lower()}"


EmailAddress = Annotated[str, Strict(), _Rule(_email, pattern=EMAIL_PATTERN, maxLength=254)]
"""An e-mail address; its domain is stored in lower case (the local part is the mail system's to interpret)."""


def unique_items(values: list[Any]) -> list[Any]:
    """A list that names each thing once: `["mon", "mon"]` is a mistake, refused with the repeated item named."""
    seen: list[Any] = []
    for value in values:
        if value in seen:
            raise _refuse("list_duplicate", "{item} is listed twice", item=str(getattr(value, "value", value))[:50])
        seen.append(value)
    return values


def _unique(values: list[Any]) -> list[Any]:
    return unique_items(values)


Unique = _Rule(_unique, uniqueItems=True)
"""Put on a list type (`Annotated[list[X], Unique]`): each item at most once."""

Talent = Annotated[str, Strict(), _Text(LINE_PATTERN, lines=False, max_length=30)]
"""특기: one talent in a few words (`피아노`, `수화`, `컴퓨터 수리`)."""

SearchWords = Annotated[str, Strict(), _Text(LINE_PATTERN, lines=False, max_length=50)]
"""What someone types in a search box: a few words, at most 50 characters."""
