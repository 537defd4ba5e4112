"""The client of the 1365 portal's record transfer (URL from `VMS_LINKAGE_PORTAL1365_URL`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID

import httpx

from vms_contracts.regions import REGIONS
from vms_linkage.domain import PortalAnswer, Unavailable, UnreadableAnswer, read_reply

SOURCE_SYSTEM = "VMS"
"""Who 1365 knows the records come from; with the activity id, the record's address on 1365."""


class PortalUnavailable(Exception):
    """1365 gave no answer about the record (network, timeout, 5xx, 429, …; see `domain.read_reply`): 1365 is
    unavailable, and the record waits until it is back."""


@dataclass(frozen=True)
class Record:
    activity_id: UUID
    name: str
    birth_date: date
    phone: str
    region: str
    activity_date: date
    start_time: time
    end_time: time
    minutes: int
    place: str
    content: str

    def to_wire(self) -> dict[str, Any]:
        region = REGIONS.get(self.region)
        return {
            "sourceSystem": SOURCE_SYSTEM,
            "sourceRecordId": str(self.activity_id),
            "volunteer": {
                "name": self.name,
                "birthDate": self.birth_date.strftime("%Y%m%d"),
                "mobile": self.phone.replace("-", ""),
            },
            "activity": {
                "actDate": self.activity_date.strftime("%Y%m%d"),
                "actBeginTm": self.start_time.strftime("%H%M"),
                "actEndTm": self.end_time.strftime("%H%M"),
                "actMinutes": self.minutes,
                "actPlace": self.place,
                "progrmCn": self.content,
                "sidoCd": region.code_1365 if region else None,
            },
        }


class Portal1365Client:
    def __init__(self, base_url: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def send(self, record: Record) -> PortalAnswer | UnreadableAnswer:
        """Offer one record. Returns 1365's answer, or an answer that could not be read (never raised: it is
        parked with its reason); raises `PortalUnavailable` when 1365 gave no answer about the record."""
        return await self._call("POST", "/api/v1/records", record.to_wire())

    async def correct(self, record: Record) -> PortalAnswer | UnreadableAnswer:
        """Replace the record 1365 holds with its corrected facts; answers and raises as `send`. 1365 answers
        `resultCode` 30 (HTTP 404) when it holds no such record."""
        return await self._call("PUT", _address(record.activity_id), record.to_wire())

    async def delete(self, activity_id: UUID) -> PortalAnswer | UnreadableAnswer:
        """Delete the record 1365 holds (it was cancelled); answers and raises as `send`. Deleting it again answers
        OK again; 1365 answers `resultCode` 30 (HTTP 404) when it never received it."""
        return await self._call("DELETE", _address(activity_id))

    async def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> PortalAnswer | UnreadableAnswer:
        try:
            response = await self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise PortalUnavailable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc
        reply = read_reply(response.status_code, response.text)
        if isinstance(reply, Unavailable):
            raise PortalUnavailable(reply.reason)
        return reply

    async def close(self) -> None:
        await self._http.aclose()


def _address(activity_id: UUID) -> str:
    return f"/api/v1/records/{SOURCE_SYSTEM}/{activity_id}"
