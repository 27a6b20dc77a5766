"""Payer authorization limits of a client's week, counted the way the payer counts units.

Shared by the schedulers (first-fit, the optimizer's top-up, the unmet diagnosis) so they agree
on what a service costs; the validator and the plain model count on their own, so a slip here
shows up there. The counting follows ``authorizations.rules.units_of``: a ``day`` counts once
whatever was attended that day, a ``session`` is any group or appointment, a ``visit`` an
appointment, and ``unit_15`` the whole quarter hours of each service.
"""

from __future__ import annotations

from collections.abc import Iterable

from .exchange import DAYS, MINUTES_PER_DAY, AuthorizationLimit, Client, Unit

Service = tuple[int, int, bool]
"""Week-minute start and end of one service, and whether it is an appointment."""

QUARTER_HOUR = 15
LABELS: dict[Unit, tuple[str, str]] = {
    "day": ("day", "days"),
    "session": ("session", "sessions"),
    "visit": ("visit", "visits"),
    "unit_15": ("15-minute unit", "15-minute units"),
}


def units_label(unit: Unit, count: int) -> str:
    """E.g. "1 day", "3 visits"."""
    one, many = LABELS[unit]
    return f"{count} {one if count == 1 else many}"


def cost(unit: Unit, start: int, end: int, appointment: bool) -> int:
    """Units one service uses (a ``day`` is counted per day, never per service: 0 here)."""
    if unit == "session":
        return 1
    if unit == "visit":
        return int(appointment)
    if unit == "unit_15":
        return (end - start) // QUARTER_HOUR
    return 0


def day_numbers(limit: AuthorizationLimit) -> frozenset[int]:
    return frozenset(DAYS.index(day) for day in limit.days)


def used(limit: AuthorizationLimit, services: Iterable[Service]) -> int:
    """Units the services on the limit's days use."""
    days = day_numbers(limit)
    counted = [s for s in services if s[0] // MINUTES_PER_DAY in days]
    if limit.unit == "day":
        return len({start // MINUTES_PER_DAY for start, _, _ in counted})
    return sum(cost(limit.unit, *service) for service in counted)


def fits(client: Client, services: list[Service], new: Service) -> bool:
    """Whether adding ``new`` to the client's week keeps every authorization limit."""
    if client.authorization is None:
        return True
    if DAYS[new[0] // MINUTES_PER_DAY] not in client.authorization.open_days:
        return False
    return all(
        used(limit, [*services, new]) <= limit.units for limit in client.authorization.limits
    )


def day_cap(client: Client, max_days: int) -> int:
    """Most days the client can come: the level's limit, or fewer when ``day`` limits cover
    every authorized day (a day under two limits is counted by both, so this stays an upper
    bound)."""
    if client.authorization is None:
        return max_days
    open_days = client.authorization.open_days
    day_limits = [limit for limit in client.authorization.limits if limit.unit == "day"]
    covered = {day for limit in day_limits for day in limit.days}
    if not open_days <= covered:
        return min(max_days, len(open_days))
    return min(max_days, len(open_days), sum(limit.units for limit in day_limits))
