"""Writing, signing and reading group notes.

A note is written after attendance is taken, since attendance decides whose chart it is
filed in: present, late, left early and telehealth members each get a line; absent
members get nothing. Saving keeps a draft; signing checks it is complete and files it: from
then on each attendee's chart shows the shared part and their own line, and the note is
frozen. Every save and the signature are audited once per attendee, and every list of
filed notes once per client shown.

The leader may not have every member on their caseload, so the session's members are
loaded by the session, not through ``clients.readable``, once the actor is known to be the
session's leader or a director (as the attendance roster does).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import repository as attendance_repository
from stepdown.attendance.models import AttendanceStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import BookingStatus, SessionOccurrence
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.group_notes import access, repository, rules
from stepdown.group_notes.models import GroupNote, GroupNoteMember, NoteStatus, Participation
from stepdown.kit.clock import today as program_today
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.programs import service as programs_service
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.treatment_plans.models import Objective

SHARED_FIELDS = ("topic", "content", "dynamics")
LINE_FIELDS = ("participation", "progress", "objective_id")
# How far back the list of sessions to document looks.
RECENT = timedelta(days=14)


def may_write(actor: Actor, *, leader_id: uuid.UUID) -> bool:
    """The session's leader or a director (the system, for the demo seed). Takes the
    leader's id so the attendance roster can ask before linking to the note form."""
    if actor.role in (Role.SYSTEM, Role.DIRECTOR):
        return True
    return access.WRITE.allows(actor.role) and actor.user_id == leader_id


def _occurrence(
    session: Session, actor: Actor, occurrence_id: uuid.UUID, *, lock: bool
) -> SessionOccurrence:
    if lock:
        occurrence = session.scalar(repository.occurrence_for_update(occurrence_id))
    else:
        occurrence = session.get(SessionOccurrence, occurrence_id)
    if occurrence is None:
        raise NotFound("no such session")
    if not may_write(actor, leader_id=occurrence.leader_id):
        raise Forbidden("only the session's leader or a director may write its group note")
    if occurrence.status is BookingStatus.CANCELLED:
        raise Conflict(
            "this session was cancelled; there is no note to write", rule=rules.SESSION_CANCELLED
        )
    return occurrence


@dataclass(frozen=True)
class ObjectiveChoice:
    id: uuid.UUID
    statement: str


@dataclass(frozen=True)
class AttendeeRow:
    """One attendee on the leader's form."""

    client: Client
    status: AttendanceStatus
    line: GroupNoteMember | None
    objectives: tuple[ObjectiveChoice, ...]


@dataclass(frozen=True)
class SessionNote:
    """A session, its note (None before the first save) and the attendees to write for."""

    occurrence: SessionOccurrence
    leader: str
    note: GroupNote | None
    attendees: list[AttendeeRow]
    absent: int  # booked members who did not attend: no note for them

    @property
    def topic(self) -> str:
        """The note's topic, else the session's topic spelled out, to start from."""
        if self.note is not None:
            return self.note.topic
        return TOPIC_LABELS.get(self.occurrence.topic, self.occurrence.topic)

    @property
    def signed(self) -> bool:
        return self.note is not None and self.note.status is NoteStatus.SIGNED


@dataclass(frozen=True)
class _Members:
    """Who was booked into a session, with their attendance."""

    statuses: dict[uuid.UUID, AttendanceStatus | None]
    clients: dict[uuid.UUID, Client]

    @property
    def attendee_ids(self) -> list[uuid.UUID]:
        return rules.attendees(self.statuses)

    @property
    def names(self) -> list[rules.MemberName]:
        return [
            rules.MemberName(c.id, c.legal_first_name, c.legal_last_name, c.preferred_name)
            for c in self.clients.values()
        ]


