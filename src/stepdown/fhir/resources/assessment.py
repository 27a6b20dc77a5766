"""QuestionnaireResponse and Observation, from one administration of an instrument.

The QuestionnaireResponse holds the answers as given, item by item (``linkId`` is the
item's number on the form), so a reader can rescore them. The Observation is the result:
the total score under the instrument's LOINC *total-score* code (not the panel code,
which public examples often mix up), ``derivedFrom`` the QuestionnaireResponse; the
severity band and the flags raised (PHQ-9 item 9, a positive screen) are its
interpretation. Instruments without a total report what they have instead: the BAM its
subscales as components, the C-SSRS screener its risk level. A result marked entered in
error keeps its content with FHIR's ``entered-in-error`` status.
"""

from __future__ import annotations

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from stepdown.assessments import rules as instruments
from stepdown.assessments.models import InstrumentResponse
from stepdown.fhir import namespace as ns
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept, meta, patient, reference

INSTRUMENT_SYSTEM = "instrument"
FLAG_SYSTEM = "assessment-flag"
# The instrument specs carry the LOINC codes that were verified when they were written.
# DAST-10: loinc.org lists 82667-7 "Total score [DAST-10]" as a member of the panel 82666-9
# "Drug Abuse Screening Test-10 [DAST-10]" (https://loinc.org/82667-7, LOINC 2.77).
TOTAL_LOINC = {"dast10": "82667-7"}


def total_loinc(spec: instruments.InstrumentSpec) -> str | None:
    return spec.loinc_total or TOTAL_LOINC.get(spec.code)


def questionnaire_response(
    response: InstrumentResponse, *, names: Namespace
) -> QuestionnaireResponse:
    spec = instruments.instrument(response.instrument)
    return QuestionnaireResponse(
        id=str(response.id),
        meta=meta(),
        questionnaire=names.questionnaire(spec.code),
        status="entered-in-error" if response.entered_in_error else "completed",
        subject=patient(response.client_id),
        authored=response.administered_at,
        item=[
            {"linkId": item.number, "text": item.label, "answer": [{"valueInteger": answer}]}
            for item, answer in zip(spec.items, response.answers, strict=True)
        ],
    )


def observation(response: InstrumentResponse, *, names: Namespace) -> Observation:
    spec = instruments.instrument(response.instrument)
    local = coding(names.code_system(INSTRUMENT_SYSTEM), spec.code, spec.name)
    loinc = total_loinc(spec)
    if response.total is not None:
        codings = [coding(ns.LOINC, loinc), local] if loinc else [local]
        code = concept(f"{spec.name} total score", *codings)
    else:
        code = concept(spec.name, local)
    value: Json = {}
    if response.total is not None:
        value["valueInteger"] = response.total
    elif response.band is not None:
        value["valueCodeableConcept"] = concept(response.band)
    return Observation(
        id=str(response.id),
        meta=meta(),
        status="entered-in-error" if response.entered_in_error else "final",
        category=[concept("Survey", coding(ns.OBSERVATION_CATEGORY, "survey", "Survey"))],
        code=code,
        subject=patient(response.client_id),
        effectiveDateTime=response.administered_at,
        issued=response.recorded_at,
        derivedFrom=[reference("QuestionnaireResponse", response.id)],
        interpretation=_interpretation(response, names) or None,
        component=_subscales(response, spec, names) or None,
        **value,
    )


def _interpretation(response: InstrumentResponse, names: Namespace) -> list[Json]:
    found = [concept(response.band)] if response.band and response.total is not None else []
    system = names.code_system(FLAG_SYSTEM)
    found.extend(concept(flag, coding(system, flag)) for flag in sorted(response.flags))
    return found


def _subscales(
    response: InstrumentResponse, spec: instruments.InstrumentSpec, names: Namespace
) -> list[Json]:
    system = names.code_system(INSTRUMENT_SYSTEM)
    return [
        {
            "code": concept(f"{spec.name} {name} subscale", coding(system, f"{spec.code}-{name}")),
            "valueInteger": response.subscales[name],
        }
        for name in spec.subscales
        if name in response.subscales
    ]
