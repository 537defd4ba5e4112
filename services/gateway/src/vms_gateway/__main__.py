"""`vms-gateway`: serve the REST API and the portal, and the operator's account commands (settings from
`VMS_GATEWAY_…`).

    vms-gateway run [--migrate]          serve until SIGINT/SIGTERM (bring the database up to date first)
    vms-gateway migrate                  bring the database up to date and exit
    vms-gateway admin create --login L   create a central admin (password from VMS_ADMIN_PASSWORD, or typed twice)
    vms-gateway demo-accounts --out F    with the system running: one demo account per role, password into F
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from vms_gateway.admin import PASSWORD_VARIABLE, AdminError, create_central_admin, demo_accounts
from vms_gateway.app import create_app
from vms_gateway.db import MIGRATIONS
from vms_gateway.passwords import PasswordRuleBroken
from vms_gateway.server import server
from vms_gateway.settings import GatewaySettings
from vms_platform.db import migrate
from vms_platform.logging import configure_logging
from vms_platform.messages import text
from vms_platform.runtime import StartupError
from vms_platform.settings import configuration_errors


def _password_from_operator() -> str:
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        sys.exit(f"vms-gateway: set {PASSWORD_VARIABLE}, or run this in a terminal to type the password")
    first = getpass.getpass("비밀번호 / password: ")
    again = getpass.getpass("비밀번호 확인 / password again: ")
    if first != again:
        sys.exit("vms-gateway: 두 비밀번호가 다릅니다 / the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vms-gateway", description="VMS gateway: REST API and web portal")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the API and the portal until SIGINT/SIGTERM")
    run.add_argument("--migrate", action="store_true", help="bring the database up to date first")
    commands.add_parser("migrate", help="bring the gateway's database up to date and exit")
    admin = commands.add_parser("admin", help="accounts the operator makes")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser(
        "create", help=f"create a central admin; the password from {PASSWORD_VARIABLE}, or typed twice"
    )
    create.add_argument("--login", required=True, help="the new account's login (4–20 of a–z, 0–9, _)")
    demo = commands.add_parser(
        "demo-accounts", help="with the system running: one demo account per role, their password written to a file"
    )
    demo.add_argument("--out", type=Path, required=True, help="where to write the logins and the password (0600)")
    args = parser.parse_args(argv)

    try:
        settings = GatewaySettings()
    except ValidationError as exc:
        sys.exit(f"vms-gateway: invalid configuration:\n{configuration_errors(GatewaySettings, exc)}")
    configure_logging("gateway", fmt=settings.log_format, level=settings.log_level)
    try:
        if args.command == "migrate" or getattr(args, "migrate", False):
            if not settings.database_url:
                raise StartupError(f"set {settings.variable('database_url')}")
            migrate(settings.database_url, MIGRATIONS)
        if args.command == "admin":
            account_id = asyncio.run(create_central_admin(settings, args.login, _password_from_operator()))
            said = text("ADMIN_CREATED", login=args.login, account_id=account_id)
            print(f"{said.ko}\n{said.en}")
        if args.command == "demo-accounts":
            made = asyncio.run(demo_accounts(settings, args.out))
            print("\n".join(made.lines(args.out)))
        if args.command == "run":
            stopping = asyncio.Event()
            server(create_app(settings, stopping), settings, stopping).run()
    except StartupError as exc:
        sys.exit(f"vms-gateway: cannot start: {exc}")
    except (AdminError, PasswordRuleBroken) as exc:
        body = exc.body() if isinstance(exc, PasswordRuleBroken) else None
        sys.exit(f"vms-gateway: {body.message}\n{body.message_en}" if body else f"vms-gateway: {exc}")


if __name__ == "__main__":
    main()
