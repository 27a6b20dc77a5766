"""One alert per clinical finding that needs a person to act, kept after it is acknowledged,
and the notifications an urgent one sends to the people who must act on it.

``kind`` and ``severity`` are stored as plain strings (no database CHECK), so other domains
can add kinds without a migration.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, UTCDateTime, str_enum


class AlertKind(StrEnum):
    PHQ9_ITEM9 = "phq9_item9"
    CSSRS_HIGH = "cssrs_high"
    CSSRS_MODERATE = "cssrs_moderate"
    ABSENCE_STREAK = "absence_streak"  # attendance: unexcused absences in a row
    WEEK_UNDER_MINIMUM = "week_under_minimum"  # attendance: the week will end short
    CHECKIN_USE = "checkin_use"  # check-ins: the client reported use
    CHECKIN_CRAVING = "checkin_craving"  # check-ins: craving 8 or more of 10
    AFTERCARE_CHECKIN_MISSED = "aftercare_checkin_missed"  # aftercare: a check-in was missed
    CHECKIN_CRISIS = "checkin_crisis"  # check-ins: the client reported thoughts of self-harm
    MOUD_MISSING = "moud_missing"  # drug testing: a prescribed MOUD not found in a specimen
    UNEXPECTED_POSITIVE = "unexpected_positive"  # drug testing: a positive no medication explains


# Alerts about suicide risk: while one of these is open at urgent or high severity the
# safety gate holds (``stepdown.safety.rules``).
SAFETY_ALERT_KINDS = frozenset(
    {
        AlertKind.PHQ9_ITEM9,
        AlertKind.CSSRS_HIGH,
        AlertKind.CSSRS_MODERATE,
        AlertKind.CHECKIN_CRISIS,
    }
)


class Severity(StrEnum):
    URGENT = "urgent"  # same day
    HIGH = "high"  # at the next contact, within days
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Lower sorts first: urgent alerts lead every list."""
        return list(Severity).index(self)


class Alert(IdMixin, Base):
    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_client_open", "client_id", "acknowledged_at"),)

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind", length=40))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "alert_severity", length=40))
    summary: Mapped[str] = mapped_column(String(300))
    # What raised it, e.g. ("instrument_response", its id); no foreign key, any domain may raise.
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    acknowledgement_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class Channel(StrEnum):
    APP = "app"  # the list on the home page and /notifications
    EMAIL = "email"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    # Only inside the sending transaction: the row is claimed before the message goes out,
    # so a second worker escalating the same alert waits on it instead of sending again.
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the mail server or SMS provider refused or could not be reached
    SKIPPED = "skipped"  # nothing to send to (no address, channel not configured)


class Notification(IdMixin, Base):
    """One message about one urgent alert to one person on one channel, at one level.

    Level 0 goes to the responsible clinician (or the directors) when the alert is raised,
    level 1 to the supervisor (or the directors) once it has waited too long. The unique
    key makes each send happen once however often a job runs; failures and skips stay as
    rows, with their reason, for the director to see. The rows carry ids only: what the
    alert says stays on the alert.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("alert_id", "recipient_id", "channel", "level"),
        CheckConstraint("level IN (0, 1)", name="known_level"),
        Index("ix_notification_recipient_read", "recipient_id", "read_at"),
    )

    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alert.id", ondelete="RESTRICT"), index=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "notification_channel", length=20))
    level: Mapped[int]
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status", length=20)
    )
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # in-app only


class NotificationPhone(Base):
    """The number a staff member gets urgent-alert text messages on, set by themself.

    A table of its own rather than a column on ``user_account``: it belongs to alerts,
    and a person without a row simply gets no text messages.
    """

    __tablename__ = "notification_phone"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(20))  # E.164, e.g. +15555550123
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
