"""The acknowledge form in the chart's alert banner.

The banner sits on every chart tab, so a refusal goes back to the tab it came from as an
error message rather than re-rendering that tab here.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from stepdown.alerts import access, service
from stepdown.chart import service as chart_service
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    alert_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ACKNOWLEDGE)],
    note: Annotated[str, Form()] = "",
    tab: Annotated[str, Form()] = "overview",
) -> Response:
    alert = service.get_alert(session, actor=actor, alert_id=alert_id)
    tab = tab if tab in dict(chart_service.TABS) else "overview"
    response = RedirectResponse(f"/clients/{alert.client_id}?tab={tab}", status_code=303)
    nested = session.begin_nested()
    try:
        service.acknowledge(session, actor=actor, alert_id=alert_id, note=note)
    except StepdownError as exc:
        nested.rollback()
        prefix = f"{exc.field.capitalize()}: " if exc.field else ""
        suffix = f" (rule: {exc.rule})" if exc.rule else ""
        flash.flash(request, response, f"{prefix}{exc.message}{suffix}", kind="error")
        return response
    nested.commit()
    flash.flash(request, response, "Alert acknowledged.")
    return response
