"""The arithmetic of the accountability summary: pure functions over plain values.

A clinician takes the summary to a review (and issue 7's level-of-care review engine reads
the same numbers), so every figure has one written definition here.

Attendance rate
    ``attended / scheduled`` over the bookings (group seats and appointments) in the range
    whose attendance was taken. Attended is present, late, left early or telehealth (as
    ``attendance.rules.ATTENDED``); scheduled is attended plus absences, excused or not.
    Excused and unexcused absences are counted separately, and a second rate leaves the
    excused ones out (``attended / (attended + unexcused)``) because a review weighs a
    doctor's note differently from a no-show. Sessions the program cancelled have no
    record and do not count; bookings nobody took attendance for are unknown, not absent.

Hours per week
    Weeks run Monday to Sunday, as the schedule and the compliance board do. Hours delivered
    are the minutes credited on records dated inside both the week and the range. A week is
    held to the minimum (``weekly_hours_min``) of the level in effect on its last day in care
    within the range, so a mid-week step-down is judged against the new level, as the
    compliance board judges the current week. It is judged only when it is complete: all
    seven days inside the range, in care, and over (before today); other weeks are shown
    as partial. Weeks at a partner provider (a level not provided in house) are not held to
    our hours.

Check-in trend
    A day's craving is its highest reported craving (as the chart's trend plots it). The
    range is cut in two halves (the first half has ``days // 2`` days); each half's average
    is over the days with a check-in. A change of at least one point on the 0-10 scale is
    called rising or falling, less is steady. Use is counted in days with any check-in
    reporting use since the last one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import ATTENDED, week_of
from stepdown.kit.errors import Invalid

# Longest range one summary covers: a year of weeks is already a long page to print.
MAX_DAYS = 366
DEFAULT_DAYS = 30
# Craving moves of less than a point are noise on a 0-10 self-report.
CRAVING_STEP = 1.0


def check_range(start: date, end: date, *, today: date) -> None:
    """A range that can be summarised; the error names the field to correct."""
    if end < start:
        raise Invalid("the end comes before the start", field="end")
    if end > today:
        raise Invalid("the range cannot end after today", field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"choose at most {MAX_DAYS} days", field="start")


def resolve_range(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The range asked for, the missing ends filled in: the end defaults to today and the
    start to 30 days before the end (both included), so no dates means the last 30 days."""
    end = end or today
    return start or end - timedelta(days=DEFAULT_DAYS - 1), end


# --- Attendance ------------------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    """One booking's recorded attendance."""

    day: date
    status: AttendanceStatus
    credited_minutes: int
    scheduled_minutes: int


@dataclass(frozen=True)
class AttendanceRate:
    attended: int = 0
    excused: int = 0
    unexcused: int = 0
    late_or_left_early: int = 0

    @property
    def scheduled(self) -> int:
        return self.attended + self.excused + self.unexcused

    @property
    def rate(self) -> float | None:
        """Attended over scheduled, in [0, 1]; None when nothing was recorded."""
        return self.attended / self.scheduled if self.scheduled else None

    @property
    def rate_without_excused(self) -> float | None:
        counted = self.attended + self.unexcused
        return self.attended / counted if counted else None


def attendance_rate(statuses: Iterable[AttendanceStatus]) -> AttendanceRate:
    attended = excused = unexcused = partial = 0
    for status in statuses:
        if status in ATTENDED:
            attended += 1
            if status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
                partial += 1
        elif status is AttendanceStatus.ABSENT_EXCUSED:
            excused += 1
        else:
            unexcused += 1
    return AttendanceRate(attended, excused, unexcused, partial)


# --- Hours per week --------------------------------------------------------------------


@dataclass(frozen=True)
class LevelPeriod:
    """A stretch of care at one level: ``[starts_on, ends_on)``, as episode segments are."""

    code: str
    name: str
    weekly_hours_min: float | None
    in_house: bool
    starts_on: date
    ends_on: date | None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def level_on(levels: Sequence[LevelPeriod], day: date) -> LevelPeriod | None:
    return next((lv for lv in levels if lv.covers(day)), None)


