"""Taking attendance, weekly hours, the compliance board, and the alerts they raise.

Recording a roster validates every row before writing any (a refused roster changes
nothing), computes minutes credited with ``rules``, upserts one record per booking, audits
each client's change, then checks the two clinical triggers for every client on it: two
unexcused absences in a row, and a week that will now end under the level's minimum. An
alert goes to the client's chart and the primary clinician's home page in the same
transaction, once per finding.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import AlertKind, Severity
from stepdown.attendance import access, repository, rules
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import Appointment, BookingStatus, SessionOccurrence
from stepdown.clients.models import Client
from stepdown.continuum.models import Track
from stepdown.kit.clock import today as program_today
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.programs import rules as programs_rules
from stepdown.programs.models import Room, Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

CANCELLED = "attendance.session_cancelled"
NOT_YET = "attendance.session_not_yet_held"
# Streaks look back three weeks: long enough for a weekly OP client's two sessions in a row,
# short enough that the board reads a few thousand rows, not a year.
STREAK_LOOKBACK = timedelta(days=21)
# Namespace for the alert source id of a client's week (one alert per client-week).
_WEEK_NAMESPACE = uuid.UUID("6f2b1c3e-8d4a-4e59-9a1b-0c7d2e3f4a5b")


def may_take(actor: Actor, *, site_id: uuid.UUID, leader_id: uuid.UUID) -> bool:
    """The session's leader, a director, or a clinician or case manager of its site."""
    if actor.role in (Role.SYSTEM, Role.DIRECTOR):
        return True
    if not access.TAKE.allows(actor.role):
        return False
    return actor.user_id == leader_id or actor.site_id == site_id


def _require_take(actor: Actor, *, site_id: uuid.UUID, leader_id: uuid.UUID) -> None:
    if not may_take(actor, site_id=site_id, leader_id=leader_id):
        raise Forbidden(
            "only the session's leader, a director, or staff of its site may take attendance"
        )


def _require_hours(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.HOURS.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.HOURS.description}")


@dataclass(frozen=True)
class Entry:
    """One row of a roster as the leader submitted it."""

    client_id: uuid.UUID
    status: AttendanceStatus
    late_minutes: int = 0
    left_early_minutes: int = 0
    note: str = ""


@dataclass(frozen=True)
class RosterRow:
    client: Client
    record: AttendanceRecord | None
    booking_id: uuid.UUID  # the seat, or the appointment


@dataclass(frozen=True)
class Roster:
    """A group occurrence or an appointment, with who is booked and what was recorded."""

    kind: str  # "group" or the appointment kind
    booking_id: uuid.UUID  # the occurrence or the appointment
    site: Site
    day: date
    start: str
    end: str
    title: str
    room: str
    leader: str
    leader_id: uuid.UUID
    telehealth: bool
    cancelled: bool
    scheduled_minutes: int
    rows: list[RosterRow]

    @property
    def recorded(self) -> bool:
        return bool(self.rows) and all(r.record is not None for r in self.rows)

    @property
    def credited_total(self) -> int:
        return sum(r.record.credited_minutes for r in self.rows if r.record is not None)


def _occurrence(session: Session, occurrence_id: uuid.UUID, *, lock: bool) -> SessionOccurrence:
    if lock:
        occurrence = session.scalar(repository.occurrence_for_update(occurrence_id))
    else:
        occurrence = session.get(SessionOccurrence, occurrence_id)
    if occurrence is None:
        raise NotFound("no such session")
    return occurrence


def _appointment(session: Session, appointment_id: uuid.UUID, *, lock: bool) -> Appointment:
    if lock:
        appointment = session.scalar(repository.appointment_for_update(appointment_id))
    else:
        appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


def _site(session: Session, site_id: uuid.UUID) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("no such site")
    return site


