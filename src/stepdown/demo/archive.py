"""Synthetic past episodes: a program's closed history, written in bulk.

Why it exists: the outcomes page (retention, census by level, admissions and discharges,
symptom response, drug tests, check-ins, transitions, follow-ups, attendance dose,
authorizations) only has a shape when the program has a past. The demo's clients are all in
care now, and the benchmark needs thousands of closed episodes over years; one generator
serves both, so the figures tuned on the demo are the ones measured at scale.

How it stays consistent:

- every episode is planned first from one seeded RNG (``_EpisodePlan``): its path through
  the levels, its dates, the client's chance of use on each day and symptom trajectory.
  Rows are emitted from the plan, so the tables tell one story: a positive test follows a
  day of use that a check-in also reports, a seat exists only on a day the client was at a
  level that meets then, a follow-up exists only once it is due;
- stored values are computed by the same pure rules the services use (instrument scoring,
  credited minutes, result interpretation, the aftercare check-in schedule), so a row reads
  exactly as if staff had entered it;
- the paperwork a real program finishes is finished, so no staff worklist asks for it
  again and a chart reads whole: every discharge and every referral out made from care
  here has its signed summary (``discharge_summaries``: the facts it freezes computed by
  that package's rules from what the history wrote), every individual appointment the
  client attended has its signed progress note (``clinical_notes``), each with an author's
  ``Signature`` whose hash is of exactly the content the service hashes, so the app shows
  it intact; every follow-up call once due is recorded (reached or not), and each
  check-in's reminder went out on its day. A missed relapse-prevention check-in stays
  missed, its alert answered: completing it would put a contact that never happened into
  the outcome figures (the aftercare worklist lists every missed check-in, however old);
- rows go in as Core bulk INSERTs (``session.execute(insert(table), rows)``: one
  executemany per chunk) in the caller's transaction. The services write one ORM object
  and one audit entry per row, which takes minutes for 2,000 episodes; history imported in
  bulk is audited once, as one system event (its detail counts the rows of every table,
  signed records and signatures included);
- every date is relative to ``today`` and every id comes from the seed, so a seed and a day
  give the same rows on every machine.

No history episode is open, and the history ends before the weeks the demo calendar
publishes from the live schedule (``calendar.demo.DEMO_WEEKS``: the two past weeks, this
one and the next): the demo's current clients are in care then, and an export, a re-plan
or an attendance check of those weeks never meets a history client.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from stepdown.aftercare import rules as aftercare_rules
from stepdown.aftercare.models import (
    AftercarePlan,
    EmploymentSchool,
    FollowUp,
    Housing,
    PlanStatus,
    RelapsePreventionCheckIn,
    SoberLivingStatus,
)
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.assessments import rules as assessment_rules
from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance import rules as attendance_rules
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations.demo import CODES as AUTHORIZATION_CODES
from stepdown.authorizations.models import Authorization, AuthorizationEvent
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.calendar.demo import DEMO_WEEKS
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.checkins.models import CheckIn, EntryMode
from stepdown.checkins.rules import RiskySituation
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules as notes_rules
from stepdown.clinical_notes import service as notes_service
from stepdown.clinical_notes.models import (
    ClinicalNote,
    NoteFormat,
    NoteStatus,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    LevelOfCare,
    PartnerProvider,
    Segment,
    Track,
    Transition,
)
from stepdown.coverage.demo import PAYERS as DEMO_PAYERS
from stepdown.coverage.models import Coverage, Payer, PayerPlan, Relationship
from stepdown.demo.names import FIRST_NAMES, GENDERS, LAST_NAMES, REFERRAL_SOURCES
from stepdown.discharge_summaries import rules as summary_rules
from stepdown.discharge_summaries import service as summaries_service
from stepdown.discharge_summaries.models import (
    DischargeSummary,
    Prognosis,
    SummaryKind,
    SummaryStatus,
)
from stepdown.drug_testing import rules as testing_rules
from stepdown.drug_testing.models import (
    Analyte,
    AnalyteResult,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
    StandingTestSchedule,
    TestCollection,
    TestOrder,
)
from stepdown.kit import clock
from stepdown.kit.orm import Base
from stepdown.medications.models import Medication
from stepdown.programs.models import Site
from stepdown.scheduling import service as scheduling_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import (
    Signature,
    SignatureMeaning,
    SignatureMethod,
    Supervision,
    User,
)
from stepdown.security.roles import Role

Row = dict[str, Any]
T = TypeVar("T")

HISTORY_ACTOR = Actor.system("demo:history")
REASON = "Synthetic history."
RECORD_NUMBER_MAX = 20  # client.record_number is a String(20)
CHUNK = 5_000  # rows per executemany: bounded memory, few round trips
FLUSH_EVERY = 40_000  # buffered rows before they are written

SITE_SHARES = (("S1", 0.6), ("S2", 0.4))
DISCHARGE_MIX = (
    (DischargeType.COMPLETED, 0.55),
    (DischargeType.LEFT_AGAINST_ADVICE, 0.25),
    (DischargeType.ADMINISTRATIVE, 0.10),
    (DischargeType.REFERRED_OUT, 0.07),
    (DischargeType.TRANSFERRED, 0.03),
)
FIRST_LEVELS = (("PHP", 0.35), ("IOP", 0.50), ("OP", 0.15))
# Where a completed episode ends: mostly OP or aftercare.
LAST_LEVELS = (("AFTERCARE", 0.55), ("OP", 0.40), ("IOP", 0.05))
ORDER = {"PHP": 3, "IOP": 4, "OP": 5, "AFTERCARE": 6}
DOWN = {"PHP": "IOP", "IOP": "OP", "OP": "AFTERCARE"}
UP = {"IOP": "PHP", "OP": "IOP"}
STAY_DAYS = {"PHP": (14, 28), "IOP": (42, 84), "OP": (42, 112), "AFTERCARE": (28, 84)}
REFERRAL_DAYS = (5, 28)
# Drawn a little above the target shares (8% referral and return, 12% step up): a discharge
# before the inserted move cuts some of them away again.
REFERRAL_CHANCE = 0.11
STEP_UP_CHANCE = 0.2
ADOLESCENT_SHARE = 0.05
# Admission days weigh 1 on the first day of the history and 1 + RECENCY on its last. An
# episode must also end inside the history, so the last months admit only short stays.
RECENCY = 0.5
TESTED_LEVELS = frozenset({"PHP", "IOP", "OP"})
SUBSTANCES = (
    ("alcohol", 0.35, Analyte.ALCOHOL),
    ("opioids", 0.25, Analyte.FENTANYL),
    ("cocaine", 0.15, Analyte.COCAINE),
    ("methamphetamine", 0.10, Analyte.AMPHETAMINES),
    ("cannabis", 0.15, Analyte.CANNABINOIDS),
)
# A urine screen shows use of that day or the day before, most of the time: unexpected
# positives come to about 15% of specimens in the first month and 5-7% later.
DETECTION_DAYS, SENSITIVITY = 2, 0.85
MOUD_NAME = "Buprenorphine-naloxone"
PRESCRIBER = "Dr. Example Prescriber (synthetic)"
MOUD_CHANCE = 0.6  # of clients using opioids
PANEL = (
    Analyte.ALCOHOL,
    Analyte.AMPHETAMINES,
    Analyte.COCAINE,
    Analyte.FENTANYL,
    Analyte.CANNABINOIDS,
)
# Laboratory (definitive) cut-offs in ng/mL, only to give confirmations plausible numbers.
DEFINITIVE_CUTOFF = {
    Analyte.ALCOHOL: 500.0,
    Analyte.AMPHETAMINES: 250.0,
    Analyte.COCAINE: 100.0,
    Analyte.FENTANYL: 1.0,
    Analyte.CANNABINOIDS: 15.0,
    Analyte.BUPRENORPHINE: 5.0,
}
AFTERCARE_WEEKLY_CHECKINS = 12  # weekly for about three months after the plan is given
AFTERCARE_CHECKIN_MONTHS = 3
AFTERCARE_GRACE_DAYS = 3
# Share of due follow-up calls that got through, by days after discharge; 4 in 5 of those
# reach the client. Staff record every call once it is due, the rest as not reached, as
# the aftercare worklist asks (an unrecorded follow-up stays on it).
FOLLOW_UP_ANSWERED = {30: 0.75, 90: 0.60, 180: 0.50, 365: 0.40}
# The nightly aftercare job's hour (``aftercare.tasks.RUN_AT``, 07:00): when a check-in's
# reminder goes out on its due day.
REMINDER_MINUTES = 7 * 60
DISCHARGE_SUMMARIES = {
    DischargeType.COMPLETED: "Synthetic history: completed treatment with an aftercare plan.",
    DischargeType.LEFT_AGAINST_ADVICE: "Synthetic history: stopped attending; outreach made.",
    DischargeType.ADMINISTRATIVE: "Synthetic history: discharged administratively.",
    DischargeType.REFERRED_OUT: "Synthetic history: referred to a partner for more care.",
    DischargeType.TRANSFERRED: "Synthetic history: transferred to another program.",
}


class HistoryPrerequisiteMissing(LookupError):
    """Something the demo seed makes first (sites, levels, partners, clinicians, payers) is
    not there; the message says what and how to get it."""


# --- what the program already has ----------------------------------------------------------


@dataclass(frozen=True)
class _PayerChoice:
    payer_id: uuid.UUID
    plan_id: uuid.UUID | None


@dataclass(frozen=True)
class _Program:
    """The rows the history hangs on, looked up once."""

    site_ids: dict[str, uuid.UUID]
    towns: dict[str, str]
    clinicians: dict[str, tuple[uuid.UUID, ...]]
    case_managers: dict[str, tuple[uuid.UUID, ...]]
    levels: dict[str, uuid.UUID]
    partners: dict[str, tuple[uuid.UUID, ...]]
    payers: tuple[_PayerChoice, ...]
    # What the signed records restate as the app would: level names by code, the partners
    # (for a referral summary), staff names (an aftercare plan's case manager), and the
    # program's note format and deadline.
    level_names: dict[str, str]
    partner_details: dict[uuid.UUID, summary_rules.Partner]
    staff_names: dict[uuid.UUID, str]
    note_format: NoteFormat
    overdue_hours: int


def _missing(what: str) -> HistoryPrerequisiteMissing:
    return HistoryPrerequisiteMissing(
        f"synthetic history needs {what}; run the demo seed (stepdown.demo.seed.seed) first"
    )


def _load_program(session: Session) -> _Program:
    codes = [code for code, _ in SITE_SHARES]
    sites = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(codes)))}
    if absent := [c for c in codes if c not in sites]:
        raise _missing(f"the sites {', '.join(absent)}")
    catalog = session.execute(select(LevelOfCare.code, LevelOfCare.id, LevelOfCare.name)).all()
    levels = {code: level_id for code, level_id, _ in catalog}
    if absent := [c for c in ("DETOX", "RESIDENTIAL", *ORDER) if c not in levels]:
        raise _missing(f"the levels of care {', '.join(absent)} (made by the migrations)")
    supervised = select(Supervision.user_id)
    staff = session.execute(
        select(User.id, User.role, User.site_id, User.display_name)
        .where(
            User.is_active.is_(True),
            User.role.in_((Role.CLINICIAN, Role.CASE_MANAGER)),
            User.id.not_in(supervised),  # an intern carries no caseload of their own
        )
        .order_by(User.username)
    ).all()
    by_site = {code: site.id for code, site in sites.items()}
    clinicians = {
        code: tuple(u for u, role, s, _ in staff if role is Role.CLINICIAN and s == site_id)
        for code, site_id in by_site.items()
    }
    if absent := [c for c, found in clinicians.items() if not found]:
        raise _missing(f"an active clinician at site {', '.join(absent)}")
    managers = {
        code: tuple(u for u, role, s, _ in staff if role is Role.CASE_MANAGER and s == site_id)
        for code, site_id in by_site.items()
    }
    partner_rows = session.execute(
        select(LevelOfCare.code, LevelOfCare.name, PartnerProvider)
        .join(LevelOfCare, LevelOfCare.id == PartnerProvider.level_id)
        .where(PartnerProvider.is_active.is_(True))
        .order_by(PartnerProvider.name, PartnerProvider.id)
    ).all()
    partners = {
        code: tuple(p.id for c, _, p in partner_rows if c == code)
        for code in ("DETOX", "RESIDENTIAL")
    }
    if absent := [c for c, found in partners.items() if not found]:
        raise _missing(f"an active {' and '.join(absent)} partner provider")
    documentation = notes_service.current_settings(session)
    return _Program(
        site_ids=by_site,
        towns={
            code: site.address.rsplit(", ", 1)[-1] or "Springfield" for code, site in sites.items()
        },
        clinicians=clinicians,
        case_managers=managers,
        levels=levels,
        partners=partners,
        payers=_payers(session),
        level_names={code: name for code, _, name in catalog},
        partner_details={
            p.id: summary_rules.Partner(p.name, level_name, p.phone, p.address)
            for _, level_name, p in partner_rows
        },
        staff_names={u: name for u, _, _, name in staff},
        note_format=documentation.note_format,
        overdue_hours=documentation.overdue_hours,
    )


def _payers(session: Session) -> tuple[_PayerChoice, ...]:
    """The demo's payers that sell plans (as ``coverage.demo`` gives clients), in its order:
    not the behavioral-health manager another payer carves out to."""
    managers = {p[5] for p in DEMO_PAYERS if p[5]}
    names = [str(p[0]) for p in DEMO_PAYERS if p[0] not in managers]
    found = dict(
        session.execute(
            select(Payer.name, Payer.id).where(Payer.name.in_(names), Payer.is_active.is_(True))
        ).all()
    )
    if not found:
        raise _missing(f"the demo payers ({', '.join(names)}, made by coverage.demo)")
    plans: dict[uuid.UUID, uuid.UUID] = {}
    for payer_id, plan_id in session.execute(
        select(PayerPlan.payer_id, PayerPlan.id)
        .where(PayerPlan.payer_id.in_(list(found.values())), PayerPlan.is_active.is_(True))
        .order_by(PayerPlan.name)
    ):
        plans.setdefault(payer_id, plan_id)
    return tuple(_PayerChoice(found[n], plans.get(found[n])) for n in names if n in found)


# --- plumbing: ids, times, buffered bulk inserts ---------------------------------------------


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_V4 = (0x4000 << 64) | (0x8000 << 48)


class _Ids:
    """Reproducible version-4 ids. A stream of its own, keyed by the prefix too, so two
    histories seeded alike under different prefixes never collide on a primary key."""

    def __init__(self, seed: int, prefix: str) -> None:
        self._rng = random.Random(f"stepdown-history:{prefix}:{seed}")  # noqa: S311

    def new(self) -> uuid.UUID:
        # The version and variant bits set by hand: ``version=4`` does the same, slower.
        return uuid.UUID(int=self._rng.getrandbits(128) & _UUID_CLEAR | _UUID_V4)


class _Clock:
    """Program wall-clock times as UTC instants (``kit.clock``'s zone), one zone lookup per
    day: every time used is between 08:00 and 23:00, away from any clock change."""

    def __init__(self) -> None:
        self._shift: dict[date, timedelta] = {}

    def at(self, day: date, minutes: int) -> datetime:
        shift = self._shift.get(day)
        if shift is None:
            noon = datetime.combine(day, time(12))
            shift = clock.to_utc(noon) - noon.replace(tzinfo=UTC)
            self._shift[day] = shift
        return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(minutes=minutes) + shift


# Parents before children, so every foreign key finds its row.
TABLES: tuple[type[Base], ...] = (
    Client,
    Episode,
    Segment,
    Medication,
    Coverage,
    Authorization,
    AuthorizationEvent,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
    Appointment,
    AttendanceRecord,
    InstrumentResponse,
    CheckIn,
    StandingTestSchedule,
    TestOrder,
    TestCollection,
    AnalyteResult,
    AftercarePlan,
    RelapsePreventionCheckIn,
    Alert,
    FollowUp,
    DischargeSummary,
    ClinicalNote,
    Signature,
)


class _Rows:
    """Rows waiting to be written, per table; written in ``TABLES`` order."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: dict[type[Base], list[Row]] = {model: [] for model in TABLES}
        # Core INSERTs of the tables: every row carries every column (None is sent as NULL),
        # so each chunk is one executemany; the ORM's bulk path adds a fifth to the time.
        tables = Base.metadata.tables
        self._statements = {model: insert(tables[model.__tablename__]) for model in TABLES}
        self._size = 0
        self.written: Counter[str] = Counter()

    def add(self, model: type[Base], row: Row) -> None:
        self._pending[model].append(row)
        self._size += 1

    def flush_if_full(self) -> None:
        if self._size >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        for model, rows in self._pending.items():
            for start in range(0, len(rows), CHUNK):
                self._session.execute(self._statements[model], rows[start : start + CHUNK])
            self.written[model.__tablename__] += len(rows)
            rows.clear()
        self._size = 0


# --- the plan of one episode -----------------------------------------------------------------


@dataclass(frozen=True)
class _Leg:
    """A stretch at one level, before it has dates."""

    level: str
    track: Track
    days: int
    transition: Transition


@dataclass(frozen=True)
class _Stay:
    """A segment: ``[starts_on, ends_on)`` at one level."""

    level: str
    track: Track
    starts_on: date
    ends_on: date
    transition: Transition
    partner_id: uuid.UUID | None

    @property
    def in_house(self) -> bool:
        return self.transition is not Transition.REFER_OUT

    def days(self) -> Iterator[date]:
        for n in range((self.ends_on - self.starts_on).days):
            yield self.starts_on + timedelta(days=n)


@dataclass(frozen=True)
class _Trajectory:
    """A score moving from ``start`` at admission towards ``end`` over ``over_days``."""

    start: int
    end: int
    over_days: int
    ceiling: int

    def at(self, rng: random.Random, day_number: int) -> int:
        if day_number <= 0:
            return self.start
        progress = min(1.0, day_number / self.over_days)
        mean = self.start + (self.end - self.start) * progress
        return max(0, min(self.ceiling, round(rng.gauss(mean, 1.3))))


@dataclass(frozen=True)
class _EpisodePlan:
    """Everything about one episode that more than one table needs, drawn up front."""

    number: int
    client_id: uuid.UUID
    episode_id: uuid.UUID
    site: str
    clinician: uuid.UUID
    case_manager: uuid.UUID | None
    adolescent: bool
    admitted_on: date
    discharged_on: date
    discharge_type: DischargeType
    stays: tuple[_Stay, ...]
    substance: str
    analyte: Analyte
    moud: bool
    absence: float  # chance of missing a booked session
    phq9: _Trajectory
    gad7: _Trajectory
    use_days: frozenset[date]
    coverage: _PayerChoice | None  # None: self-pay

    @property
    def evening(self) -> bool:
        return any(s.track is Track.EVENING for s in self.stays)


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    """One value, with the chance its weight gives it."""
    roll = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def _track(level: str, evening: bool) -> Track:
    if level == "PHP":
        return Track.DAY
    if level in ("IOP", "OP"):
        return Track.EVENING if evening else Track.DAY
    return Track.NONE


def _chain(
    rng: random.Random, first: str, last: str, evening: bool, transition: Transition
) -> list[_Leg]:
    """Step downs from ``first`` to ``last``, each level for a typical stay."""
    legs = []
    level = first
    while True:
        low, high = STAY_DAYS[level]
        legs.append(_Leg(level, _track(level, evening), rng.randint(low, high), transition))
        if level == last or level not in DOWN:
            return legs
        level, transition = DOWN[level], Transition.STEP_DOWN


def _with_referral(rng: random.Random, legs: list[_Leg], last: str, evening: bool) -> list[_Leg]:
    """Out to a partner's detox or residential care for 5-28 days, back to IOP or PHP, and
    down again from there."""
    candidates = [i for i, leg in enumerate(legs) if leg.level in TESTED_LEVELS and leg.days >= 10]
    if not candidates:
        return legs
    index = rng.choice(candidates)
    leg = legs[index]
    away = "DETOX" if rng.random() < 0.5 else "RESIDENTIAL"
    back = "IOP" if rng.random() < 0.65 else "PHP"
    low, high = STAY_DAYS[back]
    head = [
        *legs[:index],
        replace(leg, days=rng.randint(5, leg.days - 3)),
        _Leg(away, Track.NONE, rng.randint(*REFERRAL_DAYS), Transition.REFER_OUT),
        _Leg(back, _track(back, evening), rng.randint(low, high), Transition.RETURN_FROM_REFERRAL),
    ]
    if ORDER[last] > ORDER[back]:
        head += _chain(rng, DOWN[back], last, evening, Transition.STEP_DOWN)
    return head


def _with_step_up(rng: random.Random, legs: list[_Leg], evening: bool) -> list[_Leg]:
    """A step back up 10-80 days after a step down, then down again after 2-4 weeks: what
    step-down success (no step up within 30/90 days) counts."""
    candidates = [
        i
        for i, leg in enumerate(legs)
        if leg.transition is Transition.STEP_DOWN and leg.level in UP and leg.days >= 24
    ]
    if not candidates:
        return legs
    index = rng.choice(candidates)
    leg = legs[index]
    after = rng.randint(10, min(80, leg.days - 10))
    up = UP[leg.level]
    return [
        *legs[:index],
        replace(leg, days=after),
        _Leg(up, _track(up, evening), rng.randint(14, 28), Transition.STEP_UP),
        _Leg(leg.level, leg.track, leg.days - after, Transition.STEP_DOWN),
        *legs[index + 1 :],
    ]


def _days_in_care(rng: random.Random, discharge: DischargeType, total: int) -> int:
    """How long an episode that did not complete lasted: against-advice leavers go early
    (half in the first month), the others part way through."""
    if discharge is DischargeType.LEFT_AGAINST_ADVICE:
        roll = rng.random()
        days = (
            rng.randint(3, 30)
            if roll < 0.5
            else rng.randint(31, 75)
            if roll < 0.8
            else rng.randint(76, 200)
        )
    else:
        share = {
            DischargeType.ADMINISTRATIVE: (0.2, 0.9),
            DischargeType.TRANSFERRED: (0.1, 0.7),
            DischargeType.REFERRED_OUT: (0.1, 0.6),
        }.get(discharge, (0.2, 0.9))
        days = round(total * rng.uniform(*share))
    if days >= total:
        days = round(total * rng.uniform(0.5, 0.95))
    return max(2, min(days, total - 1))


def _cut(rng: random.Random, legs: list[_Leg], discharge: DischargeType) -> list[_Leg]:
    """The path up to an early discharge. Only a referral out ends away at a partner."""
    total = sum(leg.days for leg in legs)
    if total <= 2:
        return legs
    target = _days_in_care(rng, discharge, total)
    kept: list[_Leg] = []
    start = 0
    for leg in legs:
        if start >= target:
            break
        kept.append(replace(leg, days=min(leg.days, target - start)))
        start += leg.days
    while len(kept) > 1 and kept[-1].transition is Transition.REFER_OUT:
        kept.pop()
    if discharge is DischargeType.REFERRED_OUT:
        away = "RESIDENTIAL" if rng.random() < 0.6 else "DETOX"
        kept.append(_Leg(away, Track.NONE, rng.randint(*REFERRAL_DAYS), Transition.REFER_OUT))
    return kept


def _path(rng: random.Random, discharge: DischargeType, evening: bool) -> list[_Leg]:
    first = _pick(rng, FIRST_LEVELS)
    last = _pick(rng, LAST_LEVELS)
    if ORDER[last] < ORDER[first]:
        last = first
    legs = _chain(rng, first, last, evening, Transition.ADMIT)
    if rng.random() < REFERRAL_CHANCE:
        legs = _with_referral(rng, legs, last, evening)
    if rng.random() < STEP_UP_CHANCE:
        legs = _with_step_up(rng, legs, evening)
    if discharge is not DischargeType.COMPLETED:
        legs = _cut(rng, legs, discharge)
    return legs


def _fit(legs: list[_Leg], span: int, discharge: DischargeType) -> list[_Leg]:
    """Shrink a path longer than the whole history (only with very few months)."""
    total = sum(leg.days for leg in legs)
    if total <= span:
        return legs
    fitted = [replace(leg, days=max(1, leg.days * span // total)) for leg in legs]
    while len(fitted) > 1 and (
        sum(leg.days for leg in fitted) > span
        or (
            fitted[-1].transition is Transition.REFER_OUT
            and discharge is not DischargeType.REFERRED_OUT
        )
    ):
        fitted.pop()
    if sum(leg.days for leg in fitted) > span:
        fitted = [replace(fitted[0], days=span)]
    return fitted


def _admission(
    rng: random.Random, first: date, cap: date, days: int, horizon: tuple[date, int]
) -> date:
    """An admission day that lets the episode end by ``cap``; later days a little likelier,
    weekdays preferred."""
    latest = cap - timedelta(days=days - 1)
    spread = (latest - first).days
    if spread <= 0:
        return first
    start, length = horizon
    while True:
        day = first + timedelta(days=rng.randint(0, spread))
        weight = 1 + RECENCY * (day - start).days / length
        if rng.random() * (1 + RECENCY) <= weight:
            break
    if day.weekday() >= 5 and day - timedelta(days=day.weekday() - 4) >= first:
        day -= timedelta(days=day.weekday() - 4)
    return day


def _stays(plan_legs: list[_Leg], admitted_on: date, ctx: _Context) -> tuple[_Stay, ...]:
    stays = []
    day = admitted_on
    for leg in plan_legs:
        partner = (
            ctx.rng.choice(ctx.program.partners[leg.level])
            if leg.transition is Transition.REFER_OUT
            else None
        )
        end = day + timedelta(days=leg.days)
        stays.append(_Stay(leg.level, leg.track, day, end, leg.transition, partner))
        day = end
    return tuple(stays)


def _trajectory(rng: random.Random, elevated: bool, ceiling: int, high: int) -> _Trajectory:
    """Mostly improving: of elevated starts about 30% remit (< 5), 15% more respond (a
    drop of half or more), 35% improve less and 20% stay flat or worsen."""
    if elevated:
        start = rng.randint(10, high)
        roll = rng.random()
        if roll < 0.30:
            end = rng.randint(0, 4)
        elif roll < 0.45:
            end = rng.randint(5, start // 2)
        elif roll < 0.80:
            end = round(start * rng.uniform(0.6, 0.9))
        else:
            end = min(ceiling, start + rng.randint(0, 5))
    else:
        start = rng.randint(0, 9)
        end = round(start * rng.uniform(0.4, 1.0))
    return _Trajectory(start, end, rng.randint(90, 180), ceiling)


def _use_days(
    rng: random.Random, stays: Sequence[_Stay], risk: float, ama: bool
) -> frozenset[date]:
    """The days the client used while in care: likelier early, and near the end for someone
    about to leave against advice. Tests, check-ins and the BAM all read this one set."""
    if not stays:
        return frozenset()
    admitted = stays[0].starts_on
    last = stays[-1].ends_on
    used = set()
    for stay in stays:
        if not stay.in_house:
            continue
        for day in stay.days():
            n = (day - admitted).days
            chance = risk * (0.065 if n < 30 else 0.03 if n < 90 else 0.02)
            if ama and (last - day).days <= 14:
                chance *= 2.5
            if rng.random() < chance:
                used.add(day)
    return frozenset(used)


def _plan(ctx: _Context, number: int) -> _EpisodePlan:
    rng = ctx.rng
    site = _pick(rng, SITE_SHARES)
    discharge = _pick(rng, DISCHARGE_MIX)
    evening = rng.random() < 0.5
    legs = _fit(_path(rng, discharge, evening), ctx.span, discharge)
    days = sum(leg.days for leg in legs)
    admitted_on = _admission(rng, ctx.first_day, ctx.last_day, days, ctx.horizon)
    stays = _stays(legs, admitted_on, ctx)
    substance = _pick(rng, [(name, weight) for name, weight, _ in SUBSTANCES])
    analyte = next(a for name, _, a in SUBSTANCES if name == substance)
    ama = discharge is DischargeType.LEFT_AGAINST_ADVICE
    risk = rng.lognormvariate(0, 0.5) * (1.8 if ama else 1.0)
    depressed = rng.random() < 0.6
    anxious = rng.random() < (0.65 if depressed else 0.3)
    managers = ctx.program.case_managers[site]
    return _EpisodePlan(
        number=number,
        client_id=ctx.ids.new(),
        episode_id=ctx.ids.new(),
        site=site,
        clinician=rng.choice(ctx.program.clinicians[site]),
        case_manager=rng.choice(managers) if managers else None,
        adolescent=rng.random() < ADOLESCENT_SHARE,
        admitted_on=admitted_on,
        discharged_on=admitted_on + timedelta(days=days - 1),
        discharge_type=discharge,
        stays=stays,
        substance=substance,
        analyte=analyte,
        moud=substance == "opioids" and rng.random() < MOUD_CHANCE,
        absence=rng.uniform(0.15, 0.3) if ama else rng.uniform(0.04, 0.12),
        phq9=_trajectory(rng, depressed, 24, 22),  # item 9 stays 0, so 24 at most
        gad7=_trajectory(rng, anxious, 21, 18),
        use_days=_use_days(rng, stays, risk, ama),
        coverage=None if rng.random() < 0.05 else rng.choice(ctx.program.payers),
    )


# --- the calendar the attendance hangs on ----------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """A standing group of a site: which level and track meets when."""

    code: str
    level: str
    track: Track
    weekdays: tuple[int, ...]
    start: str
    end: str
    topics: tuple[str, ...]

    @cached_property
    def minutes(self) -> int:
        return attendance_rules.scheduled_minutes(self.start, self.end)


_DAY_TOPICS = ("CBT", "DBT", "RP", "MI", "LIFE_SKILLS", "PROCESS")
_EVENING_TOPICS = ("RP", "CBT", "PROCESS", "FAMILY_ED")


def _site_blocks(
    iop_days: tuple[int, ...], iop_evenings: tuple[int, ...], op_evening: int
) -> tuple[_Block, ...]:
    """A site's standing week, sized to the levels' weekly hours (PHP 20-30, IOP 9-15, OP
    1-4): PHP two groups a weekday (26.25 h), IOP three 3-hour groups (9 h), OP one
    90-minute group, aftercare one hour; the individual session comes on top."""
    return (
        _Block("PHPAM", "PHP", Track.DAY, (0, 1, 2, 3, 4), "09:00", "11:30", _DAY_TOPICS),
        _Block("PHPPM", "PHP", Track.DAY, (0, 1, 2, 3, 4), "12:30", "15:15", _DAY_TOPICS),
        _Block("IOPD", "IOP", Track.DAY, iop_days, "09:30", "12:30", _DAY_TOPICS),
        _Block("IOPE", "IOP", Track.EVENING, iop_evenings, "18:00", "21:00", _EVENING_TOPICS),
        _Block("OPD", "OP", Track.DAY, (4,), "10:00", "11:30", ("PROCESS", "RP")),
        _Block("OPE", "OP", Track.EVENING, (op_evening,), "18:00", "19:30", ("PROCESS", "RP")),
        _Block("AFT", "AFTERCARE", Track.NONE, (3,), "17:00", "18:00", ("RP",)),
    )


BLOCKS = {
    "S1": _site_blocks((0, 2, 3), (0, 2, 3), 1),
    "S2": _site_blocks((0, 1, 3), (1, 2, 3), 0),
}
# Individual therapy: (weekdays it may fall on, start, end) by level and track; every week at
# PHP and IOP, every other week at OP.
APPOINTMENT_SLOTS = {
    ("PHP", Track.DAY): ((1, 3), "15:30", "16:20"),
    ("IOP", Track.DAY): ((1, 4), "13:30", "14:20"),
    ("IOP", Track.EVENING): ((1, 4), "16:30", "17:20"),
    ("OP", Track.DAY): ((0, 2), "13:00", "13:50"),
    ("OP", Track.EVENING): ((2, 4), "16:30", "17:20"),
}


def _minutes(clock_time: str) -> int:
    hours, _, minutes = clock_time.partition(":")
    return int(hours) * 60 + int(minutes)


class _Calendar:
    """The published weeks and their group occurrences, made once and shared by every
    client at that level on that day. A week that already has a published build gets the
    history's groups on that build, so each week keeps exactly one."""

    def __init__(
        self, session: Session, rows: _Rows, ids: _Ids, times: _Clock, prefix: str
    ) -> None:
        self._session = session
        self._rows = rows
        self._ids = ids
        self._clock = times
        self._prefix = prefix
        self._builds: dict[date, tuple[uuid.UUID, datetime]] = {}
        self._occurrences: dict[tuple[str, str, date], tuple[uuid.UUID, uuid.UUID]] = {}
        self.reused_builds = 0

    def build(self, day: date) -> tuple[uuid.UUID, datetime]:
        monday = attendance_rules.week_of(day)
        found = self._builds.get(monday)
        if found is not None:
            return found
        published_at = self._clock.at(monday - timedelta(days=3), 14 * 60)
        build_id = self._ids.new()  # drawn either way: the ids never depend on the database
        existing = scheduling_service.published_build(self._session, monday)
        if existing is not None:
            found = (existing.id, existing.published_at or published_at)
            self.reused_builds += 1
        else:
            found = (build_id, published_at)
            self._rows.add(
                ScheduleBuild,
                {
                    "id": found[0],
                    "week_of": monday,
                    "status": BuildStatus.PUBLISHED,
                    "applies_from": monday,
                    "time_limit": None,
                    "instance": {},
                    "solution": {},
                    "summary": {
                        "synthetic_history": True,
                        "method": "synthetic history",
                        "sites": sorted(BLOCKS),
                    },
                    "progress": {},
                    "error": None,
                    "built_by": None,
                    "published_by": None,
                    "published_at": published_at,
                    "created_at": published_at - timedelta(hours=1),
                    "updated_at": published_at,
                },
            )
        self._builds[monday] = found
        return found

    def occurrence(
        self, site: str, site_id: uuid.UUID, block: _Block, day: date, leaders: Sequence[uuid.UUID]
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """(occurrence id, leader) of a block on a day, made at its first seat."""
        key = (site, block.code, day)
        found = self._occurrences.get(key)
        if found is not None:
            return found
        build_id, published_at = self.build(day)
        turn = day.toordinal()
        found = (self._ids.new(), leaders[(turn + len(block.code)) % len(leaders)])
        self._rows.add(
            SessionOccurrence,
            {
                "id": found[0],
                "build_id": build_id,
                "site_id": site_id,
                "group_session_id": None,
                "code": f"{self._prefix}-{site}-{block.code}",
                "day": day,
                "start": block.start,
                "end": block.end,
                "topic": block.topics[turn % len(block.topics)],
                "levels": [block.level],
                "room_id": None,
                "leader_id": found[1],
                "telehealth": False,
                "status": BookingStatus.SCHEDULED,
                "created_at": published_at,
                "updated_at": published_at,
            },
        )
        self._occurrences[key] = found
        return found


# --- the run's shared state -------------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    """An individual appointment the client attended: what its progress note documents."""

    appointment_id: uuid.UUID
    record_id: uuid.UUID
    day: date
    start: str
    end: str
    level: str


@dataclass
class _Ledger:
    """What one episode's rows say that its signed records restate, gathered while the
    rows are emitted: the summaries count its sessions and tests, each attended individual
    appointment gets its progress note."""

    segment_ids: list[uuid.UUID] = field(default_factory=list)
    bookings: list[tuple[date, summary_rules.Booking]] = field(default_factory=list)
    held: list[_Held] = field(default_factory=list)
    orders: list[tuple[date, testing_rules.OrderFacts]] = field(default_factory=list)
    collected_on: dict[uuid.UUID, date] = field(default_factory=dict)
    results: list[tuple[uuid.UUID, testing_rules.ResultFacts]] = field(default_factory=list)
    # Prescriptions, with the day each ended.
    medications: list[tuple[summary_rules.MedicationLine, date]] = field(default_factory=list)
    aftercare: Row | None = None  # the episode's aftercare plan row


@dataclass
class _Context:
    rng: random.Random
    ids: _Ids
    clock: _Clock
    rows: _Rows
    program: _Program
    calendar: _Calendar
    today: date
    first_day: date  # no admission before it
    last_day: date  # no episode after it: the day before the demo calendar's first week
    prefix: str
    serial: Iterator[int]
    # The signed records (summaries, progress notes) draw from streams of their own, so
    # adding them left every other row of a seed as it was.
    record_rng: random.Random
    record_ids: _Ids
    ledger: _Ledger = field(default_factory=_Ledger)

    @property
    def span(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def horizon(self) -> tuple[date, int]:
        return self.first_day, max(1, self.span - 1)


# --- rows, one table family at a time ---------------------------------------------------------


def _client(ctx: _Context, plan: _EpisodePlan) -> tuple[str, str]:
    """The client row; returns the emergency contact's first name and the family name."""
    rng = ctx.rng
    n = plan.number
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    sex, gender, pronouns = rng.choice(GENDERS)
    if plan.adolescent:
        born = plan.admitted_on - timedelta(days=rng.randint(16 * 366, 17 * 365 + 300))
    else:
        born = plan.admitted_on - timedelta(days=round(rng.uniform(18.05, 65.9) * 365.25))
    created = ctx.clock.at(plan.admitted_on - timedelta(days=rng.randint(1, 10)), 11 * 60)
    contact = rng.choice(FIRST_NAMES)
    ctx.rows.add(
        Client,
        {
            "id": plan.client_id,
            "record_number": f"{ctx.prefix}-{n:05d}",
            "legal_first_name": first,
            "legal_last_name": last,
            "preferred_name": rng.choice(FIRST_NAMES) if rng.random() < 0.08 else "",
            "date_of_birth": born,
            "sex_assigned_at_birth": sex,
            "gender_identity": gender,
            "pronouns": pronouns,
            "phone": f"555-01{n % 100:02d}",  # the range reserved for fiction
            "email": f"{first}.{last}.{n}@example.org".lower(),
            "address": f"{100 + n % 900} Example Street, {ctx.program.towns[plan.site]}",
            "emergency_contact_name": f"{contact} {last}",
            "emergency_contact_phone": f"555-01{(n + 50) % 100:02d}",
            "emergency_contact_relationship": "parent"
            if plan.adolescent
            else rng.choice(("parent", "partner", "sibling", "friend")),
            "referral_source": rng.choice(REFERRAL_SOURCES),
            "safe_contact_instructions": "",
            "site_id": ctx.program.site_ids[plan.site],
            "primary_clinician_id": plan.clinician,
            "portal_user_id": None,
            "is_synthetic": True,
            "created_at": created,
            "updated_at": created,
        },
    )
    return contact, last


def _episode(ctx: _Context, plan: _EpisodePlan) -> None:
    admitted = ctx.clock.at(plan.admitted_on, 10 * 60)
    ctx.rows.add(
        Episode,
        {
            "id": plan.episode_id,
            "client_id": plan.client_id,
            "site_id": ctx.program.site_ids[plan.site],
            "status": EpisodeStatus.DISCHARGED,
            "admitted_on": plan.admitted_on,
            "discharged_on": plan.discharged_on,
            "discharge_type": plan.discharge_type,
            "discharge_summary": DISCHARGE_SUMMARIES[plan.discharge_type],
            "discharged_by": plan.clinician,
            "created_at": admitted,
            "updated_at": ctx.clock.at(plan.discharged_on, 17 * 60),
        },
    )
    for stay in plan.stays:
        segment_id = ctx.ids.new()
        ctx.ledger.segment_ids.append(segment_id)
        ctx.rows.add(
            Segment,
            {
                "id": segment_id,
                "episode_id": plan.episode_id,
                "level_id": ctx.program.levels[stay.level],
                "track": stay.track,
                "starts_on": stay.starts_on,
                "ends_on": stay.ends_on,
                "transition": stay.transition,
                "reason": REASON,
                "skip_reason": "",
                "partner_id": stay.partner_id,
                "recorded_by": plan.clinician,
                "recorded_at": ctx.clock.at(stay.starts_on, 16 * 60),
            },
        )
    if plan.moud:
        starts = plan.admitted_on - timedelta(days=ctx.rng.randint(0, 20))
        ctx.ledger.medications.append(
            (summary_rules.MedicationLine(MOUD_NAME, PRESCRIBER, starts, True), plan.discharged_on)
        )
        ctx.rows.add(
            Medication,
            {
                "id": ctx.ids.new(),
                "client_id": plan.client_id,
                "name": MOUD_NAME,
                "analytes": [Analyte.BUPRENORPHINE.value],
                "is_mat": True,
                "prescriber": PRESCRIBER,
                "starts_on": starts,
                "ends_on": plan.discharged_on,
                "stop_reason": "Prescribing continued outside the program after discharge.",
                "created_by": plan.clinician,
                "stopped_by": plan.clinician,
                "created_at": admitted,
                "updated_at": ctx.clock.at(plan.discharged_on, 17 * 60),
            },
        )


def _coverage(ctx: _Context, plan: _EpisodePlan, family: tuple[str, str]) -> uuid.UUID | None:
    """Rank 1 coverage (an adolescent's on a parent's plan); the id when it is insurance,
    which authorizations need."""
    rng = ctx.rng
    coverage_id = ctx.ids.new()
    insured = plan.coverage
    recorded = ctx.clock.at(plan.admitted_on, 9 * 60)
    guardian = plan.adolescent and insured is not None
    ctx.rows.add(
        Coverage,
        {
            "id": coverage_id,
            "client_id": plan.client_id,
            "inquiry_id": None,
            "rank": 1,
            "self_pay": insured is None,
            "payer_id": insured.payer_id if insured else None,
            "plan_id": insured.plan_id if insured else None,
            "member_id": f"{ctx.prefix}M{plan.number:06d}" if insured else "",
            "group_number": f"G{100 + plan.number % 7}" if insured else "",
            "relationship": Relationship.CHILD if guardian else Relationship.SELF,
            "subscriber_first_name": family[0] if guardian else "",
            "subscriber_last_name": family[1] if guardian else "",
            "subscriber_date_of_birth": plan.admitted_on - timedelta(days=rng.randint(38, 55) * 365)
            if guardian
            else None,
            "starts_on": plan.admitted_on - timedelta(days=rng.randint(30, 900))
            if insured
            else None,
            "ends_on": None,
            "ended_reason": "",
            "recorded_by": None,
            "created_at": recorded,
            "updated_at": recorded,
        },
    )
    return coverage_id if insured else None


def _authorizations(ctx: _Context, plan: _EpisodePlan, coverage_id: uuid.UUID) -> None:
    """PHP and IOP stays, authorized in periods (two weeks of PHP, four of IOP): approved
    about 70%, partly 18%, denied 7%, the rest left pending or withdrawn."""
    rng = ctx.rng
    for stay in plan.stays:
        if stay.level not in ("PHP", "IOP") or not stay.in_house:
            continue
        period, per_week = (14, 5) if stay.level == "PHP" else (28, 3)
        starts = stay.starts_on
        while starts < stay.ends_on:
            requested = per_week * period // 7
            asked_on = max(plan.admitted_on, starts - timedelta(days=2))
            asked = ctx.clock.at(asked_on, 10 * 60)
            decided = ctx.clock.at(asked_on + timedelta(days=rng.randint(0, 3)), 15 * 60)
            status = _pick(
                rng,
                (
                    (AuthStatus.APPROVED, 0.70),
                    (AuthStatus.PARTIAL, 0.18),
                    (AuthStatus.DENIED, 0.07),
                    (AuthStatus.PENDING, 0.03),
                    (AuthStatus.CANCELLED, 0.02),
                ),
            )
            approved = (
                requested
                if status is AuthStatus.APPROVED
                else rng.randint(max(1, requested // 3), requested - 1)
                if status is AuthStatus.PARTIAL
                else None
            )
            usable = approved is not None
            answered = status is not AuthStatus.PENDING
            ends = starts + timedelta(days=period - 1)
            authorization_id = ctx.ids.new()
            ctx.rows.add(
                Authorization,
                {
                    "id": authorization_id,
                    "episode_id": plan.episode_id,
                    "client_id": plan.client_id,
                    "coverage_id": coverage_id,
                    "level_code": stay.level,
                    "unit_type": UnitType.DAY,
                    "codes": list(AUTHORIZATION_CODES[stay.level]),
                    "requested_units": requested,
                    "approved_units": approved,
                    "per_week_cap": per_week,
                    "starts_on": starts,
                    "ends_on": ends,
                    "status": status,
                    "auth_number": f"{ctx.prefix}-A{next(ctx.serial):07d}" if usable else "",
                    "next_review_on": ends - timedelta(days=2) if usable else None,
                    "appeal_deadline": decided.date() + timedelta(days=60)
                    if status is AuthStatus.DENIED
                    else None,
                    "reviewer_name": "Pat Reviewer (synthetic)" if answered else "",
                    "reviewer_contact": "555-0160" if answered else "",
                    "notes": "",
                    "requested_by": plan.clinician,
                    "created_at": asked,
                    "updated_at": decided if answered else asked,
                },
            )
            steps: list[tuple[AuthStatus | None, AuthStatus, int | None, datetime, str]] = [
                (None, AuthStatus.PENDING, None, asked, "")
            ]
            if answered:
                note = "Withdrawn: client discharged." if status is AuthStatus.CANCELLED else ""
                steps.append((AuthStatus.PENDING, status, approved, decided, note))
            for before, after, units, at, note in steps:
                ctx.rows.add(
                    AuthorizationEvent,
                    {
                        "id": ctx.ids.new(),
                        "authorization_id": authorization_id,
                        "from_status": before,
                        "to_status": after,
                        "approved_units": units,
                        "note": note,
                        "recorded_by": plan.clinician,
                        "recorded_at": at,
                    },
                )
            starts += timedelta(days=period)


def _attendance_outcome(
    rng: random.Random, plan: _EpisodePlan, day: date, minutes: int
) -> tuple[AttendanceStatus, int, int]:
    """Mostly present, some late or leaving early, absent as often as the client tends to
    be, and far more in the last two weeks of someone about to leave against advice."""
    absent = plan.absence
    if (
        plan.discharge_type is DischargeType.LEFT_AGAINST_ADVICE
        and (plan.discharged_on - day).days < 14
    ):
        absent = max(absent, 0.5)
    if rng.random() < absent:
        excused = rng.random() < 0.4
        return (
            (AttendanceStatus.ABSENT_EXCUSED if excused else AttendanceStatus.ABSENT_UNEXCUSED),
            0,
            0,
        )
    roll = rng.random()
    if roll < 0.05:
        return AttendanceStatus.LATE, rng.randrange(5, min(35, minutes), 5), 0
    if roll < 0.08:
        return AttendanceStatus.LEFT_EARLY, 0, rng.randrange(15, min(75, minutes), 15)
    return AttendanceStatus.PRESENT, 0, 0


def _attendance_row(
    ctx: _Context,
    plan: _EpisodePlan,
    day: date,
    scheduled: int,
    outcome: tuple[AttendanceStatus, int, int],
    recorder: uuid.UUID,
    end: str,
    *,
    seat_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """The attendance record (its id returned), as the ledger's booking too."""
    status, late, left = outcome
    recorded = ctx.clock.at(day, _minutes(end) + 15)
    record_id = ctx.ids.new()
    credited = attendance_rules.credited_minutes(status, scheduled, late, left)
    kind = summary_rules.GROUP if seat_id is not None else AppointmentKind.INDIVIDUAL.value
    ctx.ledger.bookings.append((day, summary_rules.Booking(kind, status, credited)))
    ctx.rows.add(
        AttendanceRecord,
        {
            "id": record_id,
            "seat_id": seat_id,
            "appointment_id": appointment_id,
            "client_id": plan.client_id,
            "site_id": ctx.program.site_ids[plan.site],
            "day": day,
            "scheduled_minutes": scheduled,
            "status": status,
            "late_minutes": late,
            "left_early_minutes": left,
            "credited_minutes": credited,
            "note": "",
            "recorded_by": recorder,
            "recorded_at": recorded,
            "created_at": recorded,
            "updated_at": recorded,
        },
    )
    return record_id


_BLOCKS_BY_DAY = {
    (site, block.level, block.track, weekday): block
    for site, blocks in BLOCKS.items()
    for block in blocks
    for weekday in block.weekdays
}


def _attendance(ctx: _Context, plan: _EpisodePlan) -> None:
    """A seat in every group of the client's level and track that met while they were
    there, an individual appointment every week (every other at OP), and what happened."""
    rng = ctx.rng
    site_id = ctx.program.site_ids[plan.site]
    leaders = ctx.program.clinicians[plan.site]
    for stay in plan.stays:
        if not stay.in_house:
            continue
        blocks = [b for b in BLOCKS[plan.site] if b.level == stay.level and b.track == stay.track]
        slot = APPOINTMENT_SLOTS.get((stay.level, stay.track))
        appointment_day = rng.choice(slot[0]) if slot else -1
        for day in stay.days():
            weekday = day.weekday()
            for block in blocks:
                if weekday not in block.weekdays:
                    continue
                occurrence_id, leader = ctx.calendar.occurrence(
                    plan.site, site_id, block, day, leaders
                )
                seat_id = ctx.ids.new()
                created = ctx.calendar.build(day)[1]
                ctx.rows.add(
                    SessionSeat,
                    {
                        "id": seat_id,
                        "occurrence_id": occurrence_id,
                        "client_id": plan.client_id,
                        "status": BookingStatus.SCHEDULED,
                        "created_at": created,
                        "updated_at": created,
                    },
                )
                outcome = _attendance_outcome(rng, plan, day, block.minutes)
                _attendance_row(
                    ctx, plan, day, block.minutes, outcome, leader, block.end, seat_id=seat_id
                )
            if slot is None or weekday != appointment_day:
                continue
            if stay.level == "OP" and ((day - stay.starts_on).days // 7) % 2:
                continue
            build_id, created = ctx.calendar.build(day)
            _, start, end = slot
            appointment_id = ctx.ids.new()
            ctx.rows.add(
                Appointment,
                {
                    "id": appointment_id,
                    "build_id": build_id,
                    "site_id": site_id,
                    "client_id": plan.client_id,
                    "staff_id": plan.clinician,
                    "kind": AppointmentKind.INDIVIDUAL,
                    "day": day,
                    "start": start,
                    "end": end,
                    "status": BookingStatus.SCHEDULED,
                    "created_at": created,
                    "updated_at": created,
                },
            )
            minutes = attendance_rules.scheduled_minutes(start, end)
            outcome = _attendance_outcome(rng, plan, day, minutes)
            if outcome[0] is AttendanceStatus.PRESENT and rng.random() < 0.1:
                outcome = (AttendanceStatus.TELEHEALTH, 0, 0)
            record_id = _attendance_row(
                ctx,
                plan,
                day,
                minutes,
                outcome,
                plan.clinician,
                end,
                appointment_id=appointment_id,
            )
            if outcome[0] in attendance_rules.ATTENDED:
                ctx.ledger.held.append(
                    _Held(appointment_id, record_id, day, start, end, stay.level)
                )


def _in_house_days(plan: _EpisodePlan) -> list[date]:
    return [day for stay in plan.stays if stay.in_house for day in stay.days()]


def _used_between(plan: _EpisodePlan, first: date, last: date) -> int:
    """Days of use in ``[first, last)``."""
    return sum(1 for d in plan.use_days if first <= d < last)


def _checkins(ctx: _Context, plan: _EpisodePlan) -> list[date]:
    """Two to five self check-ins a week while in care (aftercare level included); returns
    the days a check-in reported use, which may call for a for-cause test."""
    rng = ctx.rng
    chance = rng.uniform(2, 5) / 7
    reported: list[date] = []
    last: date | None = None
    for day in _in_house_days(plan):
        if rng.random() >= chance:
            continue
        since = last + timedelta(days=1) if last else day - timedelta(days=2)
        used = any(
            since + timedelta(days=k) in plan.use_days for k in range((day - since).days + 1)
        )
        last = day
        n = (day - plan.admitted_on).days
        craving = max(0.0, 6 - n / 15) + (3 if used else 0)
        mood = 4 + min(n / 20, 3.5) - (2 if used else 0)
        situations = rng.sample(
            list(RiskySituation), rng.choice((0, 0, 1, 2) if not used else (1, 2))
        )
        if used:
            reported.append(day)
        submitted = ctx.clock.at(day, 19 * 60 + rng.randrange(0, 210, 5))
        ctx.rows.add(
            CheckIn,
            {
                "id": ctx.ids.new(),
                "client_id": plan.client_id,
                "day": day,
                "submitted_at": submitted,
                "craving": max(0, min(10, round(rng.gauss(craving, 1.5)))),
                "mood": max(0, min(10, round(rng.gauss(mood, 1.5)))),
                "sleep_hours": Decimal(rng.randrange(10, 19)) / 2,
                "sleep_quality": rng.randint(2, 5),
                "risky_situations": [s.value for s in situations],
                "risky_other": "",
                "used_since_last": used,
                "substance": plan.substance if used else "",
                "note": "",
                "self_harm_thoughts": False,
                "entered_by": None,
                "entry_mode": EntryMode.SELF,
            },
        )
    return reported


def _spread(
    rng: random.Random, total: int, items: int, *, fixed_zero: int | None = None
) -> list[int]:
    """Item answers 0-3 that add up to ``total`` (``fixed_zero``: an item kept at 0)."""
    answers = [0] * items
    open_items = [i for i in range(items) if i != fixed_zero]
    for _ in range(total):
        item = rng.choice(open_items)
        answers[item] += 1
        if answers[item] == 3:
            open_items.remove(item)
    return answers


def _days_category(days: int) -> int:
    """The BAM's days scale: 0, 1-3, 4-8, 9-15, 16-30 days."""
    return 0 if days == 0 else 1 if days <= 3 else 2 if days <= 8 else 3 if days <= 15 else 4


def _bam_answers(rng: random.Random, plan: _EpisodePlan, day: date) -> list[int]:
    n = (day - plan.admitted_on).days
    progress = min(1.0, n / 120)
    use = (
        _days_category(_used_between(plan, day - timedelta(days=30), day))
        if n > 0
        else rng.randint(2, 4)  # the month before admission
    )
    alcohol = use if plan.substance == "alcohol" else rng.choice((0, 0, 0, 1))
    drugs = use if plan.substance != "alcohol" else rng.choice((0, 0, 0, 1))

    def scale(mean: float) -> int:
        return max(0, min(4, round(rng.gauss(mean, 0.7))))

    risk, protective = 3 - 2 * progress, 1 + 2 * progress
    values = {
        "1": scale(2.5 - progress),
        "2": scale(risk),
        "3": scale(risk),
        "4": alcohol,
        "5": max(0, alcohol - rng.randint(0, 1)),  # heavy days are some of the drinking days
        "6": drugs,
        "8": scale(risk),
        "9": scale(protective),
        "10": scale(protective),
        "11": scale(risk),
        "12": scale(protective),
        "13": scale(protective),
        "14": 4 if rng.random() < 0.7 else 0,
        "15": scale(risk),
        "16": scale(protective),
        "17": scale(protective),
    }
    return [values[item.number] for item in assessment_rules.BAM.items]


def _response(
    ctx: _Context,
    plan: _EpisodePlan,
    code: str,
    answers: list[int],
    at: datetime,
    episode_id: uuid.UUID | None,
    by: uuid.UUID | None,
) -> None:
    score = assessment_rules.score(code, answers)
    ctx.rows.add(
        InstrumentResponse,
        {
            "id": ctx.ids.new(),
            "client_id": plan.client_id,
            "episode_id": episode_id,
            "instrument": score.instrument,
            "answers": answers,
            "total": score.total,
            "band": score.band,
            "subscales": dict(score.subscales),
            "flags": sorted(score.flags),
            "sex": None,
            "administered_by": by,
            "administered_at": at,
            "recorded_at": at + timedelta(minutes=ctx.rng.randint(2, 30)),
            "entered_in_error": False,
            "error_reason": "",
            "error_marked_by": None,
            "error_marked_at": None,
        },
    )


def _phq9(ctx: _Context, plan: _EpisodePlan, day: date) -> list[int]:
    total = plan.phq9.at(ctx.rng, (day - plan.admitted_on).days)
    return _spread(ctx.rng, total, 9, fixed_zero=8)  # item 9 (self-harm) never raised here


def _instruments(ctx: _Context, plan: _EpisodePlan) -> None:
    """PHQ-9, GAD-7 and BAM at admission and about every 28 days while in care; someone
    leaving against advice skips some. Scores come from ``assessments.rules``."""
    rng = ctx.rng
    days = _in_house_days(plan)
    ama = plan.discharge_type is DischargeType.LEFT_AGAINST_ADVICE
    taken: set[date] = set()
    for target in itertools.count(0, 28):
        wanted = plan.admitted_on + timedelta(days=target + (rng.randint(-3, 3) if target else 0))
        at = bisect.bisect_left(days, wanted)  # the next day in care (not away at a partner)
        if at >= len(days):
            break
        day = days[at]
        if day in taken or (target and ama and rng.random() < 0.3):
            continue
        taken.add(day)
        moment = ctx.clock.at(day, 14 * 60 + rng.randrange(0, 150, 5))
        n = (day - plan.admitted_on).days
        _response(ctx, plan, "phq9", _phq9(ctx, plan, day), moment, plan.episode_id, plan.clinician)
        gad = _spread(rng, plan.gad7.at(rng, n), 7)
        _response(ctx, plan, "gad7", gad, moment, plan.episode_id, plan.clinician)
        _response(
            ctx, plan, "bam", _bam_answers(rng, plan, day), moment, plan.episode_id, plan.clinician
        )


def _drug_tests(ctx: _Context, plan: _EpisodePlan, reported_use: list[date]) -> None:
    """An admission test, a standing weekly test while at PHP, IOP or OP, and now and then
    a for-cause test the day after a check-in reported use."""
    rng = ctx.rng
    tested = [s for s in plan.stays if s.level in TESTED_LEVELS and s.in_house]
    if not tested:
        return
    tested_days = {day for stay in tested for day in stay.days()}
    weekday = rng.randint(0, 4)
    schedule_id = ctx.ids.new()
    schedule_ends = max(s.ends_on for s in tested)
    ctx.rows.add(
        StandingTestSchedule,
        {
            "id": schedule_id,
            "client_id": plan.client_id,
            "weekday": weekday,
            "starts_on": plan.admitted_on,
            "ends_on": schedule_ends,
            "created_by": plan.clinician,
            "created_at": ctx.clock.at(plan.admitted_on, 11 * 60),
            "updated_at": ctx.clock.at(plan.admitted_on, 11 * 60),
        },
    )
    orders: dict[date, OrderReason] = {}
    if plan.admitted_on in tested_days:
        orders[plan.admitted_on] = OrderReason.ADMISSION
    for day in sorted(tested_days):
        if day.weekday() == weekday and (day - plan.admitted_on).days >= 3:
            orders.setdefault(day, OrderReason.SCHEDULED)
    for day in reported_use:
        after = day + timedelta(days=1)
        if after in tested_days and after not in orders and rng.random() < 0.2:
            orders[after] = OrderReason.FOR_CAUSE
    evening = plan.evening
    for day in sorted(orders):
        _drug_test(ctx, plan, day, orders[day], schedule_id, evening)


def _drug_test(
    ctx: _Context,
    plan: _EpisodePlan,
    day: date,
    reason: OrderReason,
    schedule_id: uuid.UUID,
    evening: bool,
) -> None:
    rng = ctx.rng
    order_id = ctx.ids.new()
    ordered = ctx.clock.at(day, 8 * 60)
    moment = ctx.clock.at(day, (17 * 60 + 30) if evening else (10 * 60 + 30))
    scale = 1.5 if plan.discharge_type is DischargeType.LEFT_AGAINST_ADVICE else 1.0
    roll = rng.random()
    status = (
        OrderStatus.REFUSED
        if roll < 0.04 * scale
        else OrderStatus.MISSED
        if roll < 0.09 * scale
        else OrderStatus.COLLECTED
    )
    staff_ordered = reason is not OrderReason.SCHEDULED
    order = {
        "id": order_id,
        "client_id": plan.client_id,
        "reason": reason,
        "ordered_on": day,
        "draw_id": None,
        "ordered_by": plan.clinician if staff_ordered else None,
        "status": status,
        "note": "reported use at check-in (synthetic)" if reason is OrderReason.FOR_CAUSE else "",
        "schedule_id": schedule_id if reason is OrderReason.SCHEDULED else None,
        "confirms_order_id": None,
        "confirms_analyte": None,
        "status_note": "" if status is OrderStatus.COLLECTED else "synthetic history",
        "status_changed_at": moment,
        "status_changed_by": plan.clinician,
        "created_at": ordered,
        "updated_at": moment,
    }
    ctx.rows.add(TestOrder, order)
    ctx.ledger.orders.append((day, testing_rules.OrderFacts(reason, status)))
    if status is not OrderStatus.COLLECTED:
        return
    collection_id = ctx.ids.new()
    ctx.ledger.collected_on[collection_id] = day
    ctx.rows.add(
        TestCollection,
        {
            "id": collection_id,
            "order_id": order_id,
            "client_id": plan.client_id,
            "specimen_type": SpecimenType.URINE,
            "observed": reason is OrderReason.FOR_CAUSE or rng.random() < 0.1,
            "collector_id": plan.clinician,
            "chain_of_custody_id": f"{ctx.prefix}-COC-{next(ctx.serial):07d}",
            "collected_at": moment,
            "recorded_by": plan.clinician,
            "created_at": moment,
            "updated_at": moment,
        },
    )
    medications = (
        [testing_rules.ActiveMedication(MOUD_NAME, frozenset({Analyte.BUPRENORPHINE}), True)]
        if plan.moud
        else []
    )
    invalid = rng.random() < 0.033
    # A urine screen shows use of the last few days, not every time.
    recent = any(day - timedelta(days=k) in plan.use_days for k in range(DETECTION_DAYS))
    panel = (*PANEL, Analyte.BUPRENORPHINE) if plan.moud else PANEL
    for analyte in panel:
        if invalid:
            value = ResultValue.INVALID
        elif analyte is Analyte.BUPRENORPHINE:
            value = ResultValue.POSITIVE if rng.random() < 0.95 else ResultValue.NEGATIVE
        elif analyte is plan.analyte and recent and rng.random() < SENSITIVITY:
            value = ResultValue.POSITIVE
        else:
            value = ResultValue.NEGATIVE
        reading = testing_rules.interpret(analyte, value, medications)
        _result(ctx, plan, collection_id, analyte, Method.PRESUMPTIVE, value, reading, moment)
        if testing_rules.needs_confirmation(Method.PRESUMPTIVE, reading):
            _confirmation(ctx, plan, order_id, collection_id, analyte, medications, day)


def _result(
    ctx: _Context,
    plan: _EpisodePlan,
    collection_id: uuid.UUID,
    analyte: Analyte,
    method: Method,
    value: ResultValue,
    reading: testing_rules.Reading,
    at: datetime,
    *,
    measured: float | None = None,
) -> None:
    definitive = method is Method.DEFINITIVE
    ctx.ledger.results.append(
        (
            collection_id,
            testing_rules.ResultFacts(str(collection_id), analyte, method, reading.interpretation),
        )
    )
    ctx.rows.add(
        AnalyteResult,
        {
            "id": ctx.ids.new(),
            "collection_id": collection_id,
            "analyte": analyte,
            "method": method,
            "result": value,
            "value": measured,
            "cutoff": DEFINITIVE_CUTOFF[analyte] if definitive else None,
            "unit": "ng/mL" if definitive else "",
            "interpretation": reading.interpretation,
            "explained_by": ", ".join(reading.explained_by),
            "recorded_by": plan.clinician,
            "created_at": at,
            "updated_at": at,
        },
    )


def _confirmation(
    ctx: _Context,
    plan: _EpisodePlan,
    order_id: uuid.UUID,
    collection_id: uuid.UUID,
    analyte: Analyte,
    medications: list[testing_rules.ActiveMedication],
    day: date,
) -> None:
    """What the app does with an unexpected presumptive positive: a confirmation order,
    resulted by the laboratory's definitive test a few days later."""
    rng = ctx.rng
    ordered = ctx.clock.at(day, 11 * 60)
    resulted = ctx.clock.at(day + timedelta(days=rng.randint(2, 5)), 13 * 60)
    ctx.rows.add(
        TestOrder,
        {
            "id": ctx.ids.new(),
            "client_id": plan.client_id,
            "reason": OrderReason.CONFIRMATION,
            "ordered_on": day,
            "draw_id": None,
            "ordered_by": plan.clinician,
            "status": OrderStatus.RESULTED,
            "note": "",
            "schedule_id": None,
            "confirms_order_id": order_id,
            "confirms_analyte": analyte,
            "status_note": "",
            "status_changed_at": resulted,
            "status_changed_by": plan.clinician,
            "created_at": ordered,
            "updated_at": resulted,
        },
    )
    ctx.ledger.orders.append(
        (day, testing_rules.OrderFacts(OrderReason.CONFIRMATION, OrderStatus.RESULTED))
    )
    confirmed = rng.random() < 0.92
    value = ResultValue.POSITIVE if confirmed else ResultValue.NEGATIVE
    cutoff = DEFINITIVE_CUTOFF[analyte]
    measured = round(cutoff * rng.uniform(1.5, 40), 1) if confirmed else round(cutoff * 0.3, 1)
    reading = testing_rules.interpret(analyte, value, medications)
    _result(
        ctx,
        plan,
        collection_id,
        analyte,
        Method.DEFINITIVE,
        value,
        reading,
        resulted,
        measured=measured,
    )


def _aftercare(ctx: _Context, plan: _EpisodePlan) -> None:
    """A final aftercare plan for an episode that reached aftercare or completed, given on
    its first aftercare day (else the discharge day) with weekly relapse-prevention
    check-ins; and the 30/90/180/365-day follow-ups of every discharge, all four at once as
    the nightly job makes them (it skips an episode that has any), each recorded once due
    (reached or not)."""
    rng = ctx.rng
    aftercare = next((s for s in plan.stays if s.level == "AFTERCARE"), None)
    completed = plan.discharge_type is DischargeType.COMPLETED
    if aftercare is not None or completed:
        _aftercare_plan(ctx, plan, aftercare.starts_on if aftercare else plan.discharged_on)
    for days, due in aftercare_rules.follow_up_dates(plan.discharged_on):
        if due > ctx.today:
            ctx.rows.add(
                FollowUp,
                {
                    "id": ctx.ids.new(),
                    "client_id": plan.client_id,
                    "episode_id": plan.episode_id,
                    "days_after": days,
                    "due_on": due,
                    "recorded_at": None,
                    "recorded_by": None,
                    "recorded_by_client": False,
                    "reached": None,
                    "abstinent": None,
                    "readmitted": None,
                    "employment_school": None,
                    "housing": None,
                },
            )
            continue  # not due yet: nobody has been asked
        share = FOLLOW_UP_ANSWERED[days] * (1.1 if completed else 0.88)
        answered = rng.random() < share
        reached = answered and rng.random() < 0.8
        on = _clamp(
            due + timedelta(days=rng.randint(-3, 21)),
            due - timedelta(days=aftercare_rules.FOLLOW_UP_EARLY_DAYS),
            ctx.today - timedelta(days=1),
        )
        decay = 0.92 ** list(aftercare_rules.FOLLOW_UP_DAYS).index(days)
        abstinent_chance = (0.65 if completed else 0.4) * decay
        who = plan.case_manager or plan.clinician
        ctx.rows.add(
            FollowUp,
            {
                "id": ctx.ids.new(),
                "client_id": plan.client_id,
                "episode_id": plan.episode_id,
                "days_after": days,
                "due_on": due,
                "recorded_at": ctx.clock.at(on, 14 * 60),
                "recorded_by": who,
                "recorded_by_client": False,
                "reached": reached,
                "abstinent": rng.random() < abstinent_chance if reached else None,
                "readmitted": rng.random() < 0.12 if reached else None,
                "employment_school": _pick(
                    rng,
                    (
                        (EmploymentSchool.WORKING, 0.5),
                        (EmploymentSchool.IN_SCHOOL, 0.1),
                        (EmploymentSchool.WORKING_AND_SCHOOL, 0.08),
                        (EmploymentSchool.NEITHER, 0.32),
                    ),
                )
                if reached
                else None,
                "housing": _pick(
                    rng,
                    (
                        (Housing.STABLE, 0.7),
                        (Housing.SOBER_LIVING, 0.12),
                        (Housing.TEMPORARY, 0.13),
                        (Housing.HOMELESS, 0.05),
                    ),
                )
                if reached
                else None,
            },
        )
        if reached and days in (90, 180) and rng.random() < 0.7:
            # A PHQ-9 on the follow-up call: after discharge, so no episode is open.
            moment = ctx.clock.at(on, 14 * 60 + 10)
            _response(ctx, plan, "phq9", _phq9(ctx, plan, on), moment, None, who)


def _aftercare_plan(ctx: _Context, plan: _EpisodePlan, starts_on: date) -> None:
    rng = ctx.rng
    plan_id = ctx.ids.new()
    given = ctx.clock.at(starts_on, 15 * 60)
    sober_living = rng.random() < 0.12
    ctx.ledger.aftercare = {
        "id": plan_id,
        "client_id": plan.client_id,
        "episode_id": plan.episode_id,
        "status": PlanStatus.FINAL,
        "case_manager_id": plan.case_manager,
        "therapy_provider": "Community counseling (synthetic)",
        "therapy_with_whom": "",
        "therapy_when": "Weekly",
        "sober_living_house": "Example Recovery House (synthetic)" if sober_living else "",
        "sober_living_contact": "",
        "sober_living_status": SoberLivingStatus.MOVED_IN if sober_living else None,
        "mat_prescriber": PRESCRIBER if plan.moud else "",
        "mat_medication": MOUD_NAME if plan.moud else "",
        "mat_next_appointment": None,
        "warning_signs": "Synthetic history: skipping meetings, isolating, poor sleep.",
        "coping_steps": "Synthetic history: call a sponsor, go to a meeting, use the plan.",
        "weekly_checkins": AFTERCARE_WEEKLY_CHECKINS,
        "checkin_months": AFTERCARE_CHECKIN_MONTHS,
        "grace_days": AFTERCARE_GRACE_DAYS,
        "starts_on": starts_on,
        "created_by": plan.clinician,
        "finalized_at": given,
        "finalized_by": plan.clinician,
        "created_at": given - timedelta(days=3),
        "updated_at": given,
    }
    ctx.rows.add(AftercarePlan, ctx.ledger.aftercare)
    engaged = 0.6 if plan.discharge_type is DischargeType.LEFT_AGAINST_ADVICE else 1.0
    schedule = aftercare_rules.checkin_schedule(
        starts_on, weekly=AFTERCARE_WEEKLY_CHECKINS, months=AFTERCARE_CHECKIN_MONTHS
    )
    for sequence, due in enumerate(schedule, start=1):
        days = (due - starts_on).days
        chance = (0.72 if days <= 30 else 0.55 if days <= 60 else 0.4) * engaged
        done_on = _clamp(
            due + timedelta(days=rng.randint(-2, 3)),
            due - timedelta(days=aftercare_rules.CHECKIN_EARLY_DAYS),
            ctx.today - timedelta(days=1),
        )
        done = due < ctx.today and rng.random() < chance
        missed = not done and due + timedelta(days=AFTERCARE_GRACE_DAYS) < ctx.today
        # The job's reminder went out on the due day, unless the client checked in early.
        reminded = due < ctx.today and not (done and done_on < due)
        checkin_id = ctx.ids.new()
        alerted = ctx.clock.at(due + timedelta(days=AFTERCARE_GRACE_DAYS + 1), 8 * 60)
        ctx.rows.add(
            RelapsePreventionCheckIn,
            {
                "id": checkin_id,
                "plan_id": plan_id,
                "client_id": plan.client_id,
                "sequence": sequence,
                "due_on": due,
                "completed_at": ctx.clock.at(done_on, 18 * 60) if done else None,
                "completed_by": None,  # the client, in the portal
                "reminder_sent_at": ctx.clock.at(due, REMINDER_MINUTES) if reminded else None,
                # As the nightly job marks it, with its alert below: else its next run
                # would raise an alert for every check-in missed in the last year.
                "missed_alerted_at": alerted if missed else None,
            },
        )
        if missed:
            _missed_alert(ctx, plan, checkin_id, due, alerted)


def _missed_alert(
    ctx: _Context, plan: _EpisodePlan, checkin_id: uuid.UUID, due: date, raised: datetime
) -> None:
    """The alert ``aftercare.service.alert_missed`` raises for a missed check-in, answered
    by the client's case manager a day or two later (left open when that is not yet past)."""
    seen = raised.date() + timedelta(days=ctx.rng.randint(1, 2))
    answered = seen < ctx.today
    ctx.rows.add(
        Alert,
        {
            "id": ctx.ids.new(),
            "client_id": plan.client_id,
            "kind": AlertKind.AFTERCARE_CHECKIN_MISSED,
            "severity": Severity.HIGH,
            "summary": f"Aftercare check-in due {due.isoformat()} was missed: "
            "reach out to the client",
            "source_type": "aftercare_checkin",
            "source_id": checkin_id,
            "created_at": raised,
            "created_by": None,
            "acknowledged_at": ctx.clock.at(seen, 10 * 60) if answered else None,
            "acknowledged_by": (plan.case_manager or plan.clinician) if answered else None,
            "acknowledgement_note": "Synthetic history: outreach made." if answered else "",
        },
    )


def _clamp(day: date, low: date, high: date) -> date:
    return max(low, min(day, high))


# --- the signed records of care ---------------------------------------------------------------
#
# What a real program signs alongside those rows, so that no worklist asks for it again and
# a chart reads whole: a summary for every discharge and every referral out made from care
# here (``discharge_summaries``), and a progress note for every individual appointment the
# client attended (``clinical_notes``). Each is stored as the services store a signed one:
# status signed, signed by the client's clinician (never a supervised intern, whose signature
# would wait for a co-signature), the facts a summary freezes computed by the same rules the
# service gathers them with, and a ``Signature`` (meaning author, method password, as
# ``signing.record_seeded_signature`` stores a synthetic staff member's) whose hash is of the
# content the service hashes (``discharge_summaries.rules.signed_content``,
# ``clinical_notes.service.note_content``), so the app shows each signature intact.

# When a clinician signs a progress note: most the same afternoon, some the next morning, a
# few days late (a late entry, past the program's deadline, as in any program).
NOTE_SIGNED = (("same_day", 0.75), ("next_day", 0.21), ("late", 0.04))
SUMMARY_SIGNED_DAYS = (0, 4)  # after the discharge or the referral
PROGNOSES: dict[DischargeType | None, tuple[tuple[Prognosis, float], ...]] = {
    DischargeType.COMPLETED: ((Prognosis.GOOD, 0.6), (Prognosis.FAIR, 0.4)),
    DischargeType.LEFT_AGAINST_ADVICE: ((Prognosis.GUARDED, 0.55), (Prognosis.POOR, 0.45)),
    DischargeType.ADMINISTRATIVE: ((Prognosis.FAIR, 0.3), (Prognosis.GUARDED, 0.7)),
    DischargeType.REFERRED_OUT: ((Prognosis.FAIR, 0.5), (Prognosis.GUARDED, 0.5)),
    DischargeType.TRANSFERRED: ((Prognosis.GOOD, 0.3), (Prognosis.FAIR, 0.7)),
    None: ((Prognosis.FAIR, 0.6), (Prognosis.GUARDED, 0.4)),  # a referral out
}
PROGNOSIS_TEXT = {
    Prognosis.GOOD: "Synthetic history: engaged throughout, with supports in place.",
    Prognosis.FAIR: "Synthetic history: real progress; stressors and cravings remain.",
    Prognosis.GUARDED: "Synthetic history: engagement was uneven; the risk of relapse is high.",
    Prognosis.POOR: "Synthetic history: left care early, still using.",
}
RECOMMENDATIONS: dict[DischargeType | None, str] = {
    DischargeType.COMPLETED: "Synthetic history: follow the aftercare plan; weekly therapy in "
    "the community; mutual-help meetings; call the program at any sign of relapse.",
    DischargeType.LEFT_AGAINST_ADVICE: "Synthetic history: return to outpatient care when "
    "ready; outreach by the case manager; the crisis line was given.",
    DischargeType.ADMINISTRATIVE: "Synthetic history: outpatient care elsewhere; the program "
    "may be contacted again for readmission.",
    DischargeType.REFERRED_OUT: "Synthetic history: complete the partner's program; "
    "continuing care to be planned with the partner.",
    DischargeType.TRANSFERRED: "Synthetic history: continue treatment at the receiving "
    "program; records sent with consent.",
    None: "Synthetic history: complete the partner's program, then return here to step down.",
}
# A progress note's sections, by what each holds (``clinical_notes.rules.SECTIONS``: the
# keys of DAP, BIRP and SOAP). No word in them is a name the demo gives a client: the name
# check of every note would refuse it (tests/demo/test_archive.py checks).
NOTE_ROLE = {
    "data": "report",
    "behavior": "report",
    "subjective": "report",
    "objective": "observed",
    "assessment": "assessment",
    "intervention": "intervention",
    "response": "assessment",
    "plan": "plan",
}
NOTE_TEXT: dict[str, tuple[str, ...]] = {
    "report": (
        "described a stressful week at work and how the cravings were handled",
        "talked about sleep and the daily routine",
        "reviewed the check-in answers of the week",
        "brought the completed worksheet and went over it",
        "talked about a family gathering coming up",
        "described a good week and what helped",
    ),
    "observed": (
        "On time, alert and engaged; mood appeared steady.",
        "Arrived a little late, settled quickly; mood appeared low.",
        "Engaged and talkative; mood appeared brighter than last week.",
        "Quiet at first, engaged by the end; anxious but calmer after the exercise.",
    ),
    "intervention": (
        "Motivational interviewing on the goals the client named.",
        "Cognitive restructuring of one thought linked to cravings.",
        "Relapse-prevention planning for the coming weekend.",
        "Reviewed coping skills and rehearsed a refusal.",
        "Practised urge surfing; the urge was rated before and after.",
    ),
    "assessment": (
        "Progress is steady; skills are used between sessions.",
        "Ambivalence remains, with growing confidence in the plan.",
        "Stress is the main risk this week; no acute concerns.",
        "Insight into triggers is growing; the client names them unprompted.",
    ),
    "plan": (
        "Continue weekly sessions; practise the skill discussed.",
        "Complete a thought record before the next session.",
        "Attend two mutual-help meetings and note how each went.",
        "Keep the sleep routine and track it for a week.",
        "Review progress at the next session; no change to the level of care.",
    ),
}
AFTER_USE = "A lapse this week; motivation to continue is intact and the plan was adjusted."


def _sign(
    ctx: _Context,
    plan: _EpisodePlan,
    entity_type: str,
    entity_id: uuid.UUID,
    content: dict[str, Any],
    at: datetime,
) -> None:
    """The author's signature on a record, as the services store it."""
    ctx.rows.add(
        Signature,
        {
            "id": ctx.record_ids.new(),
            "entity_type": entity_type,
            "entity_id": entity_id,
            "client_id": plan.client_id,
            "signer_id": plan.clinician,
            "meaning": SignatureMeaning.AUTHOR,
            "method": SignatureMethod.PASSWORD,
            "signed_at": at,
            "content_hash": signing.content_hash(content),
        },
    )


def _testing(ctx: _Context, first: date, last: date) -> summary_rules.TestingCount:
    """The stay's drug tests as ``drug_testing.service.period_testing`` counts them: the
    orders made in ``[first, last]`` and the results of their specimens."""
    ledger = ctx.ledger
    orders = [o for day, o in ledger.orders if first <= day <= last]
    results = [r for c, r in ledger.results if first <= ledger.collected_on[c] <= last]
    summary = testing_rules.summarize(orders, results)
    specimens = testing_rules.count_specimens(results)
    return summary_rules.TestingCount(
        ordered=summary.ordered,
        collected=summary.collected,
        refused=summary.refused,
        missed=summary.missed,
        resulted_specimens=specimens.resulted,
        unexpected_positive_specimens=specimens.unexpected_positive,
    )


def _aftercare_lines(ctx: _Context) -> tuple[str, tuple[summary_rules.Line, ...]]:
    """The episode's aftercare plan in the lines ``discharge_summaries.service`` writes
    (the history's plans have no meetings or crisis contacts)."""
    plan = ctx.ledger.aftercare
    if plan is None:
        return "", ()
    lines = [
        summary_rules.Line(
            "Continued therapy", f"{plan['therapy_provider']}; {plan['therapy_when']}"
        )
    ]
    if plan["sober_living_house"]:
        status = plan["sober_living_status"]
        lines.append(
            summary_rules.Line("Sober living", f"{plan['sober_living_house']} ({status.label})")
        )
    if plan["mat_medication"]:
        lines.append(
            summary_rules.Line(
                "Medication for recovery",
                f"{plan['mat_medication']}, prescribed by {plan['mat_prescriber']}",
            )
        )
    lines.append(
        summary_rules.Line(
            "Check-ins with the program",
            f"weekly for {plan['weekly_checkins']} weeks, then monthly to "
            f"{plan['checkin_months']} months",
        )
    )
    manager = ctx.program.staff_names.get(plan["case_manager_id"], "")
    if manager:
        lines.append(summary_rules.Line("Followed by", manager))
    return plan["status"].value, tuple(lines)


def _facts(
    ctx: _Context, plan: _EpisodePlan, kind: SummaryKind, referral: _Stay | None, event_on: date
) -> summary_rules.Facts:
    """The record's facts as of the last day in care, as ``discharge_summaries.service``
    gathers them: the levels, the sessions and the tests of the stay, the prescriptions
    then active and the aftercare plan; no diagnosis, plan goal or community referral, since
    the history writes none."""
    program = ctx.program
    last = summary_rules.last_day_in_care(kind, event_on, plan.admitted_on)
    segments = [
        summary_rules.SegmentFacts(
            level=program.level_names[s.level],
            code=s.level,
            track=s.track.value,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            transition=s.transition.value,
            partner=program.partner_details[s.partner_id].name if s.partner_id else "",
        )
        for s in plan.stays
    ]
    partner = None
    if referral is None:
        disposition = f"Discharged ({plan.discharge_type.label.lower()})"
    else:
        partner = program.partner_details.get(referral.partner_id) if referral.partner_id else None
        where = partner.name if partner else "a partner provider"
        disposition = f"Referred out to {program.level_names[referral.level]} at {where}"
    sessions = summary_rules.count_sessions(
        booking for day, booking in ctx.ledger.bookings if plan.admitted_on <= day <= last
    )
    aftercare_status, aftercare = (
        _aftercare_lines(ctx) if kind is SummaryKind.DISCHARGE else ("", ())
    )
    return summary_rules.Facts(
        kind=kind.value,
        admitted_on=plan.admitted_on,
        event_on=event_on,
        last_day=last,
        disposition=disposition,
        partner=partner,
        levels=summary_rules.stays(segments, last),
        sessions=sessions,
        testing=_testing(ctx, plan.admitted_on, last),
        diagnoses=(),
        plan_version=None,
        goals=(),
        medications=tuple(
            sorted(
                (m for m, ends in ctx.ledger.medications if m.starts_on <= last <= ends),
                key=lambda m: (m.name.lower(), m.starts_on),
            )
        ),
        referrals=(),
        aftercare_status=aftercare_status,
        aftercare=aftercare,
    )


def _course(facts: summary_rules.Facts) -> str:
    """The course of treatment, in a few words from the facts."""
    levels = ", then ".join(dict.fromkeys(stay.code for stay in facts.levels))
    attended = {count.kind: count.attended for count in facts.sessions}
    testing = facts.testing
    return (
        f"Synthetic history: {facts.days_in_care} days in care ({levels}). Attended "
        f"{attended[summary_rules.GROUP]} group and {attended[summary_rules.INDIVIDUAL]} "
        f"individual sessions; {testing.collected} of {testing.ordered} drug tests collected, "
        f"{testing.unexpected_positive_specimens} with an unexpected positive."
    )


def _summary(
    ctx: _Context,
    plan: _EpisodePlan,
    kind: SummaryKind,
    referral: _Stay | None,
    segment_id: uuid.UUID | None,
    event_on: date,
) -> None:
    rng = ctx.record_rng
    summary_id = ctx.record_ids.new()
    facts = _facts(ctx, plan, kind, referral, event_on)
    outcome = plan.discharge_type if referral is None else None
    prognosis = _pick(rng, PROGNOSES[outcome])
    narrative = summary_rules.Narrative(
        reason=DISCHARGE_SUMMARIES[plan.discharge_type]
        if referral is None
        else f"Synthetic history: referred out to {ctx.program.level_names[referral.level]} "
        "for more care.",
        prognosis=prognosis,
        prognosis_text=PROGNOSIS_TEXT[prognosis],
        recommendations=RECOMMENDATIONS[outcome],
        narrative=_course(facts),
    )
    stored = summary_rules.facts_to_json(facts)
    written = ctx.clock.at(event_on, 15 * 60)
    signed_on = event_on + timedelta(days=rng.randint(*SUMMARY_SIGNED_DAYS))
    signed = ctx.clock.at(max(event_on, min(signed_on, ctx.today - timedelta(days=1))), 16 * 60)
    ctx.rows.add(
        DischargeSummary,
        {
            "id": summary_id,
            "client_id": plan.client_id,
            "episode_id": plan.episode_id,
            "kind": kind,
            "segment_id": segment_id,
            "event_on": event_on,
            "author_id": plan.clinician,
            "status": SummaryStatus.SIGNED,
            "reason": narrative.reason,
            "prognosis": narrative.prognosis,
            "prognosis_text": narrative.prognosis_text,
            "recommendations": narrative.recommendations,
            "narrative": narrative.narrative,
            "facts": stored,
            "signed_at": signed,
            "signed_by": plan.clinician,
            "cosigned_at": None,
            "cosigned_by": None,
            "created_at": written,
            "updated_at": signed,
        },
    )
    content = summary_rules.signed_content(
        summary_id=summary_id,
        episode_id=plan.episode_id,
        kind=kind,
        segment_id=segment_id,
        event_on=event_on,
        narrative=narrative,
        facts=stored,
    )
    _sign(ctx, plan, summaries_service.ENTITY, summary_id, content, signed)


def _summaries(ctx: _Context, plan: _EpisodePlan) -> None:
    """A signed summary of every referral out made from care here and of the discharge."""
    for stay, segment_id in zip(plan.stays, ctx.ledger.segment_ids, strict=True):
        if summary_rules.asks_for_summary(stay.transition, stay.starts_on, plan.admitted_on):
            _summary(ctx, plan, SummaryKind.REFERRAL_OUT, stay, segment_id, stay.starts_on)
    _summary(ctx, plan, SummaryKind.DISCHARGE, None, None, plan.discharged_on)


def _sections(ctx: _Context, plan: _EpisodePlan, held: _Held, number: int) -> dict[str, str]:
    """The note's sections in the program's format: what the client reported (use in the
    week before, from the plan), what was seen and done, and the plan."""
    rng = ctx.record_rng
    used = _used_between(plan, held.day - timedelta(days=7), held.day) > 0
    sections = {}
    for key in notes_rules.section_keys(ctx.program.note_format):
        role = NOTE_ROLE[key]
        if role == "report":
            said = (
                "disclosed use in the past week and talked through what led up to it"
                if used
                else f"reported no use since the last session and {rng.choice(NOTE_TEXT[role])}"
            )
            text = f"Synthetic history note, session {number} at {held.level}: the client {said}."
        elif role == "assessment" and used:
            text = AFTER_USE
        else:
            text = rng.choice(NOTE_TEXT[role])
        sections[key] = text
    return sections


def _signed_at(ctx: _Context, held: _Held, ends_at: datetime) -> datetime:
    rng = ctx.record_rng
    when = _pick(rng, NOTE_SIGNED)
    if when == "same_day":
        return ends_at + timedelta(minutes=rng.randrange(20, 150, 5))
    days = 1 if when == "next_day" else rng.randint(4, 7)
    return ctx.clock.at(held.day + timedelta(days=days), rng.randrange(9 * 60, 12 * 60, 5))


class _StoredNote:
    """A note row's values under the names ``clinical_notes.service.note_content`` reads:
    a mapped ``ClinicalNote`` costs ten times as much to make, for nothing stored."""

    def __init__(self, row: Row) -> None:
        self.__dict__.update(row)

    def risk_fields(self) -> dict[str, Any]:
        return ClinicalNote.risk_fields(cast(ClinicalNote, self))


def _stored(row: Row) -> ClinicalNote:
    return cast(ClinicalNote, _StoredNote(row))


def _progress_notes(ctx: _Context, plan: _EpisodePlan) -> None:
    """A signed progress note for every individual appointment the client attended."""
    program = ctx.program
    for number, held in enumerate(ctx.ledger.held, start=1):
        note_id = ctx.record_ids.new()
        starts_at = ctx.clock.at(held.day, _minutes(held.start))
        ends_at = ctx.clock.at(held.day, _minutes(held.end))
        signed_at = _signed_at(ctx, held, ends_at)
        row: Row = {
            "id": note_id,
            "client_id": plan.client_id,
            "episode_id": plan.episode_id,
            "author_id": plan.clinician,
            "service_type": ServiceType.INDIVIDUAL_THERAPY,
            "note_format": program.note_format,
            "service_date": held.day,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "client_present": True,
            "attendees": [],
            "sections": _sections(ctx, plan, held, number),
            "suicidal_ideation": RiskAnswer.DENIED,
            "homicidal_ideation": RiskAnswer.DENIED,
            "risk_action": RiskAction.NONE,
            "risk_detail": "",
            "appointment_id": held.appointment_id,
            "attendance_record_id": held.record_id,
            "status": NoteStatus.SIGNED,
            "signed_at": signed_at,
            "signed_by": plan.clinician,
            "late_entry": notes_rules.is_late(ends_at, signed_at, program.overdue_hours),
            "cosigner_id": None,
            "cosigned_at": None,
            "cosigned_by": None,
            "similarity_score": None,
            "similar_note_id": None,
            "copy_flagged": False,
            "copy_justification": "",
            "created_at": ends_at + timedelta(minutes=5),
            "updated_at": signed_at,
        }
        ctx.rows.add(ClinicalNote, row)
        # What the author signs, by the service's own function (no objectives: no plan).
        content = notes_service.note_content(_stored(row), (), justification="")
        _sign(ctx, plan, notes_service.ENTITY, note_id, content, signed_at)


def _records(ctx: _Context, plan: _EpisodePlan) -> None:
    _summaries(ctx, plan)
    _progress_notes(ctx, plan)


def _emit(ctx: _Context, plan: _EpisodePlan) -> None:
    ctx.ledger = _Ledger()
    family = _client(ctx, plan)
    _episode(ctx, plan)
    coverage_id = _coverage(ctx, plan, family)
    if coverage_id is not None:
        _authorizations(ctx, plan, coverage_id)
    _attendance(ctx, plan)
    _instruments(ctx, plan)
    reported = _checkins(ctx, plan)
    _drug_tests(ctx, plan, reported)
    _aftercare(ctx, plan)
    _records(ctx, plan)


# --- the entry point ----------------------------------------------------------------------


def seed_past_episodes(
    session: Session,
    *,
    today: date,
    months: int = 18,
    episodes: int = 240,
    seed: int = 2026,
    prefix: str = "HIST",
) -> int:
    """Write ``episodes`` closed episodes admitted over the ``months`` (of 30 days) before
    ``today``, one synthetic client each (record numbers ``{prefix}-00001`` on), with the
    attendance, tests, instruments, check-ins, aftercare, coverage and authorizations they
    would have left, and the discharge and referral summaries and progress notes their
    clinicians signed; returns the number of episodes written (0 when the history is
    already there: any client whose record number starts with ``{prefix}-``).

    Runs after the demo seed: it needs sites S1 and S2, the level catalog, DETOX and
    RESIDENTIAL partners, an active clinician per site and the demo payers, and raises
    ``HistoryPrerequisiteMissing`` naming whichever is not there. Every episode is
    discharged before the first week the demo calendar publishes. The same ``seed``,
    ``today`` and ``prefix`` give the same rows, ids included.
    """
    if months < 1 or episodes < 0:
        raise ValueError("months must be at least 1 and episodes not negative")
    if len(f"{prefix}-{episodes:05d}") > RECORD_NUMBER_MAX:
        raise ValueError(f"prefix {prefix!r} is too long for a record number")
    exists = session.scalar(
        select(Client.id)
        .where(Client.record_number.startswith(f"{prefix}-", autoescape=True))
        .limit(1)
    )
    if exists is not None or episodes == 0:
        return 0
    program = _load_program(session)
    rows = _Rows(session)
    ids = _Ids(seed, prefix)
    times = _Clock()
    first_day = today - timedelta(days=months * 30)
    monday = attendance_rules.week_of(today)
    last_day = monday + timedelta(weeks=min(0, *DEMO_WEEKS)) - timedelta(days=1)
    if last_day <= first_day:
        raise ValueError(f"{months} months before {today} leave no whole week of history")
    ctx = _Context(
        rng=random.Random(seed),  # noqa: S311 - reproducible synthetic data, not security
        ids=ids,
        clock=times,
        rows=rows,
        program=program,
        calendar=_Calendar(session, rows, ids, times, prefix),
        today=today,
        first_day=first_day,
        last_day=last_day,
        prefix=prefix,
        serial=itertools.count(1),
        record_rng=random.Random(f"stepdown-history-records:{seed}"),  # noqa: S311
        record_ids=_Ids(seed, f"{prefix}:records"),
    )
    for number in range(1, episodes + 1):
        _emit(ctx, _plan(ctx, number))
        rows.flush_if_full()
    rows.flush()
    audit_service.record(
        session,
        actor=HISTORY_ACTOR,
        action=AuditAction.CREATE,
        entity_type="synthetic_history",
        entity_id=prefix,
        detail={
            "episodes": episodes,
            "months": months,
            "seed": seed,
            "today": today.isoformat(),
            "rows": dict(sorted(rows.written.items())),
            "reused_builds": ctx.calendar.reused_builds,
        },
    )
    return episodes
