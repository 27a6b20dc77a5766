"""The live week as a scheduling instance (``scheduling.exchange``), for the optimizer.

Who is scheduled: every client in an open, active episode (not on hold at a partner's detox or
residential care) whose level during the week is PHP, IOP or OP; the level is that of the
latest segment overlapping the week. A client without a schedule profile, or whose therapist
has no staff profile, cannot be scheduled: they are named in ``skipped`` for the coordinator
rather than silently dropped.

``previous_sessions`` (continuity, the optimizer's third goal) holds the groups each client
really came to last week: the sessions of last week's occurrences whose seat has an attendance
record of present, late, left early or telehealth. For a client with no attendance recorded on
any of last week's seats (attendance not taken yet, or the client not yet in care), it falls
back to the groups they were booked into (scheduled seats of scheduled occurrences). Session
codes are the exchange ids, stable from week to week, and only those still in this week's
curriculum are listed.

The result is validated by loading it back through the exchange model, so a week that exports
is a week the solver accepts. Every exported client is recorded as an export in the audit;
``week_instance`` leaves that to its caller so a build can solve before it takes the audit
chain's lock (``record_export``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients import service as clients_service
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, EpisodeStatus, Segment
from stepdown.kit.errors import Invalid
from stepdown.programs import rules
from stepdown.programs import service as programs_service
from stepdown.programs.models import ClientScheduleProfile, GroupSession, Room
from stepdown.scheduling.exchange import INSTANCE_FORMAT, Instance, parse_instance
from stepdown.security.actor import Actor

# Length of an individual or family appointment, in minutes (the usual therapy hour).
INDIVIDUAL_MINUTES = 60


# Attendance statuses that count as having been in the group.
ATTENDED = frozenset(
    {
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.LEFT_EARLY,
        AttendanceStatus.TELEHEALTH,
    }
)


@dataclass(frozen=True)
class WeekExport:
    instance: Instance
    skipped: list[str] = field(default_factory=list)  # one line per client left out, and why
    client_ids: list[uuid.UUID] = field(default_factory=list)  # the exported clients' rows


def _levels(session: Session) -> dict[str, dict[str, float | int]]:
    levels: dict[str, dict[str, float | int]] = {}
    for level in continuum_service.catalog(session):
        if level.code in rules.SCHEDULED_LEVELS and level.is_active:
            low = level.weekly_hours_min or 0.0
            levels[level.code] = {
                "min_hours": low,
                "max_hours": max(level.weekly_hours_max or low, low),
                "max_days": level.days_per_week_max or 7,
            }
    return levels


def _week_segments(
    session: Session, actor: Actor, monday: date
) -> list[tuple[Episode, Segment, str]]:
    """Active episodes with the level (code) each is at during the week."""
    sunday_end = monday + timedelta(days=7)
    episodes = list(
        session.scalars(
            continuum_repository.readable_episodes(actor).where(
                Episode.status == EpisodeStatus.ACTIVE
            )
        )
    )
    codes = {lv.id: lv.code for lv in continuum_service.catalog(session)}
    found = []
    segments = continuum_service.segments_for(session, episodes)
    for episode in episodes:
        overlapping = [
            s
            for s in segments[episode.id]
            if s.starts_on < sunday_end and (s.ends_on is None or s.ends_on > monday)
        ]
        if overlapping:
            latest = max(overlapping, key=lambda s: s.starts_on)
            found.append((episode, latest, codes[latest.level_id]))
    return found


def previous_sessions(
    session: Session, *, client_ids: list[uuid.UUID], week_of: date
) -> dict[uuid.UUID, list[str]]:
    """Last week's groups per client: attended ones, else booked ones (see the module doc)."""
    if not client_ids:
        return {}
    rows = session.execute(
        select(
            SessionSeat.client_id,
            SessionOccurrence.code,
            SessionSeat.status,
            SessionOccurrence.status,
            AttendanceRecord.status,
        )
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionSeat.client_id.in_(client_ids),
            SessionOccurrence.day >= week_of - timedelta(days=7),
            SessionOccurrence.day < week_of,
        )
    ).all()
    attended: dict[uuid.UUID, set[str]] = {}
    booked: dict[uuid.UUID, set[str]] = {}
    for client_id, code, seat_status, occurrence_status, attendance in rows:
        if attendance is not None:
            came = attended.setdefault(client_id, set())
            if attendance in ATTENDED:
                came.add(code)
        elif seat_status is BookingStatus.SCHEDULED and (
            occurrence_status is BookingStatus.SCHEDULED
        ):
            booked.setdefault(client_id, set()).add(code)
    return {
        client_id: sorted(attended[client_id] if client_id in attended else booked[client_id])
        for client_id in attended.keys() | booked.keys()
    }


