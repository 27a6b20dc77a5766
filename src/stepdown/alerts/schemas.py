"""API shapes for alerts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from stepdown.alerts.models import AlertKind, Severity
from stepdown.kit.schemas import Schema, Text


class AlertRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: AlertKind
    severity: Severity
    summary: str
    source_type: str
    source_id: uuid.UUID
    created_at: datetime
    created_by: uuid.UUID | None
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    acknowledgement_note: str


class AcknowledgeRequest(Schema):
    note: Text = Field(min_length=1, max_length=2000, description="What was done about it")
