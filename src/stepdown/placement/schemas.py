"""API and form shapes for assessments and placement decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from stepdown.continuum.models import Track
from stepdown.kit.schemas import Day, Line, Schema, Text
from stepdown.placement.models import AssessmentStatus, Discrepancy
from stepdown.placement.rules import RecentLevel, WithdrawalRisk

Rating = Annotated[int, Field(ge=0, le=4)]
Notes = Annotated[str, Field(max_length=4000)]


class ExclusionInput(Schema):
    """An instrument result left out of the recommendation; the reason is required."""

    response_id: uuid.UUID
    reason: Annotated[Text, Field(max_length=1000)]


class AssessmentInput(Schema):
    d1_rating: Rating
    d2_rating: Rating
    d3_rating: Rating
    d4_rating: Rating
    d5_rating: Rating
    d6_rating: Rating
    d1_notes: Notes = ""
    d2_notes: Notes = ""
    d3_notes: Notes = ""
    d4_notes: Notes = ""
    d5_notes: Notes = ""
    d6_notes: Notes = ""
    withdrawal_risk: WithdrawalRisk = WithdrawalRisk.NONE
    environment_stable: bool
    recent_level: RecentLevel = RecentLevel.NONE
    co_occurring: bool = False
    day_available: bool
    evening_available: bool
    summary: Annotated[Text, Field(max_length=8000)] = ""
    exclusions: list[ExclusionInput] = Field(default_factory=list, max_length=50)


class AssessmentRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    version: int
    supersedes_id: uuid.UUID | None
    status: AssessmentStatus
    d1_rating: int
    d2_rating: int
    d3_rating: int
    d4_rating: int
    d5_rating: int
    d6_rating: int
    withdrawal_risk: str
    environment_stable: bool
    recent_level: str
    co_occurring: bool
    day_available: bool
    evening_available: bool
    summary: str
    signed_at: datetime | None
    recommendation: dict[str, Any] | None


class DecisionInput(Schema):
    """Accept the recommendation, or place elsewhere with a reason from the fixed list."""

    accept: bool
    level: Line | None = Field(default=None, description="Level code when not accepting")
    track: Track | None = None
    discrepancy: Discrepancy | None = None
    discrepancy_text: Annotated[Text, Field(max_length=2000)] = ""
    on: Day
    partner_id: uuid.UUID | None = Field(
        default=None, description="Partner provider, when the placement is a referral out"
    )
    reason: Annotated[Text, Field(max_length=2000)] = ""

    @model_validator(mode="after")
    def _elsewhere_needs_a_level(self) -> DecisionInput:
        if not self.accept and (self.level is None or self.track is None):
            raise ValueError("placing elsewhere needs a level and a track")
        return self


class DecisionRead(Schema):
    id: uuid.UUID
    assessment_id: uuid.UUID
    client_id: uuid.UUID
    recommended_level: str
    recommended_track: str
    placed_level: str
    placed_track: str
    discrepancy: Discrepancy | None
    discrepancy_text: str
    effective_on: date
    episode_id: uuid.UUID | None
    decided_at: datetime


class LeftOutRead(Schema):
    instrument: str
    administered_at: datetime
    reason: str


class ReportRow(Schema):
    decided_at: datetime
    record_number: str
    recommended: str
    placed: str
    discrepancy: Discrepancy | None
    discrepancy_text: str
    left_out: list[LeftOutRead]


class ReportRead(Schema):
    date_from: date
    date_to: date
    decisions: int
    agreed: int
    by_reason: dict[str, int]
    rows: list[ReportRow]


class RuleRow(Schema):
    """One row of a rule table as the director writes it; ``rule_store`` checks the meaning."""

    id: Annotated[Text, Field(max_length=60)]
    looks_at: Annotated[Text, Field(max_length=60)]
    when: list[Annotated[Line, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    action: Annotated[Text, Field(max_length=30)]
    drives: Annotated[Text, Field(max_length=200)]
    sentence: Annotated[Text, Field(max_length=1000)]
    then: Annotated[Text, Field(max_length=20)] | None = None


class RuleTableInput(Schema):
    rows: list[RuleRow] = Field(max_length=200)
    note: Annotated[Text, Field(max_length=2000)]


class RuleTableRead(Schema):
    version: int
    created_by: str | None
    created_at: datetime | None
    note: str
    rows: list[RuleRow]
