"""API shapes for diagnoses. Every input is bounded; the code is checked against the code set
and the specifiers against the code by the service, which names the field it refuses."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from stepdown.diagnoses.codeset import CODE_INPUT_MAX
from stepdown.diagnoses.models import DiagnosisStatus, Rank, Remission, Severity
from stepdown.diagnoses.rules import REASON_MAX
from stepdown.kit.schemas import Day, Line, Schema

# A code picker's answer never needs more; a query longer than a description is no query.
SEARCH_LIMIT_MAX = 50
QUERY_MAX = 100


class DiagnosisCreate(Schema):
    code: Line = Field(
        min_length=1,
        max_length=CODE_INPUT_MAX,
        description="An ICD-10-CM billable code, with or without its dot (e.g. F10.20)",
    )
    principal: bool = Field(
        default=False,
        description="Record it as the episode's principal diagnosis (the current principal "
        "one becomes secondary)",
    )
    severity: Severity | None = Field(
        default=None, description="DSM-5-TR current severity; substance use disorders only"
    )
    remission: Remission | None = Field(
        default=None, description="DSM-5-TR remission; none when not in remission"
    )
    controlled_environment: bool = False
    maintenance_therapy: bool = False
    diagnosed_on: Day | None = Field(default=None, description="Default: today")
    diagnosed_by_id: uuid.UUID | None = Field(
        default=None, description="The clinician or director who made it; default: the caller"
    )
    episode_id: uuid.UUID | None = Field(
        default=None, description="Default: the client's open episode of care"
    )


class DiagnosisEnd(Schema):
    status: Literal[DiagnosisStatus.RESOLVED, DiagnosisStatus.RULED_OUT]
    on: Day | None = Field(default=None, description="The day it ended; default: today")


class PrincipalChange(Schema):
    on: Day | None = Field(default=None, description="Principal from this day; default: today")


class EnteredInError(Schema):
    reason: Line = Field(min_length=1, max_length=REASON_MAX)


class DiagnosisRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    code: str
    description: str
    code_set: str
    rank: Rank | None = Field(
        description="On the day asked for (today unless given); none when not current then"
    )
    severity: Severity | None
    remission: Remission | None
    controlled_environment: bool
    maintenance_therapy: bool
    specifiers: str = Field(description="The specifiers as written after the disorder's name")
    diagnosed_on: date
    diagnosed_by_id: uuid.UUID | None
    diagnosed_by: str
    status: DiagnosisStatus
    ended_on: date | None
    error_reason: str
    recorded_at: datetime


class CodeRead(Schema):
    code: str
    description: str
