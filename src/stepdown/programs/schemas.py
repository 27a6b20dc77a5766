"""JSON shapes of the program set-up API."""

from __future__ import annotations

import uuid

from pydantic import Field

from stepdown.kit.schemas import Count, Line, Schema
from stepdown.programs.models import Audience, BlockKind, KeepApartReason, SessionGender
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
    audience: Audience
    gender: SessionGender
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


class StaffProfileWrite(Schema):
    site_id: uuid.UUID
    topics: list[Line]
    availability: list[Window]
    max_hours: float


class RoomRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    code: str
    name: str
    capacity: int


class RoomWrite(Schema):
    """A room's details; its site is fixed once created."""

    code: Line
    name: Line
    capacity: Count


class RoomCreate(RoomWrite):
    site_id: uuid.UUID


class TimeBlockRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    kind: BlockKind
    name: str
    day: str
    start: str
    end: str
    levels: list[str]


class TimeBlockWrite(Schema):
    kind: BlockKind
    name: Line = ""
    day: Line
    start: Line
    end: Line
    levels: list[Line]


class TimeBlockCreate(TimeBlockWrite):
    site_id: uuid.UUID


class GroupSessionWrite(Schema):
    """A candidate session's details; its site is fixed once created. Without a code, a new
    session gets the site's next "G<n>" and an edited one keeps its own."""

    code: Line = ""
    day: Line
    start: Line
    end: Line
    topic: Line
    levels: list[Line]
    audience: Audience = Audience.ADULT
    gender: SessionGender = SessionGender.ANY
    min_size: Count = 3
    max_size: Count = 12
    telehealth: bool = False
    time_block_id: uuid.UUID | None = None


class GroupSessionCreate(GroupSessionWrite):
    site_id: uuid.UUID


class Removed(Schema):
    """What a delete did besides removing the row, in words (e.g. meetings it unlinked)."""

    id: uuid.UUID
    detail: str


class KeepApartRead(Schema):
    id: uuid.UUID
    client_a_id: uuid.UUID
    client_a_record_number: str
    client_b_id: uuid.UUID
    client_b_record_number: str
    reason: KeepApartReason


class KeepApartWrite(Schema):
    client_a_id: uuid.UUID
    client_b_id: uuid.UUID
    reason: KeepApartReason
