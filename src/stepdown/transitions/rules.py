"""The level-of-care review engine: a client's evidence, and the evaluator that applies a table.

The evaluator holds no clinical content of the table's kind: that lives in the rows of
``rule_table`` so the clinical director can read it. What the evaluator does hold are the
gates an edited table must not be able to remove (issue 11). ``propose`` works in this
order:

1. **Live risk overrides every rule.** While the safety gate (``stepdown.safety.rules``,
   carried in ``Evidence.safety_state``) is live, the proposal is a same-day safety
   reassessment (urgency 100, due today) with the gate's reasons driving it; rows that
   fired are listed as background.
2. Every row whose conditions all hold fires; evidence that was never recorded fires
   nothing (``Evidence.fact_values`` turns figures that need a specimen, a check-in or a
   judged week into "not recorded" when there is none).
3. The strongest action that fired decides (``rule_table.PRECEDENCE``): step up, reassess,
   stay (a HOLD row blocks any step down), step down; the unconditional OTHERWISE row
   means stay.
4. **Unknown is not negative.** No specimen with a readable result in the window, no
   check-in in the window, or no standardized instrument since admission makes the
   proposal "reassess: not enough evidence", naming what is missing (``EVIDENCE-*``).
   This outranks stay and step down, never a safety reassessment or a step up: more care
   on real evidence is still proposed.
5. A step moves one level along the catalog's order (most to least intensive). There is no
   step up from the first level in house (a referral out is the clinician's call: the
   proposal becomes reassess) and the step down from the last level is completing the
   program (a discharge); either way a reason says so, so the engine never names a level
   outside the order, nor leaves the order, without saying why.
6. Urgency is the weight of the strongest deciding reason; the next review is due within
   the action's decision time, or, for a stay, after the level's review interval (sooner
   if the level's typical stay ends first).

The engine never moves anyone: a clinician accepts or dismisses each proposal.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from stepdown.safety.rules import GateState, SafetyReason
from stepdown.transitions import phq9_progress
from stepdown.transitions.rule_table import (
    DEFAULT_TABLE,
    FACTS,
    PRECEDENCE,
    Action,
    FactValue,
    ReviewTable,
    Rule,
    RuleTableError,
)

__all__ = [
    "DEFAULT_TABLE",
    "ENGINE_RULES",
    "IN_HOUSE_ORDER",
    "Action",
    "Evidence",
    "EvidenceItem",
    "GateState",
    "Proposal",
    "ProposalKind",
    "Reason",
    "ReviewTable",
    "Rule",
    "RuleTableError",
    "SafetyReason",
    "check_table",
    "proposal_json",
    "propose",
]

# The program's in-house levels, most to least intensive, as the seeded catalog orders them;
# the service passes the catalog's own order.
IN_HOUSE_ORDER = ("PHP", "IOP", "OP", "AFTERCARE")
# The window most evidence is read over: four weeks, or the time in the level if shorter.
WINDOW_DAYS = 28
# Urgency of "reassess: not enough evidence": below the table's reassess rows (a worsening
# or disengaging client is more pressing than a gap in the record), above its step-downs.
EVIDENCE_GAP_WEIGHT = 50
SAFETY_WEIGHT = 100
# Rule ids the evaluator gives its own reasons; a table may not use them.
ENGINE_PREFIXES = ("ORDER-", "SAFETY-", "EVIDENCE-")

# The evaluator's own rules, for the rules page and ``stepdown reviews rules``.
ENGINE_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "SAFETY-*",
        "reassess now (safety)",
        "Live suicide risk by the safety gate (an open safety alert until acknowledged; "
        "PHQ-9 item 9 above 0 in the past 14 days; C-SSRS intent or plan in the past month "
        "or behaviour in the past 3 months; unless a safety assessment documented after "
        "it resolved it): a same-day safety reassessment whatever the table says, urgency "
        "100. No step down can be accepted while it holds.",
    ),
    (
        "EVIDENCE-NO-SPECIMEN",
        "reassess",
        "No drug-test specimen with a readable result in the window: no result is not a "
        "negative one.",
    ),
    (
        "EVIDENCE-NO-CHECKINS",
        "reassess",
        "No check-in in the window: no reported use is not the same as no use.",
    ),
    (
        "EVIDENCE-NO-INSTRUMENT",
        "reassess",
        "No standardized instrument result (PHQ-9, GAD-7, AUDIT, DAST-10, BAM, C-SSRS) "
        "since admission.",
    ),
)


class ProposalKind(StrEnum):
    STEP_UP = "step_up"
    REASSESS = "reassess"
    STAY = "stay"
    STEP_DOWN = "step_down"

    @property
    def label(self) -> str:
        return {
            ProposalKind.STEP_UP: "Step up",
            ProposalKind.REASSESS: "Reassess now",
            ProposalKind.STAY: "Stay",
            ProposalKind.STEP_DOWN: "Step down",
        }[self]


_KIND_OF: Mapping[Action, ProposalKind] = {
    Action.SAFETY: ProposalKind.REASSESS,
    Action.STEP_UP: ProposalKind.STEP_UP,
    Action.REASSESS: ProposalKind.REASSESS,
    Action.HOLD: ProposalKind.STAY,
    Action.STEP_DOWN: ProposalKind.STEP_DOWN,
    Action.OTHERWISE: ProposalKind.STAY,
}


@dataclass(frozen=True)
class Evidence:
    """What the system knows about a client in care on ``as_of``, each with its date.

    Window figures (attendance, hours, tests, check-ins) cover ``window_start`` to
    ``as_of``. Counts of events (refusals, tampered specimens, open alerts) are 0 when none
    happened. Figures about what the client's results showed are ``None`` when nothing was
    there to show it (no readable specimen, no check-in, no complete week judged), and
    ``fact_values`` keeps them ``None`` whatever a caller passes, so no row reads silence
    as good news.

    ``phq9_baseline`` is the episode's first PHQ-9 (the index of ``phq9_not_improving``,
    ``phq9_progress``) and ``phq9_latest`` its latest, the same result when there is one;
    ``admitted_on`` is the episode's admission day, without which (an evidence file that
    does not give it) ``phq9_not_improving`` is not recorded.
    """

    as_of: date
    level: str
    level_since: date
    window_start: date
    typical_weeks_min: int | None = None
    typical_weeks_max: int | None = None
    admitted_on: date | None = None  # the episode's admission day: week 8 of care counts from it
    # The safety gate on ``as_of`` (stepdown.safety.rules); live risk overrides every row.
    safety_state: GateState = GateState.CLEAR
    safety_reasons: tuple[SafetyReason, ...] = ()
    # Attendance and hours.
    attendance_rate: float | None = None  # attended / scheduled, 0-1
    unexcused_absences: int = 0
    weeks_judged: int = 0
    weeks_short: int = 0  # of the weeks judged
    # Drug tests ordered in the window, counted per specimen.
    tests_collected: int = 0
    positive_specimens: int | None = None  # None: no specimen with a readable result
    confirmed_positive_specimens: int = 0  # of those, by a definitive (laboratory) method
    unexpected_analytes: tuple[str, ...] = ()
    recollect: int = 0  # specimens adulterated, substituted or invalid
    refused: int = 0
    missed: int = 0
    moud_missing_alerts: int = 0  # open on as_of, whenever raised
    # Check-ins.
    checkin_days: int = 0
    craving_recent: float | None = None
    craving_earlier: float | None = None
    use_days: int | None = None  # None: no check-in
    # Since admission: instruments, PHQ-9, objectives; ratings signed in this level.
    instruments_since_admission: int = 0
    phq9_baseline: int | None = None
    phq9_baseline_on: date | None = None
    phq9_latest: int | None = None
    phq9_latest_on: date | None = None
    objectives_met: int = 0
    objectives_overdue: int = 0
    dimensions: tuple[int, int, int, int, int, int] | None = None
    dimensions_on: date | None = None  # signed on; only one signed in this level counts

    @property
    def days_in_level(self) -> int:
        return max((self.as_of - self.level_since).days, 0)

    @property
    def typical_text(self) -> str:
        low, high = self.typical_weeks_min, self.typical_weeks_max
        if low is not None and high is not None:
            return f"{low}-{high} weeks"
        if high is not None:
            return f"up to {high} weeks"
        if low is not None:
            return f"{low} weeks or more"
        return "ongoing"

    def fact_values(self) -> dict[str, FactValue]:
        """The flat name -> value view the table's conditions are written against."""
        weeks = self.days_in_level // 7
        low, high = self.typical_weeks_min, self.typical_weeks_max
        phq9_change = (
            self.phq9_latest - self.phq9_baseline
            if self.phq9_latest is not None
            and self.phq9_baseline is not None
            and self.phq9_latest_on != self.phq9_baseline_on
            else None
        )
        # Nothing to read without a specimen with a result, a check-in or a judged week.
        tested = self.tests_collected > 0 and self.positive_specimens is not None
        checked_in = self.checkin_days > 0
        craving_recent = self.craving_recent if checked_in else None
        craving_earlier = self.craving_earlier if checked_in else None
        rising = None
        if craving_recent is not None and craving_earlier is not None:
            rising = craving_recent - craving_earlier >= 1.0
        # Ratings from before this level began describe the client who was placed here.
        current = self.dimensions_on is not None and self.dimensions_on >= self.level_since
        dimensions = self.dimensions if current else None
        response = self.phq9_response()
        return {
            "level": self.level,
            "weeks_in_level": weeks,
            "typical_weeks": self.typical_text,
            "typical_min_reached": None if low is None else self.days_in_level >= low * 7,
            "typical_max_passed": None if high is None else self.days_in_level > high * 7,
            "attendance_pct": (
                None if self.attendance_rate is None else round(self.attendance_rate * 100)
            ),
            "unexcused_absences": self.unexcused_absences,
            "weeks_judged": self.weeks_judged,
            "weeks_short": self.weeks_short if self.weeks_judged > 0 else None,
            "tests_collected": self.tests_collected,
            "positive_specimens": self.positive_specimens if tested else None,
            "confirmed_positive_specimens": self.confirmed_positive_specimens if tested else None,
            "unexpected_analytes": ", ".join(self.unexpected_analytes) or "none",
            "recollect": self.recollect,
            "refused": self.refused,
            "missed": self.missed,
            "moud_missing_alerts": self.moud_missing_alerts,
            "checkin_days": self.checkin_days,
            "craving_recent": craving_recent,
            "craving_rising": rising,
            "use_days": self.use_days if checked_in else None,
            "instruments_since_admission": self.instruments_since_admission,
            "phq9_baseline": self.phq9_baseline,
            "phq9_latest": self.phq9_latest,
            "phq9_change": phq9_change,
            "phq9_not_improving": response.not_improving,
            "phq9_since_index": response.since_index,
            "objectives_met": self.objectives_met,
            "objectives_overdue": self.objectives_overdue,
            "highest_dimension": max(dimensions) if dimensions else None,
        }

    def phq9_response(self) -> phq9_progress.Phq9Progress:
        """PHQ-9 not improving by week 8 of care (``phq9_progress``: an index above 9 not
        down by half; NCQA HEDIS DRR-E, Kroenke 2001), judged on ``as_of``."""

        def score(total: int | None, on: date | None) -> phq9_progress.Phq9Score | None:
            return None if total is None or on is None else phq9_progress.Phq9Score(on, total)

        return phq9_progress.judge(
            score(self.phq9_baseline, self.phq9_baseline_on),
            score(self.phq9_latest, self.phq9_latest_on),
            admitted_on=self.admitted_on,
            as_of=self.as_of,
        )

    def fact_dates(self) -> dict[str, str]:
        """Where each fact comes from in time, shown next to it as its evidence."""
        window = f"{self.window_start.isoformat()} to {self.as_of.isoformat()}"
        since = f"since {self.level_since.isoformat()}"

        def on(day: date | None) -> str:
            return day.isoformat() if day else "not recorded"

        response = self.phq9_response()
        if response.week_8 is None:
            progress_on = "admission not recorded"
        else:
            progress_on = (
                f"{on(self.admitted_on)} to {self.as_of.isoformat()} "
                f"(week 8 of care from {response.week_8.isoformat()})"
            )
        if response.follow_up is not None:
            since_index_on = response.follow_up.on.isoformat()
        elif response.index is not None:
            since_index_on = f"{response.index.on.isoformat()} to {self.as_of.isoformat()}"
        else:
            since_index_on = "not recorded"
        dates = dict.fromkeys(FACTS, window)
        dates.update(
            level=since,
            weeks_in_level=since,
            typical_weeks="level of care catalog",
            typical_min_reached=since,
            typical_max_passed=since,
            phq9_baseline=on(self.phq9_baseline_on),
            phq9_latest=on(self.phq9_latest_on),
            phq9_change=f"{on(self.phq9_baseline_on)} to {on(self.phq9_latest_on)}",
            phq9_not_improving=progress_on,
            phq9_since_index=since_index_on,
            moud_missing_alerts=f"open on {self.as_of.isoformat()}",
            instruments_since_admission=f"admission to {self.as_of.isoformat()}",
            objectives_met=f"admission to {self.as_of.isoformat()}",
            objectives_overdue=self.as_of.isoformat(),
            highest_dimension=on(self.dimensions_on),
        )
        return dates


