"""API shapes for drug testing."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from stepdown.drug_testing.models import OrderReason, OrderStatus
from stepdown.kit.schemas import Schema


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
