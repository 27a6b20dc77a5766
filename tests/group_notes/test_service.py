"""Group notes against a real database: who writes, who gets a note, what each chart shows."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceStatus
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients import service as clients_service
from stepdown.group_notes import rules, service
from stepdown.group_notes.models import GroupNote, GroupNoteMember, NoteStatus, Participation
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.treatment_plans.models import Objective
from tests.factories import PASSWORD, make_plan, make_user
from tests.group_notes.helpers import Group, make_group, take_attendance

CONTENT = "Relapse prevention: the HALT check and planning for weekends."
DYNAMICS = "Cohesive; two members offered each other feedback."
ALICE_LINE = "Named two weekend triggers and a plan for each."
BOB_LINE = "Arrived late; shared a recent craving and coped by calling a sponsor."


def _actor(session: Session, group: Group, role: Role = Role.CLINICIAN) -> Actor:
    return security_service.actor_for(make_user(session, role=role, site=group.site))


def _leader(group: Group) -> Actor:
    return security_service.actor_for(group.leader)


def _lines(group: Group) -> list[rules.LineInput]:
    return [
        rules.LineInput(group.alice.id, Participation.ACTIVE, ALICE_LINE),
        rules.LineInput(group.bob.id, Participation.MINIMAL, BOB_LINE),
    ]


def _write_and_sign(session: Session, group: Group, actor: Actor | None = None) -> GroupNote:
    actor = actor or _leader(group)
    service.save_draft(
        session,
        actor=actor,
        occurrence_id=group.occurrence.id,
        topic="Relapse prevention",
        content=CONTENT,
        dynamics=DYNAMICS,
        lines=_lines(group),
    )
    return service.sign(session, actor=actor, occurrence_id=group.occurrence.id, secret=PASSWORD)


def test_only_attendees_get_a_filed_note(session: Session) -> None:
    group = make_group(session)
    view = service.note_for_occurrence(
        session, actor=_leader(group), occurrence_id=group.occurrence.id
    )
    # By last name, as on the roster: Stone, Walker.
    assert [row.client.id for row in view.attendees] == [group.bob.id, group.alice.id]
    assert view.absent == 1
    note = _write_and_sign(session, group)
    assert note.status is NoteStatus.SIGNED
    director = _actor(session, group, Role.DIRECTOR)
    counts = {
        c.legal_first_name: len(service.notes_for_client(session, actor=director, client_id=c.id))
        for c in (group.alice, group.bob, group.carla)
    }
    assert counts == {"Alice": 1, "Robert": 1, "Carla": 0}
    members = session.scalars(select(GroupNoteMember).where(GroupNoteMember.note_id == note.id))
    assert {m.client_id for m in members} == {group.alice.id, group.bob.id}


def test_a_members_chart_entry_carries_no_other_member(session: Session) -> None:
    group = make_group(session)
    _write_and_sign(session, group)
    director = _actor(session, group, Role.DIRECTOR)
    (entry,) = service.notes_for_client(session, actor=director, client_id=group.alice.id)
    assert (entry.topic, entry.content, entry.dynamics) == ("Relapse prevention", CONTENT, DYNAMICS)
    assert (entry.participation, entry.progress) == (Participation.ACTIVE, ALICE_LINE)
    text = " ".join(str(getattr(entry, f.name)) for f in dataclasses.fields(entry))
    for other in ("Robert", "Stone", "Bobby", "Carla", "Reyes", BOB_LINE):
        assert other not in text
    for value in (getattr(entry, f.name) for f in dataclasses.fields(entry)):
        assert not isinstance(value, uuid.UUID), "a filed note carries no ids"


def test_shared_text_naming_a_member_is_refused_and_nothing_is_written(session: Session) -> None:
    group = make_group(session)
    for field, text in (("content", "Bobby led the check-in"), ("dynamics", "reyes was missed")):
        fields = {"topic": "CBT", "content": CONTENT, "dynamics": ""} | {field: text}
        with pytest.raises(Conflict) as caught:
            service.save_draft(
                session,
                actor=_leader(group),
                occurrence_id=group.occurrence.id,
                topic=fields["topic"],
                content=fields["content"],
                dynamics=fields["dynamics"],
            )
        assert (caught.value.rule, caught.value.field) == (rules.NAMES_MEMBER, field)
    with pytest.raises(Conflict) as caught:
        service.save_draft(
            session,
            actor=_leader(group),
            occurrence_id=group.occurrence.id,
            topic="CBT",
            content=CONTENT,
            dynamics="",
            lines=[rules.LineInput(group.alice.id, Participation.ACTIVE, "Encouraged Robert")],
        )
    assert caught.value.field == rules.line_field(group.alice.id)
    assert session.scalar(select(func.count()).select_from(GroupNote)) == 0


def test_only_the_leader_or_a_director_writes(session: Session) -> None:
    group = make_group(session)
    colleague = security_service.actor_for(group.colleague)
    with pytest.raises(Forbidden):
        service.note_for_occurrence(session, actor=colleague, occurrence_id=group.occurrence.id)
    with pytest.raises(Forbidden):
        service.save_draft(
            session,
            actor=colleague,
            occurrence_id=group.occurrence.id,
            topic="CBT",
            content=CONTENT,
            dynamics="",
        )
    for role in (Role.CASE_MANAGER, Role.UTILIZATION_REVIEW):
        with pytest.raises(Forbidden):
            service.sign(
                session,
                actor=_actor(session, group, role),
                occurrence_id=group.occurrence.id,
                secret=PASSWORD,
            )
    note = _write_and_sign(session, group, _actor(session, group, Role.DIRECTOR))
    assert note.status is NoteStatus.SIGNED


def test_attendance_comes_first(session: Session) -> None:
    group = make_group(session, attendance=False)
    with pytest.raises(Conflict) as caught:
        service.note_for_occurrence(
            session, actor=_leader(group), occurrence_id=group.occurrence.id
        )
    assert caught.value.rule == rules.ATTENDANCE_NOT_TAKEN


def test_signing_needs_every_line_and_then_freezes(session: Session) -> None:
    group = make_group(session)
    leader = _leader(group)
    service.save_draft(
        session,
        actor=leader,
        occurrence_id=group.occurrence.id,
        topic="CBT",
        content=CONTENT,
        dynamics="",
        lines=_lines(group)[:1],
    )
    with pytest.raises(Conflict) as caught:
        service.sign(session, actor=leader, occurrence_id=group.occurrence.id, secret=PASSWORD)
    assert (caught.value.rule, caught.value.field) == (
        rules.INCOMPLETE,
        f"participation-{group.bob.id}",
    )
    director = _actor(session, group, Role.DIRECTOR)
    assert service.notes_for_client(session, actor=director, client_id=group.alice.id) == []
    service.save_draft(
        session,
        actor=leader,
        occurrence_id=group.occurrence.id,
        topic="CBT",
        content=CONTENT,
        dynamics="",
        lines=_lines(group)[1:],
    )
    note = service.sign(session, actor=leader, occurrence_id=group.occurrence.id, secret=PASSWORD)
    assert note.signed_by == group.leader.id
    assert note.signed_at is not None
    with pytest.raises(Conflict) as caught:
        service.save_draft(
            session,
            actor=leader,
            occurrence_id=group.occurrence.id,
            topic="Changed",
            content=CONTENT,
            dynamics="",
        )
    assert caught.value.rule == rules.SIGNED
    with pytest.raises(Conflict):
        service.sign(session, actor=leader, occurrence_id=group.occurrence.id, secret=PASSWORD)
    session.refresh(note)
    assert note.topic == "CBT"


def test_a_member_marked_absent_after_the_draft_gets_no_note(session: Session) -> None:
    group = make_group(session)
    leader = _leader(group)
    service.save_draft(
        session,
        actor=leader,
        occurrence_id=group.occurrence.id,
        topic="CBT",
        content=CONTENT,
        dynamics="",
        lines=_lines(group),
    )
    take_attendance(
        session, group.occurrence, {group.bob: AttendanceStatus.ABSENT_EXCUSED}, group.leader
    )
    note = service.sign(session, actor=leader, occurrence_id=group.occurrence.id, secret=PASSWORD)
    members = session.scalars(
        select(GroupNoteMember.client_id).where(GroupNoteMember.note_id == note.id)
    )
    assert list(members) == [group.alice.id]
    # Attendance changed after signing leaves the filed note as it was.
    take_attendance(session, group.occurrence, {group.bob: AttendanceStatus.PRESENT}, group.leader)
    view = service.note_for_occurrence(session, actor=leader, occurrence_id=group.occurrence.id)
    assert [row.client.id for row in view.attendees] == [group.alice.id]


def test_objectives_come_from_the_members_current_plan(session: Session) -> None:
    group = make_group(session)
    plan = make_plan(session, client=group.alice, clinician=group.leader)
    objective = session.scalars(select(Objective).where(Objective.plan_id == plan.id)).one()
    leader = _leader(group)
    view = service.note_for_occurrence(session, actor=leader, occurrence_id=group.occurrence.id)
    offered = {row.client.id: [o.id for o in row.objectives] for row in view.attendees}
    assert offered == {group.alice.id: [objective.id], group.bob.id: []}
    with pytest.raises(Conflict) as caught:
        service.save_draft(
            session,
            actor=leader,
            occurrence_id=group.occurrence.id,
            topic="CBT",
            content=CONTENT,
            dynamics="",
            lines=[rules.LineInput(group.bob.id, Participation.ACTIVE, BOB_LINE, objective.id)],
        )
    assert caught.value.rule == rules.OBJECTIVE_NOT_IN_PLAN
    lines = _lines(group)
    lines[0] = dataclasses.replace(lines[0], objective_id=objective.id)
    service.save_draft(
        session,
        actor=leader,
        occurrence_id=group.occurrence.id,
        topic="CBT",
        content=CONTENT,
        dynamics="",
        lines=lines,
    )
    service.sign(session, actor=leader, occurrence_id=group.occurrence.id, secret=PASSWORD)
    director = _actor(session, group, Role.DIRECTOR)
    (entry,) = service.notes_for_client(session, actor=director, client_id=group.alice.id)
    assert entry.objective == objective.statement


def test_readers_are_scoped(session: Session) -> None:
    group = make_group(session)
    _write_and_sign(session, group)
    colleague = security_service.actor_for(group.colleague)
    assert len(service.notes_for_client(session, actor=colleague, client_id=group.bob.id)) == 1
    with pytest.raises(NotFound):
        service.notes_for_client(session, actor=colleague, client_id=group.alice.id)
    reviewer = _actor(session, group, Role.UTILIZATION_REVIEW)
    assert len(service.notes_for_client(session, actor=reviewer, client_id=group.alice.id)) == 1
    for role in (Role.CASE_MANAGER, Role.ADMISSIONS, Role.ADMIN):
        with pytest.raises(Forbidden):
            service.notes_for_client(
                session, actor=_actor(session, group, role), client_id=group.alice.id
            )


def test_a_client_reads_only_their_own(session: Session) -> None:
    group = make_group(session)
    _write_and_sign(session, group)
    portal = make_user(session, role=Role.CLIENT, site=group.site)
    clients_service.link_portal_account(
        session, actor=_leader(group), client=group.bob, user_id=portal.id
    )
    me = security_service.actor_for(portal)
    (entry,) = service.own_notes(session, actor=me)
    assert entry.progress == BOB_LINE
    assert "Alice" not in entry.content + entry.dynamics + entry.progress
    with pytest.raises(NotFound):
        service.notes_for_client(session, actor=me, client_id=group.alice.id)


def test_every_read_and_change_is_audited_per_client(session: Session) -> None:
    group = make_group(session)
    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    _write_and_sign(session, group)
    director = _actor(session, group, Role.DIRECTOR)
    service.notes_for_client(session, actor=director, client_id=group.alice.id)
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.client_id).where(
            AuditEntry.seq > start, AuditEntry.entity_type == "group_note"
        )
    ).all()
    per_client = {
        c: sorted(a.value for a, cid in rows if cid == c)
        for c in (group.alice.id, group.bob.id, group.carla.id)
    }
    assert per_client[group.alice.id] == ["create", "read", "update"]
    assert per_client[group.bob.id] == ["create", "update"]
    assert per_client[group.carla.id] == []
    assert AuditAction.READ in {a for a, _ in rows}
