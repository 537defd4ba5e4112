"""The linkage service's own texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        # Where a record stands with 1365
        "TRANSFER_PENDING": Text("전송 대기", "Waiting to be sent"),
        "TRANSFER_AWAITING_CONSENT": Text("연계 동의 대기", "Waiting for linkage consent"),
        "TRANSFER_SENT": Text("전송 완료", "Sent"),
        "TRANSFER_FAILED": Text("전송 실패", "Not accepted"),
        "TRANSFER_REJECTED": Text("전송 불가", "Not accepted by 1365, will not be retried"),
        "TRANSFER_CANCELLED": Text("실적 취소 (1365 미등록)", "Record cancelled, not on 1365"),
        # 1365's answers to a transfer: the volunteer can fix these on 1365, and the record is sent again
        "PORTAL_NO_MEMBER": Text(
            "1365 자원봉사포털에 해당 회원이 없습니다. 1365에 가입한 뒤 다시 전송됩니다.",
            "No matching member on 1365; the record is sent again once the volunteer joins 1365.",
        ),
        "PORTAL_NO_CONSENT": Text(
            "1365 자원봉사포털의 '봉사실적 연계를 위한 정보제공 동의'가 필요합니다.",
            "The volunteer must consent on 1365 to receive records (봉사실적 연계를 위한 정보제공 동의).",
        ),
        "PORTAL_DUPLICATE_ID": Text(
            "1365 자원봉사포털에 중복 아이디가 있습니다. 1365에서 중복ID 통합을 신청해 주세요.",
            "The volunteer has duplicate ids on 1365 and must ask 1365 to merge them (중복ID 통합).",
        ),
        # 1365 lost a record it had accepted: it is sent again as a new one
        "PORTAL_RECORD_MISSING": Text(
            "1365 자원봉사포털에 전송했던 실적이 없어 정정 대신 다시 등록합니다: {detail}",
            "1365 no longer holds the record it had accepted; it is sent again instead of the correction: {detail}",
        ),
        # ... and these it will never take as they stand: the record is not sent again
        "PORTAL_DAILY_LIMIT": Text(
            "1365 자원봉사포털은 하루 8시간까지만 인정합니다. 이 날의 실적이 8시간을 넘어 등록할 수 없습니다.",
            "1365 counts at most 8 hours a day; this record would take the day past 8 hours, so 1365 cannot enter it.",
        ),
        "PORTAL_TOO_LATE": Text(
            "활동일로부터 3개월이 지난 실적은 1365 자원봉사포털에 등록할 수 없습니다.",
            "1365 takes records only within 3 months of the activity; this one is older.",
        ),
        "PORTAL_REJECTED": Text(
            "1365 자원봉사포털이 실적을 받지 않았습니다: {detail}", "1365 refused the record: {detail}"
        ),
        "PORTAL_REQUEST_REFUSED": Text(
            "1365 자원봉사포털이 전송 요청을 거부했습니다. 운영자가 확인한 뒤 다시 전송합니다: {detail}",
            "1365 refused the transfer request; an operator will check it and send it again: {detail}",
        ),
        "PORTAL_UNREADABLE_ANSWER": Text(
            "1365 자원봉사포털의 응답을 읽을 수 없습니다. 운영자가 확인한 뒤 다시 전송합니다: {detail}",
            "1365's answer could not be read; an operator will check it and send it again: {detail}",
        ),
        # Operators (vms-linkage requeue)
        "REQUEUE_NEEDS_A_FILTER": Text(
            "다시 보낼 실적을 지정하세요: --reason-code, --activity 또는 --all",
            "Say which records to send again: --reason-code, --activity or --all",
        ),
        "REQUEUED": Text(
            "전송 불가 실적 {count}건을 전송 대기로 되돌렸습니다.",
            "{count} parked records are waiting to be sent again.",
        ),
    }
)
