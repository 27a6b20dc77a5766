"""API shapes for the instrument catalog and instrument responses."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from stepdown.alerts.models import AlertKind, Severity
from stepdown.assessments.rules import Sex
from stepdown.kit.schemas import AwareInstant, Schema, Text


class ChoiceRead(Schema):
    value: int
    label: str


class ItemRead(Schema):
    number: str
    label: str
    allowed: list[int]
    choices: list[ChoiceRead]


class BandRead(Schema):
    label: str
    low: int
    high: int


class InstrumentRead(Schema):
    code: str
    name: str
    source: str
    items: list[ItemRead]
    has_total: bool
    total_range: tuple[int, int] | None
    bands: list[BandRead]
    bands_for_women: list[BandRead] | None
    subscales: dict[str, list[str]]
    loinc_panel: str | None
    loinc_total: str | None


class ResponseCreate(Schema):
    answers: list[int | None] = Field(
        description="One answer per item, in form order; a null is reported as a missing item"
    )
    sex: Sex | None = Field(default=None, description="Required for the AUDIT-C only")
    administered_at: AwareInstant | None = Field(
        default=None, description="When it was given; defaults to now"
    )


class RaisedAlert(Schema):
    id: uuid.UUID
    kind: AlertKind
    severity: Severity
    summary: str


class ResponseRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID | None
    instrument: str
    answers: list[int]
    total: int | None
    band: str | None
    subscales: dict[str, int]
    flags: list[str]
    sex: Sex | None
    administered_by: uuid.UUID | None
    administered_at: datetime
    recorded_at: datetime
    entered_in_error: bool
    error_reason: str


class ResponseCreated(ResponseRead):
    alerts: list[RaisedAlert] = Field(default_factory=list)


class EnteredInErrorRequest(Schema):
    reason: Text = Field(min_length=1, max_length=2000)


class TrendPointRead(Schema):
    response_id: uuid.UUID
    administered_at: datetime
    total: int | None
    band: str | None
    subscales: dict[str, int]
    sex: Sex | None
