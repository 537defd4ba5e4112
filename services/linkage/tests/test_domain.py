"""Passing hours to 1365 (SEED.md §4, LINKAGE.md): consent first, refusals the volunteer can fix offered again,
refusals that can never heal parked, an unavailable 1365 one state of 1365 rather than of each record."""

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from vms_contracts.rpc.linkage import TransferStatus
from vms_linkage import domain
from vms_platform.retry import Policy

HOUR = timedelta(hours=1)


def outcome(code: str, message: str = "", previous: str | None = None) -> domain.Outcome:
    answer = domain.PortalAnswer(code == "00", code, message, "V1" if code == "00" else None)
    return domain.outcome_of(answer, previous_reason=previous, refused_retry=HOUR)


def test_accepted_record_is_sent_and_announced() -> None:
    result = outcome("00", "정상")
    assert (result.status, result.reason_code, result.announce, result.final) == (
        TransferStatus.SENT,
        None,
        True,
        False,
    )


def test_duplicate_ids_on_1365_are_explained_and_retried_later() -> None:
    result = outcome("12", "중복 아이디")
    assert result.status is TransferStatus.FAILED
    assert result.reason_code == "PORTAL_DUPLICATE_ID"
    assert result.reason is not None
    assert "중복ID 통합" in result.reason.ko
    assert "merge" in result.reason.en
    assert result.next_attempt_in == HOUR
    assert not result.final


def test_the_same_refusal_again_is_not_news() -> None:
    assert outcome("11", "미동의").announce
    assert not outcome("11", "미동의", previous="PORTAL_NO_CONSENT").announce
    assert outcome("10", "회원 없음", previous="PORTAL_NO_CONSENT").announce


@pytest.mark.parametrize(("code", "reason_code"), [("21", "PORTAL_DAILY_LIMIT"), ("22", "PORTAL_TOO_LATE")])
def test_over_eight_hours_or_past_the_entry_window_is_final(code: str, reason_code: str) -> None:
    result = outcome(code, "1365의 말")
    assert (result.status, result.reason_code, result.final, result.announce) == (
        TransferStatus.REJECTED,
        reason_code,
        True,
        True,
    )
    assert result.reason_detail == f"{code} 1365의 말"


def test_an_unknown_refusal_is_parked_with_1365s_words() -> None:
    result = outcome("37", "알 수 없는 거부")
    assert (result.status, result.reason_code) == (TransferStatus.REJECTED, "PORTAL_REJECTED")
    assert result.reason is not None
    assert "37 알 수 없는 거부" in result.reason.ko


def test_an_xml_error_page_with_http_200_is_parked_quoting_it() -> None:
    page = '<?xml version="1.0"?>\n<OpenAPI_ServiceResponse>\n  <errMsg>SERVICE ERROR</errMsg>'
    reply = domain.read_reply(200, page)
    assert isinstance(reply, domain.UnreadableAnswer)
    assert reply.code == "PORTAL_UNREADABLE_ANSWER"
    assert '<?xml version="1.0"?> <OpenAPI_ServiceResponse> <errMsg>SERVICE ERROR' in reply.detail
    result = domain.outcome_of(reply, previous_reason=None, refused_retry=HOUR)
    assert (result.status, result.final) == (TransferStatus.REJECTED, True)


def test_an_answer_quoted_in_a_reason_is_cut_short() -> None:
    reply = domain.read_reply(200, "x" * 5000)
    assert isinstance(reply, domain.UnreadableAnswer)
    assert len(reply.detail) < 300


@pytest.mark.parametrize("body", [json.dumps({"resultMsg": "ok"}), json.dumps(["00"]), "", "null"])
def test_json_without_a_result_code_is_unreadable(body: str) -> None:
    assert isinstance(domain.read_reply(200, body), domain.UnreadableAnswer)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408, 401, 403, 404, 302])
def test_answers_about_the_link_not_the_record_mean_1365_is_unavailable(status: int) -> None:
    assert domain.read_reply(status, "busy") == domain.Unavailable(f"HTTP {status}")


def test_1365s_temporary_failure_code_means_unavailable() -> None:
    reply = domain.read_reply(200, json.dumps({"resultCode": "99", "resultMsg": "일시적인 장애입니다."}))
    assert isinstance(reply, domain.Unavailable)


@pytest.mark.parametrize("status", [400, 409, 413, 422])
def test_a_refused_request_is_final(status: int) -> None:
    reply = domain.read_reply(status, '{"detail": "bad field"}')
    assert isinstance(reply, domain.UnreadableAnswer)
    assert reply.code == "PORTAL_REQUEST_REFUSED"
    assert reply.detail.startswith(f"HTTP {status}: ")


def test_a_well_formed_answer_is_read() -> None:
    reply = domain.read_reply(200, json.dumps({"resultCode": "00", "resultMsg": "정상", "recordNo": "V0000000001"}))
    assert reply == domain.PortalAnswer(True, "00", "정상", "V0000000001")
    refused = domain.read_reply(200, json.dumps({"resultCode": 11, "resultMsg": "미동의"}))
    assert refused == domain.PortalAnswer(False, "11", "미동의", None)


def test_a_record_waiting_without_consent_says_so() -> None:
    assert domain.shown_status(TransferStatus.PENDING, False) is TransferStatus.AWAITING_CONSENT
    assert domain.shown_status(TransferStatus.PENDING, True) is TransferStatus.PENDING
    assert domain.shown_status(TransferStatus.SENT, False) is TransferStatus.SENT
    assert domain.shown_status(TransferStatus.REJECTED, False) is TransferStatus.REJECTED
    assert domain.shown_status(TransferStatus.PENDING, False, cancelled=True) is TransferStatus.PENDING


