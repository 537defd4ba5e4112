"""The rules of passing hours to 1365. Pure: no I/O.

From the brochure (SEED.md §4) and 1365's rules (LINKAGE.md): records move only while the volunteer consents in
VMS (and in 1365, which 1365 itself checks); withdrawing consent stops transfers at once; NEIS is reached only
through 1365; a volunteer with duplicate ids on 1365 must merge them there, after which transfers go through;
1365 counts at most 8 hours a day and takes records only within 3 months of the activity.

A confirmed record may be corrected (정정) or cancelled (취소) afterwards (`hours.corrected`, `hours.cancelled`), and
1365 must follow: what a due record asks of 1365 depends on what 1365 holds of it (`action_for`) — the record
(POST), a correction of the one it holds (PUT), its deletion (DELETE), or nothing at all for a record cancelled
before 1365 ever held it. Blood donations never reach 1365 this way: 1365 knows them from the Red Cross.

What 1365 answers falls in three kinds, and each is handled where it belongs:

- **1365 is unavailable** (no answer, a timeout, 5xx, 429, …): a state of 1365, not of any record. The sender
  stops, probes, and resumes the whole backlog when 1365 answers again (`PortalCircuit`); the records themselves
  are left as they were.
- **1365 refused the record for a reason the volunteer can fix on 1365** (no member, no consent there, duplicate
  ids): the record is shown with the reason and offered again later.
- **1365 will never take the record as it stands** (over 8 hours that day, past the entry window, an answer we
  cannot read): the record is parked with the reason (`TransferStatus.REJECTED`) until an operator puts it back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from vms_contracts.rpc.linkage import TransferStatus
from vms_linkage import messages as _messages  # noqa: F401  (the texts used below)
from vms_platform.messages import Text, text
from vms_platform.retry import Backoff, Policy

ACCEPTED = "00"

FIXABLE_REFUSALS = {
    "10": "PORTAL_NO_MEMBER",
    "11": "PORTAL_NO_CONSENT",
    "12": "PORTAL_DUPLICATE_ID",
}
"""1365's answers that the volunteer can fix on 1365 (join, consent there, merge duplicate ids): the record is
offered again later."""

FINAL_REFUSALS = {
    "21": "PORTAL_DAILY_LIMIT",
    "22": "PORTAL_TOO_LATE",
}
"""1365's answers that no later attempt can change: the day already holds 8 hours on 1365, or the activity is
older than 1365's 3-month entry window. Re-sending them would be refused the same way for ever."""

TEMPORARY_CODES = frozenset({"99"})
"""1365's own word for a passing failure on its side (`일시적인 장애`): 1365 is unavailable, not the record."""

RECORD_MISSING = "PORTAL_RECORD_MISSING"
"""1365 no longer holds a record it had accepted (a correction found nothing to replace): offered anew."""

UNKNOWN_REFUSAL = "PORTAL_REJECTED"
"""A result code we do not know: parked with 1365's own words, since nothing says it would heal by itself."""
UNREADABLE_ANSWER = "PORTAL_UNREADABLE_ANSWER"
REQUEST_REFUSED = "PORTAL_REQUEST_REFUSED"

NOT_HELD = "30"
"""1365 holds no such record (HTTP 404 with the transfer API's own answer): a correction finds nothing to replace,
a deletion nothing to delete."""

UNAVAILABLE_STATUSES = frozenset({401, 403, 404, 405, 408, 425, 429})
"""HTTP answers about the link rather than the record, so every record would get the same one: a timeout (408),
too early or too many requests (425, 429), and a link that is misconfigured or switched off — credentials refused
(401, 403), the transfer address missing or not taking POST (404, 405). Parking the backlog record by record for
them would only make operators requeue it all once the link is fixed; waiting keeps the records as they are. Every
5xx and 3xx (a maintenance page that redirects) counts the same way. A 404 that answers in the transfer API's own
shape (a `resultCode`) is about the record, not the link: 1365 does not hold it (`NOT_HELD`)."""

