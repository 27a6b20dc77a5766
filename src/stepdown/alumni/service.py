"""Use cases for alumni events and mentorship.

Events: staff put them on the calendar (program-wide or for a site); clients answer for
themselves and staff for a client. A full event puts new answers on a waitlist, and a
cancelled place goes to the first person waiting. The event row is locked while places are
counted, so two answers at once cannot both take the last place (PostgreSQL; SQLite takes
the write lock at BEGIN).

Mentorship: an alumnus volunteers with their consent (recorded by staff); staff ask for
suggestions for a client stepping down and propose one; the mentee and the mentor each
consent for themselves (in the portal, or in person with staff recording it), and the
mentorship is active only when both have. What each sees of the other:

- the mentee sees the mentor's first name from the proposal on (the volunteer's consent
  covers being introduced by first name);
- the mentor sees the mentee's first name only once the mentee has consented;
- Stepdown never shows either one the other's contact details. Once both have consented,
  the staff member who proposed the match introduces them in person at the program, and
  they exchange whatever contact they choose. Activation is recorded as a disclosure of
  each one's first name to the other (audit action ``disclose``), made with consent.

Withdrawing consent to mentor declines proposed mentorships and ends active ones.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alumni import access, repository, rules
from stepdown.alumni.models import (
    AlumniEvent,
    AlumniVolunteer,
    Interest,
    MenteeInterests,
    Mentorship,
    MentorshipStatus,
    Rsvp,
    RsvpStatus,
)
from stepdown.alumni.schemas import EventInput, VolunteerProfile
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, EpisodeStatus, Segment, Track
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this covers the CLI, jobs and other domains' callers."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
    )


def _client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    """A client the actor may read: a client actor only themselves (404 otherwise)."""
    client = session.scalar(clients_repository.readable(actor).where(Client.id == client_id))
    if client is None:
        if actor.role is Role.CLIENT:
            raise Forbidden("you may act only for yourself", field="client_id")
        raise NotFound("no such client, or not one you may see")
    return client


def own_client(session: Session, actor: Actor) -> Client | None:
    """The record linked to a client's portal account."""
    return session.scalar(clients_repository.readable(actor).limit(1))


# ---- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    rsvp: Rsvp
    client: Client


@dataclass(frozen=True)
class EventView:
    event: AlumniEvent
    going: int
    waitlisted: int
    attendees: list[Attendee] = field(default_factory=list)  # only people the actor may read

    @property
    def full(self) -> bool:
        return self.event.capacity is not None and self.going >= self.event.capacity


def _counts(session: Session, events: list[AlumniEvent]) -> dict[uuid.UUID, dict[RsvpStatus, int]]:
    """Head counts per event and answer: numbers only, so no read is recorded."""
    counts: dict[uuid.UUID, dict[RsvpStatus, int]] = defaultdict(dict)
    if events:
        for event_id, status, n in session.execute(
            repository.counts_of([e.id for e in events])
        ).all():
            counts[event_id][status] = n
    return counts


def _views(session: Session, actor: Actor, events: list[AlumniEvent]) -> list[EventView]:
    """Events with head counts and the attendees the actor may read (each an audited read)."""
    counts = _counts(session, events)
    by_event: dict[uuid.UUID, list[Attendee]] = defaultdict(list)
    if events:
        rsvps = list(session.scalars(repository.readable_rsvps(actor, [e.id for e in events])))
        people = {
            c.id: c
            for c in session.scalars(
                clients_repository.readable(actor).where(
                    Client.id.in_({r.client_id for r in rsvps})
                )
            )
        }
        for rsvp in rsvps:
            if rsvp.status is not RsvpStatus.CANCELLED:
                by_event[rsvp.event_id].append(Attendee(rsvp, people[rsvp.client_id]))
        shown = sorted({a.client.id for group in by_event.values() for a in group}, key=str)
        audit_service.record_reads(
            session, actor=actor, entity_type="alumni_rsvp", client_ids=shown
        )
    return [
        EventView(
            e,
            counts[e.id].get(RsvpStatus.GOING, 0),
            counts[e.id].get(RsvpStatus.WAITLISTED, 0),
            by_event[e.id],
        )
        for e in events
    ]


def list_events(
    session: Session,
    *,
    actor: Actor,
    start: datetime,
    end: datetime,
    site_id: uuid.UUID | None = None,
) -> list[EventView]:
    """Events overlapping ``[start, end)`` (a site's and the program-wide ones when a site is
    given), with counts and the attendees the actor may see."""
    _require(access.READ, actor)
    stmt = repository.events_between(start, end)
    if site_id is not None:
        stmt = stmt.where((AlumniEvent.site_id == site_id) | AlumniEvent.site_id.is_(None))
    return _views(session, actor, list(session.scalars(stmt)))


