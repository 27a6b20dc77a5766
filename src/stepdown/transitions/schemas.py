"""API shapes for level-of-care reviews."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.continuum.models import Track
from stepdown.kit.schemas import Schema
from stepdown.transitions.models import ReviewStatus
from stepdown.transitions.rules import ProposalKind


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
    on: date | None = None
    track: Track | None = None
    note: str = Field(default="", max_length=2000)


class DismissBody(Schema):
    reason: str = Field(max_length=2000)
