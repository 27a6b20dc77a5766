"""JSON routes for group notes: a session's note for its leader (read, save, sign), the
sessions to document, the notes waiting for the caller's co-signature and co-signing one,
and the notes filed in a client's chart. Signing and co-signing take the signer's password
or signing PIN in the body (``{"secret": ...}``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.group_notes import access, rules, service
from stepdown.group_notes.schemas import (
    FiledNoteRead,
    LineRead,
    NoteWrite,
    ObjectiveChoiceRead,
    SessionNoteRead,
    SessionRowRead,
    SignatureRead,
    SignWrite,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.schemas import CosignRowRead

router = APIRouter(prefix="/api/v1", tags=["group notes"])
Writer = Annotated[Actor, allow(access.WRITE)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]


def session_note_read(view: service.SessionNote) -> SessionNoteRead:
    note, occ = view.note, view.occurrence
    return SessionNoteRead(
        occurrence_id=occ.id,
        day=occ.day,
        start=occ.start,
        end=occ.end,
        leader=view.leader,
        note_id=note.id if note else None,
        status=note.status if note else None,
        topic=view.topic,
        content=note.content if note else "",
        dynamics=note.dynamics if note else "",
        signed_at=note.signed_at if note else None,
        absent=view.absent,
        lines=[
            LineRead(
                client_id=row.client.id,
                record_number=row.client.record_number,
                display_name=row.client.display_name,
                attendance=row.status.value,
                participation=row.line.participation if row.line else None,
                progress=row.line.progress if row.line else "",
                objective_id=row.line.objective_id if row.line else None,
                objectives=[
                    ObjectiveChoiceRead(id=o.id, statement=o.statement) for o in row.objectives
                ],
            )
            for row in view.attendees
        ],
        signatures=[
            SignatureRead.model_validate(line, from_attributes=True) for line in view.signatures
        ],
        cosigner=view.cosigner,
    )


@router.get("/group-notes", response_model=list[SessionRowRead])
def sessions_to_document(session: DbSession, actor: Writer) -> list[SessionRowRead]:
    """The last two weeks' held sessions (a leader's own; all for a director), with the
    status of each one's note."""
    return [
        SessionRowRead(
            occurrence_id=row.occurrence.id,
            day=row.occurrence.day,
            start=row.occurrence.start,
            end=row.occurrence.end,
            topic=row.occurrence.topic,
            status=row.status,
        )
        for row in service.sessions_to_document(session, actor=actor)
    ]


@router.get("/group-notes/occurrences/{occurrence_id}", response_model=SessionNoteRead)
def get_note(occurrence_id: uuid.UUID, session: DbSession, actor: Writer) -> SessionNoteRead:
    """The session's note for its leader or a director, or for the supervisor who co-signs
    it while it waits for that."""
    view = service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence_id)
    return session_note_read(view)


@router.put("/group-notes/occurrences/{occurrence_id}", response_model=SessionNoteRead)
def save_note(
    occurrence_id: uuid.UUID, body: NoteWrite, session: DbSession, actor: Writer
) -> SessionNoteRead:
    """Save the draft: the shared text and the given attendees' lines."""
    service.save_draft(
        session,
        actor=actor,
        occurrence_id=occurrence_id,
        topic=body.topic,
        content=body.content,
        dynamics=body.dynamics,
        lines=[
            rules.LineInput(line.client_id, line.participation, line.progress, line.objective_id)
            for line in body.lines
        ],
    )
    return session_note_read(
        service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence_id)
    )


@router.post("/group-notes/occurrences/{occurrence_id}/sign", response_model=SessionNoteRead)
def sign_note(
    occurrence_id: uuid.UUID, body: SignWrite, session: DbSession, actor: Writer
) -> SessionNoteRead:
    """Sign the saved draft with your password or signing PIN, filing an individual note in
    each attendee's chart (a supervised author's note then waits for a co-signature)."""
    service.sign(session, actor=actor, occurrence_id=occurrence_id, secret=body.secret)
    return session_note_read(
        service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence_id)
    )


@router.get("/group-notes/awaiting-cosignature", response_model=list[CosignRowRead])
def awaiting_cosignature(session: DbSession, actor: Cosigner) -> list[CosignRowRead]:
    """Group notes of the staff you supervise, waiting for your co-signature."""
    return [
        CosignRowRead.model_validate(row, from_attributes=True)
        for row in service.awaiting_cosignature(session, actor=actor)
    ]


@router.post("/group-notes/occurrences/{occurrence_id}/cosign", response_model=SessionNoteRead)
def cosign_note(
    occurrence_id: uuid.UUID, body: SignWrite, session: DbSession, actor: Cosigner
) -> SessionNoteRead:
    """Co-sign a supervisee's signed note with your password or signing PIN."""
    service.cosign(session, actor=actor, occurrence_id=occurrence_id, secret=body.secret)
    return session_note_read(
        service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence_id)
    )


@router.get("/clients/{client_id}/group-notes", response_model=list[FiledNoteRead])
def client_notes(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[FiledNoteRead]:
    """The group notes filed in a client's chart (a client may ask for their own)."""
    return [
        FiledNoteRead.model_validate(n, from_attributes=True)
        for n in service.notes_for_client(session, actor=actor, client_id=client_id)
    ]
