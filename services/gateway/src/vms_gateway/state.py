"""What the gateway's routes share while it runs: its settings, its database, its password hasher and its way to
ask the services (`app.state.gateway`)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from vms_gateway.passwords import Passwords
from vms_gateway.settings import GatewaySettings
from vms_platform.db import Database
from vms_platform.rpc import RpcClient


@dataclass
class GatewayState:
    settings: GatewaySettings
    db: Database
    passwords: Passwords
    rpc: RpcClient


def state_of(request: HTTPConnection) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state
