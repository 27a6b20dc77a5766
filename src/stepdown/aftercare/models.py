"""Aftercare: the plan a client takes home when they step down to aftercare or complete
treatment, its relapse-prevention check-ins, and the outcome follow-ups after discharge.

One plan per episode of care. A draft is edited by staff; finalizing it freezes its content
and lays out the check-in schedule from that day. Check-ins and follow-ups are rows with
their own dates, so a reminder, a missed-check-in alert or a recorded outcome is kept as
history rather than recomputed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class PlanStatus(_Labelled):
    DRAFT = "draft"
    FINAL = "final"


class MeetingKind(StrEnum):
    AA = "aa"
    NA = "na"
    SMART = "smart"
    REFUGE_RECOVERY = "refuge_recovery"
    OTHER = "other"

    @property
    def label(self) -> str:
        return MEETING_LABELS[self]


MEETING_LABELS = {
    MeetingKind.AA: "Alcoholics Anonymous (AA)",
    MeetingKind.NA: "Narcotics Anonymous (NA)",
    MeetingKind.SMART: "SMART Recovery",
    MeetingKind.REFUGE_RECOVERY: "Refuge Recovery",
    MeetingKind.OTHER: "Other group",
}


class Weekday(_Labelled):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class SoberLivingStatus(_Labelled):
    REFERRED = "referred"
    WAITLISTED = "waitlisted"
    ACCEPTED = "accepted"
    MOVED_IN = "moved_in"
    DECLINED = "declined"


class EmploymentSchool(_Labelled):
    WORKING = "working"
    IN_SCHOOL = "in_school"
    WORKING_AND_SCHOOL = "working_and_school"
    NEITHER = "neither"


class Housing(_Labelled):
    STABLE = "stable"
    SOBER_LIVING = "sober_living"
    TEMPORARY = "temporary"
    HOMELESS = "homeless"


class AftercarePlan(IdMixin, TimestampMixin, Base):
    """The client's plan for after treatment, in plain language, one per episode."""

    __tablename__ = "aftercare_plan"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, "aftercare_plan_status"))
    # The staff member who follows the client in aftercare; missed check-ins are theirs.
    case_manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    therapy_provider: Mapped[str] = mapped_column(String(200), default="")
    therapy_with_whom: Mapped[str] = mapped_column(String(200), default="")
    therapy_when: Mapped[str] = mapped_column(String(200), default="")
    sober_living_house: Mapped[str] = mapped_column(String(200), default="")
    sober_living_contact: Mapped[str] = mapped_column(String(200), default="")
    sober_living_status: Mapped[SoberLivingStatus | None] = mapped_column(
        str_enum(SoberLivingStatus, "sober_living_status")
    )
    mat_prescriber: Mapped[str] = mapped_column(String(200), default="")
    mat_medication: Mapped[str] = mapped_column(String(200), default="")
    mat_next_appointment: Mapped[date | None]
    warning_signs: Mapped[str] = mapped_column(Text, default="")
    coping_steps: Mapped[str] = mapped_column(Text, default="")
    # The check-in schedule: weekly for this many weeks, then monthly to this many months.
    weekly_checkins: Mapped[int] = mapped_column(default=4)
    checkin_months: Mapped[int] = mapped_column(default=12)
    # Days after its date before a check-in counts as missed (and the case manager is alerted).
    grace_days: Mapped[int] = mapped_column(default=3)
    starts_on: Mapped[date | None]  # set when finalized: the schedule counts from it
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class MutualHelpMeeting(IdMixin, Base):
    """A meeting the client means to go to: 12-step or another mutual-help group."""

    __tablename__ = "aftercare_meeting"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("aftercare_plan.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "aftercare_meeting_kind"))
    name: Mapped[str] = mapped_column(String(200))
    day: Mapped[Weekday] = mapped_column(str_enum(Weekday, "aftercare_weekday"))
    at: Mapped[time | None]
    place_or_link: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]


class CrisisContact(IdMixin, Base):
    """Someone the client can call in a crisis; 988 and 911 are printed on every plan."""

    __tablename__ = "aftercare_crisis_contact"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("aftercare_plan.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    relationship: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]


class RelapsePreventionCheckIn(IdMixin, Base):
    """One scheduled check-in of a final plan, and what became of it."""

    __tablename__ = "aftercare_checkin"
    __table_args__ = (UniqueConstraint("plan_id", "sequence"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("aftercare_plan.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    sequence: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUp(IdMixin, Base):
    """The short outcome follow-up due a number of days after discharge.

    ``reached`` False records a contact attempt that failed (lost to follow-up); the outcome
    fields are then empty. They feed the program's outcome reports.
    """

    __tablename__ = "aftercare_follow_up"
    __table_args__ = (UniqueConstraint("episode_id", "days_after"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id", ondelete="RESTRICT"))
    days_after: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_by_client: Mapped[bool] = mapped_column(default=False)
    reached: Mapped[bool | None]
    abstinent: Mapped[bool | None]
    readmitted: Mapped[bool | None]
    employment_school: Mapped[EmploymentSchool | None] = mapped_column(
        str_enum(EmploymentSchool, "employment_school")
    )
    housing: Mapped[Housing | None] = mapped_column(str_enum(Housing, "housing_status"))
