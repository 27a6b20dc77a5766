"""What publishing a week changes on the calendar, decided from plain facts before any write.

Publishing is a diff rather than a delete-and-insert because seats and appointments carry
attendance: a group that keeps its code and day keeps its row (and every seat that stays keeps
its row), so what was recorded against it survives a re-plan. Only days from ``applies_from``
on are touched; earlier days stay exactly as an earlier build published them.

Groups are matched on (session code, day) — the code is the exchange session id, stable from
week to week — and appointments on (client, kind, day, start).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Op(StrEnum):
    INSERT = "insert"
    UPDATE = "update"  # room, leader or seats changed, or a cancelled row comes back
    CANCEL = "cancel"
    KEEP = "keep"


@dataclass(frozen=True)
class PlannedGroup:
    """A group of the solution on its date, with ids already mapped to rows."""

    code: str
    day: date
    room_id: uuid.UUID | None
    leader_id: uuid.UUID
    members: frozenset[uuid.UUID]


@dataclass(frozen=True)
class BookedGroup:
    """An occurrence on the calendar: ``scheduled`` is its status, ``seated`` its clients
    with a scheduled seat."""

    ref: uuid.UUID
    code: str
    day: date
    room_id: uuid.UUID | None
    leader_id: uuid.UUID
    scheduled: bool
    seated: frozenset[uuid.UUID]


@dataclass(frozen=True)
class GroupAction:
    op: Op
    code: str
    day: date
    ref: uuid.UUID | None = None  # the existing row, for update, cancel and keep
    planned: PlannedGroup | None = None
    seats_added: frozenset[uuid.UUID] = frozenset()
    seats_cancelled: frozenset[uuid.UUID] = frozenset()


def plan_groups(
    booked: Iterable[BookedGroup], planned: Iterable[PlannedGroup], applies_from: date
) -> list[GroupAction]:
    """One action per group on or after ``applies_from``, in (day, code) order.

    A cancelled occurrence keeps no seats on the calendar, so all its scheduled seats are
    cancelled with it; one that comes back is an update that re-seats its members.
    """
    current = {(g.code, g.day): g for g in booked if g.day >= applies_from}
    wanted = {(g.code, g.day): g for g in planned if g.day >= applies_from}
    actions: list[GroupAction] = []
    for key in sorted(current.keys() | wanted.keys(), key=lambda k: (k[1], k[0])):
        old, new = current.get(key), wanted.get(key)
        code, day = key
        if old is None:
            assert new is not None
            actions.append(GroupAction(Op.INSERT, code, day, planned=new, seats_added=new.members))
        elif new is None:
            if old.scheduled or old.seated:
                actions.append(
                    GroupAction(Op.CANCEL, code, day, ref=old.ref, seats_cancelled=old.seated)
                )
            else:
                actions.append(GroupAction(Op.KEEP, code, day, ref=old.ref))
        else:
            added, dropped = new.members - old.seated, old.seated - new.members
            same = (
                old.scheduled
                and old.room_id == new.room_id
                and old.leader_id == new.leader_id
                and not added
                and not dropped
            )
            actions.append(
                GroupAction(
                    Op.KEEP if same else Op.UPDATE,
                    code,
                    day,
                    ref=old.ref,
                    planned=new,
                    seats_added=added,
                    seats_cancelled=dropped,
                )
            )
    return actions


@dataclass(frozen=True)
class PlannedAppointment:
    client_id: uuid.UUID
    kind: str
    day: date
    start: str
    end: str
    staff_id: uuid.UUID

    @property
    def key(self) -> tuple[uuid.UUID, str, date, str]:
        return (self.client_id, self.kind, self.day, self.start)


@dataclass(frozen=True)
class BookedAppointment:
    ref: uuid.UUID
    client_id: uuid.UUID
    kind: str
    day: date
    start: str
    end: str
    staff_id: uuid.UUID
    scheduled: bool

    @property
    def key(self) -> tuple[uuid.UUID, str, date, str]:
        return (self.client_id, self.kind, self.day, self.start)


@dataclass(frozen=True)
class AppointmentAction:
    op: Op
    client_id: uuid.UUID
    ref: uuid.UUID | None = None
    planned: PlannedAppointment | None = None


def plan_appointments(
    booked: Iterable[BookedAppointment],
    planned: Iterable[PlannedAppointment],
    applies_from: date,
) -> list[AppointmentAction]:
    """Match on (client, kind, day, start); a scheduled row is preferred over a cancelled one
    with the same key, and any further scheduled duplicate is cancelled."""
    by_key: dict[tuple[uuid.UUID, str, date, str], list[BookedAppointment]] = {}
    for row in sorted(booked, key=lambda a: (not a.scheduled, str(a.ref))):
        if row.day >= applies_from:
            by_key.setdefault(row.key, []).append(row)
    wanted = {a.key: a for a in planned if a.day >= applies_from}
    actions: list[AppointmentAction] = []
    for key in sorted(by_key.keys() | wanted.keys(), key=lambda k: (k[2], k[3], str(k[0]), k[1])):
        rows, new = by_key.get(key, []), wanted.get(key)
        extra = rows
        if new is not None:
            if rows:
                old, extra = rows[0], rows[1:]
                same = old.scheduled and old.end == new.end and old.staff_id == new.staff_id
                actions.append(
                    AppointmentAction(Op.KEEP if same else Op.UPDATE, key[0], old.ref, new)
                )
            else:
                actions.append(AppointmentAction(Op.INSERT, key[0], planned=new))
        actions += [
            AppointmentAction(Op.CANCEL, key[0], ref=row.ref) for row in extra if row.scheduled
        ]
    return actions


def affected_clients(
    groups: Sequence[GroupAction], appointments: Sequence[AppointmentAction]
) -> set[uuid.UUID]:
    """Clients whose week the publish changes: the ones whose audit trail gets an entry."""
    touched: set[uuid.UUID] = set()
    for action in groups:
        touched |= action.seats_added | action.seats_cancelled
    touched |= {a.client_id for a in appointments if a.op is not Op.KEEP}
    return touched
