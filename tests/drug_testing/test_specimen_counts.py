"""Per-specimen counts (``rules.count_specimens``, issue 11): a specimen positive for two drugs
is one occasion, whether a definitive method confirmed it is said, and a specimen only to be
collected again or still waiting for its result is not a negative one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stepdown.drug_testing import rules
from stepdown.drug_testing.models import Analyte, Interpretation, Method

UNEXPECTED = Interpretation.UNEXPECTED_POSITIVE
NEGATIVE = Interpretation.NEGATIVE
RECOLLECT = Interpretation.RECOLLECT
P, D = Method.PRESUMPTIVE, Method.DEFINITIVE


def fact(
    specimen: str, analyte: Analyte, interpretation: Interpretation, method: Method = P
) -> rules.ResultFacts:
    return rules.ResultFacts(specimen, analyte, method, interpretation)


def test_one_specimen_positive_for_two_drugs_is_one_specimen() -> None:
    found = [
        fact("a", Analyte.COCAINE, UNEXPECTED),
        fact("a", Analyte.OPIATES, UNEXPECTED),
        fact("b", Analyte.COCAINE, NEGATIVE),
    ]
    assert sum(rules.summarize([], found).unexpected_positives.values()) == 2  # analytes
    assert rules.count_specimens(found) == rules.SpecimenCounts(
        resulted=2, unexpected_positive=1, confirmed_positive=0, recollect=0
    )


def test_a_definitive_positive_confirms_and_a_definitive_negative_refutes() -> None:
    counts = rules.count_specimens(
        [
            fact("a", Analyte.COCAINE, UNEXPECTED),
            fact("a", Analyte.COCAINE, UNEXPECTED, D),
            fact("b", Analyte.FENTANYL, UNEXPECTED),
            fact("b", Analyte.FENTANYL, NEGATIVE, D),
        ]
    )
    assert (counts.unexpected_positive, counts.confirmed_positive) == (1, 1)


def test_tampered_specimens_are_counted_once_and_are_not_resulted() -> None:
    found = [
        fact("a", Analyte.COCAINE, RECOLLECT),
        fact("a", Analyte.OPIATES, RECOLLECT),
        fact("b", Analyte.COCAINE, NEGATIVE),
    ]
    assert rules.summarize([], found).recollect == 2  # analytes
    counts = rules.count_specimens(found)
    assert (counts.recollect, counts.resulted) == (1, 1)


def test_no_results_is_no_resulted_specimen() -> None:
    assert rules.count_specimens([]) == rules.SpecimenCounts()


results = st.lists(
    st.builds(
        fact,
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(list(Analyte)),
        st.sampled_from(list(Interpretation)),
        st.sampled_from(list(Method)),
    ),
    max_size=20,
)


@given(results)
def test_specimen_counts_stay_within_their_bounds(found: list[rules.ResultFacts]) -> None:
    counts = rules.count_specimens(found)
    summary = rules.summarize([], found)
    specimens = len({r.collection for r in found})
    assert counts.confirmed_positive <= counts.unexpected_positive <= counts.resulted
    assert counts.resulted <= specimens
    assert counts.unexpected_positive <= sum(summary.unexpected_positives.values())
    assert counts.recollect <= min(summary.recollect, specimens)
