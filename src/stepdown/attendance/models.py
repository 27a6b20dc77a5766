"""What happened at each booked session or appointment, as the leader recorded it.

One row per seat (a client in a group occurrence) or per appointment. Minutes credited are
computed by ``attendance.rules.credited_minutes`` from the status and the late / left-early
minutes when the row is written, never typed, and stored so weekly hours can be summed in
one query for a whole site.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    TELEHEALTH = "telehealth"
    ABSENT_EXCUSED = "absent_excused"
    ABSENT_UNEXCUSED = "absent_unexcused"


class AttendanceRecord(IdMixin, TimestampMixin, Base):
    __tablename__ = "attendance_record"
    __table_args__ = (
        CheckConstraint(
            "(seat_id IS NOT NULL) <> (appointment_id IS NOT NULL)", name="one_booking"
        ),
        CheckConstraint(
            "late_minutes >= 0 AND left_early_minutes >= 0 AND credited_minutes >= 0",
            name="minutes",
        ),
        # Status included so streaks and "last attended" read the index alone.
        Index("ix_attendance_record_client_day", "client_id", "day", "status"),
    )

    seat_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("session_seat.id", ondelete="CASCADE"), unique=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), unique=True
    )
    # Denormalized from the booking so weekly sums per client or site need no joins.
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("site.id", ondelete="RESTRICT"), index=True
    )
    day: Mapped[date]
    scheduled_minutes: Mapped[int]
    status: Mapped[AttendanceStatus] = mapped_column(
        Enum(
            AttendanceStatus,
            name="attendance_status",
            native_enum=False,
            length=30,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    late_minutes: Mapped[int] = mapped_column(default=0)
    left_early_minutes: Mapped[int] = mapped_column(default=0)
    credited_minutes: Mapped[int]
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