def _event(session: Session, event_id: uuid.UUID, *, lock: bool = False) -> AlumniEvent:
    stmt = select(AlumniEvent).where(AlumniEvent.id == event_id)
    event = session.scalar(stmt.with_for_update() if lock else stmt)
    if event is None:
        raise NotFound("no such alumni event")
    return event


def get_event(session: Session, *, actor: Actor, event_id: uuid.UUID) -> EventView:
    _require(access.READ, actor)
    return _views(session, actor, [_event(session, event_id)])[0]


def _may_manage(actor: Actor, site_id: uuid.UUID | None) -> None:
    """A case manager runs their own site's events; the director any, program-wide too."""
    if actor.role is Role.CASE_MANAGER and (site_id is None or site_id != actor.site_id):
        raise Forbidden("case managers manage their own site's events", field="site_id")


def _check(data: EventInput) -> None:
    rules.check_event(
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        link=data.link.strip(),
    )


def create_event(session: Session, *, actor: Actor, data: EventInput) -> AlumniEvent:
    _require(access.EVENTS, actor)
    _may_manage(actor, data.site_id)
    _check(data)
    event = AlumniEvent(
        site_id=data.site_id,
        title=data.title.strip(),
        description=data.description.strip(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        link=data.link.strip(),
        capacity=data.capacity,
        created_by=actor.user_id,
    )
    session.add(event)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "alumni_event", event.id, None)
    return event


def update_event(
    session: Session, *, actor: Actor, event_id: uuid.UUID, data: EventInput
) -> AlumniEvent:
    """Change an event; a larger capacity lets the first people waiting in."""
    _require(access.EVENTS, actor)
    event = _event(session, event_id, lock=True)
    _may_manage(actor, event.site_id)
    _may_manage(actor, data.site_id)
    if event.cancelled_at is not None:
        raise Conflict("the event is cancelled", rule="event.cancelled")
    _check(data)
    rules.check_capacity_change(
        data.capacity, session.scalar(repository.going_count(event.id)) or 0
    )
    event.site_id = data.site_id
    event.title = data.title.strip()
    event.description = data.description.strip()
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.place = data.place.strip()
    event.link = data.link.strip()
    event.capacity = data.capacity
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, "alumni_event", event.id, None)
    _promote(session, actor, event)
    return event


def cancel_event(session: Session, *, actor: Actor, event_id: uuid.UUID) -> AlumniEvent:
    _require(access.EVENTS, actor)
    event = _event(session, event_id, lock=True)
    _may_manage(actor, event.site_id)
    if event.cancelled_at is None:
        event.cancelled_at = utc_now()
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            "alumni_event",
            event.id,
            None,
            {"cancelled": True},
        )
    return event


# ---- RSVPs ------------------------------------------------------------------------------


def _promote(session: Session, actor: Actor, event: AlumniEvent) -> list[Rsvp]:
    """Give free places to the people waiting, first come first served."""
    going = session.scalar(repository.going_count(event.id)) or 0
    promoted = rules.to_promote(
        event.capacity, going, list(session.scalars(repository.waitlist(event.id)))
    )
    for rsvp in promoted:
        rsvp.status = RsvpStatus.GOING
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            "alumni_rsvp",
            rsvp.id,
            rsvp.client_id,
            {"status": "going", "promoted_from_waitlist": True},
        )
    session.flush()
    return promoted


def _for_person(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    _require(access.PARTY, actor)
    return _client(session, actor, client_id)


def rsvp(session: Session, *, actor: Actor, event_id: uuid.UUID, client_id: uuid.UUID) -> Rsvp:
    """Say a client is coming: a place if one is free, else the waitlist. Answering again
    while already going or waiting changes nothing."""
    person = _for_person(session, actor, client_id)
    event = _event(session, event_id, lock=True)
    if event.cancelled_at is not None:
        raise Conflict("the event is cancelled", rule="event.cancelled")
    if event.ends_at <= utc_now():
        raise Conflict("the event is over", rule="event.over")
    if event.site_id is not None and event.site_id != person.site_id:
        raise Conflict("the event is for another site's clients", rule="rsvp.other_site")
    existing = session.scalar(repository.rsvp_of(event.id, person.id))
    if existing is not None and existing.status is not RsvpStatus.CANCELLED:
        return existing
    going = session.scalar(repository.going_count(event.id)) or 0
    status = rules.status_for_answer(event.capacity, going)
    number = (session.scalar(repository.last_queue_number(event.id)) or 0) + 1
    if existing is None:
        existing = Rsvp(event_id=event.id, client_id=person.id, status=status, queue_number=number)
        session.add(existing)
    existing.status = status
    existing.queue_number = number
    existing.recorded_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "alumni_rsvp",
        existing.id,
        person.id,
        {"status": status.value},
    )
    return existing


