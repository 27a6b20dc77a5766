"""JSON shapes of the schedule-build API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from stepdown.calendar.models import BuildStatus
from stepdown.kit.schemas import Schema


class BuildCreate(Schema):
    week_of: date
    time_limit: float = Field(default=10.0, ge=1, le=120)
    applies_from: date | None = None


class BuildListItem(Schema):
    id: uuid.UUID
    week_of: date
    status: BuildStatus
    applies_from: date
    created_at: datetime
    published_at: datetime | None


class BuildRead(BuildListItem):
    """The figures and lists a director reviews; the full documents stay on the server."""

    summary: dict[str, Any]
    built_by: uuid.UUID | None
    published_by: uuid.UUID | None


class PublishRead(Schema):
    build: BuildRead
    sessions_added: int
    sessions_changed: int
    sessions_cancelled: int
    seats_added: int
    seats_cancelled: int
    appointments_added: int
    appointments_changed: int
    appointments_cancelled: int
    clients_affected: int
