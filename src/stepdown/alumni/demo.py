"""Synthetic alumni events and mentorship for the demo program (every word is made up).

Demo clients who completed treatment volunteer as mentors; the recovery start each one
"states" is before their admission here (sober since an earlier residential stay), so all
but the last have the year the setting asks for, and the last shows why a volunteer is not
suggested yet. Two clients stepping down get a mentor: one mentorship proposed and waiting
for consent, one active. Events: a potluck two weeks ago, a full bowling night with a
waitlist, a program-wide hike the portal client DEMO-0001 signed up for, and a speaker night
at the second site. Entered through the services as the system actor, except the past
potluck's answers: the service rightly refuses answers to an event that is over.

Idempotent: nothing is added once any alumni event exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alumni import service
from stepdown.alumni.models import AlumniEvent, Interest, Rsvp, RsvpStatus
from stepdown.alumni.schemas import EventInput, VolunteerProfile
from stepdown.clients.models import Client
from stepdown.continuum.models import DischargeType, Episode, EpisodeStatus, Track
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.settings import Settings

PORTAL_CLIENT = "DEMO-0001"
# Suggestions and consents in the demo use the setting's default minimum.
MIN_DAYS: int = Settings.model_fields["mentor_min_recovery_days"].default
# Interests of the volunteers, in turn (the last one has too little time in recovery).
VOLUNTEER_INTERESTS: tuple[tuple[list[Interest], list[str]], ...] = (
    ([Interest.PARENTING, Interest.TWELVE_STEP], ["cooking"]),
    ([Interest.FITNESS, Interest.OUTDOORS], ["running"]),
    ([Interest.WORK, Interest.SMART_RECOVERY], []),
    ([Interest.ARTS], ["guitar"]),
)
# 6 p.m. and 9 a.m. on the US east coast, in UTC.
EVENING = time(23, 0)
MORNING = time(14, 0)


def _at(day: date, at: time = EVENING) -> datetime:
    return datetime.combine(day, at, UTC)


def _alumni(session: Session, clients: Sequence[Client]) -> list[tuple[Client, Episode]]:
    """Demo clients whose last episode ended completed, with that episode."""
    by_id = {c.id: c for c in clients}
    latest: dict[uuid.UUID, Episode] = {}
    for episode in session.scalars(
        select(Episode)
        .where(Episode.client_id.in_(by_id))
        .order_by(Episode.client_id, Episode.admitted_on)
    ):
        latest[episode.client_id] = episode
    return [
        (by_id[e.client_id], e)
        for e in latest.values()
        if e.status is EpisodeStatus.DISCHARGED and e.discharge_type is DischargeType.COMPLETED
    ]


def _volunteers(
    session: Session, actor: Actor, alumni: list[tuple[Client, Episode]]
) -> list[Client]:
    enrolled: list[Client] = []
    for (person, episode), (interests, tags) in zip(alumni, VOLUNTEER_INTERESTS, strict=False):
        eligible = len(enrolled) < len(VOLUNTEER_INTERESTS) - 1
        start = episode.admitted_on - timedelta(days=240 if eligible else 0)
        service.enrol_volunteer(
            session,
            actor=actor,
            client_id=person.id,
            data=VolunteerProfile(
                recovery_start=start,
                interests=interests,
                tags=tags,
                site_ids=[person.site_id],
                tracks=[Track.EVENING] if len(enrolled) % 2 else [Track.DAY, Track.EVENING],
            ),
            consent=True,
        )
        enrolled.append(person)
    return enrolled


def _mentorships(
    session: Session, actor: Actor, clients: Sequence[Client], volunteers: list[Client]
) -> None:
    """A proposal for the first client stepping down who has a match, an active mentorship
    for the second."""
    made = 0
    taken = {v.id for v in volunteers}
    for person in clients:
        if made == 2:
            return
        if person.id in taken:
            continue
        found = service.suggest_mentors(
            session, actor=actor, client_id=person.id, min_recovery_days=MIN_DAYS
        )
        if not found.mentee.stepping_down or not found.suggestions:
            continue
        mentorship = service.propose_mentorship(
            session,
            actor=actor,
            client_id=person.id,
            # Spread the demo's mentees over the mentors.
            volunteer_id=found.suggestions[made % len(found.suggestions)].volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        if made == 1:
            for consent in (service.consent_as_mentee, service.consent_as_mentor):
                consent(
                    session,
                    actor=actor,
                    mentorship_id=mentorship.id,
                    min_recovery_days=MIN_DAYS,
                    attested=True,
                )
        made += 1


def _event(
    session: Session,
    actor: Actor,
    *,
    site: Site | None,
    title: str,
    day: date,
    hours: int,
    place: str,
    capacity: int | None,
    description: str,
    at: time = EVENING,
) -> AlumniEvent:
    return service.create_event(
        session,
        actor=actor,
        data=EventInput(
            site_id=site.id if site else None,
            title=title,
            description=description,
            starts_at=_at(day, at),
            ends_at=_at(day, at) + timedelta(hours=hours),
            place=place,
            capacity=capacity,
        ),
    )


def _answer(session: Session, actor: Actor, event: AlumniEvent, people: Sequence[Client]) -> None:
    for person in people:
        service.rsvp(session, actor=actor, event_id=event.id, client_id=person.id)


def seed_demo_alumni(
    session: Session,
    *,
    actor: Actor,
    clients: Sequence[Client],
    sites: dict[str, Site],
    today: date,
) -> None:
    if session.scalar(select(AlumniEvent.id).limit(1)) is not None:
        return
    volunteers = _volunteers(session, actor, _alumni(session, clients))
    _mentorships(session, actor, clients, volunteers)
    at = {code: [c for c in clients if c.site_id == site.id] for code, site in sites.items()}
    portal = [c for c in clients if c.record_number == PORTAL_CLIENT]

    potluck = _event(
        session,
        actor,
        site=None,
        title="Alumni potluck (demo)",
        day=today - timedelta(days=14),
        hours=3,
        place="Riverside community room (demo)",
        capacity=None,
        description="Bring a dish; families welcome.",
    )
    # History: the service refuses answers to an event that is over, so these are rows.
    for number, person in enumerate([*volunteers, *at["S1"][:3]], start=1):
        session.add(
            Rsvp(
                event_id=potluck.id,
                client_id=person.id,
                status=RsvpStatus.GOING,
                queue_number=number,
            )
        )
    session.flush()

    bowling = _event(
        session,
        actor,
        site=sites["S1"],
        title="Sober bowling night (demo)",
        day=today + timedelta(days=5),
        hours=2,
        place="Main Street Lanes (demo)",
        capacity=3,
        description="Shoes are on us.",
    )
    _answer(session, actor, bowling, at["S1"][5:9])  # three places, one on the waitlist
    hike = _event(
        session,
        actor,
        site=None,
        title="Recovery hike (demo)",
        day=today + timedelta(days=12),
        hours=4,
        place="Blue Hills trailhead (demo)",
        capacity=None,
        description="An easy three-mile loop; meet at the trailhead.",
        at=MORNING,
    )
    _answer(session, actor, hike, [*portal, *volunteers[:2]])
    speaker = _event(
        session,
        actor,
        site=sites["S2"],
        title="Alumni speaker night (demo)",
        day=today + timedelta(days=20),
        hours=2,
        place="Harbor Street Clinic, group room A (demo)",
        capacity=25,
        description="Two alumni share what helped in their first year.",
    )
    _answer(session, actor, speaker, at["S2"][:2])