def cancel_rsvp(
    session: Session, *, actor: Actor, event_id: uuid.UUID, client_id: uuid.UUID
) -> Rsvp:
    """Take back an answer; a freed place goes to the first person waiting."""
    person = _for_person(session, actor, client_id)
    event = _event(session, event_id, lock=True)
    existing = session.scalar(repository.rsvp_of(event.id, person.id))
    if existing is None or existing.status is RsvpStatus.CANCELLED:
        raise NotFound("no answer to take back", field="client_id")
    was = existing.status
    existing.status = RsvpStatus.CANCELLED
    existing.recorded_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "alumni_rsvp",
        existing.id,
        person.id,
        {"status": "cancelled", "was": was.value},
    )
    if was is RsvpStatus.GOING and event.cancelled_at is None:
        _promote(session, actor, event)
    return existing


# ---- volunteers -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientHistory:
    completed: bool
    in_treatment: bool


def _histories(session: Session, client_ids: list[uuid.UUID]) -> dict[uuid.UUID, ClientHistory]:
    """Whether each client completed treatment here, and whether they are in care again."""
    completed: set[uuid.UUID] = set()
    open_: set[uuid.UUID] = set()
    if client_ids:
        for episode in session.scalars(select(Episode).where(Episode.client_id.in_(client_ids))):
            if episode.status is not EpisodeStatus.DISCHARGED:
                open_.add(episode.client_id)
            elif episode.discharge_type is DischargeType.COMPLETED:
                completed.add(episode.client_id)
    return {c: ClientHistory(c in completed, c in open_) for c in client_ids}


def _facts(volunteer: AlumniVolunteer, history: ClientHistory) -> rules.VolunteerFacts:
    return rules.VolunteerFacts(
        completed_treatment=history.completed,
        in_treatment=history.in_treatment,
        consent_given_at=volunteer.consent_given_at,
        consent_withdrawn_at=volunteer.consent_withdrawn_at,
        active=volunteer.active,
        recovery_start=volunteer.recovery_start,
    )


@dataclass(frozen=True)
class VolunteerView:
    volunteer: AlumniVolunteer
    client: Client
    refusals: list[str]
    open_mentorships: int
    recovery_days: int

    @property
    def eligible(self) -> bool:
        return not self.refusals

    @property
    def consenting(self) -> bool:
        v = self.volunteer
        return v.consent_given_at is not None and v.consent_withdrawn_at is None


def _open_counts(session: Session, volunteer_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not volunteer_ids:
        return {}
    return dict(session.execute(repository.open_counts(volunteer_ids)).all())


def _volunteer_views(
    session: Session,
    volunteers: list[AlumniVolunteer],
    clients: dict[uuid.UUID, Client],
    min_days: int,
) -> list[VolunteerView]:
    histories = _histories(session, [v.client_id for v in volunteers])
    counts = _open_counts(session, [v.id for v in volunteers])
    now = today()
    return [
        VolunteerView(
            v,
            clients[v.client_id],
            rules.mentor_refusals(_facts(v, histories[v.client_id]), today=now, min_days=min_days),
            counts.get(v.id, 0),
            rules.recovery_days(v.recovery_start, now),
        )
        for v in volunteers
    ]


def list_volunteers(
    session: Session, *, actor: Actor, min_recovery_days: int
) -> list[VolunteerView]:
    """Volunteers whose record the actor may read, with what keeps each from mentoring."""
    _require(access.READ, actor)
    volunteers = list(session.scalars(repository.readable_volunteers(actor)))
    clients = {
        c.id: c
        for c in session.scalars(
            clients_repository.readable(actor).where(
                Client.id.in_([v.client_id for v in volunteers])
            )
        )
    }
    views = _volunteer_views(session, volunteers, clients, min_recovery_days)
    views.sort(key=lambda v: (v.client.legal_last_name, v.client.legal_first_name))
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="alumni_volunteer",
        client_ids=[v.client.id for v in views],
    )
    return views


def get_volunteer(
    session: Session, *, actor: Actor, volunteer_id: uuid.UUID, min_recovery_days: int
) -> VolunteerView:
    """One volunteer whose record the actor may read, with what keeps them from mentoring."""
    _require(access.READ, actor)
    volunteer = _volunteer(session, volunteer_id)
    person = _client(session, actor, volunteer.client_id)
    view = _volunteer_views(session, [volunteer], {person.id: person}, min_recovery_days)[0]
    _audit(session, actor, AuditAction.READ, "alumni_volunteer", volunteer.id, person.id)
    return view


def _volunteer(session: Session, volunteer_id: uuid.UUID) -> AlumniVolunteer:
    volunteer = session.get(AlumniVolunteer, volunteer_id)
    if volunteer is None:
        raise NotFound("no such volunteer")
    return volunteer


def _apply_profile(volunteer: AlumniVolunteer, data: VolunteerProfile) -> None:
    rules.check_volunteer(
        recovery_start=data.recovery_start, today=today(), max_mentees=data.max_mentees
    )
    volunteer.recovery_start = data.recovery_start
    volunteer.interests = rules.parse_interests(i.value for i in data.interests)
    volunteer.tags = rules.parse_tags(",".join(data.tags))
    volunteer.site_ids = sorted({str(s) for s in data.site_ids})
    volunteer.tracks = [t.value for t in Track if t in set(data.tracks) and t is not Track.NONE]
    volunteer.max_mentees = data.max_mentees
    volunteer.active = data.active


