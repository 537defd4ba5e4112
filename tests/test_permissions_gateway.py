"""The permission matrix through the gateway, as people reach it: every route of the API, asked over HTTP as an
anonymous visitor and as a real account of every role (the demo accounts of the embedded run, each with a personal
access token and a session of its own), about region 11's records (within the scoped accounts' reach: their region,
their centre, their volunteer) and region 26's (outside it).

The cases are generated from the gateway's own OpenAPI document, which names each route's row of the matrix
(`x-vms-operation`), and from the matrix itself (`vms_contracts.permissions`): a documented route this file does not
know how to ask fails the test, so a new route comes here with its request. Each refusal is a 401 (a visitor, where
the matrix refuses visitors) or a 403, in the one error shape, with a message that names what it refused; none is a
5xx; and nothing changes: every table of every service's database and of the gateway's own is the same before and
after all of them. Two answers are not 403 on purpose: another account's token is not found among one's own (404),
and a volunteer's records asked by a centre or a council are answered cut to what it may see (`LISTS`), as on the
bus; and a recruitment's applicants are never a volunteer's own (403 whichever recruitment). A session or token that
is no longer good is a 401 on every route. What the matrix allows is answered; withdrawing (회원탈퇴) is asked last,
for it closes the asking volunteer's account.

The same matrix straight on the bus, with forged and missing actors: `tests/test_permissions.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select, update

from conftest import need_postgres, whole_system_plan
from tests.accounts import PASSWORD, DemoAccounts, new_login, ok, token_for
from tests.test_permissions import LISTS
from vms_contracts.actor import ACCOUNT_ROLES, Actor, Role
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.permissions import MATRIX, Access, access
from vms_contracts.subjects import SERVICES
from vms_deploy.supervisor import DATABASES, Plan, System
from vms_gateway.accounts import CREATABLE
from vms_gateway.auth import SESSION_COOKIE, digest
from vms_gateway.db import sessions
from vms_gateway.openapi import OPERATION
from vms_platform.clock import today_kst
from vms_platform.db import Database
from vms_platform.testing import postgres_required

pytestmark = pytest.mark.slow

Target = str
"""`in` (region 11's records: the scoped accounts' own) or `out` (region 26's)."""

REGION: dict[Target, str] = {"in": "11", "out": "26"}
CALLERS = (Role.ANONYMOUS, *ACCOUNT_ROLES)

TOUCHED_BY_READS = {"gateway.sessions": {"last_seen_at"}, "gateway.access_tokens": {"last_used_at"}}
"""Columns left out of the comparison: who is asking is read from the session or token on every request, before
anything is allowed or refused, and its last use is written then (at most once a minute), so that idle sessions end
and an account holder sees when each token was last used."""


def _quiet(_line: str) -> None:
    """The supervisor's progress lines; the services' logs are kept in the plan's data folder."""


# -- the running system and who asks it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Someone asking the gateway: an account of `role` signed in one `way`, or a visitor with nothing."""

    role: Role
    way: str
    """`token` (a personal access token), `session` (the cookie and its CSRF token) or `nothing`."""
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.role.value} ({self.way})"


