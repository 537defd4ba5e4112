"""Passwords: the rule a new one must meet, and argon2 hashes (`argon2-cffi`), made and checked in a thread.

Checking a password takes as long whether the account exists or not (an unknown login is checked against a hash
of a random password), so the time of an answer does not tell which logins exist. How many are hashed at once is
bounded: each takes the profile's memory (64 MiB for RFC 9106's low-memory profile).
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from typing import Annotated, Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import AfterValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from vms_contracts.errors import ErrorBody, ErrorKind, FieldError
from vms_gateway import messages as _messages  # noqa: F401  (the texts of the refusals below)
from vms_gateway.settings import PasswordProfile
from vms_platform.errors import DomainError
from vms_platform.messages import text

MIN_LENGTH = 10
MAX_LENGTH = 128

PROFILES: dict[PasswordProfile, Any] = {
    "RFC_9106_LOW_MEMORY": profiles.RFC_9106_LOW_MEMORY,
    "RFC_9106_HIGH_MEMORY": profiles.RFC_9106_HIGH_MEMORY,
    "CHEAPEST": profiles.CHEAPEST,
}


class PasswordRuleBroken(DomainError):
    """A new password shorter than 10 or longer than 128 characters, or the same as the login."""

    code = "PASSWORD_RULE"
    kind = ErrorKind.INVALID

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(min_length=MIN_LENGTH, max_length=MAX_LENGTH)

    def body(self) -> ErrorBody:
        return _with_field(super().body(), self.field, "password_rule", self.params)


class CurrentPasswordWrong(DomainError):
    """A password change whose current password is not the account's: refused as a wrong field of the form (422,
    on `current_password`), and counted as a failed sign-in, so that a session or token held by someone else cannot
    be used to guess it."""

    code = "CURRENT_PASSWORD_WRONG"
    kind = ErrorKind.INVALID

    def __init__(self, field: str = "current_password") -> None:
        self.field = field
        super().__init__()

    def body(self) -> ErrorBody:
        return _with_field(super().body(), self.field, "current_password_wrong", {})


def _with_field(body: ErrorBody, field: str, kind: str, params: dict[str, Any]) -> ErrorBody:
    said = text(body.code, **params)
    return body.model_copy(
        update={"fields": [FieldError(field=field, message=said.ko, message_en=said.en, type=kind, params=params)]}
    )


def normalized(password: str) -> str:
    """The same password typed on two keyboards can reach us in two Unicode forms (a Hangul syllable, or its
    letters): it is hashed and checked in one (NFC)."""
    return unicodedata.normalize("NFC", password)


def check_rule(password: str, login: str, field: str = "password") -> None:
    """Refuse (`PasswordRuleBroken`, naming `field`) a new password that breaks the rule. Its length is counted as
    it was typed, as the request's schema counts it."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH or normalized(password).casefold() == login.casefold():
        raise PasswordRuleBroken(field)


def _within_length(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        said = text("PASSWORD_RULE", min_length=MIN_LENGTH, max_length=MAX_LENGTH)
        raise PydanticCustomError(
            "password_rule", f"{said.ko} / {said.en}", {"min_length": MIN_LENGTH, "max_length": MAX_LENGTH}
        )
    return password


NewPassword = Annotated[
    str,
    Strict(),
    AfterValidator(_within_length),
    WithJsonSchema(
        {
            "type": "string",
            "format": "password",
            "minLength": MIN_LENGTH,
            "maxLength": MAX_LENGTH,
            "description": f"{MIN_LENGTH}–{MAX_LENGTH} characters, not the login itself",
        }
    ),
]
"""A new password in a request: its length is checked with the request (422 naming the field, type
`password_rule`); that it is not the login, where the login is known (`check_rule`)."""


class Passwords:
    """Hashes made with the configured profile; a hash made with other parameters still verifies, and
    `needs_rehash` says to replace it."""

    def __init__(self, profile: PasswordProfile, *, workers: int = 4) -> None:
        self.hasher = PasswordHasher.from_parameters(PROFILES[profile])
        self._slots = asyncio.Semaphore(workers)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, normalized(password))

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` is the one `stored` was made from. With no stored hash (an unknown login), the same
        work is done against a hash nobody knows the password of, and the answer is no."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(24))
            stored = self._dummy
            password = ""
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, normalized(password))

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
