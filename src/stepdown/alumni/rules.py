"""Pure rules for alumni events and mentorship: RSVP capacity, who may mentor, who matches.

Nothing here reads the database or the clock; callers pass facts and today's date.

Time in recovery. A mentor must have at least ``settings.mentor_min_recovery_days`` (365 by
default) since the recovery start date they state. One year is the usual bar for peer
recovery coaches: training programs and certification boards commonly ask applicants for a
minimum of one year of sobriety, self-attested (M. Killeen, "What do I need to do to be a
certified recovery coach?", mkrecoverycoaching.com, 2020). It is a program choice, not a
regulation, hence a setting. The date is the alumnus's own statement, as a sobriety date
is in mutual-help groups; Stepdown does not derive it from drug tests or episodes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from stepdown.alumni.models import Interest, MentorshipStatus, RsvpStatus
from stepdown.continuum.models import DischargeType, EpisodeStatus, Track
from stepdown.kit import bounds
from stepdown.kit.errors import Conflict, Invalid

# A client is "stepping down" toward alumni life at these levels, or soon after discharge.
STEPPING_DOWN_LEVELS = frozenset({"OP", "AFTERCARE"})
RECENT_DISCHARGE_DAYS = 90
MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_MENTEES = 5
# Match weights: sharing a site makes meeting easy, a track shares a daily rhythm, and each
# shared interest gives them something to talk about.
SAME_SITE_POINTS = 3
SAME_TRACK_POINTS = 2
SHARED_INTEREST_POINTS = 1

T = TypeVar("T")


# ---- events and RSVPs -------------------------------------------------------------------


def check_event(
    *, title: str, starts_at: datetime, ends_at: datetime, capacity: int | None, link: str
) -> None:
    """Refuse an event that cannot be put on the calendar, naming the field."""
    if not title.strip():
        raise Invalid("give the event a title", field="title")
    # Every caller (API, pages, CLI, demo) comes through here, so the date window is kept
    # here too: an event in year 1 was stored once and broke the calendar for everyone.
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        bounds.check_instant(moment, field=name)
    if ends_at <= starts_at:
        raise Invalid("the event must end after it starts", field="ends_at")
    if capacity is not None and not 1 <= capacity <= bounds.COUNT_MAX:
        raise Invalid("capacity is at least 1, or empty for no limit", field="capacity")
    if link and not link.startswith(("https://", "http://")):
        raise Invalid("a link starts with https://", field="link")


def status_for_answer(capacity: int | None, going: int) -> RsvpStatus:
    """Someone says they are coming: a place if one is free, else the end of the waitlist."""
    if capacity is None or going < capacity:
        return RsvpStatus.GOING
    return RsvpStatus.WAITLISTED


def to_promote(capacity: int | None, going: int, waitlist: Sequence[T]) -> list[T]:
    """Who moves up from the waitlist (given in queue order) into the free places."""
    if capacity is None:
        return list(waitlist)
    return list(waitlist[: max(capacity - going, 0)])


def check_capacity_change(new_capacity: int | None, going: int) -> None:
    """Lowering capacity never turns away someone who already has a place."""
    if new_capacity is not None and new_capacity < going:
        raise Conflict(
            f"{going} people already have a place; capacity cannot go below that",
            field="capacity",
            rule="event.capacity_below_going",
        )


# ---- volunteers and eligibility ---------------------------------------------------------


def parse_tags(text: str) -> list[str]:
    """Free tags from a comma-separated line: lower case, trimmed, without repeats."""
    tags: list[str] = []
    for raw in text.split(","):
        tag = " ".join(raw.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise Invalid(f"a tag has at most {MAX_TAG_LENGTH} characters", field="tags")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} tags", field="tags")
    return tags


def parse_interests(values: Iterable[str]) -> list[str]:
    """Interests from the fixed list, in the list's order."""
    given = set(values)
    known = {i.value for i in Interest}
    unknown = given - known
    if unknown:
        raise Invalid("choose interests from the list", field="interests")
    return [i.value for i in Interest if i.value in given]


def check_volunteer(*, recovery_start: date, today: date, max_mentees: int) -> None:
    if recovery_start > today:
        raise Invalid("the recovery start date cannot be in the future", field="recovery_start")
    if not 1 <= max_mentees <= MAX_MENTEES:
        raise Invalid(f"a mentor takes 1 to {MAX_MENTEES} mentees", field="max_mentees")


def recovery_days(recovery_start: date, today: date) -> int:
    return max((today - recovery_start).days, 0)


