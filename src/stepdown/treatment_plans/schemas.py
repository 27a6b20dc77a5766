"""API shapes for treatment plans: inputs per use, and a plan read with its items."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.kit.schemas import Day, Line, Schema, Text
from stepdown.treatment_plans.models import (
    ClientSignatureMethod,
    Modality,
    ObjectiveStatus,
    PlanStatus,
)
from stepdown.treatment_plans.rules import (
    DEFAULT_REVIEW_INTERVAL_DAYS,
    MAX_REVIEW_INTERVAL_DAYS,
    MIN_REVIEW_INTERVAL_DAYS,
)


class PlanCreate(Schema):
    review_interval_days: int = Field(
        default=DEFAULT_REVIEW_INTERVAL_DAYS,
        ge=MIN_REVIEW_INTERVAL_DAYS,
        le=MAX_REVIEW_INTERVAL_DAYS,
    )


class ProblemInput(Schema):
    statement: Text = Field(min_length=1, max_length=2000)


class GoalInput(Schema):
    problem_id: uuid.UUID
    client_words: Text = Field(min_length=1, max_length=2000, description="In the client's words")


class GoalUpdate(Schema):
    client_words: Text = Field(min_length=1, max_length=2000)


class ObjectiveInput(Schema):
    goal_id: uuid.UUID
    statement: Text = Field(min_length=1, max_length=2000, description="Measurable")
    target_date: Day


class ObjectiveUpdate(Schema):
    statement: Text | None = Field(default=None, min_length=1, max_length=2000)
    target_date: Day | None = None


class InterventionInput(Schema):
    modality: Modality
    description: Text = Field(default="", max_length=2000)
    frequency: Line = Field(min_length=1, max_length=120, description="e.g. 3 times a week")
    responsible_user_id: uuid.UUID | None = None


class InterventionUpdate(Schema):
    modality: Modality | None = None
    description: Text | None = Field(default=None, max_length=2000)
    frequency: Line | None = Field(default=None, min_length=1, max_length=120)
    responsible_user_id: uuid.UUID | None = None


class InPersonSignature(Schema):
    attested: bool = Field(description="The client signed in person in the staff member's presence")


class StatusChangeInput(Schema):
    objective_id: uuid.UUID
    to_status: ObjectiveStatus


class ProgressNoteInput(Schema):
    written_on: Day
    narrative: Text = Field(min_length=1, max_length=10000)
    changes: list[StatusChangeInput] = Field(default_factory=list)


class ReviewInput(Schema):
    reviewed_on: Day
    summary: Text = Field(min_length=1, max_length=10000)


class ProblemRead(Schema):
    id: uuid.UUID
    position: int
    statement: str


class GoalRead(Schema):
    id: uuid.UUID
    problem_id: uuid.UUID
    position: int
    client_words: str


class ObjectiveRead(Schema):
    id: uuid.UUID
    goal_id: uuid.UUID
    lineage_id: uuid.UUID
    position: int
    statement: str
    target_date: date
    status: ObjectiveStatus
    status_changed_on: date | None


class InterventionRead(Schema):
    id: uuid.UUID
    position: int
    modality: Modality
    description: str
    frequency: str
    responsible_user_id: uuid.UUID | None


class PlanRead(Schema):
    id: uuid.UUID
    episode_id: uuid.UUID
    client_id: uuid.UUID
    version: int
    supersedes_id: uuid.UUID | None
    status: PlanStatus
    review_interval_days: int
    effective_on: date | None
    next_review_due: date | None
    clinician_signed_by: uuid.UUID | None
    clinician_signed_at: datetime | None
    client_signed_at: datetime | None
    client_signature_method: ClientSignatureMethod | None
    client_signature_attested_by: uuid.UUID | None


class PlanDetail(PlanRead):
    problems: list[ProblemRead]
    goals: list[GoalRead]
    objectives: list[ObjectiveRead]
    interventions: list[InterventionRead]


class StatusChangeRead(Schema):
    objective_id: uuid.UUID
    from_status: ObjectiveStatus
    to_status: ObjectiveStatus
    changed_on: date


class ProgressNoteRead(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    written_on: date
    author_id: uuid.UUID | None
    narrative: str
    changes: list[StatusChangeRead]


class ReviewRead(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    reviewed_on: date
    reviewer_id: uuid.UUID | None
    summary: str
    next_due: date


class OverdueReviewRead(Schema):
    plan_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
    due: date
    days_overdue: int


class ClientObjectiveRead(Schema):
    statement: str
    target_date: date
    status: ObjectiveStatus


class ClientGoalRead(Schema):
    client_words: str
    objectives: list[ClientObjectiveRead]


class ObjectivesSummaryRead(Schema):
    start: date
    end: date
    met: list[ClientObjectiveRead]
    in_progress: list[ClientObjectiveRead]
