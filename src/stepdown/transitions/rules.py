"""The level-of-care review engine: a client's evidence, and the evaluator that applies a table.

The evaluator holds no clinical content: that lives in the rows of ``rule_table`` so the
clinical director can read it. ``propose`` applies a table in this order:

1. Every row whose conditions all hold fires; evidence that was never recorded fires nothing.
2. The strongest action that fired decides (``rule_table.PRECEDENCE``): a safety row puts a
   same-day reassessment first whatever else fired; then step up, reassess, stay (a HOLD row
   blocks any step down), step down; the unconditional OTHERWISE row means stay.
3. A step moves one level along the catalog's order (most to least intensive). There is no
   step up from the first level in house (a referral out is the clinician's call: the
   proposal becomes reassess) and the step down from the last level is completing the
   program (a discharge); either way a reason says so, so the engine never names a level
   outside the order, nor leaves the order, without saying why.
4. Urgency is the weight of the strongest deciding row; the next review is due within the
   action's decision time, or, for a stay, after the level's review interval (sooner if the
   level's typical stay ends first).

The engine never moves anyone: a clinician accepts or dismisses each proposal.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

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
    "IN_HOUSE_ORDER",
    "Action",
    "Evidence",
    "EvidenceItem",
    "Proposal",
    "ProposalKind",
    "Reason",
    "ReviewTable",
    "Rule",
    "RuleTableError",
    "check_table",
    "propose",
]

# The program's in-house levels, most to least intensive, as the seeded catalog orders them;
# the service passes the catalog's own order.
IN_HOUSE_ORDER = ("PHP", "IOP", "OP", "AFTERCARE")
# The window most evidence is read over: four weeks, or the time in the level if shorter.
WINDOW_DAYS = 28


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
    ``as_of``; ``None`` means nothing was recorded, which no rule reads as good news.
    """

    as_of: date
    level: str
    level_since: date
    window_start: date
    typical_weeks_min: int | None = None
    typical_weeks_max: int | None = None
    attendance_rate: float | None = None  # attended / scheduled, 0-1
    unexcused_absences: int = 0
    weeks_judged: int = 0
    weeks_short: int = 0
    tests_collected: int = 0
    unexpected_positives: int = 0
    unexpected_analytes: tuple[str, ...] = ()
    refused: int = 0
    missed: int = 0
    checkin_days: int = 0
    craving_recent: float | None = None
    craving_earlier: float | None = None
    use_days: int = 0
    phq9_baseline: int | None = None
    phq9_baseline_on: date | None = None
    phq9_latest: int | None = None
    phq9_latest_on: date | None = None
    phq9_item9_positive: bool = False
    cssrs_risk: str | None = None
    cssrs_on: date | None = None
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
        rising = None
        if self.craving_recent is not None and self.craving_earlier is not None:
            rising = self.craving_recent - self.craving_earlier >= 1.0
        # Ratings from before this level began describe the client who was placed here.
        current = self.dimensions_on is not None and self.dimensions_on >= self.level_since
        dimensions = self.dimensions if current else None
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
            "weeks_short": self.weeks_short,
            "tests_collected": self.tests_collected,
            "unexpected_positives": self.unexpected_positives,
            "unexpected_analytes": ", ".join(self.unexpected_analytes) or "none",
            "refused": self.refused,
            "missed": self.missed,
            "checkin_days": self.checkin_days,
            "craving_recent": self.craving_recent,
            "craving_rising": rising,
            "use_days": self.use_days,
            "phq9_baseline": self.phq9_baseline,
            "phq9_latest": self.phq9_latest,
            "phq9_change": phq9_change,
            "phq9_item9_positive": self.phq9_item9_positive,
            "cssrs_risk": self.cssrs_risk,
            "objectives_met": self.objectives_met,
            "objectives_overdue": self.objectives_overdue,
            "highest_dimension": max(dimensions) if dimensions else None,
        }

    def fact_dates(self) -> dict[str, str]:
        """Where each fact comes from in time, shown next to it as its evidence."""
        window = f"{self.window_start.isoformat()} to {self.as_of.isoformat()}"
        since = f"since {self.level_since.isoformat()}"

        def on(day: date | None) -> str:
            return day.isoformat() if day else "not recorded"

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
            cssrs_risk=on(self.cssrs_on),
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
        if rule.id.startswith("ORDER-"):
            raise RuleTableError(f"{where}: ORDER- ids are the engine's own reasons")
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
    deciding = next(a for a in PRECEDENCE if any(r.action is a for r in fired))

    def strongest_first(rules: Sequence[Rule]) -> list[Rule]:
        return sorted(rules, key=lambda r: (PRECEDENCE.index(r.action), -r.weight))

    drivers = strongest_first([r for r in fired if r.action is deciding])
    if deciding is not Action.OTHERWISE:
        drivers = [r for r in drivers if r.action is not Action.OTHERWISE]
    background = strongest_first(
        [r for r in fired if r.action is not deciding and r.action is not Action.OTHERWISE]
    )
    since = f"since {evidence.level_since.isoformat()}"
    kind, target, discharge, order_reason = _target(deciding, evidence.level, catalog_order, since)
    reasons = [_reason(r, shown, dates, drives=True) for r in drivers]
    if order_reason is not None:
        reasons.append(order_reason)
    reasons += [_reason(r, shown, dates, drives=False) for r in background]
    return Proposal(
        kind=kind,
        from_level=evidence.level,
        target_level=target,
        reasons=tuple(reasons),
        urgency=max(r.weight for r in drivers),
        next_review_due=_next_due(evidence, table, deciding, kind),
        safety=deciding is Action.SAFETY,
        table_version=table.version,
        discharge=discharge,
    )


def window(as_of: date, level_since: date) -> tuple[date, date]:
    """The evidence window: the last four weeks, or the time in the level if shorter (the
    evidence is about this level), never after ``as_of``."""
    start = max(as_of - timedelta(days=WINDOW_DAYS - 1), min(level_since, as_of))
    return start, as_of
