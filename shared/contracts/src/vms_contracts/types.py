"""Field types shared by request models: each validates and normalizes at the boundary, with a clear message."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_PHONE = re.compile(r"^0\d{8,10}$")


def normalize_phone(value: str) -> str:
    """`01012345678`, `010 1234 5678` → `010-1234-5678`; `0212345678` → `02-1234-5678`."""
    digits = re.sub(r"[\s\-.()]", "", value)
    if not _PHONE.match(digits):
        raise ValueError("전화번호 형식이 아닙니다 (예: 010-1234-5678) / not a Korean phone number, e.g. 010-1234-5678")
    area = 2 if digits.startswith("02") else 3
    return f"{digits[:area]}-{digits[area:-4]}-{digits[-4:]}"


def check_birth_date(value: date) -> date:
    if value > date.today():
        raise ValueError("생년월일이 미래입니다 / the birth date is in the future")
    if value < date(1900, 1, 1):
        raise ValueError("생년월일이 1900년 이전입니다 / the birth date is before 1900")
    return value


PhoneNumber = Annotated[str, AfterValidator(normalize_phone)]
BirthDate = Annotated[date, AfterValidator(check_birth_date)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
LoginId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z][a-z0-9_]{3,19}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
