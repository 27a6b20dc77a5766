"""Writing, signing, co-signing and reading progress notes; the overdue and co-sign lists.

A note is started from an appointment (its client, day, times and type filled in) or, for
an unscheduled service, from a client. Saving keeps a draft the author may change; every
rule on what was written runs at each save (times, who was there, what it documents, the
plan objectives, other clients' names) and again at signing, with what signing adds: every
section written, the risk review, a service that has ended, and the copy-forward check.

Signing takes the author's password or signing PIN again (``security.signing``), records
the signature with a hash of exactly what was signed, and freezes the note. A note signed
more than the program's hours after the service ended is marked a late entry. The author's
supervisor, where their notes are co-signed, co-signs (password or PIN again) or returns it
with a reason; the author answers a return with an addendum, and the note waits for the
supervisor again. Nothing signed ever changes: addenda carry their own author, time and
signature.

Every note read, written, signed or listed is audited: a read once per client shown, a
change with the names of the fields changed (never their text).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import Appointment, AppointmentKind, BookingStatus
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clinical_notes import access, repository, rules, similarity
from stepdown.clinical_notes.models import (
    AddendumKind,
    ClinicalNote,
    ClinicalNoteAddendum,
    ClinicalNoteObjective,
    ClinicalNoteReturn,
    DocumentationSettings,
    NoteFormat,
    NoteStatus,
    ServiceType,
)
from stepdown.group_notes.rules import MemberName, comparable
from stepdown.kit import clock
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning, SignatureMethod, Supervision, User
from stepdown.security.roles import Role
from stepdown.treatment_plans.models import Objective

ENTITY = "clinical_note"
ADDENDUM_ENTITY = "clinical_note_addendum"
# The copy-forward check compares notes of the last 90 days, newest first, up to this many
# of the client's and as many of the author's: two bounded range scans of indexed columns.
SIMILARITY_WINDOW = timedelta(days=90)
SIMILARITY_LIMIT = 200
# The overdue lists look back this far: one indexed range of appointments. An older gap is
# for a records audit, not a to-do list (the chart still shows the appointment unnoted).
OVERDUE_LOOKBACK = timedelta(days=90)
# Whose names a note is checked against (``repository.other_client_ids``).
GROUP_NAME_WINDOW = timedelta(days=28)
AUTHOR_NAME_WINDOW = timedelta(days=90)
RECENT_SIGNED = 20


# --- Settings ------------------------------------------------------------------------------


def current_settings(session: Session) -> DocumentationSettings:
    """The program's settings, or the defaults (not stored) until a director saves them.
    Not PHI, so reading them is not audited."""
    row = session.scalar(repository.settings_row())
    if row is not None:
        return row
    return DocumentationSettings(
        scope="program",
        note_format=rules.DEFAULT_FORMAT,
        overdue_hours=rules.DEFAULT_OVERDUE_HOURS,
        similarity_threshold=rules.DEFAULT_THRESHOLD,
        portal_note_types=[],
    )


def portal_types(settings: DocumentationSettings) -> frozenset[ServiceType]:
    return frozenset(ServiceType(t) for t in settings.portal_note_types)


def update_settings(
    session: Session,
    *,
    actor: Actor,
    note_format: NoteFormat,
    overdue_hours: int,
    similarity_threshold: float,
    portal_note_types: Sequence[ServiceType],
) -> DocumentationSettings:
    """Save the program's documentation settings (the director). Notes already started keep
    their format; the hours and threshold apply from the next check on."""
    _require(access.SETTINGS, actor)
    chosen = [t.value for t in portal_note_types]
    rules.check_settings(overdue_hours, similarity_threshold, chosen)
    row = session.scalar(repository.settings_row().with_for_update())
    if row is None:
        row = current_settings(session)
        session.add(row)
    new: dict[str, Any] = {
        "note_format": note_format,
        "overdue_hours": overdue_hours,
        "similarity_threshold": similarity_threshold,
        "portal_note_types": sorted(chosen),
    }
    changed = [name for name, value in new.items() if getattr(row, name) != value]
    for name, value in new.items():
        setattr(row, name, value)
    row.updated_by = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="documentation_settings",
        entity_id=row.id,
        detail={"fields": changed},
    )
    return row


# --- Who may do what -----------------------------------------------------------------------


def _require(policy: Any, actor: Actor) -> None:
    """Routes check the policy too; this covers other callers (the CLI, the demo)."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _require_writer(actor: Actor, service_type: ServiceType) -> uuid.UUID:
    """The author's id: a staff member of a writing role, for a type their role writes."""
    _require(access.WRITE, actor)
    if actor.user_id is None:
        raise Forbidden("a progress note is written by the staff member who gave the service")
    if service_type not in access.types_for(actor.role):
        raise Forbidden(
            f"your role ({actor.role.label}) does not write {service_type.label.lower()} notes",
            field="service_type",
        )
    return actor.user_id


def _supervisor_ids(session: Session, user_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(select(Supervision.supervisor_id).where(Supervision.user_id == user_id))
    )


def _supervisee_ids(session: Session, supervisor_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(Supervision.user_id).where(Supervision.supervisor_id == supervisor_id)
        )
    )


def _client_readable(session: Session, actor: Actor, client_id: uuid.UUID) -> bool:
    return session.scalar(repository.readable_client_ids(actor, [client_id])) is not None


def _supervisor_actor(session: Session, actor: Actor) -> Actor | None:
    """The supervisor who co-signs the actor's notes, as an actor (for their caseload)."""
    if actor.user_id is None:
        return None
    supervisor_id = signing.needs_cosignature(session, actor.user_id)
    supervisor = session.get(User, supervisor_id) if supervisor_id else None
    if supervisor is None or not supervisor.is_active:
        return None
    return security_service.actor_for(supervisor)


def _writable_client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    """A client the actor may document an unscheduled service for: one they may read, or,
    for a supervised author, one on their co-signing supervisor's caseload (see access)."""
    client = session.scalar(clients_repository.readable(actor).where(Client.id == client_id))
    if client is None:
        supervisor = _supervisor_actor(session, actor)
        if supervisor is not None:
            client = session.scalar(
                clients_repository.readable(supervisor).where(Client.id == client_id)
            )
    if client is None:
        raise NotFound("no such client, or not one you may see")
    return client


