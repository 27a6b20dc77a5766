"""Queries behind attendance: bookings with their records, and weekly sums per client.

Weekly figures are aggregated in the database (one GROUP BY client per booking table), so a
board for hundreds of clients costs a handful of queries however long the history is. A
booking's length is computed from its "HH:MM" start and end with ``substr`` and ``CAST``,
which SQLite and PostgreSQL both read the same way.

Which clients an actor may see is decided by ``clients.repository.readable``; the board
starts from it. A roster starts from the session instead (see ``access``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from stepdown.alerts.models import Alert, AlertKind
from stepdown.attendance import rules
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar.models import Appointment, BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, LevelOfCare, Segment, Track
from stepdown.security.actor import Actor


def _clock(column: InstrumentedAttribute[str]) -> ColumnElement[int]:
    return cast(func.substr(column, 1, 2), Integer) * 60 + cast(func.substr(column, 4, 2), Integer)


def length(
    start: InstrumentedAttribute[str], end: InstrumentedAttribute[str]
) -> ColumnElement[int]:
    """Minutes between two "HH:MM" columns."""
    return _clock(end) - _clock(start)


def seats_of(occurrence_id: uuid.UUID) -> Select[SessionSeat, AttendanceRecord | None]:
    return (
        select(SessionSeat, AttendanceRecord)
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionSeat.occurrence_id == occurrence_id,
            SessionSeat.status == BookingStatus.SCHEDULED,
        )
    )


def occurrence_for_update(occurrence_id: uuid.UUID) -> Select[SessionOccurrence]:
    """Row-locked on PostgreSQL so two people saving one roster at once take turns."""
    return select(SessionOccurrence).where(SessionOccurrence.id == occurrence_id).with_for_update()


def appointment_for_update(appointment_id: uuid.UUID) -> Select[Appointment]:
    return select(Appointment).where(Appointment.id == appointment_id).with_for_update()


_Sums = tuple[
    ColumnElement[int],
    ColumnElement[int],
    ColumnElement[int],
    ColumnElement[int],
    ColumnElement[int],
]


def _weekly_sums(
    minutes: ColumnElement[int],
    day: SQLColumnExpression[date],
    recorded: ColumnElement[bool],
    today: date,
) -> _Sums:
    pending = and_(~recorded, day >= today)
    unrecorded = and_(~recorded, day < today)
    return (
        func.sum(minutes),
        func.sum(func.coalesce(AttendanceRecord.credited_minutes, 0)),
        func.sum(case((pending, minutes), else_=0)),
        func.sum(case((unrecorded, minutes), else_=0)),
        func.sum(case((unrecorded, 1), else_=0)),
    )


def seat_week_sums(
    client_ids: Sequence[uuid.UUID], monday: date, today: date, site_id: uuid.UUID | None
) -> Select[uuid.UUID, int, int, int, int, int]:
    """Per client: planned, delivered, still to come, past-unrecorded minutes and count.

    With a site the scan starts from that site's occurrences of the week (the site-day
    index); without one, from the clients' seats.
    """
    minutes = length(SessionOccurrence.start, SessionOccurrence.end)
    stmt = (
        select(
            SessionSeat.client_id,
            *_weekly_sums(minutes, SessionOccurrence.day, AttendanceRecord.id.is_not(None), today),
        )
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionOccurrence.day >= monday,
            SessionOccurrence.day < monday + timedelta(days=7),
            SessionOccurrence.status == BookingStatus.SCHEDULED,
            SessionSeat.status == BookingStatus.SCHEDULED,
        )
        .group_by(SessionSeat.client_id)
    )
    if site_id is not None:
        # The caller keeps the clients it asked about; the site-day index does the narrowing.
        return stmt.where(SessionOccurrence.site_id == site_id)
    return stmt.where(SessionSeat.client_id.in_(client_ids))


def appointment_week_sums(
    client_ids: Sequence[uuid.UUID], monday: date, today: date
) -> Select[uuid.UUID, int, int, int, int, int]:
    minutes = length(Appointment.start, Appointment.end)
    stmt = (
        select(
            Appointment.client_id,
            *_weekly_sums(minutes, Appointment.day, AttendanceRecord.id.is_not(None), today),
        )
        .outerjoin(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .where(
            Appointment.client_id.in_(client_ids),
            Appointment.day >= monday,
            Appointment.day < monday + timedelta(days=7),
            Appointment.status == BookingStatus.SCHEDULED,
        )
        .group_by(Appointment.client_id)
    )
    return stmt


def since_last_attended(
    client_ids: Sequence[uuid.UUID], since: date, until: date
) -> Select[uuid.UUID, uuid.UUID, AttendanceStatus]:
    """Each client's records from the day of their last attended booking on, in time order
    (day, then the booking's start), for ``rules.unexcused_streak``.

    The last attended day comes from the records alone (the client-day index); only the
    few rows from that day on are joined to their bookings for the start time, so a board
    for hundreds of clients reads a run, not every client's recent history.
    """
    window = (
        AttendanceRecord.client_id.in_(client_ids),
        AttendanceRecord.day >= since,
        AttendanceRecord.day <= until,
    )
    last = (
        select(AttendanceRecord.client_id, func.max(AttendanceRecord.day).label("day"))
        .where(*window, AttendanceRecord.status.in_(rules.ATTENDED))
        .group_by(AttendanceRecord.client_id)
        .subquery("last_attended")
    )
    return (
        select(AttendanceRecord.client_id, AttendanceRecord.id, AttendanceRecord.status)
        .outerjoin(last, last.c.client_id == AttendanceRecord.client_id)
        .outerjoin(SessionSeat, SessionSeat.id == AttendanceRecord.seat_id)
        .outerjoin(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(Appointment, Appointment.id == AttendanceRecord.appointment_id)
        .where(*window, or_(last.c.day.is_(None), AttendanceRecord.day >= last.c.day))
        .order_by(
            AttendanceRecord.client_id,
            AttendanceRecord.day,
            func.coalesce(SessionOccurrence.start, Appointment.start),
        )
    )


def levels_on(
    client_ids: Sequence[uuid.UUID], on: date
) -> Select[uuid.UUID, str, float | None, Track]:
    """Each client's level code, weekly minimum and track on a day (from the segments)."""
    return (
        select(Episode.client_id, LevelOfCare.code, LevelOfCare.weekly_hours_min, Segment.track)
        .join(Segment, Segment.episode_id == Episode.id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(
            Episode.client_id.in_(client_ids),
            Segment.starts_on <= on,
            (Segment.ends_on.is_(None)) | (Segment.ends_on > on),
        )
    )


def board_clients(
    actor: Actor, site_id: uuid.UUID, on: date
) -> Select[Client, str, float | None, Track]:
    """Clients the actor may read who were in care at an in-house level at the site on a
    day, with that level and track."""
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    return (
        select(Client, LevelOfCare.code, LevelOfCare.weekly_hours_min, Segment.track)
        .join(Episode, Episode.client_id == Client.id)
        .join(Segment, Segment.episode_id == Episode.id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(
            Client.id.in_(visible),
            Episode.site_id == site_id,
            LevelOfCare.provided_in_house.is_(True),
            Segment.starts_on <= on,
            (Segment.ends_on.is_(None)) | (Segment.ends_on > on),
        )
    )


def alert_exists(client_id: uuid.UUID, kind: AlertKind, source_id: uuid.UUID) -> Select[uuid.UUID]:
    """Any alert, open or acknowledged, for the same trigger: one finding, one alert."""
    return select(Alert.id).where(
        Alert.client_id == client_id, Alert.kind == kind, Alert.source_id == source_id
    )


def roster_counts(occurrence_ids: Sequence[uuid.UUID]) -> Select[uuid.UUID, int, int]:
    """Per occurrence: members booked and members recorded."""
    return (
        select(
            SessionSeat.occurrence_id,
            func.count(SessionSeat.id),
            func.count(AttendanceRecord.id),
        )
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionSeat.occurrence_id.in_(occurrence_ids),
            SessionSeat.status == BookingStatus.SCHEDULED,
        )
        .group_by(SessionSeat.occurrence_id)
    )


def recorded_appointments(appointment_ids: Sequence[uuid.UUID]) -> Select[uuid.UUID | None]:
    return select(AttendanceRecord.appointment_id).where(
        AttendanceRecord.appointment_id.in_(appointment_ids)
    )
