"""Signing and verifying the actor a request carries (`vms_contracts.actor`).

The token is a JWT signed with Ed25519 (`EdDSA`): `iss` the signing program, `sub` the actor's id, `aud` `vms`,
`iat`/`exp` a minute apart, and the role and scope as `role`, `vol`, `ctr`, `reg`. Each program that sends
requests holds its own private key (`VMS_<PROGRAM>_ACTOR_KEY`); every service holds every program's public key
(`VMS_ACTOR_PUBLIC_KEYS`, `gateway=<key>,registry=<key>,…`). Only the gateway's key may name a person; any other
program's key names only that program itself, so a service that leaks its key cannot act as anyone else.
Keys are written as the base64url of their 32 raw bytes (`vms keys` makes a set).
"""

from __future__ import annotations

import base64
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from vms_contracts.actor import ACTOR_AUDIENCE, GATEWAY_ISSUER, Actor, Role
from vms_contracts.errors import ErrorKind
from vms_contracts.permissions import Access, access
from vms_platform.errors import DomainError
from vms_platform.messages import text

TOKEN_LIFETIME = 60
"""Seconds an actor token is valid: long enough for one request to cross the services, short enough that a
revoked account or a changed scope holds at once (the gateway signs a fresh one as each session is read)."""
CLOCK_LEEWAY = 5
"""Seconds of clock difference between machines that are tolerated."""
MAX_TOKEN_CHARS = 8192

PROGRAMS = ("gateway", "registry", "hours", "rewards", "linkage")
"""The programs that send requests, each with a key of its own."""

PUBLIC_KEYS_VARIABLE = "VMS_ACTOR_PUBLIC_KEYS"


class ActorMissing(DomainError):
    code = "ACTOR_MISSING"
    kind = ErrorKind.UNAUTHENTICATED


class ActorInvalid(DomainError):
    """Expired, forged, signed by a key nobody trusts, or naming what its signer may not name."""

    code = "ACTOR_INVALID"
    kind = ErrorKind.UNAUTHENTICATED


class NotPermitted(DomainError):
    """The matrix refuses the operation to the actor's role."""

    code = "NOT_PERMITTED"
    kind = ErrorKind.FORBIDDEN


class OutOfScope(DomainError):
    """The role may do it, but not to this record: another volunteer's, another centre's, another region's."""

    code = "OUT_OF_SCOPE"
    kind = ErrorKind.FORBIDDEN


class KeyConfigurationError(ValueError):
    """A key or key list that cannot be read: said at start, never at the first request."""


# -- keys ------------------------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError):
        raise KeyConfigurationError(f"{what} is not base64url") from None
    if len(raw) != 32:
        raise KeyConfigurationError(f"{what} is {len(raw)} bytes, an Ed25519 key is 32")
    return raw


def new_private_key() -> str:
    return _b64(Ed25519PrivateKey.generate().private_bytes_raw())


def public_key_of(private_key: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(_unb64(private_key, "the private key"))
    return _b64(key.public_key().public_bytes_raw())


def private_key(text: str, what: str = "the actor key") -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_unb64(text, what))


def public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    """`gateway=<key>,hours=<key>` → the public key of each program."""
    keys: dict[str, Ed25519PublicKey] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise KeyConfigurationError(f"{PUBLIC_KEYS_VARIABLE}: `{item[:40]}` is not `<program>=<key>`")
        keys[name.strip()] = Ed25519PublicKey.from_public_bytes(_unb64(value, f"the public key of {name.strip()}"))
    if not keys:
        raise KeyConfigurationError(f"{PUBLIC_KEYS_VARIABLE} is empty: give `gateway=<key>,registry=<key>,…`")
    return keys


def new_key_set(programs: Iterable[str] = PROGRAMS) -> dict[str, str]:
    """Environment variables for a whole system: each program's private key and the list of public keys."""
    private = {name: new_private_key() for name in programs}
    env = {f"VMS_{name.upper()}_ACTOR_KEY": key for name, key in private.items()}
    env[PUBLIC_KEYS_VARIABLE] = ",".join(f"{name}={public_key_of(key)}" for name, key in private.items())
    return env


# -- signing ---------------------------------------------------------------------------------------------------


class ActorSigner:
    """Signs the actors of one program. A token is reused for half its lifetime, so a busy caller signs about
    once a minute per actor instead of once a request."""

    def __init__(self, issuer: str, key: Ed25519PrivateKey, *, lifetime: int = TOKEN_LIFETIME) -> None:
        self.issuer = issuer
        self.key = key
        self.lifetime = lifetime
        self._recent: OrderedDict[Actor, tuple[str, float]] = OrderedDict()

    def token(self, actor: Actor) -> str:
        now = time.time()
        cached = self._recent.get(actor)
        if cached is not None and cached[1] - now > self.lifetime / 2:
            return cached[0]
        issued = int(now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": actor.id,
            "aud": ACTOR_AUDIENCE,
            "iat": issued,
            "exp": issued + self.lifetime,
            "role": actor.role.value,
        }
        if actor.volunteer_id is not None:
            claims["vol"] = str(actor.volunteer_id)
        if actor.centres:
            claims["ctr"] = sorted(str(c) for c in actor.centres)
        if actor.region is not None:
            claims["reg"] = actor.region
        token = jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.issuer})
        self._recent[actor] = (token, issued + self.lifetime)
        self._recent.move_to_end(actor)
        while len(self._recent) > 4096:
            self._recent.popitem(last=False)
        return token


