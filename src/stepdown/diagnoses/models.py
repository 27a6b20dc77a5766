"""Diagnoses of an episode of care, and the periods each was the principal diagnosis.

A diagnosis is never deleted or edited: it is resolved or ruled out on a date, or marked
"entered in error" with a reason (FHIR Condition's ``entered-in-error``). A change of code
or specifiers (a use disorder going into remission codes differently) is a new diagnosis,
the old one resolved.

Principal or secondary is a matter of dates, since a claim or a discharge summary asks
"which was principal on this day": each stretch of days a diagnosis was the episode's
principal one is a ``PrincipalPeriod`` (half-open ``[starts_on, ends_on)``, as the
continuum's segments are), and at most one period per episode is open.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class Severity(StrEnum):
    """DSM-5-TR's current severity of a substance use disorder: mild 2-3 criteria,
    moderate 4-5, severe 6 or more."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Remission(StrEnum):
    """DSM-5-TR's remission specifiers (None on a diagnosis: not in remission). Early: for
    at least 3 but less than 12 months no criterion met except craving; sustained: 12
    months or longer."""

    EARLY = "early"
    SUSTAINED = "sustained"

    @property
    def label(self) -> str:
        return f"In {self.value} remission"


class DiagnosisStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"
    RULED_OUT = "ruled_out"
    ENTERED_IN_ERROR = "entered_in_error"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    DiagnosisStatus.ACTIVE: "Current",
    DiagnosisStatus.RESOLVED: "Resolved",
    DiagnosisStatus.RULED_OUT: "Ruled out",
    DiagnosisStatus.ENTERED_IN_ERROR: "Entered in error",
}


class Rank(StrEnum):
    """Principal or secondary on a given day (derived from the principal periods)."""

    PRINCIPAL = "principal"
    SECONDARY = "secondary"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Diagnosis(IdMixin, TimestampMixin, Base):
    """One diagnosis of one episode: an ICD-10-CM code with its description as the code set
    gave it when recorded, and for a substance use disorder its DSM-5-TR specifiers."""

    __tablename__ = "diagnosis"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(String(300))
    code_set: Mapped[str] = mapped_column(String(40))
    severity: Mapped[Severity | None] = mapped_column(
        str_enum(Severity, "diagnosis_severity", length=20)
    )
    remission: Mapped[Remission | None] = mapped_column(
        str_enum(Remission, "diagnosis_remission", length=20)
    )
    controlled_environment: Mapped[bool] = mapped_column(default=False)
    maintenance_therapy: Mapped[bool] = mapped_column(default=False)
    diagnosed_on: Mapped[date]
    diagnosed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[DiagnosisStatus] = mapped_column(
        str_enum(DiagnosisStatus, "diagnosis_status", length=20)
    )
    # The day it was resolved or ruled out (it is no longer current from that day).
    ended_on: Mapped[date | None]
    ended_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    error_reason: Mapped[str] = mapped_column(String(300), default="")
    error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class PrincipalPeriod(IdMixin, Base):
    """Days ``[starts_on, ends_on)`` a diagnosis was its episode's principal diagnosis."""

    __tablename__ = "diagnosis_principal"
    __table_args__ = (
        # At most one open period, so at most one current principal, per episode.
        Index(
            "uq_diagnosis_principal_open_per_episode",
            "episode_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
    )

    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    diagnosis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("diagnosis.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # exclusive; None while it is the current principal
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