def enrol_volunteer(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    data: VolunteerProfile,
    consent: bool,
) -> AlumniVolunteer:
    """Staff enrol an alumnus who agreed, in person or in writing, to mentor and to be
    introduced by first name; without that consent nothing is written."""
    _require(access.ARRANGE, actor)
    person = _client(session, actor, client_id)
    if not consent:
        raise Invalid("record the alumnus's consent to mentor", field="consent")
    if session.scalar(select(AlumniVolunteer).where(AlumniVolunteer.client_id == person.id)):
        raise Conflict("already a volunteer", field="client_id", rule="volunteer.enrolled")
    volunteer = AlumniVolunteer(client_id=person.id)
    _apply_profile(volunteer, data)
    volunteer.consent_given_at = utc_now()
    volunteer.consent_recorded_by = actor.user_id
    session.add(volunteer)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "alumni_volunteer",
        volunteer.id,
        person.id,
        {**volunteer.profile(), "consent": "given"},
    )
    return volunteer


def _readable_volunteer(session: Session, actor: Actor, volunteer_id: uuid.UUID) -> AlumniVolunteer:
    volunteer = _volunteer(session, volunteer_id)
    _client(session, actor, volunteer.client_id)
    return volunteer


def update_volunteer(
    session: Session, *, actor: Actor, volunteer_id: uuid.UUID, data: VolunteerProfile
) -> AlumniVolunteer:
    _require(access.ARRANGE, actor)
    volunteer = _readable_volunteer(session, actor, volunteer_id)
    before = volunteer.profile()
    _apply_profile(volunteer, data)
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "alumni_volunteer",
        volunteer.id,
        volunteer.client_id,
        {"before": before, "after": volunteer.profile()},
    )
    return volunteer


def record_volunteer_consent(
    session: Session, *, actor: Actor, volunteer_id: uuid.UUID
) -> AlumniVolunteer:
    """Consent given again after a withdrawal (staff record it, as at enrolment)."""
    _require(access.ARRANGE, actor)
    volunteer = _readable_volunteer(session, actor, volunteer_id)
    volunteer.consent_given_at = utc_now()
    volunteer.consent_recorded_by = actor.user_id
    volunteer.consent_withdrawn_at = None
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "alumni_volunteer",
        volunteer.id,
        volunteer.client_id,
        {"consent": "given"},
    )
    return volunteer


def withdraw_volunteer_consent(
    session: Session, *, actor: Actor, volunteer_id: uuid.UUID
) -> AlumniVolunteer:
    """The alumnus (or staff they told) withdraws consent: no more suggestions, proposals
    declined, active mentorships ended."""
    _require(access.PARTY, actor)
    volunteer = _readable_volunteer(session, actor, volunteer_id)
    if volunteer.consent_given_at is None or volunteer.consent_withdrawn_at is not None:
        raise Conflict("there is no consent to withdraw", rule="volunteer.no_consent")
    volunteer.consent_withdrawn_at = utc_now()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "alumni_volunteer",
        volunteer.id,
        volunteer.client_id,
        {"consent": "withdrawn"},
    )
    for mentorship in session.scalars(
        select(Mentorship).where(
            Mentorship.volunteer_id == volunteer.id,
            Mentorship.status.in_(repository.OPEN_MENTORSHIP),
        )
    ):
        _close(
            session,
            actor,
            mentorship,
            volunteer,
            MentorshipStatus.ENDED
            if mentorship.status is MentorshipStatus.ACTIVE
            else MentorshipStatus.DECLINED,
            "the mentor withdrew consent",
        )
    return volunteer


# ---- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MenteeContext:
    client: Client
    stepping_down: bool
    site_id: uuid.UUID
    track: Track | None
    interests: list[str]
    tags: list[str]


def _mentee_context(session: Session, client: Client) -> MenteeContext:
    """Where the client is in care: the latest episode's site, level and track."""
    latest = session.scalar(
        select(Episode)
        .where(Episode.client_id == client.id)
        .order_by(Episode.admitted_on.desc())
        .limit(1)
    )
    level_code: str | None = None
    track: Track | None = None
    if latest is not None:
        segment = session.scalar(
            select(Segment)
            .where(Segment.episode_id == latest.id)
            .order_by(Segment.starts_on.desc())
            .limit(1)
        )
        if segment is not None:
            level_code = continuum_service.level_for(session, segment.level_id).code
            track = segment.track if segment.track is not Track.NONE else None
    stepping_down = latest is not None and rules.is_stepping_down(
        episode_status=latest.status,
        level_code=level_code,
        discharged_on=latest.discharged_on,
        discharge_type=latest.discharge_type,
        today=today(),
    )
    prefs = session.scalar(select(MenteeInterests).where(MenteeInterests.client_id == client.id))
    return MenteeContext(
        client=client,
        stepping_down=stepping_down,
        site_id=latest.site_id if latest else client.site_id,
        track=track,
        interests=list(prefs.interests) if prefs else [],
        tags=list(prefs.tags) if prefs else [],
    )