def roster(session: Session, *, actor: Actor, occurrence_id: uuid.UUID) -> Roster:
    """Who is booked into a group session and what was recorded; an audited read per member."""
    occurrence = _occurrence(session, occurrence_id, lock=False)
    _require_take(actor, site_id=occurrence.site_id, leader_id=occurrence.leader_id)
    pairs = list(session.execute(repository.seats_of(occurrence.id)))
    clients = _clients(session, [seat.client_id for seat, _ in pairs])
    rows = [RosterRow(clients[seat.client_id], record, seat.id) for seat, record in pairs]
    rows.sort(key=lambda r: (r.client.legal_last_name, r.client.legal_first_name))
    room = session.get(Room, occurrence.room_id) if occurrence.room_id else None
    audit_service.record_reads(
        session, actor=actor, entity_type="attendance", client_ids=[r.client.id for r in rows]
    )
    return Roster(
        kind="group",
        booking_id=occurrence.id,
        site=_site(session, occurrence.site_id),
        day=occurrence.day,
        start=occurrence.start,
        end=occurrence.end,
        title=_topic(occurrence.topic),
        room=room.name if room else ("Telehealth" if occurrence.telehealth else ""),
        leader=_staff_name(session, occurrence.leader_id),
        leader_id=occurrence.leader_id,
        telehealth=occurrence.telehealth,
        cancelled=occurrence.status is BookingStatus.CANCELLED,
        scheduled_minutes=rules.scheduled_minutes(occurrence.start, occurrence.end),
        rows=rows,
    )


def appointment_roster(session: Session, *, actor: Actor, appointment_id: uuid.UUID) -> Roster:
    """An individual or family appointment as a one-row roster."""
    appointment = _appointment(session, appointment_id, lock=False)
    _require_take(actor, site_id=appointment.site_id, leader_id=appointment.staff_id)
    client = _clients(session, [appointment.client_id])[appointment.client_id]
    record = session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.appointment_id == appointment.id)
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="attendance", client_ids=[client.id]
    )
    return Roster(
        kind=appointment.kind.value,
        booking_id=appointment.id,
        site=_site(session, appointment.site_id),
        day=appointment.day,
        start=appointment.start,
        end=appointment.end,
        title=f"{appointment.kind.value.capitalize()} therapy",
        room="",
        leader=_staff_name(session, appointment.staff_id),
        leader_id=appointment.staff_id,
        telehealth=False,
        cancelled=appointment.status is BookingStatus.CANCELLED,
        scheduled_minutes=rules.scheduled_minutes(appointment.start, appointment.end),
        rows=[RosterRow(client, record, appointment.id)],
    )


def _clients(session: Session, client_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Client]:
    """Members of a session the actor may take attendance for, whether or not they are on
    the actor's caseload; the caller has checked the session and records the reads."""
    if not client_ids:
        return {}
    return {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))}


def _topic(code: str) -> str:
    return programs_rules.TOPIC_LABELS.get(code, code)


def _staff_name(session: Session, user_id: uuid.UUID) -> str:
    return security_service.display_names(session, {user_id}).get(user_id, "")


@dataclass
class Recorded:
    """What a save changed, and the alerts it raised."""

    records: list[AttendanceRecord] = field(default_factory=list)
    alerts: int = 0


def _check_held(day: date, cancelled: bool, today: date) -> None:
    if cancelled:
        raise Conflict("this session was cancelled; there is no attendance to take", rule=CANCELLED)
    if day > today:
        raise Conflict(
            f"this session is on {day.isoformat()}; take attendance on the day", rule=NOT_YET
        )


def _validated(
    entries: Sequence[Entry], booked: set[uuid.UUID], scheduled: int
) -> list[tuple[Entry, int]]:
    """Every row checked before any is written; errors name the row's field."""
    if not entries:
        raise Invalid("record at least one member", field="entries")
    seen: set[uuid.UUID] = set()
    checked = []
    for index, entry in enumerate(entries):
        prefix = f"entries[{index}]"
        if entry.client_id not in booked:
            raise Invalid("this client is not booked into the session", field=f"{prefix}.client_id")
        if entry.client_id in seen:
            raise Invalid("this client is listed twice", field=f"{prefix}.client_id")
        seen.add(entry.client_id)
        if len(entry.note) > 300:
            raise Invalid("keep the note under 300 characters", field=f"{prefix}.note")
        try:
            credited = rules.credited_minutes(
                entry.status, scheduled, entry.late_minutes, entry.left_early_minutes
            )
        except Invalid as exc:
            raise Invalid(exc.message, field=f"{prefix}.{exc.field}") from None
        checked.append((entry, credited))
    return checked


