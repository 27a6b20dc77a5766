"""Queries on progress notes. Which clients an actor may read is the clients repository's
answer (``readable``); the service decides per note who else may read it (its author, the
author's supervisor)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, CompoundSelect, Select, or_, select, union

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.calendar.models import Appointment, BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.clinical_notes.models import (
    ClinicalNote,
    ClinicalNoteAddendum,
    ClinicalNoteObjective,
    ClinicalNoteReturn,
    DocumentationSettings,
    NoteFormat,
    NoteStatus,
    ServiceType,
)
from stepdown.clinical_notes.rules import FILED
from stepdown.continuum.models import Episode
from stepdown.security.actor import Actor
from stepdown.treatment_plans.models import Objective, PlanStatus, TreatmentPlan


def settings_row() -> Select[DocumentationSettings]:
    return select(DocumentationSettings).where(DocumentationSettings.scope == "program")


def note_for_update(note_id: uuid.UUID) -> Select[ClinicalNote]:
    """Row-locked on PostgreSQL, so a save and a signature (or two signatures) of one note
    take turns; SQLite already serializes writers."""
    return select(ClinicalNote).where(ClinicalNote.id == note_id).with_for_update()


def note_of_appointment(appointment_id: uuid.UUID) -> Select[ClinicalNote]:
    return select(ClinicalNote).where(ClinicalNote.appointment_id == appointment_id)


def appointment_for_update(appointment_id: uuid.UUID) -> Select[Appointment]:
    return select(Appointment).where(Appointment.id == appointment_id).with_for_update()


def attendance_of(appointment_id: uuid.UUID) -> Select[AttendanceRecord]:
    return select(AttendanceRecord).where(AttendanceRecord.appointment_id == appointment_id)


def episode_on(client_id: uuid.UUID, day: date) -> Select[Episode]:
    """The client's episode of care that covers ``day`` (admitted by then, not discharged
    before it), newest first."""
    return (
        select(Episode)
        .where(
            Episode.client_id == client_id,
            Episode.admitted_on <= day,
            or_(Episode.discharged_on.is_(None), Episode.discharged_on >= day),
        )
        .order_by(Episode.admitted_on.desc())
    )


def current_objectives(client_id: uuid.UUID) -> Select[Objective]:
    """The objectives of the client's plan in effect."""
    return (
        select(Objective)
        .join(TreatmentPlan, TreatmentPlan.id == Objective.plan_id)
        .where(TreatmentPlan.client_id == client_id, TreatmentPlan.status == PlanStatus.ACTIVE)
        .order_by(Objective.position)
    )


def objectives_of(note_ids: Collection[uuid.UUID]) -> Select[uuid.UUID, Objective]:
    return (
        select(ClinicalNoteObjective.note_id, Objective)
        .join(Objective, Objective.id == ClinicalNoteObjective.objective_id)
        .where(ClinicalNoteObjective.note_id.in_(list(note_ids)))
        .order_by(Objective.position)
    )


def objective_links(note_id: uuid.UUID) -> Select[ClinicalNoteObjective]:
    return select(ClinicalNoteObjective).where(ClinicalNoteObjective.note_id == note_id)


def addenda_of(note_id: uuid.UUID) -> Select[ClinicalNoteAddendum]:
    return (
        select(ClinicalNoteAddendum)
        .where(ClinicalNoteAddendum.note_id == note_id)
        .order_by(ClinicalNoteAddendum.written_at, ClinicalNoteAddendum.id)
    )


def returns_of(note_id: uuid.UUID) -> Select[ClinicalNoteReturn]:
    return (
        select(ClinicalNoteReturn)
        .where(ClinicalNoteReturn.note_id == note_id)
        .order_by(ClinicalNoteReturn.returned_at)
    )


def chart_notes(
    client_id: uuid.UUID, *, author_id: uuid.UUID | None, types: Collection[ServiceType]
) -> Select[ClinicalNote]:
    """A client's notes of the given types, newest service first: those filed, and the
    reader's own drafts."""
    shown: ColumnElement[bool] = ClinicalNote.status.in_(list(FILED))
    if author_id is not None:
        shown = or_(shown, ClinicalNote.author_id == author_id)
    return (
        select(ClinicalNote)
        .where(
            ClinicalNote.client_id == client_id,
            ClinicalNote.service_type.in_(list(types)),
            shown,
        )
        .order_by(ClinicalNote.service_date.desc(), ClinicalNote.starts_at.desc())
    )


def portal_notes(client_id: uuid.UUID, types: Collection[str]) -> Select[ClinicalNote]:
    """A client's final (signed and, where needed, co-signed) notes of the allowed types."""
    return (
        select(ClinicalNote)
        .where(
            ClinicalNote.client_id == client_id,
            ClinicalNote.status == NoteStatus.SIGNED,
            ClinicalNote.service_type.in_([ServiceType(t) for t in types]),
        )
        .order_by(ClinicalNote.service_date.desc(), ClinicalNote.starts_at.desc())
    )


def authored(author_id: uuid.UUID, statuses: Collection[NoteStatus]) -> Select[ClinicalNote]:
    return (
        select(ClinicalNote)
        .where(ClinicalNote.author_id == author_id, ClinicalNote.status.in_(list(statuses)))
        .order_by(ClinicalNote.service_date.desc(), ClinicalNote.starts_at.desc())
    )