def _may_read(session: Session, actor: Actor, note: ClinicalNote) -> bool:
    if actor.role is Role.SYSTEM or actor.user_id == note.author_id:
        return True
    if note.status is NoteStatus.DRAFT:
        return False
    if actor.role is Role.CLIENT:
        return (
            note.status is NoteStatus.SIGNED
            and note.service_type in portal_types(current_settings(session))
            and _client_readable(session, actor, note.client_id)
        )
    if actor.user_id is not None and (
        actor.user_id == note.cosigner_id
        or actor.user_id in _supervisor_ids(session, note.author_id)
    ):
        return True
    if not access.READ.allows(actor.role) or note.service_type not in access.types_for(actor.role):
        return False
    return _client_readable(session, actor, note.client_id)


def _may_cosign(session: Session, actor: Actor, note: ClinicalNote) -> bool:
    """The supervisor the note waits for, or whoever now co-signs the author's notes."""
    if actor.user_id is None or not access.COSIGN.allows(actor.role):
        return False
    return actor.user_id == note.cosigner_id or actor.user_id == signing.needs_cosignature(
        session, note.author_id
    )


def _may_see_flag(session: Session, actor: Actor, note: ClinicalNote) -> bool:
    """The copy-forward flag is for the author, their supervisor and the director."""
    return (
        actor.role in (Role.DIRECTOR, Role.SYSTEM)
        or actor.user_id == note.author_id
        or actor.user_id == note.cosigner_id
        or (actor.user_id is not None and actor.user_id in _supervisor_ids(session, note.author_id))
    )


def _may_add_addendum(session: Session, actor: Actor, note: ClinicalNote) -> bool:
    """The author; a supervisor answering for their supervisee; or anyone who writes this
    type of note and may read the client (a colleague adding what they learned)."""
    if actor.user_id == note.author_id or actor.role is Role.SYSTEM:
        return True
    if not access.WRITE.allows(actor.role):
        return False
    if _may_cosign(session, actor, note):
        return True
    return note.service_type in access.types_for(actor.role) and _client_readable(
        session, actor, note.client_id
    )


def _load(session: Session, actor: Actor, note_id: uuid.UUID, *, lock: bool) -> ClinicalNote:
    """A note the actor may read, else 404 (never saying whether it exists)."""
    stmt = (
        repository.note_for_update(note_id)
        if lock
        else select(ClinicalNote).where(ClinicalNote.id == note_id)
    )
    note = session.scalar(stmt)
    if note is None or not _may_read(session, actor, note):
        raise NotFound("no such progress note, or not one you may see")
    return note


def _own_draft(session: Session, actor: Actor, note_id: uuid.UUID) -> ClinicalNote:
    note = _load(session, actor, note_id, lock=True)
    if actor.user_id != note.author_id:
        raise Forbidden("only the note's author changes or signs it")
    rules.require_draft(note.status)
    return note


# --- Input and its checks ------------------------------------------------------------------


@dataclass(frozen=True)
class NoteInput:
    """A note's content as the author entered it (times on the program's clock)."""

    service_type: ServiceType
    service_date: date
    start: time
    end: time
    client_present: bool = True
    attendees: tuple[rules.Attendee, ...] = ()
    sections: Mapping[str, str] = field(default_factory=dict)
    objective_ids: tuple[uuid.UUID, ...] = ()
    risk: rules.RiskReview = field(default_factory=rules.RiskReview)


def _instant(day: date, wall: time, field_name: str) -> datetime:
    try:
        return clock.to_utc(datetime.combine(day, wall))
    except clock.NonexistentLocalTime as exc:
        raise Invalid(str(exc), field=field_name) from None


@dataclass(frozen=True)
class _Checked:
    starts_at: datetime
    ends_at: datetime
    sections: dict[str, str]
    episode_id: uuid.UUID
    plan_has_objectives: bool
    others: list[MemberName]


def _name(client: Client) -> MemberName:
    return MemberName(
        client.id, client.legal_first_name, client.legal_last_name, client.preferred_name
    )


def other_client_names(
    session: Session,
    client: Client,
    author_id: uuid.UUID,
    day: date,
    attendees: Sequence[rules.Attendee] = (),
) -> list[MemberName]:
    """The names a note about ``client`` by ``author_id`` must not contain (the clients of
    ``repository.other_client_ids``), as ``rules.others_to_check`` narrows them. Loaded for
    the check only, never shown, so not a read of those clients."""
    ids = repository.other_client_ids(
        client.id,
        author_id,
        groups_since=day - GROUP_NAME_WINDOW,
        author_since=day - AUTHOR_NAME_WINDOW,
        until=day,
    )
    candidates = [
        MemberName(cid, first, last, preferred)
        for cid, first, last, preferred in session.execute(repository.names_of(ids))
    ]
    return rules.others_to_check(_name(client), candidates, attendees)


def _check_attendees_not_clients(
    session: Session, client: Client, attendees: Sequence[rules.Attendee]
) -> None:
    """An attendee with the full name of a client of the program is refused: a note
    documents one client's service, and naming another client in it tells whoever reads
    this chart that they are in treatment (42 CFR Part 2). A family member who is also a
    client is recorded by relationship, without a name that identifies them."""
    keys = [rules.full_name_key(person.name) for person in attendees]
    if all(key is None for key in keys):
        return
    names = list(session.execute(repository.client_names()))
    for index, key in enumerate(keys):
        if key is None:
            continue
        first, last = key
        for other_id, legal_first, legal_last, preferred in names:
            if " ".join(comparable(legal_last)[0].split()) != last:
                continue
            firsts = {
                words[0]
                for name in (legal_first, preferred)
                if (words := comparable(name)[0].split())
            }
            if first not in firsts:
                continue
            if other_id == client.id:
                raise Invalid(
                    "that is the client: record them as present, not as another attendee",
                    field=rules.attendee_field(index, "name"),
                )
            raise Conflict(
                "an attendee has the name of another client of the program; a note "
                "documents one client's service, so record a family member who is also a "
                "client by relationship only",
                field=rules.attendee_field(index, "name"),
                rule=rules.ATTENDEE_IS_CLIENT,
            )


def _texts(sections: Mapping[str, str], data: NoteInput) -> dict[str, str]:
    texts = {rules.section_field(key): text for key, text in sections.items()}
    texts["risk_detail"] = data.risk.detail
    for index, person in enumerate(data.attendees):
        texts[rules.attendee_field(index, "relationship")] = person.relationship
    return texts


