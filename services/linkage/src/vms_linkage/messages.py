"""The linkage service's own texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        # Where a record stands with 1365
        "TRANSFER_PENDING": Text("전송 대기", "Waiting to be sent"),
        "TRANSFER_AWAITING_CONSENT": Text("연계 동의 대기", "Waiting for linkage consent"),
        "TRANSFER_SENT": Text("전송 완료", "Sent"),
        "TRANSFER_FAILED": Text("전송 실패", "Not accepted"),
        # 1365's answers to a transfer
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
        "PORTAL_REJECTED": Text(
            "1365 자원봉사포털이 실적을 받지 않았습니다: {detail}", "1365 refused the record: {detail}"
        ),
    }
)
