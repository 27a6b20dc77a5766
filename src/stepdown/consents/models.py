"""Written consents to disclose (42 CFR 2.31), the people a client names, and the § 2.22
notice acknowledged at admission.

A consent is kept as the client signed it: once signed, only its revocation changes.
Its recipients are rows of the program's recipient directory (``disclosure_recipient``,
owned by ``disclosures``) or, for the single consent for treatment, payment and health
care operations, the classes of recipient the rule allows (§ 2.31(a)(4)(i)).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class InformationClass(StrEnum):
    """What a disclosure may carry; a consent names the classes it covers (§ 2.31(a)(3))."""

    DEMOGRAPHICS = "demographics"
    ATTENDANCE = "attendance"
    DRUG_TESTS = "drug_tests"
    DIAGNOSES = "diagnoses"
    MEDICATIONS = "medications"
    ASSESSMENTS = "assessments"
    PLANS = "plans"
    NOTES = "notes"
    # SUD counseling notes (§ 2.11, § 2.31(b)): only ever under a consent of their own.
    COUNSELING_NOTES = "counseling_notes"
    DISCHARGE_SUMMARY = "discharge_summary"
    INSURANCE = "insurance"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    InformationClass.DEMOGRAPHICS: "Name, date of birth and contact details",
    InformationClass.ATTENDANCE: "Attendance, schedule and level of care",
    InformationClass.DRUG_TESTS: "Drug test results",
    InformationClass.DIAGNOSES: "Diagnoses",
    InformationClass.MEDICATIONS: "Medications",
    InformationClass.ASSESSMENTS: "Assessments and screening scores",
    InformationClass.PLANS: "Treatment and aftercare plans",
    InformationClass.NOTES: "Progress notes",
    InformationClass.COUNSELING_NOTES: "SUD counseling notes",
    InformationClass.DISCHARGE_SUMMARY: "Discharge summary",
    InformationClass.INSURANCE: "Insurance coverage",
}


class Purpose(StrEnum):
    """Why information leaves (§ 2.31(a)(5)); a disclosure names one, the consent must list it."""

    TREATMENT = "treatment"
    PAYMENT = "payment"
    OPERATIONS = "operations"
    PATIENT_REQUEST = "patient_request"
    COURT_SUPERVISION = "court_supervision"
    FAMILY_INVOLVEMENT = "family_involvement"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    Purpose.TREATMENT: "Treatment",
    Purpose.PAYMENT: "Payment",
    Purpose.OPERATIONS: "Health care operations",
    Purpose.PATIENT_REQUEST: "At the request of the patient",
    Purpose.COURT_SUPERVISION: "Court, probation or parole supervision",
    Purpose.FAMILY_INVOLVEMENT: "Family involvement in treatment",
    Purpose.OTHER: "Other (described on the consent)",
}


class ConsentKind(StrEnum):
    # The single consent for all future uses and disclosures for treatment, payment and
    # health care operations (§ 2.33(a)(2), 2024 rule).
    TPO = "tpo"
    # A consent to one named recipient for a named purpose (family, employer, court...).
    SPECIFIC = "specific"
    # SUD counseling notes may not be combined with any other consent (§ 2.31(b)).
    COUNSELING_NOTES = "counseling_notes"

    @property
    def label(self) -> str:
        return {
            ConsentKind.TPO: "Treatment, payment and health care operations",
            ConsentKind.SPECIFIC: "Specific disclosure",
            ConsentKind.COUNSELING_NOTES: "SUD counseling notes",
        }[self]


class Signer(StrEnum):
    """Who signed: decided by the program's minors rule (``rules.required_signers``)."""

    CLIENT = "client"
    CLIENT_AND_GUARDIAN = "client_and_guardian"


class SignatureMethod(StrEnum):
    PORTAL = "portal"  # the client signed in the portal by typing their password again
    IN_PERSON = "in_person"  # signed on paper or on screen, attested by a staff member


class RecipientClass(StrEnum):
    """The classes of recipient a TPO consent may name instead of people (§ 2.31(a)(4)(i))."""

    TREATING_PROVIDERS = "treating_providers"
    HEALTH_PLANS = "health_plans"
    PROGRAM_OPERATIONS = "program_operations"


