"""JSON routes for alumni events, RSVPs, volunteers, mentor suggestions and mentorships."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from stepdown.alumni import access, service
from stepdown.alumni.models import AlumniEvent, Mentorship, Rsvp
from stepdown.alumni.schemas import (
    ConsentInput,
    EndInput,
    EventInput,
    EventRead,
    MenteeInterestsInput,
    MentorshipCreate,
    MentorshipRead,
    RsvpInput,
    RsvpRead,
    SuggestionRead,
    VolunteerCreate,
    VolunteerProfile,
    VolunteerRead,
)
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Invalid
from stepdown.kit.schemas import Instant
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["alumni"])
Reader = Annotated[Actor, allow(access.READ)]
Organizer = Annotated[Actor, allow(access.EVENTS)]
Arranger = Annotated[Actor, allow(access.ARRANGE)]
Party = Annotated[Actor, allow(access.PARTY)]


def _min_days(request: Request) -> int:
    days: int = request.app.state.settings.mentor_min_recovery_days
    return days


def _event(view: service.EventView) -> EventRead:
    return _event_read(view.event, view.going, view.waitlisted)


def _event_read(event: AlumniEvent, going: int, waitlisted: int) -> EventRead:
    return EventRead.model_validate(
        {
            "id": event.id,
            "site_id": event.site_id,
            "title": event.title,
            "description": event.description,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "place": event.place,
            "link": event.link,
            "capacity": event.capacity,
            "cancelled_at": event.cancelled_at,
            "going": going,
            "waitlisted": waitlisted,
        }
    )


def _volunteer(view: service.VolunteerView) -> VolunteerRead:
    v = view.volunteer
    return VolunteerRead(
        id=v.id,
        client_id=v.client_id,
        recovery_start=v.recovery_start,
        interests=list(v.interests),
        tags=list(v.tags),
        site_ids=list(v.site_ids),
        tracks=list(v.tracks),
        max_mentees=v.max_mentees,
        active=v.active,
        consent_given_at=v.consent_given_at,
        consent_withdrawn_at=v.consent_withdrawn_at,
        eligible=view.eligible,
        refusals=view.refusals,
        open_mentorships=view.open_mentorships,
    )


def _known_site(session: Session, body: EventInput) -> None:
    """An unknown ``site_id`` is the caller's mistake (422 naming it), not a broken foreign
    key at the end of the request."""
    if body.site_id is not None:
        programs_service.require_site_by_id(session, body.site_id, "site_id")


@router.get("/alumni/events", response_model=list[EventRead])
def list_events(
    session: DbSession,
    actor: Reader,
    start: Annotated[Instant | None, Query(description="Default: now")] = None,
    end: Annotated[Instant | None, Query(description="Default: 90 days after start")] = None,
    site_id: uuid.UUID | None = None,
) -> list[EventRead]:
    """Events overlapping the range, with head counts."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise Invalid("give the time with a zone, e.g. 2026-12-01T00:00:00Z", field=name)
    start = start or utc_now()
    end = end or start + timedelta(days=90)
    views = service.list_events(session, actor=actor, start=start, end=end, site_id=site_id)
    return [_event(v) for v in views]


@router.post("/alumni/events", response_model=EventRead, status_code=201)
def create_event(body: EventInput, session: DbSession, actor: Organizer) -> EventRead:
    _known_site(session, body)
    return _event_read(service.create_event(session, actor=actor, data=body), 0, 0)


@router.get("/alumni/events/{event_id}", response_model=EventRead)
def get_event(event_id: uuid.UUID, session: DbSession, actor: Reader) -> EventRead:
    return _event(service.get_event(session, actor=actor, event_id=event_id))


@router.put("/alumni/events/{event_id}", response_model=EventRead)
def update_event(
    event_id: uuid.UUID, body: EventInput, session: DbSession, actor: Organizer
) -> EventRead:
    _known_site(session, body)
    service.update_event(session, actor=actor, event_id=event_id, data=body)
    return _event(service.get_event(session, actor=actor, event_id=event_id))


@router.post("/alumni/events/{event_id}/cancel", response_model=EventRead)
def cancel_event(event_id: uuid.UUID, session: DbSession, actor: Organizer) -> EventRead:
    service.cancel_event(session, actor=actor, event_id=event_id)
    return _event(service.get_event(session, actor=actor, event_id=event_id))


@router.post("/alumni/events/{event_id}/rsvps", response_model=RsvpRead, status_code=201)
def rsvp(event_id: uuid.UUID, body: RsvpInput, session: DbSession, actor: Party) -> Rsvp:
    """Going if a place is free, else waitlisted. A client answers only for themselves."""
    return service.rsvp(session, actor=actor, event_id=event_id, client_id=body.client_id)


@router.post("/alumni/events/{event_id}/rsvps/{client_id}/cancel", response_model=RsvpRead)
def cancel_rsvp(
    event_id: uuid.UUID, client_id: uuid.UUID, session: DbSession, actor: Party
) -> Rsvp:
    """Take back an answer; a freed place goes to the first person waiting."""
    return service.cancel_rsvp(session, actor=actor, event_id=event_id, client_id=client_id)


@router.get("/alumni/volunteers", response_model=list[VolunteerRead])
def list_volunteers(request: Request, session: DbSession, actor: Reader) -> list[VolunteerRead]:
    views = service.list_volunteers(session, actor=actor, min_recovery_days=_min_days(request))
    return [_volunteer(v) for v in views]


