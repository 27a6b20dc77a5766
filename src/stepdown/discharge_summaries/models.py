"""The summary written when a client leaves the program's care, and its addenda.

A ``DischargeSummary`` is written at every discharge and at every referral out to a
partner's detox or residential care (the episode then waits on hold), so one episode may
have several: one per referral out, then the final discharge's. It holds two kinds of
content:

- the facts of the record (levels of care and their dates, services received, diagnoses,
  progress on the plan's goals, medications, referrals and aftercare), gathered from the
  other domains as of the client's last day in care. While the summary is a draft they are
  read afresh each time it is shown, so a fix in the chart shows at once; signing stores
  them in ``facts`` and the signature's hash covers them, so a later change to the chart
  never changes a signed summary;
- the clinician's own words: the reason, the prognosis (a level and a comment), the
  recommendations and the narrative of the course of treatment.

What a discharge summary holds follows what the federal rules ask of other settings'
summaries, since none binds an outpatient SUD program directly: the outcome of care, the
disposition and the provisions for follow-up care (hospitals, 42 CFR 482.24(c)(4)(vii)); a
recapitulation of the stay with diagnoses and the course of treatment, a reconciliation of
medications and a post-discharge plan of care (nursing facilities, 42 CFR 483.21(c)(2)).

Signing (``security.signing``: the password or signing PIN again) freezes the summary. A
supervised author's summary waits for the supervisor's co-signature. Corrections are
addenda with their own author, time and signature; nothing signed is overwritten.

The old free-text ``Episode.discharge_summary`` stays what it now is on the chart: the
short note typed with the discharge itself (the continuum requires one). It pre-fills the
reason of the discharge's summary, which supersedes it as the episode's summary.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class SummaryKind(StrEnum):
    DISCHARGE = "discharge"
    REFERRAL_OUT = "referral_out"

    @property
    def label(self) -> str:
        return "Discharge summary" if self is SummaryKind.DISCHARGE else "Referral summary"


class SummaryStatus(StrEnum):
    DRAFT = "draft"
    # Signed by a supervised author; final once the supervisor co-signs.
    AWAITING_COSIGNATURE = "awaiting_cosignature"
    SIGNED = "signed"  # final

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    SummaryStatus.DRAFT: "Draft",
    SummaryStatus.AWAITING_COSIGNATURE: "Signed, awaiting co-signature",
    SummaryStatus.SIGNED: "Signed",
}
# Signed by the author: frozen (final, or waiting for the supervisor's co-signature).
FILED = (SummaryStatus.AWAITING_COSIGNATURE, SummaryStatus.SIGNED)


class Prognosis(StrEnum):
    """The four-step prognosis scale clinicians write in discharge summaries; the comment
    beside it (``prognosis_text``) says why."""

    GOOD = "good"
    FAIR = "fair"
    GUARDED = "guarded"
    POOR = "poor"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class DischargeSummary(IdMixin, TimestampMixin, Base):
    __tablename__ = "discharge_summary"
    __table_args__ = (
        # One discharge summary per episode (a referral's is keyed by its segment).
        Index(
            "uq_discharge_summary_discharge_per_episode",
            "episode_id",
            unique=True,
            sqlite_where=text("kind = 'discharge'"),
            postgresql_where=text("kind = 'discharge'"),
        ),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[SummaryKind] = mapped_column(
        str_enum(SummaryKind, "discharge_summary_kind", length=20)
    )
    # The referral out's segment (the stay at the partner it began); None for a discharge.
    segment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("episode_segment.id", ondelete="RESTRICT"), unique=True
    )
    # The discharge's date (the last day in care) or the referral's effective date.
    event_on: Mapped[date]
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    status: Mapped[SummaryStatus] = mapped_column(
        str_enum(SummaryStatus, "discharge_summary_status", length=30)
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    prognosis: Mapped[Prognosis | None] = mapped_column(
        str_enum(Prognosis, "discharge_prognosis", length=20)
    )
    prognosis_text: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    narrative: Mapped[str] = mapped_column(Text, default="")
    # The record's facts as signed (``rules.Facts`` in JSON); None while a draft.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cosigned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )


class DischargeSummaryAddendum(IdMixin, Base):
    """A correction or later fact added to a signed summary, signed by its own author at
    its own time; the summary it is added to never changes."""

    __tablename__ = "discharge_summary_addendum"

    summary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discharge_summary.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
