from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings


class HoursSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_HOURS_", extra="ignore")

    daily_limit_minutes: int = Field(default=8 * 60, gt=0, description="minutes a day counts at most (1365: 8 h)")
    entry_window_months: int = Field(default=3, ge=1, description="months after the activity it may be entered")
