"""The web portal's texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

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
    }
)
