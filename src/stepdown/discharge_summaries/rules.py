"""Pure rules of discharge summaries: which events ask for one, the client's last day in
care, the facts as of that day (levels, services, goals, referrals), what a role may read,
what signing needs, and exactly what a signature covers.

Which events ask for a summary: every discharge, and every referral out to a partner's
detox or residential care made from care here. An episode that opens already referred out
(``continuum.service.admit_referred_out``: the client goes to detox before any care here)
has no care of ours to summarise at that referral; its segment starts on the admission day,
where every later referral starts after it (``continuum.rules.plan_refer_out`` takes an
effective date after the current segment's start).

The last day in care: a discharge's date is the last day in care
(``continuum.rules.plan_discharge``); a referral effective on D ends the stay here on D
(segments are half-open), so the last day here was D - 1. Every fact is read as of that
day, and the services counted run from the admission through it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from pydantic import TypeAdapter

from stepdown.aftercare import access as aftercare_access
from stepdown.attendance import access as attendance_access
from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import ABSENT, ATTENDED
from stepdown.case_management import access as case_management_access
from stepdown.continuum.models import Transition
from stepdown.diagnoses import access as diagnoses_access
from stepdown.discharge_summaries.models import FILED, Prognosis, SummaryKind, SummaryStatus
from stepdown.drug_testing import access as drug_testing_access
from stepdown.kit.errors import Conflict, Invalid
from stepdown.medications import access as medications_access
from stepdown.security.policy import Policy
from stepdown.security.roles import Role
from stepdown.treatment_plans import access as treatment_plans_access
from stepdown.treatment_plans.models import ObjectiveStatus, PlanStatus

# Business rules named in refusals (``rule`` on a 409).
FROZEN = "discharge_summary.signed"
EXISTS = "discharge_summary.exists"
NOT_SIGNED = "discharge_summary.not_signed"
NOT_AWAITING = "discharge_summary.not_awaiting_cosignature"

LIMITS: Final = {
    "reason": 4_000,
    "prognosis_text": 2_000,
    "recommendations": 8_000,
    "narrative": 12_000,
    "addendum": 4_000,
}
# What signing needs: the reason, the outcome and its outlook, and the follow-up care
# (42 CFR 482.24(c)(4)(vii) asks a hospital's summary for "outcome of hospitalization,
# disposition, and provisions for follow-up care"); the comment on the prognosis is optional.
REQUIRED: Final = ("reason", "prognosis", "narrative", "recommendations")
FIELD_LABELS: Final = {
    "reason": "Reason",
    "prognosis": "Prognosis",
    "prognosis_text": "About the prognosis",
    "recommendations": "Recommendations",
    "narrative": "Course of treatment",
}

GROUP, INDIVIDUAL, FAMILY = "group", "individual", "family"
SESSION_KINDS: Final = (GROUP, INDIVIDUAL, FAMILY)
SESSION_LABELS: Final = {
    GROUP: "Group sessions",
    INDIVIDUAL: "Individual sessions",
    FAMILY: "Family sessions",
}


# ---- events -------------------------------------------------------------------------------


def asks_for_summary(transition: Transition, starts_on: date, admitted_on: date) -> bool:
    """Whether a segment is a referral out made from care here (see the module docstring)."""
    return transition is Transition.REFER_OUT and starts_on > admitted_on


def last_day_in_care(kind: SummaryKind, event_on: date, admitted_on: date) -> date:
    if kind is SummaryKind.DISCHARGE:
        return event_on
    return max(admitted_on, event_on - timedelta(days=1))


# ---- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentFacts:
    """A segment of the episode in plain values; ``ends_on`` is exclusive (None: current)."""

    level: str
    code: str
    track: str
    starts_on: date
    ends_on: date | None
    transition: str
    partner: str = ""


@dataclass(frozen=True)
class LevelStay:
    """A stretch at one level, its first and last day (both included) up to the last day
    in care."""

    level: str
    code: str
    track: str
    first_day: date
    last_day: date
    began_with: str  # the transition that started it: admit, step_down, return_from_referral…
    partner: str = ""  # the partner provider, for a stay at detox or residential care

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def stays(segments: Sequence[SegmentFacts], last_day: date) -> tuple[LevelStay, ...]:
    """The episode's stays that began by ``last_day``, each cut at it."""
    found = []
    for s in sorted(segments, key=lambda s: s.starts_on):
        if s.starts_on > last_day:
            continue
        end = last_day if s.ends_on is None else min(s.ends_on - timedelta(days=1), last_day)
        found.append(LevelStay(s.level, s.code, s.track, s.starts_on, end, s.transition, s.partner))
    return tuple(found)