@dataclass(frozen=True)
class EvidenceItem:
    fact: str
    label: str
    value: str
    on: str


@dataclass(frozen=True)
class Reason:
    rule_id: str
    action: str
    weight: int
    sentence: str
    drives: bool  # one of the rows that decided the proposal, not background
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True)
class Proposal:
    kind: ProposalKind
    from_level: str
    target_level: str | None  # None: no move, or a completing discharge (see reasons)
    reasons: tuple[Reason, ...]
    urgency: int
    next_review_due: date
    safety: bool
    table_version: int
    discharge: bool = False  # the step down from the last level: completing the program

    @property
    def top_reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.drives)[:3]

    def reasons_json(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.reasons]


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """A proposal as plain JSON values: for ``stepdown reviews evaluate`` and the pages that
    try the rules on an evidence file."""
    return {
        "kind": proposal.kind.value,
        "label": proposal.kind.label,
        "from_level": proposal.from_level,
        "target_level": proposal.target_level,
        "discharge": proposal.discharge,
        "urgency": proposal.urgency,
        "safety": proposal.safety,
        "next_review_due": proposal.next_review_due.isoformat(),
        "table_version": proposal.table_version,
        "reasons": proposal.reasons_json(),
    }


def _show(value: FactValue) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_FORMATTER = string.Formatter()


