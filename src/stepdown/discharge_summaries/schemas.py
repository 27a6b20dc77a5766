"""API shapes for discharge summaries.

A summary is read with its facts (as of the client's last day in care: live while a draft,
as signed once signed); a section the caller's role does not read at its source is empty
and named in ``withheld``. Writing carries only the clinician's words: the facts are the
record's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.discharge_summaries.models import Prognosis, SummaryKind, SummaryStatus
from stepdown.discharge_summaries.rules import LIMITS, Section
from stepdown.kit.schemas import Schema, Text
from stepdown.security.models import SignatureMeaning, SignatureMethod
from stepdown.security.signing import MAX_SECRET


class NarrativeWrite(Schema):
    """The clinician's words. On update, fields left out keep their value."""

    reason: Text = Field(default="", max_length=LIMITS["reason"])
    prognosis: Prognosis | None = None
    prognosis_text: Text = Field(default="", max_length=LIMITS["prognosis_text"])
    recommendations: Text = Field(default="", max_length=LIMITS["recommendations"])
    narrative: Text = Field(
        default="", max_length=LIMITS["narrative"], description="The course of treatment"
    )


class DraftCreate(NarrativeWrite):
    segment_id: uuid.UUID | None = Field(
        default=None,
        description="The referral out's segment; leave out for the episode's discharge",
    )
    prefill: bool = Field(
        default=True,
        description="Start the reason from what was typed with the discharge or referral "
        "when no reason is given",
    )


class SignWrite(Schema):
    """Signing or co-signing proves the signer again: their password or signing PIN."""

    secret: str = Field(
        default="",
        max_length=MAX_SECRET,
        description="Your password, or your signing PIN; never stored or echoed",
    )


class AddendumWrite(SignWrite):
    text: Text = Field(max_length=LIMITS["addendum"])


class LevelStayRead(Schema):
    level: str
    code: str
    track: str
    first_day: date
    last_day: date
    began_with: str
    partner: str


class SessionCountRead(Schema):
    kind: str
    attended: int
    excused: int
    unexcused: int
    minutes: int


class TestingRead(Schema):
    ordered: int
    collected: int
    refused: int
    missed: int
    resulted_specimens: int
    unexpected_positive_specimens: int


class DiagnosisRead(Schema):
    code: str
    description: str
    rank: str
    specifiers: str
    diagnosed_on: date


class ObjectiveRead(Schema):
    statement: str
    target_date: date
    status: str


class GoalRead(Schema):
    goal: str
    objectives: list[ObjectiveRead]


class MedicationRead(Schema):
    name: str
    prescriber: str
    starts_on: date
    is_mat: bool


class ReferralRead(Schema):
    kind: str
    organization: str
    status: str
    made_on: date


class PartnerRead(Schema):
    name: str
    level: str
    phone: str
    address: str


class LineRead(Schema):
    label: str
    value: str


class FactsRead(Schema):
    admitted_on: date
    event_on: date
    last_day: date = Field(description="The last day in the program's care")
    disposition: str
    partner: PartnerRead | None
    levels: list[LevelStayRead]
    sessions: list[SessionCountRead]
    testing: TestingRead
    diagnoses: list[DiagnosisRead] = Field(description="Principal first")
    plan_version: int | None
    goals: list[GoalRead]
    medications: list[MedicationRead]
    referrals: list[ReferralRead]
    aftercare_status: str
    aftercare: list[LineRead]


class SignatureRead(Schema):
    signer: str
    meaning: SignatureMeaning
    method: SignatureMethod
    signed_at: datetime
    intact: bool = Field(description="Whether the stored summary is still what was signed")


class AddendumRead(Schema):
    id: uuid.UUID
    author: str
    text: str
    written_at: datetime
    intact: bool


class SummaryRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    segment_id: uuid.UUID | None
    kind: SummaryKind
    status: SummaryStatus
    event_on: date
    author: str
    reason: str
    prognosis: Prognosis | None
    prognosis_text: str
    recommendations: str
    narrative: str
    facts: FactsRead
    withheld: list[Section] = Field(description="Sections your role does not read")
    signed_at: datetime | None
    signed_by: str
    cosigned_by: str
    cosigner: str = Field(description="Who co-signs, while the summary waits for it")
    signatures: list[SignatureRead]
    addenda: list[AddendumRead]


class EventRead(Schema):
    """A discharge or referral out that asks for a summary, and its summary if started."""

    episode_id: uuid.UUID
    segment_id: uuid.UUID | None
    kind: SummaryKind
    event_on: date
    label: str
    summary_id: uuid.UUID | None
    status: SummaryStatus | None
    due: bool


class DueRead(EventRead):
    client_id: uuid.UUID
    record_number: str
    display_name: str
