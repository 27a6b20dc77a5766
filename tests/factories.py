"""Plain functions that make valid rows, overridable per test."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.assessments import rules as assessments_rules
from stepdown.assessments import service as assessments_service
from stepdown.assessments.models import InstrumentResponse
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.inquiries import service as inquiries_service
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.schemas import InquiryCreate
from stepdown.programs.models import Room, Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

SYSTEM = Actor.system("tests")
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_site(session: Session, **overrides: object) -> Site:
    n = next(_counter)
    fields: dict[str, object] = {"code": f"T{n}", "name": f"Test site {n}", "address": "1 Test St"}
    fields.update(overrides)
    site = Site(**fields)
    session.add(site)
    session.flush()
    return site


def make_room(session: Session, site: Site, **overrides: object) -> Room:
    n = next(_counter)
    fields: dict[str, object] = {"site_id": site.id, "code": f"R{n}", "name": f"Room {n}"}
    fields.setdefault("capacity", 12)
    fields.update(overrides)
    room = Room(**fields)
    session.add(room)
    session.flush()
    return room


def make_user(
    session: Session,
    *,
    role: Role = Role.CLINICIAN,
    username: str | None = None,
    password: str = PASSWORD,
    site: Site | None = None,
) -> User:
    return security_service.create_user(
        session,
        actor=SYSTEM,
        username=username or f"{role.value.replace('_', '')}{next(_counter)}",
        display_name=f"Test {role.label}",
        role=role,
        password=password,
        site_id=site.id if site else None,
    )


def make_client(
    session: Session,
    *,
    site: Site,
    clinician: User | None = None,
    **overrides: object,
) -> Client:
    n = next(_counter)
    fields: dict[str, object] = {
        "legal_first_name": f"Given{n}",
        "legal_last_name": f"Family{n}",
        "date_of_birth": date(1990, 1, 1),
        "site_id": site.id,
        "primary_clinician_id": clinician.id if clinician else None,
    }
    fields.update(overrides)
    return clients_service.register_client(
        session,
        actor=SYSTEM,
        data=ClientCreate.model_validate(fields),
        record_number=f"T-{n:05d}",
    )


def make_build(
    session: Session, *, week_of: date, status: BuildStatus = BuildStatus.PUBLISHED
) -> ScheduleBuild:
    """A build row to hang published occurrences on (its instance and solution are empty)."""
    build = ScheduleBuild(
        week_of=week_of,
        status=status,
        applies_from=week_of,
        instance={},
        solution={},
        summary={},
    )
    session.add(build)
    session.flush()
    return build


def _build_for(session: Session, day: date) -> ScheduleBuild:
    monday = day - timedelta(days=day.weekday())
    found = session.scalar(select(ScheduleBuild).where(ScheduleBuild.week_of == monday).limit(1))
    return found or make_build(session, week_of=monday)


def make_occurrence(
    session: Session,
    *,
    site: Site,
    leader: User,
    day: date,
    start: str = "18:00",
    end: str = "19:30",
    clients: list[Client] | tuple[Client, ...] = (),
    room: Room | None = None,
    topic: str = "CBT",
    **overrides: object,
) -> SessionOccurrence:
    """A scheduled group on ``day`` with a seat for each of ``clients``."""
    build = _build_for(session, day)
    fields: dict[str, object] = {
        "build_id": build.id,
        "site_id": site.id,
        "code": f"G{next(_counter)}",
        "day": day,
        "start": start,
        "end": end,
        "topic": topic,
        "levels": ["IOP"],
        "room_id": room.id if room else None,
        "leader_id": leader.id,
        "telehealth": room is None,
        "status": BookingStatus.SCHEDULED,
    }
    fields.update(overrides)
    occurrence = SessionOccurrence(**fields)
    session.add(occurrence)
    session.flush()
    for person in clients:
        session.add(
            SessionSeat(
                occurrence_id=occurrence.id, client_id=person.id, status=BookingStatus.SCHEDULED
            )
        )
    session.flush()
    return occurrence


def make_appointment(
    session: Session,
    *,
    client: Client,
    staff: User,
    day: date,
    start: str = "10:00",
    end: str = "11:00",
    kind: AppointmentKind = AppointmentKind.INDIVIDUAL,
) -> Appointment:
    build = _build_for(session, day)
    appointment = Appointment(
        build_id=build.id,
        site_id=client.site_id,
        client_id=client.id,
        staff_id=staff.id,
        kind=kind,
        day=day,
        start=start,
        end=end,
        status=BookingStatus.SCHEDULED,
    )
    session.add(appointment)
    session.flush()
    return appointment


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a browser would."""
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def make_inquiry(
    session: Session, *, site: Site | None = None, actor: Actor = SYSTEM, **overrides: object
) -> Inquiry:
    """A new phone inquiry; give it a ``site`` and ``date_of_birth`` to make it convertible."""
    n = next(_counter)
    fields: dict[str, object] = {
        "first_name": f"Caller{n}",
        "last_name": f"Family{n}",
        "phone": f"555-04{n % 100:02d}",
        "site_id": site.id if site else None,
    }
    fields.update(overrides)
    return inquiries_service.create_inquiry(
        session, actor=actor, data=InquiryCreate.model_validate(fields)
    )


def make_response(
    session: Session,
    *,
    client: Client,
    code: str = "phq9",
    answers: list[int | None] | None = None,
    actor: Actor = SYSTEM,
    **overrides: object,
) -> InstrumentResponse:
    """A scored instrument result (all zeros unless ``answers`` are given)."""
    spec = assessments_rules.instrument(code)
    recorded = assessments_service.record_response(
        session,
        actor=actor,
        client_id=client.id,
        code=spec.code,
        answers=answers if answers is not None else [min(i.allowed) for i in spec.items],
        **overrides,  # type: ignore[arg-type]
    )
    return recorded.response


def make_alert(
    session: Session,
    *,
    client: Client,
    actor: Actor = SYSTEM,
    kind: AlertKind = AlertKind.PHQ9_ITEM9,
    severity: Severity = Severity.URGENT,
    summary: str = "PHQ-9 item 9 answered 1 (several days): same-day safety assessment needed",
) -> Alert:
    return alerts_service.raise_alert(
        session,
        actor=actor,
        client_id=client.id,
        kind=kind,
        severity=severity,
        summary=summary,
        source_type="test",
        source_id=uuid.uuid4(),
    )
