"""Pure intake rules: bounds of the substance rows, what signing needs, the PC-PTSD-5, when
an intake is due, and the pre-fill of the six dimensions (unknowns included)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.intake import rules
from stepdown.intake.models import Answer, Employment, Frequency, Housing, Route, Substance
from stepdown.kit import clock
from stepdown.kit.errors import Conflict, Invalid
from stepdown.placement.models import DIMENSIONS

# Mid-June: no clock change within weeks either side in America/New_York.
INTERVIEW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
ANSWERS = st.one_of(st.none(), st.sampled_from(list(Answer)))
UNKNOWN_WORDS = ("not asked", "declined", "not written", "not scored")


def _wall(day: date, hour: int) -> datetime:
    """A time on the program's clock (New York in tests), as stored."""
    return clock.to_utc(datetime.combine(day, time(hour)))


def _facts(**overrides: object) -> rules.IntakeFacts:
    fields: dict[str, object] = {"interviewed_at": INTERVIEW}
    fields.update(overrides)
    return rules.IntakeFacts(**fields)  # type: ignore[arg-type]


def _texts(prefill: rules.Prefill) -> list[str]:
    return [f.text for f in prefill.facts]


def _fact(prefill: rules.Prefill, start: str) -> rules.Fact:
    (found,) = [f for f in prefill.facts if f.text.startswith(start)]
    return found


# ---- substance rows ---------------------------------------------------------------------


def _check(*rows: rules.SubstanceRow, client_age: int | None = 40) -> None:
    rules.check_substances(rows, interviewed_at=INTERVIEW, client_age=client_age)


