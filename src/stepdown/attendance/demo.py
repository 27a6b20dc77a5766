"""Synthetic attendance for the demo calendar's past sessions.

Most bookings get a plausible record drawn from a seeded generator (mostly present, some
late or leaving early, a few absences), written in bulk with one audit entry per client.
A handful of clients are written through the service instead, so the real triggers fire
and the demo shows them: one of the demo clinician's clients misses their last two
sessions without an excuse (the absence alert, and "2 unexcused absences in a row" on the
board), and three IOP clients miss sessions last week (weeks that ended under the minimum).

Idempotent: only past bookings without a record are filled, so seeding again adds nothing.
Sessions from today on are left for staff to take (the browser test takes one).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import rules, service
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import Appointment, BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients.models import Client
from stepdown.kit.clock import utc_now
from stepdown.security.actor import Actor
from stepdown.security.models import User

DEMO_CLINICIAN = "clinician"
UNDER_MINIMUM_CLIENTS = 3


@dataclass(frozen=True)
class _Booking:
    client_id: uuid.UUID
    site_id: uuid.UUID
    day: date
    start: str
    end: str
    telehealth: bool
    seat_id: uuid.UUID | None = None
    occurrence_id: uuid.UUID | None = None
    appointment_id: uuid.UUID | None = None


def _unrecorded(session: Session, today: date) -> list[_Booking]:
    seats = session.execute(
        select(SessionSeat, SessionOccurrence)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionOccurrence.day < today,
            SessionOccurrence.status == BookingStatus.SCHEDULED,
            SessionSeat.status == BookingStatus.SCHEDULED,
            AttendanceRecord.id.is_(None),
        )
    )
    appointments = session.scalars(
        select(Appointment)
        .outerjoin(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .where(
            Appointment.day < today,
            Appointment.status == BookingStatus.SCHEDULED,
            AttendanceRecord.id.is_(None),
        )
    )
    found = [
        _Booking(
            seat.client_id,
            occ.site_id,
            occ.day,
            occ.start,
            occ.end,
            occ.telehealth,
            seat_id=seat.id,
            occurrence_id=occ.id,
        )
        for seat, occ in seats
    ] + [
        _Booking(a.client_id, a.site_id, a.day, a.start, a.end, False, appointment_id=a.id)
        for a in appointments
    ]
    return sorted(found, key=lambda b: (b.day, b.start, str(b.client_id)))


def _draw(booking: _Booking) -> tuple[AttendanceStatus, int, int]:
    """A plausible outcome, the same for the same booking on every machine."""
    key = booking.seat_id or booking.appointment_id
    rng = random.Random(str(key))  # noqa: S311 - reproducible synthetic data, not security
    scheduled = rules.scheduled_minutes(booking.start, booking.end)
    roll = rng.random()
    if roll < 0.06:
        return AttendanceStatus.LATE, rng.randrange(5, min(35, scheduled), 5), 0
    if roll < 0.09:
        return AttendanceStatus.LEFT_EARLY, 0, rng.randrange(10, min(45, scheduled), 5)
    if roll < 0.13:
        return AttendanceStatus.ABSENT_EXCUSED, 0, 0
    if roll < 0.15:
        return AttendanceStatus.ABSENT_UNEXCUSED, 0, 0
    return (AttendanceStatus.TELEHEALTH if booking.telehealth else AttendanceStatus.PRESENT), 0, 0


def _designated(
    session: Session, bookings: list[_Booking], today: date
) -> dict[uuid.UUID, AttendanceStatus]:
    """Which clients' bookings go through the service, and as what."""
    by_client: dict[uuid.UUID, list[_Booking]] = defaultdict(list)
    for booking in bookings:
        by_client[booking.client_id].append(booking)
    clinician = session.scalar(select(User.id).where(User.username == DEMO_CLINICIAN))
    clients = list(
        session.execute(
            select(Client.id, Client.primary_clinician_id)
            .where(Client.id.in_(list(by_client)), Client.is_synthetic.is_(True))
            .order_by(Client.record_number)
        )
    )
    chosen: dict[uuid.UUID, AttendanceStatus] = {}
    streak = next(
        (cid for cid, primary in clients if primary == clinician and len(by_client[cid]) >= 2),
        None,
    )
    if streak is not None:
        for booking in by_client[streak][-2:]:
            chosen[_booking_key(booking)] = AttendanceStatus.ABSENT_UNEXCUSED
    last_monday = rules.week_of(today) - timedelta(weeks=1)
    levels = service.levels_on(session, [cid for cid, _ in clients], last_monday)
    under = [
        cid
        for cid, _ in clients
        if cid != streak
        and levels.get(cid) is not None
        and levels[cid].code == "IOP"
        and sum(b.day >= last_monday for b in by_client[cid]) >= 2
    ][:UNDER_MINIMUM_CLIENTS]
    for cid in under:
        last_week = [b for b in by_client[cid] if b.day >= last_monday]
        chosen[_booking_key(last_week[0])] = AttendanceStatus.ABSENT_EXCUSED
        chosen[_booking_key(last_week[-1])] = AttendanceStatus.ABSENT_UNEXCUSED
    return chosen


def _booking_key(booking: _Booking) -> uuid.UUID:
    key = booking.seat_id or booking.appointment_id
    assert key is not None
    return key


def seed_demo_attendance(session: Session, *, actor: Actor, today: date) -> int:
    """Record the demo's past bookings that have no attendance yet; return how many."""
    bookings = _unrecorded(session, today)
    if not bookings:
        return 0
    chosen = _designated(session, bookings, today)
    now = utc_now()
    per_client: dict[uuid.UUID, int] = defaultdict(int)
    for booking in bookings:
        if _booking_key(booking) in chosen:
            continue
        status, late, left = _draw(booking)
        scheduled = rules.scheduled_minutes(booking.start, booking.end)
        session.add(
            AttendanceRecord(
                seat_id=booking.seat_id,
                appointment_id=booking.appointment_id,
                client_id=booking.client_id,
                site_id=booking.site_id,
                day=booking.day,
                scheduled_minutes=scheduled,
                status=status,
                late_minutes=late,
                left_early_minutes=left,
                credited_minutes=rules.credited_minutes(status, scheduled, late, left),
                note="",
                recorded_by=None,
                recorded_at=now,
            )
        )
        per_client[booking.client_id] += 1
    session.flush()
    for client_id in sorted(per_client, key=str):
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE,
            entity_type="attendance_record",
            entity_id=client_id,
            client_id=client_id,
            detail={"demo_records": per_client[client_id]},
        )
    # In time order, so each client's streak builds up as it would have on the day.
    for booking in bookings:
        outcome = chosen.get(_booking_key(booking))
        if outcome is None:
            continue
        entry = service.Entry(booking.client_id, outcome)
        if booking.occurrence_id is not None:
            service.record_attendance(
                session,
                actor=actor,
                occurrence_id=booking.occurrence_id,
                entries=[entry],
                today=today,
            )
        elif booking.appointment_id is not None:
            service.record_appointment_attendance(
                session,
                actor=actor,
                appointment_id=booking.appointment_id,
                entry=entry,
                today=today,
            )
    return len(bookings)