@dataclass(frozen=True)
class Suggestion:
    volunteer: AlumniVolunteer
    first_name: str
    recovery_days: int
    match: rules.Match


@dataclass(frozen=True)
class Suggestions:
    mentee: MenteeContext
    suggestions: list[Suggestion]
    open_mentorship: Mentorship | None
    interest_choices: tuple[Interest, ...] = tuple(Interest)


def _eligible_candidates(
    session: Session, mentee: Client, min_days: int
) -> tuple[list[rules.Candidate], dict[uuid.UUID, AlumniVolunteer]]:
    volunteers = [
        v for v in session.scalars(repository.all_volunteers()) if v.client_id != mentee.id
    ]
    histories = _histories(session, [v.client_id for v in volunteers])
    counts = _open_counts(session, [v.id for v in volunteers])
    now = today()
    candidates = []
    for v in volunteers:
        if rules.mentor_refusals(_facts(v, histories[v.client_id]), today=now, min_days=min_days):
            continue
        candidates.append(
            rules.Candidate(
                volunteer_id=v.id,
                site_ids=frozenset(uuid.UUID(s) for s in v.site_ids),
                tracks=frozenset(Track(t) for t in v.tracks),
                interests=frozenset(v.interests) | frozenset(v.tags),
                open_mentorships=counts.get(v.id, 0),
                max_mentees=v.max_mentees,
                recovery_days=rules.recovery_days(v.recovery_start, now),
            )
        )
    return candidates, {v.id: v for v in volunteers}


def suggest_mentors(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    min_recovery_days: int,
    limit: int = 5,
) -> Suggestions:
    """The best-matched eligible mentors for a client stepping down (none otherwise).
    Staff see each mentor's first name only; each mentor shown is an audited read."""
    _require(access.READ, actor)
    person = _client(session, actor, client_id)
    mentee = _mentee_context(session, person)
    open_one = session.scalar(repository.open_of_mentee(person.id))
    _audit(session, actor, AuditAction.READ, "alumni_suggestions", person.id, person.id)
    if not mentee.stepping_down:
        return Suggestions(mentee, [], open_one)
    candidates, volunteers = _eligible_candidates(session, person, min_recovery_days)
    facts = rules.MenteeFacts(
        site_id=mentee.site_id,
        track=mentee.track,
        interests=frozenset(mentee.interests) | frozenset(mentee.tags),
    )
    matches = rules.rank(facts, candidates)[:limit]
    names = _first_names(session, [volunteers[m.volunteer_id].client_id for m in matches])
    now = today()
    suggestions = [
        Suggestion(
            volunteers[m.volunteer_id],
            names[volunteers[m.volunteer_id].client_id],
            rules.recovery_days(volunteers[m.volunteer_id].recovery_start, now),
            m,
        )
        for m in matches
    ]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="alumni_volunteer",
        client_ids=[s.volunteer.client_id for s in suggestions],
    )
    return Suggestions(mentee, suggestions, open_one)


def _first_names(session: Session, client_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """First names only, for people the actor may not otherwise read (their consent to be
    introduced covers this much)."""
    if not client_ids:
        return {}
    rows = session.execute(
        select(Client.id, Client.legal_first_name, Client.preferred_name).where(
            Client.id.in_(client_ids)
        )
    ).all()
    return {cid: rules.first_name(first, preferred) for cid, first, preferred in rows}


def set_mentee_interests(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    interests: list[str],
    tags: list[str],
) -> MenteeInterests:
    _require(access.ARRANGE, actor)
    person = _client(session, actor, client_id)
    prefs = session.scalar(select(MenteeInterests).where(MenteeInterests.client_id == person.id))
    if prefs is None:
        prefs = MenteeInterests(client_id=person.id)
        session.add(prefs)
    prefs.interests = rules.parse_interests(interests)
    prefs.tags = rules.parse_tags(",".join(tags))
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "alumni_mentee_interests",
        prefs.id,
        person.id,
        {"interests": prefs.interests, "tags": prefs.tags},
    )
    return prefs


# ---- mentorships ------------------------------------------------------------------------


