"""A stay with something of every kind in the record, discharged or referred out, so each
test starts where a clinician sits down to write the summary.

The client is admitted to evening IOP 40 days ago and steps down to OP 20 days ago. In
care they have a signed treatment plan, a principal and a secondary diagnosis, an active
and a stopped medication, two groups (one attended, one missed without excuse), an
individual session attended and a family session missed with an excuse, a drug test
refused, and a housing referral accepted. Then the episode is discharged completed today
with an aftercare plan, or (``referral``) referred out to a detox partner today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.aftercare.schemas import PlanUpdate
from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.calendar.models import AppointmentKind
from stepdown.case_management import service as case_management_service
from stepdown.case_management.models import NeedKind, ReferralStatus
from stepdown.case_management.schemas import ReferralChangeInput, ReferralInput
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    PartnerProvider,
    Segment,
    Track,
    Transition,
)
from stepdown.diagnoses import rules as diagnoses_rules
from stepdown.diagnoses import service as diagnoses_service
from stepdown.diagnoses.models import Severity
from stepdown.discharge_summaries import rules, service
from stepdown.discharge_summaries.models import DischargeSummary, Prognosis
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import OrderReason, OrderStatus
from stepdown.kit.clock import today, utc_now
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role
from tests.factories import (
    PASSWORD,
    SYSTEM,
    make_appointment,
    make_client,
    make_episode,
    make_occurrence,
    make_plan,
    make_site,
    make_user,
)

ADMITTED_DAYS_AGO = 40
REASON = "Completed IOP and OP; ready for aftercare."
WORDS = rules.Narrative(
    reason="Completed twelve weeks of treatment with goals met.",
    prognosis=Prognosis.FAIR,
    prognosis_text="Engaged throughout; housing still new.",
    recommendations="Weekly outpatient therapy; three meetings a week; monthly check-ins.",
    narrative="Attended most groups, used coping skills, repaired family contact.",
)


@dataclass
class Stay:
    site: Site
    clinician: User
    director: User
    person: Client
    episode: Episode
    admitted: date
    referral: Segment | None = None

    @property
    def actor(self) -> Actor:
        return security_service.actor_for(self.clinician)

    def day(self, n: int) -> date:
        """The n-th day of the stay (0: the admission day)."""
        return self.admitted + timedelta(days=n)


def make_partner(session: Session, level_code: str = "DETOX") -> PartnerProvider:
    return continuum_service.create_partner(
        session,
        actor=SYSTEM,
        name=f"Hillcrest Detox ({level_code.lower()} test)",
        level_code=level_code,
        phone="555-0300",
        address="7 Placeholder Road",
    )


def _attendance(session: Session, stay: Stay) -> None:
    actor = stay.actor
    for n, status in ((5, AttendanceStatus.PRESENT), (7, AttendanceStatus.ABSENT_UNEXCUSED)):
        group = make_occurrence(
            session,
            site=stay.site,
            leader=stay.clinician,
            day=stay.day(n),
            start="18:00",
            end="19:30",
            clients=[stay.person],
        )
        attendance_service.record_attendance(
            session,
            actor=actor,
            occurrence_id=group.id,
            entries=[attendance_service.Entry(stay.person.id, status)],
        )
    for n, kind, status in (
        (6, AppointmentKind.INDIVIDUAL, AttendanceStatus.PRESENT),
        (8, AppointmentKind.FAMILY, AttendanceStatus.ABSENT_EXCUSED),
    ):
        appointment = make_appointment(
            session,
            client=stay.person,
            staff=stay.clinician,
            day=stay.day(n),
            start="10:00",
            end="10:50",
            kind=kind,
        )
        attendance_service.record_appointment_attendance(
            session,
            actor=actor,
            appointment_id=appointment.id,
            entry=attendance_service.Entry(stay.person.id, status),
        )


def _record(session: Session, stay: Stay) -> None:
    actor = stay.actor
    diagnoses_service.add_diagnosis(
        session,
        actor=actor,
        client_id=stay.person.id,
        code="F10.20",
        principal=True,
        specifiers=diagnoses_rules.Specifiers(severity=Severity.MODERATE),
        diagnosed_on=stay.admitted,
    )
    diagnoses_service.add_diagnosis(
        session, actor=actor, client_id=stay.person.id, code="F41.1", diagnosed_on=stay.day(3)
    )
    medications_service.add_medication(
        session,
        actor=actor,
        client_id=stay.person.id,
        data=MedicationCreate(
            name="Naltrexone 50 mg", prescriber="Dr. Test (synthetic)", starts_on=stay.day(2)
        ),
    )
    medications_service.add_medication(
        session,
        actor=actor,
        client_id=stay.person.id,
        data=MedicationCreate(
            name="Trazodone 50 mg",
            prescriber="Dr. Test (synthetic)",
            starts_on=stay.day(2),
            ends_on=stay.day(10),
        ),
    )
    _attendance(session, stay)
    order = drug_testing_service.order_test(
        session, actor=actor, client_id=stay.person.id, reason=OrderReason.ADMISSION, on=stay.day(1)
    )
    drug_testing_service.mark_outcome(
        session, actor=actor, order_id=order.id, status=OrderStatus.REFUSED
    )
    referral = case_management_service.make_referral(
        session,
        actor=SYSTEM,
        client_id=stay.person.id,
        data=ReferralInput(
            kind=NeedKind.HOUSING,
            organization="Harbor House (test)",
            made_on=stay.day(10),
            follow_up_on=stay.day(17),
        ),
        today=stay.day(10),
    )
    case_management_service.change_referral(
        session,
        actor=SYSTEM,
        referral_id=referral.id,
        data=ReferralChangeInput(
            status=ReferralStatus.ACCEPTED, on=stay.day(12), follow_up_on=stay.day(19)
        ),
        today=stay.day(12),
    )


def make_stay(
    session: Session, *, referral: bool = False, supervised: bool = False, referred_ago: int = 0
) -> Stay:
    """The stay above, discharged completed today (or referred out to detox
    ``referred_ago`` days ago)."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site, clinician=clinician)
    admitted = today() - timedelta(days=ADMITTED_DAYS_AGO)
    episode = make_episode(session, client=person, level_code="IOP", on=admitted)
    continuum_service.step(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=today() - timedelta(days=20),
        reason="IOP goals met.",
    )
    stay = Stay(site, clinician, director, person, episode, admitted)
    plan = make_plan(session, client=person, clinician=clinician)
    # Signed in the stay's first days, as it would have been (signing dates it today).
    plan.effective_on = admitted + timedelta(days=1)
    session.flush()
    _record(session, stay)
    if supervised:
        supervise(session, clinician, director)
    if referral:
        partner = make_partner(session)
        continuum_service.refer_out(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            partner_id=partner.id,
            on=today() - timedelta(days=referred_ago),
            reason="Relapse with withdrawal signs: medical detox first.",
        )
        stay.referral = next(
            s
            for s in continuum_service.segments_for(session, [episode])[episode.id]
            if s.transition is Transition.REFER_OUT
        )
        return stay
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=today(),
        summary=REASON,
    )
    aftercare = aftercare_service.create_plan(session, actor=SYSTEM, client_id=person.id)
    aftercare_service.update_plan(
        session,
        actor=SYSTEM,
        plan_id=aftercare.id,
        data=PlanUpdate(
            therapy_with_whom="Dana Whitfield, LMHC (synthetic)",
            therapy_when="Tuesdays",
            warning_signs="Skipping meals",
            coping_steps="Call my sponsor",
        ),
    )
    return stay


def supervise(session: Session, user: User, supervisor: User) -> None:
    """Mark ``user`` as supervised by ``supervisor``, their notes needing a co-signature."""
    session.add(
        Supervision(
            user_id=user.id, supervisor_id=supervisor.id, since=utc_now(), cosign_notes=True
        )
    )
    session.flush()


def write_and_sign(session: Session, stay: Stay, *, actor: Actor | None = None) -> DischargeSummary:
    actor = actor or stay.actor
    summary = service.create_draft(
        session,
        actor=actor,
        episode_id=stay.episode.id,
        segment_id=stay.referral.id if stay.referral else None,
        narrative=WORDS,
    )
    return service.sign(session, actor=actor, summary_id=summary.id, secret=PASSWORD)


__all__ = ["PASSWORD", "WORDS", "Stay", "make_stay", "supervise", "write_and_sign"]
