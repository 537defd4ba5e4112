"""The web portal: server-rendered pages (Jinja2 templates, htmx for the parts that change in place), Korean first
with an English switch, a page per role (DESIGN.md §Portal). Each page asks the services as the visitor, through
the same `Services` as the API, and shows each service's part on its own, so that one service down costs one
panel, never the page.

    /                 home (public)                 /me                 the volunteer's 마이페이지
    /about, /councils VMS and its councils          /me/profile         회원정보 수정, 희망봉사활동, 보호자 동의
    /recruitments     봉사자모집 search and detail   /me/applications    내 신청
    /teams            지역사회봉사단 search, detail  /me/recommendations 추천 봉사자모집
    /teams/apply      지역사회봉사단 신청 (volunteer) /council/teams      위촉, 거절 and 배치 of teams
    /sign-in, -out    signing in and out            /me/withdraw        회원탈퇴
    /sign-up          a volunteer signs up          /centre             a centre manager's activities (반려, 정정,
                                                                        취소: /centre/activities/…)
    /activities/…/history  a record's history, for whoever may read it
    /account          password and tokens           /centre/recruitments  its recruitments and applicants
    /choices/…        selects that follow another   /council            a regional council's centres, managers,
                                                                        access records
                                                    /central            the central council's accounts and centres
"""

from fastapi import APIRouter

from vms_gateway.portal import (
    account,
    central,
    centre,
    centre_recruitments,
    certificates,
    choices,
    council,
    imports,
    profile,
    public,
    recommendations,
    records,
    recruitments,
    teams,
    volunteer,
)

router = APIRouter(include_in_schema=False)
for _pages in (
    public,
    choices,
    recruitments,
    recommendations,
    teams,
    volunteer,
    certificates,
    profile,
    centre,
    imports,
    centre_recruitments,
    records,
    council,
    central,
    account,
):
    router.include_router(_pages.router)

__all__ = ["router"]
