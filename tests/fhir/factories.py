"""A client with one of everything the FHIR API serves, made through the domains' services
(and attendance rows as a leader's roster writes them), and backend clients with consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from stepdown.assessments.rules import Sex
from stepdown.attendance import rules as attendance_rules
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar.models import Appointment, SessionSeat
from stepdown.clients.models import Client
from stepdown.consents import service as consents_service
from stepdown.consents.models import Consent, ConsentKind, InformationClass, Purpose
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, Track, Transition
from stepdown.coverage import service as coverage_service
from stepdown.diagnoses import service as diagnoses_service
from stepdown.diagnoses.models import Severity
from stepdown.diagnoses.rules import Specifiers
from stepdown.disclosures.models import DisclosureRecipient, RecipientCategory
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import Analyte, Method, OrderReason, ResultValue, SpecimenType
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.fhir import oauth
from stepdown.fhir.models import FhirClient
from stepdown.kit.clock import today
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.coverage.factories import make_plan as make_payer_plan
from tests.factories import (
    SYSTEM,
    make_appointment,
    make_client,
    make_episode,
    make_occurrence,
    make_plan,
    make_response,
    make_room,
    make_site,
    make_user,
)

PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 1]  # item 9 answered: a safety flag on the Observation


@dataclass(frozen=True)
class Record:
    site: Site
    clinician: User
    client: Client
    episode: Episode
    # A partner clinic the client consented to share demographics and assessments with.
    recipient: DisclosureRecipient
    consent: Consent


SHARED = frozenset({InformationClass.DEMOGRAPHICS, InformationClass.ASSESSMENTS})


def make_record(session: Session) -> Record:
    """A client on the clinician's caseload, admitted to IOP 40 days ago and stepped down
    to OP 10 days ago, with attended and missed sessions, a signed plan, a diagnosis, a
    medication, instrument results, a drug test, two coverages, and a consent to share
    demographics and assessments with a partner clinic for treatment."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(
        session,
        site=site,
        clinician=clinician,
        preferred_name="Sunny",
        pronouns="she/her",
        gender_identity="Woman",
        phone="555-0100",
        email="sunny@example.org",
        address="1 Test St, Springfield",
        emergency_contact_name="Robin Family",
        emergency_contact_phone="555-0101",
        emergency_contact_relationship="Sister",
    )
    episode = make_episode(session, client=client, level_code="IOP", on=today() - timedelta(40))
    continuum_service.step(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=today() - timedelta(days=10),
        reason="step down",
    )
    _attendance(session, site=site, clinician=clinician, client=client)
    make_plan(session, client=client, clinician=clinician)
    actor = security_service.actor_for(clinician)
    diagnoses_service.add_diagnosis(
        session,
        actor=actor,
        client_id=client.id,
        code="F10.20",
        principal=True,
        specifiers=Specifiers(Severity.MODERATE),
        diagnosed_on=episode.admitted_on,
    )
    medications_service.add_medication(
        session,
        actor=actor,
        client_id=client.id,
        data=MedicationCreate(
            name="buprenorphine", prescriber="Dr. Test", starts_on=today() - timedelta(30)
        ),
    )
    make_response(session, client=client, code="phq9", answers=list(PHQ9))
    make_response(session, client=client, code="gad7")
    make_response(session, client=client, code="auditc", sex=Sex.FEMALE)
    make_response(session, client=client, code="dast10")
    make_response(session, client=client, code="bam")
    make_response(session, client=client, code="cssrs")
    _drug_test(session, client=client)
    payer = make_payer(session)
    make_coverage(
        session,
        coverage_service.Owner(client_id=client.id),
        payer,
        plan_id=make_payer_plan(session, payer).id,
        group_number="G-1",
    )
    make_coverage(session, coverage_service.Owner(client_id=client.id), None, rank=2)
    recipient = make_recipient(session)
    consent = consent_to(session, client, recipient, information=SHARED)
    return Record(site, clinician, client, episode, recipient, consent)


