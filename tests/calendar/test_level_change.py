"""A level change updates the week: bookings that no longer fit are released, a re-plan is
proposed to the director, and the hours board judges the new level at once (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.audit.models import AuditEntry
from stepdown.calendar import level_change
from stepdown.calendar import level_change_rules as rules
from stepdown.calendar import publish as calendar_publish
from stepdown.calendar import service as calendar_service
from stepdown.calendar.models import (
    Appointment,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.calendar.rules import week_start
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, Track, Transition
from stepdown.kit.clock import today, utc_now
from stepdown.programs import export as programs_export
from stepdown.programs.models import (
    Audience,
    BlockKind,
    ClientScheduleProfile,
    GroupSession,
    Room,
    SessionGender,
    Site,
    StaffProfile,
    TimeBlock,
)
from stepdown.scheduling import service as scheduling_service
from stepdown.scheduling.exchange import DAYS, Solution
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_appointment, make_client, make_room, make_site, make_user

WEEKDAYS = DAYS[:5]
ALL_DAY = [{"day": d, "start": "08:00", "end": "22:00"} for d in WEEKDAYS]
# OP meets twice a week, an hour before the IOP evening group.
OP_DAYS = ("tue", "thu")


@dataclass
class Program:
    """One site running IOP evening groups every weekday (2 h each: 10 h a week) and OP
    groups on Tuesday and Thursday, with a therapist who leads them all."""

    site: Site
    room: Room
    therapist: User
    director: User
    monday: date

    def day(self, name: str) -> date:
        return self.monday + timedelta(days=DAYS.index(name))

    def code(self, group: str) -> str:
        return f"{self.site.code}-{group}"


def _block(session: Session, site: Site, kind: BlockKind, day: str, start: str, end: str) -> Any:
    block = TimeBlock(
        site_id=site.id,
        kind=kind,
        name=f"{kind.label} {day}",
        day=day,
        start=start,
        end=end,
        levels=["IOP"] if kind is BlockKind.IOP_EVENING else ["OP"],
    )
    session.add(block)
    session.flush()
    return block


def _group(
    session: Session, site: Site, code: str, day: str, start: str, end: str, level: str
) -> None:
    kind = BlockKind.IOP_EVENING if level == "IOP" else BlockKind.OP_EVENING
    block = _block(session, site, kind, day, start, end)
    session.add(
        GroupSession(
            site_id=site.id,
            code=code,
            day=day,
            start=start,
            end=end,
            topic="RP",
            levels=[level],
            audience=Audience.ADULT,
            gender=SessionGender.ANY,
            min_size=1,
            max_size=8,
            telehealth=False,
            time_block_id=block.id,
        )
    )


def make_program(session: Session) -> Program:
    site = make_site(session)
    room = make_room(session, site)
    therapist = make_user(session, site=site)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.add(
        StaffProfile(
            user_id=therapist.id, site_id=site.id, topics=["RP"], availability=ALL_DAY, max_hours=40
        )
    )
    for day in WEEKDAYS:
        _group(session, site, f"IOP-{day}", day, "18:00", "20:00", "IOP")
    for day in OP_DAYS:
        _group(session, site, f"OP-{day}", day, "16:30", "17:30", "OP")
    session.flush()
    # Next week: always ahead of today, and within the 30 days a transition may look ahead.
    return Program(site, room, therapist, director, week_start(today()) + timedelta(days=7))


def admit_iop(session: Session, program: Program) -> tuple[Client, Episode]:
    client = make_client(session, site=program.site, clinician=program.therapist)
    session.add(
        ClientScheduleProfile(
            client_id=client.id,
            availability=ALL_DAY,
            primary_therapist_id=program.therapist.id,
            individual_sessions=0,
            family_sessions=0,
        )
    )
    episode = continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code="IOP",
        track=Track.EVENING,
        on=program.monday - timedelta(days=30),
        reason="test admission",
    )
    return client, episode


def publish_iop_week(session: Session, program: Program, clients: list[Client]) -> ScheduleBuild:
    """Every client in every IOP evening group of the week (10 h), published."""
    export = programs_export.export_week(session, actor=SYSTEM, week_of=program.monday)
    solution = Solution.model_validate(
        {
            "instance": export.instance.name,
            "sessions": [
                {
                    "id": program.code(f"IOP-{day}"),
                    "room": program.code(program.room.code),
                    "leader": program.therapist.username,
                }
                for day in WEEKDAYS
            ],
            "attendance": [
                {"client": c.record_number, "session": program.code(f"IOP-{day}")}
                for day in WEEKDAYS
                for c in clients
            ],
        }
    )
    result = scheduling_service.apply_solution(
        session, actor=SYSTEM, solution=solution, instance=export.instance
    )
    return result.build


def seats(session: Session, client: Client) -> dict[str, BookingStatus]:
    """The client's seats by group code ("IOP-mon", ...)."""
    rows = session.execute(
        select(SessionOccurrence.code, SessionSeat.status)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(SessionSeat.client_id == client.id)
    )
    return {code.partition("-")[2]: status for code, status in rows}