def propose_mentorship(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    volunteer_id: uuid.UUID,
    min_recovery_days: int,
) -> Mentorship:
    """Staff propose an eligible mentor with room for one more to a client stepping down."""
    _require(access.ARRANGE, actor)
    person = _client(session, actor, client_id)
    mentee = _mentee_context(session, person)
    if not mentee.stepping_down:
        raise Conflict(
            "mentors are for clients at OP or aftercare, or recently discharged",
            field="client_id",
            rule="mentorship.not_stepping_down",
        )
    volunteer = _volunteer(session, volunteer_id)
    if volunteer.client_id == person.id:
        raise Conflict(
            "a client cannot mentor themselves", field="volunteer_id", rule="mentorship.self"
        )
    history = _histories(session, [volunteer.client_id])[volunteer.client_id]
    refusals = rules.mentor_refusals(
        _facts(volunteer, history), today=today(), min_days=min_recovery_days
    )
    if refusals:
        raise Conflict(
            f"this volunteer {rules.REFUSAL_TEXT[refusals[0]]}",
            field="volunteer_id",
            rule=refusals[0],
        )
    if _open_counts(session, [volunteer.id]).get(volunteer.id, 0) >= volunteer.max_mentees:
        raise Conflict(
            "this mentor has all the mentees they offered to take",
            field="volunteer_id",
            rule="mentor.at_limit",
        )
    if session.scalar(repository.open_of_mentee(person.id)) is not None:
        raise Conflict(
            "the client already has a mentorship proposed or running",
            field="client_id",
            rule="mentorship.one_open_per_mentee",
        )
    mentorship = Mentorship(
        volunteer_id=volunteer.id,
        mentee_id=person.id,
        status=MentorshipStatus.PROPOSED,
        proposed_by=actor.user_id,
        proposed_at=utc_now(),
    )
    session.add(mentorship)
    session.flush()
    for who in (person.id, volunteer.client_id):
        _audit(
            session,
            actor,
            AuditAction.CREATE,
            "alumni_mentorship",
            mentorship.id,
            who,
            {"volunteer_id": str(volunteer.id), "mentee_id": str(person.id)},
        )
    return mentorship


def _mentorship(session: Session, mentorship_id: uuid.UUID) -> tuple[Mentorship, AlumniVolunteer]:
    mentorship = session.get(Mentorship, mentorship_id)
    if mentorship is None:
        raise NotFound("no such mentorship")
    return mentorship, _volunteer(session, mentorship.volunteer_id)


def _as_party(
    session: Session, actor: Actor, mentorship_id: uuid.UUID, side: str | None
) -> tuple[Mentorship, AlumniVolunteer]:
    """The mentorship, if the actor is the named side (a client acts only for themselves)
    or staff who may read that side's record (``side`` None: either side will do)."""
    _require(access.PARTY, actor)
    mentorship, volunteer = _mentorship(session, mentorship_id)
    sides = {"mentee": mentorship.mentee_id, "mentor": volunteer.client_id}
    wanted = [sides[side]] if side else list(sides.values())
    visible = session.scalar(
        clients_repository.readable(actor)
        .with_only_columns(Client.id)
        .where(Client.id.in_(wanted))
        .limit(1)
    )
    if visible is None:
        if actor.role is Role.CLIENT:
            raise Forbidden("you may answer only for yourself")
        raise NotFound("no such mentorship, or not one you may see")
    return mentorship, volunteer


def _audit_both(
    session: Session,
    actor: Actor,
    mentorship: Mentorship,
    volunteer: AlumniVolunteer,
    detail: dict[str, Any],
) -> None:
    for who in (mentorship.mentee_id, volunteer.client_id):
        _audit(session, actor, AuditAction.UPDATE, "alumni_mentorship", mentorship.id, who, detail)


def _consent(
    session: Session,
    actor: Actor,
    mentorship_id: uuid.UUID,
    side: str,
    min_recovery_days: int,
    attested: bool,
) -> Mentorship:
    if actor.is_staff and not attested:
        # Staff record a consent given in front of them; they cannot consent for anyone.
        raise Invalid("confirm that they consented in front of you", field="attested")
    mentorship, volunteer = _as_party(session, actor, mentorship_id, side)
    rules.require_proposed(mentorship.status)
    now = utc_now()
    mentor_at = mentorship.mentor_consent_at or (now if side == "mentor" else None)
    mentee_at = mentorship.mentee_consent_at or (now if side == "mentee" else None)
    status = rules.status_after_consent(mentor_at, mentee_at)
    if status is MentorshipStatus.ACTIVE:
        # Checked before anything is written: the mentor may have become ineligible since.
        history = _histories(session, [volunteer.client_id])[volunteer.client_id]
        refusals = rules.mentor_refusals(
            _facts(volunteer, history), today=today(), min_days=min_recovery_days
        )
        if refusals:
            raise Conflict(f"the mentor {rules.REFUSAL_TEXT[refusals[0]]}", rule=refusals[0])
    mentorship.mentor_consent_at = mentor_at
    mentorship.mentee_consent_at = mentee_at
    _audit_both(session, actor, mentorship, volunteer, {"consent": side})
    if status is MentorshipStatus.ACTIVE:
        mentorship.status = status
        mentorship.started_at = now
        _audit_both(session, actor, mentorship, volunteer, {"status": "active"})
        # Each one's first name is now shown to the other: disclosures made with consent.
        pairs = (
            (mentorship.mentee_id, volunteer.client_id),
            (volunteer.client_id, mentorship.mentee_id),
        )
        for subject, recipient in pairs:
            _audit(
                session,
                actor,
                AuditAction.DISCLOSE,
                "alumni_mentorship",
                mentorship.id,
                subject,
                {"disclosed": "first_name", "to_client_id": str(recipient)},
            )
    session.flush()
    return mentorship


