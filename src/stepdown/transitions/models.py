"""Level reviews: one engine proposal per client and run day, and what a clinician decided.

A review is never edited after its decision: accepting records the transition through the
continuum service and marks the review accepted, dismissing keeps the reason, and a newer
proposal for the same client marks a waiting one superseded, so every proposal the engine
made stays on record with the evidence it read and the table version that read it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum
from stepdown.transitions.rules import ProposalKind


class ReviewStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    SUPERSEDED = "superseded"  # a newer proposal for the client replaced it undecided

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LevelReview(IdMixin, TimestampMixin, Base):
    __tablename__ = "level_review"
    __table_args__ = (
        # One review per client and run day: a site's nightly run is idempotent.
        UniqueConstraint("client_id", "run_on", name="uq_level_review_client_run_on"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id", ondelete="RESTRICT"))
    run_on: Mapped[date]
    kind: Mapped[ProposalKind] = mapped_column(str_enum(ProposalKind, "proposal_kind"))
    from_level_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("level_of_care.id", ondelete="RESTRICT")
    )
    target_level_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("level_of_care.id", ondelete="RESTRICT")
    )
    discharge: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    urgency: Mapped[int]
    safety: Mapped[bool] = mapped_column(default=False)
    next_review_due: Mapped[date]
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus, "review_status"))
    rule_table_version: Mapped[int]
    run_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # The transition accepting recorded, e.g. "step_down to IOP (evening) on 2026-12-01".
    outcome: Mapped[str] = mapped_column(String(200), default="")
