"""The web portal's texts, Korean first (added to the catalogue of `vms_platform.messages`). Menu names are the
brochure's (DESIGN.md §Portal), so that the people who know VMS find their way; the site's title, introduction,
legal basis and contact are the gateway's own (`vms_gateway.messages`)."""

from vms_contracts.regions import REGIONS
from vms_platform.messages import Text, register

REGION_NAMES_EN = {
    "00": "Nationwide",
    "11": "Seoul",
    "26": "Busan",
    "27": "Daegu",
    "28": "Incheon",
    "29": "Gwangju",
    "30": "Daejeon",
    "31": "Ulsan",
    "36": "Sejong",
    "41": "Gyeonggi-do",
    "43": "Chungcheongbuk-do",
    "44": "Chungcheongnam-do",
    "46": "Jeollanam-do",
    "47": "Gyeongsangbuk-do",
    "48": "Gyeongsangnam-do",
    "50": "Jeju",
    "51": "Gangwon",
    "52": "Jeonbuk",
}

register({f"WEB_REGION_{code}": Text(region.name, REGION_NAMES_EN[code]) for code, region in REGIONS.items()})

register(
    {
        # The frame
        "WEB_SKIP": Text("본문 바로가기", "Skip to content"),
        "WEB_NAV": Text("주 메뉴", "Main menu"),
        "WEB_LANGUAGE": Text("언어", "Language"),
        "WEB_SIGN_IN": Text("로그인", "Sign in"),
        "WEB_SIGN_OUT": Text("로그아웃", "Sign out"),
        "WEB_SIGN_UP": Text("회원가입", "Sign up"),
        "WEB_SIGNED_IN_AS": Text("{login} ({role}) 로그인 중", "Signed in as {login} ({role})"),
        "WEB_HOME": Text("처음으로", "Home"),
        "WEB_COMING": Text("준비 중", "coming soon"),
        "WEB_TABLE_OF": Text("{caption} 표", "Table of {caption}"),
        # The brochure's menus (DESIGN.md §Portal)
        "NAV_APPLY": Text("봉사신청", "Apply"),
        "NAV_RECRUITMENTS": Text("봉사자모집 및 신청", "Recruitments and applying"),
        "NAV_WISHES": Text("희망봉사활동 등록", "Activities I wish to do"),
        "NAV_CERTIFY": Text("봉사인증", "Certification"),
        "NAV_RECORDS": Text("봉사실적조회", "My volunteer record"),
        "NAV_CERTIFICATES": Text("인증서 발급", "Certificates"),
        "NAV_VERIFY": Text("인증서 진위확인", "Verify a certificate"),
        "NAV_MY_PAGE": Text("마이페이지", "My page"),
        "NAV_MEMBER": Text("회원정보", "Member information"),
        "NAV_PRIVACY": Text("개인정보", "Personal information"),
        "NAV_CENTRE": Text("관리센터 업무", "Centre work"),
        "NAV_CENTRE_ACTIVITIES": Text("봉사실적 입력·확인", "Record and confirm hours"),
        "NAV_COUNCIL": Text("협의회 관리", "Council administration"),
        "NAV_COUNCIL_CENTRES": Text("관리센터·담당자", "Centres and managers"),
        "NAV_ACCESS_RECORDS": Text("개인정보 열람 기록", "Personal data reads"),
        "NAV_CENTRAL": Text("중앙회 관리", "Central administration"),
        "NAV_ACCOUNTS": Text("계정 관리", "Accounts"),
        "NAV_ACCOUNT": Text("계정 설정", "Account settings"),
        "NAV_PASSWORD_TOKENS": Text("비밀번호·접근 토큰", "Password and access tokens"),
        # Public home
        "WEB_HOME_START": Text(
            "봉사자는 회원가입 후 로그인하면 누적 봉사시간과 봉사실적, 1365 연계 현황을 바로 볼 수 있습니다.",
            "Volunteers who sign up and sign in see their total hours, their record and its transfer to 1365 at once.",
        ),
        "WEB_COUNCILS": Text("17개 시·도 사회복지협의회", "The 17 regional councils on social welfare"),
        "WEB_COUNCILS_INTRO": Text(
            "한국사회복지협의회(중앙회)와 17개 시·도 사회복지협의회가 사회복지자원봉사인증관리본부로서 각 지역의 "
            "봉사실적 인증을 맡습니다.",
            "The national council and the 17 regional councils certify volunteer hours, each in its own region.",
        ),
        "WEB_FOR_DEVELOPERS": Text("연계 기관·개발자", "For integrators and developers"),
        # Signing in and up
        "WEB_SIGN_IN_TITLE": Text("로그인", "Sign in"),
        "WEB_SIGN_IN_FIRST": Text("이 페이지를 보려면 먼저 로그인해 주세요.", "Please sign in to see this page."),
        "WEB_LOGIN": Text("아이디", "Login ID"),
        "WEB_PASSWORD": Text("비밀번호", "Password"),
        "WEB_PASSWORD_AGAIN": Text("비밀번호 확인", "Password again"),
        "WEB_NO_ACCOUNT": Text("아직 회원이 아니신가요?", "Not a member yet?"),
        "WEB_SIGNED_OUT": Text("로그아웃했습니다.", "You are signed out."),
        "WEB_SIGN_UP_TITLE": Text("회원가입 (자원봉사자)", "Sign up as a volunteer"),
        "WEB_SIGN_UP_INTRO": Text(
            "주민등록번호는 받지 않습니다. 생년월일과 휴대전화 번호로 충분합니다.",
            "No resident registration number is ever asked: a birth date and a mobile number are enough.",
        ),
        "WEB_LOGIN_HINT": Text(
            "영문 소문자로 시작하는 영문 소문자·숫자·_ 4–20자", "4 to 20 lowercase letters, digits or _, from a letter"
        ),
        "WEB_PASSWORD_HINT": Text(
            "다른 곳에서 쓰지 않는 긴 비밀번호를 권합니다.", "A long password you use nowhere else is best."
        ),
        "WEB_NAME": Text("성명", "Name"),
        "WEB_BIRTH_DATE": Text("생년월일", "Date of birth"),
        "WEB_PHONE": Text("휴대전화", "Mobile phone"),
        "WEB_PHONE_HINT": Text("예: 010-1234-5678", "e.g. 010-1234-5678"),
        "WEB_REGION": Text("지역 (시·도)", "Region (province)"),
        "WEB_CHOOSE": Text("선택하세요", "Choose one"),
        "WEB_PASSWORDS_DIFFER": Text("두 비밀번호가 서로 다릅니다.", "The two passwords differ."),
        # Forms
        "WEB_FIX_FIELDS": Text("입력한 내용을 확인해 주세요", "Please check what you entered"),
        "WEB_OPTIONAL": Text("선택", "optional"),
        "WEB_SAVE": Text("저장", "Save"),
        # Panels that could not be filled
        "WEB_PANEL_LATE": Text(
            "{what}{eul} 지금 불러올 수 없습니다 ({service} 서비스 응답 없음). 잠시 후 다시 시도해 주세요.",
            "{what} cannot be shown right now (the {service} service did not answer). Please try again shortly.",
        ),
        "WEB_PANEL_DOWN": Text(
            "{what}{eul} 지금 불러올 수 없습니다 ({service} 서비스 연결 안 됨). 잠시 후 다시 시도해 주세요.",
            "{what} cannot be shown right now (the {service} service is not available). Please try again shortly.",
        ),
        "WEB_PANEL_REFUSED": Text("{what}{eul} 볼 수 없습니다: {reason}", "{what} cannot be shown: {reason}"),
        "WEB_ACTION_FAILED": Text("처리하지 못했습니다: {reason}", "Not done: {reason}"),
        # Volunteer: 마이페이지
        "WEB_ME_TITLE": Text("마이페이지", "My page"),
        "WEB_MY_ID": Text("봉사자 번호", "Volunteer number"),
        "WEB_MY_ID_HINT": Text(
            "관리센터가 봉사실적을 입력할 때 이 번호가 필요합니다.",
            "Your centre needs this number to record your hours.",
        ),
        "WEB_TOTAL": Text("누적 봉사시간", "Total volunteer hours"),
        "WEB_TOTAL_COUNT": Text("확인된 활동 {count}건", "{count} confirmed activities"),
        "WEB_RECORDS": Text("봉사실적", "Volunteer record"),
        "WEB_NO_RECORDS": Text("아직 봉사실적이 없습니다.", "No activity recorded yet."),
        "WEB_TRANSFERS": Text("1365 연계 현황", "Transfers to 1365"),
        "WEB_NO_TRANSFERS": Text("1365로 보낼 봉사실적이 아직 없습니다.", "Nothing to send to 1365 yet."),
        "WEB_TRANSFERS_NEED_CONSENT": Text(
            "아래 '1365자원봉사포털 연계동의'에 동의해야 봉사실적이 1365로 전송됩니다.",
            "Hours go to 1365 only once you consent below ('Consent to 1365 linkage').",
        ),
        "WEB_PROFILE": Text("회원정보 → 개인정보", "Member information → personal information"),
        "WEB_CONSENT": Text("1365자원봉사포털 연계동의", "Consent to linkage with the 1365 volunteer portal"),
        "WEB_CONSENT_HINT": Text(
            "동의하면 확인된 봉사실적이 1365자원봉사포털로 자동 전송되고, 1365를 거쳐 NEIS(학교생활기록부)에도 "
            "반영됩니다. 1365에서도 '봉사실적 연계를 위한 정보제공 동의'를 해야 합니다. 동의를 철회하면 전송이 "
            "바로 멈춥니다.",
            "With your consent, confirmed hours move to the 1365 volunteer portal by themselves, and through 1365 to "
            "NEIS (school records). Consent on 1365 too ('information for linking volunteer records'). Withdrawing "
            "stops transfers at once.",
        ),
        "WEB_CONSENT_GIVEN": Text("연계에 동의함 ({time})", "Consented ({time})"),
        "WEB_CONSENT_WITHDRAWN": Text("연계에 동의하지 않음 ({time})", "Not consented ({time})"),
        "WEB_CONSENT_NEVER": Text("연계에 동의하지 않음", "Not consented"),
        "WEB_CONSENT_SAVED_GIVEN": Text(
            "1365자원봉사포털 연계에 동의했습니다. 확인된 봉사실적이 1365로 전송됩니다.",
            "You consented to linkage with 1365: confirmed hours will be sent there.",
        ),
        "WEB_CONSENT_SAVED_WITHDRAWN": Text(
            "1365자원봉사포털 연계 동의를 철회했습니다. 1365로의 전송이 멈춥니다.",
            "You withdrew your consent to linkage with 1365: nothing more is sent there.",
        ),
        # Activities
        "WEB_ACTIVITY_DATE": Text("활동일", "Date"),
        "WEB_TIME": Text("시간", "Time"),
        "WEB_START": Text("시작 시각", "Start"),
        "WEB_END": Text("종료 시각", "End"),
        "WEB_DURATION": Text("봉사시간", "Hours"),
        "WEB_DESCRIPTION": Text("활동내용", "Activity"),
        "WEB_STATUS": Text("상태", "Status"),
        "WEB_REASON": Text("사유", "Reason"),
        "WEB_CENTRE_NAME": Text("관리센터", "Centre"),
        "WEB_VOLUNTEER_ID": Text("봉사자 번호", "Volunteer number"),
        "WEB_VOLUNTEER_ID_HINT": Text(
            "봉사자가 마이페이지에서 확인할 수 있는 번호입니다.", "The number volunteers find on their My page."
        ),
        "WEB_EXCEPTION_REASON": Text("예외 사유", "Reason for an exception"),
        "WEB_EXCEPTION_REASON_HINT": Text(
            "하루 8시간을 넘거나 활동 후 3개월이 지나 입력할 때만 적습니다.",
            "Only for a day over 8 hours, or an entry more than 3 months after the activity.",
        ),
        "WEB_STATUS_recorded": Text("입력됨 (확인 전)", "Recorded (not confirmed)"),
        "WEB_STATUS_confirmed": Text("확인됨", "Confirmed"),
        "WEB_STATUS_rejected": Text("반려됨", "Rejected"),
        "WEB_STATUS_cancelled": Text("취소됨", "Cancelled"),
        "WEB_BLOOD_DONATION": Text("헌혈", "Blood donation"),
        "WEB_HOURS_TOTALS": Text("봉사실적 누계", "Hours so far"),
        "WEB_ACTIVITY_HOURS": Text("봉사활동", "Activities"),
        "WEB_BLOOD_HOURS": Text("헌혈 (1회 4시간)", "Blood donations (4 h each)"),
        "WEB_BLOOD_COUNT": Text("{count}회", "{count} donations"),
        "WEB_ALL_HOURS": Text("합계", "In all"),
        "WEB_BY_YEAR": Text("연도별 봉사시간", "Hours by year"),
        "WEB_BY_TYPE": Text("분야별 봉사시간", "Hours by type of activity"),
        "WEB_BY_MONTH": Text("최근 12개월 월별 봉사시간", "Hours by month, the last 12 months"),
        "WEB_YEAR": Text("연도", "Year"),
        "WEB_CENTRE_STATISTICS": Text("센터 봉사실적 통계", "The centre's hours"),
        "WEB_REGION_STATISTICS": Text("시·도 봉사실적 통계", "The region's hours"),
        "WEB_STATISTICS_LAG": Text(
            "확인·정정·취소는 잠시 뒤 통계에 반영됩니다.",
            "Confirmations, corrections and cancellations show here a moment later.",
        ),
        # Centre
        "WEB_CENTRE_TITLE": Text("관리센터 업무", "Centre work"),
        "WEB_CENTRE_CHOOSE": Text("관리센터를 고르세요", "Choose a centre"),
        "WEB_CENTRE_SWITCH": Text("다른 관리센터", "Another centre"),
        "WEB_CENTRE_ACTIVITIES": Text("봉사활동 실적", "Activity records"),
        "WEB_CENTRE_ACTIVITIES_SHOWN": Text("최근 {shown}건 / 전체 {total}건", "Latest {shown} of {total}"),
        "WEB_CENTRE_NO_ACTIVITIES": Text("아직 입력한 실적이 없습니다.", "No activity recorded yet."),
        "WEB_RECORD": Text("봉사활동 실적 입력", "Record an activity"),
        "WEB_RECORD_SUBMIT": Text("실적 입력", "Record"),
        "WEB_RECORDED": Text(
            "실적을 입력했습니다. '확인'을 눌러야 봉사시간에 반영됩니다.",
            "Recorded. It counts once you press 'Confirm'.",
        ),
        "WEB_CONFIRM": Text("확인", "Confirm"),
        "WEB_CONFIRM_LABEL": Text("{date} {start}–{end} 활동 확인", "Confirm the activity of {date} {start}–{end}"),
        "WEB_CONFIRMED_SHORT": Text("활동을 확인했습니다.", "The activity is confirmed."),
        # Rejecting, correcting, cancelling a record; its history
        "WEB_ACTIVITY_REJECT": Text("반려", "Reject"),
        "WEB_ACTIVITY_REJECT_LABEL": Text(
            "{date} {start}–{end} 활동 반려", "Reject the activity of {date} {start}–{end}"
        ),
        "WEB_ACTIVITY_REJECT_REASON": Text("반려 사유", "Why it is rejected"),
        "WEB_ACTIVITY_REJECTED": Text(
            "{date} {start}–{end} 활동을 반려했습니다.", "Rejected the activity of {date} {start}–{end}."
        ),
        "WEB_ACTIVITY_CANCEL": Text("취소", "Cancel"),
        "WEB_ACTIVITY_CANCEL_LABEL": Text(
            "{date} {start}–{end} 확인된 활동 취소", "Cancel the confirmed activity of {date} {start}–{end}"
        ),
        "WEB_ACTIVITY_CANCEL_REASON": Text("취소 사유", "Why it is cancelled"),
        "WEB_ACTIVITY_CANCELLED": Text(
            "{date} {start}–{end} 활동을 취소했습니다. 누계에서 빠집니다.",
            "Cancelled the activity of {date} {start}–{end}; it no longer counts.",
        ),
        "WEB_ACTIVITY_CORRECT": Text("정정", "Correct"),
        "WEB_ACTIVITY_CORRECT_LABEL": Text(
            "{date} {start}–{end} 확인된 활동 정정", "Correct the confirmed activity of {date} {start}–{end}"
        ),
        "WEB_ACTIVITY_CORRECTED": Text(
            "활동을 정정했습니다. 누계와 1365 연계가 정정된 내용을 따릅니다.",
            "The activity is corrected; totals and 1365 follow the correction.",
        ),
        "WEB_CORRECT_TITLE": Text("확인된 봉사활동 실적 정정", "Correct a confirmed activity"),
        "WEB_CORRECT_INTRO": Text(
            "확인된 실적은 고치지 않고 정정 이력으로 남깁니다. 바른 내용과 정정 사유를 적어 주세요.",
            "A confirmed record is never overwritten: the correction is added to its history. "
            "Give the right details and why.",
        ),
        "WEB_CORRECT_RECORD": Text("{date} {start}–{end} 활동", "The activity of {date} {start}–{end}"),
        "WEB_CORRECTION_REASON": Text("정정 사유", "Why it is corrected"),
        "WEB_CORRECTION_REASON_HINT": Text(
            "봉사자와 협의회가 이력에서 보게 됩니다. 예: 종료 시각 입력 착오",
            "The volunteer and the council read it in the history. e.g. the end time was mistyped",
        ),
        "WEB_CORRECT_SUBMIT": Text("정정 저장", "Save the correction"),
        "WEB_BACK_TO_CENTRE": Text("← 봉사실적 입력·확인으로", "← Back to the centre's records"),
        "WEB_HISTORY": Text("변경 이력", "History"),
        "WEB_HISTORY_LABEL": Text(
            "{date} {start}–{end} 활동의 변경 이력", "History of the activity of {date} {start}–{end}"
        ),
        "WEB_REVISIONS": Text("변경 이력", "Revisions"),
        "WEB_REVISION": Text("차수", "Revision"),
        "WEB_CHANGE": Text("변경", "Change"),
        "WEB_CHANGED_AT": Text("일시", "When"),
        "WEB_COUNTED": Text("인정 시간", "Counted"),
        "WEB_CHANGE_recorded": Text("입력", "Recorded"),
        "WEB_CHANGE_confirmed": Text("확인", "Confirmed"),
        "WEB_CHANGE_rejected": Text("반려", "Rejected"),
        "WEB_CHANGE_corrected": Text("정정", "Corrected"),
        "WEB_CHANGE_cancelled": Text("취소", "Cancelled"),
        "WEB_CONFIRMED": Text(
            "{date} {start}–{end} 활동을 확인했습니다 ({duration}).",
            "Confirmed the activity of {date} {start}–{end} ({duration}).",
        ),
        # Council and central
        "WEB_COUNCIL_TITLE": Text("{region} 사회복지협의회 관리", "{region} council administration"),
        "WEB_CENTRAL_TITLE": Text("중앙회 관리", "Central council administration"),
        "WEB_CENTRES": Text("관리센터 목록", "Management centres"),
        "WEB_CENTRES_IN": Text("{region} 관리센터", "Centres in {region}"),
        "WEB_CENTRES_SHOWN": Text("{shown}곳 / 전체 {total}곳", "{shown} of {total}"),
        "WEB_NO_CENTRES": Text("등록된 관리센터가 없습니다.", "No centre registered yet."),
        "WEB_CENTRE_ID": Text("관리센터 번호", "Centre number"),
        "WEB_CENTRE_NAME_FIELD": Text("관리센터 이름", "Name of the centre"),
        "WEB_CENTRE_PHONE": Text("전화번호", "Phone"),
        "WEB_REGISTERED_AT": Text("등록일", "Registered"),
        "WEB_REGISTER_CENTRE": Text("관리센터 등록", "Register a centre"),
        "WEB_REGISTER_CENTRE_SUBMIT": Text("등록", "Register"),
        "WEB_CENTRE_REGISTERED": Text("관리센터를 등록했습니다.", "The centre is registered."),
        "WEB_CREATE_MANAGER": Text("관리센터 담당자 계정 만들기", "Create a centre manager account"),
        "WEB_MANAGER_CENTRES": Text("담당 관리센터", "Centres managed"),
        "WEB_CREATE_COUNCIL_ADMIN": Text("시·도 협의회 관리자 계정 만들기", "Create a regional council admin account"),
        "WEB_CREATE_INTEGRATOR": Text("연계기관 계정 만들기", "Create an integrator account"),
        "WEB_CREATE_ACCOUNT_SUBMIT": Text("계정 만들기", "Create the account"),
        "WEB_ACCOUNT_CREATED": Text(
            "계정을 만들었습니다. 처음 비밀번호를 본인에게 안전하게 전달해 주세요.",
            "The account is created. Pass its first password on to its owner safely.",
        ),
        "WEB_INITIAL_PASSWORD_HINT": Text(
            "처음 비밀번호입니다. 본인이 로그인한 뒤 바꾸게 해 주세요.",
            "The first password; its owner changes it after signing in.",
        ),
        "WEB_ACCOUNTS": Text("계정 목록", "Accounts"),
        "WEB_ACCOUNTS_MORE": Text("처음 {shown}개 계정만 보여 줍니다.", "Only the first {shown} accounts are shown."),
        "WEB_SHOW": Text("보기", "Show"),
        "WEB_NO_ACCOUNTS": Text("계정이 없습니다.", "No accounts."),
        "WEB_ROLE": Text("역할", "Role"),
        "WEB_SCOPE": Text("범위", "Scope"),
        "WEB_ACCOUNT_STATE": Text("상태", "State"),
        "WEB_ACCOUNT_ACTIVE": Text("사용 중", "Active"),
        "WEB_ACCOUNT_DISABLED": Text("사용 중지", "Disabled"),
        "WEB_DISABLE": Text("사용 중지", "Disable"),
        "WEB_DISABLE_LABEL": Text("{login} 계정 사용 중지", "Disable the account {login}"),
        "WEB_ACCOUNT_DISABLED_SHORT": Text("계정의 사용을 중지했습니다.", "The account is disabled."),
        "WEB_CREATED_AT": Text("만든 날", "Created"),
        "WEB_ACCESS_RECORDS": Text("개인정보 열람 기록", "Reads of personal data"),
        "WEB_ACCESS_RECORDS_INTRO": Text(
            "이 지역 봉사자의 성명·생년월일·휴대전화 등 개인정보를 누가 언제 어떤 요청으로 열람했는지 보여 줍니다.",
            "Who read the personal data (name, birth date, phone…) of this region's volunteers, when, and by which "
            "request.",
        ),
        "WEB_READ_AT": Text("열람 시각", "Read at"),
        "WEB_READER": Text("열람자", "Reader"),
        "WEB_READ_FIELDS": Text("열람 항목", "Data read"),
        "WEB_OPERATION": Text("요청", "Request"),
        "WEB_NO_ACCESS_RECORDS": Text("열람 기록이 없습니다.", "No reads recorded."),
        "WEB_FIELD_name": Text("성명", "name"),
        "WEB_FIELD_birth_date": Text("생년월일", "birth date"),
        "WEB_FIELD_phone": Text("휴대전화", "phone"),
        "WEB_FIELD_address": Text("주소", "address"),
        "WEB_FIELD_login_id": Text("아이디", "login id"),
        # Account settings
        "WEB_ACCOUNT_TITLE": Text("계정 설정", "Account settings"),
        "WEB_CHANGE_PASSWORD": Text("비밀번호 변경", "Change password"),
        "WEB_CURRENT_PASSWORD": Text("현재 비밀번호", "Current password"),
        "WEB_NEW_PASSWORD": Text("새 비밀번호", "New password"),
        "WEB_NEW_PASSWORD_AGAIN": Text("새 비밀번호 확인", "New password again"),
        "WEB_PASSWORD_CHANGED": Text("비밀번호를 바꿨습니다.", "Your password is changed."),
        "WEB_TOKENS": Text("개인 접근 토큰 (API)", "Personal access tokens (API)"),
        "WEB_TOKENS_INTRO": Text(
            "API를 쓰는 프로그램에 주는 토큰입니다. 이 계정과 같은 권한을 가지며, 필요 없어지면 바로 폐기하세요. "
            "요청 헤더에 Authorization: Bearer <토큰>으로 보냅니다.",
            "Tokens for programs that use the API. A token can do what this account can; revoke it as soon as it is "
            "no longer needed. Send it as the header Authorization: Bearer <token>.",
        ),
        "WEB_TOKEN_NAME": Text("토큰 이름", "Token name"),
        "WEB_TOKEN_NAME_HINT": Text("어디에 쓰는지 알아볼 수 있는 이름", "A name that says what it is for"),
        "WEB_TOKEN_CREATE": Text("토큰 만들기", "Create a token"),
        "WEB_TOKEN_CREATED": Text(
            "새 토큰입니다. 지금 복사해 두세요: 다시 보여 드리지 않습니다.",
            "Your new token. Copy it now: it will not be shown again.",
        ),
        "WEB_TOKEN_REVOKE": Text("폐기", "Revoke"),
        "WEB_TOKEN_REVOKE_LABEL": Text("{name} 토큰 폐기", "Revoke the token {name}"),
        "WEB_TOKEN_REVOKED_SHORT": Text("토큰을 폐기했습니다.", "The token is revoked."),
        "WEB_NO_TOKENS": Text("만든 토큰이 없습니다.", "No tokens."),
        "WEB_LAST_USED": Text("마지막 사용", "Last used"),
        "WEB_EXPIRES": Text("만료", "Expires"),
        "WEB_EXPIRES_NEVER": Text("만료 없음 (폐기할 때까지)", "Never (until revoked)"),
        "WEB_EXPIRES_IN": Text("{days}일 뒤", "In {days} days"),
        "WEB_TOKEN_PREFIX": Text("앞부분", "Starts with"),
        "WEB_TOKEN_REVOKED_AT": Text("폐기됨 ({time})", "Revoked ({time})"),
        # Refusals of pages
        "WEB_FORBIDDEN_TITLE": Text("이 페이지를 볼 권한이 없습니다", "You may not see this page"),
        "WEB_FORBIDDEN": Text(
            "{role} 계정으로는 이 페이지를 쓸 수 없습니다. 이 페이지는 {roles} 계정용입니다.",
            "A {role} account cannot use this page; it is for {roles} accounts.",
        ),
        "WEB_GO_HOME": Text("내 첫 페이지로", "To my start page"),
        "WEB_REFUSED_TITLE": Text("요청을 처리하지 못했습니다", "The request was not done"),
        "WEB_TRY_AGAIN": Text("다시 시도", "Try again"),
    }
)

