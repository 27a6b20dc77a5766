"""The level-of-care review table: what a row is, and the rows the program starts with.

Like the placement table, a row is plain data a clinical director can read: an id, what it
does (``Action``), its conditions as ``fact op value`` text (all must hold), its weight (how
urgent it makes the proposal, 0-100) and the sentence the clinician sees, in which
``{fact}`` shows that fact's value. Facts are named in ``FACTS``; ``stepdown.transitions.rules``
explains how a table is applied.

Two things are deliberately not rows, so that editing the table cannot remove them (issue
11): live suicide risk (the safety gate, ``stepdown.safety.rules``) makes the proposal a
same-day safety reassessment whatever fired, and missing evidence (no specimen with a
result, no check-in, no instrument since admission) makes it "reassess: not enough
evidence" unless more care is called for. Both live in the evaluator, like its ``ORDER-``
reasons.

Version 2 (issue 11): the SAFE- rows gave way to the safety gate; drug tests are counted per
specimen (one specimen positive for two drugs is one occasion, not two), with how many a
definitive test confirmed; tampered specimens, refusals and a missing MOUD hold a step down;
figures that need a specimen or a check-in are not recorded without one.

Version 3: a PHQ-9 of 10 or more that has not dropped by half by week 8 of care (or has no
PHQ-9 since) asks for a reassessment (``REASSESS-PHQ9-NO-RESPONSE``, fact
``phq9_not_improving``, ``stepdown.transitions.phq9_progress``).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Action(StrEnum):
    """What a row asks for, strongest first: the strongest that fires decides."""

    SAFETY = "reassess now"  # a same-day reassessment, whatever else fired
    STEP_UP = "step up"
    REASSESS = "reassess"  # redo the dimensional assessment before deciding
    HOLD = "stay"  # keeps the client where they are and blocks a step down
    STEP_DOWN = "step down"
    OTHERWISE = "otherwise"  # unconditional: stay when nothing else fired


PRECEDENCE = (
    Action.SAFETY,
    Action.STEP_UP,
    Action.REASSESS,
    Action.HOLD,
    Action.STEP_DOWN,
    Action.OTHERWISE,
)

# What each fact means, for reasons and for the director reading the table.
FACTS: Mapping[str, str] = MappingProxyType(
    {
        "level": "current level of care",
        "weeks_in_level": "weeks in the current level",
        "typical_weeks": "the level's typical stay",
        "typical_min_reached": "the level's shortest typical stay reached",
        "typical_max_passed": "the level's longest typical stay passed",
        "attendance_pct": "attendance rate (attended / scheduled, %)",
        "unexcused_absences": "unexcused absences",
        "weeks_judged": "complete weeks judged against the level's hours",
        "weeks_short": "complete weeks under the minimum hours (not recorded if none judged)",
        "tests_collected": "drug-test specimens collected",
        "positive_specimens": (
            "specimens with an unexpected positive (not recorded without a specimen with a "
            "readable result)"
        ),
        "confirmed_positive_specimens": "of those, confirmed by a definitive (laboratory) test",
        "unexpected_analytes": "analytes positive without a prescription to explain them",
        "recollect": "specimens adulterated, substituted or invalid (to collect again)",
        "refused": "drug tests refused",
        "missed": "drug tests missed",
        "moud_missing_alerts": (
            "open alerts: a prescribed MOUD not found in a specimen (until a clinician "
            "acknowledges them)"
        ),
        "checkin_days": "days with a check-in",
        "craving_recent": "average daily craving, later half of the window (0-10)",
        "craving_rising": "craving rising by a point or more",
        "use_days": "days with reported use (not recorded without a check-in)",
        "instruments_since_admission": "standardized instrument results since admission",
        "phq9_baseline": "PHQ-9 total since admission, first",
        "phq9_latest": "PHQ-9 total, latest",
        "phq9_change": "PHQ-9 change since admission",
        "phq9_not_improving": (
            "PHQ-9 not down by half from its index (the first since admission, 10 or more) by "
            "week 8 of care (not recorded before week 8, with an index under 10, or without a "
            "PHQ-9)"
        ),
        "phq9_since_index": "PHQ-9 since the index: the latest, or none",
        "objectives_met": "treatment objectives met since admission",
        "objectives_overdue": "objectives in progress past their target date",
        "highest_dimension": "highest dimension rating, assessment signed in this level",
    }
)

FactValue = int | float | str | bool | None
Operand = int | float | str | bool | tuple[str, ...]


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[FactValue, Operand], bool]:
    """An ordering that holds only between numbers (a text or yes/no fact never orders)."""

    def check(actual: FactValue, value: Operand) -> bool:
        numbers = (int, float)
        return (
            isinstance(actual, numbers)
            and isinstance(value, numbers)
            and not isinstance(actual, bool)
            and compare(actual, value)
        )

    return check


_OPERATORS: Mapping[str, Callable[[FactValue, Operand], bool]] = MappingProxyType(
    {
        "==": operator.eq,
        "!=": operator.ne,
        ">=": _numeric(operator.ge),
        "<=": _numeric(operator.le),
        ">": _numeric(operator.gt),
        "<": _numeric(operator.lt),
        "in": lambda a, b: isinstance(b, tuple) and a in b,
        "not in": lambda a, b: isinstance(b, tuple) and a not in b,
    }
)


class RuleTableError(ValueError):
    """A review table that cannot be applied; the message names the rule."""


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Operand

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        actual = facts[self.fact]
        # Evidence nobody recorded (None) never fires a rule: no attendance taken is not
        # perfect attendance, no check-in is not a calm one.
        return actual is not None and _OPERATORS[self.op](actual, self.value)


def _operand(raw: str) -> Operand:
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


@functools.cache
def parse_condition(text: str) -> Condition:
    """``attendance_pct >= 80``, ``craving_rising == true``, ``level in PHP|IOP``."""
    for op in ("not in", "in", ">=", "<=", "==", "!=", ">", "<"):
        fact, sep, raw = text.partition(f" {op} ")
        if sep:
            break
    else:
        raise RuleTableError(f"condition {text!r}: expected 'fact op value'")
    fact, raw = fact.strip(), raw.strip()
    if fact not in FACTS:
        raise RuleTableError(f"condition {text!r}: unknown fact {fact!r}")
    if op in ("in", "not in"):
        return Condition(fact, op, tuple(v.strip() for v in raw.split("|")))
    return Condition(fact, op, _operand(raw))


@dataclass(frozen=True)
class Rule:
    id: str
    action: Action
    when: tuple[str, ...]
    weight: int
    sentence: str

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(parse_condition(text) for text in self.when)

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts the row looks at, each once, in the order written: its evidence."""
        return tuple(dict.fromkeys(c.fact for c in self.conditions))

    def fires(self, facts: Mapping[str, FactValue]) -> bool:
        return all(c.holds(facts) for c in self.conditions)


