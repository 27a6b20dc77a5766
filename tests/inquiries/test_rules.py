"""The pipeline's status table: every allowed and refused move, and what each target needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.inquiries import rules
from stepdown.inquiries.rules import InquiryStatus as S
from stepdown.inquiries.rules import MoveDetails

ALLOWED = {
    (S.NEW, S.CONTACTED),
    (S.NEW, S.REFERRED_OUT),
    (S.NEW, S.DECLINED),
    (S.NEW, S.LOST),
    (S.CONTACTED, S.ASSESSMENT_SCHEDULED),
    (S.CONTACTED, S.ADMITTED),
    (S.CONTACTED, S.REFERRED_OUT),
    (S.CONTACTED, S.DECLINED),
    (S.CONTACTED, S.LOST),
    (S.ASSESSMENT_SCHEDULED, S.CONTACTED),
    (S.ASSESSMENT_SCHEDULED, S.ADMITTED),
    (S.ASSESSMENT_SCHEDULED, S.REFERRED_OUT),
    (S.ASSESSMENT_SCHEDULED, S.DECLINED),
    (S.ASSESSMENT_SCHEDULED, S.LOST),
}
EVERY_PAIR = list(itertools.product(S, S))
REFUSED = [pair for pair in EVERY_PAIR if pair not in ALLOWED]
AT = datetime(2026, 12, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_move(current: S, target: S) -> None:
    assert rules.transition_refusal(current, target) is None
    assert target in rules.allowed_moves(current)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_move_says_why(current: S, target: S) -> None:
    refusal = rules.transition_refusal(current, target)
    assert refusal is not None
    assert refusal.field == "to_status"
    assert current.label.lower() in refusal.message
    assert target not in rules.allowed_moves(current)


def test_refusal_lists_the_moves_that_are_possible() -> None:
    refusal = rules.transition_refusal(S.NEW, S.ADMITTED)
    assert refusal is not None
    assert refusal.message == (
        "An inquiry that is new cannot move to admitted; it can move to: contacted, "
        "referred out, declined, lost to follow-up."
    )


def test_closed_inquiries_stay_closed() -> None:
    assert {S.ADMITTED, S.REFERRED_OUT, S.DECLINED, S.LOST} == rules.TERMINAL
    for status in rules.TERMINAL:
        assert rules.allowed_moves(status) == ()
        refusal = rules.transition_refusal(status, S.NEW)
        assert refusal is not None
        assert "closed" in refusal.message


def test_the_status_form_never_offers_admission() -> None:
    assert rules.manual_moves(S.ASSESSMENT_SCHEDULED) == (
        S.CONTACTED,
        S.REFERRED_OUT,
        S.DECLINED,
        S.LOST,
    )
    refusal = rules.move_refusal(S.CONTACTED, S.ADMITTED)
    assert refusal is not None
    assert "Convert to client" in refusal.message
    assert rules.can_convert(S.CONTACTED)
    assert rules.can_convert(S.ASSESSMENT_SCHEDULED)
    assert not rules.can_convert(S.NEW)


def test_board_shows_open_statuses_in_pipeline_order() -> None:
    assert rules.BOARD_COLUMNS == (S.NEW, S.CONTACTED, S.ASSESSMENT_SCHEDULED)
    assert set(rules.BOARD_COLUMNS) | set(rules.OUTCOMES) == set(S)
    assert not set(rules.BOARD_COLUMNS) & rules.TERMINAL


@pytest.mark.parametrize(
    ("target", "details", "field"),
    [
        (S.ASSESSMENT_SCHEDULED, MoveDetails(), "assessment_at"),
        (S.REFERRED_OUT, MoveDetails(reason="  "), "partner"),
        (S.DECLINED, MoveDetails(partner="someone"), "reason"),
        (S.LOST, MoveDetails(), "reason"),
    ],
)
def test_missing_detail_names_the_field(target: S, details: MoveDetails, field: str) -> None:
    refusal = rules.missing_detail(target, details)
    assert refusal is not None
    assert refusal.field == field


@pytest.mark.parametrize(
    ("target", "details"),
    [
        (S.ASSESSMENT_SCHEDULED, MoveDetails(assessment_at=AT)),
        (S.REFERRED_OUT, MoveDetails(partner="Harbor Detox")),
        (S.REFERRED_OUT, MoveDetails(reason="needs residential care")),
        (S.DECLINED, MoveDetails(reason="chose another program")),
        (S.LOST, MoveDetails(reason="no answer after three calls")),
        (S.CONTACTED, MoveDetails()),
        (S.ADMITTED, MoveDetails()),
    ],
)
def test_complete_details_pass(target: S, details: MoveDetails) -> None:
    assert rules.missing_detail(target, details) is None


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_random_move_sequences_keep_history_and_status_in_step(targets: list[S]) -> None:
    """Apply each attempted move only if the table allows it, as the service does."""
    history = [S.NEW]
    for target in targets:
        current = history[-1]
        refusal = rules.transition_refusal(current, target)
        if current in rules.TERMINAL:
            assert refusal is not None
        if refusal is None:
            history.append(target)
    for before, after in itertools.pairwise(history):
        assert (before, after) in ALLOWED
    closed = [i for i, status in enumerate(history) if status in rules.TERMINAL]
    assert not closed or closed == [len(history) - 1]
