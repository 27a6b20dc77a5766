"""A small program for progress-note tests: a clinician with a client (open episode, a plan
in effect), a colleague's client who shares a group with them, staff of every role, and
helpers for attended appointments and notes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.calendar.models import Appointment, AppointmentKind
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules, service
from stepdown.clinical_notes.models import (
    AttendeeRole,
    ClinicalNote,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.kit.clock import today, utc_now
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role
from stepdown.treatment_plans.models import Objective, PlanStatus, TreatmentPlan
from tests.factories import (
    PASSWORD,
    make_appointment,
    make_client,
    make_episode,
    make_occurrence,
    make_plan,
    make_site,
    make_user,
)

DATA = (
    "Client reported four days without use and a craving on Saturday, managed by calling a friend."
)
ASSESSMENT = "Coping skills are being used between sessions; motivation is good."
PLAN = "Continue weekly; practise urge surfing daily and bring the log next week."
OTHER_DATA = (
    "Discussed the job interview on Thursday; anxious but prepared, slept well all week, "
    "and the budget worksheet is finished."
)
OTHER_ASSESSMENT = "Mood stable; employment goal moving forward."
OTHER_PLAN = "Mock interview next session; meeting attendance twice this week."


@dataclass
class World:
    site: Site
    clinician: User
    colleague: User
    director: User
    case_manager: User
    review: User
    admin: User
    admissions: User
    client: Client  # the clinician's, with a plan in effect
    other: Client  # the colleague's, in a group with ``client``
    objective: Objective

    def actor(self, user: User) -> Actor:
        return security_service.actor_for(user)

    @property
    def author(self) -> Actor:
        return self.actor(self.clinician)


def make_world(session: Session) -> World:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    colleague = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(
        session, site=site, clinician=clinician, legal_first_name="Avery", legal_last_name="Tillman"
    )
    other = make_client(
        session,
        site=site,
        clinician=colleague,
        legal_first_name="Brennan",
        legal_last_name="Okafor",
        preferred_name="Bren",
    )
    for person in (client, other):
        make_episode(session, client=person)
    make_plan(session, client=client, clinician=clinician)
    make_occurrence(
        session,
        site=site,
        leader=colleague,
        day=today() - timedelta(days=3),
        clients=[client, other],
    )
    objective = session.scalars(
        select(Objective)
        .join(TreatmentPlan, TreatmentPlan.id == Objective.plan_id)
        .where(TreatmentPlan.client_id == client.id, TreatmentPlan.status == PlanStatus.ACTIVE)
    ).one()
    return World(
        site=site,
        clinician=clinician,
        colleague=colleague,
        director=make_user(session, role=Role.DIRECTOR, site=site),
        case_manager=make_user(session, role=Role.CASE_MANAGER, site=site),
        review=make_user(session, role=Role.UTILIZATION_REVIEW),
        admin=make_user(session, role=Role.ADMIN),
        admissions=make_user(session, role=Role.ADMISSIONS, site=site),
        client=client,
        other=other,
        objective=objective,
    )


def attended_appointment(
    session: Session,
    world: World,
    *,
    days_ago: int = 1,
    kind: AppointmentKind = AppointmentKind.INDIVIDUAL,
    status: AttendanceStatus | None = AttendanceStatus.PRESENT,
    staff: User | None = None,
    client: Client | None = None,
) -> Appointment:
    """An appointment ``days_ago`` days back, 10:00-11:00, with attendance ``status`` (none
    recorded when None)."""
    who = staff or world.clinician
    appointment = make_appointment(
        session,
        client=client or world.client,
        staff=who,
        day=today() - timedelta(days=days_ago),
        kind=kind,
    )
    if status is not None:
        attendance_service.record_appointment_attendance(
            session,
            actor=security_service.actor_for(who),
            appointment_id=appointment.id,
            entry=attendance_service.Entry(
                appointment.client_id,
                status,
                late_minutes=10 if status is AttendanceStatus.LATE else 0,
            ),
        )
    return appointment


def note_input(
    *,
    service_type: ServiceType = ServiceType.INDIVIDUAL_THERAPY,
    day: date | None = None,
    start: time = time(10, 0),
    end: time = time(10, 50),
    objectives: tuple[uuid.UUID, ...] = (),
    data: str = DATA,
    assessment: str = ASSESSMENT,
    plan: str = PLAN,
    client_present: bool = True,
    attendees: tuple[rules.Attendee, ...] = (),
    risk: rules.RiskReview | None = None,
) -> service.NoteInput:
    return service.NoteInput(
        service_type=service_type,
        service_date=day or today() - timedelta(days=1),
        start=start,
        end=end,
        client_present=client_present,
        attendees=attendees,
        sections={"data": data, "assessment": assessment, "plan": plan},
        objective_ids=objectives,
        risk=risk or rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.DENIED, RiskAction.NONE, ""),
    )


FAMILY = (rules.Attendee(AttendeeRole.FAMILY, "mother", "Pat Sample"),)


def write_for_appointment(
    session: Session, world: World, appointment: Appointment, **overrides: object
) -> ClinicalNote:
    fields: dict[str, object] = {"day": appointment.day, "objectives": (world.objective.id,)}
    if appointment.kind is AppointmentKind.FAMILY:
        fields.update(service_type=ServiceType.FAMILY_WITH_CLIENT, attendees=FAMILY)
    fields.update(overrides)
    actor = security_service.actor_for(session.get(User, appointment.staff_id))  # type: ignore[arg-type]
    return service.create_note(
        session,
        actor=actor,
        data=note_input(**fields),  # type: ignore[arg-type]
        appointment_id=appointment.id,
    )


def signed_note(
    session: Session, world: World, appointment: Appointment | None = None, **overrides: object
) -> ClinicalNote:
    appointment = appointment or attended_appointment(session, world)
    note = write_for_appointment(session, world, appointment, **overrides)
    actor = security_service.actor_for(session.get(User, appointment.staff_id))  # type: ignore[arg-type]
    return service.sign_note(session, actor=actor, note_id=note.id, secret=PASSWORD)


def supervise(session: Session, supervisor: User, user: User, *, cosign: bool = True) -> None:
    """``supervisor`` supervises ``user`` (and co-signs their notes when ``cosign``)."""
    session.add(
        Supervision(
            user_id=user.id, supervisor_id=supervisor.id, since=utc_now(), cosign_notes=cosign
        )
    )
    session.flush()
