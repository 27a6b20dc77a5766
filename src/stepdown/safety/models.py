"""Safety assessments and safety plans.

A safety assessment is what clears (or confirms) the safety gate: a clinician's documented
formulation of suicide risk after a finding (SAFE-T steps 4 and 5). A safety plan is the
client's own Stanley-Brown plan; each change is a new version, so what the client was
given on a day can always be shown again. Neither is ever deleted: a mistaken assessment
is marked entered in error with a reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, UTCDateTime, str_enum
from stepdown.safety.rules import Disposition, RiskLevel


class SafetyAssessment(IdMixin, Base):
    __tablename__ = "safety_assessment"
    __table_args__ = (Index("ix_safety_assessment_client_time", "client_id", "assessed_at"),)

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    # When the clinician assessed the client (clinical time) and when it was recorded.
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assessed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    risk_level: Mapped[RiskLevel] = mapped_column(str_enum(RiskLevel, "safety_risk_level"))
    disposition: Mapped[Disposition] = mapped_column(
        str_enum(Disposition, "safety_disposition", length=40)
    )
    risk_factors: Mapped[str] = mapped_column(Text, default="")
    protective_factors: Mapped[str] = mapped_column(Text, default="")
    # The formulation: why this risk level and this disposition (SAFE-T step 5, rationale).
    rationale: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    # The plan version written or confirmed with this assessment; None when sent out.
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("safety_plan.id", ondelete="RESTRICT")
    )
    # The alerts this assessment answered and acknowledged, as ids.
    acknowledged_alerts: Mapped[list[str]] = mapped_column(JSON, default=list)
    entered_in_error: Mapped[bool] = mapped_column(default=False)
    error_reason: Mapped[str] = mapped_column(Text, default="")


class SafetyPlan(IdMixin, Base):
    """One version of a client's Stanley-Brown safety plan; the highest version is current.

    Each step is a list of short lines in the client's words. The 988 line is not stored:
    every plan shows it (``rules.CRISIS_LINE``), so no version can lack it.
    """

    __tablename__ = "safety_plan"
    __table_args__ = (UniqueConstraint("client_id", "version", name="uq_safety_plan_version"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    warning_signs: Mapped[list[str]] = mapped_column(JSON, default=list)
    coping_strategies: Mapped[list[str]] = mapped_column(JSON, default=list)
    distractions: Mapped[list[str]] = mapped_column(JSON, default=list)
    people_to_ask: Mapped[list[str]] = mapped_column(JSON, default=list)
    professionals: Mapped[list[str]] = mapped_column(JSON, default=list)
    making_safe: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason_for_living: Mapped[str] = mapped_column(String(500), default="")
