"""The documentation in docs/ is what the code generates, and it is sound: every event type and version is in
docs/events/, each example is valid against its schema, the AsyncAPI document holds together, and
docs/permissions.md prints the permission matrix the services enforce."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for
from pydantic import AwareDatetime, Field
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from vms_contracts import docs
from vms_contracts.actor import ACTOR_HEADER, Role
from vms_contracts.envelope import EVENT_TYPES, Envelope, Event, decode_event, event
from vms_contracts.permissions import COLUMNS, MATRIX, Access
from vms_contracts.regions import REGIONS
from vms_contracts.streams import stream_of
from vms_contracts.subjects import Bus
from vms_deploy.cli import main as vms
from vms_deploy.docs import actor_token, permissions_page
from vms_platform.actor import TOKEN_LIFETIME

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
PERMISSIONS_PAGE = DOCS_DIR.parent / "permissions.md"
CLOUDEVENTS_ATTRIBUTES = [
    "specversion",
    "id",
    "type",
    "source",
    "time",
    "region",
    "subject",
    "datacontenttype",
    "causationid",
    "correlationid",
    "actorid",
    "data",
]
COMPONENT_KEY = re.compile(r"^[\w\d.\-_]+$")


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return docs.documents()


@pytest.fixture(scope="module")
def asyncapi(generated: dict[str, str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(generated[docs.ASYNCAPI_FILE])
    return document


@pytest.fixture(scope="module")
def event_docs() -> list[docs.EventDoc]:
    return docs.event_docs()


def test_checked_in_documentation_matches_the_code(generated: dict[str, str]) -> None:
    problems = docs.stale_documents(DOCS_DIR, generated)
    assert not problems, (
        "docs/events/ differs from what the contract models generate:\n  "
        + "\n  ".join(problems)
        + "\nRun `.venv/bin/vms docs` from the repository root and commit the result."
    )


def test_generation_is_deterministic(generated: dict[str, str]) -> None:
    assert docs.documents() == generated


def test_every_event_type_and_version_is_documented(
    generated: dict[str, str], asyncapi: dict[str, Any], event_docs: list[docs.EventDoc]
) -> None:
    assert {d.event_type for d in event_docs} == set(EVENT_TYPES)
    assert {name for name in generated if name.startswith(f"{docs.SCHEMAS_DIR}/")} == {
        f"{docs.SCHEMAS_DIR}/{t}.json" for t in EVENT_TYPES
    }
    messages = asyncapi["components"]["messages"]
    for event_type in EVENT_TYPES:
        assert event_type in messages
        assert f"`{event_type}`" in generated[docs.README_FILE]


def test_each_event_names_its_channel_stream_and_meaning(
    asyncapi: dict[str, Any], event_docs: list[docs.EventDoc]
) -> None:
    for doc in event_docs:
        model = EVENT_TYPES[doc.event_type]
        assert doc.address == f"vms.{{region}}.{model.event_service}.{model.event_name}"
        assert doc.stream == stream_of(model.event_service).name(Bus())
        assert model.__doc__ and doc.description == " ".join(model.__doc__.split())
        assert doc.schema["description"] == doc.description
        assert doc.schema["$defs"][model.__name__]["description"] == doc.description
        channel = asyncapi["channels"][f"{doc.service}.{doc.name}"]
        assert channel["address"] == doc.address
        assert channel["x-stream"] == doc.stream
        assert doc.event_type in channel["messages"]
        assert asyncapi["components"]["messages"][doc.event_type]["description"] == doc.description
    region = asyncapi["components"]["parameters"]["region"]
    assert region["enum"] == sorted(REGIONS)
    assert all(f"`{code}` {r.name}" in region["description"] for code, r in REGIONS.items())


def test_field_docstrings_reach_the_schema(event_docs: list[docs.EventDoc]) -> None:
    consent = next(d for d in event_docs if d.event_type == "vms.registry.consent.changed.v1")
    channel = next(f for f in consent.fields if f.name == "channel")
    assert channel.description == "Where the change was made, e.g. `portal`."
    kind = next(f for f in consent.fields if f.name == "consent")
    assert "1365자원봉사포털 연계동의" in kind.description


def test_schemas_are_complete_draft_2020_12_schemas_of_the_envelope(event_docs: list[docs.EventDoc]) -> None:
    for doc in event_docs:
        schema = doc.schema
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:vms:schema:{doc.event_type}"
        assert schema["title"] == doc.event_type
        Draft202012Validator.check_schema(schema)
        assert list(schema["properties"]) == CLOUDEVENTS_ATTRIBUTES
        assert schema["properties"]["type"]["const"] == doc.event_type
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{doc.event_type}: envelope attribute {name} is not described"
        _assert_refs_resolve(schema, schema)


def test_examples_are_valid_against_their_schemas(event_docs: list[docs.EventDoc]) -> None:
    for doc in event_docs:
        assert doc.schema["examples"] == [doc.example]
        validator = Draft202012Validator(doc.schema, format_checker=FormatChecker())
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc.example)]
        assert not errors, f"the example of {doc.event_type} is not valid against its schema: {errors}"


def test_examples_are_what_the_code_reads_and_writes(event_docs: list[docs.EventDoc]) -> None:
    for doc in event_docs:
        raw = json.dumps(doc.example).encode()
        region = doc.example["region"]
        envelope = decode_event(raw, nats_subject=doc.address.replace("{region}", region))
        assert type(envelope.data) is EVENT_TYPES[doc.event_type]
        assert json.loads(envelope.to_json()) == doc.example
        assert UUID(doc.example["id"]).version == 7


def test_a_schema_refuses_another_type_or_a_broken_message(event_docs: list[docs.EventDoc]) -> None:
    confirmed = next(d for d in event_docs if d.event_type == "vms.hours.confirmed.v1")
    validator = Draft202012Validator(confirmed.schema)
    assert not validator.is_valid({**confirmed.example, "type": "vms.hours.recorded.v1"})
    assert not validator.is_valid({**confirmed.example, "region": "99"})
    broken = {**confirmed.example, "data": {**confirmed.example["data"], "minutes": 0}}
    assert not validator.is_valid(broken)
    unknown_field = {**confirmed.example, "data": {**confirmed.example["data"], "added_later": 1}}
    assert validator.is_valid(unknown_field), "adding an optional field must stay compatible"


def test_asyncapi_document_is_structurally_valid(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["info"]["title"] and asyncapi["info"]["version"]
    assert asyncapi["channels"] and asyncapi["operations"]
    for section in ("schemas", "messages", "parameters"):
        assert asyncapi["components"][section]
        for key in asyncapi["components"][section]:
            assert COMPONENT_KEY.match(key), f"components/{section}/{key}: not a valid component key"
    _assert_refs_resolve(asyncapi, asyncapi)

    for channel_id, channel in asyncapi["channels"].items():
        address = channel["address"]
        if address is not None:
            assert set(re.findall(r"{(\w+)}", address)) == set(channel.get("parameters", {})), channel_id
    for op_id, operation in asyncapi["operations"].items():
        assert operation["action"] in ("send", "receive")
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), f"{op_id}: not a message of its channel"
        if "reply" in operation:
            reply_ref = operation["reply"]["channel"]["$ref"]
            for message in operation["reply"]["messages"]:
                assert message["$ref"].startswith(f"{reply_ref}/messages/"), op_id


def test_asyncapi_message_examples_are_valid_against_their_payloads(asyncapi: dict[str, Any]) -> None:
    registry: Registry[Any] = Registry().with_resource("urn:asyncapi", Resource(asyncapi, DRAFT202012))
    for name, message in asyncapi["components"]["messages"].items():
        for example in message.get("examples", []):
            for part in ("payload", "headers"):
                schema = {"$ref": f"urn:asyncapi{message[part]['$ref']}"}
                validator = validator_for({"$schema": docs.JSON_SCHEMA_DIALECT})(
                    schema, registry=registry, format_checker=FormatChecker()
                )
                errors = [e.message for e in validator.iter_errors(example[part])]
                assert not errors, f"{name}: the example's {part} is not valid: {errors}"


def test_requests_are_documented_with_their_refusals(asyncapi: dict[str, Any]) -> None:
    record = asyncapi["operations"]["hours.rpc.record_activity"]
    assert record["action"] == "receive"
    assert record["bindings"]["nats"]["queue"] == "hours"
    assert asyncapi["channels"]["hours.rpc.record_activity"]["address"] == "vms.{region}.hours.rpc.record_activity"
    replies = [m["$ref"].rsplit("/", 1)[-1] for m in record["reply"]["messages"]]
    assert replies == ["reply", "error"]
    error = asyncapi["components"]["messages"]["error"]
    assert error["payload"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "vms-status" in asyncapi["components"]["schemas"]["ErrorHeaders"]["required"]
    for service in ("registry", "hours", "rewards", "linkage"):
        assert f"{service}.rpc.health" in asyncapi["operations"]


def test_every_request_is_documented_as_carrying_its_actor(asyncapi: dict[str, Any]) -> None:
    headers = asyncapi["components"]["schemas"]["RequestHeaders"]
    assert headers["required"] == [ACTOR_HEADER]
    assert "ACTOR_MISSING" in headers["properties"][ACTOR_HEADER]["description"]
    for name, message in asyncapi["components"]["messages"].items():
        if name.endswith(".request"):
            assert message["headers"] == {"$ref": "#/components/schemas/RequestHeaders"}, name


def test_envelope_is_the_generic_one_in_every_schema(event_docs: list[docs.EventDoc]) -> None:
    """The envelope table of the README and the page describes every event's envelope alike."""
    generic = {f.name: f for f in docs.envelope_fields()}
    assert list(generic) == CLOUDEVENTS_ATTRIBUTES[:-1]
    for doc in event_docs:
        envelope = doc.schema["properties"]
        assert set(envelope) - {"data"} == set(generic)
    assert Envelope.model_fields.keys() == set(CLOUDEVENTS_ATTRIBUTES)


