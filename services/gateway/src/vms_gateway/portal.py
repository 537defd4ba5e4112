"""The web portal's pages. Text comes from the message catalogue, Korean first."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from vms_gateway import messages as _messages  # noqa: F401  (the texts used below)
from vms_platform.messages import text

router = APIRouter(include_in_schema=False)


def _both(code: str) -> str:
    t = text(code)
    return f'{escape(t.ko)}<br><small lang="en">{escape(t.en)}</small>'


@router.get("/", response_class=HTMLResponse)
async def home() -> str:
    title = text("PORTAL_TITLE")
    return f"""<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title.ko)}</title>
<style>
 body {{ font-family: system-ui, "Noto Sans KR", sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
        line-height: 1.6; color: #1f2933; }}
 h1 {{ font-size: 1.5rem; }} small {{ color: #52606d; }}
 nav a {{ display: inline-block; margin: 0 1rem .5rem 0; padding: .5rem .9rem; border: 1px solid #9aa5b1;
          border-radius: .4rem; text-decoration: none; color: inherit; }}
 footer {{ margin-top: 2rem; font-size: .9rem; border-top: 1px solid #e4e7eb; padding-top: 1rem; }}
</style>
</head>
<body>
<h1>{_both("PORTAL_TITLE")}</h1>
<p>{_both("PORTAL_INTRO")}</p>
<nav>
 <a href="/docs">{_both("PORTAL_API")}</a>
 <a href="/events">{_both("PORTAL_EVENTS")}</a>
 <a href="/api/v1/health">{_both("PORTAL_HEALTH")}</a>
</nav>
<footer>
 <h2>{_both("PORTAL_ABOUT")}</h2>
 <p>{_both("PORTAL_LEGAL_BASIS")}</p>
 <p>{_both("PORTAL_CONTACT")}</p>
</footer>
</body>
</html>"""
