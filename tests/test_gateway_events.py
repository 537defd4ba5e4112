"""The gateway serves the event catalogue: a readable page at /events and, beside it, the same AsyncAPI document
and JSON Schemas as docs/events/, generated from the code it runs. No NATS is needed: these pages ask no
service anything."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from tests.accounts import gateway_settings
from vms_contracts import docs
from vms_contracts.envelope import EVENT_TYPES, Event, event
from vms_gateway import events_page
from vms_gateway.app import create_app

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs" / "events"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # ASGITransport does not run the app's lifespan, which would connect to NATS.
    app = create_app(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


def _plain(page: str) -> str:
    """The page's text without its tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


async def test_events_page_lists_every_event_in_korean_and_english(client: httpx.AsyncClient) -> None:
    response = await client.get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    text = _plain(page)
    assert "이벤트 목록 / Event catalogue" in text
    assert text.index("이벤트 목록") < text.index("Event catalogue")
    for doc in docs.event_docs():
        assert f'id="{doc.event_type}"' in page
        assert doc.pattern in text and doc.address in text and doc.stream in text
        assert " ".join(doc.description.replace("`", "").split()) in text
        for field in doc.fields:
            assert field.name in text
        assert f'href="/events/schemas/{doc.event_type}.json"' in page
    for attribute in ("specversion", "causationid", "correlationid", "datacontenttype"):
        assert attribute in text
    assert 'href="/events/asyncapi.json"' in page


async def test_every_link_on_the_page_answers(client: httpx.AsyncClient) -> None:
    page = (await client.get("/events")).text
    links = set(re.findall(r'href="(/events[^"#]*)"', page))
    assert len(links) == len(EVENT_TYPES) + 1
    for link in links:
        assert (await client.get(link)).status_code == 200, link


async def test_served_documents_are_the_checked_in_ones(client: httpx.AsyncClient) -> None:
    asyncapi = await client.get("/events/asyncapi.json")
    assert asyncapi.status_code == 200
    assert asyncapi.headers["content-type"].startswith("application/json")
    assert asyncapi.content == (DOCS_DIR / docs.ASYNCAPI_FILE).read_bytes()
    assert json.loads(asyncapi.content)["asyncapi"] == "3.0.0"
    for event_type in EVENT_TYPES:
        schema = await client.get(f"/events/schemas/{event_type}.json")
        assert schema.status_code == 200
        assert schema.content == (DOCS_DIR / docs.SCHEMAS_DIR / f"{event_type}.json").read_bytes()
        assert schema.json()["$id"] == f"urn:vms:schema:{event_type}"


async def test_an_unknown_event_type_is_a_404_in_the_usual_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/events/schemas/vms.hours.nothing.v1.json")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["kind"] == "not_found"
    assert error["message"] and error["message_en"]


@pytest.fixture
def event_with_markup() -> Iterator[str]:
    @event("hours", "noted", 1, aggregate="activity_id")
    class HoursNotedV1(Event):
        """A note <script>alert("x")</script> & more, with `code`."""

        activity_id: UUID
        remark: str | None = None
        """Free text <b>as typed</b>."""

    events_page._catalogue.cache_clear()
    try:
        yield HoursNotedV1.event_type
    finally:
        del EVENT_TYPES[HoursNotedV1.event_type]
        events_page._catalogue.cache_clear()


async def test_texts_from_the_models_are_escaped(event_with_markup: str, client: httpx.AsyncClient) -> None:
    page = (await client.get("/events")).text
    assert "<script>" not in page and "<b>as typed</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more, with <code>code</code>" in page
    assert "Free text &lt;b&gt;as typed&lt;/b&gt;." in page
    assert (await client.get(f"/events/schemas/{event_with_markup}.json")).status_code == 200
