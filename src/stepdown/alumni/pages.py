"""The alumni pages: the events calendar by month, an event with who is coming, mentor
suggestions for a client, the chart's "Alumni & mentoring" tab, and the client's own page.

Forms post and come back where they were sent from (a local path in ``next``), saying what
happened; a refused form changes nothing and names the field. Times are entered and shown
in the program's time zone and stored in UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.alumni import access, rules, service
from stepdown.alumni.models import Interest, MentorshipStatus, RsvpStatus
from stepdown.alumni.schemas import EventInput, VolunteerProfile
from stepdown.chart import tabs
from stepdown.continuum.models import Track
from stepdown.kit import bounds, clock
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "alumni"
navigation.register("Alumni", "/alumni", access.READ, order=42)
navigation.register("Alumni", "/alumni/mine", access.MINE, order=8)
tabs.register(
    TAB,
    "Alumni & mentoring",
    access.READ,
    template="alumni/_chart_tab.html",
    build=lambda session, actor, client: service.chart_section(session, actor=actor, client=client),
    order=95,
)

Reader = Annotated[Actor, allow(access.READ)]
Organizer = Annotated[Actor, allow(access.EVENTS)]
Arranger = Annotated[Actor, allow(access.ARRANGE)]
Party = Annotated[Actor, allow(access.PARTY)]
Form = dict[str, str]
Multi = dict[str, list[str]]


async def _form(request: Request) -> tuple[Form, Multi]:
    """Single values trimmed, and every value of repeated fields (check boxes)."""
    data = await request.form()
    single = {k: v.strip() for k, v in data.items() if isinstance(v, str)}
    multi = {k: [v for v in data.getlist(k) if isinstance(v, str)] for k in data}
    return single, multi


def _min_days(request: Request) -> int:
    days: int = request.app.state.settings.mentor_min_recovery_days
    return days


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _message(exc: StepdownError) -> str:
    prefix = f"{exc.field.replace('_', ' ').capitalize()}: " if exc.field else ""
    suffix = f" (rule: {exc.rule})" if exc.rule else ""
    return f"{prefix}{exc.message}{suffix}"


def _next(form: Form, actor: Actor) -> str:
    """Back where the form came from: a local path only, never another site."""
    if actor.role is Role.CLIENT:
        return "/alumni/mine"
    target = form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/alumni"


def _tab(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _run(request: Request, session: Session, target: str, action: Callable[[], str]) -> Response:
    """Do one change in a savepoint and go back, saying what happened."""
    response = RedirectResponse(target, status_code=303)
    nested = session.begin_nested()
    try:
        message = action()
    except StepdownError as exc:
        nested.rollback()
        flash.flash(request, response, _message(exc), kind="error")
        return response
    nested.commit()
    flash.flash(request, response, message)
    return response


def _fmt(moment: datetime) -> str:
    """An event's start or end as people read a calendar: "Tue Jul 14, 18:00", on the
    program's clock."""
    return clock.local(moment).strftime("%a %b %d, %H:%M")


def _month(value: str, zone: ZoneInfo) -> date:
    if not value:
        return datetime.now(zone).date().replace(day=1)
    try:
        first = date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Invalid("give the month as YYYY-MM", field="month") from None
    return bounds.check_day(first, field="month")


# ---- the calendar and events ------------------------------------------------------------


@router.get("/alumni", response_class=HTMLResponse)
def index(request: Request, session: DbSession, actor: Reader, month: str = "") -> Response:
    """One month of events by day, with head counts and waitlists; volunteers; open
    mentorships."""
    zone = clock.program_zone()
    first = _month(month, zone)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    events = service.list_events(
        session,
        actor=actor,
        start=datetime.combine(first, time(), zone),
        end=datetime.combine(following, time(), zone),
    )
    days: dict[date, list[service.EventView]] = {}
    for view in events:
        days.setdefault(view.event.starts_at.astimezone(zone).date(), []).append(view)
    return render(
        request,
        "alumni/index.html",
        {
            "month": first,
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "days": sorted(days.items()),
            "volunteers": service.list_volunteers(
                session, actor=actor, min_recovery_days=_min_days(request)
            ),
            "mentorships": service.list_mentorships(session, actor=actor),
            "sites": programs_service.list_sites(session),
            "can_manage": access.EVENTS.allows(actor.role),
            "fmt": _fmt,
            "refusal_text": rules.REFUSAL_TEXT,
            "min_days": _min_days(request),
        },
    )


def _event_input(form: Form) -> EventInput:
    capacity = bounds.parse_optional_int(form.get("capacity", ""), field="capacity", ge=1)
    site = form.get("site_id", "")
    return EventInput.model_construct(
        site_id=_uuid(site, "site_id") if site else None,
        title=form.get("title", ""),
        description=form.get("description", ""),
        starts_at=clock.parse_local(form.get("starts_at", ""), field="starts_at"),
        ends_at=clock.parse_local(form.get("ends_at", ""), field="ends_at"),
        place=form.get("place", ""),
        link=form.get("link", ""),
        capacity=capacity,
    )


