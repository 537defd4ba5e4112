"""Settings every service shares; each service subclasses with its own prefix (`VMS_HOURS_…`).

Configuration is environment variables only: an operator never edits a file to deploy a service.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from vms_contracts.regions import NATIONAL, REGIONS, normalize_region
from vms_contracts.subjects import Bus
from vms_platform.logging import LogFormat, scrub

DATABASE_SCHEMES = ("postgresql", "postgres", "sqlite")
NATS_SCHEMES = ("nats", "tls", "ws", "wss")


def check_database_url(value: str) -> str:
    """A URL of a database a service runs on (`postgresql://…`, `sqlite:///path`); empty: not set."""
    if not value:
        return value
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a URL: postgresql://user:password@host:5432/name or sqlite:///path") from None
    if url.drivername.split("+")[0] not in DATABASE_SCHEMES:
        raise ValueError(f"{url.drivername}:// is no database this runs on: postgresql://… or sqlite:///path")
    return value


def check_nats_urls(value: str) -> str:
    """One or more NATS servers, comma-separated, each `nats://[user:password@]host:port` (or tls, ws, wss)."""
    servers = [part.strip() for part in value.split(",")]
    if not any(servers):
        raise ValueError("no server: nats://host:4222")
    for server in servers:
        try:
            parts = urlsplit(server)
        except ValueError:  # an unclosed `[` of an IPv6 address, say
            parts = urlsplit("")
        if parts.scheme not in NATS_SCHEMES or not parts.hostname:
            raise ValueError(f"{scrub(server)!r} is not a NATS server's URL: nats://host:4222 (or tls://, ws://)")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError(f"{scrub(server)!r}: port out of range (1–65535)")
    return ",".join(servers)


DatabaseUrl = Annotated[str, AfterValidator(check_database_url)]
NatsUrls = Annotated[str, AfterValidator(check_nats_urls)]


def configuration_errors(settings_class: type[BaseSettings], exc: ValidationError) -> str:
    """What is wrong with the environment, a line a variable, each named as the operator sets it and never with a
    password or key in it: `VMS_HOURS_BATCH_SIZE: Input should be a valid integer … (given 'abc')`."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        given = error.get("input")
        secret = field in settings_class.model_fields and _is_secret(settings_class, field)
        shown = "" if secret or not isinstance(given, str | int | float) else f" (given {scrub(str(given))!r})"
        lines.append(f"  {variable_of(settings_class, field)}: {message}{shown}")
    return "\n".join(lines)


def variable_of(settings_class: type[BaseSettings], field: str) -> str:
    """The environment variable that sets `field` of `settings_class` (`VMS_HOURS_DATABASE_URL`)."""
    info = settings_class.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        named = [choice for choice in alias.choices if isinstance(choice, str) and choice.isupper()]
        if named:
            return named[0]
    return f"{settings_class.model_config.get('env_prefix', '')}{field}".upper()


def _is_secret(settings_class: type[BaseSettings], field: str) -> bool:
    annotation = settings_class.model_fields[field].annotation
    return annotation is SecretStr


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_", extra="ignore")

    nats_url: NatsUrls = Field(default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated")
    database_url: DatabaseUrl = Field(
        default="",
        description="postgresql://… or sqlite:///path; required: a service never falls back to a database of its own",
    )
    bus_root: str = Field(default="vms", description="first subject token; only tests change it")
    regions: str = Field(
        default="*",
        description="regions whose requests this deployment answers: `*` (every region), `*,-26` (every region "
        "but 26, which runs its own), or codes like `26` or `26,27` (a regional deployment)",
    )
    instance: str = Field(default_factory=_default_instance)
    log_format: LogFormat = "auto"
    log_level: str = "INFO"
    rpc_timeout: float = Field(default=5.0, gt=0, description="seconds to wait for another service's reply")
    max_concurrent_requests: int = Field(
        default=32, ge=1, le=1000, description="requests one process answers at once (the rest wait their turn)"
    )
    batch_size: int = Field(default=500, ge=1, le=10_000, description="events fetched and applied at once")
    relay_poll_interval: float = Field(default=1.0, gt=0)
    outbox_retention_days: int = Field(default=30, ge=1)
    shutdown_timeout: float = Field(default=10.0, gt=0)
    probe_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="port of the liveness and readiness probes (`GET /livez`, `GET /readyz`); 0: none",
    )
    probe_host: str = Field(default="0.0.0.0", description="address the probes listen on")
    actor_key: SecretStr = Field(
        default=SecretStr(""),
        description="this service's private Ed25519 key (base64url, `vms keys`): signs the requests it sends on its "
        "own behalf",
    )
    actor_public_keys: str = Field(
        default="",
        validation_alias=AliasChoices("VMS_ACTOR_PUBLIC_KEYS", "actor_public_keys"),
        description="every program's public key, `gateway=<key>,registry=<key>,…` (one list for the whole system): "
        "a request is answered only for an actor signed by one of them",
    )

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: str) -> str:
        parse_regions(value)
        return value.replace(" ", "")

    @property
    def bus(self) -> Bus:
        return Bus(self.bus_root)

    @property
    def served_regions(self) -> list[str]:
        """The region codes whose requests this deployment answers, national (`00`) first."""
        return parse_regions(self.regions)[0]

    @property
    def national(self) -> bool:
        """The national deployment (`*`) rather than a regional council's own (`26`)."""
        return parse_regions(self.regions)[1]

    @property
    def deployment(self) -> str:
        """`` for the national deployment, `26` (or `26-27`) for a regional one: names its durable consumers."""
        return "" if self.national else "-".join(self.served_regions)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Settings end up in tracebacks and error reports: their URLs are shown without their passwords.
        for name, value in super().__repr_args__():
            yield name, scrub(value) if isinstance(value, str) else value

    def variable(self, field: str) -> str:
        """The environment variable that sets `field` (`VMS_HOURS_DATABASE_URL`)."""
        return variable_of(type(self), field)


def parse_regions(value: str) -> tuple[list[str], bool]:
    """`*` → every region; `*,-26` → every region but 26; `26,27` → those two. Returns (codes, national)."""
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    if not tokens:
        raise ValueError("no regions: give `*` or region codes such as `26`")
    national = "*" in tokens
    excluded = {normalize_region(t[1:]) for t in tokens if t.startswith("-")}
    named = {normalize_region(t) for t in tokens if t != "*" and not t.startswith("-")}
    if excluded and not national:
        raise ValueError(f"`-{sorted(excluded)[0]}` excludes a region from `*`, but `*` is not given")
    if NATIONAL in excluded:
        raise ValueError("the national deployment always answers region 00")
    codes = (set(REGIONS) if national else named) - excluded
    return sorted(codes), national


def redacted(urls: str) -> str:
    """Server URLs as they may be logged: `nats://hours:secret@nats-1:4222` → `nats://hours:***@nats-1:4222`."""
    return ",".join(scrub(url.strip()) for url in urls.split(","))