def _placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(sentence) if name is not None}


def check_table(table: ReviewTable) -> None:
    """Refuse a table the evaluator cannot apply to every client, naming the faulty rule."""
    seen: set[str] = set()
    for rule in table.rules:
        where = f"rule {rule.id}"
        if not rule.id.strip() or rule.id in seen:
            raise RuleTableError(f"{where}: every rule needs its own id")
        if rule.id.startswith(ENGINE_PREFIXES):
            raise RuleTableError(
                f"{where}: {', '.join(ENGINE_PREFIXES)} ids are the engine's own reasons"
            )
        seen.add(rule.id)
        try:
            rule.conditions  # noqa: B018 - parsing is the check
        except RuleTableError as error:
            raise RuleTableError(f"{where}: {error}") from None
        if not 0 <= rule.weight <= 100:
            raise RuleTableError(f"{where}: weight must be 0 to 100")
        unknown = _placeholders(rule.sentence) - set(FACTS)
        if unknown:
            raise RuleTableError(f"{where}: sentence names unknown facts {sorted(unknown)}")
    if not any(r.action is Action.OTHERWISE and not r.when for r in table.rules):
        raise RuleTableError("the table needs an unconditional OTHERWISE rule")


def _reason(
    rule: Rule,
    shown: Mapping[str, str],
    dates: Mapping[str, str],
    *,
    drives: bool,
) -> Reason:
    named = [name for _, name, _, _ in _FORMATTER.parse(rule.sentence) if name]
    looked_at = tuple(dict.fromkeys([*rule.facts, *named]))
    return Reason(
        rule_id=rule.id,
        action=rule.action.value,
        weight=rule.weight,
        sentence=rule.sentence.format_map(shown),
        drives=drives,
        evidence=tuple(EvidenceItem(f, FACTS[f], shown[f], dates[f]) for f in looked_at),
    )


