"""The weekly views and their role scoping, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.calendar import service
from stepdown.calendar.models import AppointmentKind, BookingStatus, SessionSeat
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.programs.models import Room, Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    make_appointment,
    make_client,
    make_occurrence,
    make_room,
    make_site,
    make_user,
)

MONDAY = date(2026, 11, 2)
WEDNESDAY = date(2026, 11, 4)


@dataclass
class Program:
    site: Site
    room: Room
    alice: User  # clinician
    bob: User  # clinician
    case_manager: User
    mine: Client  # on Alice's caseload
    theirs: Client  # on Bob's caseload
    portal: User  # ``mine``'s portal account


def actor(user: User) -> Actor:
    return security_service.actor_for(user)


@pytest.fixture
def program(session: Session) -> Program:
    site = make_site(session)
    room = make_room(session, site, name="Room Two")
    alice = make_user(session, role=Role.CLINICIAN, site=site)
    bob = make_user(session, role=Role.CLINICIAN, site=site)
    case_manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    mine = make_client(session, site=site, clinician=alice, preferred_name="Mina")
    theirs = make_client(session, site=site, clinician=bob, preferred_name="Theo")
    portal = make_user(session, role=Role.CLIENT, site=site)
    clients_service.link_portal_account(session, actor=SYSTEM, client=mine, user_id=portal.id)
    # Alice leads a group with both clients; Bob leads one with his client only.
    make_occurrence(session, site=site, leader=alice, day=MONDAY, room=room, clients=[mine, theirs])
    make_occurrence(session, site=site, leader=bob, day=WEDNESDAY, clients=[theirs], topic="RP")
    make_appointment(session, client=theirs, staff=bob, day=WEDNESDAY)
    make_appointment(session, client=mine, staff=alice, day=WEDNESDAY, kind=AppointmentKind.FAMILY)
    return Program(site, room, alice, bob, case_manager, mine, theirs, portal)


def names_in(week: service.Week) -> set[str]:
    return {m.name for e in week.entries for m in e.members}


class TestSiteWeek:
    def test_the_leader_sees_the_roster_and_others_only_their_caseload(
        self, session: Session, program: Program
    ) -> None:
        p = program
        week = service.site_week(session, actor=actor(p.alice), site_id=p.site.id, week_of=MONDAY)
        assert [len(d.entries) for d in week.days] == [1, 0, 3, 0, 0, 0, 0]
        monday_group = week.days[0].entries[0]
        assert monday_group.size == 2
        assert monday_group.place == "Room Two"
        assert {m.name for m in monday_group.members} == {
            p.mine.display_name,
            p.theirs.display_name,
        }
        wednesday = {e.kind: e for e in week.days[2].entries}
        # Bob's group and Bob's appointment: Alice sees that they happen, not with whom.
        assert wednesday[service.EntryKind.GROUP].members == ()
        assert wednesday[service.EntryKind.GROUP].size == 1
        assert wednesday[service.EntryKind.INDIVIDUAL].members == ()
        assert [m.name for m in wednesday[service.EntryKind.FAMILY].members] == [
            p.mine.display_name
        ]

        bobs = service.site_week(session, actor=actor(p.bob), site_id=p.site.id, week_of=MONDAY)
        assert p.mine.display_name not in names_in(bobs)
        assert p.theirs.display_name in names_in(bobs)

    def test_site_staff_see_their_site_and_every_name_shown_is_audited(
        self, session: Session, program: Program
    ) -> None:
        p = program
        week = service.site_week(
            session, actor=actor(p.case_manager), site_id=p.site.id, week_of=WEDNESDAY
        )
        assert week.week_of == MONDAY, "any day names its week"
        assert names_in(week) == {p.mine.display_name, p.theirs.display_name}
        reads = session.scalars(
            select(AuditEntry.client_id).where(
                AuditEntry.entity_type == "calendar_week",
                AuditEntry.actor_id == p.case_manager.id,
            )
        ).all()
        assert set(reads) == {p.mine.id, p.theirs.id}

    def test_an_empty_week_has_seven_empty_days(self, session: Session, program: Program) -> None:
        week = service.site_week(
            session, actor=actor(program.alice), site_id=program.site.id, week_of=date(2026, 12, 7)
        )
        assert len(week.days) == 7
        assert week.entries == []
        assert (week.previous, week.next) == (date(2026, 11, 30), date(2026, 12, 14))

    def test_a_client_may_not_see_a_site(self, session: Session, program: Program) -> None:
        with pytest.raises(Forbidden):
            service.site_week(
                session, actor=actor(program.portal), site_id=program.site.id, week_of=MONDAY
            )


class TestRoomAndStaffWeeks:
    def test_room_week_has_the_groups_in_that_room(
        self, session: Session, program: Program
    ) -> None:
        week = service.room_week(
            session, actor=actor(program.bob), room_id=program.room.id, week_of=MONDAY
        )
        assert [e.day for e in week.entries] == [MONDAY]
        assert program.room.name in week.heading
        # Bob does not lead it: he sees only his own client in it.
        assert names_in(week) == {program.theirs.display_name}

    def test_staff_week_has_what_they_lead_and_hold(
        self, session: Session, program: Program
    ) -> None:
        week = service.staff_week(
            session, actor=actor(program.alice), user_id=program.bob.id, week_of=MONDAY
        )
        assert week.heading == program.bob.display_name
        assert sorted(e.kind.value for e in week.entries) == ["group", "individual"]
        assert names_in(week) == set()

    def test_a_client_account_has_no_staff_week(self, session: Session, program: Program) -> None:
        with pytest.raises(NotFound):
            service.staff_week(
                session, actor=actor(program.alice), user_id=program.portal.id, week_of=MONDAY
            )


class TestClientWeek:
    def test_a_client_sees_their_own_bookings_and_no_one_else(
        self, session: Session, program: Program
    ) -> None:
        p = program
        week = service.client_week(
            session, actor=actor(p.portal), client_id=p.mine.id, week_of=MONDAY
        )
        assert [e.kind.value for e in week.entries] == ["group", "family"]
        assert all(e.members == () for e in week.entries)
        assert p.theirs.display_name not in repr(week)
        assert p.theirs.legal_last_name not in repr(week)
        assert week.booked_minutes == 90 + 60

    def test_a_client_cannot_read_another_clients_week(
        self, session: Session, program: Program
    ) -> None:
        with pytest.raises(NotFound):
            service.client_week(
                session, actor=actor(program.portal), client_id=program.theirs.id, week_of=MONDAY
            )

    def test_a_clinician_does_not_see_another_caseload(
        self, session: Session, program: Program
    ) -> None:
        with pytest.raises(NotFound):
            service.client_week(
                session, actor=actor(program.alice), client_id=program.theirs.id, week_of=MONDAY
            )

    def test_a_cancelled_seat_is_cancelled_and_not_counted(
        self, session: Session, program: Program
    ) -> None:
        seat = session.scalars(
            select(SessionSeat).where(SessionSeat.client_id == program.mine.id)
        ).one()
        seat.status = BookingStatus.CANCELLED
        session.flush()
        week = service.client_week(
            session, actor=actor(program.alice), client_id=program.mine.id, week_of=MONDAY
        )
        group = week.days[0].entries[0]
        assert group.cancelled
        assert week.booked_minutes == 60

    def test_hours_are_measured_against_the_levels_minimum(
        self, session: Session, program: Program
    ) -> None:
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=program.mine.id,
            level_code="IOP",
            track=Track.EVENING,
            on=date(2026, 10, 1),
            reason="test",
        )
        iop = continuum_service.level_by_code(session, "IOP")
        week = service.client_week(
            session, actor=actor(program.alice), client_id=program.mine.id, week_of=MONDAY
        )
        assert week.level_code == "IOP"
        assert week.weekly_hours_min == iop.weekly_hours_min
        assert week.booked_hours == 2.5
        assert week.below_minimum is (iop.weekly_hours_min is not None)
        reads = session.scalars(
            select(AuditEntry.client_id).where(AuditEntry.entity_type == "client_schedule")
        ).all()
        assert program.mine.id in reads

    def test_before_admission_there_is_no_level(self, session: Session, program: Program) -> None:
        week = service.client_week(
            session, actor=actor(program.alice), client_id=program.mine.id, week_of=MONDAY
        )
        assert week.level_code is None
        assert not week.below_minimum
