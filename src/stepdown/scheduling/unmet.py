"""Who cannot be compliant, and why, in words a coordinator can act on.

Own limits (the client's availability cannot hold a compliant week, per `Eligibility.alone`) are
told apart from competition (others took the seats, leaders or therapist hours), and both from
the payer's authorization (no approved authorization on some days, or its units used up),
because the three call for different fixes: availability, capacity, utilization review.
"""

from __future__ import annotations

from collections import defaultdict

from . import limits
from .eligibility import ClientOptions, Eligibility
from .exchange import DAYS, MINUTES_PER_DAY, Client, Solution, Unmet, week_minute

_PARTS_OF_DAY = ((12 * 60, "mornings"), (17 * 60, "afternoons"), (MINUTES_PER_DAY, "evenings"))


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g}"


def _where(eligibility: Eligibility, options: ClientOptions) -> str:
    """Where the eligible sessions sit in the week, e.g. "Thu mornings, Sat mornings"."""
    if not options.sessions:
        client = options.client
        return (
            f"no {client.level} {client.age_group} session open to gender {client.gender} "
            f"at {client.site} or by telehealth fits their hours"
        )
    seen: dict[tuple[int, int], str] = {}
    for sid in options.sessions:
        start = eligibility.span[sid][0]
        day, minute = divmod(start, MINUTES_PER_DAY)
        part = next(index for index, (limit, _) in enumerate(_PARTS_OF_DAY) if minute < limit)
        seen[(day, part)] = f"{DAYS[day].capitalize()} {_PARTS_OF_DAY[part][1]}"
    return ", ".join(seen[key] for key in sorted(seen))


def _appointments_label(client: Client) -> str:
    parts = []
    if client.individual_sessions:
        plural = "s" if client.individual_sessions > 1 else ""
        parts.append(f"{client.individual_sessions} individual session{plural}")
    if client.family_sessions:
        plural = "s" if client.family_sessions > 1 else ""
        parts.append(f"{client.family_sessions} family session{plural}")
    return " + ".join(parts)


def own_availability_reason(eligibility: Eligibility, client_id: str) -> str | None:
    """Why the client's availability cannot hold a compliant week whatever the others do (and
    whatever their authorization allows), or None if it could."""
    if client_id in eligibility.unauthorized:
        options = eligibility.unauthorized[client_id]
        alone = eligibility.alone_unauthorized[client_id]
    else:
        options, alone = eligibility.clients[client_id], eligibility.alone[client_id]
    client = options.client
    need = client.appointments_needed
    reasons = []
    if alone.appointments < need:
        therapist = client.primary_therapist
        if alone.appointments == 0:
            reasons.append(
                f"no common free hour with primary therapist {therapist} "
                f"for {_appointments_label(client)}"
            )
        else:
            reasons.append(
                f"only {alone.appointments} common free hour(s) with primary therapist "
                f"{therapist} for {_appointments_label(client)}"
            )
    best = alone.minutes_with_all if alone.minutes_with_all >= 0 else alone.minutes
    if best < options.min_minutes:
        booked = alone.appointments * eligibility.instance.individual_minutes
        appointments = f" (+{_hours(booked)} h appointments)" if booked else ""
        reasons.append(
            f"{client.level} needs {_hours(options.min_minutes)} h; availability holds eligible "
            f"sessions worth only {_hours(best - booked)} h{appointments} "
            f"({_where(eligibility, options)})"
        )
    return "; ".join(reasons) if reasons else None


