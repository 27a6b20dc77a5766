"""Instrument results summarized for the placement engine: the latest of each counts."""

from __future__ import annotations

from datetime import UTC, datetime

from stepdown.assessments.rules import CssrsRisk
from stepdown.placement.evidence import Result, summarize

EARLY = datetime(2026, 10, 1, tzinfo=UTC)
LATE = datetime(2026, 11, 1, tzinfo=UTC)


def test_latest_result_of_each_instrument_counts() -> None:
    summary = summarize(
        [
            Result("phq9", 22, "severe", frozenset({"phq9_item9_positive"}), EARLY),
            Result("phq9", 8, "mild", frozenset(), LATE),
            Result("audit", 17, "zone III", frozenset(), LATE),
            Result("dast10", 7, "substantial", frozenset(), EARLY),
            Result("cssrs", None, "moderate", frozenset(), LATE),
        ]
    )
    assert summary.phq9_total == 8
    assert summary.phq9_item9_positive is False
    assert summary.audit_zone == 3
    assert summary.dast10_band == "substantial"
    assert summary.cssrs_risk is CssrsRisk.MODERATE


def test_nothing_attached_means_nothing_known() -> None:
    summary = summarize([])
    assert summary.phq9_total is None
    assert summary.audit_zone is None
    assert summary.cssrs_risk is None
