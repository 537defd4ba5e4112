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