# -- 봉사자모집, profiles, centres' recruitments and councils' centres -------------------------------------------------

register({f"WEB_WEEKDAY_{day}": Text(ko, en) for day, ko, en in (
    ("mon", "월요일", "Monday"),
    ("tue", "화요일", "Tuesday"),
    ("wed", "수요일", "Wednesday"),
    ("thu", "목요일", "Thursday"),
    ("fri", "금요일", "Friday"),
    ("sat", "토요일", "Saturday"),
    ("sun", "일요일", "Sunday"),
)})  # fmt: skip
register({f"WEB_WEEKDAY_SHORT_{day}": Text(ko, en) for day, ko, en in (
    ("mon", "월", "Mon"),
    ("tue", "화", "Tue"),
    ("wed", "수", "Wed"),
    ("thu", "목", "Thu"),
    ("fri", "금", "Fri"),
    ("sat", "토", "Sat"),
    ("sun", "일", "Sun"),
)})  # fmt: skip

register(
    {
        # Menus
        "NAV_INTRO": Text("VMS 안내", "About VMS"),
        "NAV_ABOUT": Text("VMS 소개", "What VMS is"),
        "NAV_COUNCILS": Text("시·도 사회복지협의회", "Regional councils"),
        "NAV_MY_APPLICATIONS": Text("내 신청", "My applications"),
        "NAV_PROFILE_EDIT": Text("회원정보 수정", "Edit my details"),
        "NAV_WITHDRAW": Text("회원탈퇴", "Leave VMS"),
        "NAV_CENTRE_RECRUITMENTS": Text("봉사자모집 관리", "Recruitments"),
        # Choices
        "WEB_ANY": Text("전체", "Any"),
        "WEB_NOT_CHOSEN": Text("선택 안 함", "None"),
        "WEB_WHOLE_TYPE": Text("{type} 전체", "{type} (all)"),
        "WEB_DAY_PART_morning": Text("오전", "Morning"),
        "WEB_DAY_PART_afternoon": Text("오후", "Afternoon"),
        "WEB_DAY_PART_evening": Text("저녁", "Evening"),
        "WEB_ELIGIBILITY_adult": Text("성인 (만 19세 이상)", "Adults (19 and over)"),
        "WEB_ELIGIBILITY_youth": Text("청소년 (만 19세 미만)", "Young people (under 19)"),
        "WEB_ELIGIBILITY_group": Text("단체", "Groups"),
        "WEB_SCHOOL_elementary": Text("초등학교", "Elementary school"),
        "WEB_SCHOOL_middle": Text("중학교", "Middle school"),
        "WEB_SCHOOL_high": Text("고등학교", "High school"),
        "WEB_GRADE_N": Text("{grade}학년", "Grade {grade}"),
        "WEB_RELATION_parent": Text("부모", "Parent"),
        "WEB_RELATION_legal_guardian": Text("법정대리인", "Legal guardian"),
        "WEB_SORT_newest": Text("최근 등록순", "Newest first"),
        "WEB_SORT_starting": Text("활동 시작일순", "Starting soonest"),
        "WEB_SORT_closing": Text("마감 임박순", "Closing soonest"),
        "WEB_CENTRE_KIND_community_welfare": Text("종합사회복지관", "Community welfare centre"),
        "WEB_CENTRE_KIND_elderly": Text("노인복지시설", "Facility for the elderly"),
        "WEB_CENTRE_KIND_disabled": Text("장애인복지시설", "Facility for people with disabilities"),
        "WEB_CENTRE_KIND_children": Text("아동복지시설", "Facility for children"),
        "WEB_CENTRE_KIND_local_children": Text("지역아동센터", "Local children's centre"),
        "WEB_CENTRE_KIND_women_family": Text("여성·가족복지시설", "Facility for women and families"),
        "WEB_CENTRE_KIND_mental_health": Text("정신건강복지시설", "Mental health facility"),
        "WEB_CENTRE_KIND_homeless": Text("노숙인복지시설", "Facility for the homeless"),
        "WEB_CENTRE_KIND_public_agency": Text("공공기관 (행정복지센터 등)", "Public agency"),
        "WEB_CENTRE_KIND_other": Text("기타", "Other"),
        # Searching recruitments
        "WEB_SEARCH_INTRO": Text(
            "봉사활동 분야와 지역, 날짜, 검색어로 봉사자모집을 찾고 신청할 수 있습니다. 로그인하지 않아도 찾아볼 수 "
            "있습니다.",
            "Find recruitments by field, region, day and keyword, and apply. Anyone may search, signed in or not.",
        ),
        "WEB_SEARCH": Text("봉사자모집 검색", "Search recruitments"),
        "WEB_SEARCH_SUBMIT": Text("검색", "Search"),
        "WEB_ACTIVITY_TYPE": Text("봉사활동 분류", "Type of activity"),
        "WEB_SUB_FIELD": Text("세부분야", "Sub-field"),
        "WEB_SUB_FIELD_HINT": Text(
            "봉사활동 분류를 고르면 그 세부분야가 나옵니다.", "Choose a type first: its sub-fields follow."
        ),
        "WEB_DISTRICT": Text("시·군·구", "District"),
        "WEB_DISTRICT_HINT": Text(
            "사는 곳의 시·군·구 (시·도 안에서)", "The district you live in (within your province)"
        ),
        "WEB_ON_DATE": Text("활동일", "Day of activity"),
        "WEB_ON_DATE_HINT": Text("이 날 활동하는 모집만", "Only recruitments that run on this day"),
        "WEB_KEYWORD": Text("검색어", "Keyword"),
        "WEB_KEYWORD_HINT": Text(
            "제목, 장소, 활동 내용, 관리센터 이름에서 찾습니다 (예: 말벗).",
            "Searched in the title, place, description and centre name (e.g. 말벗).",
        ),
        "WEB_OPEN_ONLY": Text("모집중만", "Open for applications only"),
        "WEB_SORT": Text("정렬", "Order"),
        "WEB_SEARCH_RESULTS": Text("검색 결과", "Results"),
        "WEB_SEARCH_RESULTS_COUNT": Text("검색 결과 (총 {total}건)", "Results ({total} in all)"),
        "WEB_SEARCH_RANGE": Text(
            "{total}건 중 {first}–{last}번째 ({page}쪽)", "{first}–{last} of {total} (page {page})"
        ),
        "WEB_SEARCH_NONE": Text(
            "조건에 맞는 봉사자모집이 없습니다. 조건을 줄여 다시 찾아보세요.",
            "No recruitment matches. Try fewer conditions.",
        ),
        "WEB_SEARCH_PAST_LAST": Text(
            "이 쪽에는 결과가 없습니다. 앞 쪽을 보세요.", "This page is past the last result; see the pages before."
        ),
        "WEB_SEARCH_FIX_FIRST": Text(
            "검색 조건을 고친 뒤 다시 검색해 주세요.", "Please correct the search and send it again."
        ),
        "WEB_PAGES": Text("검색 결과 쪽", "Result pages"),
        "WEB_PAGE_N": Text("{n}쪽", "Page {n}"),
        "WEB_PREVIOUS": Text("이전", "Previous"),
        "WEB_NEXT": Text("다음", "Next"),
        "WEB_RECRUIT_OPEN": Text("모집중", "Open"),
        "WEB_RECRUIT_CLOSED_open": Text("신청 마감", "Not taking applications"),
        "WEB_RECRUIT_CLOSED_closed": Text("모집마감", "Closed"),
        "WEB_PLACE": Text("활동 장소", "Place"),
        "WEB_PLACE_HINT": Text("예: 행복종합사회복지관 2층", "e.g. 2nd floor of the welfare centre"),
        "WEB_ACTIVITY_PLACE_HINT": Text(
            "센터 안에서 활동했다면 비워 두세요. 예: 해운대 해수욕장",
            "Leave empty if it was at the centre. e.g. the beach",
        ),
        "WEB_PERIOD": Text("활동 기간", "Period"),
        "WEB_PLACES": Text("모집 인원", "Places"),
        "WEB_PLACES_LEFT": Text("{capacity}명 중 {left}명 남음", "{left} of {capacity} left"),
        "WEB_HOME_FIND": Text(
            "봉사활동 분야와 지역으로 봉사자모집을 찾아 신청하세요.",
            "Find a recruitment by field and region, and apply.",
        ),
        "WEB_HOME_ALL_RECRUITMENTS": Text("모집중인 봉사활동 모두 보기", "Every recruitment open now"),
        # One recruitment, applying
        "WEB_BACK_TO_SEARCH": Text("← 봉사자모집 검색으로", "← Back to the search"),
        "WEB_RECRUITMENT_DETAILS": Text("모집 내용", "Details"),
        "WEB_RECRUITMENT_DESCRIPTION": Text("활동 내용", "What the activity is"),
        "WEB_WEEKDAYS": Text("활동 요일", "Weekdays"),
        "WEB_CAPACITY": Text("모집 인원", "Places"),
        "WEB_ELIGIBILITY": Text("신청 자격", "Who may apply"),
        "WEB_ORIENTATION": Text("소양교육", "Orientation"),
        "WEB_ORIENTATION_REQUIRED": Text("소양교육 이수 후 배치", "Placed after the centre's orientation"),
        "WEB_ORIENTATION_NOT_REQUIRED": Text("필요 없음", "Not needed"),
        "WEB_APPLY_UNTIL": Text("신청 마감일", "Apply by"),
        "WEB_APPLY_UNTIL_HINT": Text("비워 두면 활동 종료일까지 받습니다.", "Empty: applications until the last day."),
        "WEB_APPLY": Text("봉사신청", "Apply"),
        "WEB_APPLY_SUBMIT": Text("신청하기", "Apply"),
        "WEB_APPLY_SIGN_IN_FIRST": Text(
            "신청하려면 봉사자로 로그인해 주세요. 로그인하면 이 페이지로 돌아옵니다.",
            "Sign in as a volunteer to apply; you come back to this page.",
        ),
        "WEB_SIGN_IN_TO_APPLY": Text("로그인하고 신청하기", "Sign in to apply"),
        "WEB_APPLY_VOLUNTEERS_ONLY": Text("봉사자 계정으로만 신청할 수 있습니다.", "Only volunteers' accounts apply."),
        "WEB_MANAGE_RECRUITMENT": Text("이 모집 관리하기", "Manage this recruitment"),
        "WEB_NOT_ACCEPTING": Text("지금은 신청을 받지 않습니다.", "This recruitment takes no applications now."),
        "WEB_PARTY_SIZE": Text("인원", "People"),
        "WEB_PARTY_SIZE_HINT": Text(
            "단체로 신청하면 함께 활동할 인원을 적습니다 (신청자 포함).",
            "For a group, how many people (you included).",
        ),
        "WEB_NOTE": Text("관리센터에 남길 말", "A word to the centre"),
        "WEB_NOTE_HINT": Text("100자 이내", "Up to 100 characters"),
        "WEB_APPLIED": Text(
            "신청했습니다. 관리센터가 승인하면 상태가 바뀝니다.",
            "You applied. The status changes once the centre answers.",
        ),
        "WEB_PEOPLE": Text("{count}명", "{count}"),
        # 내 신청
        "WEB_MY_APPLICATIONS": Text("내 신청", "My applications"),
        "WEB_MY_APPLICATIONS_INTRO": Text(
            "신청한 봉사활동과 그 처리 상태입니다. 배치 전까지, 배치된 뒤에도 신청을 취소할 수 있습니다.",
            "What you applied to and where each stands. You may cancel, before or after being placed.",
        ),
        "WEB_NO_APPLICATIONS": Text("아직 신청한 봉사활동이 없습니다.", "You have not applied to anything yet."),
        "WEB_RECRUITMENT": Text("봉사자모집", "Recruitment"),
        "WEB_APPLIED_AT": Text("신청일시", "Applied"),
        "WEB_ACTIONS": Text("처리", "Actions"),
        "WEB_CANCEL_APPLICATION": Text("신청취소", "Cancel"),
        "WEB_CANCEL_APPLICATION_LABEL": Text("{title} 신청취소", "Cancel the application to {title}"),
        "WEB_APPLICATION_CANCELLED_SHORT": Text("신청을 취소했습니다.", "The application is cancelled."),
        "WEB_APPLICATION_CANCELLED_OF": Text(
            "{title} 신청을 취소했습니다.", "Your application to {title} is cancelled."
        ),
        "WEB_APPLICATION_applied": Text("신청", "Applied"),
        "WEB_APPLICATION_accepted": Text("승인", "Accepted"),
        "WEB_APPLICATION_awaiting_orientation": Text("배치 대기 (소양교육 이수 후)", "Awaiting orientation"),
        "WEB_APPLICATION_placed": Text("배치", "Placed"),
        "WEB_APPLICATION_rejected": Text("반려", "Rejected"),
        "WEB_APPLICATION_cancelled": Text("신청취소", "Cancelled"),
        # Profile
        "WEB_PROFILE_EDIT": Text("회원정보 수정", "Edit my details"),
        "WEB_PROFILE_FIXED": Text(
            "성명과 생년월일은 바꿀 수 없습니다. 다른 시·도로 이사했다면 '이사 (거주 시·도 변경)'에서 바꿔 주세요.",
            "Your name and date of birth stay as they are; if you moved to another province, tell us under 'Moving'.",
        ),
        "NAV_MOVE": Text("이사 (거주 시·도 변경)", "Moving to another province"),
        "WEB_MOVE_WHAT": Text("이사하면 이렇게 됩니다", "What moving does"),
        "WEB_MOVE_KEPT": Text(
            "회원번호, 봉사실적, 인증서와 1365 연계는 그대로 이어집니다.",
            "Your member number, hours, certificates and 1365 linkage carry on unchanged.",
        ),
        "WEB_MOVE_COUNCIL": Text(
            "새 시·도의 자원봉사 협의회 등록센터가 회원정보를 관리합니다.",
            "The council of your new province keeps your details from now on.",
        ),
        "WEB_MOVE_HANDOVER": Text(
            "다른 기관이 운영하는 시·도로 옮기는 경우, 정보를 넘기는 잠시 동안 조회만 되고 수정·신청은 할 수 없습니다.",
            "Where another operator runs the new province, your details can be read but not changed for the few "
            "moments they take to be handed over.",
        ),
        "WEB_MOVE_CURRENT": Text("지금 사는 시·도: {region}", "Where you live now: {region}"),
        "WEB_MOVE_REGION": Text("새로 사는 시·도", "The province you moved to"),
        "WEB_MOVE_DISTRICT_HINT": Text(
            "새 시·도 안의 시·군·구 (모르면 비워 두세요)", "Your district in the new province (leave empty if unsure)"
        ),
        "WEB_MOVE_SUBMIT": Text("이사 등록", "Register the move"),
        "WEB_BACK_TO_PROFILE": Text("← 회원정보 수정으로", "← Back to my details"),
        "WEB_MOVED": Text(
            "이사를 등록했습니다. 새 시·도의 협의회가 회원정보를 관리합니다.", "Your move is registered."
        ),
        "WEB_MOVE_HANDING_OVER": Text(
            "이사를 등록했습니다. 새 시·도의 등록센터로 회원정보를 옮기고 있습니다.",
            "Your move is registered: your details are being handed over to the new province's registry.",
        ),
        "WEB_PROFILE_SAVED": Text("회원정보를 저장했습니다.", "Your details are saved."),
        "WEB_EMAIL": Text("이메일", "E-mail"),
        "WEB_EMAIL_HINT": Text("예: hong@example.com", "e.g. hong@example.com"),
        "WEB_WISHES_INTRO": Text(
            "하고 싶은 봉사활동과 지역, 특기, 활동할 수 있는 시간을 등록하면 관리센터가 맞는 봉사자를 찾을 때 "
            "쓰입니다.",
            "What you wish to do, where, your talents and when you can serve: centres looking for volunteers find "
            "you by them.",
        ),
        "WEB_DESIRED_ACTIVITIES": Text("희망 봉사활동 분야", "Activities you wish to do"),
        "WEB_DESIRED_ACTIVITIES_HINT": Text(
            "분야 전체 또는 세부분야를 10개까지 고릅니다.", "Up to 10: a whole type or its sub-fields."
        ),
        "WEB_DESIRED_REGIONS": Text("희망 활동 지역 (시·도)", "Provinces you wish to serve in"),
        "WEB_DESIRED_REGIONS_HINT": Text(
            "고르지 않으면 사는 시·도로 봅니다.", "None chosen: the province you live in."
        ),
        "WEB_TALENTS": Text("특기", "Talents"),
        "WEB_TALENTS_HINT": Text(
            "쉼표로 나눠 10개까지 (예: 피아노, 수화, 컴퓨터 수리)",
            "Up to 10, separated by commas (e.g. piano, sign language)",
        ),
        "WEB_AVAILABILITY": Text("활동 가능 시간", "When you can serve"),
        "WEB_AVAILABILITY_HINT": Text(
            "오전 09–12시, 오후 12–18시, 저녁 18–22시", "Morning 9–12, afternoon 12–18, evening 18–22"
        ),
        "WEB_SCHOOL": Text("학교 정보 (학생)", "School (students)"),
        "WEB_SCHOOL_HINT": Text(
            "학생이면 적어 주세요. 1365를 거쳐 학교생활기록부(NEIS)에 봉사시간이 반영될 때 쓰입니다.",
            "For students: used when hours reach the school record (NEIS) through 1365.",
        ),
        "WEB_SCHOOL_NAME": Text("학교명", "School name"),
        "WEB_SCHOOL_LEVEL": Text("학교급", "School level"),
        "WEB_SCHOOL_GRADE": Text("학년", "Grade"),
        # Guardian's consent
        "WEB_GUARDIAN": Text("법정대리인(보호자) 동의", "Guardian's consent"),
        "WEB_GUARDIAN_NEEDED": Text(
            "만 14세 미만은 배치와 1365 연계 전에 보호자의 동의가 필요합니다.",
            "Under 14, a guardian's consent is needed before a placement and linkage with 1365.",
        ),
        "WEB_GUARDIAN_GIVEN": Text("보호자가 동의했습니다 ({time}).", "Your guardian consented ({time})."),
        "WEB_GUARDIAN_GO": Text(
            "만 14세 미만은 보호자 동의가 필요합니다: 보호자 동의 등록하기", "Under 14: record your guardian's consent"
        ),
        "WEB_GUARDIAN_NAME": Text("보호자 성명", "Guardian's name"),
        "WEB_GUARDIAN_PHONE": Text("보호자 연락처", "Guardian's phone"),
        "WEB_GUARDIAN_RELATION": Text("관계", "Relation"),
        "WEB_GUARDIAN_CONSENTS": Text(
            "보호자로서 봉사활동 배치와 개인정보 제공(1365 연계)에 동의합니다.",
            "As the guardian, I consent to placements and to the personal data going to 1365.",
        ),
        "WEB_GUARDIAN_SUBMIT": Text("보호자 동의 등록", "Record the consent"),
        "WEB_GUARDIAN_SAVED": Text("보호자 동의를 등록했습니다.", "The guardian's consent is recorded."),
        # Leaving
        "WEB_WITHDRAW_WHAT": Text("탈퇴하면", "If you leave"),
        "WEB_WITHDRAW_ERASED": Text(
            "성명, 생년월일, 연락처, 이메일, 학교, 희망봉사활동 등 개인정보가 지워집니다.",
            "Your name, date of birth, phone, e-mail, school and wishes are erased.",
        ),
        "WEB_WITHDRAW_CONSENT": Text(
            "1365자원봉사포털 연계 동의가 철회되어 1365로의 전송이 멈춥니다.",
            "Your consent to 1365 linkage is withdrawn: nothing more is sent there.",
        ),
        "WEB_WITHDRAW_PLACES": Text(
            "신청하거나 배치된 봉사활동은 모두 취소되어 자리가 다른 봉사자에게 돌아가고, "
            "참여 중인 지역사회봉사단에서도 빠집니다.",
            "Every application and placement you hold is cancelled, its place given back, and you leave your community "
            "teams.",
        ),
        "WEB_WITHDRAW_RECORDS": Text(
            "이미 확인된 봉사실적은 관리센터의 기록으로 남지만, 더 이상 조회하거나 인증서를 출력할 수 없습니다.",
            "Confirmed hours stay in the centres' records, but you can no longer see them or print certificates.",
        ),
        "WEB_WITHDRAW_ACCOUNT": Text(
            "계정은 바로 사용이 중지되고 로그아웃됩니다.", "Your account stops at once and you are signed out."
        ),
        "WEB_WITHDRAW_UNDERSTOOD": Text("위 내용을 확인했으며 탈퇴합니다.", "I have read the above and wish to leave."),
        "WEB_WITHDRAW_CONFIRM_NEEDED": Text(
            "탈퇴하려면 위 내용을 확인했다고 표시해 주세요.", "To leave, tick that you have read the above."
        ),
        "WEB_WITHDRAW_SUBMIT": Text("회원탈퇴", "Leave VMS"),
        "WEB_WITHDRAW_KEEP": Text("탈퇴하지 않고 돌아가기", "Stay and go back"),
        "WEB_WITHDRAWN": Text(
            "회원탈퇴가 끝났습니다. 그동안 봉사에 참여해 주셔서 감사합니다.",
            "You have left VMS. Thank you for all you did as a volunteer.",
        ),
        # A centre's recruitments
        "WEB_CENTRE_RECRUITMENTS": Text("우리 센터의 봉사자모집", "This centre's recruitments"),
        "WEB_CENTRE_NO_RECRUITMENTS": Text("아직 등록한 봉사자모집이 없습니다.", "No recruitment posted yet."),
        "WEB_POST_RECRUITMENT": Text("봉사자모집 등록", "Post a recruitment"),
        "WEB_POST_RECRUITMENT_SUBMIT": Text("모집 등록", "Post"),
        "WEB_RECRUITMENT_TITLE": Text("모집 제목", "Title"),
        "WEB_START_DATE": Text("활동 시작일", "First day"),
        "WEB_END_DATE": Text("활동 종료일", "Last day"),
        "WEB_ORIENTATION_REQUIRED_FIELD": Text(
            "소양교육을 이수한 봉사자만 배치합니다.", "Place only volunteers who had the centre's orientation."
        ),
        "WEB_RECRUITMENT_POSTED": Text(
            "봉사자모집을 등록했습니다. 지금부터 검색되고 신청을 받습니다.",
            "The recruitment is posted: it is found and takes applications from now on.",
        ),
        "WEB_RECRUITMENT_SAVED": Text("봉사자모집을 수정했습니다.", "The recruitment is saved."),
        "WEB_RECRUITMENT_CLOSED": Text(
            "모집을 마감했습니다. 이미 받은 신청은 그대로 남습니다.",
            "The recruitment is closed; the applications made stand.",
        ),
        "WEB_CLOSE_RECRUITMENT": Text("모집마감", "Close the recruitment"),
        "WEB_EDIT_RECRUITMENT": Text("모집 내용 수정", "Edit the recruitment"),
        "WEB_BACK_TO_CENTRE_RECRUITMENTS": Text("← 봉사자모집 관리로", "← Back to the recruitments"),
        "WEB_PUBLIC_PAGE": Text("봉사자에게 보이는 페이지", "The page volunteers see"),
        "WEB_CENTRE_STATUS": Text("인증 상태", "Accreditation"),
        "WEB_CENTRE_STATUS_registered": Text("등록 (인증 전)", "Registered (not yet accredited)"),
        "WEB_CENTRE_STATUS_accredited": Text("인증", "Accredited"),
        "WEB_CENTRE_STATUS_suspended": Text("정지", "Suspended"),
        "WEB_CENTRE_NOT_ACCREDITED_registered": Text(
            "이 관리센터는 아직 시·도 협의회의 인증을 받지 않아 봉사자모집을 등록할 수 없습니다.",
            "This centre is not yet accredited by its council: it cannot post recruitments.",
        ),
        "WEB_CENTRE_NOT_ACCREDITED_suspended": Text(
            "이 관리센터는 정지되어 봉사자모집을 등록할 수 없습니다 (사유: {reason}).",
            "This centre is suspended and cannot post recruitments (reason: {reason}).",
        ),
        # Applicants
        "WEB_APPLICANTS": Text("신청자", "Applicants"),
        "WEB_APPLICANTS_ORIENTATION_HINT": Text(
            "이 모집은 소양교육 이수자만 배치합니다. 이수하지 않은 신청자는 배치하면 '배치 대기'가 되고, 소양교육 "
            "이수를 등록하면 배치됩니다.",
            "This recruitment places only volunteers who had the orientation: placing one who has not makes them "
            "wait, and recording their orientation places them.",
        ),
        "WEB_NO_APPLICANTS": Text("아직 신청자가 없습니다.", "No applications yet."),
        "WEB_ACCEPT": Text("승인", "Accept"),
        "WEB_ACCEPT_LABEL": Text("봉사자 {volunteer} 신청 승인", "Accept the application of volunteer {volunteer}"),
        "WEB_PLACE_ACTION": Text("배치", "Place"),
        "WEB_PLACE_LABEL": Text("봉사자 {volunteer} 배치", "Place volunteer {volunteer}"),
        "WEB_REJECT": Text("반려", "Reject"),
        "WEB_REJECT_REASON": Text("반려 사유", "Reason"),
        "WEB_REJECT_REASON_LABEL": Text("봉사자 {volunteer} 반려 사유", "Why volunteer {volunteer} is rejected"),
        "WEB_REJECT_LABEL": Text("봉사자 {volunteer} 신청 반려", "Reject the application of volunteer {volunteer}"),
        "WEB_ORIENTATION_DONE": Text("소양교육 이수", "Orientation done"),
        "WEB_ORIENTATION_DATE_LABEL": Text("봉사자 {volunteer} 소양교육 이수일", "Day volunteer {volunteer} had it"),
        "WEB_ORIENTATION_LABEL": Text(
            "봉사자 {volunteer} 소양교육 이수 등록", "Record the orientation of volunteer {volunteer}"
        ),
        "WEB_APPLICANT_ACCEPTED": Text("신청을 승인했습니다.", "The application is accepted."),
        "WEB_APPLICANT_REJECTED": Text("신청을 반려했습니다.", "The application is rejected."),
        "WEB_APPLICANT_PLACED": Text("봉사자를 배치했습니다.", "The volunteer is placed."),
        "WEB_APPLICANT_AWAITING_ORIENTATION": Text(
            "소양교육 이수 기록이 없어 배치 대기로 두었습니다. 이수를 등록하면 배치됩니다.",
            "No orientation recorded yet: the application waits, and is placed once it is.",
        ),
        "WEB_ORIENTATION_RECORDED": Text("소양교육 이수를 등록했습니다.", "The orientation is recorded."),
        "WEB_ORIENTATION_RECORDED_FOR": Text(
            "소양교육 이수({day})를 등록했습니다. 대기 중이던 신청 {placed}건을 배치했습니다.",
            "The orientation of {day} is recorded; {placed} waiting applications are placed.",
        ),
        # Councils' centres
        "WEB_CENTRES_STATUS_INTRO": Text(
            "인증한 관리센터만 봉사자모집을 등록할 수 있습니다. 정지하면 그 센터의 모집은 신청을 받지 않습니다.",
            "Only accredited centres post recruitments; a suspended centre's recruitments take no applications.",
        ),
        "WEB_CENTRE_PHONE_HINT": Text("예: 02-1234-5678", "e.g. 02-1234-5678"),
        "WEB_CENTRE_KIND": Text("시설 유형", "Kind of facility"),
        "WEB_CENTRE_ADDRESS": Text("주소", "Address"),
        "WEB_ACCREDIT": Text("인증", "Accredit"),
        "WEB_ACCREDIT_LABEL": Text("{name} 인증", "Accredit {name}"),
        "WEB_SUSPEND": Text("정지", "Suspend"),
        "WEB_SUSPEND_REASON": Text("정지 사유", "Reason"),
        "WEB_SUSPEND_REASON_LABEL": Text("{name} 정지 사유", "Why {name} is suspended"),
        "WEB_SUSPEND_LABEL": Text("{name} 정지", "Suspend {name}"),
        "WEB_CENTRE_ACCREDITED": Text(
            "관리센터를 인증했습니다. 이제 봉사자모집을 등록할 수 있습니다.",
            "The centre is accredited: it may post recruitments.",
        ),
        "WEB_CENTRE_SUSPENDED": Text(
            "관리센터를 정지했습니다. 그 센터의 모집은 신청을 받지 않습니다.",
            "The centre is suspended: its recruitments take no applications.",
        ),
        # The councils and the introduction
        "WEB_COUNCILS_MORE": Text("협의회 연락처 모두 보기", "Every council's contacts"),
        "WEB_NATIONAL_LINE": Text(
            "전국 어디서나 국번 없이 {phone} (평일 09:00–18:00) 로 가까운 시·도 협의회에 연결됩니다.",
            "From anywhere in Korea, {phone} (weekdays 09:00–18:00) reaches your regional council.",
        ),
        "WEB_HOMEPAGE": Text("홈페이지", "Homepage"),
        "WEB_ABOUT_WHAT": Text("VMS는", "What VMS is"),
        "WEB_ABOUT_WHAT_TEXT": Text(
            "사회복지자원봉사 종합관리 시스템(VMS)은 사회복지 분야의 자원봉사자와 관리센터, 시·도 사회복지협의회가 "
            "함께 쓰는 시스템입니다. 봉사자는 이렇게 참여합니다.",
            "The Volunteer Management System (VMS) is shared by social-welfare volunteers, their centres and the "
            "regional councils. A volunteer takes part like this.",
        ),
        "WEB_ABOUT_STEP_1": Text("회원가입", "Sign up."),
        "WEB_ABOUT_STEP_2": Text(
            "봉사신청 → 봉사자모집 및 신청: 분야와 지역으로 찾아 신청합니다.",
            "Apply → Recruitments: find one by field and region, and apply.",
        ),
        "WEB_ABOUT_STEP_3": Text(
            "봉사신청 → 희망봉사활동 등록: 하고 싶은 활동을 등록해 두면 필요한 곳에서 찾습니다.",
            "Apply → Activities I wish to do: register them, and the places that need you find you.",
        ),
        "WEB_ABOUT_STEP_4": Text(
            "희망분야와 특기에 따라 배치되고, 활동처에서 소양교육을 받은 뒤 활동합니다.",
            "You are placed by your wishes and talents, have the site's orientation, and serve.",
        ),
        "WEB_ABOUT_STEP_5": Text(
            "봉사인증 → 봉사실적조회: 실적을 보고 인증서를 출력합니다.",
            "Certification → My record: see your hours and print the certificate.",
        ),
        "WEB_ABOUT_STEP_6": Text(
            "봉사인증 → 헌혈실적연계: 헌혈 1회는 봉사 4시간으로 인정됩니다.",
            "Certification → Blood donations: each donation counts as 4 hours.",
        ),
        "WEB_ABOUT_HIERARCHY": Text("사회복지자원봉사인증관리본부", "Who certifies"),
        "WEB_ABOUT_HIERARCHY_TEXT": Text(
            "한국사회복지협의회(중앙회)와 17개 시·도 사회복지협의회가 인증관리본부로서 각 지역의 봉사실적 인증을 "
            "맡습니다.",
            "The national council and the 17 regional councils certify volunteer hours, each in its own region.",
        ),
        "WEB_ABOUT_LEVEL_GOVERNMENT": Text("광역·기초자치단체", "Provinces, cities and districts"),
        "WEB_ABOUT_LEVEL_CENTRES": Text("사회복지자원봉사 관리센터", "Social-welfare volunteer management centres"),
        "WEB_ABOUT_LEVEL_PEOPLE": Text(
            "등록봉사자와 지역사회봉사단", "Registered volunteers and community service teams"
        ),
        "WEB_ABOUT_SCALE": Text("규모", "Scale"),
        "WEB_ABOUT_CENTRES": Text("관리센터", "Management centres"),
        "WEB_ABOUT_VOLUNTEERS": Text("등록봉사자", "Registered volunteers"),
        "WEB_ABOUT_TEAMS": Text("지역사회봉사단", "Community service teams"),
        "WEB_ABOUT_SCALE_WHEN": Text("2017년 12월 기준", "As of December 2017"),
        "WEB_LAW_WELFARE_ACT": Text("사회복지사업법 제9조", "Social Welfare Services Act, article 9"),
        "WEB_LAW_DECREE": Text(
            "사회복지사업법 시행령 제25조 제3항", "Enforcement Decree of the Social Welfare Services Act, art. 25(3)"
        ),
        "WEB_LAW_RULES": Text("사회복지자원봉사관리규정", "Social-welfare volunteer management rules"),
        "WEB_LAW_VOLUNTEER_ACT": Text("자원봉사활동기본법 제4조", "Framework Act on Volunteer Service, article 4"),
        "WEB_ABOUT_HISTORY": Text(
            "1978년 사회봉사안내소(도움의 전화)로 시작했습니다.",
            "It began in 1978 as a volunteer information desk (the 'helping phone').",
        ),
    }
)

