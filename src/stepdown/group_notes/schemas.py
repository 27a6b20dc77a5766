"""API shapes for group notes.

``FiledNoteRead`` is what a chart (or a client reading their own) receives: the session's
shared part and that client's own line, with no field that could carry another member's
identity (no client ids, no other lines).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.group_notes.models import NoteStatus, Participation
from stepdown.group_notes.rules import LIMITS
from stepdown.kit.schemas import Line, Schema, Text
from stepdown.security.models import SignatureMeaning, SignatureMethod
from stepdown.security.signing import MAX_SECRET


class LineWrite(Schema):
    client_id: uuid.UUID
    participation: Participation | None = None
    progress: Line = Field(default="", max_length=LIMITS["progress"])
    objective_id: uuid.UUID | None = Field(
        default=None, description="An objective of the client's current treatment plan"
    )


class NoteWrite(Schema):
    topic: Line = Field(min_length=1, max_length=LIMITS["topic"])
    content: Text = Field(default="", max_length=LIMITS["content"])
    dynamics: Line = Field(default="", max_length=LIMITS["dynamics"])
    lines: list[LineWrite] = Field(
        default_factory=list, description="Attendees' lines to replace; others keep theirs"
    )


class SignWrite(Schema):
    """Signing or co-signing proves the signer again: their password or signing PIN."""

    secret: str = Field(
        default="",
        max_length=MAX_SECRET,
        description="Your password, or your signing PIN; never stored or echoed",
    )


class SignatureRead(Schema):
    signer: str
    meaning: SignatureMeaning
    method: SignatureMethod
    signed_at: datetime
    intact: bool = Field(description="Whether the stored note is still what was signed")


class ObjectiveChoiceRead(Schema):
    id: uuid.UUID
    statement: str


class LineRead(Schema):
    client_id: uuid.UUID
    record_number: str
    display_name: str
    attendance: str
    participation: Participation | None
    progress: str
    objective_id: uuid.UUID | None
    objectives: list[ObjectiveChoiceRead]


class SessionNoteRead(Schema):
    """The leader's view of one session's note."""

    occurrence_id: uuid.UUID
    day: date
    start: str
    end: str
    leader: str
    note_id: uuid.UUID | None
    status: NoteStatus | None
    topic: str
    content: str
    dynamics: str
    signed_at: datetime | None
    absent: int
    lines: list[LineRead]
    signatures: list[SignatureRead]
    cosigner: str = Field(description="Who co-signs, while the note waits for it; else empty")


class FiledNoteRead(Schema):
    day: date
    start: str
    end: str
    topic: str
    content: str
    dynamics: str
    leader: str
    participation: Participation | None
    progress: str
    objective: str
    signed_at: datetime | None
    signed_by: str
    awaiting_cosignature: bool
    cosigned_by: str


class SessionRowRead(Schema):
    occurrence_id: uuid.UUID
    day: date
    start: str
    end: str
    topic: str
    status: NoteStatus | None
