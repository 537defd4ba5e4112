"""The gateway's texts, Korean first (added to the catalogue of `vms_platform.messages`): the portal's, and the
refusals the gateway itself gives before a request reaches any service."""

from vms_platform.messages import Text, register

register(
    {
        "PORTAL_TITLE": Text(
            "사회복지자원봉사 종합관리 시스템 (VMS)", "Social-welfare Volunteer Management System (VMS)"
        ),
        "PORTAL_INTRO": Text(
            "전국 사회복지자원봉사 관리센터와 17개 시·도 사회복지협의회가 봉사자를 등록하고, "
            "활동을 배치·기록·인증하며, 1365 자원봉사포털과 실적을 연계하는 시스템입니다.",
            "Where welfare centres and the 17 regional councils register volunteers, place them, record and "
            "certify their hours, and pass them on to the 1365 volunteer portal.",
        ),
        "PORTAL_API": Text("API 문서", "API documentation"),
        "PORTAL_EVENTS": Text("이벤트 목록 (연계기관용)", "Event catalogue (for integrators)"),
        "PORTAL_HEALTH": Text("서비스 상태", "Service status"),
        "PORTAL_ABOUT": Text("법적 근거", "Legal basis"),
        "PORTAL_LEGAL_BASIS": Text(
            "사회복지사업법 제9조 및 같은 법 시행령 제25조 제3항, 사회복지자원봉사관리규정, 자원봉사활동기본법 제4조. "
            "1978년 사회봉사안내소(도움의 전화)로 시작했습니다.",
            "Social Welfare Services Act art. 9 and its Enforcement Decree art. 25(3), the social-welfare "
            "volunteer management rules, Framework Act on Volunteer Activities art. 4. Started in 1978 as a "
            "volunteer information desk.",
        ),
        "PORTAL_CONTACT": Text(
            "전국대표번호 1688-1090 (평일 09:00–18:00) · 한국사회복지협의회 (04195) 서울특별시 마포구 만리재로 14 "
            "한국사회복지회관 4층 · 02-2077-3995",
            "Nationwide line 1688-1090 (weekdays 09:00–18:00) · Korea National Council on Social Welfare, "
            "14 Mallijae-ro, Mapo-gu, Seoul 04195 · +82-2-2077-3995",
        ),
        # Refusals at the HTTP edge; each says the limit it enforces.
        "REQUEST_MALFORMED": Text("HTTP 요청 형식이 올바르지 않습니다.", "The HTTP request is malformed."),
        # A body that is not JSON the gateway reads (`vms_gateway.body`): 400, each code saying what is wrong.
        "BODY_UNREADABLE": Text("요청 본문을 읽을 수 없습니다.", "The request body cannot be read."),
        "UNSUPPORTED_MEDIA_TYPE": Text(
            "요청 본문은 {expected} (UTF-8)여야 합니다 (받은 형식: {received}).",
            "The request body must be {expected} (UTF-8); it was sent as {received}.",
        ),
        "METHOD_NOT_ALLOWED": Text(
            "이 주소는 {method} 요청을 받지 않습니다 (받는 요청: {allowed}).",
            "This address does not accept {method} (it accepts {allowed}).",
        ),
        "REQUEST_TIMEOUT": Text(
            "요청이 {seconds}초 안에 다 도착하지 않아 연결을 닫습니다.",
            "The request did not arrive in full within {seconds} s; the connection is closed.",
        ),
        "REQUEST_TOO_LARGE": Text(
            "요청 본문이 너무 큽니다 (최대 {limit_bytes}바이트).",
            "The request body is too large (at most {limit_bytes} bytes).",
        ),
        "HEADERS_TOO_LARGE": Text(
            "요청 헤더가 너무 큽니다 (요청 줄과 헤더를 합쳐 최대 {limit_bytes}바이트).",
            "The request headers are too large (at most {limit_bytes} bytes with the request line).",
        ),
        "GATEWAY_BUSY": Text(
            "지금은 요청이 너무 많아 처리할 수 없습니다 (동시에 최대 {limit}개). 잠시 후 다시 시도해 주세요.",
            "Too many requests at once (at most {limit}); please try again shortly.",
        ),
        "TOO_MANY_CONNECTIONS": Text(
            "지금은 연결이 너무 많아 받을 수 없습니다 (최대 {limit}개). 잠시 후 다시 시도해 주세요.",
            "Too many open connections (at most {limit}); please try again shortly.",
        ),
        "CLIENT_TOO_MANY_REQUESTS": Text(
            "이 주소에서 보낸 요청이 너무 많습니다 (동시에 최대 {limit}개). 잠시 후 다시 시도해 주세요.",
            "Too many requests at once from this address (at most {limit}); please try again shortly.",
        ),
        "CLIENT_TOO_MANY_CONNECTIONS": Text(
            "이 주소에서 연 연결이 너무 많습니다 (최대 {limit}개). 잠시 후 다시 시도해 주세요.",
            "Too many open connections from this address (at most {limit}); please try again shortly.",
        ),
        # Accounts, sign-in and who is asking (`vms_gateway.auth`, `vms_gateway.accounts`)
        "SIGN_IN_FAILED": Text("아이디 또는 비밀번호가 맞지 않습니다.", "The login or the password is not right."),
        "SIGN_IN_THROTTLED": Text(
            "로그인 실패가 너무 많습니다. {seconds}초 뒤에 다시 시도해 주세요.",
            "Too many failed sign-ins; try again in {seconds} s.",
        ),
        "SIGN_IN_REQUIRED": Text("로그인이 필요합니다.", "Please sign in first."),
        "ACCOUNT_DISABLED": Text(
            "사용이 중지된 계정입니다. 소속 협의회에 문의해 주세요.",
            "This account has been disabled; please ask your council.",
        ),
        "TOKEN_INVALID": Text(
            "액세스 토큰이 올바르지 않거나, 만료되었거나, 폐기되었습니다.",
            "The access token is not valid, has expired or has been revoked.",
        ),
        "CSRF_FAILED": Text(
            "보안 토큰이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
            "The form's security token is missing or wrong; reload the page and try again.",
        ),
        "PASSWORD_RULE": Text(
            "비밀번호는 {min_length}자 이상 {max_length}자 이하여야 하며, 아이디와 같을 수 없습니다.",
            "A password is {min_length} to {max_length} characters long, and not the login itself.",
        ),
        "FIELD_password_rule": Text(
            "비밀번호는 {min_length}자 이상 {max_length}자 이하여야 하며, 아이디와 같을 수 없습니다.",
            "A password is {min_length} to {max_length} characters long, and not the login itself.",
        ),
        "CURRENT_PASSWORD_WRONG": Text("현재 비밀번호가 맞지 않습니다.", "The current password is not right."),
        "ACCOUNT_LOGIN_TAKEN": Text("이미 사용 중인 아이디입니다: {login}", "The login {login} is already taken."),
        "ACCOUNT_NOT_FOUND": Text("계정이 없습니다: {account_id}", "There is no account {account_id}."),
        "TOKEN_NOT_FOUND": Text("액세스 토큰이 없습니다: {token_id}", "There is no access token {token_id}."),
        "TOKENS_TOO_MANY": Text(
            "한 계정의 액세스 토큰은 최대 {limit}개입니다. 쓰지 않는 토큰을 폐기해 주세요.",
            "An account holds at most {limit} access tokens; revoke one you no longer use.",
        ),
        "CENTRE_OUTSIDE_REGION": Text(
            "관리센터 {centre_id}는 {region} 지역이 아니라 {centre_region} 지역에 있습니다.",
            "Centre {centre_id} lies in region {centre_region}, not {region}.",
        ),
        "ACCOUNT_DISABLE_SELF": Text("자신의 계정은 사용 중지할 수 없습니다.", "An account cannot disable itself."),
        "REQUEST_REFUSED": Text(
            "요청을 처리할 수 없습니다 (HTTP {status}).", "The request cannot be served (HTTP {status})."
        ),
    }
)
