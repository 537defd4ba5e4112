import json

import pytest

from vms_contracts.envelope import EVENT_TYPES, Envelope, InvalidEvent, UnknownEventType, decode_event
from vms_contracts.events import HoursConfirmedV1, VolunteerRegisteredV1
from vms_contracts.subjects import Bus
from vms_platform.testing import hours_confirmed


def confirmed() -> HoursConfirmedV1:
    return hours_confirmed().data


def test_envelope_round_trip_keeps_type_and_data() -> None:
    envelope = Envelope.wrap(confirmed(), source="/vms/hours/test", region="11", causation_id="req-1")
    raw = envelope.to_json()
    doc = json.loads(raw)
    assert doc["specversion"] == "1.0"
    assert doc["type"] == "vms.hours.confirmed.v1"
    assert doc["subject"] == str(envelope.data.activity_id)
    assert doc["data"]["minutes"] == 210
    decoded = decode_event(raw, nats_subject="vms.11.hours.confirmed")
    assert decoded == envelope
    assert isinstance(decoded.data, HoursConfirmedV1)


def test_event_ids_are_uuid7_and_sortable() -> None:
    first = Envelope.wrap(confirmed(), source="s", region="11")
    second = Envelope.wrap(confirmed(), source="s", region="11")
    assert first.id.version == 7
    assert first.id < second.id


def test_subject_follows_region_and_event_name() -> None:
    envelope = Envelope.wrap(confirmed(), source="s", region="26")
    assert envelope.nats_subject(Bus()) == "vms.26.hours.confirmed"
    assert envelope.nats_subject(Bus("t1")) == "t1.26.hours.confirmed"


def test_legacy_region_code_is_normalized() -> None:
    envelope = Envelope.wrap(confirmed(), source="s", region="42")  # 강원도 before 2023-06-11
    assert envelope.region == "51"


def test_malformed_json_is_invalid() -> None:
    with pytest.raises(InvalidEvent, match="not JSON"):
        decode_event(b"{not json")


def test_non_object_is_invalid() -> None:
    with pytest.raises(InvalidEvent, match="JSON object"):
        decode_event(b"[1, 2]")


def test_unknown_version_names_the_known_ones() -> None:
    doc = json.loads(Envelope.wrap(confirmed(), source="s", region="11").to_json())
    doc["type"] = "vms.hours.confirmed.v9"
    with pytest.raises(
        UnknownEventType, match=r"unknown version v9 of vms\.hours\.confirmed.*knows vms\.hours\.confirmed\.v1"
    ):
        decode_event(json.dumps(doc).encode())


def test_unknown_type_is_rejected() -> None:
    doc = json.loads(Envelope.wrap(confirmed(), source="s", region="11").to_json())
    doc["type"] = "vms.hours.teleported.v1"
    with pytest.raises(UnknownEventType, match="unknown event type"):
        decode_event(json.dumps(doc).encode())


def test_missing_data_field_says_which() -> None:
    doc = json.loads(Envelope.wrap(confirmed(), source="s", region="11").to_json())
    del doc["data"]["minutes"]
    with pytest.raises(InvalidEvent, match=r"data\.minutes"):
        decode_event(json.dumps(doc).encode())


def test_event_on_the_wrong_subject_is_rejected() -> None:
    raw = Envelope.wrap(confirmed(), source="s", region="11").to_json()
    with pytest.raises(InvalidEvent, match=r"belongs on vms\.11\.hours\.confirmed"):
        decode_event(raw, nats_subject="vms.26.hours.confirmed")


def test_every_event_type_is_versioned_and_named_after_its_service() -> None:
    for type_, model in EVENT_TYPES.items():
        assert type_ == f"vms.{model.event_service}.{model.event_name}.v{model.event_version}"
        assert model.aggregate_field in model.model_fields


def test_volunteer_event_carries_no_resident_number() -> None:
    fields = set(VolunteerRegisteredV1.model_fields)
    assert not {f for f in fields if "resident" in f or "rrn" in f or "jumin" in f}


def test_a_value_of_the_wrong_json_type_is_refused_not_guessed_at() -> None:
    doc = json.loads(Envelope.wrap(confirmed(), source="s", region="11").to_json())
    doc["data"]["minutes"] = "210"
    with pytest.raises(InvalidEvent, match="minutes"):
        decode_event(json.dumps(doc).encode())
