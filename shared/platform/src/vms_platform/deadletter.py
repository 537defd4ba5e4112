"""Dead letters: messages a consumer could not handle, kept in the DEADLETTER stream with the reason, never
dropped. Each can be listed and replayed to its original subject once the cause is fixed; consumers that had
already handled it skip it by their inbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from vms_contracts.subjects import Bus
from vms_platform.logging import get_logger
from vms_platform.outbox import Publish

log = get_logger("vms.deadletter")

H_REASON = "Vms-Dead-Reason"
H_CONSUMER = "Vms-Dead-Consumer"
H_SUBJECT = "Vms-Original-Subject"
H_STREAM = "Vms-Original-Stream"
H_SEQUENCE = "Vms-Original-Sequence"
H_MSG_ID = "Vms-Original-Msg-Id"
H_DELIVERIES = "Vms-Deliveries"
H_AT = "Vms-Dead-At"


class Headers(Protocol):
    def get(self, key: str, default: Any = None, /) -> Any: ...


@dataclass(frozen=True)
class Delivery:
    """Where a message came from, as far as it can be told (a test broker's messages carry no metadata)."""

    stream: str | None
    sequence: int | None
    deliveries: int

    @classmethod
    def of(cls, msg: Msg) -> Delivery:
        try:
            meta = msg.metadata
        except Exception:
            return cls(None, None, 1)
        return cls(meta.stream, meta.sequence.stream, meta.num_delivered)


class DeadLetters:
    def __init__(self, bus: Bus, publish: Publish) -> None:
        self.bus = bus
        self.publish = publish
        self.stream = bus.stream_name("DEADLETTER")

    async def park(self, msg: Msg, *, consumer: str, reason: str) -> None:
        """Keep `msg` with `reason`; raises if JetStream did not take it (the message is then not acked)."""
        where = Delivery.of(msg)
        key = (
            f"{where.stream}:{where.sequence}"
            if where.sequence is not None
            else hashlib.sha256(msg.subject.encode() + b"\0" + msg.data).hexdigest()[:32]
        )
        headers = {
            H_REASON: reason[:1000].replace("\r", " ").replace("\n", " "),
            H_CONSUMER: consumer,
            H_SUBJECT: msg.subject,
            H_DELIVERIES: str(where.deliveries),
            H_AT: datetime.now(UTC).isoformat(),
        }
        if where.stream is not None:
            headers[H_STREAM] = where.stream
            headers[H_SEQUENCE] = str(where.sequence)
        original_id = (msg.headers or {}).get("Nats-Msg-Id")
        if original_id:
            headers[H_MSG_ID] = original_id
        await self.publish(
            self.bus.deadletter_subject(consumer),
            msg.data,
            msg_id=f"dead:{consumer}:{key}",
            stream=self.stream,
            headers=headers,
        )
        log.error("message parked as dead letter", consumer=consumer, subject=msg.subject, reason=reason)


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    consumer: str
    subject: str
    reason: str
    deliveries: int
    at: str
    data: bytes
    original_msg_id: str | None


async def list_dead_letters(js: JetStreamContext, bus: Bus, *, limit: int = 100) -> list[DeadLetter]:
    """The most recent dead letters, newest last."""
    stream = bus.stream_name("DEADLETTER")
    info = await js.stream_info(stream)
    found: list[DeadLetter] = []
    seq = info.state.last_seq
    while seq >= max(info.state.first_seq, 1) and len(found) < limit:
        try:
            raw = await js.get_msg(stream, seq)
        except NotFoundError:
            seq -= 1
            continue
        headers = raw.headers or {}
        found.append(
            DeadLetter(
                sequence=seq,
                consumer=headers.get(H_CONSUMER, ""),
                subject=headers.get(H_SUBJECT, ""),
                reason=headers.get(H_REASON, ""),
                deliveries=int(headers.get(H_DELIVERIES, "0")),
                at=headers.get(H_AT, ""),
                data=raw.data or b"",
                original_msg_id=headers.get(H_MSG_ID),
            )
        )
        seq -= 1
    return list(reversed(found))


async def replay_dead_letter(js: JetStreamContext, bus: Bus, sequence: int) -> str:
    """Publish dead letter `sequence` to its original subject again and remove it; returns that subject."""
    stream = bus.stream_name("DEADLETTER")
    raw = await js.get_msg(stream, sequence)
    headers = raw.headers or {}
    subject = headers.get(H_SUBJECT)
    if not subject:
        raise ValueError(f"dead letter {sequence} does not say where it came from")
    msg_id = f"{headers.get(H_MSG_ID) or 'unknown'}:replay:{sequence}"
    await js.publish(subject, raw.data or b"", headers={"Nats-Msg-Id": msg_id})
    await js.delete_msg(stream, sequence)
    return str(subject)
