"""The rules of passing hours to 1365. Pure: no I/O.

From the brochure (SEED.md §4) and 1365's rules (LINKAGE.md): records move only while the volunteer consents in
VMS (and in 1365, which 1365 itself checks); withdrawing consent stops transfers at once; NEIS is reached only
through 1365; a volunteer with duplicate ids on 1365 must merge them there, after which transfers go through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vms_contracts.rpc.linkage import TransferStatus
from vms_linkage import messages as _messages  # noqa: F401  (the texts used below)
from vms_platform.messages import text

# 1365's answers that the volunteer can fix on 1365: the record is offered again later.
PORTAL_REASONS = {
    "10": "PORTAL_NO_MEMBER",
    "11": "PORTAL_NO_CONSENT",
    "12": "PORTAL_DUPLICATE_ID",
}


@dataclass(frozen=True)
class PortalAnswer:
    accepted: bool
    result_code: str
    message: str
    record_no: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: TransferStatus
    reason_code: str | None
    reason: str | None
    next_attempt_in: timedelta
    announce: bool
    """Whether the change is news (an event): a refusal repeated with the same reason is not."""


def outcome_of(answer: PortalAnswer, *, previous_reason: str | None, refused_retry: timedelta) -> Outcome:
    if answer.accepted:
        return Outcome(TransferStatus.SENT, None, None, timedelta(0), announce=True)
    reason_code = PORTAL_REASONS.get(answer.result_code, "PORTAL_REJECTED")
    reason = text(reason_code, detail=f"{answer.result_code} {answer.message}").ko
    return Outcome(TransferStatus.FAILED, reason_code, reason, refused_retry, announce=reason_code != previous_reason)


def unavailable_retry(attempts: int) -> timedelta:
    """1365 did not answer: try again after 5 s, 10 s, 20 s, … at most every 15 minutes."""
    return timedelta(seconds=min(15 * 60, 5 * 2 ** max(0, attempts - 1)))


def shown_status(status: TransferStatus, consent_granted: bool) -> TransferStatus:
    """A record waiting while the volunteer has not consented is shown as waiting for consent."""
    if status is TransferStatus.PENDING and not consent_granted:
        return TransferStatus.AWAITING_CONSENT
    return status


def consent_is_newer(stored: datetime | None, incoming: datetime) -> bool:
    """Consent changes may arrive late or twice: the latest change wins."""
    return stored is None or incoming > stored