# 전문봉사 → 지역사회봉사단 (brochure §5), and 희망봉사활동 → 추천 (§3 steps 3 and 4)
register(
    {
        "NAV_EXPERT": Text("전문봉사", "Professional volunteering"),
        "NAV_TEAMS": Text("지역사회봉사단 조회", "Community service teams"),
        "NAV_TEAM_APPLY": Text("지역사회봉사단 신청", "Apply as a community service team"),
        "NAV_RECOMMENDATIONS": Text("추천 봉사자모집", "Recommended for me"),
        "NAV_COUNCIL_TEAMS": Text("지역사회봉사단 위촉·배치", "Community service teams"),
        # 지역사회봉사단 조회
        "WEB_TEAMS_INTRO": Text(
            "재능을 가진 봉사자들이 모여 복지기관과 도움이 필요한 이웃을 꾸준히 돕는 지역사회봉사단입니다. 지역과 "
            "활동분야, 보유 기술로 찾아볼 수 있습니다. 로그인하지 않아도 됩니다.",
            "Teams of volunteers with talents who serve welfare institutions and neighbours in need, continuously. "
            "Find them by region, field and skill; no sign-in needed.",
        ),
        "WEB_TEAM_SEARCH": Text("지역사회봉사단 검색", "Search community service teams"),
        "WEB_TEAM_SKILL": Text("보유 기술", "Skill"),
        "WEB_TEAM_SKILL_HINT": Text("예: 도배, 벽화, 집수리", "e.g. wallpapering, murals, house repair"),
        "WEB_TEAM_FIELD": Text("활동분야", "Field"),
        "WEB_TEAM_RESULTS": Text("지역사회봉사단 검색 결과", "Teams found"),
        "WEB_TEAM_RESULTS_COUNT": Text("검색 결과 (총 {total}팀)", "Results ({total} teams in all)"),
        "WEB_TEAMS_NONE": Text(
            "조건에 맞는 지역사회봉사단이 없습니다. 조건을 줄여 다시 찾아보세요.",
            "No team matches. Try fewer conditions.",
        ),
        "WEB_TEAM_PAGES": Text("지역사회봉사단 검색 결과 쪽", "Pages of teams found"),
        "WEB_TEAM_AREA": Text("활동 지역", "Area"),
        "WEB_TEAM_MEMBERS": Text("인원", "Members"),
        "WEB_TEAM_SKILLS": Text("보유 기술", "Skills"),
        "WEB_TEAM_NO_SKILLS": Text("-", "-"),
        "WEB_TEAM_STATUS_applied": Text("신청 (위촉 전)", "Applied (not yet appointed)"),
        "WEB_TEAM_STATUS_appointed": Text("위촉", "Appointed"),
        "WEB_TEAM_STATUS_declined": Text("위촉 거절", "Declined"),
        "WEB_TEAM_STATUS_placed": Text("배치", "Placed"),
        # A team's page
        "WEB_BACK_TO_TEAMS": Text("← 지역사회봉사단 조회로", "← Back to the teams"),
        "WEB_TEAM_DETAILS": Text("봉사단 정보", "About the team"),
        "WEB_TEAM_KIND": Text("신청 유형", "Applied as"),
        "WEB_TEAM_KIND_individual": Text("개인", "An individual"),
        "WEB_TEAM_KIND_group": Text("단체", "A group"),
        "WEB_TEAM_KIND_individual_HINT": Text("혼자 봉사단원으로 신청합니다.", "You apply alone."),
        "WEB_TEAM_KIND_group_HINT": Text(
            "대표(나)를 포함해 {min}명 이상이 함께 신청합니다.",
            "{min} or more apply together, you (the leader) included.",
        ),
        "WEB_TEAM_CENTRE": Text("활동 관리센터", "Serves at"),
        "WEB_TEAM_NOT_PLACED": Text("아직 배치 전입니다.", "Not placed yet."),
        "WEB_TEAM_CENTRE_NUMBER": Text("관리센터 {centre}", "Centre {centre}"),
        "WEB_TEAM_DESCRIPTION": Text("활동 계획", "What the team will do"),
        # 지역사회봉사단 신청
        "WEB_TEAM_APPLY_INTRO": Text(
            "지역사회봉사단은 시·도 사회복지협의회에 신청합니다. 협의회가 위촉하면, 봉사단이 원하는 지역사회의 "
            "관리센터에 배치되어 활동합니다.",
            "A team applies to the council of its region. Once the council appoints it, it is placed at a centre of "
            "the community it wishes to serve, and serves there.",
        ),
        "WEB_TEAM_STEP_APPLY": Text(
            "신청: 개인, 또는 {min}명 이상의 단체", "Apply: alone, or as a group of {min} or more"
        ),
        "WEB_TEAM_STEP_APPOINT": Text("협의회의 위촉", "The council appoints the team"),
        "WEB_TEAM_STEP_PLACE": Text("관리센터에 배치되어 활동", "Placed at a centre, the team serves"),
        "WEB_TEAM_APPLICATION": Text("신청서", "Application"),
        "WEB_TEAM_NAME": Text("봉사단 이름", "Team name"),
        "WEB_TEAM_NAME_HINT": Text("예: 마포 집수리 봉사단", "e.g. Mapo house repair team"),
        "WEB_TEAM_REGION": Text("신청할 협의회 (시·도)", "Council applied to (province)"),
        "WEB_TEAM_REGION_HINT": Text(
            "활동할 시·도의 사회복지협의회에 신청합니다.", "You apply to the council of the province you will serve in."
        ),
        "WEB_TEAM_DISTRICT": Text("활동 희망 시·군·구", "District you wish to serve in"),
        "WEB_TEAM_GROUP_RULE": Text(
            "단체로 신청하려면 대표(나)를 포함해 {min}명 이상의 봉사자 번호가 필요합니다. {min}명이 안 되면 개인으로 "
            "신청해 주세요.",
            "A group needs the volunteer numbers of {min} or more people, you (the leader) included. With fewer, "
            "apply as an individual.",
        ),
        "WEB_TEAM_LEADER_ID": Text("대표(나)의 봉사자 번호", "Your volunteer number (the leader)"),
        "WEB_TEAM_MEMBER_IDS": Text("단원의 봉사자 번호", "Members' volunteer numbers"),
        "WEB_TEAM_MEMBER_IDS_HINT": Text(
            "단체일 때만: 한 줄에 하나씩, 또는 쉼표로 나눠 적어 주세요. 번호는 단원 각자의 마이페이지에 있습니다.",
            "For a group only: one a line, or separated by commas. Each member finds their number on their own "
            "'My page'.",
        ),
        "WEB_TEAM_SKILLS_HINT": Text(
            "쉼표로 나눠 10개까지 (예: 도배, 전기 점검)", "Up to 10, separated by commas (e.g. wallpapering)"
        ),
        "WEB_TEAM_DESCRIPTION_HINT": Text(
            "어떤 활동을 하려는지 협의회에 알려 주세요.", "Tell the council what the team means to do."
        ),
        "WEB_TEAM_APPLY_SUBMIT": Text("신청하기", "Apply"),
        "WEB_TEAM_APPLIED": Text(
            "지역사회봉사단 신청을 보냈습니다. 협의회가 위촉하면 지역사회봉사단 조회에 나옵니다.",
            "Your application is sent. Once the council appoints the team, it is listed among the teams.",
        ),
        # The council's 위촉, 거절 and 배치
        "WEB_COUNCIL_TEAMS_TITLE": Text("{region} 지역사회봉사단 위촉·배치", "Community service teams of {region}"),
        "WEB_COUNCIL_TEAMS_INTRO": Text(
            "신청한 봉사단을 위촉하거나 사유와 함께 거절하고, 위촉한 봉사단을 지역의 인증된 관리센터에 배치합니다.",
            "Appoint the teams that applied, or decline them with a reason; place the appointed ones at an "
            "accredited centre of the region.",
        ),
        "WEB_TEAMS_APPLIED": Text("위촉을 기다리는 신청", "Applications to answer"),
        "WEB_TEAMS_APPOINTED": Text("위촉한 봉사단 (배치 전)", "Appointed teams (not placed yet)"),
        "WEB_TEAMS_PLACED": Text("배치한 봉사단", "Placed teams"),
        "WEB_NO_TEAMS_APPLIED": Text("기다리는 신청이 없습니다.", "No application is waiting."),
        "WEB_NO_TEAMS_APPOINTED": Text("배치를 기다리는 봉사단이 없습니다.", "No appointed team waits to be placed."),
        "WEB_NO_TEAMS_PLACED": Text("배치한 봉사단이 아직 없습니다.", "No team is placed yet."),
        "WEB_TEAM_NO_ACCREDITED_CENTRE": Text(
            "이 지역에 인증된 관리센터가 없어 배치할 수 없습니다. 관리센터를 먼저 인증해 주세요.",
            "No centre of the region is accredited: accredit one before placing a team.",
        ),
        "WEB_TEAM_APPLIED_AT": Text("신청일", "Applied"),
        "WEB_TEAM_APPOINT": Text("위촉", "Appoint"),
        "WEB_TEAM_APPOINT_LABEL": Text("{name} 위촉", "Appoint {name}"),
        "WEB_TEAM_DECLINE": Text("거절", "Decline"),
        "WEB_TEAM_DECLINE_LABEL": Text("{name} 거절", "Decline {name}"),
        "WEB_TEAM_DECLINE_REASON": Text("거절 사유", "Reason"),
        "WEB_TEAM_DECLINE_REASON_LABEL": Text("{name} 거절 사유", "Why {name} is declined"),
        "WEB_TEAM_PLACE": Text("배치", "Place"),
        "WEB_TEAM_PLACE_LABEL": Text("{name} 배치", "Place {name}"),
        "WEB_TEAM_PLACE_CENTRE_LABEL": Text("{name}을(를) 배치할 관리센터", "The centre to place {name} at"),
        "WEB_TEAM_CHOOSE_CENTRE": Text("관리센터 선택", "Choose a centre"),
        "WEB_TEAM_APPOINTED": Text("봉사단을 위촉했습니다.", "The team is appointed."),
        "WEB_TEAM_DECLINED": Text("봉사단 신청을 거절했습니다.", "The application is declined."),
        "WEB_TEAM_PLACED": Text("봉사단을 배치했습니다.", "The team is placed."),
        "WEB_TEAM_DONE_FOR": Text("{name}: {done}", "{name}: {done}"),
        # 추천 봉사자모집
        "WEB_RECOMMENDATIONS": Text("나에게 맞는 봉사자모집", "Recruitments that fit you"),
        "WEB_RECOMMENDATIONS_INTRO": Text(
            "등록한 희망봉사활동(분야, 지역, 특기, 활동 가능 시간)에 맞는 모집을 맞는 순서대로 보여 드립니다. 지금 "
            "신청할 수 있는 모집만 나옵니다.",
            "Recruitments that fit the wish you registered (fields, regions, talents, times), best first; only those "
            "taking applications now.",
        ),
        "WEB_RECOMMENDATIONS_NO_WISHES": Text(
            "아직 희망봉사활동을 등록하지 않아 지역과 시간으로만 추천합니다.",
            "You have registered no wish yet: these are picked by place and time alone.",
        ),
        "WEB_RECOMMENDATIONS_ADD_WISHES": Text("희망봉사활동 등록하기", "Register what you wish to do"),
        "WEB_RECOMMENDATIONS_NONE": Text(
            "지금 추천할 모집이 없습니다. 봉사자모집 및 신청에서 직접 찾아보세요.",
            "Nothing to recommend right now. Search the recruitments yourself.",
        ),
        "WEB_MATCH_SCORE": Text("{score}점", "{score} points"),
        "WEB_MATCH_SCORE_HEADING": Text("맞는 정도", "Fit"),
        "WEB_MATCH_REASONS": Text("추천 이유", "Why"),
        "WEB_MATCH_sub_field": Text("{detail} 희망 +{points}", "wishes {detail} +{points}"),
        "WEB_MATCH_activity_type": Text("{detail} 희망 +{points}", "wishes {detail} +{points}"),
        "WEB_MATCH_district": Text("{detail} +{points}", "in {detail} +{points}"),
        "WEB_MATCH_region": Text("{detail} +{points}", "in {detail} +{points}"),
        "WEB_MATCH_talent": Text("특기 {detail} +{points}", "talent {detail} +{points}"),
        "WEB_MATCH_availability": Text("{detail} +{points}", "free {detail} +{points}"),
        "WEB_RECOMMENDED_VOLUNTEERS": Text("추천 봉사자", "Recommended volunteers"),
        "WEB_RECOMMENDED_VOLUNTEERS_HINT": Text(
            "희망봉사활동이 이 모집에 맞는 봉사자입니다. 이름은 일부만 보입니다.",
            "Volunteers whose wish fits this recruitment. Their names are shown in part.",
        ),
        "WEB_NO_RECOMMENDED_VOLUNTEERS": Text(
            "이 모집에 맞는 봉사자가 아직 없습니다.", "No volunteer's wish fits this recruitment yet."
        ),
    }
)

