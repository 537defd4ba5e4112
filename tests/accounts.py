"""Signing in from tests, as people do: through the gateway's API, with the accounts a running system has.

A system started from `whole_system_plan` makes its demo accounts (one per role, `vms-gateway demo-accounts`) and
writes their logins and password to its data folder; `People` signs in with them and makes the other accounts a
test needs (a volunteer signs up, a central admin creates a centre's manager), each client holding a personal
access token of its own. A gateway under test without services gets its first account from
`vms_gateway.admin.create_central_admin`, as an operator's `vms admin create` makes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from vms_deploy.supervisor import DEMO_ACCOUNTS_FILE
from vms_gateway.settings import GatewaySettings
from vms_platform.actor import new_key_set

PASSWORD = "test-password-1234"
"""The password of every account a test makes (the demo accounts have their own, generated)."""


def new_login(prefix: str = "t") -> str:
    """A login no other test uses: 4–20 of a–z, 0–9, _, starting with a letter."""
    return f"{prefix}{uuid4().hex[:12]}"


def gateway_settings(database_url: str, **values: Any) -> GatewaySettings:
    """A gateway's settings for a test: its own database, a key of its own, the cheapest password hashing."""
    given: dict[str, Any] = {
        "database_url": database_url,
        "actor_key": os.environ.get("VMS_GATEWAY_ACTOR_KEY") or new_key_set()["VMS_GATEWAY_ACTOR_KEY"],
        "password_profile": "CHEAPEST",
    }
    return GatewaySettings(**{**given, **values})


@dataclass(frozen=True)
class DemoAccounts:
    """What `vms-gateway demo-accounts` wrote: one password, and each role's account."""

    password: str
    accounts: Mapping[str, Mapping[str, str]]

    @classmethod
    def of(cls, data_dir: Path) -> DemoAccounts:
        state = json.loads((data_dir / DEMO_ACCOUNTS_FILE).read_text(encoding="utf-8"))
        return cls(password=state["password"], accounts=state["accounts"])

    def login(self, role: str) -> str:
        return self.accounts[role]["login"]


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json() if response.content else {}
    return body


async def open_session(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> str:
    """Sign `client` in (its cookie jar keeps the session) and have it send the session's CSRF token with every
    request; returns the token."""
    me = ok(await client.post("/api/v1/session", json={"login": login, "password": password}))
    csrf = str(me["csrf_token"])
    client.headers["X-CSRF-Token"] = csrf
    return csrf


async def token_for(base_url: str, login: str, password: str = PASSWORD, **client: Any) -> str:
    """A personal access token of the account, made by signing in once."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10, **client) as browser:
        await open_session(browser, login, password)
        created = ok(await browser.post("/api/v1/me/tokens", json={"name": "tests"}), 201)
        ok(await browser.delete("/api/v1/session"), 204)
    return str(created["token"])


class People:
    """Clients of a running gateway, each signed in as someone (a bearer token), closed with the stack."""

    def __init__(self, stack: AsyncExitStack, gateway_url: str, demo: DemoAccounts) -> None:
        self.stack = stack
        self.gateway_url = gateway_url
        self.demo = demo
        self._demo_clients: dict[str, httpx.AsyncClient] = {}

    async def client(self, token: str | None = None) -> httpx.AsyncClient:
        """A client of the API (`/api/v1` is its base), signed in with `token` or as no one."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.stack.enter_async_context(
            httpx.AsyncClient(base_url=f"{self.gateway_url}/api/v1", timeout=10, headers=headers)
        )

    async def signed_in(self, login: str, password: str = PASSWORD) -> httpx.AsyncClient:
        return await self.client(await token_for(self.gateway_url, login, password))

    async def demo_account(self, role: str) -> httpx.AsyncClient:
        """The demo account of `role` (`central_admin`, `council_admin`, `centre_manager`, `volunteer`,
        `integrator`), one client each."""
        if role not in self._demo_clients:
            self._demo_clients[role] = await self.signed_in(self.demo.login(role), self.demo.password)
        return self._demo_clients[role]

    async def central_admin(self) -> httpx.AsyncClient:
        return await self.demo_account("central_admin")

    async def anonymous(self) -> httpx.AsyncClient:
        return await self.client()

    async def sign_up(self, registration: Mapping[str, str]) -> tuple[str, httpx.AsyncClient]:
        """A volunteer signs up (회원가입) with `registration`; their volunteer id, and a client signed in as them."""
        anonymous = await self.anonymous()
        signed_up = ok(await anonymous.post("/volunteers", json={**registration, "password": PASSWORD}), 201)
        return str(signed_up["volunteer"]["id"]), await self.signed_in(signed_up["account"]["login"])

    async def new_account(self, by: httpx.AsyncClient, role: str, **scope: Any) -> httpx.AsyncClient:
        """An account of `role` made by `by` (a central or council admin), and a client signed in as it."""
        login = new_login(role[:2])
        ok(await by.post("/accounts", json={"login": login, "password": PASSWORD, "role": role, **scope}), 201)
        return await self.signed_in(login)

    async def manager_of(self, *centres: str) -> httpx.AsyncClient:
        """A manager of `centres`, made by the central admin."""
        return await self.new_account(await self.central_admin(), "centre_manager", centres=list(centres))

    async def council_of(self, region: str) -> httpx.AsyncClient:
        return await self.new_account(await self.central_admin(), "council_admin", region=region)