def _check(
    session: Session,
    *,
    client: Client,
    author_id: uuid.UUID,
    note_format: NoteFormat,
    data: NoteInput,
) -> _Checked:
    """Every rule on a note's content, before anything is written."""
    starts_at = _instant(data.service_date, data.start, "start_time")
    ends_at = _instant(data.service_date, data.end, "end_time")
    rules.check_times(starts_at, ends_at, now=utc_now())
    rules.check_attendees(data.service_type, data.client_present, data.attendees)
    sections = rules.check_sections(note_format, data.sections)
    rules.check_risk(data.risk)
    allowed = {o.id for o in session.scalars(repository.current_objectives(client.id))}
    rules.check_objectives(data.objective_ids, allowed)
    episode = session.scalars(repository.episode_on(client.id, data.service_date)).first()
    if episode is None:
        raise Conflict(
            "the client was not in care on that date (no episode covers it)",
            field="service_date",
            rule=rules.NOT_IN_CARE,
        )
    _check_attendees_not_clients(session, client, data.attendees)
    others = other_client_names(session, client, author_id, data.service_date, data.attendees)
    rules.check_names(_texts(sections, data), others)
    return _Checked(starts_at, ends_at, sections, episode.id, bool(allowed), others)


@dataclass(frozen=True)
class _Linked:
    appointment: Appointment | None
    record: AttendanceRecord | None


def _check_appointment(
    session: Session, actor: Actor, appointment: Appointment, data: NoteInput
) -> AttendanceRecord:
    if actor.role is not Role.SYSTEM and actor.user_id != appointment.staff_id:
        raise Forbidden("only the staff member who held the appointment writes its note")
    record = session.scalar(repository.attendance_of(appointment.id))
    rules.check_linkage(
        data.service_type,
        kind=appointment.kind,
        cancelled=appointment.status is BookingStatus.CANCELLED,
        attendance=record.status if record else None,
    )
    if data.service_date != appointment.day:
        raise Invalid(
            f"the appointment was on {appointment.day.isoformat()}; a note documents that day",
            field="service_date",
        )
    assert record is not None  # check_linkage refuses an appointment without attendance
    return record


def _resolve(
    session: Session,
    actor: Actor,
    *,
    client_id: uuid.UUID | None,
    appointment_id: uuid.UUID | None,
    attendance_record_id: uuid.UUID | None,
    data: NoteInput,
) -> tuple[Client, _Linked]:
    """The client and what the note documents, checked (see ``rules.check_linkage``)."""
    if attendance_record_id is not None:
        record = session.get(AttendanceRecord, attendance_record_id)
        if record is None:
            raise NotFound("no such attendance record", field="attendance_record_id")
        if record.appointment_id is None:
            raise Conflict(
                "a group session is documented by its group note",
                field="attendance_record_id",
                rule=rules.NEEDS_APPOINTMENT,
            )
        if appointment_id is not None and appointment_id != record.appointment_id:
            raise Invalid(
                "this attendance record is another appointment's", field="attendance_record_id"
            )
        appointment_id = record.appointment_id
    if appointment_id is None:
        if client_id is None:
            raise Invalid("choose the client", field="client_id")
        rules.check_linkage(data.service_type, kind=None)
        return _writable_client(session, actor, client_id), _Linked(None, None)
    appointment = session.scalar(repository.appointment_for_update(appointment_id))
    if appointment is None:
        raise NotFound("no such appointment", field="appointment_id")
    if client_id is not None and client_id != appointment.client_id:
        raise Invalid("this appointment is another client's", field="client_id")
    record = _check_appointment(session, actor, appointment, data)
    if session.scalar(repository.note_of_appointment(appointment.id)) is not None:
        raise Conflict(
            "this appointment already has a note; open it from the calendar",
            field="appointment_id",
            rule=rules.ALREADY_DOCUMENTED,
        )
    client = session.get(Client, appointment.client_id)
    assert client is not None  # the foreign key holds
    return client, _Linked(appointment, record)


def _set_objectives(
    session: Session, note: ClinicalNote, objective_ids: Sequence[uuid.UUID]
) -> bool:
    """Make the note's objectives exactly these; whether they changed."""
    current = {
        link.objective_id: link for link in session.scalars(repository.objective_links(note.id))
    }
    wanted = set(objective_ids)
    for objective_id, link in current.items():
        if objective_id not in wanted:
            session.delete(link)
    for objective_id in wanted - set(current):
        session.add(ClinicalNoteObjective(note_id=note.id, objective_id=objective_id))
    return wanted != set(current)


def _values(data: NoteInput, checked: _Checked) -> dict[str, Any]:
    return {
        "service_type": data.service_type,
        "service_date": data.service_date,
        "starts_at": checked.starts_at,
        "ends_at": checked.ends_at,
        "client_present": data.client_present,
        "attendees": [a.as_json() for a in data.attendees],
        "sections": checked.sections,
        "suicidal_ideation": data.risk.suicidal,
        "homicidal_ideation": data.risk.homicidal,
        "risk_action": data.risk.action,
        "risk_detail": data.risk.detail.strip(),
        "episode_id": checked.episode_id,
    }


def create_note(
    session: Session,
    *,
    actor: Actor,
    data: NoteInput,
    client_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    attendance_record_id: uuid.UUID | None = None,
) -> ClinicalNote:
    """Start a draft: for an appointment (or its attendance record), or for a client's
    unscheduled service. Everything is checked before anything is written."""
    author_id = _require_writer(actor, data.service_type)
    client, linked = _resolve(
        session,
        actor,
        client_id=client_id,
        appointment_id=appointment_id,
        attendance_record_id=attendance_record_id,
        data=data,
    )
    note_format = current_settings(session).note_format
    checked = _check(
        session, client=client, author_id=author_id, note_format=note_format, data=data
    )
    note = ClinicalNote(
        client_id=client.id,
        author_id=author_id,
        note_format=note_format,
        appointment_id=linked.appointment.id if linked.appointment else None,
        attendance_record_id=linked.record.id if linked.record else None,
        status=NoteStatus.DRAFT,
        **_values(data, checked),
    )
    session.add(note)
    session.flush()
    _set_objectives(session, note, data.objective_ids)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=client.id,
        detail={
            "service_type": data.service_type.value,
            "appointment": note.appointment_id.hex if note.appointment_id else None,
        },
    )
    return note


