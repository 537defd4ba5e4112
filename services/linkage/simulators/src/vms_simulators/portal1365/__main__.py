"""`vms-sim1365 run`: serve the simulated 1365 portal (settings from `VMS_SIM1365_…`)."""

from __future__ import annotations

import argparse

import uvicorn
from pydantic_settings import BaseSettings, SettingsConfigDict

from vms_platform.logging import LogFormat, configure_logging
from vms_simulators.portal1365.app import create_app


class Sim1365Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_SIM1365_", extra="ignore")

    database_url: str = "sqlite:///var/sim1365.db"
    host: str = "127.0.0.1"
    port: int = 8365
    log_format: LogFormat = "auto"
    log_level: str = "INFO"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vms-sim1365", description="Simulated 1365 자원봉사포털")
    parser.add_argument("command", choices=["run"])
    parser.parse_args(argv)
    settings = Sim1365Settings()
    configure_logging("sim1365", fmt=settings.log_format, level=settings.log_level)
    uvicorn.run(
        create_app(settings.database_url),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
