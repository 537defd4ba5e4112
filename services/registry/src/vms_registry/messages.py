"""The registry's own texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "VOLUNTEER_NOT_FOUND": Text(
            "봉사자를 찾을 수 없습니다: {volunteer_id}",
            "No volunteer with id {volunteer_id}.",
        ),
        "VOLUNTEER_WITHDRAWN": Text(
            "탈퇴한 회원입니다: {volunteer_id}. 탈퇴한 회원의 정보는 조회하거나 바꿀 수 없습니다.",
            "Volunteer {volunteer_id} has withdrawn (회원탈퇴): nothing of them can be read or changed any more.",
        ),
        "CENTRE_NOT_FOUND": Text(
            "관리센터를 찾을 수 없습니다: {centre_id}",
            "No management centre with id {centre_id}.",
        ),
        "LOGIN_ID_TAKEN": Text(
            "이미 사용 중인 아이디입니다: {login_id}",
            "The login id {login_id} is already taken.",
        ),
        "PERSON_ALREADY_REGISTERED": Text(
            "이미 가입된 회원입니다: 같은 성명·생년월일·휴대전화로 가입한 아이디 {login_id}가 있습니다. "
            "한 사람은 한 아이디로만 가입할 수 있습니다. 아이디가 기억나지 않으면 아이디 찾기를 이용해 주세요.",
            "You are already a member: an account with the same name, birth date and phone exists ({login_id}). "
            "A person registers once; if you have forgotten your login id, look it up instead of registering again.",
        ),
        "CENTRE_EXISTS": Text(
            "같은 지역에 같은 이름의 관리센터가 이미 있습니다: {name}",
            "A management centre named {name} already exists in this region.",
        ),
        "GUARDIAN_NOT_NEEDED": Text(
            "보호자(법정대리인) 동의는 만 {guardian_age}세 미만 봉사자에게만 필요합니다 (지금 만 {age}세).",
            "A guardian's consent is needed only under {guardian_age}; this volunteer is {age}.",
        ),
        "CENTRE_STATUS": Text(
            "관리센터 {centre_id}는 지금 '{status_name}' 상태라서 {action_name}할 수 없습니다 "
            "('{expected_name}' 상태에서만 가능합니다).",
            "Management centre {centre_id} is {status_name_en}: it cannot be {action_en} (only a centre that is "
            "{expected} can).",
        ),
        "FIELD_suspension_reason_required": Text(
            "관리센터를 정지하려면 정지 사유를 적어 주세요.",
            "Give the reason for suspending the management centre.",
        ),
        "GUARDIAN_CONSENT_REQUIRED": Text(
            "만 14세 미만 봉사자(지금 만 {age}세)는 보호자(법정대리인)의 동의가 있어야 봉사 신청·배치와 1365 연계를 할 "
            "수 있습니다. 마이페이지에서 보호자 동의를 먼저 등록해 주세요.",
            "A volunteer under 14 (now {age}) applies, is placed and links to 1365 only with a guardian's consent "
            "(법정대리인 동의): record the guardian's consent first.",
        ),
        "CENTRE_NOT_ACCREDITED": Text(
            "관리센터 {centre_id}는 인증된 센터가 아닙니다 (지금 '{status_name}' 상태). "
            "모집 등록과 배치는 인증된 센터만 할 수 있습니다.",
            "Management centre {centre_id} is not accredited (it is {status}): only an accredited centre posts "
            "recruitments and takes placements.",
        ),
    }
)
