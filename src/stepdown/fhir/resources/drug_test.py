"""Observation (laboratory), from one analyte's result on one collected specimen.

The analytes are the program's panel, drug classes more than single drugs, so they are
coded in this server's own code system rather than mapped to LOINC codes of particular
assays. The result is the coded value; ``interpretation`` adds HL7's positive or negative
and what the program made of it given the client's medications that day (an expected
positive, an unexpected one, a missing expected one). A measured value and its cutoff,
when the test gave them, are a component and a reference range.
"""

from __future__ import annotations

from fhir.resources.R4B.observation import Observation

from stepdown.drug_testing.models import AnalyteResult, Method, ResultValue, TestCollection
from stepdown.fhir import namespace as ns
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept, meta, patient

ANALYTE_SYSTEM = "drug-test-analyte"
RESULT_SYSTEM = "drug-test-result"
INTERPRETATION_SYSTEM = "drug-test-interpretation"
METHOD = {
    Method.PRESUMPTIVE: "Presumptive screen (point-of-care or immunoassay)",
    Method.DEFINITIVE: "Definitive laboratory test (chromatography / mass spectrometry)",
}
HL7_INTERPRETATION = {
    ResultValue.POSITIVE: coding(ns.V3_INTERPRETATION, "POS", "Positive"),
    ResultValue.NEGATIVE: coding(ns.V3_INTERPRETATION, "NEG", "Negative"),
}


def build(result: AnalyteResult, collection: TestCollection, *, names: Namespace) -> Observation:
    outcome = result.result.value.capitalize()
    meaning = result.interpretation.value.replace("_", " ").capitalize()
    interpretation = [
        concept(
            meaning, coding(names.code_system(INTERPRETATION_SYSTEM), result.interpretation.value)
        )
    ]
    if result.result in HL7_INTERPRETATION:
        interpretation.insert(0, concept(outcome, HL7_INTERPRETATION[result.result]))
    specimen = collection.specimen_type.value.replace("_", " ").capitalize()
    notes = ["Observed collection"] if collection.observed else []
    if result.explained_by:
        notes.append(f"Explained by: {result.explained_by}")
    return Observation(
        id=str(result.id),
        meta=meta(),
        status="final",
        category=[
            concept("Laboratory", coding(ns.OBSERVATION_CATEGORY, "laboratory", "Laboratory"))
        ],
        code=concept(
            result.analyte.label,
            coding(names.code_system(ANALYTE_SYSTEM), result.analyte.value, result.analyte.label),
        ),
        subject=patient(collection.client_id),
        effectiveDateTime=collection.collected_at,
        issued=result.created_at,
        valueCodeableConcept=concept(
            outcome, coding(names.code_system(RESULT_SYSTEM), result.result.value)
        ),
        interpretation=interpretation,
        method=concept(METHOD[result.method]),
        specimen={"display": f"{specimen} specimen"},
        note=[{"text": text} for text in notes] or None,
        component=_measured(result) or None,
        referenceRange=(
            [{"text": f"Cutoff {result.cutoff:g} {result.unit}".rstrip()}]
            if result.cutoff is not None
            else None
        ),
    )


def _measured(result: AnalyteResult) -> list[Json]:
    if result.value is None:
        return []
    quantity: Json = {"value": result.value}
    if result.unit:
        quantity["unit"] = result.unit
    return [{"code": concept("Measured concentration"), "valueQuantity": quantity}]