@dataclass(frozen=True)
class Booking:
    """One booking's attendance: its kind (group, individual or family), status and the
    minutes it credited."""

    kind: str
    status: AttendanceStatus
    credited_minutes: int


@dataclass(frozen=True)
class SessionCount:
    kind: str
    attended: int
    excused: int
    unexcused: int
    minutes: int  # minutes of treatment credited (``attendance.rules.credited_minutes``)

    @property
    def label(self) -> str:
        return SESSION_LABELS.get(self.kind, self.kind)

    @property
    def hours(self) -> str:
        return hours_label(self.minutes)


def hours_label(minutes: int) -> str:
    """Whole or one-decimal hours, e.g. "12 h", "7.5 h"."""
    value = round(minutes / 60, 1)
    return f"{value:g} h"


def count_sessions(bookings: Iterable[Booking]) -> tuple[SessionCount, ...]:
    """Per kind of session, in a fixed order: attended, absences (excused and not) and the
    minutes credited. Bookings without a kind we count are left out."""
    totals = {kind: [0, 0, 0, 0] for kind in SESSION_KINDS}
    for b in bookings:
        row = totals.get(b.kind)
        if row is None:
            continue
        if b.status in ATTENDED:
            row[0] += 1
        elif b.status is AttendanceStatus.ABSENT_EXCUSED:
            row[1] += 1
        elif b.status in ABSENT:
            row[2] += 1
        row[3] += b.credited_minutes
    return tuple(SessionCount(kind, *totals[kind]) for kind in SESSION_KINDS)


@dataclass(frozen=True)
class TestingCount:
    """Drug tests of the stay, by order and by specimen (``drug_testing.rules``)."""

    ordered: int = 0
    collected: int = 0
    refused: int = 0
    missed: int = 0
    resulted_specimens: int = 0
    unexpected_positive_specimens: int = 0


@dataclass(frozen=True)
class DiagnosisLine:
    code: str
    description: str
    rank: str  # "principal" or "secondary" on the last day in care
    specifiers: str
    diagnosed_on: date


@dataclass(frozen=True)
class PlanVersion:
    id: uuid.UUID
    episode_id: uuid.UUID
    version: int
    status: PlanStatus
    effective_on: date | None


def plan_in_effect(
    plans: Iterable[PlanVersion], episode_id: uuid.UUID, day: date
) -> PlanVersion | None:
    """The episode's plan version in effect on ``day``: the newest signed version (active or
    since superseded) that took effect by then."""
    found = [
        p
        for p in plans
        if p.episode_id == episode_id
        and p.status is not PlanStatus.DRAFT
        and p.effective_on is not None
        and p.effective_on <= day
    ]
    return max(found, key=lambda p: p.version, default=None)


@dataclass(frozen=True)
class StatusChange:
    """A dated status change (an objective's or a referral's)."""

    changed_on: date
    recorded_at: datetime
    to_status: str


def status_on(changes: Iterable[StatusChange], day: date) -> str | None:
    """The status the latest change dated by ``day`` set (two on one day: the later
    recorded), or None when nothing changed by then."""
    dated = [c for c in changes if c.changed_on <= day]
    if not dated:
        return None
    return max(dated, key=lambda c: (c.changed_on, c.recorded_at)).to_status


@dataclass(frozen=True)
class ObjectiveLine:
    statement: str
    target_date: date
    status: str  # ``ObjectiveStatus`` value on the last day in care

    @property
    def status_label(self) -> str:
        return ObjectiveStatus(self.status).label


