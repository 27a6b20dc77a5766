"""What a written consent must hold (42 CFR 2.31, as amended by 89 FR 12472, 16 February
2024), who must sign it (§ 2.14), when it stops working, and what it covers.

Pure functions; the service loads the rows. Sources: eCFR 42 CFR 2.31
(https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-C/section-2.31),
§ 2.33(a)(2) (the single consent for treatment, payment and health care operations),
§ 2.14 (minor patients) and § 2.31(b) (SUD counseling notes only under a consent of their
own). docs/domain.md lists each element and how it is met.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from stepdown.consents.models import (
    ConsentKind,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    Purpose,
    RecipientClass,
    Signer,
)

# The consent form's wording version; a signed consent keeps the version it was signed on.
FORM_VERSION = "2026-12"
AGE_OF_MAJORITY = 18
TPO_PURPOSES = frozenset({Purpose.TREATMENT, Purpose.PAYMENT, Purpose.OPERATIONS})
# § 2.31(a)(4)(i): the TPO consent may name recipients as a class, e.g. "my treating
# providers, health plans, third-party payers, and people helping to operate this program".
TPO_RECIPIENT_WORDING = {
    RecipientClass.TREATING_PROVIDERS: "my treating providers",
    RecipientClass.HEALTH_PLANS: "health plans and third-party payers",
    RecipientClass.PROGRAM_OPERATIONS: "people helping to operate this program",
}
LIMITS = {"text": 300, "description": 2000, "signature": 170}

# The statements every form carries, in the words the PDF prints (§ 2.31(a)(6), the
# statement on conditioning treatment, and § 2.31(a)(4)(iii) where a recipient is a HIPAA
# covered entity or business associate).
REVOCATION_STATEMENT = (
    "I may revoke this consent in writing at any time, except to the extent that the "
    "program or another lawful holder of my records has already acted in reliance on it. "
    "To revoke it, I sign a revocation in the portal or give or send a written revocation "
    "to the program."
)
CONDITIONING_STATEMENT = (
    "The program will not make my treatment, payment, enrollment or eligibility for "
    "benefits depend on whether I sign this consent."
)
HIPAA_REDISCLOSURE_STATEMENT = (
    "A recipient that is a HIPAA covered entity or business associate and receives my "
    "records for treatment, payment or health care operations may redisclose them as the "
    "HIPAA regulations permit, except for uses and disclosures for civil, criminal, "
    "administrative and legislative proceedings against me."
)


@dataclass(frozen=True)
class RecipientFacts:
    """What the rules need of a directory entry."""

    id: uuid.UUID
    label: str
    category: str
    is_covered_entity: bool = False
    is_intermediary: bool = False
    intermediary_participants: str = ""
    # Set when the recipient is the client's parent or guardian (a contact).
    is_parent: bool = False
    minor_refuses_disclosure: bool = False


@dataclass(frozen=True)
class ConsentDraft:
    """A consent as entered, before it is saved."""

    kind: ConsentKind
    patient_name: str
    disclosers: str
    information: frozenset[InformationClass]
    information_description: str
    recipients: tuple[RecipientFacts, ...]
    recipient_classes: frozenset[RecipientClass]
    purposes: frozenset[Purpose]
    purpose_description: str
    expires_on: date | None
    expiry_event: str
    signer: Signer
    client_signature: str
    guardian_signature: str
    signed_on: date | None
    client_date_of_birth: date
    minor_rule: MinorConsentRule
    has_guardian: bool = field(default=False)


def age_on(date_of_birth: date, on: date) -> int:
    years = on.year - date_of_birth.year
    return years - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def is_minor(date_of_birth: date, on: date) -> bool:
    return age_on(date_of_birth, on) < AGE_OF_MAJORITY


def required_signer(*, date_of_birth: date, on: date, rule: MinorConsentRule) -> Signer:
    """§ 2.14: an adult signs alone; a minor alone where state law lets minors consent to
    SUD treatment (the program's rule says so), otherwise minor and guardian."""
    if is_minor(date_of_birth, on) and rule is MinorConsentRule.MINOR_AND_GUARDIAN:
        return Signer.CLIENT_AND_GUARDIAN
    return Signer.CLIENT


def missing_elements(draft: ConsentDraft, *, today: date) -> dict[str, str]:
    """Each required element the draft lacks, by form field, with the rule it comes from.
    An empty answer means the consent may be saved."""
    missing: dict[str, str] = {}
    if not draft.patient_name.strip():
        missing["patient_name"] = "the patient's name is required (42 CFR 2.31(a)(1))"
    if not draft.disclosers.strip():
        missing["disclosers"] = "name who may make the disclosure (42 CFR 2.31(a)(2))"
    _information(draft, missing)
    _recipients(draft, missing)
    _purposes(draft, missing)
    _expiry(draft, missing)
    _signature(draft, missing, today=today)
    return missing


def _information(draft: ConsentDraft, missing: dict[str, str]) -> None:
    if not draft.information or not draft.information_description.strip():
        missing["information"] = "choose what may be disclosed and describe it (42 CFR 2.31(a)(3))"
        return
    notes = InformationClass.COUNSELING_NOTES in draft.information
    if draft.kind is ConsentKind.COUNSELING_NOTES and draft.information != {
        InformationClass.COUNSELING_NOTES
    }:
        missing["information"] = (
            "a consent for SUD counseling notes covers those notes only (42 CFR 2.31(b))"
        )
    elif notes and draft.kind is not ConsentKind.COUNSELING_NOTES:
        missing["information"] = "SUD counseling notes need a consent of their own (42 CFR 2.31(b))"


def _recipients(draft: ConsentDraft, missing: dict[str, str]) -> None:
    if draft.recipient_classes and draft.kind is not ConsentKind.TPO:
        missing["recipients"] = (
            "only the consent for treatment, payment and operations may name recipients "
            "by class; name the people or organizations (42 CFR 2.31(a)(4)(i))"
        )
    elif not draft.recipients and not draft.recipient_classes:
        missing["recipients"] = "name who may receive it (42 CFR 2.31(a)(4))"
    else:
        vague = [
            r.label
            for r in draft.recipients
            if r.is_intermediary and not r.intermediary_participants.strip()
        ]
        if vague:
            missing["recipients"] = (
                f"{', '.join(vague)} is an intermediary: name its participants "
                "(42 CFR 2.31(a)(4)(ii))"
            )


def _purposes(draft: ConsentDraft, missing: dict[str, str]) -> None:
    if not draft.purposes or not draft.purpose_description.strip():
        missing["purposes"] = "state each purpose of the disclosure (42 CFR 2.31(a)(5))"
    elif draft.kind is ConsentKind.TPO and not draft.purposes <= TPO_PURPOSES:
        missing["purposes"] = (
            "the consent for treatment, payment and operations covers those purposes only; "
            "use a specific consent for others (42 CFR 2.33(a)(2))"
        )


def _expiry(draft: ConsentDraft, missing: dict[str, str]) -> None:
    if draft.expires_on is None and not draft.expiry_event.strip():
        missing["expires_on"] = (
            "give an expiry date or event (42 CFR 2.31(a)(7)); for treatment, payment and "
            'operations "end of treatment" or "none" will do'
        )
    elif (
        draft.expires_on is not None
        and draft.signed_on is not None
        and draft.expires_on < draft.signed_on
    ):
        missing["expires_on"] = "the expiry date is before the date signed"


def _signature(draft: ConsentDraft, missing: dict[str, str], *, today: date) -> None:
    if not draft.client_signature.strip():
        missing["client_signature"] = "the patient's signature is required (42 CFR 2.31(a)(8))"
    if draft.signed_on is None:
        missing["signed_on"] = "the date signed is required (42 CFR 2.31(a)(9))"
        return
    if draft.signed_on > today:
        missing["signed_on"] = "the date signed cannot be in the future"
        return
    needed = required_signer(
        date_of_birth=draft.client_date_of_birth, on=draft.signed_on, rule=draft.minor_rule
    )
    if needed is Signer.CLIENT_AND_GUARDIAN and (
        draft.signer is not Signer.CLIENT_AND_GUARDIAN or not draft.guardian_signature.strip()
    ):
        missing["guardian_signature"] = (
            "the client is a minor and the program's rule asks for a parent's or guardian's "
            "signature as well (42 CFR 2.14)"
        )


@dataclass(frozen=True)
class ConsentFacts:
    """A saved consent as the gate reads it."""

    id: uuid.UUID
    kind: ConsentKind
    information: frozenset[InformationClass]
    recipient_ids: frozenset[uuid.UUID]
    recipient_classes: frozenset[RecipientClass]
    purposes: frozenset[Purpose]
    signed_on: date
    expires_on: date | None
    expiry_event: str
    expiry_event_on: date | None
    # The day it was revoked on the program's clock (the repository converts the instant).
    revoked_on: date | None


def expiry_text(expires_on: date | None, event: str) -> str:
    """When a consent stops, as written on it: a date, an event, or either, first come."""
    return " or ".join(
        part for part in (expires_on.isoformat() if expires_on else "", event) if part
    )


def inactive_reason(consent: ConsentFacts, *, on: date) -> str | None:
    """Why the consent no longer works on ``on``, or None while it does."""
    signed = consent.signed_on.isoformat()
    if consent.revoked_on is not None:
        return f"the consent signed {signed} was revoked on {consent.revoked_on.isoformat()}"
    if consent.expires_on is not None and on > consent.expires_on:
        return f"the consent signed {signed} expired on {consent.expires_on.isoformat()}"
    if consent.expiry_event_on is not None and on >= consent.expiry_event_on:
        return (
            f"the consent signed {consent.signed_on.isoformat()} expired with "
            f"{consent.expiry_event!r} on {consent.expiry_event_on.isoformat()}"
        )
    if on < consent.signed_on:
        return f"the consent is dated {consent.signed_on.isoformat()}, after {on.isoformat()}"
    return None


_CATEGORY_CLASS: Mapping[str, RecipientClass] = {
    "treating_provider": RecipientClass.TREATING_PROVIDERS,
    "health_plan": RecipientClass.HEALTH_PLANS,
    "program_operations": RecipientClass.PROGRAM_OPERATIONS,
}


def names_recipient(consent: ConsentFacts, recipient: RecipientFacts) -> bool:
    if recipient.id in consent.recipient_ids:
        return True
    by_class = _CATEGORY_CLASS.get(recipient.category)
    return consent.kind is ConsentKind.TPO and by_class in consent.recipient_classes


def covers(consent: ConsentFacts, *, purpose: Purpose, item: InformationClass) -> bool:
    """Whether an active consent naming the recipient lets ``item`` go for ``purpose``.
    Counseling notes go only under their own consent (§ 2.31(b))."""
    if (
        item is InformationClass.COUNSELING_NOTES
        and consent.kind is not ConsentKind.COUNSELING_NOTES
    ):
        return False
    return purpose in consent.purposes and item in consent.information


# Words a caller uses for who they are to the client, and the relationship they mean;
# checked in order, so "step-mother" is a parent before anything else matches.
_RELATIONSHIP_WORDS: tuple[tuple[tuple[str, ...], ContactRelationship], ...] = (
    (("guardian",), ContactRelationship.GUARDIAN),
    (("mother", "father", "mom", "dad", "parent"), ContactRelationship.PARENT),
    (
        ("wife", "husband", "spouse", "partner", "girlfriend", "boyfriend", "fianc"),
        ContactRelationship.SPOUSE_PARTNER,
    ),
    (("sister", "brother", "sibling"), ContactRelationship.SIBLING),
    (("son", "daughter", "child"), ContactRelationship.CHILD),
    (("probation", "parole"), ContactRelationship.PROBATION_OFFICER),
    (("employer", "boss", "supervisor", "manager"), ContactRelationship.EMPLOYER),
    (("sponsor",), ContactRelationship.SPONSOR),
    (("friend",), ContactRelationship.FRIEND),
)


def relationship_from_words(words: str, *, family: bool) -> ContactRelationship:
    """The relationship an inquiry's caller named in their own words ("his mom"); a family
    caller whose words say nothing known is other family, anyone else other."""
    text = words.lower()
    for keys, relationship in _RELATIONSHIP_WORDS:
        if any(key in text for key in keys):
            return relationship
    return ContactRelationship.OTHER_FAMILY if family else ContactRelationship.OTHER
