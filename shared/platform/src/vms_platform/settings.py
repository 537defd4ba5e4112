"""Settings every service shares; each service subclasses with its own prefix (`VMS_HOURS_…`).

Configuration is environment variables only: an operator never edits a file to deploy a service.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vms_contracts.regions import normalize_region
from vms_contracts.subjects import Bus
from vms_platform.logging import LogFormat


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated")
    database_url: str = Field(default="", description="postgresql://… or sqlite:///path")
    bus_root: str = Field(default="vms", description="first subject token; only tests change it")
    regions: str = Field(
        default="*",
        description="regions whose requests this instance answers: `*`, or codes like `26` or `26,27`",
    )
    instance: str = Field(default_factory=_default_instance)
    log_format: LogFormat = "auto"
    log_level: str = "INFO"
    rpc_timeout: float = Field(default=5.0, gt=0, description="seconds to wait for another service's reply")
    batch_size: int = Field(default=500, ge=1, le=10_000, description="events fetched and applied at once")
    relay_poll_interval: float = Field(default=1.0, gt=0)
    outbox_retention_days: int = Field(default=30, ge=1)
    shutdown_timeout: float = Field(default=10.0, gt=0)

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: str) -> str:
        value = value.strip()
        if value == "*":
            return value
        return ",".join(normalize_region(code) for code in value.split(",") if code.strip())

    @property
    def bus(self) -> Bus:
        return Bus(self.bus_root)

    @property
    def region_list(self) -> list[str]:
        return self.regions.split(",")


def redacted(urls: str) -> str:
    """Server URLs as they may be logged: `nats://hours:secret@nats-1:4222` → `nats://hours:***@nats-1:4222`."""

    def one(url: str) -> str:
        parts = urlsplit(url.strip())
        if parts.password is None:
            return url.strip()
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))

    return ",".join(one(u) for u in urls.split(","))
