"""Who is asking: the actor every request on the bus carries, and the scope it may act in.

The gateway signs the actor of each HTTP request (an account: its id, role and scope) into a short-lived token
sent in the `vms-actor` header; a service calling another signs itself as a `service` actor. Every service
verifies the token (`vms_platform.actor`), looks the operation up in the permission matrix
(`vms_contracts.permissions`) and, where the matrix says "own scope", checks the record against `Actor.covers`.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vms_contracts.ids import region_of
from vms_contracts.regions import NATIONAL, RegionCode

ACTOR_HEADER = "vms-actor"
"""The request header that carries the actor's signed token."""

ACTOR_AUDIENCE = "vms"
GATEWAY_ISSUER = "gateway"
"""The one issuer whose tokens may name people; any other issuer signs only for itself, as a `service`."""


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    """Not signed in: the public pages and signing up."""
    VOLUNTEER = "volunteer"
    CENTRE_MANAGER = "centre_manager"
    COUNCIL_ADMIN = "council_admin"
    CENTRAL_ADMIN = "central_admin"
    INTEGRATOR = "integrator"
    """A machine account of another organisation: reads what the matrix lets it read, changes nothing."""
    SERVICE = "service"
    """One of our services asking another on its own behalf (the actor's id is the service's name)."""


PEOPLE = (Role.VOLUNTEER, Role.CENTRE_MANAGER, Role.COUNCIL_ADMIN, Role.CENTRAL_ADMIN)
ACCOUNT_ROLES = (*PEOPLE, Role.INTEGRATOR)
"""The roles an account can hold (an anonymous caller and a service have no account)."""


class Actor(BaseModel):
    """One caller and its scope: a volunteer themselves, a centre manager their centres, a council admin their
    region. The scope is what the account holds when the token is signed; a change takes effect with the next
    token (they live a minute)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, description="account id (a UUID), or the service's name")
    role: Role
    volunteer_id: UUID | None = Field(default=None, description="the volunteer a volunteer account is")
    centres: frozenset[UUID] = Field(default=frozenset(), description="the centres a centre manager manages")
    region: RegionCode | None = Field(default=None, description="the region a council admin runs")

    @model_validator(mode="after")
    def _scope_fits_role(self) -> Actor:
        if self.role is Role.VOLUNTEER and self.volunteer_id is None:
            raise ValueError("a volunteer actor names its volunteer")
        if self.role is Role.CENTRE_MANAGER and not self.centres:
            raise ValueError("a centre manager actor names at least one centre")
        if self.role is Role.COUNCIL_ADMIN and (self.region is None or self.region == NATIONAL):
            raise ValueError("a council admin actor names one of the 17 regions")
        if self.role is not Role.VOLUNTEER and self.volunteer_id is not None:
            raise ValueError("only a volunteer actor names a volunteer")
        if self.role is not Role.CENTRE_MANAGER and self.centres:
            raise ValueError("only a centre manager actor names centres")
        if self.role is not Role.COUNCIL_ADMIN and self.region is not None:
            raise ValueError("only a council admin actor names a region")
        return self

    @classmethod
    def service(cls, name: str) -> Actor:
        return cls(id=name, role=Role.SERVICE)

    @property
    def account_id(self) -> UUID | None:
        """The account behind the request, recorded with every change it makes; None for a service."""
        if self.role is Role.SERVICE:
            return None
        try:
            return UUID(self.id)
        except ValueError:
            return None

    @property
    def reference(self) -> str:
        """How events and access records name the actor: the account id, or `service:<name>`. Never a name,
        phone or birth date."""
        return f"service:{self.id}" if self.role is Role.SERVICE else self.id

    def covers(self, *, volunteer: UUID | None = None, centre: UUID | None = None, region: str | None = None) -> bool:
        """Whether a record that belongs to `volunteer`, is kept by `centre` and lies in `region` is in this actor's
        own scope. A fact not given cannot be matched: a centre manager is never in scope of a record with no
        centre. The region defaults to the one written in the centre's or volunteer's id."""
        if self.role is Role.VOLUNTEER:
            return volunteer is not None and volunteer == self.volunteer_id
        if self.role is Role.CENTRE_MANAGER:
            return centre is not None and centre in self.centres
        if self.role is Role.COUNCIL_ADMIN:
            if region is None:
                region = next((region_of(i) for i in (centre, volunteer) if i is not None and region_of(i)), None)
            return region is not None and region == self.region
        return self.role in (Role.CENTRAL_ADMIN, Role.SERVICE)
