"""JSON shapes of the schedule-build API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, computed_field

from stepdown.calendar.models import BuildStatus
from stepdown.kit.schemas import Day, Schema
from stepdown.scheduling.service import MAX_SECONDS, MIN_SECONDS


class BuildCreate(Schema):
    week_of: Day
    time_limit: float = Field(default=10.0, ge=MIN_SECONDS, le=MAX_SECONDS)
    applies_from: Day | None = None


class BuildListItem(Schema):
    id: uuid.UUID
    week_of: date
    status: BuildStatus
    applies_from: date
    created_at: datetime
    published_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_url(self) -> str:
        """Where to poll a queued or solving build until it is a draft or failed."""
        return f"/api/v1/schedule/builds/{self.id}"


class BuildRead(BuildListItem):
    """The figures and lists a director reviews; the full documents stay on the server.

    While the build is queued or solving, ``summary`` is empty and ``progress`` holds the
    optimizer's figures so far (clients, compliant, compliant_bound, seconds); a failed build
    says why in ``error``.
    """

    time_limit: float | None
    progress: dict[str, Any]
    error: str | None
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
    staff_affected: int
