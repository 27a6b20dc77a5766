"""Role-scoped queries on the published calendar.

A group session's time, room and leader are not PHI: any staff member may see the site's
week. Who sits in a group, and whose appointment a slot is, are: seats and appointment
clients come only from ``clients.repository.readable(actor)``, except that a group's leader
sees the whole roster of the groups they lead and a therapist their own appointments. A
client sees only their own bookings.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from stepdown.calendar.models import Appointment, CalendarFeed, SessionOccurrence, SessionSeat
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, LevelOfCare, Segment
from stepdown.security.actor import Actor


def _readable_client_ids(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def occurrences(
    start: date,
    end: date,
    *,
    site_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    leader_id: uuid.UUID | None = None,
) -> Select[SessionOccurrence]:
    """Group sessions in ``[start, end)``, by day and time; the caller names the filter."""
    stmt = select(SessionOccurrence).where(
        SessionOccurrence.day >= start, SessionOccurrence.day < end
    )
    if site_id is not None:
        stmt = stmt.where(SessionOccurrence.site_id == site_id)
    if room_id is not None:
        stmt = stmt.where(SessionOccurrence.room_id == room_id)
    if leader_id is not None:
        stmt = stmt.where(SessionOccurrence.leader_id == leader_id)
    return stmt.order_by(SessionOccurrence.day, SessionOccurrence.start, SessionOccurrence.code)


def seats_of(occurrence_ids: list[uuid.UUID]) -> Select[SessionSeat]:
    """Every seat of these groups, for head counts (no identities leave this query unscoped)."""
    return select(SessionSeat).where(SessionSeat.occurrence_id.in_(occurrence_ids))


def _seat_visible(actor: Actor) -> ColumnElement[bool]:
    readable = SessionSeat.client_id.in_(_readable_client_ids(actor))
    if actor.is_staff and actor.user_id is not None:
        # The leader takes attendance, so sees everyone in the groups they lead.
        led = SessionSeat.occurrence_id.in_(
            select(SessionOccurrence.id).where(SessionOccurrence.leader_id == actor.user_id)
        )
        return or_(readable, led)
    return readable


def visible_seats(actor: Actor, occurrence_ids: list[uuid.UUID]) -> Select[SessionSeat]:
    """Seats of these groups whose client the actor may know is there."""
    return seats_of(occurrence_ids).where(_seat_visible(actor))


def appointments(
    start: date,
    end: date,
    *,
    site_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Select[Appointment]:
    stmt = select(Appointment).where(Appointment.day >= start, Appointment.day < end)
    if site_id is not None:
        stmt = stmt.where(Appointment.site_id == site_id)
    if staff_id is not None:
        stmt = stmt.where(Appointment.staff_id == staff_id)
    if client_id is not None:
        stmt = stmt.where(Appointment.client_id == client_id)
    return stmt.order_by(Appointment.day, Appointment.start)


def client_named(actor: Actor) -> ColumnElement[bool]:
    """Appointments whose client the actor may see: their caseload or site, or their own
    sessions as the therapist."""
    readable = Appointment.client_id.in_(_readable_client_ids(actor))
    if actor.is_staff and actor.user_id is not None:
        return or_(readable, Appointment.staff_id == actor.user_id)
    return readable


def seats_of_client(client_id: uuid.UUID, start: date, end: date) -> Select[SessionSeat]:
    return (
        select(SessionSeat)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(
            SessionSeat.client_id == client_id,
            SessionOccurrence.day >= start,
            SessionOccurrence.day < end,
        )
    )


def level_on(session: Session, client_id: uuid.UUID, on: date) -> LevelOfCare | None:
    """The client's level of care on a day, read from their episodes' segments (half-open
    date ranges, so at most one covers a day)."""
    return session.scalar(
        select(LevelOfCare)
        .join(Segment, Segment.level_id == LevelOfCare.id)
        .join(Episode, Episode.id == Segment.episode_id)
        .where(
            Episode.client_id == client_id,
            Segment.starts_on <= on,
            (Segment.ends_on.is_(None)) | (Segment.ends_on > on),
        )
        .limit(1)
    )


def live_feed(
    session: Session, *, user_id: uuid.UUID | None = None, client_id: uuid.UUID | None = None
) -> CalendarFeed | None:
    """The owner's feed that is not revoked (there is at most one)."""
    stmt = select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(CalendarFeed.user_id == user_id)
    elif client_id is not None:
        stmt = stmt.where(CalendarFeed.client_id == client_id, CalendarFeed.recipient_id.is_(None))
    else:
        raise ValueError("a feed belongs to a staff member or a client")
    return session.scalar(stmt.order_by(CalendarFeed.created_at.desc()).limit(1))


def live_shares(session: Session, client_id: uuid.UUID) -> list[CalendarFeed]:
    """The client's schedule feeds shared with recipients, not revoked."""
    return list(
        session.scalars(
            select(CalendarFeed)
            .where(
                CalendarFeed.client_id == client_id,
                CalendarFeed.recipient_id.is_not(None),
                CalendarFeed.revoked_at.is_(None),
            )
            .order_by(CalendarFeed.created_at)
        )
    )


def feed_by_hash(session: Session, token_hash: str) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash))
