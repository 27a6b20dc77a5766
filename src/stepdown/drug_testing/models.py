"""Random drug-test draws and the test orders they (and staff) create.

A draw row is written in two steps. The commit step, before the day, stores the site, day,
rate and ``commitment`` = SHA-256 of a fresh random seed, with the seed itself only sealed
(see ``rules.seal``) so nobody reading the database can learn it in advance. The draw step,
on the day, reveals the seed and stores everything the selection was computed from, so
anyone can recompute it later (``rules.verify``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e]
    )


class OrderReason(StrEnum):
    ADMISSION = "admission"
    SCHEDULED = "scheduled"
    FOR_CAUSE = "for_cause"
    RANDOM = "random"


class OrderStatus(StrEnum):
    ORDERED = "ordered"
    COLLECTED = "collected"
    REFUSED = "refused"
    MISSED = "missed"


class RandomTestDraw(IdMixin, TimestampMixin, Base):
    """One site's random selection for one program day, committed before it and revealed on it."""

    __tablename__ = "random_test_draw"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    day: Mapped[date]
    rate_per_week: Mapped[float]
    program_days: Mapped[int]
    commitment: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the seed
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_seed: Mapped[bytes] = mapped_column(LargeBinary(32))
    seed: Mapped[str | None] = mapped_column(String(64))  # hex; None until revealed
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    probability: Mapped[float | None]
    eligible: Mapped[list[str] | None] = mapped_column(JSON)  # client ids, sorted
    selected: Mapped[list[str] | None] = mapped_column(JSON)  # client ids, sorted
    draw_hash: Mapped[str | None] = mapped_column(String(64))


class TestOrder(IdMixin, TimestampMixin, Base):
    """An order for one client to give a specimen; random ones point at their draw."""

    __tablename__ = "test_order"
    __table_args__ = (UniqueConstraint("draw_id", "client_id"),)
    __test__ = False  # not a pytest test class, despite the name

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[OrderReason] = mapped_column(_enum(OrderReason, "test_order_reason"))
    ordered_on: Mapped[date]
    draw_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("random_test_draw.id", ondelete="RESTRICT")
    )
    ordered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "test_order_status"))
