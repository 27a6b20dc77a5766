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
- rows go in as Core bulk INSERTs (``session.execute(insert(table), rows)``: one
  executemany per chunk) in the caller's transaction. The services write one ORM object
  and one audit entry per row, which takes minutes for 2,000 episodes; history imported in
  bulk is audited once, as one system event;
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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

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
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
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
# Share of due follow-ups recorded, by days after discharge.
FOLLOW_UP_RECORDED = {30: 0.75, 90: 0.60, 180: 0.50, 365: 0.40}
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


def _missing(what: str) -> HistoryPrerequisiteMissing:
    return HistoryPrerequisiteMissing(
        f"synthetic history needs {what}; run the demo seed (stepdown.demo.seed.seed) first"
    )


def _load_program(session: Session) -> _Program:
    codes = [code for code, _ in SITE_SHARES]
    sites = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(codes)))}
    if absent := [c for c in codes if c not in sites]:
        raise _missing(f"the sites {', '.join(absent)}")
    levels = dict(session.execute(select(LevelOfCare.code, LevelOfCare.id)).all())
    if absent := [c for c in ("DETOX", "RESIDENTIAL", *ORDER) if c not in levels]:
        raise _missing(f"the levels of care {', '.join(absent)} (made by the migrations)")
    supervised = select(Supervision.user_id)
    staff = session.execute(
        select(User.id, User.role, User.site_id)
        .where(
            User.is_active.is_(True),
            User.role.in_((Role.CLINICIAN, Role.CASE_MANAGER)),
            User.id.not_in(supervised),  # an intern carries no caseload of their own
        )
        .order_by(User.username)
    ).all()
    by_site = {code: site.id for code, site in sites.items()}
    clinicians = {
        code: tuple(u for u, role, s in staff if role is Role.CLINICIAN and s == site_id)
        for code, site_id in by_site.items()
    }
    if absent := [c for c, found in clinicians.items() if not found]:
        raise _missing(f"an active clinician at site {', '.join(absent)}")
    managers = {
        code: tuple(u for u, role, s in staff if role is Role.CASE_MANAGER and s == site_id)
        for code, site_id in by_site.items()
    }
    partner_rows = session.execute(
        select(LevelOfCare.code, PartnerProvider.id)
        .join(LevelOfCare, LevelOfCare.id == PartnerProvider.level_id)
        .where(PartnerProvider.is_active.is_(True))
        .order_by(PartnerProvider.name, PartnerProvider.id)
    ).all()
    partners = {
        code: tuple(p for c, p in partner_rows if c == code) for code in ("DETOX", "RESIDENTIAL")
    }
    if absent := [c for c, found in partners.items() if not found]:
        raise _missing(f"an active {' and '.join(absent)} partner provider")
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
        ctx.rows.add(
            Segment,
            {
                "id": ctx.ids.new(),
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
        ctx.rows.add(
            Medication,
            {
                "id": ctx.ids.new(),
                "client_id": plan.client_id,
                "name": MOUD_NAME,
                "analytes": [Analyte.BUPRENORPHINE.value],
                "is_mat": True,
                "prescriber": "Dr. Example Prescriber (synthetic)",
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
) -> None:
    status, late, left = outcome
    recorded = ctx.clock.at(day, _minutes(end) + 15)
    ctx.rows.add(
        AttendanceRecord,
        {
            "id": ctx.ids.new(),
            "seat_id": seat_id,
            "appointment_id": appointment_id,
            "client_id": plan.client_id,
            "site_id": ctx.program.site_ids[plan.site],
            "day": day,
            "scheduled_minutes": scheduled,
            "status": status,
            "late_minutes": late,
            "left_early_minutes": left,
            "credited_minutes": attendance_rules.credited_minutes(status, scheduled, late, left),
            "note": "",
            "recorded_by": recorder,
            "recorded_at": recorded,
            "created_at": recorded,
            "updated_at": recorded,
        },
    )


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
            _attendance_row(
                ctx,
                plan,
                day,
                minutes,
                outcome,
                plan.clinician,
                end,
                appointment_id=appointment_id,
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
    if status is not OrderStatus.COLLECTED:
        return
    collection_id = ctx.ids.new()
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
    the nightly job makes them (it skips an episode that has any), recorded only once due."""
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
        share = FOLLOW_UP_RECORDED[days] * (1.1 if completed else 0.88)
        recorded = rng.random() < share
        reached = recorded and rng.random() < 0.8
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
                "recorded_at": ctx.clock.at(on, 14 * 60) if recorded else None,
                "recorded_by": who if recorded else None,
                "recorded_by_client": False,
                "reached": reached if recorded else None,
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
    ctx.rows.add(
        AftercarePlan,
        {
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
            "mat_prescriber": "Dr. Example Prescriber (synthetic)" if plan.moud else "",
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
        },
    )
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
                "reminder_sent_at": None,
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


def _emit(ctx: _Context, plan: _EpisodePlan) -> None:
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
    would have left; returns the number of episodes written (0 when the history is already
    there: any client whose record number starts with ``{prefix}-``).

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
