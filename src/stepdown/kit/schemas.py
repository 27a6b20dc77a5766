"""The base every API schema inherits, the error bodies, and the bounded input types.

The bounded types live in ``kit.bounds`` and are re-exported here, so a domain's schemas
import everything they build on from one place.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stepdown.kit.bounds import (
    COUNT_MAX,
    FIRST_DAY,
    LAST_DAY,
    LINE_MAX,
    SEQ_MAX,
    TEXT_MAX,
    AwareInstant,
    Count,
    Day,
    Instant,
    Line,
    Seq,
    Size,
    Text,
)
from stepdown.kit.errors import Invalid

__all__ = [
    "COUNT_MAX",
    "FIRST_DAY",
    "LAST_DAY",
    "LINE_MAX",
    "SEQ_MAX",
    "TEXT_MAX",
    "AwareInstant",
    "Count",
    "Day",
    "ErrorBody",
    "Instant",
    "Line",
    "Problem",
    "Schema",
    "Seq",
    "Size",
    "Text",
    "ValidationErrorBody",
    "invalid_from",
]


class Schema(BaseModel):
    # No NaN or infinity: JSON has neither (Python's parser accepts them), the answer would
    # carry them as null, and no amount, hour or score in the program is infinite.
    model_config = ConfigDict(from_attributes=True, extra="forbid", allow_inf_nan=False)


class ErrorBody(Schema):
    """Every refusal the API answers (4xx): what kind, why, and the field when one is at
    fault (``rule`` names the business rule behind a 409)."""

    error: str = Field(description="The kind of refusal, e.g. NotFound, Conflict, Invalid")
    detail: str = Field(description="Why, in words that can be shown to the user")
    field: str | None = None
    rule: str | None = None


class Problem(Schema):
    field: str = Field(description="The field at fault (dotted for nested fields)")
    message: str


class ValidationErrorBody(ErrorBody):
    """A 422: ``field`` and ``detail`` name the first problem, ``errors`` lists them all
    (absent when a service refused one field)."""

    errors: list[Problem] = Field(default_factory=list)


def invalid_from(exc: ValidationError) -> Invalid:
    """A form's values checked through an API schema: the first problem, named by its
    field, as the pages and the API report it."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return Invalid(str(first["msg"]), field=field)
