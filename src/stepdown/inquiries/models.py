"""An inquiry about treatment, and every move it made through the admissions pipeline."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.inquiries.rules import CallerType, InquirySource, InquiryStatus, Urgency
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime


def _string_enum(enum: type[StrEnum], name: str, length: int) -> Enum:
    return Enum(
        enum,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


def _status_enum() -> Enum:
    return _string_enum(InquiryStatus, "inquiry_status", 30)


class Inquiry(IdMixin, TimestampMixin, Base):
    """What the caller told us. ``status`` mirrors the newest status change, for querying."""

    __tablename__ = "inquiry"

    source: Mapped[InquirySource] = mapped_column(_string_enum(InquirySource, "inquiry_source", 20))
    caller_type: Mapped[CallerType] = mapped_column(_string_enum(CallerType, "caller_type", 20))
    caller_name: Mapped[str] = mapped_column(String(120), default="")
    caller_relationship: Mapped[str] = mapped_column(String(60), default="")
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), default="")
    date_of_birth: Mapped[date | None]
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    preferred_contact_time: Mapped[str] = mapped_column(String(80), default="")
    contact_instructions: Mapped[str] = mapped_column(String(200), default="")
    consent_to_contact: Mapped[bool] = mapped_column(default=False)
    substances: Mapped[list[str]] = mapped_column(JSON, default=list)
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    member_id: Mapped[str] = mapped_column(String(60), default="")
    urgency: Mapped[Urgency] = mapped_column(_string_enum(Urgency, "inquiry_urgency", 20))
    referral_source: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    site_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("site.id", ondelete="RESTRICT"), index=True
    )
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[InquiryStatus] = mapped_column(_status_enum(), index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assessment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    # A web-form submission id or a partner's referral number: makes imports idempotent.
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_synthetic: Mapped[bool] = mapped_column(default=False)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InquiryStatusChange(IdMixin, Base):
    """One move, never edited. ``seq`` counts per inquiry, so two workers moving the same
    inquiry at once collide on the unique key instead of both succeeding."""

    __tablename__ = "inquiry_status_change"
    __table_args__ = (UniqueConstraint("inquiry_id", "seq"),)

    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inquiry.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    from_status: Mapped[InquiryStatus | None] = mapped_column(_status_enum())
    to_status: Mapped[InquiryStatus] = mapped_column(_status_enum())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    changed_by_label: Mapped[str] = mapped_column(String(120))
    assessment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partner: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
