"""Role-scoped queries on alumni rows. Anything naming a person starts from the clients the
actor may read (``clients.repository.readable``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from stepdown.alumni.models import (
    AlumniEvent,
    AlumniVolunteer,
    Mentorship,
    MentorshipStatus,
    Rsvp,
    RsvpStatus,
)
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.security.actor import Actor

OPEN_MENTORSHIP = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE)


def _visible_clients(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def events_between(start: datetime, end: datetime) -> Select[AlumniEvent]:
    """Events overlapping ``[start, end)``, in time order. Events name nobody."""
    return (
        select(AlumniEvent)
        .where(AlumniEvent.starts_at < end, AlumniEvent.ends_at > start)
        .order_by(AlumniEvent.starts_at, AlumniEvent.title)
    )


def counts_of(event_ids: list[uuid.UUID]) -> Select[uuid.UUID, RsvpStatus, int]:
    """Head counts per event and status: numbers only, nobody named."""
    return (
        select(Rsvp.event_id, Rsvp.status, func.count())
        .where(Rsvp.event_id.in_(event_ids))
        .group_by(Rsvp.event_id, Rsvp.status)
    )


def readable_rsvps(actor: Actor, event_ids: list[uuid.UUID]) -> Select[Rsvp]:
    return (
        select(Rsvp)
        .where(Rsvp.event_id.in_(event_ids), Rsvp.client_id.in_(_visible_clients(actor)))
        .order_by(Rsvp.event_id, Rsvp.queue_number)
    )


def rsvp_of(event_id: uuid.UUID, client_id: uuid.UUID) -> Select[Rsvp]:
    return select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.client_id == client_id)


def going_count(event_id: uuid.UUID) -> Select[int]:
    return select(func.count()).where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING)


def waitlist(event_id: uuid.UUID) -> Select[Rsvp]:
    return (
        select(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.queue_number)
    )


def last_queue_number(event_id: uuid.UUID) -> Select[int]:
    return select(func.max(Rsvp.queue_number)).where(Rsvp.event_id == event_id)


def readable_volunteers(actor: Actor) -> Select[AlumniVolunteer]:
    return select(AlumniVolunteer).where(AlumniVolunteer.client_id.in_(_visible_clients(actor)))


def all_volunteers() -> Select[AlumniVolunteer]:
    """Every volunteer, for matching: they consented to be introduced by first name to the
    staff arranging mentorship and to the clients proposed to them."""
    return select(AlumniVolunteer).order_by(AlumniVolunteer.id)


def readable_mentorships(actor: Actor) -> Select[Mentorship]:
    """Mentorships whose mentee or mentor the actor may read."""
    visible = _visible_clients(actor)
    mentors = select(AlumniVolunteer.id).where(AlumniVolunteer.client_id.in_(visible))
    return select(Mentorship).where(
        or_(Mentorship.mentee_id.in_(visible), Mentorship.volunteer_id.in_(mentors))
    )


def open_counts(volunteer_ids: list[uuid.UUID]) -> Select[uuid.UUID, int]:
    return (
        select(Mentorship.volunteer_id, func.count())
        .where(
            Mentorship.volunteer_id.in_(volunteer_ids),
            Mentorship.status.in_(OPEN_MENTORSHIP),
        )
        .group_by(Mentorship.volunteer_id)
    )


def open_of_mentee(client_id: uuid.UUID) -> Select[Mentorship]:
    return select(Mentorship).where(
        Mentorship.mentee_id == client_id, Mentorship.status.in_(OPEN_MENTORSHIP)
    )