def test_a_plain_row_passes() -> None:
    _check(
        rules.SubstanceRow(
            Substance.ALCOHOL,
            age_first_use=15,
            last_use_on=date(2026, 6, 14),
            last_use_at=_wall(date(2026, 6, 14), 22),
        )
    )


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (rules.SubstanceRow(Substance.OTHER), "substances.0.other_name", "name the substance"),
        (
            rules.SubstanceRow(Substance.CANNABIS, other_name="weed"),
            "substances.0.other_name",
            "only a substance listed as other",
        ),
        (
            rules.SubstanceRow(Substance.ALCOHOL, age_first_use=0),
            "substances.0.age_first_use",
            "1 to 120",
        ),
        (
            rules.SubstanceRow(Substance.ALCOHOL, age_first_use=121),
            "substances.0.age_first_use",
            "1 to 120",
        ),
        (
            rules.SubstanceRow(Substance.ALCOHOL, age_first_use=41),
            "substances.0.age_first_use",
            "older than the client",
        ),
        (
            rules.SubstanceRow(Substance.ALCOHOL, amount="x" * 201),
            "substances.0.amount",
            "at most 200",
        ),
        (
            rules.SubstanceRow(Substance.ALCOHOL, last_use_on=date(2026, 6, 16)),
            "substances.0.last_use_on",
            "after the interview",
        ),
        (
            rules.SubstanceRow(
                Substance.ALCOHOL,
                last_use_on=date(2026, 6, 15),
                last_use_at=_wall(date(2026, 6, 15), 13),
            ),
            "substances.0.last_use_on",
            "after the interview",
        ),
        (
            rules.SubstanceRow(
                Substance.ALCOHOL,
                last_use_on=date(2026, 6, 13),
                last_use_at=_wall(date(2026, 6, 14), 9),
            ),
            "substances.0.last_use_on",
            "needs its day",
        ),
    ],
)
def test_bad_rows_are_refused_with_the_field_named(
    row: rules.SubstanceRow, field: str, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        _check(row)
    assert refused.value.field == field
    assert message in refused.value.message


def test_the_refusal_names_the_row_it_is_in() -> None:
    with pytest.raises(Invalid) as refused:
        _check(rules.SubstanceRow(Substance.ALCOHOL), rules.SubstanceRow(Substance.OTHER))
    assert refused.value.field == "substances.1.other_name"


def test_at_most_twelve_rows() -> None:
    _check(*[rules.SubstanceRow(Substance.ALCOHOL)] * rules.MAX_SUBSTANCES)
    with pytest.raises(Invalid) as refused:
        _check(*[rules.SubstanceRow(Substance.ALCOHOL)] * (rules.MAX_SUBSTANCES + 1))
    assert refused.value.field == "substances"


def test_signing_needs_the_presenting_problem_and_a_substance() -> None:
    assert rules.missing_for_signature("", 0) == ["presenting_problem", "substances"]
    assert rules.missing_for_signature("  ", 1) == ["presenting_problem"]
    assert rules.missing_for_signature("Came after a DUI", 0) == ["substances"]
    rules.require_complete("Came after a DUI", 1)
    with pytest.raises(Conflict) as refused:
        rules.require_complete("Came after a DUI", 0)
    assert (refused.value.field, refused.value.rule) == ("substances", rules.INCOMPLETE)


def test_text_bounds() -> None:
    rules.check_text("family", "x" * rules.SECTION_MAX)
    with pytest.raises(Invalid) as refused:
        rules.check_text("family", "x" * (rules.SECTION_MAX + 1))
    assert refused.value.field == "family"


# ---- the PC-PTSD-5 and due dates ----------------------------------------------------------


def test_ptsd_score_is_not_given_for_unknowns() -> None:
    five_yes = [Answer.YES] * 5
    assert rules.ptsd_score(None, five_yes) is None
    assert rules.ptsd_score(Answer.DECLINED, five_yes) is None
    assert rules.ptsd_score(Answer.NO, [None] * 5) == 0
    assert rules.ptsd_score(Answer.YES, [Answer.YES, Answer.NO, None, Answer.NO, Answer.NO]) is None
    assert rules.ptsd_score(Answer.YES, [Answer.YES, Answer.DECLINED, *[Answer.NO] * 3]) is None


@given(st.lists(st.sampled_from([Answer.YES, Answer.NO]), min_size=5, max_size=5))
def test_ptsd_score_counts_the_yes_answers(items: list[Answer]) -> None:
    assert rules.ptsd_score(Answer.YES, items) == items.count(Answer.YES)


def test_an_intake_is_due_a_week_after_admission() -> None:
    admitted = date(2026, 6, 1)
    assert rules.due_since(admitted) == date(2026, 6, 8)
    assert not rules.is_due(admitted, date(2026, 6, 7))
    assert rules.is_due(admitted, date(2026, 6, 8))


# ---- the pre-fill -------------------------------------------------------------------------


def test_every_dimension_is_prefilled_and_none_is_rated() -> None:
    prefill = rules.dimension_prefill(_facts())
    assert [(p.dimension, p.label) for p in prefill.values()] == list(DIMENSIONS)
    for p in prefill.values():
        for text in _texts(p):
            assert "rating" not in text.lower()
            assert not re.search(r"\blevel\b", text.lower())


def test_recent_alcohol_marks_withdrawal_potential_to_review() -> None:
    row = rules.SubstanceFacts(
        Substance.ALCOHOL,
        frequency=Frequency.DAILY,
        last_use_on=clock.local(INTERVIEW - timedelta(hours=30)).date(),
        last_use_at=INTERVIEW - timedelta(hours=30),
    )
    d1 = rules.dimension_prefill(_facts(substances=(row,)))["d1"]
    fact = _fact(d1, "Alcohol")
    assert fact.review
    assert not fact.unknown
    assert "30 h before the interview" in fact.text
    assert "daily or almost daily" in fact.text
    assert "withdrawal potential to review" in fact.text
    assert d1.review


def test_old_use_and_other_substances_are_facts_without_a_review_mark() -> None:
    old = INTERVIEW - rules.WITHDRAWAL_REVIEW_WINDOW - timedelta(hours=1)
    rows = (
        rules.SubstanceFacts(
            Substance.OPIOID, last_use_on=clock.local(old).date(), last_use_at=old
        ),
        rules.SubstanceFacts(
            Substance.CANNABIS,
            last_use_on=clock.local(INTERVIEW).date(),
            last_use_at=INTERVIEW - timedelta(hours=3),
        ),
    )
    d1 = rules.dimension_prefill(_facts(substances=rows, withdrawal_complications=Answer.NO))["d1"]
    assert not _fact(d1, "Opioids").review
    assert "14 days before the interview" in _fact(d1, "Opioids").text
    assert not _fact(d1, "Cannabis").review
    assert not d1.review


def test_an_unknown_last_use_is_never_good_news() -> None:
    row = rules.SubstanceFacts(Substance.SEDATIVE, frequency=None)
    d1 = rules.dimension_prefill(_facts(substances=(row,)))["d1"]
    fact = _fact(d1, "Sedatives")
    assert fact.review
    assert fact.unknown
    assert "last use not asked" in fact.text
    assert "frequency not asked" in fact.text
    complications = _fact(d1, "Past withdrawal seizures")
    assert complications.text.endswith(": not asked")
    assert complications.review  # a withdrawal class is listed and nobody asked


def test_a_day_without_a_time_reads_as_the_end_of_that_day() -> None:
    # Last drink "some time on 1 June": the latest it can have been is the end of that
    # day, so the window is counted from there.
    day = date(2026, 6, 1)
    row = rules.SubstanceFacts(Substance.ALCOHOL, last_use_on=day)
    assert rules.latest_last_use(row) == clock.day_start(date(2026, 6, 2))
    assert rules.withdrawal_review(row, clock.day_start(date(2026, 6, 16)))
    assert not rules.withdrawal_review(row, clock.day_start(date(2026, 6, 16)) + timedelta(hours=1))
    d1 = rules.dimension_prefill(_facts(substances=(row,)))["d1"]
    assert "last use 2026-06-01 (time not asked)" in _fact(d1, "Alcohol").text


def test_no_substance_listed_reads_not_asked() -> None:
    d1 = rules.dimension_prefill(_facts())["d1"]
    first = d1.facts[0]
    assert first.text == "Substance-use history: not asked"
    assert first.unknown
    assert first.review


def test_biomedical_facts() -> None:
    row = rules.SubstanceFacts(Substance.OPIOID, route=Route.INJECTION)
    d2 = rules.dimension_prefill(
        _facts(substances=(row,), medical_problems_now=Answer.YES, medical_history="")
    )["d2"]
    assert _fact(d2, "Medical problems").review
    assert _fact(d2, "Pregnant").text == "Pregnant: not asked"
    assert _fact(d2, "Medical history").text == "Medical history: not written"
    assert _fact(d2, "Injection use").review


@pytest.mark.parametrize(
    ("exposure", "items", "text", "review", "unknown"),
    [
        (None, (None,) * 5, "PC-PTSD-5 trauma screen: not asked", False, True),
        (Answer.DECLINED, (None,) * 5, "declined to answer", False, True),
        (Answer.NO, (None,) * 5, "no trauma exposure reported (score 0 of 5)", False, False),
        (Answer.YES, (Answer.YES, None, None, None, None), "1 of 5 items answered", True, True),
        (Answer.YES, (Answer.YES,) * 2 + (Answer.NO,) * 3, "score 2 of 5, below", False, False),
        (
            Answer.YES,
            (Answer.YES,) * 3 + (Answer.NO,) * 2,
            "score 3 of 5, at or above",
            True,
            False,
        ),
    ],
)
def test_the_trauma_screen_on_dimension_3(
    exposure: Answer | None,
    items: tuple[Answer | None, ...],
    text: str,
    review: bool,
    unknown: bool,
) -> None:
    d3 = rules.dimension_prefill(_facts(trauma_exposure=exposure, ptsd_items=items))["d3"]
    fact = _fact(d3, "PC-PTSD-5")
    assert text in fact.text
    assert (fact.review, fact.unknown) == (review, unknown)


def test_psychiatric_history_on_dimension_3() -> None:
    d3 = rules.dimension_prefill(
        _facts(
            psychiatric_diagnoses="Major depressive disorder, recurrent",
            psychiatric_hospitalizations=Answer.YES,
        )
    )["d3"]
    assert "Major depressive disorder" in _fact(d3, "Psychiatric diagnoses").text
    assert _fact(d3, "Psychiatric hospitalizations").review
    assert _fact(d3, "Psychiatric medications").unknown


def test_housing_and_legal_on_dimension_6() -> None:
    d6 = rules.dimension_prefill(
        _facts(
            housing=Housing.HOMELESS,
            others_use_at_home=Answer.YES,
            probation_or_parole=Answer.YES,
            employment=Employment.UNEMPLOYED,
        )
    )["d6"]
    assert _fact(d6, "Living arrangement").review
    assert _fact(d6, "Others at home").review
    assert _fact(d6, "On probation or parole").text.endswith(": yes")
    assert "Unemployed" in _fact(d6, "Employment").text
    unknown = rules.dimension_prefill(_facts())["d6"]
    assert _fact(unknown, "Living arrangement").text == "Living arrangement: not asked"
    assert _fact(unknown, "Employment").text == "Employment: not asked"


def test_long_text_is_cut_to_an_excerpt() -> None:
    d4 = rules.dimension_prefill(_facts(client_goals="word " * 200))["d4"]
    text = _fact(d4, "What the client wants").text
    assert text.endswith("…")
    assert len(text) < rules.EXCERPT + 60


# ---- properties ---------------------------------------------------------------------------

substance_facts = st.builds(
    rules.SubstanceFacts,
    substance=st.sampled_from(list(Substance)),
    other_name=st.just("kratom"),
    route=st.one_of(st.none(), st.sampled_from(list(Route))),
    frequency=st.one_of(st.none(), st.sampled_from(list(Frequency))),
    last_use_on=st.none(),
    last_use_at=st.one_of(
        st.none(),
        st.integers(min_value=0, max_value=24 * 60).map(lambda h: INTERVIEW - timedelta(hours=h)),
    ),
)
intake_facts = st.builds(
    rules.IntakeFacts,
    interviewed_at=st.just(INTERVIEW),
    substances=st.lists(substance_facts, max_size=4).map(tuple),
    withdrawal_complications=ANSWERS,
    on_medication_for_sud=ANSWERS,
    prior_treatment=ANSWERS,
    medical_problems_now=ANSWERS,
    pregnant=ANSWERS,
    medical_history=st.sampled_from(["", "Hypertension"]),
    psychiatric_hospitalizations=ANSWERS,
    trauma_exposure=ANSWERS,
    ptsd_items=st.lists(ANSWERS, min_size=5, max_size=5).map(tuple),
    housing=st.one_of(st.none(), st.sampled_from(list(Housing))),
    others_use_at_home=ANSWERS,
    probation_or_parole=ANSWERS,
    employment=st.one_of(st.none(), st.sampled_from(list(Employment))),
)


@given(intake_facts)
def test_an_unknown_fact_says_so_in_words(facts: rules.IntakeFacts) -> None:
    for prefill in rules.dimension_prefill(facts).values():
        assert len(prefill.facts) >= 1
        for fact in prefill.facts:
            if fact.unknown:
                assert any(word in fact.text for word in UNKNOWN_WORDS), fact.text


@given(intake_facts)
def test_a_question_not_asked_never_reads_as_no(facts: rules.IntakeFacts) -> None:
    """With every yes/no question unanswered, no fact says "no" or "none"."""
    blank = rules.IntakeFacts(interviewed_at=facts.interviewed_at, substances=facts.substances)
    for prefill in rules.dimension_prefill(blank).values():
        for fact in prefill.facts:
            assert not re.search(r":\s*(no|none)\b", fact.text, re.IGNORECASE), fact.text


@given(substance_facts, st.integers(min_value=0, max_value=40 * 24))
def test_withdrawal_review_follows_the_window(row: rules.SubstanceFacts, hours: int) -> None:
    moved = rules.SubstanceFacts(
        row.substance, last_use_at=INTERVIEW - timedelta(hours=hours), last_use_on=None
    )
    expected = (
        row.substance in rules.WITHDRAWAL_CLASSES
        and timedelta(hours=hours) <= rules.WITHDRAWAL_REVIEW_WINDOW
    )
    assert rules.withdrawal_review(moved, INTERVIEW) is expected
    unknown = rules.SubstanceFacts(row.substance)
    assert rules.withdrawal_review(unknown, INTERVIEW) is (
        row.substance in rules.WITHDRAWAL_CLASSES
    )