def _one_volunteer(
    request: Request, session: DbSession, actor: Actor, volunteer_id: uuid.UUID
) -> VolunteerRead:
    view = service.get_volunteer(
        session, actor=actor, volunteer_id=volunteer_id, min_recovery_days=_min_days(request)
    )
    return _volunteer(view)


@router.post("/alumni/volunteers", response_model=VolunteerRead, status_code=201)
def enrol_volunteer(
    body: VolunteerCreate, request: Request, session: DbSession, actor: Arranger
) -> VolunteerRead:
    """Enrol an alumnus with their consent (``consent`` must be true)."""
    volunteer = service.enrol_volunteer(
        session,
        actor=actor,
        client_id=body.client_id,
        data=VolunteerProfile.model_validate(body.model_dump(exclude={"client_id", "consent"})),
        consent=body.consent,
    )
    return _one_volunteer(request, session, actor, volunteer.id)


@router.put("/alumni/volunteers/{volunteer_id}", response_model=VolunteerRead)
def update_volunteer(
    volunteer_id: uuid.UUID,
    body: VolunteerProfile,
    request: Request,
    session: DbSession,
    actor: Arranger,
) -> VolunteerRead:
    service.update_volunteer(session, actor=actor, volunteer_id=volunteer_id, data=body)
    return _one_volunteer(request, session, actor, volunteer_id)


@router.post("/alumni/volunteers/{volunteer_id}/consent", response_model=VolunteerRead)
def record_consent(
    volunteer_id: uuid.UUID, request: Request, session: DbSession, actor: Arranger
) -> VolunteerRead:
    """Consent given again after a withdrawal, recorded by staff."""
    service.record_volunteer_consent(session, actor=actor, volunteer_id=volunteer_id)
    return _one_volunteer(request, session, actor, volunteer_id)


@router.post("/alumni/volunteers/{volunteer_id}/withdraw", status_code=204)
def withdraw_consent(volunteer_id: uuid.UUID, session: DbSession, actor: Party) -> None:
    """Withdraw consent to mentor (the alumnus themselves, or staff they told)."""
    service.withdraw_volunteer_consent(session, actor=actor, volunteer_id=volunteer_id)


@router.put("/clients/{client_id}/mentee-interests", status_code=204)
def set_mentee_interests(
    client_id: uuid.UUID, body: MenteeInterestsInput, session: DbSession, actor: Arranger
) -> None:
    service.set_mentee_interests(
        session,
        actor=actor,
        client_id=client_id,
        interests=[i.value for i in body.interests],
        tags=body.tags,
    )


@router.get("/clients/{client_id}/mentor-suggestions", response_model=list[SuggestionRead])
def suggestions(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> list[SuggestionRead]:
    """Best match first; empty unless the client is stepping down. First names only."""
    found = service.suggest_mentors(
        session, actor=actor, client_id=client_id, min_recovery_days=_min_days(request)
    )
    return [
        SuggestionRead(
            volunteer_id=s.volunteer.id,
            first_name=s.first_name,
            recovery_days=s.recovery_days,
            score=s.match.score,
            same_site=s.match.same_site,
            same_track=s.match.same_track,
            shared=list(s.match.shared),
        )
        for s in found.suggestions
    ]


@router.get("/alumni/mentorships", response_model=list[MentorshipRead])
def list_mentorships(session: DbSession, actor: Reader, open_only: bool = True) -> list[Mentorship]:
    return [
        v.mentorship for v in service.list_mentorships(session, actor=actor, open_only=open_only)
    ]


@router.post("/alumni/mentorships", response_model=MentorshipRead, status_code=201)
def propose(
    body: MentorshipCreate, request: Request, session: DbSession, actor: Arranger
) -> Mentorship:
    return service.propose_mentorship(
        session,
        actor=actor,
        client_id=body.client_id,
        volunteer_id=body.volunteer_id,
        min_recovery_days=_min_days(request),
    )


@router.post("/alumni/mentorships/{mentorship_id}/consent/mentee", response_model=MentorshipRead)
def consent_mentee(
    mentorship_id: uuid.UUID,
    body: ConsentInput,
    request: Request,
    session: DbSession,
    actor: Party,
) -> Mentorship:
    return service.consent_as_mentee(
        session,
        actor=actor,
        mentorship_id=mentorship_id,
        min_recovery_days=_min_days(request),
        attested=body.attested,
    )


@router.post("/alumni/mentorships/{mentorship_id}/consent/mentor", response_model=MentorshipRead)
def consent_mentor(
    mentorship_id: uuid.UUID,
    body: ConsentInput,
    request: Request,
    session: DbSession,
    actor: Party,
) -> Mentorship:
    return service.consent_as_mentor(
        session,
        actor=actor,
        mentorship_id=mentorship_id,
        min_recovery_days=_min_days(request),
        attested=body.attested,
    )


@router.post("/alumni/mentorships/{mentorship_id}/decline", response_model=MentorshipRead)
def decline(
    mentorship_id: uuid.UUID, body: EndInput, session: DbSession, actor: Party
) -> Mentorship:
    return service.decline_mentorship(
        session, actor=actor, mentorship_id=mentorship_id, reason=body.reason
    )


@router.post("/alumni/mentorships/{mentorship_id}/end", response_model=MentorshipRead)
def end(mentorship_id: uuid.UUID, body: EndInput, session: DbSession, actor: Party) -> Mentorship:
    return service.end_mentorship(
        session, actor=actor, mentorship_id=mentorship_id, reason=body.reason
    )