def _known_site(session: Session, data: EventInput) -> None:
    """An unknown site is a form error naming the field, not a broken foreign key."""
    if data.site_id is not None:
        programs_service.require_site_by_id(session, data.site_id, "site_id")


@router.post("/alumni/events")
async def create_event(request: Request, session: DbSession, actor: Organizer) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        data = _event_input(form)
        _known_site(session, data)
        event = service.create_event(session, actor=actor, data=data)
        return f"Event “{event.title}” added."

    return _run(request, session, _next(form, actor), act)


@router.get("/alumni/events/{event_id}", response_class=HTMLResponse)
def event_page(
    event_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    view = service.get_event(session, actor=actor, event_id=event_id)
    return render(
        request,
        "alumni/event.html",
        {
            "v": view,
            "going": [a for a in view.attendees if a.rsvp.status is RsvpStatus.GOING],
            "waiting": [a for a in view.attendees if a.rsvp.status is RsvpStatus.WAITLISTED],
            "sites": programs_service.list_sites(session),
            "can_manage": access.EVENTS.allows(actor.role),
            "fmt": _fmt,
        },
    )


@router.post("/alumni/events/{event_id}")
async def update_event(
    event_id: uuid.UUID, request: Request, session: DbSession, actor: Organizer
) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        data = _event_input(form)
        _known_site(session, data)
        service.update_event(session, actor=actor, event_id=event_id, data=data)
        return "Event changed."

    return _run(request, session, f"/alumni/events/{event_id}", act)


@router.post("/alumni/events/{event_id}/cancel")
def cancel_event(
    event_id: uuid.UUID, request: Request, session: DbSession, actor: Organizer
) -> Response:
    def act() -> str:
        service.cancel_event(session, actor=actor, event_id=event_id)
        return "Event cancelled."

    return _run(request, session, f"/alumni/events/{event_id}", act)


def _person(session: Session, actor: Actor, form: Form) -> uuid.UUID:
    """The client answering: a client is always themselves, whatever the form says."""
    if actor.role is Role.CLIENT:
        own = service.own_client(session, actor)
        if own is None:
            raise Invalid("your account is not linked to a client record", field="client_id")
        return own.id
    return _uuid(form.get("client_id", ""), "client_id")


@router.post("/alumni/events/{event_id}/rsvp")
async def rsvp(event_id: uuid.UUID, request: Request, session: DbSession, actor: Party) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        answer = service.rsvp(
            session, actor=actor, event_id=event_id, client_id=_person(session, actor, form)
        )
        if answer.status is RsvpStatus.GOING:
            return "Signed up: a place is kept."
        return "The event is full: on the waitlist, and moved up if a place frees."

    return _run(request, session, _next(form, actor), act)


@router.post("/alumni/events/{event_id}/rsvp/cancel")
async def cancel_rsvp(
    event_id: uuid.UUID, request: Request, session: DbSession, actor: Party
) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        service.cancel_rsvp(
            session, actor=actor, event_id=event_id, client_id=_person(session, actor, form)
        )
        return "Answer taken back."

    return _run(request, session, _next(form, actor), act)


# ---- volunteers, suggestions and mentorships ----------------------------------------------


@router.get("/alumni/clients/{client_id}/mentors", response_class=HTMLResponse)
def mentors(client_id: uuid.UUID, request: Request, session: DbSession, actor: Reader) -> Response:
    """Suggested mentors for a client stepping down; the chart tab shows this part."""
    found = service.suggest_mentors(
        session, actor=actor, client_id=client_id, min_recovery_days=_min_days(request)
    )
    return render(
        request,
        "alumni/mentors.html",
        {
            "s": found,
            "can_arrange": access.ARRANGE.allows(actor.role),
            "labels": {i.value: i.label for i in Interest},
            "back": _tab(client_id),
        },
    )


@router.post("/alumni/clients/{client_id}/interests")
async def mentee_interests(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Arranger
) -> Response:
    form, multi = await _form(request)

    def act() -> str:
        service.set_mentee_interests(
            session,
            actor=actor,
            client_id=client_id,
            interests=multi.get("interests", []),
            tags=rules.parse_tags(form.get("tags", "")),
        )
        return "Interests saved; suggestions use them."

    return _run(request, session, _tab(client_id), act)


def _profile(form: Form, multi: Multi) -> VolunteerProfile:
    start = bounds.require_day(form.get("recovery_start", ""), field="recovery_start")
    limit = bounds.parse_int(
        form.get("max_mentees", ""), field="max_mentees", ge=1, le=rules.MAX_MENTEES, default=2
    )
    try:
        interests = [Interest(i) for i in multi.get("interests", [])]
        tracks = [Track(t) for t in multi.get("tracks", [])]
    except ValueError:
        raise Invalid("choose from the list", field="interests") from None
    return VolunteerProfile.model_construct(
        recovery_start=start,
        interests=interests,
        tags=rules.parse_tags(form.get("tags", "")),
        site_ids=[_uuid(s, "site_ids") for s in multi.get("site_ids", [])],
        tracks=tracks,
        max_mentees=limit,
        active=form.get("active", "yes") == "yes",
    )


@router.post("/alumni/clients/{client_id}/volunteer")
async def enrol(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Arranger
) -> Response:
    form, multi = await _form(request)

    def act() -> str:
        service.enrol_volunteer(
            session,
            actor=actor,
            client_id=client_id,
            data=_profile(form, multi),
            consent=form.get("consent") == "yes",
        )
        return "Enrolled as an alumni volunteer, with their consent."

    return _run(request, session, _tab(client_id), act)


@router.post("/alumni/volunteers/{volunteer_id}")
async def update_volunteer(
    volunteer_id: uuid.UUID, request: Request, session: DbSession, actor: Arranger
) -> Response:
    form, multi = await _form(request)

    def act() -> str:
        service.update_volunteer(
            session, actor=actor, volunteer_id=volunteer_id, data=_profile(form, multi)
        )
        return "Volunteer details saved."

    return _run(request, session, _next(form, actor), act)


@router.post("/alumni/volunteers/{volunteer_id}/consent")
async def volunteer_consent(
    volunteer_id: uuid.UUID, request: Request, session: DbSession, actor: Arranger
) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        if form.get("consent") != "yes":
            raise Invalid("confirm that the alumnus consented", field="consent")
        service.record_volunteer_consent(session, actor=actor, volunteer_id=volunteer_id)
        return "Consent to mentor recorded."

    return _run(request, session, _next(form, actor), act)


@router.post("/alumni/volunteers/{volunteer_id}/withdraw")
async def volunteer_withdraw(
    volunteer_id: uuid.UUID, request: Request, session: DbSession, actor: Party
) -> Response:
    form, _ = await _form(request)

    def act() -> str:
        service.withdraw_volunteer_consent(session, actor=actor, volunteer_id=volunteer_id)
        return "Consent to mentor withdrawn: no new matches, and open mentorships are closed."

    return _run(request, session, _next(form, actor), act)


@router.post("/alumni/mentorships")
async def propose(request: Request, session: DbSession, actor: Arranger) -> Response:
    form, _ = await _form(request)
    client_id = _uuid(form.get("client_id", ""), "client_id")

    def act() -> str:
        service.propose_mentorship(
            session,
            actor=actor,
            client_id=client_id,
            volunteer_id=_uuid(form.get("volunteer_id", ""), "volunteer_id"),
            min_recovery_days=_min_days(request),
        )
        return "Mentorship proposed: it starts when both have consented."

    return _run(request, session, _tab(client_id), act)


@router.post("/alumni/mentorships/{mentorship_id}/consent/{side}")
async def mentorship_consent(
    mentorship_id: uuid.UUID, side: str, request: Request, session: DbSession, actor: Party
) -> Response:
    """A client consents for themselves; staff record consent given in front of them."""
    form, _ = await _form(request)

    def act() -> str:
        if side == "mentee":
            consent = service.consent_as_mentee
        elif side == "mentor":
            consent = service.consent_as_mentor
        else:
            raise Invalid("consent as mentee or mentor", field="side")
        done = consent(
            session,
            actor=actor,
            mentorship_id=mentorship_id,
            min_recovery_days=_min_days(request),
            attested=form.get("attested") == "yes",
        )
        if done.status is MentorshipStatus.ACTIVE:
            return "Both have consented: the mentorship is active."
        return "Consent recorded; waiting for the other side."

    return _run(request, session, _next(form, actor), act)


@router.post("/alumni/mentorships/{mentorship_id}/{outcome}")
async def mentorship_close(
    mentorship_id: uuid.UUID, outcome: str, request: Request, session: DbSession, actor: Party
) -> Response:
    """Decline a proposal or end a running mentorship (either side, or staff)."""
    form, _ = await _form(request)

    def act() -> str:
        reason = form.get("reason", "")
        if outcome == "decline":
            service.decline_mentorship(
                session, actor=actor, mentorship_id=mentorship_id, reason=reason
            )
            return "Mentorship declined."
        if outcome == "end":
            service.end_mentorship(session, actor=actor, mentorship_id=mentorship_id, reason=reason)
            return "Mentorship ended."
        raise Invalid("decline or end", field="outcome")

    return _run(request, session, _next(form, actor), act)


# ---- the client's own page --------------------------------------------------------------


@router.get("/alumni/mine", response_class=HTMLResponse)
def mine(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.MINE)]
) -> Response:
    """Upcoming events with sign-up buttons, and the client's mentorships with consent."""
    return render(
        request,
        "alumni/mine.html",
        {"my": service.my_alumni(session, actor=actor), "fmt": _fmt},
    )