def test_a_retired_version_is_documented_as_such_and_not_as_sent(
    generated: dict[str, str], asyncapi: dict[str, Any], event_docs: list[docs.EventDoc]
) -> None:
    """`volunteer.registered.v1` carried personal data: v2 replaced it at once. v1 stays readable, for what the
    REGISTRY stream holds from before, but nothing says VMS sends it."""
    by_type = {d.event_type: d for d in event_docs}
    old, new = by_type["vms.registry.volunteer.registered.v1"], by_type["vms.registry.volunteer.registered.v2"]
    assert (old.replaced_by, new.replaced_by) == (new.event_type, None)
    assert old.schema["deprecated"] is True and "deprecated" not in new.schema
    assert [f.name for f in new.fields] == ["volunteer_id", "region", "registered_at"]
    channel = asyncapi["channels"]["registry.volunteer.registered"]
    assert set(channel["messages"]) == {old.event_type, new.event_type}
    sent = asyncapi["operations"]["registry.volunteer.registered"]["messages"]
    assert sent == [{"$ref": f"#/channels/registry.volunteer.registered/messages/{new.event_type}"}]
    assert asyncapi["components"]["schemas"][old.event_type]["deprecated"] is True
    assert f"`{old.event_type}` (read `{new.event_type}`)" in generated[docs.README_FILE]
    for doc in event_docs:
        if doc.replaced_by is None:
            assert "deprecated" not in doc.schema, doc.event_type