def _note_client(session: Session, note: ClinicalNote) -> Client:
    client = session.get(Client, note.client_id)
    assert client is not None  # the foreign key holds
    return client


def _check_link_of(session: Session, actor: Actor, note: ClinicalNote, data: NoteInput) -> None:
    """The note's appointment still fits what it says (attendance may have changed)."""
    if note.appointment_id is None:
        rules.check_linkage(data.service_type, kind=None)
        return
    appointment = session.get(Appointment, note.appointment_id)
    assert appointment is not None  # RESTRICT keeps it
    _check_appointment(session, actor, appointment, data)


def update_note(
    session: Session, *, actor: Actor, note_id: uuid.UUID, data: NoteInput
) -> ClinicalNote:
    """Replace a draft's content (its client and what it documents stay)."""
    note = _own_draft(session, actor, note_id)
    _require_writer(actor, data.service_type)
    _check_link_of(session, actor, note, data)
    client = _note_client(session, note)
    checked = _check(
        session, client=client, author_id=note.author_id, note_format=note.note_format, data=data
    )
    values = _values(data, checked)
    changed = [name for name, value in values.items() if getattr(note, name) != value]
    for name, value in values.items():
        setattr(note, name, value)
    if _set_objectives(session, note, data.objective_ids):
        changed.append("objectives")
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        detail={"fields": changed},
    )
    return note


def discard_draft(session: Session, *, actor: Actor, note_id: uuid.UUID) -> None:
    """Throw away a draft (never a signed note): frees its appointment for another note."""
    note = _own_draft(session, actor, note_id)
    session.execute(delete(ClinicalNoteObjective).where(ClinicalNoteObjective.note_id == note.id))
    session.delete(note)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.DELETE,
        entity_type=ENTITY,
        entity_id=note_id,
        client_id=note.client_id,
        detail={"status": "draft"},
    )


def input_of(note: ClinicalNote, objective_ids: Sequence[uuid.UUID]) -> NoteInput:
    """A stored note as input again (to re-check it at signing, or to fill its form)."""
    start, end = clock.local(note.starts_at), clock.local(note.ends_at)
    return NoteInput(
        service_type=note.service_type,
        service_date=note.service_date,
        start=start.time().replace(second=0, microsecond=0),
        end=end.time().replace(second=0, microsecond=0),
        client_present=note.client_present,
        attendees=tuple(rules.Attendee.from_json(a) for a in note.attendees),
        sections=dict(note.sections),
        objective_ids=tuple(objective_ids),
        risk=risk_of(note),
    )


def risk_of(note: ClinicalNote) -> rules.RiskReview:
    return rules.RiskReview(
        note.suicidal_ideation, note.homicidal_ideation, note.risk_action, note.risk_detail
    )


def _objective_ids(session: Session, note_id: uuid.UUID) -> list[uuid.UUID]:
    return sorted(
        link.objective_id for link in session.scalars(repository.objective_links(note_id))
    )


# --- What is signed ------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def note_content(
    note: ClinicalNote, objective_ids: Sequence[uuid.UUID], *, justification: str
) -> dict[str, Any]:
    """Exactly what the author signs. The client is named by the episode (a merge of two
    records moves the episode, not what was written), so the hash survives a merge."""
    return {
        "note": str(note.id),
        "episode": str(note.episode_id),
        "author": str(note.author_id),
        "service_type": note.service_type.value,
        "format": note.note_format.value,
        "service_date": note.service_date.isoformat(),
        "starts_at": _iso(note.starts_at),
        "ends_at": _iso(note.ends_at),
        "client_present": note.client_present,
        "attendees": note.attendees,
        "sections": note.sections,
        "objectives": sorted(str(o) for o in objective_ids),
        "risk": note.risk_fields(),
        "appointment": str(note.appointment_id) if note.appointment_id else None,
        "attendance_record": str(note.attendance_record_id) if note.attendance_record_id else None,
        "copy_justification": justification,
    }


def addendum_content(addendum: ClinicalNoteAddendum) -> dict[str, Any]:
    return {
        "addendum": str(addendum.id),
        "note": str(addendum.note_id),
        "author": str(addendum.author_id),
        "kind": addendum.kind.value,
        "text": addendum.text,
        "written_at": _iso(addendum.written_at),
    }


def cosign_content(
    note: ClinicalNote,
    objective_ids: Sequence[uuid.UUID],
    addenda: Sequence[ClinicalNoteAddendum],
    at: datetime,
) -> dict[str, Any]:
    """What a co-signer signs: the note and the addenda written before ``at``."""
    return {
        "note": note_content(note, objective_ids, justification=note.copy_justification),
        "addenda": [addendum_content(a) for a in addenda if a.written_at <= at],
    }


# --- Signing -------------------------------------------------------------------------------


def _similarity(
    session: Session, note: ClinicalNote, sections: Mapping[str, str]
) -> similarity.Match | None:
    text = similarity.narrative(rules.narrative_parts(note.note_format, sections))
    since = note.service_date - SIMILARITY_WINDOW
    seen: set[uuid.UUID] = set()
    candidates: list[tuple[uuid.UUID, str]] = []
    for stmt in repository.similarity_candidates(note, since, limit=SIMILARITY_LIMIT):
        for note_id, note_format, other in session.execute(stmt):
            if note_id in seen:
                continue
            seen.add(note_id)
            parts = rules.narrative_parts(note_format, other)
            candidates.append((note_id, similarity.narrative(parts)))
    return similarity.best_match(text, candidates)


@dataclass(frozen=True)
class CopyFlag:
    """Why signing stopped: the narrative matches another note (shown to the author)."""

    similar_note_id: uuid.UUID
    score: float


