"""A client's needs, the referrals made for them, and the program's directory of community
resources.

A need is what stands between the client and recovery outside the clinic (no stable home, no
ride to group, a court date). Its status moves through ``rules.NEED_TRANSITIONS``; every move
is a ``NeedStatusChange`` row, dated, with who and why, so the need's history is kept rather
than overwritten. A referral sends the client to a community resource, for a need or on its
own; it moves through ``rules.REFERRAL_TRANSITIONS`` and every move (and every follow-up
logged while it is open) is a ``ReferralEvent`` row. The referral keeps its own copy of the
resource's name and contact as they were when it was made: the directory changes, the record
of where the client was sent does not.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.clock import utc_now
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class NeedKind(StrEnum):
    """What kind of need, and of resource that meets it.

    The first seven are the ones the program's case managers asked for (issue 14). Three are
    added because they are among the social needs that screening tools used in care settings
    ask about, and a case manager of an outpatient program refers for them every week:

    - food: food insecurity is one of the five core domains of CMS's Accountable Health
      Communities health-related social needs screening tool (Billioux et al., "Standardized
      Screening for Health-Related Social Needs in Clinical Settings", NAM discussion paper,
      2017);
    - education: a supplemental domain of the same tool in its 2018 revision (SIREN, UCSF,
      "The Accountable Health Communities Health-Related Social Needs Screening Tool");
    - health insurance: "health insurance coverage status" is one of the Gravity Project's
      social-determinant domains (HL7 SDOH Clinical Care implementation guide). It is kept
      apart from benefits (food stamps, cash assistance, disability income) because without
      coverage the client's own continued treatment and medication stop, and enrolment is
      a different referral (a navigator, Medicaid) from a benefits office.
    """

    HOUSING = "housing"
    SOBER_LIVING = "sober_living"
    EMPLOYMENT = "employment"
    LEGAL = "legal"
    TRANSPORTATION = "transportation"
    BENEFITS = "benefits"
    HEALTH_INSURANCE = "health_insurance"
    CHILDCARE = "childcare"
    FOOD = "food"
    EDUCATION = "education"

    @property
    def label(self) -> str:
        return NEED_KIND_LABELS[self]


NEED_KIND_LABELS = {
    NeedKind.HOUSING: "Housing",
    NeedKind.SOBER_LIVING: "Sober living",
    NeedKind.EMPLOYMENT: "Employment",
    NeedKind.LEGAL: "Legal / court",
    NeedKind.TRANSPORTATION: "Transportation",
    NeedKind.BENEFITS: "Benefits",
    NeedKind.HEALTH_INSURANCE: "Health insurance",
    NeedKind.CHILDCARE: "Childcare",
    NeedKind.FOOD: "Food",
    NeedKind.EDUCATION: "Education",
}


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class NeedStatus(_Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    MET = "met"
    NO_LONGER_NEEDED = "no_longer_needed"


class Priority(_Labelled):
    """The case manager's judgement of how soon; it orders the lists, nothing more."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ReferralStatus(_Labelled):
    MADE = "made"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return "No-show" if self is ReferralStatus.NO_SHOW else super().label


class CommunityResource(IdMixin, TimestampMixin, Base):
    """One organization in the program's directory, for one kind of need. No PHI: the
    directory is the program's, shared by every site."""

    __tablename__ = "community_resource"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "need_kind"))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Need(IdMixin, TimestampMixin, Base):
    """One need of one client; ``status`` is the latest of its ``NeedStatusChange`` rows."""

    __tablename__ = "case_need"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "need_kind"))
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus, "need_status"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "need_priority", length=20))
    identified_on: Mapped[date]
    identified_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class NeedStatusChange(IdMixin, Base):
    """A need's status from a date on; the first row (``from_status`` None) is when it was
    identified. Rows are only ever added."""

    __tablename__ = "case_need_status_change"

    need_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_need.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[NeedStatus | None] = mapped_column(str_enum(NeedStatus, "need_status"))
    to_status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus, "need_status"))
    changed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500), default="")
    # Orders two changes dated the same day.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Referral(IdMixin, TimestampMixin, Base):
    """The client sent to a community resource; open (made, accepted) until it closes.

    ``follow_up_on`` is set while the referral is open (``rules.check_follow_up``) and
    cleared when it closes. ``aftercare_plan_id`` says which aftercare plan a sober-living
    referral's outcome was recorded on (None: not recorded, e.g. no plan yet).
    """

    __tablename__ = "case_referral"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    need_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_need.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "need_kind"))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("community_resource.id", ondelete="SET NULL")
    )
    organization: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus, "referral_status", length=20)
    )
    made_on: Mapped[date]
    made_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    follow_up_on: Mapped[date | None] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    aftercare_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("aftercare_plan.id", ondelete="SET NULL")
    )


class ReferralEvent(IdMixin, Base):
    """A referral's status change, or (same status) a follow-up logged while it is open,
    with the next follow-up date it set. Rows are only ever added."""

    __tablename__ = "case_referral_event"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_referral.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ReferralStatus | None] = mapped_column(
        str_enum(ReferralStatus, "referral_status", length=20)
    )
    to_status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus, "referral_status", length=20)
    )
    changed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500), default="")
    follow_up_on: Mapped[date | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
