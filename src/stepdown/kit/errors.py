"""Domain errors. Services raise these; the API, pages and CLI render them."""

from __future__ import annotations


class StepdownError(Exception):
    """A refusal the user can act on; ``message`` is shown as is, so it carries no PHI."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule


class NotFound(StepdownError):
    status_code = 404


class Forbidden(StepdownError):
    status_code = 403


class Conflict(StepdownError):
    """A business rule said no (the record stays as it was)."""

    status_code = 409


class Invalid(StepdownError):
    """Input that fails validation; ``field`` names the field."""

    status_code = 422


class Unauthorized(StepdownError):
    status_code = 401
