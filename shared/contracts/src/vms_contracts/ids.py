"""Ids: UUIDv7 (unique, sortable by creation time), and for what a region owns, the owner region inside the id.

Each region may run its own instance of a service (a regional council's registry, say), so a request about a
volunteer, a centre or an activity must reach the instance that owns it. The owner is written into the id when
it is made, as a sharded system writes its shard into its ids: the 12 bits UUIDv7 leaves to the implementation
(`rand_a`, RFC 9562 §5.7) hold a 5-bit marker and the 2-digit region code. The id stays a valid, time-ordered
UUIDv7 with 62 random bits per millisecond, and anyone holding it can tell where to ask, without a look-up:

    new_id("26")      → 019ad7c4-3f1e-7b1a-9c0d-…  (owner: region 26)
    region_of(that)   → "26"
"""

from __future__ import annotations

from uuid import UUID

import uuid_utils

from vms_contracts.regions import REGIONS

_MARKER = 0b10110
_RAND_A_SHIFT = 64
_RAND_A_MASK = 0xFFF << _RAND_A_SHIFT


def new_id(region: str | None = None) -> UUID:
    """A new UUIDv7; with `region`, one that names that region as its owner."""
    value = uuid_utils.uuid7().int
    if region is None:
        return UUID(int=value)
    if region not in REGIONS:
        raise ValueError(f"unknown region code {region!r}")
    rand_a = (_MARKER << 7) | int(region)
    return UUID(int=(value & ~_RAND_A_MASK) | (rand_a << _RAND_A_SHIFT))


def region_of(value: UUID) -> str | None:
    """The owner region written into `value` by `new_id(region)`, or None for an id that names none."""
    if value.version != 7:
        return None
    rand_a = (value.int >> _RAND_A_SHIFT) & 0xFFF
    if rand_a >> 7 != _MARKER:
        return None
    code = f"{rand_a & 0x7F:02d}"
    return code if code in REGIONS else None
