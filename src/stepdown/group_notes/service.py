"""Writing, signing and reading group notes.

A note is written after attendance is taken, since attendance decides whose chart it is
filed in: present, late, left early and telehealth members each get a line; absent
members get nothing. Saving keeps a draft; signing checks it is complete, asks for the
signer's password or signing PIN again (``security.signing``) and files it: from then on
each attendee's chart shows the shared part and their own line, and the note is frozen.
The signature keeps a hash of the shared part and every member's line as signed, so a
stored note that changed afterwards shows as not intact. A note by staff whose notes need
a supervisor's co-signature waits for it (``NoteStatus.AWAITING_COSIGNATURE``); the
supervisor reviews it and co-signs with their own password or PIN, and only then is it
final. Every save and signature is audited once per attendee, and every list of filed
notes once per client shown.

The leader may not have every member on their caseload, so the session's members are
loaded by the session, not through ``clients.readable``, once the actor is known to be the
session's leader or a director (as the attendance roster does).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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
from stepdown.group_notes.models import (
    FILED,
    GroupNote,
    GroupNoteMember,
    NoteStatus,
    Participation,
)
from stepdown.kit.clock import today as program_today
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.programs import service as programs_service
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.security import service as security_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning, SignatureMethod
from stepdown.security.roles import Role
from stepdown.security.signing import CosignRow
from stepdown.treatment_plans.models import Objective

ENTITY = "group_note"  # the signatures' and audit entries' entity type
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


def is_cosigner(session: Session, actor: Actor, note: GroupNote | None) -> bool:
    """Whether ``actor`` is who co-signs this note now: it waits for a co-signature and
    they supervise its author (``signing.cosigner_for``)."""
    return (
        note is not None
        and note.status is NoteStatus.AWAITING_COSIGNATURE
        and note.signed_by is not None
        and actor.user_id is not None
        and access.COSIGN.allows(actor.role)
        and signing.cosigner_for(session, note.signed_by) == actor.user_id
    )


def _reviews(session: Session, actor: Actor, note: GroupNote | None) -> bool:
    """Whether ``actor`` may read this note as its reviewer: they co-sign it now, or they
    co-signed it."""
    if is_cosigner(session, actor, note):
        return True
    return (
        note is not None
        and actor.user_id is not None
        and access.COSIGN.allows(actor.role)
        and any(
            s.signer_id == actor.user_id and s.meaning is SignatureMeaning.COSIGNER
            for s in signing.signatures_of(session, ENTITY, note.id)
        )
    )


def _occurrence(
    session: Session,
    actor: Actor,
    occurrence_id: uuid.UUID,
    *,
    lock: bool,
    reviewer: bool = False,
) -> SessionOccurrence:
    """The session, if ``actor`` may write its note (or, with ``reviewer``, co-signs or
    co-signed it)."""
    if lock:
        occurrence = session.scalar(repository.occurrence_for_update(occurrence_id))
    else:
        occurrence = session.get(SessionOccurrence, occurrence_id)
    if occurrence is None:
        raise NotFound("no such session")
    if not may_write(actor, leader_id=occurrence.leader_id) and not (
        reviewer and _reviews(session, actor, session.scalar(repository.note_of(occurrence.id)))
    ):
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
class SignatureLine:
    """One signature on a note, as shown beside it: who, in what capacity, proved how,
    when, and whether the stored note is still what they signed."""

    signer: str
    meaning: SignatureMeaning
    method: SignatureMethod
    signed_at: datetime
    intact: bool


@dataclass(frozen=True)
class SessionNote:
    """A session, its note (None before the first save) and the attendees to write for."""

    occurrence: SessionOccurrence
    leader: str
    note: GroupNote | None
    attendees: list[AttendeeRow]
    absent: int  # booked members who did not attend: no note for them
    signatures: tuple[SignatureLine, ...] = ()
    cosigner: str = ""  # who co-signs, while the note waits for it
    may_cosign: bool = False  # the viewer is that person

    @property
    def topic(self) -> str:
        """The note's topic, else the session's topic spelled out, to start from."""
        if self.note is not None:
            return self.note.topic
        return TOPIC_LABELS.get(self.occurrence.topic, self.occurrence.topic)

    @property
    def signed(self) -> bool:
        """Signed by its author, so frozen and filed (final or waiting for a co-signature)."""
        return self.note is not None and self.note.status in FILED

    @property
    def awaiting_cosignature(self) -> bool:
        return self.note is not None and self.note.status is NoteStatus.AWAITING_COSIGNATURE


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
    Refused until attendance is taken. The supervisor who co-signs a note waiting for it
    reads it too, and still does once they co-signed it. One audited read per attendee shown."""
    occurrence = _occurrence(session, actor, occurrence_id, lock=False, reviewer=True)
    members = _members(session, occurrence)
    note = session.scalar(repository.note_of(occurrence.id))
    lines = _lines(session, note)
    if note is not None and note.status in FILED:
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
    signatures = _signature_lines(session, note, lines) if note is not None else []
    cosigner_id = (
        signing.cosigner_for(session, note.signed_by)
        if note is not None
        and note.status is NoteStatus.AWAITING_COSIGNATURE
        and note.signed_by is not None
        else None
    )
    names = security_service.display_names(
        session, {occurrence.leader_id} | ({cosigner_id} if cosigner_id else set())
    )
    return SessionNote(
        occurrence,
        names.get(occurrence.leader_id, ""),
        note,
        rows,
        len(members.statuses) - len(rows),
        signatures=tuple(signatures),
        cosigner=names.get(cosigner_id, "") if cosigner_id else "",
        may_cosign=is_cosigner(session, actor, note),
    )


