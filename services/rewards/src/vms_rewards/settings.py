from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings


class RewardsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_REWARDS_", extra="ignore")
