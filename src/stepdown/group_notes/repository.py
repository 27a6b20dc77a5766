"""Queries on group notes. Which clients an actor may read is decided by the clients
repository; these statements take the client ids or the occurrence already checked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, case, func, select

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.calendar.models import BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.group_notes.models import FILED, GroupNote, GroupNoteMember, NoteStatus
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision
from stepdown.treatment_plans.models import Objective, PlanStatus, TreatmentPlan


def note_of(occurrence_id: uuid.UUID) -> Select[GroupNote]:
    return select(GroupNote).where(GroupNote.occurrence_id == occurrence_id)


def lines_of(note_id: uuid.UUID) -> Select[GroupNoteMember]:
    return select(GroupNoteMember).where(GroupNoteMember.note_id == note_id)


def filed_for(
    actor: Actor, client_id: uuid.UUID, *, final_only: bool = False
) -> Select[GroupNoteMember, GroupNote, SessionOccurrence]:
    """A client's own lines of signed notes with their note and session, newest first,
    limited to a client the actor may read (with ``final_only``, only notes no longer
    waiting for a co-signature). Only this client's line rows are selected, so no other
    member's line can reach the caller."""
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    return (
        select(GroupNoteMember, GroupNote, SessionOccurrence)
        .join(GroupNote, GroupNote.id == GroupNoteMember.note_id)
        .join(SessionOccurrence, SessionOccurrence.id == GroupNote.occurrence_id)
        .where(
            GroupNoteMember.client_id == client_id,
            GroupNoteMember.client_id.in_(visible),
            GroupNote.status.in_([NoteStatus.SIGNED] if final_only else list(FILED)),
        )
        .order_by(SessionOccurrence.day.desc(), SessionOccurrence.start.desc())
    )


def current_objectives(client_ids: Sequence[uuid.UUID]) -> Select[uuid.UUID, Objective]:
    """The objectives of each client's active plan, as (client id, objective)."""
    return (
        select(TreatmentPlan.client_id, Objective)
        .join(TreatmentPlan, TreatmentPlan.id == Objective.plan_id)
        .where(TreatmentPlan.client_id.in_(client_ids), TreatmentPlan.status == PlanStatus.ACTIVE)
        .order_by(Objective.position)
    )


def led_sessions(
    leader_id: uuid.UUID | None, start: date, end: date
) -> Select[SessionOccurrence, GroupNote | None]:
    """Held sessions in [start, end] with their note, if any; one leader's, or everyone's
    when ``leader_id`` is None (a director)."""
    stmt = (
        select(SessionOccurrence, GroupNote)
        .outerjoin(GroupNote, GroupNote.occurrence_id == SessionOccurrence.id)
        .where(
            SessionOccurrence.day >= start,
            SessionOccurrence.day <= end,
            SessionOccurrence.status == BookingStatus.SCHEDULED,
        )
        .order_by(SessionOccurrence.day.desc(), SessionOccurrence.start, SessionOccurrence.code)
    )
    if leader_id is not None:
        stmt = stmt.where(SessionOccurrence.leader_id == leader_id)
    return stmt


def attendance_counts(
    occurrence_ids: Sequence[uuid.UUID],
) -> Select[uuid.UUID, int, int, int]:
    """Per session: booked members, those with attendance recorded, those who attended.
    Counts only, so listing sessions reads no client."""
    attended = case((AttendanceRecord.status.in_(list(ATTENDED)), 1), else_=0)
    return (
        select(
            SessionSeat.occurrence_id,
            func.count(SessionSeat.id),
            func.count(AttendanceRecord.id),
            func.coalesce(func.sum(attended), 0),
        )
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionSeat.occurrence_id.in_(occurrence_ids),
            SessionSeat.status == BookingStatus.SCHEDULED,
        )
        .group_by(SessionSeat.occurrence_id)
    )


def occurrence_for_update(occurrence_id: uuid.UUID) -> Select[SessionOccurrence]:
    """Row-locked on PostgreSQL, so two saves of one session's note take turns and the
    first creates the note (SQLite already holds the write lock)."""
    return select(SessionOccurrence).where(SessionOccurrence.id == occurrence_id).with_for_update()


def awaiting_cosignature(supervisor_id: uuid.UUID) -> Select[GroupNote, SessionOccurrence]:
    """Notes waiting for a co-signature whose author this person supervises now, oldest
    signature first, with their session."""
    supervised = select(Supervision.user_id).where(Supervision.supervisor_id == supervisor_id)
    return (
        select(GroupNote, SessionOccurrence)
        .join(SessionOccurrence, SessionOccurrence.id == GroupNote.occurrence_id)
        .where(
            GroupNote.status == NoteStatus.AWAITING_COSIGNATURE,
            GroupNote.signed_by.in_(supervised.scalar_subquery()),
        )
        .order_by(GroupNote.signed_at, GroupNote.id)
    )
