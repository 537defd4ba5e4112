"""What a refusal looks like on the wire: a stable code, its kind, the text in Korean and English, and the fields
that were wrong. The same body reaches an HTTP client inside `{"error": …}`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorKind(StrEnum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    """No one, or no one the system can trust, is asking."""
    FORBIDDEN = "forbidden"
    """The one asking may not do this, or not to this record."""
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RULE = "rule"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class FieldError(BaseModel):
    """One field that was refused, and the rule it broke."""

    field: str = Field(
        description="The field, `outer.inner` when nested; `(body)` for the body as a whole (not JSON, not an object)"
    )
    message: str = Field(description="Korean text for people: the rule the value broke, with its limit")
    message_en: str = Field(description="The same in English")
    type: str = Field(
        description="Which rule: pydantic's error type (`string_too_long`, `missing`, …) or the contract's own "
        "(`time_offset`, `phone_format`, …)"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description='The rule\'s numbers and values, e.g. `{"max_length": 100}`'
    )


class ErrorBody(BaseModel):
    """What a client reads when something was refused: a stable code, the text, and where it went wrong."""

    code: str
    kind: ErrorKind
    message: str = Field(description="Korean text for people")
    message_en: str
    params: dict[str, Any] = Field(default_factory=dict)
    fields: list[FieldError] = Field(default_factory=list)
