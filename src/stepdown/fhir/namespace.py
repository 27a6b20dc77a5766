"""The URLs FHIR resources name: standard code systems, and this server's own.

Our record numbers, levels of care, instruments and drug-test analytes have no standard
code system, so each gets one under the server's public address (``settings.base_url``):
two programs' record numbers are different namespaces, as they should be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

LOINC: Final = "http://loinc.org"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
V2_IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
V3_PARTICIPATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COVERAGE_CLASS: Final = "http://terminology.hl7.org/CodeSystem/coverage-class"
COVERAGE_SELF_PAY: Final = "http://terminology.hl7.org/CodeSystem/coverage-selfpay"
SUBSCRIBER_RELATIONSHIP: Final = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
# Core extensions (R5 definitions, usable in R4 through the cross-version extensions).
GENDER_IDENTITY: Final = "http://hl7.org/fhir/StructureDefinition/individual-genderIdentity"
PRONOUNS: Final = "http://hl7.org/fhir/StructureDefinition/individual-pronouns"
CONDITION_ASSERTED: Final = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


@dataclass(frozen=True)
class Namespace:
    """This server's URLs, from its public address (no trailing slash)."""

    base_url: str

    @classmethod
    def of(cls, base_url: str) -> Namespace:
        return cls(base_url.rstrip("/"))

    @property
    def fhir_base(self) -> str:
        return f"{self.base_url}/fhir"

    def code_system(self, name: str) -> str:
        return f"{self.fhir_base}/CodeSystem/{name}"

    def identifier_system(self, name: str) -> str:
        return f"{self.fhir_base}/sid/{name}"

    def extension(self, name: str) -> str:
        return f"{self.fhir_base}/StructureDefinition/{name}"

    def questionnaire(self, instrument: str) -> str:
        return f"{self.fhir_base}/Questionnaire/{instrument}"

    def full_url(self, resource_type: str, resource_id: str) -> str:
        return f"{self.fhir_base}/{resource_type}/{resource_id}"