# -- a new event shows up, or says what it lacks --------------------------------------------------------------


@pytest.fixture
def new_event() -> Iterator[type[Event]]:
    @event("hours", "confirmed", 2, aggregate="activity_id")
    class HoursConfirmedV2(Event):
        """The centre confirmed the record (second version, for this test)."""

        activity_id: UUID
        minutes: int
        confirmed_at: AwareDatetime
        note: str | None = None
        """What the centre added."""

    try:
        yield HoursConfirmedV2
    finally:
        del EVENT_TYPES[HoursConfirmedV2.event_type]


def test_a_new_event_version_shows_up_beside_the_old_one(new_event: type[Event]) -> None:
    generated = docs.documents()
    assert f"{docs.SCHEMAS_DIR}/vms.hours.confirmed.v2.json" in generated
    asyncapi = json.loads(generated[docs.ASYNCAPI_FILE])
    assert set(asyncapi["channels"]["hours.confirmed"]["messages"]) == {
        "vms.hours.confirmed.v1",
        "vms.hours.confirmed.v2",
    }
    v2 = next(d for d in docs.event_docs() if d.event_type == "vms.hours.confirmed.v2")
    assert [f.name for f in v2.fields] == ["activity_id", "minutes", "confirmed_at", "note"]
    assert v2.fields[-1].description == "What the centre added." and not v2.fields[-1].required
    assert Draft202012Validator(v2.schema).is_valid(v2.example)
    problems = docs.stale_documents(DOCS_DIR)
    assert "schemas/vms.hours.confirmed.v2.json is missing" in problems