EXCERPT_CHARS = 200


@dataclass(frozen=True)
class PortalAnswer:
    """1365 read the record and said what it makes of it."""

    accepted: bool
    result_code: str
    message: str
    record_no: str | None = None


@dataclass(frozen=True)
class UnreadableAnswer:
    """1365 answered, but not in the shape of its transfer API (an XML or HTML error page with HTTP 200, JSON
    without `resultCode`, a refusal of the request itself such as HTTP 400): `detail` quotes the start of it."""

    code: str
    detail: str


@dataclass(frozen=True)
class Unavailable:
    """1365 gave no answer about the record (network, timeout, 5xx, 429, its temporary-failure code)."""

    reason: str


def read_reply(status: int, body: str) -> PortalAnswer | UnreadableAnswer | Unavailable:
    """What an HTTP answer of 1365's transfer API means for the record sent (LINKAGE.md: the transfer record is
    ours to design; the simulator speaks it).

    - 404 with a JSON `resultCode`: 1365's answer about the record (it holds no such record, `NOT_HELD`).
    - 5xx, 3xx and the link-level 4xx of `UNAVAILABLE_STATUSES`: 1365 is unavailable, the record waits.
    - any other 4xx: 1365 refused the request itself; sending the same record again gets the same answer, so it
      is final (parked, quoting the answer) — an operator requeues it once the cause is fixed.
    - 2xx: the body must be a JSON object with `resultCode`. Anything else (an XML error page answered with 200,
      as some government portals do; JSON of another shape) cannot be read: final, parked with the start of the
      body, never raised — the sender must not fail on a record and re-send its whole batch.
    - `resultCode` 99 is 1365's temporary failure: unavailable. Every other code is 1365's answer about the record.
    """
    parsed = _json_object(body)
    if status == 404 and parsed is not None and parsed.get("resultCode") is not None:
        return _answer(status, parsed)
    if status >= 500 or 300 <= status < 400 or status in UNAVAILABLE_STATUSES:
        return Unavailable(f"HTTP {status}")
    if not 200 <= status < 300:
        return UnreadableAnswer(REQUEST_REFUSED, f"HTTP {status}: {excerpt(body)}")
    if parsed is None:
        return UnreadableAnswer(UNREADABLE_ANSWER, f"HTTP {status}, not JSON: {excerpt(body)}")
    if parsed.get("resultCode") is None:
        return UnreadableAnswer(UNREADABLE_ANSWER, f"HTTP {status}, no resultCode: {excerpt(body)}")
    return _answer(status, parsed)


def _json_object(body: str) -> dict[str, Any] | None:
    """The body as a JSON object (empty for JSON of another shape), or None when it is not JSON."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else {}


def _answer(status: int, parsed: dict[str, Any]) -> PortalAnswer | Unavailable:
    code = str(parsed["resultCode"])
    message = str(parsed.get("resultMsg") or "")
    if code in TEMPORARY_CODES:
        return Unavailable(f"HTTP {status}, resultCode {code} {message}".strip())
    record_no = parsed.get("recordNo")
    return PortalAnswer(code == ACCEPTED, code, message, str(record_no) if record_no is not None else None)


def excerpt(body: str) -> str:
    """The start of an answer, on one line, for a reason an operator reads."""
    flat = re.sub(r"\s+", " ", body).strip()
    if not flat:
        return "(empty)"
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS] + "…"


class Action(StrEnum):
    """What a due record asks of 1365, from what 1365 holds of it."""

    OFFER = "offer"
    """1365 holds nothing of it: the record is offered (POST)."""
    CORRECT = "correct"
    """1365 holds an older revision of it: the correction replaces it (PUT)."""
    DELETE = "delete"
    """It was cancelled, and 1365 holds it: 1365 deletes it (DELETE)."""
    CLOSE = "close"
    """It was cancelled before 1365 ever held it: nothing is asked of 1365."""

    @property
    def sends_record(self) -> bool:
        """Whether the record itself, with the volunteer's details, goes to 1365 (so consent is needed)."""
        return self in (Action.OFFER, Action.CORRECT)


