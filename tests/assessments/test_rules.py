"""Scoring rules checked against their sources, at every cut-off, and over all valid answers.

The manuals give scoring rules and interpretation tables rather than filled-in forms, so the
worked examples below are answer sets scored by hand with the cited rule.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.assessments.rules import (
    AUDIT,
    AUDIT_C,
    BAM,
    CSSRS,
    DAST10,
    GAD7,
    INSTRUMENTS,
    PHQ9,
    InstrumentError,
    InstrumentSpec,
    Sex,
    instrument,
    score,
    score_audit,
    score_audit_c,
    score_bam,
    score_cssrs_screener,
    score_dast10,
    score_gad7,
    score_phq9,
)
from stepdown.kit.errors import Invalid

SUMMED = (PHQ9, GAD7, AUDIT, AUDIT_C, DAST10)


def answers_for(spec: InstrumentSpec, total: int) -> list[int | None]:
    """Raw answers whose score is ``total``: largest allowed value first, item by item."""
    if spec is DAST10:
        # Item 3 scores its "no" (0); every other item its "yes" (1).
        points = [1 if n < total else 0 for n in range(10)]
        return [points[i] if i != 2 else 1 - points[i] for i in range(10)]
    answers: list[int | None] = []
    remaining = total
    for item in spec.items:
        value = max(a for a in item.allowed if a <= remaining)
        answers.append(value)
        remaining -= value
    assert remaining == 0
    return answers


def scored(spec: InstrumentSpec, answers: list[int | None]) -> str | None:
    return score(spec.code, answers, sex=Sex.MALE).band


class TestWorkedExamples:
    def test_phq9_moderate(self) -> None:
        """Kroenke 2001: 3+3+2+2+1+1+1+0+0 = 13, in 10-14 = moderate; >= 10 screens positive."""
        result = score_phq9([3, 3, 2, 2, 1, 1, 1, 0, 0])
        assert (result.total, result.band) == (13, "moderate")
        assert result.flags == {"phq9_screen_positive"}
        assert not result.safety_alert

    def test_phq9_item9_alerts_whatever_the_total(self) -> None:
        """Any item 9 answer above 0 needs same-day follow-up, even at a minimal total of 1."""
        result = score_phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])
        assert (result.total, result.band) == (1, "minimal")
        assert result.flags == {"phq9_item9_positive"}
        assert result.safety_alert

    def test_gad7_mild(self) -> None:
        """Spitzer 2006: 1+1+1+1+0+1+2 = 7, in 5-9 = mild; below the cut point of 10."""
        result = score_gad7([1, 1, 1, 1, 0, 1, 2])
        assert (result.total, result.band, result.flags) == (7, "mild", frozenset())

    def test_audit_zone_i_with_harm_item(self) -> None:
        """Babor 2001: monthly drinking (2), 3-4 drinks (1), binge less than monthly (1),
        items 4-8 never, no injury (0), concern raised but not last year (2) = 6, zone I."""
        result = score_audit([2, 1, 1, 0, 0, 0, 0, 0, 0, 2])
        assert (result.total, result.band, result.flags) == (6, "zone I", frozenset())

    def test_audit_zone_iii_next_level(self) -> None:
        """Babor 2001: 4+3+3+1+1+1+2+1+0+0 = 16 is zone III (brief counselling), and items 4-6
        summing to 2 or more call for the next level of intervention."""
        result = score_audit([4, 3, 3, 1, 1, 1, 2, 1, 0, 0])
        assert (result.total, result.band) == (16, "zone III")
        assert result.flags == {"audit_next_level_of_intervention"}

    def test_audit_injury_last_year_raises_next_level(self) -> None:
        """Babor 2001: a 4 on question 9 or 10 calls for the next level, in any zone."""
        assert score_audit([1, 0, 0, 0, 0, 0, 0, 0, 4, 0]).flags == {
            "audit_next_level_of_intervention"
        }
        assert score_audit([1, 0, 0, 0, 0, 0, 0, 0, 2, 2]).flags == frozenset()

    @pytest.mark.parametrize(("sex", "band"), [(Sex.MALE, "negative"), (Sex.FEMALE, "positive")])
    def test_audit_c_same_answers_differ_by_sex(self, sex: Sex, band: str) -> None:
        """Bradley 2007: a total of 3 is positive for women (>= 3), negative for men (>= 4)."""
        assert score_audit_c([1, 1, 1], sex).band == band

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "none"),
            (1, "low"),
            (2, "low"),
            (3, "moderate"),
            (4, "moderate"),
            (5, "moderate"),
            (6, "substantial"),
            (7, "substantial"),
            (8, "substantial"),
            (9, "severe"),
            (10, "severe"),
        ],
    )
    def test_dast10_every_score(self, total: int, band: str) -> None:
        """Skinner 1982, as tabulated in NIDA CDE 3254089: each score 0-10 and its level."""
        result = score_dast10(answers_for(DAST10, total))
        assert (result.total, result.band) == (total, band)

    def test_dast10_item3_is_keyed_for_no(self) -> None:
        """Skinner 1982: "always able to stop" answered "no" scores; answered "yes" does not."""
        assert score_dast10([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).total == 1
        assert score_dast10([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).total == 0

    def test_bam_subscales(self) -> None:
        """Cacciola 2013 / VA BAM scoring: Use = 4+5+6, Risk = 1+2+3+8+11+15,
        Protective = 9+10+12+13+14+16; item 17 is on no subscale and no total is used."""
        #       1  2  3  4  5  6  8  9 10 11 12 13 14 15 16 17
        bam = [2, 3, 1, 2, 1, 0, 2, 3, 1, 1, 2, 3, 4, 1, 2, 4]
        result = score_bam(bam)
        assert result.subscales == {"use": 3, "risk": 10, "protective": 15}
        assert (result.total, result.band) == (None, None)

    @pytest.mark.parametrize(
        ("answers", "risk"),
        [
            ([0, 0, 0, 0, 0, 0], "none"),
            ([1, 0, 0, 0, 0, 0], "low"),
            ([1, 1, 0, 0, 0, 0], "low"),
            ([1, 1, 1, 0, 0, 0], "moderate"),
            ([0, 0, 0, 0, 0, 1], "moderate"),
            ([1, 1, 1, 1, 0, 0], "high"),
            ([1, 1, 1, 0, 1, 0], "high"),
            ([0, 0, 0, 0, 0, 2], "high"),
        ],
        ids=[
            "all-no",
            "wish-dead-only",
            "thoughts-only",
            "method",
            "behaviour-over-3-months",
            "intent",
            "plan",
            "behaviour-past-3-months",
        ],
    )
    def test_cssrs_triage(self, answers: list[int | None], risk: str) -> None:
        """Columbia triage: yes to 4 or 5, or behaviour in the past 3 months, is high; yes to
        3 or older behaviour moderate; yes to 1-2 only low (low/moderate split from secondary
        summaries of the screener's triage colours)."""
        result = score_cssrs_screener(answers)
        assert result.band == risk
        assert result.safety_alert is (risk == "high")
        assert ("cssrs_high" in result.flags) is (risk == "high")

    def test_cssrs_records_a_yes_the_skip_pattern_would_skip(self) -> None:
        """A "yes" to 4 after "no" to 2 is still high risk: risk is never dropped."""
        assert score_cssrs_screener([0, 0, 0, 1, 0, 0]).band == "high"


BOUNDARIES = [
    # Kroenke 2001: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe
    *[
        (PHQ9, t, b)
        for t, b in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately severe"),
            (19, "moderately severe"),
            (20, "severe"),
            (27, "severe"),
        ]
    ],
    # Spitzer 2006: 5 / 10 / 15 = mild / moderate / severe
    *[
        (GAD7, t, b)
        for t, b in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ]
    ],
    # Babor 2001: zones I 0-7, II 8-15, III 16-19, IV 20-40
    *[
        (AUDIT, t, b)
        for t, b in [
            (0, "zone I"),
            (7, "zone I"),
            (8, "zone II"),
            (15, "zone II"),
            (16, "zone III"),
            (19, "zone III"),
            (20, "zone IV"),
            (40, "zone IV"),
        ]
    ],
    # Bush 1998 / Bradley 2007 (men): positive at 4 or more
    *[
        (AUDIT_C, t, b)
        for t, b in [(0, "negative"), (3, "negative"), (4, "positive"), (12, "positive")]
    ],
    # Skinner 1982: 0 none, 1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe
    *[
        (DAST10, t, b)
        for t, b in [
            (0, "none"),
            (1, "low"),
            (2, "low"),
            (3, "moderate"),
            (5, "moderate"),
            (6, "substantial"),
            (8, "substantial"),
            (9, "severe"),
            (10, "severe"),
        ]
    ],
]


