"""Progress notes for individual, family, psychiatric, medication, MAT and case-management
services; their addenda, returns by a supervisor, and the program's documentation settings.

A ``ClinicalNote`` documents one service to one client: an appointment on the calendar
(individual or family therapy) or an unscheduled contact (a psychiatric evaluation, a
medication or MAT visit, a case-management contact, a family session the client was not
part of). It is the progress note of the medical record, not a psychotherapy note in the
HIPAA sense (45 CFR 164.501 leaves start and stop times, modalities, symptoms, progress and
the plan in the record, which is what this note holds); private psychotherapy notes are not
kept by the program at all.

A draft is the author's working copy. Signing (``security.signing``, the password or PIN
again) freezes it: from then on nothing in the row that was signed changes, and every
correction or later fact is a ``ClinicalNoteAddendum`` with its own author, time and
signature. A supervised author's signed note waits for the supervisor's co-signature; a
supervisor who does not co-sign returns it with a reason (``ClinicalNoteReturn``), and the
author answers with an addendum.

Times are instants in UTC (``starts_at``, ``ends_at``); ``service_date`` is the program's
calendar day of the service, kept for the indexed queries by client, author and day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class ServiceType(StrEnum):
    """What was delivered, kept as a type: billing maps types to codes later (issue 15),
    so no code or code descriptor is stored here."""

    INDIVIDUAL_THERAPY = "individual_therapy"
    FAMILY_WITH_CLIENT = "family_with_client"
    FAMILY_WITHOUT_CLIENT = "family_without_client"
    PSYCHIATRIC_EVALUATION = "psychiatric_evaluation"
    MEDICATION_MANAGEMENT = "medication_management"
    MAT_VISIT = "mat_visit"
    CASE_MANAGEMENT = "case_management"

    @property
    def label(self) -> str:
        return SERVICE_TYPE_LABELS[self]


SERVICE_TYPE_LABELS = {
    ServiceType.INDIVIDUAL_THERAPY: "Individual therapy",
    ServiceType.FAMILY_WITH_CLIENT: "Family therapy, client present",
    ServiceType.FAMILY_WITHOUT_CLIENT: "Family therapy, without the client",
    ServiceType.PSYCHIATRIC_EVALUATION: "Psychiatric evaluation",
    ServiceType.MEDICATION_MANAGEMENT: "Medication management",
    ServiceType.MAT_VISIT: "MAT visit",
    ServiceType.CASE_MANAGEMENT: "Case management",
}


class NoteFormat(StrEnum):
    """The sections a note is written in, chosen once for the whole program."""

    DAP = "dap"
    BIRP = "birp"
    SOAP = "soap"

    @property
    def label(self) -> str:
        return self.value.upper()


class NoteStatus(StrEnum):
    DRAFT = "draft"
    # Signed by a supervised author; final once the supervisor co-signs.
    AWAITING_COSIGNATURE = "awaiting_cosignature"
    # The supervisor sent it back with a reason; the author answers with an addendum.
    RETURNED = "returned"
    SIGNED = "signed"  # final

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    NoteStatus.DRAFT: "Draft",
    NoteStatus.AWAITING_COSIGNATURE: "Signed, awaiting co-signature",
    NoteStatus.RETURNED: "Returned by the supervisor",
    NoteStatus.SIGNED: "Signed",
}


class AttendeeRole(StrEnum):
    """Who besides the client took part. Never another client of the program: each client's
    service is documented in their own note (``rules`` and ``service`` check names)."""

    FAMILY = "family"  # parent, partner, child, sibling, other relative
    SUPPORT = "support"  # friend, sponsor, other chosen support
    PROFESSIONAL = "professional"  # interpreter, probation officer, another provider
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RiskAnswer(StrEnum):
    """The answer to "did you ask about suicidal / homicidal thoughts, and what was said".
    Not asked is an unknown, shown as such, and never read as "no risk"."""

    NOT_ASKED = "not_asked"
    DENIED = "denied"
    ENDORSED = "endorsed"

    @property
    def label(self) -> str:
        return RISK_ANSWER_LABELS[self]


RISK_ANSWER_LABELS = {
    RiskAnswer.NOT_ASKED: "Not asked (unknown)",
    RiskAnswer.DENIED: "Asked; denied",
    RiskAnswer.ENDORSED: "Asked; endorsed",
}


class RiskAction(StrEnum):
    NONE = "none"
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
    SAFETY_PLAN_UPDATED = "safety_plan_updated"
    SUPERVISOR_CONSULTED = "supervisor_consulted"
    HIGHER_LEVEL_OF_CARE = "higher_level_of_care"
    EMERGENCY_SERVICES = "emergency_services"

    @property
    def label(self) -> str:
        return RISK_ACTION_LABELS[self]


RISK_ACTION_LABELS = {
    RiskAction.NONE: "No action needed",
    RiskAction.SAFETY_PLAN_REVIEWED: "Safety plan reviewed with the client",
    RiskAction.SAFETY_PLAN_UPDATED: "Safety plan written or updated",
    RiskAction.SUPERVISOR_CONSULTED: "Supervisor consulted",
    RiskAction.HIGHER_LEVEL_OF_CARE: "Referred to a higher level of care",
    RiskAction.EMERGENCY_SERVICES: "Emergency services contacted",
}


class AddendumKind(StrEnum):
    ADDENDUM = "addendum"  # a later fact or an answer to a supervisor's return
    CORRECTION = "correction"  # says what in the note was wrong; the note itself stays

    @property
    def label(self) -> str:
        return self.value.capitalize()


class DocumentationSettings(IdMixin, TimestampMixin, Base):
    """The program's documentation choices: one row (``scope`` = "program"), made with the
    defaults the first time a director saves them (``rules.DEFAULTS`` until then)."""

    __tablename__ = "documentation_settings"

    scope: Mapped[str] = mapped_column(String(20), unique=True, default="program")
    note_format: Mapped[NoteFormat] = mapped_column(str_enum(NoteFormat, "note_format", length=10))
    # An attended appointment without a signed note is overdue this many hours after it ends,
    # and a note signed later than that is a late entry.
    overdue_hours: Mapped[int]
    # A narrative at least this similar (0..1) to another note is flagged as copied.
    similarity_threshold: Mapped[float]
    # The note types a client may read (signed) in the portal; ServiceType values.
    portal_note_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ClinicalNote(IdMixin, TimestampMixin, Base):
    __tablename__ = "clinical_note"
    __table_args__ = (
        # The chart's list, the copy-forward candidates of one client, and the author's own.
        Index("ix_clinical_note_client_day", "client_id", "service_date"),
        Index("ix_clinical_note_author_day", "author_id", "service_date"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    # The episode of care the service was part of (the one open on ``service_date``).
    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    # Whoever delivered the service writes and signs its note.
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    service_type: Mapped[ServiceType] = mapped_column(
        str_enum(ServiceType, "clinical_service_type", length=40)
    )
    # The program's format when the note was started; a later change of setting leaves it.
    note_format: Mapped[NoteFormat] = mapped_column(str_enum(NoteFormat, "note_format", length=10))
    service_date: Mapped[date]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_present: Mapped[bool]
    # Others present: [{"role": AttendeeRole, "relationship": "mother", "name": "..."}].
    attendees: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # The format's sections by key ("data", "assessment", "plan" for DAP, ...).
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    suicidal_ideation: Mapped[RiskAnswer] = mapped_column(
        str_enum(RiskAnswer, "risk_answer", length=20)
    )
    homicidal_ideation: Mapped[RiskAnswer] = mapped_column(
        str_enum(RiskAnswer, "risk_answer", length=20)
    )
    risk_action: Mapped[RiskAction] = mapped_column(str_enum(RiskAction, "risk_action", length=30))
    risk_detail: Mapped[str] = mapped_column(Text, default="")
    # What it documents: an appointment (and its attendance record), or neither.
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="RESTRICT"), unique=True
    )
    attendance_record_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("attendance_record.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[NoteStatus] = mapped_column(
        str_enum(NoteStatus, "clinical_note_status", length=30)
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    # Signed more than the program's hours after the service ended (both times are kept).
    late_entry: Mapped[bool] = mapped_column(default=False)
    # The supervisor whose co-signature the note waits for (set when a supervised author signs).
    cosigner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cosigned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    # The copy-forward check at signing: the most similar other note and its score, whether
    # that reached the program's threshold, and the author's reason to sign anyway.
    similarity_score: Mapped[float | None]
    similar_note_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinical_note.id", ondelete="SET NULL")
    )
    copy_flagged: Mapped[bool] = mapped_column(default=False)
    copy_justification: Mapped[str] = mapped_column(Text, default="")

    def risk_fields(self) -> dict[str, Any]:
        return {
            "suicidal_ideation": self.suicidal_ideation.value,
            "homicidal_ideation": self.homicidal_ideation.value,
            "action": self.risk_action.value,
            "detail": self.risk_detail,
        }


class ClinicalNoteObjective(Base):
    """A plan objective the service addressed (an objective of the client's plan in effect
    when the note was written)."""

    __tablename__ = "clinical_note_objective"

    note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinical_note.id", ondelete="CASCADE"), primary_key=True
    )
    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_objective.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ClinicalNoteAddendum(IdMixin, Base):
    """Text added to a signed note, signed by its own author at its own time; the note it
    is added to never changes."""

    __tablename__ = "clinical_note_addendum"

    note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinical_note.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    kind: Mapped[AddendumKind] = mapped_column(str_enum(AddendumKind, "addendum_kind", length=20))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClinicalNoteReturn(IdMixin, Base):
    """A supervisor sent a supervised author's signed note back instead of co-signing."""

    __tablename__ = "clinical_note_return"

    note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinical_note.id", ondelete="RESTRICT"), index=True
    )
    returned_by: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
