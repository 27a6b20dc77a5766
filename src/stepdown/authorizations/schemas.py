"""API shapes for authorizations; every input bounded."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from stepdown.authorizations.rules import MAX_UNITS, AuthStatus, UnitType
from stepdown.kit.schemas import Day, Line, Schema, Text

# A billing code number: HCPCS/CPT (five letters or digits) or a revenue code (four digits).
CODE_PATTERN = r"^[A-Z0-9]{4,5}$"


class AuthorizationRequest(Schema):
    coverage_id: uuid.UUID
    level_code: Line = Field(min_length=1, max_length=20)
    unit_type: UnitType
    codes: list[str] = Field(default_factory=list, max_length=10)
    requested_units: int = Field(ge=1, le=MAX_UNITS)
    per_week_cap: int | None = Field(default=None, ge=1, le=MAX_UNITS)
    starts_on: Day
    ends_on: Day
    next_review_on: Day | None = None
    reviewer_name: Line = Field(default="", max_length=120)
    reviewer_contact: Line = Field(default="", max_length=120)
    notes: Text = Field(default="", max_length=2000)


class Decision(Schema):
    status: AuthStatus
    approved_units: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    auth_number: Line = Field(default="", max_length=50)
    starts_on: Day | None = None
    ends_on: Day | None = None
    per_week_cap: int | None = Field(default=None, ge=1, le=MAX_UNITS)
    next_review_on: Day | None = None
    appeal_deadline: Day | None = None
    reviewer_name: Line = Field(default="", max_length=120)
    reviewer_contact: Line = Field(default="", max_length=120)
    note: Line = Field(default="", max_length=500)


class AuthorizationRead(Schema):
    id: uuid.UUID
    episode_id: uuid.UUID
    client_id: uuid.UUID
    coverage_id: uuid.UUID
    level_code: str
    unit_type: UnitType
    codes: list[str]
    requested_units: int
    approved_units: int | None
    per_week_cap: int | None
    starts_on: date
    ends_on: date
    status: AuthStatus
    auth_number: str
    next_review_on: date | None
    appeal_deadline: date | None
    reviewer_name: str
    reviewer_contact: str
    used_units: int
    planned_units: int
    remaining_units: int
    overrun_units: int
