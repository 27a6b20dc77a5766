"""A group session's note and its per-member lines.

The leader writes one ``GroupNote`` per occurrence (the shared part: topic, content, group
dynamics) and one ``GroupNoteMember`` line per attendee. The individual note filed in an
attendee's chart is the shared part plus that attendee's own line, never another member's;
``service.notes_for_client`` builds it. Only a signed note is filed: a draft is the
leader's working copy, and a signed note never changes (a supervisor's co-signature adds a
signature, not a change).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class NoteStatus(StrEnum):
    """A draft is the leader's working copy. Signing freezes the note and files it in each
    attendee's chart; a note by staff whose notes need a supervisor's co-signature
    (``security.signing.needs_cosignature``) waits for it before it is final."""

    DRAFT = "draft"
    AWAITING_COSIGNATURE = "awaiting_cosignature"
    SIGNED = "signed"  # final: signed, and co-signed where that was needed


# Signed by the author: frozen, and filed in the attendees' charts.
FILED = (NoteStatus.AWAITING_COSIGNATURE, NoteStatus.SIGNED)


class Participation(StrEnum):
    """How a member took part, in the four levels group notes commonly record.

    - active: contributed and engaged with the material;
    - minimal: present and attentive, with little contribution;
    - disruptive: took part in ways that held the group back (side talk, hostility);
    - none: present but did not take part (withdrawn, asleep, on the phone).

    A scale of this kind is what group-note templates ask for beside the member's response
    and progress toward their goals (clinicaldocslibrary.com/progress-notes/group-therapy-notes,
    "capture ... each individual member's participation, response, and progress").
    """

    ACTIVE = "active"
    MINIMAL = "minimal"
    DISRUPTIVE = "disruptive"
    NONE = "none"

    @property
    def label(self) -> str:
        return PARTICIPATION_LABELS[self]


PARTICIPATION_LABELS = {
    Participation.ACTIVE: "Active",
    Participation.MINIMAL: "Minimal",
    Participation.DISRUPTIVE: "Disruptive",
    Participation.NONE: "Did not take part",
}


class GroupNote(IdMixin, TimestampMixin, Base):
    """The shared part of one session's note; it appears in every attendee's chart, so it
    must name no member (``rules.check_names``)."""

    __tablename__ = "group_note"

    occurrence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_occurrence.id", ondelete="RESTRICT"), unique=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    topic: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text, default="")
    dynamics: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NoteStatus] = mapped_column(str_enum(NoteStatus, "group_note_status", length=20))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class GroupNoteMember(IdMixin, TimestampMixin, Base):
    """One attendee's line: filed only in that attendee's chart."""

    __tablename__ = "group_note_member"
    __table_args__ = (UniqueConstraint("note_id", "client_id"),)

    note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("group_note.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    # None until the leader chooses; signing needs one for every attendee.
    participation: Mapped[Participation | None] = mapped_column(
        str_enum(Participation, "group_participation", length=20)
    )
    progress: Mapped[str] = mapped_column(String(500), default="")
    # The plan objective the line reports on; a later plan version may remove it.
    objective_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plan_objective.id", ondelete="SET NULL")
    )
