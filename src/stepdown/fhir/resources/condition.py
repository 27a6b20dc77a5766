"""Condition, from a diagnosis (ICD-10-CM with its DSM-5-TR specifiers).

Statuses follow FHIR's own split: a current diagnosis is ``active`` (``remission`` when
DSM-5-TR says in early or sustained remission), a resolved one ``resolved`` with the day
it ended, a ruled-out one ``refuted``, and one entered in error carries only that
verification status (FHIR forbids a clinical status beside it). The day it was diagnosed
is the core ``condition-assertedDate`` extension: it is when the diagnosis was made, not
when the disorder began. DSM-5-TR severity uses the SNOMED CT codes of FHIR's
condition-severity value set.
"""

from __future__ import annotations

from fhir.resources.R4B.condition import Condition

from stepdown.diagnoses.models import Diagnosis, DiagnosisStatus, Severity
from stepdown.fhir import namespace as ns
from stepdown.fhir.resources.common import Json, coding, concept, meta, patient

SEVERITY = {
    Severity.MILD: "255604002",
    Severity.MODERATE: "6736007",
    Severity.SEVERE: "24484000",
}
VERIFICATION = {
    DiagnosisStatus.ACTIVE: "confirmed",
    DiagnosisStatus.RESOLVED: "confirmed",
    DiagnosisStatus.RULED_OUT: "refuted",
    DiagnosisStatus.ENTERED_IN_ERROR: "entered-in-error",
}


def build(diagnosis: Diagnosis) -> Condition:
    return Condition(
        id=str(diagnosis.id),
        meta=meta(),
        extension=[{"url": ns.CONDITION_ASSERTED, "valueDateTime": diagnosis.diagnosed_on}],
        clinicalStatus=_clinical(diagnosis),
        verificationStatus=concept(
            VERIFICATION[diagnosis.status].replace("-", " ").capitalize(),
            coding(ns.CONDITION_VERIFICATION, VERIFICATION[diagnosis.status]),
        ),
        code=concept(
            diagnosis.description, coding(ns.ICD10CM, diagnosis.code, diagnosis.description)
        ),
        severity=(
            concept(
                diagnosis.severity.label,
                coding(ns.SNOMED, SEVERITY[diagnosis.severity], diagnosis.severity.label),
            )
            if diagnosis.severity
            else None
        ),
        subject=patient(diagnosis.client_id),
        abatementDateTime=(
            diagnosis.ended_on if diagnosis.status is DiagnosisStatus.RESOLVED else None
        ),
        recordedDate=diagnosis.created_at,
        note=[{"text": text} for text in _specifiers(diagnosis)] or None,
    )


def _clinical(diagnosis: Diagnosis) -> Json | None:
    if diagnosis.status is DiagnosisStatus.RESOLVED:
        code = "resolved"
    elif diagnosis.status is DiagnosisStatus.ACTIVE:
        code = "remission" if diagnosis.remission else "active"
    else:
        return None
    return concept(code.capitalize(), coding(ns.CONDITION_CLINICAL, code))


def _specifiers(diagnosis: Diagnosis) -> list[str]:
    found = [diagnosis.remission.label] if diagnosis.remission else []
    if diagnosis.controlled_environment:
        found.append("In a controlled environment")
    if diagnosis.maintenance_therapy:
        found.append("On maintenance therapy")
    return ["; ".join(found)] if found else []
