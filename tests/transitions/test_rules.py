"""The review engine on client histories, its table checks, and its properties."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.transitions import rules
from stepdown.transitions.rule_table import DEFAULT_TABLE, Action, ReviewTable, Rule
from stepdown.transitions.rules import Evidence, ProposalKind, RuleTableError

AS_OF = date(2026, 11, 30)
# The seeded catalog's typical stays (continuum.md): PHP 2-6 weeks, IOP 8-12, OP and
# aftercare open-ended.
TYPICAL = {"PHP": (2, 6), "IOP": (8, 12), "OP": (None, None), "AFTERCARE": (None, None)}


def history(level: str, weeks: float, **facts: object) -> Evidence:
    """A client ``weeks`` into ``level`` on AS_OF; attendance 90% and hours met unless said."""
    since = AS_OF - timedelta(days=round(weeks * 7))
    low, high = TYPICAL.get(level, (None, None))
    values: dict[str, object] = {
        "attendance_rate": 0.9,
        "weeks_judged": 3,
        "tests_collected": 2,
        "checkin_days": 12,
        "craving_recent": 2.0,
        "craving_earlier": 2.5,
    }
    values.update(facts)
    return Evidence(
        as_of=AS_OF,
        level=level,
        level_since=since,
        window_start=max(since, AS_OF - timedelta(days=27)),
        typical_weeks_min=low,
        typical_weeks_max=high,
        **values,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Case:
    name: str
    evidence: Evidence
    kind: ProposalKind
    target: str | None
    rule: str  # a deciding reason's rule id
    says: str  # and a phrase its sentence must contain


DOWN, UP, STAY, REASSESS = (
    ProposalKind.STEP_DOWN,
    ProposalKind.STEP_UP,
    ProposalKind.STAY,
    ProposalKind.REASSESS,
)
SIGNED_IN_LEVEL = AS_OF - timedelta(days=3)

HISTORIES = (
    Case("php stable 3 weeks", history("PHP", 3), DOWN, "IOP", "DOWN-PHP-STABLE", "3 weeks in PHP"),
    Case("php first week", history("PHP", 1), STAY, None, "STAY-ON-TRACK", "1 weeks in PHP"),
    Case(
        "php patchy attendance",
        history("PHP", 4, attendance_rate=0.7, unexcused_absences=3),
        STAY,
        None,
        "HOLD-ATTENDANCE",
        "Attendance 70%",
    ),
    Case(
        "php one unexpected positive",
        history("PHP", 3, unexpected_positives=1, unexpected_analytes=("Fentanyl",)),
        STAY,
        None,
        "HOLD-POSITIVE",
        "Fentanyl",
    ),
    Case(
        "php hours short",
        history("PHP", 3, weeks_short=2, attendance_rate=0.85),
        STAY,
        None,
        "HOLD-HOURS",
        "2 of 3 complete weeks",
    ),
    Case(
        "php nothing recorded",
        history("PHP", 3, attendance_rate=None),
        STAY,
        None,
        "STAY-ON-TRACK",
        "nothing calls for a change",
    ),
    Case(
        "php use with high craving",
        history("PHP", 3, use_days=2, craving_recent=9.0),
        REASSESS,
        None,
        "ORDER-TOP",
        "most intensive level in house",
    ),
    Case(
        "iop completed",
        history("IOP", 9, objectives_met=2),
        DOWN,
        "OP",
        "DOWN-IOP-COMPLETE",
        "2 objective(s) met",
    ),
    Case(
        "iop no objective met yet",
        history("IOP", 9),
        STAY,
        None,
        "STAY-ON-TRACK",
        "9 weeks in IOP",
    ),
    Case(
        "iop past typical stay",
        history("IOP", 13, attendance_rate=0.85),
        DOWN,
        "OP",
        "DOWN-PAST-TYPICAL",
        "past its typical stay (8-12 weeks)",
    ),
    Case(
        "iop past typical, short hours the schedule's",
        history("IOP", 14, attendance_rate=1.0, weeks_short=3),
        DOWN,
        "OP",
        "DOWN-PAST-TYPICAL",
        "14 weeks in IOP",
    ),
    Case(
        "iop use with high craving",
        history("IOP", 5, use_days=2, craving_recent=8.0),
        UP,
        "PHP",
        "UP-USE-CRAVING",
        "craving averaging 8 of 10",
    ),
    Case(
        "iop repeated positives",
        history("IOP", 5, unexpected_positives=2, unexpected_analytes=("Cocaine", "Fentanyl")),
        UP,
        "PHP",
        "UP-REPEATED-POSITIVES",
        "Cocaine, Fentanyl",
    ),
    Case(
        "iop phq9 item 9",
        history("IOP", 5, phq9_latest=14, phq9_item9_positive=True),
        REASSESS,
        None,
        "SAFE-PHQ9-ITEM9",
        "same-day safety assessment",
    ),
    Case(
        "iop poor attendance",
        history("IOP", 5, attendance_rate=0.4, unexcused_absences=6),
        REASSESS,
        None,
        "REASSESS-ATTENDANCE",
        "Attendance 40%",
    ),
    Case(
        "iop depression much worse",
        history(
            "IOP",
            6,
            phq9_baseline=8,
            phq9_baseline_on=AS_OF - timedelta(weeks=6),
            phq9_latest=18,
            phq9_latest_on=AS_OF - timedelta(days=2),
        ),
        UP,
        "PHP",
        "UP-PHQ9-WORSE",
        "PHQ-9 18, up 10",
    ),
    Case(
        "iop depression worse, still moderate",
        history(
            "IOP",
            6,
            phq9_baseline=4,
            phq9_baseline_on=AS_OF - timedelta(weeks=6),
            phq9_latest=10,
            phq9_latest_on=AS_OF - timedelta(days=2),
        ),
        REASSESS,
        None,
        "REASSESS-PHQ9-WORSE",
        "(4 → 10)",
    ),
    Case(
        "iop refused a test",
        history("IOP", 9, objectives_met=2, refused=1),
        STAY,
        None,
        "HOLD-REFUSED",
        "not a negative result",
    ),
    Case(
        "iop craving rising",
        history("IOP", 9, objectives_met=2, craving_earlier=3.0, craving_recent=6.0),
        STAY,
        None,
        "HOLD-CRAVING",
        "now averaging 6 of 10",
    ),
    Case(
        "iop old high ratings do not count",
        history("IOP", 5, dimensions=(0, 0, 3, 1, 3, 1), dimensions_on=AS_OF - timedelta(weeks=8)),
        STAY,
        None,
        "STAY-ON-TRACK",
        "5 weeks in IOP",
    ),
    Case(
        "op goals met",
        history("OP", 10, objectives_met=2, attendance_rate=0.85),
        DOWN,
        "AFTERCARE",
        "DOWN-OP-GOALS",
        "step down to aftercare",
    ),
    Case(
        "op one goal met",
        history("OP", 10, objectives_met=1),
        STAY,
        None,
        "STAY-ON-TRACK",
        "typical ongoing",
    ),
    Case(
        "op a day of use",
        history("OP", 4, use_days=1, craving_recent=4.0),
        STAY,
        None,
        "HOLD-USE",
        "Reported use on 1 day(s)",
    ),
    Case(
        "op rated significant in this level",
        history("OP", 6, dimensions=(0, 0, 1, 1, 3, 1), dimensions_on=SIGNED_IN_LEVEL),
        UP,
        "IOP",
        "UP-DIMENSION",
        "A dimension rated 3",
    ),
    Case(
        "op c-ssrs high",
        history("OP", 6, cssrs_risk="high", cssrs_on=AS_OF - timedelta(days=1)),
        REASSESS,
        None,
        "SAFE-CSSRS",
        "C-SSRS screener risk high",
    ),
    Case(
        "aftercare six months",
        history("AFTERCARE", 30, attendance_rate=None),
        DOWN,
        None,
        "ORDER-END",
        "completing the program",
    ),
    Case(
        "aftercare ten weeks",
        history("AFTERCARE", 10, attendance_rate=None),
        STAY,
        None,
        "STAY-ON-TRACK",
        "10 weeks in AFTERCARE",
    ),
)


@pytest.mark.parametrize("case", HISTORIES, ids=lambda c: c.name)
def test_history_gets_the_expected_proposal(case: Case) -> None:
    proposal = rules.propose(case.evidence)
    assert (proposal.kind, proposal.target_level) == (case.kind, case.target)
    deciding = {r.rule_id: r.sentence for r in proposal.reasons if r.drives}
    assert case.rule in deciding, deciding
    assert case.says in deciding[case.rule]


def test_the_table_has_at_least_twenty_histories() -> None:
    assert len(HISTORIES) >= 20


class TestSafetyFirst:
    def test_a_safety_flag_outranks_a_step_up_which_stays_as_background(self) -> None:
        evidence = history("IOP", 5, phq9_item9_positive=True, unexpected_positives=3)
        proposal = rules.propose(evidence)
        assert proposal.kind is REASSESS
        assert proposal.safety
        assert proposal.urgency == 100
        assert proposal.next_review_due == AS_OF
        background = [r.rule_id for r in proposal.reasons if not r.drives]
        assert "UP-REPEATED-POSITIVES" in background

    def test_a_step_up_is_more_urgent_than_a_step_down(self) -> None:
        up = rules.propose(history("IOP", 5, use_days=2, craving_recent=8.0))
        down = rules.propose(history("PHP", 3))
        assert up.urgency > down.urgency


class TestEvidence:
    def test_each_reason_shows_its_evidence_with_dates(self) -> None:
        proposal = rules.propose(history("PHP", 3))
        reason = proposal.top_reasons[0]
        found = {e.fact: (e.value, e.on) for e in reason.evidence}
        assert found["attendance_pct"] == ("90", "2026-11-09 to 2026-11-30")
        assert found["level"] == ("PHP", "since 2026-11-09")

    def test_facts_the_sentence_names_are_evidence_too(self) -> None:
        proposal = rules.propose(history("PHP", 3, weeks_short=2, attendance_rate=0.85))
        (hold,) = [r for r in proposal.reasons if r.rule_id == "HOLD-HOURS"]
        assert [e.fact for e in hold.evidence] == ["weeks_short", "attendance_pct", "weeks_judged"]

    def test_phq9_change_needs_two_scores(self) -> None:
        one = history("IOP", 5, phq9_baseline=4, phq9_latest=4)
        assert one.fact_values()["phq9_change"] is None  # no dates: the same result

    def test_the_window_is_the_time_in_the_level_when_shorter(self) -> None:
        assert rules.window(AS_OF, AS_OF - timedelta(days=5)) == (AS_OF - timedelta(days=5), AS_OF)
        assert rules.window(AS_OF, AS_OF - timedelta(days=90)) == (
            AS_OF - timedelta(days=27),
            AS_OF,
        )


class TestNextReview:
    def test_a_stay_is_reviewed_after_the_level_interval(self) -> None:
        assert rules.propose(history("IOP", 3)).next_review_due == AS_OF + timedelta(days=14)
        assert rules.propose(history("OP", 3)).next_review_due == AS_OF + timedelta(days=30)

    def test_sooner_when_the_typical_stay_ends_first(self) -> None:
        proposal = rules.propose(history("PHP", 5.5, attendance_rate=0.7))
        assert proposal.next_review_due == AS_OF + timedelta(days=4)  # the end of week 6

    def test_a_step_down_is_decided_within_a_week(self) -> None:
        assert rules.propose(history("PHP", 3)).next_review_due == AS_OF + timedelta(days=7)


class TestCatalogOrder:
    def test_steps_follow_the_catalog_given(self) -> None:
        proposal = rules.propose(
            history("IOP", 9, objectives_met=1), catalog_order=("PHP", "IOP", "AFTERCARE")
        )
        assert proposal.target_level == "AFTERCARE"

    def test_a_level_outside_the_order_is_reassessed_with_the_reason(self) -> None:
        proposal = rules.propose(history("RESIDENTIAL", 3))
        assert proposal.kind is REASSESS
        assert proposal.target_level is None
        assert "ORDER-NOT-IN-HOUSE" in {r.rule_id for r in proposal.reasons if r.drives}


def _rule(**overrides: object) -> Rule:
    fields: dict[str, object] = {
        "id": "X",
        "action": Action.HOLD,
        "when": ("use_days >= 1",),
        "weight": 10,
        "sentence": "use on {use_days} days",
    }
    fields.update(overrides)
    return Rule(**fields)  # type: ignore[arg-type]


class TestTableChecks:
    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ((_rule(), _rule()), "rule X: every rule needs its own id"),
            ((_rule(when=("mood >= 3",)),), "unknown fact 'mood'"),
            ((_rule(when=("use_days three",)),), "expected 'fact op value'"),
            ((_rule(sentence="{mood}"),), "unknown facts ['mood']"),
            ((_rule(weight=150),), "weight must be 0 to 100"),
            ((_rule(id="ORDER-TOP"),), "the engine's own reasons"),
        ],
    )
    def test_a_faulty_row_is_named(self, rows: tuple[Rule, ...], message: str) -> None:
        otherwise = _rule(id="OK", action=Action.OTHERWISE, when=(), sentence="ok")
        table = replace(DEFAULT_TABLE, rules=(*rows, otherwise))
        with pytest.raises(RuleTableError, match=message.replace("[", r"\[").replace("(", r"\(")):
            rules.check_table(table)

    def test_the_table_needs_an_otherwise_row(self) -> None:
        with pytest.raises(RuleTableError, match="unconditional OTHERWISE"):
            rules.check_table(ReviewTable(version=9, rules=(_rule(),)))

    def test_the_default_table_passes(self) -> None:
        rules.check_table(DEFAULT_TABLE)


# --- Properties ------------------------------------------------------------------------

LEVELS = (*rules.IN_HOUSE_ORDER, "RESIDENTIAL")


@st.composite
def evidence(draw: st.DrawFn) -> Evidence:
    level = draw(st.sampled_from(LEVELS))
    days = draw(st.integers(0, 400))
    since = AS_OF - timedelta(days=days)
    low, high = TYPICAL.get(level, (None, None))
    maybe_craving = st.none() | st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 1))
    baseline_on = since + timedelta(days=draw(st.integers(0, days)))
    return Evidence(
        as_of=AS_OF,
        level=level,
        level_since=since,
        window_start=rules.window(AS_OF, since)[0],
        typical_weeks_min=low,
        typical_weeks_max=high,
        attendance_rate=draw(st.none() | st.floats(0, 1, allow_nan=False)),
        unexcused_absences=draw(st.integers(0, 8)),
        weeks_judged=draw(st.integers(0, 4)),
        weeks_short=draw(st.integers(0, 4)),
        unexpected_positives=draw(st.integers(0, 3)),
        unexpected_analytes=tuple(draw(st.lists(st.sampled_from(["Cocaine", "Fentanyl"])))),
        refused=draw(st.integers(0, 2)),
        missed=draw(st.integers(0, 2)),
        craving_recent=draw(maybe_craving),
        craving_earlier=draw(maybe_craving),
        use_days=draw(st.integers(0, 5)),
        phq9_baseline=draw(st.none() | st.integers(0, 27)),
        phq9_baseline_on=baseline_on,
        phq9_latest=draw(st.none() | st.integers(0, 27)),
        phq9_latest_on=AS_OF,
        phq9_item9_positive=draw(st.booleans()),
        cssrs_risk=draw(st.none() | st.sampled_from(["none", "low", "moderate", "high"])),
        objectives_met=draw(st.integers(0, 4)),
        dimensions=draw(st.none() | st.tuples(*[st.integers(0, 4)] * 6)),
        dimensions_on=since + timedelta(days=draw(st.integers(-30, days))),
    )


orders = st.lists(st.sampled_from(rules.IN_HOUSE_ORDER), min_size=1, unique=True).map(
    lambda codes: tuple(c for c in rules.IN_HOUSE_ORDER if c in codes)
)


@given(evidence(), orders, st.randoms(use_true_random=False))
def test_the_engine_is_deterministic(
    found: Evidence, order: tuple[str, ...], rng: random.Random
) -> None:
    """Same evidence, same proposal; reordering the table's rows changes no decision."""
    first = rules.propose(found, catalog_order=order)
    assert rules.propose(replace(found), catalog_order=order) == first
    shuffled = list(DEFAULT_TABLE.rules)
    rng.shuffle(shuffled)
    again = rules.propose(found, replace(DEFAULT_TABLE, rules=tuple(shuffled)), order)
    assert (again.kind, again.target_level, again.urgency, again.next_review_due) == (
        first.kind,
        first.target_level,
        first.urgency,
        first.next_review_due,
    )
    assert {r.rule_id for r in again.reasons} == {r.rule_id for r in first.reasons}


@given(evidence(), orders)
def test_targets_stay_in_the_catalog_order_or_say_why(
    found: Evidence, order: tuple[str, ...]
) -> None:
    proposal = rules.propose(found, catalog_order=order)
    order_reasons = {r.rule_id for r in proposal.reasons if r.rule_id.startswith("ORDER-")}
    if proposal.target_level is not None:
        assert proposal.target_level in order
        step = order.index(proposal.target_level) - order.index(found.level)
        assert step == (1 if proposal.kind is DOWN else -1)
    elif found.level not in order:
        assert order_reasons == {"ORDER-NOT-IN-HOUSE"}
    elif proposal.kind is DOWN:
        assert order_reasons == {"ORDER-END"}
        assert proposal.discharge
    if proposal.kind is UP:
        assert proposal.target_level is not None
    if found.phq9_item9_positive:
        assert proposal.safety
        assert proposal.kind is REASSESS
        assert proposal.urgency == 100
    assert any(r.drives for r in proposal.reasons)
