"""JSON routes for progress notes: list, read, start, save and discard a draft, sign, add an
addendum, co-sign or return; the overdue list, the co-sign queue, the program's settings,
and a client's own notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from stepdown.clinical_notes import access, rules, service
from stepdown.clinical_notes.schemas import (
    AddendumRead,
    AddendumWrite,
    AttendeeRead,
    CopyFlagRead,
    CosignWrite,
    NoteContentWrite,
    NoteCreate,
    NoteListItem,
    NoteRead,
    ObjectiveRead,
    OverdueRead,
    ReturnRead,
    ReturnWrite,
    RiskRead,
    SectionRead,
    SettingsRead,
    SettingsWrite,
    SignatureRead,
    SignWrite,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["progress notes"])
Writer = Annotated[Actor, allow(access.WRITE)]
Reader = Annotated[Actor, allow(access.READ)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]


def note_input(body: NoteContentWrite) -> service.NoteInput:
    return service.NoteInput(
        service_type=body.service_type,
        service_date=body.service_date,
        start=rules.parse_clock(body.start_time, field="start_time"),
        end=rules.parse_clock(body.end_time, field="end_time"),
        client_present=body.client_present,
        attendees=tuple(rules.Attendee(a.role, a.relationship, a.name) for a in body.attendees),
        sections=dict(body.sections),
        objective_ids=tuple(body.objective_ids),
        risk=rules.RiskReview(
            body.risk.suicidal_ideation,
            body.risk.homicidal_ideation,
            body.risk.action,
            body.risk.detail,
        ),
    )


def _signature(view: service.SignatureView) -> SignatureRead:
    return SignatureRead(
        meaning=view.meaning,
        signer=view.signer,
        signed_at=view.signed_at,
        method=view.method,
        intact=view.intact,
    )


def note_read(view: service.NoteView) -> NoteRead:
    note = view.note
    similar = view.similar
    return NoteRead(
        id=note.id,
        client_id=note.client_id,
        episode_id=note.episode_id,
        author_id=note.author_id,
        author=view.author,
        service_type=note.service_type,
        note_format=note.note_format,
        service_date=note.service_date,
        start_time=view.start,
        end_time=view.end,
        starts_at=note.starts_at,
        ends_at=note.ends_at,
        duration_minutes=view.minutes,
        client_present=note.client_present,
        attendees=[
            AttendeeRead(role=a.role, relationship=a.relationship, name=a.name)
            for a in view.attendees
        ],
        sections=[SectionRead(key=s.key, label=s.label, text=s.text) for s in view.sections],
        objectives=[ObjectiveRead(id=o.id, statement=o.statement) for o in view.objectives],
        risk=RiskRead(
            suicidal_ideation=view.risk.suicidal,
            homicidal_ideation=view.risk.homicidal,
            action=view.risk.action,
            detail=view.risk.detail,
            summary=view.risk_summary,
        ),
        appointment_id=note.appointment_id,
        attendance_record_id=note.attendance_record_id,
        status=note.status,
        signed_at=note.signed_at,
        late_entry=note.late_entry,
        cosigner=view.cosigner,
        cosigned_at=note.cosigned_at,
        signatures=[_signature(s) for s in view.signatures],
        intact=view.intact,
        addenda=[
            AddendumRead(
                id=a.addendum.id,
                kind=a.addendum.kind,
                text=a.addendum.text,
                author=a.author,
                written_at=a.addendum.written_at,
                signature=_signature(a.signature) if a.signature else None,
            )
            for a in view.addenda
        ],
        returns=[
            ReturnRead(
                returned_at=r.returned.returned_at, returned_by=r.by, reason=r.returned.reason
            )
            for r in view.returns
        ],
        copy_flag=CopyFlagRead(
            score=similar.score,
            similar_note_id=similar.note_id,
            similar_service_date=similar.service_date,
            same_client=similar.same_client,
            justification=note.copy_justification,
        )
        if similar
        else None,
    )


def list_item(row: service.NoteRow) -> NoteListItem:
    return NoteListItem(
        id=row.note.id,
        client_id=row.note.client_id,
        service_type=row.note.service_type,
        service_date=row.note.service_date,
        start_time=row.start,
        end_time=row.end,
        duration_minutes=row.minutes,
        author=row.author,
        status=row.note.status,
        late_entry=row.note.late_entry,
    )


def _settings(row: object) -> SettingsRead:
    return SettingsRead.model_validate(row, from_attributes=True)


@router.get("/clinical-notes/settings", response_model=SettingsRead)
def get_settings(session: DbSession, actor: Writer) -> SettingsRead:
    """The program's format, overdue hours, copy-forward threshold and portal note types."""
    return _settings(service.current_settings(session))


@router.put("/clinical-notes/settings", response_model=SettingsRead)
def put_settings(
    body: SettingsWrite, session: DbSession, actor: Annotated[Actor, allow(access.SETTINGS)]
) -> SettingsRead:
    row = service.update_settings(
        session,
        actor=actor,
        note_format=body.note_format,
        overdue_hours=body.overdue_hours,
        similarity_threshold=body.similarity_threshold,
        portal_note_types=body.portal_note_types,
    )
    return _settings(row)