@dataclass(frozen=True)
class VolunteerFacts:
    completed_treatment: bool  # an episode here ended with a completed discharge
    in_treatment: bool  # an episode is open now
    consent_given_at: datetime | None
    consent_withdrawn_at: datetime | None
    active: bool
    recovery_start: date


def mentor_refusals(facts: VolunteerFacts, *, today: date, min_days: int) -> list[str]:
    """Every rule that keeps a volunteer from mentoring now, by name (empty: eligible)."""
    refusals = []
    if not facts.completed_treatment:
        refusals.append("mentor.no_completed_discharge")
    if facts.in_treatment:
        refusals.append("mentor.in_treatment")
    if facts.consent_given_at is None:
        refusals.append("mentor.no_consent")
    elif facts.consent_withdrawn_at is not None:
        refusals.append("mentor.consent_withdrawn")
    if not facts.active:
        refusals.append("mentor.inactive")
    if recovery_days(facts.recovery_start, today) < min_days:
        refusals.append("mentor.recovery_too_short")
    return refusals


REFUSAL_TEXT: dict[str, str] = {
    "mentor.no_completed_discharge": "has not completed treatment here",
    "mentor.in_treatment": "is in treatment again",
    "mentor.no_consent": "has not consented to mentor",
    "mentor.consent_withdrawn": "withdrew consent to mentor",
    "mentor.inactive": "is paused",
    "mentor.recovery_too_short": "has less than the required time in recovery",
}


def is_stepping_down(
    *,
    episode_status: EpisodeStatus,
    level_code: str | None,
    discharged_on: date | None,
    discharge_type: DischargeType | None,
    today: date,
) -> bool:
    """OP or aftercare now, or discharged (alive) within the last 90 days."""
    if episode_status is EpisodeStatus.DISCHARGED:
        return (
            discharged_on is not None
            and discharge_type is not DischargeType.DECEASED
            and (today - discharged_on).days <= RECENT_DISCHARGE_DAYS
        )
    return episode_status is EpisodeStatus.ACTIVE and level_code in STEPPING_DOWN_LEVELS


# ---- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MenteeFacts:
    site_id: uuid.UUID
    track: Track | None
    interests: frozenset[str]  # interests and tags together


@dataclass(frozen=True)
class Candidate:
    volunteer_id: uuid.UUID
    site_ids: frozenset[uuid.UUID]
    tracks: frozenset[Track]
    interests: frozenset[str]
    open_mentorships: int  # proposed or active
    max_mentees: int
    recovery_days: int


@dataclass(frozen=True)
class Match:
    volunteer_id: uuid.UUID
    score: int
    same_site: bool
    same_track: bool
    shared: tuple[str, ...]


def score(mentee: MenteeFacts, candidate: Candidate) -> Match:
    same_site = mentee.site_id in candidate.site_ids
    same_track = mentee.track is not None and mentee.track in candidate.tracks
    shared = tuple(sorted(mentee.interests & candidate.interests))
    points = (
        SAME_SITE_POINTS * same_site
        + SAME_TRACK_POINTS * same_track
        + SHARED_INTEREST_POINTS * len(shared)
    )
    return Match(candidate.volunteer_id, points, same_site, same_track, shared)


def rank(mentee: MenteeFacts, candidates: Iterable[Candidate]) -> list[Match]:
    """Best first: highest score, then longest in recovery, then id, so the order never
    depends on the database's. A mentor at their mentee limit is never suggested."""
    scored = [(score(mentee, c), c) for c in candidates if c.open_mentorships < c.max_mentees]
    scored.sort(
        key=lambda pair: (-pair[0].score, -pair[1].recovery_days, str(pair[1].volunteer_id))
    )
    return [m for m, _ in scored]


# ---- mentorship consent -----------------------------------------------------------------


def require_proposed(status: MentorshipStatus) -> None:
    if status is not MentorshipStatus.PROPOSED:
        raise Conflict(
            f"the mentorship is {status.value}, not waiting for consent",
            rule="mentorship.not_proposed",
        )


def status_after_consent(
    mentor_consent_at: datetime | None, mentee_consent_at: datetime | None
) -> MentorshipStatus:
    """Active only once both have consented, each for themselves."""
    if mentor_consent_at is not None and mentee_consent_at is not None:
        return MentorshipStatus.ACTIVE
    return MentorshipStatus.PROPOSED


def first_name(legal_first_name: str, preferred_name: str) -> str:
    """All a mentor and mentee ever see of each other's name."""
    return preferred_name or legal_first_name
