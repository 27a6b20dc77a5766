"""The consent pages' forms as bounded shapes: what staff type for a consent signed in
person or a contact, and what a client chooses in the portal.

Every text is bounded at the edge (``rules.LIMITS`` where it applies, else the column's
length), so a long paste is refused with its field named instead of failing at the
database; whether the consent is complete is ``rules.missing_elements``' job, in the
service, so the form does not repeat the rule.
"""

from __future__ import annotations

import uuid

from pydantic import Field

from stepdown.consents.models import (
    ConsentKind,
    ContactRelationship,
    InformationClass,
    Purpose,
    RecipientClass,
)
from stepdown.consents.rules import LIMITS
from stepdown.consents.service import ConsentInput
from stepdown.kit.schemas import Day, Line, Schema, Text

# The columns' lengths where they are shorter than ``LIMITS["text"]``.
NAME_MAX = 120  # client_contact.name, .organization
PHONE_MAX = 40  # client_contact.phone
EMAIL_MAX = 200  # client_contact.email
EXPIRY_EVENT_MAX = 200  # consent.expiry_event


class ContactForm(Schema):
    """Someone the client names; the service refuses a blank name."""

    name: Line = Field(max_length=NAME_MAX)
    relationship: ContactRelationship
    organization: Line = Field(default="", max_length=NAME_MAX)
    phone: Line = Field(default="", max_length=PHONE_MAX)
    email: Line = Field(default="", max_length=EMAIL_MAX)
    may_be_told: Line = Field(default="", max_length=LIMITS["text"])
    is_legal_guardian: bool = False


class ConsentForm(Schema):
    """A consent signed on paper or on screen in front of a staff member."""

    kind: ConsentKind
    disclosers: Line = Field(default="", max_length=LIMITS["text"])
    information: list[InformationClass] = Field(default_factory=list)
    information_description: Text = Field(default="", max_length=LIMITS["description"])
    recipients: list[uuid.UUID] = Field(default_factory=list)
    recipient_classes: list[RecipientClass] = Field(default_factory=list)
    purposes: list[Purpose] = Field(default_factory=list)
    purpose_description: Text = Field(default="", max_length=LIMITS["description"])
    expires_on: Day | None = None
    expiry_event: Line = Field(default="", max_length=EXPIRY_EVENT_MAX)
    client_signature: Line = Field(default="", max_length=LIMITS["signature"])
    guardian_signature: Line = Field(default="", max_length=LIMITS["signature"])
    guardian_contact_id: uuid.UUID | None = None
    signed_on: Day | None = None

    def consent_input(self) -> ConsentInput:
        return ConsentInput(
            kind=self.kind,
            disclosers=self.disclosers,
            information=frozenset(self.information),
            information_description=self.information_description,
            recipient_ids=frozenset(self.recipients),
            recipient_classes=frozenset(self.recipient_classes),
            purposes=frozenset(self.purposes),
            purpose_description=self.purpose_description,
            expires_on=self.expires_on,
            expiry_event=self.expiry_event,
            client_signature=self.client_signature,
            signed_on=self.signed_on,
            guardian_signature=self.guardian_signature,
            guardian_contact_id=self.guardian_contact_id,
        )


class PortalConsentForm(Schema):
    """A specific consent the client signs in the portal to one of their contacts: the
    page turns the choices into the consent's wording (``pages``)."""

    contact: uuid.UUID
    information: list[InformationClass] = Field(default_factory=list)
    purpose: Purpose
    expires_on: Day
    signature: Line = Field(default="", max_length=LIMITS["signature"])


class RevocationForm(Schema):
    """How the client revoked in writing, as staff record it."""

    note: Line = Field(default="", max_length=LIMITS["text"])


class ExpiryEventForm(Schema):
    on: Day