# -- verifying -------------------------------------------------------------------------------------------------


class ActorVerifier:
    """Reads the actor out of a token, or refuses it. A token already verified is remembered until it expires."""

    def __init__(self, trusted: Mapping[str, Ed25519PublicKey], *, leeway: int = CLOCK_LEEWAY) -> None:
        self.trusted = dict(trusted)
        self.leeway = leeway
        self._seen: OrderedDict[str, tuple[Actor, float]] = OrderedDict()

    def verify(self, token: str | None) -> Actor:
        if not token:
            raise ActorMissing()
        seen = self._seen.get(token)
        if seen is not None:
            if seen[1] + self.leeway >= time.time():
                return seen[0]
            del self._seen[token]
        actor, expires = self._read(token)
        self._seen[token] = (actor, expires)
        while len(self._seen) > 8192:
            self._seen.popitem(last=False)
        return actor

    def _read(self, token: str) -> tuple[Actor, float]:
        if len(token) > MAX_TOKEN_CHARS:
            raise ActorInvalid(reason=f"longer than {MAX_TOKEN_CHARS} characters")
        try:
            issuer = str(jwt.get_unverified_header(token).get("kid", ""))
        except jwt.InvalidTokenError:
            raise ActorInvalid(reason="not a signed token") from None
        key = self.trusted.get(issuer)
        if key is None:
            raise ActorInvalid(reason=f"signed by a key nobody trusts ({issuer[:40] or 'unnamed'})")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=ACTOR_AUDIENCE,
                issuer=issuer,
                leeway=self.leeway,
                options={"require": ["iss", "sub", "aud", "iat", "exp", "role"]},
            )
        except jwt.ExpiredSignatureError:
            raise ActorInvalid(reason="expired") from None
        except jwt.InvalidSignatureError:
            raise ActorInvalid(reason="its signature does not match") from None
        except jwt.InvalidTokenError as exc:
            raise ActorInvalid(reason=str(exc)[:120]) from None
        try:
            actor = Actor(
                id=str(claims["sub"]),
                role=Role(claims["role"]),
                volunteer_id=UUID(claims["vol"]) if "vol" in claims else None,
                centres=frozenset(UUID(c) for c in claims.get("ctr", ())),
                region=claims.get("reg"),
            )
        except (ValueError, TypeError, ValidationError):
            raise ActorInvalid(reason="its role or scope cannot be read") from None
        if issuer != GATEWAY_ISSUER and (actor.role is not Role.SERVICE or actor.id != issuer):
            raise ActorInvalid(reason=f"{issuer} may sign only for itself")
        return actor, float(claims["exp"])


def refused(operation: str, role: Role) -> dict[str, str]:
    """What a refusal names: the operation and the role, by its code and by its name in each language."""
    name = text(f"ROLE_{role.value}")
    return {"operation": operation, "role": role.value, "role_name": name.ko, "role_name_en": name.en}


def authorize(operation: str, actor: Actor) -> Access:
    """What the matrix lets `actor` do of `operation`; `NotPermitted` when nothing."""
    granted = access(operation, actor.role)
    if granted is Access.REFUSED:
        raise NotPermitted(**refused(operation, actor.role))
    return granted


def require_scope(
    actor: Actor,
    operation: str,
    *,
    volunteer: UUID | None = None,
    centre: UUID | None = None,
    region: str | None = None,
) -> None:
    """Refuse (`OutOfScope`) unless the record — its volunteer, centre, region — is within what `actor` may reach
    for `operation`: anything where the matrix says allowed, its own scope where it says own."""
    if authorize(operation, actor) is Access.ALLOWED:
        return
    if not actor.covers(volunteer=volunteer, centre=centre, region=region):
        raise OutOfScope(**refused(operation, actor.role))


def in_scope(
    actor: Actor,
    operation: str,
    *,
    volunteer: UUID | None = None,
    centre: UUID | None = None,
    region: str | None = None,
) -> bool:
    """Whether one record of a list belongs in `actor`'s answer to `operation` (lists are cut to the scope)."""
    return access(operation, actor.role) is Access.ALLOWED or (
        access(operation, actor.role) is Access.OWN and actor.covers(volunteer=volunteer, centre=centre, region=region)
    )
