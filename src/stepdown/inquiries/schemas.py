"""Shapes of an inquiry at the edges: what may be entered, and what is shown back.

Validators raise messages an admissions worker can act on, at the field they concern, so
the API's 422 and the form's field messages name the same field.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from stepdown.inquiries.rules import CallerType, InquirySource, InquiryStatus, Substance, Urgency
from stepdown.kit.clock import today
from stepdown.kit.contact import check_email, check_phone
from stepdown.kit.schemas import Day, Instant, Line, Schema, Text

CONTACT_FIELDS = ("phone", "email", "preferred_contact_time", "contact_instructions")


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("inquiry", message)


def _blank_is_none(value: Any) -> Any:
    """HTML forms send an empty string for an unanswered optional field."""
    return None if isinstance(value, str) and not value.strip() else value


class InquiryFields(Schema):
    """Everything a worker may enter or correct. Field order matters: the cross-field
    checks read the fields declared above them."""

    source: InquirySource = InquirySource.PHONE
    caller_type: CallerType = CallerType.SELF
    caller_name: Line = Field(default="", max_length=120, validate_default=True)
    caller_relationship: Line = Field(default="", max_length=60)
    first_name: Line = Field(default="", max_length=80, validate_default=True)
    last_name: Line = Field(default="", max_length=80)
    date_of_birth: Day | None = None
    phone: Line = Field(default="", max_length=40)
    email: Line = Field(default="", max_length=200)
    preferred_contact_time: Line = Field(default="", max_length=80)
    contact_instructions: Text = Field(default="", max_length=200)
    consent_to_contact: bool = Field(default=False, validate_default=True)
    substances: list[Substance] = Field(default_factory=list)
    payer_name: Line = Field(default="", max_length=120)
    member_id: Line = Field(default="", max_length=60)
    urgency: Urgency = Urgency.ROUTINE
    referral_source: Line = Field(default="", max_length=120)
    notes: Text = Field(default="", max_length=4000)
    site_id: uuid.UUID | None = None
    assigned_to_id: uuid.UUID | None = None

    @field_validator(
        "caller_name",
        "caller_relationship",
        "first_name",
        "last_name",
        "phone",
        "email",
        "preferred_contact_time",
        "contact_instructions",
        "payer_name",
        "member_id",
        "referral_source",
        "notes",
        mode="before",
    )
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("date_of_birth", "site_id", "assigned_to_id", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("caller_name")
    @classmethod
    def _caller_named(cls, value: str, info: ValidationInfo) -> str:
        caller = info.data.get("caller_type")
        if caller is not None and caller is not CallerType.SELF and not value:
            raise _problem("Enter the caller's name: someone called on the person's behalf.")
        return value

    @field_validator("first_name")
    @classmethod
    def _first_name_given(cls, value: str) -> str:
        if not value:
            raise _problem("Enter the person's first name (a first name alone is enough).")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and (value >= today() or value.year < 1900):
            raise _problem("Enter a date of birth in the past, after 1900.")
        return value

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str) -> str:
        return check_phone(value)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        return check_email(value)

    @field_validator("consent_to_contact")
    @classmethod
    def _web_form_consent(cls, value: bool, info: ValidationInfo) -> bool:
        """A web form may only leave contact details if the person agreed to be contacted."""
        has_contact = any(info.data.get(name) for name in CONTACT_FIELDS)
        if info.data.get("source") is InquirySource.WEB_FORM and has_contact and not value:
            raise _problem(
                "A web-form inquiry keeps contact details only with consent to contact: "
                "tick consent, or leave phone, email and contact times empty."
            )
        return value

    @field_validator("substances")
    @classmethod
    def _in_vocabulary_order(cls, value: list[Substance]) -> list[Substance]:
        return [s for s in Substance if s in value]


class InquiryCreate(InquiryFields):
    external_ref: Line | None = Field(default=None, max_length=64)

    @field_validator("external_ref", mode="before")
    @classmethod
    def _ref(cls, value: Any) -> Any:
        return _blank_is_none(value)


class InquiryUpdate(Schema):
    """Only the fields sent change; the result is checked as a whole by the service."""

    source: InquirySource | None = None
    caller_type: CallerType | None = None
    caller_name: Line | None = None
    caller_relationship: Line | None = None
    first_name: Line | None = None
    last_name: Line | None = None
    date_of_birth: Day | None = None
    phone: Line | None = None
    email: Line | None = None
    preferred_contact_time: Line | None = None
    contact_instructions: Text | None = None
    consent_to_contact: bool | None = None
    substances: list[Substance] | None = None
    payer_name: Line | None = None
    member_id: Line | None = None
    urgency: Urgency | None = None
    referral_source: Line | None = None
    notes: Text | None = None
    site_id: uuid.UUID | None = None
    assigned_to_id: uuid.UUID | None = None


class StatusChangeCreate(Schema):
    to_status: InquiryStatus
    assessment_at: Instant | None = None
    partner: Line = Field(default="", max_length=120)
    reason: Text = Field(default="", max_length=300)
    note: Text = Field(default="", max_length=4000)

    @field_validator("assessment_at", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("assessment_at")
    @classmethod
    def _program_time(cls, value: datetime | None) -> datetime | None:
        """A time without a zone (the browser's date-time field) is program time: UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("partner", "reason", "note")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


class InquiryFilter(Schema):
    status: InquiryStatus | None = None
    site_id: uuid.UUID | None = None
    urgency: Urgency | None = None
    limit: int = Field(default=200, ge=1, le=1000)

    @field_validator("status", "site_id", "urgency", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_is_none(value)


class StatusChangeRead(Schema):
    seq: int
    from_status: InquiryStatus | None
    to_status: InquiryStatus
    changed_at: datetime
    changed_by_label: str
    assessment_at: datetime | None
    partner: str
    reason: str
    note: str


class InquiryRead(Schema):
    id: uuid.UUID
    source: InquirySource
    caller_type: CallerType
    caller_name: str
    caller_relationship: str
    first_name: str
    last_name: str
    date_of_birth: date | None
    phone: str
    email: str
    preferred_contact_time: str
    contact_instructions: str
    consent_to_contact: bool
    substances: list[Substance]
    payer_name: str
    member_id: str
    urgency: Urgency
    referral_source: str
    notes: str
    site_id: uuid.UUID | None
    assigned_to_id: uuid.UUID | None
    status: InquiryStatus
    status_changed_at: datetime
    assessment_at: datetime | None
    client_id: uuid.UUID | None
    external_ref: str | None
    created_at: datetime
    updated_at: datetime


class InquiryDetail(InquiryRead):
    history: list[StatusChangeRead]


class Converted(Schema):
    inquiry_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
