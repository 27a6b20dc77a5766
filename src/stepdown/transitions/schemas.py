"""API shapes for level-of-care reviews, and the review evidence file."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from stepdown.continuum.models import Track
from stepdown.kit import bounds
from stepdown.kit.schemas import Schema, Text
from stepdown.transitions.models import ReviewStatus
from stepdown.transitions.rules import (
    DEFAULT_TABLE,
    IN_HOUSE_ORDER,
    Evidence,
    GateState,
    ProposalKind,
    ReviewTable,
    SafetyReason,
    proposal_json,
    propose,
    window,
)


class EvidenceRead(Schema):
    fact: str
    label: str
    value: str
    on: str


class ReasonRead(Schema):
    rule_id: str
    action: str
    weight: int
    sentence: str
    drives: bool
    evidence: list[EvidenceRead]


class ReviewRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    run_on: date
    kind: ProposalKind
    from_level: str
    target_level: str | None
    discharge: bool
    urgency: int
    safety: bool
    next_review_due: date
    status: ReviewStatus
    reasons: list[ReasonRead]
    rule_table_version: int
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_note: str
    outcome: str


class QueueItemRead(Schema):
    review: ReviewRead
    record_number: str
    client_name: str
    overdue: bool


class AcceptBody(Schema):
    on: bounds.Day | None = None
    track: Track | None = None
    note: Text = Field(default="", max_length=2000)


class DismissBody(Schema):
    reason: Text = Field(max_length=2000)


# --- The review evidence file (`stepdown reviews evaluate`) -----------------------------
#
# The same facts the engine reads from the records, written by hand: to try the rules on a
# case, or to show a reviewer why a proposal came out as it did. Every field is bounded, so
# a file cannot smuggle in a figure the records could never hold; a problem names its field.

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
# Numbers are strict: ``true`` is not a count, nor "3" a craving.
Count = Annotated[int, Field(strict=True, ge=0, le=10_000)]
LevelCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9_-]+$")]
Rating = Annotated[int, Field(strict=True, ge=0, le=4)]
Weeks = Annotated[int, Field(strict=True, ge=0, le=520)]
Phq9 = Annotated[int, Field(strict=True, ge=0, le=27)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Craving = Annotated[float, Field(strict=True, ge=0, le=10, allow_inf_nan=False)]


class SafetyReasonInput(BaseModel):
    """One of the safety gate's reasons (``safety.rules.SafetyReason``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(pattern=r"^SAFETY-[A-Z0-9-]{1,50}$")
    sentence: str = Field(min_length=1, max_length=500)
    on: Day


def _after(info: ValidationInfo, earlier: str, value: date | None, later: str) -> None:
    """Refuse ``value`` (the field ``later``) when it falls after the day in ``earlier``."""
    bound = info.data.get(earlier)
    if value is not None and bound is not None and value > bound:
        raise ValueError(f"{later} ({value}) comes after {earlier} ({bound})")


