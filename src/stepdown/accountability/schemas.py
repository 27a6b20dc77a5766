"""The accountability summary as the JSON API returns it (read from the service's
dataclasses, computed properties included)."""

from __future__ import annotations

import uuid
from datetime import date

from stepdown.accountability.rules import Direction, WeekStatus
from stepdown.kit.schemas import Schema


class AttendanceRead(Schema):
    scheduled: int
    attended: int
    excused: int
    unexcused: int
    late_or_left_early: int
    rate: float | None
    rate_without_excused: float | None


class LevelRead(Schema):
    code: str
    name: str
    weekly_hours_min: float | None


class WeekRead(Schema):
    monday: date
    first: date
    last: date
    level: LevelRead | None
    delivered_minutes: int
    scheduled_minutes: int
    required_minutes: int | None
    shortfall_minutes: int
    status: WeekStatus


class TestingRead(Schema):
    ordered: int
    collected: int
    refused: int
    missed: int
    pending: int
    confirmations_pending: int
    unexpected_positives: dict[str, int]
    expected_positives: dict[str, int]
    expected_missing: dict[str, int]
    resulted_specimens: int
    unexpected_positive_specimens: int
    confirmed_positive_specimens: int
    recollect_specimens: int


class ObjectiveRead(Schema):
    statement: str
    target_date: date
    status: str


class ObjectivesRead(Schema):
    met: list[ObjectiveRead]
    in_progress: list[ObjectiveRead]


class CheckinsRead(Schema):
    days: int
    days_checked_in: int
    first_half: float | None
    second_half: float | None
    direction: Direction
    use_days: list[date]


class ScoreRead(Schema):
    code: str
    name: str
    on: date
    total: int | None
    band: str | None


class InstrumentRead(Schema):
    latest: ScoreRead
    first_in_range: ScoreRead | None
    in_range: int


class AccountabilityRead(Schema):
    client_id: uuid.UUID
    record_number: str
    start: date
    end: date
    attendance: AttendanceRead
    weeks: list[WeekRead]
    testing: TestingRead
    objectives: ObjectivesRead
    checkins: CheckinsRead
    instruments: list[InstrumentRead]
    points: list[str]
