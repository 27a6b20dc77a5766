"""The audit trail page for directors and administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from stepdown.audit import access, service
from stepdown.audit.models import AuditAction
from stepdown.audit.schemas import AuditFilter
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Audit trail", "/audit", access.AUDIT_READ, order=95)

FILTER_FIELDS = ("username", "client_id", "action", "date_from", "date_to", "before_seq")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.AUDIT_READ)]
) -> Response:
    raw = {k: v for k in FILTER_FIELDS if (v := request.query_params.get(k, "").strip())}
    errors: dict[str, str] = {}
    try:
        criteria = AuditFilter.model_validate(raw)
    except ValidationError as exc:
        errors = {str(err["loc"][0]): err["msg"] for err in exc.errors()}
        criteria = AuditFilter()
    entries = [] if errors else service.search(session, actor=actor, criteria=criteria)
    older = entries[-1].seq if len(entries) == criteria.limit else None
    return render(
        request,
        "audit/list.html",
        {
            "entries": entries,
            "values": raw,
            "errors": errors,
            "actions": list(AuditAction),
            "older": older,
        },
        status_code=422 if errors else 200,
    )
