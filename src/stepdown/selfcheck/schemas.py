"""The consultation request a visitor sends from the result page.

The limits and shapes match the inquiry it becomes, so what passes here is always a valid
inquiry, and each message names the field on this form, in the visitor's words.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from stepdown.inquiries.rules import Substance
from stepdown.kit.contact import check_email, check_phone
from stepdown.kit.schemas import Line, Schema

NAME_MAX = 80
PHONE_MAX = 40
EMAIL_MAX = 200
BEST_TIME_MAX = 80


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("consultation", message)


class ConsultationRequest(Schema):
    """Field order matters: ``phone`` is checked after ``email`` so it can ask for one of
    the two."""

    name: Line = Field(default="", max_length=NAME_MAX, validate_default=True)
    email: Line = Field(default="", max_length=EMAIL_MAX)
    phone: Line = Field(default="", max_length=PHONE_MAX, validate_default=True)
    best_time: Line = Field(default="", max_length=BEST_TIME_MAX)
    substances: list[Substance] = Field(default_factory=list)
    site_id: uuid.UUID | None = None
    consent_to_contact: bool = Field(default=False, validate_default=True)

    @field_validator("name", "email", "phone", "best_time", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("site_id", mode="before")
    @classmethod
    def _no_preference(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value:
            raise _problem("Tell us a first name, or any name we can ask for when we call.")
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        return check_email(value)

    @field_validator("phone")
    @classmethod
    def _phone_or_email(cls, value: str, info: ValidationInfo) -> str:
        check_phone(value)
        # A bad email has its own message already; only ask for a way to reach them.
        if not value and "email" in info.data and not info.data["email"]:
            raise _problem("Give us a phone number or an email address, so we can reach you.")
        return value

    @field_validator("consent_to_contact")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise _problem(
                "Tick the box to let us contact you: we only call or write if you agree."
            )
        return value
