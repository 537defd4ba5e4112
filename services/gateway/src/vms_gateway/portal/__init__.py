"""The web portal: server-rendered pages (Jinja2 templates, htmx for the parts that change in place), Korean first
with an English switch, a page per role (DESIGN.md §Portal). Each page asks the services as the visitor, through
the same `Services` as the API, and shows each service's part on its own, so that one service down costs one
panel, never the page.

    /                 home (public)            /me        the volunteer's 마이페이지
    /sign-in, -out    signing in and out       /centre    a centre manager's activities
    /sign-up          a volunteer signs up     /council   a regional council's centres, managers, access records
    /account          password and tokens      /central   the central council's accounts and centres
"""

from fastapi import APIRouter

from vms_gateway.portal import account, central, centre, council, public, volunteer

router = APIRouter(include_in_schema=False)
for _pages in (public, volunteer, centre, council, central, account):
    router.include_router(_pages.router)

__all__ = ["router"]
