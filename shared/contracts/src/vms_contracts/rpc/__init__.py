"""Request/reply over core NATS: every request and reply model is declared here, once.

A request goes to `vms.<region>.<service>.rpc.<name>`, where `<region>` is the region that owns what it is about
(`vms_contracts.ids.region_of`). Every request carries who is asking, as a signed token in `vms-actor`
(`vms_contracts.actor`). A reply is the response model as JSON; a refusal is an `ErrorBody`
(`vms_contracts.errors`) with the header `vms-status: error`. The caller's request id travels as `vms-request-id`
and becomes the causation id of whatever the request changes, if it is a short token (`safe_request_id`);
a serving service replaces any other value with a fresh id. Every reply says, in `vms-regions`, which regions
the instance that answered serves, so that a question asked of every region reaches each instance once.

Every request model is a `vms_contracts.types.RequestModel` made of the field types there: a field it does not
know, or a value not written the one way its type takes, is refused with the field named, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from vms_contracts.ids import region_of
from vms_contracts.regions import NATIONAL
from vms_contracts.subjects import Bus

STATUS_HEADER = "vms-status"
REQUEST_ID_HEADER = "vms-request-id"
REGIONS_HEADER = "vms-regions"

REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,64}$"
"""What a request id may be: a short token. It is written in log lines and becomes the causation and correlation
id of the events a request causes, which integrators read, so nothing longer or stranger (a whole sentence with
a name and a phone number in it, say) may travel that far."""
_SAFE_REQUEST_ID = re.compile(REQUEST_ID_PATTERN[1:-1])


def safe_request_id(value: str | None) -> str | None:
    """`value` if it is a request id `REQUEST_ID_PATTERN` takes, else None (the caller then uses a fresh id)."""
    if value is not None and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)


@dataclass(frozen=True)
class Rpc(Generic[Req, Res]):
    service: str
    name: str
    request: type[Req]
    response: type[Res]
    summary: str = ""
    owner: str | None = None
    """The request field that says which region owns what the request is about: an id (its owner region is
    written in it, `vms_contracts.ids`) or a region code. None: the caller names the region, or asks them all."""

    @property
    def operation(self) -> str:
        """`<service>.<name>`: the row of the permission matrix (`vms_contracts.permissions`) that governs it."""
        return f"{self.service}.{self.name}"

    def subject(self, bus: Bus, region: str = NATIONAL) -> str:
        return bus.rpc_subject(region, self.service, self.name)

    def owner_region(self, request: Req) -> str | None:
        """The region whose instance must answer `request`; None when the request does not say."""
        if self.owner is None:
            return None
        value = getattr(request, self.owner)
        if isinstance(value, UUID):
            return region_of(value) or NATIONAL
        return str(value)