@dataclass(frozen=True)
class GoalLine:
    goal: str  # in the client's words
    objectives: tuple[ObjectiveLine, ...]


@dataclass(frozen=True)
class MedicationLine:
    name: str
    prescriber: str
    starts_on: date
    is_mat: bool


@dataclass(frozen=True)
class ReferralLine:
    kind: str  # the need it serves, as labelled
    organization: str
    status: str  # as labelled, on the last day in care
    made_on: date


def in_stay(day: date, admitted_on: date, last_day: date) -> bool:
    return admitted_on <= day <= last_day


@dataclass(frozen=True)
class Partner:
    """The partner provider a referral out sends the client to."""

    name: str
    level: str
    phone: str
    address: str


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class Facts:
    """What the record says about the stay, as of its last day in care."""

    kind: str
    admitted_on: date
    event_on: date
    last_day: date
    disposition: str  # how the stay ended: the discharge type, or the referral
    partner: Partner | None
    levels: tuple[LevelStay, ...]
    sessions: tuple[SessionCount, ...]
    testing: TestingCount
    diagnoses: tuple[DiagnosisLine, ...]
    plan_version: int | None
    goals: tuple[GoalLine, ...]
    medications: tuple[MedicationLine, ...]
    referrals: tuple[ReferralLine, ...]
    aftercare_status: str  # "" (no plan), "draft" or "final"
    aftercare: tuple[Line, ...]

    @property
    def days_in_care(self) -> int:
        return (self.last_day - self.admitted_on).days + 1


_FACTS: Final = TypeAdapter(Facts)


def facts_to_json(facts: Facts) -> dict[str, Any]:
    """The facts as JSON values (dates as ISO text): what is stored and hashed."""
    data: dict[str, Any] = _FACTS.dump_python(facts, mode="json")
    return data


def facts_from_json(data: Mapping[str, Any]) -> Facts:
    return _FACTS.validate_python(dict(data))


# ---- who reads which section ----------------------------------------------------------------


class Section(StrEnum):
    SERVICES = "services"
    DIAGNOSES = "diagnoses"
    GOALS = "goals"
    MEDICATIONS = "medications"
    REFERRALS = "referrals"
    AFTERCARE = "aftercare"

    @property
    def label(self) -> str:
        return SECTION_LABELS[self]


SECTION_LABELS: Final = {
    Section.SERVICES: "Services received",
    Section.DIAGNOSES: "Diagnoses at discharge",
    Section.GOALS: "Progress on goals",
    Section.MEDICATIONS: "Medications at discharge",
    Section.REFERRALS: "Referrals",
    Section.AFTERCARE: "Aftercare plan",
}
# A section of the record is shown to the roles that may read the record it comes from, so
# a summary never becomes a way round another domain's minimum-necessary rule (a case
# manager reads no diagnosis, utilization review no referral or aftercare plan).
SECTION_POLICIES: Final[dict[Section, tuple[Policy, ...]]] = {
    Section.SERVICES: (attendance_access.HOURS, drug_testing_access.ORDERS_READ),
    Section.DIAGNOSES: (diagnoses_access.READ,),
    Section.GOALS: (treatment_plans_access.READ,),
    Section.MEDICATIONS: (medications_access.READ,),
    Section.REFERRALS: (case_management_access.READ,),
    Section.AFTERCARE: (aftercare_access.STAFF,),
}


def withheld_for(role: Role) -> frozenset[Section]:
    """The sections a role does not read (none for the system)."""
    if role is Role.SYSTEM:
        return frozenset()
    return frozenset(
        section
        for section, policies in SECTION_POLICIES.items()
        if not all(p.allows(role) for p in policies)
    )


def withhold(facts: Facts, sections: Iterable[Section]) -> Facts:
    """The facts with the given sections emptied."""
    empty: dict[str, Any] = {}
    for section in sections:
        if section is Section.SERVICES:
            empty |= {"sessions": (), "testing": TestingCount()}
        elif section is Section.DIAGNOSES:
            empty["diagnoses"] = ()
        elif section is Section.GOALS:
            empty |= {"goals": (), "plan_version": None}
        elif section is Section.MEDICATIONS:
            empty["medications"] = ()
        elif section is Section.REFERRALS:
            empty["referrals"] = ()
        else:
            empty |= {"aftercare": (), "aftercare_status": ""}
    return dataclasses.replace(facts, **empty)


