"""JSON shapes of the program set-up API."""

from __future__ import annotations

import uuid

from pydantic import Field

from stepdown.kit.schemas import Schema
from stepdown.scheduling.exchange import Window


class StaffProfileRead(Schema):
    user_id: uuid.UUID
    site_id: uuid.UUID
    topics: list[str]
    availability: list[Window]
    max_hours: float


class GroupSessionRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    code: str
    day: str
    start: str
    end: str
    topic: str
    levels: list[str]
    audience: str
    gender: str
    min_size: int
    max_size: int
    telehealth: bool
    time_block_id: uuid.UUID | None


class ClientProfileRead(Schema):
    client_id: uuid.UUID
    availability: list[Window]
    primary_therapist_id: uuid.UUID
    individual_sessions: int
    family_sessions: int


class ClientProfileWrite(Schema):
    availability: list[Window]
    primary_therapist_id: uuid.UUID | None = None
    individual_sessions: int = Field(default=1, ge=0, le=7)
    family_sessions: int = Field(default=0, ge=0, le=7)
