"""Where and when care happens: sites and rooms, and the set-up the weekly schedule needs.

The set-up holds exactly what one week's scheduling instance needs (see the exchange format in
``stepdown.scheduling.exchange``): who may lead which topics and when (``StaffProfile``), the
program's time blocks and the candidate group sessions inside them, each client's weekly
availability and appointment needs (``ClientScheduleProfile``), and pairs of clients who must
never share a group (``KeepApart``).

Weekly availability is stored as a validated JSON list of ``{"day", "start", "end"}`` windows
on its owner rather than as a child table: a person's week is always read and replaced whole
(one form, one CSV row, one list in the export), no query ever filters on a single window, and
the overlap rule needs the whole list anyway. ``programs.rules.check_windows`` validates every
list before it is written, so the column never holds overlapping or malformed windows.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class Program(TimestampMixin, Base):
    """The one program this database runs: who it is on printouts, and its wall clock.

    One row (``id`` is always 1), made by ``stepdown init`` or the demo seed. The time zone
    is fixed there: every stored schedule time is a wall-clock time in it, so changing it
    would move every group in the week.
    """

    __tablename__ = "program"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(60))
    # The organization's type 2 National Provider Identifier: payers know the program by it
    # (the eligibility inquiry's information receiver, later the claim's billing provider).
    npi: Mapped[str] = mapped_column(String(10), default="", server_default="")
    is_synthetic: Mapped[bool] = mapped_column(default=False)


class ProgramLogo(Base):
    """The program's logo for printouts, checked on upload (``rules.check_logo``). Its own
    table so the program row (read on every card reload) stays small."""

    __tablename__ = "program_logo"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Site(IdMixin, TimestampMixin, Base):
    __tablename__ = "site"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # A closed site keeps its rooms, groups and history; nothing new is scheduled there.
    closed_on: Mapped[date | None] = mapped_column(default=None)
    is_synthetic: Mapped[bool] = mapped_column(default=False)


class Room(IdMixin, TimestampMixin, Base):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int]


class BlockKind(StrEnum):
    """The program's standing tracks; each block belongs to one."""

    PHP_DAY = "php_day"
    IOP_DAY = "iop_day"
    IOP_EVENING = "iop_evening"
    OP_EVENING = "op_evening"
    SATURDAY = "saturday"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").upper().replace("SATURDAY", "Saturday")


class Audience(StrEnum):
    ADULT = "adult"
    ADOLESCENT = "adolescent"


class SessionGender(StrEnum):
    ANY = "any"
    F = "F"
    M = "M"


class KeepApartReason(StrEnum):
    """Categories only: the story behind a pair stays in the clinical note, not here."""

    RELATIVE = "relative"
    CO_WORKER = "co_worker"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class StaffProfile(IdMixin, TimestampMixin, Base):
    """What the optimizer needs to know about one staff member who leads groups or sees clients."""

    __tablename__ = "staff_profile"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    # The site whose groups they lead; directors and floaters have no site on their account.
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_hours: Mapped[float]


class TimeBlock(IdMixin, TimestampMixin, Base):
    """A standing stretch of a site's week for one track, e.g. IOP evening, Monday 18:00-21:15."""

    __tablename__ = "time_block"

    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("site.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[BlockKind] = mapped_column(str_enum(BlockKind, "block_kind"))
    name: Mapped[str] = mapped_column(String(80))
    day: Mapped[str] = mapped_column(String(3))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)


class GroupSession(IdMixin, TimestampMixin, Base):
    """One candidate group session of the curriculum; the optimizer decides whether it runs."""

    __tablename__ = "group_session"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("min_size >= 0 AND max_size >= 1 AND max_size >= min_size", name="sizes"),
    )

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(20))
    day: Mapped[str] = mapped_column(String(3))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    topic: Mapped[str] = mapped_column(String(20))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "audience"))
    gender: Mapped[SessionGender] = mapped_column(str_enum(SessionGender, "session_gender"))
    min_size: Mapped[int]
    max_size: Mapped[int]
    telehealth: Mapped[bool] = mapped_column(default=False)
    time_block_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("time_block.id", ondelete="SET NULL")
    )


class ClientScheduleProfile(IdMixin, TimestampMixin, Base):
    """A client's week as the scheduler sees it (PHI). Work and school hours are the complement
    of the availability, so only the availability is stored. The age group is derived from the
    date of birth at export, so it can never disagree with the chart."""

    __tablename__ = "client_schedule_profile"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), unique=True
    )
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    primary_therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    individual_sessions: Mapped[int] = mapped_column(default=1)
    family_sessions: Mapped[int] = mapped_column(default=0)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class KeepApart(IdMixin, TimestampMixin, Base):
    """Two clients who must never share a group (PHI: clinicians and directors only).

    The pair is stored in a canonical order (``client_a_id < client_b_id`` as strings) so the
    unique constraint also catches the same pair entered the other way round.
    """

    __tablename__ = "keep_apart"
    __table_args__ = (UniqueConstraint("client_a_id", "client_b_id"),)

    client_a_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    client_b_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[KeepApartReason] = mapped_column(str_enum(KeepApartReason, "keep_apart_reason"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
