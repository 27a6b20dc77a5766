"""Alumni events with their RSVPs, alumni volunteers, and mentorships.

Being on an alumni list or in a mentorship says that someone was treated for a substance
use disorder, so every row here is PHI under 42 CFR Part 2 and every read and change is
audited by the service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class RsvpStatus(StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Interest(StrEnum):
    """The fixed list offered on forms; volunteers and mentees add free tags beside it."""

    TWELVE_STEP = "twelve_step"
    SMART_RECOVERY = "smart_recovery"
    FAITH = "faith"
    PARENTING = "parenting"
    WORK = "work"
    SCHOOL = "school"
    FITNESS = "fitness"
    OUTDOORS = "outdoors"
    ARTS = "arts"
    VETERANS = "veterans"
    LGBTQ = "lgbtq"

    @property
    def label(self) -> str:
        return INTEREST_LABELS[self]


INTEREST_LABELS: dict[Interest, str] = {
    Interest.TWELVE_STEP: "12-step meetings",
    Interest.SMART_RECOVERY: "SMART Recovery",
    Interest.FAITH: "Faith and spirituality",
    Interest.PARENTING: "Parenting",
    Interest.WORK: "Work and career",
    Interest.SCHOOL: "School",
    Interest.FITNESS: "Fitness and sport",
    Interest.OUTDOORS: "Outdoors",
    Interest.ARTS: "Arts and music",
    Interest.VETERANS: "Veterans",
    Interest.LGBTQ: "LGBTQ+",
}


class MentorshipStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AlumniEvent(IdMixin, TimestampMixin, Base):
    """A gathering for alumni and current clients; ``site_id`` None means program-wide."""

    __tablename__ = "alumni_event"

    site_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("site.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None]  # None: no limit
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rsvp(IdMixin, TimestampMixin, Base):
    """One person's answer to one event. ``queue_number`` orders the waitlist: it is taken
    when the person answers (again), so whoever asked first is promoted first."""

    __tablename__ = "alumni_rsvp"
    __table_args__ = (UniqueConstraint("event_id", "client_id", name="uq_alumni_rsvp_person"),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alumni_event.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[RsvpStatus] = mapped_column(str_enum(RsvpStatus, "rsvp_status", length=20))
    queue_number: Mapped[int]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class AlumniVolunteer(IdMixin, TimestampMixin, Base):
    """An alumnus who offered to mentor. Consent is kept as dates: given, and withdrawn."""

    __tablename__ = "alumni_volunteer"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), unique=True
    )
    # The date the alumnus gives as the start of their recovery; not checked against records.
    recovery_start: Mapped[date]
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)  # Interest values
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # free words, lower case
    site_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # where they can mentor
    tracks: Mapped[list[str]] = mapped_column(JSON, default=list)  # Track values
    max_mentees: Mapped[int] = mapped_column(default=2)
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    def profile(self) -> dict[str, Any]:
        """The editable fields, for audit details (no free text but the tags)."""
        return {
            "recovery_start": self.recovery_start.isoformat(),
            "interests": list(self.interests),
            "tags": list(self.tags),
            "site_ids": list(self.site_ids),
            "tracks": list(self.tracks),
            "max_mentees": self.max_mentees,
            "active": self.active,
        }


class MenteeInterests(IdMixin, TimestampMixin, Base):
    """What a client stepping down would like to share with a mentor, for matching."""

    __tablename__ = "alumni_mentee_interests"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), unique=True
    )
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)


class Mentorship(IdMixin, TimestampMixin, Base):
    """A proposed or running pairing. It becomes active only when both have consented."""

    __tablename__ = "alumni_mentorship"
    __table_args__ = (
        # A client has at most one mentorship proposed or running at a time.
        Index(
            "uq_alumni_mentorship_open_per_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'active')"),
            postgresql_where=text("status IN ('proposed', 'active')"),
        ),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alumni_volunteer.id", ondelete="RESTRICT"), index=True
    )
    mentee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[MentorshipStatus] = mapped_column(
        str_enum(MentorshipStatus, "mentorship_status", length=20)
    )
    proposed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mentor_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentee_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(300), default="")
