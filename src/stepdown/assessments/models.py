"""One administration of a standardized instrument, stored with the score it got then.

The answers are kept exactly as given, so the score can be recomputed and checked. A
mistaken entry is marked ``entered_in_error`` with a reason and drops out of trends; it is
never deleted, because a decision may already have been made on it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.assessments.rules import Sex
from stepdown.kit.orm import Base, IdMixin, UTCDateTime


class InstrumentResponse(IdMixin, Base):
    __tablename__ = "instrument_response"
    __table_args__ = (
        Index("ix_instrument_response_client_trend", "client_id", "instrument", "administered_at"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    # The episode open when it was administered; None at a pre-admission screening.
    episode_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    instrument: Mapped[str] = mapped_column(String(20))
    answers: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(40))
    subscales: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Only the AUDIT-C cut-off depends on it (Bradley 2007); None for every other instrument.
    sex: Mapped[Sex | None] = mapped_column(
        Enum(
            Sex,
            name="instrument_sex",
            native_enum=False,
            length=10,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    administered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    administered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entered_in_error: Mapped[bool] = mapped_column(default=False)
    error_reason: Mapped[str] = mapped_column(Text, default="")
    error_marked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    error_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
