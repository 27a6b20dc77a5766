"""API shapes for drug testing."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from stepdown.drug_testing.models import (
    Analyte,
    Interpretation,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
)
from stepdown.kit.schemas import Count, Day, Instant, Line, Schema, Text


class DrawRead(Schema):
    """A draw without its client lists: enough to check it, not a roster of who was tested."""

    id: uuid.UUID
    site_id: uuid.UUID
    day: date
    rate_per_week: float
    program_days: int
    commitment: str
    committed_at: datetime
    seed: str | None
    revealed_at: datetime | None
    probability: float | None
    eligible_count: int | None
    selected_count: int | None
    draw_hash: str | None


class OrderRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    reason: OrderReason
    ordered_on: date
    draw_id: uuid.UUID | None
    ordered_by: uuid.UUID | None
    status: OrderStatus
    note: str
    schedule_id: uuid.UUID | None
    confirms_order_id: uuid.UUID | None
    confirms_analyte: Analyte | None
    status_note: str
    status_changed_at: datetime | None


class OrderCreate(Schema):
    client_id: uuid.UUID
    reason: Literal[OrderReason.ADMISSION, OrderReason.FOR_CAUSE]
    on: Day | None = Field(default=None, description="The day to collect; default today")
    note: Text = Field(default="", max_length=500, description="The cause, for a for-cause test")


class CollectionCreate(Schema):
    specimen_type: SpecimenType
    observed: bool
    collected_at: Instant
    chain_of_custody_id: Line = Field(default="", max_length=60)
    collector_id: uuid.UUID | None = Field(default=None, description="Default: the caller")


class OutcomeCreate(Schema):
    status: Literal[OrderStatus.REFUSED, OrderStatus.MISSED]
    note: Text = Field(default="", max_length=500)


class ResultEntry(Schema):
    analyte: Analyte
    method: Method
    result: ResultValue
    value: float | None = Field(default=None, ge=0)
    cutoff: float | None = Field(default=None, ge=0)
    unit: Line = Field(default="", max_length=20)


class ResultsCreate(Schema):
    results: list[ResultEntry] = Field(min_length=1)


class ResultRead(Schema):
    id: uuid.UUID
    collection_id: uuid.UUID
    analyte: Analyte
    method: Method
    result: ResultValue
    value: float | None
    cutoff: float | None
    unit: str
    interpretation: Interpretation
    explained_by: str
    created_at: datetime


class CollectionRead(Schema):
    id: uuid.UUID
    order_id: uuid.UUID
    client_id: uuid.UUID
    specimen_type: SpecimenType
    observed: bool
    collector_id: uuid.UUID | None
    chain_of_custody_id: str
    collected_at: datetime
    results: list[ResultRead]


class ScheduleSet(Schema):
    client_id: uuid.UUID
    weekday: Count | None = Field(description="0 = Monday ... 6 = Sunday; null stops the schedule")
    starts_on: Day


class ScheduleRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    weekday: int
    starts_on: date
    ends_on: date | None


class SummaryRead(Schema):
    """Counts over a period; refused and missed are counted as such, never as negatives."""

    client_id: uuid.UUID
    start: date
    end: date
    ordered: int
    collected: int
    refused: int
    missed: int
    pending: int
    confirmations_ordered: int
    confirmations_pending: int
    unexpected_positives: dict[Analyte, int]
    expected_positives: dict[Analyte, int]
    expected_positives_missing: dict[Analyte, int]
    recollect: int


class TodayRead(Schema):
    order: OrderRead
    record_number: str
    display_name: str
    collected_at: datetime | None
