"""A volunteer keeps their id for life, and the id names the region that registered them: after a move to a region
another deployment keeps, the deployment they left refuses with `VOLUNTEER_MOVED` naming the new region, and
`RpcClient.call` asks there in its place, remembering it so that the next request goes straight there. Checked on
the real test server, with two deployments serving their regions as `serve` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import nats
import pytest
from faststream.nats import NatsBroker
from pydantic import BaseModel

import vms_platform.rpc as rpc_module
from vms_contracts.actor import ACTOR_HEADER, Actor
from vms_contracts.errors import ErrorBody
from vms_contracts.ids import new_id
from vms_contracts.rpc import STATUS_HEADER, Rpc
from vms_contracts.subjects import Bus
from vms_platform.actor import ActorVerifier, public_keys
from vms_platform.rpc import FORWARDED_HEADER, MAX_FORWARDS, RemoteError, RpcClient, rpc_router, serve
from vms_platform.testing import CENTRAL_ADMIN, gateway_signer, rpc_client, use_test_keys
from vms_registry.domain import VolunteerNotFound
from vms_registry.regions.domain import VolunteerMoved


class Ref(BaseModel):
    volunteer_id: UUID


class Found(BaseModel):
    volunteer_id: UUID
    kept_by: str


class Register(BaseModel):
    region: str


LOOK_UP = Rpc("registry", "get_volunteer", Ref, Found, owner="volunteer_id")
"""Served under the name of a request about a volunteer that the central admin may ask (who may ask what is
`test_actor.py`'s): only where it is answered is tested here."""
REGISTER = Rpc("registry", "register_volunteer", Register, Found, owner="region")


class Deployment:
    """One registry deployment's view of volunteers: those it keeps, and where those who left went."""

    def __init__(self, name: str, regions: list[str]) -> None:
        self.name = name
        self.regions = regions
        self.kept: set[UUID] = set()
        self.moved: dict[UUID, str] = {}
        self.asked: list[UUID] = []
        self.registered: list[str] = []
        self.passes_on: dict[UUID, UUID] = {}
        """Asked about the first, it answers with another service's refusal about the second."""

    async def look_up(self, ref: Ref, _actor: Actor) -> Found:
        self.asked.append(ref.volunteer_id)
        if ref.volunteer_id in self.passes_on:
            raise VolunteerMoved(volunteer_id=self.passes_on[ref.volunteer_id], region="26")
        if ref.volunteer_id in self.moved:
            raise VolunteerMoved(volunteer_id=ref.volunteer_id, region=self.moved[ref.volunteer_id])
        if ref.volunteer_id not in self.kept:
            raise VolunteerNotFound(volunteer_id=ref.volunteer_id)
        return Found(volunteer_id=ref.volunteer_id, kept_by=self.name)

    async def register(self, request: Register, _actor: Actor) -> Found:
        self.registered.append(request.region)
        return Found(volunteer_id=new_id(request.region), kept_by=self.name)


class Bus2:
    def __init__(self, national: Deployment, busan: Deployment, client: RpcClient) -> None:
        self.national = national
        self.busan = busan
        self.client = client

    def move(self, volunteer: UUID, frm: Deployment, to: Deployment, region: str) -> None:
        frm.kept.discard(volunteer)
        frm.moved[volunteer] = region
        to.moved.pop(volunteer, None)
        to.kept.add(volunteer)


@pytest.fixture
async def deployments(nats_url: str, bus: Bus) -> AsyncIterator[Bus2]:
    verifier = ActorVerifier(public_keys(use_test_keys()["VMS_ACTOR_PUBLIC_KEYS"]))
    national = Deployment("national", ["00", "11", "41"])
    busan = Deployment("busan", ["26"])
    brokers = []
    for deployment in (national, busan):
        router = rpc_router()
        options: dict[str, Any] = {"regions": deployment.regions, "verifier": verifier, "slots": None, "workers": 2}
        serve(router, bus, LOOK_UP, deployment.look_up, **options)
        serve(router, bus, REGISTER, deployment.register, **options)
        broker = NatsBroker(nats_url, logger=None)
        broker.include_router(router)
        await broker.start()
        brokers.append(broker)
    caller = NatsBroker(nats_url, logger=None)
    await caller.start()
    yield Bus2(national, busan, rpc_client(caller, bus))
    for broker in (caller, *brokers):
        await broker.stop()


async def test_a_volunteer_who_moved_is_answered_by_the_region_that_keeps_them_now(deployments: Bus2) -> None:
    seoul_born = new_id("11")
    deployments.move(seoul_born, deployments.national, deployments.busan, "26")

    found = await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born))
    assert found.kept_by == "busan"
    assert (deployments.national.asked, deployments.busan.asked) == ([seoul_born], [seoul_born])

    again = await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born))
    assert again.kept_by == "busan"
    assert deployments.national.asked == [seoul_born], "the forward was remembered: straight to Busan"
    assert deployments.busan.asked == [seoul_born, seoul_born]