def action_for(*, sent_revision: int | None, cancelled: bool) -> Action:
    """A confirmed record is offered to 1365 once; a correction of a record 1365 holds replaces it there, and the
    cancellation of one deletes it (1365 counts only what VMS still counts: SEED.md §4, hours reach 1365 as
    confirmed). A record cancelled before it reached 1365 never goes."""
    if cancelled:
        return Action.CLOSE if sent_revision is None else Action.DELETE
    return Action.OFFER if sent_revision is None else Action.CORRECT


class Portal(StrEnum):
    """What 1365 holds of a record after an outcome, against what it held before."""

    UNCHANGED = "unchanged"
    CURRENT = "current"
    """1365 holds the revision just offered (or, for a deletion, has deleted the record)."""
    NOTHING = "nothing"
    """1365 holds nothing of it (a correction found no record to replace): it is offered anew."""


@dataclass(frozen=True)
class Outcome:
    status: TransferStatus
    reason_code: str | None
    reason_detail: str | None
    """1365's own words (or the start of an answer we could not read), kept beside our explanation."""
    next_attempt_in: timedelta
    announce: bool
    """Whether the change is news (an event): a refusal repeated with the same reason is not."""
    portal: Portal = Portal.UNCHANGED

    @property
    def final(self) -> bool:
        return self.status is TransferStatus.REJECTED

    @property
    def reason(self) -> Text | None:
        return reason_text(self.reason_code, self.reason_detail)


def outcome_of(
    answer: PortalAnswer | UnreadableAnswer,
    *,
    previous_reason: str | None,
    refused_retry: timedelta,
    action: Action = Action.OFFER,
) -> Outcome:
    """Where a record stands after 1365's answer to `action` (SEED.md §4, LINKAGE.md):

    - accepted: sent (the record, or its correction), or cancelled (deleted from 1365); announced;
    - no such record (30): for a deletion, what was wanted — cancelled; for a correction, 1365 lost the record it
      held, so it is offered anew at once (not announced: the offer will be);
    - no member (10), no consent on 1365 (11), duplicate ids to merge (12): the volunteer can fix it on 1365, so it
      is offered again after `refused_retry`; announced once per new reason, not per attempt;
    - over 8 hours that day (21), past the 3-month entry window (22), a code we do not know, or an answer we cannot
      read: final — parked and announced as final, never re-sent by itself (a refused correction leaves 1365 with
      the record as it held it).
    """
    if isinstance(answer, UnreadableAnswer):
        return Outcome(TransferStatus.REJECTED, answer.code, answer.detail, timedelta(0), announce=True)
    deleting = action is Action.DELETE
    if answer.accepted or (deleting and answer.result_code == NOT_HELD):
        status = TransferStatus.CANCELLED if deleting else TransferStatus.SENT
        return Outcome(status, None, None, timedelta(0), announce=True, portal=Portal.CURRENT)
    words = f"{answer.result_code} {answer.message}".strip()
    if action is Action.CORRECT and answer.result_code == NOT_HELD:
        return Outcome(
            TransferStatus.PENDING, RECORD_MISSING, words, timedelta(0), announce=False, portal=Portal.NOTHING
        )
    if answer.result_code in FIXABLE_REFUSALS:
        code = FIXABLE_REFUSALS[answer.result_code]
        return Outcome(TransferStatus.FAILED, code, words, refused_retry, announce=code != previous_reason)
    code = FINAL_REFUSALS.get(answer.result_code, UNKNOWN_REFUSAL)
    return Outcome(TransferStatus.REJECTED, code, words, timedelta(0), announce=True)