def signed_content(note: GroupNote, lines: Sequence[GroupNoteMember]) -> dict[str, Any]:
    """Exactly what a signature on a group note covers: the session, the shared part and
    every attendee's line (in client id order, so the same note gives the same bytes)."""
    return {
        "occurrence_id": str(note.occurrence_id),
        "topic": note.topic,
        "content": note.content,
        "dynamics": note.dynamics,
        "lines": [
            {
                "client_id": str(line.client_id),
                "participation": line.participation.value if line.participation else None,
                "progress": line.progress,
                "objective_id": str(line.objective_id) if line.objective_id else None,
            }
            for line in sorted(lines, key=lambda line: str(line.client_id))
        ],
    }


def signed_content_of(session: Session, note: GroupNote) -> dict[str, Any]:
    """``signed_content`` of a note as stored now (compare with ``signing.intact``)."""
    return signed_content(note, list(session.scalars(repository.lines_of(note.id))))


def _signature_lines(
    session: Session, note: GroupNote, lines: dict[uuid.UUID, GroupNoteMember]
) -> list[SignatureLine]:
    found = signing.signatures_of(session, ENTITY, note.id)
    if not found:
        return []
    content = signed_content(note, list(lines.values()))
    names = security_service.display_names(session, {s.signer_id for s in found})
    return [
        SignatureLine(
            names.get(s.signer_id, ""), s.meaning, s.method, s.signed_at, signing.intact(s, content)
        )
        for s in found
    ]


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


def _ready_to_sign(
    session: Session, actor: Actor, occurrence_id: uuid.UUID
) -> tuple[SessionOccurrence, GroupNote, list[uuid.UUID]]:
    """Check the draft is complete and make its lines the attendees' as they are now; the
    caller then records the signature and files the note."""
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
    session.flush()
    return occurrence, note, attendee_ids


def _file(
    session: Session,
    actor: Actor,
    note: GroupNote,
    attendee_ids: Sequence[uuid.UUID],
    signature: Signature,
) -> GroupNote:
    """Freeze the signed note; it waits for a co-signature when its signer's notes need
    one."""
    cosigner = signing.needs_cosignature(session, signature.signer_id)
    note.status = NoteStatus.AWAITING_COSIGNATURE if cosigner else NoteStatus.SIGNED
    note.signed_at = signature.signed_at
    note.signed_by = signature.signer_id
    session.flush()
    for cid in attendee_ids:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type=ENTITY,
            entity_id=note.id,
            client_id=cid,
            detail={"signed": True, "awaiting_cosignature": cosigner is not None},
        )
    return note


def sign(session: Session, *, actor: Actor, occurrence_id: uuid.UUID, secret: str) -> GroupNote:
    """Check the draft is complete, confirm the signer by their password or signing PIN
    (``secret``) and file it: each attendee's chart now shows the shared part and their own
    line, and the note never changes again. Attendance changed since the draft was saved
    is taken as it is now (a line for someone since marked absent is dropped, a new
    attendee must get a line first). A wrong secret signs nothing; the caller rolls back."""
    _, note, attendee_ids = _ready_to_sign(session, actor, occurrence_id)
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=None,  # one note, filed in several charts; the audit names each client
        content=signed_content_of(session, note),
    )
    return _file(session, actor, note, attendee_ids, signature)