class Consent(IdMixin, TimestampMixin, Base):
    """One written consent. Every § 2.31(a) element is a column the rules check before it
    is saved (``rules.missing_elements``); the fixed statements (revocation, conditioning
    of treatment, the HIPAA redisclosure statement) are in the form version it was signed
    on, rendered on its PDF."""

    __tablename__ = "consent"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, "consent_kind"))
    # § 2.31(a)(1): the patient's name as signed (the record may change later).
    patient_name: Mapped[str] = mapped_column(String(170))
    # § 2.31(a)(2): who may make the disclosure.
    disclosers: Mapped[str] = mapped_column(String(300))
    # § 2.31(a)(3): the classes, and the description in the client's words.
    information: Mapped[list[str]] = mapped_column(JSON)
    information_description: Mapped[str] = mapped_column(Text)
    # § 2.31(a)(4): the TPO classes of recipient; named recipients are ``ConsentRecipient``.
    recipient_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # § 2.31(a)(5)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    purpose_description: Mapped[str] = mapped_column(Text)
    # § 2.31(a)(7): a date, an event, or both (whichever comes first).
    expires_on: Mapped[date | None]
    expiry_event: Mapped[str] = mapped_column(String(200), default="")
    # Staff record when the event happened; from then on the consent has expired.
    expiry_event_on: Mapped[date | None]
    # § 2.31(a)(8) and (9)
    signer: Mapped[Signer] = mapped_column(str_enum(Signer, "consent_signer"))
    signature_method: Mapped[SignatureMethod] = mapped_column(
        str_enum(SignatureMethod, "consent_signature_method")
    )
    client_signature: Mapped[str] = mapped_column(String(170))
    guardian_signature: Mapped[str] = mapped_column(String(170), default="")
    guardian_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client_contact.id", ondelete="RESTRICT")
    )
    signed_on: Mapped[date]
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    form_version: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # § 2.31(a)(6): revocation in writing; kept, never deleted.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revocation_note: Mapped[str] = mapped_column(String(300), default="")


class ConsentRecipient(Base):
    """A named recipient of a consent (a person or organization of the directory)."""

    __tablename__ = "consent_recipient"

    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consent.id", ondelete="CASCADE"), primary_key=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ContactRelationship(StrEnum):
    PARENT = "parent"
    GUARDIAN = "guardian"
    SPOUSE_PARTNER = "spouse_partner"
    SIBLING = "sibling"
    CHILD = "child"
    OTHER_FAMILY = "other_family"
    FRIEND = "friend"
    SPONSOR = "sponsor"
    PROBATION_OFFICER = "probation_officer"
    EMPLOYER = "employer"
    OTHER = "other"

    @property
    def label(self) -> str:
        if self is ContactRelationship.SPOUSE_PARTNER:
            return "Spouse or partner"
        return self.value.replace("_", " ").capitalize()

    @property
    def is_parent(self) -> bool:
        return self in (ContactRelationship.PARENT, ContactRelationship.GUARDIAN)


class ClientContact(IdMixin, TimestampMixin, Base):
    """Someone the client names: family, a sponsor, a probation officer. What they may be
    told is a consent naming them (their directory entry), never this row alone."""

    __tablename__ = "client_contact"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    relationship: Mapped[ContactRelationship] = mapped_column(
        str_enum(ContactRelationship, "contact_relationship")
    )
    organization: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # The client's own words ("only whether I attend"); the consent is what binds.
    may_be_told: Mapped[str] = mapped_column(String(300), default="")
    # A guardian may sign for a minor and (where the program's rule allows) use the portal.
    is_legal_guardian: Mapped[bool] = mapped_column(default=False)
    # A minor who may consent alone may refuse any disclosure to this parent or guardian
    # (42 CFR 2.14(b)); the gate refuses it whatever else was signed.
    minor_refuses_disclosure: Mapped[bool] = mapped_column(default=False)
    # A guardian's own portal account, where the program's rule allows one
    # (``consents.guardians``).
    portal_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), unique=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="RESTRICT"), unique=True
    )
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeAcknowledgement(IdMixin, Base):
    """The client was told of Part 2's protections and given the written summary (§ 2.22)."""

    __tablename__ = "privacy_notice_acknowledgement"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    notice_version: Mapped[str] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[SignatureMethod] = mapped_column(
        str_enum(SignatureMethod, "notice_acknowledgement_method")
    )
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class MinorConsentRule(StrEnum):
    """Who signs for a client under 18 (§ 2.14): state law decides, the program says which."""

    MINOR_ALONE = "minor_alone"
    MINOR_AND_GUARDIAN = "minor_and_guardian"


class ConsentSettings(Base):
    """The program's rules for consents; one row."""

    __tablename__ = "consent_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    minor_rule: Mapped[MinorConsentRule] = mapped_column(
        str_enum(MinorConsentRule, "minor_consent_rule")
    )
    # Under this rule, may a guardian have their own portal access to the minor's record?
    guardian_portal_access: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
