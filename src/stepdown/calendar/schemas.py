"""API shapes for the weekly calendar views."""

from __future__ import annotations

import uuid
from datetime import date

from stepdown.calendar.models import BookingStatus
from stepdown.kit.schemas import Schema


class MemberRead(Schema):
    client_id: uuid.UUID
    name: str
    cancelled: bool


class EntryRead(Schema):
    id: uuid.UUID
    kind: str
    day: date
    start: str
    end: str
    title: str
    site_name: str
    place: str
    telehealth: bool
    leader: str
    size: int
    status: BookingStatus
    members: list[MemberRead]


class DayRead(Schema):
    day: date
    entries: list[EntryRead]


class WeekRead(Schema):
    heading: str
    week_of: date
    days: list[DayRead]


class ClientWeekRead(WeekRead):
    client_id: uuid.UUID
    booked_hours: float
    level_code: str | None
    weekly_hours_min: float | None
