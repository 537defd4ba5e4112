"""`vms-linkage run | migrate | republish …` (the runtime's commands) and `vms-linkage requeue …`, linkage's own:
put records parked as not accepted by 1365 back to pending, once what made them fail is fixed."""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from uuid import UUID

from vms_linkage import messages as _messages  # noqa: F401  (the texts used below)
from vms_linkage.app import create_app
from vms_linkage.sender import NothingToRequeue, requeue
from vms_linkage.settings import LinkageSettings
from vms_platform.db import Database
from vms_platform.logging import get_logger
from vms_platform.messages import text
from vms_platform.runtime import Command
from vms_platform.runtime import main as run_main

log = get_logger("vms.linkage")


def requeue_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason-code", help="e.g. PORTAL_UNREADABLE_ANSWER, PORTAL_DAILY_LIMIT")
    parser.add_argument("--activity", type=UUID, action="append", default=[], help="an activity id (repeatable)")
    parser.add_argument("--all", action="store_true", help="every parked record (or every one matching the rest)")


async def requeue_parked(settings: LinkageSettings, args: argparse.Namespace) -> str:
    db = Database(settings.database_url)
    try:
        requeued = await requeue(db, reason_code=args.reason_code, activity_ids=args.activity, everything=args.all)
    except NothingToRequeue:
        needs = text("REQUEUE_NEEDS_A_FILTER")
        print(f"vms-linkage requeue: {needs.ko} / {needs.en}", file=sys.stderr)
        raise SystemExit(2) from None  # a usage error, as argparse reports one
    finally:
        await db.close()
    log.info("parked records requeued", records=len(requeued), reason_code=args.reason_code)
    message = text("REQUEUED", count=len(requeued))
    return f"{message.ko}\n{message.en}"


REQUEUE = Command[LinkageSettings](
    name="requeue",
    help="put records parked as not accepted by 1365 (status `rejected`) back to pending; the running service "
    "offers them again. Say which: by reason code, by activity, or all of them",
    arguments=requeue_arguments,
    run=requeue_parked,
)


def main(argv: list[str] | None = None) -> None:
    run_main(
        "linkage",
        LinkageSettings,
        create_app,
        str(files("vms_linkage") / "migrations"),
        argv,
        commands_of_the_service=[REQUEUE],
    )


if __name__ == "__main__":
    main()
