"""API shapes for client records."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field, field_validator

from stepdown.kit.clock import today
from stepdown.kit.schemas import Day, Line, Schema, Text


class ClientDetails(Schema):
    """Who the client is and how to reach them: what staff correct on a record after it is
    opened (site and care team have their own forms: they change who may see it)."""

    legal_first_name: Line = Field(min_length=1, max_length=80)
    legal_last_name: Line = Field(min_length=1, max_length=80)
    preferred_name: Line = Field(default="", max_length=80)
    date_of_birth: Day
    sex_assigned_at_birth: Line = Field(default="", max_length=20)
    gender_identity: Line = Field(default="", max_length=40)
    pronouns: Line = Field(default="", max_length=30)
    phone: Line = Field(default="", max_length=40)
    email: Line = Field(default="", max_length=200)
    address: Line = Field(default="", max_length=300)
    emergency_contact_name: Line = Field(default="", max_length=120)
    emergency_contact_phone: Line = Field(default="", max_length=40)
    emergency_contact_relationship: Line = Field(default="", max_length=60)
    safe_contact_instructions: Text = Field(default="", max_length=1000)

    @field_validator("legal_first_name", "legal_last_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date) -> date:
        if value >= today():
            raise ValueError("must be in the past")
        if value.year < 1900:
            raise ValueError("must be after 1900")
        return value


class ClientCreate(ClientDetails):
    referral_source: Line = Field(default="", max_length=120)
    site_id: uuid.UUID
    primary_clinician_id: uuid.UUID | None = None


class ClientRead(Schema):
    id: uuid.UUID
    record_number: str
    legal_first_name: str
    legal_last_name: str
    preferred_name: str
    date_of_birth: date
    pronouns: str
    site_id: uuid.UUID
    primary_clinician_id: uuid.UUID | None
    is_synthetic: bool
