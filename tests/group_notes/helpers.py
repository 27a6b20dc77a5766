"""A small group session for group-note tests: a leader, three members (one absent), and
attendance taken, so each test starts where a leader sits down to write the note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.calendar.models import SessionOccurrence
from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_client, make_episode, make_occurrence, make_site, make_user

NAMES = [("Alice", "Walker", ""), ("Robert", "Stone", "Bobby"), ("Carla", "Reyes", "")]


@dataclass
class Group:
    site: Site
    leader: User
    colleague: User  # a clinician of the site who did not lead the group
    alice: Client  # on the leader's caseload
    bob: Client  # on the colleague's caseload
    carla: Client  # absent
    occurrence: SessionOccurrence


def make_group(session: Session, *, attendance: bool = True) -> Group:
    site = make_site(session)
    leader = make_user(session, role=Role.CLINICIAN, site=site)
    colleague = make_user(session, role=Role.CLINICIAN, site=site)
    members = []
    for (first, last, preferred), clinician in zip(
        NAMES, (leader, colleague, colleague), strict=True
    ):
        person = make_client(
            session,
            site=site,
            clinician=clinician,
            legal_first_name=first,
            legal_last_name=last,
            preferred_name=preferred,
        )
        make_episode(session, client=person)
        members.append(person)
    occurrence = make_occurrence(
        session, site=site, leader=leader, day=today() - timedelta(days=1), clients=members
    )
    alice, bob, carla = members
    if attendance:
        take_attendance(
            session,
            occurrence,
            {
                alice: AttendanceStatus.PRESENT,
                bob: AttendanceStatus.LATE,
                carla: AttendanceStatus.ABSENT_UNEXCUSED,
            },
            leader,
        )
    return Group(site, leader, colleague, alice, bob, carla, occurrence)


def take_attendance(
    session: Session,
    occurrence: SessionOccurrence,
    statuses: dict[Client, AttendanceStatus],
    leader: User,
) -> None:
    attendance_service.record_attendance(
        session,
        actor=security_service.actor_for(leader),
        occurrence_id=occurrence.id,
        entries=[
            attendance_service.Entry(c.id, s, late_minutes=10 if s is AttendanceStatus.LATE else 0)
            for c, s in statuses.items()
        ],
    )
