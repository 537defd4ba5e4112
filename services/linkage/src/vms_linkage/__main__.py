"""`vms-linkage run | migrate | republish …` (the runtime's commands) and `vms-linkage requeue …`, linkage's own:
put records parked as not accepted by 1365 back to pending, once what made them fail is fixed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.resources import files
from uuid import UUID

from pydantic import ValidationError

from vms_linkage import messages as _messages  # noqa: F401  (the texts used below)
from vms_linkage.app import create_app
from vms_linkage.sender import NothingToRequeue, requeue
from vms_linkage.settings import LinkageSettings
from vms_platform.db import Database
from vms_platform.logging import configure_logging, get_logger
from vms_platform.messages import text
from vms_platform.runtime import main as run_main

log = get_logger("vms.linkage")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["requeue"]:
        requeue_main(args[1:])
        return
    run_main("linkage", LinkageSettings, create_app, str(files("vms_linkage") / "migrations"), argv)


def requeue_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="vms-linkage requeue",
        description="Put records parked as not accepted by 1365 (status `rejected`) back to pending; the running "
        "service offers them again. Say which: by reason code, by activity, or all of them.",
    )
    parser.add_argument("--reason-code", help="e.g. PORTAL_UNREADABLE_ANSWER, PORTAL_DAILY_LIMIT")
    parser.add_argument("--activity", type=UUID, action="append", default=[], help="an activity id (repeatable)")
    parser.add_argument("--all", action="store_true", help="every parked record (or every one matching the rest)")
    args = parser.parse_args(argv)
    try:
        settings = LinkageSettings()
    except ValidationError as exc:
        sys.exit(f"vms-linkage: invalid configuration:\n{exc}")
    if not settings.database_url:
        sys.exit(f"vms-linkage: set the database URL ({settings.variable('database_url')})")
    configure_logging("linkage", fmt=settings.log_format, level=settings.log_level)

    async def run() -> list[UUID]:
        db = Database(settings.database_url)
        try:
            return await requeue(db, reason_code=args.reason_code, activity_ids=args.activity, everything=args.all)
        finally:
            await db.close()

    try:
        requeued = asyncio.run(run())
    except NothingToRequeue:
        needs = text("REQUEUE_NEEDS_A_FILTER")
        parser.error(f"{needs.ko} / {needs.en}")
    log.info("parked records requeued", records=len(requeued), reason_code=args.reason_code)
    message = text("REQUEUED", count=len(requeued))
    print(f"{message.ko}\n{message.en}")


if __name__ == "__main__":
    main()