def step_down_to_op(session: Session, episode: Episode, on: date, actor: Actor = SYSTEM) -> None:
    continuum_service.step(
        session,
        actor=actor,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=on,
        reason="Stable for four weeks",
    )


@pytest.fixture
def program(session: Session) -> Program:
    return make_program(session)


SCHEDULED, CANCELLED = BookingStatus.SCHEDULED, BookingStatus.CANCELLED


class TestTheIssueExample:
    """A client in IOP booked for 10 h of IOP groups is stepped down to OP from Wednesday."""

    def test_future_iop_groups_are_released_and_the_board_judges_op(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        other, _ = admit_iop(session, program)
        publish_iop_week(session, program, [client, other])
        assert set(seats(session, client).values()) == {SCHEDULED}  # 10 h booked
        board = attendance_service.compliance_board(
            session,
            actor=SYSTEM,
            site_id=program.site.id,
            week_of=program.monday,
            today=program.monday,
        )
        before = next(r for r in board.rows if r.client.id == client.id)
        assert (before.level.code, before.week.planned, before.verdict.status.label) == (
            "IOP",
            600,
            "On track",
        )

        step_down_to_op(session, episode, program.day("wed"))

        assert seats(session, client) == {
            "IOP-mon": SCHEDULED,
            "IOP-tue": SCHEDULED,
            "IOP-wed": CANCELLED,
            "IOP-thu": CANCELLED,
            "IOP-fri": CANCELLED,
        }
        assert set(seats(session, other).values()) == {SCHEDULED}
        board = attendance_service.compliance_board(
            session,
            actor=SYSTEM,
            site_id=program.site.id,
            week_of=program.monday,
            today=program.monday,
        )
        row = next(r for r in board.rows if r.client.id == client.id)
        assert row.level.code == "OP"
        assert row.week.required_hours == 1.0
        assert row.week.planned == 240  # Monday and Tuesday's IOP groups, which stay
        assert next(r for r in board.rows if r.client.id == other.id).level.code == "IOP"

    def test_the_chart_judges_the_week_against_op_too(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        step_down_to_op(session, episode, program.day("wed"))
        week = calendar_service.client_week(
            session, actor=SYSTEM, client_id=client.id, week_of=program.monday
        )
        assert (week.level_code, week.weekly_hours_min, week.booked_minutes) == ("OP", 1.0, 240)
        (line,) = attendance_service.client_weeks(
            session, actor=SYSTEM, client=client, weeks=1, today=program.monday
        )
        assert line.level is not None
        assert line.level.code == "OP"

    def test_each_release_is_audited(self, session: Session, program: Program) -> None:
        client, episode = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        step_down_to_op(session, episode, program.day("wed"))
        session.flush()
        entries = list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity_type == "session_seat", AuditEntry.client_id == client.id
                )
            )
        )
        assert sorted(e.detail["day"] for e in entries) == [
            program.day(d).isoformat() for d in ("wed", "thu", "fri")
        ]
        assert {e.detail["placement"] for e in entries} == {"OP (evening)"}

    def test_a_least_change_re_plan_is_proposed_to_the_director(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        other, _ = admit_iop(session, program)
        published = publish_iop_week(session, program, [client, other])
        step_down_to_op(session, episode, program.day("wed"))

        (draft,) = level_change.proposals_for(session, client_id=client.id, today=program.monday)
        assert draft.status is BuildStatus.DRAFT
        assert (draft.week_of, draft.applies_from) == (program.monday, program.day("wed"))
        assert draft.summary["method"] == level_change.METHOD
        assert draft.summary["level_change"]["client"] == client.record_number
        instance, solution = calendar_publish.parse_build(draft)
        mine = {a.session for a in solution.attendance if a.client == client.record_number}
        assert mine == {program.code("OP-thu")}  # OP from Wednesday: Thursday's OP group
        assert next(c for c in instance.clients if c.id == client.record_number).level == "OP"
        assert solution.stats["changed_assignments"] == 0  # nobody else moves

        calendar_publish.publish(session, actor=SYSTEM, build_id=draft.id)
        assert published.status is BuildStatus.SUPERSEDED
        assert seats(session, client) == {
            "IOP-mon": SCHEDULED,
            "IOP-tue": SCHEDULED,
            "IOP-wed": CANCELLED,
            "IOP-thu": CANCELLED,
            "IOP-fri": CANCELLED,
            "OP-thu": SCHEDULED,
        }
        assert set(seats(session, other).values()) == {SCHEDULED}


class TestWhatStays:
    def test_a_booking_whose_attendance_was_taken_stays(
        self, session: Session, program: Program
    ) -> None:
        client, _ = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        seat = session.scalar(
            select(SessionSeat)
            .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
            .where(SessionSeat.client_id == client.id, SessionOccurrence.code.endswith("-wed"))
        )
        assert seat is not None
        session.add(
            AttendanceRecord(
                seat_id=seat.id,
                client_id=client.id,
                site_id=program.site.id,
                day=program.day("wed"),
                scheduled_minutes=120,
                status=AttendanceStatus.PRESENT,
                credited_minutes=120,
                recorded_at=utc_now(),
            )
        )
        session.flush()
        released = level_change.release_after_level_change(
            session,
            actor=SYSTEM,
            client_id=client.id,
            effective_on=program.day("wed"),
            placement=rules.Placement("OP", "evening"),
            today=program.monday,
        )
        assert len(released.seats) == 2
        assert seats(session, client)["IOP-wed"] is SCHEDULED

    def test_a_track_change_releases_the_other_tracks_groups_only(
        self, session: Session, program: Program
    ) -> None:
        client, _ = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        released = level_change.release_after_level_change(
            session,
            actor=SYSTEM,
            client_id=client.id,
            effective_on=program.day("thu"),
            placement=rules.Placement("IOP", "day"),
            today=program.monday,
        )
        assert released.count == 2
        assert released.first_day == program.day("thu")
        same_track = level_change.release_after_level_change(
            session,
            actor=SYSTEM,
            client_id=client.id,
            effective_on=program.monday,
            placement=rules.Placement("IOP", "evening"),
            today=program.monday,
        )
        assert same_track.count == 0


class TestDischarge:
    def test_releases_every_booking_after_the_last_day_and_proposes_nothing(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        kept = make_appointment(
            session, client=client, staff=program.therapist, day=program.day("tue")
        )
        later = make_appointment(
            session, client=client, staff=program.therapist, day=program.day("thu")
        )
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=program.day("tue"),  # the last day in care
            summary="Completed the program",
        )
        assert [s for s, status in seats(session, client).items() if status is SCHEDULED] == [
            "IOP-mon",
            "IOP-tue",
        ]
        assert session.get(Appointment, kept.id).status is SCHEDULED  # type: ignore[union-attr]
        assert session.get(Appointment, later.id).status is CANCELLED  # type: ignore[union-attr]
        assert level_change.proposals_for(session, client_id=client.id, today=program.monday) == []


class TestNoProposal:
    def test_a_week_that_cannot_be_re_planned_says_why(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        profile = session.scalar(
            select(ClientScheduleProfile).where(ClientScheduleProfile.client_id == client.id)
        )
        session.delete(profile)
        session.flush()
        step_down_to_op(session, episode, program.day("wed"))
        (failed,) = level_change.proposals_for(session, client_id=client.id, today=program.monday)
        assert failed.status is BuildStatus.FAILED
        assert failed.error is not None
        assert "no schedule profile" in failed.error
        assert failed.applies_from == program.day("wed")

    def test_a_clinician_decision_is_stored_by_the_system_on_their_behalf(
        self, session: Session, program: Program
    ) -> None:
        client, episode = admit_iop(session, program)
        publish_iop_week(session, program, [client])
        clinician = Actor(
            user_id=program.therapist.id,
            role=Role.CLINICIAN,
            username=program.therapist.username,
            site_id=program.site.id,
        )
        step_down_to_op(session, episode, program.day("wed"), actor=clinician)
        (draft,) = level_change.proposals_for(session, client_id=client.id, today=program.monday)
        assert draft.status is BuildStatus.DRAFT
        assert draft.built_by is None
        session.flush()
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_type == "schedule_build", AuditEntry.entity_id == str(draft.id)
            )
        )
        assert entry is not None
        assert entry.actor_label == f"level-change re-plan for {program.therapist.username}"
