"""API shapes for aftercare: plan edits, meetings, crisis contacts, check-ins, follow-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from pydantic import Field

from stepdown.aftercare.models import (
    EmploymentSchool,
    Housing,
    MeetingKind,
    PlanStatus,
    SoberLivingStatus,
    Weekday,
)
from stepdown.aftercare.rules import MONTHS_MAX, WEEKLY_MAX
from stepdown.kit.schemas import Day, Line, Schema, Text


class PlanUpdate(Schema):
    """A draft's fields; only those given change (``model_dump(exclude_unset=True)``)."""

    case_manager_id: uuid.UUID | None = None
    therapy_provider: Line = Field(default="", max_length=200)
    therapy_with_whom: Line = Field(default="", max_length=200)
    therapy_when: Line = Field(default="", max_length=200)
    sober_living_house: Line = Field(default="", max_length=200)
    sober_living_contact: Line = Field(default="", max_length=200)
    sober_living_status: SoberLivingStatus | None = None
    mat_prescriber: Line = Field(default="", max_length=200)
    mat_medication: Line = Field(default="", max_length=200)
    mat_next_appointment: Day | None = None
    warning_signs: Text = Field(default="", max_length=4000)
    coping_steps: Text = Field(default="", max_length=4000)
    weekly_checkins: int = Field(default=4, ge=0, le=WEEKLY_MAX)
    checkin_months: int = Field(default=12, ge=1, le=MONTHS_MAX)


class MeetingInput(Schema):
    kind: MeetingKind
    name: Line = Field(min_length=1, max_length=200)
    day: Weekday
    at: time | None = None
    place_or_link: Line = Field(min_length=1, max_length=300)


class ContactInput(Schema):
    name: Line = Field(min_length=1, max_length=120)
    relationship: Line = Field(default="", max_length=80)
    phone: Line = Field(min_length=1, max_length=40)


class FollowUpInput(Schema):
    """``reached`` False records a failed attempt; the outcome fields are then left out."""

    reached: bool
    abstinent: bool | None = None
    readmitted: bool | None = None
    employment_school: EmploymentSchool | None = None
    housing: Housing | None = None


class MeetingRead(MeetingInput):
    id: uuid.UUID


class ContactRead(ContactInput):
    id: uuid.UUID


class PlanRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    status: PlanStatus
    case_manager_id: uuid.UUID | None
    therapy_provider: str
    therapy_with_whom: str
    therapy_when: str
    sober_living_house: str
    sober_living_contact: str
    sober_living_status: SoberLivingStatus | None
    mat_prescriber: str
    mat_medication: str
    mat_next_appointment: date | None
    warning_signs: str
    coping_steps: str
    weekly_checkins: int
    checkin_months: int
    starts_on: date | None
    finalized_at: datetime | None
    finalized_by: uuid.UUID | None


class PlanDetail(PlanRead):
    meetings: list[MeetingRead]
    crisis_contacts: list[ContactRead]


class CheckInRead(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    sequence: int
    due_on: date
    state: str
    completed_at: datetime | None
    reminder_sent_at: datetime | None
    missed_alerted_at: datetime | None


class FollowUpRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    days_after: int
    due_on: date
    recorded_at: datetime | None
    recorded_by_client: bool
    reached: bool | None
    abstinent: bool | None
    readmitted: bool | None
    employment_school: EmploymentSchool | None
    housing: Housing | None


class WorklistRead(Schema):
    follow_ups: list[FollowUpRead]
    checkins: list[CheckInRead]  # due or missed