async def test_a_volunteer_who_moved_back_is_asked_where_their_id_says_again(deployments: Bus2) -> None:
    seoul_born = new_id("11")
    deployments.move(seoul_born, deployments.national, deployments.busan, "26")
    assert (await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born))).kept_by == "busan"
    deployments.move(seoul_born, deployments.busan, deployments.national, "11")

    assert (await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born))).kept_by == "national"
    assert (await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born))).kept_by == "national"
    assert deployments.busan.asked == [seoul_born, seoul_born], "asked once by the stale forward, then forgotten"
    assert deployments.national.asked == [seoul_born, seoul_born, seoul_born]


async def test_forwards_stop_after_two_hops(deployments: Bus2) -> None:
    """Two deployments that name each other (a record lost on one side) cannot keep a request going round."""
    lost = new_id("11")
    deployments.national.moved[lost] = "26"
    deployments.busan.moved[lost] = "11"

    with pytest.raises(RemoteError) as refused:
        await deployments.client.call(LOOK_UP, Ref(volunteer_id=lost))
    assert refused.value.body.code == "VOLUNTEER_MOVED"
    assert len(deployments.national.asked) + len(deployments.busan.asked) == 1 + MAX_FORWARDS


async def test_a_refusal_that_is_not_a_move_is_not_followed(deployments: Bus2) -> None:
    unknown = new_id("26")
    with pytest.raises(RemoteError) as refused:
        await deployments.client.call(LOOK_UP, Ref(volunteer_id=unknown))
    assert refused.value.body.code == "VOLUNTEER_NOT_FOUND"
    assert (deployments.national.asked, deployments.busan.asked) == ([], [unknown])


async def test_a_move_of_someone_else_passed_on_is_not_followed(deployments: Bus2) -> None:
    """A service passing on the registry's refusal about another id (a centre's request about a volunteer, say)
    does not send the caller's request to that volunteer's region."""
    asked_about, moved = new_id("11"), new_id("11")
    deployments.national.passes_on[asked_about] = moved
    deployments.busan.kept.add(asked_about)
    with pytest.raises(RemoteError) as refused:
        await deployments.client.call(LOOK_UP, Ref(volunteer_id=asked_about))
    assert refused.value.body.params["volunteer_id"] == str(moved)
    assert deployments.busan.asked == []


async def test_only_a_forwarded_request_about_an_id_is_answered_outside_its_owner(
    deployments: Bus2, nats_url: str, bus: Bus
) -> None:
    """Sent to Busan directly, a request about a Seoul id is still refused as not owned there; sent on after a
    move, it is answered, or refused as any id Busan does not keep. A request naming a region is never taken
    elsewhere, whatever a caller claims."""
    seoul_born = new_id("11")
    with pytest.raises(RemoteError) as misrouted:
        await deployments.client.call(LOOK_UP, Ref(volunteer_id=seoul_born), region="26")
    assert misrouted.value.body.code == "NOT_OWNED_HERE"
    assert deployments.busan.asked == []

    client = await nats.connect(nats_url)
    token = gateway_signer().token(CENTRAL_ADMIN)

    async def ask(rpc: Rpc[BaseModel, Found], body: BaseModel, region: str) -> ErrorBody | Found:
        reply = await client.request(
            rpc.subject(bus, region),
            body.model_dump_json().encode(),
            headers={ACTOR_HEADER: token, FORWARDED_HEADER: region},
            timeout=5,
        )
        if (reply.headers or {}).get(STATUS_HEADER) == "error":
            return ErrorBody.model_validate_json(reply.data)
        return Found.model_validate_json(reply.data)

    forwarded = await ask(LOOK_UP, Ref(volunteer_id=seoul_born), "26")  # type: ignore[arg-type]
    assert isinstance(forwarded, ErrorBody) and forwarded.code == "VOLUNTEER_NOT_FOUND"
    assert deployments.busan.asked == [seoul_born]
    claimed = await ask(REGISTER, Register(region="11"), "26")  # type: ignore[arg-type]
    assert isinstance(claimed, ErrorBody) and claimed.code == "NOT_OWNED_HERE"
    assert deployments.busan.registered == []
    await client.close()


async def test_a_client_remembers_a_bounded_number_of_forwards(
    deployments: Bus2, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rpc_module, "FORWARDS_KEPT", 2)
    movers = [new_id("11") for _ in range(3)]
    for volunteer in movers:
        deployments.move(volunteer, deployments.national, deployments.busan, "26")
        await deployments.client.call(LOOK_UP, Ref(volunteer_id=volunteer))
    deployments.national.asked.clear()

    for volunteer in reversed(movers):
        assert (await deployments.client.call(LOOK_UP, Ref(volunteer_id=volunteer))).kept_by == "busan"
    assert deployments.national.asked == [movers[0]], "the oldest forward was forgotten, the two latest kept"
