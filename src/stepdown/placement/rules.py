"""Level-of-care recommendation: the client's facts, and the evaluator that applies a rule table.

The evaluator holds no clinical content: that lives in the rows of ``rule_table`` so the
clinical director can read it, and ``recommend`` takes an edited table in place of
``DEFAULT_RULES``.

Before any row, the safety gate (``stepdown.safety.rules``): live suicide risk overrides every
other rule and no edited table can change that. While the gate holds, the recommendation is
no outpatient level: "safety assessment required today" (``level`` None, a hold), or, when
the C-SSRS is high or the last safety assessment sent the client out, a referral to
hospital-level (crisis or psychiatric inpatient) care. Either way ``then_level`` says what the
ratings call for once safety is addressed.

A table is applied in this order:
1. SAFETY rows add a top reason; they never change the level.
2. REFER rows send the client out (detox before residential) and name the least in-house
   level that follows.
3. AT_LEAST rows each set a floor and the highest floor wins: in the ASAM Criteria the
   highest-severity dimension drives intensity. With no floor, the first OTHERWISE row fires.
4. SERVICE rows add services (psychiatric care, adolescent groups ...).
5. TRACK rows see the chosen level as the fact ``level``; the first that fires sets the track.
6. WARN rows say where an instrument disagrees with a rating; they change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from stepdown.assessments.rules import CssrsRisk
from stepdown.placement.rule_table import (
    DEFAULT_RULES,
    FACTS,
    IN_HOUSE,
    REFERRALS,
    Action,
    FactValue,
    Level,
    Rule,
    RuleTableError,
    Track,
)
from stepdown.safety.rules import GateState, from_instrument_summary

__all__ = [
    "DEFAULT_RULES",
    "Action",
    "Availability",
    "DimensionRatings",
    "InstrumentSummary",
    "Level",
    "PlacementFacts",
    "Reason",
    "RecentLevel",
    "Recommendation",
    "Rule",
    "RuleTableError",
    "SafetyFacts",
    "SafetyNote",
    "Track",
    "WeeklyHours",
    "WithdrawalRisk",
    "check_rules",
    "recommend",
    "weekly_hours",
]


class RecentLevel(StrEnum):
    NONE = "none"
    DETOX = "detox"
    RESIDENTIAL = "residential"
    PHP = "php"
    IOP = "iop"
    OP = "op"


class WithdrawalRisk(StrEnum):
    """As rated from the CIWA-Ar or COWS by medical staff."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


Rating = Annotated[int, Field(ge=0, le=4)]


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DimensionRatings(_Facts):
    """Risk ratings 0-4 (none, mild, moderate, significant, severe), ASAM 3rd edition names."""

    intoxication_withdrawal: Rating
    biomedical: Rating
    emotional_behavioral_cognitive: Rating
    readiness_to_change: Rating
    relapse_continued_use: Rating
    recovery_environment: Rating

    def by_number(self) -> tuple[int, int, int, int, int, int]:
        return (
            self.intoxication_withdrawal,
            self.biomedical,
            self.emotional_behavioral_cognitive,
            self.readiness_to_change,
            self.relapse_continued_use,
            self.recovery_environment,
        )


class InstrumentSummary(_Facts):
    """The latest results; ``None`` means not given, and then no rule on it fires."""

    phq9_total: Annotated[int, Field(ge=0, le=27)] | None = None
    phq9_item9_positive: bool = False
    cssrs_risk: CssrsRisk | None = None
    audit_zone: Annotated[int, Field(ge=1, le=4)] | None = None
    dast10_band: Literal["none", "low", "moderate", "substantial", "severe"] | None = None


class Availability(_Facts):
    """Which weekday sessions the client can attend around work, school and caregiving."""

    day: bool
    evening: bool


class SafetyNote(_Facts):
    rule_id: Annotated[str, Field(min_length=1, max_length=60)]
    sentence: Annotated[str, Field(min_length=1, max_length=1000)]


