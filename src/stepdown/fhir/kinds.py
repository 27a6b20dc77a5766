"""The kinds of resource the API serves: each one's FHIR type, the class of information the
disclosure gate screens it as, and the policy that already decides which staff read it.

Staff read a kind here exactly when their role reads the same facts elsewhere (the
domain's own ``access`` policy), so the FHIR API opens no wider door than the chart.
Observation is two kinds: instrument results (assessments) and drug-test results
(drug tests), told apart by their FHIR category.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepdown.assessments import access as assessments_access
from stepdown.attendance import access as attendance_access
from stepdown.calendar import access as calendar_access
from stepdown.clients import access as clients_access
from stepdown.consents import access as consents_access
from stepdown.consents.models import InformationClass
from stepdown.continuum import access as continuum_access
from stepdown.coverage import access as coverage_access
from stepdown.diagnoses import access as diagnoses_access
from stepdown.drug_testing import access as drug_testing_access
from stepdown.medications import access as medications_access
from stepdown.security.policy import Policy
from stepdown.treatment_plans import access as treatment_plans_access


@dataclass(frozen=True)
class Kind:
    resource_type: str
    information: InformationClass
    staff_read: Policy
    # Observation's category code, which a search may filter on.
    category: str | None = None


PATIENT = Kind("Patient", InformationClass.DEMOGRAPHICS, clients_access.CLIENTS_READ)
EPISODE = Kind("EpisodeOfCare", InformationClass.ATTENDANCE, continuum_access.CENSUS_READ)
ENCOUNTER = Kind("Encounter", InformationClass.ATTENDANCE, attendance_access.HOURS)
APPOINTMENT = Kind("Appointment", InformationClass.ATTENDANCE, calendar_access.CLIENT_SCHEDULE)
CARE_PLAN = Kind("CarePlan", InformationClass.PLANS, treatment_plans_access.READ)
GOAL = Kind("Goal", InformationClass.PLANS, treatment_plans_access.READ)
CONDITION = Kind("Condition", InformationClass.DIAGNOSES, diagnoses_access.READ)
MEDICATION = Kind("MedicationStatement", InformationClass.MEDICATIONS, medications_access.READ)
SURVEY = Kind("Observation", InformationClass.ASSESSMENTS, assessments_access.READ, "survey")
LABORATORY = Kind(
    "Observation", InformationClass.DRUG_TESTS, drug_testing_access.ORDERS_READ, "laboratory"
)
QUESTIONNAIRE_RESPONSE = Kind(
    "QuestionnaireResponse", InformationClass.ASSESSMENTS, assessments_access.READ
)
COVERAGE = Kind("Coverage", InformationClass.INSURANCE, coverage_access.READ)
CONSENT = Kind("Consent", InformationClass.DEMOGRAPHICS, consents_access.READ)

ALL: tuple[Kind, ...] = (
    PATIENT,
    EPISODE,
    ENCOUNTER,
    APPOINTMENT,
    CARE_PLAN,
    GOAL,
    CONDITION,
    MEDICATION,
    SURVEY,
    LABORATORY,
    QUESTIONNAIRE_RESPONSE,
    COVERAGE,
    CONSENT,
)
RESOURCE_TYPES: tuple[str, ...] = tuple(dict.fromkeys(kind.resource_type for kind in ALL))


def of_type(resource_type: str) -> tuple[Kind, ...]:
    """The kinds a FHIR type is served as (none for a type this server does not serve)."""
    return tuple(kind for kind in ALL if kind.resource_type == resource_type)
