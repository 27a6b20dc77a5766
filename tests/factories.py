"""Plain functions that make valid rows, overridable per test."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.aftercare.models import AftercarePlan
from stepdown.aftercare.schemas import PlanUpdate
from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.alumni import service as alumni_service
from stepdown.alumni.models import AlumniVolunteer
from stepdown.alumni.schemas import VolunteerProfile
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
from stepdown.checkins import rules as checkins_rules
from stepdown.checkins import service as checkins_service
from stepdown.checkins.models import CheckIn
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, Track, Transition
from stepdown.inquiries import service as inquiries_service
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.schemas import InquiryCreate
from stepdown.kit.clock import today
from stepdown.programs.models import Room, Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.treatment_plans import service as treatment_plans_service
from stepdown.treatment_plans.models import Modality, TreatmentPlan
from stepdown.treatment_plans.schemas import GoalInput, InterventionInput, ObjectiveInput

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


def bearer(session: Session, user: User) -> dict[str, str]:
    """An ``Authorization`` header with a new API token of ``user``'s."""
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


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


def make_checkin(
    session: Session, *, client: Client, actor: Actor = SYSTEM, **overrides: object
) -> CheckIn:
    """A calm check-in (craving 2, mood 7, no use) unless overridden; raises what it calls for."""
    fields: dict[str, object] = {"craving": 2, "mood": 7, "used_since_last": False}
    fields.update(overrides)
    submitted_at = fields.pop("submitted_at", None)
    return checkins_service.submit(
        session,
        actor=actor,
        client_id=client.id,
        draft=checkins_rules.Draft(**fields),  # type: ignore[arg-type]
        zone=ZoneInfo("America/New_York"),
        submitted_at=submitted_at,  # type: ignore[arg-type]
    ).checkin


def make_episode(
    session: Session, *, client: Client, level_code: str = "IOP", on: date | None = None
) -> Episode:
    """Admit the client (an open episode), 30 days ago unless ``on`` is given."""
    return continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code=level_code,
        track=Track.EVENING if level_code == "IOP" else Track.NONE,
        on=on or today() - timedelta(days=30),
        reason="test admission",
    )


def make_plan(
    session: Session, *, client: Client, clinician: User, sign: bool = True
) -> TreatmentPlan:
    """A complete plan for the client's open episode (one problem, goal, objective and
    intervention), signed by ``clinician`` and, in person, the client unless ``sign`` is off."""
    actor = security_service.actor_for(clinician)
    plan = treatment_plans_service.create_plan(session, actor=actor, client_id=client.id)
    problem = treatment_plans_service.add_problem(
        session, actor=actor, plan_id=plan.id, statement="Alcohol use disorder, moderate"
    )
    goal = treatment_plans_service.add_goal(
        session,
        actor=actor,
        plan_id=plan.id,
        data=GoalInput(problem_id=problem.id, client_words="I want to stay sober for my kids"),
    )
    treatment_plans_service.add_objective(
        session,
        actor=actor,
        plan_id=plan.id,
        data=ObjectiveInput(
            goal_id=goal.id,
            statement="Attend 3 mutual-support meetings a week for 4 weeks",
            target_date=today() + timedelta(days=28),
        ),
    )
    treatment_plans_service.add_intervention(
        session,
        actor=actor,
        plan_id=plan.id,
        data=InterventionInput(
            modality=Modality.CBT_GROUP, frequency="3 times a week", responsible_user_id=None
        ),
    )
    if sign:
        treatment_plans_service.sign_as_clinician(session, actor=actor, plan_id=plan.id)
        treatment_plans_service.sign_in_person(session, actor=actor, plan_id=plan.id, attested=True)
    return plan


def make_aftercare_plan(
    session: Session,
    *,
    client: Client,
    final: bool = True,
    on: date | None = None,
    actor: Actor = SYSTEM,
) -> AftercarePlan:
    """Admit to IOP 60 days ago, step down to OP 30 and to aftercare 5 days ago, and draft the
    plan (with warning signs and coping steps), finalized on ``on`` (today) unless ``final``
    is off."""
    episode = make_episode(session, client=client, level_code="IOP", on=today() - timedelta(60))
    for code, track, back in (("OP", Track.EVENING, 30), ("AFTERCARE", Track.NONE, 5)):
        continuum_service.step(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            direction=Transition.STEP_DOWN,
            level_code=code,
            track=track,
            on=today() - timedelta(days=back),
            reason="step down",
        )
    plan = aftercare_service.create_plan(session, actor=actor, client_id=client.id)
    aftercare_service.update_plan(
        session,
        actor=actor,
        plan_id=plan.id,
        data=PlanUpdate(
            warning_signs="Skipping meals\nIsolating from friends",
            coping_steps="Call my sponsor\nGo to a meeting",
        ),
    )
    if final:
        aftercare_service.finalize(session, actor=actor, plan_id=plan.id, on=on or today())
    return plan


def make_alumnus(
    session: Session,
    *,
    site: Site,
    discharged_on: date | None = None,
    discharge_type: DischargeType = DischargeType.COMPLETED,
    clinician: User | None = None,
    **overrides: object,
) -> Client:
    """A client admitted to IOP (evening) 90 days before ``discharged_on`` (30 days ago) and
    discharged then."""
    person = make_client(session, site=site, clinician=clinician, **overrides)
    last_day = discharged_on or today() - timedelta(days=30)
    episode = make_episode(session, client=person, level_code="IOP", on=last_day - timedelta(90))
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        discharge_type=discharge_type,
        on=last_day,
        summary="Discharged (test)",
    )
    return person


def make_volunteer(
    session: Session,
    *,
    client: Client,
    recovery_days: int = 400,
    actor: Actor = SYSTEM,
    **profile: object,
) -> AlumniVolunteer:
    """Enrol ``client`` as a consenting volunteer, ``recovery_days`` into recovery, able to
    mentor at their own site on both tracks unless ``profile`` says otherwise."""
    fields: dict[str, object] = {
        "recovery_start": today() - timedelta(days=recovery_days),
        "site_ids": [client.site_id],
        "tracks": [Track.DAY, Track.EVENING],
    }
    fields.update(profile)
    return alumni_service.enrol_volunteer(
        session,
        actor=actor,
        client_id=client.id,
        data=VolunteerProfile.model_validate(fields),
        consent=True,
    )
