"""API shapes for intake assessments.

``IntakeWrite`` replaces a draft as a whole (PUT): a question left out becomes unanswered,
which reads "not asked". Every text is bounded (``rules.LIMITS``); a last-use time is the
program's wall clock ("HH:MM") on the last-use day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.intake import rules
from stepdown.intake.models import (
    Answer,
    Employment,
    Frequency,
    Housing,
    IntakeStatus,
    Route,
    Substance,
)
from stepdown.kit.schemas import AwareInstant, Day, Line, Schema, Text
from stepdown.security.signing import MAX_SECRET

L = rules.LIMITS
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class SubstanceWrite(Schema):
    substance: Substance
    other_name: Line = Field(default="", max_length=L["other_name"])
    age_first_use: int | None = Field(default=None, ge=rules.AGE_MIN, le=rules.AGE_MAX)
    route: Route | None = None
    frequency: Frequency | None = Field(default=None, description="How often in the past 3 months")
    amount: Line = Field(default="", max_length=L["amount"])
    pattern: Line = Field(default="", max_length=L["pattern"])
    last_use_on: Day | None = Field(default=None, description="The day of last use")
    last_use_time: str | None = Field(
        default=None, pattern=HHMM, description="HH:MM on the program's clock, when known"
    )


class IntakeWrite(Schema):
    interviewed_at: AwareInstant | None = Field(
        default=None, description="When the client was interviewed; left out: unchanged"
    )
    presenting_problem: Text = Field(default="", max_length=L["presenting_problem"])
    client_goals: Text = Field(default="", max_length=L["client_goals"])
    substances: list[SubstanceWrite] = Field(
        default_factory=list,
        max_length=rules.MAX_SUBSTANCES,
        description="The use history, primary substance first",
    )
    withdrawal_complications: Answer | None = Field(
        default=None, description="Past withdrawal seizures or delirium"
    )
    on_medication_for_sud: Answer | None = None
    prior_treatment: Answer | None = None
    prior_withdrawal_management: Answer | None = None
    prior_residential: Answer | None = None
    prior_medication_for_sud: Answer | None = None
    treatment_history: Text = Field(default="", max_length=L["treatment_history"])
    medical_problems_now: Answer | None = None
    pregnant: Answer | None = None
    medical_history: Text = Field(default="", max_length=L["medical_history"])
    psychiatric_diagnoses: Text = Field(default="", max_length=L["psychiatric_diagnoses"])
    psychiatric_hospitalizations: Answer | None = None
    psychiatric_history: Text = Field(default="", max_length=L["psychiatric_history"])
    psychiatric_medications: Text = Field(default="", max_length=L["psychiatric_medications"])
    family: Text = Field(default="", max_length=L["family"])
    housing: Housing | None = None
    others_use_at_home: Answer | None = None
    housing_notes: Text = Field(default="", max_length=L["housing_notes"])
    probation_or_parole: Answer | None = None
    court_case_pending: Answer | None = None
    legal_notes: Text = Field(default="", max_length=L["legal_notes"])
    employment: Employment | None = None
    in_school: Answer | None = None
    employment_notes: Text = Field(default="", max_length=L["employment_notes"])
    trauma_exposure: Answer | None = Field(default=None, description="PC-PTSD-5 exposure question")
    ptsd_1: Answer | None = None
    ptsd_2: Answer | None = None
    ptsd_3: Answer | None = None
    ptsd_4: Answer | None = None
    ptsd_5: Answer | None = None
    strengths: Text = Field(default="", max_length=L["strengths"])
    treatment_preferences: Text = Field(default="", max_length=L["treatment_preferences"])
    preferred_language: Line = Field(default="", max_length=L["preferred_language"])
    interpreter_needed: Answer | None = None
    cultural_needs: Text = Field(default="", max_length=L["cultural_needs"])


class StartIntake(Schema):
    interviewed_at: AwareInstant | None = Field(
        default=None, description="When the client was interviewed; left out: now"
    )


class SignInput(Schema):
    secret: str = Field(
        max_length=MAX_SECRET, description="Your password, or your signing PIN if you set one"
    )


class AddendumWrite(Schema):
    text: Text = Field(min_length=1, max_length=L["addendum"])
    secret: str = Field(
        max_length=MAX_SECRET, description="Your password, or your signing PIN if you set one"
    )


class SubstanceRead(Schema):
    position: int
    substance: Substance
    other_name: str
    age_first_use: int | None
    route: Route | None
    frequency: Frequency | None
    amount: str
    pattern: str
    last_use_on: date | None
    last_use_at: datetime | None


class AddendumRead(Schema):
    id: uuid.UUID
    text: str
    signed_at: datetime
    signed_by: str


class IntakeRead(Schema):
    id: uuid.UUID
    episode_id: uuid.UUID
    client_id: uuid.UUID
    status: IntakeStatus
    final: bool
    awaiting_cosignature: bool
    interviewed_at: datetime
    author: str
    presenting_problem: str
    client_goals: str
    substances: list[SubstanceRead]
    withdrawal_complications: Answer | None
    on_medication_for_sud: Answer | None
    prior_treatment: Answer | None
    prior_withdrawal_management: Answer | None
    prior_residential: Answer | None
    prior_medication_for_sud: Answer | None
    treatment_history: str
    medical_problems_now: Answer | None
    pregnant: Answer | None
    medical_history: str
    psychiatric_diagnoses: str
    psychiatric_hospitalizations: Answer | None
    psychiatric_history: str
    psychiatric_medications: str
    family: str
    housing: Housing | None
    others_use_at_home: Answer | None
    housing_notes: str
    probation_or_parole: Answer | None
    court_case_pending: Answer | None
    legal_notes: str
    employment: Employment | None
    in_school: Answer | None
    employment_notes: str
    trauma_exposure: Answer | None
    ptsd_1: Answer | None
    ptsd_2: Answer | None
    ptsd_3: Answer | None
    ptsd_4: Answer | None
    ptsd_5: Answer | None
    ptsd_score: int | None = Field(description="PC-PTSD-5 score; null when not scorable")
    strengths: str
    treatment_preferences: str
    preferred_language: str
    interpreter_needed: Answer | None
    cultural_needs: str
    signed_at: datetime | None
    signed_by: str
    cosigner: str
    cosigned_at: datetime | None
    signatures_intact: bool | None = Field(
        description="Whether the stored intake is still what was signed; null while a draft"
    )
    addenda: list[AddendumRead]


class IntakeSummaryRead(Schema):
    id: uuid.UUID
    episode_id: uuid.UUID
    admitted_on: date
    status: IntakeStatus
    final: bool
    awaiting_cosignature: bool
    interviewed_at: datetime
    signed_at: datetime | None


class FactRead(Schema):
    text: str
    review: bool
    unknown: bool


class PrefillRead(Schema):
    dimension: str
    label: str
    review: bool
    facts: list[FactRead]


class IntakePrefillRead(Schema):
    intake_id: uuid.UUID
    status: IntakeStatus
    final: bool
    interviewed_at: datetime
    dimensions: list[PrefillRead]


class CosignRowRead(Schema):
    intake_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
    display_name: str
    author: str
    signed_at: datetime | None


class DueRowRead(Schema):
    episode_id: uuid.UUID
    client_id: uuid.UUID
    record_number: str
    display_name: str
    admitted_on: date
    due_since: date
    days_since_admission: int
    intake_id: uuid.UUID | None
    intake_status: IntakeStatus | None
