"""Prescribed medications. A row is never deleted: stopping one records its last day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin


class Medication(IdMixin, TimestampMixin, Base):
    """One prescription, taken from ``starts_on`` through ``ends_on`` (inclusive; open while
    None). ``analytes`` are the drug-test analytes it explains, as decided when recorded."""

    __tablename__ = "medication"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    analytes: Mapped[list[str]] = mapped_column(JSON)
    is_mat: Mapped[bool]
    prescriber: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    stop_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    stopped_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