class WeekStatus(StrEnum):
    MET = "met"
    SHORT = "short"
    PARTIAL = "partial"  # not wholly inside the range, in care and over: shown, not judged
    NO_MINIMUM = "no_minimum"  # the level sets no weekly hours
    AWAY = "away"  # at a partner provider
    NOT_IN_CARE = "not_in_care"

    @property
    def label(self) -> str:
        return WEEK_LABELS[self]


WEEK_LABELS = {
    WeekStatus.MET: "Met",
    WeekStatus.SHORT: "Under the minimum",
    WeekStatus.PARTIAL: "Partial week (not judged)",
    WeekStatus.NO_MINIMUM: "No minimum",
    WeekStatus.AWAY: "At a partner provider",
    WeekStatus.NOT_IN_CARE: "Not in care",
}


@dataclass(frozen=True)
class WeekHours:
    monday: date
    first: date  # the week's first day inside the range
    last: date  # and its last
    level: LevelPeriod | None
    delivered_minutes: int
    scheduled_minutes: int
    status: WeekStatus

    @property
    def required_minutes(self) -> int | None:
        minimum = self.level.weekly_hours_min if self.level else None
        return None if minimum is None else round(minimum * 60)

    @property
    def shortfall_minutes(self) -> int:
        required = self.required_minutes
        return 0 if required is None else max(required - self.delivered_minutes, 0)

    @property
    def judged(self) -> bool:
        return self.status in (WeekStatus.MET, WeekStatus.SHORT)


def weeks_in(start: date, end: date) -> list[tuple[date, date, date]]:
    """Each Monday-to-Sunday week touching ``[start, end]``: its Monday and the first and
    last of its days inside the range."""
    weeks = []
    monday = week_of(start)
    while monday <= end:
        weeks.append((monday, max(monday, start), min(monday + timedelta(days=6), end)))
        monday += timedelta(weeks=1)
    return weeks


def week_hours(
    *,
    start: date,
    end: date,
    today: date,
    levels: Sequence[LevelPeriod],
    bookings: Iterable[Booking],
) -> list[WeekHours]:
    """Every week of the range once, oldest first, by the definition in the docstring."""
    delivered: dict[date, int] = defaultdict(int)
    scheduled: dict[date, int] = defaultdict(int)
    for b in bookings:
        if start <= b.day <= end:
            delivered[week_of(b.day)] += b.credited_minutes
            scheduled[week_of(b.day)] += b.scheduled_minutes
    found = []
    for monday, first, last in weeks_in(start, end):
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        in_care = [level_on(levels, day) for day in days]
        level = next((lv for lv in reversed(in_care) if lv is not None), None)
        complete = len(days) == 7 and last < today and all(in_care)
        if level is None:
            status = WeekStatus.NOT_IN_CARE
        elif not level.in_house:
            status = WeekStatus.AWAY
        elif level.weekly_hours_min is None:
            status = WeekStatus.NO_MINIMUM
        elif not complete:
            status = WeekStatus.PARTIAL
        elif delivered[monday] >= round(level.weekly_hours_min * 60):
            status = WeekStatus.MET
        else:
            status = WeekStatus.SHORT
        found.append(
            WeekHours(monday, first, last, level, delivered[monday], scheduled[monday], status)
        )
    return found


# --- Drug tests and objectives -----------------------------------------------------------


@dataclass(frozen=True)
class Testing:
    """A range's drug testing, with analytes by their printed name."""

    ordered: int = 0
    collected: int = 0
    refused: int = 0
    missed: int = 0
    pending: int = 0
    confirmations_pending: int = 0
    unexpected_positives: Mapping[str, int] = field(default_factory=dict)
    expected_positives: Mapping[str, int] = field(default_factory=dict)
    expected_missing: Mapping[str, int] = field(default_factory=dict)
    # Per specimen (``drug_testing.rules.count_specimens``): with a readable result, with an
    # unexpected positive, of those confirmed by a definitive method, to collect again.
    resulted_specimens: int = 0
    unexpected_positive_specimens: int = 0
    confirmed_positive_specimens: int = 0
    recollect_specimens: int = 0


