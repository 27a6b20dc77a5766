"""API shapes for payers, coverages and eligibility checks; every input bounded."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from stepdown.coverage.models import CheckMethod, CheckOutcome, PlanKind, Relationship
from stepdown.kit.schemas import Day, Line, Schema


class PayerWrite(Schema):
    name: Line = Field(min_length=1, max_length=120)
    payer_code: Line = Field(default="", max_length=80, description="Electronic payer id")
    phone: Line = Field(default="", max_length=40)
    portal_url: Line = Field(default="", max_length=300)
    carve_out_payer_id: uuid.UUID | None = Field(
        default=None, description="The payer managing this one's behavioral-health benefits"
    )


class PayerRead(Schema):
    id: uuid.UUID
    name: str
    payer_code: str
    phone: str
    portal_url: str
    carve_out_payer_id: uuid.UUID | None
    is_active: bool


class PlanWrite(Schema):
    name: Line = Field(min_length=1, max_length=120)
    kind: PlanKind


class PlanRead(Schema):
    id: uuid.UUID
    payer_id: uuid.UUID
    name: str
    kind: PlanKind
    is_active: bool


class CoverageWrite(Schema):
    rank: int = Field(ge=1, le=3, description="1 primary, 2 secondary, 3 tertiary")
    self_pay: bool = False
    payer_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
    member_id: Line = Field(default="", max_length=80)
    group_number: Line = Field(default="", max_length=50)
    relationship: Relationship = Relationship.SELF
    subscriber_first_name: Line = Field(default="", max_length=35)
    subscriber_last_name: Line = Field(default="", max_length=60)
    subscriber_date_of_birth: Day | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None


class CoverageEnd(Schema):
    ends_on: Day
    reason: Line = Field(min_length=1, max_length=200)


class CoverageRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID | None
    inquiry_id: uuid.UUID | None
    rank: int
    self_pay: bool
    payer_id: uuid.UUID | None
    payer_name: str
    plan_id: uuid.UUID | None
    plan_name: str
    member_id: str
    group_number: str
    relationship: Relationship
    subscriber_first_name: str
    subscriber_last_name: str
    subscriber_date_of_birth: date | None
    starts_on: date | None
    ends_on: date | None
    ended_reason: str


class CheckRead(Schema):
    id: uuid.UUID
    coverage_id: uuid.UUID
    method: CheckMethod
    service_types: list[str]
    service_date: date
    outcome: CheckOutcome
    detail: str
    attempts: int
    representative: str
    call_reference: str
    checked_at: datetime
    snapshot: dict[str, Any] | None
