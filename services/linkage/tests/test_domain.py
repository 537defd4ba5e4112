"""Passing hours to 1365 (SEED.md §4): consent first, refusals offered again, withdrawal holds records."""

from datetime import UTC, datetime, timedelta

from vms_contracts.rpc.linkage import TransferStatus
from vms_linkage import domain

HOUR = timedelta(hours=1)


def test_accepted_record_is_sent_and_announced() -> None:
    outcome = domain.outcome_of(domain.PortalAnswer(True, "00", "정상", "V1"), previous_reason=None, refused_retry=HOUR)
    assert (outcome.status, outcome.reason_code, outcome.announce) == (TransferStatus.SENT, None, True)


def test_duplicate_ids_on_1365_are_explained_and_retried_later() -> None:
    answer = domain.PortalAnswer(False, "12", "중복 아이디")
    outcome = domain.outcome_of(answer, previous_reason=None, refused_retry=HOUR)
    assert outcome.status is TransferStatus.FAILED
    assert outcome.reason_code == "PORTAL_DUPLICATE_ID"
    assert outcome.reason is not None
    assert "중복ID 통합" in outcome.reason
    assert outcome.next_attempt_in == HOUR


def test_the_same_refusal_again_is_not_news() -> None:
    answer = domain.PortalAnswer(False, "11", "미동의")
    assert domain.outcome_of(answer, previous_reason=None, refused_retry=HOUR).announce
    assert not domain.outcome_of(answer, previous_reason="PORTAL_NO_CONSENT", refused_retry=HOUR).announce


def test_an_unknown_refusal_keeps_1365s_words() -> None:
    outcome = domain.outcome_of(
        domain.PortalAnswer(False, "21", "1일 8시간 초과"), previous_reason=None, refused_retry=HOUR
    )
    assert outcome.reason_code == "PORTAL_REJECTED"
    assert outcome.reason is not None
    assert "21 1일 8시간 초과" in outcome.reason


def test_an_unreachable_portal_is_tried_again_sooner_then_less_often() -> None:
    delays = [domain.unavailable_retry(n) for n in (1, 2, 3, 10, 20)]
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert delays[-1] == timedelta(minutes=15)


def test_a_record_waiting_without_consent_says_so() -> None:
    assert domain.shown_status(TransferStatus.PENDING, False) is TransferStatus.AWAITING_CONSENT
    assert domain.shown_status(TransferStatus.PENDING, True) is TransferStatus.PENDING
    assert domain.shown_status(TransferStatus.SENT, False) is TransferStatus.SENT


def test_the_latest_consent_change_wins() -> None:
    now = datetime.now(UTC)
    assert domain.consent_is_newer(None, now)
    assert domain.consent_is_newer(now - HOUR, now)
    assert not domain.consent_is_newer(now, now - HOUR)
