"""Benchmark: what verifying who is asking costs a request.

One signed-in volunteer asks the gateway for their total (`GET /api/v1/volunteers/{id}/hours`) as fast as
`--clients` concurrent clients can (in a process of their own), for `--seconds` per measurement. The gateway reads
the session, signs the volunteer's actor token and asks the rewards service over NATS, which verifies the token,
checks the matrix and the scope, and reads the total from PostgreSQL. The same load is measured three ways, in
alternating order each round:

- **verified**: as deployed (a token already verified is remembered until it expires; the gateway reuses its
  token for half its lifetime);
- **verified, nothing remembered**: every request's token checked cryptographically (Ed25519) — the worst case, as
  when every request comes from another actor;
- **not verified** (the ceiling): the rewards service takes the actor without looking at the token.

It prints requests per second of each (medians of `--rounds`) and the ratios to the ceiling, and the cost of one
signature and one verification on their own. Everything runs in this process (the gateway on a port of its own,
the registry and rewards services) on a NATS server and a PostgreSQL server it may create databases on, in a bus
namespace and databases of its own, removed at the end.

    python bench/actor_verification.py [--seconds 5] [--clients 16] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.resources import files
from statistics import median
from typing import Any
from uuid import UUID, uuid4

import httpx

from vms_contracts.actor import Actor, Role
from vms_gateway.app import create_app as create_gateway
from vms_gateway.server import server as gateway_server
from vms_gateway.settings import GatewaySettings
from vms_platform.actor import ActorSigner, ActorVerifier, new_key_set, private_key, public_keys
from vms_platform.db import migrate
from vms_platform.logging import configure_logging
from vms_platform.runtime import ServiceApp
from vms_platform.testing import fresh_bus, fresh_postgres_database
from vms_registry.app import create_app as create_registry
from vms_registry.settings import RegistrySettings
from vms_rewards.app import create_app as create_rewards
from vms_rewards.settings import RewardsSettings

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = 0.9


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def _service(app: ServiceApp, package: str) -> AsyncIterator[ServiceApp]:
    await asyncio.to_thread(migrate, app.settings.database_url, str(files(package) / "migrations"))
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@asynccontextmanager
async def _gateway(settings: GatewaySettings) -> AsyncIterator[str]:
    await asyncio.to_thread(migrate, settings.database_url, str(files("vms_gateway") / "migrations"))
    stopping = asyncio.Event()
    running = gateway_server(create_gateway(settings, stopping), settings, stopping)
    task = asyncio.create_task(running.serve())
    url = f"http://127.0.0.1:{settings.port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/api/v1/health")).status_code in (200, 503):
                        break
                await asyncio.sleep(0.05)
        yield url
    finally:
        running.should_exit = True
        stopping.set()
        await task


async def _requests_per_second(url: str, path: str, cookie: str, seconds: float, clients: int) -> float:
    """Requests per second answered 200 by `clients` concurrent clients over `seconds` (run in a process of its
    own, `--load`, so that the clients do not take the CPU the gateway and the services run on)."""
    done = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    cookies = {"vms_session": cookie}
    async with httpx.AsyncClient(base_url=url, cookies=cookies, limits=limits, timeout=30) as client:

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(clients)))
        return done / (time.perf_counter() - started)


async def _load(url: str, path: str, cookie: str, seconds: float, clients: int) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--load",
        url,
        path,
        cookie,
        "--seconds",
        str(seconds),
        "--clients",
        str(clients),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"the load failed (exit {process.returncode})")
    return float(out.decode().strip())


def _micro(keys: dict[str, str], actor: Actor, n: int = 2000) -> tuple[float, float]:
    """Microseconds of one signature and of one verification, nothing remembered."""
    signer = ActorSigner("gateway", private_key(keys["VMS_GATEWAY_ACTOR_KEY"]), lifetime=3600)
    verifier = ActorVerifier(public_keys(keys["VMS_ACTOR_PUBLIC_KEYS"]))
    started = time.perf_counter()
    tokens = []
    for _ in range(n):
        signer._recent.clear()
        tokens.append(signer.token(actor))
    signed = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for token in tokens:
        verifier._read(token)
    verified = (time.perf_counter() - started) / n * 1e6
    return signed, verified


async def main(args: argparse.Namespace) -> int:
    configure_logging("bench", level="WARNING")
    nats_url = os.environ.get("VMS_TEST_NATS_URL", DEFAULT_NATS_URL)
    admin_url = os.environ.get("VMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    print(f"NATS {nats_url}, PostgreSQL {admin_url.split('@')[-1]}")
    keys = new_key_set()
    os.environ.update(keys)

    async with AsyncExitStack() as stack:
        bus = await stack.enter_async_context(fresh_bus(nats_url))
        common: dict[str, Any] = {"nats_url": nats_url, "bus_root": bus.root, "log_level": "WARNING"}
        databases = {
            name: await stack.enter_async_context(fresh_postgres_database(admin_url, f"bench_{name}"))
            for name in ("registry", "rewards", "gateway")
        }
        await stack.enter_async_context(
            _service(create_registry(RegistrySettings(database_url=databases["registry"], **common)), "vms_registry")
        )
        rewards = await stack.enter_async_context(
            _service(create_rewards(RewardsSettings(database_url=databases["rewards"], **common)), "vms_rewards")
        )
        settings = GatewaySettings(
            database_url=databases["gateway"],
            port=_free_port(),
            password_profile="CHEAPEST",
            access_log=False,
            max_requests_per_client=10_000,
            max_concurrent_requests=10_000,
            **common,
        )
        url = await stack.enter_async_context(_gateway(settings))

        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            signed_up = await client.post(
                "/api/v1/volunteers",
                json={
                    "login_id": "bench_volunteer",
                    "password": "a long bench password",
                    "name": "성능시험",
                    "birth_date": "1990-01-01",
                    "phone": "010-1234-5678",
                    "region": "11",
                },
            )
            if signed_up.status_code != 201:
                print(f"sign-up failed: {signed_up.status_code} {signed_up.text[:500]}", file=sys.stderr)
                return 1
            body = signed_up.json()
            volunteer_id = (body.get("volunteer") or body)["id"]
            if "vms_session" not in client.cookies:
                signed_in = await client.post(
                    "/sign-in",
                    data={"login": "bench_volunteer", "password": "a long bench password"},
                )
                if "vms_session" not in client.cookies:
                    print(f"sign-in failed: {signed_in.status_code}", file=sys.stderr)
                    return 1
            cookie = str(client.cookies["vms_session"])
        path = f"/api/v1/volunteers/{volunteer_id}/hours"

        verifier = rewards.verifier
        as_deployed: Callable[[str | None], Actor] = verifier.verify
        # What the ceiling hands the service in place of a verified token: the same volunteer.
        actor = Actor(id=str(uuid4()), role=Role.VOLUNTEER, volunteer_id=UUID(volunteer_id))

        def every_time(token: str | None) -> Actor:
            if not token:
                return as_deployed(token)
            return verifier._read(token)[0]

        def not_at_all(_token: str | None) -> Actor:
            return actor

        modes: dict[str, Callable[[str | None], Actor]] = {
            "verified": as_deployed,
            "verified, nothing remembered": every_time,
            "not verified (ceiling)": not_at_all,
        }
        await _load(url, path, cookie, 1.0, args.clients)  # warm up connections, caches, JIT-less paths
        results: dict[str, list[float]] = {name: [] for name in modes}
        for round_ in range(args.rounds):
            order = list(modes) if round_ % 2 == 0 else list(reversed(modes))
            for name in order:
                verifier.verify = modes[name]  # type: ignore[method-assign,assignment]
                results[name].append(await _load(url, path, cookie, args.seconds, args.clients))
            verifier.verify = as_deployed  # type: ignore[method-assign,assignment]
            line = ", ".join(f"{name} {results[name][-1]:.0f}/s" for name in modes)
            print(f"round {round_ + 1}: {line}")

    signed_us, verified_us = _micro(keys, actor)
    ceiling = median(results["not verified (ceiling)"])
    print()
    print(f"{'':32} {'requests/s':>10}  ratio")
    for name in modes:
        value = median(results[name])
        print(f"{name:32} {value:10.0f}  {value / ceiling:.2f}")
    print()
    print(f"one signature {signed_us:.0f} µs, one verification {verified_us:.0f} µs (Ed25519, PyJWT)")
    worst = median(results["verified, nothing remembered"]) / ceiling
    deployed = median(results["verified"]) / ceiling
    print(f"target ≥ {TARGET}: as deployed {deployed:.2f}, every token checked {worst:.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load", nargs=3, metavar=("URL", "PATH", "COOKIE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.load:
        url, path, cookie = arguments.load
        rate = asyncio.run(_requests_per_second(url, path, cookie, arguments.seconds, arguments.clients))
        print(f"{rate:.3f}")
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments)))
