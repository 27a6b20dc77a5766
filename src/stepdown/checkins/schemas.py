"""API shapes for check-ins. Ranges are checked by ``rules.validate`` (one place, one
wording), which names the field in the 422."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from stepdown.checkins.models import EntryMode
from stepdown.kit.schemas import Line, Schema, Text


class CheckInCreate(Schema):
    craving: int = Field(description="0 (none) to 10 (the strongest I can imagine)")
    mood: int = Field(description="0 (very low) to 10 (very good)")
    used_since_last: bool = Field(description="Any alcohol or drug use since the last check-in")
    sleep_hours: Decimal | None = Field(default=None, description="0 to 24, in half hours")
    sleep_quality: int | None = Field(default=None, description="1 (very poor) to 5 (very good)")
    risky_situations: list[Line] = Field(
        default_factory=list, description="Codes from rules.RiskySituation"
    )
    risky_other: Line = ""
    substance: Line = Field(default="", description="What was used, in the client's words")
    note: Text = ""
    self_harm_thoughts: bool | None = Field(
        default=None,
        description=(
            "Since the last check-in, thoughts of hurting oneself or of ending one's life. "
            "Optional for clients written before the question; leaving it out stores "
            '"not answered" (null), never "no". true raises an urgent safety alert.'
        ),
    )


class CheckInRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    day: date
    submitted_at: datetime
    craving: int
    mood: int
    sleep_hours: Decimal | None
    sleep_quality: int | None
    risky_situations: list[str]
    risky_other: str
    used_since_last: bool
    substance: str
    note: str
    self_harm_thoughts: bool | None = Field(description='null: not answered (never "no")')
    entry_mode: EntryMode
    entered_by: uuid.UUID | None


class SubmittedRead(Schema):
    checkin: CheckInRead
    alert_ids: list[uuid.UUID] = Field(
        description=(
            "Alerts this check-in raised: at most one safety alert (thoughts of self-harm) "
            "and one about use or craving"
        )
    )


class DayPointRead(Schema):
    day: date
    craving: int
    mood: int


class AveragePointRead(Schema):
    day: date
    craving: float
    mood: float
    days: int


class TrendRead(Schema):
    start: date
    end: date
    days: list[DayPointRead]
    averages: list[AveragePointRead]
