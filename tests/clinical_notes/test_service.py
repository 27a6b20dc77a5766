"""Progress notes against a real database (SQLite and PostgreSQL): drafts and what they
document, signing and what it freezes, late entries, addenda, co-signature and returns,
the overdue list, the copy-forward check, other clients' names, who reads and writes
what, and the audit trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceStatus
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar.models import AppointmentKind, BookingStatus
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules, service
from stepdown.clinical_notes.models import (
    AddendumKind,
    ClinicalNote,
    ClinicalNoteAddendum,
    NoteFormat,
    NoteStatus,
    RiskAnswer,
    ServiceType,
)
from stepdown.kit import clock
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound, StepdownError
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import SignatureMeaning, SignatureMethod
from stepdown.security.roles import Role
from tests.clinical_notes.factories import (
    DATA,
    FAMILY,
    OTHER_ASSESSMENT,
    OTHER_DATA,
    OTHER_PLAN,
    World,
    attended_appointment,
    make_world,
    note_input,
    signed_note,
    supervise,
    write_for_appointment,
)
from tests.factories import PASSWORD, SYSTEM, make_client, make_episode, make_user

E = TypeVar("E", bound=StepdownError)
PIN = "739164"
DISTINCT = {"data": OTHER_DATA, "assessment": OTHER_ASSESSMENT, "plan": OTHER_PLAN}


def _refused(session: Session, error: type[E], call: Callable[[], object]) -> E:
    """The refusal ``call`` raises; whatever it wrote first is rolled back."""
    nested = session.begin_nested()
    with pytest.raises(error) as caught:
        call()
    nested.rollback()
    return caught.value


def _seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or 0


def _audit(session: Session, since: int, **where: Any) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(session.scalars(stmt))


def _unscheduled(
    session: Session,
    world: World,
    service_type: ServiceType,
    *,
    actor: Actor | None = None,
    client: Client | None = None,
    **overrides: Any,
) -> ClinicalNote:
    """A draft of an unscheduled service yesterday for the clinician's client."""
    fields: dict[str, Any] = {"service_type": service_type, "objectives": (world.objective.id,)}
    if service_type is ServiceType.FAMILY_WITHOUT_CLIENT:
        fields.update(client_present=False, attendees=FAMILY, risk=rules.RiskReview())
    if client is not None and client.id != world.client.id:
        fields["objectives"] = ()
    fields.update(overrides)
    return service.create_note(
        session,
        actor=actor or world.author,
        data=note_input(**fields),
        client_id=(client or world.client).id,
    )


def _sign(
    session: Session, note: ClinicalNote, actor: Actor, secret: str = PASSWORD, **kw: str
) -> ClinicalNote:
    return service.sign_note(session, actor=actor, note_id=note.id, secret=secret, **kw)


def _second_client(session: Session, world: World) -> Client:
    """Another client on the clinician's caseload (in care, no plan yet)."""
    person = make_client(
        session,
        site=world.site,
        clinician=world.clinician,
        legal_first_name="Casey",
        legal_last_name="Marlowe",
    )
    make_episode(session, client=person)
    return person


