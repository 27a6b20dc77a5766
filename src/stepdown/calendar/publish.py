"""Publishing a build: its solution becomes the week's occurrences, seats and appointments.

The solution is checked again with the independent validator first (a stored build may predate
a set-up change, and ``schedule apply`` takes files from outside), so an invalid week is
refused with the first broken rule and nothing is written. Exchange ids are mapped back to
rows (session "SITE-CODE" to its site and group session, room "SITE-ROOM", staff by username,
client by record number); an id that no longer maps is refused the same way.

The calendar is then diffed (``publish_rules``) from the build's ``applies_from`` on, so rows,
and the attendance recorded against them, survive a re-plan wherever the group or appointment
stays. The previously published build of the week becomes superseded. Each client whose week
changed gets one audit entry naming the build, with counts only.

Before publishing, ``preview`` gives the director the change list (``change_list``): whose
week moves and which appointments are cancelled, by name. A confirmation names the list it
confirms (its digest), so a publish whose changes differ from what the director read (another
build was published, the build was adjusted) is refused rather than done blind. Everyone the
publish moves is told (``notices``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar import change_list, notices
from stepdown.calendar import publish_rules as rules
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, NotFound
from stepdown.programs.models import GroupSession, Room, Site
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.scheduling.exchange import (
    DAYS,
    ExchangeError,
    Instance,
    Solution,
    parse_instance,
    parse_solution,
)
from stepdown.scheduling.exchange import Session as ExchangeSession
from stepdown.scheduling.validator import check
from stepdown.security.actor import Actor
from stepdown.security.models import User


@dataclass(frozen=True)
class PublishResult:
    build: ScheduleBuild
    sessions_added: int
    sessions_changed: int
    sessions_cancelled: int
    seats_added: int
    seats_cancelled: int
    appointments_added: int
    appointments_changed: int
    appointments_cancelled: int
    clients_affected: int
    staff_affected: int


def parse_build(build: ScheduleBuild) -> tuple[Instance, Solution]:
    """The build's stored documents as exchange models (refused if they no longer load)."""
    try:
        return parse_instance(build.instance), parse_solution(build.solution)
    except ExchangeError as exc:
        raise Conflict(
            f"this build's stored schedule cannot be read: {exc}", rule="publish.unreadable"
        ) from None


def validate(instance: Instance, solution: Solution) -> None:
    """Refuse a solution that breaks a hard rule, naming the first one."""
    report = check(instance, solution)
    if not report.valid:
        first = report.violations[0]
        raise Conflict(
            f"the schedule breaks a rule: {first}", rule=f"schedule.{first.rule}", field="solution"
        )


@dataclass(frozen=True)
class _Rows:
    """Exchange ids mapped to row ids, for one instance."""

    sites: dict[str, uuid.UUID]
    groups: dict[str, uuid.UUID]
    rooms: dict[str, uuid.UUID]
    staff: dict[str, uuid.UUID]
    clients: dict[str, uuid.UUID]


def _unmapped(kind: str, missing: set[str]) -> Conflict:
    return Conflict(
        f"{kind} {sorted(missing)[0]} of the schedule is no longer in the program "
        f"({len(missing)} such)",
        rule="publish.unknown_id",
    )


def _rows(session: Session, actor: Actor, instance: Instance, solution: Solution) -> _Rows:
    sites = {s.code: s.id for s in session.scalars(select(Site))}
    groups = {
        f"{code}-{group_code}": group_id
        for group_id, group_code, code in session.execute(
            select(GroupSession.id, GroupSession.code, Site.code).join(
                Site, Site.id == GroupSession.site_id
            )
        )
    }
    rooms = {
        f"{code}-{room_code}": room_id
        for room_id, room_code, code in session.execute(
            select(Room.id, Room.code, Site.code).join(Site, Site.id == Room.site_id)
        )
    }
    usernames = {run.leader for run in solution.sessions} | {a.staff for a in solution.appointments}
    staff = dict(
        session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all()
    )
    numbers = {row.client for row in solution.attendance} | {
        a.client for a in solution.appointments
    }
    clients = {
        c.record_number: c.id
        for c in session.scalars(
            clients_repository.readable(actor).where(Client.record_number.in_(numbers))
        )
    }
    needed_sites = {s.site for s in instance.sessions}
    for kind, wanted, found in (
        ("site", needed_sites, sites),
        ("room", {run.room for run in solution.sessions if run.room}, rooms),
        ("staff member", usernames, staff),
        ("client", numbers, clients),
    ):
        if missing := {w for w in wanted if w and w not in found}:
            raise _unmapped(kind, missing)
    return _Rows(sites, groups, rooms, staff, clients)


