"""A form derived from a facts model, and the model read back from the posted form."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from stepdown.kit.errors import Invalid
from stepdown.placement.rules import PlacementFacts
from stepdown.transitions.schemas import EvidenceInput
from stepdown.web.model_form import groups_of, parse, submitted

GROUPS = groups_of(PlacementFacts, title="The client")
BASE = {
    "age": "40",
    "environment_stable": "true",
    "dimensions.intoxication_withdrawal": "0",
    "dimensions.biomedical": "0",
    "dimensions.emotional_behavioral_cognitive": "2",
    "dimensions.readiness_to_change": "1",
    "dimensions.relapse_continued_use": "2",
    "dimensions.recovery_environment": "1",
    "availability.day": "false",
    "availability.evening": "true",
}


def test_fields_follow_the_model() -> None:
    fields = {f.name: f for g in GROUPS for f in g.fields}
    assert fields["age"].kind == "number"
    assert (fields["age"].minimum, fields["age"].maximum) == (0, 120)
    assert fields["dimensions.biomedical"].maximum == 4
    assert fields["instruments.cssrs_risk"].choices[0] == ("", "not recorded")
    assert fields["environment_stable"].boolean
    assert "safety.reasons" not in fields  # lists keep their default
    assert GROUPS[0].label == "The client"


def test_the_model_comes_back_with_defaults_for_blanks() -> None:
    facts = parse(PlacementFacts, FormData(BASE), GROUPS)
    assert facts.age == 40
    assert facts.dimensions.emotional_behavioral_cognitive == 2
    assert facts.availability.day is False
    assert facts.instruments.phq9_total is None
    assert facts.safety is None
    assert submitted(FormData(BASE), GROUPS)["age"] == "40"


@pytest.mark.parametrize("typed", ["４０", "4_0", "forty", "1e2"])
def test_only_ascii_whole_numbers(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(PlacementFacts, FormData({**BASE, "age": typed}), GROUPS)
    assert refused.value.field == "age"


def test_a_bound_names_the_nested_field() -> None:
    with pytest.raises(Invalid) as refused:
        parse(PlacementFacts, FormData({**BASE, "dimensions.biomedical": "9"}), GROUPS)
    assert refused.value.field == "dimensions.biomedical"


def test_bounds_inside_an_optional_annotated_field_are_kept() -> None:
    """``Annotated[float, Field(le=1)] | None`` keeps its bounds and is offered blank."""
    fields = {f.name: f for g in groups_of(EvidenceInput) for f in g.fields}
    rate = fields["attendance_rate"]
    assert (rate.kind, rate.minimum, rate.maximum, rate.required) == ("decimal", 0, 1, False)
    assert fields["phq9_latest"].maximum == 27
