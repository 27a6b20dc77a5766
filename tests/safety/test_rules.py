"""The safety gate as a pure function: what makes suicide risk live, what resolves it.

Sources: Columbia C-SSRS triage (intent or plan over the past month, behaviour over 3
months: high risk), Kroenke 2001 (PHQ-9 two-week recall; item 9 needs same-day follow-up),
SAMHSA SAFE-T (risk formulation and disposition), Stanley & Brown 2012 (the safety plan).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.safety.rules import (
    AssessmentFacts,
    CssrsResult,
    Disposition,
    GateState,
    OpenAlert,
    Phq9Result,
    RiskLevel,
    evaluate,
    plan_gaps,
)

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def cssrs(*answers: int, at: datetime) -> CssrsResult:
    return CssrsResult("c", answers, at)


def assessed(
    at: datetime,
    disposition: Disposition = Disposition.OUTPATIENT_WITH_PLAN,
    *,
    plan: bool = True,
) -> AssessmentFacts:
    return AssessmentFacts("a", at, RiskLevel.MODERATE, disposition, plan)


def alert(at: datetime, severity: str = "urgent") -> OpenAlert:
    return OpenAlert("x", "phq9_item9", severity, "PHQ-9 item 9 answered 1", at)


class TestWhatMakesRiskLive:
    def test_nothing_recorded_is_clear(self) -> None:
        assert evaluate(as_of=NOW).state is GateState.CLEAR

    def test_intent_or_plan_in_the_past_month_is_a_crisis_referral(self) -> None:
        for answers in ((1, 1, 1, 1, 0, 0), (1, 1, 1, 0, 1, 0)):
            status = evaluate(as_of=NOW, cssrs=[cssrs(*answers, at=days_ago(29))])
            assert status.state is GateState.CRISIS_REFERRAL
        old = evaluate(as_of=NOW, cssrs=[cssrs(1, 1, 1, 1, 1, 0, at=days_ago(31))])
        assert old.state is GateState.CLEAR

    def test_behaviour_counts_for_three_months_not_28_days(self) -> None:
        """Issue 11, finding 3: Columbia counts suicidal behaviour over 3 months."""
        recent = evaluate(as_of=NOW, cssrs=[cssrs(0, 0, 0, 0, 0, 2, at=days_ago(60))])
        assert recent.state is GateState.CRISIS_REFERRAL
        assert "behaviour" in recent.reasons[0].sentence
        gone = evaluate(as_of=NOW, cssrs=[cssrs(0, 0, 0, 0, 0, 2, at=days_ago(93))])
        assert gone.state is GateState.CLEAR
        long_ago = evaluate(as_of=NOW, cssrs=[cssrs(0, 0, 0, 0, 0, 1, at=days_ago(1))])
        assert long_ago.state is GateState.CLEAR  # behaviour over 3 months before: the alert's

    def test_a_later_calm_phq9_does_not_cancel_item_9(self) -> None:
        """Issue 11, finding 3: a later item 9 = 0 used to cancel a positive 3 days earlier."""
        status = evaluate(
            as_of=NOW,
            phq9=[Phq9Result("p1", 1, days_ago(3)), Phq9Result("p2", 0, days_ago(1))],
        )
        assert status.state is GateState.ASSESSMENT_REQUIRED
        assert evaluate(as_of=NOW, phq9=[Phq9Result("p", 2, days_ago(15))]).state is (
            GateState.CLEAR
        )

    def test_an_open_urgent_or_high_alert_holds_until_acknowledged(self) -> None:
        assert evaluate(as_of=NOW, open_alerts=[alert(days_ago(40))]).live
        assert evaluate(as_of=NOW, open_alerts=[alert(days_ago(1), "high")]).live
        assert not evaluate(as_of=NOW, open_alerts=[alert(days_ago(1), "routine")]).live
        after = evaluate(
            as_of=NOW, open_alerts=[alert(days_ago(2))], assessments=[assessed(days_ago(1))]
        )
        assert after.state is GateState.ASSESSMENT_REQUIRED
        assert after.open_alert_ids == ("x",)

    def test_findings_after_the_day_are_not_read(self) -> None:
        later = NOW + timedelta(hours=1)
        assert not evaluate(as_of=NOW, cssrs=[cssrs(1, 1, 1, 1, 1, 2, at=later)]).live


class TestWhatResolvesIt:
    def test_a_safety_assessment_after_the_finding_with_a_plan_clears(self) -> None:
        status = evaluate(
            as_of=NOW,
            cssrs=[cssrs(1, 1, 1, 1, 0, 0, at=days_ago(2))],
            assessments=[assessed(days_ago(1))],
        )
        assert status.state is GateState.CLEAR
        assert status.reasons[0].rule_id == "SAFETY-ASSESSED"

    def test_an_assessment_before_the_finding_does_not(self) -> None:
        status = evaluate(
            as_of=NOW,
            phq9=[Phq9Result("p", 1, days_ago(1))],
            assessments=[assessed(days_ago(2))],
        )
        assert status.state is GateState.ASSESSMENT_REQUIRED

    def test_outpatient_without_a_plan_still_holds(self) -> None:
        status = evaluate(
            as_of=NOW,
            phq9=[Phq9Result("p", 1, days_ago(2))],
            assessments=[assessed(days_ago(1), plan=False)],
        )
        assert status.state is GateState.ASSESSMENT_REQUIRED
        assert status.reasons[-1].rule_id == "SAFETY-PLAN-MISSING"

    def test_sent_out_keeps_in_house_care_closed_for_a_month(self) -> None:
        finding = [cssrs(1, 1, 1, 1, 0, 0, at=days_ago(2))]
        sent = [assessed(days_ago(1), Disposition.PSYCHIATRIC_INPATIENT, plan=False)]
        status = evaluate(as_of=NOW, cssrs=finding, assessments=sent)
        assert status.state is GateState.HOSPITAL
        back = [*sent, assessed(NOW - timedelta(hours=1))]
        assert evaluate(as_of=NOW, cssrs=finding, assessments=back).state is GateState.CLEAR


@given(
    ages=st.lists(st.floats(min_value=0, max_value=120), max_size=4),
    answers=st.lists(
        st.tuples(*(st.integers(0, 1) for _ in range(5)), st.integers(0, 2)), max_size=4
    ),
    item9=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 30)), max_size=3),
    alert_ages=st.lists(st.floats(0, 60), max_size=2),
)
def test_more_findings_never_clear_the_gate(
    ages: list[float],
    answers: list[tuple[int, ...]],
    item9: list[tuple[int, float]],
    alert_ages: list[float],
) -> None:
    """Adding a finding (a result or an open alert) never turns a live gate clear."""
    screens = [cssrs(*a, at=days_ago(age)) for a, age in zip(answers, ages, strict=False)]
    phq9 = [Phq9Result(f"p{i}", v, days_ago(age)) for i, (v, age) in enumerate(item9)]
    alerts = [alert(days_ago(age)) for age in alert_ages]
    base = evaluate(as_of=NOW, cssrs=screens[:-1], phq9=phq9, open_alerts=alerts)
    more = evaluate(as_of=NOW, cssrs=screens, phq9=phq9, open_alerts=alerts)
    if base.live:
        assert more.live


def test_a_plan_needs_the_steps_that_carry_it() -> None:
    full = {
        "warning_signs": ["Not sleeping"],
        "coping_strategies": ["Walk the dog"],
        "people_to_ask": ["My sister"],
        "making_safe": ["Medications kept by my sister"],
    }
    assert plan_gaps(full) == []
    assert plan_gaps({**full, "people_to_ask": [], "distractions": ["The gym"]}) == []
    assert plan_gaps({**full, "making_safe": []}) == ["making_safe"]
    assert plan_gaps({}) == ["warning_signs", "coping_strategies", "making_safe", "people_to_ask"]
