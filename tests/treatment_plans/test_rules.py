"""Review dates, objective status transitions, completeness for signing, what signing freezes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.kit.errors import Conflict, Invalid
from stepdown.treatment_plans import rules
from stepdown.treatment_plans.models import ObjectiveStatus, PlanStatus

S = ObjectiveStatus
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
intervals = st.integers(rules.MIN_REVIEW_INTERVAL_DAYS, rules.MAX_REVIEW_INTERVAL_DAYS)


class TestReviewDates:
    @given(start=days, interval=intervals)
    def test_first_review_is_one_interval_after_the_start(self, start: date, interval: int) -> None:
        due = rules.next_review_due(started_on=start, last_review_on=None, interval_days=interval)
        assert (due - start).days == interval

    @given(start=days, gap=st.integers(0, 400), interval=intervals)
    def test_a_review_restarts_the_clock(self, start: date, gap: int, interval: int) -> None:
        reviewed = start + timedelta(days=gap)
        due = rules.next_review_due(
            started_on=start, last_review_on=reviewed, interval_days=interval
        )
        assert due == reviewed + timedelta(days=interval)
        assert due > reviewed

    @given(due=days, offset=st.integers(-400, 400))
    def test_overdue_only_after_the_due_day(self, due: date, offset: int) -> None:
        now = due + timedelta(days=offset)
        assert rules.is_overdue(due, now) is (offset > 0)
        assert rules.days_overdue(due, now) == max(offset, 0)

    def test_no_due_date_is_never_overdue(self) -> None:
        assert not rules.is_overdue(None, date(2026, 1, 1))

    @pytest.mark.parametrize("bad", [0, 6, 91, -30])
    def test_interval_bounds(self, bad: int) -> None:
        with pytest.raises(Invalid) as exc:
            rules.validate_interval(bad)
        assert exc.value.field == "review_interval_days"
        assert rules.validate_interval(30) == 30


class TestTransitions:
    @given(current=st.sampled_from(S), new=st.sampled_from(S))
    def test_allowed_exactly_per_table(self, current: S, new: S) -> None:
        allowed = new in rules.TRANSITIONS[current]
        if allowed:
            rules.check_transition(current, new)
        else:
            with pytest.raises(Conflict) as exc:
                rules.check_transition(current, new)
            assert exc.value.rule in (
                "objective.status_unchanged",
                "objective.transition_not_allowed",
            )

    def test_the_chosen_table(self) -> None:
        assert rules.TRANSITIONS[S.DISCONTINUED] == frozenset()
        assert rules.TRANSITIONS[S.MET] == {S.REVISED}
        assert all(S.NOT_STARTED not in targets for targets in rules.TRANSITIONS.values())
        assert all(current not in targets for current, targets in rules.TRANSITIONS.items())

    @given(path=st.lists(st.sampled_from(S), max_size=8))
    def test_no_walk_leaves_a_final_status(self, path: list[S]) -> None:
        status = S.NOT_STARTED
        for new in path:
            if new in rules.TRANSITIONS[status]:
                assert status is not S.DISCONTINUED
                status = new

    def test_change_dates(self) -> None:
        today = date(2026, 11, 30)
        rules.check_change_date(today, today=today, effective_on=today, last_change_on=today)
        for changed_on, message in (
            (today + timedelta(days=1), "future"),
            (today - timedelta(days=5), "took effect"),
        ):
            with pytest.raises(Invalid, match=message):
                rules.check_change_date(
                    changed_on,
                    today=today,
                    effective_on=today - timedelta(days=2),
                    last_change_on=None,
                )
        with pytest.raises(Invalid, match="last change"):
            rules.check_change_date(
                today - timedelta(days=1),
                today=today,
                effective_on=None,
                last_change_on=today,
            )

    def test_review_dates(self) -> None:
        today = date(2026, 11, 30)
        with pytest.raises(Invalid) as exc:
            rules.check_review_date(
                today - timedelta(days=3),
                today=today,
                effective_on=today - timedelta(days=40),
                last_review_on=today - timedelta(days=2),
            )
        assert exc.value.field == "reviewed_on"


class TestSigning:
    def test_an_empty_plan_lists_every_gap(self) -> None:
        assert rules.signing_gaps([], 0) == [
            "add at least one problem",
            "add at least one intervention",
        ]

    def test_every_problem_needs_a_goal_and_every_goal_an_objective(self) -> None:
        shapes = [
            rules.ProblemShape((rules.GoalShape(1),)),
            rules.ProblemShape(()),
            rules.ProblemShape((rules.GoalShape(2), rules.GoalShape(0))),
        ]
        assert rules.signing_gaps(shapes, 1) == [
            "problem 2 needs a goal in the client's words",
            "goal 3.2 needs a measurable objective with a target date",
        ]

    @given(
        objective_counts=st.lists(
            st.lists(st.integers(0, 3), min_size=0, max_size=3), min_size=0, max_size=4
        ),
        interventions=st.integers(0, 3),
    )
    def test_complete_exactly_when_nothing_is_missing(
        self, objective_counts: list[list[int]], interventions: int
    ) -> None:
        shapes = [
            rules.ProblemShape(tuple(rules.GoalShape(n) for n in goals))
            for goals in objective_counts
        ]
        complete = (
            bool(objective_counts)
            and all(goals and all(n > 0 for n in goals) for goals in objective_counts)
            and interventions > 0
        )
        assert (rules.signing_gaps(shapes, interventions) == []) is complete

    @pytest.mark.parametrize(
        ("status", "clinician_signed"),
        [(PlanStatus.ACTIVE, True), (PlanStatus.SUPERSEDED, True), (PlanStatus.DRAFT, True)],
    )
    def test_signed_content_is_frozen(self, status: PlanStatus, clinician_signed: bool) -> None:
        with pytest.raises(Conflict) as exc:
            rules.check_editable(status, clinician_signed=clinician_signed)
        assert exc.value.rule == "plan.signed_is_frozen"

    def test_an_unsigned_draft_is_editable(self) -> None:
        rules.check_editable(PlanStatus.DRAFT, clinician_signed=False)

    def test_targets_are_not_in_the_past(self) -> None:
        today = date(2026, 11, 30)
        rules.check_target_date(today, today=today)
        with pytest.raises(Invalid) as exc:
            rules.check_target_date(today - timedelta(days=1), today=today)
        assert exc.value.field == "target_date"