def _day(week_of: date, day: str) -> date:
    return week_of + timedelta(days=DAYS.index(day))


@dataclass(frozen=True)
class _Calendar:
    """The week as the calendar holds it now, cancelled rows included (a re-plan may bring
    one back, and its attendance with it)."""

    occurrences: dict[uuid.UUID, SessionOccurrence]
    seats: dict[uuid.UUID, dict[uuid.UUID, SessionSeat]]  # occurrence -> client -> seat
    appointments: dict[uuid.UUID, Appointment]

    def published(self) -> change_list.Week:
        """What is scheduled, as the change list reads it."""
        groups = tuple(
            change_list.Group(
                code=o.code,
                day=o.day,
                start=o.start,
                end=o.end,
                topic=o.topic,
                room_id=o.room_id,
                leader_id=o.leader_id,
                members=frozenset(
                    cid
                    for cid, seat in self.seats.get(o.id, {}).items()
                    if seat.status is BookingStatus.SCHEDULED
                ),
            )
            for o in self.occurrences.values()
            if o.status is BookingStatus.SCHEDULED
        )
        visits = tuple(
            change_list.Visit(a.client_id, a.staff_id, a.kind.value, a.day, a.start, a.end)
            for a in self.appointments.values()
            if a.status is BookingStatus.SCHEDULED
        )
        return change_list.Week(groups, visits)


def _calendar(session: Session, week_of: date) -> _Calendar:
    week_end = week_of + timedelta(days=7)
    occurrences = {
        o.id: o
        for o in session.scalars(
            select(SessionOccurrence).where(
                SessionOccurrence.day >= week_of, SessionOccurrence.day < week_end
            )
        )
    }
    seats: dict[uuid.UUID, dict[uuid.UUID, SessionSeat]] = {}
    if occurrences:
        for seat in session.scalars(
            select(SessionSeat).where(SessionSeat.occurrence_id.in_(list(occurrences)))
        ):
            seats.setdefault(seat.occurrence_id, {})[seat.client_id] = seat
    appointments = {
        a.id: a
        for a in session.scalars(
            select(Appointment).where(Appointment.day >= week_of, Appointment.day < week_end)
        )
    }
    return _Calendar(occurrences, seats, appointments)


def _planned(
    build: ScheduleBuild, instance: Instance, solution: Solution, rows: _Rows
) -> change_list.Week:
    """What the build would put on the calendar, as the change list reads it. A run of a
    session the instance does not have is left out (the validator refuses it anyway)."""
    sessions = {s.id: s for s in instance.sessions}
    members: dict[str, set[uuid.UUID]] = {}
    for row in solution.attendance:
        members.setdefault(row.session, set()).add(rows.clients[row.client])
    groups = tuple(
        change_list.Group(
            code=run.id,
            day=_day(build.week_of, spec.day),
            start=spec.start,
            end=spec.end,
            topic=spec.topic,
            room_id=rows.rooms[run.room] if run.room else None,
            leader_id=rows.staff[run.leader],
            members=frozenset(members.get(run.id, set())),
        )
        for run in solution.sessions
        if (spec := sessions.get(run.id)) is not None
    )
    visits = tuple(
        change_list.Visit(
            client_id=rows.clients[a.client],
            staff_id=rows.staff[a.staff],
            kind=a.kind,
            day=_day(build.week_of, a.day),
            start=a.start,
            end=a.end,
        )
        for a in solution.appointments
    )
    return change_list.Week(groups, visits)


def _draft(session: Session, build_id: uuid.UUID, *, lock: bool) -> ScheduleBuild:
    build = session.get(ScheduleBuild, build_id, with_for_update=lock)
    if build is None:
        raise NotFound("no such schedule build")
    if build.status is not BuildStatus.DRAFT:
        raise Conflict(
            f"this build is {build.status.value}; only a draft can be published",
            rule="build.not_draft",
        )
    return build


