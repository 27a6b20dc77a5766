"""What a result means given the client's medications, when it needs confirming, and how a
period's results are counted: pure rules, table-driven and property-checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.drug_testing import rules
from stepdown.drug_testing.models import (
    Analyte,
    Interpretation,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
)
from stepdown.drug_testing.rules import ActiveMedication, OrderFacts, ResultFacts
from stepdown.kit.errors import Invalid
from stepdown.medications import rules as medication_rules

A, R = Analyte, Interpretation
P, N, X = ResultValue.POSITIVE, ResultValue.NEGATIVE, ResultValue.INVALID
SUBOXONE = ActiveMedication("Suboxone", frozenset({A.BUPRENORPHINE}), is_mat=True)
METHADONE = ActiveMedication("Methadone", frozenset({A.METHADONE}), is_mat=True)
CLONAZEPAM = ActiveMedication("Clonazepam", frozenset({A.BENZODIAZEPINES}), is_mat=False)
OXYCODONE = ActiveMedication("Oxycodone", frozenset({A.OXYCODONE, A.OPIATES}), is_mat=False)
FENTANYL_PATCH = ActiveMedication("Fentanyl patch", frozenset({A.FENTANYL}), is_mat=False)
NALTREXONE = ActiveMedication("Naltrexone", frozenset(), is_mat=True)


@pytest.mark.parametrize(
    ("analyte", "result", "meds", "expected"),
    [
        # Positives explained by an active prescription are expected.
        (A.BUPRENORPHINE, P, [SUBOXONE], R.EXPECTED_POSITIVE),
        (A.METHADONE, P, [METHADONE], R.EXPECTED_POSITIVE),
        (A.BENZODIAZEPINES, P, [CLONAZEPAM], R.EXPECTED_POSITIVE),
        (A.OPIATES, P, [OXYCODONE], R.EXPECTED_POSITIVE),
        (A.FENTANYL, P, [FENTANYL_PATCH], R.EXPECTED_POSITIVE),
        # Unexplained positives are unexpected, whatever else is prescribed.
        (A.COCAINE, P, [SUBOXONE], R.UNEXPECTED_POSITIVE),
        (A.FENTANYL, P, [SUBOXONE, METHADONE], R.UNEXPECTED_POSITIVE),
        (A.OPIATES, P, [SUBOXONE], R.UNEXPECTED_POSITIVE),
        (A.BUPRENORPHINE, P, [], R.UNEXPECTED_POSITIVE),
        (A.BUPRENORPHINE, P, [NALTREXONE], R.UNEXPECTED_POSITIVE),
        # Alcohol is never explained, even by a (mistaken) medication claiming it.
        (A.ALCOHOL, P, [], R.UNEXPECTED_POSITIVE),
        (
            A.ALCOHOL,
            P,
            [ActiveMedication("Mistake", frozenset({A.ALCOHOL}), True)],
            R.UNEXPECTED_POSITIVE,
        ),
        # A negative for a MAT medication's analyte: the expected positive is missing.
        (A.BUPRENORPHINE, N, [SUBOXONE], R.EXPECTED_POSITIVE_MISSING),
        (A.METHADONE, N, [METHADONE], R.EXPECTED_POSITIVE_MISSING),
        # ... but not for a medication outside MAT (often taken as needed).
        (A.BENZODIAZEPINES, N, [CLONAZEPAM], R.NEGATIVE),
        (A.COCAINE, N, [SUBOXONE], R.NEGATIVE),
        (A.BUPRENORPHINE, N, [], R.NEGATIVE),
        # Invalid specimens need recollecting, never read as negative.
        (A.COCAINE, X, [], R.RECOLLECT),
        (A.BUPRENORPHINE, X, [SUBOXONE], R.RECOLLECT),
    ],
)
def test_interpret(
    analyte: Analyte, result: ResultValue, meds: list[ActiveMedication], expected: Interpretation
) -> None:
    assert rules.interpret(analyte, result, meds).interpretation is expected


def test_an_expected_positive_names_the_medications_explaining_it() -> None:
    both = [SUBOXONE, ActiveMedication("Buprenorphine", frozenset({A.BUPRENORPHINE}), True)]
    reading = rules.interpret(A.BUPRENORPHINE, P, both)
    assert reading.explained_by == ("Buprenorphine", "Suboxone")
    assert reading.expected is True
    assert rules.interpret(A.COCAINE, P, both).expected is False
    assert rules.interpret(A.COCAINE, N, both).expected is None


@pytest.mark.parametrize(
    ("method", "result", "meds", "confirm"),
    [
        (Method.PRESUMPTIVE, P, [], True),  # unexpected presumptive positive
        (Method.PRESUMPTIVE, P, [SUBOXONE], False),  # expected: explained by the prescription
        (Method.DEFINITIVE, P, [], False),  # already definitive
        (Method.PRESUMPTIVE, N, [], False),
        (Method.PRESUMPTIVE, X, [], False),
    ],
)
def test_needs_confirmation_for_buprenorphine(
    method: Method, result: ResultValue, meds: list[ActiveMedication], confirm: bool
) -> None:
    reading = rules.interpret(A.BUPRENORPHINE, result, meds)
    assert rules.needs_confirmation(method, reading) is confirm


meds_strategy = st.lists(
    st.builds(
        ActiveMedication,
        name=st.sampled_from(["a", "b", "c", "d"]),
        analytes=st.frozensets(st.sampled_from(list(Analyte))),
        is_mat=st.booleans(),
    ),
    max_size=4,
)


@given(meds=meds_strategy, extra=meds_strategy, analyte=st.sampled_from(list(Analyte)))
def test_adding_a_prescription_never_makes_an_expected_positive_unexpected(
    meds: list[ActiveMedication], extra: list[ActiveMedication], analyte: Analyte
) -> None:
    before = rules.interpret(analyte, P, meds)
    after = rules.interpret(analyte, P, meds + extra)
    if before.interpretation is R.EXPECTED_POSITIVE:
        assert after.interpretation is R.EXPECTED_POSITIVE
    assert set(before.explained_by) <= set(after.explained_by)


@given(analyte=st.sampled_from(list(Analyte)), result=st.sampled_from(list(ResultValue)))
def test_without_medications_every_positive_is_unexpected_and_nothing_is_missing(
    analyte: Analyte, result: ResultValue
) -> None:
    reading = rules.interpret(analyte, result, [])
    assert (
        reading.interpretation
        is {
            P: R.UNEXPECTED_POSITIVE,
            N: R.NEGATIVE,
            X: R.RECOLLECT,
        }[result]
    )


@given(meds=meds_strategy, analyte=st.sampled_from(list(Analyte)))
def test_a_positive_is_expected_exactly_when_a_non_alcohol_analyte_is_explained(
    meds: list[ActiveMedication], analyte: Analyte
) -> None:
    explained = analyte is not A.ALCOHOL and any(analyte in m.analytes for m in meds)
    reading = rules.interpret(analyte, P, meds)
    assert (reading.interpretation is R.EXPECTED_POSITIVE) is explained
    assert rules.needs_confirmation(Method.PRESUMPTIVE, reading) is not explained


def test_a_breath_specimen_is_tested_for_alcohol_only() -> None:
    assert rules.analytes_for(SpecimenType.BREATH) == (A.ALCOHOL,)
    assert rules.analytes_for(SpecimenType.URINE) == tuple(Analyte)
    rules.check_analyte(SpecimenType.BREATH, A.ALCOHOL)
    with pytest.raises(Invalid) as refused:
        rules.check_analyte(SpecimenType.BREATH, A.COCAINE)
    assert refused.value.field == "analyte"


def facts(collection: str, analyte: Analyte, method: Method, i: Interpretation) -> ResultFacts:
    return ResultFacts(collection, analyte, method, i)


class TestSummarize:
    def test_refused_and_missed_are_counted_as_such_never_as_negatives(self) -> None:
        orders = [
            OrderFacts(OrderReason.RANDOM, OrderStatus.REFUSED),
            OrderFacts(OrderReason.SCHEDULED, OrderStatus.MISSED),
            OrderFacts(OrderReason.SCHEDULED, OrderStatus.MISSED),
            OrderFacts(OrderReason.ADMISSION, OrderStatus.COLLECTED),
            OrderFacts(OrderReason.FOR_CAUSE, OrderStatus.ORDERED),
            OrderFacts(OrderReason.CONFIRMATION, OrderStatus.ORDERED),
            OrderFacts(OrderReason.CONFIRMATION, OrderStatus.RESULTED),
        ]
        summary = rules.summarize(orders, [])
        counts = (summary.ordered, summary.collected, summary.refused, summary.missed)
        assert counts == (5, 1, 1, 2)
        assert summary.pending == 1
        assert (summary.confirmations_ordered, summary.confirmations_pending) == (2, 1)
        assert summary.unexpected_positives == {}

    def test_a_definitive_result_counts_over_its_presumptive_one(self) -> None:
        results = [
            facts("c1", A.COCAINE, Method.PRESUMPTIVE, R.UNEXPECTED_POSITIVE),
            facts("c1", A.COCAINE, Method.DEFINITIVE, R.NEGATIVE),  # refuted by the lab
            facts("c2", A.FENTANYL, Method.PRESUMPTIVE, R.UNEXPECTED_POSITIVE),
            facts("c2", A.BUPRENORPHINE, Method.PRESUMPTIVE, R.EXPECTED_POSITIVE),
            facts("c3", A.FENTANYL, Method.DEFINITIVE, R.UNEXPECTED_POSITIVE),
            facts("c3", A.FENTANYL, Method.PRESUMPTIVE, R.UNEXPECTED_POSITIVE),
            facts("c3", A.BUPRENORPHINE, Method.PRESUMPTIVE, R.EXPECTED_POSITIVE_MISSING),
            facts("c3", A.CANNABINOIDS, Method.PRESUMPTIVE, R.RECOLLECT),
        ]
        summary = rules.summarize([], results)
        assert summary.unexpected_positives == {A.FENTANYL: 2}
        assert summary.expected_positives == {A.BUPRENORPHINE: 1}
        assert summary.expected_positives_missing == {A.BUPRENORPHINE: 1}
        assert summary.recollect == 1


MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("day", "ends_on", "due"),
    [
        (MONDAY, None, True),
        (MONDAY + timedelta(days=7), None, True),
        (MONDAY + timedelta(days=1), None, False),  # a Tuesday
        (MONDAY - timedelta(days=7), None, False),  # before the schedule
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), False),  # half-open end
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=8), True),
    ],
)
def test_due_on(day: date, ends_on: date | None, due: bool) -> None:
    assert rules.due_on(0, MONDAY, ends_on, day) is due


@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_weekday_outside_the_week_is_refused(weekday: int) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_weekday(weekday)
    assert refused.value.field == "weekday"


def test_a_methadose_prescription_is_read_as_methadone() -> None:
    """A brand on the prescription explains its generic's analyte (and a missing positive is
    flagged), as long as the medication table recognises the brand."""
    written = "Methadose 40 mg dispersible"
    explains = medication_rules.explains(written, analytes=None, is_mat=None)
    methadose = ActiveMedication(written, explains.analytes, is_mat=explains.is_mat)
    positive = rules.interpret(A.METHADONE, P, [methadose])
    assert (positive.interpretation, positive.explained_by) == (R.EXPECTED_POSITIVE, (written,))
    negative = rules.interpret(A.METHADONE, N, [methadose])
    assert negative.interpretation is R.EXPECTED_POSITIVE_MISSING
