"""The safety gate: whether suicide risk is live for a client, and what that allows.

One place, pure, used by both engines (placement and the level-of-care review) and by the
pages that show the hold. Live risk overrides every other rule: while it holds, placement
recommends no outpatient level and the review engine never proposes (nor lets a clinician
accept) a step down.

Live risk is any of (issue 11, from the sources below):

* an **open safety alert** of urgent or high severity (PHQ-9 item 9, C-SSRS moderate or
  high, a check-in reporting thoughts of self-harm): it holds until a clinician
  acknowledges it, whatever else was recorded;
* a **C-SSRS screener with intent or plan** (questions 4 or 5 "yes") given in the past
  month, or one reporting **suicidal behaviour within 3 months** (question 6) given in the
  past 3 months: the Columbia triage guidance counts ideation over the past month and
  behaviour over the past 3 months, and calls both high risk needing a same-day evaluation
  by a mental-health professional;
* a **PHQ-9 with item 9 above 0** in the past 14 days (the instrument's recall period is two
  weeks, Kroenke 2001; any answer above "not at all" needs same-day safety follow-up);

unless, for the instrument findings, a **safety assessment** was documented after the
finding: risk formulated (SAFE-T: low, moderate, high), a disposition, and, for anyone not
sent out, a **safety plan** in the Stanley-Brown form. A later PHQ-9 with item 9 at 0 or a
calmer C-SSRS does not clear an earlier finding: only a clinician's assessment does.

What the gate then says:

* ``CLEAR``: no live risk (possibly because a safety assessment resolved it);
* ``ASSESSMENT_REQUIRED``: a safety assessment is needed today before any placement;
* ``CRISIS_REFERRAL``: as above, and the C-SSRS is high: refer for a crisis or psychiatric
  inpatient evaluation now;
* ``HOSPITAL``: the latest safety assessment sent the client out (crisis evaluation or
  psychiatric inpatient care): no in-house level until a new assessment says otherwise.

Sources:
  CSSRS  Columbia Lighthouse Project, C-SSRS screener and triage guidance
         (https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/triage-c-ssrs/): "yes" to
         question 4 or 5 (past month), or behaviour in the past 3 months, is high risk:
         immediate safety precautions and a mental-health evaluation.
  PHQ9   Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606: two-week recall; the
         domain brief's program policy: item 9 above 0 needs same-day safety follow-up.
  SAFET  SAMHSA / SPRC, Suicide Assessment Five-step Evaluation and Triage (SAFE-T) pocket
         card, 2009: determine risk level (low, moderate, high) and intervention; document
         risk, rationale, intervention and follow-up.
  SPI    Stanley & Brown 2012, "Safety Planning Intervention", Cogn Behav Pract 19:256-264:
         warning signs, internal coping strategies, people and social settings for
         distraction, people to ask for help, professionals and agencies (the 988 Suicide &
         Crisis Lifeline), making the environment safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# CSSRS: ideation questions ask about the past month; question 6 asks whether behaviour was
# within the past 3 months. Three calendar months are at most 92 days: the longer reading.
CSSRS_IDEATION_WINDOW = timedelta(days=30)
CSSRS_BEHAVIOUR_WINDOW = timedelta(days=92)
# PHQ9: the PHQ-9 asks about the last two weeks.
PHQ9_ITEM9_WINDOW = timedelta(days=14)
# How long a disposition that sent the client out keeps in-house care closed without a new
# assessment: the C-SSRS ideation window (a month), the shortest period the findings cover.
HOSPITAL_DISPOSITION_WINDOW = timedelta(days=30)

# The national line every safety plan carries (SPI step 5; 988 since July 2022).
CRISIS_LINE = "988 Suicide & Crisis Lifeline: call or text 988, or chat at 988lifeline.org"


class GateState(StrEnum):
    CLEAR = "clear"
    ASSESSMENT_REQUIRED = "assessment_required"
    CRISIS_REFERRAL = "crisis_referral"
    HOSPITAL = "hospital"

    @property
    def live(self) -> bool:
        return self is not GateState.CLEAR

    @property
    def label(self) -> str:
        return {
            GateState.CLEAR: "No live suicide risk",
            GateState.ASSESSMENT_REQUIRED: "Safety assessment required today",
            GateState.CRISIS_REFERRAL: (
                "Refer now for a crisis or psychiatric inpatient evaluation"
            ),
            GateState.HOSPITAL: "Sent out for hospital-level care by the last safety assessment",
        }[self]


class RiskLevel(StrEnum):
    """The clinician's formulated risk (SAFET)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Disposition(StrEnum):
    """What the safety assessment decided (SAFET triage)."""

    OUTPATIENT_WITH_PLAN = "outpatient_with_plan"
    CRISIS_EVALUATION = "crisis_evaluation"
    PSYCHIATRIC_INPATIENT = "psychiatric_inpatient"

    @property
    def sends_out(self) -> bool:
        return self is not Disposition.OUTPATIENT_WITH_PLAN

    @property
    def label(self) -> str:
        return {
            Disposition.OUTPATIENT_WITH_PLAN: "Continue outpatient care with a safety plan",
            Disposition.CRISIS_EVALUATION: (
                "Sent for a same-day crisis or emergency psychiatric evaluation"
            ),
            Disposition.PSYCHIATRIC_INPATIENT: "Admitted to psychiatric inpatient care",
        }[self]


