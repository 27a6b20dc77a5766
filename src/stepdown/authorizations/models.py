"""A payer's authorization of services for an episode of care, and every change of its status.

An episode holds any number of authorizations: the first for the level of admission, one for
each continued stay, one for a new level after a step down, one from a secondary coverage.
Units used are never stored: they are counted from attendance each time (``rules``), so a
corrected attendance record corrects the balance.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class Authorization(IdMixin, TimestampMixin, Base):
    __tablename__ = "payer_authorization"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("requested_units > 0", name="requested"),
        Index("ix_payer_authorization_episode", "episode_id", "starts_on"),
        Index("ix_payer_authorization_status_review", "status", "next_review_on"),
    )

    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id", ondelete="RESTRICT"))
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    coverage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coverage.id", ondelete="RESTRICT"))
    level_code: Mapped[str] = mapped_column(String(20))
    unit_type: Mapped[UnitType] = mapped_column(str_enum(UnitType, "authorization_unit"))
    # Billing code numbers the authorization names (HCPCS/CPT or revenue codes): numbers only.
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_units: Mapped[int]
    approved_units: Mapped[int | None]
    per_week_cap: Mapped[int | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[AuthStatus] = mapped_column(str_enum(AuthStatus, "authorization_status"))
    auth_number: Mapped[str] = mapped_column(String(50), default="")
    next_review_on: Mapped[date | None]
    appeal_deadline: Mapped[date | None]
    reviewer_name: Mapped[str] = mapped_column(String(120), default="")
    reviewer_contact: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class AuthorizationEvent(IdMixin, Base):
    """One change of status (the first is the request), with who and when."""

    __tablename__ = "payer_authorization_event"

    authorization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payer_authorization.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[AuthStatus | None] = mapped_column(
        str_enum(AuthStatus, "authorization_status")
    )
    to_status: Mapped[AuthStatus] = mapped_column(str_enum(AuthStatus, "authorization_status"))
    approved_units: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
