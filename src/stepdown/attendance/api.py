"""JSON routes for attendance: read and save a roster, and the compliance board."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request

from stepdown.attendance import access, service
from stepdown.attendance.schemas import (
    AttendanceUpdate,
    BoardRead,
    BoardRowRead,
    EntryIn,
    RecordedRead,
    RosterEntry,
    RosterRead,
)
from stepdown.continuum.models import Track
from stepdown.kit import clock
from stepdown.kit.errors import Invalid
from stepdown.kit.schemas import Day, Line
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/attendance", tags=["attendance"])


def program_today(request: Request) -> date:
    """The program's calendar day on its own wall clock (``kit.clock``), which is the day
    sessions are scheduled in; UTC's day differs for hours each night."""
    return clock.today()


def roster_read(roster: service.Roster) -> RosterRead:
    return RosterRead(
        id=roster.booking_id,
        kind=roster.kind,
        site_code=roster.site.code,
        day=roster.day,
        start=roster.start,
        end=roster.end,
        title=roster.title,
        scheduled_minutes=roster.scheduled_minutes,
        cancelled=roster.cancelled,
        entries=[
            RosterEntry(
                client_id=row.client.id,
                record_number=row.client.record_number,
                name=row.client.display_name,
                status=row.record.status if row.record else None,
                late_minutes=row.record.late_minutes if row.record else 0,
                left_early_minutes=row.record.left_early_minutes if row.record else 0,
                credited_minutes=row.record.credited_minutes if row.record else None,
            )
            for row in roster.rows
        ],
    )


def _entry(body: EntryIn) -> service.Entry:
    return service.Entry(
        client_id=body.client_id,
        status=body.status,
        late_minutes=body.late_minutes,
        left_early_minutes=body.left_early_minutes,
        note=body.note,
    )


@router.get("/occurrences/{occurrence_id}", response_model=RosterRead)
def get_roster(
    occurrence_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.TAKE)]
) -> RosterRead:
    return roster_read(service.roster(session, actor=actor, occurrence_id=occurrence_id))


@router.put("/occurrences/{occurrence_id}", response_model=RecordedRead)
def put_attendance(
    occurrence_id: uuid.UUID,
    body: AttendanceUpdate,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> RecordedRead:
    """Some rows or all; rows not sent keep what was recorded."""
    recorded = service.record_attendance(
        session,
        actor=actor,
        occurrence_id=occurrence_id,
        entries=[_entry(e) for e in body.entries],
        today=program_today(request),
    )
    roster = service.roster(session, actor=actor, occurrence_id=occurrence_id)
    return RecordedRead(roster=roster_read(roster), alerts_raised=recorded.alerts)


@router.get("/appointments/{appointment_id}", response_model=RosterRead)
def get_appointment(
    appointment_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.TAKE)]
) -> RosterRead:
    roster = service.appointment_roster(session, actor=actor, appointment_id=appointment_id)
    return roster_read(roster)


@router.put("/appointments/{appointment_id}", response_model=RecordedRead)
def put_appointment(
    appointment_id: uuid.UUID,
    body: EntryIn,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> RecordedRead:
    recorded = service.record_appointment_attendance(
        session,
        actor=actor,
        appointment_id=appointment_id,
        entry=_entry(body),
        today=program_today(request),
    )
    roster = service.appointment_roster(session, actor=actor, appointment_id=appointment_id)
    return RecordedRead(roster=roster_read(roster), alerts_raised=recorded.alerts)


def parse_track(value: str) -> Track | None:
    if not value.strip():
        return None
    try:
        return Track(value.strip().lower())
    except ValueError:
        raise Invalid("choose the day or evening track", field="track") from None


@router.get("/board", response_model=BoardRead)
def board(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.HOURS)],
    site: Line,
    week: Day | None = None,
    track: Line = "",
    level: Line = "",
) -> BoardRead:
    """A site's week (this week unless ``week`` names a day in another), biggest shortfall
    first; ``track`` is day or evening, ``level`` a level code such as IOP."""
    found = service.compliance_board(
        session,
        actor=actor,
        site_id=programs_service.require_site(session, site).id,
        week_of=week or program_today(request),
        track=parse_track(track),
        level=level or None,
        today=program_today(request),
    )
    return BoardRead(
        site_code=found.site.code,
        week_of=found.monday,
        track=found.track,
        level=found.level,
        rows=[
            BoardRowRead(
                client_id=r.client.id,
                record_number=r.client.record_number,
                name=r.client.display_name,
                level=r.level.code,
                track=r.level.track,
                required_hours=r.level.weekly_hours_min,
                planned_minutes=r.week.planned,
                delivered_minutes=r.week.delivered,
                remaining_minutes=r.week.remaining,
                unrecorded_minutes=r.week.unrecorded,
                shortfall_minutes=r.verdict.shortfall,
                unexcused_streak=r.week.streak,
                status=r.verdict.status,
                reasons=list(r.verdict.reasons),
            )
            for r in found.rows
        ],
    )
