"""Private iCalendar feeds: one secret URL per staff member or client, revocable.

The secret is shown once, when the feed is made; only its SHA-256 is stored (see
``CalendarFeed``), so a copy of the database cannot subscribe. Making a feed again resets it
(the old URL stops working); revoking ends it. An unknown and a revoked secret get the same
404, so a guesser learns nothing.

A calendar app fetches the feed without signing in, so each fetch is recorded as a
disclosure by a system actor that names the feed. The events say only "<program>: group
session" or "<program>: appointment" and where (see ``rules``): the phone's owner knows what
they are, and nobody glancing at the phone learns more.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar import access, ical, repository, rules
from stepdown.calendar.models import (
    Appointment,
    BookingStatus,
    CalendarFeed,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.consents.models import InformationClass, Purpose
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.programs.models import Room, Site
from stepdown.security import tokens
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

FEED_ENTITY = "calendar_feed"
# A shared feed carries when and where the client is expected: their attendance.
SHARED = frozenset({InformationClass.ATTENDANCE})


def feed_path(secret: str) -> str:
    return f"/calendar/feeds/{secret}.ics"


def _revoke_live(
    session: Session, *, actor: Actor, feed: CalendarFeed | None, client_id: uuid.UUID | None
) -> bool:
    if feed is None:
        return False
    feed.revoked_at = utc_now()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=FEED_ENTITY,
        entity_id=feed.id,
        client_id=client_id,
        detail={"revoked": True},
    )
    return True


def _new_feed(
    session: Session, *, actor: Actor, user_id: uuid.UUID | None, client_id: uuid.UUID | None
) -> tuple[str, CalendarFeed]:
    secret = tokens.new_secret()
    feed = CalendarFeed(
        token_hash=tokens.digest(secret),
        user_id=user_id,
        client_id=client_id,
        created_by=actor.user_id,
    )
    session.add(feed)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=FEED_ENTITY,
        entity_id=feed.id,
        client_id=client_id,
        detail={"owner": "client" if client_id else "staff"},
    )
    return secret, feed


def own_user_id(actor: Actor) -> uuid.UUID:
    """The signed-in staff member's account: only staff have their own work feed."""
    if not actor.is_staff or actor.user_id is None:
        raise Forbidden("only staff members have their own calendar feed")
    return actor.user_id


def create_staff_feed(session: Session, *, actor: Actor) -> tuple[str, CalendarFeed]:
    """A new feed of the actor's own week (any earlier one stops working); returns the secret
    URL's token, which is not stored and cannot be shown again."""
    user_id = own_user_id(actor)
    _revoke_live(
        session, actor=actor, feed=repository.live_feed(session, user_id=user_id), client_id=None
    )
    return _new_feed(session, actor=actor, user_id=user_id, client_id=None)


def revoke_staff_feed(session: Session, *, actor: Actor) -> bool:
    """End the actor's feed; False when there was none."""
    user_id = own_user_id(actor)
    feed = repository.live_feed(session, user_id=user_id)
    return _revoke_live(session, actor=actor, feed=feed, client_id=None)


def _feed_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Client:
    """The client, if the actor may manage their feed: their own (a client), or one on the
    staff member's caseload or site (or the system, for commands and jobs)."""
    if actor.role is not Role.SYSTEM and not access.CLIENT_FEED.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not manage a client's calendar feed")
    return clients_service.get_client(session, actor=actor, client_id=client_id)


def create_client_feed(
    session: Session, *, actor: Actor, client_id: uuid.UUID
) -> tuple[str, CalendarFeed]:
    client = _feed_client(session, actor=actor, client_id=client_id)
    _revoke_live(
        session,
        actor=actor,
        feed=repository.live_feed(session, client_id=client.id),
        client_id=client.id,
    )
    return _new_feed(session, actor=actor, user_id=None, client_id=client.id)


def revoke_client_feed(session: Session, *, actor: Actor, client_id: uuid.UUID) -> bool:
    client = _feed_client(session, actor=actor, client_id=client_id)
    feed = repository.live_feed(session, client_id=client.id)
    return _revoke_live(session, actor=actor, feed=feed, client_id=client.id)


def share_client_feed(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    recipient_id: uuid.UUID,
    purpose: Purpose,
) -> tuple[str, CalendarFeed]:
    """A feed of the client's schedule for someone outside the program (a parent following
    an adolescent's week), made only while a consent lets their attendance go to that
    recipient for that purpose; each fetch goes through the gate again, so a revoked or
    expired consent stops the feed at its next fetch. Staff make it; the URL is given to
    the recipient."""
    client = _feed_client(session, actor=actor, client_id=client_id)
    if not actor.is_staff:
        raise Forbidden("staff share a client's schedule, with the client's consent")
    withheld = gate.check(
        session,
        client_id=client.id,
        recipient_id=recipient_id,
        purpose=purpose,
        classes=SHARED,
        on=None,
    )
    if withheld:
        raise gate.DisclosureRefused(f"not shared: {withheld[InformationClass.ATTENDANCE]}")
    secret = tokens.new_secret()
    feed = CalendarFeed(
        token_hash=tokens.digest(secret),
        client_id=client.id,
        recipient_id=recipient_id,
        purpose=purpose.value,
        created_by=actor.user_id,
    )
    session.add(feed)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=FEED_ENTITY,
        entity_id=feed.id,
        client_id=client.id,
        detail={"recipient_id": str(recipient_id), "purpose": purpose.value},
    )
    return secret, feed


def client_feed(session: Session, *, actor: Actor, client_id: uuid.UUID) -> CalendarFeed | None:
    """A client's live feed, for whoever may manage it (the portal shows it to the client)."""
    client = _feed_client(session, actor=actor, client_id=client_id)
    return repository.live_feed(session, client_id=client.id)