@pytest.mark.parametrize(
    ("spec", "total", "band"), BOUNDARIES, ids=[f"{s.code}-{t}" for s, t, _ in BOUNDARIES]
)
def test_band_on_both_sides_of_every_cut_off(spec: InstrumentSpec, total: int, band: str) -> None:
    """Each source's cut-offs (cited in BOUNDARIES), at and either side of the boundary."""
    answers = answers_for(spec, total)
    assert score(spec.code, answers, sex=Sex.MALE).total == total
    assert scored(spec, answers) == band


@pytest.mark.parametrize(("total", "band"), [(0, "negative"), (2, "negative"), (3, "positive")])
def test_audit_c_cut_off_for_women(total: int, band: str) -> None:
    """Bradley 2007: women screen positive at 3 or more."""
    assert score_audit_c(answers_for(AUDIT_C, total), Sex.FEMALE).band == band


@pytest.mark.parametrize(
    ("spec", "below", "at", "flag"),
    [(PHQ9, 9, 10, "phq9_screen_positive"), (GAD7, 9, 10, "gad7_screen_positive")],
)
def test_screen_positive_cut_point(spec: InstrumentSpec, below: int, at: int, flag: str) -> None:
    """Kroenke 2001 (PHQ-9) and Spitzer 2006 (GAD-7): 10 or more screens positive. Answers
    fill item 1 first, so item 9 of the PHQ-9 stays 0 here."""
    assert flag not in score(spec.code, answers_for(spec, below)).flags
    assert flag in score(spec.code, answers_for(spec, at)).flags