def _order_reason(rule_id: str, sentence: str, level: str, since: str) -> Reason:
    return Reason(
        rule_id=rule_id,
        action="order",
        weight=0,
        sentence=sentence,
        drives=True,
        evidence=(EvidenceItem("level", FACTS["level"], level, since),),
    )


def _target(
    action: Action, level: str, order: Sequence[str], since: str
) -> tuple[ProposalKind, str | None, bool, Reason | None]:
    """Where the deciding action takes the client in the catalog's order, and the reason
    when it cannot go there."""
    kind = _KIND_OF[action]
    if level not in order:
        return (
            ProposalKind.REASSESS,
            None,
            False,
            _order_reason(
                "ORDER-NOT-IN-HOUSE",
                f"{level} is not one of the in-house levels ({', '.join(order)}): reassess "
                "where the client should be",
                level,
                since,
            ),
        )
    index = order.index(level)
    if kind is ProposalKind.STEP_UP and index == 0:
        return (
            ProposalKind.REASSESS,
            None,
            False,
            _order_reason(
                "ORDER-TOP",
                f"{level} is the most intensive level in house: more care means a referral "
                "out (residential or detox), for the clinician to decide after reassessing",
                level,
                since,
            ),
        )
    if kind is ProposalKind.STEP_UP:
        return kind, order[index - 1], False, None
    if kind is ProposalKind.STEP_DOWN and index == len(order) - 1:
        return (
            kind,
            None,
            True,
            _order_reason(
                "ORDER-END",
                f"{level} is the last level: stepping down is completing the program, a "
                "discharge the clinician agrees with the client",
                level,
                since,
            ),
        )
    if kind is ProposalKind.STEP_DOWN:
        return kind, order[index + 1], False, None
    return kind, None, False, None


