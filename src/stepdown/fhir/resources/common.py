"""Pieces every builder uses: the security labels, references, codings and periods."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from stepdown.disclosures.gate import SECURITY_LABELS

Json = dict[str, Any]


def meta() -> Json:
    """``meta.security`` of everything the API returns: restricted, 42 CFR Part 2, no
    redisclosure without consent (the gate's labels)."""
    return {"security": [dict(label) for label in SECURITY_LABELS]}


def reference(resource_type: str, resource_id: uuid.UUID | str) -> Json:
    return {"reference": f"{resource_type}/{resource_id}"}


def patient(client_id: uuid.UUID) -> Json:
    return reference("Patient", client_id)


def coding(system: str, code: str, display: str | None = None) -> Json:
    found: Json = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(text: str, *codings: Json) -> Json:
    """A CodeableConcept: the codings we have, and always the words staff read."""
    found: Json = {"text": text}
    if codings:
        found["coding"] = list(codings)
    return found


def last_day(ends_on: date) -> date:
    """The last day of a half-open ``[starts_on, ends_on)`` range, for a FHIR Period
    (whose end date includes the whole day)."""
    return ends_on - timedelta(days=1)


def date_period(starts_on: date | None, last: date | None) -> Json:
    found: Json = {}
    if starts_on is not None:
        found["start"] = starts_on
    if last is not None:
        found["end"] = last
    return found
