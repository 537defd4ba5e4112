"""The contracts hold together: subjects, streams, consumers, the message catalogue."""

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import pytest
from faststream.nats.schemas.js_stream import is_subject_match_wildcard
from pydantic_core import PydanticCustomError

from vms_contracts.envelope import EVENT_TYPES
from vms_contracts.errors import ErrorKind
from vms_contracts.events import RETIRED
from vms_contracts.regions import REGIONS, UnknownRegion, normalize_region
from vms_contracts.streams import STREAMS
from vms_contracts.subjects import SERVICES, Bus
from vms_contracts.types import normalize_phone
from vms_platform import errors
from vms_platform.clock import months_before
from vms_platform.jetstream import CONSUMERS
from vms_platform.messages import CATALOGUE, format_minutes
from vms_platform.rpc import ServiceTimeout, ServiceUnavailable

BUS = Bus()


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(all_subclasses(c) for c in found)) if found else found


def test_streams_never_capture_request_reply_subjects() -> None:
    """JetStream would otherwise store requests and answer them in the service's place."""
    for spec in STREAMS.values():
        for pattern in spec.subjects(BUS):
            for service in SERVICES:
                assert not is_subject_match_wildcard(BUS.rpc_subject("11", service, "get_total"), pattern)


def test_streams_do_not_overlap() -> None:
    patterns = [(s.base_name, p) for s in STREAMS.values() for p in s.subjects(BUS)]
    for name, pattern in patterns:
        for other_name, other in patterns:
            if name != other_name:
                assert not is_subject_match_wildcard(pattern.replace("*", "11"), other)


def test_every_consumer_reads_events_its_stream_holds() -> None:
    event_subjects = [BUS.event_subject("11", m.event_service, m.event_name) for m in EVENT_TYPES.values()]
    for consumer in CONSUMERS.values():
        stream = STREAMS[consumer.stream]
        read = [s for s in event_subjects if is_subject_match_wildcard(s, consumer.filter_subject(BUS))]
        assert read, consumer
        for subject in read:
            assert any(is_subject_match_wildcard(subject, p) for p in stream.subjects(BUS)), (consumer, subject)
        assert "." not in consumer.durable
        assert consumer.durable.split("-")[0] in SERVICES


def test_stream_names_are_namespaced_outside_production() -> None:
    assert BUS.stream_name("HOURS") == "HOURS"
    assert Bus("t1a2b").stream_name("HOURS") == "T1A2B_HOURS"


def test_every_domain_error_has_a_catalogue_text() -> None:
    import vms_gateway.portal  # noqa: F401
    import vms_hours.domain  # noqa: F401
    import vms_linkage.domain  # noqa: F401
    import vms_registry.domain  # noqa: F401

    for cls in all_subclasses(errors.DomainError):
        assert cls.code in CATALOGUE, cls
    assert ServiceTimeout.code in CATALOGUE
    assert ServiceUnavailable.code in CATALOGUE


def test_error_kinds_map_to_http_status() -> None:
    assert set(errors.HTTP_STATUS) == set(ErrorKind)
    assert ServiceTimeout(service="rewards").body().message == "rewards 서비스가 제시간에 응답하지 않았습니다."
    assert errors.HTTP_STATUS[ServiceTimeout.kind] == 504


@pytest.mark.parametrize(
    ("minutes", "ko", "en"),
    [(210, "3시간 30분", "3 h 30 min"), (240, "4시간", "4 h"), (45, "45분", "45 min"), (0, "0시간", "0 h")],
)
def test_minutes_are_shown_as_hours_and_minutes(minutes: int, ko: str, en: str) -> None:
    assert format_minutes(minutes) == (ko, en)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("01012345678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("0212345678", "02-1234-5678"),
        ("031-123-4567", "031-123-4567"),
    ],
)
def test_phone_numbers_are_normalized(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


def test_bad_phone_number_is_refused_with_its_rule_in_both_languages() -> None:
    with pytest.raises(PydanticCustomError) as refused:
        normalize_phone("12345")
    assert refused.value.type == "phone_format"
    assert CATALOGUE["FIELD_phone_format"].ko.startswith("전화번호")
    assert "phone" in CATALOGUE["FIELD_phone_format"].en


def test_seventeen_regions_and_legacy_codes() -> None:
    assert len([c for c in REGIONS if c != "00"]) == 17
    assert normalize_region("45") == "52"
    with pytest.raises(UnknownRegion):
        normalize_region("99")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 5, 31), 3, date(2026, 2, 28)),
        (date(2026, 1, 15), 3, date(2025, 10, 15)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
    ],
)
def test_months_before_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


# -- events carry the minimum ------------------------------------------------------------------------------------

PERSONAL_WORDS = {"name", "phone", "mobile", "tel", "address", "addr", "birth", "email", "resident", "rrn", "jumin"}
"""Words in a field's name that say it holds something about a person (DESIGN: events carry the minimum)."""

ORGANISATION_FIELDS = {
    # A management centre is an organisation: its name and office number are what it publishes about itself.
    ("vms.registry.centre.registered.v1", "name"),
    ("vms.registry.centre.registered.v1", "phone"),
    ("vms.hours.confirmed.v1", "centre_name"),
}


def field_paths(schema: Mapping[str, Any], defs: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every field of an event's data, nested ones as `outer.inner`."""
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path
        for option in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            ref = option.get("$ref")
            if isinstance(ref, str):
                yield from field_paths(defs[ref.rsplit("/", 1)[-1]], defs, f"{path}.")


def test_no_event_carries_a_persons_details() -> None:
    found = []
    for type_, model in EVENT_TYPES.items():
        schema = model.model_json_schema(mode="serialization")
        for path in field_paths(schema, schema.get("$defs", {})):
            words = set(path.replace(".", "_").lower().split("_"))
            if words & PERSONAL_WORDS and (type_, path) not in ORGANISATION_FIELDS:
                found.append(f"{type_}: {path}")
    assert not found, "events carry ids and what happened; ask the registry for a person's details"


def test_retired_event_types_name_their_successor() -> None:
    for retired, successor in RETIRED.items():
        assert retired in EVENT_TYPES and successor in EVENT_TYPES and successor not in RETIRED
        old, new = EVENT_TYPES[retired], EVENT_TYPES[successor]
        assert (old.event_service, old.event_name) == (new.event_service, new.event_name)
        assert old.event_version < new.event_version
