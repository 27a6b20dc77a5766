"""Weekly schedule optimizer on OR-Tools CP-SAT (the model is explained in docs/scheduling.md).

Goals are met in FORMAT.md's order by two stages per model: most compliant clients first, then
shortfall, continuity and staff hours with weights that provably make each dominate the next.
Sites that no client or therapist links are separate models; telehealth links between them are
handled by solving a restriction and bounding with a relaxation (see `solve`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .exchange import MINUTES_PER_DAY, Instance, Solution, week_minute
from .first_fit import assemble, first_fit
from .unmet import Eligibility

Lit = cp_model.IntVar
Item = tuple[int, int, Lit]
"""Something that occupies a person or a room class: week-minute start and end, and its literal."""


@dataclass(frozen=True)
class Progress:
    """What the live display shows; `bound` and `compliant_bound` can only tighten."""

    seconds: float
    objective: int
    bound: int
    compliant: int
    compliant_bound: int


@dataclass(frozen=True)
class Weights:
    """Per-term weights chosen so each term outweighs the whole range of every later term."""

    unit: int
    """Minutes per model time unit (gcd of all durations), to keep coefficients small."""
    staff: int
    continuity: int
    shortfall: int
    compliant: int

    @classmethod
    def for_instance(cls, elig: Eligibility) -> Weights:
        inst = elig.instance
        lengths = [end - start for start, end in elig.span.values()]
        lengths += [inst.individual_minutes, *(o.min_minutes for o in elig.clients.values())]
        unit = math.gcd(*lengths) or 1
        whole = Component(
            set(inst.sites), list(elig.sessions), list(elig.clients), list(elig.staff)
        )
        ranges = _ranges(elig, unit, whole)
        continuity = ranges.staff + 1
        shortfall = continuity * ranges.continuity + ranges.staff + 1
        compliant = shortfall * ranges.shortfall + continuity * ranges.continuity + ranges.staff + 1
        return cls(unit, 1, continuity, shortfall, compliant)


@dataclass
class Component:
    """Sites tied together by clients or therapists; solved as one model."""

    sites: set[str]
    sessions: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    relaxed: frozenset[str] = frozenset()
    """Telehealth sessions shared with other components, relaxed to bound this one: no leader
    needed, no minimum size, all seats available to this component's clients."""


def components(elig: Eligibility) -> list[Component]:
    """Split the week where no client or therapist links sites (telehealth is handled apart)."""
    parent = {site: site for site in elig.instance.sites}

    def root(site: str) -> str:
        while parent[site] != site:
            parent[site] = parent[parent[site]]
            site = parent[site]
        return site

    for options in elig.clients.values():
        client = options.client
        linked = {elig.staff[client.primary_therapist].site}
        linked |= {
            elig.sessions[sid].site for sid in options.sessions if not elig.sessions[sid].telehealth
        }
        for site in linked:
            parent[root(site)] = root(client.site)
    groups: dict[str, Component] = {}
    for site in elig.instance.sites:
        groups.setdefault(root(site), Component(set())).sites.add(site)
    for session in elig.instance.sessions:
        groups[root(session.site)].sessions.append(session.id)
    for client in elig.instance.clients:
        groups[root(client.site)].clients.append(client.id)
    for person in elig.instance.staff:
        groups[root(person.site)].staff.append(person.id)
    return sorted(groups.values(), key=lambda c: (len(c.clients), sorted(c.sites)))


def _maximal_cliques(items: list[Item]) -> list[list[Lit]]:
    """Maximal sets of mutually overlapping intervals (an interval graph has few of them).

    Sweeping the ends before the starts at equal times keeps intervals half-open.
    """
    events = sorted(
        (time_, is_start, index)
        for index, (start, end, _) in enumerate(items)
        for time_, is_start in ((start, 1), (end, 0))
    )
    active: dict[int, Lit] = {}
    cliques = []
    grew = False
    for _, is_start, index in events:
        if is_start:
            active[index] = items[index][2]
            grew = True
        else:
            if grew and len(active) > 1:
                cliques.append(list(active.values()))
            grew = False
            del active[index]
    return cliques


