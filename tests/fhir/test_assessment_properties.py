"""PHQ-9 answers to FHIR and back: the Observation's total is the sum of the items (the
PHQ-9 is scored by summing them, ``assessments.rules.score_phq9``), under the total-score
LOINC code, and the QuestionnaireResponse gives back the answers it was built from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st

from stepdown.assessments import rules
from stepdown.assessments.models import InstrumentResponse
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources import assessment

NAMES = Namespace.of("https://stepdown.example")
ANSWERS = st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9)


def _response(answers: list[int]) -> InstrumentResponse:
    score = rules.score("phq9", answers)
    when = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    return InstrumentResponse(
        id=uuid.uuid4(),
        client_id=uuid.uuid4(),
        instrument="phq9",
        answers=answers,
        total=score.total,
        band=score.band,
        subscales=dict(score.subscales),
        flags=sorted(score.flags),
        administered_at=when,
        recorded_at=when,
        entered_in_error=False,
    )


def _answers_of(document: str) -> list[int]:
    """Read a QuestionnaireResponse as a receiver would: by each item's linkId."""
    parsed = QuestionnaireResponse.model_validate_json(document)
    by_item: dict[str, int] = {}
    for item in parsed.item or []:
        (answer,) = item.answer or []
        assert answer.valueInteger is not None
        by_item[str(item.linkId)] = answer.valueInteger
    return [by_item[item.number] for item in rules.PHQ9.items]


@given(ANSWERS)
def test_the_observation_total_is_the_sum_of_the_items(answers: list[int]) -> None:
    response = _response(answers)
    observation = assessment.observation(response, names=NAMES)
    assert observation.valueInteger == sum(answers)
    assert observation.code.coding is not None
    assert (observation.code.coding[0].system, observation.code.coding[0].code) == (
        "http://loinc.org",
        "44261-6",
    )
    assert observation.derivedFrom is not None
    assert observation.derivedFrom[0].reference == f"QuestionnaireResponse/{response.id}"
    flagged = any(c.text == rules.PHQ9_ITEM9_POSITIVE for c in observation.interpretation or [])
    assert flagged == (answers[8] > 0)


@given(ANSWERS)
def test_the_questionnaire_response_round_trips(answers: list[int]) -> None:
    built = assessment.questionnaire_response(_response(answers), names=NAMES)
    assert _answers_of(built.model_dump_json()) == answers