def _members(session: Session, occurrence: SessionOccurrence) -> _Members:
    pairs = list(session.execute(attendance_repository.seats_of(occurrence.id)))
    statuses = {seat.client_id: record.status if record else None for seat, record in pairs}
    clients = {
        c.id: c for c in session.scalars(select(Client).where(Client.id.in_(list(statuses))))
    }
    ordered = sorted(clients.values(), key=lambda c: (c.legal_last_name, c.legal_first_name))
    return _Members({c.id: statuses[c.id] for c in ordered}, {c.id: c for c in ordered})


def _objectives(
    session: Session, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Objective]]:
    found: dict[uuid.UUID, list[Objective]] = {cid: [] for cid in client_ids}
    if client_ids:
        for client_id, objective in session.execute(repository.current_objectives(client_ids)):
            found[client_id].append(objective)
    return found


def _lines(session: Session, note: GroupNote | None) -> dict[uuid.UUID, GroupNoteMember]:
    if note is None:
        return {}
    return {line.client_id: line for line in session.scalars(repository.lines_of(note.id))}


def note_for_occurrence(session: Session, *, actor: Actor, occurrence_id: uuid.UUID) -> SessionNote:
    """The leader's view of a session's note: one row per attendee with their line and their
    current plan's objectives (a signed note's rows are the members it was filed for).
    Refused until attendance is taken. One audited read per attendee shown."""
    occurrence = _occurrence(session, actor, occurrence_id, lock=False)
    members = _members(session, occurrence)
    note = session.scalar(repository.note_of(occurrence.id))
    lines = _lines(session, note)
    if note is not None and note.status is NoteStatus.SIGNED:
        # As filed, whatever attendance says since: a signed note never changes.
        attendee_ids = [cid for cid in members.statuses if cid in lines]
    else:
        rules.require_attendance(members.statuses)
        attendee_ids = members.attendee_ids
    objectives = _objectives(session, attendee_ids)
    rows = [
        AttendeeRow(
            client=members.clients[cid],
            status=status,
            line=lines.get(cid),
            objectives=tuple(ObjectiveChoice(o.id, o.statement) for o in objectives[cid]),
        )
        for cid in attendee_ids
        if (status := members.statuses[cid]) is not None
    ]
    audit_service.record_reads(
        session, actor=actor, entity_type="group_note", client_ids=attendee_ids
    )
    leader = security_service.display_names(session, {occurrence.leader_id}).get(
        occurrence.leader_id, ""
    )
    return SessionNote(occurrence, leader, note, rows, len(members.statuses) - len(rows))


def _effective_lines(
    existing: dict[uuid.UUID, GroupNoteMember],
    submitted: Sequence[rules.LineInput],
    attendee_ids: Sequence[uuid.UUID],
) -> list[rules.LineInput]:
    """Every attendee's line after this save: what was submitted, else what was kept."""
    by_client = {line.client_id: line for line in submitted}
    result = []
    for cid in attendee_ids:
        if cid in by_client:
            result.append(by_client[cid])
        elif (row := existing.get(cid)) is not None:
            result.append(rules.LineInput(cid, row.participation, row.progress, row.objective_id))
        else:
            result.append(rules.LineInput(cid, None, ""))
    return result


def _check(
    session: Session,
    members: _Members,
    shared: dict[str, str],
    submitted: Sequence[rules.LineInput],
    effective: Sequence[rules.LineInput],
) -> None:
    """Every rule on the text and lines, before anything is written. Names are checked on
    the effective lines, so a kept line is checked against today's list of members too."""
    attendee_ids = members.attendee_ids
    rules.check_lengths(shared, submitted)
    objectives = _objectives(session, attendee_ids)
    allowed = {cid: {o.id for o in objs} for cid, objs in objectives.items()}
    rules.check_lines(submitted, attendee_ids, allowed)
    rules.check_lines(effective, attendee_ids, allowed)
    rules.check_names(shared, members.names, effective)