class SafetyFacts(_Facts):
    """The safety gate as read from the chart (``stepdown.safety.service.status``), with its
    reasons. It is authoritative: it knows whether a safety assessment resolved a finding."""

    state: GateState
    reasons: tuple[SafetyNote, ...] = Field(default=(), max_length=50)


class PlacementFacts(_Facts):
    """What the intake or review clinician knows; ``environment_stable`` means stable and
    substance-free. Without ``safety`` the gate is read from the instrument summary alone
    (a high C-SSRS, a moderate one or a positive PHQ-9 item 9 each hold)."""

    dimensions: DimensionRatings
    instruments: InstrumentSummary = InstrumentSummary()
    withdrawal_risk: WithdrawalRisk = WithdrawalRisk.NONE
    environment_stable: bool
    recent_level: RecentLevel = RecentLevel.NONE
    age: Annotated[int, Field(ge=0, le=120)]
    co_occurring_mental_health: bool = False
    availability: Availability
    safety: SafetyFacts | None = None

    @property
    def adolescent(self) -> bool:
        return self.age < 18

    @property
    def safety_state(self) -> GateState:
        if self.safety is not None:
            return self.safety.state
        risk = self.instruments.cssrs_risk
        return from_instrument_summary(
            phq9_item9_positive=self.instruments.phq9_item9_positive,
            cssrs_risk=risk.value if risk is not None else None,
        )

    @property
    def live_risk(self) -> bool:
        return self.safety_state.live

    def fact_values(self) -> dict[str, FactValue]:
        """The flat name -> value view the rule table's conditions are written against."""
        ratings = self.dimensions.by_number()
        i = self.instruments
        return {
            **{f"d{n}": rating for n, rating in enumerate(ratings, start=1)},
            "highest_dimension": max(ratings),
            "withdrawal_risk": self.withdrawal_risk.value,
            "environment_stable": self.environment_stable,
            "recent_level": self.recent_level.value,
            "age": self.age,
            "adolescent": self.adolescent,
            "co_occurring": self.co_occurring_mental_health,
            "phq9_total": i.phq9_total,
            "phq9_item9_positive": i.phq9_item9_positive,
            "cssrs_risk": i.cssrs_risk.value if i.cssrs_risk is not None else None,
            "audit_zone": i.audit_zone,
            "dast10_band": i.dast10_band,
            "day_available": self.availability.day,
            "evening_available": self.availability.evening,
            "level": None,
        }


@dataclass(frozen=True)
class WeeklyHours:
    at_least: int | None = None
    below: int | None = None

    def __str__(self) -> str:
        if self.at_least is not None and self.below is not None:
            return f"{self.at_least} to under {self.below} h/week"
        if self.at_least is not None:
            return f"at least {self.at_least} h/week"
        return f"under {self.below} h/week"


# ASAM Criteria 3rd ed. (2013) service hours: 1 outpatient under 9 h/week for adults and under 6
# for adolescents; 2.1 intensive outpatient 9 or more (6 or more for adolescents) and under 20;
# 2.5 partial hospitalization 20 or more (domain brief; Mid-Shore BH glossary of ASAM levels;
# IOP's upper bound of 19 h from the ICRC study guide's ASAM table).
_HOURS: Mapping[tuple[Level, bool], WeeklyHours] = MappingProxyType(
    {
        (Level.PHP, False): WeeklyHours(at_least=20),
        (Level.PHP, True): WeeklyHours(at_least=20),
        (Level.IOP, False): WeeklyHours(at_least=9, below=20),
        (Level.IOP, True): WeeklyHours(at_least=6, below=20),
        (Level.OP, False): WeeklyHours(below=9),
        (Level.OP, True): WeeklyHours(below=6),
    }
)


def weekly_hours(level: Level, *, adolescent: bool) -> WeeklyHours | None:
    """None where hours do not apply: 24-hour care elsewhere, or aftercare."""
    return _HOURS.get((level, adolescent))