def _next_due(evidence: Evidence, table: ReviewTable, action: Action, kind: ProposalKind) -> date:
    if kind is not ProposalKind.STAY:
        return evidence.as_of + timedelta(days=table.decide_within_days.get(action, 0))
    due = evidence.as_of + timedelta(
        days=table.review_every_days.get(evidence.level, table.default_review_days)
    )
    if evidence.typical_weeks_max is not None:
        typical_end = evidence.level_since + timedelta(weeks=evidence.typical_weeks_max)
        if evidence.as_of < typical_end < due:
            due = typical_end
    return due


_SAFETY_ACTION: Mapping[GateState, str] = {
    GateState.ASSESSMENT_REQUIRED: "same-day safety assessment before any change of level",
    GateState.CRISIS_REFERRAL: (
        "refer now for a crisis or psychiatric inpatient evaluation; no step down"
    ),
    GateState.HOSPITAL: (
        "sent out for hospital-level care: a new safety assessment before any in-house level"
    ),
}


def _safety_reasons(evidence: Evidence) -> list[Reason]:
    """The gate's reasons, each with the date it rests on, as the deciding reasons."""
    state = evidence.safety_state
    given = evidence.safety_reasons or (
        # A gate read without its reasons (an evidence file): the state still decides.
        SafetyReason(
            "SAFETY-GATE",
            f"Safety gate: {state.label}",
            datetime.combine(evidence.as_of, time(), tzinfo=UTC),
        ),
    )
    return [
        Reason(
            rule_id=r.rule_id,
            action=Action.SAFETY.value,
            weight=SAFETY_WEIGHT,
            sentence=f"{r.sentence} → {_SAFETY_ACTION[state]}",
            drives=True,
            evidence=(
                EvidenceItem("safety_state", "safety gate", state.label, r.on.date().isoformat()),
            ),
        )
        for r in given
    ]


