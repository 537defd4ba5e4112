"""Every subject on the bus is built here.

- events: `<root>.<region>.<service>.<event>`, e.g. `vms.11.hours.confirmed`
- request/reply: `<root>.<region>.<service>.rpc.<name>`, e.g. `vms.00.registry.rpc.get_volunteer`
- dead letters: `<root>.deadletter.<consumer>`

`root` is `vms` in every deployment. A different root gives a separate namespace on a shared NATS server
(each test run uses its own), with its own stream names, so nothing of one namespace reaches another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SERVICES = ("registry", "hours", "rewards", "linkage")

_TOKEN = re.compile(r"^[a-z0-9_-]+$")


def inbox_prefix(program: str) -> str:
    """Each program's replies arrive under an inbox prefix of its own, and its NATS user may subscribe to that
    prefix only, so that no program can listen to the replies another receives (deploy/nats/accounts.conf)."""
    return f"_INBOX_{program}"


@dataclass(frozen=True)
class Bus:
    root: str = "vms"

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.root):
            raise ValueError(f"bus root must be one lowercase subject token, got {self.root!r}")

    def event_subject(self, region: str, service: str, event: str) -> str:
        return f"{self.root}.{region}.{service}.{event}"

    def event_pattern(self, service: str, event: str = ">") -> str:
        """Every region's `event` of `service`; `>` for all of them."""
        return f"{self.root}.*.{service}.{event}"

    def rpc_subject(self, region: str, service: str, name: str) -> str:
        return f"{self.root}.{region}.{service}.rpc.{name}"

    def deadletter_subject(self, consumer: str) -> str:
        return f"{self.root}.deadletter.{consumer}"

    def deadletter_pattern(self) -> str:
        return f"{self.root}.deadletter.*"

    def stream_name(self, base: str) -> str:
        """`HOURS` for the `vms` root, `<ROOT>_HOURS` for any other namespace."""
        if self.root == "vms":
            return base
        return f"{self.root.upper().replace('-', '_')}_{base}"

    def split_rpc_subject(self, subject: str) -> tuple[str, str, str]:
        """`vms.26.registry.rpc.get_volunteer` → (`26`, `registry`, `get_volunteer`)."""
        parts = subject.split(".")
        if len(parts) != 5 or parts[0] != self.root or parts[3] != "rpc":
            raise ValueError(f"not a request subject of root {self.root!r}: {subject!r}")
        return parts[1], parts[2], parts[4]

    def split_event_subject(self, subject: str) -> tuple[str, str, str]:
        """`vms.11.hours.confirmed` → (`11`, `hours`, `confirmed`); ValueError if it is not an event subject."""
        parts = subject.split(".")
        if len(parts) < 4 or parts[0] != self.root or parts[3] == "rpc":
            raise ValueError(f"not an event subject of root {self.root!r}: {subject!r}")
        return parts[1], parts[2], ".".join(parts[3:])
