"""Finding a client, and correcting the details on their record."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from stepdown.clients import access, service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientDetails
from stepdown.kit import bounds
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
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


DETAIL_FIELDS = tuple(ClientDetails.model_fields)


def _values(client: Client) -> dict[str, Any]:
    return {field: getattr(client, field) for field in DETAIL_FIELDS}


def _edit_page(
    request: Request,
    client: Client,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "clients/edit.html",
        {"client": client, "values": values, "errors": errors},
        status_code=status_code,
    )


@router.get("/clients/{client_id}/edit", response_class=HTMLResponse)
def edit_page(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENTS_EDIT)],
) -> Response:
    client = service.get_client(session, actor=actor, client_id=client_id)
    return _edit_page(request, client, _values(client), {})


@router.post("/clients/{client_id}/edit", response_class=HTMLResponse)
async def save_details(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENTS_EDIT)],
) -> Response:
    data = await request.form()
    form = {
        field: bounds.parse_text(str(data.get(field, "")), field=field, max_length=1000).strip()
        for field in DETAIL_FIELDS
    }
    try:
        details = ClientDetails.model_validate(form)
        client = service.update_details(session, actor=actor, client_id=client_id, data=details)
    except ValidationError as exc:
        errors = {
            str(e["loc"][0]): str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()
        }
        client = service.get_client(session, actor=actor, client_id=client_id)
        return _edit_page(request, client, form, errors, 422)
    except StepdownError as exc:
        session.rollback()
        client = service.get_client(session, actor=actor, client_id=client_id)
        return _edit_page(
            request, client, form, {exc.field or "form": exc.message}, exc.status_code
        )
    response = RedirectResponse(f"/clients/{client.id}", status_code=303)
    flash.flash(request, response, "Details saved.")
    return response
