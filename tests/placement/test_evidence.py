"""Instrument results summarized for the placement engine: every result on the chart inside
its instrument's look-back window counts (issue 11, finding 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.assessments.rules import CssrsRisk
from stepdown.placement.evidence import LOOK_BACK, Result, in_window, summarize

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
EARLY = NOW - timedelta(days=10)
LATE = NOW - timedelta(days=2)


def test_latest_total_counts_but_an_earlier_warning_is_not_cancelled() -> None:
    summary = summarize(
        [
            Result("phq9", 22, "severe", frozenset({"phq9_item9_positive"}), EARLY),
            Result("phq9", 8, "mild", frozenset(), LATE),
            Result("audit", 17, "zone III", frozenset(), LATE),
            Result("dast10", 7, "substantial", frozenset(), EARLY),
            Result("cssrs", None, "high", frozenset({"cssrs_high"}), EARLY),
            Result("cssrs", None, "low", frozenset(), LATE),
        ],
        as_of=NOW,
    )
    assert summary.phq9_total == 8
    assert summary.phq9_item9_positive is True  # a later calm PHQ-9 does not cancel it
    assert summary.audit_zone == 3
    assert summary.dast10_band == "substantial"
    assert summary.cssrs_risk is CssrsRisk.HIGH  # the highest in the month counts


def test_results_outside_their_windows_or_after_the_day_do_not_count() -> None:
    summary = summarize(
        [
            Result("phq9", 22, "severe", frozenset({"phq9_item9_positive"}), NOW - timedelta(15)),
            Result("cssrs", None, "high", frozenset(), NOW - timedelta(days=31)),
            Result("audit", 30, "zone IV", frozenset(), NOW - timedelta(days=366)),
            Result("dast10", 9, "severe", frozenset(), NOW + timedelta(hours=1)),
        ],
        as_of=NOW,
    )
    assert summary == summarize([], as_of=NOW)


def test_nothing_on_the_chart_means_nothing_known() -> None:
    summary = summarize([], as_of=NOW)
    assert summary.phq9_total is None
    assert summary.phq9_item9_positive is False
    assert summary.audit_zone is None
    assert summary.cssrs_risk is None


@given(
    code=st.sampled_from(sorted(LOOK_BACK)),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_a_result_counts_exactly_inside_its_window(code: str, age: timedelta) -> None:
    result = Result(code, 1, None, frozenset(), NOW - age)
    assert in_window(result, NOW) == (age <= LOOK_BACK[code])
