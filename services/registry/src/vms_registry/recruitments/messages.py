"""The texts of recruitments, applications and orientation, Korean first (added to the catalogue of
`vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "RECRUITMENT_NOT_FOUND": Text(
            "봉사자모집을 찾을 수 없습니다: {recruitment_id}",
            "No recruitment with id {recruitment_id}.",
        ),
        "APPLICATION_NOT_FOUND": Text(
            "봉사신청을 찾을 수 없습니다: {application_id}",
            "No application with id {application_id}.",
        ),
        "RECRUITMENT_CLOSED": Text(
            "봉사자모집 {recruitment_id}는 마감되어 수정할 수 없습니다.",
            "Recruitment {recruitment_id} is closed: it can no longer be changed.",
        ),
        "CAPACITY_BELOW_TAKEN": Text(
            "모집 인원을 {capacity}명으로 줄일 수 없습니다: 이미 {taken}명이 신청해 있습니다.",
            "The capacity cannot be {capacity}: {taken} people have already applied.",
        ),
        "RECRUITMENT_NOT_ACCEPTING": Text(
            "봉사자모집 {recruitment_id}는 지금 신청을 받지 않습니다: {reason_name}",
            "Recruitment {recruitment_id} takes no applications now: {reason_en}",
        ),
        "NOT_ACCEPTING_closed": Text("모집이 마감되었습니다.", "it is closed."),
        "NOT_ACCEPTING_deadline_passed": Text(
            "신청 마감일({last_apply_day})이 지났습니다.", "its deadline ({last_apply_day}) has passed."
        ),
        "NOT_ACCEPTING_ended": Text(
            "활동 기간이 끝났습니다 (종료일 {end_date}).", "its activity has ended (last day {end_date})."
        ),
        "NOT_ACCEPTING_centre_suspended": Text("관리센터가 정지되었습니다.", "its management centre is suspended."),
        "RECRUITMENT_FULL": Text(
            "모집 인원이 찼습니다: 정원 {capacity}명 중 남은 자리는 {left}명입니다 (신청 인원 {party_size}명).",
            "The recruitment is full: of {capacity} places, {left} are left (the application is for {party_size}).",
        ),
        "ALREADY_APPLIED": Text(
            "이미 이 모집에 신청했습니다 (신청 {application_id}). 다시 신청하려면 먼저 신청을 취소해 주세요.",
            "You have already applied to this recruitment (application {application_id}); cancel it first to "
            "apply again.",
        ),
        "NOT_ELIGIBLE": Text(
            "이 모집은 {who_name}만 신청할 수 있습니다 ({applicant_name}).",
            "Only {who_en} may apply to this recruitment ({applicant_en}).",
        ),
        "ELIGIBLE_adult": Text("성인(만 19세 이상)", "adults (19 or older)"),
        "ELIGIBLE_youth": Text("청소년(만 19세 미만)", "young people (under 19)"),
        "ELIGIBLE_group": Text("단체", "groups"),
        "APPLICANT_AGE": Text(
            "신청자는 활동 시작일({start_date})에 만 {age}세",
            "the applicant is {age} on its first day, {start_date}",
        ),
        "APPLICANT_ALONE": Text("한 사람의 신청은 받지 않습니다", "it takes no application for one person"),
        "GROUP_NOT_ALLOWED": Text(
            "이 모집은 단체 신청을 받지 않습니다: 한 사람씩 신청해 주세요 (신청 인원 {party_size}명).",
            "This recruitment takes no group applications: apply one person at a time (the application is for "
            "{party_size}).",
        ),
        "APPLICATION_STATUS": Text(
            "봉사신청 {application_id}는 지금 '{status_name}' 상태라서 {action_name}할 수 없습니다 "
            "('{expected_name}' 상태에서만 가능합니다).",
            "Application {application_id} is {status}: it cannot be {action_en} (only one that is {expected} can).",
        ),
        "FIELD_date_in_past": Text(
            "{date}는 이미 지난 날짜입니다: 오늘({today}, 한국 시간) 이후여야 합니다.",
            "{date} has passed: it must be today ({today}, Korean time) or later.",
        ),
        "FIELD_date_in_future": Text(
            "{date}는 아직 오지 않은 날짜입니다: 오늘({today}, 한국 시간)까지여야 합니다.",
            "{date} is still to come: it must be today ({today}, Korean time) or earlier.",
        ),
    }
)
