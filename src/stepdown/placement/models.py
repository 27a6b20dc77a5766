"""Multidimensional assessments (versioned, signed) and the placement decisions made on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.clock import utc_now
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Discrepancy(StrEnum):
    """Why a client was placed somewhere other than the recommended level."""

    LEVEL_NOT_AVAILABLE = "level_not_available"
    CLIENT_PREFERENCE = "client_preference"
    CLINICAL_JUDGMENT = "clinical_judgment"
    PAYER_DECISION = "payer_decision"
    GEOGRAPHIC_ACCESS = "geographic_access"
    WAITING_LIST = "waiting_list"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


DIMENSIONS = (
    ("d1", "Acute intoxication and/or withdrawal potential"),
    ("d2", "Biomedical conditions and complications"),
    ("d3", "Emotional, behavioral or cognitive conditions and complications"),
    ("d4", "Readiness to change"),
    ("d5", "Relapse, continued use or continued problem potential"),
    ("d6", "Recovery/living environment"),
)


class DimensionalAssessment(IdMixin, TimestampMixin, Base):
    """One version of an ASAM-style assessment. Signed versions are read-only; an addendum
    is a new version that supersedes the one before it."""

    __tablename__ = "dimensional_assessment"
    __table_args__ = (UniqueConstraint("client_id", "version"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dimensional_assessment.id", ondelete="RESTRICT")
    )
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status")
    )
    d1_rating: Mapped[int]
    d2_rating: Mapped[int]
    d3_rating: Mapped[int]
    d4_rating: Mapped[int]
    d5_rating: Mapped[int]
    d6_rating: Mapped[int]
    d1_notes: Mapped[str] = mapped_column(Text, default="")
    d2_notes: Mapped[str] = mapped_column(Text, default="")
    d3_notes: Mapped[str] = mapped_column(Text, default="")
    d4_notes: Mapped[str] = mapped_column(Text, default="")
    d5_notes: Mapped[str] = mapped_column(Text, default="")
    d6_notes: Mapped[str] = mapped_column(Text, default="")
    withdrawal_risk: Mapped[str] = mapped_column(String(20), default="none")
    environment_stable: Mapped[bool] = mapped_column(default=True)
    recent_level: Mapped[str] = mapped_column(String(20), default="none")
    co_occurring: Mapped[bool] = mapped_column(default=False)
    day_available: Mapped[bool] = mapped_column(default=True)
    evening_available: Mapped[bool] = mapped_column(default=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The engine's output, frozen when the assessment is signed.
    recommendation: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AssessmentExclusion(IdMixin, Base):
    """An instrument result the clinician left out of an assessment's recommendation, and
    why. Every other result inside its look-back window counts (``placement.evidence``)."""

    __tablename__ = "assessment_exclusion"
    __table_args__ = (UniqueConstraint("assessment_id", "response_id"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dimensional_assessment.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument_response.id", ondelete="RESTRICT")
    )
    reason: Mapped[str] = mapped_column(Text)
    excluded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    excluded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class PlacementDecision(IdMixin, Base):
    """What the clinician decided on a signed assessment, against what was recommended."""

    __tablename__ = "placement_decision"

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dimensional_assessment.id", ondelete="RESTRICT"), unique=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    recommended_level: Mapped[str] = mapped_column(String(20))
    recommended_track: Mapped[str] = mapped_column(String(20))
    placed_level: Mapped[str] = mapped_column(String(20))
    placed_track: Mapped[str] = mapped_column(String(20))
    discrepancy: Mapped[Discrepancy | None] = mapped_column(str_enum(Discrepancy, "discrepancy"))
    discrepancy_text: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date]
    episode_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("episode.id", ondelete="SET NULL")
    )
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_provider.id", ondelete="RESTRICT")
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlacementRuleTable(IdMixin, Base):
    """One published version of the whole placement rule table. Versions are never changed:
    a change or a revert is a new version, so every signed recommendation can name the table
    that produced it and the history shows who changed what, and why."""

    __tablename__ = "placement_rule_table"

    version: Mapped[int] = mapped_column(unique=True)
    # The rows as plain JSON (rule_store.rows_to_json), readable without the application.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