def _fields(record: AttendanceRecord) -> dict[str, Any]:
    """Audit detail: status and minutes, never the free-text note."""
    return {
        "status": record.status.value,
        "late_minutes": record.late_minutes,
        "left_early_minutes": record.left_early_minutes,
        "credited_minutes": record.credited_minutes,
    }


def _upsert(
    session: Session,
    actor: Actor,
    *,
    existing: AttendanceRecord | None,
    entry: Entry,
    credited: int,
    scheduled: int,
    site_id: uuid.UUID,
    day: date,
    seat_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
) -> AttendanceRecord:
    before = _fields(existing) if existing is not None else None
    record = existing or AttendanceRecord(
        seat_id=seat_id,
        appointment_id=appointment_id,
        client_id=entry.client_id,
        site_id=site_id,
        day=day,
    )
    record.scheduled_minutes = scheduled
    record.status = entry.status
    record.late_minutes = entry.late_minutes
    record.left_early_minutes = entry.left_early_minutes
    record.credited_minutes = credited
    record.note = entry.note.strip()
    record.recorded_by = actor.user_id
    record.recorded_at = utc_now()
    if existing is None:
        session.add(record)
    session.flush()
    after = _fields(record)
    if before != after or existing is None:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE if existing is None else AuditAction.UPDATE,
            entity_type="attendance_record",
            entity_id=record.id,
            client_id=record.client_id,
            detail={"before": before, "after": after},
        )
    return record


def record_attendance(
    session: Session,
    *,
    actor: Actor,
    occurrence_id: uuid.UUID,
    entries: Sequence[Entry],
    today: date | None = None,
) -> Recorded:
    """Save a group's attendance (some rows or all), then check each member's triggers."""
    today = today or program_today()
    occurrence = _occurrence(session, occurrence_id, lock=True)
    _require_take(actor, site_id=occurrence.site_id, leader_id=occurrence.leader_id)
    _check_held(occurrence.day, occurrence.status is BookingStatus.CANCELLED, today)
    scheduled = rules.scheduled_minutes(occurrence.start, occurrence.end)
    pairs = list(session.execute(repository.seats_of(occurrence.id)))
    seats = {seat.client_id: (seat, record) for seat, record in pairs}
    checked = _validated(entries, set(seats), scheduled)
    result = Recorded()
    for entry, credited in checked:
        seat, existing = seats[entry.client_id]
        result.records.append(
            _upsert(
                session,
                actor,
                existing=existing,
                entry=entry,
                credited=credited,
                scheduled=scheduled,
                site_id=occurrence.site_id,
                day=occurrence.day,
                seat_id=seat.id,
            )
        )
    result.alerts = _raise_alerts(
        session, actor, [e.client_id for e, _ in checked], occurrence.day, today
    )
    return result


def mark_all_present(
    session: Session, *, actor: Actor, occurrence_id: uuid.UUID, today: date | None = None
) -> Recorded:
    """Everyone not yet recorded is present (telehealth for a telehealth session); rows
    already recorded keep their status, so exceptions entered first survive."""
    occurrence = _occurrence(session, occurrence_id, lock=False)
    _require_take(actor, site_id=occurrence.site_id, leader_id=occurrence.leader_id)
    status = AttendanceStatus.TELEHEALTH if occurrence.telehealth else AttendanceStatus.PRESENT
    pending = [
        Entry(client_id=seat.client_id, status=status)
        for seat, record in session.execute(repository.seats_of(occurrence.id))
        if record is None
    ]
    if not pending:
        return Recorded()
    return record_attendance(
        session, actor=actor, occurrence_id=occurrence_id, entries=pending, today=today
    )