# The certificate (사회복지자원봉사 인증서), its verification page and the forms that issue it.
register(
    {
        "WEB_CERT_TITLE": Text("사회복지자원봉사 인증서", "Certificate of Volunteer Service"),
        "WEB_CERT_SUBTITLE": Text(
            "사회복지자원봉사인증관리 · 봉사실적확인서", "Social Welfare Volunteer Certification · Record of hours"
        ),
        "WEB_CERT_DATE": Text("{year}년 {month}월 {day}일", "{iso}"),
        "WEB_CERT_NUMBER": Text("발급번호", "Certificate no."),
        "WEB_CERT_NAME": Text("성명", "Name"),
        "WEB_CERT_BIRTH_DATE": Text("생년월일", "Date of birth"),
        "WEB_CERT_PERIOD": Text("활동기간", "Period"),
        "WEB_CERT_PERIOD_ALL": Text("전체 기간", "All time"),
        "WEB_CERT_PERIOD_RANGE": Text("{start} ~ {end}", "{start} to {end}"),
        "WEB_CERT_COL_DATE": Text("활동일", "Date"),
        "WEB_CERT_COL_TIME": Text("활동시간", "Time"),
        "WEB_CERT_COL_PLACE": Text("활동장소", "Place"),
        "WEB_CERT_COL_ACTIVITY": Text("활동내용", "Activity"),
        "WEB_CERT_COL_HOURS": Text("인정시간", "Hours"),
        "WEB_CERT_BLOOD_DONATION": Text("헌혈", "Blood donation"),
        "WEB_CERT_RED_CROSS": Text("대한적십자사", "Korean Red Cross"),
        "WEB_BLOOD_whole_blood": Text("(전혈)", "(whole blood)"),
        "WEB_BLOOD_plasma": Text("(혈장성분)", "(plasma)"),
        "WEB_BLOOD_platelet": Text("(혈소판성분)", "(platelets)"),
        "WEB_BLOOD_platelet_plasma": Text("(혈소판혈장성분)", "(platelets and plasma)"),
        "WEB_CERT_TOTAL_ACTIVITIES": Text("봉사활동 {count}건", "Volunteer activities: {count}"),
        "WEB_CERT_TOTAL_BLOOD": Text("헌혈 {count}회", "Blood donations: {count}"),
        "WEB_CERT_TOTAL": Text("합계", "Total"),
        "WEB_CERT_STATEMENT": Text(
            "위 사람은 위와 같이 사회복지자원봉사 활동을 하였음을 확인합니다.",
            "This is to certify that the person named above has performed the volunteer service stated above.",
        ),
        "WEB_CERT_ISSUER": Text("{council}장", "President, {council}"),
        "WEB_CERT_COUNCIL_EN": Text("{region} 사회복지협의회", "{region} Council on Social Welfare"),
        "WEB_CERT_VERIFY": Text(
            "진위확인: QR 코드를 찍거나 {url} 에서 발급번호 {number}와 확인코드 {code}를 입력하세요. "
            "이 인증서가 발급되었는지, 발급 뒤 기록이 정정·취소되었는지 확인할 수 있습니다.",
            "To verify: scan the QR code, or open {url} and enter certificate no. {number} with code {code}. "
            "It shows whether this certificate was issued and whether any record on it was corrected or cancelled "
            "since.",
        ),
        "WEB_CERT_PAGE_TITLE": Text("인증서 발급", "Certificates"),
        "WEB_CERT_INTRO": Text(
            "확인된 봉사실적(헌혈 포함)으로 사회복지자원봉사 인증서를 발급합니다. 학교·직장에 낼 때 쓰며, "
            "인증서의 QR 코드로 누구나 진위를 확인할 수 있습니다. 발급은 무료입니다.",
            "Issue a certificate of your confirmed hours (blood donations included), for school or work. Anyone can "
            "check it with its QR code. Certificates are free.",
        ),
        "WEB_CERT_FORM": Text("새 인증서", "New certificate"),
        "WEB_CERT_LANGUAGE": Text("인증서 언어", "Certificate language"),
        "WEB_CERT_LANGUAGE_KO": Text("한국어", "Korean (한국어)"),
        "WEB_CERT_LANGUAGE_EN": Text("영어 (English)", "English"),
        "WEB_CERT_PERIOD_FROM": Text("활동기간 시작", "Period from"),
        "WEB_CERT_PERIOD_TO": Text("활동기간 끝", "Period to"),
        "WEB_CERT_PERIOD_HINT": Text("비워 두면 전체 기간의 실적을 담습니다.", "Leave empty for all your hours."),
        "WEB_CERT_ISSUE_SUBMIT": Text("인증서 발급", "Issue the certificate"),
        "WEB_CERT_ISSUED": Text(
            "인증서를 발급했습니다. 아래에서 PDF를 내려받으세요.", "The certificate was issued: download its PDF below."
        ),
        "WEB_CERT_LIST": Text("발급한 인증서", "Certificates issued"),
        "WEB_CERT_NONE_YET": Text("아직 발급한 인증서가 없습니다.", "No certificate issued yet."),
        "WEB_CERT_ISSUED_AT": Text("발급일", "Issued"),
        "WEB_CERT_COUNTS": Text("내용", "States"),
        "WEB_CERT_DOWNLOAD": Text("PDF 내려받기", "Download PDF"),
        "WEB_CERT_NEW": Text("방금 발급", "Just issued"),
        "WEB_CERT_ISSUED_BY": Text("발급기관", "Issued by"),
        "WEB_VERIFY_TITLE": Text("인증서 진위확인", "Verify a certificate"),
        "WEB_VERIFY_INTRO": Text(
            "인증서에 인쇄된 발급번호와 확인코드를 입력하거나 QR 코드를 찍으세요. 발급 여부와, 발급 뒤 인증서의 "
            "기록이 정정·취소되었는지 알려 드립니다. 봉사자의 개인정보는 보여 주지 않습니다.",
            "Enter the number and code printed on the certificate, or scan its QR code: you will see whether it was "
            "issued and whether any record on it was corrected or cancelled since. No personal details are shown.",
        ),
        "WEB_VERIFY_NUMBER": Text("발급번호", "Certificate no."),
        "WEB_VERIFY_NUMBER_HINT": Text("예: 11-2026-000123", "e.g. 11-2026-000123"),
        "WEB_VERIFY_CODE": Text("확인코드", "Verification code"),
        "WEB_VERIFY_CODE_HINT": Text("예: 7KQ2-M9XD", "e.g. 7KQ2-M9XD"),
        "WEB_VERIFY_SUBMIT": Text("확인", "Verify"),
        "WEB_VERIFY_VALID": Text(
            "{council}에서 발급한 유효한 인증서입니다.", "A valid certificate issued by {council}."
        ),
        "WEB_VERIFY_UNCHANGED": Text(
            "발급 뒤 정정되거나 취소된 기록이 없습니다: 인증서의 내용이 지금의 기록과 같습니다.",
            "No record on it was corrected or cancelled since: it states the records as they are.",
        ),
        "WEB_VERIFY_CHANGED": Text(
            "발급 뒤 인증서의 기록 {count}건이 정정되거나 취소되었습니다. 지금의 실적은 새 인증서로 확인해 주세요.",
            "{count} of its records were corrected or cancelled since it was issued; a new certificate states the "
            "hours as they are now.",
        ),
        "WEB_VERIFY_CHECKED_AT": Text("확인 시각", "Checked at"),
        "WEB_CERT_FOOTER": Text("사회복지자원봉사 인증서 {number}", "Certificate of Volunteer Service {number}"),
    }
)

