"""The client portal: phone-sized pages for one client's day, check-ins, week and goals.

Only the client role may open them (staff get 403), and every page shows only the
signed-in client's own record. Forms post and redirect; nothing needs JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.calendar import notices as calendar_notices
from stepdown.calendar import rules as calendar_rules
from stepdown.checkins import rules as checkins_rules
from stepdown.checkins import service as checkins_service
from stepdown.checkins.forms import CheckInForm, draft_from
from stepdown.checkins.pages import PostedForm, outcome, posted, zone_of
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.portal import access, service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
PortalClient = Annotated[Actor, allow(access.PORTAL)]
CHECK_IN = "/portal/check-in"

navigation.register("Check in", CHECK_IN, access.PORTAL, order=1)
navigation.register("My week", "/portal/schedule", access.PORTAL, order=2)
navigation.register("My check-ins", "/portal/history", access.PORTAL, order=4)


def _today(request: Request) -> date:
    """The program's calendar day now, which is the day a check-in made now belongs to."""
    return checkins_rules.local_day(utc_now(), zone_of(request))


@router.get("/portal", response_class=HTMLResponse)
def today(request: Request, session: DbSession, actor: PortalClient) -> Response:
    page = service.today_page(session, actor=actor, day=_today(request))
    notices = calendar_notices.unread(session, actor=actor)
    return render(request, "portal/today.html", {"page": page, "schedule_notices": notices})


@router.get(CHECK_IN, response_class=HTMLResponse)
def check_in_form(request: Request, session: DbSession, actor: PortalClient) -> Response:
    client = service.own_client(session, actor=actor)
    again = service.checked_in_on(session, actor=actor, client=client, day=_today(request))
    context = {"client": client, "cf": CheckInForm(CHECK_IN), "again": again}
    return render(request, "portal/check_in.html", context)


@router.post(CHECK_IN, response_class=HTMLResponse)
def check_in(
    request: Request, session: DbSession, actor: PortalClient, submitted_form: PostedForm
) -> Response:
    values, situations = posted(submitted_form)
    client = service.own_client(session, actor=actor)
    nested = session.begin_nested()
    try:
        submitted = checkins_service.submit(
            session,
            actor=actor,
            client_id=client.id,
            draft=draft_from(values, situations),
            zone=zone_of(request),
        )
    except StepdownError as exc:
        nested.rollback()
        form = CheckInForm(CHECK_IN, values, situations, exc)
        return render(
            request,
            "portal/check_in.html",
            {"client": client, "cf": form},
            status_code=exc.status_code,
        )
    nested.commit()
    response = RedirectResponse("/portal", status_code=303)
    flash.flash(request, response, outcome(submitted, staff=False))
    return response


@router.get("/portal/history", response_class=HTMLResponse)
def history(request: Request, session: DbSession, actor: PortalClient) -> Response:
    client, checkins = service.history_page(session, actor=actor, day=_today(request))
    return render(
        request,
        "portal/history.html",
        {
            "client": client,
            "checkins": checkins,
            "days": service.HISTORY_DAYS,
            "risky_labels": checkins_rules.RISKY_LABELS,
            "sleep_quality_labels": checkins_rules.SLEEP_QUALITY_LABELS,
        },
    )


@router.get("/portal/schedule", response_class=HTMLResponse)
def schedule(
    request: Request, session: DbSession, actor: PortalClient, week: str | None = None
) -> Response:
    day = _today(request)
    week_of = calendar_rules.parse_week(week, today=day)
    client, client_week = service.schedule_page(session, actor=actor, week_of=week_of)
    return render(
        request,
        "portal/schedule.html",
        {"client": client, "week": client_week, "today": day},
    )
