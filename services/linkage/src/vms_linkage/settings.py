from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings


class LinkageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_LINKAGE_", extra="ignore")

    database_url: str = "sqlite:///var/linkage.db"
    portal1365_url: str = Field(default="http://127.0.0.1:8365", description="the 1365 portal's record API")
    portal1365_timeout: float = Field(default=10.0, gt=0)
    send_concurrency: int = Field(default=8, ge=1, le=100, description="records in flight to 1365 at once")
    refused_retry_minutes: int = Field(
        default=60, ge=1, description="when to offer a refused record again (the volunteer may fix it on 1365)"
    )
