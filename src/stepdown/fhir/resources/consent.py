"""Consent, from a client's written consent to disclose (42 CFR 2.31).

A privacy consent permitting disclosure (HL7 ActCode ``IDSCL``) under 42 CFR Part 2: the
provision names the recipients (directory entries by display, the TPO consent's classes
of recipient in the consent's own words), the purposes and the classes of information, in
this server's code systems (the same ones the withheld-information issues use). It is
``active`` while in force on ``today`` and ``inactive`` once revoked or expired, as the
gate reads it (``consents.rules.inactive_reason``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fhir.resources.R4B.consent import Consent as FhirConsent

from stepdown.consents import rules as consent_rules
from stepdown.consents.models import Consent, InformationClass, Purpose, RecipientClass
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.fhir import namespace as ns
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept, date_period, meta, patient

INFORMATION_SYSTEM = "information-class"
PURPOSE_SYSTEM = "purpose-of-use"


def build(
    consent: Consent,
    *,
    facts: consent_rules.ConsentFacts,
    recipients: Sequence[DisclosureRecipient],
    names: Namespace,
    today: date,
) -> FhirConsent:
    in_force = consent_rules.inactive_reason(facts, on=today) is None
    role = concept("Recipient", coding(ns.V3_PARTICIPATION, "IRCP", "information recipient"))
    actors: list[Json] = [{"role": role, "reference": {"display": r.display}} for r in recipients]
    actors += [
        {"role": role, "reference": {"display": consent_rules.TPO_RECIPIENT_WORDING[item]}}
        for item in sorted(RecipientClass(c) for c in consent.recipient_classes)
    ]
    return FhirConsent(
        id=str(consent.id),
        meta=meta(),
        status="active" if in_force else "inactive",
        scope=concept(
            "Privacy consent", coding(ns.CONSENT_SCOPE, "patient-privacy", "Privacy Consent")
        ),
        category=[concept("Information disclosure", coding(ns.V3_ACT_CODE, "IDSCL"))],
        patient=patient(consent.client_id),
        dateTime=consent.signed_at,
        performer=[patient(consent.client_id)],
        policyRule=concept("42 CFR Part 2", coding(ns.V3_ACT_CODE, "42CFRPart2")),
        provision={
            "type": "permit",
            "period": date_period(consent.signed_on, consent.expires_on),
            "actor": actors or None,
            "purpose": [
                coding(names.code_system(PURPOSE_SYSTEM), p, Purpose(p).label)
                for p in consent.purposes
            ],
            "code": [
                concept(
                    InformationClass(i).label,
                    coding(names.code_system(INFORMATION_SYSTEM), i),
                )
                for i in consent.information
            ],
        },
    )
