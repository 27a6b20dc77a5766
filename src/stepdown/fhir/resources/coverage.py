"""Coverage, from one of a client's ranked coverages (primary, secondary, ...) or self-pay.

The payer directory is not served as Organization resources, so the payer is a reference
by display (and its electronic payer id as the identifier); self-pay is the patient paying,
typed with HL7's self-pay code. Our relationship codes are the X12 ones; employee has no
FHIR subscriber-relationship code and is ``other``. A coverage that ended before ``today``
is ``cancelled``.
"""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.coverage import Coverage as FhirCoverage

from stepdown.coverage.models import Coverage, Payer, PayerPlan, Relationship
from stepdown.fhir import namespace as ns
from stepdown.fhir.resources.common import Json, coding, concept, date_period, meta, patient

RELATIONSHIP = {
    Relationship.SELF: "self",
    Relationship.SPOUSE: "spouse",
    Relationship.CHILD: "child",
    Relationship.EMPLOYEE: "other",
    Relationship.OTHER: "other",
}


def build(
    coverage: Coverage, *, payer: Payer | None, plan: PayerPlan | None, today: date
) -> FhirCoverage:
    """Only a client's coverage is served (``client_id`` set); an inquiry's is not PHI of
    a client yet."""
    assert coverage.client_id is not None
    beneficiary = patient(coverage.client_id)
    ended = coverage.ends_on is not None and coverage.ends_on < today
    relationship = RELATIONSHIP[coverage.relationship]
    return FhirCoverage(
        id=str(coverage.id),
        meta=meta(),
        status="cancelled" if ended else "active",
        type=_type(coverage, plan),
        subscriber=_subscriber(coverage, beneficiary),
        subscriberId=coverage.member_id or None,
        beneficiary=beneficiary,
        relationship=concept(
            coverage.relationship.label, coding(ns.SUBSCRIBER_RELATIONSHIP, relationship)
        ),
        period=date_period(coverage.starts_on, coverage.ends_on) or None,
        payor=[_payer(payer) if payer else beneficiary],
        order=coverage.rank,
        class_fhir=_classes(coverage, plan) or None,
    )


def _type(coverage: Coverage, plan: PayerPlan | None) -> Json | None:
    if coverage.self_pay:
        return concept("Self-pay", coding(ns.COVERAGE_SELF_PAY, "pay", "Pay"))
    return concept(plan.kind.label) if plan else None


def _subscriber(coverage: Coverage, beneficiary: Json) -> Json | None:
    if coverage.relationship is Relationship.SELF:
        return beneficiary
    name = f"{coverage.subscriber_first_name} {coverage.subscriber_last_name}".strip()
    return {"display": name} if name else None


def _payer(payer: Payer) -> Json:
    found: Json = {"display": payer.name}
    if payer.payer_code:
        found["identifier"] = {"value": payer.payer_code}
    return found


def _classes(coverage: Coverage, plan: PayerPlan | None) -> list[Json]:
    found: list[Json] = []
    if coverage.group_number:
        found.append(
            {
                "type": concept("Group", coding(ns.COVERAGE_CLASS, "group")),
                "value": coverage.group_number,
            }
        )
    if plan is not None:
        found.append(
            {
                "type": concept("Plan", coding(ns.COVERAGE_CLASS, "plan")),
                "value": plan.name,
                "name": plan.name,
            }
        )
    return found
