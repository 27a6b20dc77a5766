"""Authorization rules: the units a payer approved, the units attendance has used, what is
left, and when an authorization needs utilization review's attention. Pure: the service
passes plain values read from attendance and the calendar.

Units are what the payer counts (issue 15; the unit types of payers' UR forms):

- ``DAY``: a per-diem day of PHP or IOP; a day counts once whatever was attended that day.
- ``SESSION``: one attended group or appointment.
- ``VISIT``: one attended individual or family appointment.
- ``UNIT_15``: 15-minute units of attended time (the credited minutes of each attendance,
  rounded down per service: CMS's "8-minute rule" applies to timed codes billed in a day,
  which a program's billing applies later; an authorization counts whole quarter hours).

An attended service uses a unit; a booked one is planned, not used. Remaining is approved
minus used and never negative: an overrun is shown as such, never as a negative balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from stepdown.kit.errors import Conflict, Invalid


class UnitType(StrEnum):
    DAY = "day"
    SESSION = "session"
    VISIT = "visit"
    UNIT_15 = "unit_15"

    @property
    def label(self) -> str:
        return {
            UnitType.DAY: "days",
            UnitType.SESSION: "sessions",
            UnitType.VISIT: "visits",
            UnitType.UNIT_15: "15-minute units",
        }[self]


class AuthStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PARTIAL = "partial"  # approved for fewer units (or days) than requested
    DENIED = "denied"
    IN_APPEAL = "in_appeal"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {AuthStatus.IN_APPEAL: "In appeal", AuthStatus.PARTIAL: "Partly approved"}.get(
            self, self.value.capitalize()
        )


# Statuses under which units may be used: the payer said yes to some.
USABLE: Final = frozenset({AuthStatus.APPROVED, AuthStatus.PARTIAL})
# Where each status may go. A denial may be appealed; an appeal ends approved, partly
# approved or denied; anything still open may be cancelled (the request withdrawn).
MOVES: Final[dict[AuthStatus, frozenset[AuthStatus]]] = {
    AuthStatus.PENDING: frozenset(
        {AuthStatus.APPROVED, AuthStatus.PARTIAL, AuthStatus.DENIED, AuthStatus.CANCELLED}
    ),
    AuthStatus.APPROVED: frozenset({AuthStatus.CANCELLED}),
    AuthStatus.PARTIAL: frozenset({AuthStatus.IN_APPEAL, AuthStatus.CANCELLED}),
    AuthStatus.DENIED: frozenset({AuthStatus.IN_APPEAL, AuthStatus.CANCELLED}),
    AuthStatus.IN_APPEAL: frozenset(
        {AuthStatus.APPROVED, AuthStatus.PARTIAL, AuthStatus.DENIED, AuthStatus.CANCELLED}
    ),
    AuthStatus.CANCELLED: frozenset(),
}
MAX_UNITS: Final = 10_000
# An authorization is "running out" within this many units or days (the UR desk's
# default; the desk takes another).
SOON_UNITS: Final = 3
SOON_DAYS: Final = 7


@dataclass(frozen=True)
class Service:
    """One attended or booked service of the client: its day, whether it was attended, the
    kind (a group seat or an appointment) and the minutes credited."""

    day: date
    attended: bool
    appointment: bool
    minutes: int


def check_move(current: AuthStatus, target: AuthStatus) -> None:
    if target not in MOVES[current]:
        allowed = ", ".join(sorted(s.label.lower() for s in MOVES[current])) or "nothing"
        raise Conflict(
            f"an authorization that is {current.label.lower()} can become: {allowed}",
            field="status",
            rule="authorization.status_move",
        )


def check_quantities(
    status: AuthStatus, requested: int, approved: int | None, per_week: int | None
) -> None:
    if not 1 <= requested <= MAX_UNITS:
        raise Invalid(f"request 1 to {MAX_UNITS} units", field="requested_units")
    if status in USABLE:
        if approved is None:
            raise Invalid("say how many units the payer approved", field="approved_units")
        if not 1 <= approved <= MAX_UNITS:
            raise Invalid(f"1 to {MAX_UNITS} units", field="approved_units")
        if status is AuthStatus.APPROVED and approved < requested:
            raise Invalid(
                "fewer units than requested is a partial approval", field="approved_units"
            )
    elif approved not in (None, 0):
        raise Invalid("units are approved only with an approval", field="approved_units")
    if per_week is not None and not 1 <= per_week <= MAX_UNITS:
        raise Invalid(f"a weekly cap of 1 to {MAX_UNITS}", field="per_week_cap")


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Invalid("the authorization cannot end before it starts", field="ends_on")


def units_of(unit: UnitType, services: Iterable[Service]) -> int:
    """How many units ``services`` make."""
    chosen = list(services)
    if unit is UnitType.DAY:
        return len({s.day for s in chosen})
    if unit is UnitType.SESSION:
        return len(chosen)
    if unit is UnitType.VISIT:
        return sum(1 for s in chosen if s.appointment)
    return sum(s.minutes // 15 for s in chosen)


@dataclass(frozen=True)
class Balance:
    approved: int
    used: int
    planned: int

    @property
    def remaining(self) -> int:
        return max(self.approved - self.used, 0)

    @property
    def overrun(self) -> int:
        """Units used beyond the approval: services the payer has not agreed to pay for."""
        return max(self.used - self.approved, 0)

    @property
    def short(self) -> int:
        """Units booked beyond what is left."""
        return max(self.planned - self.remaining, 0)


def balance(
    unit: UnitType,
    approved: int | None,
    starts_on: date,
    ends_on: date,
    services: Sequence[Service],
) -> Balance:
    """Used: the attended services within the dates; planned: the booked ones not yet
    attended. A day already used is not planned again (``DAY``)."""
    inside = [s for s in services if starts_on <= s.day <= ends_on]
    used = [s for s in inside if s.attended]
    booked = [s for s in inside if not s.attended]
    if unit is UnitType.DAY:
        used_days = {s.day for s in used}
        booked = [s for s in booked if s.day not in used_days]
    return Balance(approved or 0, units_of(unit, used), units_of(unit, booked))


def week_used(unit: UnitType, services: Sequence[Service], monday: date) -> int:
    """Units used and planned in the week starting ``monday``, for the weekly cap."""
    return units_of(unit, [s for s in services if monday <= s.day < monday + timedelta(days=7)])


def running_out(
    balance_: Balance, ends_on: date, today: date, *, units: int = SOON_UNITS, days: int = SOON_DAYS
) -> bool:
    """Within ``units`` of its approval or ``days`` of its end: time to ask for more."""
    return balance_.remaining <= units or (ends_on - today).days <= days
