"""One daily check-in, as the client (or staff on the client's behalf) gave it.

Kept exactly as submitted: the chart's trend and the alert it may have raised both point
back at it. ``entered_by`` and ``entry_mode`` say whether the client used the portal or a
staff member typed it in for them (e.g. over the phone), because a clinician reads a
self-report and a relayed one differently.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, UTCDateTime


class EntryMode(StrEnum):
    SELF = "self"  # the client, through the portal or the API with their own account
    STAFF = "staff"  # a staff member, on the client's behalf


class CheckIn(IdMixin, Base):
    __tablename__ = "checkin"
    __table_args__ = (Index("ix_checkin_client_day", "client_id", "day"),)

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    # The program's local calendar day when it was submitted (settings.timezone).
    day: Mapped[date]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    craving: Mapped[int]
    mood: Mapped[int]
    sleep_hours: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    sleep_quality: Mapped[int | None]
    risky_situations: Mapped[list[str]] = mapped_column(JSON, default=list)
    risky_other: Mapped[str] = mapped_column(String(300), default="")
    used_since_last: Mapped[bool]
    substance: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # "Since your last check-in, have you had thoughts of hurting yourself or of ending your
    # life?" None: not answered (an API client from before the question): shown as such,
    # never as "no". True raised a safety alert (``rules.Trigger.CRISIS``).
    self_harm_thoughts: Mapped[bool | None]
    entered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    entry_mode: Mapped[EntryMode] = mapped_column(
        Enum(
            EntryMode,
            name="checkin_entry_mode",
            native_enum=False,
            length=10,
            values_callable=lambda e: [m.value for m in e],
        )
    )
