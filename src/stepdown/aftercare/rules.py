"""Pure aftercare rules: the check-in schedule, follow-up dates, and what is due or missed.

No I/O: the service and the nightly job give these the facts and a day. The defaults follow
the program's aftercare description (relapse-prevention check-ins weekly at first, then
monthly through the first year) and are configurable per program (settings) and per plan.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from stepdown.kit.errors import Invalid

WEEKLY_MAX = 12
MONTHS_MAX = 24
# A monthly check-in closer than this to the last weekly one is dropped: two check-ins a few
# days apart would only tire the client.
MIN_GAP_DAYS = 7
# Outcome follow-ups after discharge, in days (the usual 1, 3, 6 and 12 month points).
FOLLOW_UP_DAYS: tuple[int, ...] = (30, 90, 180, 365)
# A follow-up may be recorded this many days before it is due (a call a little early counts).
FOLLOW_UP_EARLY_DAYS = 7
# A check-in may be marked done this many days before it is due.
CHECKIN_EARLY_DAYS = 7


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day (Jan 31 + 1 is
    Feb 28 or 29), so a plan started on the 31st keeps a check-in every month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_schedule(weekly: int, months: int) -> None:
    if not 0 <= weekly <= WEEKLY_MAX:
        raise Invalid(f"weekly check-ins must be 0 to {WEEKLY_MAX}", field="weekly_checkins")
    if not 1 <= months <= MONTHS_MAX:
        raise Invalid(f"check-ins run 1 to {MONTHS_MAX} months", field="checkin_months")


def checkin_schedule(start: date, *, weekly: int = 4, months: int = 12) -> list[date]:
    """Check-in dates for a plan starting on ``start``: every 7 days for ``weekly`` weeks,
    then on the start's day of the month, each month up to ``months`` months after the start,
    skipping a monthly date within ``MIN_GAP_DAYS`` of the last weekly one."""
    validate_schedule(weekly, months)
    dates = [start + timedelta(days=7 * week) for week in range(1, weekly + 1)]
    last_weekly = dates[-1] if dates else start
    for month in range(1, months + 1):
        day = add_months(start, month)
        if day >= last_weekly + timedelta(days=MIN_GAP_DAYS):
            dates.append(day)
    return dates


def follow_up_dates(discharged_on: date) -> list[tuple[int, date]]:
    """(days after discharge, due date) for each outcome follow-up."""
    return [(days, discharged_on + timedelta(days=days)) for days in FOLLOW_UP_DAYS]


class CheckInState(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    MISSED = "missed"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def checkin_state(*, due_on: date, completed: bool, today: date, grace_days: int) -> CheckInState:
    """Due from its date through ``grace_days`` after it; missed once that has passed.

    A missed check-in completed later counts as completed: the client did check in.
    """
    if completed:
        return CheckInState.COMPLETED
    if today < due_on:
        return CheckInState.UPCOMING
    if today <= due_on + timedelta(days=grace_days):
        return CheckInState.DUE
    return CheckInState.MISSED


def needs_reminder(
    *, due_on: date, completed: bool, reminder_sent: bool, today: date, grace_days: int
) -> bool:
    """One reminder, while the check-in is due; never for one already missed (a late
    reminder about a date gone by would only confuse)."""
    if reminder_sent:
        return False
    state = checkin_state(due_on=due_on, completed=completed, today=today, grace_days=grace_days)
    return state is CheckInState.DUE


def needs_missed_alert(
    *, due_on: date, completed: bool, alerted: bool, today: date, grace_days: int
) -> bool:
    if alerted:
        return False
    state = checkin_state(due_on=due_on, completed=completed, today=today, grace_days=grace_days)
    return state is CheckInState.MISSED


def may_complete_checkin(*, due_on: date, today: date) -> bool:
    return today >= due_on - timedelta(days=CHECKIN_EARLY_DAYS)


def follow_up_open(*, due_on: date, today: date) -> bool:
    """A follow-up can be recorded from a week before its date on."""
    return today >= due_on - timedelta(days=FOLLOW_UP_EARLY_DAYS)


@dataclass(frozen=True)
class PlanFacts:
    warning_signs: str
    coping_steps: str


def missing_for_final(facts: PlanFacts) -> str | None:
    """The first field a plan needs before it can be given to the client, else None.

    Warning signs and coping steps are the client's own words and the heart of the plan; the
    other sections may rightly be empty (no MAT, no sober living)."""
    if not facts.warning_signs.strip():
        return "warning_signs"
    if not facts.coping_steps.strip():
        return "coping_steps"
    return None


def lines(text: str) -> list[str]:
    """A free-text list (one item a line, bullets optional) as its items."""
    items = (line.strip().lstrip("-*•").strip() for line in text.splitlines())
    return [item for item in items if item]