# ---- the clinician's words ------------------------------------------------------------------


@dataclass(frozen=True)
class Narrative:
    reason: str = ""
    prognosis: Prognosis | None = None
    prognosis_text: str = ""
    recommendations: str = ""
    narrative: str = ""

    def cleaned(self) -> Narrative:
        return Narrative(
            self.reason.strip(),
            self.prognosis,
            self.prognosis_text.strip(),
            self.recommendations.strip(),
            self.narrative.strip(),
        )

    def texts(self) -> dict[str, str]:
        return {
            "reason": self.reason,
            "prognosis_text": self.prognosis_text,
            "recommendations": self.recommendations,
            "narrative": self.narrative,
        }


def check_lengths(narrative: Narrative) -> None:
    for field, value in narrative.texts().items():
        if len(value) > LIMITS[field]:
            raise Invalid(f"at most {LIMITS[field]} characters", field=field)


def missing(narrative: Narrative) -> list[str]:
    """The fields signing needs that are still empty, in the form's order."""
    values: dict[str, object] = {**narrative.texts(), "prognosis": narrative.prognosis}
    return [field for field in REQUIRED if not values[field]]


def require_complete(narrative: Narrative) -> None:
    gaps = missing(narrative)
    if gaps:
        names = ", ".join(FIELD_LABELS[f].lower() for f in gaps)
        raise Invalid(f"a summary is signed complete; still empty: {names}", field=gaps[0])


def check_addendum(text: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid("write the addendum", field="text")
    if len(text) > LIMITS["addendum"]:
        raise Invalid(f"at most {LIMITS['addendum']} characters", field="text")
    return text


# ---- states ---------------------------------------------------------------------------------


def require_draft(status: SummaryStatus) -> None:
    if status is not SummaryStatus.DRAFT:
        raise Conflict(
            "this summary is signed and can no longer be changed; add an addendum instead",
            rule=FROZEN,
        )


def require_filed(status: SummaryStatus) -> None:
    if status not in FILED:
        raise Conflict(
            "an addendum is added to a signed summary; edit the draft instead", rule=NOT_SIGNED
        )


def require_awaiting(status: SummaryStatus) -> None:
    if status is not SummaryStatus.AWAITING_COSIGNATURE:
        raise Conflict("this summary does not wait for a co-signature", rule=NOT_AWAITING)


# ---- what a signature covers ----------------------------------------------------------------


def signed_content(
    *,
    summary_id: uuid.UUID,
    episode_id: uuid.UUID,
    kind: SummaryKind,
    segment_id: uuid.UUID | None,
    event_on: date,
    narrative: Narrative,
    facts: Mapping[str, Any],
) -> dict[str, Any]:
    """Exactly what a signature on a summary covers: which event it summarises, the
    clinician's words and the record's facts as stored. The client's id is left out: a
    merge of duplicate records re-points the summary at the surviving record, which does
    not change what was signed."""
    return {
        "summary_id": str(summary_id),
        "episode_id": str(episode_id),
        "kind": kind.value,
        "segment_id": str(segment_id) if segment_id else None,
        "event_on": event_on.isoformat(),
        "reason": narrative.reason,
        "prognosis": narrative.prognosis.value if narrative.prognosis else None,
        "prognosis_text": narrative.prognosis_text,
        "recommendations": narrative.recommendations,
        "narrative": narrative.narrative,
        "facts": dict(facts),
    }


def addendum_content(
    *, addendum_id: uuid.UUID, summary_id: uuid.UUID, text: str, written_at: datetime
) -> dict[str, Any]:
    return {
        "addendum_id": str(addendum_id),
        "summary_id": str(summary_id),
        "text": text,
        "written_at": written_at.isoformat(),
    }
