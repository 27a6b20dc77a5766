"""Set-up use cases, and the live week exported as a scheduling instance."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.programs import export, service
from stepdown.programs.models import BlockKind, KeepApartReason, Room, Site, TimeBlock
from stepdown.scheduling.exchange import parse_instance
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_occurrence, make_room, make_site, make_user


def test_client_profile_is_audited_and_scoped_to_the_caseload(session: Session) -> None:
    site = make_site(session)
    mine = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=mine)
    from stepdown.security.service import actor_for

    profile = service.save_client_profile(
        session,
        actor=actor_for(mine),
        client=person,
        availability=[{"day": "tue", "start": "18:00", "end": "21:00"}],
        therapist_id=None,
        individual_sessions=1,
        family_sessions=0,
    )
    assert profile.primary_therapist_id == mine.id
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity_type == "client_schedule_profile",
            AuditEntry.action == AuditAction.CREATE,
        )
    )
    assert entry is not None
    assert entry.client_id == person.id
    with pytest.raises(NotFound):
        service.client_profile(session, actor=actor_for(other), client_id=person.id)


def test_keep_apart_pairs_are_unordered_and_unique(session: Session) -> None:
    site = make_site(session)
    a, b = make_client(session, site=site), make_client(session, site=site)
    service.add_keep_apart(
        session, actor=SYSTEM, client_a=a, client_b=b, reason=KeepApartReason.RELATIVE
    )
    with pytest.raises(Conflict):
        service.add_keep_apart(
            session, actor=SYSTEM, client_a=b, client_b=a, reason=KeepApartReason.OTHER
        )
    views = service.keep_apart_pairs(session, actor=SYSTEM)
    assert len(views) == 1


def test_a_session_with_sizes_out_of_order_is_refused(session: Session) -> None:
    site = make_site(session)
    spec = service.SessionSpec(
        day="mon", start="18:00", end="19:30", topic="RP", levels=["IOP"], min_size=8, max_size=4
    )
    with pytest.raises(Invalid) as caught:
        service.save_group_session(session, actor=SYSTEM, site=site, spec=spec)
    assert caught.value.field == "max_size"


def _monday() -> object:
    now = today()
    return now.fromordinal(now.toordinal() - now.weekday())


def test_the_demo_week_exports_and_a_client_without_a_profile_is_reported_not_dropped(
    demo_session: Session,
) -> None:
    """The demo week exports as a valid instance, and a client whose schedule profile is
    removed is then named, not silently left out."""
    session = demo_session
    result = export.export_week(session, actor=SYSTEM, week_of=_monday())  # type: ignore[arg-type]
    instance = parse_instance(result.instance.model_dump(mode="json"))
    assert len(instance.clients) >= 30
    assert {c.level for c in instance.clients} == {"PHP", "IOP", "OP"}
    assert any(c.age_group == "adolescent" for c in instance.clients)
    assert sum(len(c.keep_apart) for c in instance.clients) == 4
    assert all(
        set(c.previous_sessions) <= {s.id for s in instance.sessions} for c in instance.clients
    )
    assert result.skipped == []

    from stepdown.programs.models import ClientScheduleProfile

    gone = session.scalar(select(ClientScheduleProfile).limit(1))
    assert gone is not None
    session.delete(gone)
    session.flush()
    again = export.export_week(session, actor=SYSTEM, week_of=_monday())  # type: ignore[arg-type]
    assert len(again.instance.clients) == len(result.instance.clients) - 1
    assert len(again.skipped) == 1
    assert "no schedule profile" in again.skipped[0]


# --- rooms, blocks and sessions: edits and refusals -----------------------------------------


def _audited(session: Session, entity_type: str, action: AuditAction) -> int:
    return len(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == entity_type, AuditEntry.action == action
            )
        ).all()
    )


def test_a_room_is_edited_and_a_taken_code_or_no_seat_is_refused(session: Session) -> None:
    site = make_site(session)
    first = service.add_room(session, actor=SYSTEM, site=site, code="r1", name="One", capacity=8)
    service.add_room(session, actor=SYSTEM, site=site, code="R2", name="Two", capacity=8)
    assert first.code == "R1"
    with pytest.raises(Conflict) as taken:
        service.update_room(
            session, actor=SYSTEM, room_id=first.id, code="R2", name="One", capacity=8
        )
    assert taken.value.field == "code"
    with pytest.raises(Invalid) as empty:
        service.update_room(
            session, actor=SYSTEM, room_id=first.id, code="R1", name="One", capacity=0
        )
    assert empty.value.field == "capacity"
    service.update_room(
        session, actor=SYSTEM, room_id=first.id, code="R1", name="Big room", capacity=16
    )
    assert (first.name, first.capacity) == ("Big room", 16)
    assert _audited(session, "room", AuditAction.UPDATE) == 1


def test_a_room_of_a_published_meeting_cannot_be_removed(session: Session) -> None:
    site = make_site(session)
    used = make_room(session, site)
    unused = make_room(session, site)
    leader = make_user(session, role=Role.CLINICIAN, site=site)
    make_occurrence(session, site=site, leader=leader, day=today(), room=used)
    with pytest.raises(Conflict) as caught:
        service.delete_room(session, actor=SYSTEM, room_id=used.id)
    assert caught.value.rule == "room.in_published_schedule"
    assert session.get(Room, used.id) is not None
    service.delete_room(session, actor=SYSTEM, room_id=unused.id)
    assert session.get(Room, unused.id) is None
    assert _audited(session, "room", AuditAction.DELETE) == 1


def _block(session: Session, site: Site) -> TimeBlock:
    return service.add_time_block(
        session,
        actor=SYSTEM,
        site=site,
        kind=BlockKind.IOP_EVENING,
        name="",
        day="mon",
        start="18:00",
        end="21:15",
        levels=["IOP", "OP"],
    )


def _spec(block: TimeBlock, **changes: object) -> service.SessionSpec:
    fields: dict[str, object] = {
        "day": "mon",
        "start": "18:00",
        "end": "19:30",
        "topic": "cbt",
        "levels": ["IOP"],
        "time_block_id": block.id,
    }
    fields.update(changes)
    return service.SessionSpec(**fields)  # type: ignore[arg-type]


def test_a_session_must_fit_its_block_and_the_block_its_sessions(session: Session) -> None:
    site = make_site(session)
    block = _block(session, site)
    assert block.name == "IOP EVENING"
    with pytest.raises(Invalid) as outside:
        service.add_group_session(session, actor=SYSTEM, site=site, spec=_spec(block, end="21:30"))
    assert outside.value.field == "time_block"
    with pytest.raises(Invalid) as level:
        service.add_group_session(
            session, actor=SYSTEM, site=site, spec=_spec(block, levels=["PHP"])
        )
    assert level.value.field == "levels"
    group = service.add_group_session(session, actor=SYSTEM, site=site, spec=_spec(block))
    assert (group.code, group.topic) == ("G1", "CBT")
    with pytest.raises(Conflict) as shrunk:
        service.update_time_block(
            session,
            actor=SYSTEM,
            block_id=block.id,
            kind=BlockKind.IOP_EVENING,
            name="Evening",
            day="mon",
            start="19:00",
            end="21:15",
            levels=["IOP", "OP"],
        )
    assert shrunk.value.rule == "time_block.session_outside"
    assert "G1" in shrunk.value.message
    assert block.start == "18:00"
    service.update_time_block(
        session,
        actor=SYSTEM,
        block_id=block.id,
        kind=BlockKind.IOP_EVENING,
        name="Evening",
        day="mon",
        start="17:30",
        end="21:15",
        levels=["IOP", "OP"],
    )
    assert (block.name, block.start) == ("Evening", "17:30")
    assert service.delete_time_block(session, actor=SYSTEM, block_id=block.id) == 1
    assert group.time_block_id is None


def test_a_session_keeps_its_code_unless_renamed_to_a_free_one(session: Session) -> None:
    site = make_site(session)
    block = _block(session, site)
    first = service.add_group_session(session, actor=SYSTEM, site=site, spec=_spec(block))
    second = service.add_group_session(
        session, actor=SYSTEM, site=site, spec=_spec(block, start="19:45", end="21:15")
    )
    assert second.code == "G2"
    with pytest.raises(Conflict) as taken:
        service.add_group_session(session, actor=SYSTEM, site=site, spec=_spec(block, code="g1"))
    assert taken.value.field == "code"
    with pytest.raises(Conflict):
        service.update_group_session(
            session, actor=SYSTEM, session_id=second.id, spec=_spec(block, code="G1")
        )
    service.update_group_session(
        session, actor=SYSTEM, session_id=first.id, spec=_spec(block, topic="RP", max_size=8)
    )
    assert (first.code, first.topic, first.max_size) == ("G1", "RP", 8)
    replaced = service.save_group_session(
        session, actor=SYSTEM, site=site, spec=_spec(block, code="G2", topic="MI")
    )
    assert replaced.id == second.id
    assert second.topic == "MI"


def test_removing_a_published_session_says_how_many_meetings_lose_the_link(
    session: Session,
) -> None:
    site = make_site(session)
    block = _block(session, site)
    group = service.add_group_session(session, actor=SYSTEM, site=site, spec=_spec(block))
    leader = make_user(session, role=Role.CLINICIAN, site=site)
    meeting = make_occurrence(
        session, site=site, leader=leader, day=today(), group_session_id=group.id
    )
    assert service.delete_group_session(session, actor=SYSTEM, session_id=group.id) == 1
    session.expire(meeting)
    assert meeting.group_session_id is None
    with pytest.raises(NotFound):
        service.delete_group_session(session, actor=SYSTEM, session_id=group.id)


def test_a_staff_profile_is_removed_and_the_account_stays(session: Session) -> None:
    site = make_site(session)
    user = make_user(session, role=Role.CLINICIAN, site=site)
    service.save_staff_profile(
        session,
        actor=SYSTEM,
        user=user,
        site=site,
        topics=["CBT"],
        availability=[{"day": "mon", "start": "09:00", "end": "17:00"}],
        max_hours=30,
    )
    service.delete_staff_profile(session, actor=SYSTEM, user_id=user.id)
    assert service.staff_profile_of(session, user.id) is None
    assert service.staff_member(session, user.id) is user
    with pytest.raises(NotFound):
        service.delete_staff_profile(session, actor=SYSTEM, user_id=user.id)


def test_a_keep_apart_client_out_of_reach_is_refused_naming_the_field(session: Session) -> None:
    site = make_site(session)
    mine = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=mine)
    stranger = make_client(session, site=site)
    from stepdown.security.service import actor_for

    actor = actor_for(mine)
    assert service.client_by_id(session, actor=actor, client_id=person.id, field="a") is person
    with pytest.raises(Invalid) as caught:
        service.client_by_id(session, actor=actor, client_id=stranger.id, field="client_b_id")
    assert caught.value.field == "client_b_id"