@dataclass(frozen=True)
class Reason:
    rule_id: str
    action: Action
    fact: str
    value: str
    sentence: str


@dataclass(frozen=True)
class Recommendation:
    level: Level | None  # None: on hold until a safety assessment is documented
    track: Track
    referral_out: bool
    then_level: Level | None
    weekly_hours: WeeklyHours | None
    services: tuple[str, ...]
    reasons: tuple[Reason, ...]
    safety: GateState = GateState.CLEAR

    @property
    def on_hold(self) -> bool:
        return self.level is None

    @property
    def safety_assessment_needed(self) -> bool:
        return self.safety in (GateState.ASSESSMENT_REQUIRED, GateState.CRISIS_REFERRAL)

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.action is Action.WARN)


def _show(value: FactValue) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _reason(rule: Rule, facts: Mapping[str, FactValue]) -> Reason:
    shown = _show(facts[rule.looks_at])
    return Reason(
        rule.id, rule.action, FACTS[rule.looks_at], shown, rule.sentence.format(value=shown)
    )


_DRIVES: Mapping[Action, frozenset[str]] = MappingProxyType(
    {
        Action.REFER: frozenset(REFERRALS),
        Action.AT_LEAST: frozenset(IN_HOUSE),
        Action.OTHERWISE: frozenset(IN_HOUSE),
        Action.TRACK: frozenset(Track),
    }
)


def check_rules(rules: Sequence[Rule]) -> None:
    """Refuse a table the evaluator cannot apply to every client, naming the faulty rule."""
    seen: set[str] = set()
    for rule in rules:
        where = f"rule {rule.id}"
        if rule.id in seen:
            raise RuleTableError(f"{where}: duplicate id")
        seen.add(rule.id)
        if rule.looks_at not in FACTS:
            raise RuleTableError(f"{where}: looks at unknown fact {rule.looks_at!r}")
        try:
            conditions = rule.conditions
        except RuleTableError as error:
            raise RuleTableError(f"{where}: {error}") from None
        if rule.action is not Action.TRACK and any(c.fact == "level" for c in conditions):
            raise RuleTableError(f"{where}: only TRACK rules can look at the level")
        allowed = _DRIVES.get(rule.action)
        if allowed is not None and rule.drives not in allowed:
            raise RuleTableError(f"{where}: cannot drive {str(rule.drives)!r}")
        if (rule.action is Action.REFER) != (rule.then in IN_HOUSE):
            raise RuleTableError(f"{where}: a referral, and only a referral, names then")
        try:
            rule.sentence.format(value="")
        except (AttributeError, KeyError, IndexError, ValueError):
            raise RuleTableError(f"{where}: sentence may only use {{value}}") from None
    for action in (Action.OTHERWISE, Action.TRACK):
        if not any(r.action is action and not r.when for r in rules):
            raise RuleTableError(f"the table needs an unconditional {action.name} rule")


_GATE_FACT = "safety gate (suicide risk)"


def _instrument_safety_notes(facts: PlacementFacts) -> list[SafetyNote]:
    """The gate's reasons when only the instrument summary is known."""
    i = facts.instruments
    notes = []
    if i.cssrs_risk is CssrsRisk.HIGH:
        notes.append(
            SafetyNote(
                rule_id="SAFETY-CSSRS-HIGH",
                sentence="C-SSRS screener risk high (intent, a plan, or recent behaviour): "
                "refer now for a crisis or psychiatric inpatient evaluation",
            )
        )
    if i.cssrs_risk is CssrsRisk.MODERATE:
        notes.append(
            SafetyNote(
                rule_id="SAFETY-CSSRS-MODERATE",
                sentence="C-SSRS screener risk moderate: safety assessment and safety plan today",
            )
        )
    if i.phq9_item9_positive:
        notes.append(
            SafetyNote(
                rule_id="SAFETY-PHQ9-ITEM9",
                sentence="PHQ-9 item 9 above 0 (thoughts of death or self-harm): same-day "
                "safety assessment",
            )
        )
    return notes