@dataclass(frozen=True)
class ObjectiveLine:
    statement: str
    target_date: date
    status: str  # the status's label on the range's last day


@dataclass(frozen=True)
class Objectives:
    met: list[ObjectiveLine]
    in_progress: list[ObjectiveLine]

    def overdue(self, on: date) -> list[ObjectiveLine]:
        """In progress past its target date."""
        return [o for o in self.in_progress if o.target_date < on]


# --- Check-ins ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinEntry:
    day: date
    craving: int
    used: bool


class Direction(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"
    UNKNOWN = "unknown"  # a half without check-ins

    @property
    def label(self) -> str:
        return DIRECTION_LABELS[self]


DIRECTION_LABELS = {
    Direction.RISING: "Rising",
    Direction.FALLING: "Falling",
    Direction.STEADY: "Steady (less than a point of change)",
    Direction.UNKNOWN: "Not enough check-ins to compare the halves",
}


@dataclass(frozen=True)
class CheckinTrend:
    days: int  # in the range
    days_checked_in: int
    first_half: float | None  # average daily highest craving
    second_half: float | None
    use_days: tuple[date, ...]

    @property
    def direction(self) -> Direction:
        if self.first_half is None or self.second_half is None:
            return Direction.UNKNOWN
        change = self.second_half - self.first_half
        if change >= CRAVING_STEP:
            return Direction.RISING
        if change <= -CRAVING_STEP:
            return Direction.FALLING
        return Direction.STEADY


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def checkin_trend(start: date, end: date, entries: Iterable[CheckinEntry]) -> CheckinTrend:
    highest: dict[date, int] = {}
    use: set[date] = set()
    for e in entries:
        if start <= e.day <= end:
            highest[e.day] = max(highest.get(e.day, e.craving), e.craving)
            if e.used:
                use.add(e.day)
    days = (end - start).days + 1
    middle = start + timedelta(days=days // 2)
    return CheckinTrend(
        days=days,
        days_checked_in=len(highest),
        first_half=_average([c for d, c in highest.items() if d < middle]),
        second_half=_average([c for d, c in highest.items() if d >= middle]),
        use_days=tuple(sorted(use)),
    )


# --- Instruments -------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    code: str
    name: str
    on: date
    total: int | None
    band: str | None

    @property
    def text(self) -> str:
        if self.total is None:
            return self.band or "no score"
        return f"{self.total} ({self.band})" if self.band else str(self.total)


@dataclass(frozen=True)
class InstrumentLine:
    """An instrument's latest score by the range's end, and its first score in the range
    when the client took it more than once there."""

    latest: Score
    first_in_range: Score | None
    in_range: int


def instrument_lines(start: date, end: date, scores: Iterable[Score]) -> list[InstrumentLine]:
    by_code: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        if s.on <= end:
            by_code[s.code].append(s)
    lines = []
    for code in sorted(by_code, key=lambda c: by_code[c][0].name):
        ordered = sorted(by_code[code], key=lambda s: s.on)
        inside = [s for s in ordered if s.on >= start]
        first = inside[0] if len(inside) > 1 else None
        lines.append(InstrumentLine(ordered[-1], first, len(inside)))
    return lines


# --- Points for the review ---------------------------------------------------------------


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _analytes(counts: Mapping[str, int]) -> str:
    if len(counts) == 1:
        return next(iter(counts)).lower()
    return ", ".join(f"{name.lower()} {n}" for name, n in counts.items())


def _attendance_point(rate: AttendanceRate) -> str:
    if rate.rate is None:
        return "No attendance was recorded in the range."
    point = (
        f"Attended {rate.attended} of {_plural(rate.scheduled, 'booked session')} ({rate.rate:.0%})"
    )
    absences = []
    if rate.excused:
        absences.append(f"{rate.excused} excused")
    if rate.unexcused:
        absences.append(f"{rate.unexcused} unexcused")
    if absences:
        point += "; absences: " + " and ".join(absences)
    return point + "."


def _hours_points(weeks: Sequence[WeekHours]) -> list[str]:
    judged: dict[str, list[WeekHours]] = defaultdict(list)
    for w in weeks:
        if w.judged and w.level is not None:
            judged[w.level.code].append(w)
    if not judged and any(w.status is WeekStatus.PARTIAL for w in weeks):
        return ["No complete week in care in the range to hold to the minimum."]
    points = []
    for code, at_level in judged.items():
        short = sum(w.status is WeekStatus.SHORT for w in at_level)
        total = len(at_level)
        if short:
            points.append(f"Hours under the {code} minimum in {short} of {_plural(total, 'week')}.")
        elif total == 1:
            points.append(f"Met the {code} minimum in the one complete week.")
        else:
            points.append(f"Met the {code} minimum in all {total} complete weeks.")
    return points


def _testing_points(t: Testing) -> list[str]:
    points = []
    if t.unexpected_positives:
        n = sum(t.unexpected_positives.values())
        points.append(f"{_plural(n, 'unexpected positive')} ({_analytes(t.unexpected_positives)}).")
    elif t.collected:
        points.append(f"No unexpected positives in {_plural(t.collected, 'test')} collected.")
    if t.expected_missing:
        n = sum(t.expected_missing.values())
        points.append(
            f"A prescribed medication was not found {_plural(n, 'time')} "
            f"({_analytes(t.expected_missing)})."
        )
    if t.refused:
        points.append(f"{_plural(t.refused, 'test')} refused.")
    if t.missed:
        points.append(f"{_plural(t.missed, 'collection')} missed.")
    if t.confirmations_pending:
        points.append(f"{_plural(t.confirmations_pending, 'confirmation')} still pending.")
    if not t.ordered:
        points.append("No drug tests were ordered in the range.")
    return points


def _objectives_point(o: Objectives, end: date) -> str:
    overdue = len(o.overdue(end))
    point = f"{_plural(len(o.met), 'objective')} met; {len(o.in_progress)} in progress"
    if overdue:
        point += f", {overdue} past {'its' if overdue == 1 else 'their'} target date"
    return point + "."


def _checkin_points(c: CheckinTrend) -> list[str]:
    if not c.days_checked_in:
        return ["No check-ins in the range."]
    points = [f"Checked in on {c.days_checked_in} of {c.days} days."]
    if c.direction in (Direction.RISING, Direction.FALLING):
        points.append(
            f"Craving {'rose' if c.direction is Direction.RISING else 'fell'} from "
            f"{c.first_half:g} to {c.second_half:g} (average, first half against second half)."
        )
    if c.use_days:
        points.append(f"Reported use on {_plural(len(c.use_days), 'day')}.")
    return points


def _instrument_points(lines: Sequence[InstrumentLine]) -> list[str]:
    return [
        f"{line.latest.name} moved from {line.first_in_range.text} to {line.latest.text}."
        for line in lines
        if line.first_in_range is not None and line.first_in_range.band != line.latest.band
    ]


def review_points(
    *,
    end: date,
    attendance: AttendanceRate,
    weeks: Sequence[WeekHours],
    testing: Testing,
    objectives: Objectives,
    checkins: CheckinTrend,
    instruments: Sequence[InstrumentLine],
) -> list[str]:
    """Short sentences a clinician can read out at a review, in the page's section order."""
    return [
        _attendance_point(attendance),
        *_hours_points(weeks),
        *_testing_points(testing),
        _objectives_point(objectives, end),
        *_checkin_points(checkins),
        *_instrument_points(instruments),
    ]