def record_appointment_attendance(
    session: Session,
    *,
    actor: Actor,
    appointment_id: uuid.UUID,
    entry: Entry,
    today: date | None = None,
) -> Recorded:
    today = today or program_today()
    appointment = _appointment(session, appointment_id, lock=True)
    _require_take(actor, site_id=appointment.site_id, leader_id=appointment.staff_id)
    _check_held(appointment.day, appointment.status is BookingStatus.CANCELLED, today)
    scheduled = rules.scheduled_minutes(appointment.start, appointment.end)
    [(checked, credited)] = _validated([entry], {appointment.client_id}, scheduled)
    existing = session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.appointment_id == appointment.id)
    )
    record = _upsert(
        session,
        actor,
        existing=existing,
        entry=checked,
        credited=credited,
        scheduled=scheduled,
        site_id=appointment.site_id,
        day=appointment.day,
        appointment_id=appointment.id,
    )
    alerts = _raise_alerts(session, actor, [appointment.client_id], appointment.day, today)
    return Recorded([record], alerts)


# --- Weekly hours ---------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    code: str
    weekly_hours_min: float | None
    track: Track


def week_facts(
    session: Session,
    *,
    levels: dict[uuid.UUID, Level],
    monday: date,
    today: date,
    site_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, rules.WeekFacts]:
    """Each client's week in a fixed number of queries (sums grouped by client), streaks
    included, whatever the number of clients or the length of their history."""
    client_ids = list(levels)
    if not client_ids:
        return {}
    sums: dict[uuid.UUID, list[int]] = {cid: [0, 0, 0, 0, 0] for cid in client_ids}
    for stmt in (
        repository.seat_week_sums(client_ids, monday, today, site_id),
        repository.appointment_week_sums(client_ids, monday, today),
    ):
        for client_id, *values in session.execute(stmt):
            totals = sums.get(client_id)
            if totals is None:  # booked at the site but not asked about (another track)
                continue
            for i, value in enumerate(values):
                totals[i] += int(value or 0)
    streaks = _streaks(session, client_ids, min(monday + timedelta(days=6), today))
    return {
        cid: rules.WeekFacts(
            level_code=levels[cid].code,
            required_hours=levels[cid].weekly_hours_min,
            planned=planned,
            delivered=delivered,
            remaining=remaining,
            unrecorded=unrecorded,
            unrecorded_count=unrecorded_count,
            streak=streaks[cid][0] if cid in streaks else 0,
        )
        for cid, (planned, delivered, remaining, unrecorded, unrecorded_count) in sums.items()
    }


def _streaks(
    session: Session, client_ids: Sequence[uuid.UUID], until: date
) -> dict[uuid.UUID, tuple[int, uuid.UUID]]:
    """Each client's trailing unexcused streak and the record that started it."""
    by_client: dict[uuid.UUID, list[tuple[uuid.UUID, AttendanceStatus]]] = {}
    stmt = repository.since_last_attended(client_ids, until - STREAK_LOOKBACK, until)
    for client_id, record_id, status in session.execute(stmt):
        by_client.setdefault(client_id, []).append((record_id, status))
    found: dict[uuid.UUID, tuple[int, uuid.UUID]] = {}
    for client_id, records in by_client.items():
        streak = rules.unexcused_streak(status for _, status in records)
        if streak:
            unexcused = [rid for rid, s in records if s is AttendanceStatus.ABSENT_UNEXCUSED]
            found[client_id] = (streak, unexcused[-streak])
    return found


def levels_on(
    session: Session, client_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, Level]:
    """Each client's level on a day (clients not in care that day are left out)."""
    return {
        cid: Level(code, minimum, track)
        for cid, code, minimum, track in session.execute(repository.levels_on(client_ids, on))
    }