def staff_feed(session: Session, *, actor: Actor) -> CalendarFeed | None:
    """The actor's live feed (when made, when last fetched), never its secret."""
    return repository.live_feed(session, user_id=own_user_id(actor))


def resolve(session: Session, secret: str) -> CalendarFeed | None:
    """The live feed a secret opens, or None (unknown, revoked, or its owner gone)."""
    feed = repository.feed_by_hash(session, tokens.digest(secret))
    if feed is None or feed.revoked_at is not None:
        return None
    if feed.user_id is not None:
        user = session.get(User, feed.user_id)
        if user is None or not user.is_active:
            return None
    return feed


def _client_events(
    session: Session, client_id: uuid.UUID, start: date, end: date, *, program: str, zone: ZoneInfo
) -> list[ical.Event]:
    rows = session.execute(
        select(SessionOccurrence, SessionSeat.status)
        .join(SessionSeat, SessionSeat.occurrence_id == SessionOccurrence.id)
        .where(
            SessionSeat.client_id == client_id,
            SessionOccurrence.day >= start,
            SessionOccurrence.day < end,
        )
    ).all()
    appointments = session.scalars(repository.appointments(start, end, client_id=client_id))
    places = _Places(session)
    events = [
        _group_event(
            o, places, program=program, zone=zone, seat_cancelled=s is BookingStatus.CANCELLED
        )
        for o, s in rows
    ]
    events.extend(_appointment_event(a, places, program=program, zone=zone) for a in appointments)
    return events


def _staff_events(
    session: Session, user_id: uuid.UUID, start: date, end: date, *, program: str, zone: ZoneInfo
) -> list[ical.Event]:
    places = _Places(session)
    events = [
        _group_event(o, places, program=program, zone=zone)
        for o in session.scalars(repository.occurrences(start, end, leader_id=user_id))
    ]
    events.extend(
        _appointment_event(a, places, program=program, zone=zone)
        for a in session.scalars(repository.appointments(start, end, staff_id=user_id))
    )
    return events


class _Places:
    """Site and room names, each read once per feed."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._sites: dict[uuid.UUID, str] = {}
        self._rooms: dict[uuid.UUID, str] = {}

    def site(self, site_id: uuid.UUID) -> str:
        if site_id not in self._sites:
            site = self._session.get(Site, site_id)
            self._sites[site_id] = site.name if site else ""
        return self._sites[site_id]

    def room(self, room_id: uuid.UUID | None) -> str | None:
        if room_id is None:
            return None
        if room_id not in self._rooms:
            room = self._session.get(Room, room_id)
            self._rooms[room_id] = room.name if room else ""
        return self._rooms[room_id] or None


def _group_event(
    occurrence: SessionOccurrence,
    places: _Places,
    *,
    program: str,
    zone: ZoneInfo,
    seat_cancelled: bool = False,
) -> ical.Event:
    return ical.Event(
        uid=f"occurrence-{occurrence.id}@stepdown",
        start=rules.to_utc(occurrence.day, occurrence.start, zone),
        end=rules.to_utc(occurrence.day, occurrence.end, zone),
        summary=rules.event_summary(program, group=True),
        location=rules.event_location(
            places.site(occurrence.site_id),
            places.room(occurrence.room_id),
            telehealth=occurrence.telehealth,
        ),
        cancelled=seat_cancelled or occurrence.status is BookingStatus.CANCELLED,
    )


def _appointment_event(
    appointment: Appointment, places: _Places, *, program: str, zone: ZoneInfo
) -> ical.Event:
    return ical.Event(
        uid=f"appointment-{appointment.id}@stepdown",
        start=rules.to_utc(appointment.day, appointment.start, zone),
        end=rules.to_utc(appointment.day, appointment.end, zone),
        summary=rules.event_summary(program, group=False),
        location=rules.event_location(places.site(appointment.site_id), None, telehealth=False),
        cancelled=appointment.status is BookingStatus.CANCELLED,
    )


def render_feed(
    session: Session, *, secret: str, program_name: str, zone: ZoneInfo, now: datetime
) -> str:
    """The feed's iCalendar text for two weeks back and eight ahead of ``now``'s week.

    Marks the feed used and records the disclosure in the same transaction.
    """
    feed = resolve(session, secret)
    if feed is None:
        raise NotFound("no such calendar feed")
    start, end = rules.feed_window(now.astimezone(zone).date())
    system = Actor.system(f"calendar feed {feed.id}")
    if feed.recipient_id is not None and feed.client_id is not None:
        gate.disclose(
            session,
            actor=system,
            client_id=feed.client_id,
            recipient_id=feed.recipient_id,
            purpose=Purpose(feed.purpose),
            classes=SHARED,
            channel=Channel.CALENDAR_FEED,
            description=f"calendar feed {start.isoformat()} to {end.isoformat()}",
        )
    if feed.client_id is not None:
        events = _client_events(
            session, feed.client_id, start, end, program=program_name, zone=zone
        )
        name = f"{program_name} calendar"
    elif feed.user_id is not None:
        events = _staff_events(session, feed.user_id, start, end, program=program_name, zone=zone)
        name = f"{program_name} work calendar"
    else:
        raise NotFound("no such calendar feed")
    events.sort(key=lambda e: (e.start, e.uid))
    feed.last_used_at = now
    audit_service.record(
        session,
        actor=system,
        action=AuditAction.DISCLOSE,
        entity_type=FEED_ENTITY,
        entity_id=feed.id,
        client_id=feed.client_id,
        detail={"events": len(events), "from": start.isoformat(), "until": end.isoformat()},
    )
    return ical.calendar(name, events, generated_at=now)
