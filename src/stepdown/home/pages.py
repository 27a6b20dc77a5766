"""The home page: one template per staff role; a client's home is their portal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.calendar import notices as calendar_notices
from stepdown.home import access, service
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Home", "/", access.HOME, order=0)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.HOME)]
) -> Response:
    if actor.role is Role.CLIENT:
        return RedirectResponse("/portal", status_code=303)
    if actor.role is Role.GUARDIAN:
        return RedirectResponse("/family", status_code=303)
    context = service.home_context(session, actor=actor)
    context["schedule_notices"] = calendar_notices.unread(session, actor=actor)
    return render(request, f"home/{actor.role.value}.html", context)