def sign_note(
    session: Session,
    *,
    actor: Actor,
    note_id: uuid.UUID,
    secret: str,
    justification: str = "",
) -> ClinicalNote:
    """Check the draft is complete, run the copy-forward check, take the author's password
    or PIN, and freeze the note. A near-copy is refused unless ``justification`` says why
    the author signs it anyway; the flag, the matched note and the score are kept."""
    note = _own_draft(session, actor, note_id)
    objective_ids = _objective_ids(session, note.id)
    data = input_of(note, objective_ids)
    _check_link_of(session, actor, note, data)
    client = _note_client(session, note)
    checked = _check(
        session, client=client, author_id=note.author_id, note_format=note.note_format, data=data
    )
    now = utc_now()
    rules.require_ended(note.ends_at, now=now)
    rules.require_complete(
        note_format=note.note_format,
        sections=note.sections,
        service_type=note.service_type,
        risk=data.risk,
        objectives=objective_ids,
        plan_has_objectives=checked.plan_has_objectives,
    )
    settings = current_settings(session)
    match = _similarity(session, note, note.sections)
    flagged = match is not None and similarity.flagged(match.score, settings.similarity_threshold)
    reason = justification.strip()
    if len(reason) > rules.LIMITS["justification"]:
        raise Invalid(f"at most {rules.LIMITS['justification']} characters", field="justification")
    if flagged and match is not None:
        if not reason:
            other = session.get(ClinicalNote, match.note_id)
            when = other.service_date.isoformat() if other else "another day"
            raise Conflict(
                f"this note's narrative is {match.score:.0%} the same as another note "
                f"(service on {when}); revise it, or give a justification to sign it anyway",
                field="justification",
                rule=rules.COPIED,
            )
        rules.check_names({"justification": reason}, checked.others)
    else:
        reason = ""
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        content=note_content(note, objective_ids, justification=reason),
    )
    cosigner = signing.needs_cosignature(session, note.author_id)
    note.copy_justification = reason
    note.copy_flagged = flagged
    note.similarity_score = match.score if match else None
    note.similar_note_id = match.note_id if match else None
    note.status = rules.status_after_signing(cosigner)
    note.cosigner_id = cosigner
    note.signed_at = signature.signed_at
    note.signed_by = actor.user_id
    note.late_entry = rules.is_late(note.ends_at, signature.signed_at, settings.overdue_hours)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        detail={
            "status": note.status.value,
            "late_entry": note.late_entry,
            "copy_flagged": flagged,
            "similar_note": note.similar_note_id.hex if note.similar_note_id else None,
        },
    )
    return note


def _check_free_text(
    session: Session, note: ClinicalNote, field_name: str, text: str, limit: int
) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("write the text", field=field_name)
    if len(cleaned) > limit:
        raise Invalid(f"at most {limit} characters", field=field_name)
    client = _note_client(session, note)
    attendees = [rules.Attendee.from_json(a) for a in note.attendees]
    others = other_client_names(session, client, note.author_id, note.service_date, attendees)
    rules.check_names({field_name: cleaned}, others)
    return cleaned


def add_addendum(
    session: Session,
    *,
    actor: Actor,
    note_id: uuid.UUID,
    text: str,
    secret: str,
    kind: AddendumKind = AddendumKind.ADDENDUM,
) -> ClinicalNoteAddendum:
    """Add signed text to a signed note, with its own author and time; the note stays as it
    was signed. The author's addendum to a returned note sends it back to the supervisor."""
    _require(access.WRITE, actor)
    note = _load(session, actor, note_id, lock=True)
    if not _may_add_addendum(session, actor, note):
        raise Forbidden("you may read this note but not add to it")
    rules.require_filed(note.status)
    body = _check_free_text(session, note, "text", text, rules.LIMITS["addendum"])
    assert actor.user_id is not None  # WRITE roles are staff accounts
    addendum = ClinicalNoteAddendum(
        id=uuid.uuid4(),
        note_id=note.id,
        author_id=actor.user_id,
        kind=kind,
        text=body,
        written_at=utc_now(),
    )
    signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ADDENDUM_ENTITY,
        entity_id=addendum.id,
        client_id=note.client_id,
        content=addendum_content(addendum),
        meaning=SignatureMeaning.ADDENDUM,
    )
    session.add(addendum)
    before = note.status
    note.status = rules.status_after_addendum(
        note.status, by_author=actor.user_id == note.author_id
    )
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ADDENDUM_ENTITY,
        entity_id=addendum.id,
        client_id=note.client_id,
        detail={
            "note": note.id.hex,
            "kind": kind.value,
            "status": [before.value, note.status.value],
        },
    )
    return addendum


def _for_cosigner(session: Session, actor: Actor, note_id: uuid.UUID) -> ClinicalNote:
    _require(access.COSIGN, actor)
    note = _load(session, actor, note_id, lock=True)
    if not _may_cosign(session, actor, note):
        raise Forbidden("only the author's supervisor co-signs or returns this note")
    rules.require_awaiting(note.status)
    return note


def cosign(session: Session, *, actor: Actor, note_id: uuid.UUID, secret: str) -> ClinicalNote:
    """The supervisor signs the supervised author's note (and its addenda so far), with
    their own password or PIN; the note is then final."""
    note = _for_cosigner(session, actor, note_id)
    objective_ids = _objective_ids(session, note.id)
    addenda = list(session.scalars(repository.addenda_of(note.id)))
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        content=cosign_content(note, objective_ids, addenda, utc_now()),
        meaning=SignatureMeaning.COSIGNER,
    )
    note.status = NoteStatus.SIGNED
    note.cosigned_at = signature.signed_at
    note.cosigned_by = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        detail={"status": note.status.value, "cosigned": True},
    )
    return note


def return_note(
    session: Session, *, actor: Actor, note_id: uuid.UUID, reason: str
) -> ClinicalNoteReturn:
    """The supervisor sends the note back with a reason; the note itself is unchanged and
    the author answers with an addendum."""
    note = _for_cosigner(session, actor, note_id)
    text = _check_free_text(session, note, "reason", reason, rules.LIMITS["reason"])
    assert actor.user_id is not None  # COSIGN roles are staff accounts
    row = ClinicalNoteReturn(
        note_id=note.id, returned_by=actor.user_id, returned_at=utc_now(), reason=text
    )
    session.add(row)
    note.status = NoteStatus.RETURNED
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
        detail={"status": note.status.value, "returned": row.id.hex},
    )
    return row


# --- Reading one note ----------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureView:
    meaning: SignatureMeaning
    signer: str
    signed_at: datetime
    method: SignatureMethod
    intact: bool


@dataclass(frozen=True)
class AddendumView:
    addendum: ClinicalNoteAddendum
    author: str
    signature: SignatureView | None


@dataclass(frozen=True)
class ReturnView:
    returned: ClinicalNoteReturn
    by: str


@dataclass(frozen=True)
class SimilarView:
    note_id: uuid.UUID | None
    service_date: date | None
    service_type: ServiceType | None
    score: float
    same_client: bool


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    hint: str
    text: str


