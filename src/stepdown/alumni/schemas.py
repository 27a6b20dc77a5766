"""API shapes for alumni events, RSVPs, volunteers, suggestions and mentorships."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.alumni.models import Interest, MentorshipStatus, RsvpStatus
from stepdown.alumni.rules import MAX_MENTEES, MAX_TAGS
from stepdown.continuum.models import Track
from stepdown.kit.schemas import AwareInstant, Day, Line, Schema, Size, Text


class EventInput(Schema):
    site_id: uuid.UUID | None = Field(default=None, description="None: program-wide")
    title: Line = Field(min_length=1, max_length=160)
    description: Text = Field(default="", max_length=4000)
    starts_at: AwareInstant
    ends_at: AwareInstant
    place: Line = Field(default="", max_length=300)
    link: Line = Field(default="", max_length=500)
    capacity: Size | None = Field(default=None, description="None: no limit")


class EventRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID | None
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    link: str
    capacity: int | None
    cancelled_at: datetime | None
    going: int
    waitlisted: int


class RsvpInput(Schema):
    client_id: uuid.UUID


class RsvpRead(Schema):
    id: uuid.UUID
    event_id: uuid.UUID
    client_id: uuid.UUID
    status: RsvpStatus
    queue_number: int
    created_at: datetime


class VolunteerProfile(Schema):
    recovery_start: Day = Field(description="The start of recovery, as the alumnus states it")
    interests: list[Interest] = Field(default_factory=list)
    tags: list[Line] = Field(default_factory=list, max_length=MAX_TAGS)
    site_ids: list[uuid.UUID] = Field(default_factory=list)
    tracks: list[Track] = Field(default_factory=list)
    max_mentees: int = Field(default=2, ge=1, le=MAX_MENTEES)
    active: bool = True


class VolunteerCreate(VolunteerProfile):
    client_id: uuid.UUID
    consent: bool = Field(description="The alumnus consented to mentor and to be introduced")


class VolunteerRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    recovery_start: date
    interests: list[str]
    tags: list[str]
    site_ids: list[str]
    tracks: list[str]
    max_mentees: int
    active: bool
    consent_given_at: datetime | None
    consent_withdrawn_at: datetime | None
    eligible: bool
    refusals: list[str]
    open_mentorships: int


class MenteeInterestsInput(Schema):
    interests: list[Interest] = Field(default_factory=list)
    tags: list[Line] = Field(default_factory=list, max_length=MAX_TAGS)


class SuggestionRead(Schema):
    volunteer_id: uuid.UUID
    first_name: str
    recovery_days: int
    score: int
    same_site: bool
    same_track: bool
    shared: list[str]


class MentorshipCreate(Schema):
    client_id: uuid.UUID = Field(description="The mentee")
    volunteer_id: uuid.UUID


class MentorshipRead(Schema):
    id: uuid.UUID
    volunteer_id: uuid.UUID
    mentee_id: uuid.UUID
    status: MentorshipStatus
    proposed_at: datetime
    mentor_consent_at: datetime | None
    mentee_consent_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str


class ConsentInput(Schema):
    attested: bool = Field(
        default=False,
        description="Staff only: the person consented in front of you (a client consents "
        "for themselves and leaves this out)",
    )


class EndInput(Schema):
    reason: Text = Field(default="", max_length=300)
