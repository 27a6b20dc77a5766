"""The published week: what actually happens, as opposed to the candidate sessions of set-up.

A ``ScheduleBuild`` is one optimizer run for one week (the exchange instance, the solution and
its figures), which a director reviews and publishes. Publishing turns the solution into
``SessionOccurrence`` rows (a group that meets on a date), ``SessionSeat`` rows (a client in
that group) and ``Appointment`` rows (individual or family therapy). A later build for the same
week (a mid-week re-plan) updates the occurrences from its first changed day on and leaves the
days before it, and their attendance, alone.

Times are the program's local wall-clock times (``settings.timezone``) as "HH:MM" on a date, the
way staff read a schedule; the iCalendar feed converts them with that zone.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class BuildStatus(StrEnum):
    QUEUED = "queued"  # asked for; waiting for the job runner
    SOLVING = "solving"  # the job is running the optimizer (see ``progress``)
    FAILED = "failed"  # the job could not build the week (see ``error``)
    DRAFT = "draft"  # solved, waiting for review
    PUBLISHED = "published"  # its sessions are on the calendar
    SUPERSEDED = "superseded"  # a later build for the same week replaced it
    DISCARDED = "discarded"  # reviewed and not published


class BookingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AppointmentKind(StrEnum):
    INDIVIDUAL = "individual"
    FAMILY = "family"


class ScheduleBuild(IdMixin, TimestampMixin, Base):
    """One solved week, kept whole so the review page and an audit can show what was decided.

    A build asked for on the page or the API is a row first (queued, then solving), which a
    background job fills in: the optimizer runs outside any request or transaction, and the
    row is what the director's page polls. ``instance``, ``solution`` and ``summary`` stay
    empty until the job stores the solved week as a draft.
    """

    __tablename__ = "schedule_build"

    week_of: Mapped[date] = mapped_column(index=True)
    status: Mapped[BuildStatus] = mapped_column(str_enum(BuildStatus, "build_status"))
    # First day this build changes; earlier days keep what an earlier build published.
    applies_from: Mapped[date]
    # Seconds the optimizer may use; none for a solution stored from a file.
    time_limit: Mapped[float | None]
    instance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    solution: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The optimizer's figures so far while solving (counts and bounds only, no client).
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)  # why a failed build failed
    built_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionOccurrence(IdMixin, TimestampMixin, Base):
    """A group session meeting on one date, with its room and leader."""

    __tablename__ = "session_occurrence"
    __table_args__ = (
        UniqueConstraint("site_id", "code", "day"),
        Index("ix_session_occurrence_site_day", "site_id", "day"),
    )

    build_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schedule_build.id", ondelete="RESTRICT")
    )
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    group_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("group_session.id", ondelete="SET NULL")
    )
    code: Mapped[str] = mapped_column(String(40))  # the exchange session id, e.g. "S1-IOPE-MON-1"
    day: Mapped[date]
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    topic: Mapped[str] = mapped_column(String(20))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"))
    leader_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    telehealth: Mapped[bool] = mapped_column(default=False)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))


class SessionSeat(IdMixin, TimestampMixin, Base):
    """A client booked into an occurrence (PHI: who is in which group)."""

    __tablename__ = "session_seat"
    __table_args__ = (UniqueConstraint("occurrence_id", "client_id"),)

    occurrence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_occurrence.id", ondelete="CASCADE")
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))


class Appointment(IdMixin, TimestampMixin, Base):
    """An individual or family therapy hour with the client's therapist."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_client_day", "client_id", "day"),)

    build_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schedule_build.id", ondelete="RESTRICT")
    )
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[AppointmentKind] = mapped_column(str_enum(AppointmentKind, "appointment_kind"))
    day: Mapped[date]
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))


class CalendarFeed(IdMixin, TimestampMixin, Base):
    """A private iCalendar subscription for one staff member, one client, or one client's
    schedule shared with a recipient under their consent.

    Only a SHA-256 of the secret in the URL is stored, so a database reader cannot subscribe;
    the URL is shown once when the feed is made, and revoking (or resetting) ends it.
    """

    __tablename__ = "calendar_feed"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # A client's schedule for someone outside the program (a parent, a sponsor): every
    # fetch goes through the disclosure gate for this recipient and purpose, so revoking
    # the consent stops the feed at its next fetch.
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(30), default="", server_default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarNotice(IdMixin, TimestampMixin, Base):
    """ "Your schedule for the week of ... has changed": one for a client or a staff member whose
    week a publish moved, shown on their portal or home page until they mark it read.

    The text names nobody else and nothing clinical (no group topic): it is also what an
    e-mail says, and e-mail is read on shared and lock screens. One unread notice per person
    and week: a second publish of the same week refreshes it rather than stacking another.
    ``email_due`` marks a notice the mail job has still to look at (``notices.send_due``).
    """

    __tablename__ = "calendar_notice"
    __table_args__ = (
        CheckConstraint("(client_id IS NULL) <> (user_id IS NULL)", name="one_recipient"),
    )

    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    build_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schedule_build.id", ondelete="SET NULL")
    )
    week_of: Mapped[date]
    text: Mapped[str] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_due: Mapped[bool] = mapped_column(default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
