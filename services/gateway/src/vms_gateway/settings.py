from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vms_contracts.subjects import Bus
from vms_platform.logging import LogFormat


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_GATEWAY_", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated")
    bus_root: str = "vms"
    host: str = "127.0.0.1"
    port: int = 8000
    rpc_timeout: float = Field(default=5.0, gt=0, description="seconds a service may take to answer")
    log_format: LogFormat = "auto"
    log_level: str = "INFO"

    @property
    def bus(self) -> Bus:
        return Bus(self.bus_root)
