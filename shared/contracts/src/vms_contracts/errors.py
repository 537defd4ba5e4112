"""What a refusal looks like on the wire: a stable code, its kind, the text in Korean and English, and the fields
that were wrong. The same body reaches an HTTP client inside `{"error": …}`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RULE = "rule"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class FieldError(BaseModel):
    field: str
    message: str = Field(description="Korean text for people")
    message_en: str
    type: str


class ErrorBody(BaseModel):
    """What a client reads when something was refused: a stable code, the text, and where it went wrong."""

    code: str
    kind: ErrorKind
    message: str = Field(description="Korean text for people")
    message_en: str
    params: dict[str, Any] = Field(default_factory=dict)
    fields: list[FieldError] = Field(default_factory=list)
