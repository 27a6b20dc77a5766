"""The acknowledge form in the chart's alert banner, and the notifications page.

The banner sits on every chart tab, so a refusal goes back to the tab it came from as an
error message rather than re-rendering that tab here.

``/notifications`` lists the urgent-alert notifications sent to the signed-in person (the
home page shows the unread ones), marks them read, keeps the number they get text messages
on, and shows a director the e-mails and text messages that did not go out.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.alerts import access, notify, service
from stepdown.chart import service as chart_service
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Notifications", "/notifications", access.NOTIFICATIONS, order=5)


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


def _notifications_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    phone: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    now = utc_now()
    context = {
        "rows": notify.inbox(session, actor=actor),
        "phone": notify.phone_of(session, actor=actor) if phone is None else phone,
        "errors": errors or {},
        "problems": notify.delivery_problems(session, actor=actor, now=now)
        if access.DELIVERIES.allows(actor.role)
        else None,
        "problem_days": notify.PROBLEMS_DAYS,
    }
    return render(request, "alerts/notifications.html", context, status_code=status_code)


@router.get("/notifications", response_class=HTMLResponse)
def notifications(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.NOTIFICATIONS)]
) -> Response:
    return _notifications_page(request, session, actor)


@router.post("/notifications/read")
def mark_all_read(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.NOTIFICATIONS)]
) -> Response:
    count = notify.mark_read(session, actor=actor, now=utc_now())
    response = RedirectResponse("/notifications", status_code=303)
    flash.flash(request, response, f"{count} notification(s) marked read.")
    return response


@router.post("/notifications/{notification_id}/read")
def mark_one_read(
    notification_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.NOTIFICATIONS)],
) -> Response:
    notify.mark_read(session, actor=actor, now=utc_now(), notification_id=notification_id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/phone")
def set_phone(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.NOTIFICATIONS)],
    phone: Annotated[str, Form()] = "",
) -> Response:
    nested = session.begin_nested()
    try:
        stored = notify.set_phone(session, actor=actor, phone=phone, now=utc_now())
    except StepdownError as exc:
        nested.rollback()
        return _notifications_page(
            request,
            session,
            actor,
            phone=phone,
            errors={exc.field or "phone": exc.message},
            status_code=422,
        )
    nested.commit()
    response = RedirectResponse("/notifications", status_code=303)
    message = f"Text messages will go to {stored}." if stored else "Text messages are off."
    flash.flash(request, response, message)
    return response