class _ServiceTimes:
    """The service's length and its local start and end, for a view of one note."""

    note: ClinicalNote

    @property
    def minutes(self) -> int:
        return rules.minutes_between(self.note.starts_at, self.note.ends_at)

    @property
    def start(self) -> str:
        return clock.local(self.note.starts_at).strftime("%H:%M")

    @property
    def end(self) -> str:
        return clock.local(self.note.ends_at).strftime("%H:%M")


@dataclass(frozen=True)
class NoteView(_ServiceTimes):
    note: ClinicalNote
    client: Client
    author: str
    objectives: list[Objective]
    attendees: list[rules.Attendee]
    sections: list[Section]
    risk: rules.RiskReview
    addenda: list[AddendumView]
    returns: list[ReturnView]
    signatures: list[SignatureView]
    similar: SimilarView | None  # None unless flagged and the reader may see the flag
    cosigner: str
    can_edit: bool
    can_sign: bool
    can_add: bool
    can_cosign: bool

    @property
    def risk_summary(self) -> str:
        return rules.risk_summary(self.risk)

    @property
    def intact(self) -> bool:
        return all(s.intact for s in self.signatures) and all(
            a.signature is None or a.signature.intact for a in self.addenda
        )


def _signature_views(
    session: Session,
    note: ClinicalNote,
    objective_ids: Sequence[uuid.UUID],
    addenda: Sequence[ClinicalNoteAddendum],
    names: Mapping[uuid.UUID, str],
) -> list[SignatureView]:
    views = []
    for sig in signing.signatures_of(session, ENTITY, note.id):
        if sig.meaning is SignatureMeaning.COSIGNER:
            content = cosign_content(note, objective_ids, addenda, sig.signed_at)
        else:
            content = note_content(note, objective_ids, justification=note.copy_justification)
        views.append(_signature_view(sig, names, signing.intact(sig, content)))
    return views


def _signature_view(sig: Signature, names: Mapping[uuid.UUID, str], intact: bool) -> SignatureView:
    return SignatureView(
        sig.meaning, names.get(sig.signer_id, ""), sig.signed_at, sig.method, intact
    )


def _similar(session: Session, note: ClinicalNote) -> SimilarView | None:
    if not note.copy_flagged or note.similarity_score is None:
        return None
    other = session.get(ClinicalNote, note.similar_note_id) if note.similar_note_id else None
    return SimilarView(
        note_id=other.id if other else None,
        service_date=other.service_date if other else None,
        service_type=other.service_type if other else None,
        score=note.similarity_score,
        same_client=other is not None and other.client_id == note.client_id,
    )


def _sections(note: ClinicalNote) -> list[Section]:
    return [
        Section(key, label, hint, note.sections.get(key, ""))
        for key, label, hint in rules.SECTIONS[note.note_format]
    ]


def get_note(session: Session, *, actor: Actor, note_id: uuid.UUID) -> NoteView:
    """One note as the reader may see it, with its signatures and whether each still
    matches what is stored (``signing.intact``). An audited read."""
    note = _load(session, actor, note_id, lock=False)
    client = _note_client(session, note)
    objective_ids = _objective_ids(session, note.id)
    addenda = list(session.scalars(repository.addenda_of(note.id)))
    returns = list(session.scalars(repository.returns_of(note.id)))
    addendum_sigs = {a.id: signing.signatures_of(session, ADDENDUM_ENTITY, a.id) for a in addenda}
    people = {note.author_id, *(a.author_id for a in addenda), *(r.returned_by for r in returns)}
    people |= {s.signer_id for sigs in addendum_sigs.values() for s in sigs}
    if note.cosigner_id:
        people.add(note.cosigner_id)
    signatures = list(signing.signatures_of(session, ENTITY, note.id))
    people |= {s.signer_id for s in signatures}
    names = security_service.display_names(session, people)
    objectives = (
        list(
            session.scalars(
                select(Objective)
                .where(Objective.id.in_(objective_ids))
                .order_by(Objective.position)
            )
        )
        if objective_ids
        else []
    )
    author = actor.user_id == note.author_id
    view = NoteView(
        note=note,
        client=client,
        author=names.get(note.author_id, ""),
        objectives=objectives,
        attendees=[rules.Attendee.from_json(a) for a in note.attendees],
        sections=_sections(note),
        risk=risk_of(note),
        addenda=[
            AddendumView(
                a,
                names.get(a.author_id, ""),
                _signature_view(sigs[0], names, signing.intact(sigs[0], addendum_content(a)))
                if (sigs := addendum_sigs[a.id])
                else None,
            )
            for a in addenda
        ],
        returns=[ReturnView(r, names.get(r.returned_by, "")) for r in returns],
        signatures=_signature_views(session, note, objective_ids, addenda, names),
        similar=_similar(session, note) if _may_see_flag(session, actor, note) else None,
        cosigner=names.get(note.cosigner_id, "") if note.cosigner_id else "",
        can_edit=author and note.status is NoteStatus.DRAFT,
        can_sign=author and note.status is NoteStatus.DRAFT,
        can_add=note.status in rules.FILED
        and access.WRITE.allows(actor.role)
        and _may_add_addendum(session, actor, note),
        can_cosign=note.status is NoteStatus.AWAITING_COSIGNATURE
        and _may_cosign(session, actor, note),
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=note.client_id,
    )
    return view


# --- Forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormContext:
    """What the note form needs: the client, the choices, and the values to start from."""

    client: Client
    note: ClinicalNote | None
    appointment: Appointment | None
    note_format: NoteFormat
    data: NoteInput
    types: list[ServiceType]
    objectives: list[Objective]

    @property
    def sections(self) -> list[Section]:
        return [
            Section(key, label, hint, self.data.sections.get(key, ""))
            for key, label, hint in rules.SECTIONS[self.note_format]
        ]


def _form_types(actor: Actor, appointment: Appointment | None) -> list[ServiceType]:
    allowed = access.types_for(actor.role)
    if appointment is not None:
        allowed = allowed & rules.APPOINTMENT_TYPES[appointment.kind]
    else:
        allowed = allowed - rules.NEEDS_APPOINTMENT_TYPES
    return [t for t in ServiceType if t in allowed]


def _audit_form(session: Session, actor: Actor, client: Client) -> None:
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])


