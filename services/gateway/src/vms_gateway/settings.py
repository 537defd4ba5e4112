"""The gateway's settings, from `VMS_GATEWAY_…` variables (no file is ever edited to deploy it)."""

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from vms_contracts.subjects import Bus
from vms_platform.logging import LogFormat, scrub
from vms_platform.settings import DatabaseUrl, NatsUrls, variable_of

PasswordProfile = Literal["RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST"]


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_GATEWAY_", extra="ignore")

    nats_url: NatsUrls = Field(default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated")
    database_url: DatabaseUrl = Field(
        default="",
        description="the gateway's own database (accounts, sessions, tokens): postgresql://… or sqlite:///path; "
        "required",
    )
    actor_key: SecretStr = Field(
        default=SecretStr(""),
        description="the gateway's private Ed25519 key (base64url, `vms keys`): signs who is asking into every "
        "request it sends; required",
    )
    bus_root: str = "vms"
    host: str = "127.0.0.1"
    port: int = 8000
    rpc_timeout: float = Field(default=5.0, gt=0, description="seconds a service may take to answer")
    log_format: LogFormat = "auto"
    log_level: str = "INFO"
    access_log: bool = Field(
        default=True,
        description="one log line per request: method, path (never the query), status, duration, request id, client",
    )

    # What one client may ask of the gateway. Each limit is answered in the usual error shape, never by a
    # process that grows or waits without end.
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=0, description="largest request body accepted (413 beyond), counted as it arrives"
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=0,
        description="largest file a centre uploads (its activities, CSV or XLSX; 413 beyond)",
    )
    max_header_bytes: int = Field(
        default=16 * 1024, ge=1024, description="largest request line and headers together (431 beyond)"
    )
    header_timeout: float = Field(
        default=5.0, gt=0, description="seconds a client may take to send a request's line and headers"
    )
    body_timeout: float = Field(
        default=10.0, gt=0, description="seconds a client may take to send a request's body, once its headers are in"
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="seconds an idle connection is kept open for the client's next request"
    )
    max_connections: int = Field(
        default=1000, ge=1, description="open connections at once; a connection beyond is answered 503 and closed"
    )
    max_concurrent_requests: int = Field(
        default=200, ge=1, description="requests being answered at once; a request beyond is answered 503 at once"
    )
    # Per client address, so that one client cannot use up the caps above for everyone. Behind a reverse proxy every
    # request comes from the proxy's address: there the proxy enforces these per client, and these are set high.
    max_connections_per_client: int = Field(
        default=100,
        ge=1,
        description="open connections from one client address; one beyond is answered 429 and closed (behind a "
        "reverse proxy, the proxy's address: the proxy enforces it per client)",
    )
    max_requests_per_client: int = Field(
        default=50,
        ge=1,
        description="requests from one client address being answered at once; one beyond is answered 429 at once "
        "(behind a reverse proxy, the proxy's address: the proxy enforces it per client)",
    )

    # Accounts and sign-in.
    password_profile: PasswordProfile = Field(
        default="RFC_9106_LOW_MEMORY",
        description="argon2 parameters for new password hashes (argon2.profiles); a stored hash made with other "
        "parameters is replaced at its next sign-in. CHEAPEST is for tests only",
    )
    password_workers: int = Field(
        default=4, ge=1, le=64, description="passwords hashed or checked at once (each takes memory: 64 MiB by default)"
    )
    secure_cookies: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="mark cookies Secure: `auto` when the request came over HTTPS (or a trusted proxy says "
        "`X-Forwarded-Proto: https`)",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="addresses of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed",
    )
    session_idle_minutes: int = Field(
        default=120, ge=1, description="a session unused this long is over (the person signs in again)"
    )
    session_lifetime_hours: int = Field(default=12, ge=1, description="a session is over this long after sign-in")

    public_url: str = Field(
        default="",
        pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
        description="the portal's address as the public reaches it (`https://vms.example.kr`), printed on certificates "
        "for their verification page; empty: the address each request came to",
    )
    shutdown_timeout: int = Field(
        default=10, ge=1, description="seconds the requests being answered get to finish when the gateway stops"
    )

    @property
    def bus(self) -> Bus:
        return Bus(self.bus_root)

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Settings end up in tracebacks: their URLs are shown without their passwords.
        for name, value in super().__repr_args__():
            yield name, scrub(value) if isinstance(value, str) else value

    def variable(self, field: str) -> str:
        """The environment variable that sets `field` (`VMS_GATEWAY_DATABASE_URL`)."""
        return variable_of(type(self), field)
