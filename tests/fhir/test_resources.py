"""Every kind of resource built from one synthetic record: what each maps, and that all of
them validate against the FHIR R4 definitions with no error."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from stepdown.fhir import capability, kinds, outcomes
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.sources import SOURCES, Env
from stepdown.kit import clock
from tests.fhir.factories import PHQ9, make_record
from tests.fhir.validator import errors, validate

NAMES = Namespace.of("https://stepdown.example/")


def _built(session: Session) -> dict[kinds.Kind, list[dict[str, Any]]]:
    record = make_record(session)
    env = Env(names=NAMES, zone=clock.program_zone(), today=clock.today())
    return {
        kind: [
            r.model_dump(mode="json")
            for r in SOURCES[kind].load(session, record.client.id, None, env)
        ]
        for kind in kinds.ALL
    }


def test_every_kind_is_built_and_valid_fhir_r4(session: Session) -> None:
    built = _built(session)
    counts = {
        kind.resource_type + (f".{kind.category}" if kind.category else ""): len(found)
        for kind, found in built.items()
    }
    assert counts == {
        "Patient": 1,
        "EpisodeOfCare": 1,
        "Encounter": 2,  # the group and the telehealth appointment; the missed one is not
        "Appointment": 3,
        "CarePlan": 1,
        "Goal": 1,
        "Condition": 1,
        "MedicationStatement": 1,
        "Observation.survey": 6,
        "Observation.laboratory": 2,
        "QuestionnaireResponse": 6,
        "Coverage": 2,
        "Consent": 1,
    }
    everything = [r for found in built.values() for r in found]
    everything.append(capability.build(names=NAMES, version="test").model_dump(mode="json"))
    everything.append(outcomes.error(404, "no such thing").model_dump(mode="json"))
    assert errors(validate(everything)) == []


def test_what_the_resources_say(session: Session) -> None:
    built = _built(session)
    patient = built[kinds.PATIENT][0]
    assert {label["code"] for label in patient["meta"]["security"]} == {
        "R",
        "42CFRPart2",
        "NORDSCLCD",
    }
    assert patient["identifier"][0]["system"] == f"{NAMES.fhir_base}/sid/record-number"
    assert [n["use"] for n in patient["name"]] == ["official", "usual"]
    assert "gender" not in patient  # free text in our record: no administrative code

    episode = built[kinds.EPISODE][0]
    assert episode["status"] == "active"
    levels = [h["extension"][0]["valueCoding"]["code"] for h in episode["statusHistory"]]
    assert levels == ["IOP", "OP"]
    assert [t["coding"][0]["code"] for t in episode["type"]] == ["IOP", "OP"]
    first, second = episode["statusHistory"]
    assert first["period"]["end"] < second["period"]["start"]  # half-open ranges, no overlap

    statuses = sorted(a["status"] for a in built[kinds.APPOINTMENT])
    assert statuses == ["fulfilled", "fulfilled", "noshow"]
    classes = sorted(e["class"]["code"] for e in built[kinds.ENCOUNTER])
    assert classes == ["AMB", "VR"]
    assert all(e["episodeOfCare"] for e in built[kinds.ENCOUNTER])

    phq9 = next(o for o in built[kinds.SURVEY] if o["code"]["coding"][0]["code"] == "44261-6")
    assert phq9["valueInteger"] == sum(PHQ9)
    assert phq9["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/")
    flags = [c["text"] for c in phq9["interpretation"]]
    assert "phq9_item9_positive" in flags
    bam = next(o for o in built[kinds.SURVEY] if o["code"]["text"] == "BAM")
    assert {c["code"]["coding"][0]["code"] for c in bam["component"]} == {
        "bam-use",
        "bam-risk",
        "bam-protective",
    }
    dast = next(o for o in built[kinds.SURVEY] if "DAST-10" in o["code"]["text"])
    assert dast["code"]["coding"][0] == {"system": "http://loinc.org", "code": "82667-7"}

    lab = {o["code"]["coding"][0]["code"]: o for o in built[kinds.LABORATORY]}
    assert lab["buprenorphine"]["interpretation"][1]["coding"][0]["code"] == "expected_positive"
    assert lab["cocaine"]["referenceRange"] == [{"text": "Cutoff 150 ng/mL"}]

    condition = built[kinds.CONDITION][0]
    assert condition["code"]["coding"][0]["code"] == "F10.20"
    assert condition["severity"]["coding"][0]["code"] == "6736007"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"

    coverages = built[kinds.COVERAGE]
    assert [c["order"] for c in coverages] == [1, 2]
    assert coverages[1]["type"]["coding"][0]["code"] == "pay"
    assert coverages[1]["payor"] == [{"reference": coverages[1]["beneficiary"]["reference"]}]

    plan = built[kinds.CARE_PLAN][0]
    goal = built[kinds.GOAL][0]
    assert plan["status"] == "active"
    assert plan["goal"] == [{"reference": f"Goal/{goal['id']}"}]
    assert goal["description"]["text"] == "I want to stay sober for my kids"
    assert goal["expressedBy"] == goal["subject"]

    consent = built[kinds.CONSENT][0]
    assert consent["status"] == "active"
    assert consent["provision"]["actor"][0]["reference"] == {
        "display": "Partner Clinic (Partner Health)"
    }
    assert {c["coding"][0]["code"] for c in consent["provision"]["code"]} == {
        "demographics",
        "assessments",
    }


def test_an_unknown_row_has_no_owner(session: Session) -> None:
    for kind in kinds.ALL:
        assert SOURCES[kind].owner(session, uuid.uuid4()) is None
