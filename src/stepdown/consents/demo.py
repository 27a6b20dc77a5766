"""Synthetic consents for the demo program.

- The program's rule for minors: minor and guardian sign together (the stricter choice),
  and guardians may have their own portal account: the demo's "guardian" sign-in is the
  first adolescent's parent (``demo_guardian``).
- A directory of made-up outside recipients (names end "(demo)"): a partner clinic, and
  each demo payer as a health plan, both HIPAA covered entities.
- Every demo client in care acknowledged the § 2.22 notice and signed the single consent
  for treatment, payment and operations at admission (so utilization review may send the
  concurrent-review packet to the payer).
- Each client with a family session on the schedule has a family member as a contact with
  a release for family involvement (attendance and plans); for a minor, a parent who is
  their guardian and signed with them.
- The portal's demo client (DEMO-0001) names a probation officer, with no consent yet: the
  client signs one in the portal (the walk-through in the README and the browser test).

Written through the service, as staff attesting an in-person signature. Idempotent: a
client with any consent or contact is left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.calendar.models import Appointment, AppointmentKind
from stepdown.clients.models import Client
from stepdown.consents import rules, service
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    ConsentRecipient,
    ConsentSettings,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    Purpose,
    RecipientClass,
)
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.coverage.models import Payer
from stepdown.disclosures.models import DisclosureRecipient, RecipientCategory
from stepdown.kit.clock import utc_now
from stepdown.security.actor import Actor

PROGRAM = "Stepdown demo program (synthetic)"
CLINIC = "Northside Family Clinic (demo)"
OFFICER = "Jordan Reyes (demo)"
PORTAL_CLIENT = "DEMO-0001"
TPO_INFORMATION = frozenset(InformationClass) - {InformationClass.COUNSELING_NOTES}
FAMILY_INFORMATION = frozenset({InformationClass.ATTENDANCE, InformationClass.PLANS})


def seed_demo_consents(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> None:
    if session.get(ConsentSettings, 1) is None:
        session.add(
            ConsentSettings(
                id=1,
                minor_rule=MinorConsentRule.MINOR_AND_GUARDIAN,
                guardian_portal_access=True,
                updated_at=utc_now(),
            )
        )
    _directory(session, actor=actor)
    admitted = _admissions(session)
    family = set(
        session.scalars(
            select(Appointment.client_id).where(Appointment.kind == AppointmentKind.FAMILY)
        )
    )
    for client in clients:
        if client.id not in admitted or _has_any(session, client):
            continue
        signed_on = min(admitted[client.id], today)
        service.acknowledge_notice(session, actor=actor, client_id=client.id)
        guardian = _guardian(session, actor=actor, client=client, today=today)
        _tpo(session, actor=actor, client=client, signed_on=signed_on, guardian=guardian)
        if client.id in family:
            _family(session, actor=actor, client=client, signed_on=signed_on, guardian=guardian)
        if client.record_number == PORTAL_CLIENT:
            service.add_contact(
                session,
                actor=actor,
                client_id=client.id,
                name=OFFICER,
                relationship=ContactRelationship.PROBATION_OFFICER,
                organization="County Adult Probation (demo)",
                phone="555-0142",
                may_be_told="Whether I attend and my drug test results",
            )


def _directory(session: Session, *, actor: Actor) -> None:
    known = set(session.scalars(select(DisclosureRecipient.name)))
    wanted = [(CLINIC, RecipientCategory.TREATING_PROVIDER)] + [
        (name, RecipientCategory.HEALTH_PLAN)
        for name in session.scalars(select(Payer.name).order_by(Payer.name))
    ]
    for name, category in wanted:
        if name not in known:
            service.add_recipient(
                session,
                actor=actor,
                name=name,
                category=category,
                is_covered_entity=True,
                phone="555-0150",
            )


def _admissions(session: Session) -> dict[uuid.UUID, date]:
    """Each client in care (active or on hold) and the day their episode began."""
    rows = session.execute(
        select(Episode.client_id, Episode.admitted_on).where(
            Episode.status != EpisodeStatus.DISCHARGED
        )
    )
    return {row[0]: row[1] for row in rows}


def _has_any(session: Session, client: Client) -> bool:
    consent = select(Consent.id).where(Consent.client_id == client.id).limit(1)
    contact = select(ClientContact.id).where(ClientContact.client_id == client.id).limit(1)
    return session.scalar(consent) is not None or session.scalar(contact) is not None


def _guardian(
    session: Session, *, actor: Actor, client: Client, today: date
) -> ClientContact | None:
    """A minor's parent, who signs with them under the demo's rule."""
    if not rules.is_minor(client.date_of_birth, today):
        return None
    return service.add_contact(
        session,
        actor=actor,
        client_id=client.id,
        name=f"Parent of {client.legal_first_name} (demo)",
        relationship=ContactRelationship.PARENT,
        phone="555-0160",
        may_be_told="Attendance and the treatment plan",
        is_legal_guardian=True,
    )


def _tpo(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    signed_on: date,
    guardian: ClientContact | None,
) -> None:
    service.record_consent(
        session,
        actor=actor,
        client_id=client.id,
        data=service.ConsentInput(
            kind=ConsentKind.TPO,
            disclosers=PROGRAM,
            information=TPO_INFORMATION,
            information_description=(
                "My substance use disorder treatment records, except SUD counseling notes"
            ),
            recipient_ids=frozenset(),
            recipient_classes=frozenset(RecipientClass),
            purposes=rules.TPO_PURPOSES,
            purpose_description="For treatment, payment, and health care operations",
            expires_on=None,
            expiry_event="End of treatment",
            signed_on=signed_on,
            client_signature=f"{client.legal_first_name} {client.legal_last_name}",
            guardian_signature=guardian.name if guardian else "",
            guardian_contact_id=guardian.id if guardian else None,
        ),
    )


def _family(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    signed_on: date,
    guardian: ClientContact | None,
) -> None:
    member = guardian or service.add_contact(
        session,
        actor=actor,
        client_id=client.id,
        name=f"Partner of {client.legal_first_name} (demo)",
        relationship=ContactRelationship.SPOUSE_PARTNER,
        phone="555-0161",
        may_be_told="Session times and how treatment is going",
    )
    service.record_consent(
        session,
        actor=actor,
        client_id=client.id,
        data=service.ConsentInput(
            kind=ConsentKind.SPECIFIC,
            disclosers=PROGRAM,
            information=FAMILY_INFORMATION,
            information_description="My schedule and attendance, and my treatment plan",
            recipient_ids=frozenset({member.recipient_id}),
            recipient_classes=frozenset(),
            purposes=frozenset({Purpose.FAMILY_INVOLVEMENT}),
            purpose_description="So my family can take part in family sessions",
            expires_on=signed_on + timedelta(days=365),
            expiry_event="",
            signed_on=signed_on,
            client_signature=f"{client.legal_first_name} {client.legal_last_name}",
            guardian_signature=guardian.name if guardian else "",
            guardian_contact_id=guardian.id if guardian else None,
        ),
    )


def demo_guardian(session: Session) -> ClientContact | None:
    """The contact the demo's guardian sign-in belongs to: the first minor's parent who
    signed the family release with them (so the guardian portal has something to show)."""
    released = select(ConsentRecipient.recipient_id).join(
        Consent, Consent.id == ConsentRecipient.consent_id
    )
    return session.scalars(
        select(ClientContact)
        .where(
            ClientContact.is_legal_guardian,
            ClientContact.removed_at.is_(None),
            ClientContact.recipient_id.in_(released),
        )
        .order_by(ClientContact.name)
        .limit(1)
    ).first()