def _evidence_gaps(
    evidence: Evidence,
    values: Mapping[str, FactValue],
    shown: Mapping[str, str],
    dates: Mapping[str, str],
) -> list[Reason]:
    """What is missing for a step down to be judged at all: each names itself."""
    window = f"{evidence.window_start.isoformat()} to {evidence.as_of.isoformat()}"

    def gap(rule_id: str, sentence: str, facts: Sequence[str]) -> Reason:
        return Reason(
            rule_id=rule_id,
            action=Action.REASSESS.value,
            weight=EVIDENCE_GAP_WEIGHT,
            sentence=sentence,
            drives=True,
            evidence=tuple(EvidenceItem(f, FACTS[f], shown[f], dates[f]) for f in facts),
        )

    gaps = []
    if values["positive_specimens"] is None:
        if evidence.tests_collected:
            sentence = (
                f"{evidence.tests_collected} specimen(s) collected from {window}, none with a "
                "readable result yet (awaiting the laboratory, or to be collected again): not "
                "a negative result → reassess once a result is in, before any step down"
            )
        else:
            sentence = (
                f"No drug test collected from {window}: no result is not a negative result "
                "→ collect a specimen and reassess before any step down"
            )
        gaps.append(
            gap("EVIDENCE-NO-SPECIMEN", sentence, ("tests_collected", "positive_specimens"))
        )
    if evidence.checkin_days <= 0:
        gaps.append(
            gap(
                "EVIDENCE-NO-CHECKINS",
                f"No check-in from {window}: no reported use is not the same as no use → "
                "ask the client to check in and reassess before any step down",
                ("checkin_days", "use_days"),
            )
        )
    if evidence.instruments_since_admission <= 0:
        gaps.append(
            gap(
                "EVIDENCE-NO-INSTRUMENT",
                "No standardized instrument (PHQ-9, GAD-7, AUDIT, DAST-10, BAM, C-SSRS) given "
                "since admission → measure where the client stands before any step down",
                ("instruments_since_admission",),
            )
        )
    return gaps


def propose(
    evidence: Evidence,
    table: ReviewTable = DEFAULT_TABLE,
    catalog_order: Sequence[str] = IN_HOUSE_ORDER,
) -> Proposal:
    """The proposal for one client, by the order in the module docstring."""
    check_table(table)
    values = evidence.fact_values()
    shown = {name: _show(value) for name, value in values.items()}
    dates = evidence.fact_dates()
    fired = [r for r in table.rules if r.fires(values)]
    by_rows = next(a for a in PRECEDENCE if any(r.action is a for r in fired))
    gaps = _evidence_gaps(evidence, values, shown, dates)
    live = evidence.safety_state.live

    # The evaluator's own gates first: live risk, then missing evidence (unless the rows
    # ask for a safety reassessment or more care on the evidence there is).
    engine_drivers: list[Reason] = []
    engine_background = gaps  # said as background when something stronger decides
    if live:
        deciding, engine_drivers = Action.SAFETY, _safety_reasons(evidence)
    elif gaps and by_rows not in (Action.SAFETY, Action.STEP_UP):
        deciding, engine_drivers, engine_background = Action.REASSESS, gaps, []
    else:
        deciding = by_rows

    def strongest_first(rules: Sequence[Rule]) -> list[Rule]:
        return sorted(rules, key=lambda r: (PRECEDENCE.index(r.action), -r.weight))

    row_drivers = strongest_first([r for r in fired if r.action is deciding])
    if deciding is not Action.OTHERWISE:
        row_drivers = [r for r in row_drivers if r.action is not Action.OTHERWISE]
    background = strongest_first(
        [r for r in fired if r.action is not deciding and r.action is not Action.OTHERWISE]
    )
    since = f"since {evidence.level_since.isoformat()}"
    kind, target, discharge, order_reason = _target(deciding, evidence.level, catalog_order, since)
    drivers = sorted(
        [*engine_drivers, *(_reason(r, shown, dates, drives=True) for r in row_drivers)],
        key=lambda r: -r.weight,
    )
    reasons = list(drivers)
    if order_reason is not None:
        reasons.append(order_reason)
    reasons += [_reason(r, shown, dates, drives=False) for r in background]
    reasons += [replace(r, drives=False) for r in engine_background]
    return Proposal(
        kind=kind,
        from_level=evidence.level,
        target_level=target,
        reasons=tuple(reasons),
        urgency=SAFETY_WEIGHT if live else max(r.weight for r in drivers),
        # Live risk: the same day, whatever the table's decision times say.
        next_review_due=(evidence.as_of if live else _next_due(evidence, table, deciding, kind)),
        safety=live or deciding is Action.SAFETY,
        table_version=table.version,
        discharge=discharge,
    )


def window(as_of: date, level_since: date) -> tuple[date, date]:
    """The evidence window: the last four weeks, or the time in the level if shorter (the
    evidence is about this level), never after ``as_of``."""
    start = max(as_of - timedelta(days=WINDOW_DAYS - 1), min(level_since, as_of))
    return start, as_of
