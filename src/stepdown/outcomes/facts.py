"""The plain facts the outcome measures read, loaded once per report.

The measures (``outcomes.measures``) are pure functions over these frozen records, so each
can be checked by hand on a small cohort without a database; ``outcomes.repository`` fills
them from the tables in a few bulk queries. Every day here is a program-local calendar day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


@dataclass(frozen=True)
class Stretch:
    """One level segment of an episode: ``[starts_on, ends_on)``, ends_on None while open."""

    level: str
    track: str
    starts_on: date
    ends_on: date | None
    transition: str  # continuum.models.Transition value that began it

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


@dataclass(frozen=True)
class EpisodeFact:
    episode_id: uuid.UUID
    client_id: uuid.UUID
    site_id: uuid.UUID
    payer: str  # the primary payer's name, "Self-pay" or "No coverage on file"
    admitted_on: date
    discharged_on: date | None
    discharge_type: str | None  # continuum.models.DischargeType value
    stretches: tuple[Stretch, ...]

    @property
    def first_level(self) -> str:
        return self.stretches[0].level if self.stretches else "unknown"

    @property
    def cohort(self) -> str:
        """The admission month, ``YYYY-MM``."""
        return self.admitted_on.strftime("%Y-%m")

    def stretch_on(self, day: date) -> Stretch | None:
        for stretch in self.stretches:
            if stretch.covers(day):
                return stretch
        return None

    def in_care_on(self, day: date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or day < self.discharged_on)


@dataclass(frozen=True)
class Score:
    """One valid instrument result (entered-in-error ones are never loaded)."""

    client_id: uuid.UUID
    instrument: str  # assessments.rules code: "phq9", "gad7", "bam"
    day: date
    total: int | None
    # BAM only: items 4 (days with alcohol) and 6 (days with drugs) in the 0-4 day bands,
    # and the Use subscale (items 4+5+6, 0-12).
    alcohol_days_band: int | None = None
    drug_days_band: int | None = None
    use_subscale: int | None = None


class SpecimenOutcome(StrEnum):
    """A drug-test order's outcome as the measure counts it: only an unexpected positive
    counts against a negative rate; refused, missed and invalid stay apart, never negative."""

    NEGATIVE = "negative"
    POSITIVE = "unexpected positive"
    INVALID = "invalid"
    REFUSED = "refused"
    MISSED = "missed"
    PENDING = "pending"  # ordered or collected, no result yet: not counted anywhere


@dataclass(frozen=True)
class Specimen:
    """``n`` orders of one day with one outcome; ``client_id`` None when they were counted
    for the whole scope (the page does not need whose they were)."""

    client_id: uuid.UUID | None
    day: date  # ordered on
    outcome: SpecimenOutcome
    n: int = 1


@dataclass(frozen=True)
class CheckInDay:
    client_id: uuid.UUID
    day: date
    used: bool


@dataclass(frozen=True)
class AttendedDay:
    """Minutes credited to a client on a day (all sessions and appointments summed)."""

    client_id: uuid.UUID
    day: date
    minutes: int


@dataclass(frozen=True)
class FollowUpFact:
    episode_id: uuid.UUID
    days_after: int
    due_on: date
    recorded: bool
    reached: bool | None
    abstinent: bool | None
    readmitted: bool | None


class ContactKind(StrEnum):
    CHECK_IN = "check-in"
    RELAPSE_PREVENTION = "relapse-prevention check-in"
    FOLLOW_UP = "follow-up call"
    ALUMNI = "alumni event"


@dataclass(frozen=True)
class Contact:
    """A sign of engagement after discharge."""

    client_id: uuid.UUID
    day: date
    kind: ContactKind


@dataclass(frozen=True)
class AuthFact:
    episode_id: uuid.UUID
    payer: str
    level: str
    status: str  # authorizations.rules.AuthStatus value
    requested_units: int
    approved_units: int | None
    starts_on: date


@dataclass(frozen=True)
class LevelFact:
    code: str
    name: str
    order: int
    weekly_hours_min: float | None
    in_house: bool


@dataclass(frozen=True)
class OutcomeData:
    """Everything one report reads, for the episodes in its scope."""

    as_of: date
    levels: tuple[LevelFact, ...]
    episodes: tuple[EpisodeFact, ...]
    scores: tuple[Score, ...] = ()
    specimens: tuple[Specimen, ...] = ()
    # Every check-in (the per-episode export only); the page reads the two below.
    checkins: tuple[CheckInDay, ...] = ()
    # Check-ins in the range while in care by month of care: {month: (check-ins, used)}.
    checkin_months: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Each discharged episode's first check-in on or after its discharge day.
    checkins_after_discharge: tuple[CheckInDay, ...] = ()
    # Attended days that decide follow-up: the first after each step down or return.
    attendance: tuple[AttendedDay, ...] = ()
    # Credited minutes per client-week, dated on the week's Monday.
    attendance_weeks: tuple[AttendedDay, ...] = ()
    followups: tuple[FollowUpFact, ...] = ()
    contacts: tuple[Contact, ...] = ()
    authorizations: tuple[AuthFact, ...] = ()
    # Every admission date of the scoped clients, in or out of scope: a readmission ends a
    # step down's success even when the new episode lies past the range.
    admissions: dict[uuid.UUID, tuple[date, ...]] = field(default_factory=dict)
    site_names: dict[uuid.UUID, str] = field(default_factory=dict)