def _raise_alerts(
    session: Session, actor: Actor, client_ids: Sequence[uuid.UUID], day: date, today: date
) -> int:
    """The two triggers, once per finding: a streak is keyed by the absence that started it,
    a short week by the client and the week (an acknowledged alert is not raised again)."""
    raised = 0
    monday = rules.week_of(day)
    streaks = _streaks(session, client_ids, today)
    levels = levels_on(session, client_ids, day)
    weeks = week_facts(session, levels=levels, monday=monday, today=today)
    for client_id in client_ids:
        streak, first = streaks.get(client_id, (0, client_id))
        if streak >= rules.STREAK_ALERT:
            raised += _raise_once(
                session,
                actor,
                client_id,
                AlertKind.ABSENCE_STREAK,
                Severity.HIGH,
                f"{streak} unexcused absences in a row: contact the client",
                source_type="attendance_record",
                source_id=first,
            )
        week = weeks.get(client_id)
        if week is not None and rules.week_alert_due(week):
            raised += _raise_once(
                session,
                actor,
                client_id,
                AlertKind.WEEK_UNDER_MINIMUM,
                Severity.ROUTINE,
                f"week of {monday.isoformat()} will end {rules.hours(week.shortfall)} under the "
                f"{week.level_code} minimum of {rules.hours(week.required_minutes or 0)}",
                source_type="attendance_week",
                source_id=uuid.uuid5(_WEEK_NAMESPACE, f"{client_id}:{monday.isoformat()}"),
            )
    return raised


def _raise_once(
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    kind: AlertKind,
    severity: Severity,
    summary: str,
    *,
    source_type: str,
    source_id: uuid.UUID,
) -> int:
    if session.scalar(repository.alert_exists(client_id, kind, source_id)) is not None:
        return 0
    alerts_service.raise_alert(
        session,
        actor=actor,
        client_id=client_id,
        kind=kind,
        severity=severity,
        summary=summary,
        source_type=source_type,
        source_id=source_id,
    )
    return 1


@dataclass(frozen=True)
class BoardRow:
    client: Client
    level: Level
    week: rules.WeekFacts
    verdict: rules.Verdict


@dataclass(frozen=True)
class Board:
    site: Site
    monday: date
    track: Track | None
    level: str | None
    rows: list[BoardRow]

    @property
    def under(self) -> list[BoardRow]:
        return [r for r in self.rows if r.verdict.status not in _FINE]


_FINE = (rules.Compliance.ON_TRACK, rules.Compliance.NO_MINIMUM)


def compliance_board(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID,
    week_of: date,
    track: Track | None = None,
    level: str | None = None,
    today: date | None = None,
) -> Board:
    """Who at a site is under their level's hours this week, by how much and why; biggest
    shortfall first. One audited read per client shown."""
    _require_hours(actor)
    today = today or program_today()
    site = _site(session, site_id)
    monday = rules.week_of(week_of)
    # Clients in care so far this week or at its end, held to the level at its end if they
    # are still in care then (``rules.judged_on``); the filters apply to that level.
    judged: dict[uuid.UUID, tuple[Client, str, float | None, Track]] = {}
    for on in reversed(rules.judged_on(monday, today)):
        for c, code, minimum, tr in session.execute(repository.board_clients(actor, site.id, on)):
            judged[c.id] = (c, code, minimum, tr)
    wanted = level.strip().upper() if level else None
    found = [
        row
        for row in judged.values()
        if (track is None or row[3] == track) and (wanted is None or row[1] == wanted)
    ]
    levels = {c.id: Level(code, minimum, tr) for c, code, minimum, tr in found}
    weeks = week_facts(session, levels=levels, monday=monday, today=today, site_id=site.id)
    rows = [
        BoardRow(c, levels[c.id], weeks[c.id], rules.compliance(weeks[c.id])) for c, *_ in found
    ]
    rows.sort(
        key=lambda r: (
            -r.verdict.shortfall,
            r.verdict.status.rank,
            r.client.legal_last_name,
            r.client.legal_first_name,
        )
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="attendance", client_ids=[r.client.id for r in rows]
    )
    return Board(site, monday, track, level.strip().upper() if level else None, rows)


@dataclass(frozen=True)
class WeekLine:
    monday: date
    level: Level | None
    week: rules.WeekFacts | None
    verdict: rules.Verdict | None


