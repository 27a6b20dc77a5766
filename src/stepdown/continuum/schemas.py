"""API shapes for the continuum."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from stepdown.continuum.models import DischargeType, EpisodeStatus, Track, Transition
from stepdown.kit.schemas import Day, Line, Schema, Text


class LevelRead(Schema):
    code: str
    name: str
    step_down_order: int
    asam_level: str
    weekly_hours_min: float | None
    weekly_hours_max: float | None
    days_per_week_min: int | None
    days_per_week_max: int | None
    session_minutes: int | None
    typical_stay_weeks_min: int | None
    typical_stay_weeks_max: int | None
    supervision: str
    medical_monitoring: str
    has_day_track: bool
    has_evening_track: bool
    provided_in_house: bool
    is_active: bool


class LevelUpdate(Schema):
    """Only the fields given are changed."""

    name: Line | None = Field(default=None, min_length=1, max_length=80)
    asam_level: Line | None = Field(default=None, max_length=60)
    weekly_hours_min: float | None = Field(default=None, ge=0, le=80)
    weekly_hours_max: float | None = Field(default=None, ge=0, le=80)
    days_per_week_min: int | None = Field(default=None, ge=0, le=7)
    days_per_week_max: int | None = Field(default=None, ge=0, le=7)
    session_minutes: int | None = Field(default=None, ge=0, le=720)
    typical_stay_weeks_min: int | None = Field(default=None, ge=0, le=520)
    typical_stay_weeks_max: int | None = Field(default=None, ge=0, le=520)
    supervision: Line | None = Field(default=None, max_length=200)
    medical_monitoring: Line | None = Field(default=None, max_length=200)
    has_day_track: bool | None = None
    has_evening_track: bool | None = None
    is_active: bool | None = None


class PartnerCreate(Schema):
    name: Line = Field(min_length=1, max_length=160)
    level: Line = Field(
        description="HOSPITAL, DETOX or RESIDENTIAL (a level not provided in house)"
    )
    phone: Line = Field(default="", max_length=40)
    email: Line = Field(default="", max_length=200)
    address: Line = Field(default="", max_length=300)
    notes: Text = Field(default="", max_length=2000)


class PartnerRead(Schema):
    id: uuid.UUID
    name: str
    level_id: uuid.UUID
    phone: str
    email: str
    address: str
    is_active: bool


class AdmitRequest(Schema):
    level: Line = Field(description="Level code, e.g. IOP")
    track: Track
    on: Day
    reason: Text = Field(min_length=1, max_length=2000)


class StepRequest(Schema):
    level: Line
    track: Track
    on: Day
    reason: Text = Field(min_length=1, max_length=2000)
    skip_reason: Text = Field(default="", max_length=2000)


class TrackChangeRequest(Schema):
    track: Track
    on: Day
    reason: Text = Field(min_length=1, max_length=2000)


class ReferOutRequest(Schema):
    partner_id: uuid.UUID
    on: Day
    reason: Text = Field(min_length=1, max_length=2000)


class ReturnRequest(Schema):
    level: Line
    track: Track
    on: Day
    reason: Text = Field(min_length=1, max_length=2000)


class DischargeRequest(Schema):
    type: DischargeType
    on: Day
    summary: Text = Field(min_length=1, max_length=5000)


class SegmentRead(Schema):
    id: uuid.UUID
    level_id: uuid.UUID
    track: Track
    starts_on: date
    ends_on: date | None
    transition: Transition
    reason: str
    skip_reason: str
    partner_id: uuid.UUID | None


class EpisodeRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    site_id: uuid.UUID
    status: EpisodeStatus
    admitted_on: date
    discharged_on: date | None
    discharge_type: DischargeType | None
    segments: list[SegmentRead] = Field(default_factory=list)


class CensusRowRead(Schema):
    client_id: uuid.UUID
    record_number: str
    name: str
    level: str
    track: Track
    status: EpisodeStatus
    level_since: date
    days_in_level: int
    expected_end: date | None
    over_typical_stay: bool


class CensusRead(Schema):
    counts: dict[str, int]
    rows: list[CensusRowRead]
