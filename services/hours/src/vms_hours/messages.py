"""The hours service's own texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "ACTIVITY_NOT_FOUND": Text(
            "봉사활동 기록을 찾을 수 없습니다: {activity_id}",
            "No activity record with id {activity_id}.",
        ),
        "ACTIVITY_TIMES_INVALID": Text(
            "종료 시각은 시작 시각보다 늦어야 합니다 (시작 {start_time}, 종료 {end_time}).",
            "The end time must be after the start time (start {start_time}, end {end_time}).",
        ),
        "ACTIVITY_IN_FUTURE": Text(
            "아직 지나지 않은 날짜의 활동은 입력할 수 없습니다: {activity_date}",
            "An activity cannot be entered for a date still to come: {activity_date}.",
        ),
        "ACTIVITY_NOT_OVER": Text(
            "아직 끝나지 않은 활동은 입력하거나 확인할 수 없습니다: {activity_date} {end_time} 종료 (현재 {now}).",
            "An activity cannot be entered or confirmed before it ends: it ends on {activity_date} at {end_time} "
            "(now {now}, Korean time).",
        ),
        "ACTIVITY_TOO_SHORT": Text(
            "활동 시간은 최소 {minimum_minutes}분이어야 합니다 (시작 {start_time}, 종료 {end_time}).",
            "An activity lasts at least {minimum_minutes} min (start {start_time}, end {end_time}).",
        ),
        "ENTRY_WINDOW_PASSED": Text(
            "활동일로부터 {months}개월이 지나 입력할 수 없습니다 (활동일 {activity_date}). 예외 사유를 적어 주세요.",
            "More than {months} months have passed since the activity on {activity_date}; "
            "give an exception reason to enter it.",
        ),
        "DAILY_LIMIT_EXCEEDED": Text(
            "하루 인정 시간은 최대 {limit_hours}시간입니다 ({activity_date}에 이미 {existing_minutes}분). "
            "예외 사유를 적어 주세요.",
            "At most {limit_hours} hours a day are counted ({existing_minutes} min already on {activity_date}); "
            "give an exception reason to exceed it.",
        ),
        "ACTIVITY_OVERLAPS": Text(
            "같은 시간에 이미 기록된 활동이 있습니다: {activity_id} ({start_time}–{end_time})",
            "Another activity is already recorded at that time: {activity_id} ({start_time}–{end_time}).",
        ),
        "ROWS_OVERLAP": Text(
            "같은 파일의 {other_row}행과 시간이 겹칩니다 ({start_time}–{end_time}).",
            "It overlaps row {other_row} of the same file ({start_time}–{end_time}).",
        ),
        "ACTIVITY_NOT_RECORDED": Text(
            "이미 {status_label} 기록입니다: 확인이나 반려는 아직 확인되지 않은 기록에만 할 수 있습니다. "
            "확인된 기록은 정정하거나 취소해 주세요.",
            "The record is already {status}: only a record not yet confirmed is confirmed or rejected; "
            "a confirmed one is corrected or cancelled.",
        ),
        "ACTIVITY_NOT_CONFIRMED": Text(
            "{status_label} 기록은 정정하거나 취소할 수 없습니다: 확인된 기록만 정정·취소합니다. "
            "아직 확인되지 않은 기록은 반려해 주세요.",
            "A {status} record cannot be corrected or cancelled: only a confirmed one can; "
            "reject a record not yet confirmed instead.",
        ),
        "BLOOD_DONATION_NOT_EDITABLE": Text(
            "헌혈 실적은 대한적십자사의 기록 그대로 인정되므로 정정하거나 취소할 수 없습니다: {activity_id}",
            "A blood donation counts as the Red Cross recorded it and cannot be corrected or cancelled: {activity_id}.",
        ),
        "CERTIFICATE_NOT_FOUND": Text(
            "발급번호와 확인코드가 맞는 인증서가 없습니다 (발급번호 {number}). 인증서에 인쇄된 그대로 입력했는지 "
            "확인해 주세요.",
            "No certificate has the number {number} with that verification code; check both as printed.",
        ),
        "NOTHING_TO_CERTIFY": Text(
            "인증서를 발급할 확인된 봉사실적이 없습니다 ({period}).",
            "There are no confirmed hours to certify ({period}).",
        ),
    }
)
