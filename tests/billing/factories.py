"""A small billable program, made through the services: one client at a level, covered by a
payer with a contract, a TPO consent, a diagnosis, and helpers to deliver services in a
past week (an appointment with a signed note of so many minutes, a group seat, a drug
test)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.billing import setup
from stepdown.billing.claim_data import ClaimType
from stepdown.billing.models import PayerContract
from stepdown.billing.rules import BillingMode, week_of
from stepdown.billing.schemas import ContractWrite, PayerSetupWrite, ProfileWrite
from stepdown.calendar.models import AppointmentKind
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules as note_rules
from stepdown.clinical_notes import service as notes_service
from stepdown.clinical_notes.models import AttendeeRole, RiskAction, RiskAnswer, ServiceType
from stepdown.consents import rules as consent_rules
from stepdown.consents import service as consents
from stepdown.consents.models import ConsentKind, InformationClass, RecipientClass
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, Track
from stepdown.coverage.models import Coverage, Payer
from stepdown.coverage.service import Owner
from stepdown.diagnoses import service as diagnoses_service
from stepdown.diagnoses.rules import Severity, Specifiers
from stepdown.disclosures.models import RecipientCategory
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import (
    PASSWORD,
    SYSTEM,
    make_appointment,
    make_client,
    make_site,
    make_user,
)

FEES = {
    "90832": 8000,
    "90834": 11000,
    "90837": 14000,
    "90846": 10000,
    "90847": 10500,
    "90853": 4000,
    "90791": 15000,
    "H0004": 2000,
    "H0015": 17500,
    "S9480": 25000,
    "80305": 2000,
    "G0480": 9000,
    "G0481": 12000,
    "G0410": 9000,
}


@dataclass
class World:
    site: Site
    clinician: User
    billing: User
    client: Client
    episode: Episode
    payer: Payer
    coverage: Coverage
    contract: PayerContract
    monday: date  # last week's Monday: every service of the tests is in that week

    @property
    def staff(self) -> Actor:
        return security_service.actor_for(self.clinician)

    @property
    def biller(self) -> Actor:
        return security_service.actor_for(self.billing)

    def day(self, offset: int = 0) -> date:
        return self.monday + timedelta(days=offset)


def contract_input(payer: Payer, level: str, **overrides: Any) -> ContractWrite:
    fields: dict[str, Any] = {
        "payer_id": payer.id,
        "level_code": level,
        "effective_from": today() - timedelta(days=365),
        "claim_type": ClaimType.PROFESSIONAL,
        "mode": BillingMode.PER_SERVICE,
        "place_of_service": "57",
        "fees": FEES,
        "requires_authorization": False,
    }
    fields.update(overrides)
    return ContractWrite.model_validate(fields)


def make_world(
    session: Session, *, level: str = "OP", consent: bool = True, **contract: Any
) -> World:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    billing = make_user(session, role=Role.BILLING)
    client = make_client(
        session, site=site, clinician=clinician, address="12 Oak Street, Springfield, IL 62701"
    )
    episode = continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code=level,
        track=Track.NONE if level == "PHP" else Track.DAY,
        on=today() - timedelta(days=30),
        reason="test admission",
    )
    diagnoses_service.add_diagnosis(
        session,
        actor=security_service.actor_for(clinician),
        client_id=client.id,
        code="F10.20",
        principal=True,
        specifiers=Specifiers(Severity.MODERATE),
        diagnosed_on=episode.admitted_on,
    )
    payer = make_payer(session)
    coverage = make_coverage(
        session, Owner(client_id=client.id), payer, starts_on=episode.admitted_on
    )
    recipient = consents.add_recipient(
        session,
        actor=SYSTEM,
        name=payer.name,
        category=RecipientCategory.HEALTH_PLAN,
        is_covered_entity=True,
    )
    if consent:
        tpo_consent(session, client, clinician)
    setup.save_profile(session, actor=SYSTEM, data=profile_input())
    setup.save_payer_setup(
        session,
        actor=SYSTEM,
        data=PayerSetupWrite(
            payer_id=payer.id,
            electronic_id="TESTPAYER",
            receiver_name="Test Clearinghouse",
            receiver_id="TESTCH",
            filing_indicator="CI",
            recipient_id=recipient.id,
        ),
    )
    row = setup.save_contract(session, actor=SYSTEM, data=contract_input(payer, level, **contract))
    return World(
        site=site,
        clinician=clinician,
        billing=billing,
        client=client,
        episode=episode,
        payer=payer,
        coverage=coverage,
        contract=row,
        monday=week_of(today()) - timedelta(days=7),
    )


def profile_input() -> ProfileWrite:
    return ProfileWrite(
        organization_name="Test Recovery Program",
        npi="1234567893",
        tax_id="990000002",
        taxonomy="261QR0405X",
        address_line1="1 Test Way",
        city="Springfield",
        state="IL",
        zip="627011234",
        submitter_name="Test Recovery Program",
        submitter_id="TESTSUB",
        contact_name="Billing Desk",
        contact_phone="5555550100",
        attending_last_name="Attending",
        attending_first_name="Test",
        attending_npi="1245319599",
    )


def tpo_consent(session: Session, client: Client, clinician: User) -> None:
    consents.record_consent(
        session,
        actor=security_service.actor_for(clinician),
        client_id=client.id,
        data=consents.ConsentInput(
            kind=ConsentKind.TPO,
            disclosers="Test program",
            information=frozenset(InformationClass) - {InformationClass.COUNSELING_NOTES},
            information_description="my records except counseling notes",
            recipient_ids=frozenset(),
            recipient_classes=frozenset(RecipientClass),
            purposes=consent_rules.TPO_PURPOSES,
            purpose_description="treatment, payment and operations",
            expires_on=None,
            expiry_event="End of treatment",
            signed_on=today() - timedelta(days=30),
            client_signature=f"{client.legal_first_name} {client.legal_last_name}",
        ),
    )


_notes = count(1)
_TOPICS = ("sleep", "work", "cravings", "family", "money", "housing", "exercise", "friends")


def _sections(n: int) -> dict[str, str]:
    """Narratives that differ note to note (the copy check refuses look-alike notes)."""
    topic = _TOPICS[n % len(_TOPICS)]
    return {
        "data": f"Session {n}: talked through {topic} and what changed since visit {n - 1}.",
        "assessment": f"Engaged on {topic}; {n % 5 + 1} coping skills named and practised.",
        "plan": f"Next time: review the {topic} plan and the homework set in session {n}.",
    }


def appointment_with_note(
    session: Session,
    world: World,
    *,
    minutes: int,
    offset: int = 0,
    kind: AppointmentKind = AppointmentKind.INDIVIDUAL,
    sign: bool = True,
    service_type: ServiceType | None = None,
) -> uuid.UUID:
    """An attended appointment on ``monday + offset`` from 10:00 for ``minutes``, and its
    note documenting the same times; signed unless ``sign`` is False. Returns the note's
    id."""
    day = world.day(offset)
    without_client = service_type is ServiceType.FAMILY_WITHOUT_CLIENT
    start = datetime.combine(day, time(10, 0))
    end = start + timedelta(minutes=minutes)
    appointment = make_appointment(
        session,
        client=world.client,
        staff=world.clinician,
        day=day,
        start="10:00",
        end=end.strftime("%H:%M"),
        kind=AppointmentKind.FAMILY if without_client else kind,
    )
    # A family session without the client documents the family appointment they missed.
    status = AttendanceStatus.ABSENT_EXCUSED if without_client else AttendanceStatus.PRESENT
    attendance_service.record_appointment_attendance(
        session,
        actor=world.staff,
        appointment_id=appointment.id,
        entry=attendance_service.Entry(world.client.id, status),
    )
    chosen = service_type or (
        ServiceType.FAMILY_WITH_CLIENT
        if kind is AppointmentKind.FAMILY
        else ServiceType.INDIVIDUAL_THERAPY
    )
    family = chosen in (ServiceType.FAMILY_WITH_CLIENT, ServiceType.FAMILY_WITHOUT_CLIENT)
    note = notes_service.create_note(
        session,
        actor=world.staff,
        data=notes_service.NoteInput(
            service_type=chosen,
            service_date=day,
            start=start.time(),
            end=end.time(),
            client_present=chosen is not ServiceType.FAMILY_WITHOUT_CLIENT,
            attendees=(
                (note_rules.Attendee(AttendeeRole.FAMILY, "mother", "Pat Sample"),)
                if family
                else ()
            ),
            sections=_sections(next(_notes)),
            objective_ids=(),
            risk=note_rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.DENIED, RiskAction.NONE, ""),
        ),
        appointment_id=appointment.id,
    )
    if sign:
        notes_service.sign_note(
            session,
            actor=world.staff,
            note_id=note.id,
            secret=PASSWORD,
            justification="test sessions follow one template",
        )
    return note.id


def authorize(
    session: Session, world: World, *, units: int, starts: date, ends: date, unit: UnitType
) -> None:
    """An approved authorization for the world's episode, level and coverage."""
    reviewer = make_user(session, role=Role.UTILIZATION_REVIEW)
    actor = security_service.actor_for(reviewer)
    found = authorizations_service.request_authorization(
        session,
        actor=actor,
        episode_id=world.episode.id,
        data=AuthorizationRequest(
            coverage_id=world.coverage.id,
            level_code=world.contract.level_code,
            unit_type=unit,
            requested_units=units,
            starts_on=starts,
            ends_on=ends,
        ),
    )
    authorizations_service.record_decision(
        session,
        actor=actor,
        authorization_id=found.id,
        data=Decision(status=AuthStatus.APPROVED, approved_units=units, auth_number="AUTH-1"),
    )