@dataclass(frozen=True)
class Preview:
    """The change list of a draft, with what the page needs to say it in words."""

    build: ScheduleBuild
    changes: change_list.ChangeList
    clients: dict[uuid.UUID, Client]
    staff: dict[uuid.UUID, str]  # display names
    rooms: dict[uuid.UUID, str]  # room names
    topics: dict[str, str]  # topic code -> label

    def name(self, kind: str, person_id: uuid.UUID | None) -> str:
        """A client's display name (``kind`` "client") or a staff member's."""
        if person_id is None:
            return ""
        if kind == "client":
            client = self.clients.get(person_id)
            return client.display_name if client else "a client"
        return self.staff.get(person_id, "a staff member")


def preview(session: Session, *, actor: Actor, build_id: uuid.UUID) -> Preview:
    """What publishing the draft would change; the clients it names are recorded as read."""
    build = _draft(session, build_id, lock=False)
    instance, solution = parse_build(build)
    rows = _rows(session, actor, instance, solution)
    changes = change_list.compute(
        _calendar(session, build.week_of).published(),
        _planned(build, instance, solution, rows),
        applies_from=build.applies_from,
    )
    return _described(session, actor, build, changes)


def _items(person: change_list.PersonChanges) -> list[change_list.Item]:
    moves = person.moved
    return [*person.added, *person.removed, *(m.before for m in moves), *(m.after for m in moves)]


def _described(
    session: Session, actor: Actor, build: ScheduleBuild, changes: change_list.ChangeList
) -> Preview:
    """Names for the ids of the list: the clients the actor may read, staff, rooms."""
    client_ids = {p.person_id for p in changes.clients} | {v.client_id for v in changes.cancelled}
    staff_ids = {p.person_id for p in changes.staff} | {v.staff_id for v in changes.cancelled}
    room_ids: set[uuid.UUID] = set()
    for people, others in ((changes.clients, staff_ids), (changes.staff, client_ids)):
        for person in people:
            for item in _items(person):
                if item.room_id is not None:
                    room_ids.add(item.room_id)
                if item.with_id is not None:
                    others.add(item.with_id)
    clients = {
        c.id: c
        for c in session.scalars(
            clients_repository.readable(actor).where(Client.id.in_(list(client_ids)))
        )
    }
    staff = dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_(list(staff_ids)))
        ).all()
    )
    rooms = dict(
        session.execute(select(Room.id, Room.name).where(Room.id.in_(list(room_ids)))).all()
    )
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="schedule_build",
        client_ids=sorted(clients, key=str),
    )
    return Preview(build, changes, clients, staff, rooms, dict(TOPIC_LABELS))


def publish(
    session: Session,
    *,
    actor: Actor,
    build_id: uuid.UUID,
    confirmed: str | None = None,
    notify: bool = True,
) -> PublishResult:
    """Put a draft build on the calendar and make it the week's published build.

    A build that is already published (or superseded, or discarded) is refused with a
    Conflict: publishing is a one-way step for a draft; to change a published week, build
    again and publish the new build. ``confirmed`` is the digest of the change list the
    director confirmed (the pages pass it): when the changes are no longer those, nothing is
    published (rule ``publish.changes_moved``). ``notify=False`` is for the demo seed, whose
    weeks are its starting state rather than a change anyone needs telling about.
    """
    build = _draft(session, build_id, lock=True)
    instance, solution = parse_build(build)
    validate(instance, solution)
    rows = _rows(session, actor, instance, solution)
    current = _calendar(session, build.week_of)
    changes = change_list.compute(
        current.published(),
        _planned(build, instance, solution, rows),
        applies_from=build.applies_from,
    )
    if confirmed is not None and confirmed != changes.digest:
        raise Conflict(
            "the changes are no longer those you confirmed; read them again",
            rule="publish.changes_moved",
        )
    group_actions = _publish_groups(session, build, instance, solution, rows, current)
    appointment_actions = _publish_appointments(session, build, instance, solution, rows, current)
    session.flush()
    previous = session.scalars(
        select(ScheduleBuild).where(
            ScheduleBuild.week_of == build.week_of,
            ScheduleBuild.status == BuildStatus.PUBLISHED,
            ScheduleBuild.id != build.id,
        )
    )
    for older in previous:
        older.status = BuildStatus.SUPERSEDED
    build.status = BuildStatus.PUBLISHED
    build.published_by = actor.user_id
    build.published_at = utc_now()
    session.flush()
    # Seats and appointments changed, or a group of theirs moved in time or room.
    affected = rules.affected_clients(group_actions, appointment_actions)
    affected |= {p.person_id for p in changes.clients}
    counts = Counter(action.op for action in group_actions)
    _audit(session, actor, build, group_actions, appointment_actions, affected)
    if notify:
        notices.notify(
            session,
            actor=actor,
            build_id=build.id,
            week_of=build.week_of,
            client_ids=[p.person_id for p in changes.clients],
            user_ids=[p.person_id for p in changes.staff],
        )
    return PublishResult(
        build=build,
        sessions_added=counts[rules.Op.INSERT],
        sessions_changed=counts[rules.Op.UPDATE],
        sessions_cancelled=counts[rules.Op.CANCEL],
        seats_added=sum(len(a.seats_added) for a in group_actions),
        seats_cancelled=sum(len(a.seats_cancelled) for a in group_actions),
        appointments_added=sum(a.op is rules.Op.INSERT for a in appointment_actions),
        appointments_changed=sum(a.op is rules.Op.UPDATE for a in appointment_actions),
        appointments_cancelled=sum(a.op is rules.Op.CANCEL for a in appointment_actions),
        clients_affected=len(affected),
        staff_affected=len(changes.staff),
    )


