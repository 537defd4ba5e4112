"""The secrets an operator makes once, before the first start: the actor key set (`vms keys`) and the first
central admin (`vms admin create`). Neither has a default: a key set is made fresh each time, and the admin's
password comes from the operator, never from this code."""

from __future__ import annotations

import asyncio
import getpass
import importlib.util
import os
import sys
import textwrap
from collections.abc import Callable, Mapping

import vms_deploy.messages  # noqa: F401  (registers the operator's texts)
from vms_platform.actor import new_key_set
from vms_platform.messages import text

ADMIN_PASSWORD_VARIABLE = "VMS_ADMIN_PASSWORD"
GATEWAY_DATABASE_VARIABLE = "VMS_GATEWAY_DATABASE_URL"


class OperatorError(Exception):
    """The command cannot do what was asked; the message (Korean, then English) says why and what to do."""


def _both(code: str, /, **params: object) -> str:
    message = text(code, **params)
    return f"{message.ko}\n{message.en}"


def key_lines() -> list[str]:
    """A new key set as environment lines, after comment lines that say what they are: a file that `.env` and
    most secret stores read as it is."""
    explained = text("OPS_KEYS_EXPLAINED")
    # Hangul takes two columns of a terminal: its lines are cut shorter.
    comments = [f"# {line}" for line in textwrap.wrap(explained.ko, 64) + textwrap.wrap(explained.en, 116)]
    return [*comments, *(f"{name}={value}" for name, value in new_key_set().items())]


def admin_password(
    environ: Mapping[str, str],
    *,
    interactive: bool,
    ask: Callable[[str], str] = getpass.getpass,
) -> str:
    """The password from `VMS_ADMIN_PASSWORD`, else asked twice on the terminal, without echo. Whether it is good
    enough is the gateway's rule, checked where the account is made."""
    given = environ.get(ADMIN_PASSWORD_VARIABLE)
    if given:
        return given
    if not interactive:
        raise OperatorError(_both("OPS_ADMIN_NO_PASSWORD"))
    first = ask(_prompt("OPS_ADMIN_PASSWORD_PROMPT"))
    second = ask(_prompt("OPS_ADMIN_PASSWORD_AGAIN"))
    if first != second:
        raise OperatorError(_both("OPS_ADMIN_PASSWORDS_DIFFER"))
    return first


def _prompt(code: str) -> str:
    message = text(code)
    return f"{message.ko} / {message.en}: "


def gateway_database(database_url: str | None, environ: Mapping[str, str]) -> str:
    """The gateway's database the account goes into: named, or `VMS_GATEWAY_DATABASE_URL`. Asked before the
    password, so that nobody types a password twice to learn that a database is missing."""
    url = database_url or environ.get(GATEWAY_DATABASE_VARIABLE, "")
    if not url:
        raise OperatorError(_both("OPS_ADMIN_NO_DATABASE"))
    return url


def require_gateway() -> None:
    """The gateway's package makes the account; the image of `vms nats-setup` carries `vms` without it."""
    if importlib.util.find_spec("vms_gateway") is None:
        raise OperatorError(_both("OPS_ADMIN_NO_GATEWAY"))


def create_admin(login: str, database_url: str, password: str) -> str:
    """Make the central admin `login` in the gateway's database (migrated first); what to tell the operator."""
    from vms_gateway.admin import AdminError, PasswordRuleBroken, create_central_admin
    from vms_gateway.settings import GatewaySettings

    try:
        account_id = asyncio.run(create_central_admin(GatewaySettings(database_url=database_url), login, password))
    except AdminError as exc:
        raise OperatorError(str(exc)) from None
    except PasswordRuleBroken as exc:
        refusal = exc.body()
        raise OperatorError(f"{refusal.message}\n{refusal.message_en}") from None
    return _both("ADMIN_CREATED", login=login, account_id=account_id)


def create_admin_command(login: str, database_url: str | None) -> int:
    """`vms admin create`: the exit status, having said what happened (a refusal on stderr)."""
    try:
        require_gateway()
        url = gateway_database(database_url, os.environ)
        password = admin_password(os.environ, interactive=sys.stdin.isatty())
        print(create_admin(login, url, password))
    except OperatorError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