def test_audit_next_level_cut_off_on_items_4_to_6() -> None:
    """Babor 2001: 1 point on items 4-6 is below the next-level rule, 2 points meets it."""
    assert score_audit([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]).flags == frozenset()
    assert score_audit([1, 0, 0, 1, 1, 0, 0, 0, 0, 0]).flags == {"audit_next_level_of_intervention"}


def _vectors(spec: InstrumentSpec) -> st.SearchStrategy[list[int | None]]:
    return st.tuples(*(st.sampled_from(item.allowed) for item in spec.items)).map(list)


@pytest.mark.parametrize("spec", SUMMED, ids=[s.code for s in SUMMED])
@given(data=st.data())
def test_any_valid_answers_score_within_range_and_bands_rise_with_total(
    spec: InstrumentSpec, data: st.DataObject
) -> None:
    """Over all valid answer vectors: the total is within the instrument's range and the
    band's rank never falls as the total rises."""
    first, second = data.draw(_vectors(spec)), data.draw(_vectors(spec))
    a, b = (score(spec.code, v, sex=Sex.FEMALE) for v in (first, second))
    assert a.total is not None
    assert b.total is not None
    low, high = spec.total_range
    assert low <= a.total <= high
    ranks = [band.label for band in spec.bands_for(Sex.FEMALE)]
    if a.total <= b.total:
        assert ranks.index(str(a.band)) <= ranks.index(str(b.band))


@given(answers=_vectors(BAM))
def test_bam_subscales_stay_within_their_ranges(answers: list[int | None]) -> None:
    """Cacciola 2013: Use 0-12, Risk 0-24, Protective 0-24, whenever the answers are valid."""
    if answers[4] is not None and answers[3] is not None and answers[4] > answers[3]:
        with pytest.raises(InstrumentError, match="item 5"):
            score_bam(answers)
        return
    subscales = score_bam(answers).subscales
    assert 0 <= subscales["use"] <= 12
    assert 0 <= subscales["risk"] <= 24
    assert 0 <= subscales["protective"] <= 24


@given(answers=_vectors(CSSRS))
def test_cssrs_always_yields_a_risk_level(answers: list[int | None]) -> None:
    result = score_cssrs_screener(answers)
    assert result.band in {"none", "low", "moderate", "high"}
    assert result.total is None