def _publish_groups(
    session: Session,
    build: ScheduleBuild,
    instance: Instance,
    solution: Solution,
    rows: _Rows,
    current: _Calendar,
) -> list[rules.GroupAction]:
    """Diff the week's occurrences and seats against the plan; rows are reused, never deleted,
    so attendance recorded on a kept seat stays attached to it."""
    week_of = build.week_of
    sessions = {s.id: s for s in instance.sessions}
    members: dict[str, set[uuid.UUID]] = {}
    for row in solution.attendance:
        members.setdefault(row.session, set()).add(rows.clients[row.client])
    planned = [
        rules.PlannedGroup(
            code=run.id,
            day=_day(week_of, sessions[run.id].day),
            room_id=rows.rooms[run.room] if run.room else None,
            leader_id=rows.staff[run.leader],
            members=frozenset(members.get(run.id, set())),
        )
        for run in solution.sessions
    ]
    occurrences, seats = current.occurrences, current.seats
    booked = [
        rules.BookedGroup(
            ref=o.id,
            code=o.code,
            day=o.day,
            room_id=o.room_id,
            leader_id=o.leader_id,
            scheduled=o.status is BookingStatus.SCHEDULED,
            seated=frozenset(
                cid
                for cid, seat in seats.get(o.id, {}).items()
                if seat.status is BookingStatus.SCHEDULED
            ),
        )
        for o in occurrences.values()
    ]
    group_actions = rules.plan_groups(booked, planned, build.applies_from)
    for action in group_actions:
        if action.op is rules.Op.INSERT:
            assert action.planned is not None
            occurrence = _new_occurrence(build, sessions[action.code], action.planned, rows)
            session.add(occurrence)
            session.flush()
            occurrences[occurrence.id] = occurrence
            target = occurrence
        elif action.op is rules.Op.KEEP:
            # Same room, leader and members; the set-up may still have moved its time.
            if action.planned is not None and action.ref is not None:
                kept, spec = occurrences[action.ref], sessions[action.code]
                if (kept.start, kept.end, kept.topic) != (spec.start, spec.end, spec.topic):
                    kept.build_id = build.id
                    _restage(kept, spec, action.planned)
            continue
        else:
            assert action.ref is not None
            target = occurrences[action.ref]
            target.build_id = build.id
            if action.op is rules.Op.CANCEL:
                target.status = BookingStatus.CANCELLED
            else:
                assert action.planned is not None
                _restage(target, sessions[action.code], action.planned)
        own = seats.get(target.id, {})
        for client_id in action.seats_cancelled:
            own[client_id].status = BookingStatus.CANCELLED
        for client_id in action.seats_added:
            if client_id in own:
                own[client_id].status = BookingStatus.SCHEDULED
            else:
                session.add(
                    SessionSeat(
                        occurrence_id=target.id,
                        client_id=client_id,
                        status=BookingStatus.SCHEDULED,
                    )
                )
    return group_actions


