"""The review engine on client histories, its table checks, and its properties."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.safety.rules import GateState, SafetyReason
from stepdown.transitions import phq9_progress, rules
from stepdown.transitions.rule_table import DEFAULT_TABLE, Action, ReviewTable, Rule
from stepdown.transitions.rules import Evidence, ProposalKind, RuleTableError

AS_OF = date(2026, 11, 30)
# The seeded catalog's typical stays (continuum.md): PHP 2-6 weeks, IOP 8-12, OP and
# aftercare open-ended.
TYPICAL = {"PHP": (2, 6), "IOP": (8, 12), "OP": (None, None), "AFTERCARE": (None, None)}


def history(level: str, weeks: float, **facts: object) -> Evidence:
    """A client ``weeks`` into ``level`` on AS_OF; attendance 90% and hours met, two
    negative specimens, twelve days of check-ins without use and an instrument since
    admission, unless said."""
    since = AS_OF - timedelta(days=round(weeks * 7))
    low, high = TYPICAL.get(level, (None, None))
    values: dict[str, object] = {
        "attendance_rate": 0.9,
        "weeks_judged": 3,
        "tests_collected": 2,
        "positive_specimens": 0,
        "checkin_days": 12,
        "use_days": 0,
        "craving_recent": 2.0,
        "craving_earlier": 2.5,
        "instruments_since_admission": 1,
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


def live(state: GateState, rule_id: str, sentence: str, days_ago: int = 1) -> dict[str, object]:
    """The safety gate as ``safety.service.status`` gives it: its state and a reason."""
    on = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10, tzinfo=UTC) - timedelta(days=days_ago)
    return {"safety_state": state, "safety_reasons": (SafetyReason(rule_id, sentence, on),)}


ITEM9 = live(
    GateState.ASSESSMENT_REQUIRED,
    "SAFETY-PHQ9-ITEM9",
    "PHQ-9 of 2026-11-29: item 9 answered 1 (thoughts of death or self-harm) in the past 14 days",
)
CSSRS_HIGH = live(
    GateState.CRISIS_REFERRAL,
    "SAFETY-CSSRS-INTENT-OR-PLAN",
    "C-SSRS screener of 2026-11-29: suicidal ideation with intent or a plan in the past month "
    "(high risk)",
)

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
        history("PHP", 3, positive_specimens=1, unexpected_analytes=("Fentanyl",)),
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
        history("IOP", 5, positive_specimens=2, unexpected_analytes=("Cocaine", "Fentanyl")),
        UP,
        "PHP",
        "UP-REPEATED-POSITIVES",
        "Cocaine, Fentanyl",
    ),
    Case(
        "iop phq9 item 9",
        history("IOP", 5, phq9_latest=14, **ITEM9),
        REASSESS,
        None,
        "SAFETY-PHQ9-ITEM9",
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
        "iop completed, but no phq-9 response by week 8",
        history(
            "IOP",
            9,
            objectives_met=2,
            admitted_on=AS_OF - timedelta(weeks=12),
            phq9_baseline=16,
            phq9_baseline_on=AS_OF - timedelta(weeks=12),
            phq9_latest=9,
            phq9_latest_on=AS_OF - timedelta(days=3),
        ),
        REASSESS,
        None,
        "REASSESS-PHQ9-NO-RESPONSE",
        "PHQ-9 16 (the first since admission) has not dropped by half by week 8 of care "
        "(latest 9 on 2026-11-27)",
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
        history("OP", 6, **CSSRS_HIGH),
        REASSESS,
        None,
        "SAFETY-CSSRS-INTENT-OR-PLAN",
        "refer now for a crisis or psychiatric inpatient evaluation",
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
        evidence = history("IOP", 5, positive_specimens=3, **ITEM9)
        proposal = rules.propose(evidence)
        assert proposal.kind is REASSESS
        assert proposal.safety
        assert proposal.urgency == 100
        assert proposal.next_review_due == AS_OF
        background = [r.rule_id for r in proposal.reasons if not r.drives]
        assert "UP-REPEATED-POSITIVES" in background

    def test_the_gate_overrides_a_step_down_and_dates_its_reason(self) -> None:
        proposal = rules.propose(history("PHP", 3, **ITEM9))
        assert (proposal.kind, proposal.target_level, proposal.safety) == (REASSESS, None, True)
        (reason,) = proposal.top_reasons
        assert reason.rule_id == "SAFETY-PHQ9-ITEM9"
        assert [(e.fact, e.value, e.on) for e in reason.evidence] == [
            ("safety_state", "Safety assessment required today", "2026-11-29")
        ]
        background = [r.rule_id for r in proposal.reasons if not r.drives]
        assert background == ["DOWN-PHP-STABLE"]

    def test_every_reason_of_the_gate_drives(self) -> None:
        two = replace(
            history("OP", 6, **CSSRS_HIGH),
            safety_reasons=(
                *CSSRS_HIGH["safety_reasons"],  # type: ignore[misc]
                SafetyReason(
                    "SAFETY-OPEN-ALERT",
                    "Open urgent safety alert of 2026-11-29: C-SSRS screener high risk",
                    datetime(2026, 11, 29, 10, tzinfo=UTC),
                ),
            ),
        )
        proposal = rules.propose(two)
        assert [r.rule_id for r in proposal.reasons if r.drives] == [
            "SAFETY-CSSRS-INTENT-OR-PLAN",
            "SAFETY-OPEN-ALERT",
        ]

    def test_a_live_gate_without_reasons_still_decides(self) -> None:
        evidence = history("IOP", 9, objectives_met=2, safety_state=GateState.HOSPITAL)
        proposal = rules.propose(evidence)
        assert (proposal.kind, proposal.safety, proposal.urgency) == (REASSESS, True, 100)
        assert [r.rule_id for r in proposal.top_reasons] == ["SAFETY-GATE"]

    def test_an_edited_table_cannot_remove_the_gate(self) -> None:
        """A table whose every row says step down, with safety decided in 30 days."""
        always_down = _rule(id="DOWN-ALWAYS", action=Action.STEP_DOWN, when=(), weight=100)
        otherwise = _rule(id="OK", action=Action.OTHERWISE, when=(), sentence="ok")
        table = ReviewTable(
            version=99,
            rules=(always_down, otherwise),
            decide_within_days={Action.SAFETY: 30, Action.STEP_DOWN: 7},
        )
        proposal = rules.propose(history("IOP", 9, **ITEM9), table)
        assert (proposal.kind, proposal.safety, proposal.urgency) == (REASSESS, True, 100)
        assert proposal.next_review_due == AS_OF
        nothing = rules.propose(history("IOP", 9, tests_collected=0), table)
        assert nothing.kind is REASSESS
        assert [r.rule_id for r in nothing.top_reasons] == ["EVIDENCE-NO-SPECIMEN"]

    def test_the_table_has_no_safety_rows_left(self) -> None:
        assert not [r.id for r in DEFAULT_TABLE.rules if r.action is Action.SAFETY]
        assert DEFAULT_TABLE.version == 3


class TestNotEnoughEvidence:
    @pytest.mark.parametrize(
        ("missing", "rule"),
        [
            ({"tests_collected": 0}, "EVIDENCE-NO-SPECIMEN"),
            ({"positive_specimens": None}, "EVIDENCE-NO-SPECIMEN"),  # results pending
            ({"checkin_days": 0}, "EVIDENCE-NO-CHECKINS"),
            ({"instruments_since_admission": 0}, "EVIDENCE-NO-INSTRUMENT"),
        ],
    )
    def test_each_gap_turns_a_step_down_into_a_reassessment(
        self, missing: dict[str, object], rule: str
    ) -> None:
        proposal = rules.propose(history("PHP", 3, **missing))
        assert (proposal.kind, proposal.target_level) == (REASSESS, None)
        assert [r.rule_id for r in proposal.top_reasons] == [rule]
        assert proposal.urgency == rules.EVIDENCE_GAP_WEIGHT
        assert proposal.next_review_due == AS_OF + timedelta(days=3)

    def test_the_sentence_says_what_is_missing_and_where_from(self) -> None:
        proposal = rules.propose(history("PHP", 3, tests_collected=0))
        (gap,) = proposal.top_reasons
        assert gap.sentence.startswith("No drug test collected from 2026-11-09 to 2026-11-30")
        pending = rules.propose(history("PHP", 3, positive_specimens=None))
        assert "2 specimen(s) collected" in pending.top_reasons[0].sentence
        assert [(e.fact, e.value) for e in gap.evidence] == [
            ("tests_collected", "0"),
            ("positive_specimens", "not recorded"),
        ]

    def test_all_gaps_are_named_together(self) -> None:
        proposal = rules.propose(
            history("IOP", 9, tests_collected=0, checkin_days=0, instruments_since_admission=0)
        )
        assert {r.rule_id for r in proposal.reasons if r.drives} == {
            "EVIDENCE-NO-SPECIMEN",
            "EVIDENCE-NO-CHECKINS",
            "EVIDENCE-NO-INSTRUMENT",
        }

    def test_a_gap_outranks_a_hold_which_stays_as_background(self) -> None:
        proposal = rules.propose(history("IOP", 9, objectives_met=2, refused=1, checkin_days=0))
        assert proposal.kind is REASSESS
        assert [r.rule_id for r in proposal.reasons if not r.drives] == ["HOLD-REFUSED"]

    def test_a_gap_sits_beside_a_reassess_row(self) -> None:
        proposal = rules.propose(history("IOP", 5, attendance_rate=0.4, checkin_days=0))
        assert [r.rule_id for r in proposal.top_reasons] == [
            "REASSESS-ATTENDANCE",
            "EVIDENCE-NO-CHECKINS",
        ]

    def test_more_care_on_real_evidence_still_wins(self) -> None:
        proposal = rules.propose(history("IOP", 5, positive_specimens=2, checkin_days=0))
        assert (proposal.kind, proposal.target_level) == (UP, "PHP")
        background = {r.rule_id for r in proposal.reasons if not r.drives}
        assert "EVIDENCE-NO-CHECKINS" in background

    def test_figures_that_need_a_record_are_not_recorded_without_one(self) -> None:
        silent = history(
            "IOP",
            9,
            tests_collected=0,
            checkin_days=0,
            weeks_judged=0,
            positive_specimens=0,
            use_days=0,
            weeks_short=0,
        )
        values = silent.fact_values()
        assert values["positive_specimens"] is None
        assert values["confirmed_positive_specimens"] is None
        assert values["use_days"] is None
        assert values["craving_recent"] is None
        assert values["weeks_short"] is None


class TestTestingHolds:
    @pytest.mark.parametrize(
        ("facts", "rule", "says"),
        [
            ({"recollect": 1}, "HOLD-RECOLLECT", "1 specimen(s) adulterated, substituted"),
            ({"refused": 1}, "HOLD-REFUSED", "not a negative result"),
            ({"moud_missing_alerts": 1}, "HOLD-MOUD-MISSING", "a conversation, not a sanction"),
        ],
    )
    def test_each_holds_a_step_down(self, facts: dict[str, object], rule: str, says: str) -> None:
        proposal = rules.propose(history("IOP", 9, objectives_met=2, **facts))
        assert (proposal.kind, proposal.target_level) == (STAY, None)
        (reason,) = proposal.top_reasons
        assert reason.rule_id == rule
        assert says in reason.sentence

    def test_one_specimen_positive_for_two_drugs_is_one_specimen(self) -> None:
        proposal = rules.propose(
            history(
                "IOP",
                5,
                positive_specimens=1,
                unexpected_analytes=("Cocaine", "Opiates"),
            )
        )
        assert proposal.kind is STAY
        assert [r.rule_id for r in proposal.top_reasons] == ["HOLD-POSITIVE"]

    def test_repeated_positives_say_how_many_were_confirmed(self) -> None:
        proposal = rules.propose(
            history(
                "IOP",
                5,
                positive_specimens=2,
                confirmed_positive_specimens=1,
                unexpected_analytes=("Cocaine", "Opiates"),
            )
        )
        (up,) = [r for r in proposal.reasons if r.rule_id == "UP-REPEATED-POSITIVES"]
        assert up.sentence.startswith(
            "2 specimens with unexpected positives (1 confirmed by a definitive test): "
            "Cocaine, Opiates"
        )


class TestProposalJson:
    def test_is_plain_json_with_every_reason(self) -> None:
        proposal = rules.propose(history("PHP", 3))
        found = json.loads(json.dumps(rules.proposal_json(proposal)))
        assert found["kind"] == "step_down"
        assert (found["target_level"], found["discharge"], found["table_version"]) == (
            "IOP",
            False,
            3,
        )
        assert found["next_review_due"] == "2026-12-07"
        assert found["reasons"][0]["rule_id"] == "DOWN-PHP-STABLE"
        assert found["reasons"][0]["evidence"][0] == {
            "fact": "level",
            "label": "current level of care",
            "value": "PHP",
            "on": "since 2026-11-09",
        }

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
            ((_rule(id="SAFETY-PHQ9-ITEM9"),), "the engine's own reasons"),
            ((_rule(id="EVIDENCE-NO-SPECIMEN"),), "the engine's own reasons"),
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


# --- PHQ-9 not improving by week 8 of care (phq9_progress) ------------------------------
# NCQA HEDIS DRR-E: index an elevated PHQ-9 (> 9), response the most recent PHQ-9 at least
# 50 % lower; the program judges it from week 8 of care (admission + 56 days).

ADMITTED = date(2026, 9, 1)
WEEK_8 = date(2026, 10, 27)  # ADMITTED + 56 days
INDEX_ON = date(2026, 9, 3)
LATER = date(2026, 10, 20)
Score = phq9_progress.Phq9Score


@dataclass(frozen=True)
class Phq9Case:
    name: str
    scores: tuple[phq9_progress.Phq9Score, ...]
    not_improving: bool | None
    since_index: str | None = None
    as_of: date = WEEK_8


NO_FOLLOW_UP = "no PHQ-9 since the index"
PHQ9_CASES = (
    Phq9Case(
        "index 10 is elevated",
        (Score(INDEX_ON, 10), Score(LATER, 9)),
        True,
        "latest 9 on 2026-10-20",
    ),
    Phq9Case("index 9 is not", (Score(INDEX_ON, 9), Score(LATER, 9)), None),
    Phq9Case(
        "index 10 halved to 5",
        (Score(INDEX_ON, 10), Score(LATER, 5)),
        False,
        "latest 5 on 2026-10-20",
    ),
    Phq9Case("index 10 down to 6", (Score(INDEX_ON, 10), Score(LATER, 6)), True),
    Phq9Case(
        "a drop of exactly 50 % is a response", (Score(INDEX_ON, 20), Score(LATER, 10)), False
    ),
    Phq9Case("a drop of 45 % is not", (Score(INDEX_ON, 20), Score(LATER, 11)), True),
    # The nearest whole PHQ-9 totals come to a 49 % drop: 27 to 14 is 48 %, 27 to 13 is 52 %.
    Phq9Case("a drop of 48 % is not", (Score(INDEX_ON, 27), Score(LATER, 14)), True),
    Phq9Case("a drop of 52 % is", (Score(INDEX_ON, 27), Score(LATER, 13)), False),
    Phq9Case(
        "day 55 is before week 8",
        (Score(INDEX_ON, 14), Score(LATER, 12)),
        None,
        as_of=WEEK_8 - timedelta(days=1),
    ),
    Phq9Case(
        "day 56 is week 8", (Score(INDEX_ON, 14), Score(LATER, 12)), True, "latest 12 on 2026-10-20"
    ),
    Phq9Case(
        "no PHQ-9 since the index is not improving", (Score(INDEX_ON, 14),), True, NO_FOLLOW_UP
    ),
    Phq9Case(
        "a repeat on the index day is not a follow-up",
        (Score(INDEX_ON, 14), Score(INDEX_ON, 4)),
        True,
        NO_FOLLOW_UP,
    ),
    Phq9Case(
        "a follow-up entered in error is ignored",
        (Score(INDEX_ON, 14), Score(LATER, 4, entered_in_error=True)),
        True,
        NO_FOLLOW_UP,
    ),
    Phq9Case(
        "an index entered in error is ignored",
        (
            Score(INDEX_ON, 6, entered_in_error=True),
            Score(LATER - timedelta(days=30), 14),
            Score(LATER, 10),
        ),
        True,
        "latest 10 on 2026-10-20",
    ),
    Phq9Case(
        "the index entered in error leaves a low one",
        (Score(INDEX_ON, 20, entered_in_error=True), Score(LATER, 8)),
        None,
    ),
    Phq9Case(
        "a score before admission is no index",
        (Score(ADMITTED - timedelta(days=10), 20), Score(INDEX_ON, 8), Score(LATER, 8)),
        None,
    ),
    Phq9Case(
        "a low score before admission is not the index either",
        (Score(ADMITTED - timedelta(days=10), 6), Score(INDEX_ON, 16), Score(LATER, 8)),
        False,
    ),
    Phq9Case("only scores before admission", (Score(ADMITTED - timedelta(days=10), 20),), None),
    Phq9Case("no PHQ-9 at all", (), None),
    Phq9Case(
        "a score after the review day is not known yet",
        (Score(INDEX_ON, 14), Score(LATER, 12), Score(WEEK_8 + timedelta(days=5), 3)),
        True,
        "latest 12 on 2026-10-20",
    ),
    Phq9Case(
        "the latest counts, not the lowest",
        (Score(INDEX_ON, 14), Score(LATER - timedelta(days=14), 5), Score(LATER, 12)),
        True,
    ),
)


@pytest.mark.parametrize("case", PHQ9_CASES, ids=lambda c: c.name)
def test_phq9_not_improving_by_week_8(case: Phq9Case) -> None:
    found = phq9_progress.progress(case.scores, admitted_on=ADMITTED, as_of=case.as_of)
    assert found.not_improving is case.not_improving
    if case.since_index is not None:
        assert found.since_index == case.since_index
    if case.not_improving is None:
        assert found.since_index is None


def test_week_8_is_day_56_after_admission() -> None:
    assert phq9_progress.week_8(ADMITTED) == WEEK_8 == ADMITTED + timedelta(days=56)


def _phq9_history(index: int | None, latest: int | None, **facts: object) -> Evidence:
    """An IOP client who would step down (AS_OF), admitted 12 weeks before, with a PHQ-9
    ``index`` two days after admission and ``latest`` (None: none since) three days ago."""
    admitted = AS_OF - timedelta(weeks=12)
    values: dict[str, object] = {
        "objectives_met": 2,
        "admitted_on": admitted,
        "phq9_baseline": index,
        "phq9_baseline_on": admitted + timedelta(days=2),
        "phq9_latest": index if latest is None else latest,
        "phq9_latest_on": admitted + timedelta(days=2)
        if latest is None
        else AS_OF - timedelta(days=3),
    }
    values.update(facts)
    return history("IOP", 9, **values)


class TestPhq9NotImproving:
    def test_no_response_turns_a_step_down_into_a_reassessment(self) -> None:
        proposal = rules.propose(_phq9_history(14, 10))
        assert (proposal.kind, proposal.target_level) == (REASSESS, None)
        (reason,) = proposal.top_reasons
        assert reason.rule_id == "REASSESS-PHQ9-NO-RESPONSE"
        assert reason.sentence == (
            "PHQ-9 14 (the first since admission) has not dropped by half by week 8 of care "
            "(latest 10 on 2026-11-27): reassess dimension 3 and the treatment plan"
        )
        assert proposal.urgency == 55
        assert proposal.next_review_due == AS_OF + timedelta(days=3)
        assert [r.rule_id for r in proposal.reasons if not r.drives] == ["DOWN-IOP-COMPLETE"]
        assert [(e.fact, e.value, e.on) for e in reason.evidence] == [
            (
                "phq9_not_improving",
                "yes",
                "2026-09-07 to 2026-11-30 (week 8 of care from 2026-11-02)",
            ),
            ("phq9_baseline", "14", "2026-09-09"),
            ("phq9_since_index", "latest 10 on 2026-11-27", "2026-11-27"),
        ]

    def test_no_phq9_since_the_index_says_so(self) -> None:
        proposal = rules.propose(_phq9_history(14, None))
        (reason,) = proposal.top_reasons
        assert "(no PHQ-9 since the index)" in reason.sentence
        since = {e.fact: e.on for e in reason.evidence}["phq9_since_index"]
        assert since == "2026-09-09 to 2026-11-30"

    def test_a_response_leaves_the_step_down(self) -> None:
        proposal = rules.propose(_phq9_history(14, 7))
        assert (proposal.kind, proposal.target_level) == (DOWN, "OP")
        assert "REASSESS-PHQ9-NO-RESPONSE" not in {r.rule_id for r in proposal.reasons}

    @pytest.mark.parametrize(
        "evidence",
        [
            _phq9_history(9, 9),  # index not elevated
            _phq9_history(None, None),  # no PHQ-9
            _phq9_history(14, 12, admitted_on=None),  # an evidence file without admission
            _phq9_history(14, 12, admitted_on=AS_OF - timedelta(days=55)),  # day 55
        ],
        ids=["index 9", "no phq-9", "admission unknown", "day 55"],
    )
    def test_not_recorded_fires_nothing(self, evidence: Evidence) -> None:
        values = evidence.fact_values()
        assert (values["phq9_not_improving"], values["phq9_since_index"]) == (None, None)
        assert rules.propose(evidence).kind is DOWN

    def test_a_worsening_step_up_still_wins(self) -> None:
        proposal = rules.propose(_phq9_history(10, 18))
        assert (proposal.kind, proposal.target_level) == (UP, "PHP")
        background = {r.rule_id for r in proposal.reasons if not r.drives}
        assert {"REASSESS-PHQ9-NO-RESPONSE", "REASSESS-PHQ9-WORSE"} <= background


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
        admitted_on=draw(st.none() | st.integers(0, 120).map(lambda d: since - timedelta(days=d))),
        attendance_rate=draw(st.none() | st.floats(0, 1, allow_nan=False)),
        unexcused_absences=draw(st.integers(0, 8)),
        weeks_judged=draw(st.integers(0, 4)),
        weeks_short=draw(st.integers(0, 4)),
        safety_state=draw(st.sampled_from(GateState)),
        tests_collected=draw(st.integers(0, 3)),
        positive_specimens=draw(st.none() | st.integers(0, 3)),
        confirmed_positive_specimens=draw(st.integers(0, 3)),
        unexpected_analytes=tuple(draw(st.lists(st.sampled_from(["Cocaine", "Fentanyl"])))),
        recollect=draw(st.integers(0, 2)),
        refused=draw(st.integers(0, 2)),
        missed=draw(st.integers(0, 2)),
        moud_missing_alerts=draw(st.integers(0, 2)),
        checkin_days=draw(st.integers(0, 20)),
        craving_recent=draw(maybe_craving),
        craving_earlier=draw(maybe_craving),
        use_days=draw(st.none() | st.integers(0, 5)),
        instruments_since_admission=draw(st.integers(0, 3)),
        phq9_baseline=draw(st.none() | st.integers(0, 27)),
        phq9_baseline_on=baseline_on,
        phq9_latest=draw(st.none() | st.integers(0, 27)),
        phq9_latest_on=AS_OF,
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
    if found.safety_state.live:
        assert proposal.safety
        assert proposal.kind is REASSESS
        assert proposal.urgency == 100
    assert any(r.drives for r in proposal.reasons)


LIVE_STATES = [state for state in GateState if state.live]


@given(evidence(), orders, st.sampled_from(LIVE_STATES))
def test_live_risk_never_steps_down(
    found: Evidence, order: tuple[str, ...], state: GateState
) -> None:
    """Live risk overrides every rule: a same-day safety reassessment, nothing else."""
    proposal = rules.propose(replace(found, safety_state=state), catalog_order=order)
    assert proposal.kind is not DOWN
    assert (proposal.kind, proposal.safety, proposal.urgency) == (REASSESS, True, 100)
    assert proposal.next_review_due == AS_OF
    assert all(r.rule_id.startswith(("SAFETY-", "ORDER-")) for r in proposal.top_reasons)


@given(evidence(), orders)
def test_no_specimen_never_steps_down(found: Evidence, order: tuple[str, ...]) -> None:
    """Unknown is not negative: without a specimen in the window, never a step down."""
    proposal = rules.propose(replace(found, tests_collected=0), catalog_order=order)
    assert proposal.kind is not DOWN
    # Said, deciding or (under more care or live risk) as background.
    assert "EVIDENCE-NO-SPECIMEN" in {r.rule_id for r in proposal.reasons}


@given(evidence(), orders)
def test_a_step_down_has_every_kind_of_evidence(found: Evidence, order: tuple[str, ...]) -> None:
    proposal = rules.propose(found, catalog_order=order)
    if proposal.kind is DOWN:
        assert not found.safety_state.live
        assert found.tests_collected > 0
        assert found.positive_specimens == 0
        assert found.checkin_days > 0
        assert found.use_days == 0
        assert found.instruments_since_admission > 0
        assert found.fact_values()["phq9_not_improving"] is not True