def test_an_event_without_a_docstring_is_refused() -> None:
    @event("hours", "noted", 1, aggregate="activity_id")
    class HoursNotedV1(Event):
        activity_id: UUID

    try:
        with pytest.raises(ValueError, match=r"vms\.hours\.noted\.v1 \(HoursNotedV1\) has no docstring"):
            docs.documents()
    finally:
        del EVENT_TYPES[HoursNotedV1.event_type]


def test_an_event_whose_example_cannot_be_made_says_which_field() -> None:
    @event("hours", "noted", 1, aggregate="activity_id")
    class HoursNotedV1(Event):
        """Something noted (for this test)."""

        activity_id: UUID
        code: str = Field(pattern=r"^N-[0-9]+$")

    try:
        with pytest.raises(ValueError, match=r"cannot make an example of vms\.hours\.noted\.v1"):
            docs.example_envelope(HoursNotedV1)
    finally:
        del EVENT_TYPES[HoursNotedV1.event_type]


# -- the command ---------------------------------------------------------------------------------------------------


def test_vms_docs_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events"
    page = tmp_path / docs.PERMISSIONS_FILE  # beside the events' folder, as docs/permissions.md is
    with pytest.raises(SystemExit) as stale:
        vms(["docs", "--check", "--out", str(out)])
    assert stale.value.code == 1
    said = capsys.readouterr()
    assert "run `vms docs" in said.err
    assert f"{tmp_path}/permissions.md is missing" in said.out

    with pytest.raises(SystemExit) as wrote:
        vms(["docs", "--out", str(out)])
    assert wrote.value.code == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(docs.documents())
    assert page.read_text(encoding="utf-8") == permissions_page()

    with pytest.raises(SystemExit) as fresh:
        vms(["docs", "--check", "--out", str(out)])
    assert fresh.value.code == 0

    page.write_text("# Everyone may do everything\n", encoding="utf-8")
    with pytest.raises(SystemExit) as edited:
        vms(["docs", "--check", "--out", str(out)])
    assert edited.value.code == 1
    assert f"{tmp_path}/permissions.md is out of date" in capsys.readouterr().out
    elsewhere = tmp_path / "elsewhere.md"
    with pytest.raises(SystemExit) as named:
        vms(["docs", "--out", str(out), "--permissions", str(elsewhere)])
    assert named.value.code == 0
    assert elsewhere.read_text(encoding="utf-8") == permissions_page()

    (out / docs.SCHEMAS_DIR / "vms.hours.gone.v1.json").write_text("{}")
    (out / docs.ASYNCAPI_FILE).write_text("{}")
    assert docs.stale_documents(out) == [
        "asyncapi.json is out of date",
        "schemas/vms.hours.gone.v1.json describes no event type of the code",
    ]
    assert docs.write_documents(out) == [("wrote", "asyncapi.json"), ("removed", "schemas/vms.hours.gone.v1.json")]
    assert docs.stale_documents(out) == []