class TestDrafts:
    def test_a_draft_documents_its_appointment(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        start = _seq(session)
        note = write_for_appointment(session, world, appointment)
        assert note.status is NoteStatus.DRAFT
        assert (note.client_id, note.author_id, note.appointment_id) == (
            world.client.id,
            world.clinician.id,
            appointment.id,
        )
        assert note.attendance_record_id is not None
        assert note.note_format is NoteFormat.DAP
        assert note.service_date == appointment.day
        assert clock.local(note.starts_at).time() == time(10, 0)
        assert clock.local(note.ends_at).time() == time(10, 50)
        assert note.sections["data"] == DATA
        assert note.signed_at is None
        (created,) = _audit(session, start, action=AuditAction.CREATE, entity_type="clinical_note")
        assert (created.entity_id, created.client_id) == (str(note.id), world.client.id)
        assert created.detail == {
            "service_type": "individual_therapy",
            "appointment": appointment.id.hex,
        }
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert [o.id for o in view.objectives] == [world.objective.id]
        assert (view.can_edit, view.can_sign, view.can_add, view.minutes) == (True, True, False, 50)
        link = service.appointment_note(session, actor=world.author, appointment_id=appointment.id)
        assert (link.note_id, link.status) == (note.id, NoteStatus.DRAFT)

    def test_a_draft_may_be_started_from_the_attendance_record(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        first = write_for_appointment(session, world, appointment)
        record_id = first.attendance_record_id
        service.discard_draft(session, actor=world.author, note_id=first.id)
        note = service.create_note(
            session,
            actor=world.author,
            data=note_input(day=appointment.day, objectives=(world.objective.id,)),
            attendance_record_id=record_id,
        )
        assert (note.appointment_id, note.attendance_record_id) == (appointment.id, record_id)
        refused = _refused(
            session,
            NotFound,
            lambda: service.create_note(
                session, actor=world.author, data=note_input(), attendance_record_id=uuid.uuid4()
            ),
        )
        assert refused.field == "attendance_record_id"

    def test_a_draft_is_changed_and_discarded(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        note = write_for_appointment(session, world, appointment)
        start = _seq(session)
        service.update_note(
            session,
            actor=world.author,
            note_id=note.id,
            data=note_input(day=appointment.day, end=time(10, 45), data=OTHER_DATA, objectives=()),
        )
        assert note.sections["data"] == OTHER_DATA
        assert clock.local(note.ends_at).time() == time(10, 45)
        (changed,) = _audit(session, start, action=AuditAction.UPDATE)
        assert sorted(changed.detail["fields"]) == ["ends_at", "objectives", "sections"]
        assert OTHER_DATA not in json.dumps(changed.detail)  # names of fields, never text

        # Someone else's draft is nobody else's to change or throw away.
        colleague = world.actor(world.colleague)
        for call in (
            lambda: service.update_note(
                session, actor=colleague, note_id=note.id, data=note_input(day=appointment.day)
            ),
            lambda: service.discard_draft(session, actor=colleague, note_id=note.id),
        ):
            _refused(session, NotFound, call)

        service.discard_draft(session, actor=world.author, note_id=note.id)
        assert session.get(ClinicalNote, note.id) is None
        (deleted,) = _audit(session, start, action=AuditAction.DELETE)
        assert (deleted.entity_id, deleted.client_id) == (str(note.id), world.client.id)
        # The appointment is free for a new note.
        again = write_for_appointment(session, world, appointment)
        assert again.appointment_id == appointment.id

    def test_an_appointment_has_one_note(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        write_for_appointment(session, world, appointment)
        refused = _refused(
            session, Conflict, lambda: write_for_appointment(session, world, appointment)
        )
        assert refused.rule == rules.ALREADY_DOCUMENTED

    @pytest.mark.parametrize(
        ("status", "rule"),
        [
            (AttendanceStatus.ABSENT_UNEXCUSED, rules.NOT_ATTENDED),
            (AttendanceStatus.ABSENT_EXCUSED, rules.NOT_ATTENDED),
            (None, rules.ATTENDANCE_NOT_TAKEN),
        ],
    )
    def test_only_an_attended_appointment_is_documented(
        self, session: Session, status: AttendanceStatus | None, rule: str
    ) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world, status=status)
        refused = _refused(
            session, Conflict, lambda: write_for_appointment(session, world, appointment)
        )
        assert (refused.rule, refused.field) == (rule, "appointment_id")

    def test_a_cancelled_appointment_is_not_documented(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        appointment.status = BookingStatus.CANCELLED
        session.flush()
        refused = _refused(
            session, Conflict, lambda: write_for_appointment(session, world, appointment)
        )
        assert refused.rule == rules.CANCELLED

    def test_a_missed_family_appointment_documents_the_family_alone(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(
            session, world, kind=AppointmentKind.FAMILY, status=AttendanceStatus.ABSENT_EXCUSED
        )
        refused = _refused(
            session, Conflict, lambda: write_for_appointment(session, world, appointment)
        )
        assert refused.rule == rules.NOT_ATTENDED
        note = write_for_appointment(
            session,
            world,
            appointment,
            service_type=ServiceType.FAMILY_WITHOUT_CLIENT,
            client_present=False,
            risk=rules.RiskReview(),
        )
        assert (note.service_type, note.client_present) == (
            ServiceType.FAMILY_WITHOUT_CLIENT,
            False,
        )
        signed = _sign(session, note, world.author)
        assert signed.status is NoteStatus.SIGNED

    def test_the_appointment_decides_client_day_and_writer(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        other_client = _refused(
            session,
            Invalid,
            lambda: service.create_note(
                session,
                actor=world.author,
                data=note_input(day=appointment.day),
                appointment_id=appointment.id,
                client_id=world.other.id,
            ),
        )
        assert other_client.field == "client_id"
        other_day = _refused(
            session,
            Invalid,
            lambda: write_for_appointment(
                session, world, appointment, day=appointment.day - timedelta(days=1)
            ),
        )
        assert other_day.field == "service_date"
        # Only the staff member who held it writes its note.
        _refused(
            session,
            Forbidden,
            lambda: service.create_note(
                session,
                actor=world.actor(world.colleague),
                data=note_input(day=appointment.day),
                appointment_id=appointment.id,
            ),
        )
        unknown = _refused(
            session,
            NotFound,
            lambda: service.create_note(
                session, actor=world.author, data=note_input(), appointment_id=uuid.uuid4()
            ),
        )
        assert unknown.field == "appointment_id"
        wrong_kind = _refused(
            session,
            Invalid,
            lambda: write_for_appointment(
                session, world, appointment, service_type=ServiceType.MEDICATION_MANAGEMENT
            ),
        )
        assert wrong_kind.field == "service_type"

    def test_therapy_is_written_from_its_appointment(self, session: Session) -> None:
        world = make_world(session)
        for service_type in (ServiceType.INDIVIDUAL_THERAPY, ServiceType.FAMILY_WITH_CLIENT):
            refused = _refused(
                session,
                Conflict,
                lambda service_type=service_type: _unscheduled(
                    session, world, service_type, attendees=FAMILY
                ),
            )
            assert refused.rule == rules.NEEDS_APPOINTMENT

    def test_what_was_typed_is_checked_at_each_save(self, session: Session) -> None:
        world = make_world(session)
        for overrides, error, field in (
            ({"start": time(11, 0), "end": time(10, 0)}, Invalid, "end_time"),
            ({"start": time(9, 0), "end": time(13, 30)}, Invalid, "end_time"),
            ({"day": today() + timedelta(days=1)}, Invalid, "start_time"),
            ({"day": today() - timedelta(days=40)}, Conflict, "service_date"),  # before care
            ({"objectives": (uuid.uuid4(),)}, Invalid, "objective_ids"),
            ({"client_present": False}, Invalid, "client_present"),
            ({"data": "x" * (rules.LIMITS["section"] + 1)}, Invalid, "section-data"),
        ):
            refused = _refused(
                session,
                error,
                lambda overrides=overrides: _unscheduled(
                    session, world, ServiceType.MEDICATION_MANAGEMENT, **overrides
                ),
            )
            assert refused.field == field, overrides
        assert session.scalar(select(func.count()).select_from(ClinicalNote)) == 0

    def test_an_attendee_who_is_a_client_is_refused(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world, kind=AppointmentKind.FAMILY)
        for name, error in (("brennan okafor", Conflict), ("Avery Tillman", Invalid)):
            people = (*FAMILY, rules.Attendee(rules.AttendeeRole.FAMILY, "cousin", name))
            refused = _refused(
                session,
                error,
                lambda people=people: write_for_appointment(
                    session, world, appointment, attendees=people
                ),
            )
            assert refused.field == "attendee-name-1"
        # Someone present may share a first name with another client.
        namesake = (rules.Attendee(rules.AttendeeRole.FAMILY, "brother", "Brennan Tillman"),)
        note = write_for_appointment(
            session,
            world,
            appointment,
            attendees=namesake,
            data="Brennan said the home is calmer; " + DATA,
        )
        assert note.attendees[0]["name"] == "Brennan Tillman"

    @pytest.mark.parametrize("last", ["Strauß", "ÖZTÜRK", "Ｏkafor"])
    def test_an_attendee_is_compared_with_clients_names_in_one_form(
        self, session: Session, last: str
    ) -> None:
        """Casefolding ("ß" is "ss"), capitals beyond ASCII and full-width letters: the
        name typed and the name on record are compared in the same form on both databases."""
        world = make_world(session)
        make_client(session, site=world.site, legal_first_name="Jonas", legal_last_name=last)
        appointment = attended_appointment(session, world, kind=AppointmentKind.FAMILY)
        typed = {"Strauß": "jonas STRAUSS", "ÖZTÜRK": "Jonas Öztürk"}.get(last, "Jonas Okafor")
        people = (*FAMILY, rules.Attendee(rules.AttendeeRole.FAMILY, "cousin", typed))
        refused = _refused(
            session,
            Conflict,
            lambda: write_for_appointment(session, world, appointment, attendees=people),
        )
        assert (refused.field, refused.rule) == ("attendee-name-1", rules.ATTENDEE_IS_CLIENT)


class TestSigning:
    def test_signing_with_the_password_freezes_the_note(self, session: Session) -> None:
        world = make_world(session)
        appointment = attended_appointment(session, world)
        note = write_for_appointment(session, world, appointment)
        start = _seq(session)
        _sign(session, note, world.author)
        assert note.status is NoteStatus.SIGNED
        assert (note.signed_by, note.late_entry, note.copy_flagged) == (
            world.clinician.id,
            False,
            False,
        )
        (signature,) = signing.signatures_of(session, service.ENTITY, note.id)
        assert (signature.signer_id, signature.meaning, signature.method) == (
            world.clinician.id,
            SignatureMeaning.AUTHOR,
            SignatureMethod.PASSWORD,
        )
        assert note.signed_at == signature.signed_at
        content = service.note_content(note, [world.objective.id], justification="")
        assert signature.content_hash == signing.content_hash(content)
        assert content["sections"]["data"] == DATA
        assert content["appointment"] == str(appointment.id)
        actions = [(e.action, e.entity_id) for e in _audit(session, start)]
        assert (AuditAction.SIGN, str(note.id)) in actions
        (updated,) = _audit(session, start, action=AuditAction.UPDATE)
        assert updated.detail["status"] == "signed"

        frozen = _refused(
            session,
            Conflict,
            lambda: service.update_note(
                session,
                actor=world.author,
                note_id=note.id,
                data=note_input(day=appointment.day, data=OTHER_DATA),
            ),
        )
        assert frozen.rule == rules.SIGNED
        for call in (
            lambda: service.discard_draft(session, actor=world.author, note_id=note.id),
            lambda: _sign(session, note, world.author),
            lambda: service.edit_form(session, actor=world.author, note_id=note.id),
        ):
            assert _refused(session, Conflict, call).rule == rules.SIGNED
        session.refresh(note)
        assert note.sections["data"] == DATA
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert [(s.signer, s.intact) for s in view.signatures] == [
            (world.clinician.display_name, True)
        ]
        assert (view.can_edit, view.can_sign, view.can_add, view.intact) == (
            False,
            False,
            True,
            True,
        )
        assert service.overdue_notes(session, actor=world.author) == []

    def test_a_wrong_secret_signs_nothing_and_a_pin_signs(self, session: Session) -> None:
        world = make_world(session)
        note = write_for_appointment(session, world, attended_appointment(session, world))
        signing.set_pin(session, actor=world.author, password=PASSWORD, pin=PIN)
        start = _seq(session)
        for secret in ("", "not my password", "123456"):
            refused = _refused(
                session, Invalid, lambda secret=secret: _sign(session, note, world.author, secret)
            )
            assert refused.field == signing.SECRET_FIELD
        session.refresh(note)
        assert (note.status, note.signed_at) == (NoteStatus.DRAFT, None)
        assert signing.signatures_of(session, service.ENTITY, note.id) == []
        assert _audit(session, start, action=AuditAction.SIGN) == []
        _sign(session, note, world.author, PIN)
        assert note.status is NoteStatus.SIGNED
        (signature,) = signing.signatures_of(session, service.ENTITY, note.id)
        assert signature.method is SignatureMethod.PIN
        (audited,) = _audit(session, start, action=AuditAction.SIGN)
        assert (audited.actor_id, audited.detail["method"]) == (world.clinician.id, "pin")

    def test_only_the_author_signs(self, session: Session) -> None:
        world = make_world(session)
        note = write_for_appointment(session, world, attended_appointment(session, world))
        _refused(session, NotFound, lambda: _sign(session, note, world.actor(world.director)))
        _refused(session, Forbidden, lambda: _sign(session, note, SYSTEM))

    def test_signing_needs_a_complete_note(self, session: Session) -> None:
        world = make_world(session)
        for overrides, field in (
            ({"plan": "  "}, "section-plan"),
            ({"risk": rules.RiskReview(RiskAnswer.DENIED)}, "homicidal_ideation"),
            ({"objectives": ()}, "objective_ids"),
        ):
            note = write_for_appointment(
                session, world, attended_appointment(session, world), **overrides
            )
            refused = _refused(
                session, Conflict, lambda note=note: _sign(session, note, world.author)
            )
            assert (refused.field, refused.rule) == (field, rules.INCOMPLETE)
            assert note.status is NoteStatus.DRAFT

    def test_a_note_signed_after_the_programs_hours_is_a_late_entry(self, session: Session) -> None:
        world = make_world(session)
        in_time = signed_note(session, world, attended_appointment(session, world, days_ago=1))
        # Four days back ends at least 84 hours before any moment of today.
        late = signed_note(
            session,
            world,
            attended_appointment(session, world, days_ago=4),
            data=OTHER_DATA,
            assessment=OTHER_ASSESSMENT,
            plan=OTHER_PLAN,
        )
        assert (in_time.late_entry, late.late_entry) == (False, True)
        assert late.signed_at is not None
        assert late.signed_at > rules.due_at(late.ends_at, rules.DEFAULT_OVERDUE_HOURS)

        service.update_settings(
            session,
            actor=world.actor(world.director),
            note_format=NoteFormat.DAP,
            overdue_hours=1,
            similarity_threshold=0.9,
            portal_note_types=[],
        )
        # Yesterday's session ended at least 13 hours before now.
        stricter = signed_note(
            session,
            world,
            attended_appointment(session, world, days_ago=1),
            data="Client described the weekend: two meetings, a long walk and calls home.",
            assessment="Engaged and hopeful; the routine is holding.",
            plan="Meet next week; add a Sunday meeting.",
        )
        assert stricter.late_entry is True
        assert in_time.late_entry is False  # a change of setting leaves signed notes alone

    def test_a_note_changed_behind_the_application_is_no_longer_intact(
        self, session: Session
    ) -> None:
        world = make_world(session)
        note = signed_note(session, world)
        session.execute(
            update(ClinicalNote)
            .where(ClinicalNote.id == note.id)
            .values(sections={**note.sections, "plan": "Changed later."})
        )
        session.expire_all()
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert [s.intact for s in view.signatures] == [False]
        assert view.intact is False


class TestAddenda:
    def test_addenda_keep_their_own_author_time_and_signature(self, session: Session) -> None:
        world = make_world(session)
        note = signed_note(session, world)
        signed_sections = dict(note.sections)
        director = world.actor(world.director)
        draft = write_for_appointment(
            session,
            world,
            attended_appointment(session, world, days_ago=2),
            data=OTHER_DATA,
            assessment=OTHER_ASSESSMENT,
            plan=OTHER_PLAN,
        )
        not_yet = _refused(
            session,
            Conflict,
            lambda: service.add_addendum(
                session, actor=world.author, note_id=draft.id, text="x", secret=PASSWORD
            ),
        )
        assert not_yet.rule == rules.NOT_SIGNED

        signing.set_pin(session, actor=world.author, password=PASSWORD, pin=PIN)
        start = _seq(session)
        first = service.add_addendum(
            session,
            actor=world.author,
            note_id=note.id,
            text="  The craving was on Sunday, not Saturday.  ",
            secret=PIN,
            kind=AddendumKind.CORRECTION,
        )
        second = service.add_addendum(
            session,
            actor=director,
            note_id=note.id,
            text="Reviewed with the team on Monday.",
            secret=PASSWORD,
        )
        wrong = _refused(
            session,
            Invalid,
            lambda: service.add_addendum(
                session, actor=director, note_id=note.id, text="Lost.", secret="nope"
            ),
        )
        assert wrong.field == signing.SECRET_FIELD
        assert first.text == "The craving was on Sunday, not Saturday."
        assert (first.author_id, first.kind) == (world.clinician.id, AddendumKind.CORRECTION)
        assert (second.author_id, second.kind) == (world.director.id, AddendumKind.ADDENDUM)
        assert first.written_at <= second.written_at
        session.refresh(note)
        assert note.sections == signed_sections
        assert note.status is NoteStatus.SIGNED
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert [(a.addendum.text, a.author) for a in view.addenda] == [
            (first.text, world.clinician.display_name),
            (second.text, world.director.display_name),
        ]
        assert [
            (a.signature.meaning, a.signature.method, a.signature.intact)
            for a in view.addenda
            if a.signature
        ] == [
            (SignatureMeaning.ADDENDUM, SignatureMethod.PIN, True),
            (SignatureMeaning.ADDENDUM, SignatureMethod.PASSWORD, True),
        ]
        assert [s.intact for s in view.signatures] == [True]  # the note's own is untouched
        assert session.scalar(select(func.count()).select_from(ClinicalNoteAddendum)) == 2
        created = _audit(session, start, action=AuditAction.CREATE)
        assert [e.entity_type for e in created] == ["clinical_note_addendum"] * 2
        assert "Sunday" not in json.dumps([e.detail for e in created])

    def test_who_may_add_to_a_note(self, session: Session) -> None:
        world = make_world(session)
        note = signed_note(session, world)
        for user, error in (
            (world.colleague, NotFound),  # not their caseload
            (world.review, Forbidden),  # reads, never writes
            (world.case_manager, NotFound),  # reads case-management notes only
        ):
            _refused(
                session,
                error,
                lambda user=user: service.add_addendum(
                    session, actor=world.actor(user), note_id=note.id, text="x", secret=PASSWORD
                ),
            )

    def test_an_addendum_names_no_other_client(self, session: Session) -> None:
        world = make_world(session)
        note = signed_note(session, world)
        refused = _refused(
            session,
            Conflict,
            lambda: service.add_addendum(
                session,
                actor=world.author,
                note_id=note.id,
                text="Met Okafor in the lobby.",
                secret=PASSWORD,
            ),
        )
        assert (refused.field, refused.rule) == ("text", rules.NAMES_CLIENT)


class TestCosignature:
    def test_a_supervised_authors_note_waits_for_the_supervisor(self, session: Session) -> None:
        world = make_world(session)
        supervisor = world.colleague
        boss = world.actor(supervisor)
        supervise(session, supervisor, world.clinician)
        note = signed_note(session, world)
        assert (note.status, note.cosigner_id) == (NoteStatus.AWAITING_COSIGNATURE, supervisor.id)
        assert [r.note.id for r in service.cosign_queue(session, actor=boss)] == [note.id]
        for other in (world.author, world.actor(world.director)):
            assert service.cosign_queue(session, actor=other) == []
            _refused(
                session,
                Forbidden,
                lambda other=other: service.cosign(
                    session, actor=other, note_id=note.id, secret=PASSWORD
                ),
            )
        # The supervisor reads the note of a client who is not on their caseload.
        view = service.get_note(session, actor=boss, note_id=note.id)
        assert (view.can_cosign, view.cosigner) == (True, supervisor.display_name)
        wrong = _refused(
            session,
            Invalid,
            lambda: service.cosign(session, actor=boss, note_id=note.id, secret="nope"),
        )
        assert wrong.field == signing.SECRET_FIELD
        session.refresh(note)
        assert note.status is NoteStatus.AWAITING_COSIGNATURE

        service.cosign(session, actor=boss, note_id=note.id, secret=PASSWORD)
        assert (note.status, note.cosigned_by) == (NoteStatus.SIGNED, supervisor.id)
        assert note.cosigned_at is not None
        assert service.cosign_queue(session, actor=boss) == []
        author, cosigner = signing.signatures_of(session, service.ENTITY, note.id)
        assert (author.meaning, cosigner.meaning) == (
            SignatureMeaning.AUTHOR,
            SignatureMeaning.COSIGNER,
        )
        assert cosigner.signer_id == supervisor.id
        view = service.get_note(session, actor=boss, note_id=note.id)
        assert [s.intact for s in view.signatures] == [True, True]
        again = _refused(
            session,
            Conflict,
            lambda: service.cosign(session, actor=boss, note_id=note.id, secret=PASSWORD),
        )
        assert again.rule == rules.NOT_AWAITING

    def test_a_returned_note_is_answered_with_an_addendum(self, session: Session) -> None:
        world = make_world(session)
        boss = world.actor(world.colleague)
        supervise(session, world.colleague, world.clinician)
        note = signed_note(session, world)
        blank = _refused(
            session,
            Invalid,
            lambda: service.return_note(session, actor=boss, note_id=note.id, reason="  "),
        )
        assert blank.field == "reason"
        naming = _refused(
            session,
            Conflict,
            lambda: service.return_note(
                session, actor=boss, note_id=note.id, reason="Compare with Brennan's last note."
            ),
        )
        assert (naming.field, naming.rule) == ("reason", rules.NAMES_CLIENT)
        _refused(
            session,
            Forbidden,
            lambda: service.return_note(
                session, actor=world.author, note_id=note.id, reason="Self."
            ),
        )
        returned = service.return_note(
            session, actor=boss, note_id=note.id, reason="Say which objective this addressed."
        )
        assert (returned.returned_by, note.status) == (world.colleague.id, NoteStatus.RETURNED)
        assert service.cosign_queue(session, actor=boss) == []
        assert [r.note.id for r in service.returned_by_me(session, actor=boss)] == [note.id]
        waiting = _refused(
            session,
            Conflict,
            lambda: service.cosign(session, actor=boss, note_id=note.id, secret=PASSWORD),
        )
        assert waiting.rule == rules.NOT_AWAITING
        mine = service.my_notes(session, actor=world.author)
        assert [r.note.id for r in mine.returned] == [note.id]

        service.add_addendum(
            session,
            actor=world.author,
            note_id=note.id,
            text="The session addressed the meetings objective.",
            secret=PASSWORD,
        )
        assert note.status is NoteStatus.AWAITING_COSIGNATURE
        assert [r.note.id for r in service.cosign_queue(session, actor=boss)] == [note.id]
        assert service.returned_by_me(session, actor=boss) == []
        service.cosign(session, actor=boss, note_id=note.id, secret=PASSWORD)
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert view.note.status is NoteStatus.SIGNED
        assert [r.returned.reason for r in view.returns] == ["Say which objective this addressed."]
        assert [a.signature.intact for a in view.addenda if a.signature] == [True]
        assert [(s.meaning, s.intact) for s in view.signatures] == [
            (SignatureMeaning.AUTHOR, True),
            (SignatureMeaning.COSIGNER, True),
        ]

    def test_without_the_cosign_mark_the_authors_signature_is_final(self, session: Session) -> None:
        world = make_world(session)
        supervise(session, world.colleague, world.clinician, cosign=False)
        note = signed_note(session, world)
        assert (note.status, note.cosigner_id) == (NoteStatus.SIGNED, None)
        assert service.cosign_queue(session, actor=world.actor(world.colleague)) == []

    def test_a_supervised_author_documents_the_supervisors_clients(self, session: Session) -> None:
        world = make_world(session)
        intern = make_user(session, role=Role.CLINICIAN, site=world.site)
        trainee = world.actor(intern)
        # Without a co-signing supervisor the client is not theirs to document.
        _refused(
            session,
            NotFound,
            lambda: _unscheduled(session, world, ServiceType.MAT_VISIT, actor=trainee),
        )
        supervise(session, world.clinician, intern)
        note = _unscheduled(session, world, ServiceType.MAT_VISIT, actor=trainee)
        _sign(session, note, trainee)
        assert (note.status, note.cosigner_id) == (
            NoteStatus.AWAITING_COSIGNATURE,
            world.clinician.id,
        )
        assert [c.id for c in service.supervised_clients(session, actor=trainee)] == [
            world.client.id
        ]
        service.cosign(session, actor=world.author, note_id=note.id, secret=PASSWORD)
        assert note.status is NoteStatus.SIGNED


class TestOverdue:
    def test_attended_appointments_without_a_signed_note_past_the_hours(
        self, session: Session
    ) -> None:
        world = make_world(session)
        supervisor = make_user(session, role=Role.CLINICIAN, site=world.site)
        supervise(session, supervisor, world.clinician, cosign=False)
        late = attended_appointment(session, world, days_ago=4)
        recent = attended_appointment(session, world, days_ago=1)
        attended_appointment(session, world, days_ago=5, status=AttendanceStatus.ABSENT_UNEXCUSED)
        attended_appointment(session, world, days_ago=6, status=None)
        theirs = attended_appointment(
            session, world, days_ago=4, staff=world.colleague, client=world.other
        )
        start = _seq(session)
        (row,) = service.overdue_notes(session, actor=world.author)
        ends = clock.to_utc(datetime.combine(late.day, time(11, 0)))
        assert (row.appointment.id, row.client.id, row.staff_id, row.draft_id) == (
            late.id,
            world.client.id,
            world.clinician.id,
            None,
        )
        assert row.due_at == rules.due_at(ends, rules.DEFAULT_OVERDUE_HOURS)
        assert row.hours_overdue >= 12
        (read,) = _audit(session, start, action=AuditAction.READ)
        assert (read.entity_type, read.client_id) == ("clinical_note", world.client.id)

        as_supervisor = service.overdue_notes(session, actor=world.actor(supervisor))
        assert [r.appointment.id for r in as_supervisor] == [late.id]
        everyone = service.overdue_notes(session, actor=world.actor(world.director))
        assert {r.appointment.id for r in everyone} == {late.id, theirs.id}
        assert [
            r.appointment.id
            for r in service.overdue_notes(session, actor=world.actor(world.colleague))
        ] == [theirs.id]
        _refused(
            session,
            Forbidden,
            lambda: service.overdue_notes(session, actor=world.actor(world.admin)),
        )

        draft = write_for_appointment(session, world, late)
        (row,) = service.overdue_notes(session, actor=world.author)
        assert row.draft_id == draft.id
        _sign(session, draft, world.author)
        assert draft.late_entry is True
        assert service.overdue_notes(session, actor=world.author) == []
        assert service.overdue_notes(session, actor=world.actor(supervisor)) == []

        service.update_settings(
            session,
            actor=world.actor(world.director),
            note_format=NoteFormat.DAP,
            overdue_hours=1,
            similarity_threshold=0.9,
            portal_note_types=[],
        )
        (row,) = service.overdue_notes(session, actor=world.author)
        assert row.appointment.id == recent.id

    def test_a_note_awaiting_cosignature_is_not_overdue(self, session: Session) -> None:
        world = make_world(session)
        supervise(session, world.colleague, world.clinician)
        appointment = attended_appointment(session, world, days_ago=4)
        signed_note(session, world, appointment)
        assert service.overdue_notes(session, actor=world.author) == []
        assert service.overdue_notes(session, actor=world.actor(world.colleague)) == []


class TestCopyForward:
    def test_a_copy_of_the_same_clients_earlier_note_is_flagged(self, session: Session) -> None:
        world = make_world(session)
        earlier = signed_note(session, world, attended_appointment(session, world, days_ago=2))
        note = write_for_appointment(
            session,
            world,
            attended_appointment(session, world, days_ago=1),
            data=DATA.replace("four", "five"),
        )
        refused = _refused(session, Conflict, lambda: _sign(session, note, world.author))
        assert (refused.field, refused.rule) == ("justification", rules.COPIED)
        assert "% the same as another note" in refused.message
        assert note.status is NoteStatus.DRAFT
        naming = _refused(
            session,
            Conflict,
            lambda: _sign(session, note, world.author, justification="Same as Brennan's."),
        )
        assert (naming.field, naming.rule) == ("justification", rules.NAMES_CLIENT)

        reason = "The client read the same log aloud; the wording is theirs."
        _sign(session, note, world.author, justification=f"  {reason} ")
        assert (note.copy_flagged, note.similar_note_id, note.copy_justification) == (
            True,
            earlier.id,
            reason,
        )
        assert note.similarity_score is not None
        assert note.similarity_score >= rules.DEFAULT_THRESHOLD
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert view.similar is not None
        assert (view.similar.note_id, view.similar.same_client) == (earlier.id, True)
        assert [s.intact for s in view.signatures] == [True]  # the reason is what was signed
        assert [r.note.id for r in service.flagged_for(session, actor=world.author)] == [note.id]
        director = world.actor(world.director)
        assert [r.note.id for r in service.flagged_for(session, actor=director)] == [note.id]
        assert service.get_note(session, actor=director, note_id=note.id).similar is not None
        # Utilization review reads the note, not the flag.
        assert (
            service.get_note(session, actor=world.actor(world.review), note_id=note.id).similar
            is None
        )

    def test_a_copy_of_another_clients_note_by_the_same_author_is_flagged(
        self, session: Session
    ) -> None:
        world = make_world(session)
        earlier = signed_note(session, world, attended_appointment(session, world, days_ago=2))
        second = _second_client(session, world)
        note = write_for_appointment(
            session,
            world,
            attended_appointment(session, world, days_ago=1, client=second),
            objectives=(),
            plan="Continue weekly; practise urge surfing daily and bring the log on Monday.",
        )
        refused = _refused(session, Conflict, lambda: _sign(session, note, world.author))
        assert refused.rule == rules.COPIED
        _sign(session, note, world.author, justification="Both did the same worksheet.")
        assert (note.copy_flagged, note.similar_note_id) == (True, earlier.id)
        view = service.get_note(session, actor=world.author, note_id=note.id)
        assert view.similar is not None
        assert view.similar.same_client is False

    def test_a_distinct_note_is_not_flagged(self, session: Session) -> None:
        world = make_world(session)
        earlier = signed_note(session, world, attended_appointment(session, world, days_ago=2))
        note = signed_note(
            session,
            world,
            attended_appointment(session, world, days_ago=1),
            data=OTHER_DATA,
            assessment=OTHER_ASSESSMENT,
            plan=OTHER_PLAN,
        )
        assert (note.copy_flagged, note.copy_justification) == (False, "")
        assert note.similar_note_id == earlier.id
        assert note.similarity_score is not None
        assert note.similarity_score < rules.DEFAULT_THRESHOLD
        assert service.get_note(session, actor=world.author, note_id=note.id).similar is None

    def test_a_colleagues_note_for_another_client_is_not_compared(self, session: Session) -> None:
        world = make_world(session)
        signed_note(
            session,
            world,
            attended_appointment(
                session, world, days_ago=2, staff=world.colleague, client=world.other
            ),
            objectives=(),
        )
        note = signed_note(session, world)
        assert (note.copy_flagged, note.similar_note_id) == (False, None)


def _write_each_type(
    session: Session, world: World, service_type: ServiceType, **overrides: Any
) -> ClinicalNote:
    if service_type is ServiceType.INDIVIDUAL_THERAPY:
        return write_for_appointment(
            session, world, attended_appointment(session, world), **overrides
        )
    if service_type is ServiceType.FAMILY_WITH_CLIENT:
        appointment = attended_appointment(session, world, kind=AppointmentKind.FAMILY)
        return write_for_appointment(session, world, appointment, **overrides)
    return _unscheduled(session, world, service_type, **overrides)


class TestNames:
    @pytest.mark.parametrize("service_type", list(ServiceType))
    @pytest.mark.parametrize(
        ("part", "text"),
        [
            ("data", "Talked about BRENNAN from group and the ride home."),
            ("plan", "Check in with Okafor's sponsor next week."),
            ("risk_detail", "Said Bren had worried them."),
        ],
    )
    def test_every_note_type_refuses_another_clients_name(
        self, session: Session, service_type: ServiceType, part: str, text: str
    ) -> None:
        world = make_world(session)
        overrides: dict[str, Any] = {part: text} if part != "risk_detail" else {}
        if part == "risk_detail":
            overrides["risk"] = rules.RiskReview(
                RiskAnswer.DENIED, RiskAnswer.DENIED, rules.RiskAction.NONE, text
            )
        refused = _refused(
            session,
            Conflict,
            lambda: _write_each_type(session, world, service_type, **overrides),
        )
        field = "risk_detail" if part == "risk_detail" else f"section-{part}"
        assert (refused.field, refused.rule) == (field, rules.NAMES_CLIENT)
        assert "Bren" not in refused.message
        assert "Okafor" not in refused.message

    @pytest.mark.parametrize("service_type", list(ServiceType))
    def test_every_note_type_is_signed_with_the_clients_own_name(
        self, session: Session, service_type: ServiceType
    ) -> None:
        world = make_world(session)
        note = _write_each_type(
            session, world, service_type, data="Avery Tillman (Avery) reported a steady week."
        )
        _sign(session, note, world.author)
        assert note.status is NoteStatus.SIGNED

    def test_the_other_clients_note_may_not_name_this_one(self, session: Session) -> None:
        world = make_world(session)
        refused = _refused(
            session,
            Conflict,
            lambda: _unscheduled(
                session,
                world,
                ServiceType.CASE_MANAGEMENT,
                actor=world.actor(world.colleague),
                client=world.other,
                data="Shares rides with Tillman.",
            ),
        )
        assert refused.rule == rules.NAMES_CLIENT


class TestWhoReadsAndWrites:
    def test_a_draft_is_the_authors_alone(self, session: Session) -> None:
        world = make_world(session)
        supervise(session, world.colleague, world.clinician)
        note = write_for_appointment(session, world, attended_appointment(session, world))
        for user in (world.colleague, world.director, world.review, world.case_manager):
            _refused(
                session,
                NotFound,
                lambda user=user: service.get_note(
                    session, actor=world.actor(user), note_id=note.id
                ),
            )
        rows = service.notes_for_client(
            session, actor=world.actor(world.director), client_id=world.client.id
        )
        assert rows == []
        (mine,) = service.notes_for_client(session, actor=world.author, client_id=world.client.id)
        assert mine.note.id == note.id

    def test_who_reads_a_signed_note(self, session: Session) -> None:
        world = make_world(session)
        therapy = signed_note(session, world)
        contact = _unscheduled(
            session,
            world,
            ServiceType.CASE_MANAGEMENT,
            actor=world.actor(world.case_manager),
            data=OTHER_DATA,
            assessment=OTHER_ASSESSMENT,
            plan=OTHER_PLAN,
        )
        _sign(session, contact, world.actor(world.case_manager))
        readers = {
            "clinician": (world.clinician, {therapy.id, contact.id}),
            "director": (world.director, {therapy.id, contact.id}),
            "review": (world.review, {therapy.id, contact.id}),
            "case manager": (world.case_manager, {contact.id}),
            "colleague": (world.colleague, set()),
            "admin": (world.admin, set()),
            "admissions": (world.admissions, set()),
        }
        for label, (user, expected) in readers.items():
            actor = world.actor(user)
            readable = set()
            for note in (therapy, contact):
                nested = session.begin_nested()
                try:
                    service.get_note(session, actor=actor, note_id=note.id)
                    readable.add(note.id)
                except NotFound:
                    pass
                nested.rollback()
            assert readable == expected, label
        listed = service.notes_for_client(
            session, actor=world.actor(world.case_manager), client_id=world.client.id
        )
        assert [r.note.id for r in listed] == [contact.id]
        _refused(
            session,
            Forbidden,
            lambda: service.notes_for_client(
                session, actor=world.actor(world.admin), client_id=world.client.id
            ),
        )
        _refused(
            session,
            NotFound,
            lambda: service.get_note(session, actor=world.author, note_id=uuid.uuid4()),
        )

    def test_who_writes_which_notes(self, session: Session) -> None:
        world = make_world(session)
        manager = world.actor(world.case_manager)
        refused = _refused(
            session,
            Forbidden,
            lambda: _unscheduled(session, world, ServiceType.MEDICATION_MANAGEMENT, actor=manager),
        )
        assert refused.field == "service_type"
        for user in (world.review, world.admin, world.admissions):
            _refused(
                session,
                Forbidden,
                lambda user=user: _unscheduled(
                    session, world, ServiceType.CASE_MANAGEMENT, actor=world.actor(user)
                ),
            )
        _refused(
            session,
            Forbidden,
            lambda: _unscheduled(session, world, ServiceType.CASE_MANAGEMENT, actor=SYSTEM),
        )
        # A clinician documents their own caseload, not a colleague's client.
        _refused(
            session,
            NotFound,
            lambda: _unscheduled(
                session,
                world,
                ServiceType.MEDICATION_MANAGEMENT,
                actor=world.actor(world.colleague),
            ),
        )
        note = _unscheduled(session, world, ServiceType.CASE_MANAGEMENT, actor=manager)
        assert note.author_id == world.case_manager.id
        note = _unscheduled(
            session,
            world,
            ServiceType.PSYCHIATRIC_EVALUATION,
            actor=world.actor(world.director),
            data=OTHER_DATA,
        )
        assert note.author_id == world.director.id

    def test_the_portal_shows_the_clients_own_final_notes_of_the_allowed_types(
        self, session: Session
    ) -> None:
        world = make_world(session)
        portal = make_user(session, role=Role.CLIENT)
        clients_service.link_portal_account(
            session, actor=SYSTEM, client=world.client, user_id=portal.id
        )
        me = world.actor(portal)
        therapy = signed_note(session, world)
        medication = _unscheduled(
            session,
            world,
            ServiceType.MEDICATION_MANAGEMENT,
            data=OTHER_DATA,
            assessment=OTHER_ASSESSMENT,
            plan=OTHER_PLAN,
        )
        _sign(session, medication, world.author)
        draft = write_for_appointment(
            session,
            world,
            attended_appointment(session, world, days_ago=3),
            data="Client brought the urge log; three entries, each under ten minutes.",
        )
        others_note = signed_note(
            session,
            world,
            attended_appointment(
                session, world, days_ago=2, staff=world.colleague, client=world.other
            ),
            objectives=(),
            data="A separate session about housing and the bus schedule.",
        )
        assert service.own_notes(session, actor=me) == []  # none shared by default
        _refused(session, NotFound, lambda: service.get_note(session, actor=me, note_id=therapy.id))

        service.update_settings(
            session,
            actor=world.actor(world.director),
            note_format=NoteFormat.DAP,
            overdue_hours=72,
            similarity_threshold=0.9,
            portal_note_types=[ServiceType.INDIVIDUAL_THERAPY],
        )
        start = _seq(session)
        (shown,) = service.own_notes(session, actor=me)
        assert shown.note.id == therapy.id
        assert shown.similar is None
        assert (shown.can_add, shown.can_cosign, shown.can_edit) == (False, False, False)
        reads = _audit(session, start, action=AuditAction.READ, entity_id=str(therapy.id))
        assert [e.actor_id for e in reads] == [portal.id]
        for note in (medication, draft, others_note):
            _refused(
                session,
                NotFound,
                lambda note=note: service.get_note(session, actor=me, note_id=note.id),
            )

        # A note waiting for its co-signature is not final, so not in the portal yet.
        supervise(session, world.colleague, world.clinician)
        waiting = signed_note(
            session,
            world,
            attended_appointment(session, world, days_ago=5),
            data="Client practised a refusal for the family gathering twice.",
            assessment="Confident; the plan for the weekend is realistic.",
            plan="Review how the gathering went.",
        )
        assert waiting.status is NoteStatus.AWAITING_COSIGNATURE
        assert [v.note.id for v in service.own_notes(session, actor=me)] == [therapy.id]
        service.cosign(
            session, actor=world.actor(world.colleague), note_id=waiting.id, secret=PASSWORD
        )
        assert {v.note.id for v in service.own_notes(session, actor=me)} == {
            therapy.id,
            waiting.id,
        }
        _refused(session, Forbidden, lambda: service.own_notes(session, actor=world.author))


class TestAudit:
    def test_every_read_and_list_is_audited_per_client(self, session: Session) -> None:
        world = make_world(session)
        supervise(session, world.colleague, world.clinician)
        note = signed_note(session, world)
        boss = world.actor(world.colleague)
        for read in (
            lambda: service.get_note(session, actor=boss, note_id=note.id),
            lambda: service.cosign_queue(session, actor=boss),
            lambda: service.notes_for_client(
                session, actor=world.author, client_id=world.client.id
            ),
            lambda: service.edit_form(
                session,
                actor=world.author,
                note_id=write_for_appointment(
                    session,
                    world,
                    attended_appointment(session, world, days_ago=2),
                    data=OTHER_DATA,
                ).id,
            ),
            lambda: service.my_notes(session, actor=world.author),
        ):
            start = _seq(session)
            read()
            reads = _audit(session, start, action=AuditAction.READ)
            assert reads, read
            assert {e.client_id for e in reads if e.entity_type == "clinical_note"} == {
                world.client.id
            }

    def test_settings_are_the_directors_and_audited(self, session: Session) -> None:
        world = make_world(session)
        defaults = service.current_settings(session)
        assert (defaults.note_format, defaults.overdue_hours, defaults.similarity_threshold) == (
            NoteFormat.DAP,
            72,
            0.9,
        )
        for user in (world.clinician, world.admin):
            _refused(
                session,
                Forbidden,
                lambda user=user: service.update_settings(
                    session,
                    actor=world.actor(user),
                    note_format=NoteFormat.SOAP,
                    overdue_hours=48,
                    similarity_threshold=0.8,
                    portal_note_types=[],
                ),
            )
        bad = _refused(
            session,
            Invalid,
            lambda: service.update_settings(
                session,
                actor=world.actor(world.director),
                note_format=NoteFormat.SOAP,
                overdue_hours=0,
                similarity_threshold=0.8,
                portal_note_types=[],
            ),
        )
        assert bad.field == "overdue_hours"
        draft = write_for_appointment(session, world, attended_appointment(session, world))
        start = _seq(session)
        row = service.update_settings(
            session,
            actor=world.actor(world.director),
            note_format=NoteFormat.SOAP,
            overdue_hours=48,
            similarity_threshold=0.8,
            portal_note_types=[ServiceType.MAT_VISIT, ServiceType.CASE_MANAGEMENT],
        )
        assert row.portal_note_types == ["case_management", "mat_visit"]
        assert row.updated_by == world.director.id
        (entry,) = _audit(session, start, entity_type="documentation_settings")
        assert sorted(entry.detail["fields"]) == [
            "note_format",
            "overdue_hours",
            "portal_note_types",
            "similarity_threshold",
        ]
        # A draft keeps its format; a new note is written in the new one.
        assert draft.note_format is NoteFormat.DAP
        soap = service.create_note(
            session,
            actor=world.author,
            data=service.NoteInput(
                service_type=ServiceType.MAT_VISIT,
                service_date=today() - timedelta(days=1),
                start=time(9, 0),
                end=time(9, 30),
                sections={"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"},
                objective_ids=(world.objective.id,),
            ),
            client_id=world.client.id,
        )
        assert soap.note_format is NoteFormat.SOAP
        dap = _refused(
            session,
            Invalid,
            lambda: _unscheduled(session, world, ServiceType.MAT_VISIT),
        )
        assert dap.field == "section-data"

    def test_a_user_without_an_account_writes_nothing(self, session: Session) -> None:
        world = make_world(session)
        ghost = Actor(user_id=None, role=Role.CLINICIAN, username="ghost")
        _refused(
            session,
            Forbidden,
            lambda: _unscheduled(session, world, ServiceType.MAT_VISIT, actor=ghost),
        )