@dataclass
class World:
    """The running system with one account of each role (the demo accounts: region 11's council, the manager of a
    centre of region 11, a volunteer of region 11, the central admin, an integrator), and records on both sides of
    their scope."""

    plan: Plan
    http: httpx.AsyncClient
    demo: DemoAccounts
    tokens: dict[Role, Caller] = field(default_factory=dict)
    actors: dict[Role, Actor] = field(default_factory=dict)
    """Each account's scope, as the gateway reports it (`GET /me`)."""
    centres: dict[Target, str] = field(default_factory=dict)
    volunteers: dict[Target, str] = field(default_factory=dict)
    activities: dict[Target, str] = field(default_factory=dict)
    """A record of each side: its volunteer's, kept by its centre."""
    recruitments: dict[Target, str] = field(default_factory=dict)
    """A recruitment of each side's centre."""
    applications: dict[Target, str] = field(default_factory=dict)
    """An application of each side's volunteer to that side's recruitment."""
    teams: dict[Target, str] = field(default_factory=dict)
    """A community service team each side's volunteer applied for to their own region's council (위촉 전)."""
    public_teams: dict[Target, str] = field(default_factory=dict)
    """An appointed team of each side: anyone reads it."""
    certificates: dict[Target, dict[str, Any]] = field(default_factory=dict)
    """A certificate issued to each side's volunteer, on a confirmed record of their own."""
    kept: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Every record made before the tests, by id: its volunteer and centre. Besides `activities`, a record of each
    side's volunteer kept by the other side's centre: a volunteer's records may be held in several regions."""
    staff: dict[Target, str] = field(default_factory=dict)
    """A centre manager account of each side, for disabling."""
    spare_tokens: dict[Role, str] = field(default_factory=dict)
    """A token of each account besides the one it asks with, for revoking."""
    foreign_token: str = ""
    """A token of an account none of the callers is."""
    days: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def login(self, role: Role) -> str:
        return self.demo.login((Role.VOLUNTEER if role is Role.ANONYMOUS else role).value)

    def activity(self, volunteer: str) -> dict[str, str]:
        """An hour on a day no other record of the test uses, so that none overlaps another (entered within the
        three months the rules allow)."""
        day = today_kst() - timedelta(days=next(self.days))
        return {
            "volunteer_id": volunteer,
            "activity_date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "activity_type": "facility",
            "sub_field": "emotional",
            "description": "관문 권한 시험 활동",
        }

    async def document(self) -> dict[str, Any]:
        return ok(await self.http.get("/openapi.json"))

    async def send(self, method: str, path: str, body: Any, caller: Caller) -> httpx.Response:
        # Every request stands alone: no cookie a previous answer set (a sign-up's session, say) goes with it.
        self.http.cookies.clear()
        try:
            if isinstance(body, bytes):  # a file (a centre's activities), sent as it is
                headers = {**caller.headers, "Content-Type": "text/csv"}
                return await self.http.request(method, path, content=body, headers=headers)
            return await self.http.request(method, path, json=body, headers=dict(caller.headers))
        finally:
            self.http.cookies.clear()

    async def open_session(self, role: Role) -> Caller:
        """A new session of `role`'s account: its cookie, and its CSRF token with every request."""
        signed_in = await self.send(
            "POST", "/api/v1/session", {"login": self.login(role), "password": self.demo.password}, NOBODY
        )
        me = ok(signed_in)
        cookie = signed_in.cookies[SESSION_COOKIE]
        return Caller(role, "session", {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": me["csrf_token"]})


def _bearer(role: Role, token: str) -> Caller:
    return Caller(role, "token", {"Authorization": f"Bearer {token}"})


NOBODY = Caller(Role.ANONYMOUS, "nothing")


def _actor(me: Mapping[str, Any]) -> Actor:
    scope = me["scope"]
    return Actor(
        id=me["account_id"],
        role=Role(me["role"]),
        volunteer_id=scope["volunteer_id"],
        centres=frozenset(UUID(c) for c in scope["centres"]),
        region=scope["region"],
    )


@pytest.fixture(scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory, nats_url: str, postgres_admin_url: str | None
) -> AsyncIterator[World]:
    if postgres_admin_url is None and postgres_required():
        need_postgres(postgres_admin_url)
    async with AsyncExitStack() as stack:
        data_dir = tmp_path_factory.mktemp("vms-gateway-matrix")
        plan, _bus = await whole_system_plan(stack, data_dir, nats_url, postgres_admin_url)
        system = System(plan, progress=_quiet)
        stack.push_async_callback(system.stop)
        await system.start()
        url = system.gateway_url
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))
        demo = DemoAccounts.of(plan.data_dir)
        logins = {role: demo.login(role.value) for role in ACCOUNT_ROLES}
        world = World(plan, http, demo)
        for role, login in logins.items():
            world.tokens[role] = _bearer(role, await token_for(url, login, demo.password))

        async def made(caller: Caller, method: str, path: str, body: Any = None, status: int = 201) -> dict[str, Any]:
            return ok(await world.send(method, f"/api/v1{path}", body, caller), status)

        central = world.tokens[Role.CENTRAL_ADMIN]
        for role, caller in world.tokens.items():
            world.actors[role] = _actor(await made(caller, "GET", "/me", status=200))
            world.spare_tokens[role] = (await made(caller, "POST", "/me/tokens", {"name": "회수 시험"}))["id"]
        world.centres["in"] = demo.accounts["centre_manager"]["centre_id"]
        world.volunteers["in"] = demo.accounts["volunteer"]["volunteer_id"]
        busan = await made(central, "POST", "/centres", {"name": "부산 관문시험복지관", "region": REGION["out"]})
        world.centres["out"] = busan["id"]
        registration = _registration(REGION["out"])
        signed_up = await made(NOBODY, "POST", "/volunteers", registration)
        world.volunteers["out"] = signed_up["volunteer"]["id"]
        volunteers = {"in": world.tokens[Role.VOLUNTEER]}
        volunteers["out"] = _bearer(Role.VOLUNTEER, await token_for(url, registration["login_id"], PASSWORD))
        for target, centre in world.centres.items():
            world.staff[target] = (await made(central, "POST", "/accounts", _manager(new_login("st"), centre)))["id"]
        manager_26 = new_login("cm")
        await made(central, "POST", "/accounts", _manager(manager_26, world.centres["out"]))
        managers = {"in": world.tokens[Role.CENTRE_MANAGER]}
        managers["out"] = _bearer(Role.CENTRE_MANAGER, await token_for(url, manager_26, PASSWORD))
        world.foreign_token = (await made(managers["out"], "POST", "/me/tokens", {"name": "남의 토큰"}))["id"]
        for centre, volunteer in (("in", "in"), ("out", "out"), ("in", "out"), ("out", "in")):
            path = f"/centres/{world.centres[centre]}/activities"
            recorded = await made(managers[centre], "POST", path, world.activity(world.volunteers[volunteer]))
            world.kept[recorded["id"]] = (world.volunteers[volunteer], world.centres[centre])
            if centre == volunteer:
                world.activities[centre] = recorded["id"]
        for target, centre in world.centres.items():
            path = f"/centres/{centre}/activities"
            counted = await made(managers[target], "POST", path, world.activity(world.volunteers[target]))
            world.kept[counted["id"]] = (world.volunteers[target], centre)
            await made(managers[target], "POST", f"/activities/{counted['id']}/confirm", status=200)
            path = f"/volunteers/{world.volunteers[target]}/certificates"
            world.certificates[target] = await made(central, "POST", path, {"language": "ko"})
        for target, centre in world.centres.items():
            # The demo centre may have been accredited when it was made: accrediting it again changes nothing.
            accredited = await world.send("POST", f"/api/v1/centres/{centre}/accredit", None, central)
            assert accredited.is_success or accredited.json()["error"]["code"] == "CENTRE_STATUS", accredited.text
            path = f"/centres/{centre}/recruitments"
            world.recruitments[target] = (await made(managers[target], "POST", path, _recruitment()))["id"]
            path = f"/recruitments/{world.recruitments[target]}/applications"
            applied = await made(volunteers[target], "POST", path, {"volunteer_id": world.volunteers[target]})
            world.applications[target] = applied["id"]
        for target, region in REGION.items():
            path = f"/regions/{region}/teams"
            world.teams[target] = (await made(volunteers[target], "POST", path, _team("skills")))["id"]
            public = await made(volunteers[target], "POST", path, _team("culture"))
            await made(central, "POST", f"/teams/{public['id']}/appoint", status=200)
            world.public_teams[target] = public["id"]
        yield world