def _sync_lines(
    session: Session,
    note: GroupNote,
    existing: dict[uuid.UUID, GroupNoteMember],
    lines: Sequence[rules.LineInput],
) -> dict[uuid.UUID, list[str]]:
    """Make the note's lines exactly the attendees' (a draft's line for someone since marked
    absent is dropped: it was never filed). Returns the changed line fields per client."""
    wanted = {line.client_id: line for line in lines}
    for cid, dropped in existing.items():
        if cid not in wanted:
            session.delete(dropped)
    changed: dict[uuid.UUID, list[str]] = {}
    for cid, line in wanted.items():
        row = existing.get(cid)
        if row is None:
            row = GroupNoteMember(note_id=note.id, client_id=cid, progress="")
            session.add(row)
        values = {
            "participation": line.participation,
            "progress": line.progress,
            "objective_id": line.objective_id,
        }
        changed[cid] = [f for f, v in values.items() if getattr(row, f) != v]
        for field, value in values.items():
            setattr(row, field, value)
    return changed


def save_draft(
    session: Session,
    *,
    actor: Actor,
    occurrence_id: uuid.UUID,
    topic: str,
    content: str,
    dynamics: str,
    lines: Sequence[rules.LineInput] = (),
) -> GroupNote:
    """Start or update a session's draft note. ``lines`` replace the given attendees' lines;
    other attendees keep theirs. Everything is checked before anything is written."""
    occurrence = _occurrence(session, actor, occurrence_id, lock=True)
    members = _members(session, occurrence)
    rules.require_attendance(members.statuses)
    note = session.scalar(repository.note_of(occurrence.id))
    if note is not None:
        rules.require_draft(note.status)
    shared = {"topic": topic.strip(), "content": content.strip(), "dynamics": dynamics.strip()}
    submitted = [
        rules.LineInput(
            line.client_id, line.participation, line.progress.strip(), line.objective_id
        )
        for line in lines
    ]
    attendee_ids = members.attendee_ids
    existing = _lines(session, note)
    effective = _effective_lines(existing, submitted, attendee_ids)
    _check(session, members, shared, submitted, effective)
    created = note is None
    if note is None:
        note = GroupNote(
            occurrence_id=occurrence.id, author_id=actor.user_id, status=NoteStatus.DRAFT, **shared
        )
        session.add(note)
        session.flush()
        note_changes = list(SHARED_FIELDS)
    else:
        note_changes = [f for f, v in shared.items() if getattr(note, f) != v]
        for field, value in shared.items():
            setattr(note, field, value)
    line_changes = _sync_lines(session, note, existing, effective)
    session.flush()
    for cid in attendee_ids:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            entity_type="group_note",
            entity_id=note.id,
            client_id=cid,
            detail={"note_fields": note_changes, "line_fields": line_changes.get(cid, [])},
        )
    return note


def sign(session: Session, *, actor: Actor, occurrence_id: uuid.UUID) -> GroupNote:
    """Check the draft is complete and file it: each attendee's chart now shows the shared
    part and their own line, and the note never changes again. Attendance changed since the
    draft was saved is taken as it is now (a line for someone since marked absent is
    dropped, a new attendee must get a line first)."""
    occurrence = _occurrence(session, actor, occurrence_id, lock=True)
    members = _members(session, occurrence)
    rules.require_attendance(members.statuses)
    note = session.scalar(repository.note_of(occurrence.id))
    if note is None:
        raise Conflict("save the note as a draft before signing it", rule=rules.INCOMPLETE)
    rules.require_draft(note.status)
    attendee_ids = members.attendee_ids
    existing = _lines(session, note)
    effective = _effective_lines(existing, [], attendee_ids)
    shared = {f: getattr(note, f) for f in SHARED_FIELDS}
    _check(session, members, shared, [], effective)
    rules.require_complete(note.content, effective, attendee_ids)
    _sync_lines(session, note, existing, effective)
    note.status = NoteStatus.SIGNED
    note.signed_at = utc_now()
    note.signed_by = actor.user_id
    session.flush()
    for cid in attendee_ids:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="group_note",
            entity_id=note.id,
            client_id=cid,
            detail={"signed": True},
        )
    return note