def new_note_form(
    session: Session,
    *,
    actor: Actor,
    appointment_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    service_type: ServiceType | None = None,
) -> FormContext | ClinicalNote:
    """The form to start a note, filled in from the appointment (client, day, times, type),
    or the note the appointment already has (to open instead)."""
    _require(access.WRITE, actor)
    settings = current_settings(session)
    appointment: Appointment | None = None
    if appointment_id is not None:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound("no such appointment")
        existing = session.scalar(repository.note_of_appointment(appointment.id))
        if existing is not None and _may_read(session, actor, existing):
            return existing
        if actor.user_id != appointment.staff_id:
            raise Forbidden("only the staff member who held the appointment writes its note")
        client = session.get(Client, appointment.client_id)
        assert client is not None  # the foreign key holds
        kind_default = rules.APPOINTMENT_DEFAULT[appointment.kind]
        data = NoteInput(
            service_type=kind_default,
            service_date=appointment.day,
            start=rules.parse_clock(appointment.start, field="start_time"),
            end=rules.parse_clock(appointment.end, field="end_time"),
        )
    else:
        if client_id is None:
            raise Invalid("choose the client", field="client_id")
        client = _writable_client(session, actor, client_id)
        types = _form_types(actor, None)
        if not types:
            raise Forbidden("your role writes no unscheduled notes")
        chosen = service_type if service_type in types else types[0]
        now = clock.local(utc_now())
        data = NoteInput(
            service_type=chosen,
            service_date=now.date(),
            start=(now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
            if now.hour >= 1
            else time(0, 0),
            end=now.time().replace(second=0, microsecond=0),
            client_present=chosen is not ServiceType.FAMILY_WITHOUT_CLIENT,
        )
    _audit_form(session, actor, client)
    return FormContext(
        client=client,
        note=None,
        appointment=appointment,
        note_format=settings.note_format,
        data=data,
        types=_form_types(actor, appointment),
        objectives=list(session.scalars(repository.current_objectives(client.id))),
    )


def edit_form(session: Session, *, actor: Actor, note_id: uuid.UUID) -> FormContext:
    """The form of the author's own draft."""
    note = _load(session, actor, note_id, lock=False)
    if actor.user_id != note.author_id:
        raise Forbidden("only the note's author changes it")
    rules.require_draft(note.status)
    client = _note_client(session, note)
    appointment = session.get(Appointment, note.appointment_id) if note.appointment_id else None
    _audit_form(session, actor, client)
    return FormContext(
        client=client,
        note=note,
        appointment=appointment,
        note_format=note.note_format,
        data=input_of(note, _objective_ids(session, note.id)),
        types=_form_types(actor, appointment),
        objectives=list(session.scalars(repository.current_objectives(client.id))),
    )


# --- Lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteRow(_ServiceTimes):
    """A note in a list: when, what, who, where it stands; no narrative."""

    note: ClinicalNote
    client: Client
    author: str


def _rows(
    session: Session, notes: Sequence[ClinicalNote], clients: Mapping[uuid.UUID, Client]
) -> list[NoteRow]:
    names = security_service.display_names(session, {n.author_id for n in notes})
    return [
        NoteRow(n, clients[n.client_id], names.get(n.author_id, ""))
        for n in notes
        if n.client_id in clients
    ]


def _clients(session: Session, client_ids: set[uuid.UUID]) -> dict[uuid.UUID, Client]:
    if not client_ids:
        return {}
    return {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))}


def _audit_rows(session: Session, actor: Actor, rows: Sequence[Any]) -> None:
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type=ENTITY,
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )


@dataclass(frozen=True)
class ChartSection:
    client: Client
    rows: list[NoteRow]
    can_write: bool
    types: list[ServiceType]


def chart_tab(session: Session, *, actor: Actor, client: Client) -> ChartSection:
    """The chart's Progress notes tab (the chart has loaded and audited the client): the
    filed notes of the types the reader's role reads, and their own drafts."""
    _require(access.READ, actor)
    notes = list(
        session.scalars(
            repository.chart_notes(
                client.id, author_id=actor.user_id, types=access.types_for(actor.role)
            )
        )
    )
    rows = _rows(session, notes, {client.id: client})
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    can_write = access.WRITE.allows(actor.role)
    return ChartSection(client, rows, can_write, _form_types(actor, None) if can_write else [])


def notes_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[NoteRow]:
    """A client's notes for a staff reader in scope (404 for a client they may not read)."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return chart_tab(session, actor=actor, client=client).rows


def own_notes(session: Session, *, actor: Actor) -> list[NoteView]:
    """A client's own final notes of the types the program lets clients read (none by
    default); an audited read even when there are none."""
    _require(access.OWN, actor)
    client = clients_service.own_record(session, actor=actor)
    types = portal_types(current_settings(session))
    if client is None or not types:
        return []
    notes = list(session.scalars(repository.portal_notes(client.id, [t.value for t in types])))
    return [get_note(session, actor=actor, note_id=n.id) for n in notes]


@dataclass(frozen=True)
class OverdueRow:
    """An attended appointment whose note is missing or unsigned past its due time."""

    appointment: Appointment
    client: Client
    staff: str
    staff_id: uuid.UUID
    due_at: datetime
    hours_overdue: int
    draft_id: uuid.UUID | None


def _appointment_end(appointment: Appointment) -> datetime:
    return _instant(appointment.day, rules.parse_clock(appointment.end, field="end"), "end")


def overdue_notes(session: Session, *, actor: Actor) -> list[OverdueRow]:
    """Attended appointments with no signed note within the program's hours, oldest first:
    the actor's own, their supervisees' (as supervisor), everyone's for a director. Each
    client shown is an audited read."""
    _require(access.WRITE, actor)
    if actor.role is Role.DIRECTOR or actor.role is Role.SYSTEM:
        staff_ids: set[uuid.UUID] | None = None
    elif actor.user_id is None:
        return []
    else:
        staff_ids = {actor.user_id} | _supervisee_ids(session, actor.user_id)
    hours = current_settings(session).overdue_hours
    now = utc_now()
    today = clock.today(now)
    found = []
    for appointment, _, note in session.execute(
        repository.undocumented_appointments(staff_ids, today - OVERDUE_LOOKBACK, today)
    ):
        due = rules.due_at(_appointment_end(appointment), hours)
        if due < now:
            found.append((appointment, note, due))
    clients = _clients(session, {a.client_id for a, _, _ in found})
    names = security_service.display_names(session, {a.staff_id for a, _, _ in found})
    rows = [
        OverdueRow(
            appointment=a,
            client=clients[a.client_id],
            staff=names.get(a.staff_id, ""),
            staff_id=a.staff_id,
            due_at=due,
            hours_overdue=int((now - due).total_seconds() // 3600),
            draft_id=note.id if note else None,
        )
        for a, note, due in found
    ]
    _audit_rows(session, actor, rows)
    return rows


def cosign_queue(session: Session, *, actor: Actor) -> list[NoteRow]:
    """Notes waiting for this supervisor's co-signature, oldest signature first."""
    return _queue(session, actor, [NoteStatus.AWAITING_COSIGNATURE])