def client_weeks(
    session: Session, *, actor: Actor, client: Client, weeks: int = 8, today: date | None = None
) -> list[WeekLine]:
    """A client's recent weeks, newest first: hours delivered against planned and required.
    The caller has read the client through ``readable``; this read is audited once."""
    _require_hours(actor)
    today = today or program_today()
    lines = []
    this_monday = rules.week_of(today)
    for back in range(weeks):
        monday = this_monday - timedelta(weeks=back)
        levels: dict[uuid.UUID, Level] = {}
        for on in reversed(rules.judged_on(monday, today)):
            levels.update(levels_on(session, [client.id], on))
        facts = week_facts(session, levels=levels, monday=monday, today=today)
        week = facts.get(client.id)
        lines.append(
            WeekLine(
                monday,
                levels.get(client.id),
                week,
                rules.compliance(week) if week is not None else None,
            )
        )
    audit_service.record_reads(
        session, actor=actor, entity_type="attendance", client_ids=[client.id]
    )
    return lines


# --- Sessions of a day ----------------------------------------------------------------


@dataclass(frozen=True)
class DaySession:
    kind: str  # "group" or the appointment kind
    id: uuid.UUID
    site_id: uuid.UUID
    start: str
    end: str
    title: str
    leader: str
    booked: int
    recorded: int
    cancelled: bool
    mine: bool


def sessions_on(
    session: Session,
    *,
    actor: Actor,
    day: date,
    site_id: uuid.UUID | None = None,
) -> list[DaySession]:
    """The sessions an actor may take attendance for on a day, in time order: a clinician's
    own groups and appointments, or a site's (a director's, a case manager's, or a
    clinician's when ``site_id`` names their site). No client names: only counts."""
    if not access.TAKE.allows(actor.role) and actor.role is not Role.SYSTEM:
        raise Forbidden(f"your role ({actor.role.label}) may not {access.TAKE.description}")
    occ_stmt = select(SessionOccurrence).where(SessionOccurrence.day == day)
    appt_stmt = select(Appointment).where(Appointment.day == day)
    if site_id is not None:
        occ_stmt = occ_stmt.where(SessionOccurrence.site_id == site_id)
        appt_stmt = appt_stmt.where(Appointment.site_id == site_id)
    elif actor.role is Role.CASE_MANAGER:
        occ_stmt = occ_stmt.where(SessionOccurrence.site_id == actor.site_id)
        appt_stmt = appt_stmt.where(Appointment.site_id == actor.site_id)
    elif actor.role is Role.CLINICIAN:
        occ_stmt = occ_stmt.where(SessionOccurrence.leader_id == actor.user_id)
        appt_stmt = appt_stmt.where(Appointment.staff_id == actor.user_id)
    occurrences = [
        o
        for o in session.scalars(occ_stmt)
        if may_take(actor, site_id=o.site_id, leader_id=o.leader_id)
    ]
    appointments = [
        a
        for a in session.scalars(appt_stmt)
        if may_take(actor, site_id=a.site_id, leader_id=a.staff_id)
    ]
    counts = {
        occ_id: (booked, recorded)
        for occ_id, booked, recorded in session.execute(
            repository.roster_counts([o.id for o in occurrences])
        )
    }
    recorded_appts = set(
        session.scalars(repository.recorded_appointments([a.id for a in appointments]))
    )
    names = security_service.display_names(
        session, {o.leader_id for o in occurrences} | {a.staff_id for a in appointments}
    )
    found = [
        DaySession(
            "group",
            o.id,
            o.site_id,
            o.start,
            o.end,
            _topic(o.topic),
            names.get(o.leader_id, ""),
            *counts.get(o.id, (0, 0)),
            o.status is BookingStatus.CANCELLED,
            o.leader_id == actor.user_id,
        )
        for o in occurrences
    ] + [
        DaySession(
            a.kind.value,
            a.id,
            a.site_id,
            a.start,
            a.end,
            f"{a.kind.value.capitalize()} therapy",
            names.get(a.staff_id, ""),
            1,
            1 if a.id in recorded_appts else 0,
            a.status is BookingStatus.CANCELLED,
            a.staff_id == actor.user_id,
        )
        for a in appointments
    ]
    return sorted(found, key=lambda s: (s.start, s.title, s.leader))