@router.get("/clinical-notes/overdue", response_model=list[OverdueRead])
def overdue(session: DbSession, actor: Writer) -> list[OverdueRead]:
    """Attended appointments past due without a signed note: yours and your supervisees'
    (everyone's for the director)."""
    return [
        OverdueRead(
            appointment_id=row.appointment.id,
            client_id=row.client.id,
            client=row.client.display_name,
            staff_id=row.staff_id,
            staff=row.staff,
            day=row.appointment.day,
            start=row.appointment.start,
            end=row.appointment.end,
            due_at=row.due_at,
            hours_overdue=row.hours_overdue,
            draft_id=row.draft_id,
        )
        for row in service.overdue_notes(session, actor=actor)
    ]


@router.get("/clinical-notes/cosign-queue", response_model=list[NoteListItem])
def cosign_queue(session: DbSession, actor: Cosigner) -> list[NoteListItem]:
    """Notes waiting for your co-signature."""
    return [list_item(row) for row in service.cosign_queue(session, actor=actor)]


@router.get("/my/clinical-notes", response_model=list[NoteRead])
def my_notes(session: DbSession, actor: Annotated[Actor, allow(access.OWN)]) -> list[NoteRead]:
    """Your own signed notes of the types the program lets clients read."""
    return [note_read(view) for view in service.own_notes(session, actor=actor)]


@router.get("/clients/{client_id}/clinical-notes", response_model=list[NoteListItem])
def client_notes(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[NoteListItem]:
    """A client's filed progress notes (and your own drafts), newest first."""
    return [
        list_item(row)
        for row in service.notes_for_client(session, actor=actor, client_id=client_id)
    ]


@router.post("/clinical-notes", response_model=NoteRead, status_code=201)
def create_note(body: NoteCreate, session: DbSession, actor: Writer) -> NoteRead:
    """Start a draft for an appointment (``appointment_id`` or ``attendance_record_id``) or
    for a client's unscheduled service (``client_id``)."""
    note = service.create_note(
        session,
        actor=actor,
        data=note_input(body),
        client_id=body.client_id,
        appointment_id=body.appointment_id,
        attendance_record_id=body.attendance_record_id,
    )
    return note_read(service.get_note(session, actor=actor, note_id=note.id))


@router.get("/clinical-notes/{note_id}", response_model=NoteRead)
def get_note(note_id: uuid.UUID, session: DbSession, actor: Reader) -> NoteRead:
    return note_read(service.get_note(session, actor=actor, note_id=note_id))


@router.put("/clinical-notes/{note_id}", response_model=NoteRead)
def update_note(
    note_id: uuid.UUID, body: NoteContentWrite, session: DbSession, actor: Writer
) -> NoteRead:
    """Replace your draft's content."""
    service.update_note(session, actor=actor, note_id=note_id, data=note_input(body))
    return note_read(service.get_note(session, actor=actor, note_id=note_id))


@router.delete("/clinical-notes/{note_id}", status_code=204)
def discard_note(note_id: uuid.UUID, session: DbSession, actor: Writer) -> Response:
    """Discard your draft (a signed note is never deleted)."""
    service.discard_draft(session, actor=actor, note_id=note_id)
    return Response(status_code=204)


@router.post("/clinical-notes/{note_id}/sign", response_model=NoteRead)
def sign_note(note_id: uuid.UUID, body: SignWrite, session: DbSession, actor: Writer) -> NoteRead:
    """Sign your draft with your password or PIN; a note flagged as near-identical to
    another needs a ``justification`` (409 ``clinical_note.copy_forward`` otherwise)."""
    service.sign_note(
        session, actor=actor, note_id=note_id, secret=body.secret, justification=body.justification
    )
    return note_read(service.get_note(session, actor=actor, note_id=note_id))


@router.post("/clinical-notes/{note_id}/addenda", response_model=NoteRead, status_code=201)
def add_addendum(
    note_id: uuid.UUID, body: AddendumWrite, session: DbSession, actor: Writer
) -> NoteRead:
    service.add_addendum(
        session, actor=actor, note_id=note_id, text=body.text, secret=body.secret, kind=body.kind
    )
    return note_read(service.get_note(session, actor=actor, note_id=note_id))


@router.post("/clinical-notes/{note_id}/cosign", response_model=NoteRead)
def cosign(note_id: uuid.UUID, body: CosignWrite, session: DbSession, actor: Cosigner) -> NoteRead:
    service.cosign(session, actor=actor, note_id=note_id, secret=body.secret)
    return note_read(service.get_note(session, actor=actor, note_id=note_id))


@router.post("/clinical-notes/{note_id}/return", response_model=NoteRead)
def return_note(
    note_id: uuid.UUID, body: ReturnWrite, session: DbSession, actor: Cosigner
) -> NoteRead:
    """Send the note back to its author with a reason, instead of co-signing."""
    service.return_note(session, actor=actor, note_id=note_id, reason=body.reason)
    return note_read(service.get_note(session, actor=actor, note_id=note_id))