def returned_by_me(session: Session, *, actor: Actor) -> list[NoteRow]:
    """Notes this supervisor returned, waiting for the author's addendum."""
    return _queue(session, actor, [NoteStatus.RETURNED])


def _queue(session: Session, actor: Actor, statuses: Sequence[NoteStatus]) -> list[NoteRow]:
    _require(access.COSIGN, actor)
    if actor.user_id is None:
        return []
    supervisees = signing.supervisees_needing_cosignature(session, actor.user_id)
    notes = list(session.scalars(repository.awaiting(actor.user_id, supervisees, statuses)))
    rows = _rows(session, notes, _clients(session, {n.client_id for n in notes}))
    _audit_rows(session, actor, rows)
    return rows


def flagged_for(session: Session, *, actor: Actor) -> list[NoteRow]:
    """Notes signed with a copy-forward flag in the last 90 days: everyone's for the
    director, the supervisees' for a supervisor (their own for anyone)."""
    _require(access.WRITE, actor)
    since = clock.today() - SIMILARITY_WINDOW
    if actor.role is Role.DIRECTOR:
        authors: set[uuid.UUID] | None = None
    elif actor.user_id is None:
        return []
    else:
        authors = {actor.user_id} | _supervisee_ids(session, actor.user_id)
    notes = list(session.scalars(repository.flagged_notes(authors, since)))
    rows = _rows(session, notes, _clients(session, {n.client_id for n in notes}))
    _audit_rows(session, actor, rows)
    return rows


@dataclass(frozen=True)
class MyNotes:
    """The author's page: what to write, what is open, what came back, what to co-sign."""

    overdue: list[OverdueRow]
    drafts: list[NoteRow]
    returned: list[NoteRow]
    awaiting: list[NoteRow]
    recent: list[NoteRow]
    queue: list[NoteRow]
    flagged: list[NoteRow]
    supervised_clients: list[Client]
    types: list[ServiceType]


def _authored(
    session: Session, actor: Actor, statuses: Sequence[NoteStatus], limit: int | None = None
) -> list[NoteRow]:
    if actor.user_id is None:
        return []
    stmt = repository.authored(actor.user_id, statuses)
    if limit is not None:
        stmt = stmt.limit(limit)
    notes = list(session.scalars(stmt))
    rows = _rows(session, notes, _clients(session, {n.client_id for n in notes}))
    _audit_rows(session, actor, rows)
    return rows


def supervised_clients(session: Session, *, actor: Actor) -> list[Client]:
    """For a supervised author: the supervisor's caseload, whose services they document
    under supervision (each listed is an audited read)."""
    supervisor = _supervisor_actor(session, actor)
    if supervisor is None:
        return []
    clients = list(
        session.scalars(
            clients_repository.readable(supervisor).order_by(
                Client.legal_last_name, Client.legal_first_name
            )
        )
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="client", client_ids=[c.id for c in clients]
    )
    return clients


def my_notes(session: Session, *, actor: Actor) -> MyNotes:
    _require(access.WRITE, actor)
    may_cosign = access.COSIGN.allows(actor.role)
    return MyNotes(
        overdue=overdue_notes(session, actor=actor),
        drafts=_authored(session, actor, [NoteStatus.DRAFT]),
        returned=_authored(session, actor, [NoteStatus.RETURNED]),
        awaiting=_authored(session, actor, [NoteStatus.AWAITING_COSIGNATURE]),
        recent=_authored(session, actor, [NoteStatus.SIGNED], limit=RECENT_SIGNED),
        queue=cosign_queue(session, actor=actor) if may_cosign else [],
        flagged=flagged_for(session, actor=actor),
        supervised_clients=supervised_clients(session, actor=actor),
        types=_form_types(actor, None),
    )


@dataclass(frozen=True)
class HomeLists:
    """The home page's part: overdue notes, notes to co-sign, the author's returned notes."""

    overdue: list[OverdueRow]
    to_cosign: list[NoteRow]
    returned: list[NoteRow]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.to_cosign or self.returned)


def home_lists(session: Session, *, actor: Actor) -> HomeLists:
    """For the lead's home page (``clinical_notes/_home.html`` reads it as
    ``clinical_notes_home``); empty for roles that write no notes."""
    if not access.WRITE.allows(actor.role):
        return HomeLists([], [], [])
    return HomeLists(
        overdue=overdue_notes(session, actor=actor),
        to_cosign=cosign_queue(session, actor=actor),
        returned=_authored(session, actor, [NoteStatus.RETURNED]),
    )


@dataclass(frozen=True)
class AppointmentNote:
    """What the calendar shows beside an appointment: nothing, "Write note", the draft, or
    the note's status (no client detail, so not an audited read)."""

    appointment_id: uuid.UUID
    note_id: uuid.UUID | None
    status: NoteStatus | None
    may_write: bool  # the appointment is the actor's own, held, attended and unwritten


def appointment_note(
    session: Session, *, actor: Actor, appointment_id: uuid.UUID
) -> AppointmentNote:
    _require(access.READ, actor)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("no such appointment")
    note = session.scalar(repository.note_of_appointment(appointment.id))
    if note is not None:
        if _may_read(session, actor, note):
            return AppointmentNote(appointment.id, note.id, note.status, False)
        return AppointmentNote(appointment.id, None, None, False)
    own = actor.user_id == appointment.staff_id and access.WRITE.allows(actor.role)
    record = session.scalar(repository.attendance_of(appointment.id)) if own else None
    held = appointment.status is BookingStatus.SCHEDULED and record is not None
    # A missed family appointment may still have a family session to document.
    documentable = record is not None and (
        record.status in ATTENDED or appointment.kind is AppointmentKind.FAMILY
    )
    return AppointmentNote(appointment.id, None, None, own and held and documentable)
