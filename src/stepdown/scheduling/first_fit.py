"""Greedy first-fit schedule: the optimizer's starting point and the benchmark's baseline.

It mirrors how a coordinator fills a week by hand (hardest-to-place clients first, earliest
sessions first), so the benchmark measures what the optimizer adds over manual practice, and
the optimizer never starts from nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from . import limits
from .eligibility import ClientOptions, Eligibility
from .exchange import (
    DAYS,
    MINUTES_PER_DAY,
    Appointment,
    Attendance,
    Instance,
    Room,
    SessionRun,
    Solution,
    to_clock,
)
from .unmet import unmet_for

Span = tuple[int, int]


def _free(busy: list[Span], start: int, end: int) -> bool:
    return all(end <= low or high <= start for low, high in busy)


@dataclass
class _Group:
    leader: str
    room: Room | None
    capacity: int
    members: list[str] = field(default_factory=list)


@dataclass
class _Week:
    """Who is busy when, as the greedy fills the week."""

    eligibility: Eligibility
    client_busy: dict[str, list[Span]] = field(default_factory=lambda: defaultdict(list))
    client_minutes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    client_services: dict[str, list[limits.Service]] = field(
        default_factory=lambda: defaultdict(list)
    )
    staff_busy: dict[str, list[Span]] = field(default_factory=lambda: defaultdict(list))
    staff_minutes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    room_busy: dict[str, list[Span]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[str, _Group] = field(default_factory=dict)
    appointments: list[tuple[str, int]] = field(default_factory=list)

    def client_fits(
        self, options: ClientOptions, start: int, end: int, reserve: int, *, appointment: bool
    ) -> bool:
        cid = options.client.id
        busy = self.client_busy[cid]
        days = {low // MINUTES_PER_DAY for low, _ in busy} | {start // MINUTES_PER_DAY}
        return (
            _free(busy, start, end)
            and self.client_minutes[cid] + end - start + reserve <= options.max_minutes
            and len(days) <= options.rule.max_days
            and limits.fits(options.client, self.client_services[cid], (start, end, appointment))
        )

    def staff_fits(self, staff_id: str, start: int, end: int) -> bool:
        limit = round(self.eligibility.staff[staff_id].max_hours * 60)
        return (
            _free(self.staff_busy[staff_id], start, end)
            and self.staff_minutes[staff_id] + end - start <= limit
        )

    def book(
        self, who: str, start: int, end: int, *, staff: bool = False, appointment: bool = False
    ) -> None:
        busy, minutes = (
            (self.staff_busy, self.staff_minutes)
            if staff
            else (self.client_busy, self.client_minutes)
        )
        busy[who].append((start, end))
        minutes[who] += end - start
        if not staff:
            self.client_services[who].append((start, end, appointment))

    def release(self, who: str, start: int, end: int, *, staff: bool = False) -> None:
        busy, minutes = (
            (self.staff_busy, self.staff_minutes)
            if staff
            else (self.client_busy, self.client_minutes)
        )
        busy[who].remove((start, end))
        minutes[who] -= end - start
        if not staff:
            self.client_services[who].remove((start, end, False))

    def open_group(self, session_id: str) -> _Group | None:
        elig = self.eligibility
        session = elig.sessions[session_id]
        start, end = elig.span[session_id]
        leader = next((p for p in elig.leaders[session_id] if self.staff_fits(p, start, end)), None)
        if leader is None:
            return None
        room: Room | None = None
        if not session.telehealth:
            free_rooms = [
                r for r in elig.rooms[session_id] if _free(self.room_busy[r.id], start, end)
            ]
            if not free_rooms:
                return None
            big_enough = [r for r in free_rooms if r.capacity >= session.max_size]
            room = big_enough[0] if big_enough else free_rooms[-1]
            self.room_busy[room.id].append((start, end))
        self.book(leader, start, end, staff=True)
        capacity = session.max_size if room is None else min(session.max_size, room.capacity)
        group = _Group(leader, room, capacity)
        self.groups[session_id] = group
        return group

    def close_group(self, session_id: str) -> None:
        start, end = self.eligibility.span[session_id]
        group = self.groups.pop(session_id)
        for member in group.members:
            self.release(member, start, end)
        self.release(group.leader, start, end, staff=True)
        if group.room is not None:
            self.room_busy[group.room.id].remove((start, end))

    def kept_apart(self, options: ClientOptions, group: _Group) -> bool:
        apart = set(options.client.keep_apart)
        clients = self.eligibility.clients
        return any(
            member in apart or options.client.id in clients[member].client.keep_apart
            for member in group.members
        )

    def take_sessions(self, options: ClientOptions) -> None:
        length = self.eligibility.instance.individual_minutes
        reserve = options.client.appointments_needed * length
        for session_id in options.sessions:
            if self.client_minutes[options.client.id] + reserve >= options.min_minutes:
                return
            start, end = self.eligibility.span[session_id]
            if not self.client_fits(options, start, end, reserve, appointment=False):
                continue
            group = self.groups.get(session_id) or self.open_group(session_id)
            if group is None or len(group.members) >= group.capacity:
                continue
            if self.kept_apart(options, group):
                continue
            group.members.append(options.client.id)
            self.book(options.client.id, start, end)

    def take_appointments(self, options: ClientOptions) -> None:
        length = self.eligibility.instance.individual_minutes
        therapist = options.client.primary_therapist
        for _ in range(options.client.appointments_needed):
            start = next(
                (
                    slot
                    for slot in options.slots
                    if self.client_fits(options, slot, slot + length, 0, appointment=True)
                    and self.staff_fits(therapist, slot, slot + length)
                ),
                None,
            )
            if start is None:
                return
            self.book(options.client.id, start, start + length, appointment=True)
            self.book(therapist, start, start + length, staff=True)
            self.appointments.append((options.client.id, start))


def by_fewest_options(eligibility: Eligibility) -> list[ClientOptions]:
    return sorted(
        eligibility.clients.values(),
        key=lambda o: (len(o.sessions) + len(o.slots), o.client.id),
    )


def first_fit(instance: Instance, eligibility: Eligibility | None = None) -> Solution:
    elig = eligibility or Eligibility(instance)
    week = _Week(elig)
    order = by_fewest_options(elig)
    for options in order:
        week.take_sessions(options)
    for session_id in [
        sid for sid, g in week.groups.items() if len(g.members) < elig.sessions[sid].min_size
    ]:
        week.close_group(session_id)
    for options in order:
        week.take_appointments(options)
    return assemble(
        elig,
        {sid: (g.leader, g.room.id if g.room else None) for sid, g in week.groups.items()},
        {sid: g.members for sid, g in week.groups.items()},
        week.appointments,
    )


def assemble(
    elig: Eligibility,
    runs: dict[str, tuple[str, str | None]],
    members: dict[str, list[str]],
    appointments: list[tuple[str, int]],
) -> Solution:
    """Turn session runs (leader, room), group members and appointment starts into a solution."""
    length = elig.instance.individual_minutes
    kinds_left = {
        cid: ["individual"] * o.client.individual_sessions + ["family"] * o.client.family_sessions
        for cid, o in elig.clients.items()
    }
    rows = []
    for client_id, start in sorted(appointments, key=lambda item: (item[1], item[0])):
        day, minute = divmod(start, MINUTES_PER_DAY)
        rows.append(
            Appointment(
                client=client_id,
                staff=elig.clients[client_id].client.primary_therapist,
                kind="family" if kinds_left[client_id].pop(0) == "family" else "individual",
                day=DAYS[day],
                start=to_clock(minute),
                end=to_clock(minute + length),
            )
        )
    solution = Solution(
        instance=elig.instance.name,
        sessions=[
            SessionRun(id=sid, leader=leader, room=room)
            for sid, (leader, room) in sorted(runs.items())
        ],
        attendance=[
            Attendance(client=member, session=sid)
            for sid in sorted(members)
            for member in sorted(members[sid])
        ],
        appointments=rows,
    )
    return solution.model_copy(update={"unmet": unmet_for(elig, solution)})
