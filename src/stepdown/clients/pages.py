"""Finding a client: search by name or record number."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from stepdown.clients import access, service
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Clients", "/clients", access.CLIENTS_READ, order=10)


@router.get("/clients", response_class=HTMLResponse)
def clients_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENTS_READ)],
    q: Annotated[str, Query(max_length=80)] = "",
    site: str = "",
) -> Response:
    sites = programs_service.list_sites(session)
    site_id = next((s.id for s in sites if str(s.id) == site), None)
    found = service.search_clients(session, actor=actor, query=q, site_id=site_id)
    return render(
        request,
        "clients/list.html",
        {"clients": found, "q": q, "site": site, "sites": {s.id: s for s in sites}},
    )