def sign_for_demo_seed(session: Session, *, actor: Actor, occurrence_id: uuid.UUID) -> GroupNote:
    """For ``demo.py`` only: sign a synthetic note as its session's (synthetic) leader, who
    has no password to type at seeding time. Everything else is as ``sign``;
    ``signing.record_seeded_signature`` refuses anyone but the system acting for a
    synthetic staff account."""
    occurrence, note, attendee_ids = _ready_to_sign(session, actor, occurrence_id)
    signature = signing.record_seeded_signature(
        session,
        actor=actor,
        signer_id=occurrence.leader_id,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=None,
        content=signed_content_of(session, note),
    )
    return _file(session, actor, note, attendee_ids, signature)


def cosign(session: Session, *, actor: Actor, occurrence_id: uuid.UUID, secret: str) -> GroupNote:
    """The author's supervisor co-signs a note waiting for it, with their own password or
    PIN; the note is then final. Nothing in it changes: the co-signature covers the same
    content the author signed."""
    occurrence = _occurrence(session, actor, occurrence_id, lock=True, reviewer=True)
    note = session.scalar(repository.note_of(occurrence.id))
    if note is None:
        raise NotFound("this session has no note")
    rules.require_awaiting_cosignature(note.status)
    if not is_cosigner(session, actor, note):
        raise Forbidden("only the author's supervisor co-signs this note")
    lines = list(session.scalars(repository.lines_of(note.id)))
    signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=note.id,
        client_id=None,
        content=signed_content(note, lines),
        meaning=SignatureMeaning.COSIGNER,
    )
    note.status = NoteStatus.SIGNED
    session.flush()
    for line in lines:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type=ENTITY,
            entity_id=note.id,
            client_id=line.client_id,
            detail={"cosigned": True},
        )
    return note


def awaiting_cosignature(session: Session, *, actor: Actor) -> list[CosignRow]:
    """Group notes waiting for ``actor``'s co-signature (their supervisees' signed notes),
    oldest first; empty for anyone who co-signs none. Sessions and staff only, so no
    client read is recorded."""
    if actor.user_id is None or not access.COSIGN.allows(actor.role):
        return []
    rows = list(session.execute(repository.awaiting_cosignature(actor.user_id)))
    authors = security_service.display_names(
        session, {note.signed_by for note, _ in rows if note.signed_by}
    )
    return [
        CosignRow(
            kind=ENTITY,
            entity_id=note.id,
            label=f"Group note · {occ.code} · {TOPIC_LABELS.get(occ.topic, occ.topic)}",
            day=occ.day,
            start=occ.start,
            author=authors.get(note.signed_by, "") if note.signed_by else "",
            signed_at=note.signed_at,
            url=f"/group-notes/occurrences/{occ.id}",
        )
        for note, occ in rows
    ]


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
    awaiting_cosignature: bool = False  # signed, waiting for the author's supervisor
    cosigned_by: str = ""


def _cosigners(session: Session, note_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Note -> who co-signed it, for notes that have a co-signature."""
    if not note_ids:
        return {}
    stmt = select(Signature.entity_id, Signature.signer_id).where(
        Signature.entity_type == ENTITY,
        Signature.entity_id.in_(list(note_ids)),
        Signature.meaning == SignatureMeaning.COSIGNER,
    )
    return dict(session.execute(stmt).all())


def _filed(session: Session, actor: Actor, client: Client) -> list[FiledNote]:
    """The client's filed notes; a client reading their own sees only final ones (a note
    waiting for its co-signature is not final yet)."""
    final_only = actor.role is Role.CLIENT
    rows = list(session.execute(repository.filed_for(actor, client.id, final_only=final_only)))
    cosigners = _cosigners(session, [note.id for _, note, _ in rows])
    staff = security_service.display_names(
        session,
        {occ.leader_id for _, _, occ in rows}
        | {n.signed_by for _, n, _ in rows if n.signed_by}
        | set(cosigners.values()),
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
            awaiting_cosignature=note.status is NoteStatus.AWAITING_COSIGNATURE,
            cosigned_by=staff.get(cosigners[note.id], "") if note.id in cosigners else "",
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