def _import_file(w: World, c: Case) -> bytes:
    """One activity of the side's volunteer, as a centre's file has it (sent with `check_only`: nothing is kept)."""
    day = (today_kst() - timedelta(days=80)).isoformat()
    return (
        "봉사자번호,활동일,시작시각,종료시각,봉사활동분류,세부분야,활동내용\n"
        f"{w.volunteers[c.target]},{day},10:00,11:00,시설봉사,정서지원,권한 시험 파일\n"
    ).encode()


def _manager(login: str, centre: str) -> dict[str, Any]:
    return {"login": login, "password": PASSWORD, "role": "centre_manager", "centres": [centre]}


def _recruitment(**details: Any) -> dict[str, Any]:
    start = today_kst() + timedelta(days=7)
    return {
        "title": "관문 권한 시험 모집",
        "activity_type": "facility",
        "sub_field": "events",
        "place": "관문시험복지관",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=30)).isoformat(),
        "weekdays": ["sat", "sun"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": 50,
        "eligibility": ["adult", "youth"],
        **details,
    }


def _team(field: str) -> dict[str, Any]:
    return {"name": f"관문 권한 시험 봉사단 ({field})", "field": field, "kind": "individual", "skills": ["관문"]}


def _registration(region: str) -> dict[str, str]:
    return {
        "login_id": new_login("v"),
        "name": "이관문",
        "birth_date": "1995-05-05",
        "phone": "010-5555-6666",
        "region": region,
        "password": PASSWORD,
    }


# -- every table of every database ----------------------------------------------------------------------------------


async def _rows(plan: Plan) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of every service's database and of the gateway's (`TOUCHED_BY_READS` aside)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for name in DATABASES:
        metadata = import_module(f"vms_{name}.db").metadata
        db = Database(plan.database_url(name))
        try:
            async with db.transaction() as session:
                for table in metadata.sorted_tables:
                    key = f"{name}.{table.name}"
                    columns = [c for c in table.columns if c.name not in TOUCHED_BY_READS.get(key, set())]
                    found = (await session.execute(select(*columns))).all()
                    rows[key] = sorted((tuple(r) for r in found), key=repr)
        finally:
            await db.close()
    return rows


async def _settled(plan: Plan) -> dict[str, list[tuple[Any, ...]]]:
    """The rows once the system is quiet (the relays have published, the consumers have applied)."""
    last = await _rows(plan)
    for _ in range(60):
        await asyncio.sleep(1.0)
        now = await _rows(plan)
        if now == last:
            return now
        last = now
    raise AssertionError("the databases kept changing for a minute")


