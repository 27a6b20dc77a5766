"""Publishing a build writes the week's calendar, diffs a re-plan, and refuses a broken week."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.calendar import publish
from stepdown.calendar.models import (
    Appointment,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients.models import Client
from stepdown.kit.errors import Conflict
from stepdown.programs.models import Room, Site
from stepdown.scheduling import service as scheduling_service
from stepdown.scheduling.exchange import parse_instance, parse_solution
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_room, make_site, make_user

MONDAY = date(2026, 11, 23)
DAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_WEEK = [{"day": d, "start": "08:00", "end": "22:00"} for d in DAYS]


@dataclass
class Week:
    site: Site
    room: Room
    leaders: list[User]
    clients: list[Client]

    def instance(self, week_of: date = MONDAY) -> dict[str, Any]:
        code = self.site.code
        return {
            "format": "stepdown-schedule-instance/1",
            "name": f"week-{week_of}",
            "week_of": week_of.isoformat(),
            "levels": {"IOP": {"min_hours": 0, "max_hours": 20, "max_days": 7}},
            "individual_minutes": 60,
            "sites": [code],
            "rooms": [{"id": f"{code}-{self.room.code}", "site": code, "capacity": 10}],
            "staff": [
                {
                    "id": u.username,
                    "site": code,
                    "topics": ["RP"],
                    "availability": ALL_WEEK,
                    "max_hours": 40,
                }
                for u in self.leaders
            ],
            "sessions": [
                {
                    "id": f"{code}-G-{day}",
                    "site": code,
                    "day": day,
                    "start": "18:00",
                    "end": "19:30",
                    "topic": "RP",
                    "levels": ["IOP"],
                    "audience": "adult",
                    "gender": "any",
                    "min_size": 1,
                    "max_size": 3,
                }
                for day in DAYS
            ],
            "clients": [
                {
                    "id": c.record_number,
                    "site": code,
                    "level": "IOP",
                    "age_group": "adult",
                    "gender": "X",
                    "availability": ALL_WEEK,
                    "primary_therapist": self.leaders[0].username,
                    "individual_sessions": 1,
                    "family_sessions": 0,
                }
                for c in self.clients
            ],
        }

    def solution(
        self,
        groups: dict[str, list[int]],
        *,
        leader: dict[str, int] | None = None,
        appointments: dict[int, str] | None = None,
        week_of: date = MONDAY,
    ) -> dict[str, Any]:
        """``groups``: day -> indexes of the clients in that day's group."""
        code = self.site.code
        return {
            "format": "stepdown-schedule-solution/1",
            "instance": f"week-{week_of}",
            "sessions": [
                {
                    "id": f"{code}-G-{day}",
                    "room": f"{code}-{self.room.code}",
                    "leader": self.leaders[(leader or {}).get(day, 0)].username,
                }
                for day in groups
            ],
            "attendance": [
                {"client": self.clients[i].record_number, "session": f"{code}-G-{day}"}
                for day, members in groups.items()
                for i in members
            ],
            "appointments": [
                {
                    "client": self.clients[i].record_number,
                    "staff": self.leaders[0].username,
                    "kind": "individual",
                    "day": day,
                    "start": f"{10 + i}:00",
                    "end": f"{11 + i}:00",
                }
                for i, day in (appointments or {}).items()
            ],
        }


def make_week(session: Session) -> Week:
    site = make_site(session)
    return Week(
        site=site,
        room=make_room(session, site),
        leaders=[make_user(session, role=Role.CLINICIAN, site=site) for _ in range(2)],
        clients=[make_client(session, site=site) for _ in range(4)],
    )


def store(
    session: Session, week: Week, solution: dict[str, Any], applies_from: date | None = None
) -> ScheduleBuild:
    return scheduling_service.save_build(
        session,
        actor=SYSTEM,
        instance=parse_instance(week.instance()),
        solution=parse_solution(solution),
        skipped=[],
        method="test",
        applies_from=applies_from,
    )


def occurrences(session: Session) -> dict[str, SessionOccurrence]:
    rows = session.scalars(select(SessionOccurrence).where(SessionOccurrence.day >= MONDAY))
    return {o.code.rsplit("-", 1)[1]: o for o in rows}


def seated(session: Session, occurrence: SessionOccurrence) -> dict[uuid.UUID, BookingStatus]:
    seats = session.scalars(select(SessionSeat).where(SessionSeat.occurrence_id == occurrence.id))
    return {s.client_id: s.status for s in seats}