def authorization_reason(
    eligibility: Eligibility, client_id: str, services: list[limits.Service]
) -> str | None:
    """How the payer's authorization kept a non-compliant client short, or None if it did not.

    It did if a limit that matters is used up by the week (a ``day``, ``session`` or
    ``unit_15`` limit always matters to a client short of hours; a ``visit`` limit only when an
    appointment is missing), or if the authorized days cannot hold a compliant week and the
    days without an approved authorization held options the client lost.
    """
    options = eligibility.clients[client_id]
    client = options.client
    authorization = client.authorization
    if authorization is None:
        return None
    scheduled = sum(end - start for start, end, _ in services)
    booked = sum(1 for _, _, appointment in services if appointment)
    short_of_hours = scheduled < options.min_minutes
    unauthorized = eligibility.unauthorized[client_id]
    fewest_days = eligibility.alone_unauthorized[client_id].fewest_days
    parts = []
    for limit in authorization.limits:
        matters = short_of_hours if limit.unit != "visit" else booked < client.appointments_needed
        if not matters or limits.used(limit, services) < limit.units:
            continue
        left = f"{limits.units_label(limit.unit, limit.units)} left this week"
        text = f"{limit.reason}: {left}" if limit.reason else left
        if limit.units:
            text += ", all scheduled"
        if limit.unit == "day" and fewest_days is not None and fewest_days > limit.units:
            text += (
                f"; the week needs {limits.units_label('day', fewest_days)}, "
                f"{fewest_days - limit.units} not authorized"
            )
        parts.append(text)
    starts = [eligibility.span[sid][0] for sid in unauthorized.sessions]
    starts += list(unauthorized.slots)
    closed = sorted(
        {start // MINUTES_PER_DAY for start in starts}
        - {DAYS.index(day) for day in authorization.days}
    )
    if closed and not eligibility.can_comply(client_id):
        days = ", ".join(DAYS[day].capitalize() for day in closed)
        why = f" ({authorization.reason})" if authorization.reason else ""
        parts.append(f"no approved authorization on {days}{why}")
    if not parts:
        return None
    return (
        f"authorization: {'; '.join(parts)}; scheduled {_hours(scheduled)} of "
        f"{_hours(options.min_minutes)} h"
    )


def competition_reason(
    eligibility: Eligibility, client_id: str, scheduled_minutes: int, appointments_booked: int
) -> str:
    """Why a client who could comply on their own was left short by everyone else's needs."""
    options = eligibility.clients[client_id]
    client = options.client
    reasons = []
    if scheduled_minutes < options.min_minutes:
        reasons.append(
            f"sessions full/leaders busy: scheduled {_hours(scheduled_minutes)} of "
            f"{_hours(options.min_minutes)} h"
        )
    if appointments_booked < client.appointments_needed:
        reasons.append(
            f"primary therapist {client.primary_therapist} has no free hour left: booked "
            f"{appointments_booked} of {client.appointments_needed} appointments"
        )
    return "; ".join(reasons)


def short_hours(options: ClientOptions, scheduled_minutes: int) -> float:
    return max(0, options.min_minutes - scheduled_minutes) / 60


def unmet_for(eligibility: Eligibility, solution: Solution) -> list[Unmet]:
    """One entry per non-compliant client of `solution`, telling own limits from competition."""
    length = eligibility.instance.individual_minutes
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    services: dict[str, list[limits.Service]] = defaultdict(list)
    for row in solution.attendance:
        start, end = eligibility.span[row.session]
        minutes[row.client] += end - start
        services[row.client].append((start, end, False))
    for appointment in solution.appointments:
        minutes[appointment.client] += length
        booked[appointment.client] += 1
        start = week_minute(appointment.day, appointment.start)
        services[appointment.client].append((start, start + length, True))
    entries = []
    for client_id, options in eligibility.clients.items():
        scheduled, appointments = minutes[client_id], booked[client_id]
        if scheduled >= options.min_minutes and appointments >= options.client.appointments_needed:
            continue
        own = own_availability_reason(eligibility, client_id)
        payer = authorization_reason(eligibility, client_id, services[client_id])
        if payer is not None:
            reason = f"{payer}; {own}" if own else payer
        else:
            reason = own or competition_reason(eligibility, client_id, scheduled, appointments)
        entries.append(
            Unmet(client=client_id, short_hours=short_hours(options, scheduled), reason=reason)
        )
    return entries