# 일괄 입력: a centre's file of activities.
register(
    {
        "WEB_IMPORT_TITLE": Text("봉사활동 실적 일괄 입력", "Upload activities"),
        "WEB_IMPORT_LINK": Text("파일로 일괄 입력 (CSV·XLSX)", "Upload a file (CSV, XLSX)"),
        "WEB_IMPORT_INTRO": Text(
            "양식에 활동을 한 행에 하나씩 적어 올리면 모든 행을 먼저 검사합니다. 잘못된 행은 이유와 함께 "
            "보여 드리고, 고칠 행만 파일로 내려받을 수 있습니다. 같은 파일을 다시 올려도 두 번 기록되지 않습니다.",
            "Write one activity a row in the template and upload it: every row is checked first. Refused rows are "
            "listed with why, and can be downloaded as a file to fix. The same file sent again records nothing "
            "twice.",
        ),
        "WEB_IMPORT_TEMPLATE": Text("양식 내려받기", "Template"),
        "WEB_IMPORT_TEMPLATE_XLSX": Text("엑셀 (XLSX)", "Excel (XLSX)"),
        "WEB_IMPORT_TEMPLATE_CSV": Text("CSV (UTF-8)", "CSV (UTF-8)"),
        "WEB_IMPORT_UPLOAD": Text("파일 올리기", "Upload"),
        "WEB_IMPORT_FILE": Text("파일", "File"),
        "WEB_IMPORT_FILE_HINT": Text(
            "CSV(UTF-8 또는 CP949) 또는 XLSX, 한 파일에 20,000행까지.",
            "CSV (UTF-8 or CP949) or XLSX, up to 20,000 rows a file.",
        ),
        "WEB_IMPORT_MODE": Text("처리 방법", "How"),
        "WEB_IMPORT_MODE_HINT": Text(
            "잘못된 행이 하나라도 있으면 아무것도 기록하지 않거나, 올바른 행만 기록합니다.",
            "Record nothing unless every row is right, or record the rows that are.",
        ),
        "WEB_IMPORT_MODE_all_or_nothing": Text("모든 행이 올바를 때만 기록", "Record only if every row is right"),
        "WEB_IMPORT_MODE_clean_rows": Text("올바른 행만 기록", "Record the rows that are right"),
        "WEB_IMPORT_CHECK_ONLY": Text("검사만 하기 (기록하지 않음)", "Only check (record nothing)"),
        "WEB_IMPORT_CHECK_ONLY_SHORT": Text("검사만", "check only"),
        "WEB_IMPORT_SUBMIT": Text("올리기", "Upload"),
        "WEB_IMPORT_CHOOSE_CENTRE": Text("관리센터를 골라 주세요.", "Choose the centre."),
        "WEB_IMPORT_NO_FILE": Text("올릴 파일을 골라 주세요.", "Choose the file to upload."),
        "WEB_IMPORT_NO_MODE": Text("처리 방법을 골라 주세요.", "Choose how to record."),
        "WEB_IMPORT_EARLIER": Text("최근에 올린 파일", "Recent uploads"),
        "WEB_IMPORT_WHEN": Text("올린 시각", "Uploaded"),
        "WEB_IMPORT_PROGRESS": Text("진행", "Progress"),
        "WEB_IMPORT_ROWS_DONE": Text("{rows}행 중 {done}행", "{done} of {rows} rows"),
        "WEB_IMPORT_STATUS_running": Text("처리하는 중입니다…", "Working…"),
        "WEB_IMPORT_STATUS_done": Text("끝났습니다.", "Done."),
        "WEB_IMPORT_STATUS_failed": Text("처리하지 못했습니다.", "It could not be done."),
        "WEB_IMPORT_STATUS_stalled": Text(
            "처리가 멈췄습니다 (서버 재시작). 같은 파일을 다시 올려 주세요: 이미 기록된 행은 다시 기록되지 않습니다.",
            "It stopped (the server restarted). Upload the same file again: rows already recorded are not "
            "recorded twice.",
        ),
        "WEB_IMPORT_DONE": Text(
            "{rows}행 중 {recorded}행을 새로 기록했습니다 (이미 기록된 행 {already}, 거부된 행 {refused}).",
            "Of {rows} rows, {recorded} recorded now ({already} recorded before, {refused} refused).",
        ),
        "WEB_IMPORT_CHECKED": Text(
            "검사만 했습니다: {rows}행 중 {recordable}행은 기록할 수 있고 {refused}행은 고쳐야 합니다.",
            "Checked only: of {rows} rows, {recordable} can be recorded and {refused} must be fixed.",
        ),
        "WEB_IMPORT_NOTHING_RECORDED": Text(
            "{rows}행 중 {refused}행을 고쳐야 해서 아무것도 기록하지 않았습니다 (모든 행이 올바를 때만 기록). "
            "고칠 행을 고친 뒤 파일 전체를 다시 올려 주세요.",
            "{refused} of {rows} rows must be fixed, so nothing was recorded (only if every row is right). Fix "
            "them and upload the whole file again.",
        ),
        "WEB_IMPORT_ROWS_TO_FIX": Text("고칠 행 내려받기", "Download the rows to fix"),
        "WEB_IMPORT_REFUSED": Text("거부된 행", "Refused rows"),
        "WEB_IMPORT_ROW": Text("행", "Row"),
        "WEB_IMPORT_MORE_REFUSED": Text(
            "그 밖에 {count}행이 더 있습니다: 고칠 행 파일에 모두 들어 있습니다.",
            "{count} more: the file of rows to fix holds them all.",
        ),
        "WEB_IMPORT_NOT_FOUND": Text("그런 업로드가 없습니다.", "No such upload."),
    }
)