def consent_as_mentee(
    session: Session,
    *,
    actor: Actor,
    mentorship_id: uuid.UUID,
    min_recovery_days: int,
    attested: bool = False,
) -> Mentorship:
    """The mentee's consent: by the mentee in the portal, or recorded by staff in person."""
    return _consent(session, actor, mentorship_id, "mentee", min_recovery_days, attested)


def consent_as_mentor(
    session: Session,
    *,
    actor: Actor,
    mentorship_id: uuid.UUID,
    min_recovery_days: int,
    attested: bool = False,
) -> Mentorship:
    """The mentor's consent to this mentee, separate from their consent to volunteer."""
    return _consent(session, actor, mentorship_id, "mentor", min_recovery_days, attested)


def _close(
    session: Session,
    actor: Actor,
    mentorship: Mentorship,
    volunteer: AlumniVolunteer,
    status: MentorshipStatus,
    reason: str,
) -> None:
    mentorship.status = status
    mentorship.ended_at = utc_now()
    mentorship.end_reason = reason.strip()[:300]
    _audit_both(session, actor, mentorship, volunteer, {"status": status.value})
    session.flush()


def decline_mentorship(
    session: Session, *, actor: Actor, mentorship_id: uuid.UUID, reason: str = ""
) -> Mentorship:
    """Either side (or staff) says no to a proposal; nothing is shown to the other."""
    mentorship, volunteer = _as_party(session, actor, mentorship_id, None)
    rules.require_proposed(mentorship.status)
    _close(session, actor, mentorship, volunteer, MentorshipStatus.DECLINED, reason)
    return mentorship


def end_mentorship(
    session: Session, *, actor: Actor, mentorship_id: uuid.UUID, reason: str = ""
) -> Mentorship:
    """Either side (or staff) ends a running mentorship; consent includes leaving."""
    mentorship, volunteer = _as_party(session, actor, mentorship_id, None)
    if mentorship.status is not MentorshipStatus.ACTIVE:
        raise Conflict("only an active mentorship can end", rule="mentorship.not_active")
    _close(session, actor, mentorship, volunteer, MentorshipStatus.ENDED, reason)
    return mentorship


@dataclass(frozen=True)
class MentorshipView:
    mentorship: Mentorship
    mentor_first_name: str
    mentee: Client | None  # when the actor may read the mentee's record


def list_mentorships(
    session: Session, *, actor: Actor, open_only: bool = True
) -> list[MentorshipView]:
    """Mentorships of people the actor may read, newest first."""
    _require(access.READ, actor)
    stmt = repository.readable_mentorships(actor).order_by(Mentorship.proposed_at.desc())
    if open_only:
        stmt = stmt.where(Mentorship.status.in_(repository.OPEN_MENTORSHIP))
    return _mentorship_views(session, actor, list(session.scalars(stmt)))


def _mentorship_views(
    session: Session, actor: Actor, mentorships: list[Mentorship]
) -> list[MentorshipView]:
    volunteers = {
        v.id: v
        for v in session.scalars(
            select(AlumniVolunteer).where(
                AlumniVolunteer.id.in_({m.volunteer_id for m in mentorships})
            )
        )
    }
    names = _first_names(session, [v.client_id for v in volunteers.values()])
    mentees = {
        c.id: c
        for c in session.scalars(
            clients_repository.readable(actor).where(
                Client.id.in_({m.mentee_id for m in mentorships})
            )
        )
    }
    involved = {m.mentee_id for m in mentorships} | {v.client_id for v in volunteers.values()}
    audit_service.record_reads(
        session, actor=actor, entity_type="alumni_mentorship", client_ids=sorted(involved, key=str)
    )
    return [
        MentorshipView(m, names[volunteers[m.volunteer_id].client_id], mentees.get(m.mentee_id))
        for m in mentorships
    ]


# ---- the chart tab and the client's own page ---------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    """An upcoming event a client may come to, with their answer and the head counts."""

    event: AlumniEvent
    status: RsvpStatus | None
    going: int
    waitlisted: int

    @property
    def full(self) -> bool:
        return self.event.capacity is not None and self.going >= self.event.capacity


