"""Who is asking: the actor's token, its scope, the permission matrix, and a service refusing what the matrix
refuses before its handler runs (on the real test server)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import jwt
import nats
import pytest
from faststream.nats import NatsBroker
from pydantic import BaseModel, ValidationError

from vms_contracts.actor import ACTOR_HEADER, Actor, Role
from vms_contracts.errors import ErrorBody, ErrorKind
from vms_contracts.ids import new_id
from vms_contracts.permissions import COLUMNS, MATRIX, MATRIX_TABLE, Access, _parse, access
from vms_contracts.rpc import STATUS_HEADER, Rpc
from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc import linkage as linkage_rpc
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.rpc import rewards as rewards_rpc
from vms_contracts.rpc.health import health_rpc
from vms_contracts.subjects import SERVICES, Bus
from vms_platform.actor import (
    ActorInvalid,
    ActorMissing,
    ActorSigner,
    ActorVerifier,
    NotPermitted,
    OutOfScope,
    new_key_set,
    private_key,
    public_keys,
    require_scope,
)
from vms_platform.logging import current_actor
from vms_platform.rpc import rpc_router, serve

KEYS = new_key_set()
VERIFIER = ActorVerifier(public_keys(KEYS["VMS_ACTOR_PUBLIC_KEYS"]))


def signer(program: str = "gateway", keys: dict[str, str] = KEYS, lifetime: int = 60) -> ActorSigner:
    return ActorSigner(program, private_key(keys[f"VMS_{program.upper()}_ACTOR_KEY"]), lifetime=lifetime)


VOLUNTEER_ID = new_id("11")
CENTRE_ID = new_id("26")
VOLUNTEER = Actor(id=str(uuid4()), role=Role.VOLUNTEER, volunteer_id=VOLUNTEER_ID)
MANAGER = Actor(id=str(uuid4()), role=Role.CENTRE_MANAGER, centres=frozenset({CENTRE_ID}))
SEOUL = Actor(id=str(uuid4()), role=Role.COUNCIL_ADMIN, region="11")
CENTRAL = Actor(id=str(uuid4()), role=Role.CENTRAL_ADMIN)
EVERY_ACTOR = [
    VOLUNTEER,
    MANAGER,
    SEOUL,
    CENTRAL,
    Actor(id=str(uuid4()), role=Role.INTEGRATOR),
    Actor(id="anonymous", role=Role.ANONYMOUS),
]


# -- the token -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", EVERY_ACTOR, ids=lambda a: a.role.value)
def test_the_gateway_signs_who_is_asking_and_every_service_reads_it_back(actor: Actor) -> None:
    assert VERIFIER.verify(signer().token(actor)) == actor


def test_a_service_signs_for_itself() -> None:
    assert VERIFIER.verify(signer("linkage").token(Actor.service("linkage"))) == Actor.service("linkage")


@pytest.mark.parametrize(
    "actor", [CENTRAL, VOLUNTEER, Actor.service("registry")], ids=["a person", "a volunteer", "another service"]
)
def test_a_service_key_cannot_name_anyone_but_its_own_service(actor: Actor) -> None:
    """A leaked service key must not become an administrator's key."""
    with pytest.raises(ActorInvalid, match="may sign only for itself"):
        VERIFIER.verify(signer("hours").token(actor))


def test_no_token_is_refused() -> None:
    for missing in (None, ""):
        with pytest.raises(ActorMissing):
            VERIFIER.verify(missing)


def test_an_expired_token_is_refused() -> None:
    old = signer(lifetime=-10).token(CENTRAL)
    with pytest.raises(ActorInvalid) as refused:
        VERIFIER.verify(old)
    assert refused.value.params["reason"] == "expired"


def test_a_token_signed_with_a_key_nobody_trusts_is_refused() -> None:
    forged = signer(keys=new_key_set()).token(CENTRAL)  # names the gateway, signed with another key
    with pytest.raises(ActorInvalid) as refused:
        VERIFIER.verify(forged)
    assert refused.value.params["reason"] == "its signature does not match"


def test_a_token_whose_claims_were_changed_is_refused() -> None:
    header, _payload, signature = signer().token(VOLUNTEER).split(".")
    claims = jwt.decode(signer().token(CENTRAL), options={"verify_signature": False})
    payload = jwt.api_jws.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()
    with pytest.raises(ActorInvalid):
        VERIFIER.verify(f"{header}.{payload}.{signature}")


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_a_token_in_another_algorithm_is_refused(algorithm: str) -> None:
    """`alg: none` and a public key used as an HMAC secret are the classic forgeries."""
    now = int(time.time())
    claims = {"iss": "gateway", "sub": CENTRAL.id, "aud": "vms", "iat": now, "exp": now + 60, "role": "central_admin"}
    secret = KEYS["VMS_ACTOR_PUBLIC_KEYS"].split(",")[0].split("=", 1)[1]
    token = jwt.api_jws.PyJWS().encode(
        jwt.api_jws.json.dumps(claims).encode(),
        key="" if algorithm == "none" else secret,
        algorithm=algorithm,
        headers={"kid": "gateway"},
    )
    with pytest.raises(ActorInvalid):
        VERIFIER.verify(token)