@dataclass(frozen=True)
class FiledNote:
    """The individual note filed in one client's chart: the session's shared part and this
    client's own line. It holds plain values only, and nothing about any other member."""

    day: date
    start: str
    end: str
    topic: str
    content: str
    dynamics: str
    leader: str
    participation: Participation | None
    progress: str
    objective: str  # the objective's statement, "" when the line names none
    signed_at: datetime | None
    signed_by: str


def _filed(session: Session, actor: Actor, client: Client) -> list[FiledNote]:
    rows = list(session.execute(repository.filed_for(actor, client.id)))
    staff = security_service.display_names(
        session,
        {occ.leader_id for _, _, occ in rows} | {n.signed_by for _, n, _ in rows if n.signed_by},
    )
    objective_ids = [line.objective_id for line, _, _ in rows if line.objective_id]
    statements: dict[uuid.UUID, str] = {}
    if objective_ids:
        stmt = select(Objective.id, Objective.statement).where(Objective.id.in_(objective_ids))
        statements = dict(session.execute(stmt).all())
    audit_service.record_reads(
        session, actor=actor, entity_type="group_note", client_ids=[client.id]
    )
    return [
        FiledNote(
            day=occ.day,
            start=occ.start,
            end=occ.end,
            topic=note.topic,
            content=note.content,
            dynamics=note.dynamics,
            leader=staff.get(occ.leader_id, ""),
            participation=line.participation,
            progress=line.progress,
            objective=statements.get(line.objective_id, "") if line.objective_id else "",
            signed_at=note.signed_at,
            signed_by=staff.get(note.signed_by, "") if note.signed_by else "",
        )
        for line, note, occ in rows
    ]


def _require_read(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.READ.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.READ.description}")


def notes_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[FiledNote]:
    """A client's filed group notes, newest first: staff in scope, or the client on their
    own record (another client's id is 404). The read is audited even when there are none."""
    _require_read(actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return _filed(session, actor, client)


def chart_tab(session: Session, *, actor: Actor, client: Client) -> list[FiledNote]:
    """The chart's Group notes tab; the chart has already loaded (and audited) the client."""
    _require_read(actor)
    return _filed(session, actor, client)


def own_notes(session: Session, *, actor: Actor) -> list[FiledNote]:
    """A client's own group notes, for their portal page (none without a linked record)."""
    _require_read(actor)
    client = clients_service.own_record(session, actor=actor)
    return _filed(session, actor, client) if client is not None else []


@dataclass(frozen=True)
class SessionRow:
    """A held session in the list of notes to write; no member identities."""

    occurrence: SessionOccurrence
    status: NoteStatus | None  # None: no note started
    site_code: str
    leader: str
    topic: str  # its label
    blocked: str  # why the note cannot start yet; "" when it can


def sessions_to_document(session: Session, *, actor: Actor) -> list[SessionRow]:
    """The last two weeks' held sessions with their note's status, site, leader, and why a
    note cannot start yet: a leader's own, every session for a director. Counts and names
    of staff only, so no client read is recorded."""
    if actor.role is not Role.SYSTEM and not access.WRITE.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.WRITE.description}")
    end = program_today()
    leader = None if actor.role in (Role.DIRECTOR, Role.SYSTEM) else actor.user_id
    held = list(session.execute(repository.led_sessions(leader, end - RECENT, end)))
    occurrences = [occ for occ, _ in held]
    counts = {
        occurrence_id: (booked, recorded, attended)
        for occurrence_id, booked, recorded, attended in session.execute(
            repository.attendance_counts([o.id for o in occurrences])
        )
    }
    sites = {s.id: s.code for s in programs_service.list_sites(session)}
    leaders = security_service.display_names(session, {o.leader_id for o in occurrences})
    return [
        SessionRow(
            occurrence,
            note.status if note else None,
            site_code=sites.get(occurrence.site_id, ""),
            leader=leaders.get(occurrence.leader_id, ""),
            topic=TOPIC_LABELS.get(occurrence.topic, occurrence.topic),
            blocked=""
            if note is not None
            else rules.why_not_startable(*counts.get(occurrence.id, (0, 0, 0))),
        )
        for occurrence, note in held
    ]
