"""The base every API schema inherits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ErrorBody(Schema):
    error: str
    detail: str
    field: str | None = None
    rule: str | None = None