class TestRejectedAnswers:
    @pytest.mark.parametrize("spec", list(INSTRUMENTS.values()), ids=list(INSTRUMENTS))
    def test_each_missing_item_is_named(self, spec: InstrumentSpec) -> None:
        valid = [min(item.allowed) for item in spec.items]
        for position, item in enumerate(spec.items):
            answers: list[int | None] = list(valid)
            answers[position] = None
            with pytest.raises(InstrumentError, match=rf"^item {item.number}: missing$"):
                score(spec.code, answers, sex=Sex.MALE)

    def test_short_answer_list_names_the_first_missing_item(self) -> None:
        with pytest.raises(InstrumentError, match=r"^item 9: missing$"):
            score_phq9([0] * 8)

    def test_out_of_range_names_item_and_allowed_values(self) -> None:
        with pytest.raises(InstrumentError, match=r"^item 3: 5 is not one of 0, 1, 2, 3$"):
            score_phq9([0, 0, 5, 0, 0, 0, 0, 0, 0])

    def test_negative_answer_rejected(self) -> None:
        with pytest.raises(InstrumentError, match=r"^item 1: -1 is not one of"):
            score_gad7([-1, 0, 0, 0, 0, 0, 0])

    def test_audit_harm_items_take_only_0_2_4(self) -> None:
        """Babor 2001: items 9 and 10 are scored 0, 2 or 4 only."""
        with pytest.raises(InstrumentError, match=r"^item 10: 1 is not one of 0, 2, 4$"):
            score_audit([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])

    def test_bam_item_numbers_skip_item_7(self) -> None:
        """Item 7 elaborates item 6 and is not asked, so the 7th answer is item 8."""
        answers: list[int | None] = [0] * 16
        answers[6] = 9
        with pytest.raises(InstrumentError, match=r"^item 8: 9 is not one of"):
            score_bam(answers)

    def test_bam_heavy_drinking_cannot_exceed_drinking_days(self) -> None:
        answers: list[int | None] = [0] * 16
        answers[4] = 1
        with pytest.raises(InstrumentError, match=r"^item 5:"):
            score_bam(answers)

    def test_too_many_answers(self) -> None:
        with pytest.raises(InstrumentError, match="GAD-7 has 7 items, got 8 answers"):
            score_gad7([0] * 8)

    def test_error_is_a_value_error_and_a_422(self) -> None:
        with pytest.raises(ValueError, match="item 1") as caught:
            score_gad7([])
        assert isinstance(caught.value, Invalid)
        assert caught.value.field == "item 1"


class TestRegistry:
    @pytest.mark.parametrize(
        ("code", "count", "total_range"),
        [
            ("phq9", 9, (0, 27)),
            ("gad7", 7, (0, 21)),
            ("audit", 10, (0, 40)),
            ("auditc", 3, (0, 12)),
            ("dast10", 10, (0, 10)),
        ],
    )
    def test_item_counts_and_ranges(
        self, code: str, count: int, total_range: tuple[int, int]
    ) -> None:
        """Item counts and totals as in each source (Kroenke, Spitzer, Babor, Bush, Skinner)."""
        spec = INSTRUMENTS[code]
        assert (spec.item_count, spec.total_range) == (count, total_range)

    @pytest.mark.parametrize("spec", SUMMED, ids=[s.code for s in SUMMED])
    def test_bands_cover_the_range_without_gaps(self, spec: InstrumentSpec) -> None:
        for sex in Sex:
            bands = spec.bands_for(sex)
            assert bands[0].low == spec.total_range[0]
            assert bands[-1].high == spec.total_range[1]
            assert all(b.low == a.high + 1 for a, b in itertools.pairwise(bands))

    def test_bam_and_cssrs_shape(self) -> None:
        """BAM: 17 numbered items less item 7; C-SSRS screener: six questions."""
        assert [i.number for i in BAM.items] == [str(n) for n in range(1, 18) if n != 7]
        assert set(BAM.subscales) == {"use", "risk", "protective"}
        assert CSSRS.item_count == 6

    def test_loinc_codes(self) -> None:
        assert (PHQ9.loinc_panel, PHQ9.loinc_total) == ("44249-1", "44261-6")
        assert (GAD7.loinc_panel, GAD7.loinc_total) == ("69737-5", "70274-6")
        assert (AUDIT_C.loinc_panel, AUDIT_C.loinc_total) == ("72109-2", "75626-2")

    @pytest.mark.parametrize("name", ["PHQ-9", "phq9", "Phq_9"])
    def test_printed_names_find_the_instrument(self, name: str) -> None:
        assert instrument(name) is PHQ9

    def test_c_ssrs_and_audit_c_spellings(self) -> None:
        assert instrument("C-SSRS") is CSSRS
        assert instrument("AUDIT-C") is AUDIT_C

    def test_unknown_instrument(self) -> None:
        with pytest.raises(InstrumentError, match="unknown instrument 'beck'"):
            score("beck", [0])

    def test_audit_c_needs_sex(self) -> None:
        with pytest.raises(InstrumentError, match=r"^sex: missing"):
            score("audit-c", [1, 1, 1])
