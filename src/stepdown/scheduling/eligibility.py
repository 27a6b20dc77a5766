"""What each client and session could do at all: the feasible pairs every scheduler builds on.

The optimizer, the greedy heuristic, re-planning and the unmet diagnosis all need exactly the same
notion of "a client's options" (which sessions they may attend, which appointment times exist with
their therapist, what they could reach if nobody else existed); one definition keeps them
consistent and lets the benchmark count the availability upper bound the same way the diagnosis
does.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from .exchange import MINUTES_PER_DAY, Client, Instance, LevelRule, Room, Session, Staff
from .limits import day_cap


def _inside(start: int, end: int, windows: list[tuple[int, int]]) -> bool:
    return any(low <= start and end <= high for low, high in windows)


@dataclass(frozen=True)
class ClientOptions:
    """What one client could do this week if nobody else existed."""

    client: Client
    rule: LevelRule
    sessions: tuple[str, ...]
    """Eligible sessions that could run at all, in chronological order."""
    slots: tuple[int, ...]
    """Week-minute starts of appointments that fit both the client's and the therapist's hours."""

    @property
    def min_minutes(self) -> int:
        return round(self.rule.min_hours * 60)

    @property
    def max_minutes(self) -> int:
        return round(self.rule.max_hours * 60)


@dataclass
class Eligibility:
    """Feasible pairs precomputed once, so models only hold variables that can be true."""

    instance: Instance
    sessions: dict[str, Session] = field(init=False)
    span: dict[str, tuple[int, int]] = field(init=False)
    leaders: dict[str, tuple[str, ...]] = field(init=False)
    rooms: dict[str, tuple[Room, ...]] = field(init=False)
    """Rooms of the session's site big enough for its minimum group, smallest first."""
    staff: dict[str, Staff] = field(init=False)
    clients: dict[str, ClientOptions] = field(init=False)
    """Each client's options on the days their payer authorizations leave open."""
    unauthorized: dict[str, ClientOptions] = field(init=False)
    """For clients with authorizations, their options as if none were needed: the unmet
    diagnosis tells what the authorization took away from what their availability allows."""

    def __post_init__(self) -> None:
        inst = self.instance
        self.staff = {person.id: person for person in inst.staff}
        self.sessions = {session.id: session for session in inst.sessions}
        self.span = {s.id: (s.week_start, s.week_end) for s in inst.sessions}
        staff_windows = {
            p.id: [(w.week_start, w.week_end) for w in p.availability] for p in inst.staff
        }
        self.leaders = {
            s.id: tuple(
                p.id
                for p in inst.staff
                if p.site == s.site
                and s.topic in p.topics
                and _inside(*self.span[s.id], staff_windows[p.id])
            )
            for s in inst.sessions
        }
        self.rooms = {
            s.id: ()
            if s.telehealth
            else tuple(
                sorted(
                    (
                        r
                        for r in inst.rooms
                        if r.site == s.site and r.capacity >= max(s.min_size, 1)
                    ),
                    key=lambda room: (room.capacity, room.id),
                )
            )
            for s in inst.sessions
        }
        self._led_by: dict[str, list[str]] = defaultdict(list)
        for sid, leaders in self.leaders.items():
            for person in leaders:
                self._led_by[person].append(sid)
        runnable = sorted(
            (s for s in inst.sessions if self.leaders[s.id] and (s.telehealth or self.rooms[s.id])),
            key=lambda s: (self.span[s.id], s.id),
        )
        self.clients = {}
        self.unauthorized = {}
        for client in inst.clients:
            therapist_windows = staff_windows[client.primary_therapist]
            for into, availability in (
                (self.clients, client.authorized_availability),
                *(((self.unauthorized, client.availability),) if client.authorization else ()),
            ):
                windows = [(w.week_start, w.week_end) for w in availability]
                sessions = tuple(s.id for s in runnable if self._serves(s, client, windows))
                slots = self._slots(client, windows, therapist_windows, sessions)
                into[client.id] = ClientOptions(client, inst.levels[client.level], sessions, slots)

    def _serves(self, session: Session, client: Client, windows: list[tuple[int, int]]) -> bool:
        return (
            client.level in session.levels
            and session.audience == client.age_group
            and session.gender in ("any", client.gender)
            and (session.telehealth or session.site == client.site)
            and _inside(*self.span[session.id], windows)
        )

    def _slots(
        self,
        client: Client,
        windows: list[tuple[int, int]],
        therapist_windows: list[tuple[int, int]],
        sessions: tuple[str, ...],
    ) -> tuple[int, ...]:
        """Appointment starts where something else starts or ends, or one appointment later.

        Any schedule can slide each appointment earlier until it touches a window start, a
        session end or the previous appointment; sessions also start at these instants. Keeping
        only such starts (and one back-to-back follower) keeps the model small while leaving
        every gap between sessions usable.
        """
        if client.appointments_needed == 0:
            return ()
        length = self.instance.individual_minutes
        therapist = self.staff[client.primary_therapist]
        led = self._led_by[therapist.id]
        anchors: set[int] = set()
        for low, high in (*windows, *therapist_windows):
            anchors |= {low, high - length}
        for sid in (*sessions, *led):
            anchors |= set(self.span[sid])
        anchors |= {anchor + length for anchor in anchors}
        return tuple(
            sorted(
                start
                for start in anchors
                if _inside(start, start + length, windows)
                and _inside(start, start + length, therapist_windows)
            )
        )

    @cached_property
    def alone(self) -> dict[str, AloneBest]:
        """Each client's best week with sessions and therapist all to themselves, within
        their authorized days (a ``day`` limit lowers the number of days)."""
        return {
            cid: self._alone(options, day_cap(options.client, options.rule.max_days))
            for cid, options in self.clients.items()
        }

    @cached_property
    def alone_unauthorized(self) -> dict[str, AloneBest]:
        """The same, for clients with authorizations, as if they needed none."""
        return {
            cid: self._alone(options, options.rule.max_days)
            for cid, options in self.unauthorized.items()
        }

    def _alone(self, options: ClientOptions, max_days: int) -> AloneBest:
        need = options.client.appointments_needed
        length = self.instance.individual_minutes
        by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for sid in options.sessions:
            start, end = self.span[sid]
            by_day[start // MINUTES_PER_DAY].append((start, end, 0))
        for start in options.slots:
            by_day[start // MINUTES_PER_DAY].append((start, start + length, 1))
        # best[days][appointments] = most minutes over the days seen so far
        unreachable = -1
        best = [[unreachable] * (need + 1) for _ in range(max_days + 1)]
        best[0][0] = 0
        for items in by_day.values():
            day_best = _day_best(items, need)
            merged = [row[:] for row in best]
            for days in range(max_days):
                for have in range(need + 1):
                    if best[days][have] == unreachable:
                        continue
                    for extra, minutes in enumerate(day_best):
                        if minutes != unreachable and have + extra <= need:
                            total = best[days][have] + minutes
                            cell = merged[days + 1][have + extra]
                            merged[days + 1][have + extra] = max(cell, total)
            best = merged
        per_count = [max(row[have] for row in best) for have in range(need + 1)]
        most_appointments = max(have for have, minutes in enumerate(per_count) if minutes >= 0)
        return AloneBest(
            appointments=most_appointments,
            minutes_with_all=per_count[need],
            minutes=per_count[most_appointments],
            fewest_days=next(
                (days for days, row in enumerate(best) if row[need] >= options.min_minutes), None
            ),
        )

    def restricted(self, keep: Callable[[str, str], bool]) -> Eligibility:
        """A copy in which a client may only attend the sessions `keep(client, session)` allows."""
        narrowed = copy.copy(self)
        narrowed.__dict__.pop("alone", None)
        narrowed.clients = {
            cid: replace(o, sessions=tuple(sid for sid in o.sessions if keep(cid, sid)))
            for cid, o in self.clients.items()
        }
        return narrowed

    def can_comply(self, client_id: str) -> bool:
        """Whether the client's own availability leaves room to be compliant (an upper bound)."""
        options = self.clients[client_id]
        return self.alone[client_id].minutes_with_all >= options.min_minutes


@dataclass(frozen=True)
class AloneBest:
    appointments: int
    """Most appointments the client's and therapist's hours can hold, up to the number needed."""
    minutes_with_all: int
    """Most minutes reachable while booking every needed appointment; -1 if impossible."""
    minutes: int
    """Most minutes reachable with `appointments` appointments."""
    fewest_days: int | None
    """Fewest days on which a compliant week fits (None: it fits on none)."""


def _day_best(items: list[tuple[int, int, int]], need: int) -> list[int]:
    """Most minutes of non-overlapping items in one day, per number of appointments among them."""
    items = sorted(items, key=lambda item: item[1])
    unreachable = -1
    # table[i][a]: best over the first i items (by end) using a appointments
    table = [[0] + [unreachable] * need]
    for index, (start, end, is_appointment) in enumerate(items):
        previous = max((j for j in range(index) if items[j][1] <= start), default=-1) + 1
        row = table[index][:]
        for have in range(need + 1):
            before = have - is_appointment
            if before >= 0 and table[previous][before] != unreachable:
                row[have] = max(row[have], table[previous][before] + end - start)
        table.append(row)
    return table[-1]
