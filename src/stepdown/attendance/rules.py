"""Attendance arithmetic: minutes credited, weekly hours against the level's minimum, and
the triggers that tell a clinician a client is slipping. Pure functions over plain values.

Minutes credited (the program's policy, applied the same way to every booking):

- present or telehealth: the whole scheduled time; a telehealth session is treatment time
  like any other (the levels' hours do not depend on where the client sits);
- late: the scheduled time minus the minutes missed at the start;
- left early: the scheduled time minus the minutes missed at the end (a client who was
  both late and left early is recorded with both minute counts);
- absent, excused or not: nothing. An excused absence is not held against the client in
  the absence streak, but it delivers no treatment hours.

Missed minutes must leave something credited (0 <= missed < scheduled): a client who
missed the whole session was absent, and recording it as "late 90 of 90" would hide that.

Weekly minimums are the level's ``weekly_hours_min`` in the continuum catalog, which the
program seeds from the ASAM Criteria hours (IOP 9 h, PHP 20 h, OP 1 h; see
``migrations/versions/2026-11-23-1540_continuum.py`` and shared/domain/continuum.md).
A week runs Monday to Sunday, as the published schedule does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from stepdown.attendance.models import AttendanceStatus
from stepdown.kit.errors import Invalid

ATTENDED = frozenset(
    {
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.LEFT_EARLY,
        AttendanceStatus.TELEHEALTH,
    }
)
ABSENT = frozenset({AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED})
STATUS_LABELS: dict[AttendanceStatus, str] = {
    AttendanceStatus.PRESENT: "Present",
    AttendanceStatus.LATE: "Late",
    AttendanceStatus.LEFT_EARLY: "Left early",
    AttendanceStatus.TELEHEALTH: "Telehealth",
    AttendanceStatus.ABSENT_EXCUSED: "Absent, excused",
    AttendanceStatus.ABSENT_UNEXCUSED: "Absent, unexcused",
}
# Two unexcused absences in a row is the trigger the issue names for a clinician's call.
STREAK_ALERT = 2


def scheduled_minutes(start: str, end: str) -> int:
    """Length of a booking from its "HH:MM" wall-clock times (sessions never cross midnight)."""
    minutes = _clock(end, "end") - _clock(start, "start")
    if minutes <= 0:
        raise Invalid(f"a session ending at {end} must start before it ({start})", field="end")
    return minutes


def _clock(value: str, field: str) -> int:
    hours, sep, minutes = value.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        raise Invalid(f"{value!r} is not a time like 18:00", field=field)
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise Invalid(f"{value!r} is not a time like 18:00", field=field)
    return h * 60 + m


def credited_minutes(
    status: AttendanceStatus, scheduled: int, late: int = 0, left_early: int = 0
) -> int:
    """Minutes of treatment a booking delivered, by the policy in the module docstring.

    Missed minutes only make sense with the status that names them, so they must be 0
    otherwise; a form that sends "late 15" with "present" is refused rather than guessed.
    """
    if scheduled <= 0:
        raise Invalid("a session must be scheduled for at least one minute", field="scheduled")
    for field, value in (("late_minutes", late), ("left_early_minutes", left_early)):
        if value < 0:
            raise Invalid("minutes missed cannot be negative", field=field)
    timed = (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)
    if late and status not in timed:
        raise Invalid("minutes late go with the status late", field="late_minutes")
    if left_early and status not in timed:
        raise Invalid(
            "minutes left early go with the status left early", field="left_early_minutes"
        )
    if status is AttendanceStatus.LATE and late == 0:
        raise Invalid("say how many minutes late", field="late_minutes")
    if status is AttendanceStatus.LEFT_EARLY and left_early == 0:
        raise Invalid("say how many minutes before the end they left", field="left_early_minutes")
    if status in ABSENT:
        return 0
    missed = late + left_early
    if missed >= scheduled:
        field = "left_early_minutes" if left_early else "late_minutes"
        raise Invalid(
            f"{missed} minutes missed of a {scheduled}-minute session leaves nothing attended; "
            "record an absence instead",
            field=field,
        )
    return scheduled - missed


def week_of(day: date) -> date:
    """The Monday that starts ``day``'s week."""
    return day - timedelta(days=day.weekday())


def judged_on(monday: date, today: date) -> tuple[date, date]:
    """The days whose level a week is held to, the first one winning: the week's last day,
    then the last day so far (its first, for a week still to come).

    The rule is the one the accountability summary writes down (``accountability.rules``,
    "Hours per week"): a week is held to the minimum of the level in effect on its last day
    in care, so a mid-week step down is judged against the new level. The board applies it
    to the current week at once: a step down recorded today for Wednesday is judged against
    OP from today, not from Wednesday, because its IOP bookings from Wednesday on were
    released when it was recorded (``calendar.level_change``). A client whose care ends
    before the week does (a discharge, a referral out) is held to their level so far.
    """
    last = monday + timedelta(days=6)
    return last, min(max(today, monday), last)


