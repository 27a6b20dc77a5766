"""The accounting of disclosures as a page: printable for staff, and the client's own in
the portal. Producing it is audited (``accounting.account``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from stepdown.clients import service as clients_service
from stepdown.consents import access as consent_access
from stepdown.disclosures import accounting
from stepdown.kit import bounds
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, NotFound
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
PORTAL_PATH = "/portal/disclosures"
navigation.register("Who saw my records", PORTAL_PATH, consent_access.OWN, order=8)


def _page(
    request: Request,
    session: DbSession,
    actor: Actor,
    client_id: uuid.UUID,
    start: str | None,
    end: str | None,
    *,
    portal: bool,
) -> Response:
    context: dict[str, object] = {
        "form": {"start": start or "", "end": end or ""},
        "today": today(),
        "portal": portal,
        "client_id": client_id,
        "action": PORTAL_PATH if portal else f"/clients/{client_id}/disclosures",
        "text": accounting,
    }
    try:
        found = accounting.account(
            session,
            actor=actor,
            client_id=client_id,
            start=bounds.parse_day(start, field="from"),
            end=bounds.parse_day(end, field="to"),
            today=today(),
        )
    except Invalid as exc:
        context["error"] = exc
        return render(request, "disclosures/accounting.html", context, status_code=422)
    context["accounting"] = found
    return render(request, "disclosures/accounting.html", context)


@router.get("/clients/{client_id}/disclosures", response_class=HTMLResponse)
def staff_accounting(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(consent_access.READ)],
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """A client's accounting of disclosures, to print and give them on request."""
    return _page(request, session, actor, client_id, start, end, portal=False)


@router.get(PORTAL_PATH, response_class=HTMLResponse)
def own_accounting(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(consent_access.OWN)],
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """The client's own accounting: who received what from their record, when and why."""
    client = clients_service.own_record(session, actor=actor)
    if client is None:
        raise NotFound("no record is linked to this account")
    return _page(request, session, actor, client.id, start, end, portal=True)
