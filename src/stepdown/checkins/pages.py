"""The chart's Check-ins tab, and staff entering a check-in on a client's behalf.

The same form (``checkins/_form.html``) serves the client's portal and this tab, so a
check-in read out over the phone asks exactly what the client would have been asked. A
refused form re-renders with every answer kept and the field named (422); success
redirects (303) with a flash saying whether the clinician was alerted. No JavaScript.

A flash is a signed cookie and never carries PHI, so it names no finding: the staff member
is told which kind of alert was raised, and a client who reported thoughts of self-harm
finds the crisis box (911, 988, their safety plan) on the portal's first page, which reads
it from the stored check-in (``portal/today.html``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from stepdown.chart import service as chart_service
from stepdown.chart import tabs
from stepdown.checkins import access, service
from stepdown.checkins.forms import TEXT_FIELDS, CheckInForm, draft_from
from stepdown.kit import bounds, clock
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "checkins"

tabs.register(
    TAB,
    "Check-ins",
    access.READ,
    template="checkins/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=80,
)


async def _form(request: Request) -> FormData:
    """The posted form, read once here so the routes themselves stay synchronous."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def posted(form: FormData) -> tuple[dict[str, str], list[str]]:
    """The text answers (trimmed) and the ticked situations, kept to re-fill the form.

    Text the database cannot store (a NUL, which PostgreSQL refuses) is refused here with
    the field named, before anything is written: the portal is open to every client.
    """
    values = {}
    for name in TEXT_FIELDS:
        raw = form.get(name, "")
        text = raw.strip() if isinstance(raw, str) else ""
        values[name] = bounds.parse_text(text, field=name)
    situations = [
        bounds.parse_text(s, field="risky_situations", max_length=bounds.LINE_MAX)
        for s in form.getlist("risky_situations")
        if isinstance(s, str)
    ]
    return values, situations


def zone_of(request: Request) -> ZoneInfo:
    """The program's time zone, which decides a check-in's day."""
    return clock.program_zone()


def _staff_outcome(submitted: service.Submitted) -> str:
    parts = ["Check-in recorded."]
    if submitted.crisis_alert is not None:
        parts.append(
            "An urgent crisis alert was raised for the primary clinician: "
            "a same-day safety assessment is needed."
        )
    elif submitted.crisis:
        parts.append(
            "The primary clinician already has an open crisis alert for today: "
            "a same-day safety assessment is needed."
        )
    if submitted.substance_alert is not None:
        parts.append("An urgent alert was raised for the primary clinician.")
    elif submitted.substance_triggers:
        parts.append("The primary clinician already has an open alert for today.")
    return " ".join(parts)


def outcome(submitted: service.Submitted, *, staff: bool) -> str:
    """The flash after a check-in: a client is told plainly that their clinician will call."""
    if staff:
        return _staff_outcome(submitted)
    if submitted.crisis:
        # The portal's first page shows the crisis box (role="alert") with 911 and 988.
        return "Thank you for telling us. Your clinician has been told and will contact you today."
    if submitted.triggers:
        return (
            "Thank you for telling us. Your clinician will contact you today. "
            "If you are in danger now, call 911, or call or text 988."
        )
    return "Thank you. Your check-in is saved."


def _tab_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    client_id: uuid.UUID,
    form: CheckInForm,
) -> Response:
    chart = chart_service.build(session, actor=actor, client_id=client_id, tab=TAB)
    context: dict[str, Any] = {
        "chart": chart,
        "tab": TAB,
        "tabs": chart_service.tabs_for(actor),
        "tab_template": "checkins/_chart_tab.html",
        "error": None,  # shown next to the form it belongs to instead
        "form": {},
        "checkin_form": form,
    }
    status = form.error.status_code if form.error else 200
    return render(request, "chart/chart.html", context, status_code=status)


@router.post("/clients/{client_id}/check-ins", response_class=HTMLResponse)
def record_for_client(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.RECORD)],
    submitted_form: PostedForm,
) -> Response:
    values, situations = posted(submitted_form)
    action = f"/clients/{client_id}/check-ins"
    nested = session.begin_nested()
    try:
        submitted = service.submit(
            session,
            actor=actor,
            client_id=client_id,
            draft=draft_from(values, situations),
            zone=zone_of(request),
        )
    except StepdownError as exc:
        nested.rollback()
        form = CheckInForm(action, values, situations, exc)
        return _tab_page(request, session, actor, client_id, form)
    nested.commit()
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(request, response, outcome(submitted, staff=True))
    return response