def _attendance(session: Session, *, site: Site, clinician: User, client: Client) -> None:
    """A group attended, an individual appointment missed, a telehealth one attended."""
    day = today() - timedelta(days=3)
    room = make_room(session, site)
    group = make_occurrence(
        session, site=site, leader=clinician, day=day, clients=[client], room=room
    )
    seat = session.query(SessionSeat).filter_by(occurrence_id=group.id).one()
    _attended(session, client, day, AttendanceStatus.PRESENT, seat=seat)
    missed = make_appointment(session, client=client, staff=clinician, day=day)
    _attended(session, client, day, AttendanceStatus.ABSENT_UNEXCUSED, appointment=missed)
    online = make_appointment(session, client=client, staff=clinician, day=day - timedelta(1))
    _attended(session, client, online.day, AttendanceStatus.TELEHEALTH, appointment=online)


def _attended(
    session: Session,
    client: Client,
    day: date,
    status: AttendanceStatus,
    *,
    seat: SessionSeat | None = None,
    appointment: Appointment | None = None,
) -> None:
    booked = seat or appointment
    assert booked is not None
    start, end = (appointment.start, appointment.end) if appointment else ("18:00", "19:30")
    scheduled = attendance_rules.scheduled_minutes(start, end)
    session.add(
        AttendanceRecord(
            seat_id=seat.id if seat else None,
            appointment_id=appointment.id if appointment else None,
            client_id=client.id,
            site_id=client.site_id,
            day=day,
            scheduled_minutes=scheduled,
            status=status,
            credited_minutes=attendance_rules.credited_minutes(status, scheduled),
            recorded_by=None,
            recorded_at=datetime.now(UTC),
        )
    )
    session.flush()


def _drug_test(session: Session, *, client: Client) -> None:
    order = drug_testing_service.order_test(
        session,
        actor=SYSTEM,
        client_id=client.id,
        reason=OrderReason.ADMISSION,
        on=today() - timedelta(days=1),
    )
    collection = drug_testing_service.record_collection(
        session,
        actor=SYSTEM,
        order_id=order.id,
        specimen_type=SpecimenType.URINE,
        observed=True,
        collected_at=datetime.combine(today(), time(15, 0), tzinfo=UTC) - timedelta(days=1),
    )
    drug_testing_service.record_results(
        session,
        actor=SYSTEM,
        collection_id=collection.id,
        entries=[
            ResultEntry(
                analyte=Analyte.BUPRENORPHINE,
                method=Method.PRESUMPTIVE,
                result=ResultValue.POSITIVE,
            ),
            ResultEntry(
                analyte=Analyte.COCAINE,
                method=Method.PRESUMPTIVE,
                result=ResultValue.NEGATIVE,
                value=12.5,
                cutoff=150,
                unit="ng/mL",
            ),
        ],
    )


def make_recipient(session: Session, name: str = "Partner Clinic") -> DisclosureRecipient:
    return consents_service.add_recipient(
        session,
        actor=SYSTEM,
        name=name,
        category=RecipientCategory.TREATING_PROVIDER,
        organization="Partner Health",
    )


def make_fhir_client(
    session: Session,
    recipient: DisclosureRecipient,
    *,
    scopes: str = "system/*.read",
    purpose: Purpose = Purpose.TREATMENT,
) -> tuple[FhirClient, str]:
    return oauth.register_client(
        session,
        actor=SYSTEM,
        name="Partner EHR",
        scopes=scopes,
        recipient_id=recipient.id,
        purpose=purpose,
    )


def consent_to(
    session: Session,
    client: Client,
    recipient: DisclosureRecipient,
    *,
    information: frozenset[InformationClass],
    purposes: frozenset[Purpose] = frozenset({Purpose.TREATMENT}),
) -> Consent:
    """A specific consent, signed two days ago by the client, naming ``recipient``."""
    signed_on = today() - timedelta(days=2)
    return consents_service.record_consent(
        session,
        actor=SYSTEM,
        client_id=client.id,
        data=consents_service.ConsentInput(
            kind=ConsentKind.SPECIFIC,
            disclosers="Stepdown test program",
            information=information,
            information_description="as listed",
            recipient_ids=frozenset({recipient.id}),
            recipient_classes=frozenset(),
            purposes=purposes,
            purpose_description="as listed",
            expires_on=signed_on + timedelta(days=180),
            expiry_event="",
            client_signature=f"{client.legal_first_name} {client.legal_last_name}",
            signed_on=signed_on,
        ),
    )
