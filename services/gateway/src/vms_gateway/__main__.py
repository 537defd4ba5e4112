"""`vms-gateway run`: serve the REST API and the portal (settings from `VMS_GATEWAY_…`)."""

from __future__ import annotations

import argparse
import asyncio

from vms_gateway.app import create_app
from vms_gateway.server import server
from vms_gateway.settings import GatewaySettings
from vms_platform.logging import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vms-gateway", description="VMS gateway: REST API and web portal")
    parser.add_argument("command", choices=["run"])
    parser.parse_args(argv)
    settings = GatewaySettings()
    configure_logging("gateway", fmt=settings.log_format, level=settings.log_level)
    stopping = asyncio.Event()
    server(create_app(settings, stopping), settings, stopping).run()


if __name__ == "__main__":
    main()
