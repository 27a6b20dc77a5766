"""Signing group notes as signing means it (``security.signing``): the password or PIN
again, a signature with a hash of the shared part and every line, a wrong secret signing
nothing, and the co-signature a supervised leader's note waits for."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients import service as clients_service
from stepdown.group_notes import rules, service
from stepdown.group_notes.models import GroupNote, NoteStatus, Participation
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.security import accounts, signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning, SignatureMethod, User
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, make_user
from tests.group_notes.helpers import NAMES, Group, make_group

CONTENT = "Relapse prevention: the HALT check and planning for weekends."
LINES = ("Named two weekend triggers.", "Shared a craving and how a sponsor helped.")


def _draft(session: Session, group: Group) -> None:
    service.save_draft(
        session,
        actor=actor_for(group.leader),
        occurrence_id=group.occurrence.id,
        topic="Relapse prevention",
        content=CONTENT,
        dynamics="Supportive.",
        lines=[
            rules.LineInput(group.alice.id, Participation.ACTIVE, LINES[0]),
            rules.LineInput(group.bob.id, Participation.MINIMAL, LINES[1]),
        ],
    )


def _sign(session: Session, group: Group, secret: str = PASSWORD) -> GroupNote:
    return service.sign(
        session, actor=actor_for(group.leader), occurrence_id=group.occurrence.id, secret=secret
    )


def _signatures(session: Session, note: GroupNote) -> list[Signature]:
    return signing.signatures_of(session, service.ENTITY, note.id)


def _supervise(session: Session, user: User, supervisor: User, *, cosign: bool) -> None:
    admin = make_user(session, role=Role.ADMIN)
    accounts.update_account(
        session,
        actor=actor_for(admin),
        username=user.username,
        change=accounts.AccountChange(
            display_name=user.display_name,
            email=user.email,
            role=user.role,
            site_id=user.site_id,
            supervisor_id=supervisor.id,
            cosign_notes=cosign,
        ),
    )


def test_signing_stores_a_signature_over_the_shared_part_and_every_line(
    session: Session,
) -> None:
    group = make_group(session)
    _draft(session, group)
    note = _sign(session, group)
    assert note.status is NoteStatus.SIGNED
    (signature,) = _signatures(session, note)
    assert (signature.signer_id, signature.meaning, signature.method) == (
        group.leader.id,
        SignatureMeaning.AUTHOR,
        SignatureMethod.PASSWORD,
    )
    assert (note.signed_by, note.signed_at) == (signature.signer_id, signature.signed_at)
    content = service.signed_content_of(session, note)
    assert {line["progress"] for line in content["lines"]} == set(LINES)
    assert content["content"] == CONTENT
    assert signing.intact(signature, content)
    view = service.note_for_occurrence(
        session, actor=actor_for(group.leader), occurrence_id=group.occurrence.id
    )
    (shown,) = view.signatures
    assert (shown.signer, shown.intact) == (group.leader.display_name, True)


def test_a_note_changed_behind_the_application_no_longer_shows_intact(session: Session) -> None:
    group = make_group(session)
    _draft(session, group)
    note = _sign(session, group)
    session.execute(
        update(GroupNote).where(GroupNote.id == note.id).values(content=CONTENT + " Edited.")
    )
    session.expire_all()
    view = service.note_for_occurrence(
        session, actor=actor_for(group.leader), occurrence_id=group.occurrence.id
    )
    assert [s.intact for s in view.signatures] == [False]


def test_a_pin_signs_and_a_wrong_secret_signs_nothing(session: Session) -> None:
    group = make_group(session)
    leader = actor_for(group.leader)
    signing.set_pin(session, actor=leader, password=PASSWORD, pin="739164")
    _draft(session, group)
    for secret in ("", "wrong password"):
        nested = session.begin_nested()
        with pytest.raises(Invalid) as caught:
            _sign(session, group, secret)
        nested.rollback()
        assert caught.value.field == "secret"
    note = session.scalars(select(GroupNote)).one()
    assert note.status is NoteStatus.DRAFT
    assert _signatures(session, note) == []
    note = _sign(session, group, "739164")
    assert note.status is NoteStatus.SIGNED
    assert [s.method for s in _signatures(session, note)] == [SignatureMethod.PIN]


def test_the_system_cannot_sign_a_note(session: Session) -> None:
    group = make_group(session)
    _draft(session, group)
    with pytest.raises(Forbidden):
        service.sign(
            session,
            actor=Actor.system("tests"),
            occurrence_id=group.occurrence.id,
            secret=PASSWORD,
        )


def test_a_supervised_leaders_note_waits_for_the_supervisors_cosignature(
    session: Session,
) -> None:
    group = make_group(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=group.site)
    stranger = actor_for(make_user(session, role=Role.CLINICIAN, site=group.site))
    director = actor_for(make_user(session, role=Role.DIRECTOR, site=group.site))
    _supervise(session, group.leader, supervisor, cosign=True)
    boss = actor_for(supervisor)

    _draft(session, group)
    # A supervisor reviews signed notes, not drafts.
    with pytest.raises(Forbidden):
        service.note_for_occurrence(session, actor=boss, occurrence_id=group.occurrence.id)
    assert service.awaiting_cosignature(session, actor=boss) == []
    note = _sign(session, group)
    assert note.status is NoteStatus.AWAITING_COSIGNATURE

    # Frozen and filed for staff, marked as waiting; not yet in the client's own notes.
    with pytest.raises(Conflict) as caught:
        _draft(session, group)
    assert caught.value.rule == rules.SIGNED
    (entry,) = service.notes_for_client(session, actor=director, client_id=group.alice.id)
    assert (entry.awaiting_cosignature, entry.cosigned_by) == (True, "")
    portal = make_user(session, role=Role.CLIENT, site=group.site)
    clients_service.link_portal_account(
        session, actor=actor_for(group.leader), client=group.alice, user_id=portal.id
    )
    assert service.own_notes(session, actor=actor_for(portal)) == []

    (row,) = service.awaiting_cosignature(session, actor=boss)
    assert (row.kind, row.entity_id, row.author) == (
        "group_note",
        note.id,
        group.leader.display_name,
    )
    assert row.url == f"/group-notes/occurrences/{group.occurrence.id}"
    assert group.occurrence.code in row.label
    for name in (n for triple in NAMES for n in triple if n):
        assert name not in row.label
    for other in (stranger, actor_for(group.leader), director):
        assert service.awaiting_cosignature(session, actor=other) == []

    view = service.note_for_occurrence(session, actor=boss, occurrence_id=group.occurrence.id)
    assert (view.may_cosign, view.cosigner) == (True, supervisor.display_name)
    for who in (stranger, actor_for(group.leader)):
        with pytest.raises(Forbidden):
            service.cosign(session, actor=who, occurrence_id=group.occurrence.id, secret=PASSWORD)
    nested = session.begin_nested()
    with pytest.raises(Invalid) as caught:
        service.cosign(session, actor=boss, occurrence_id=group.occurrence.id, secret="nope")
    nested.rollback()
    assert caught.value.field == "secret"
    session.refresh(note)
    assert note.status is NoteStatus.AWAITING_COSIGNATURE

    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    service.cosign(session, actor=boss, occurrence_id=group.occurrence.id, secret=PASSWORD)
    assert note.status is NoteStatus.SIGNED
    author, cosigner = _signatures(session, note)
    assert (cosigner.signer_id, cosigner.meaning) == (supervisor.id, SignatureMeaning.COSIGNER)
    assert cosigner.content_hash == author.content_hash
    audited = session.execute(
        select(AuditEntry.client_id, AuditEntry.detail).where(
            AuditEntry.seq > start, AuditEntry.entity_type == "group_note"
        )
    ).all()
    assert {cid for cid, detail in audited if detail == {"cosigned": True}} == {
        group.alice.id,
        group.bob.id,
    }
    assert service.awaiting_cosignature(session, actor=boss) == []
    (entry,) = service.notes_for_client(session, actor=director, client_id=group.alice.id)
    assert (entry.awaiting_cosignature, entry.cosigned_by) == (False, supervisor.display_name)
    assert len(service.own_notes(session, actor=actor_for(portal))) == 1
    # The supervisor still reads what they co-signed; nobody co-signs it twice.
    view = service.note_for_occurrence(session, actor=boss, occurrence_id=group.occurrence.id)
    assert (view.may_cosign, [s.meaning for s in view.signatures]) == (
        False,
        [SignatureMeaning.AUTHOR, SignatureMeaning.COSIGNER],
    )
    for who in (boss, director):
        with pytest.raises(Conflict) as caught:
            service.cosign(session, actor=who, occurrence_id=group.occurrence.id, secret=PASSWORD)
        assert caught.value.rule == rules.NOT_AWAITING


def test_a_supervised_leader_without_the_cosign_mark_signs_final(session: Session) -> None:
    group = make_group(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=group.site)
    _supervise(session, group.leader, supervisor, cosign=False)
    _draft(session, group)
    assert _sign(session, group).status is NoteStatus.SIGNED
    assert service.awaiting_cosignature(session, actor=actor_for(supervisor)) == []


def test_a_waiting_note_keeps_waiting_when_the_mark_is_removed(session: Session) -> None:
    group = make_group(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=group.site)
    _supervise(session, group.leader, supervisor, cosign=True)
    _draft(session, group)
    note = _sign(session, group)
    _supervise(session, group.leader, supervisor, cosign=False)
    boss = actor_for(supervisor)
    assert [r.entity_id for r in service.awaiting_cosignature(session, actor=boss)] == [note.id]
    service.cosign(session, actor=boss, occurrence_id=group.occurrence.id, secret=PASSWORD)
    assert note.status is NoteStatus.SIGNED


def test_the_demo_seed_signs_only_as_a_synthetic_leader(session: Session) -> None:
    group = make_group(session)
    system = Actor.system("demo")
    _draft(session, group)
    with pytest.raises(Forbidden):
        service.sign_for_demo_seed(session, actor=system, occurrence_id=group.occurrence.id)
    with pytest.raises(Forbidden):
        service.sign_for_demo_seed(
            session, actor=actor_for(group.leader), occurrence_id=group.occurrence.id
        )
    group.leader.is_synthetic = True
    session.flush()
    note = service.sign_for_demo_seed(session, actor=system, occurrence_id=group.occurrence.id)
    assert (note.status, note.signed_by) == (NoteStatus.SIGNED, group.leader.id)
    (signature,) = _signatures(session, note)
    assert signature.method is SignatureMethod.PASSWORD
    assert signing.intact(signature, service.signed_content_of(session, note))