# -- who may do what ------------------------------------------------------------------------------------------


SIGNS = {Access.ALLOWED: "allowed", Access.OWN: "own", Access.REFUSED: "–"}


def test_checked_in_permissions_page_matches_the_code() -> None:
    problems = docs.stale_page(PERMISSIONS_PAGE, permissions_page())
    assert not problems, (
        f"docs/permissions.md differs from what the permission matrix generates: {problems}. "
        "Run `.venv/bin/vms docs` from the repository root and commit the result."
    )


def test_the_page_prints_every_cell_of_the_matrix() -> None:
    rows = {
        line.split("|")[1].strip().strip("`"): [cell.strip() for cell in line.strip().strip("|").split("|")[1:]]
        for line in permissions_page().splitlines()
        if line.startswith("| `") and line.split("|")[1].strip().strip("`") in MATRIX
    }
    assert list(rows) == list(MATRIX), "every operation, in the matrix's order"
    for operation, permission in MATRIX.items():
        assert rows[operation] == [SIGNS[permission.access[role]] for role in COLUMNS], operation


def test_the_page_describes_every_role_and_how_the_actor_travels() -> None:
    page = permissions_page()
    words = " ".join(page.split())  # phrases as read, wherever a line was broken
    for role in COLUMNS:
        assert f"| `{role.value}` | {actor_token().role_names[role]} |" in page, role
    assert f"NATS header `{ACTOR_HEADER}`" in words
    assert f"valid for {TOKEN_LIFETIME} seconds" in words
    assert "Only the gateway's key may name a person" in words, "who may sign what, from vms_platform.actor"
    assert "`vms keys`" in words and "`VMS_ACTOR_PUBLIC_KEYS`" in words
    assert "envelope's attribute `actorid`" in words and "Never a name, phone or birth date" in words
    assert "Every read of personal data is an access record" in words


def test_the_page_words_the_rows_from_the_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who may consent and who reads access records are read from the matrix: change a cell and the page says so,
    and the checked-in copy is stale until `vms docs` runs."""
    page = " ".join(permissions_page().split())
    assert "`registry.set_consent` is open to `volunteer` (own scope) and to nobody else" in page
    assert (
        "Access records (`registry.list_access_records`) are read by `council_admin` (own scope), `central_admin`"
        in page
    )

    consent = MATRIX["registry.set_consent"]
    monkeypatch.setitem(
        MATRIX,
        "registry.set_consent",
        type(consent)(consent.operation, {**consent.access, Role.CENTRE_MANAGER: Access.OWN}),
    )
    changed = permissions_page()
    assert "open to `volunteer` (own scope), `centre_manager` (own scope) and to nobody else" in " ".join(
        changed.split()
    )
    assert "| `registry.set_consent` | – | own | own | – | – | – | – |" in changed
    assert docs.stale_page(PERMISSIONS_PAGE, changed) == ["permissions.md is out of date"]


def test_a_role_the_page_does_not_describe_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(docs.ROLE_SCOPES, Role.INTEGRATOR)
    with pytest.raises(ValueError, match=r"says nothing of the roles \['integrator'\]"):
        permissions_page()


# -- helpers ---------------------------------------------------------------------------------------------------


def _assert_refs_resolve(node: Any, root: dict[str, Any], where: str = "#") -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/"), f"{where}: only local references are expected, got {ref}"
            target: Any = root
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                assert isinstance(target, dict) and token in target, f"{where}: {ref} does not resolve"
                target = target[token]
        for key, value in node.items():
            _assert_refs_resolve(value, root, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _assert_refs_resolve(value, root, f"{where}/{i}")
