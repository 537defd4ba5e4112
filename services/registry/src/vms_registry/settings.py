from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_REGISTRY_", extra="ignore")
