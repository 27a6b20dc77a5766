"""Treatment plans: one versioned, signed plan per episode of care, its problems, goals in the
client's words, measurable objectives, interventions, progress notes and reviews.

A plan version is a draft until both the clinician and the client have signed it; it is
then active, and the version it revises becomes superseded. Signed content never changes:
a change is a new draft version. Objective status is history (``ObjectiveStatusChange``
rows written by progress notes); ``Objective.status`` is the latest of them, kept for
queries. An objective copied into a new version keeps its ``lineage_id``, so its status
history runs across versions.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.clock import utc_now
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class ObjectiveStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MET = "met"
    REVISED = "revised"
    DISCONTINUED = "discontinued"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ClientSignatureMethod(StrEnum):
    """How the client signed: in the portal themselves, or on paper in front of staff, who
    attest to it (the attesting user is recorded)."""

    PORTAL = "portal"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return "in the client portal" if self is ClientSignatureMethod.PORTAL else "in person"


class Modality(StrEnum):
    CBT_GROUP = "cbt_group"
    RELAPSE_PREVENTION_GROUP = "relapse_prevention_group"
    PSYCHOEDUCATION_GROUP = "psychoeducation_group"
    INDIVIDUAL_THERAPY = "individual_therapy"
    FAMILY_THERAPY = "family_therapy"
    MAT = "mat"
    CASE_MANAGEMENT = "case_management"
    PEER_SUPPORT = "peer_support"
    OTHER = "other"

    @property
    def label(self) -> str:
        return MODALITY_LABELS[self]


MODALITY_LABELS = {
    Modality.CBT_GROUP: "CBT group",
    Modality.RELAPSE_PREVENTION_GROUP: "Relapse prevention group",
    Modality.PSYCHOEDUCATION_GROUP: "Psychoeducation group",
    Modality.INDIVIDUAL_THERAPY: "Individual therapy",
    Modality.FAMILY_THERAPY: "Family therapy",
    Modality.MAT: "Medication for addiction treatment (MAT)",
    Modality.CASE_MANAGEMENT: "Case management",
    Modality.PEER_SUPPORT: "Peer recovery support",
    Modality.OTHER: "Other",
}


class TreatmentPlan(IdMixin, TimestampMixin, Base):
    """One version of an episode's plan."""

    __tablename__ = "treatment_plan"
    __table_args__ = (UniqueConstraint("episode_id", "version"),)

    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    # The episode's client, kept here so every query can be scoped by clients.readable.
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="RESTRICT")
    )
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, "plan_status"))
    review_interval_days: Mapped[int] = mapped_column(default=30)
    # Set when the second signature makes the version active.
    effective_on: Mapped[date | None]
    next_review_due: Mapped[date | None] = mapped_column(index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    clinician_signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    clinician_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_signature_method: Mapped[ClientSignatureMethod | None] = mapped_column(
        str_enum(ClientSignatureMethod, "client_signature_method")
    )
    # The staff member who watched the client sign in person (None for a portal signature).
    client_signature_attested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Problem(IdMixin, TimestampMixin, Base):
    __tablename__ = "plan_problem"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)


class Goal(IdMixin, TimestampMixin, Base):
    """A goal as the client put it, in their own words."""

    __tablename__ = "plan_goal"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="CASCADE"), index=True
    )
    problem_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_problem.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    client_words: Mapped[str] = mapped_column(Text)


class Objective(IdMixin, TimestampMixin, Base):
    """A measurable step toward a goal, with a target date."""

    __tablename__ = "plan_objective"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_goal.id", ondelete="CASCADE"), index=True
    )
    # Shared by the copies of one objective across plan versions.
    lineage_id: Mapped[uuid.UUID] = mapped_column(index=True, default=uuid.uuid4)
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date]
    status: Mapped[ObjectiveStatus] = mapped_column(
        str_enum(ObjectiveStatus, "objective_status"), default=ObjectiveStatus.NOT_STARTED
    )
    status_changed_on: Mapped[date | None]


class Intervention(IdMixin, TimestampMixin, Base):
    """What the program does for the client: which therapy, how often, and who."""

    __tablename__ = "plan_intervention"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    modality: Mapped[Modality] = mapped_column(str_enum(Modality, "intervention_modality"))
    description: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(120))
    responsible_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ProgressNote(IdMixin, Base):
    __tablename__ = "plan_progress_note"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    written_on: Mapped[date]
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    narrative: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ObjectiveStatusChange(IdMixin, Base):
    __tablename__ = "objective_status_change"

    note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_progress_note.id", ondelete="RESTRICT"), index=True
    )
    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_objective.id", ondelete="RESTRICT"), index=True
    )
    lineage_id: Mapped[uuid.UUID] = mapped_column(index=True)
    from_status: Mapped[ObjectiveStatus] = mapped_column(
        str_enum(ObjectiveStatus, "objective_status")
    )
    to_status: Mapped[ObjectiveStatus] = mapped_column(
        str_enum(ObjectiveStatus, "objective_status")
    )
    changed_on: Mapped[date]
    # Orders two changes of one objective dated the same day.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class PlanReview(IdMixin, Base):
    __tablename__ = "plan_review"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plan.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    reviewed_on: Mapped[date]
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(Text)
    next_due: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
