"""The demo's progress notes: signed notes of every type that verify, attended
appointments left overdue, the intern's note waiting for the demo clinician's
co-signature, one note flagged as copied, and a second seeding adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.clinical_notes import service
from stepdown.clinical_notes.demo import (
    INTERN,
    INTERN_NAME,
    JUSTIFICATION,
    seed_demo_clinical_notes,
)
from stepdown.clinical_notes.models import ClinicalNote, NoteStatus, ServiceType
from stepdown.demo.seed import demo_password
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from tests.conftest import DEMO_KEY
from tests.factories import SYSTEM


def _actor(session: Session, username: str) -> Actor:
    user = security_repository.user_by_username(session, username)
    assert user is not None, username
    return security_service.actor_for(user)


def test_the_demo_has_notes_of_every_type_overdue_waiting_and_flagged(
    demo_session: Session,
) -> None:
    session = demo_session
    notes = list(session.scalars(select(ClinicalNote)))
    signed = [n for n in notes if n.status is NoteStatus.SIGNED]
    assert {n.service_type for n in signed} == set(ServiceType)
    for note in notes:
        view = service.get_note(session, actor=SYSTEM, note_id=note.id)
        assert view.signatures, note.service_type
        assert all(s.intact for s in view.signatures), note.service_type
        assert view.client.is_synthetic
    clinician = _actor(session, "clinician")
    assert {n.author_id for n in signed} >= {clinician.user_id}

    overdue = service.overdue_notes(session, actor=clinician)
    assert len(overdue) >= 2
    assert all(row.staff_id == clinician.user_id for row in overdue)
    assert all(row.hours_overdue >= 0 for row in overdue)

    (waiting,) = [n for n in notes if n.status is NoteStatus.AWAITING_COSIGNATURE]
    intern = _actor(session, INTERN)
    assert (waiting.author_id, waiting.cosigner_id) == (intern.user_id, clinician.user_id)
    (queued,) = service.cosign_queue(session, actor=clinician)
    assert (queued.note.id, queued.author) == (waiting.id, INTERN_NAME)

    (copied,) = [n for n in notes if n.copy_flagged]
    assert (copied.author_id, copied.copy_justification) == (clinician.user_id, JUSTIFICATION)
    assert copied.status is NoteStatus.SIGNED
    assert copied.similar_note_id is not None
    flagged = service.flagged_for(session, actor=_actor(session, "director"))
    assert [r.note.id for r in flagged] == [copied.id]

    clients = session.scalars(select(Client).where(Client.id.in_({n.client_id for n in notes})))
    assert all(c.is_synthetic for c in clients)


def test_a_second_seeding_adds_nothing(demo_session: Session) -> None:
    session = demo_session
    before = len(list(session.scalars(select(ClinicalNote.id))))
    assert before > 0
    added = seed_demo_clinical_notes(
        session,
        actor=SYSTEM,
        password=lambda username: demo_password(DEMO_KEY, username),
        today=today(),
    )
    assert added == 0
    assert len(list(session.scalars(select(ClinicalNote.id)))) == before
