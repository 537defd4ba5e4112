"""The menus of each role, named as the brochure names them (DESIGN.md §Portal) so that VMS's users find their
way: 봉사신청 → 봉사자모집 및 신청 · 희망봉사활동 등록, 전문봉사 → 지역사회봉사단 조회 · 신청,
봉사인증 → 봉사실적조회, 마이페이지 → 회원정보 → 개인정보 for volunteers, and a staff area per role; before signing in,
the public pages (the search of recruitments and of community service teams, the introduction and the councils).
An item without an address is a menu the brochure promises and the portal does not serve yet."""

from __future__ import annotations

from dataclasses import dataclass

from vms_contracts.actor import Role


@dataclass(frozen=True)
class Item:
    label: str
    """A message code."""
    href: str | None


@dataclass(frozen=True)
class Menu:
    label: str
    items: tuple[Item, ...]


HOME: dict[Role, str] = {
    Role.VOLUNTEER: "/me",
    Role.CENTRE_MANAGER: "/centre",
    Role.COUNCIL_ADMIN: "/council",
    Role.CENTRAL_ADMIN: "/central",
    Role.INTEGRATOR: "/account",
}
"""Where each role lands after signing in."""

ACCOUNT = Menu("NAV_ACCOUNT", (Item("NAV_PASSWORD_TOKENS", "/account"),))

PUBLIC: tuple[Menu, ...] = (
    Menu("NAV_APPLY", (Item("NAV_RECRUITMENTS", "/recruitments"),)),
    Menu("NAV_EXPERT", (Item("NAV_TEAMS", "/teams"),)),
    Menu("NAV_CERTIFY", (Item("NAV_VERIFY", "/verify"),)),
    Menu("NAV_INTRO", (Item("NAV_ABOUT", "/about"), Item("NAV_COUNCILS", "/councils"))),
)
"""What a visitor who is not signed in may use."""

MENUS: dict[Role, tuple[Menu, ...]] = {
    Role.VOLUNTEER: (
        Menu(
            "NAV_APPLY",
            (
                Item("NAV_RECRUITMENTS", "/recruitments"),
                Item("NAV_WISHES", "/me/profile#wishes"),
                Item("NAV_RECOMMENDATIONS", "/me/recommendations"),
                Item("NAV_MY_APPLICATIONS", "/me/applications"),
            ),
        ),
        Menu("NAV_EXPERT", (Item("NAV_TEAMS", "/teams"), Item("NAV_TEAM_APPLY", "/teams/apply"))),
        Menu(
            "NAV_CERTIFY",
            (
                Item("NAV_RECORDS", "/me#records"),
                Item("NAV_CERTIFICATES", "/me/certificates"),
                Item("NAV_VERIFY", "/verify"),
            ),
        ),
        Menu(
            "NAV_MY_PAGE",
            (
                Item("NAV_MEMBER", "/me"),
                Item("NAV_PRIVACY", "/me#privacy"),
                Item("NAV_PROFILE_EDIT", "/me/profile"),
                Item("NAV_MOVE", "/me/move"),
                Item("NAV_WITHDRAW", "/me/withdraw"),
            ),
        ),
        ACCOUNT,
    ),
    Role.CENTRE_MANAGER: (
        Menu(
            "NAV_CENTRE",
            (Item("NAV_CENTRE_ACTIVITIES", "/centre"), Item("NAV_CENTRE_RECRUITMENTS", "/centre/recruitments")),
        ),
        ACCOUNT,
    ),
    Role.COUNCIL_ADMIN: (
        Menu(
            "NAV_COUNCIL",
            (
                Item("NAV_COUNCIL_CENTRES", "/council"),
                Item("NAV_COUNCIL_TEAMS", "/council/teams"),
                Item("NAV_ACCESS_RECORDS", "/council#access"),
            ),
        ),
        ACCOUNT,
    ),
    Role.CENTRAL_ADMIN: (
        Menu("NAV_CENTRAL", (Item("NAV_ACCOUNTS", "/central"), Item("NAV_COUNCIL_CENTRES", "/central#centres"))),
        ACCOUNT,
    ),
    Role.INTEGRATOR: (ACCOUNT,),
}


def menus_for(role: Role | None) -> tuple[Menu, ...]:
    """The menus a visitor of `role` sees; the public ones before signing in (the header offers signing in and up)."""
    return MENUS.get(role, ()) if role is not None else PUBLIC