def _upcoming_for(session: Session, client: Client) -> list[Upcoming]:
    """Events not over nor cancelled, for the client's site or the whole program."""
    events = list(
        session.scalars(
            select(AlumniEvent)
            .where(
                AlumniEvent.ends_at > utc_now(),
                AlumniEvent.cancelled_at.is_(None),
                (AlumniEvent.site_id == client.site_id) | AlumniEvent.site_id.is_(None),
            )
            .order_by(AlumniEvent.starts_at)
            .limit(50)
        )
    )
    answers = {
        r.event_id: r.status
        for r in session.scalars(
            select(Rsvp).where(
                Rsvp.client_id == client.id, Rsvp.event_id.in_([e.id for e in events])
            )
        )
    }
    counts = _counts(session, events)
    return [
        Upcoming(
            e,
            answers.get(e.id),
            counts[e.id].get(RsvpStatus.GOING, 0),
            counts[e.id].get(RsvpStatus.WAITLISTED, 0),
        )
        for e in events
    ]


@dataclass(frozen=True)
class AlumniSection:
    client: Client
    mentorships: list[MentorshipView]  # the client as mentee
    mentoring: list[MentorshipView]  # the client as mentor
    volunteer: AlumniVolunteer | None
    recovery_days: int | None
    upcoming: list[Upcoming]
    can_arrange: bool
    interests: tuple[Interest, ...] = tuple(Interest)
    tracks: tuple[Track, ...] = (Track.DAY, Track.EVENING)


def chart_section(session: Session, *, actor: Actor, client: Client) -> AlumniSection:
    """The chart tab: the client's mentorships with their consent states, their volunteer
    enrolment if any, and upcoming events with their answers. One audited read.
    (Suggested mentors depend on a setting, so the tab loads them from its own page.)"""
    _require(access.READ, actor)
    _audit(session, actor, AuditAction.READ, "alumni", client.id, client.id)
    as_mentee = list(
        session.scalars(
            select(Mentorship)
            .where(Mentorship.mentee_id == client.id)
            .order_by(Mentorship.proposed_at.desc())
        )
    )
    volunteer = session.scalar(
        select(AlumniVolunteer).where(AlumniVolunteer.client_id == client.id)
    )
    as_mentor = (
        list(
            session.scalars(
                select(Mentorship)
                .where(Mentorship.volunteer_id == volunteer.id)
                .order_by(Mentorship.proposed_at.desc())
            )
        )
        if volunteer
        else []
    )
    return AlumniSection(
        client=client,
        mentorships=_mentorship_views(session, actor, as_mentee),
        mentoring=_mentorship_views(session, actor, as_mentor),
        volunteer=volunteer,
        recovery_days=rules.recovery_days(volunteer.recovery_start, today()) if volunteer else None,
        upcoming=_upcoming_for(session, client),
        can_arrange=access.ARRANGE.allows(actor.role),
    )


@dataclass(frozen=True)
class MyMentorship:
    mentorship: Mentorship
    side: str  # "mentee" or "mentor"
    other_first_name: str | None  # None until the other side may be named to this one

    @property
    def my_consent_at(self) -> datetime | None:
        m = self.mentorship
        return m.mentee_consent_at if self.side == "mentee" else m.mentor_consent_at


@dataclass(frozen=True)
class MyAlumni:
    client: Client | None
    events: list[Upcoming]
    mentorships: list[MyMentorship]
    volunteer: AlumniVolunteer | None


def my_alumni(session: Session, *, actor: Actor) -> MyAlumni:
    """A client's own page: upcoming events for their site and the program, their answers,
    and their mentorships, naming the other side only as far as consent allows."""
    _require(access.MINE, actor)
    person = own_client(session, actor)
    if person is None:
        return MyAlumni(None, [], [], None)
    _audit(session, actor, AuditAction.READ, "alumni", person.id, person.id)
    volunteer = session.scalar(
        select(AlumniVolunteer).where(AlumniVolunteer.client_id == person.id)
    )
    rows = list(
        session.scalars(
            select(Mentorship)
            .where(Mentorship.mentee_id == person.id)
            .order_by(Mentorship.proposed_at.desc())
        )
    )
    if volunteer is not None:
        rows += list(
            session.scalars(
                select(Mentorship)
                .where(Mentorship.volunteer_id == volunteer.id)
                .order_by(Mentorship.proposed_at.desc())
            )
        )
    mentors = {
        v.id: v.client_id
        for v in session.scalars(
            select(AlumniVolunteer).where(AlumniVolunteer.id.in_({m.volunteer_id for m in rows}))
        )
    }
    names = _first_names(session, list(mentors.values()) + [m.mentee_id for m in rows])
    mentorships = []
    for m in rows:
        if m.mentee_id == person.id:
            mentorships.append(MyMentorship(m, "mentee", names[mentors[m.volunteer_id]]))
        else:
            named = m.mentee_consent_at is not None and m.status is not MentorshipStatus.DECLINED
            mentorships.append(MyMentorship(m, "mentor", names[m.mentee_id] if named else None))
    return MyAlumni(person, _upcoming_for(session, person), mentorships, volunteer)