def test_the_latest_consent_change_wins() -> None:
    now = datetime.now(UTC)
    assert domain.consent_is_newer(None, now)
    assert domain.consent_is_newer(now - HOUR, now)
    assert not domain.consent_is_newer(now, now - HOUR)


def test_an_outage_opens_the_circuit_once_and_probes_less_and_less_often() -> None:
    circuit = domain.PortalCircuit(Policy(first=1.0, cap=60.0, factor=1.5))
    assert circuit.state is domain.CircuitState.CLOSED
    assert circuit.trip(100.0, "HTTP 503")
    assert not circuit.trip(100.1, "HTTP 503")  # another request of the same pass: no second opening
    assert circuit.state is domain.CircuitState.OPEN
    assert circuit.until_probe(100.0) == pytest.approx(1.0)
    probes = [101.0]
    for _ in range(12):
        circuit.probe_failed(probes[-1], "HTTP 503")
        probes.append(probes[-1] + circuit.until_probe(probes[-1]))
    gaps = [b - a for a, b in pairwise(probes)]
    assert gaps[:3] == pytest.approx([1.5, 2.25, 3.375])
    assert max(gaps) == pytest.approx(60.0)
    assert circuit.answered(probes[-1]) == pytest.approx(probes[-1] - 100.0)
    assert circuit.state is domain.CircuitState.CLOSED
    assert circuit.answered(probes[-1]) is None


def test_a_new_outage_starts_probing_soon_again() -> None:
    circuit = domain.PortalCircuit(Policy(first=1.0, cap=60.0, factor=1.5))
    circuit.trip(0.0, "timeout")
    for moment in range(1, 10):
        circuit.probe_failed(float(moment), "timeout")
    circuit.answered(10.0)
    assert circuit.trip(20.0, "timeout")
    assert circuit.until_probe(20.0) == pytest.approx(1.0)


# -- corrections and cancellations -------------------------------------------------------------------------------


def test_what_a_due_record_asks_of_1365_follows_what_1365_holds() -> None:
    assert domain.action_for(sent_revision=None, cancelled=False) is domain.Action.OFFER
    assert domain.action_for(sent_revision=2, cancelled=False) is domain.Action.CORRECT
    assert domain.action_for(sent_revision=3, cancelled=True) is domain.Action.DELETE
    assert domain.action_for(sent_revision=None, cancelled=True) is domain.Action.CLOSE
    assert [a for a in domain.Action if a.sends_record] == [domain.Action.OFFER, domain.Action.CORRECT]


def test_a_404_in_the_transfer_apis_own_shape_is_about_the_record_not_the_link() -> None:
    body = json.dumps({"resultCode": "30", "resultMsg": "등록된 실적이 없습니다.", "recordNo": None})
    assert domain.read_reply(404, body) == domain.PortalAnswer(False, "30", "등록된 실적이 없습니다.", None)
    assert domain.read_reply(404, '{"detail": "Not Found"}') == domain.Unavailable("HTTP 404")
    assert domain.read_reply(404, "<html>Not Found</html>") == domain.Unavailable("HTTP 404")


def test_an_accepted_correction_is_sent_and_an_accepted_deletion_cancelled() -> None:
    accepted = domain.PortalAnswer(True, "00", "정상", "V1")
    corrected = domain.outcome_of(accepted, action=domain.Action.CORRECT, previous_reason=None, refused_retry=HOUR)
    assert (corrected.status, corrected.portal, corrected.announce) == (
        TransferStatus.SENT,
        domain.Portal.CURRENT,
        True,
    )
    deleted = domain.outcome_of(accepted, action=domain.Action.DELETE, previous_reason=None, refused_retry=HOUR)
    assert (deleted.status, deleted.portal, deleted.announce) == (
        TransferStatus.CANCELLED,
        domain.Portal.CURRENT,
        True,
    )


def test_a_record_1365_does_not_hold_is_deleted_already_or_offered_anew() -> None:
    missing = domain.PortalAnswer(False, domain.NOT_HELD, "등록된 실적이 없습니다.")
    deleted = domain.outcome_of(missing, action=domain.Action.DELETE, previous_reason=None, refused_retry=HOUR)
    assert (deleted.status, deleted.portal) == (TransferStatus.CANCELLED, domain.Portal.CURRENT)
    lost = domain.outcome_of(missing, action=domain.Action.CORRECT, previous_reason=None, refused_retry=HOUR)
    assert (lost.status, lost.portal, lost.next_attempt_in, lost.announce) == (
        TransferStatus.PENDING,
        domain.Portal.NOTHING,
        timedelta(0),
        False,
    )
    assert lost.reason is not None and "다시 등록" in lost.reason.ko and "sent again" in lost.reason.en


def test_a_refused_correction_leaves_1365_with_what_it_held() -> None:
    over = domain.PortalAnswer(False, "21", "1일 인정 봉사시간(8시간)을 초과합니다.")
    result = domain.outcome_of(over, action=domain.Action.CORRECT, previous_reason=None, refused_retry=HOUR)
    assert (result.status, result.reason_code, result.portal) == (
        TransferStatus.REJECTED,
        "PORTAL_DAILY_LIMIT",
        domain.Portal.UNCHANGED,
    )


def test_a_record_cancelled_before_it_reached_1365_is_closed_and_announced() -> None:
    assert (domain.CLOSED.status, domain.CLOSED.portal, domain.CLOSED.announce) == (
        TransferStatus.CANCELLED,
        domain.Portal.UNCHANGED,
        True,
    )
