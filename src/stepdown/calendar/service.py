"""Weekly views of the published calendar: a site, a room, a staff member, a client.

Each view is a plain ``Week`` of seven days of entries, built from the occurrences and
appointments the scheduler published. Entries carry what anyone on staff may know (time,
place, leader, head count); the names of clients in them come from the role-scoped queries
in ``repository`` and every client named is recorded as read. A client's own view never
names anyone else.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.calendar import repository, rules
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    CalendarFeed,
    SessionOccurrence,
)
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.disclosures import outbound
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.programs.models import Room, Site
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role


class EntryKind(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"

    @property
    def label(self) -> str:
        return {"group": "Group", "individual": "Individual", "family": "Family"}[self.value]


@dataclass(frozen=True)
class Member:
    """A client in an entry, shown only to staff who may see that client."""

    client_id: uuid.UUID
    name: str
    cancelled: bool = False


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    kind: EntryKind
    day: date
    start: str
    end: str
    title: str
    site_name: str
    room_name: str | None
    telehealth: bool
    leader: str
    size: int
    status: BookingStatus
    members: tuple[Member, ...] = ()

    @property
    def cancelled(self) -> bool:
        return self.status is BookingStatus.CANCELLED

    @property
    def minutes(self) -> int:
        return rules.minutes_between(self.start, self.end)

    @property
    def place(self) -> str:
        if self.telehealth:
            return rules.TELEHEALTH
        return self.room_name or self.site_name


@dataclass(frozen=True)
class Day:
    day: date
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Week:
    heading: str
    week_of: date
    days: tuple[Day, ...]

    @property
    def previous(self) -> date:
        return self.week_of - timedelta(weeks=1)

    @property
    def next(self) -> date:
        return self.week_of + timedelta(weeks=1)

    @property
    def entries(self) -> list[Entry]:
        return [e for d in self.days for e in d.entries]


@dataclass(frozen=True)
class ClientWeek(Week):
    """A client's own bookings, with the hours booked against their level's weekly minimum."""

    client_id: uuid.UUID
    booked_minutes: int
    level_code: str | None
    level_name: str | None
    weekly_hours_min: float | None

    @property
    def booked_hours(self) -> float:
        return rules.hours(self.booked_minutes)

    @property
    def below_minimum(self) -> bool:
        return self.weekly_hours_min is not None and self.booked_hours < self.weekly_hours_min


def _week(heading: str, week_of: date, entries: Iterable[Entry]) -> Week:
    return Week(heading, week_of, _days(week_of, entries))


def _days(week_of: date, entries: Iterable[Entry]) -> tuple[Day, ...]:
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.day].append(entry)
    return tuple(
        Day(day, tuple(sorted(by_day[day], key=lambda e: (e.start, e.end, e.title))))
        for day in rules.week_days(week_of)
    )


def _refuse_clients(actor: Actor) -> None:
    if actor.role is Role.CLIENT:
        raise Forbidden("clients see their own week only")


@dataclass(frozen=True)
class _Names:
    sites: dict[uuid.UUID, str]
    rooms: dict[uuid.UUID, str]
    staff: dict[uuid.UUID, str]


def _names(
    session: Session, occurrences: Sequence[SessionOccurrence], appointments: Sequence[Appointment]
) -> _Names:
    site_ids = {o.site_id for o in occurrences} | {a.site_id for a in appointments}
    room_ids = {o.room_id for o in occurrences if o.room_id is not None}
    staff_ids = {o.leader_id for o in occurrences} | {a.staff_id for a in appointments}
    sites = (
        dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
        if site_ids
        else {}
    )
    rooms = (
        dict(session.execute(select(Room.id, Room.name).where(Room.id.in_(room_ids))).all())
        if room_ids
        else {}
    )
    return _Names(sites, rooms, security_service.display_names(session, staff_ids))


def _client_names(session: Session, client_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not client_ids:
        return {}
    clients = session.scalars(select(Client).where(Client.id.in_(client_ids)))
    return {c.id: c.display_name for c in clients}


def _staff_entries(
    session: Session,
    actor: Actor,
    occurrences: Sequence[SessionOccurrence],
    appointments: Sequence[Appointment],
) -> list[Entry]:
    """Entries for a staff view: every group's head count, and the names the actor may see,
    each of those clients recorded as read."""
    names = _names(session, occurrences, appointments)
    occurrence_ids = [o.id for o in occurrences]
    sizes: dict[uuid.UUID, int] = defaultdict(int)
    for seat in session.scalars(repository.seats_of(occurrence_ids)) if occurrence_ids else ():
        if seat.status is BookingStatus.SCHEDULED:
            sizes[seat.occurrence_id] += 1
    seats = (
        list(session.scalars(repository.visible_seats(actor, occurrence_ids)))
        if occurrence_ids
        else []
    )
    named_appointments: set[uuid.UUID] = set()
    if appointments:
        named_appointments = set(
            session.scalars(
                select(Appointment.id).where(
                    Appointment.id.in_([a.id for a in appointments]),
                    repository.client_named(actor),
                )
            )
        )
    shown = {s.client_id for s in seats} | {
        a.client_id for a in appointments if a.id in named_appointments
    }
    client_names = _client_names(session, shown)
    members: dict[uuid.UUID, list[Member]] = defaultdict(list)
    for seat in seats:
        members[seat.occurrence_id].append(
            Member(
                seat.client_id,
                client_names[seat.client_id],
                seat.status is BookingStatus.CANCELLED,
            )
        )
    entries = [
        _occurrence_entry(o, names, size=sizes[o.id], members=members[o.id]) for o in occurrences
    ]
    entries.extend(
        _appointment_entry(
            a,
            names,
            members=[Member(a.client_id, client_names[a.client_id])]
            if a.id in named_appointments
            else [],
        )
        for a in appointments
    )
    if shown:
        audit_service.record_reads(
            session, actor=actor, entity_type="calendar_week", client_ids=sorted(shown, key=str)
        )
    return entries


def _occurrence_entry(
    occurrence: SessionOccurrence,
    names: _Names,
    *,
    size: int,
    members: Sequence[Member] = (),
    status: BookingStatus | None = None,
) -> Entry:
    return Entry(
        id=occurrence.id,
        kind=EntryKind.GROUP,
        day=occurrence.day,
        start=occurrence.start,
        end=occurrence.end,
        title=TOPIC_LABELS.get(occurrence.topic, occurrence.topic),
        site_name=names.sites.get(occurrence.site_id, ""),
        room_name=names.rooms.get(occurrence.room_id) if occurrence.room_id else None,
        telehealth=occurrence.telehealth,
        leader=names.staff.get(occurrence.leader_id, ""),
        size=size,
        status=status or occurrence.status,
        members=tuple(sorted(members, key=lambda m: m.name)),
    )


def _appointment_entry(
    appointment: Appointment, names: _Names, *, members: Sequence[Member] = ()
) -> Entry:
    family = appointment.kind is AppointmentKind.FAMILY
    return Entry(
        id=appointment.id,
        kind=EntryKind.FAMILY if family else EntryKind.INDIVIDUAL,
        day=appointment.day,
        start=appointment.start,
        end=appointment.end,
        title="Family session" if family else "Individual session",
        site_name=names.sites.get(appointment.site_id, ""),
        room_name=None,
        telehealth=False,
        leader=names.staff.get(appointment.staff_id, ""),
        size=1,
        status=appointment.status,
        members=tuple(members),
    )


def _week_end(week_of: date) -> date:
    return week_of + timedelta(days=rules.DAYS_SHOWN)


def site_week(session: Session, *, actor: Actor, site_id: uuid.UUID, week_of: date) -> Week:
    """Every group and appointment at a site in the week starting ``week_of`` (a Monday)."""
    _refuse_clients(actor)
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("no such site")
    week_of = rules.week_start(week_of)
    end = _week_end(week_of)
    occurrences = list(session.scalars(repository.occurrences(week_of, end, site_id=site.id)))
    appointments = list(session.scalars(repository.appointments(week_of, end, site_id=site.id)))
    entries = _staff_entries(session, actor, occurrences, appointments)
    return _week(site.name, week_of, entries)


def room_week(session: Session, *, actor: Actor, room_id: uuid.UUID, week_of: date) -> Week:
    """The groups meeting in one room (appointments are not booked into rooms)."""
    _refuse_clients(actor)
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("no such room")
    site = session.get(Site, room.site_id)
    week_of = rules.week_start(week_of)
    occurrences = list(
        session.scalars(repository.occurrences(week_of, _week_end(week_of), room_id=room.id))
    )
    entries = _staff_entries(session, actor, occurrences, [])
    heading = f"{room.name} ({site.name})" if site else room.name
    return _week(heading, week_of, entries)


def staff_member(session: Session, user_id: uuid.UUID) -> User:
    """A staff account whose week can be shown (clients' portal accounts are not staff)."""
    user = session.get(User, user_id)
    if user is None or user.role is Role.CLIENT:
        raise NotFound("no such staff member")
    return user


def staff_week(session: Session, *, actor: Actor, user_id: uuid.UUID, week_of: date) -> Week:
    """The groups a staff member leads and the appointments they hold in a week."""
    _refuse_clients(actor)
    user = staff_member(session, user_id)
    week_of = rules.week_start(week_of)
    end = _week_end(week_of)
    occurrences = list(session.scalars(repository.occurrences(week_of, end, leader_id=user.id)))
    appointments = list(session.scalars(repository.appointments(week_of, end, staff_id=user.id)))
    entries = _staff_entries(session, actor, occurrences, appointments)
    return _week(user.display_name, week_of, entries)


def _client_week(session: Session, *, actor: Actor, client: Client, week_of: date) -> ClientWeek:
    """The client's seats and appointments; group rosters are never read here."""
    week_of = rules.week_start(week_of)
    end = _week_end(week_of)
    seats = list(session.scalars(repository.seats_of_client(client.id, week_of, end)))
    seat_status = {s.occurrence_id: s.status for s in seats}
    occurrences = (
        list(
            session.scalars(
                select(SessionOccurrence).where(SessionOccurrence.id.in_(list(seat_status)))
            )
        )
        if seat_status
        else []
    )
    appointments = list(session.scalars(repository.appointments(week_of, end, client_id=client.id)))
    names = _names(session, occurrences, appointments)
    sizes: dict[uuid.UUID, int] = defaultdict(int)
    if occurrences:
        for seat in session.scalars(repository.seats_of([o.id for o in occurrences])):
            if seat.status is BookingStatus.SCHEDULED:
                sizes[seat.occurrence_id] += 1
    entries = [
        _occurrence_entry(
            o,
            names,
            size=sizes[o.id],
            # A cancelled seat in a group that still meets is cancelled for this client.
            status=BookingStatus.CANCELLED
            if seat_status[o.id] is BookingStatus.CANCELLED
            else o.status,
        )
        for o in occurrences
    ]
    entries.extend(_appointment_entry(a, names) for a in appointments)
    # The level at the week's end, as the compliance board judges a week (a mid-week step
    # down counts at once); the first day's for a client whose care ended during the week.
    level = repository.level_on(session, client.id, end - timedelta(days=1)) or (
        repository.level_on(session, client.id, week_of)
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="client_schedule", client_ids=[client.id]
    )
    return ClientWeek(
        heading=client.display_name,
        week_of=week_of,
        days=_days(week_of, entries),
        client_id=client.id,
        booked_minutes=sum(e.minutes for e in entries if not e.cancelled),
        level_code=level.code if level else None,
        level_name=level.name if level else None,
        weekly_hours_min=level.weekly_hours_min if level else None,
    )


def client_week(
    session: Session, *, actor: Actor, client_id: uuid.UUID, week_of: date
) -> ClientWeek:
    """One client's week, for staff who may see the client and for the client themselves
    (anyone else gets the same 404 as for a client that does not exist)."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return _client_week(session, actor=actor, client=client, week_of=week_of)


@dataclass(frozen=True)
class ScheduleTab:
    """The chart's Schedule tab: this week and next, and the client's feed."""

    weeks: tuple[ClientWeek, ClientWeek]
    feed: CalendarFeed | None
    can_manage_feed: bool
    # The schedule shared with recipients, and who an active consent would let it go to.
    shares: tuple[CalendarFeed, ...] = ()
    share_choices: tuple[outbound.ReleaseChoice, ...] = ()


def chart_tab(
    session: Session, *, actor: Actor, client: Client, today: date, can_manage_feed: bool
) -> ScheduleTab:
    this_week = rules.week_start(today)
    sharing = can_manage_feed and actor.is_staff
    return ScheduleTab(
        weeks=(
            _client_week(session, actor=actor, client=client, week_of=this_week),
            _client_week(session, actor=actor, client=client, week_of=this_week + timedelta(7)),
        ),
        feed=repository.live_feed(session, client_id=client.id),
        can_manage_feed=can_manage_feed,
        shares=tuple(repository.live_shares(session, client.id)) if sharing else (),
        share_choices=tuple(outbound.choices(session, client.id)) if sharing else (),
    )
