"""The whole week as one textbook CP-SAT model: the baseline the optimizer must not fall below.

No decomposition, relaxation, staging, symmetry breaking or hint: optional intervals with
`AddNoOverlap` per client, staff member and room, appointment starts on every multiple of the
instance's time grid, and FORMAT.md's four goals in one weighted objective. It reads only the
exchange models to build the model (like the checker), so the tests also use it as an independent
oracle: solved to OPTIMAL on a small week, its compliant count is the true optimum, which every
bound the optimizer reports must reach.

Starts on the grid lose nothing: every time in the instance and the appointment length are
multiples of the grid `g`, so rounding every appointment start of a valid week down to a multiple
of `g` keeps it inside its windows, clear of every session, and clear of the other appointments
(`⌊a⌋ + L = ⌊a + L⌋ ≤ ⌊b⌋` when `a + L ≤ b`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .eligibility import Eligibility
from .exchange import DAYS, MINUTES_PER_DAY, Client, Instance, Session, Solution, Unit, Window
from .first_fit import assemble
from .slots import complete_slots
from .validator import check

Lit = cp_model.IntVar
FINISH_SHARE = 0.02
"""Time limit left for writing the week and its unmet diagnosis (about 2 s on the large sample)."""


@dataclass
class _Occupancy:
    """What may occupy one client, staff member or room: optional intervals and their lengths."""

    intervals: list[cp_model.IntervalVar] = field(default_factory=list)
    units: list[tuple[Lit, int]] = field(default_factory=list)
    days: dict[int, list[Lit]] = field(default_factory=lambda: defaultdict(list))
    services: list[tuple[Lit, int, int, bool]] = field(default_factory=list)
    """Literal, week-minute start and end, and whether it is an appointment (for payer units)."""

    def total(self) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.weighted_sum(
            [lit for lit, _ in self.units], [units for _, units in self.units]
        )


@dataclass(frozen=True)
class _Weights:
    """Weights in which each goal outweighs the whole range of every later one (exact order)."""

    compliant: int
    shortfall: int
    continuity: int

    @classmethod
    def of(cls, *, staff: int, continuity: int, shortfall: int) -> _Weights:
        per_continuity = staff + 1
        per_short = per_continuity * continuity + staff + 1
        per_compliant = per_short * shortfall + per_continuity * continuity + staff + 1
        return cls(per_compliant, per_short, per_continuity)


def _inside(start: int, end: int, windows: list[Window]) -> bool:
    return any(w.week_start <= start and end <= w.week_end for w in windows)


def _serves(session: Session, client: Client) -> bool:
    return (
        client.level in session.levels
        and session.audience == client.age_group
        and session.gender in ("any", client.gender)
        and (session.telehealth or session.site == client.site)
        and _inside(session.week_start, session.week_end, client.authorized_availability)
    )


def _payer_units(unit: Unit, minutes: int, appointment: bool) -> int:
    """Units one service uses under a ``session``, ``visit`` or ``unit_15`` limit."""
    if unit == "session":
        return 1
    if unit == "visit":
        return int(appointment)
    return minutes // 15


def grid(instance: Instance) -> int:
    """The largest step dividing every time, duration and minimum of the week (the model unit)."""
    times = [instance.individual_minutes]
    for session in instance.sessions:
        times += [session.week_start, session.week_end]
    windows = [w for p in instance.staff for w in p.availability]
    windows += [w for c in instance.clients for w in c.availability]
    for window in windows:
        times += [window.week_start, window.week_end]
    times += [round(rule.min_hours * 60) for rule in instance.levels.values()]
    return math.gcd(*times)


class _PlainModel:
    """Variables for every feasible pair; each constraint is FORMAT.md's rule as written."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.eligibility = complete_slots(Eligibility(instance))
        """Only for writing the week (appointment kinds, the unmet diagnosis), not the model."""
        self.model = cp_model.CpModel()
        self.unit = grid(instance)
        self.staff = {person.id: person for person in instance.staff}
        self.occupancy: dict[str, _Occupancy] = defaultdict(_Occupancy)
        self.lead: dict[tuple[str, str], Lit] = {}
        self.room: dict[tuple[str, str], Lit] = {}
        self.attend: dict[tuple[str, str], Lit] = {}
        self.appoint: dict[tuple[str, int], Lit] = {}
        self.booked: dict[str, list[Lit]] = defaultdict(list)
        self.sessions_of: dict[str, list[str]] = defaultdict(list)
        self.comply: dict[str, Lit] = {}
        for session in instance.sessions:
            self._session(session)
        for client in instance.clients:
            self._appointments(client)
        for who, place in self.occupancy.items():
            self.model.add_no_overlap(place.intervals)
            if who in self.staff:
                self.model.add(place.total() <= self._units(self.staff[who].max_hours))
        self._objective([self._client(client) for client in instance.clients])

    def _units(self, hours: float) -> int:
        return round(hours * 60) // self.unit

    def _occupy(
        self, who: str, start: int, end: int, lit: Lit, *, appointment: bool = False
    ) -> None:
        place = self.occupancy[who]
        place.intervals.append(
            self.model.new_optional_fixed_size_interval_var(start, end - start, lit, f"[{who}]")
        )
        place.units.append((lit, (end - start) // self.unit))
        place.days[start // MINUTES_PER_DAY].append(lit)
        place.services.append((lit, start, end, appointment))

    def _session(self, session: Session) -> None:
        m, sid = self.model, session.id
        start, end = session.week_start, session.week_end
        leaders = [
            p.id
            for p in self.instance.staff
            if p.site == session.site
            and session.topic in p.topics
            and _inside(start, end, p.availability)
        ]
        rooms = [r for r in self.instance.rooms if r.site == session.site and r.capacity > 0]
        if not leaders or not (session.telehealth or rooms):
            return
        for pid in leaders:
            self.lead[(sid, pid)] = m.new_bool_var(f"lead[{sid},{pid}]")
            self._occupy(pid, start, end, self.lead[(sid, pid)])
        runs = sum(self.lead[(sid, pid)] for pid in leaders)
        m.add(runs <= 1)
        members = []
        for client in self.instance.clients:
            if _serves(session, client):
                lit = self.attend[(client.id, sid)] = m.new_bool_var(f"x[{client.id},{sid}]")
                self.sessions_of[client.id].append(sid)
                self._occupy(client.id, start, end, lit)
                members.append(lit)
        size = sum(members)
        m.add(size >= session.min_size * runs)
        m.add(size <= session.max_size * runs)
        if not session.telehealth:
            for r in rooms:
                self.room[(sid, r.id)] = m.new_bool_var(f"room[{sid},{r.id}]")
                self._occupy(r.id, start, end, self.room[(sid, r.id)])
            m.add(sum(self.room[(sid, r.id)] for r in rooms) == runs)
            m.add(size <= sum(r.capacity * self.room[(sid, r.id)] for r in rooms))

    def _appointments(self, client: Client) -> None:
        if client.appointments_needed == 0:
            return
        length = self.instance.individual_minutes
        therapist = self.staff[client.primary_therapist]
        for window in client.authorized_availability:
            for start in range(window.week_start, window.week_end - length + 1, self.unit):
                if _inside(start, start + length, therapist.availability):
                    lit = self.appoint[(client.id, start)] = self.model.new_bool_var(
                        f"appt[{client.id},{start}]"
                    )
                    self.booked[client.id].append(lit)
                    self._occupy(client.id, start, start + length, lit, appointment=True)
                    self._occupy(therapist.id, start, start + length, lit)

    def _client(self, client: Client) -> tuple[cp_model.IntVar, int]:
        """Weekly limits, keep-apart and compliance; returns the shortfall and its range."""
        m, cid = self.model, client.id
        rule = self.instance.levels[client.level]
        place = self.occupancy[cid]
        hours = place.total()
        need = self._units(rule.min_hours)
        m.add(hours <= self._units(rule.max_hours))
        days: dict[int, Lit] = {}
        for day, lits in place.days.items():
            used = days[day] = m.new_bool_var(f"day[{cid},{day}]")
            for lit in lits:
                m.add_implication(lit, used)
        m.add(sum(days.values()) <= rule.max_days)
        self._authorization(client, days)
        booked = sum(self.booked[cid])
        m.add(booked <= client.appointments_needed)
        for other in client.keep_apart:
            for sid in self.sessions_of[cid]:
                theirs = self.attend.get((other, sid))
                if theirs is not None:
                    m.add_bool_or([~self.attend[(cid, sid)], ~theirs])
        short = m.new_int_var(0, need, f"short[{cid}]")
        m.add(short + hours >= need)
        comply = self.comply[cid] = m.new_bool_var(f"comply[{cid}]")
        m.add(hours >= need * comply)
        m.add(booked >= client.appointments_needed * comply)
        return short, need

    def _authorization(self, client: Client, days: dict[int, Lit]) -> None:
        """Each payer limit as FORMAT.md's authorization rule reads: units of the services on
        its days (a day with any service counts once for ``day``; a session or appointment is
        one ``session``; an appointment one ``visit``; whole quarter hours for ``unit_15``)."""
        if client.authorization is None:
            return
        place = self.occupancy[client.id]
        for limit in client.authorization.limits:
            on = {DAYS.index(day) for day in limit.days}
            if limit.unit == "day":
                counted = [(lit, 1) for day, lit in days.items() if day in on]
            else:
                counted = [
                    (lit, _payer_units(limit.unit, end - start, appointment))
                    for lit, start, end, appointment in place.services
                    if start // MINUTES_PER_DAY in on
                ]
            self.model.add(
                cp_model.LinearExpr.weighted_sum(
                    [lit for lit, _ in counted], [n for _, n in counted]
                )
                <= limit.units
            )

    def _objective(self, shortfalls: list[tuple[cp_model.IntVar, int]]) -> None:
        staff_terms = [term for pid in self.staff for term in self.occupancy[pid].units]
        kept = [
            self.attend[(c.id, sid)]
            for c in self.instance.clients
            for sid in c.previous_sessions
            if (c.id, sid) in self.attend
        ]
        weights = _Weights.of(
            staff=sum(units for _, units in staff_terms),
            continuity=len(kept),
            shortfall=sum(need for _, need in shortfalls),
        )
        self.model.maximize(
            weights.compliant * sum(self.comply.values())
            - weights.shortfall * sum(short for short, _ in shortfalls)
            + weights.continuity * sum(kept)
            - cp_model.LinearExpr.weighted_sum(
                [lit for lit, _ in staff_terms], [units for _, units in staff_terms]
            )
        )

    def week(self, solver: cp_model.CpSolver | None) -> Solution:
        """The solver's week, or the empty week (nothing runs) when it found none."""

        def chosen(lit: Lit) -> bool:
            return solver is not None and solver.boolean_value(lit)

        leaders = {sid: pid for (sid, pid), lit in self.lead.items() if chosen(lit)}
        rooms = {sid: rid for (sid, rid), lit in self.room.items() if chosen(lit)}
        members: dict[str, list[str]] = defaultdict(list)
        for (cid, sid), lit in self.attend.items():
            if chosen(lit):
                members[sid].append(cid)
        return assemble(
            self.eligibility,
            {sid: (pid, rooms.get(sid)) for sid, pid in leaders.items()},
            members,
            [key for key, lit in self.appoint.items() if chosen(lit)],
        )


def solve_plain(
    instance: Instance, *, time_limit: float, workers: int = 2, seed: int = 0
) -> Solution:
    """Best week CP-SAT finds for the whole model within `time_limit` seconds (building included).

    `stats` holds CP-SAT's status (`OPTIMAL` only when the whole lexicographic objective is
    proven) and the compliant count.
    """
    began = time.monotonic()
    plain = _PlainModel(instance)
    solver = cp_model.CpSolver()
    left = time_limit * (1 - FINISH_SHARE) - (time.monotonic() - began)
    solver.parameters.max_time_in_seconds = max(0.1, left)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(plain.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    week = plain.week(solver if found else None)
    stats: dict[str, float | int | str] = {
        "seconds": round(time.monotonic() - began, 2),
        "status": solver.status_name(status),
        # Recounted from the rows: an unproven solution may leave a reached `comply` at 0.
        "compliant": check(instance, week).compliant,
    }
    return week.model_copy(update={"stats": stats})
