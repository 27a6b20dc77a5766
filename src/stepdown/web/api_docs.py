"""The interactive API reference, served from vendored Swagger UI (no CDN, works offline)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from stepdown.security.actor import Actor
from stepdown.security.deps import open_route

SWAGGER = "/static/swagger-ui-5.35.0"
router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(_: Annotated[Actor | None, open_route("API reference (no data)")]) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="Stepdown API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
    )
