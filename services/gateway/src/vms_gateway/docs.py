"""`/docs` (Swagger UI), loading everything from the gateway itself.

The system runs on closed government networks, where a page that fetches its scripts from a CDN stays blank. The
scripts and styles come from the `fastapi-offline` package, which ships the distribution files of Swagger UI, and
are served under `/docs/assets/`. There is no ReDoc page: its script loads its logo from cdn.redoc.ly.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

ASSETS_PREFIX = "/docs/assets"
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
"""The files the page loads, by name, with their media types."""


def _asset_dir() -> Path:
    # An installed package is a folder on disk (never a zip here), so the path stays valid.
    return Path(str(files("fastapi_offline") / "static"))


def router(app: FastAPI) -> APIRouter:
    docs = APIRouter(include_in_schema=False)
    folder = _asset_dir()
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"

    @docs.get("/docs", response_class=HTMLResponse)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — Swagger UI",
            swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PREFIX}/favicon.png",
            oauth2_redirect_url=None,
            # Swagger UI would otherwise send the document to an online validator and show its badge.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @docs.get(ASSETS_PREFIX + "/{name}")
    async def asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404)  # answered in the gateway's error shape, as every unknown address
        # The files change only with the package's version; a day's caching spares a closed network the 2.7 MB.
        return FileResponse(folder / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})

    return docs
