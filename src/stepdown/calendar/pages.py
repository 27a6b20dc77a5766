"""The calendar pages: a week per site, room, staff member and client; the signed-in staff
member's own week with their feed; the chart's Schedule tab; and the feed itself.

Feed secrets are shown once, on the page that answers the form that made them, never put in
a redirect, a flash cookie or a log line.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.calendar import access, feeds, notices, rules, service
from stepdown.calendar.models import CalendarFeed
from stepdown.chart import tabs
from stepdown.disclosures import gate, outbound
from stepdown.disclosures.models import Channel
from stepdown.disclosures.responses import refused
from stepdown.kit import bounds
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, NotFound
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow, open_route
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Calendar", "/calendar", access.CALENDAR_READ, order=45)
tabs.register(
    "schedule",
    "Schedule",
    access.CLIENT_SCHEDULE,
    template="calendar/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(
        session,
        actor=actor,
        client=client,
        today=today(),
        can_manage_feed=access.CLIENT_FEED.allows(actor.role),
    ),
    order=50,
)


def _week_of(week: str) -> date:
    day = bounds.parse_day(week, field="week", what="the week")
    return rules.week_start(day or today())


def _week_page(
    request: Request, week: service.Week, *, path: str, kind: str, **extra: Any
) -> Response:
    return render(
        request,
        "calendar/week.html",
        {"week": week, "path": path, "kind": kind, "today": today(), **extra},
    )


@router.get("/calendar", response_class=HTMLResponse)
def index(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: str = "",
) -> Response:
    week_of = _week_of(week)
    return render(
        request,
        "calendar/index.html",
        {
            "week_of": week_of,
            "sites": programs_service.list_sites(session),
            "rooms": programs_service.rooms_by_site(session),
            "staff": security_service.staff_directory(session),
        },
    )


@router.get("/calendar/site/{site_code}", response_class=HTMLResponse)
def site_page(
    site_code: str,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: str = "",
) -> Response:
    site = programs_service.site_by_code(session, site_code)
    if site is None:
        raise NotFound(f"no site with code {site_code.strip().upper()!r}")
    found = service.site_week(session, actor=actor, site_id=site.id, week_of=_week_of(week))
    return _week_page(request, found, path=f"/calendar/site/{site.code}", kind="site")


@router.get("/calendar/room/{room_id}", response_class=HTMLResponse)
def room_page(
    room_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: str = "",
) -> Response:
    found = service.room_week(session, actor=actor, room_id=room_id, week_of=_week_of(week))
    return _week_page(request, found, path=f"/calendar/room/{room_id}", kind="room")


@router.get("/calendar/staff/{user_id}", response_class=HTMLResponse)
def staff_page(
    user_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: str = "",
) -> Response:
    found = service.staff_week(session, actor=actor, user_id=user_id, week_of=_week_of(week))
    return _week_page(request, found, path=f"/calendar/staff/{user_id}", kind="staff")


@router.get("/calendar/me", response_class=HTMLResponse)
def my_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.OWN_FEED)],
    week: str = "",
) -> Response:
    user_id = feeds.own_user_id(actor)
    found = service.staff_week(session, actor=actor, user_id=user_id, week_of=_week_of(week))
    feed = feeds.staff_feed(session, actor=actor)
    return _week_page(request, found, path="/calendar/me", kind="me", feed=feed)


@router.get("/calendar/client/{client_id}", response_class=HTMLResponse)
def client_page(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_SCHEDULE)],
    week: str = "",
) -> Response:
    found = service.client_week(session, actor=actor, client_id=client_id, week_of=_week_of(week))
    return _week_page(request, found, path=f"/calendar/client/{client_id}", kind="client")


def _created(
    request: Request, secret: str, feed: CalendarFeed, *, heading: str, back: str
) -> Response:
    url = request.app.state.settings.base_url + feeds.feed_path(secret)
    return render(
        request,
        "calendar/feed_created.html",
        {
            "heading": heading,
            "url": url,
            "webcal": rules.webcal_url(url),
            "feed": feed,
            "back": back,
        },
    )


def _local(next_path: str, default: str) -> str:
    """Only a path on this site, so the form cannot be used to send someone elsewhere."""
    path = next_path.strip()
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else default


@router.post("/calendar/me/feed", response_class=HTMLResponse)
def create_my_feed(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.OWN_FEED)]
) -> Response:
    secret, feed = feeds.create_staff_feed(session, actor=actor)
    return _created(request, secret, feed, heading="Your calendar feed", back="/calendar/me")


@router.post("/calendar/me/feed/revoke", response_class=HTMLResponse)
def revoke_my_feed(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.OWN_FEED)]
) -> Response:
    revoked = feeds.revoke_staff_feed(session, actor=actor)
    response = RedirectResponse("/calendar/me", status_code=303)
    flash.flash(
        request, response, "Feed revoked: its address no longer works." if revoked else "No feed."
    )
    return response


def _client_back(actor: Actor, client_id: uuid.UUID, next_path: str) -> str:
    default = "/" if actor.role is Role.CLIENT else f"/clients/{client_id}?tab=schedule"
    return _local(next_path, default)


@router.post("/calendar/feeds/client/{client_id}", response_class=HTMLResponse)
def create_client_feed(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_FEED)],
    next: Annotated[str, Form()] = "",
) -> Response:
    secret, feed = feeds.create_client_feed(session, actor=actor, client_id=client_id)
    heading = "Your calendar feed" if actor.role is Role.CLIENT else "The client's calendar feed"
    return _created(
        request, secret, feed, heading=heading, back=_client_back(actor, client_id, next)
    )


@router.post("/calendar/feeds/client/{client_id}/share", response_class=HTMLResponse)
def share_client_feed(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_FEED)],
    recipient: Annotated[str, Form()] = "",
) -> Response:
    """A feed of the client's schedule for a recipient their consent names; refused (403,
    with the reason) when no consent in force lets their attendance go there."""
    target = outbound.parse_target(recipient, None)
    if target.recipient_id is None or target.purpose is None:
        raise Invalid("choose who to share the schedule with", field="recipient")
    back = f"/clients/{client_id}?tab=schedule"
    try:
        secret, feed = feeds.share_client_feed(
            session,
            actor=actor,
            client_id=client_id,
            recipient_id=target.recipient_id,
            purpose=target.purpose,
        )
    except gate.DisclosureRefused as exc:
        return refused(request, exc, back=back)
    return _created(request, secret, feed, heading="A shared schedule feed", back=back)


@router.post("/calendar/feeds/client/{client_id}/revoke", response_class=HTMLResponse)
def revoke_client_feed(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_FEED)],
    next: Annotated[str, Form()] = "",
) -> Response:
    revoked = feeds.revoke_client_feed(session, actor=actor, client_id=client_id)
    response = RedirectResponse(_client_back(actor, client_id, next), status_code=303)
    flash.flash(
        request, response, "Feed revoked: its address no longer works." if revoked else "No feed."
    )
    return response


@router.post("/calendar/notices/{notice_id}/read", response_class=HTMLResponse)
def read_notice(
    notice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.NOTICES)],
    next: Annotated[str, Form()] = "",
) -> Response:
    """Set a "your schedule changed" notice aside and go back to the page it was on."""
    notices.mark_read(session, actor=actor, notice_id=notice_id)
    default = "/portal" if actor.role is Role.CLIENT else "/"
    return RedirectResponse(_local(next, default), status_code=303)


@router.get("/calendar/feeds/{secret}.ics")
def feed(
    secret: str,
    request: Request,
    session: DbSession,
    _: Annotated[
        Actor | None, open_route("calendar apps fetch the feed by its secret URL, not signed in")
    ],
    __: Annotated[None, outbound.gated(Channel.CALENDAR_FEED)],
) -> Response:
    settings = request.app.state.settings
    try:
        body = feeds.render_feed(
            session,
            secret=secret,
            program_name=request.app.state.program.current().name,
            zone=ZoneInfo(settings.timezone),
            now=utc_now(),
        )
    except gate.DisclosureRefused as exc:
        # Returned, not raised, so the refusal stays in the audit trail.
        return Response(exc.message, status_code=403, media_type="text/plain; charset=utf-8")
    return Response(body, media_type="text/calendar; charset=utf-8")