def _changes(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Each table that changed, with the rows that went and came."""
    said = []
    for table in sorted(before.keys() | after.keys()):
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            gone, came = [r for r in old if r not in new], [r for r in new if r not in old]
            said.append(f"{table}: gone {gone[:3]}, came {came[:3]}")
    return said


# -- how each route is asked ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    route: str
    """`METHOD /path`, as the OpenAPI document lists it."""
    operation: str | None
    """The matrix row asked; None for a route that names none (it asks nothing of anyone's)."""
    role: Role
    target: Target

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    def __str__(self) -> str:
        return f"{self.route} [{self.operation}] as {self.role.value}, {self.target} of scope"


Ask = Callable[[World, Case], tuple[str, Any]]
"""The path and body of a case's request."""


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    names: str | None
    """What the message must name: the operation refused, or the record it would not touch."""


@dataclass(frozen=True)
class Route:
    ask: Ask
    scoped: bool = True
    """Whether the request names a record that can lie outside the asker's scope (else it is always their own:
    their account, their sessions, their tokens)."""
    outside: Callable[[World, Case], Refusal] | None = None
    """The refusal of a record outside the scope, where it is not 403 `OUT_OF_SCOPE`."""
    cut: Callable[[World, Case, Mapping[str, Any]], list[str]] | None = None
    """For a list: what is wrong with the answer as the list cut to the asker's scope."""
    open_to_all: str | None = None
    """For a route that names no operation of the matrix: why it answers everyone."""
    cut_for_staff: bool = False
    """A volunteer's list that a centre or a council asks about any volunteer: answered, cut to what it may see (a
    volunteer's records may be kept in any region), as on the bus (`tests.test_permissions.LISTS`). The same
    operation asked about one record (a recruitment's applicants) is refused outside the scope."""
    never_own_to: frozenset[Role] = frozenset()
    """Roles the matrix lets do the operation within their scope, to whom what this route names is never within it:
    refused 403 `OUT_OF_SCOPE` on either side."""
    last: bool = False
    """Asked after every other route where it is answered: it ends the asking account."""


def _activities_cut(of: str) -> Callable[[World, Case, Mapping[str, Any]], list[str]]:
    """The records of one volunteer or one centre (`of`), as far as the asker may see them: none of what they may
    not, and every record made before the tests that they may."""

    def wrong(world: World, case: Case, answer: Mapping[str, Any]) -> list[str]:
        actor = world.actors[case.role]

        def seen(volunteer: str, centre: str) -> bool:
            return actor.covers(volunteer=UUID(volunteer), centre=UUID(centre))

        named = (world.volunteers if of == "volunteer" else world.centres)[case.target]
        listed = {item["id"]: (item["volunteer_id"], item["centre_id"]) for item in answer["items"]}
        kept = {record: vc for record, vc in world.kept.items() if named == vc[0 if of == "volunteer" else 1]}
        problems = []
        if outside := [record for record, vc in listed.items() if not seen(*vc)]:
            problems.append(f"outside the scope: {outside}")
        if missing := [record for record, vc in kept.items() if seen(*vc) and record not in listed]:
            problems.append(f"missing from it: {missing}")
        return problems

    return wrong


def _applications_cut(world: World, case: Case, answer: Mapping[str, Any]) -> list[str]:
    """A volunteer's applications as far as the asker may see them: none to a centre outside its scope, and each
    application made before the tests that it may see."""
    actor = world.actors[case.role]
    volunteer = world.volunteers[case.target]
    listed = {item["id"]: item for item in answer["items"]}

    def seen(centre: str) -> bool:
        return actor.covers(volunteer=UUID(volunteer), centre=UUID(centre))

    problems = []
    if outside := [i for i, item in listed.items() if not seen(item["centre_id"])]:
        problems.append(f"outside the scope: {outside}")
    if stray := [i for i, item in listed.items() if item["volunteer_id"] != volunteer]:
        problems.append(f"of another volunteer: {stray}")
    made = world.applications[case.target]
    if seen(world.centres[case.target]) and made not in listed:
        problems.append(f"missing from it: {made}")
    return problems


def _accounts_cut(world: World, case: Case, answer: Mapping[str, Any]) -> list[str]:
    actor = world.actors[case.role]
    outside = [item["login"] for item in answer["items"] if not actor.covers(region=item["region"])]
    return [f"outside the scope: {outside}"] if outside else []


def _token_to_revoke(w: World, c: Case) -> str:
    """One's own spare token, or (outside one's scope, or for a visitor, who has none) another account's."""
    return w.spare_tokens[c.role] if c.target == "in" and c.role in w.spare_tokens else w.foreign_token


_ROLE_CREATED = {operation: role.value for role, operation in CREATABLE.items()}


def _new_account(w: World, c: Case) -> dict[str, Any]:
    role = _ROLE_CREATED[c.operation or ""]
    scopes: dict[str, dict[str, Any]] = {
        "council_admin": {"region": REGION[c.target]},
        "centre_manager": {"centres": [w.centres[c.target]]},
        "integrator": {},
    }
    scope = scopes[role]
    return {"login": new_login("na"), "password": PASSWORD, "role": role, **scope}


ROUTES: dict[str, Route] = {
    # signing up, in and out; one's own account
    "POST /api/v1/volunteers": Route(lambda w, c: ("/api/v1/volunteers", _registration(REGION[c.target]))),
    "POST /api/v1/session": Route(
        lambda w, c: ("/api/v1/session", {"login": w.login(c.role), "password": w.demo.password}),
        scoped=False,
        open_to_all="signing in is how anyone becomes an account: it takes the login and password, not who asks",
    ),
    "DELETE /api/v1/session": Route(lambda w, c: ("/api/v1/session", None), scoped=False),
    "GET /api/v1/me": Route(lambda w, c: ("/api/v1/me", None), scoped=False),
    "PUT /api/v1/me/password": Route(
        lambda w, c: ("/api/v1/me/password", {"current_password": w.demo.password, "new_password": w.demo.password}),
        scoped=False,
    ),
    "GET /api/v1/me/tokens": Route(lambda w, c: ("/api/v1/me/tokens", None), scoped=False),
    "POST /api/v1/me/tokens": Route(lambda w, c: ("/api/v1/me/tokens", {"name": "권한 시험"}), scoped=False),
    "DELETE /api/v1/me/tokens/{token_id}": Route(
        lambda w, c: (f"/api/v1/me/tokens/{_token_to_revoke(w, c)}", None),
        # One names only one's own tokens here: another account's is not found among them, as if it did not exist.
        outside=lambda w, c: Refusal(404, "TOKEN_NOT_FOUND", w.foreign_token),
    ),
    # accounts staff manage
    "POST /api/v1/accounts": Route(
        lambda w, c: ("/api/v1/accounts", _new_account(w, c)),
        outside=lambda w, c: (
            Refusal(403, "CENTRE_OUTSIDE_REGION", w.centres["out"])
            if c.operation == "accounts.create_centre_manager"
            else Refusal(403, "OUT_OF_SCOPE", c.operation)
        ),
    ),
    "GET /api/v1/accounts": Route(lambda w, c: ("/api/v1/accounts?limit=500", None), scoped=False, cut=_accounts_cut),
    "POST /api/v1/accounts/{account_id}/disable": Route(
        lambda w, c: (f"/api/v1/accounts/{w.staff[c.target]}/disable", None)
    ),
    # centres and hours
    "POST /api/v1/centres": Route(
        lambda w, c: ("/api/v1/centres", {"name": f"관문시험복지관 {secrets.token_hex(3)}", "region": REGION[c.target]})
    ),
    "GET /api/v1/centres/{centre_id}": Route(lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}", None)),
    "GET /api/v1/regions/{region}/centres": Route(lambda w, c: (f"/api/v1/regions/{REGION[c.target]}/centres", None)),
    "POST /api/v1/centres/{centre_id}/activities": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/activities", w.activity(w.volunteers[c.target]))
    ),
    "POST /api/v1/centres/{centre_id}/activities/batch": Route(
        lambda w, c: (
            f"/api/v1/centres/{w.centres[c.target]}/activities/batch",
            {"rows": [w.activity(w.volunteers[c.target])], "mode": "clean_rows"},
        )
    ),
    "GET /api/v1/centres/{centre_id}/activities": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/activities", None), cut=_activities_cut("centre")
    ),
    "GET /api/v1/activities/{activity_id}": Route(lambda w, c: (f"/api/v1/activities/{w.activities[c.target]}", None)),
    "POST /api/v1/activities/{activity_id}/confirm": Route(
        lambda w, c: (f"/api/v1/activities/{w.activities[c.target]}/confirm", None)
    ),
    # On a record that may be confirmed by then: a rejection is refused for what the record is, not who asked.
    "POST /api/v1/activities/{activity_id}/reject": Route(
        lambda w, c: (f"/api/v1/activities/{w.activities[c.target]}/reject", {"reason": "관문 권한 시험"})
    ),
    "POST /api/v1/activities/{activity_id}/correct": Route(
        lambda w, c: (
            f"/api/v1/activities/{w.activities[c.target]}/correct",
            {**{k: v for k, v in w.activity("-").items() if k != "volunteer_id"}, "reason": "관문 권한 시험"},
        )
    ),
    "POST /api/v1/activities/{activity_id}/cancel": Route(
        lambda w, c: (f"/api/v1/activities/{w.activities[c.target]}/cancel", {"reason": "관문 권한 시험"})
    ),
    "GET /api/v1/activities/{activity_id}/history": Route(
        lambda w, c: (f"/api/v1/activities/{w.activities[c.target]}/history", None)
    ),
    "GET /api/v1/centres/{centre_id}/totals": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/totals", None)
    ),
    "GET /api/v1/regions/{region}/totals": Route(lambda w, c: (f"/api/v1/regions/{REGION[c.target]}/totals", None)),
    "GET /api/v1/regions/{region}/access-records": Route(
        lambda w, c: (f"/api/v1/regions/{REGION[c.target]}/access-records", None)
    ),
    # volunteers
    "GET /api/v1/volunteers/{volunteer_id}": Route(lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}", None)),
    "PUT /api/v1/volunteers/{volunteer_id}/consents/{consent}": Route(
        # Withdrawn rather than given: a given consent would start transfers to 1365, and the system would not be
        # quiet again for the comparisons of the other tests.
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/consents/portal1365", {"granted": False})
    ),
    "GET /api/v1/volunteers/{volunteer_id}/activities": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/activities", None),
        cut=_activities_cut("volunteer"),
        cut_for_staff=True,
    ),
    "GET /api/v1/volunteers/{volunteer_id}/hours": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/hours", None)
    ),
    "GET /api/v1/volunteers/{volunteer_id}/totals": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/totals", None)
    ),
    "GET /api/v1/volunteers/{volunteer_id}/transfers": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/transfers", None)
    ),
    "PUT /api/v1/volunteers/{volunteer_id}": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}", {"phone": "010-5555-6666", "talents": ["수화"]})
    ),
    "DELETE /api/v1/volunteers/{volunteer_id}": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}", None), last=True
    ),
    "PUT /api/v1/volunteers/{volunteer_id}/guardian-consent": Route(
        lambda w, c: (
            f"/api/v1/volunteers/{w.volunteers[c.target]}/guardian-consent",
            {"guardian_name": "이보호", "guardian_phone": "010-7777-8888", "relation": "parent", "consented": True},
        )
    ),
    # To the region they live in already: refused for what was asked (a move would take the volunteer out of the
    # scope of the cases after it); the moves themselves are tests.test_region_handover's.
    "PUT /api/v1/volunteers/{volunteer_id}/region": Route(
        lambda w, c: (
            f"/api/v1/volunteers/{w.volunteers[c.target]}/region",
            {"region": "11" if c.target == "in" else "26"},
        )
    ),
    "GET /api/v1/volunteers/{volunteer_id}/applications": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/applications", None),
        cut=_applications_cut,
        cut_for_staff=True,
    ),
    # centres' accreditation
    "POST /api/v1/centres/{centre_id}/accredit": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/accredit", None)
    ),
    "POST /api/v1/centres/{centre_id}/suspend": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/suspend", {"reason": "관문 권한 시험"})
    ),
    # recruitments and applications
    "POST /api/v1/centres/{centre_id}/recruitments": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/recruitments", _recruitment())
    ),
    "PUT /api/v1/recruitments/{recruitment_id}": Route(
        lambda w, c: (f"/api/v1/recruitments/{w.recruitments[c.target]}", _recruitment(capacity=60))
    ),
    "POST /api/v1/recruitments/{recruitment_id}/close": Route(
        lambda w, c: (f"/api/v1/recruitments/{w.recruitments[c.target]}/close", None)
    ),
    "GET /api/v1/recruitments/{recruitment_id}": Route(
        lambda w, c: (f"/api/v1/recruitments/{w.recruitments[c.target]}", None)
    ),
    "GET /api/v1/recruitments": Route(
        lambda w, c: ("/api/v1/recruitments?keyword=관문&open_only=false", None), scoped=False
    ),
    "POST /api/v1/recruitments/{recruitment_id}/applications": Route(
        lambda w, c: (
            f"/api/v1/recruitments/{w.recruitments[c.target]}/applications",
            {"volunteer_id": w.volunteers[c.target], "note": "권한 시험"},
        )
    ),
    "GET /api/v1/recruitments/{recruitment_id}/applications": Route(
        lambda w, c: (f"/api/v1/recruitments/{w.recruitments[c.target]}/applications", None),
        never_own_to=frozenset({Role.VOLUNTEER}),
    ),
    "POST /api/v1/applications/{application_id}/cancel": Route(
        lambda w, c: (f"/api/v1/applications/{w.applications[c.target]}/cancel", None)
    ),
    "POST /api/v1/applications/{application_id}/accept": Route(
        lambda w, c: (f"/api/v1/applications/{w.applications[c.target]}/accept", None)
    ),
    "POST /api/v1/applications/{application_id}/reject": Route(
        lambda w, c: (f"/api/v1/applications/{w.applications[c.target]}/reject", {"reason": "권한 시험"})
    ),
    "POST /api/v1/applications/{application_id}/place": Route(
        lambda w, c: (f"/api/v1/applications/{w.applications[c.target]}/place", None)
    ),
    "POST /api/v1/centres/{centre_id}/orientations": Route(
        lambda w, c: (
            f"/api/v1/centres/{w.centres[c.target]}/orientations",
            {"volunteer_id": w.volunteers[c.target], "completed_on": today_kst().isoformat()},
        )
    ),
    # recommendations
    "GET /api/v1/volunteers/{volunteer_id}/recommendations": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/recommendations", None)
    ),
    "GET /api/v1/recruitments/{recruitment_id}/recommended-volunteers": Route(
        lambda w, c: (f"/api/v1/recruitments/{w.recruitments[c.target]}/recommended-volunteers", None)
    ),
    # community service teams
    "POST /api/v1/regions/{region}/teams": Route(
        # The leader is always the volunteer asking, whichever region's council they apply to.
        lambda w, c: (f"/api/v1/regions/{REGION['in']}/teams", _team("health")),
        scoped=False,
    ),
    "GET /api/v1/teams": Route(lambda w, c: ("/api/v1/teams?skill=관문", None), scoped=False),
    "GET /api/v1/teams/{team_id}": Route(lambda w, c: (f"/api/v1/teams/{w.public_teams[c.target]}", None)),
    "POST /api/v1/teams/{team_id}/appoint": Route(lambda w, c: (f"/api/v1/teams/{w.teams[c.target]}/appoint", None)),
    "POST /api/v1/teams/{team_id}/decline": Route(
        lambda w, c: (f"/api/v1/teams/{w.teams[c.target]}/decline", {"reason": "관문 권한 시험"})
    ),
    "POST /api/v1/teams/{team_id}/place": Route(
        lambda w, c: (f"/api/v1/teams/{w.teams[c.target]}/place", {"centre_id": w.centres[c.target]})
    ),
    # a centre's file of activities
    "POST /api/v1/centres/{centre_id}/activities/import": Route(
        lambda w, c: (f"/api/v1/centres/{w.centres[c.target]}/activities/import?check_only=true", _import_file(w, c))
    ),
    "GET /api/v1/activity-import-template": Route(
        lambda w, c: ("/api/v1/activity-import-template", None),
        scoped=False,
        open_to_all="the empty template of a centre's file: the columns and an example row, from the contracts",
    ),
    # certificates
    "POST /api/v1/volunteers/{volunteer_id}/certificates": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/certificates", {"language": "en"})
    ),
    "GET /api/v1/volunteers/{volunteer_id}/certificates": Route(
        lambda w, c: (f"/api/v1/volunteers/{w.volunteers[c.target]}/certificates", None)
    ),
    "GET /api/v1/certificates/{certificate_id}/pdf": Route(
        lambda w, c: (f"/api/v1/certificates/{w.certificates[c.target]['id']}/pdf", None)
    ),
    "GET /api/v1/certificates/verification": Route(
        lambda w, c: (
            "/api/v1/certificates/verification?"
            + urlencode({"number": w.certificates["in"]["number"], "code": w.certificates["in"]["verification_code"]}),
            None,
        ),
        scoped=False,
    ),
    # reference data
    "GET /api/v1/reference/councils": Route(
        lambda w, c: ("/api/v1/reference/councils", None),
        scoped=False,
        open_to_all="the brochure's councils and their homepages, from the contracts: public, asks no service",
    ),
    "GET /api/v1/reference/activity-types": Route(
        lambda w, c: ("/api/v1/reference/activity-types", None),
        scoped=False,
        open_to_all="the brochure's activity types and sub-fields, from the contracts: public, asks no service",
    ),
    "GET /api/v1/reference/team-fields": Route(
        lambda w, c: ("/api/v1/reference/team-fields", None),
        scoped=False,
        open_to_all="the community service teams' fields, from the contracts: public, asks no service",
    ),
    "GET /api/v1/reference/districts": Route(
        lambda w, c: ("/api/v1/reference/districts?region=11", None),
        scoped=False,
        open_to_all="the 시·군·구 codes, from the contracts: public, asks no service",
    ),
    # operations
    "GET /api/v1/health": Route(
        lambda w, c: ("/api/v1/health", None),
        scoped=False,
        open_to_all="the operators' probes sign in as no one; it asks each service's health, open to every role",
    ),
}


