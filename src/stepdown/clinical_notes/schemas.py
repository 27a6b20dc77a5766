"""API shapes for progress notes. Every input is bounded (``kit.bounds``); times are "HH:MM"
on the program's clock, as staff read a schedule."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.clinical_notes.models import (
    AddendumKind,
    AttendeeRole,
    NoteFormat,
    NoteStatus,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.clinical_notes.rules import LIMITS, MAX_ATTENDEES, MAX_OBJECTIVES
from stepdown.kit.schemas import Day, Line, Schema, Text
from stepdown.security.models import SignatureMeaning, SignatureMethod
from stepdown.security.signing import MAX_SECRET

CLOCK = r"^\d{1,2}:\d{2}$"


class AttendeeWrite(Schema):
    role: AttendeeRole
    relationship: Line = Field(max_length=LIMITS["relationship"])
    name: Line = Field(max_length=LIMITS["attendee_name"])


class RiskWrite(Schema):
    suicidal_ideation: RiskAnswer = RiskAnswer.NOT_ASKED
    homicidal_ideation: RiskAnswer = RiskAnswer.NOT_ASKED
    action: RiskAction = RiskAction.NONE
    detail: Text = Field(default="", max_length=LIMITS["risk_detail"])


class NoteContentWrite(Schema):
    """A draft's content (the whole of it: a save replaces what was there)."""

    service_type: ServiceType
    service_date: Day
    start_time: str = Field(pattern=CLOCK, max_length=5, description="HH:MM, program clock")
    end_time: str = Field(pattern=CLOCK, max_length=5, description="HH:MM, program clock")
    client_present: bool = True
    attendees: list[AttendeeWrite] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    sections: dict[Line, Text] = Field(
        default_factory=dict,
        max_length=4,
        description="The program format's sections by key (DAP: data, assessment, plan; "
        "BIRP: behavior, intervention, response, plan; SOAP: subjective, objective, "
        "assessment, plan)",
    )
    objective_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_OBJECTIVES)
    risk: RiskWrite = Field(default_factory=RiskWrite)


class NoteCreate(NoteContentWrite):
    """Give ``appointment_id`` (or its ``attendance_record_id``) for a scheduled session,
    ``client_id`` for an unscheduled service."""

    client_id: uuid.UUID | None = None
    appointment_id: uuid.UUID | None = None
    attendance_record_id: uuid.UUID | None = None


class SignWrite(Schema):
    secret: str = Field(max_length=MAX_SECRET, description="Your password or signing PIN")
    justification: Text = Field(
        default="",
        max_length=LIMITS["justification"],
        description="Why a note flagged as near-identical to another is signed anyway",
    )


class AddendumWrite(Schema):
    text: Text = Field(min_length=1, max_length=LIMITS["addendum"])
    kind: AddendumKind = AddendumKind.ADDENDUM
    secret: str = Field(max_length=MAX_SECRET, description="Your password or signing PIN")


class CosignWrite(Schema):
    secret: str = Field(max_length=MAX_SECRET, description="Your password or signing PIN")


class ReturnWrite(Schema):
    reason: Text = Field(min_length=1, max_length=LIMITS["reason"])


class SettingsWrite(Schema):
    note_format: NoteFormat
    overdue_hours: int = Field(ge=1, le=720)
    similarity_threshold: float = Field(ge=0.5, le=1.0)
    portal_note_types: list[ServiceType] = Field(default_factory=list, max_length=len(ServiceType))


class SettingsRead(Schema):
    note_format: NoteFormat
    overdue_hours: int
    similarity_threshold: float
    portal_note_types: list[str]


class AttendeeRead(Schema):
    role: AttendeeRole
    relationship: str
    name: str


class RiskRead(Schema):
    suicidal_ideation: RiskAnswer
    homicidal_ideation: RiskAnswer
    action: RiskAction
    detail: str
    summary: str


class ObjectiveRead(Schema):
    id: uuid.UUID
    statement: str


class SectionRead(Schema):
    key: str
    label: str
    text: str


class SignatureRead(Schema):
    meaning: SignatureMeaning
    signer: str
    signed_at: datetime
    method: SignatureMethod
    intact: bool


class AddendumRead(Schema):
    id: uuid.UUID
    kind: AddendumKind
    text: str
    author: str
    written_at: datetime
    signature: SignatureRead | None


class ReturnRead(Schema):
    returned_at: datetime
    returned_by: str
    reason: str


class CopyFlagRead(Schema):
    score: float
    similar_note_id: uuid.UUID | None
    similar_service_date: date | None
    same_client: bool
    justification: str


class NoteListItem(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    service_type: ServiceType
    service_date: date
    start_time: str
    end_time: str
    duration_minutes: int
    author: str
    status: NoteStatus
    late_entry: bool


class NoteRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    author_id: uuid.UUID
    author: str
    service_type: ServiceType
    note_format: NoteFormat
    service_date: date
    start_time: str
    end_time: str
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    client_present: bool
    attendees: list[AttendeeRead]
    sections: list[SectionRead]
    objectives: list[ObjectiveRead]
    risk: RiskRead
    appointment_id: uuid.UUID | None
    attendance_record_id: uuid.UUID | None
    status: NoteStatus
    signed_at: datetime | None
    late_entry: bool
    cosigner: str
    cosigned_at: datetime | None
    signatures: list[SignatureRead]
    intact: bool
    addenda: list[AddendumRead]
    returns: list[ReturnRead]
    copy_flag: CopyFlagRead | None = Field(
        description="Only for the author, their supervisor and the director"
    )


class OverdueRead(Schema):
    appointment_id: uuid.UUID
    client_id: uuid.UUID
    client: str
    staff_id: uuid.UUID
    staff: str
    day: date
    start: str
    end: str
    due_at: datetime
    hours_overdue: int
    draft_id: uuid.UUID | None
