"""The client of the 1365 portal's record transfer (URL from `VMS_LINKAGE_PORTAL1365_URL`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID

import httpx

from vms_contracts.regions import REGIONS
from vms_linkage.domain import PortalAnswer


class PortalUnavailable(Exception):
    """1365 did not give an answer (network, timeout, 5xx): the record is tried again later."""


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
            "sourceSystem": "VMS",
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

    async def send(self, record: Record) -> PortalAnswer:
        try:
            response = await self._http.post("/api/v1/records", json=record.to_wire())
        except httpx.HTTPError as exc:
            raise PortalUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise PortalUnavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            return PortalAnswer(False, f"HTTP{response.status_code}", response.text[:500])
        body = response.json()
        code = str(body.get("resultCode", ""))
        return PortalAnswer(code == "00", code, str(body.get("resultMsg", "")), body.get("recordNo"))

    async def close(self) -> None:
        await self._http.aclose()