CLOSED = Outcome(TransferStatus.CANCELLED, None, None, timedelta(0), announce=True)
"""A record cancelled before 1365 ever held it: its way to 1365 ends here, without asking 1365 anything."""


def reason_text(reason_code: str | None, detail: str | None) -> Text | None:
    """The reason shown to the volunteer, Korean and English, from the catalogue (`messages.py`)."""
    if reason_code is None:
        return None
    try:
        return text(reason_code, detail=detail or "")
    except KeyError:
        return Text(detail or reason_code, detail or reason_code)


def shown_status(status: TransferStatus, consent_granted: bool, *, cancelled: bool = False) -> TransferStatus:
    """A record waiting while the volunteer has not consented is shown as waiting for consent; a cancellation
    waiting to reach 1365 waits for no one's consent (it sends no record)."""
    if status is TransferStatus.PENDING and not consent_granted and not cancelled:
        return TransferStatus.AWAITING_CONSENT
    return status


def consent_is_newer(stored: datetime | None, incoming: datetime) -> bool:
    """Consent changes may arrive late or twice: the latest change wins."""
    return stored is None or incoming > stored


class CircuitState(StrEnum):
    CLOSED = "closed"
    """1365 answers: records are sent as they fall due."""
    OPEN = "open"
    """1365 is unavailable: nothing is sent but one probe now and then."""


PROBE = Policy(first=1.0, cap=60.0, factor=1.5)
"""Probing an unavailable 1365: after 1 s, 1.5 s, 2.25 s, … at most every minute. A gentler growth than doubling,
so that the backlog resumes within seconds of a short outage's end (a 45-second outage: the probe at 49 s)."""


@dataclass
class PortalCircuit:
    """Whether 1365 is available, as one state of 1365 rather than of each record (a circuit breaker).

    The first unavailable answer opens it: the sender stops offering records and leaves them as they are (no
    attempt counted, no delay of their own). While open, one record is offered as a probe once `until_probe` is
    0, the delays growing by `policy`. The first answer 1365 gives a probe — whatever it says of the record —
    closes it, and the whole backlog goes at once. Only a probe closes it: an answer to a request that was in
    flight when the circuit opened says little, and would make a flapping 1365 open and close it per record.
    Times are the caller's monotonic seconds.
    """

    policy: Policy = PROBE
    opened_at: float | None = None
    next_probe_at: float = 0.0
    last_error: str | None = None
    backoff: Backoff = field(init=False)

    def __post_init__(self) -> None:
        self.backoff = Backoff(self.policy)

    @property
    def state(self) -> CircuitState:
        return CircuitState.CLOSED if self.opened_at is None else CircuitState.OPEN

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def trip(self, now: float, error: str) -> bool:
        """A record of a sending pass got no answer: open, the first probe after `policy.first`. True when this
        opened the circuit (the one moment worth a warning); False when it was open already (another request of
        the same pass, in flight when the first failed)."""
        self.last_error = error
        if self.opened_at is not None:
            return False
        self.opened_at = now
        self.backoff.succeeded()
        self.next_probe_at = now + self.backoff.failed()
        return True

    def probe_failed(self, now: float, error: str) -> None:
        """The probe got no answer either: wait longer before the next one, up to `policy.cap`."""
        self.last_error = error
        if self.opened_at is None:
            self.opened_at = now
        self.next_probe_at = now + self.backoff.failed()

    def answered(self, now: float) -> float | None:
        """1365 answered a probe: close. Returns how long it was open, or None if it was closed already."""
        if self.opened_at is None:
            return None
        open_for = now - self.opened_at
        self.opened_at = None
        self.last_error = None
        self.backoff.succeeded()
        return open_for

    def until_probe(self, now: float) -> float:
        """Seconds until the next probe is due (0 when due now or when closed)."""
        return max(0.0, self.next_probe_at - now) if self.is_open else 0.0
