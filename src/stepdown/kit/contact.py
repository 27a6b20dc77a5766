"""How a phone number and an email address must look wherever people leave them."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

PHONE = re.compile(r"^[0-9+().\s-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_phone(value: str) -> str:
    """Blank is allowed; otherwise 7 to 15 digits with the usual separators."""
    digits = sum(ch.isdigit() for ch in value)
    if value and (not PHONE.match(value) or not 7 <= digits <= 15):
        raise PydanticCustomError(
            "contact", "Enter a phone number of 7 to 15 digits (spaces, +, - and () are fine)."
        )
    return value


def check_email(value: str) -> str:
    """Blank is allowed; otherwise something@domain.tld (delivery is the real test)."""
    if value and not EMAIL.match(value):
        raise PydanticCustomError("contact", "Enter an email address like name@example.org.")
    return value
