"""API shapes for medications."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.drug_testing.models import Analyte
from stepdown.kit.schemas import Day, Line, Schema, Text


class MedicationCreate(Schema):
    name: Line = Field(max_length=120, description="As prescribed, e.g. 'Suboxone 8 mg/2 mg'")
    analytes: list[Analyte] | None = Field(
        default=None, description="Analytes it explains; omitted: from the medication table"
    )
    is_mat: bool | None = Field(
        default=None, description="A medication for an addiction; omitted: from the table"
    )
    prescriber: Line = Field(max_length=120)
    starts_on: Day
    ends_on: Day | None = None


class MedicationStop(Schema):
    ends_on: Day = Field(description="The last day taken")
    reason: Text = Field(default="", max_length=300)


class MedicationRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    name: str
    analytes: list[Analyte]
    is_mat: bool
    prescriber: str
    starts_on: date
    ends_on: date | None
    stop_reason: str
    created_at: datetime
