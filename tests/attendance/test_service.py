"""Taking attendance, the alerts it raises, the board's numbers, and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind
from stepdown.attendance import rules, service
from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.models import AttendanceStatus as S
from stepdown.audit.models import AuditEntry
from stepdown.calendar.models import BookingStatus, SessionOccurrence
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.programs.models import Site
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

# A past week, so "today" can sit inside it whatever the real date is.
MONDAY = rules.week_of(today()) - timedelta(weeks=2)
THURSDAY = MONDAY + timedelta(days=3)


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, username=user.username, site_id=user.site_id)


def admitted(session: Session, site: Site, clinician: User, level: str = "IOP") -> Client:
    client = make_client(session, site=site, clinician=clinician)
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code=level,
        track=Track.EVENING,
        on=MONDAY - timedelta(weeks=1),
        reason="test admission",
    )
    return client


class Program:
    """An evening IOP group meeting Monday, Wednesday and Thursday, three hours each."""

    def __init__(self, session: Session) -> None:
        self.site = make_site(session)
        self.leader = make_user(session, role=Role.CLINICIAN, site=self.site)
        room = make_room(session, self.site)
        self.clients = [admitted(session, self.site, self.leader) for _ in range(3)]
        self.groups = [
            make_occurrence(
                session,
                site=self.site,
                leader=self.leader,
                day=MONDAY + timedelta(days=offset),
                start="18:00",
                end="21:00",
                clients=self.clients,
                room=room,
            )
            for offset in (0, 2, 3)
        ]
        self.actor = actor_for(self.leader)

    def take(
        self, session: Session, index: int, statuses: list[S], late: int = 0
    ) -> service.Recorded:
        entries = [
            service.Entry(c.id, s, late if s is S.LATE else 0)
            for c, s in zip(self.clients, statuses, strict=True)
        ]
        return service.record_attendance(
            session,
            actor=self.actor,
            occurrence_id=self.groups[index].id,
            entries=entries,
            today=THURSDAY,
        )


@pytest.fixture
def program(session: Session) -> Program:
    return Program(session)


def _audits(session: Session, entity_type: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == entity_type)
        )
        or 0
    )


def _alerts(session: Session, kind: AlertKind) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.kind == kind)))


class TestRoster:
    def test_lists_members_and_audits_each_read(self, session: Session, program: Program) -> None:
        before = _audits(session, "attendance")
        roster = service.roster(session, actor=program.actor, occurrence_id=program.groups[0].id)
        assert {r.client.id for r in roster.rows} == {c.id for c in program.clients}
        assert roster.scheduled_minutes == 180
        assert not roster.recorded
        assert _audits(session, "attendance") == before + 3

    def test_cancelled_seat_is_not_on_the_roster(self, session: Session, program: Program) -> None:
        occurrence = program.groups[0]
        seat = next(
            s
            for s, _ in session.execute(service.repository.seats_of(occurrence.id))
            if s.client_id == program.clients[0].id
        )
        seat.status = BookingStatus.CANCELLED
        session.flush()
        roster = service.roster(session, actor=program.actor, occurrence_id=occurrence.id)
        assert len(roster.rows) == 2


class TestRecord:
    def test_credits_minutes_and_audits_each_change(
        self, session: Session, program: Program
    ) -> None:
        program.take(session, 0, [S.PRESENT, S.LATE, S.ABSENT_EXCUSED], late=15)
        records = {r.client_id: r for r in session.scalars(select(AttendanceRecord))}
        a, b, c = (records[x.id] for x in program.clients)
        assert (a.credited_minutes, b.credited_minutes, c.credited_minutes) == (180, 165, 0)
        assert b.late_minutes == 15
        assert b.recorded_by == program.leader.id
        assert a.day == MONDAY
        assert a.site_id == program.site.id
        assert _audits(session, "attendance_record") == 3

    def test_resaving_updates_in_place_and_audits_only_changes(
        self, session: Session, program: Program
    ) -> None:
        program.take(session, 0, [S.PRESENT, S.PRESENT, S.PRESENT])
        service.record_attendance(
            session,
            actor=program.actor,
            occurrence_id=program.groups[0].id,
            entries=[service.Entry(program.clients[1].id, S.LEFT_EARLY, 0, 30)],
            today=THURSDAY,
        )
        assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 3
        changed = session.scalar(
            select(AttendanceRecord).where(AttendanceRecord.client_id == program.clients[1].id)
        )
        assert changed is not None
        assert changed.credited_minutes == 150
        assert _audits(session, "attendance_record") == 4

    def test_a_bad_row_writes_nothing(self, session: Session, program: Program) -> None:
        with pytest.raises(Invalid) as caught:
            program.take(session, 0, [S.PRESENT, S.LATE, S.PRESENT], late=200)
        assert caught.value.field == "entries[1].late_minutes"
        assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0

    def test_someone_not_booked_is_refused(self, session: Session, program: Program) -> None:
        stranger = admitted(session, program.site, program.leader)
        with pytest.raises(Invalid) as caught:
            service.record_attendance(
                session,
                actor=program.actor,
                occurrence_id=program.groups[0].id,
                entries=[service.Entry(stranger.id, S.PRESENT)],
                today=THURSDAY,
            )
        assert caught.value.field == "entries[0].client_id"

    def test_not_before_the_day(self, session: Session, program: Program) -> None:
        with pytest.raises(Conflict) as caught:
            service.record_attendance(
                session,
                actor=program.actor,
                occurrence_id=program.groups[2].id,
                entries=[service.Entry(program.clients[0].id, S.PRESENT)],
                today=MONDAY,
            )
        assert caught.value.rule == service.NOT_YET

    def test_not_for_a_cancelled_session(self, session: Session, program: Program) -> None:
        program.groups[0].status = BookingStatus.CANCELLED
        session.flush()
        with pytest.raises(Conflict) as caught:
            program.take(session, 0, [S.PRESENT] * 3)
        assert caught.value.rule == service.CANCELLED

    def test_all_present_keeps_exceptions_entered_first(
        self, session: Session, program: Program
    ) -> None:
        service.record_attendance(
            session,
            actor=program.actor,
            occurrence_id=program.groups[0].id,
            entries=[service.Entry(program.clients[0].id, S.ABSENT_EXCUSED)],
            today=THURSDAY,
        )
        result = service.mark_all_present(
            session, actor=program.actor, occurrence_id=program.groups[0].id, today=THURSDAY
        )
        assert len(result.records) == 2
        statuses = {r.client_id: r.status for r in session.scalars(select(AttendanceRecord))}
        assert statuses[program.clients[0].id] is S.ABSENT_EXCUSED
        assert statuses[program.clients[1].id] is S.PRESENT

    def test_appointment(self, session: Session, program: Program) -> None:
        appointment = make_appointment(
            session, client=program.clients[0], staff=program.leader, day=MONDAY
        )
        result = service.record_appointment_attendance(
            session,
            actor=program.actor,
            appointment_id=appointment.id,
            entry=service.Entry(program.clients[0].id, S.TELEHEALTH),
            today=THURSDAY,
        )
        assert result.records[0].credited_minutes == 60
        assert result.records[0].appointment_id == appointment.id
        roster = service.appointment_roster(
            session, actor=program.actor, appointment_id=appointment.id
        )
        assert roster.recorded
        assert roster.credited_total == 60


class TestAlerts:
    def test_two_unexcused_in_a_row_alerts_once(self, session: Session, program: Program) -> None:
        first = program.take(session, 0, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])
        assert _alerts(session, AlertKind.ABSENCE_STREAK) == []
        program.take(session, 1, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])
        program.take(session, 1, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])  # saved again
        program.take(session, 2, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])  # third in a row
        alerts = _alerts(session, AlertKind.ABSENCE_STREAK)
        assert [a.client_id for a in alerts] == [program.clients[0].id]
        assert alerts[0].summary.startswith("2 unexcused absences in a row")
        assert alerts[0].source_id == first.records[0].id
        assert alerts[0].created_by == program.leader.id

    def test_an_attended_session_ends_the_run(self, session: Session, program: Program) -> None:
        program.take(session, 0, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])
        program.take(session, 1, [S.PRESENT, S.PRESENT, S.PRESENT])
        program.take(session, 2, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])
        assert _alerts(session, AlertKind.ABSENCE_STREAK) == []

    def test_week_that_will_end_short_alerts_once(self, session: Session, program: Program) -> None:
        # 9 h booked; missing Monday leaves 6 h possible against the 9 h IOP minimum.
        result = program.take(session, 0, [S.ABSENT_EXCUSED, S.PRESENT, S.LATE], late=20)
        assert result.alerts == 2  # the excused absence, and 20 minutes late
        program.take(session, 0, [S.ABSENT_EXCUSED, S.PRESENT, S.LATE], late=30)
        alerts = _alerts(session, AlertKind.WEEK_UNDER_MINIMUM)
        assert sorted(a.client_id for a in alerts) == sorted(
            [program.clients[0].id, program.clients[2].id]
        )
        summary = next(a.summary for a in alerts if a.client_id == program.clients[0].id)
        assert summary == (
            f"week of {MONDAY.isoformat()} will end 3.0 h under the IOP minimum of 9.0 h"
        )


class TestBoard:
    def test_numbers_and_order(self, session: Session, program: Program) -> None:
        program.take(session, 0, [S.ABSENT_UNEXCUSED, S.PRESENT, S.LATE], late=30)
        program.take(session, 1, [S.ABSENT_UNEXCUSED, S.PRESENT, S.PRESENT])
        # Thursday's session is today and not yet recorded.
        director = actor_for(make_user(session, role=Role.DIRECTOR))
        board = service.compliance_board(
            session, actor=director, site_id=program.site.id, week_of=THURSDAY, today=THURSDAY
        )
        rows = {r.client.id: r for r in board.rows}
        absent, present, late = (rows[c.id] for c in program.clients)
        assert next(r.client.id for r in board.rows) == program.clients[0].id
        assert (absent.week.planned, absent.week.delivered, absent.week.remaining) == (
            540,
            0,
            180,
        )
        assert absent.verdict.status is rules.Compliance.ABSENCES
        assert absent.verdict.shortfall == 360
        assert absent.verdict.reasons == (
            "2 unexcused absences in a row",
            "will end 6.0 h short: 0.0 h delivered + 3.0 h still scheduled",
        )
        assert late.week.delivered == 330
        assert late.verdict.shortfall == 30
        assert present.verdict.status is rules.Compliance.ON_TRACK
        assert len(board.under) == 2

    def test_filters_and_scope(self, session: Session, program: Program) -> None:
        director = actor_for(make_user(session, role=Role.DIRECTOR))
        day = service.compliance_board(
            session,
            actor=director,
            site_id=program.site.id,
            week_of=MONDAY,
            track=Track.DAY,
            today=THURSDAY,
        )
        assert day.rows == []
        other_clinician = actor_for(make_user(session, role=Role.CLINICIAN, site=program.site))
        mine = service.compliance_board(
            session, actor=other_clinician, site_id=program.site.id, week_of=MONDAY
        )
        assert mine.rows == []  # not their caseload

    def test_board_reads_are_audited(self, session: Session, program: Program) -> None:
        before = _audits(session, "attendance")
        service.compliance_board(
            session, actor=program.actor, site_id=program.site.id, week_of=MONDAY
        )
        assert _audits(session, "attendance") == before + 3

    def test_client_weeks(self, session: Session, program: Program) -> None:
        program.take(session, 0, [S.PRESENT, S.PRESENT, S.PRESENT])
        lines = service.client_weeks(
            session, actor=program.actor, client=program.clients[0], today=THURSDAY
        )
        assert lines[0].monday == MONDAY
        assert lines[0].week is not None
        assert lines[0].week.delivered == 180
        assert lines[-1].week is None  # before admission


class TestWhoMayTake:
    def test_another_sites_case_manager_may_not(self, session: Session, program: Program) -> None:
        other = make_site(session)
        outsider = actor_for(make_user(session, role=Role.CASE_MANAGER, site=other))
        with pytest.raises(Forbidden):
            service.roster(session, actor=outsider, occurrence_id=program.groups[0].id)
        with pytest.raises(Forbidden):
            service.record_attendance(
                session,
                actor=outsider,
                occurrence_id=program.groups[0].id,
                entries=[service.Entry(program.clients[0].id, S.PRESENT)],
                today=THURSDAY,
            )
        assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0

    @pytest.mark.parametrize(
        ("role", "same_site", "allowed"),
        [
            (Role.CASE_MANAGER, True, True),
            (Role.CLINICIAN, True, True),  # covering for a colleague
            (Role.CLINICIAN, False, False),
            (Role.DIRECTOR, False, True),
            (Role.ADMISSIONS, True, False),
            (Role.UTILIZATION_REVIEW, False, False),
        ],
    )
    def test_roles(
        self, session: Session, program: Program, role: Role, same_site: bool, allowed: bool
    ) -> None:
        user = make_user(session, role=role, site=program.site if same_site else make_site(session))
        occurrence: SessionOccurrence = program.groups[0]
        assert (
            service.may_take(
                actor_for(user), site_id=occurrence.site_id, leader_id=occurrence.leader_id
            )
            is allowed
        )

    def test_sessions_of_the_day(self, session: Session, program: Program) -> None:
        mine = service.sessions_on(session, actor=program.actor, day=MONDAY)
        assert [s.id for s in mine] == [program.groups[0].id]
        assert mine[0].booked == 3
        assert mine[0].recorded == 0
        assert mine[0].mine
        colleague = actor_for(make_user(session, role=Role.CLINICIAN, site=program.site))
        assert service.sessions_on(session, actor=colleague, day=MONDAY) == []
        site_view = service.sessions_on(
            session, actor=colleague, day=MONDAY, site_id=program.site.id
        )
        assert [s.id for s in site_view] == [program.groups[0].id]