class EvidenceInput(BaseModel):
    """``rules.Evidence`` as a JSON file: see docs/domain.md, "Review evidence file"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: Day
    # The episode's admission: week 8 of care (the PHQ-9 response fact) counts from it.
    admitted_on: Day | None = None
    level: LevelCode
    level_since: Day
    window_start: Day | None = None  # default: the engine's window (4 weeks or the level)
    typical_weeks_min: Weeks | None = None
    typical_weeks_max: Weeks | None = None
    safety_state: GateState = GateState.CLEAR
    safety_reasons: list[SafetyReasonInput] = Field(default_factory=list, max_length=20)
    attendance_rate: Fraction | None = None
    unexcused_absences: Count = 0
    weeks_judged: Count = 0
    weeks_short: Count = 0
    tests_collected: Count = 0
    positive_specimens: Count | None = None
    confirmed_positive_specimens: Count = 0
    unexpected_analytes: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20
    )
    recollect: Count = 0
    refused: Count = 0
    missed: Count = 0
    moud_missing_alerts: Count = 0
    checkin_days: Count = 0
    craving_recent: Craving | None = None
    craving_earlier: Craving | None = None
    use_days: Count | None = None
    instruments_since_admission: Count = 0
    phq9_baseline: Phq9 | None = None
    phq9_baseline_on: Day | None = None
    phq9_latest: Phq9 | None = None
    phq9_latest_on: Day | None = None
    objectives_met: Count = 0
    objectives_overdue: Count = 0
    dimensions: tuple[Rating, Rating, Rating, Rating, Rating, Rating] | None = None
    dimensions_on: Day | None = None
    catalog_order: list[LevelCode] = Field(
        default_factory=lambda: list(IN_HOUSE_ORDER), min_length=1, max_length=10
    )

    @field_validator(
        "admitted_on",
        "level_since",
        "window_start",
        "phq9_baseline_on",
        "phq9_latest_on",
        "dimensions_on",
    )
    @classmethod
    def _not_after_as_of(cls, value: date | None, info: ValidationInfo) -> date | None:
        _after(info, "as_of", value, str(info.field_name))
        admitted = info.data.get("admitted_on")
        late = info.field_name in ("level_since", "phq9_baseline_on")
        if late and value and admitted and value < admitted:
            raise ValueError(f"{info.field_name} ({value}) comes before admitted_on ({admitted})")
        first = info.data.get("phq9_baseline_on")
        if info.field_name == "phq9_latest_on" and value and first and value < first:
            raise ValueError(f"phq9_latest_on ({value}) comes before phq9_baseline_on ({first})")
        return value

    @field_validator("typical_weeks_max")
    @classmethod
    def _typical_order(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("typical_weeks_min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"typical_weeks_max ({value}) is below typical_weeks_min ({low})")
        return value

    @field_validator("safety_reasons")
    @classmethod
    def _reasons_of_a_live_gate(
        cls, value: list[SafetyReasonInput], info: ValidationInfo
    ) -> list[SafetyReasonInput]:
        if value and info.data.get("safety_state") is GateState.CLEAR:
            raise ValueError("reasons are given but safety_state is clear: give the gate's state")
        return value

    @field_validator("weeks_short")
    @classmethod
    def _short_of_judged(cls, value: int, info: ValidationInfo) -> int:
        return _at_most(value, info, "weeks_short", "weeks_judged")

    @field_validator("positive_specimens")
    @classmethod
    def _positive_of_collected(cls, value: int | None, info: ValidationInfo) -> int | None:
        return (
            None
            if value is None
            else _at_most(value, info, "positive_specimens", "tests_collected")
        )

    @field_validator("confirmed_positive_specimens")
    @classmethod
    def _confirmed_of_positive(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("positive_specimens") is None:
            return value
        return _at_most(value, info, "confirmed_positive_specimens", "positive_specimens")

    @field_validator("use_days")
    @classmethod
    def _use_of_checkins(cls, value: int | None, info: ValidationInfo) -> int | None:
        return None if value is None else _at_most(value, info, "use_days", "checkin_days")

    @field_validator("catalog_order")
    @classmethod
    def _distinct_levels(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a level appears twice")
        return value

    def to_evidence(self) -> Evidence:
        """The engine's ``Evidence`` for these facts."""
        window_start = self.window_start or window(self.as_of, self.level_since)[0]
        return Evidence(
            as_of=self.as_of,
            admitted_on=self.admitted_on,
            level=self.level,
            level_since=self.level_since,
            window_start=window_start,
            typical_weeks_min=self.typical_weeks_min,
            typical_weeks_max=self.typical_weeks_max,
            safety_state=self.safety_state,
            safety_reasons=tuple(
                SafetyReason(r.rule_id, r.sentence, datetime.combine(r.on, time(), tzinfo=UTC))
                for r in self.safety_reasons
            ),
            attendance_rate=self.attendance_rate,
            unexcused_absences=self.unexcused_absences,
            weeks_judged=self.weeks_judged,
            weeks_short=self.weeks_short,
            tests_collected=self.tests_collected,
            positive_specimens=self.positive_specimens,
            confirmed_positive_specimens=self.confirmed_positive_specimens,
            unexpected_analytes=tuple(self.unexpected_analytes),
            recollect=self.recollect,
            refused=self.refused,
            missed=self.missed,
            moud_missing_alerts=self.moud_missing_alerts,
            checkin_days=self.checkin_days,
            craving_recent=self.craving_recent,
            craving_earlier=self.craving_earlier,
            use_days=self.use_days,
            instruments_since_admission=self.instruments_since_admission,
            phq9_baseline=self.phq9_baseline,
            phq9_baseline_on=self.phq9_baseline_on,
            phq9_latest=self.phq9_latest,
            phq9_latest_on=self.phq9_latest_on,
            objectives_met=self.objectives_met,
            objectives_overdue=self.objectives_overdue,
            dimensions=self.dimensions,
            dimensions_on=self.dimensions_on,
        )

    def evaluate(self, table: ReviewTable = DEFAULT_TABLE) -> dict[str, Any]:
        """The proposal for this file under ``table``, as JSON values (pure: no records)."""
        return proposal_json(propose(self.to_evidence(), table, tuple(self.catalog_order)))


def _at_most(value: int, info: ValidationInfo, name: str, bound_name: str) -> int:
    bound = info.data.get(bound_name)
    if isinstance(bound, int) and value > bound:
        raise ValueError(f"{name} ({value}) is more than {bound_name} ({bound})")
    return value