def unexcused_streak(statuses: Iterable[AttendanceStatus]) -> int:
    """Unexcused absences at the end of a client's recorded bookings, in time order.

    An attended booking ends a run; an excused absence neither ends it nor adds to it, so
    "unexcused, excused (doctor's note), unexcused" is still two in a row of the client's
    own making.
    """
    streak = 0
    for status in statuses:
        if status is AttendanceStatus.ABSENT_UNEXCUSED:
            streak += 1
        elif status in ATTENDED:
            streak = 0
    return streak


def hours(minutes: float) -> str:
    """Hours with one decimal, as coordinators read them ("6.5 h")."""
    return f"{minutes / 60:.1f} h"


class Compliance(StrEnum):
    """Worst first: the order the board sorts a client's reasons and colours a row."""

    ABSENCES = "absences"  # an unexcused-absence streak: call the client
    SHORT = "short"  # the week will end (or has ended) under the minimum
    UNDER_BOOKED = "under_booked"  # the schedule itself offers fewer hours than the minimum
    NOT_RECORDED = "not_recorded"  # past sessions without attendance taken
    ON_TRACK = "on_track"
    NO_MINIMUM = "no_minimum"  # the level sets no weekly hours (aftercare)

    @property
    def rank(self) -> int:
        return list(Compliance).index(self)

    @property
    def label(self) -> str:
        return COMPLIANCE_LABELS[self]


COMPLIANCE_LABELS = {
    Compliance.ABSENCES: "Absences",
    Compliance.SHORT: "Short",
    Compliance.UNDER_BOOKED: "Under-booked",
    Compliance.NOT_RECORDED: "Not recorded",
    Compliance.ON_TRACK: "On track",
    Compliance.NO_MINIMUM: "No minimum",
}


@dataclass(frozen=True)
class WeekFacts:
    """One client's week, in minutes, as the board and the alerts see it.

    ``planned`` is every booking of the week that was not cancelled; ``delivered`` the
    minutes credited so far; ``remaining`` the bookings still to come (today or later)
    without attendance; ``unrecorded`` the past bookings nobody took attendance for, in
    minutes, with ``unrecorded_count`` of them.
    """

    level_code: str
    required_hours: float | None
    planned: int
    delivered: int
    remaining: int
    unrecorded: int = 0
    unrecorded_count: int = 0
    streak: int = 0

    @property
    def required_minutes(self) -> int | None:
        return None if self.required_hours is None else round(self.required_hours * 60)

    @property
    def projected(self) -> int:
        """Where the week ends if the client attends everything still scheduled."""
        return self.delivered + self.remaining + self.unrecorded

    @property
    def shortfall(self) -> int:
        """Minutes the projected week misses the minimum by (0 when it meets it)."""
        required = self.required_minutes
        return 0 if required is None else max(required - self.projected, 0)

    @property
    def will_end_short(self) -> bool:
        return self.shortfall > 0

    @property
    def missed(self) -> int:
        """Planned minutes lost to absences, lateness and leaving early."""
        return max(self.planned - self.projected, 0)


@dataclass(frozen=True)
class Verdict:
    status: Compliance
    reasons: tuple[str, ...]
    shortfall: int  # minutes


def compliance(week: WeekFacts) -> Verdict:
    """What a coordinator should know about a client's week, worst first, in words they can
    act on (call the client, add a session, take the missing attendance)."""
    found: list[tuple[Compliance, str]] = []
    if week.streak >= STREAK_ALERT:
        found.append((Compliance.ABSENCES, f"{week.streak} unexcused absences in a row"))
    required = week.required_minutes
    # Short because of attendance; a week short only because of its bookings is "under-booked".
    if required is not None and week.will_end_short and week.missed > 0:
        if week.remaining == 0 and week.unrecorded == 0:
            found.append(
                (
                    Compliance.SHORT,
                    f"{hours(week.shortfall)} short with no sessions left this week",
                )
            )
        else:
            found.append(
                (
                    Compliance.SHORT,
                    f"will end {hours(week.shortfall)} short: {hours(week.delivered)} "
                    f"delivered + {hours(week.remaining + week.unrecorded)} still scheduled",
                )
            )
    if required is not None and week.planned < required:
        found.append(
            (
                Compliance.UNDER_BOOKED,
                f"booked {hours(week.planned)} of the {hours(required)} {week.level_code} minimum",
            )
        )
    if week.unrecorded_count:
        plural = "s" if week.unrecorded_count != 1 else ""
        found.append(
            (
                Compliance.NOT_RECORDED,
                f"attendance not taken for {week.unrecorded_count} past session{plural}",
            )
        )
    if not found:
        status = Compliance.NO_MINIMUM if required is None else Compliance.ON_TRACK
        return Verdict(status, (), 0)
    found.sort(key=lambda pair: pair[0].rank)
    return Verdict(found[0][0], tuple(reason for _, reason in found), week.shortfall)


def week_alert_due(week: WeekFacts) -> bool:
    """Alert the clinician when attendance (not the schedule) puts the week under the
    minimum: the projection is short and minutes were lost. A week booked under the minimum
    from the start is a scheduling matter the board shows, not a clinical alert."""
    return week.will_end_short and week.missed > 0
