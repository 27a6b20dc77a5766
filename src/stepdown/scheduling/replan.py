"""Mid-week re-planning: absorb one change into a published week while disturbing it least.

Coordinators publish the week on Monday; by Wednesday a client is admitted, a leader calls in
sick or a room closes. Re-solving from scratch would reshuffle groups everyone already knows, so
re-planning keeps every decision before `from_day` exactly as published and, for the remaining
days, keeps every hard rule and optimizes, in this order: (1) compliance of the clients the
change affects and of everyone compliant in the published week, with the affected clients'
shortfall as a tie-break; (2) fewest changes to other clients' published sessions and
appointments; (3) fewest staff hours. Only the component (sites linked by clients or
therapists) the change touches is re-solved; the rest of the week is copied as published.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .eligibility import Eligibility
from .exchange import (
    DAYS,
    Client,
    Day,
    ExchangeError,
    Instance,
    Solution,
    week_minute,
)
from .first_fit import assemble
from .solver import Weights, _Model, _ranges, _run, _Schedule, components
from .validator import check


@dataclass(frozen=True)
class Admit:
    """A client admitted mid-week: a new client record."""

    client: Client


@dataclass(frozen=True)
class Sick:
    """A staff member off from `from_day` to the end of the week."""

    staff: str


@dataclass(frozen=True)
class CloseRoom:
    """A room unusable from `from_day` to the end of the week."""

    room: str


Change = Admit | Sick | CloseRoom


def changed_instance(instance: Instance, change: Change, from_day: Day) -> Instance:
    """The week as it now stands: with the admitted client, or the sick member's later hours gone.

    A room closure cannot be written into the instance (the room was used earlier in the week),
    so it is passed to the model as a closing time instead and the instance is unchanged.
    """
    first = DAYS.index(from_day)
    if isinstance(change, Admit):
        data = instance.model_dump()
        data["clients"].append(change.client.model_dump())
        try:
            return Instance.model_validate(data)
        except ValueError as exc:
            message = str(exc).splitlines()[-1].strip()
            raise ExchangeError(f"admitted client {change.client.id}: {message}") from None
    if isinstance(change, Sick):
        if change.staff not in {p.id for p in instance.staff}:
            raise ExchangeError(f"unknown staff id {change.staff}")
        staff = [
            p.model_copy(
                update={"availability": [w for w in p.availability if DAYS.index(w.day) < first]}
            )
            if p.id == change.staff
            else p
            for p in instance.staff
        ]
        return instance.model_copy(update={"staff": staff})
    if change.room not in {r.id for r in instance.rooms}:
        raise ExchangeError(f"unknown room id {change.room}")
    return instance


def _site_of(instance: Instance, change: Change) -> str:
    if isinstance(change, Admit):
        return change.client.site
    if isinstance(change, Sick):
        return next(p.site for p in instance.staff if p.id == change.staff)
    return next(r.site for r in instance.rooms if r.id == change.room)


def _pairs(instance: Instance, solution: Solution, since: int) -> set[tuple[str, str | int]]:
    """Client assignments from week minute `since` on: (client, session) and (client, start)."""
    starts = {s.id: s.week_start for s in instance.sessions}
    pairs: set[tuple[str, str | int]] = {
        (row.client, row.session) for row in solution.attendance if starts[row.session] >= since
    }
    for appt in solution.appointments:
        start = week_minute(appt.day, appt.start)
        if start >= since:
            pairs.add((appt.client, start))
    return pairs


def changed_assignments(
    instance: Instance,
    published: Solution,
    replanned: Solution,
    from_day: Day,
    *,
    ignore: frozenset[str] = frozenset(),
) -> int:
    """Client sessions and appointments from `from_day` on that were dropped or added.

    `ignore` lists clients whose week is new anyway (the admitted client).
    """
    since = week_minute(from_day, "00:00")

    def later(solution: Solution) -> set[tuple[str, str | int]]:
        return {pair for pair in _pairs(instance, solution, since) if pair[0] not in ignore}

    return len(later(published) ^ later(replanned))


def replan(
    instance: Instance,
    published: Solution,
    *,
    change: Change,
    from_day: Day,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
) -> Solution:
    """The published week with `change` absorbed from `from_day` on (see the module docstring).

    The returned solution is for `changed_instance(instance, change, from_day)`. Raises
    ExchangeError when the published week is not a valid week of `instance` or the change names
    something unknown.
    """
    began = time.monotonic()
    report = check(instance, published)
    if not report.valid:
        raise ExchangeError(f"published solution is not valid: {report.violations[0]}")
    week = changed_instance(instance, change, from_day)
    since = week_minute(from_day, "00:00")
    closed = {change.room: since} if isinstance(change, CloseRoom) else {}
    admitted = frozenset({change.client.id} if isinstance(change, Admit) else ())
    full = Eligibility(week)
    parts = components(full)
    site = _site_of(week, change)
    part = next(p for p in parts if site in p.sites)
    inside = set(part.sessions)
    clients = set(part.clients)
    for row in published.attendance:
        if (row.client in clients) != (row.session in inside):
            raise ExchangeError(
                f"published week has client {row.client} in session {row.session} of another "
                "site group; re-planning keeps telehealth within the affected sites"
            )
    elig = full.restricted(lambda _, sid: sid in inside)
    weights = Weights.for_instance(full)
    model = _Model(elig, part, weights, closed_rooms=closed, twins=False)
    _fix_before(model, published, since)
    model.hint(_Schedule.of(_patched(elig, published, change, since), part))
    reference = _pairs(week, published, since)
    affected = (admitted | _touched(instance, published, change, since)) & clients
    protected = affected | (_compliant(instance, published) & clients)
    # Assembling and checking the week takes a moment; the search stops in time for it.
    deadline = began + 0.9 * time_limit

    _serve_affected(model, protected, affected)
    solver, found, served = _run(model, 0.5 * (deadline - time.monotonic()), workers, seed, _ignore)
    if not found:
        raise ExchangeError(f"no re-planned week found within {time_limit:g} s")
    model.rehint(solver)
    model.model.add(_count(model, protected) >= _count_value(model, solver, protected))
    short = [model.short[cid] for cid in affected]
    model.model.add(sum(short) <= sum(solver.value(var) for var in short))
    _keep_published(model, reference, since, admitted)
    refined, found_again, proven = _run(model, deadline - time.monotonic(), workers, seed, _ignore)
    schedule = _Schedule()
    rooms = {run.id: run.room for run in published.sessions}
    model.extract(refined if found_again else solver, schedule, prefer=rooms)
    for other in parts:
        if other is not part:
            schedule.take(published, other)
    solution = assemble(
        full,
        {sid: (leader, schedule.rooms[sid]) for sid, leader in schedule.leaders.items()},
        schedule.members,
        schedule.appointments,
    )
    new = check(week, solution)
    changes = changed_assignments(week, published, solution, from_day, ignore=admitted)
    stats: dict[str, float | int | str] = {
        "seconds": round(time.monotonic() - began, 2),
        "compliant": new.compliant,
        "published_compliant": report.compliant,
        "changed_assignments": changes,
        "published_assignments": sum(cid in clients for cid, _ in reference),
        "affected_clients": len(affected),
        "status": "OPTIMAL" if served and found_again and proven else "FEASIBLE",
    }
    return solution.model_copy(update={"stats": stats})


def _ignore(_: int | None, __: int | None) -> None:
    """Re-planning shows no live progress: it runs in seconds."""


def _fix_before(model: _Model, published: Solution, since: int) -> None:
    """Pin every decision before `since` to the published week; what already happened stays."""
    elig, m = model.elig, model.model
    runs = {run.id: run for run in published.sessions}
    members = {(row.client, row.session) for row in published.attendance}
    booked = {(a.client, week_minute(a.day, a.start)) for a in published.appointments}
    capacity = {room.id: room.capacity for room in elig.instance.rooms}
    part_sessions = set(model.part.sessions)
    for sid in part_sessions:
        if elig.span[sid][0] >= since:
            continue
        if sid in runs and sid not in model.run:
            raise ExchangeError(f"published session {sid} cannot run in this week")
        if sid in model.run:
            m.add(model.run[sid] == (sid in runs))
    for (sid, pid), lit in model.lead.items():
        if elig.span[sid][0] < since:
            m.add(lit == (sid in runs and runs[sid].leader == pid))
    for sid, classes in model.room_classes.items():
        if elig.span[sid][0] < since and sid in runs:
            for cap, lit in classes:
                m.add(lit == (capacity.get(runs[sid].room or "") == cap))
    for (cid, sid), lit in model.attend.items():
        if elig.span[sid][0] < since:
            m.add(lit == ((cid, sid) in members))
    for (cid, start), lit in model.appoint.items():
        if start < since:
            m.add(lit == ((cid, start) in booked))
    clients = set(model.part.clients)
    missing = [
        f"{cid} in {sid}"
        for cid, sid in members
        if cid in clients and elig.span[sid][0] < since and (cid, sid) not in model.attend
    ] + [
        f"{cid} appointment at minute {start}"
        for cid, start in booked
        if cid in clients and start < since and (cid, start) not in model.appoint
    ]
    if missing:
        raise ExchangeError(f"published week has assignments the instance forbids: {missing[0]}")


def _patched(elig: Eligibility, published: Solution, change: Change, since: int) -> Solution:
    """The published week with the quickest fix for the change: the starting hint.

    A session the sick member led gets another free leader, one in the closed room another free
    room big enough for its group; failing that it is cancelled; the sick member's appointments
    are dropped. CP-SAT then starts from a feasible week next to the published one instead of
    repairing an infeasible hint, which it may fail to do.
    """
    if isinstance(change, Admit):
        return published
    size: dict[str, int] = defaultdict(int)
    for row in published.attendance:
        size[row.session] += 1
    length = elig.instance.individual_minutes
    appointments = [
        a
        for a in published.appointments
        if not (
            isinstance(change, Sick)
            and a.staff == change.staff
            and week_minute(a.day, a.start) >= since
        )
    ]
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    minutes: dict[str, int] = defaultdict(int)
    for a in appointments:
        start = week_minute(a.day, a.start)
        busy[a.staff].append((start, start + length))
        minutes[a.staff] += length
    for run in published.sessions:
        span = elig.span[run.id]
        busy[run.leader].append(span)
        if run.room:
            busy[run.room].append(span)
        minutes[run.leader] += span[1] - span[0]

    def free(who: str, start: int, end: int) -> bool:
        return all(end <= low or high <= start for low, high in busy[who])

    runs = []
    for run in published.sessions:
        start, end = elig.span[run.id]
        if start < since:
            runs.append(run)
            continue
        if isinstance(change, Sick) and run.leader == change.staff:
            leader = next(
                (
                    pid
                    for pid in elig.leaders[run.id]
                    if free(pid, start, end)
                    and minutes[pid] + end - start <= elig.staff[pid].max_hours * 60
                ),
                None,
            )
            if leader is None:
                continue
            busy[leader].append((start, end))
            minutes[leader] += end - start
            run = run.model_copy(update={"leader": leader})
        if isinstance(change, CloseRoom) and run.room == change.room:
            room = next(
                (
                    r.id
                    for r in elig.rooms[run.id]
                    if r.id != change.room and r.capacity >= size[run.id] and free(r.id, start, end)
                ),
                None,
            )
            if room is None:
                continue
            busy[room].append((start, end))
            run = run.model_copy(update={"room": room})
        runs.append(run)
    kept = {run.id for run in runs}
    return published.model_copy(
        update={
            "sessions": runs,
            "attendance": [row for row in published.attendance if row.session in kept],
            "appointments": appointments,
        }
    )


def _touched(instance: Instance, published: Solution, change: Change, since: int) -> set[str]:
    """Clients whose published week from `since` on used what the change takes away."""
    starts = {s.id: s.week_start for s in instance.sessions}
    later = {run.id: run for run in published.sessions if starts[run.id] >= since}
    if isinstance(change, Sick):
        hit = {sid for sid, run in later.items() if run.leader == change.staff}
        seen = {
            a.client
            for a in published.appointments
            if a.staff == change.staff and week_minute(a.day, a.start) >= since
        }
    elif isinstance(change, CloseRoom):
        hit = {sid for sid, run in later.items() if run.room == change.room}
        seen = set()
    else:
        return set()
    return seen | {row.client for row in published.attendance if row.session in hit}


def _compliant(instance: Instance, published: Solution) -> set[str]:
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    span = {s.id: s.minutes for s in instance.sessions}
    for row in published.attendance:
        minutes[row.client] += span[row.session]
    for appt in published.appointments:
        minutes[appt.client] += appt.minutes
        booked[appt.client] += 1
    return {
        c.id
        for c in instance.clients
        if minutes[c.id] >= instance.levels[c.level].min_hours * 60
        and booked[c.id] >= c.appointments_needed
    }


def _count(model: _Model, who: AbstractSet[str]) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum(
        [model.comply[cid] for cid in sorted(who) if cid in model.comply]
    )


def _count_value(model: _Model, solver: cp_model.CpSolver, who: AbstractSet[str]) -> int:
    return sum(solver.boolean_value(model.comply[cid]) for cid in who if cid in model.comply)


def _serve_affected(model: _Model, protected: AbstractSet[str], affected: AbstractSet[str]) -> None:
    """First stage: keep the published compliant clients compliant and serve the affected ones.

    Maximizes K·(compliant among `protected`) − shortfall of `affected`, K above the affected
    clients' whole shortfall range. Other clients are not re-optimized: making someone newly
    compliant mid-week would reshuffle groups that were published, which is what re-planning
    avoids.
    """
    weight = sum(model.units(model.elig.clients[cid].min_minutes) for cid in affected) + 1
    model.model.maximize(
        weight * _count(model, protected) - sum(model.short[cid] for cid in sorted(affected))
    )


def _keep_published(
    model: _Model,
    reference: set[tuple[str, str | int]],
    since: int,
    admitted: frozenset[str],
) -> None:
    """Second stage (first stage's results held): fewest changes, then fewest staff hours.

    Changes are published assignments from `since` on that are dropped plus new ones added
    (the admitted client's are free). The change weight exceeds the whole staff-hour range, so
    staff hours only break ties between equally stable weeks.
    """
    elig = model.elig
    terms: dict[cp_model.IntVar, int] = defaultdict(int)
    for (cid, sid), lit in model.attend.items():
        if cid not in admitted and elig.span[sid][0] >= since:
            terms[lit] += 1 if (cid, sid) in reference else -1
    for (cid, start), lit in model.appoint.items():
        if cid not in admitted and start >= since:
            terms[lit] += 1 if (cid, start) in reference else -1
    weight = _ranges(elig, model.weights.unit, model.part).staff + 1
    model.model.maximize(
        weight * cp_model.LinearExpr.weighted_sum(list(terms), list(terms.values()))
        - model.staff_used()
    )