def export_week(session: Session, *, actor: Actor, week_of: date) -> WeekExport:
    """The live week, with each exported client recorded as an export in the audit."""
    export = week_instance(session, actor=actor, week_of=week_of)
    record_export(session, actor=actor, export=export)
    return export


def record_export(session: Session, *, actor: Actor, export: WeekExport) -> None:
    for client_id in export.client_ids:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.EXPORT,
            entity_type="schedule_week",
            entity_id=client_id,
            client_id=client_id,
            detail={"week_of": export.instance.week_of},
        )


def week_instance(session: Session, *, actor: Actor, week_of: date) -> WeekExport:
    """The live week, not yet audited: the caller must call ``record_export`` in the same
    transaction (``export_week`` does both)."""
    if week_of.weekday() != 0:
        raise Invalid(f"{week_of} is not a Monday", field="week")
    sites = {site.id: site.code for site in programs_service.list_sites(session)}
    levels = _levels(session)
    rooms = [
        {"id": f"{sites[r.site_id]}-{r.code}", "site": sites[r.site_id], "capacity": r.capacity}
        for r in session.scalars(select(Room).order_by(Room.site_id, Room.code))
    ]
    staff_ids: dict[uuid.UUID, str] = {}
    staff = []
    for staff_profile, user in programs_service.staff_profiles(session):
        if user.is_active:
            staff_ids[user.id] = user.username
            staff.append(
                {
                    "id": user.username,
                    "site": sites[staff_profile.site_id],
                    "topics": staff_profile.topics,
                    "availability": staff_profile.availability,
                    "max_hours": staff_profile.max_hours,
                }
            )
    sessions = [_session(g, sites) for g in programs_service.group_sessions(session)]

    in_week = [row for row in _week_segments(session, actor, week_of) if row[2] in levels]
    client_ids = [episode.client_id for episode, _, _ in in_week]
    chart = clients_service.clients_by_id(session, actor=actor, client_ids=client_ids)
    profiles = {
        p.client_id: p
        for p in session.scalars(
            select(ClientScheduleProfile).where(ClientScheduleProfile.client_id.in_(client_ids))
        )
    }
    skipped: list[str] = []
    clients = []
    exported: dict[uuid.UUID, str] = {}
    for episode, _, level in sorted(in_week, key=lambda r: chart[r[0].client_id].record_number):
        person = chart[episode.client_id]
        profile = profiles.get(person.id)
        if profile is None:
            skipped.append(f"{person.record_number}: no schedule profile")
            continue
        if profile.primary_therapist_id not in staff_ids:
            skipped.append(f"{person.record_number}: their therapist has no staff profile")
            continue
        exported[person.id] = person.record_number
        clients.append(
            {
                "id": person.record_number,
                "site": sites[episode.site_id],
                "level": level,
                "age_group": rules.age_group(person.date_of_birth, week_of),
                "gender": rules.gender_code(person.gender_identity, person.sex_assigned_at_birth),
                "availability": profile.availability,
                "primary_therapist": staff_ids[profile.primary_therapist_id],
                "individual_sessions": profile.individual_sessions,
                "family_sessions": profile.family_sessions,
                "keep_apart": [],
                "previous_sessions": [],
            }
        )
    apart: dict[str, list[str]] = {}
    for pair in programs_service.keep_apart_of(session, list(exported)):
        a, b = exported.get(pair.client_a_id), exported.get(pair.client_b_id)
        if a and b:
            apart.setdefault(a, []).append(b)
            apart.setdefault(b, []).append(a)
    session_ids = {str(s["id"]) for s in sessions}
    last_week = previous_sessions(session, client_ids=list(exported), week_of=week_of)
    number_to_id = {number: client_id for client_id, number in exported.items()}
    for record in clients:
        record["keep_apart"] = sorted(apart.get(str(record["id"]), []))
        record["previous_sessions"] = [
            code
            for code in last_week.get(number_to_id[str(record["id"])], [])
            if code in session_ids
        ]
    document = {
        "format": INSTANCE_FORMAT,
        "name": f"week-{week_of.isoformat()}",
        "week_of": week_of.isoformat(),
        "levels": levels,
        "individual_minutes": INDIVIDUAL_MINUTES,
        "sites": sorted(sites.values()),
        "rooms": rooms,
        "staff": staff,
        "sessions": sessions,
        "clients": clients,
    }
    instance = parse_instance(document, source=f"week {week_of}")
    return WeekExport(instance, skipped, list(exported))


def _session(group: GroupSession, sites: dict[uuid.UUID, str]) -> dict[str, object]:
    site = sites[group.site_id]
    return {
        "id": f"{site}-{group.code}",
        "site": site,
        "day": group.day,
        "start": group.start,
        "end": group.end,
        "topic": group.topic,
        "levels": group.levels,
        "audience": group.audience.value,
        "gender": group.gender.value,
        "min_size": group.min_size,
        "max_size": group.max_size,
        "telehealth": group.telehealth,
    }
