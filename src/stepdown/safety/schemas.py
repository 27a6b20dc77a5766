"""What a safety assessment and a safety plan take in, and what the API gives back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from stepdown.kit.schemas import Instant, Schema, Text
from stepdown.safety.rules import Disposition, GateState, RiskLevel

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Lines = Annotated[list[Line], Field(max_length=12)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class SafetyPlanInput(Schema):
    """The Stanley-Brown steps, each a few short lines in the client's words."""

    warning_signs: Lines = Field(default_factory=list)
    coping_strategies: Lines = Field(default_factory=list)
    distractions: Lines = Field(default_factory=list)
    people_to_ask: Lines = Field(default_factory=list)
    professionals: Lines = Field(default_factory=list)
    making_safe: Lines = Field(default_factory=list)
    reason_for_living: Annotated[Text, StringConstraints(strip_whitespace=True, max_length=500)] = (
        ""
    )


class SafetyAssessmentInput(Schema):
    assessed_at: Instant | None = Field(
        default=None, description="when the client was assessed (default: now)"
    )
    risk_level: RiskLevel
    disposition: Disposition
    risk_factors: LongText = ""
    protective_factors: LongText = ""
    rationale: Annotated[Text, StringConstraints(strip_whitespace=True, max_length=4000)] = Field(
        description="why this risk level and disposition (the formulation)"
    )
    follow_up: LongText = ""
    plan: SafetyPlanInput | None = Field(
        default=None, description="required unless the disposition sends the client out"
    )
    acknowledge_alert_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=50,
        description="open safety alerts this assessment answers (default: all of them)",
    )


class SafetyPlanRead(Schema):
    id: uuid.UUID
    version: int
    created_at: datetime
    warning_signs: list[str]
    coping_strategies: list[str]
    distractions: list[str]
    people_to_ask: list[str]
    professionals: list[str]
    making_safe: list[str]
    reason_for_living: str
    crisis_line: str


class SafetyAssessmentRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    assessed_at: datetime
    recorded_at: datetime
    risk_level: RiskLevel
    disposition: Disposition
    rationale: str
    plan_id: uuid.UUID | None
    acknowledged_alerts: list[str]


class SafetyReasonRead(Schema):
    rule_id: str
    sentence: str
    on: datetime


class SafetyStatusRead(Schema):
    state: GateState
    live: bool
    headline: str
    reasons: list[SafetyReasonRead]
    open_alert_ids: list[str]
