"""Weekly schedule optimizer on OR-Tools CP-SAT (the model is explained in docs/scheduling.md).

Goals are met in FORMAT.md's order by three stages per model: most compliant clients, then
shortfall as a tie-break with compliance held, then continuity and staff hours with both held.
Sites that no client or therapist links are separate models; telehealth links between them are
merged into one model while it stays small, and handled by solving a restriction beyond that.
Bounds come from CP-SAT and from small relaxations, one per group of clients sharing a therapist
and hours (see `_group_bound`). Both are sound only because every model here is built over
`slots.complete_slots`, which loses no valid week.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from . import limits
from .eligibility import ClientOptions, Eligibility
from .exchange import MINUTES_PER_DAY, Instance, Solution, week_minute
from .first_fit import assemble, first_fit
from .slots import CompleteEligibility, complete_slots

Lit = cp_model.IntVar
Item = tuple[int, int, Lit]
"""Something that occupies a person or a room class: week-minute start and end, and its literal."""


BOUND_SHARE = 0.25
"""Most of the time limit spent proving the grouped-relaxation bound before solving."""
FINISH_SHARE = 0.01
"""Time limit left for assembling the solution after the search."""
BOUND_WORKERS = 8
"""CP-SAT workers per grouped relaxation: the full portfolio is what proves them (see docs)."""
GROUP_SECONDS = 2.0
"""Most time one grouped relaxation may take (the small sample's evening group needs 1–2 s)."""
MERGE_OPTIONS = 10_000
"""Largest model (client-session pairs plus appointment slots) into which components linked only
by telehealth are merged; one site of the medium sample has about 8,000."""


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


def _merge_small_networks(elig: Eligibility, parts: list[Component]) -> list[Component]:
    """Merge components whose clients may attend each other's telehealth sessions, as long as
    the merged model stays within `MERGE_OPTIONS`.

    Solved apart, each component keeps its clients to its own telehealth (a restriction): a
    session that no client of its own site fills never runs, even when a client elsewhere can
    only comply through it, so the week can end below what one model of the whole week finds.
    A merged component is exact; only networks too big for one model keep the restriction.
    """
    owner = {sid: index for index, part in enumerate(parts) for sid in part.sessions}
    parent = list(range(len(parts)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for index, part in enumerate(parts):
        for cid in part.clients:
            for sid in elig.clients[cid].sessions:
                parent[root(owner[sid])] = root(index)
    linked: dict[int, list[Component]] = defaultdict(list)
    for index, part in enumerate(parts):
        linked[root(index)].append(part)
    merged: list[Component] = []
    for group in linked.values():
        options = sum(
            len(elig.clients[cid].sessions) + len(elig.clients[cid].slots)
            for part in group
            for cid in part.clients
        )
        if len(group) == 1 or options > MERGE_OPTIONS:
            merged += group
            continue
        merged.append(
            Component(
                set().union(*(part.sites for part in group)),
                [sid for part in group for sid in part.sessions],
                [cid for part in group for cid in part.clients],
                [pid for part in group for pid in part.staff],
            )
        )
    return sorted(merged, key=lambda c: (len(c.clients), sorted(c.sites)))


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

    def __init__(
        self,
        elig: Eligibility,
        part: Component,
        weights: Weights,
        *,
        closed_rooms: Mapping[str, int] | None = None,
        twins: bool = True,
        min_sizes: bool = True,
    ) -> None:
        # Over `Eligibility`'s own appointment starts the model would miss valid weeks (and
        # re-planning could not pin a published week that uses one of the others).
        self.elig = elig if isinstance(elig, CompleteEligibility) else complete_slots(elig)
        self.closed_rooms = dict(closed_rooms or {})
        """Room id → week minute from which it cannot be used (a mid-week closure)."""
        self.min_sizes = min_sizes
        """Off for relaxations of a subset of clients: their share of a week may leave any
        group below its minimum, since the other members are not in the model."""
        self.order_twins = twins
        """Break the symmetry between parallel sections; off when a published week must be
        matched section by section (re-planning)."""
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
        self.short_range = 0
        """Largest possible total shortfall, in model time units."""
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
        for sid in self.part.sessions:
            session = elig.sessions[sid]
            min_size = session.min_size if self.min_sizes else 0
            if len(takers[sid]) < max(min_size, 1):
                continue
            run = self.run[sid] = m.new_bool_var(f"run[{sid}]")
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
            authorization = options.client.authorization
            day_limits = [] if authorization is None else authorization.limits
            if len(by_day) > options.rule.max_days or any(
                limit.unit == "day" for limit in day_limits
            ):
                for day, lits in by_day.items():
                    used = self.days[(cid, day)] = m.new_bool_var(f"day[{cid},{day}]")
                    for lit in lits:
                        m.add_implication(lit, used)
            if len(by_day) > options.rule.max_days:
                m.add(sum(self.days[(cid, day)] for day in by_day) <= options.rule.max_days)
            self._authorization(cid)
            need = self.units(options.min_minutes)
            short = self.short[cid] = m.new_int_var(0, need, f"short[{cid}]")
            self.short_range += need
            m.add(short + hours >= need)
            if elig.can_comply(cid):
                comply = self.comply[cid] = m.new_bool_var(f"comply[{cid}]")
                m.add(hours >= need * comply)
                m.add(appointments >= options.client.appointments_needed * comply)

    def _authorization(self, cid: str) -> None:
        """Each payer limit, over the client's options on its days (the days no authorization
        covers have no options at all: `Eligibility` leaves them out)."""
        options = self.elig.clients[cid]
        if options.client.authorization is None:
            return
        services = [
            (*self.elig.span[sid], False, self.attend[(cid, sid)])
            for sid in options.sessions
            if (cid, sid) in self.attend
        ]
        services += [
            (start, start + self.length, True, self.appoint[(cid, start)])
            for start in options.slots
        ]
        for limit in options.client.authorization.limits:
            days = limits.day_numbers(limit)
            if limit.unit == "day":
                terms = [(self.days[(cid, d)], 1) for d in sorted(days) if (cid, d) in self.days]
            else:
                terms = [
                    (lit, limits.cost(limit.unit, start, end, appointment))
                    for start, end, appointment, lit in services
                    if start // MINUTES_PER_DAY in days
                ]
            if sum(weight for _, weight in terms) > limit.units:
                self.model.add(_weighted(terms) <= limit.units)

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
        per_class: dict[tuple[str, int, int], list[Item]] = defaultdict(list)
        for sid, classes in self.room_classes.items():
            start, end = elig.span[sid]
            for cap, lit in classes:
                day = start // MINUTES_PER_DAY
                per_class[(elig.sessions[sid].site, cap, day)].append((start, end, lit))
        # Sessions never cross midnight, so overlaps only happen within a day; counting open
        # rooms per day lets a room close part-way through the week (re-planning).
        for (site, cap, day), items in per_class.items():
            rooms = sum(
                1
                for room in elig.instance.rooms
                if room.site == site
                and room.capacity == cap
                and self.closed_rooms.get(room.id, MINUTES_PER_DAY * 8) > day * MINUTES_PER_DAY
            )
            if rooms == 0:
                for _, _, lit in items:
                    self.model.add(lit == 0)
            for clique in _maximal_cliques(items):
                if len(clique) > rooms:
                    self.model.add(sum(clique) <= rooms)

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
        self.twins = [group for group in twins.values() if len(group) > 1 and self.order_twins]
        for group in self.twins:
            for first, second in itertools.pairwise(group):
                self.model.add_implication(self.run[second], self.run[first])
                self.model.add(sum(self.members[second]) <= sum(self.members[first]))

    @property
    def comply_weight(self) -> int:
        """Objective units per compliant client in `stage_shortfall`: above any total shortfall."""
        return self.short_range + 1

    def rehint(self, solver: cp_model.CpSolver) -> None:
        """Start the next stage from the previous stage's schedule."""
        m = self.model
        m.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves it unannotated
        for index in range(len(m.proto.variables)):
            var = m.get_int_var_from_proto_index(index)
            m.add_hint(var, solver.value(var))

    def stage_shortfall(self, compliant: int) -> None:
        """Keep at least `compliant` clients compliant; maximize K·compliant − shortfall.

        K exceeds the whole shortfall range, so shortfall only breaks ties and never trades
        against compliance, and compliance can still improve; the coefficients stay in the
        thousands, which CP-SAT's LP handles well (unlike weights spanning all four goals).
        """
        self.model.add(sum(self.comply.values()) >= compliant)
        self.model.maximize(
            self.comply_weight * sum(self.comply.values()) - sum(self.short.values())
        )

    def staff_used(self) -> cp_model.LinearExpr:
        elig = self.elig
        leading = [
            (lit, self.units(elig.span[sid][1] - elig.span[sid][0]))
            for (sid, _), lit in self.lead.items()
        ]
        appointments = [(lit, self.units(self.length)) for lit in self.appoint.values()]
        return _weighted([*leading, *appointments])

    def hold(self, compliant: int, shortfall: int) -> None:
        """Fix the first two goals at what an earlier stage reached, for the later goals."""
        self.model.add(sum(self.comply.values()) >= compliant)
        self.model.add(sum(self.short.values()) <= shortfall)

    def stage_rest(self, compliant: int, shortfall: int) -> None:
        """Last stage: with compliance and shortfall held, continuity first, then staff hours.

        The continuity weight exceeds the whole staff-hour range, so it dominates exactly.
        """
        self.hold(compliant, shortfall)
        elig = self.elig
        previous = [
            self.attend[(cid, sid)]
            for cid in self.part.clients
            for sid in elig.clients[cid].client.previous_sessions
            if (cid, sid) in self.attend
        ]
        weight = _ranges(elig, self.weights.unit, self.part).staff + 1
        self.model.maximize(weight * sum(previous) - self.staff_used())

    def values(self, solver: cp_model.CpSolver) -> tuple[int, int]:
        """Compliant count and total shortfall (model units) of the solver's schedule."""
        return (
            sum(solver.boolean_value(lit) for lit in self.comply.values()),
            sum(solver.value(var) for var in self.short.values()),
        )

    def hint(self, start: _Schedule) -> None:
        """Seed the search with a complete schedule, relabelled to respect the twin ordering."""
        elig, m = self.elig, self.model
        m.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves it unannotated
        runs = {sid: (leader, start.rooms.get(sid)) for sid, leader in start.leaders.items()}
        members: dict[str, set[str]] = defaultdict(set)
        for sid, group in start.members.items():
            members[sid] |= set(group)
        for group in self.twins:
            ranked = sorted(group, key=lambda sid: (sid in runs, len(members[sid])), reverse=True)
            moved = [(runs.pop(old, None), members.pop(old, set())) for old in ranked]
            for new, (run, group_members) in zip(group, moved, strict=True):
                if run is not None:
                    runs[new] = run
                members[new] = group_members
        capacity = {room.id: room.capacity for room in elig.instance.rooms}
        for sid, lit in self.run.items():
            m.add_hint(lit, sid in runs)
        for (sid, pid), lit in self.lead.items():
            m.add_hint(lit, sid in runs and runs[sid][0] == pid)
        for sid, classes in self.room_classes.items():
            for cap, lit in classes:
                m.add_hint(lit, sid in runs and capacity.get(runs[sid][1] or "") == cap)
        for (cid, sid), lit in self.attend.items():
            m.add_hint(lit, cid in members[sid])
        booked = set(start.appointments)
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

    def extract(
        self,
        solver: cp_model.CpSolver,
        into: _Schedule,
        prefer: Mapping[str, str | None] | None = None,
    ) -> None:
        """Read the solution; room ids come from colouring each capacity class's interval graph.

        Colouring in start order succeeds whichever free room each session takes, so a session
        keeps its `prefer`red room (the published one, when re-planning) whenever it is free.
        """
        elig = self.elig
        prefer = prefer or {}
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
                free = [
                    r
                    for r in rooms[(site, chosen[0])]
                    if free_at.get(r, -1) <= start
                    and self.closed_rooms.get(r, MINUTES_PER_DAY * 8) > start
                ]
                room_id = prefer.get(sid) if prefer.get(sid) in free else free[0]
                assert room_id is not None
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

    @classmethod
    def of(cls, start: Solution, part: Component) -> _Schedule:
        """A component's share of a complete schedule (the heuristic's, kept as a fallback)."""
        schedule = cls()
        schedule.take(start, part)
        return schedule

    def take(self, start: Solution, part: Component) -> None:
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

    def merge(self, other: _Schedule) -> None:
        self.leaders |= other.leaders
        self.rooms |= other.rooms
        for sid, members in other.members.items():
            self.members[sid] += members
        self.appointments += other.appointments


@dataclass
class _PartState:
    """Best known and proven values of one component, tightened as CP-SAT reports."""

    compliant: int
    compliant_bound: int
    score: int
    bound: int
    lower_range: int
    """Most the terms after compliance can add to the score."""

    def improve(self, compliant: int | None, ceiling: int | None, weights: Weights) -> None:
        """Record a better compliant count or a proven ceiling on it."""
        if compliant is not None:
            self.compliant = max(self.compliant, compliant)
        if ceiling is not None and ceiling < self.compliant_bound:
            self.compliant_bound = ceiling
            self.bound = min(self.bound, weights.compliant * ceiling + self.lower_range)


def _terms(
    elig: Eligibility, weights: Weights, schedule: _Schedule, part: Component
) -> tuple[int, int]:
    """Score and compliant count of a component's share of a schedule, recomputed from rows."""
    clients = set(part.clients)
    sessions = set(part.sessions)
    unit, length = weights.unit, elig.instance.individual_minutes
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    continuity = 0
    for sid, members in schedule.members.items():
        start, end = elig.span[sid]
        for cid in members:
            if cid in clients:
                minutes[cid] += end - start
                continuity += sid in elig.clients[cid].client.previous_sessions
    for cid, _ in schedule.appointments:
        if cid in clients:
            minutes[cid] += length
            booked[cid] += 1
    compliant = shortfall = 0
    for cid in clients:
        options = elig.clients[cid]
        shortfall += max(0, options.min_minutes - minutes[cid]) // unit
        compliant += (
            minutes[cid] >= options.min_minutes
            and booked[cid] >= options.client.appointments_needed
        )
    staff_used = sum(
        (elig.span[sid][1] - elig.span[sid][0]) // unit
        for sid in schedule.leaders
        if sid in sessions
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

    Every model is built over the complete appointment starts (`slots.complete_slots`), so the
    search can reach every valid week and every bound it reports is sound; `stats["status"]`
    is OPTIMAL only when CP-SAT proved every stage of every component. First, up to
    `BOUND_SHARE` of the time proves a ceiling on each component's compliant clients from
    small grouped relaxations (`_group_bound`). Then each component is solved in stages
    (`_solve_part`), starting from the first-fit week topped up by `_fill`, which it never
    returns worse than. Components linked only by telehealth are merged while the merged model
    stays within `MERGE_OPTIONS`. Beyond that, each is solved with its clients kept to their
    own component's telehealth (a restriction, so the parts combine into a valid week);
    CP-SAT's own bounds then hold for the restriction only and are not used, while the grouped
    relaxations open every telehealth seat and stay valid. The combined week is then topped up
    by `_fill` over the whole program, which seats clients still short of their minimum in free
    places of other components' running telehealth groups.
    """
    began = time.monotonic()
    full = complete_slots(Eligibility(instance))
    weights = Weights.for_instance(full)
    parts = _merge_small_networks(full, components(full))
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
        score, compliant = _terms(full, weights, _Schedule.of(start, part), part)
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
    schedule = _Schedule()
    statuses: list[str] = []
    publish()
    bounding = began + BOUND_SHARE * time_limit
    incumbents = []
    for index, (part, state) in enumerate(zip(parts, states, strict=True)):
        incumbent = _Schedule.of(start, part)
        _fill(elig, incumbent, part)
        incumbents.append(incumbent)
        share = (bounding - time.monotonic()) * sizes[index] / max(1, sum(sizes[index:]))
        ceiling = _group_bound(full, weights, part, incumbent, time.monotonic() + share, seed)
        state.improve(None, ceiling, weights)
        publish()
    # Assembling the week and its unmet diagnosis takes up to ~1 % of the limit on the samples;
    # the search stops in time for it so the whole call stays within `time_limit`.
    searching = time_limit * (1 - FINISH_SHARE) - 0.1
    for index, (part, state) in enumerate(zip(parts, states, strict=True)):
        left = searching - (time.monotonic() - began)
        deadline = time.monotonic() + left * sizes[index] / max(1, sum(sizes[index:]))
        best, status = _solve_part(
            elig,
            part,
            weights,
            incumbents[index],
            state,
            deadline,
            workers,
            seed,
            publish,
            proves=not crossing,
        )
        schedule.merge(best)
        statuses.append(status)
    if crossing:
        # Each part kept its clients to its own telehealth; seats left free in the other parts'
        # running telehealth sessions can still lift a client to their minimum.
        _fill(full, schedule, Component(set(instance.sites), clients=sorted(full.clients)))
    solution = assemble(
        full,
        {sid: (leader, schedule.rooms[sid]) for sid, leader in schedule.leaders.items()},
        schedule.members,
        schedule.appointments,
    )
    for part, state in zip(parts, states, strict=True):
        state.score, state.compliant = _terms(full, weights, schedule, part)
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
        "first_fit_compliant": sum(
            _terms(full, weights, _Schedule.of(start, part), part)[1] for part in parts
        ),
        "status": "OPTIMAL" if set(statuses) == {"OPTIMAL"} else "FEASIBLE",
        "components": len(parts),
    }
    return solution.model_copy(update={"stats": stats})


def _solve_part(
    elig: Eligibility,
    part: Component,
    weights: Weights,
    start: _Schedule,
    state: _PartState,
    deadline: float,
    workers: int,
    seed: int,
    publish: Callable[[], None],
    *,
    proves: bool,
) -> tuple[_Schedule, str]:
    """Three stages on one component; never returns less than the heuristic's share.

    1. most compliant clients (a plain count: CP-SAT improves and bounds it fastest);
    2. with that count held, K·compliant − shortfall (compliance may still grow);
    3. with both held, continuity then staff hours.
    Each stage's schedule is scored exactly like the heuristic's and the best on the
    lexicographic score is kept, so running out of time can cost improvement but never make
    the week worse than its own hint. `proves` says whether CP-SAT's bounds hold for the whole
    week (not when telehealth was restricted to the component's own sessions).
    """
    model = _Model(elig, part, weights)
    # A proven ceiling lets CP-SAT stop as soon as it is reached, leaving time to later stages.
    model.model.add(sum(model.comply.values()) <= state.compliant_bound)
    best = start
    model.hint(best)
    best_score, _ = _terms(elig, weights, best, part)

    def keep(solver: cp_model.CpSolver) -> _Schedule:
        nonlocal best, best_score
        candidate = _Schedule()
        model.extract(solver, candidate)
        _fill(elig, candidate, part)
        score, compliant = _terms(elig, weights, candidate, part)
        state.improve(compliant, None, weights)
        if score > best_score:
            best, best_score = candidate, score
        state.score = max(state.score, best_score)
        publish()
        return candidate

    def counted(value: int | None, bound: int | None) -> None:
        state.improve(value, bound if proves else None, weights)
        publish()

    per_client = model.comply_weight

    def tie_broken(value: int | None, bound: int | None) -> None:
        compliant = None if value is None else -(-value // per_client)
        ceiling = None if bound is None or not proves else -(-bound // per_client)
        state.improve(compliant, ceiling, weights)
        publish()

    # Fractions of the time still left: stage 1 gets half, stage 2 most of the rest; time a
    # stage saves by proving optimality passes on.
    stages = ((0.7, counted), (0.7, tie_broken), (1.0, _quiet))
    proven_all = proves
    for stage, (share, hook) in enumerate(stages):
        solver, found, proven = _run(
            model, share * (deadline - time.monotonic()), workers, seed, hook
        )
        if not found:
            return best, "HEURISTIC" if stage == 0 else "FEASIBLE"
        found_schedule = keep(solver)
        proven_all = proven_all and proven
        compliant, shortfall = model.values(solver)
        model.hint(found_schedule)
        if stage == 0:
            model.stage_shortfall(compliant)
        elif stage == 1:
            model.stage_rest(compliant, shortfall)
    return best, "OPTIMAL" if proven_all else "FEASIBLE"


def _group_bound(
    full: Eligibility,
    weights: Weights,
    part: Component,
    incumbent: _Schedule,
    deadline: float,
    seed: int,
    workers: int = BOUND_WORKERS,
    group_seconds: float = GROUP_SECONDS,
) -> int:
    """A proven ceiling on the component's compliant clients, from small relaxations.

    Clients are grouped by primary therapist and availability: a group competes for exactly the
    same therapist hours and sessions. For disjoint groups, a week's compliant count is the sum
    of each group's count, and each group's count is at most the optimum of a model holding only
    that group, with every staff member, room and session still there but no minimum group
    sizes (the absent clients might have filled them). So the sum of the groups' proven optima
    bounds the week — provided the group's share of every valid week is a solution of its
    model, which needs `full` to hold every appointment start a valid week can use
    (`slots.complete_slots`; with `Eligibility`'s own list the small sample was "proven" at 33
    while a valid week has 34). Such a model has a handful of clients, and CP-SAT's full
    portfolio (`workers`: the max-LP-with-symmetry and reduced-cost workers close these) proves
    it in well under a second, where the whole model's LP bound never moves. Every telehealth
    session of the network is open to the group (a relaxation when telehealth links sites).
    Groups already all compliant in `incumbent` count in full; a group not proven in time counts
    CP-SAT's best bound, sound but weaker.
    """
    telehealth = [
        s.id for s in full.instance.sessions if s.telehealth and s.id not in part.sessions
    ]
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for cid in part.clients:
        client = full.clients[cid].client
        windows = tuple((w.day, w.start, w.end) for w in client.availability)
        if full.can_comply(cid):
            groups[(client.primary_therapist, windows)].append(cid)
    done = _compliant(full, incumbent, part.clients)
    bound = 0
    for group in sorted(groups.values(), key=len, reverse=True):
        left = deadline - time.monotonic()
        if len(group) < 2 or set(group) <= done or left <= 0.05:
            bound += len(group)
            continue
        relaxed = Component(part.sites, [*part.sessions, *telehealth], group, part.staff)
        model = _Model(full, relaxed, weights, min_sizes=False)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(group_seconds, left)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        status = solver.solve(model.model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        bound += min(len(group), math.floor(solver.best_objective_bound)) if found else len(group)
    return bound


def _compliant(elig: Eligibility, schedule: _Schedule, clients: list[str]) -> set[str]:
    length = elig.instance.individual_minutes
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    for sid, members in schedule.members.items():
        for cid in members:
            minutes[cid] += elig.span[sid][1] - elig.span[sid][0]
    for cid, _ in schedule.appointments:
        minutes[cid] += length
        booked[cid] += 1
    return {
        cid
        for cid in clients
        if minutes[cid] >= elig.clients[cid].min_minutes
        and booked[cid] >= elig.clients[cid].client.appointments_needed
    }


def _fill(elig: Eligibility, schedule: _Schedule, part: Component) -> None:
    """Greedily seat clients below `min_hours` in free seats of running sessions, then book
    their missing appointments where their therapist is free.

    It only adds hours and appointments, so compliance never drops and shortfall never grows.
    CP-SAT's search for compliance leaves such easy seats empty when time runs out (nothing in
    the first stage rewards them); this gives them back in milliseconds. An appointment is kept
    only if it cuts the client's shortfall or completes a compliant week: any other would only
    add staff hours, and on an optimal schedule the pass must change nothing.
    """
    length = elig.instance.individual_minutes
    capacity = {room.id: room.capacity for room in elig.instance.rooms}
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    minutes: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    services: dict[str, list[limits.Service]] = defaultdict(list)
    for sid, group in schedule.members.items():
        for cid in group:
            busy[cid].append(elig.span[sid])
            minutes[cid] += elig.span[sid][1] - elig.span[sid][0]
            services[cid].append((*elig.span[sid], False))
    for sid, pid in schedule.leaders.items():
        busy[pid].append(elig.span[sid])
        minutes[pid] += elig.span[sid][1] - elig.span[sid][0]
    for cid, start in schedule.appointments:
        for who in (cid, elig.clients[cid].client.primary_therapist):
            busy[who].append((start, start + length))
            minutes[who] += length
        booked[cid] += 1
        services[cid].append((start, start + length, True))

    def fits(who: str, start: int, end: int, limit: float) -> bool:
        free = all(end <= low or high <= start for low, high in busy[who])
        return free and minutes[who] + end - start <= limit

    def new_day_ok(options: ClientOptions, start: int) -> bool:
        days = {low // MINUTES_PER_DAY for low, _ in busy[options.client.id]}
        return len(days | {start // MINUTES_PER_DAY}) <= options.rule.max_days

    def take(who: tuple[str, ...], start: int, end: int) -> None:
        for person in who:
            busy[person].append((start, end))
            minutes[person] += end - start

    for cid in sorted(part.clients, key=lambda cid: (len(elig.clients[cid].sessions), cid)):
        options = elig.clients[cid]
        client = options.client
        for sid in options.sessions:
            missing = length * (client.appointments_needed - booked[cid])
            if minutes[cid] + missing >= options.min_minutes:
                break
            start, end = elig.span[sid]
            group = schedule.members[sid]
            room = schedule.rooms.get(sid)
            seats = elig.sessions[sid].max_size if room is None else capacity[room]
            if (
                sid in schedule.leaders
                and len(group) < min(seats, elig.sessions[sid].max_size)
                and fits(cid, start, end, options.max_minutes)
                and new_day_ok(options, start)
                and limits.fits(client, services[cid], (start, end, False))
                and not any(
                    other in client.keep_apart or cid in elig.clients[other].client.keep_apart
                    for other in group
                )
            ):
                group.append(cid)
                take((cid,), start, end)
                services[cid].append((start, end, False))
        therapist = client.primary_therapist
        beyond_minimum = []
        for start in options.slots:
            if booked[cid] >= client.appointments_needed:
                break
            end = start + length
            if (
                fits(cid, start, end, options.max_minutes)
                and fits(therapist, start, end, elig.staff[therapist].max_hours * 60)
                and new_day_ok(options, start)
                and limits.fits(client, services[cid], (start, end, True))
            ):
                if minutes[cid] >= options.min_minutes:
                    beyond_minimum.append(start)
                schedule.appointments.append((cid, start))
                booked[cid] += 1
                take((cid, therapist), start, end)
                services[cid].append((start, end, True))
        if booked[cid] < client.appointments_needed:
            # Still not compliant: appointments past `min_hours` cut no shortfall and would
            # only cost staff hours.
            for start in beyond_minimum:
                schedule.appointments.remove((cid, start))
                services[cid].remove((start, start + length, True))
                booked[cid] -= 1
                for person in (cid, therapist):
                    busy[person].remove((start, start + length))
                    minutes[person] -= length


def _quiet(_: int | None, __: int | None) -> None:
    """The last stage's objective (continuity, staff hours) is not shown live."""


def _weighted(terms: list[tuple[Lit, int]]) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.weighted_sum([lit for lit, _ in terms], [c for _, c in terms])


def _natural(identifier: str) -> tuple[int, str]:
    """Order ids like G2 before G10, so room and twin choices read naturally."""
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return (int(digits) if digits else 0, identifier)