def _new_occurrence(
    build: ScheduleBuild, spec: ExchangeSession, planned: rules.PlannedGroup, rows: _Rows
) -> SessionOccurrence:
    occurrence = SessionOccurrence(
        build_id=build.id,
        site_id=rows.sites[spec.site],
        group_session_id=rows.groups.get(spec.id),
        code=spec.id,
        day=planned.day,
        status=BookingStatus.SCHEDULED,
    )
    _restage(occurrence, spec, planned)
    return occurrence


def _restage(
    occurrence: SessionOccurrence, spec: ExchangeSession, planned: rules.PlannedGroup
) -> None:
    """Times, topic and levels come from this week's instance, room and leader from the plan."""
    occurrence.start = spec.start
    occurrence.end = spec.end
    occurrence.topic = spec.topic
    occurrence.levels = list(spec.levels)
    occurrence.telehealth = spec.telehealth
    occurrence.room_id = planned.room_id
    occurrence.leader_id = planned.leader_id
    occurrence.status = BookingStatus.SCHEDULED


def _publish_appointments(
    session: Session,
    build: ScheduleBuild,
    instance: Instance,
    solution: Solution,
    rows: _Rows,
    current: _Calendar,
) -> list[rules.AppointmentAction]:
    week_of = build.week_of
    existing = current.appointments
    booked = [
        rules.BookedAppointment(
            ref=a.id,
            client_id=a.client_id,
            kind=a.kind.value,
            day=a.day,
            start=a.start,
            end=a.end,
            staff_id=a.staff_id,
            scheduled=a.status is BookingStatus.SCHEDULED,
        )
        for a in existing.values()
    ]
    planned = [
        rules.PlannedAppointment(
            client_id=rows.clients[a.client],
            kind=a.kind,
            day=_day(week_of, a.day),
            start=a.start,
            end=a.end,
            staff_id=rows.staff[a.staff],
        )
        for a in solution.appointments
    ]
    client_site = {
        rows.clients[c.id]: rows.sites[c.site] for c in instance.clients if c.id in rows.clients
    }
    actions = rules.plan_appointments(booked, planned, build.applies_from)
    for action in actions:
        if action.op is rules.Op.KEEP:
            continue
        if action.op is rules.Op.CANCEL:
            assert action.ref is not None
            existing[action.ref].status = BookingStatus.CANCELLED
            existing[action.ref].build_id = build.id
            continue
        plan = action.planned
        assert plan is not None
        if action.op is rules.Op.INSERT:
            session.add(
                Appointment(
                    build_id=build.id,
                    site_id=client_site[plan.client_id],
                    client_id=plan.client_id,
                    staff_id=plan.staff_id,
                    kind=AppointmentKind(plan.kind),
                    day=plan.day,
                    start=plan.start,
                    end=plan.end,
                    status=BookingStatus.SCHEDULED,
                )
            )
        else:
            assert action.ref is not None
            row = existing[action.ref]
            row.build_id = build.id
            row.staff_id = plan.staff_id
            row.end = plan.end
            row.status = BookingStatus.SCHEDULED
    return actions


def _audit(
    session: Session,
    actor: Actor,
    build: ScheduleBuild,
    groups: list[rules.GroupAction],
    appointments: list[rules.AppointmentAction],
    affected: set[uuid.UUID],
) -> None:
    per_client: dict[uuid.UUID, dict[str, int]] = {
        cid: {"seats_added": 0, "seats_cancelled": 0, "appointments_changed": 0} for cid in affected
    }
    for action in groups:
        for cid in action.seats_added:
            per_client[cid]["seats_added"] += 1
        for cid in action.seats_cancelled:
            per_client[cid]["seats_cancelled"] += 1
    for appointment in appointments:
        if appointment.op is not rules.Op.KEEP:
            per_client[appointment.client_id]["appointments_changed"] += 1
    for cid in sorted(affected, key=str):
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="schedule_week",
            entity_id=build.id,
            client_id=cid,
            detail={
                "week_of": build.week_of.isoformat(),
                "applies_from": build.applies_from.isoformat(),
                **per_client[cid],
            },
        )