class SignalKind(StrEnum):
    OPEN_ALERT = "open_alert"
    CSSRS_INTENT_OR_PLAN = "cssrs_intent_or_plan"
    CSSRS_RECENT_BEHAVIOUR = "cssrs_recent_behaviour"
    PHQ9_ITEM9 = "phq9_item9"


@dataclass(frozen=True)
class OpenAlert:
    """An unacknowledged safety alert (the caller passes only safety kinds)."""

    alert_id: str
    kind: str
    severity: str  # "urgent" | "high" | "routine"
    summary: str
    raised_at: datetime


@dataclass(frozen=True)
class CssrsResult:
    """A C-SSRS screener's answers: questions 1-5 (0/1) and question 6 (0 never, 1 more
    than 3 months ago, 2 within 3 months)."""

    response_id: str
    answers: tuple[int, ...]
    administered_at: datetime


@dataclass(frozen=True)
class Phq9Result:
    response_id: str
    item9: int
    administered_at: datetime


@dataclass(frozen=True)
class AssessmentFacts:
    """A documented safety assessment, as the gate reads it."""

    assessment_id: str
    assessed_at: datetime
    risk_level: RiskLevel
    disposition: Disposition
    has_safety_plan: bool


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    source_id: str
    observed_at: datetime
    sentence: str
    crisis: bool  # C-SSRS high: a crisis or psychiatric inpatient evaluation is called for


@dataclass(frozen=True)
class SafetyReason:
    """One line of the gate's explanation, with the date it rests on."""

    rule_id: str
    sentence: str
    on: datetime


@dataclass(frozen=True)
class SafetyStatus:
    state: GateState
    reasons: tuple[SafetyReason, ...] = ()
    open_alert_ids: tuple[str, ...] = ()
    assessment_id: str | None = None  # the assessment that resolved or decided the state

    @property
    def live(self) -> bool:
        return self.state.live

    @property
    def headline(self) -> str:
        return self.state.label


CLEAR = SafetyStatus(GateState.CLEAR)

_ALERT_SEVERITIES = frozenset({"urgent", "high"})


def _cssrs_signals(result: CssrsResult, as_of: datetime) -> list[Signal]:
    age = as_of - result.administered_at
    answers = result.answers
    found = []
    if len(answers) >= 5 and (answers[3] == 1 or answers[4] == 1) and age <= CSSRS_IDEATION_WINDOW:
        found.append(
            Signal(
                SignalKind.CSSRS_INTENT_OR_PLAN,
                result.response_id,
                result.administered_at,
                f"C-SSRS screener of {result.administered_at:%Y-%m-%d}: suicidal ideation with "
                "intent or a plan in the past month (high risk)",
                crisis=True,
            )
        )
    if len(answers) >= 6 and answers[5] == 2 and age <= CSSRS_BEHAVIOUR_WINDOW:
        found.append(
            Signal(
                SignalKind.CSSRS_RECENT_BEHAVIOUR,
                result.response_id,
                result.administered_at,
                f"C-SSRS screener of {result.administered_at:%Y-%m-%d}: suicidal behaviour in "
                "the 3 months before it (high risk)",
                crisis=True,
            )
        )
    return found


def _phq9_signal(result: Phq9Result, as_of: datetime) -> Signal | None:
    if result.item9 <= 0 or as_of - result.administered_at > PHQ9_ITEM9_WINDOW:
        return None
    return Signal(
        SignalKind.PHQ9_ITEM9,
        result.response_id,
        result.administered_at,
        f"PHQ-9 of {result.administered_at:%Y-%m-%d}: item 9 answered {result.item9} "
        "(thoughts of death or self-harm) in the past 14 days",
        crisis=False,
    )


def instrument_signals(
    *,
    as_of: datetime,
    cssrs: Iterable[CssrsResult] = (),
    phq9: Iterable[Phq9Result] = (),
) -> list[Signal]:
    """Every instrument finding still inside its look-back window on ``as_of`` (results
    from after ``as_of`` are ignored), oldest first."""
    found: list[Signal] = []
    for c in cssrs:
        if c.administered_at <= as_of:
            found += _cssrs_signals(c, as_of)
    for p in phq9:
        if p.administered_at <= as_of:
            signal = _phq9_signal(p, as_of)
            if signal is not None:
                found.append(signal)
    return sorted(found, key=lambda s: s.observed_at)


def _alert_reason(alert: OpenAlert) -> SafetyReason:
    return SafetyReason(
        "SAFETY-OPEN-ALERT",
        f"Open {alert.severity} safety alert of {alert.raised_at:%Y-%m-%d}: {alert.summary} "
        "(acknowledge it once the safety assessment is done)",
        alert.raised_at,
    )


