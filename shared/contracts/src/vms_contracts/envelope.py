"""The envelope every event travels in, with CloudEvents' attribute names (structured JSON mode).

`type` is `vms.<service>.<event>.v<N>` and names exactly one model in the catalogue (`EVENT_TYPES`);
`subject` is the id of the aggregate the event is about; `region`, `causationid`/`correlationid` and `actorid`
are extension attributes. A breaking change is a new model with the next version, published beside the old one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from vms_contracts.ids import new_id
from vms_contracts.regions import RegionCode
from vms_contracts.subjects import Bus


class Event(BaseModel):
    """Base of every event's `data`. Subclasses are registered with `@event(...)`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Prefixed so that no event field (a volunteer's `name`, say) can shadow them.
    event_service: ClassVar[str]
    event_name: ClassVar[str]
    """The subject tokens after the service: `confirmed`, `volunteer.registered`."""
    event_version: ClassVar[int]
    event_type: ClassVar[str]
    """`vms.<service>.<name>.v<version>`"""
    aggregate_field: ClassVar[str]
    """Name of the field that holds the aggregate id (the envelope's `subject`)."""

    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field))


EVENT_TYPES: dict[str, type[Event]] = {}

E = TypeVar("E", bound=Event)


def event(service: str, name: str, version: int, *, aggregate: str) -> Callable[[type[E]], type[E]]:
    """Register an event model under `vms.<service>.<name>.v<version>`."""

    def register(cls: type[E]) -> type[E]:
        type_ = f"vms.{service}.{name}.v{version}"
        if type_ in EVENT_TYPES:
            raise TypeError(f"event type {type_} is defined twice")
        if aggregate not in cls.model_fields:
            raise TypeError(f"{cls.__name__} has no field {aggregate!r} to use as subject")
        cls.event_service, cls.event_name, cls.event_version = service, name, version
        cls.event_type, cls.aggregate_field = type_, aggregate
        EVENT_TYPES[type_] = cls
        return cls

    return register


class Envelope(BaseModel, Generic[E]):
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: UUID
    type: str
    source: str = Field(min_length=1)
    time: AwareDatetime
    region: RegionCode
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    causationid: str | None = None
    correlationid: str | None = None
    actorid: str | None = None
    """Who caused it: the account id of the person whose request made the change, or `service:<name>`; None when
    no request did (a consumer reacting to another event). Never a name, phone or birth date."""
    data: E

    @classmethod
    def wrap(
        cls,
        data: E,
        *,
        source: str,
        region: str,
        causation_id: str | None = None,
        correlation_id: str | None = None,
        actor: str | None = None,
    ) -> Envelope[E]:
        return _concrete(type(data))(
            id=new_id(),
            type=data.event_type,
            source=source,
            time=datetime.now(UTC),
            region=region,
            subject=data.aggregate_id(),
            causationid=causation_id,
            correlationid=correlation_id,
            actorid=actor,
            data=data,
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    def nats_subject(self, bus: Bus) -> str:
        data_cls = type(self.data)
        return bus.event_subject(self.region, data_cls.event_service, data_cls.event_name)


_CONCRETE: dict[type[Event], type[Envelope[Any]]] = {}


def _concrete(data_type: type[E]) -> type[Envelope[E]]:
    """The envelope parametrized with the event's own class (pydantic serializes a field by its declared type),
    looked up once a class: `Envelope[X]` asks pydantic's cache every time, as long as validating the envelope."""
    concrete = _CONCRETE.get(data_type)
    if concrete is None:
        concrete = _CONCRETE[data_type] = Envelope[data_type]  # type: ignore[valid-type]
    return cast("type[Envelope[E]]", concrete)


class InvalidEvent(Exception):
    """A message that can never be handled as it is: it goes to the dead letters, with this reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnknownEventType(InvalidEvent):
    pass


class _TypeOnly(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str


_TYPE_FIELD = re.compile(rb'"type"\s*:\s*"([^"\\]+)"')
_ENVELOPES: dict[str, type[Envelope[Event]]] = {}


def decode_event(raw: bytes, *, nats_subject: str | None = None, bus: Bus | None = None) -> Envelope[Event]:
    """Parse and validate one event; `InvalidEvent` says exactly what is wrong with it.

    Each value must be of the JSON type its field declares (strict JSON still reads dates, times, datetimes and
    UUIDs from their strings, and enums from their values): anyone allowed to publish on an event subject can write
    an event, so a reader takes none on trust. Read leniently, a forged `consent.changed` with `"granted": "yes"`
    counted as consent given, and `"210"` as minutes.

    When `nats_subject` is given, the envelope must agree with the subject it arrived on, so that an event
    cannot claim another region or type than the one its subscribers selected it by.
    """
    envelope = _decode_as_announced(raw)
    if envelope is None:
        envelope = _decode(raw)
    if nats_subject is not None:
        expected = envelope.nats_subject(bus or Bus())
        if nats_subject != expected:
            raise InvalidEvent(
                f"{envelope.type} for region {envelope.region} belongs on {expected}, arrived on {nats_subject}"
            )
    return envelope


def _decode_as_announced(raw: bytes) -> Envelope[Event] | None:
    """The common case in one parse: validate against the model of the first `"type"` found in the text, and keep
    the result only if the envelope's own `type` is that one. None when that does not hold or anything is wrong
    (`_decode` then says exactly what)."""
    found = _TYPE_FIELD.search(raw)
    if found is None:
        return None
    type_ = found.group(1).decode(errors="replace")
    model = _envelope_model(type_)
    if model is None:
        return None
    try:
        envelope = model.model_validate_json(raw, strict=True)
    except ValidationError:
        return None
    return envelope if envelope.type == type_ else None


def _decode(raw: bytes) -> Envelope[Event]:
    try:
        type_ = _TypeOnly.model_validate_json(raw).type
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise InvalidEvent(f"not JSON: {error['msg']}") from None
        if error["type"] == "model_type":
            raise InvalidEvent("an event is a JSON object") from None
        raise InvalidEvent("the envelope has no 'type'") from None
    model = _envelope_model(type_)
    if model is None:
        raise UnknownEventType(_unknown_type_reason(type_))
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise InvalidEvent(f"{type_}: {_describe(exc)}") from None


def _envelope_model(type_: str) -> type[Envelope[Event]] | None:
    """`Envelope[<the event's model>]`, built once per type (pydantic's own lookup costs more than the parse)."""
    model = _ENVELOPES.get(type_)
    if model is None:
        event_model = EVENT_TYPES.get(type_)
        if event_model is None:
            return None
        model = _ENVELOPES[type_] = Envelope[event_model]  # type: ignore[valid-type]
    return model


def _unknown_type_reason(type_: str) -> str:
    base, _, version = type_.rpartition(".")
    known = sorted(t for t in EVENT_TYPES if t.rpartition(".")[0] == base)
    if known:
        return f"unknown version {version} of {base}; this consumer knows {', '.join(known)}"
    return f"unknown event type {type_!r}"


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(envelope)'}: {err['msg']}" for err in exc.errors())
