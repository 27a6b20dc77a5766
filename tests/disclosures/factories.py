"""A client with a probation officer as a contact and consents to share with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.consents import service as consents
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    ContactRelationship,
    InformationClass,
    Purpose,
    RecipientClass,
)
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_client, make_site, make_user

COURT = frozenset({InformationClass.ATTENDANCE, InformationClass.DRUG_TESTS})


@dataclass
class Released:
    """A client, their clinician, and a probation officer they named."""

    session: Session
    clinician: User
    client: Client
    officer: ClientContact
    signed_on: date = field(default_factory=lambda: today() - timedelta(days=2))

    @property
    def staff(self) -> Actor:
        return security_service.actor_for(self.clinician)

    def consent(
        self,
        *,
        kind: ConsentKind = ConsentKind.SPECIFIC,
        information: frozenset[InformationClass] = COURT,
        purposes: frozenset[Purpose] = frozenset({Purpose.COURT_SUPERVISION}),
        to: ClientContact | None = None,
        classes: frozenset[RecipientClass] = frozenset(),
        expires_on: date | None = None,
    ) -> Consent:
        recipients = frozenset() if classes else frozenset({(to or self.officer).recipient_id})
        return consents.record_consent(
            self.session,
            actor=self.staff,
            client_id=self.client.id,
            data=consents.ConsentInput(
                kind=kind,
                disclosers="Stepdown test program",
                information=information,
                information_description="as listed",
                recipient_ids=recipients,
                recipient_classes=classes,
                purposes=purposes,
                purpose_description="as listed",
                expires_on=expires_on or self.signed_on + timedelta(days=180),
                expiry_event="",
                client_signature=f"{self.client.legal_first_name} {self.client.legal_last_name}",
                signed_on=self.signed_on,
            ),
        )


def released(session: Session, **client: object) -> Released:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician, **client)
    officer = consents.add_contact(
        session,
        actor=security_service.actor_for(clinician),
        client_id=person.id,
        name="Pat Officer",
        relationship=ContactRelationship.PROBATION_OFFICER,
        organization="County Probation",
        may_be_told="whether I attend and my test results",
    )
    return Released(session, clinician, person, officer)