@dataclass(frozen=True)
class ReviewTable:
    """The rows, and when the next review is due: within ``decide_within_days`` of the run
    for a proposal a clinician must act on, or after the level's interval for a stay."""

    version: int
    rules: tuple[Rule, ...]
    review_every_days: Mapping[str, int] = field(default_factory=dict)
    default_review_days: int = 14
    decide_within_days: Mapping[Action, int] = field(default_factory=dict)


# Sources, cited per row below:
#   CONT  continuum.md: step-down order PHP -> IOP -> OP -> aftercare; typical stays (PHP 2-6
#         weeks, IOP 8-12 weeks, OP ongoing by relapse risk and goals, aftercare long term);
#         OP fits after completing IOP with low relapse risk; clinicians regularly assess
#         progress; accountability through attendance, routine drug testing, goal tracking.
#   ASAM  The ASAM Criteria, 3rd ed. (2013): continued-service and transfer criteria read the
#         six dimensions; a new problem or worsening in a dimension that the current level
#         cannot treat calls for a more intensive level (dimension 5: continued use despite
#         treatment; dimension 3: worsening mood), goals achieved and risks resolved call for
#         a less intensive one; a problem that is new and not yet understood is reassessed.
#   SAFE  Moved out of the table in version 2: the safety gate (stepdown.safety.rules: PHQ-9
#         item 9 over its 14-day recall, Kroenke 2001; C-SSRS intent or plan over a month and
#         behaviour over 3 months, Columbia triage; open safety alerts until acknowledged)
#         decides in the evaluator, which an edited table cannot change.
#   PHQ   Löwe et al. 2004 (Med Care 42:1194): a change of 5 points is clinically significant;
#         Kroenke 2001: 15 or more is moderately severe or severe depression.
#   DRR   NCQA HEDIS DRR-E, "Depression Remission or Response for Adolescents and Adults"
#         (https://www.ncqa.org/report-cards/health-plans/state-of-health-care-quality-report/
#         measures-list/depression-remission-or-response-for-adolescents-and-adults-drr-e):
#         the index is an elevated PHQ-9 (> 9; Kroenke, Spitzer & Williams 2001: cut point 10
#         for moderate depression); a response is a most recent PHQ-9 at least 50 % lower than
#         the index. The week-8 checkpoint is the program's (project issue): "PHQ-9 without a
#         50 % drop by week 8 of care is evidence for reassessment". Definition in
#         transitions/phq9_progress.py.
#   UDT   SAMHSA TIP 63 / ASAM drug-testing consensus (2017): an unexpected positive is a
#         clinical signal to review the plan, not a punishment; a refused or missed
#         collection is recorded as such, never read as negative.
#   ASAMDT ASAM, "Appropriate Use of Drug Testing in Clinical Addiction Medicine" (consensus
#         statement, J Addict Med 2017, doi:10.1097/ADM.0000000000000323): a presumptive
#         result stays presumptive until a definitive method confirms it; an adulterated,
#         substituted or invalid specimen may be treated as a presumptive positive; a refusal
#         is not a negative result. For a prescribed MOUD missing from a specimen, the
#         sources cited in drug_testing/rules.py (MDedge "10 questions"; Accurso 2017; Saloner
#         2021): possible non-adherence or diversion, or a rapid metaboliser or dilution, to
#         talk through with the client before any change of care.
DEFAULT_RULES: tuple[Rule, ...] = (
    # --- More care ---------------------------------------------------------------------
    # ASAM dimension 5; CONT: frequent cravings call for IOP's or PHP's structure.
    Rule(
        id="UP-USE-CRAVING",
        action=Action.STEP_UP,
        when=("use_days >= 1", "craving_recent >= 7"),
        weight=90,
        sentence="Reported use on {use_days} day(s) with craving averaging {craving_recent} "
        "of 10: continued use despite this level → step up for more structure",
    ),
    # ASAM dimension 5; UDT: repeated unexpected positives mean use continues at this level.
    # Version 2 counts specimens, not analytes (one specimen positive for two drugs is one
    # occasion), and says how many a definitive test confirmed (ASAMDT).
    Rule(
        id="UP-REPEATED-POSITIVES",
        action=Action.STEP_UP,
        when=("positive_specimens >= 2",),
        weight=85,
        sentence="{positive_specimens} specimens with unexpected positives "
        "({confirmed_positive_specimens} confirmed by a definitive test): "
        "{unexpected_analytes}: use continues at this level → step up",
    ),
    # ASAM dimensions 5 and 2-6: a rating of 3 (significant) calls for PHP (placement table
    # FLOOR-D*-PHP rows); only an assessment signed in this level counts.
    Rule(
        id="UP-DIMENSION",
        action=Action.STEP_UP,
        when=("highest_dimension >= 3", "level != PHP"),
        weight=80,
        sentence="A dimension rated {highest_dimension} on the assessment signed in {level}: "
        "significant risk this level does not treat → step up",
    ),
    # PHQ: moderately severe depression that worsened by 5 or more since admission.
    Rule(
        id="UP-PHQ9-WORSE",
        action=Action.STEP_UP,
        when=("phq9_change >= 5", "phq9_latest >= 15", "level != PHP"),
        weight=75,
        sentence="PHQ-9 {phq9_latest}, up {phq9_change} since admission ({phq9_baseline}): "
        "depression worsening in treatment → step up for more psychiatric support",
    ),
    # --- Reassess before deciding --------------------------------------------------------
    # ASAM dimension 4: poor engagement is a readiness problem to reassess, not a reason to
    # step down (or to stop services).
    Rule(
        id="REASSESS-ATTENDANCE",
        action=Action.REASSESS,
        when=("attendance_pct < 60",),
        weight=65,
        sentence="Attendance {attendance_pct}% ({unexcused_absences} unexcused absences): "
        "reassess readiness (dimension 4) and barriers to attending",
    ),
    # PHQ: a clinically significant worsening below the step-up threshold.
    Rule(
        id="REASSESS-PHQ9-WORSE",
        action=Action.REASSESS,
        when=("phq9_change >= 5",),
        weight=60,
        sentence="PHQ-9 up {phq9_change} since admission ({phq9_baseline} → {phq9_latest}): "
        "reassess dimension 3",
    ),
    # DRR (version 3): no response by week 8 of care, an index of 10 or more not down by
    # half, is evidence for reassessment, never a move by itself. No PHQ-9 since the index
    # counts as no response (unknown is not good news). Weighted under a worsening (60),
    # above "not enough evidence" (50).
    Rule(
        id="REASSESS-PHQ9-NO-RESPONSE",
        action=Action.REASSESS,
        when=("phq9_not_improving == true",),
        weight=55,
        sentence="PHQ-9 {phq9_baseline} (the first since admission) has not dropped by half "
        "by week 8 of care ({phq9_since_index}): reassess dimension 3 and the treatment plan",
    ),
    # --- Stay: each blocks a step down ----------------------------------------------------
    # UDT: one unexpected positive is a signal to review, not yet a pattern. Version 2: one
    # specimen, whatever number of analytes it shows (ASAMDT: confirmed or not, it is said).
    Rule(
        id="HOLD-POSITIVE",
        action=Action.HOLD,
        when=("positive_specimens == 1",),
        weight=55,
        sentence="A specimen with an unexpected positive ({unexpected_analytes}; "
        "{confirmed_positive_specimens} confirmed by a definitive test): stay and review the "
        "plan with the client",
    ),
    # ASAMDT: a tampered specimen (adulterated, substituted) or an invalid one says nothing
    # about use and may be treated as a presumptive positive; never read as negative.
    Rule(
        id="HOLD-RECOLLECT",
        action=Action.HOLD,
        when=("recollect >= 1",),
        weight=50,
        sentence="{recollect} specimen(s) adulterated, substituted or invalid: not a negative "
        "result (it may be read as a presumptive positive); collect again and stay until "
        "testing is back on track",
    ),
    # UDT, ASAMDT: a refusal is not a negative result.
    Rule(
        id="HOLD-REFUSED",
        action=Action.HOLD,
        when=("refused >= 1",),
        weight=50,
        sentence="{refused} refused drug test(s): not a negative result; stay until testing "
        "is back on track",
    ),
    # ASAMDT and drug_testing/rules.py's MOUD sources: a prescribed MOUD missing from a
    # specimen asks for a conversation (non-adherence, diversion, a rapid metaboliser,
    # dilution) before any change of care; the clinician acknowledging the alert is that
    # review.
    Rule(
        id="HOLD-MOUD-MISSING",
        action=Action.HOLD,
        when=("moud_missing_alerts >= 1",),
        weight=45,
        sentence="{moud_missing_alerts} open alert(s): a prescribed MOUD not found in a "
        "specimen; stay until a clinician has talked it through with the client and "
        "acknowledged the alert (a conversation, not a sanction)",
    ),
    Rule(
        id="HOLD-MISSED",
        action=Action.HOLD,
        when=("missed >= 1",),
        weight=40,
        sentence="{missed} missed drug test(s): not a negative result; stay until testing is "
        "back on track",
    ),
    # ASAM dimension 5.
    Rule(
        id="HOLD-USE",
        action=Action.HOLD,
        when=("use_days >= 1",),
        weight=50,
        sentence="Reported use on {use_days} day(s): stay and work on relapse prevention",
    ),
    # CONT: frequent cravings fit IOP; a rising trend is no time to step down.
    Rule(
        id="HOLD-CRAVING",
        action=Action.HOLD,
        when=("craving_rising == true", "craving_recent >= 5"),
        weight=40,
        sentence="Craving rising, now averaging {craving_recent} of 10: stay",
    ),
    # PHQ: moderately severe depression still needs this level's support.
    Rule(
        id="HOLD-PHQ9-HIGH",
        action=Action.HOLD,
        when=("phq9_latest >= 15",),
        weight=35,
        sentence="PHQ-9 {phq9_latest} (moderately severe or severe): stay",
    ),
    # CONT: regular attendance; ASAM: continued service needs the level's hours delivered.
    Rule(
        id="HOLD-ATTENDANCE",
        action=Action.HOLD,
        when=("attendance_pct >= 60", "attendance_pct < 80"),
        weight=30,
        sentence="Attendance {attendance_pct}% ({unexcused_absences} unexcused absences): stay "
        "until attendance is steady",
    ),
    # Short weeks count against the client only with sessions missed: at 90% attendance or
    # more the shortfall is the schedule's (too few hours booked), to fix in the calendar,
    # not a reason to keep the client at the level.
    Rule(
        id="HOLD-HOURS",
        action=Action.HOLD,
        when=("weeks_short >= 2", "attendance_pct < 90"),
        weight=30,
        sentence="{weeks_short} of {weeks_judged} complete weeks under the level's minimum "
        "hours, attendance {attendance_pct}%: stay until the hours are delivered",
    ),
    # --- Step down -----------------------------------------------------------------------
    # Version 2: "no unexpected positives" is ``positive_specimens == 0``, which is not
    # recorded without a specimen with a readable result, and "no reported use" needs a
    # check-in (UDT, ASAMDT: what was not tested or reported is not negative).
    # CONT: PHP 2-6 weeks then IOP; ASAM: risks resolved and engagement shown.
    Rule(
        id="DOWN-PHP-STABLE",
        action=Action.STEP_DOWN,
        when=(
            "level == PHP",
            "typical_min_reached == true",
            "attendance_pct >= 80",
            "weeks_short == 0",
            "positive_specimens == 0",
            "use_days == 0",
        ),
        weight=35,
        sentence="{weeks_in_level} weeks in PHP (typical {typical_weeks}), attendance "
        "{attendance_pct}%, hours met, no unexpected positives, no reported use → step down",
    ),
    # CONT: IOP 8-12 weeks; OP fits after completing IOP with goals under way.
    Rule(
        id="DOWN-IOP-COMPLETE",
        action=Action.STEP_DOWN,
        when=(
            "level == IOP",
            "typical_min_reached == true",
            "attendance_pct >= 80",
            "weeks_short == 0",
            "positive_specimens == 0",
            "use_days == 0",
            "objectives_met >= 1",
        ),
        weight=35,
        sentence="{weeks_in_level} weeks in IOP (typical {typical_weeks}), attendance "
        "{attendance_pct}%, hours met, {objectives_met} objective(s) met, no unexpected "
        "positives, no reported use → step down",
    ),
    # CONT: OP is ongoing by relapse risk and goals; aftercare once both are in hand.
    Rule(
        id="DOWN-OP-GOALS",
        action=Action.STEP_DOWN,
        when=(
            "level == OP",
            "weeks_in_level >= 8",
            "attendance_pct >= 80",
            "positive_specimens == 0",
            "use_days == 0",
            "objectives_met >= 2",
        ),
        weight=30,
        sentence="{weeks_in_level} weeks in OP, attendance {attendance_pct}%, "
        "{objectives_met} objectives met, no unexpected positives, no reported use → step "
        "down to aftercare",
    ),
    # CONT: a stay past the typical length needs a reason (the census flags it too).
    Rule(
        id="DOWN-PAST-TYPICAL",
        action=Action.STEP_DOWN,
        when=(
            "typical_max_passed == true",
            "attendance_pct >= 80",
            "positive_specimens == 0",
            "use_days == 0",
        ),
        weight=40,
        sentence="{weeks_in_level} weeks in {level}, past its typical stay ({typical_weeks}), "
        "with no use or unexpected positives → step down, or record why a longer stay is "
        "needed",
    ),
    # CONT: aftercare is long term; after six months of it without use, completing the
    # program is a discharge the clinician decides with the client.
    Rule(
        id="DOWN-AFTERCARE-COMPLETE",
        action=Action.STEP_DOWN,
        when=(
            "level == AFTERCARE",
            "weeks_in_level >= 26",
            "positive_specimens == 0",
            "use_days == 0",
        ),
        weight=20,
        sentence="{weeks_in_level} weeks in aftercare without reported use or unexpected "
        "positives → complete the program",
    ),
    # --- Otherwise -------------------------------------------------------------------------
    Rule(
        id="STAY-ON-TRACK",
        action=Action.OTHERWISE,
        when=(),
        weight=10,
        sentence="{weeks_in_level} weeks in {level} (typical {typical_weeks}); nothing calls "
        "for a change → continue and review again",
    ),
)

# CONT: "clinicians regularly assess progress". PHP's weeks are short, so weekly; IOP
# fortnightly; OP and aftercare monthly (the treatment-plan review default is 30 days).
REVIEW_EVERY_DAYS: Mapping[str, int] = MappingProxyType(
    {"PHP": 7, "IOP": 14, "OP": 30, "AFTERCARE": 30}
)
# How soon a clinician should act on a proposal: safety the same day.
DECIDE_WITHIN_DAYS: Mapping[Action, int] = MappingProxyType(
    {
        Action.SAFETY: 0,
        Action.STEP_UP: 1,
        Action.REASSESS: 3,
        Action.STEP_DOWN: 7,
    }
)

DEFAULT_TABLE = ReviewTable(
    version=3,
    rules=DEFAULT_RULES,
    review_every_days=REVIEW_EVERY_DAYS,
    decide_within_days=DECIDE_WITHIN_DAYS,
)
