"""Who a publish changes: per client and per staff member, what moves in their week.

Pure: it compares what the calendar holds for the week with what a build would put there,
from the build's first day on (earlier days are not touched by publishing), and says for
each person what is added, removed and moved, and which appointments are cancelled with no
replacement. The director reads it before confirming a publish, and each person it names
is told that their week changed.

A person's week is what they attend: a client's groups and appointments, a staff member's
groups they lead and appointments they hold. A group is the same group when its session
code and day are the same; it has moved when its time or room changed. An appointment is
matched on its kind, day and start; one that no longer matches is paired, in time order,
with a new one of the same kind (for the staff member: with the same client), so a
rebooked appointment reads as moved rather than as one cancelled and one added. A leader
change moves nothing in the clients' week, but is removed from one leader's week and added
to the other's.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date

GROUP = "group"


@dataclass(frozen=True)
class Group:
    """A group meeting on a date, with the clients seated in it."""

    code: str
    day: date
    start: str
    end: str
    topic: str
    room_id: uuid.UUID | None
    leader_id: uuid.UUID
    members: frozenset[uuid.UUID]


@dataclass(frozen=True)
class Visit:
    """An individual or family appointment."""

    client_id: uuid.UUID
    staff_id: uuid.UUID
    kind: str
    day: date
    start: str
    end: str


@dataclass(frozen=True)
class Week:
    """The bookings of one week: what is published, or what a build would publish."""

    groups: tuple[Group, ...] = ()
    visits: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Item:
    """One thing in a person's week. ``code`` and ``topic`` are set for a group; ``with_id``
    is the staff member of a client's appointment or the client of a staff member's."""

    kind: str  # "group", "individual" or "family"
    day: date
    start: str
    end: str
    code: str = ""
    topic: str = ""
    room_id: uuid.UUID | None = None
    with_id: uuid.UUID | None = None

    @property
    def order(self) -> tuple[date, str, str, str]:
        return (self.day, self.start, self.kind, self.code)


@dataclass(frozen=True)
class Move:
    before: Item
    after: Item


@dataclass(frozen=True)
class PersonChanges:
    person_id: uuid.UUID
    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    moved: tuple[Move, ...] = ()


@dataclass(frozen=True)
class ChangeList:
    clients: tuple[PersonChanges, ...] = ()
    staff: tuple[PersonChanges, ...] = ()
    # Published appointments the publish cancels without booking them again.
    cancelled: tuple[Visit, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.clients or self.staff or self.cancelled)

    @property
    def digest(self) -> str:
        """A fingerprint of the list, so a confirmation given for one list is refused for
        another (the calendar or the build changed between the page and the click)."""
        text = json.dumps(_plain(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _plain(changes: ChangeList) -> object:
    def item(i: Item) -> list[object]:
        return [i.kind, i.day, i.start, i.end, i.code, i.topic, i.room_id, i.with_id]

    def person(p: PersonChanges) -> list[object]:
        return [
            p.person_id,
            [item(i) for i in p.added],
            [item(i) for i in p.removed],
            [[item(m.before), item(m.after)] for m in p.moved],
        ]

    return [
        [person(p) for p in changes.clients],
        [person(p) for p in changes.staff],
        [[v.client_id, v.staff_id, v.kind, v.day, v.start, v.end] for v in changes.cancelled],
    ]


def _group_item(group: Group) -> Item:
    return Item(
        GROUP, group.day, group.start, group.end, group.code, group.topic, group.room_id, None
    )


def _visit_item(visit: Visit, with_id: uuid.UUID) -> Item:
    return Item(visit.kind, visit.day, visit.start, visit.end, with_id=with_id)


# A person's week: group items by (code, day), appointment items by (kind, day, start).
_Key = tuple[str, str, date, str]
_Items = dict[_Key, Item]


def _weeks(
    week: Week, applies_from: date
) -> tuple[dict[uuid.UUID, _Items], dict[uuid.UUID, _Items]]:
    clients: dict[uuid.UUID, _Items] = {}
    staff: dict[uuid.UUID, _Items] = {}
    for group in week.groups:
        if group.day < applies_from:
            continue
        key: _Key = (GROUP, group.code, group.day, "")
        item = _group_item(group)
        staff.setdefault(group.leader_id, {})[key] = item
        for client_id in group.members:
            clients.setdefault(client_id, {})[key] = item
    for visit in week.visits:
        if visit.day < applies_from:
            continue
        clients.setdefault(visit.client_id, {})[(visit.kind, "", visit.day, visit.start)] = (
            _visit_item(visit, visit.staff_id)
        )
        staff.setdefault(visit.staff_id, {})[
            (visit.kind, str(visit.client_id), visit.day, visit.start)
        ] = _visit_item(visit, visit.client_id)
    return clients, staff


def _moved(before: Item, after: Item) -> bool:
    if before.kind == GROUP:
        return (before.start, before.end, before.room_id) != (after.start, after.end, after.room_id)
    return (before.end, before.with_id) != (after.end, after.with_id)


def _person(
    person_id: uuid.UUID, old: _Items, new: _Items, *, same_party: bool
) -> PersonChanges | None:
    """``same_party``: pair a removed appointment only with a new one with the same person
    (a staff member's appointment with one client is not moved to another client)."""
    moved = [
        Move(old[k], new[k]) for k in sorted(old.keys() & new.keys()) if _moved(old[k], new[k])
    ]
    gone = sorted((old[k] for k in old.keys() - new.keys()), key=lambda i: i.order)
    came = sorted((new[k] for k in new.keys() - old.keys()), key=lambda i: i.order)
    removed: list[Item] = []
    for item in gone:
        partner = None
        if item.kind != GROUP:
            same_kind = [i for i in came if i.kind == item.kind]
            partner = next((i for i in same_kind if i.with_id == item.with_id), None)
            if partner is None and not same_party:
                partner = next(iter(same_kind), None)
        if partner is None:
            removed.append(item)
        else:
            came.remove(partner)
            moved.append(Move(item, partner))
    if not (moved or removed or came):
        return None
    moved.sort(key=lambda m: m.before.order)
    return PersonChanges(person_id, tuple(came), tuple(removed), tuple(moved))


def _people(
    old: dict[uuid.UUID, _Items], new: dict[uuid.UUID, _Items], *, same_party: bool
) -> tuple[PersonChanges, ...]:
    found = (
        _person(pid, old.get(pid, {}), new.get(pid, {}), same_party=same_party)
        for pid in sorted(old.keys() | new.keys(), key=str)
    )
    return tuple(p for p in found if p is not None)


def compute(published: Week, planned: Week, *, applies_from: date) -> ChangeList:
    """What publishing ``planned`` over ``published`` changes, from ``applies_from`` on."""
    old_clients, old_staff = _weeks(published, applies_from)
    new_clients, new_staff = _weeks(planned, applies_from)
    clients = _people(old_clients, new_clients, same_party=False)
    staff = _people(old_staff, new_staff, same_party=True)
    kept = {(v.client_id, v.kind, v.day, v.start) for v in planned.visits}
    rebooked = {
        (p.person_id, m.before.kind, m.before.day, m.before.start)
        for p in clients
        for m in p.moved
        if m.before.kind != GROUP
    }
    cancelled = sorted(
        (
            v
            for v in published.visits
            if v.day >= applies_from
            and (v.client_id, v.kind, v.day, v.start) not in kept | rebooked
        ),
        key=lambda v: (v.day, v.start, str(v.client_id)),
    )
    return ChangeList(clients, staff, tuple(cancelled))