def test_publishing_a_build_puts_its_week_on_the_calendar(session: Session) -> None:
    week = make_week(session)
    build = store(
        session, week, week.solution({"mon": [0, 1], "tue": [2]}, appointments={3: "wed"})
    )
    result = publish.publish(session, actor=SYSTEM, build_id=build.id)

    found = occurrences(session)
    assert set(found) == {"mon", "tue"}
    assert found["mon"].day == MONDAY
    assert found["tue"].day == MONDAY + timedelta(days=1)
    assert found["mon"].room_id == week.room.id
    assert found["mon"].leader_id == week.leaders[0].id
    assert found["mon"].site_id == week.site.id
    assert (found["mon"].start, found["mon"].topic) == ("18:00", "RP")
    assert set(seated(session, found["mon"])) == {week.clients[0].id, week.clients[1].id}
    appointment = session.scalars(select(Appointment)).one()
    assert (appointment.client_id, appointment.day) == (week.clients[3].id, MONDAY + timedelta(2))
    assert build.status is BuildStatus.PUBLISHED
    assert build.published_at is not None
    assert (result.sessions_added, result.seats_added, result.appointments_added) == (2, 3, 1)
    audited = session.scalars(
        select(AuditEntry.client_id).where(
            AuditEntry.entity_type == "schedule_week", AuditEntry.entity_id == str(build.id)
        )
    ).all()
    assert sorted(map(str, audited)) == sorted(str(c.id) for c in week.clients)


def test_republishing_from_wednesday_keeps_monday_and_tuesday_and_diffs_the_rest(
    session: Session,
) -> None:
    week = make_week(session)
    first = store(
        session,
        week,
        week.solution(
            {"mon": [0, 1], "tue": [2], "wed": [0, 3], "thu": [1, 2]},
            appointments={0: "mon", 1: "thu"},
        ),
    )
    publish.publish(session, actor=SYSTEM, build_id=first.id)
    before = occurrences(session)
    kept = {day: (o.id, seated(session, o)) for day, o in before.items() if day in ("mon", "tue")}

    second = store(
        session,
        week,
        # Monday differs in the new solution but is before applies_from, so it must not move.
        week.solution(
            {"mon": [3], "thu": [1, 3], "fri": [0]},
            leader={"thu": 1},
            appointments={0: "mon", 2: "fri"},
        ),
        applies_from=MONDAY + timedelta(days=2),
    )
    result = publish.publish(session, actor=SYSTEM, build_id=second.id)

    after = occurrences(session)
    for day, (row_id, seats) in kept.items():
        assert after[day].id == row_id
        assert after[day].status is BookingStatus.SCHEDULED
        assert seated(session, after[day]) == seats
    assert after["wed"].status is BookingStatus.CANCELLED
    assert set(seated(session, after["wed"]).values()) == {BookingStatus.CANCELLED}
    assert after["thu"].id == before["thu"].id
    assert after["thu"].leader_id == week.leaders[1].id
    assert seated(session, after["thu"]) == {
        week.clients[1].id: BookingStatus.SCHEDULED,
        week.clients[2].id: BookingStatus.CANCELLED,
        week.clients[3].id: BookingStatus.SCHEDULED,
    }
    assert set(seated(session, after["fri"])) == {week.clients[0].id}
    appointments = {
        (a.client_id, a.day.weekday()): a.status for a in session.scalars(select(Appointment))
    }
    assert appointments == {
        (week.clients[0].id, 0): BookingStatus.SCHEDULED,  # Monday: untouched
        (week.clients[1].id, 3): BookingStatus.CANCELLED,
        (week.clients[2].id, 4): BookingStatus.SCHEDULED,
    }
    assert (result.sessions_added, result.sessions_changed, result.sessions_cancelled) == (1, 1, 1)
    assert first.status is BuildStatus.SUPERSEDED
    assert second.status is BuildStatus.PUBLISHED


def test_an_invalid_solution_is_refused_naming_the_rule_and_nothing_is_written(
    session: Session,
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1, 2, 3]}))  # max_size is 3
    with pytest.raises(Conflict) as refused:
        publish.publish(session, actor=SYSTEM, build_id=build.id)
    assert refused.value.rule == "schedule.group-size"
    assert "4 clients" in refused.value.message
    assert occurrences(session) == {}
    assert build.status is BuildStatus.DRAFT


def test_a_published_build_cannot_be_published_again(session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    publish.publish(session, actor=SYSTEM, build_id=build.id)
    with pytest.raises(Conflict) as refused:
        publish.publish(session, actor=SYSTEM, build_id=build.id)
    assert refused.value.rule == "build.not_draft"


def test_a_staff_member_no_longer_in_the_program_is_refused(session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    week.leaders[0].username = "gone-away"
    session.flush()
    with pytest.raises(Conflict) as refused:
        publish.publish(session, actor=SYSTEM, build_id=build.id)
    assert refused.value.rule == "publish.unknown_id"
    assert occurrences(session) == {}