class _Model:
    """The CP-SAT model of one component; variables exist only for eligible pairs.

    It starts out maximizing the number of compliant clients; `refine` switches to the rest.
    """

    def __init__(self, elig: Eligibility, part: Component, weights: Weights) -> None:
        self.elig = elig
        self.part = part
        self.weights = weights
        self.model = cp_model.CpModel()
        self.length = elig.instance.individual_minutes
        self.run: dict[str, Lit] = {}
        self.lead: dict[tuple[str, str], Lit] = {}
        self.room_classes: dict[str, list[tuple[int, Lit]]] = {}
        self.attend: dict[tuple[str, str], Lit] = {}
        self.members: dict[str, list[Lit]] = defaultdict(list)
        self.appoint: dict[tuple[str, int], Lit] = {}
        self.comply: dict[str, Lit] = {}
        self.short: dict[str, cp_model.IntVar] = {}
        self.days: dict[tuple[str, int], Lit] = {}
        self.twins: list[list[str]] = []
        self._sessions()
        self._clients()
        self._keep_apart()
        self._staff()
        self._rooms()
        self._parallel_sections()
        self.model.maximize(sum(self.comply.values()))

    def units(self, minutes: int) -> int:
        return minutes // self.weights.unit

    def _sessions(self) -> None:
        elig, m = self.elig, self.model
        takers: dict[str, list[str]] = defaultdict(list)
        for cid in self.part.clients:
            for sid in elig.clients[cid].sessions:
                takers[sid].append(cid)
        shared = {sid for sid in self.part.sessions if elig.sessions[sid].telehealth}
        for sid in (*self.part.sessions, *self.part.relaxed):
            session = elig.sessions[sid]
            loose = sid in self.part.relaxed or (bool(self.part.relaxed) and sid in shared)
            min_size = 0 if loose else session.min_size
            if len(takers[sid]) < max(min_size, 1):
                continue
            run = self.run[sid] = m.new_bool_var(f"run[{sid}]")
            if sid not in self.part.relaxed:
                leaders = [
                    self.lead.setdefault((sid, pid), m.new_bool_var(f"lead[{sid},{pid}]"))
                    for pid in elig.leaders[sid]
                ]
                m.add_exactly_one([~run, *leaders])
            for cid in takers[sid]:
                lit = self.attend[(cid, sid)] = m.new_bool_var(f"x[{cid},{sid}]")
                self.members[sid].append(lit)
                m.add_implication(lit, run)
            size = sum(self.members[sid])
            m.add(size >= min_size * run)
            if session.telehealth:
                m.add(size <= session.max_size * run)
                continue
            capacities = sorted({room.capacity for room in elig.rooms[sid]})
            classes = self.room_classes[sid] = [
                (cap, m.new_bool_var(f"room[{sid},{cap}]")) for cap in capacities
            ]
            m.add_exactly_one([~run, *(lit for _, lit in classes)])
            m.add(size <= sum(min(cap, session.max_size) * lit for cap, lit in classes))

    def client_items(self, cid: str) -> list[Item]:
        options = self.elig.clients[cid]
        items = [
            (*self.elig.span[sid], self.attend[(cid, sid)])
            for sid in options.sessions
            if (cid, sid) in self.attend
        ]
        items += [
            (start, start + self.length, self.appoint[(cid, start)]) for start in options.slots
        ]
        return items

    def _clients(self) -> None:
        elig, m = self.elig, self.model
        for cid in self.part.clients:
            options = elig.clients[cid]
            for start in options.slots:
                self.appoint[(cid, start)] = m.new_bool_var(f"appt[{cid},{start}]")
            items = self.client_items(cid)
            for clique in _maximal_cliques(items):
                m.add_at_most_one(clique)
            hours = _weighted([(lit, self.units(end - start)) for start, end, lit in items])
            m.add(hours <= self.units(options.max_minutes))
            appointments = sum(self.appoint[(cid, start)] for start in options.slots)
            m.add(appointments <= options.client.appointments_needed)
            by_day: dict[int, list[Lit]] = defaultdict(list)
            for start, _, lit in items:
                by_day[start // MINUTES_PER_DAY].append(lit)
            if len(by_day) > options.rule.max_days:
                for day, lits in by_day.items():
                    used = self.days[(cid, day)] = m.new_bool_var(f"day[{cid},{day}]")
                    for lit in lits:
                        m.add_implication(lit, used)
                m.add(sum(self.days[(cid, day)] for day in by_day) <= options.rule.max_days)
            need = self.units(options.min_minutes)
            short = self.short[cid] = m.new_int_var(0, need, f"short[{cid}]")
            m.add(short + hours >= need)
            if elig.can_comply(cid):
                comply = self.comply[cid] = m.new_bool_var(f"comply[{cid}]")
                m.add(hours >= need * comply)
                m.add(appointments >= options.client.appointments_needed * comply)

    def _keep_apart(self) -> None:
        pairs = {
            tuple(sorted((cid, other)))
            for cid in self.part.clients
            for other in self.elig.clients[cid].client.keep_apart
        }
        for first, second in sorted(pairs):
            for sid in self.elig.clients[first].sessions:
                both = [self.attend.get((first, sid)), self.attend.get((second, sid))]
                if both[0] is not None and both[1] is not None:
                    self.model.add_bool_or([~both[0], ~both[1]])

    def _staff(self) -> None:
        elig, m = self.elig, self.model
        items: dict[str, list[Item]] = defaultdict(list)
        for (sid, pid), lit in self.lead.items():
            items[pid].append((*elig.span[sid], lit))
        for (cid, start), lit in self.appoint.items():
            items[elig.clients[cid].client.primary_therapist].append(
                (start, start + self.length, lit)
            )
        for pid, busy in items.items():
            for clique in _maximal_cliques(busy):
                m.add_at_most_one(clique)
            limit = self.units(round(elig.staff[pid].max_hours * 60))
            m.add(_weighted([(lit, self.units(end - start)) for start, end, lit in busy]) <= limit)

    def _rooms(self) -> None:
        """Rooms of one site and capacity are interchangeable: count them, pick ids afterwards.

        An interval graph needs no more colours than its largest clique, so if no more sessions
        of a class overlap than the site has rooms of that capacity, rooms can be handed out
        after solving; this removes every symmetry between identical rooms.
        """
        elig = self.elig
        rooms_of: dict[tuple[str, int], int] = defaultdict(int)
        for room in elig.instance.rooms:
            rooms_of[(room.site, room.capacity)] += 1
        per_class: dict[tuple[str, int], list[Item]] = defaultdict(list)
        for sid, classes in self.room_classes.items():
            for cap, lit in classes:
                per_class[(elig.sessions[sid].site, cap)].append((*elig.span[sid], lit))
        for key, items in per_class.items():
            for clique in _maximal_cliques(items):
                if len(clique) > rooms_of[key]:
                    self.model.add(sum(clique) <= rooms_of[key])

    def _parallel_sections(self) -> None:
        """Identical sections at the same time are interchangeable: open them in id order.

        Swapping the whole groups (members, leader, room) of two such sections maps a schedule to
        one just as good, unless a client attended one of them last week.
        """
        elig = self.elig
        previous = {
            sid for cid in self.part.clients for sid in elig.clients[cid].client.previous_sessions
        }
        twins: dict[tuple[object, ...], list[str]] = defaultdict(list)
        for sid in sorted(self.run, key=_natural):
            s = elig.sessions[sid]
            if sid not in previous:
                key = (
                    s.site,
                    s.day,
                    s.start,
                    s.end,
                    s.topic,
                    tuple(s.levels),
                    s.audience,
                    s.gender,
                )
                twins[(*key, s.min_size, s.max_size, s.telehealth)].append(sid)
        self.twins = [group for group in twins.values() if len(group) > 1]
        for group in self.twins:
            for first, second in itertools.pairwise(group):
                self.model.add_implication(self.run[second], self.run[first])
                self.model.add(sum(self.members[second]) <= sum(self.members[first]))

    def refine(self, solver: cp_model.CpSolver, compliant: int) -> None:
        """Second stage: keep `compliant` clients compliant, then order the remaining goals.

        Shortfall, continuity and staff hours are folded with weights that make each dominate
        the whole range of the next; the previous stage's schedule is the starting hint.
        """
        m = self.model
        proto = m.proto
        m.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves it unannotated
        for index in range(len(proto.variables)):
            var = m.get_int_var_from_proto_index(index)
            m.add_hint(var, solver.value(var))
        m.add(sum(self.comply.values()) >= compliant)
        elig, w = self.elig, self.weights
        ranges = _ranges(elig, w.unit, self.part)
        previous = [
            self.attend[(cid, sid)]
            for cid in self.part.clients
            for sid in elig.clients[cid].client.previous_sessions
            if (cid, sid) in self.attend
        ]
        leading = [
            (lit, self.units(elig.span[sid][1] - elig.span[sid][0]))
            for (sid, _), lit in self.lead.items()
        ]
        appointments = [(lit, self.units(self.length)) for lit in self.appoint.values()]
        staff_used = _weighted([*leading, *appointments])
        m.maximize(
            w.shortfall * (ranges.shortfall - sum(self.short.values()))
            + w.continuity * sum(previous)
            + w.staff * (ranges.staff - staff_used)
        )

    def hint(self, start: Solution) -> None:
        """Seed the search with a complete schedule, relabelled to respect the twin ordering."""
        elig, m = self.elig, self.model
        runs = {run.id: run for run in start.sessions}
        members: dict[str, set[str]] = defaultdict(set)
        for row in start.attendance:
            members[row.session].add(row.client)
        for group in self.twins:
            ranked = sorted(group, key=lambda sid: (sid in runs, len(members[sid])), reverse=True)
            moved = [(runs.pop(old, None), members.pop(old, set())) for old in ranked]
            for new, (run, group_members) in zip(group, moved, strict=True):
                if run is not None:
                    runs[new] = run.model_copy(update={"id": new})
                members[new] = group_members
        capacity = {room.id: room.capacity for room in elig.instance.rooms}
        for sid, lit in self.run.items():
            m.add_hint(lit, sid in runs)
        for (sid, pid), lit in self.lead.items():
            m.add_hint(lit, sid in runs and runs[sid].leader == pid)
        for sid, classes in self.room_classes.items():
            for cap, lit in classes:
                m.add_hint(lit, sid in runs and capacity.get(runs[sid].room or "") == cap)
        for (cid, sid), lit in self.attend.items():
            m.add_hint(lit, cid in members[sid])
        booked = {(a.client, week_minute(a.day, a.start)) for a in start.appointments}
        for key, lit in self.appoint.items():
            m.add_hint(lit, key in booked)
        busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for sid, group_members in members.items():
            for cid in group_members:
                busy[cid].append(elig.span[sid])
        for cid, begin in booked:
            busy[cid].append((begin, begin + self.length))
        for cid in self.part.clients:
            options = elig.clients[cid]
            need = self.units(options.min_minutes)
            got = self.units(sum(end - begin for begin, end in busy[cid]))
            m.add_hint(self.short[cid], max(0, need - got))
            if cid in self.comply:
                appointments = sum(1 for who, _ in booked if who == cid)
                enough = appointments >= options.client.appointments_needed
                m.add_hint(self.comply[cid], got >= need and enough)
        for (cid, day), lit in self.days.items():
            m.add_hint(lit, any(begin // MINUTES_PER_DAY == day for begin, _ in busy[cid]))

    def extract(self, solver: cp_model.CpSolver, into: _Schedule) -> None:
        """Read the solution; room ids come from colouring each capacity class's interval graph."""
        elig = self.elig
        running = [sid for sid, lit in self.run.items() if solver.boolean_value(lit)]
        for (sid, pid), lit in self.lead.items():
            if solver.boolean_value(lit):
                into.leaders[sid] = pid
        rooms: dict[tuple[str, int], list[str]] = defaultdict(list)
        for room in sorted(elig.instance.rooms, key=lambda r: _natural(r.id)):
            rooms[(room.site, room.capacity)].append(room.id)
        free_at: dict[str, int] = {}
        for sid in sorted(running, key=lambda sid: elig.span[sid]):
            into.rooms[sid] = None
            chosen = [
                cap for cap, lit in self.room_classes.get(sid, []) if solver.boolean_value(lit)
            ]
            if chosen:
                start, end = elig.span[sid]
                site = elig.sessions[sid].site
                room_id = next(r for r in rooms[(site, chosen[0])] if free_at.get(r, -1) <= start)
                free_at[room_id] = end
                into.rooms[sid] = room_id
        for (cid, sid), lit in self.attend.items():
            if solver.boolean_value(lit):
                into.members[sid].append(cid)
        into.appointments += [key for key, lit in self.appoint.items() if solver.boolean_value(lit)]


@dataclass
class _Schedule:
    """The pieces of a solution gathered across components."""

    leaders: dict[str, str] = field(default_factory=dict)
    rooms: dict[str, str | None] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    appointments: list[tuple[str, int]] = field(default_factory=list)

    def take(self, start: Solution, part: Component) -> None:
        """Keep the heuristic's schedule for a component the solver found nothing better for."""
        clients = set(part.clients)
        for run in start.sessions:
            if run.id in part.sessions:
                self.leaders[run.id] = run.leader
                self.rooms[run.id] = run.room
        for row in start.attendance:
            if row.client in clients:
                self.members[row.session].append(row.client)
        self.appointments += [
            (a.client, week_minute(a.day, a.start))
            for a in start.appointments
            if a.client in clients
        ]


@dataclass
class _PartState:
    """Best known and proven values of one component, tightened as CP-SAT reports."""

    compliant: int
    compliant_bound: int
    score: int
    bound: int
    lower_range: int
    """Most the terms after compliance can add to the score."""
    compliance_proven: bool = False

    def stage_one(self, compliant: int | None, bound: int | None, weights: Weights) -> None:
        if compliant is not None:
            self.compliant = max(self.compliant, compliant)
        if bound is not None and bound < self.compliant_bound:
            self.compliant_bound = bound
            self.bound = min(self.bound, weights.compliant * bound + self.lower_range)

    def stage_two(self, lower: int | None, lower_bound: int | None, weights: Weights) -> None:
        base = weights.compliant * self.compliant
        if lower is not None:
            self.score = max(self.score, base + lower)
        if lower_bound is not None and self.compliance_proven:
            self.bound = min(self.bound, base + lower_bound)


def _terms(
    elig: Eligibility, weights: Weights, solution: Solution, part: Component
) -> tuple[int, int]:
    """Score and compliant count of a component's share of a schedule, recomputed from rows."""
    clients = set(part.clients)
    sessions = set(part.sessions)
    unit, length = weights.unit, elig.instance.individual_minutes
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    continuity = 0
    for row in solution.attendance:
        if row.client in clients:
            start, end = elig.span[row.session]
            minutes[row.client] += end - start
            continuity += row.session in elig.clients[row.client].client.previous_sessions
    for appointment in solution.appointments:
        if appointment.client in clients:
            minutes[appointment.client] += length
            booked[appointment.client] += 1
    compliant = shortfall = 0
    for cid in clients:
        options = elig.clients[cid]
        shortfall += max(0, options.min_minutes - minutes[cid]) // unit
        compliant += (
            minutes[cid] >= options.min_minutes
            and booked[cid] >= options.client.appointments_needed
        )
    staff_used = sum(
        (elig.span[run.id][1] - elig.span[run.id][0]) // unit
        for run in solution.sessions
        if run.id in sessions
    )
    staff_used += sum(booked.values()) * length // unit
    ranges = _ranges(elig, weights.unit, part)
    score = (
        weights.compliant * compliant
        + weights.shortfall * (ranges.shortfall - shortfall)
        + weights.continuity * continuity
        + weights.staff * (ranges.staff - staff_used)
    )
    return score, compliant


@dataclass(frozen=True)
class _Ranges:
    shortfall: int
    continuity: int
    staff: int


def _ranges(elig: Eligibility, unit: int, part: Component) -> _Ranges:
    """Largest value each lower term can take in a component: the headroom each weight covers."""
    length = elig.instance.individual_minutes
    return _Ranges(
        shortfall=sum(elig.clients[cid].min_minutes // unit for cid in part.clients),
        continuity=sum(len(elig.clients[cid].client.previous_sessions) for cid in part.clients),
        staff=sum((elig.span[sid][1] - elig.span[sid][0]) // unit for sid in part.sessions)
        + sum(
            elig.clients[cid].client.appointments_needed * length // unit for cid in part.clients
        ),
    )


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Forwards CP-SAT's improving solutions (objective, bound) to a progress hook."""

    def __init__(self, hook: Callable[[int | None, int | None], None]) -> None:
        super().__init__()
        self.hook = hook

    def on_solution_callback(self) -> None:
        self.hook(round(self.objective_value), math.floor(self.best_objective_bound))


def _run(
    model: _Model,
    seconds: float,
    workers: int,
    seed: int,
    hook: Callable[[int | None, int | None], None],
) -> tuple[cp_model.CpSolver, bool, bool]:
    """Solve; returns the solver, whether it found a schedule and whether it proved optimality."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.best_bound_callback = lambda bound: hook(None, math.floor(bound))
    status = solver.solve(model.model, _Watcher(hook))
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if found:
        hook(None, math.floor(solver.best_objective_bound))
    return solver, found, status == cp_model.OPTIMAL


def solve(
    instance: Instance,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
) -> Solution:
    """Best schedule found within `time_limit` seconds, with its proven bound in `stats`.

    Each component is solved in two stages: most compliant clients first (a pure count, which
    CP-SAT both improves and bounds far better than one objective with huge weights), then the
    remaining goals with that count held. When telehealth links components, each is solved
    with its clients kept to their own component's telehealth (a restriction, so the parts
    combine into a valid week) and then bounded by a relaxation that opens every telehealth
    seat to them; the sum of those bounds holds for the whole week.
    """
    began = time.monotonic()
    full = Eligibility(instance)
    weights = Weights.for_instance(full)
    parts = components(full)
    home = {cid: index for index, part in enumerate(parts) for cid in part.clients}
    part_of = {sid: index for index, part in enumerate(parts) for sid in part.sessions}
    crossing = any(
        part_of[sid] != home[cid] for cid, o in full.clients.items() for sid in o.sessions
    )
    elig = full.restricted(lambda cid, sid: part_of[sid] == home[cid]) if crossing else full
    start = first_fit(instance, elig)
    states = []
    for part in parts:
        ranges = _ranges(full, weights.unit, part)
        lower = (
            weights.shortfall * ranges.shortfall
            + weights.continuity * ranges.continuity
            + weights.staff * ranges.staff
        )
        score, compliant = _terms(full, weights, start, part)
        can_comply = sum(full.can_comply(cid) for cid in part.clients)
        states.append(
            _PartState(compliant, can_comply, score, weights.compliant * can_comply + lower, lower)
        )

    def publish() -> None:
        if on_progress is not None:
            on_progress(
                Progress(
                    seconds=time.monotonic() - began,
                    objective=sum(s.score for s in states),
                    bound=sum(s.bound for s in states),
                    compliant=sum(s.compliant for s in states),
                    compliant_bound=sum(s.compliant_bound for s in states),
                )
            )

    sizes = [
        sum(len(elig.clients[cid].sessions) + len(elig.clients[cid].slots) for cid in part.clients)
        for part in parts
    ]
    solving_share = 0.75 if crossing else 1.0
    schedule = _Schedule()
    statuses: list[str] = []
    publish()
    for index, (part, state) in enumerate(zip(parts, states, strict=True)):
        left = time_limit * solving_share - (time.monotonic() - began)
        deadline = time.monotonic() + left * sizes[index] / max(1, sum(sizes[index:]))
        model = _Model(elig, part, weights)
        model.hint(start)

        def first(value: int | None, bound: int | None, state: _PartState = state) -> None:
            state.stage_one(value, None if crossing else bound, weights)
            publish()

        seconds = 0.7 * (deadline - time.monotonic())
        solver, found, proven = _run(model, seconds, workers, seed, first)
        if not found:
            schedule.take(start, part)
            statuses.append("HEURISTIC")
            continue
        compliant = round(solver.objective_value)
        state.compliance_proven = proven and not crossing
        model.refine(solver, compliant)

        def second(value: int | None, bound: int | None, state: _PartState = state) -> None:
            state.stage_two(value, bound, weights)
            publish()

        refined, found, proven = _run(model, deadline - time.monotonic(), workers, seed, second)
        model.extract(refined if found else solver, schedule)
        statuses.append("OPTIMAL" if proven and state.compliance_proven else "FEASIBLE")
    if crossing:
        _bound_by_relaxation(full, weights, parts, states, began + time_limit, workers, seed)
    solution = assemble(
        full,
        {sid: (leader, schedule.rooms[sid]) for sid, leader in schedule.leaders.items()},
        schedule.members,
        schedule.appointments,
    )
    for part, state in zip(parts, states, strict=True):
        state.score, state.compliant = _terms(full, weights, solution, part)
    publish()
    score = sum(s.score for s in states)
    bound = sum(s.bound for s in states)
    compliant = sum(s.compliant for s in states)
    compliant_bound = sum(s.compliant_bound for s in states)
    stats: dict[str, float | int | str] = {
        "seconds": round(time.monotonic() - began, 2),
        "objective": score,
        "bound": bound,
        "gap_objective": round((bound - score) / bound, 6) if bound else 0.0,
        "compliant": compliant,
        "compliant_bound": compliant_bound,
        "gap_compliant": round((compliant_bound - compliant) / compliant_bound, 6)
        if compliant_bound
        else 0.0,
        "first_fit_compliant": sum(_terms(full, weights, start, part)[1] for part in parts),
        "status": "OPTIMAL" if set(statuses) == {"OPTIMAL"} else "FEASIBLE",
        "components": len(parts),
    }
    return solution.model_copy(update={"stats": stats})


def _bound_by_relaxation(
    elig: Eligibility,
    weights: Weights,
    parts: list[Component],
    states: list[_PartState],
    deadline: float,
    workers: int,
    seed: int,
) -> None:
    """Bound each component with every telehealth seat of the network open to its clients."""
    telehealth = {s.id for s in elig.instance.sessions if s.telehealth}
    for index, (part, state) in enumerate(zip(parts, states, strict=True)):
        others = frozenset(telehealth - set(part.sessions))
        relaxed = Component(part.sites, part.sessions, part.clients, part.staff, others)
        model = _Model(elig, relaxed, weights)

        def tighten(_: int | None, bound: int | None, state: _PartState = state) -> None:
            state.stage_one(None, bound, weights)

        seconds = (deadline - time.monotonic()) / (len(parts) - index)
        _run(model, seconds, workers, seed, tighten)


def _weighted(terms: list[tuple[Lit, int]]) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.weighted_sum([lit for lit, _ in terms], [c for _, c in terms])


def _natural(identifier: str) -> tuple[int, str]:
    """Order ids like G2 before G10, so room and twin choices read naturally."""
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return (int(digits) if digits else 0, identifier)
