"""What each client's payer authorizations still allow in the week being built (issue 15).

The exported week (``programs.export``) says nothing about payers; a build adds, per client
whose current episode has authorizations, an ``AuthorizedWeek`` (``exchange``): the days some
approved authorization for the client's level is in force, and per such authorization the
units it still allows on its days of the week. Every scheduler and the validator treat it as a
hard limit. A client whose episode has no authorization at all gets none (self-pay, or a payer
that requires none); one whose authorizations are all pending, denied, for another level or out
of date on a day gets no service that day.

The units allowed are what the authorization leaves once everything outside the days being
built is counted: approved − used − planned, counted by ``authorizations.rules.balance`` over
the client's services (``authorizations.service.client_services``) without the booked ones
from ``applies_from`` to Sunday: those are what the build decides, so they must not count
against it (a week built again does not pay twice for itself). Attended services always
count, and so do bookings before ``applies_from`` (publishing keeps those days as they are).
A weekly cap is the cap less what those counted services already use in the week. Since the
optimizer still solves the whole week, a mid-week build may spend units on the kept days again:
the limit errs on the payer's side, never over it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.authorizations import rules
from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import Service, UnitType
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.programs.export import WeekExport
from stepdown.scheduling.exchange import (
    DAYS,
    AuthorizationLimit,
    AuthorizedWeek,
    Instance,
    Unit,
    parse_instance,
)
from stepdown.scheduling.exchange import Client as WeekClient
from stepdown.scheduling.limits import units_label

WEEK = 7
UNITS: dict[UnitType, Unit] = {
    UnitType.DAY: "day",
    UnitType.SESSION: "session",
    UnitType.VISIT: "visit",
    UnitType.UNIT_15: "unit_15",
}


@dataclass(frozen=True)
class Allowance:
    units: int
    """Units the authorization still allows on the days being built."""
    counted: int
    """Units used or planned on every other day of the authorization."""


def allowance(
    unit: UnitType,
    approved: int | None,
    per_week_cap: int | None,
    starts_on: date,
    ends_on: date,
    services: Sequence[Service],
    *,
    monday: date,
    rebuilt_from: date,
) -> Allowance:
    """What one authorization leaves for the week of ``monday`` built from ``rebuilt_from``
    (see the module docstring). Never negative: an overrun leaves 0."""
    sunday = monday + timedelta(days=WEEK - 1)
    counted = [
        s
        for s in services
        if starts_on <= s.day <= ends_on and (s.attended or not rebuilt_from <= s.day <= sunday)
    ]
    balance = rules.balance(unit, approved, starts_on, ends_on, counted)
    elsewhere = balance.used + balance.planned
    units = max(balance.approved - elsewhere, 0)
    if per_week_cap is not None:
        units = min(units, max(per_week_cap - rules.week_used(unit, counted, monday), 0))
    return Allowance(units, elsewhere)


def with_authorizations(
    session: Session, export: WeekExport, *, applies_from: date | None = None
) -> WeekExport:
    """The export with each client's ``authorization`` filled in (see the module docstring)."""
    instance = export.instance
    monday = date.fromisoformat(instance.week_of)
    numbers = dict(
        session.execute(
            select(Client.record_number, Client.id).where(Client.id.in_(export.client_ids))
        ).all()
    )
    found: dict[uuid.UUID, list[Authorization]] = defaultdict(list)
    for row in session.scalars(
        select(Authorization)
        .join(Episode, Episode.id == Authorization.episode_id)
        .where(Episode.client_id.in_(export.client_ids), Episode.status == EpisodeStatus.ACTIVE)
        .order_by(Authorization.starts_on, Authorization.created_at)
    ):
        found[row.client_id].append(row)
    clients = []
    for client in instance.clients:
        rows = found.get(numbers[client.id])
        if rows:
            week = _authorized_week(session, client, rows, monday, applies_from or monday)
            client = client.model_copy(update={"authorization": week})
        clients.append(client)
    return replace(export, instance=_revalidated(instance, clients))


def _revalidated(instance: Instance, clients: list[WeekClient]) -> Instance:
    """The instance with new client records, checked like any loaded file."""
    data = instance.model_dump(mode="json")
    data["clients"] = [client.model_dump(mode="json") for client in clients]
    return parse_instance(data, source=f"week {instance.week_of}")


def _authorized_week(
    session: Session,
    client: WeekClient,
    authorizations: list[Authorization],
    monday: date,
    rebuilt_from: date,
) -> AuthorizedWeek:
    week = [monday + timedelta(days=offset) for offset in range(WEEK)]
    usable = [
        a
        for a in authorizations
        if a.status in rules.USABLE
        and a.level_code.upper() == client.level
        and a.starts_on <= week[-1]
        and a.ends_on >= monday
    ]
    days: set[int] = set()
    limits = []
    for found in usable:
        covered = [i for i, day in enumerate(week) if found.starts_on <= day <= found.ends_on]
        services = authorizations_service.client_services(
            session, found.client_id, found.starts_on, found.ends_on
        )
        figures = allowance(
            found.unit_type,
            found.approved_units,
            found.per_week_cap,
            found.starts_on,
            found.ends_on,
            services,
            monday=monday,
            rebuilt_from=rebuilt_from,
        )
        limits.append(
            AuthorizationLimit(
                unit=UNITS[found.unit_type],
                days=[DAYS[i] for i in covered],
                units=figures.units,
                reason=_limit_reason(found, figures),
            )
        )
        days.update(covered)
    missing = len(days) < WEEK
    return AuthorizedWeek(
        days=[DAYS[i] for i in sorted(days)],
        limits=limits,
        reason=_missing_reason(authorizations, usable, client.level, week) if missing else "",
    )


def _limit_reason(found: Authorization, figures: Allowance) -> str:
    """E.g. "IOP authorization A-1: 10 days approved for 2027-01-04 to 2027-01-31, 9 used or
    planned on other days, at most 3 a week"."""
    number = f" {found.auth_number}" if found.auth_number else ""
    unit = UNITS[found.unit_type]
    text = (
        f"{found.level_code} authorization{number}: "
        f"{units_label(unit, found.approved_units or 0)} approved for {found.starts_on} to "
        f"{found.ends_on}, {figures.counted} used or planned on other days"
    )
    if found.per_week_cap is not None:
        text += f", at most {found.per_week_cap} a week"
    return text


def _missing_reason(
    authorizations: list[Authorization], usable: list[Authorization], level: str, week: list[date]
) -> str:
    """Why some days of the week have no approved authorization for the client's level."""
    notes: list[str] = []
    for found in authorizations:
        if found in usable or found.ends_on < week[0] or found.starts_on > week[-1]:
            continue
        if found.level_code.upper() != level:
            if found.status in rules.USABLE:
                notes.append(f"the {found.level_code} authorization is not for {level}")
        else:
            notes.append(f"{level} authorization {found.status.label.lower()}")
    if usable:
        first = min(a.starts_on for a in usable)
        last = max(a.ends_on for a in usable)
        if first > week[0]:
            notes.append(f"approved from {first}")
        if last < week[-1]:
            notes.append(f"approved until {last}")
    return "; ".join(dict.fromkeys(notes)) or f"no {level} authorization in force"
