"""API shapes for attendance: a roster, what a leader submits, and the compliance board."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import Compliance
from stepdown.continuum.models import Track
from stepdown.kit.schemas import Schema, Text


class EntryIn(Schema):
    client_id: uuid.UUID
    status: AttendanceStatus
    late_minutes: int = Field(default=0, ge=0, le=1440)
    left_early_minutes: int = Field(default=0, ge=0, le=1440)
    note: Text = Field(default="", max_length=300)


class AttendanceUpdate(Schema):
    entries: list[EntryIn] = Field(min_length=1, max_length=200)


class RosterEntry(Schema):
    client_id: uuid.UUID
    record_number: str
    name: str
    status: AttendanceStatus | None
    late_minutes: int
    left_early_minutes: int
    credited_minutes: int | None


class RosterRead(Schema):
    id: uuid.UUID
    kind: str
    site_code: str
    day: date
    start: str
    end: str
    title: str
    scheduled_minutes: int
    cancelled: bool
    entries: list[RosterEntry]


class RecordedRead(Schema):
    roster: RosterRead
    alerts_raised: int


class BoardRowRead(Schema):
    client_id: uuid.UUID
    record_number: str
    name: str
    level: str
    track: Track
    required_hours: float | None
    planned_minutes: int
    delivered_minutes: int
    remaining_minutes: int
    unrecorded_minutes: int
    shortfall_minutes: int
    unexcused_streak: int
    status: Compliance
    reasons: list[str]


class BoardRead(Schema):
    site_code: str
    week_of: date
    track: Track | None
    level: str | None
    rows: list[BoardRowRead]