def _signal_reason(signal: Signal) -> SafetyReason:
    return SafetyReason(
        f"SAFETY-{signal.kind.value.upper().replace('_', '-')}", signal.sentence, signal.observed_at
    )


def _assessed_reason(assessment: AssessmentFacts) -> SafetyReason:
    plan = "safety plan in place" if assessment.has_safety_plan else "no safety plan"
    return SafetyReason(
        "SAFETY-ASSESSED",
        f"Safety assessment of {assessment.assessed_at:%Y-%m-%d}: risk "
        f"{assessment.risk_level.value}, {assessment.disposition.label.lower()}; {plan}",
        assessment.assessed_at,
    )


def evaluate(
    *,
    as_of: datetime,
    open_alerts: Iterable[OpenAlert] = (),
    cssrs: Iterable[CssrsResult] = (),
    phq9: Iterable[Phq9Result] = (),
    assessments: Iterable[AssessmentFacts] = (),
) -> SafetyStatus:
    """The gate on ``as_of``, by the rules in the module docstring."""
    alerts = sorted(
        (a for a in open_alerts if a.severity in _ALERT_SEVERITIES and a.raised_at <= as_of),
        key=lambda a: a.raised_at,
    )
    signals = instrument_signals(as_of=as_of, cssrs=cssrs, phq9=phq9)
    documented = sorted(
        (a for a in assessments if a.assessed_at <= as_of), key=lambda a: a.assessed_at
    )
    latest = documented[-1] if documented else None
    # A finding counts until an assessment documented after it.
    unresolved = [s for s in signals if latest is None or latest.assessed_at < s.observed_at]
    reasons = [_alert_reason(a) for a in alerts] + [_signal_reason(s) for s in unresolved]
    alert_ids = tuple(a.alert_id for a in alerts)

    if unresolved:
        crisis = any(s.crisis for s in unresolved)
        state = GateState.CRISIS_REFERRAL if crisis else GateState.ASSESSMENT_REQUIRED
        return SafetyStatus(state, tuple(reasons), alert_ids)

    if (
        latest is not None
        and latest.disposition.sends_out
        and as_of - latest.assessed_at <= HOSPITAL_DISPOSITION_WINDOW
    ):
        reasons.append(_assessed_reason(latest))
        return SafetyStatus(GateState.HOSPITAL, tuple(reasons), alert_ids, latest.assessment_id)
    resolved_by = latest if latest is not None and signals else None
    if resolved_by is not None and not resolved_by.has_safety_plan:
        reasons.append(
            SafetyReason(
                "SAFETY-PLAN-MISSING",
                f"{_assessed_reason(resolved_by).sentence}: record the client's safety plan "
                "before outpatient care goes on",
                resolved_by.assessed_at,
            )
        )
        return SafetyStatus(
            GateState.ASSESSMENT_REQUIRED, tuple(reasons), alert_ids, resolved_by.assessment_id
        )
    if alerts:
        return SafetyStatus(
            GateState.ASSESSMENT_REQUIRED,
            tuple(reasons),
            alert_ids,
            resolved_by.assessment_id if resolved_by else None,
        )
    if resolved_by is not None:
        return SafetyStatus(
            GateState.CLEAR, (_assessed_reason(resolved_by),), (), resolved_by.assessment_id
        )
    return CLEAR


def from_instrument_summary(*, phq9_item9_positive: bool, cssrs_risk: str | None) -> GateState:
    """The gate when all that is known is an instrument summary (the try-the-rules forms
    and JSON files): a high C-SSRS calls for a crisis referral, a moderate one or a
    positive item 9 for a safety assessment today."""
    if cssrs_risk == "high":
        return GateState.CRISIS_REFERRAL
    if phq9_item9_positive or cssrs_risk == "moderate":
        return GateState.ASSESSMENT_REQUIRED
    return GateState.CLEAR


def strongest(states: Sequence[GateState]) -> GateState:
    """The most restrictive of several readings."""
    order = (
        GateState.CRISIS_REFERRAL,
        GateState.HOSPITAL,
        GateState.ASSESSMENT_REQUIRED,
        GateState.CLEAR,
    )
    return min(states, key=order.index, default=GateState.CLEAR)


# SPI: the steps a plan cannot do without. Professionals may stay empty because every plan
# carries the 988 line; distraction and people to ask are alternatives at the same stage
# (reaching out to others), so one of the two is enough.
PLAN_STEPS = (
    ("warning_signs", "warning signs"),
    ("coping_strategies", "internal coping strategies"),
    ("distractions", "people and social settings that provide distraction"),
    ("people_to_ask", "people to ask for help"),
    ("professionals", "professionals and agencies to contact"),
    ("making_safe", "making the environment safe"),
)


def plan_gaps(steps: dict[str, Sequence[str]]) -> list[str]:
    """The required steps a plan leaves empty, by the field name the form uses."""
    gaps = [f for f in ("warning_signs", "coping_strategies", "making_safe") if not steps.get(f)]
    if not steps.get("distractions") and not steps.get("people_to_ask"):
        gaps.append("people_to_ask")
    return gaps
