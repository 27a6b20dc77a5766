"""Rendering pages with the layout's shared context (caller, menu, CSRF token, flashes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from stepdown import __version__
from stepdown.kit import clock
from stepdown.security.actor import Actor
from stepdown.web import flash, navigation

TEMPLATE_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def _fmt_datetime(value: datetime | None) -> str:
    """A stored instant on the program's clock; the page names the zone once (base.html),
    so each time carries none."""
    return clock.local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _fmt_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def time_zone_note(actor: Actor | None) -> str:
    """The one line that says which clock a page's times are on: the zone's IANA name for
    staff, the city's name for clients and the public ("New York time"), and today's
    abbreviation."""
    zone = clock.program_zone().key
    abbreviation = clock.zone_abbreviation()
    if zone == abbreviation:  # "UTC": nothing more to say
        return f"Times are {abbreviation}."
    if actor is not None and actor.is_staff:
        return f"Times are {zone} ({abbreviation})."
    city = zone.rsplit("/", 1)[-1].replace("_", " ")  # clients and the public: plain words
    return f"Times are {city} time ({abbreviation})."


templates.env.filters["dt"] = _fmt_datetime
templates.env.filters["d"] = _fmt_date
templates.env.filters["dt_input"] = clock.input_value


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    actor = caller.actor if caller else None
    csrf_token = (caller.csrf_token if caller else None) or getattr(request.state, "anon_csrf", "")
    full: dict[str, Any] = {
        "actor": actor,
        "nav": navigation.items_for(actor.role) if actor else [],
        "csrf_token": csrf_token,
        "program": request.app.state.program.current(),
        "program_name": request.app.state.program.current().name,
        "version": __version__,
        "time_zone_note": time_zone_note(actor),
        "flashes": flash.read(request),
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    if request.cookies.get(flash.FLASH_COOKIE):
        flash.clear(request, response)
    return response