def similarity_candidates(
    note: ClinicalNote, since: date, *, limit: int
) -> list[Select[uuid.UUID, NoteFormat, dict[str, str]]]:
    """Filed notes to compare a note with: the same client's, and the same author's for any
    client, from ``since`` on. Two statements, each a range scan of one of the (client, day)
    and (author, day) indexes, newest first and bounded, rather than one OR over both."""
    statements = []
    for column, value in (
        (ClinicalNote.client_id, note.client_id),
        (ClinicalNote.author_id, note.author_id),
    ):
        statements.append(
            select(ClinicalNote.id, ClinicalNote.note_format, ClinicalNote.sections)
            .where(
                column == value,
                ClinicalNote.service_date >= since,
                ClinicalNote.status.in_(list(FILED)),
                ClinicalNote.id != note.id,
            )
            .order_by(ClinicalNote.service_date.desc(), ClinicalNote.starts_at.desc())
            .limit(limit)
        )
    return statements


def other_client_ids(
    client_id: uuid.UUID,
    author_id: uuid.UUID,
    *,
    groups_since: date,
    author_since: date,
    until: date,
) -> CompoundSelect[uuid.UUID]:
    """Clients whose names a note about ``client_id`` by ``author_id`` is checked against:

    - the client's fellow members of the groups they were booked into since ``groups_since``:
      the people a client talks about in session, so the names most likely to be written;
    - the clients of the author's own notes and appointments since ``author_since``, and of
      the groups the author led since ``groups_since``: the names the author writes every
      day, which a copied or hurried note carries over.
    """
    own_occurrences = (
        select(SessionSeat.occurrence_id)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(
            SessionSeat.client_id == client_id,
            SessionOccurrence.day >= groups_since,
            SessionOccurrence.day <= until,
        )
    )
    led_occurrences = select(SessionOccurrence.id).where(
        SessionOccurrence.leader_id == author_id,
        SessionOccurrence.day >= groups_since,
        SessionOccurrence.day <= until,
    )
    return union(
        select(SessionSeat.client_id).where(
            SessionSeat.occurrence_id.in_(own_occurrences.union(led_occurrences))
        ),
        select(ClinicalNote.client_id).where(
            ClinicalNote.author_id == author_id, ClinicalNote.service_date >= author_since
        ),
        select(Appointment.client_id).where(
            Appointment.staff_id == author_id,
            Appointment.day >= author_since,
            Appointment.day <= until,
        ),
    )


def names_of(client_ids: CompoundSelect[uuid.UUID]) -> Select[uuid.UUID, str, str, str]:
    sub = client_ids.subquery()
    return select(
        Client.id, Client.legal_first_name, Client.legal_last_name, Client.preferred_name
    ).where(Client.id.in_(select(sub.c[0])))


def client_names() -> Select[uuid.UUID, str, str, str]:
    """Every client's names, to compare in Python in ``group_notes.rules.comparable`` form:
    the databases' ``lower()`` is not that form (SQLite folds ASCII only, neither folds "ß"
    to "ss" nor a look-alike letter), so a name compared there could be missed."""
    return select(Client.id, Client.legal_first_name, Client.legal_last_name, Client.preferred_name)


def undocumented_appointments(
    staff_ids: Collection[uuid.UUID] | None, since: date, until: date
) -> Select[Appointment, AttendanceRecord, ClinicalNote | None]:
    """Attended appointments in [since, until] whose note is missing or still a draft, for
    the given staff (everyone's when None), oldest first."""
    stmt = (
        select(Appointment, AttendanceRecord, ClinicalNote)
        .join(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .outerjoin(ClinicalNote, ClinicalNote.appointment_id == Appointment.id)
        .where(
            Appointment.day >= since,
            Appointment.day <= until,
            Appointment.status == BookingStatus.SCHEDULED,
            AttendanceRecord.status.in_(list(ATTENDED)),
            or_(ClinicalNote.id.is_(None), ClinicalNote.status == NoteStatus.DRAFT),
        )
        .order_by(Appointment.day, Appointment.end)
    )
    if staff_ids is not None:
        stmt = stmt.where(Appointment.staff_id.in_(list(staff_ids)))
    return stmt


def awaiting(
    supervisor_id: uuid.UUID,
    supervisee_ids: Collection[uuid.UUID],
    statuses: Collection[NoteStatus],
) -> Select[ClinicalNote]:
    """Notes waiting on (or returned by) a supervisor: those recorded for them, and those
    of the staff they now co-sign for (a supervisor who took over the role)."""
    whose = ClinicalNote.cosigner_id == supervisor_id
    if supervisee_ids:
        whose = or_(whose, ClinicalNote.author_id.in_(list(supervisee_ids)))
    return (
        select(ClinicalNote)
        .where(whose, ClinicalNote.status.in_(list(statuses)))
        .order_by(ClinicalNote.signed_at)
    )


def flagged_notes(author_ids: Collection[uuid.UUID] | None, since: date) -> Select[ClinicalNote]:
    """Notes signed with a copy-forward flag since ``since`` (everyone's when None)."""
    stmt = (
        select(ClinicalNote)
        .where(ClinicalNote.copy_flagged.is_(True), ClinicalNote.service_date >= since)
        .order_by(ClinicalNote.signed_at.desc())
    )
    if author_ids is not None:
        stmt = stmt.where(ClinicalNote.author_id.in_(list(author_ids)))
    return stmt


def readable_client_ids(actor: Actor, client_ids: Collection[uuid.UUID]) -> Select[uuid.UUID]:
    return (
        clients_repository.readable(actor)
        .with_only_columns(Client.id)
        .where(Client.id.in_(list(client_ids)))
    )