def test_a_token_naming_a_scope_its_role_cannot_hold_is_refused() -> None:
    now = int(time.time())
    claims = {"iss": "gateway", "sub": "x", "aud": "vms", "iat": now, "exp": now + 60, "role": "volunteer"}
    token = jwt.encode(
        claims, private_key(KEYS["VMS_GATEWAY_ACTOR_KEY"]), algorithm="EdDSA", headers={"kid": "gateway"}
    )
    with pytest.raises(ActorInvalid, match="role or scope"):
        VERIFIER.verify(token)  # a volunteer who is no volunteer


def test_garbage_is_refused_without_reading_it() -> None:
    for garbage in ("not a token", "a.b.c", "x" * 10_000):
        with pytest.raises(ActorInvalid):
            VERIFIER.verify(garbage)


# -- scope -----------------------------------------------------------------------------------------------------


def test_each_role_names_the_scope_it_holds() -> None:
    with pytest.raises(ValidationError):
        Actor(id="a", role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        Actor(id="a", role=Role.CENTRE_MANAGER)
    with pytest.raises(ValidationError):
        Actor(id="a", role=Role.COUNCIL_ADMIN, region="00")
    with pytest.raises(ValidationError):
        Actor(id="a", role=Role.CENTRAL_ADMIN, region="11")


def test_a_volunteer_covers_only_themselves() -> None:
    assert VOLUNTEER.covers(volunteer=VOLUNTEER_ID)
    assert not VOLUNTEER.covers(volunteer=new_id("11"))
    assert not VOLUNTEER.covers(centre=CENTRE_ID)


def test_a_centre_manager_covers_only_records_its_centres_keep() -> None:
    assert MANAGER.covers(volunteer=VOLUNTEER_ID, centre=CENTRE_ID)
    assert not MANAGER.covers(volunteer=VOLUNTEER_ID)
    assert not MANAGER.covers(centre=new_id("26"))


def test_a_council_covers_its_region_read_from_the_record_or_its_ids() -> None:
    assert SEOUL.covers(region="11")
    assert SEOUL.covers(volunteer=VOLUNTEER_ID)  # the owner region is written in the id
    assert not SEOUL.covers(centre=CENTRE_ID)
    assert not SEOUL.covers(volunteer=VOLUNTEER_ID, region="26"), "a stated region wins over the id's"
    assert not SEOUL.covers()


def test_own_scope_is_refused_outside_it_and_allowed_everywhere_when_the_matrix_says_so() -> None:
    require_scope(VOLUNTEER, "rewards.get_total", volunteer=VOLUNTEER_ID)
    with pytest.raises(OutOfScope):
        require_scope(VOLUNTEER, "rewards.get_total", volunteer=new_id("11"))
    require_scope(CENTRAL, "rewards.get_total", volunteer=new_id("26"))
    with pytest.raises(NotPermitted):
        require_scope(MANAGER, "rewards.get_total", volunteer=VOLUNTEER_ID)


# -- the matrix ------------------------------------------------------------------------------------------------

SERVED: list[Rpc[BaseModel, BaseModel]] = [
    rpc
    for module in (registry_rpc, hours_rpc, rewards_rpc, linkage_rpc)
    for rpc in vars(module).values()
    if isinstance(rpc, Rpc)
] + [health_rpc(service) for service in SERVICES]


def test_every_request_a_service_answers_has_its_row() -> None:
    missing = sorted({rpc.operation for rpc in SERVED} - set(MATRIX))
    assert not missing, f"requests no row of the matrix governs: {missing}"


def test_every_row_names_a_request_or_an_account_operation() -> None:
    served = {rpc.operation for rpc in SERVED}
    strays = [op for op in MATRIX if op not in served and not op.startswith("accounts.")]
    assert not strays, f"rows for requests nobody answers: {strays}"


def test_consent_to_linkage_is_the_volunteers_alone() -> None:
    """Consent is what lets personal data leave the system (DESIGN §Security)."""
    given = {role: access("registry.set_consent", role) for role in COLUMNS}
    assert given == {role: Access.OWN if role is Role.VOLUNTEER else Access.REFUSED for role in COLUMNS}


def test_no_one_but_the_services_and_people_of_the_record_reads_personal_data() -> None:
    readers = {role for role in COLUMNS if access("registry.get_volunteer", role) is not Access.REFUSED}
    assert readers == {Role.VOLUNTEER, Role.COUNCIL_ADMIN, Role.CENTRAL_ADMIN, Role.SERVICE}


def test_an_integrator_changes_nothing() -> None:
    changes = ("register", "set_", "record", "confirm", "create", "disable")
    allowed = [
        op for op in MATRIX if any(w in op for w in changes) and access(op, Role.INTEGRATOR) is not Access.REFUSED
    ]
    assert not allowed


def test_an_operation_not_in_the_matrix_is_refused_to_everyone() -> None:
    assert {access("registry.drop_everything", role) for role in COLUMNS} == {Access.REFUSED}


def test_a_malformed_matrix_does_not_load() -> None:
    head = MATRIX_TABLE.strip().splitlines()[0]
    with pytest.raises(ValueError, match="cells"):
        _parse(f"{head}\nregistry.x allowed -\n")
    with pytest.raises(KeyError):
        _parse(f"{head}\nregistry.x {'maybe ' * len(COLUMNS)}\n")
    with pytest.raises(ValueError, match="twice"):
        _parse(f"{head}\nregistry.x {'- ' * len(COLUMNS)}\nregistry.x {'- ' * len(COLUMNS)}\n")


# -- a service refuses before its handler runs -----------------------------------------------------------------


class Consent(BaseModel):
    volunteer_id: UUID


class Done(BaseModel):
    actor: str


CONSENT = Rpc("registry", "set_consent", Consent, Done, owner="volunteer_id")


class Handled:
    def __init__(self) -> None:
        self.actors: list[Actor] = []
        self.staged_as: list[str | None] = []

    async def set_consent(self, request: Consent, actor: Actor) -> Done:
        require_scope(actor, CONSENT.operation, volunteer=request.volunteer_id)
        self.actors.append(actor)
        self.staged_as.append(current_actor())  # what an event staged now carries as `actorid`
        return Done(actor=actor.reference)


@pytest.fixture
async def handled(nats_url: str, bus: Bus) -> AsyncIterator[Handled]:
    handled = Handled()
    router = rpc_router()
    serve(router, bus, CONSENT, handled.set_consent, regions=["00", "11"], verifier=VERIFIER, slots=None, workers=2)
    broker = NatsBroker(nats_url, logger=None)
    broker.include_router(router)
    await broker.start()
    yield handled
    await broker.stop()


async def _ask(nats_url: str, bus: Bus, token: str | None, volunteer: UUID = VOLUNTEER_ID) -> ErrorBody | Done:
    client = await nats.connect(nats_url)
    try:
        reply = await client.request(
            CONSENT.subject(bus, "11"),
            Consent(volunteer_id=volunteer).model_dump_json().encode(),
            headers={ACTOR_HEADER: token} if token is not None else None,
            timeout=5,
        )
    finally:
        await client.close()
    if (reply.headers or {}).get(STATUS_HEADER) == "error":
        return ErrorBody.model_validate_json(reply.data)
    return Done.model_validate_json(reply.data)


async def test_the_volunteer_is_answered_as_themselves(nats_url: str, bus: Bus, handled: Handled) -> None:
    assert await _ask(nats_url, bus, signer().token(VOLUNTEER)) == Done(actor=VOLUNTEER.id)
    assert handled.actors == [VOLUNTEER]
    assert handled.staged_as == [VOLUNTEER.id], "events staged for the request carry the account id"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda: None, "ACTOR_MISSING"),
        (lambda: signer(lifetime=-10).token(VOLUNTEER), "ACTOR_INVALID"),
        (lambda: signer(keys=new_key_set()).token(VOLUNTEER), "ACTOR_INVALID"),
        (lambda: signer("hours").token(VOLUNTEER), "ACTOR_INVALID"),
    ],
    ids=["no actor", "expired", "forged", "a service posing as a person"],
)
async def test_a_request_without_a_trusted_actor_is_refused_unhandled(
    nats_url: str, bus: Bus, handled: Handled, token: object, code: str
) -> None:
    refusal = await _ask(nats_url, bus, token())  # type: ignore[operator]
    assert isinstance(refusal, ErrorBody)
    assert (refusal.code, refusal.kind) == (code, ErrorKind.UNAUTHENTICATED)
    assert refusal.message and refusal.message_en
    assert handled.actors == []


async def test_a_role_the_matrix_refuses_is_refused_unhandled(nats_url: str, bus: Bus, handled: Handled) -> None:
    refusal = await _ask(nats_url, bus, signer().token(CENTRAL))
    assert isinstance(refusal, ErrorBody)
    assert (refusal.code, refusal.kind) == ("NOT_PERMITTED", ErrorKind.FORBIDDEN)
    assert refusal.params == {
        "operation": "registry.set_consent",
        "role": "central_admin",
        "role_name": "중앙회 관리자",
        "role_name_en": "Central council admin",
    }
    assert refusal.message == "중앙회 관리자 권한으로는 이 작업(registry.set_consent)을 할 수 없습니다."
    assert handled.actors == []


async def test_another_volunteers_consent_is_out_of_scope(nats_url: str, bus: Bus, handled: Handled) -> None:
    refusal = await _ask(nats_url, bus, signer().token(VOLUNTEER), volunteer=new_id("11"))
    assert isinstance(refusal, ErrorBody)
    assert (refusal.code, refusal.kind) == ("OUT_OF_SCOPE", ErrorKind.FORBIDDEN)
    assert handled.actors == []
