from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings

CLAIM_MARGIN_SECONDS = 5.0
"""A request to 1365 starts only while its claim has at least the HTTP timeout plus this left, so that no other
replica can take the record over while the request may still be running (the margin absorbs clock differences
between replicas, which compare the claim's end with their own clocks)."""


class LinkageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_LINKAGE_", extra="ignore")

    portal1365_url: str = Field(default="http://127.0.0.1:8365", description="the 1365 portal's record API")
    portal1365_timeout: float = Field(default=10.0, gt=0)
    send_concurrency: int = Field(default=8, ge=1, le=100, description="records in flight to 1365 at once")
    refused_retry_minutes: int = Field(
        default=60, ge=1, description="when to offer a refused record again (the volunteer may fix it on 1365)"
    )
    send_batch_size: int = Field(default=100, ge=1, le=1000, description="records one sending pass claims")
    claim_seconds: float = Field(
        default=120.0,
        gt=0,
        description="how long a sending pass holds the records it claimed; a replica that stops mid-pass leaves "
        "them to another after this long. Records it could not start in time are left for the next pass.",
    )
    lookup_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        description="when to offer again a record whose volunteer the registry did not identify (it did not answer, "
        "or does not know them); the record keeps its status and attempts meanwhile",
    )
    probe_first_seconds: float = Field(
        default=1.0, gt=0, description="while 1365 is unavailable: the first probe after this long, then less often"
    )
    probe_max_seconds: float = Field(
        default=60.0, gt=0, description="while 1365 is unavailable: probe at least this often"
    )

    @model_validator(mode="after")
    def _claim_outlasts_a_request(self) -> Self:
        # Under one claim the pass first asks the registry who the volunteers are, then asks 1365.
        least = self.rpc_timeout + self.portal1365_timeout + CLAIM_MARGIN_SECONDS
        if self.claim_seconds <= least:
            raise ValueError(
                f"claim_seconds ({self.claim_seconds}) must exceed rpc_timeout + portal1365_timeout + "
                f"{CLAIM_MARGIN_SECONDS:g} ({least:g}): a claim must outlast the look-up and the request made under it"
            )
        if self.probe_max_seconds < self.probe_first_seconds:
            raise ValueError("probe_max_seconds must not be less than probe_first_seconds")
        return self
