"""Independent check of a solution against FORMAT.md's hard rules and objective.

Deliberately shares no code with the optimizer or the heuristic (only the exchange models): a
bug in their eligibility or overlap logic must show up here rather than be repeated here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from .exchange import Client, Instance, Solution, Window, to_minutes

DAY_ORDER = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clients: int = 0
    compliant: int = 0
    shortfall_hours: float = 0.0
    continuity: int = 0
    staff_hours: float = 0.0
    client_hours: dict[str, float] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.violations

    def add(self, rule: str, message: str) -> None:
        self.violations.append(Violation(rule, message))


@dataclass(frozen=True)
class _Busy:
    """One thing occupying a person or a room, with absolute week minutes."""

    label: str
    day: int
    start: int
    end: int


def _busy(label: str, day: str, start: str, end: str) -> _Busy:
    return _Busy(label, DAY_ORDER[day], to_minutes(start), to_minutes(end))


def _covered(item: _Busy, windows: list[Window]) -> bool:
    return any(
        DAY_ORDER[w.day] == item.day
        and to_minutes(w.start) <= item.start
        and item.end <= to_minutes(w.end)
        for w in windows
    )


def _overlaps(owner: str, items: list[_Busy], report: CheckReport) -> None:
    ordered = sorted(items, key=lambda b: (b.day, b.start, b.end, b.label))
    for first, second in combinations(ordered, 2):
        if first.day == second.day and first.start < second.end and second.start < first.end:
            report.add("double-booked", f"{owner} is in {first.label} and {second.label} at once")


def _payer_units(unit: str, items: list[_Busy], appointments: set[int]) -> int:
    """Units the items use, as the payer counts them (``authorizations.rules.units_of``)."""
    if unit == "day":
        return len({b.day for b in items})
    if unit == "session":
        return len(items)
    if unit == "visit":
        return sum(1 for b in items if id(b) in appointments)
    return sum((b.end - b.start) // 15 for b in items)


def _authorization(
    client: Client, items: list[_Busy], appointments: set[int], report: CheckReport
) -> None:
    """No service on a day no authorization covers, and no limit exceeded."""
    if client.authorization is None:
        return
    allowed = {DAY_ORDER[day] for day in client.authorization.days}
    for item in sorted(items, key=lambda b: (b.day, b.start, b.label)):
        if item.day not in allowed:
            report.add(
                "authorization",
                f"client {client.id} has {item.label} on a day no authorization covers",
            )
    for limit in client.authorization.limits:
        on = {DAY_ORDER[day] for day in limit.days}
        counted = _payer_units(limit.unit, [b for b in items if b.day in on], appointments)
        if counted > limit.units:
            why = f" ({limit.reason})" if limit.reason else ""
            report.add(
                "authorization",
                f"client {client.id} uses {counted} {limit.unit} units on "
                f"{', '.join(limit.days)}, authorized {limit.units}{why}",
            )


def check(instance: Instance, solution: Solution) -> CheckReport:
    """Recompute every hard rule and the four objective terms from the raw files."""
    report = CheckReport(clients=len(instance.clients))
    if solution.instance != instance.name:
        report.add("instance", f"solution is for {solution.instance!r}, not {instance.name!r}")
    sessions = {s.id: s for s in instance.sessions}
    staff = {p.id: p for p in instance.staff}
    rooms = {r.id: r for r in instance.rooms}
    clients = {c.id: c for c in instance.clients}

    staff_items: dict[str, list[_Busy]] = defaultdict(list)
    client_items: dict[str, list[_Busy]] = defaultdict(list)
    appointment_items: set[int] = set()  # ids of the client items that are appointments
    room_items: dict[str, list[_Busy]] = defaultdict(list)

    # Sessions: run once, leader and room fit.
    running: dict[str, str | None] = {}
    for run in solution.sessions:
        session = sessions.get(run.id)
        if session is None:
            report.add("unknown-id", f"session {run.id} is not in the instance")
            continue
        if run.id in running:
            report.add("session-once", f"session {run.id} runs more than once")
            continue
        running[run.id] = run.room
        label = f"session {run.id}"
        item = _busy(label, session.day, session.start, session.end)
        leader = staff.get(run.leader)
        if leader is None:
            report.add("unknown-id", f"session {run.id}: leader {run.leader} is not in staff")
        else:
            if leader.site != session.site:
                report.add(
                    "leader",
                    f"session {run.id} at {session.site} led by {leader.id} of {leader.site}",
                )
            if session.topic not in leader.topics:
                report.add(
                    "leader", f"session {run.id}: {leader.id} does not lead topic {session.topic}"
                )
            if not _covered(item, leader.availability):
                report.add("leader", f"session {run.id}: {leader.id} is not available throughout")
            staff_items[leader.id].append(item)
        if session.telehealth:
            if run.room is not None:
                report.add("room", f"telehealth session {run.id} is given room {run.room}")
        elif run.room is None:
            report.add("room", f"session {run.id} has no room")
        elif run.room not in rooms:
            report.add("unknown-id", f"session {run.id}: room {run.room} is not in the instance")
        else:
            if rooms[run.room].site != session.site:
                report.add("room", f"session {run.id} at {session.site} in room {run.room}")
            room_items[run.room].append(item)

    # Attendance: eligibility and group sizes.
    size: Counter[str] = Counter()
    attended: set[tuple[str, str]] = set()
    for row in solution.attendance:
        client = clients.get(row.client)
        session = sessions.get(row.session)
        if client is None or session is None:
            missing = row.client if client is None else row.session
            report.add("unknown-id", f"attendance {row.client}/{row.session}: {missing} unknown")
            continue
        if (row.client, row.session) in attended:
            report.add("attendance", f"client {row.client} attends {row.session} twice")
            continue
        attended.add((row.client, row.session))
        if row.session not in running:
            report.add("attendance", f"client {row.client} attends {row.session}, which is not run")
        size[row.session] += 1
        item = _busy(f"session {row.session}", session.day, session.start, session.end)
        client_items[row.client].append(item)
        who = f"client {row.client} in session {row.session}"
        if client.level not in session.levels:
            report.add("eligibility", f"{who}: level {client.level} not served")
        if client.age_group != session.audience:
            report.add("eligibility", f"{who}: {client.age_group} in an {session.audience} group")
        if session.gender != "any" and session.gender != client.gender:
            report.add("eligibility", f"{who}: gender {client.gender} in a {session.gender} group")
        if not session.telehealth and session.site != client.site:
            report.add("eligibility", f"{who}: client of {client.site} at {session.site}")
        if not _covered(item, client.availability):
            report.add("eligibility", f"{who}: outside the client's availability")
    for sid, room_id in running.items():
        session = sessions[sid]
        count = size[sid]
        if not session.min_size <= count <= session.max_size:
            report.add(
                "group-size",
                f"session {sid} has {count} clients, outside {session.min_size}–{session.max_size}",
            )
        if room_id in rooms and rooms[room_id].capacity < count:
            report.add("room", f"session {sid}: {count} clients exceed room {room_id} capacity")

    # Appointments.
    kinds: Counter[tuple[str, str]] = Counter()
    for appt in solution.appointments:
        client = clients.get(appt.client)
        if client is None:
            report.add("unknown-id", f"appointment for unknown client {appt.client}")
            continue
        item = _busy(
            f"{appt.kind} appointment {appt.day} {appt.start}", appt.day, appt.start, appt.end
        )
        who = f"{appt.kind} appointment of {appt.client} {appt.day} {appt.start}"
        if item.end - item.start != instance.individual_minutes:
            report.add(
                "appointment",
                f"{who}: lasts {item.end - item.start} min, not {instance.individual_minutes}",
            )
        if appt.staff != client.primary_therapist:
            report.add(
                "appointment",
                f"{who}: with {appt.staff}, not primary therapist {client.primary_therapist}",
            )
        if not _covered(item, client.availability):
            report.add("appointment", f"{who}: outside the client's availability")
        if appt.staff in staff:
            if not _covered(item, staff[appt.staff].availability):
                report.add("appointment", f"{who}: outside {appt.staff}'s availability")
            staff_items[appt.staff].append(item)
        else:
            report.add("unknown-id", f"{who}: staff {appt.staff} is not in the instance")
        client_items[appt.client].append(item)
        appointment_items.add(id(item))
        kinds[(appt.client, appt.kind)] += 1
    for (cid, kind), count in sorted(kinds.items()):
        client = clients[cid]
        needed = client.individual_sessions if kind == "individual" else client.family_sessions
        if count > needed:
            report.add(
                "appointment", f"client {cid} has {count} {kind} appointments, needs {needed}"
            )

    # Nobody in two places; weekly limits.
    for cid, items in sorted(client_items.items()):
        _overlaps(f"client {cid}", items, report)
    for pid, items in sorted(staff_items.items()):
        _overlaps(f"staff {pid}", items, report)
        minutes = sum(b.end - b.start for b in items)
        if minutes > staff[pid].max_hours * 60:
            report.add(
                "staff-hours", f"staff {pid} works {minutes / 60:g} h > {staff[pid].max_hours:g} h"
            )
    for rid, items in sorted(room_items.items()):
        _overlaps(f"room {rid}", items, report)

    # Keep-apart.
    members: dict[str, set[str]] = defaultdict(set)
    for cid, sid in attended:
        members[sid].add(cid)
    for cid, client in sorted(clients.items()):
        for other in client.keep_apart:
            shared = sorted(sid for sid, group in members.items() if {cid, other} <= group)
            if shared and (cid < other or cid not in clients[other].keep_apart):
                report.add("keep-apart", f"clients {cid} and {other} share {', '.join(shared)}")

    # Client limits and objective terms.
    previous = {(c.id, sid) for c in instance.clients for sid in c.previous_sessions}
    report.continuity = len(attended & previous)
    report.staff_hours = sum(b.end - b.start for items in staff_items.values() for b in items) / 60
    reported_unmet = {u.client for u in solution.unmet}
    for cid, client in sorted(clients.items()):
        rule = instance.levels[client.level]
        items = client_items.get(cid, [])
        hours = sum(b.end - b.start for b in items) / 60
        report.client_hours[cid] = hours
        if hours > rule.max_hours:
            report.add(
                "client-hours",
                f"client {cid} has {hours:g} h > {client.level} max {rule.max_hours:g} h",
            )
        days = {b.day for b in items}
        if len(days) > rule.max_days:
            report.add("client-days", f"client {cid} attends {len(days)} days > {rule.max_days}")
        _authorization(client, items, appointment_items, report)
        report.shortfall_hours += max(0.0, rule.min_hours - hours)
        booked = min(kinds[(cid, "individual")], client.individual_sessions) + min(
            kinds[(cid, "family")], client.family_sessions
        )
        if (
            hours >= rule.min_hours
            and booked >= client.individual_sessions + client.family_sessions
        ):
            report.compliant += 1
        elif cid not in reported_unmet:
            report.warnings.append(f"client {cid} is not compliant but missing from unmet")
    return report
