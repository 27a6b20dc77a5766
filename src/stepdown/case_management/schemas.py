"""API shapes for case management: needs, referrals, the resource directory, the worklist.

Dates a person may leave out (when a need was identified, when a referral was made, the day
of a change) default to the program's today in the service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.case_management.models import NeedKind, NeedStatus, Priority, ReferralStatus
from stepdown.case_management.rules import LIMITS, FollowUpState
from stepdown.kit.schemas import Day, Line, Schema, Text


class NeedInput(Schema):
    kind: NeedKind
    detail: Text = Field(default="", max_length=LIMITS["detail"])
    priority: Priority = Priority.MEDIUM
    identified_on: Day | None = Field(default=None, description="Default: today")


class NeedStatusInput(Schema):
    status: NeedStatus
    on: Day | None = Field(default=None, description="The day it changed; default: today")
    reason: Line = Field(default="", max_length=LIMITS["reason"])


class NeedStatusChangeRead(Schema):
    from_status: NeedStatus | None
    to_status: NeedStatus
    changed_on: date
    reason: str
    recorded_at: datetime
    recorded_by: uuid.UUID | None


class NeedRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: NeedKind
    detail: str
    status: NeedStatus
    priority: Priority
    identified_on: date
    identified_by: uuid.UUID | None
    history: list[NeedStatusChangeRead]


class ReferralInput(Schema):
    """A referral for a need of the client's (``need_id``) or on its own (``kind``), to a
    resource of the directory (``resource_id``) or one typed in (``organization``...)."""

    need_id: uuid.UUID | None = None
    kind: NeedKind | None = Field(default=None, description="Default: the need's kind")
    resource_id: uuid.UUID | None = None
    organization: Line = Field(default="", max_length=LIMITS["organization"])
    contact: Line = Field(default="", max_length=LIMITS["contact"])
    phone: Line = Field(default="", max_length=LIMITS["phone"])
    address: Line = Field(default="", max_length=LIMITS["address"])
    made_on: Day | None = Field(default=None, description="Default: today")
    follow_up_on: Day | None = Field(default=None, description="Required: when to follow up")
    reason: Line = Field(default="", max_length=LIMITS["reason"])


class ReferralChangeInput(Schema):
    """A status change, or (``status`` unchanged) a follow-up logged with the next date."""

    status: ReferralStatus
    on: Day | None = Field(default=None, description="The day it changed; default: today")
    follow_up_on: Day | None = Field(default=None, description="Required while still open")
    reason: Line = Field(default="", max_length=LIMITS["reason"])


class ReferralEventRead(Schema):
    from_status: ReferralStatus | None
    to_status: ReferralStatus
    changed_on: date
    reason: str
    follow_up_on: date | None
    recorded_at: datetime
    recorded_by: uuid.UUID | None


class ReferralRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    need_id: uuid.UUID | None
    kind: NeedKind
    resource_id: uuid.UUID | None
    organization: str
    contact: str
    phone: str
    address: str
    status: ReferralStatus
    made_on: date
    made_by: uuid.UUID | None
    follow_up_on: date | None
    follow_up_state: FollowUpState
    outcome: str
    aftercare_plan_id: uuid.UUID | None
    events: list[ReferralEventRead]


class ResourceInput(Schema):
    kind: NeedKind
    name: Line = Field(min_length=1, max_length=LIMITS["name"])
    contact: Line = Field(default="", max_length=LIMITS["contact"])
    phone: Line = Field(default="", max_length=LIMITS["phone"])
    address: Line = Field(default="", max_length=LIMITS["address"])
    notes: Text = Field(default="", max_length=LIMITS["notes"])
    is_active: bool = True


class ResourceUpdate(Schema):
    """Only the fields given change (``model_dump(exclude_unset=True)``)."""

    kind: NeedKind | None = None
    name: Line | None = Field(default=None, min_length=1, max_length=LIMITS["name"])
    contact: Line | None = Field(default=None, max_length=LIMITS["contact"])
    phone: Line | None = Field(default=None, max_length=LIMITS["phone"])
    address: Line | None = Field(default=None, max_length=LIMITS["address"])
    notes: Text | None = Field(default=None, max_length=LIMITS["notes"])
    is_active: bool | None = None


class ResourceRead(Schema):
    id: uuid.UUID
    kind: NeedKind
    name: str
    contact: str
    phone: str
    address: str
    notes: str
    is_active: bool
    is_synthetic: bool


class WorklistReferralRead(Schema):
    referral_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
    kind: NeedKind
    organization: str
    status: ReferralStatus
    made_on: date
    follow_up_on: date | None
    follow_up_state: FollowUpState
    days_overdue: int


class WorklistNeedRead(Schema):
    need_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
    kind: NeedKind
    status: NeedStatus
    priority: Priority
    identified_on: date


class WorklistRead(Schema):
    today: date
    follow_ups: list[WorklistReferralRead] = Field(description="Due today or overdue")
    awaiting_answer: list[WorklistReferralRead]
    needs_without_referral: list[WorklistNeedRead]
    sober_living_not_on_plan: list[WorklistReferralRead]
