"""previous_sessions in the week export: last week's attended groups, else the booked ones."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar.models import BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients.models import Client
from stepdown.kit.clock import today, utc_now
from stepdown.programs import export
from tests.factories import SYSTEM

MONDAY = today() - timedelta(days=today().weekday())


def _record(
    session: Session, seat: SessionSeat, occurrence: SessionOccurrence, status: AttendanceStatus
) -> None:
    session.add(
        AttendanceRecord(
            seat_id=seat.id,
            client_id=seat.client_id,
            site_id=occurrence.site_id,
            day=occurrence.day,
            scheduled_minutes=90,
            status=status,
            credited_minutes=90 if status is AttendanceStatus.PRESENT else 0,
            recorded_at=utc_now(),
        )
    )


def test_previous_sessions_follow_attendance_and_fall_back_to_bookings(
    demo_session: Session,
) -> None:
    session = demo_session
    last_week = session.execute(
        select(SessionSeat, SessionOccurrence)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(
            SessionOccurrence.day >= MONDAY - timedelta(days=7),
            SessionOccurrence.day < MONDAY,
            SessionSeat.status == BookingStatus.SCHEDULED,
        )
    ).all()
    seats: dict[uuid.UUID, list[tuple[SessionSeat, SessionOccurrence]]] = defaultdict(list)
    for seat, occurrence in last_week:
        seats[seat.client_id].append((seat, occurrence))
    busy = sorted((c for c in seats if len(seats[c]) >= 2), key=str)
    came, stayed_away, untracked = busy[0], busy[1], busy[2]
    # The demo may have taken attendance already: these three start from none at groups
    # (an individual appointment's attendance may be documented by a progress note, and is
    # not what the export's sessions read).
    session.execute(
        delete(AttendanceRecord).where(
            AttendanceRecord.client_id.in_([came, stayed_away, untracked]),
            AttendanceRecord.day >= MONDAY - timedelta(days=7),
            AttendanceRecord.seat_id.is_not(None),
        )
    )
    _record(session, *seats[came][0], AttendanceStatus.PRESENT)
    _record(session, *seats[came][1], AttendanceStatus.ABSENT_UNEXCUSED)
    for seat, occurrence in seats[stayed_away]:
        _record(session, seat, occurrence, AttendanceStatus.ABSENT_EXCUSED)
    session.flush()

    instance = export.export_week(session, actor=SYSTEM, week_of=MONDAY).instance
    numbers = dict(session.execute(select(Client.id, Client.record_number)).all())
    previous = {c.id: c.previous_sessions for c in instance.clients}
    assert previous[numbers[came]] == [seats[came][0][1].code]
    assert previous[numbers[stayed_away]] == []
    assert previous[numbers[untracked]] == sorted({o.code for _, o in seats[untracked]})
    session_ids = {s.id for s in instance.sessions}
    assert all(set(p) <= session_ids for p in previous.values())
