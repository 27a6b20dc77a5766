"""Levels of care, partner providers, episodes and the level segments inside them.

Segments are half-open date ranges ``[starts_on, ends_on)``: a transition effective on D
ends the old segment at D and starts the new one on D, so an episode's timeline has no
gaps and no overlaps by construction, and the rules can check it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class Track(StrEnum):
    DAY = "day"
    EVENING = "evening"
    NONE = "none"


class EpisodeStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"  # referred out to detox or residential care; coming back
    DISCHARGED = "discharged"


class Transition(StrEnum):
    ADMIT = "admit"
    STEP_DOWN = "step_down"
    STEP_UP = "step_up"
    CHANGE_TRACK = "change_track"
    REFER_OUT = "refer_out"
    RETURN_FROM_REFERRAL = "return_from_referral"


class DischargeType(StrEnum):
    COMPLETED = "completed"
    LEFT_AGAINST_ADVICE = "left_against_advice"
    ADMINISTRATIVE = "administrative"
    TRANSFERRED = "transferred"
    REFERRED_OUT = "referred_out"
    DECEASED = "deceased"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class LevelOfCare(IdMixin, TimestampMixin, Base):
    """One row of the catalog the director maintains."""

    __tablename__ = "level_of_care"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    step_down_order: Mapped[int] = mapped_column(unique=True)
    asam_level: Mapped[str] = mapped_column(String(60), default="")
    weekly_hours_min: Mapped[float | None]
    weekly_hours_max: Mapped[float | None]
    days_per_week_min: Mapped[int | None]
    days_per_week_max: Mapped[int | None]
    session_minutes: Mapped[int | None]
    typical_stay_weeks_min: Mapped[int | None]
    typical_stay_weeks_max: Mapped[int | None]
    supervision: Mapped[str] = mapped_column(String(200), default="")
    medical_monitoring: Mapped[str] = mapped_column(String(200), default="")
    has_day_track: Mapped[bool] = mapped_column(default=False)
    has_evening_track: Mapped[bool] = mapped_column(default=False)
    provided_in_house: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class PartnerProvider(IdMixin, TimestampMixin, Base):
    """A hospital, detox or residential provider clients are referred out to."""

    __tablename__ = "partner_provider"

    name: Mapped[str] = mapped_column(String(160))
    level_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("level_of_care.id", ondelete="RESTRICT"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    is_synthetic: Mapped[bool] = mapped_column(default=False)


class Episode(IdMixin, TimestampMixin, Base):
    """One stay in the program, from admission to discharge."""

    __tablename__ = "episode"
    __table_args__ = (
        # At most one episode per client that is not discharged.
        Index(
            "uq_episode_open_per_client",
            "client_id",
            unique=True,
            sqlite_where=text("status != 'discharged'"),
            postgresql_where=text("status != 'discharged'"),
        ),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    status: Mapped[EpisodeStatus] = mapped_column(str_enum(EpisodeStatus, "episode_status"))
    admitted_on: Mapped[date]
    discharged_on: Mapped[date | None]
    discharge_type: Mapped[DischargeType | None] = mapped_column(
        str_enum(DischargeType, "discharge_type")
    )
    discharge_summary: Mapped[str] = mapped_column(Text, default="")
    discharged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Segment(IdMixin, Base):
    """A stretch of an episode at one level and track, and why it began."""

    __tablename__ = "episode_segment"

    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    level_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("level_of_care.id", ondelete="RESTRICT"))
    track: Mapped[Track] = mapped_column(str_enum(Track, "track"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # exclusive; None while it is the current segment
    transition: Mapped[Transition] = mapped_column(str_enum(Transition, "transition"))
    reason: Mapped[str] = mapped_column(Text)
    skip_reason: Mapped[str] = mapped_column(Text, default="")
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_provider.id", ondelete="RESTRICT")
    )
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
