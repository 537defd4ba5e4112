from datetime import date

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vms_platform.settings import ServiceSettings


class HoursSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_HOURS_", extra="ignore")

    daily_limit_minutes: int = Field(default=8 * 60, gt=0, description="minutes a day counts at most (1365: 8 h)")
    entry_window_months: int = Field(default=3, ge=1, description="months after the activity it may be entered")
    blood_donation_minutes: int = Field(default=4 * 60, gt=0, description="what one blood donation counts (4 h)")
    whole_blood_per_year: int = Field(default=5, ge=0, description="whole-blood donations counted a year at most")
    apheresis_per_year: int = Field(default=24, ge=0, description="apheresis donations counted a year at most")
    blood_donations_from: date = Field(
        default=date(2010, 7, 1), description="donations before this day count no hours (the rule began then)"
    )