def _safety_reasons(facts: PlacementFacts, state: GateState) -> list[Reason]:
    notes = list(facts.safety.reasons) if facts.safety is not None else []
    if facts.safety is None:
        notes = _instrument_safety_notes(facts)
    reasons = [Reason(n.rule_id, Action.SAFETY, _GATE_FACT, state.label, n.sentence) for n in notes]
    if state is GateState.ASSESSMENT_REQUIRED:
        reasons.append(
            Reason(
                "SAFETY-HOLD",
                Action.SAFETY,
                _GATE_FACT,
                state.label,
                "Safety assessment required today: no level of care is recommended until a "
                "clinician documents a safety assessment (with a safety plan for anyone not "
                "sent out) and acknowledges the safety alerts",
            )
        )
    elif state.live:
        reasons.append(
            Reason(
                "SAFETY-REFER-HOSPITAL",
                Action.SAFETY,
                _GATE_FACT,
                state.label,
                "No outpatient level while suicide risk is live: refer to hospital-level care "
                "(crisis or psychiatric inpatient evaluation); the ratings' level follows once "
                "a safety assessment says outpatient care is safe",
            )
        )
    return reasons


def recommend(facts: PlacementFacts, rules: Sequence[Rule] | None = None) -> Recommendation:
    table = DEFAULT_RULES if rules is None else rules
    check_rules(table)
    values = facts.fact_values()
    fired = [r for r in table if r.action is not Action.TRACK and r.fires(values)]

    def of(action: Action) -> list[Rule]:
        return [r for r in fired if r.action is action]

    referrals = of(Action.REFER)
    floors = [Level(r.drives) for r in of(Action.AT_LEAST)]
    floors += [r.then for r in referrals if r.then is not None]
    if floors:
        in_house = max(floors, key=IN_HOUSE.index)
        drivers = [r for r in of(Action.AT_LEAST) if r.drives == in_house]
    else:
        otherwise = of(Action.OTHERWISE)[0]
        in_house, drivers = Level(otherwise.drives), [otherwise]

    sequence = [*sorted({Level(r.drives) for r in referrals}, key=REFERRALS.index), in_house]
    level, then_level = sequence[0], (sequence[1] if len(sequence) > 1 else None)
    services = of(Action.SERVICE)
    clinical = [_reason(r, values) for r in (*of(Action.SAFETY), *referrals, *drivers, *services)]
    warnings = [_reason(r, values) for r in of(Action.WARN)]

    state = facts.safety_state
    safety = _safety_reasons(facts, state)
    if state.live:
        # Live risk overrides every row: no outpatient level. The ratings' level is kept as
        # what follows, so the clinician sees where the client goes once it is safe.
        hold = state is GateState.ASSESSMENT_REQUIRED
        # A hold keeps the ratings' whole answer, a referral out included (dimension 2 at 4
        # still needs hospital care once the assessment is done); a hospital referral by the
        # gate already covers the ratings' own, so what follows it is the in-house level.
        merged = not hold and level is Level.HOSPITAL
        return Recommendation(
            level=None if hold else Level.HOSPITAL,
            track=Track.NONE,
            referral_out=not hold,
            then_level=then_level if merged else level,
            weekly_hours=None,
            services=tuple(dict.fromkeys(r.drives for r in services)),
            reasons=(*safety, *clinical, *warnings),
            safety=state,
        )

    values["level"] = level.value
    track_rule = next(r for r in table if r.action is Action.TRACK and r.fires(values))
    return Recommendation(
        level=level,
        track=Track(track_rule.drives),
        referral_out=level in REFERRALS,
        then_level=then_level,
        weekly_hours=weekly_hours(level, adolescent=facts.adolescent),
        services=tuple(dict.fromkeys(r.drives for r in services)),
        reasons=(*safety, *clinical, _reason(track_rule, values), *warnings),
        safety=state,
    )