def _documented(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each route of the document, with the rows of the matrix it names."""
    found: dict[str, list[str]] = {}
    for path, operations in document["paths"].items():
        for method, spec in operations.items():
            named = spec.get(OPERATION)
            found[f"{method.upper()} {path}"] = [] if named is None else [named] if isinstance(named, str) else named
    return found


def _cases(document: Mapping[str, Any]) -> list[Case]:
    cases = []
    for route, named in _documented(document).items():
        assert route in ROUTES, f"{route} is in the API document, but how to ask it is not in ROUTES"
        targets = ("in", "out") if ROUTES[route].scoped else ("in",)
        operations: list[str | None] = [*named] or [None]
        for operation in operations:
            cases += [Case(route, operation, role, target) for role in CALLERS for target in targets]
    return cases


def _expected(world: World, case: Case) -> Refusal | None:
    """The refusal the matrix calls for, or None when the request is to be answered."""
    if case.operation is None:
        return None
    granted = access(case.operation, case.role)
    if granted is Access.REFUSED:
        if case.role is Role.ANONYMOUS:
            return Refusal(401, "SIGN_IN_REQUIRED", None)
        return Refusal(403, "NOT_PERMITTED", case.operation)
    route = ROUTES[case.route]
    if granted is Access.OWN and case.role in route.never_own_to:
        return Refusal(403, "OUT_OF_SCOPE", case.operation)
    if granted is Access.OWN and case.target == "out":
        if route.cut_for_staff and case.role is not Role.VOLUNTEER:
            return None  # answered, cut to what the asker may see
        if route.outside is not None:
            return route.outside(world, case)
        return Refusal(403, "OUT_OF_SCOPE", case.operation)
    return None


async def _ask(world: World, case: Case, caller: Caller) -> httpx.Response:
    path, body = ROUTES[case.route].ask(world, case)
    return await world.send(case.method, path, body, caller)


def _body(response: httpx.Response) -> ErrorBody | str:
    """The refusal's body, or what is wrong with its shape."""
    try:
        document = response.json()
    except ValueError:
        return f"not JSON: {response.text[:200]!r}"
    if not isinstance(document, dict) or set(document) != {"error"}:
        return f"not the error shape: {response.text[:300]}"
    try:
        return ErrorBody.model_validate(document["error"])
    except ValueError as exc:
        return f"not the error shape ({exc}): {response.text[:300]}"


KIND = {401: ErrorKind.UNAUTHENTICATED, 403: ErrorKind.FORBIDDEN, 404: ErrorKind.NOT_FOUND}


def _wrong_refusal(case: Case, caller: Caller, expected: Refusal, response: httpx.Response) -> str | None:
    """What is wrong with `response` as the refusal `expected`, or None."""
    said = f"{case} with {caller.way}: {response.status_code} {response.text[:300]}"
    if response.status_code != expected.status:
        return f"{said}: not {expected.status} {expected.code}"
    body = _body(response)
    if isinstance(body, str):
        return f"{said}: {body}"
    if (body.code, body.kind) != (expected.code, KIND[expected.status]):
        return f"{said}: not {expected.code} ({KIND[expected.status]})"
    if not body.message.strip() or not body.message_en.strip():
        return f"{said}: the refusal has no message"
    if expected.names is not None and (expected.names not in body.message_en or expected.names not in body.message):
        return f"{said}: the message does not name {expected.names}"
    if response.status_code == 401 and "www-authenticate" not in response.headers:
        return f"{said}: no WWW-Authenticate"
    return None


# -- the tests ------------------------------------------------------------------------------------------------------


async def test_every_route_of_the_api_document_is_asked_here(world: World) -> None:
    """A route the document lists is asked here under the rows it names, each a row of the matrix; a route that
    names none is one that answers everyone, on purpose."""
    documented = _documented(await world.document())
    assert sorted(documented) == sorted(ROUTES), "routes asked here and routes of the API document differ"
    unknown = {name for names in documented.values() for name in names if name not in MATRIX}
    assert not unknown, f"the document names operations the matrix does not hold: {unknown}"
    cut = {name for route, names in documented.items() if ROUTES[route].cut_for_staff for name in names}
    assert cut and cut <= LISTS, "a list cut to the scope through the gateway is cut on the bus too"
    unguarded = {route for route, names in documented.items() if not names}
    assert unguarded == {route for route, spec in ROUTES.items() if spec.open_to_all}
    assert all(access(f"{service}.health", role) is Access.ALLOWED for service in SERVICES for role in CALLERS)
    # The gateway alone keeps accounts, sessions and tokens: each of the matrix's `accounts.*` rows is a route's.
    gateway_rows = {name for name in MATRIX if name.startswith("accounts.")}
    assert gateway_rows <= {name for names in documented.values() for name in names}


async def test_every_refusal_the_matrix_calls_for_is_401_or_403_and_changes_nothing(world: World) -> None:
    """As every role, with its token and with a session, within and outside its scope."""
    document = await world.document()
    refused = [(case, expected) for case in _cases(document) if (expected := _expected(world, case))]
    guarded = {
        route
        for route, named in _documented(document).items()
        if any(access(name, role) is not Access.ALLOWED for name in named for role in CALLERS)
    }
    assert {case.route for case, _ in refused} == guarded, "every route the matrix does not open to all refuses someone"
    signed_in = [world.tokens[role] for role in ACCOUNT_ROLES] + [await world.open_session(r) for r in ACCOUNT_ROLES]
    before = await _settled(world.plan)
    wrong: list[str] = []
    asked = 0
    for case, expected in refused:
        for caller in [NOBODY] if case.role is Role.ANONYMOUS else [c for c in signed_in if c.role is case.role]:
            asked += 1
            if problem := _wrong_refusal(case, caller, expected, await _ask(world, case, caller)):
                wrong.append(problem)
    after = await _settled(world.plan)
    assert not wrong, f"{len(wrong)} of {asked} refusals are wrong:\n" + "\n".join(wrong)
    assert not _changes(before, after), "refused requests changed:\n" + "\n".join(_changes(before, after))


async def test_a_dead_session_or_a_revoked_token_is_401_on_every_route_and_changes_nothing(world: World) -> None:
    """A forged cookie, the cookie of a session that expired or was signed out, and a revoked token: each is a 401 on
    every route that asks who is asking, never a 5xx, never answered. A dead cookie counts as none (and is cleared),
    so it is tried on the routes a visitor is refused; a token is refused before anything else, on every route."""
    central = world.tokens[Role.CENTRAL_ADMIN]
    expired = await world.open_session(Role.CENTRAL_ADMIN)
    cookie = expired.headers["Cookie"].split("=", 1)[1]
    gateway = Database(world.plan.database_url("gateway"))
    try:
        async with gateway.transaction() as db:
            # No clock to turn: the session's end is written into its row, as time would have it.
            ended = datetime.now(UTC) - timedelta(minutes=1)
            await db.execute(update(sessions).where(sessions.c.id == digest(cookie)).values(expires_at=ended))
    finally:
        await gateway.close()
    signed_out = await world.open_session(Role.CENTRAL_ADMIN)
    ok(await world.send("DELETE", "/api/v1/session", None, signed_out), 204)
    made = ok(await world.send("POST", "/api/v1/me/tokens", {"name": "곧 회수"}, central), 201)
    ok(await world.send("DELETE", f"/api/v1/me/tokens/{made['id']}", None, central))
    forged = secrets.token_urlsafe(32)
    dead = {
        "a forged session cookie": Caller(
            Role.CENTRAL_ADMIN, "forged cookie", {"Cookie": f"{SESSION_COOKIE}={forged}", "X-CSRF-Token": forged}
        ),
        "an expired session's cookie": Caller(Role.CENTRAL_ADMIN, "expired cookie", expired.headers),
        "a signed-out session's cookie": Caller(Role.CENTRAL_ADMIN, "signed-out cookie", signed_out.headers),
        "a revoked token": _bearer(Role.CENTRAL_ADMIN, made["token"]),
    }
    documented = _documented(await world.document())
    before = await _settled(world.plan)
    wrong: list[str] = []
    for what, caller in dead.items():
        for route, named in documented.items():
            if not named:
                continue  # it does not ask who is asking
            if caller.way != "token" and any(access(n, Role.ANONYMOUS) is not Access.REFUSED for n in named):
                continue  # a visitor may: a dead cookie makes one a visitor
            case = Case(route, named[0], Role.CENTRAL_ADMIN, "in")
            response = await _ask(world, case, caller)
            code = "TOKEN_INVALID" if caller.way == "token" else "SIGN_IN_REQUIRED"
            problem = _wrong_refusal(case, caller, Refusal(401, code, None), response)
            if problem:
                wrong.append(f"{what}: {problem}")
            elif caller.way != "token" and f'{SESSION_COOKIE}=""' not in response.headers.get("set-cookie", ""):
                wrong.append(f"{what}: {route}: the dead cookie is not cleared")
    after = await _settled(world.plan)
    assert not wrong, "\n".join(wrong)
    assert not _changes(before, after), "refused requests changed:\n" + "\n".join(_changes(before, after))


def _not_about_permission(response: httpx.Response) -> bool:
    """A refusal of what was asked rather than of who asked: a record not found, a conflict, an invalid value."""
    if response.status_code not in (404, 409, 422):
        return False
    body = _body(response)
    return isinstance(body, ErrorBody) and body.kind not in (ErrorKind.FORBIDDEN, ErrorKind.UNAUTHENTICATED)


async def test_everything_the_matrix_allows_is_answered_and_lists_stay_in_scope(world: World) -> None:
    """As every role with its token (a visitor with nothing): answered, or refused for what was asked rather than
    for who asked; a list holds what the asker may see of it and nothing else."""
    document = await world.document()
    cases = [case for case in _cases(document) if _expected(world, case) is None]
    assert {case.route for case in cases} == set(_documented(document)), "every route answers someone"
    cases.sort(key=lambda case: ROUTES[case.route].last)
    wrong: list[str] = []
    for case in cases:
        caller = NOBODY if case.role is Role.ANONYMOUS else world.tokens[case.role]
        response = await _ask(world, case, caller)
        said = f"{case}: {response.status_code} {response.text[:300]}"
        if response.is_success:
            cut = ROUTES[case.route].cut
            if cut and case.operation and access(case.operation, case.role) is Access.OWN:
                wrong += [f"{said}: the list holds records {problem}" for problem in cut(world, case, response.json())]
        elif not _not_about_permission(response):
            wrong.append(f"{said}: not answered")
    assert not wrong, "\n".join(wrong)
