"""Queries on discharge summaries, and the few reads of other domains' rows that their
services do not offer for a stay's dates (each justified where the service calls it).

Which clients an actor may see is decided by ``clients.repository.readable``; every
statement on summaries starts from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import aliased

from stepdown.aftercare.models import AftercarePlan
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar.models import Appointment, AppointmentKind
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus, Segment, Transition
from stepdown.discharge_summaries.models import (
    FILED,
    DischargeSummary,
    DischargeSummaryAddendum,
    SummaryKind,
    SummaryStatus,
)
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision
from stepdown.treatment_plans.models import ObjectiveStatusChange


def _visible(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def readable(actor: Actor) -> Select[DischargeSummary]:
    """Summaries of clients the actor may read (their state is checked by the caller)."""
    return select(DischargeSummary).where(
        DischargeSummary.client_id.in_(_visible(actor).scalar_subquery())
    )


def of_episode(episode_id: uuid.UUID) -> Select[DischargeSummary]:
    return select(DischargeSummary).where(DischargeSummary.episode_id == episode_id)


def of_client(actor: Actor, client_id: uuid.UUID) -> Select[DischargeSummary]:
    return (
        readable(actor)
        .where(DischargeSummary.client_id == client_id)
        .order_by(DischargeSummary.event_on.desc(), DischargeSummary.created_at.desc())
    )


def for_event(episode_id: uuid.UUID, segment_id: uuid.UUID | None) -> Select[DischargeSummary]:
    stmt = select(DischargeSummary).where(DischargeSummary.episode_id == episode_id)
    if segment_id is None:
        return stmt.where(DischargeSummary.kind == SummaryKind.DISCHARGE)
    return stmt.where(DischargeSummary.segment_id == segment_id)


def episodes_of(client_id: uuid.UUID) -> Select[Episode]:
    """A client's episodes (the caller has read the client), oldest first."""
    return select(Episode).where(Episode.client_id == client_id).order_by(Episode.admitted_on)


def episode_for_update(episode_id: uuid.UUID) -> Select[uuid.UUID]:
    """Row-locked on PostgreSQL, so two clinicians starting one event's summary take turns
    and the second finds the first's (SQLite already holds the write lock)."""
    return select(Episode.id).where(Episode.id == episode_id).with_for_update()


def addenda_of(summary_id: uuid.UUID) -> Select[DischargeSummaryAddendum]:
    return (
        select(DischargeSummaryAddendum)
        .where(DischargeSummaryAddendum.summary_id == summary_id)
        .order_by(DischargeSummaryAddendum.written_at, DischargeSummaryAddendum.id)
    )


def for_update(summary_id: uuid.UUID) -> Select[DischargeSummary]:
    """Row-locked on PostgreSQL, so two saves or signatures of one summary take turns."""
    return select(DischargeSummary).where(DischargeSummary.id == summary_id).with_for_update()


# The signed summaries the lists below look for: an alias, since the outer query joins the
# summary table too (for the draft) and must not be correlated with it.
_Signed = aliased(DischargeSummary, name="signed_summary")


def _signed_summary(kind: SummaryKind) -> Select[uuid.UUID]:
    return select(_Signed.id).where(_Signed.kind == kind, _Signed.status.in_(list(FILED)))


def discharges_due(actor: Actor) -> Select[Episode, Client, DischargeSummary | None]:
    """Discharged episodes of clients the actor may read whose summary is not signed yet,
    with the draft when there is one."""
    signed = _signed_summary(SummaryKind.DISCHARGE).where(_Signed.episode_id == Episode.id)
    return (
        select(Episode, Client, DischargeSummary)
        .join(Client, Client.id == Episode.client_id)
        .outerjoin(
            DischargeSummary,
            and_(
                DischargeSummary.episode_id == Episode.id,
                DischargeSummary.kind == SummaryKind.DISCHARGE,
            ),
        )
        .where(
            Episode.status == EpisodeStatus.DISCHARGED,
            Episode.client_id.in_(_visible(actor).scalar_subquery()),
            ~signed.exists(),
        )
    )


def referrals_due(actor: Actor) -> Select[Segment, Episode, Client, DischargeSummary | None]:
    """Referrals out made from care here (``rules.asks_for_summary``) of clients the actor
    may read whose summary is not signed yet, with the draft when there is one."""
    signed = _signed_summary(SummaryKind.REFERRAL_OUT).where(_Signed.segment_id == Segment.id)
    return (
        select(Segment, Episode, Client, DischargeSummary)
        .join(Episode, Episode.id == Segment.episode_id)
        .join(Client, Client.id == Episode.client_id)
        .outerjoin(DischargeSummary, DischargeSummary.segment_id == Segment.id)
        .where(
            Segment.transition == Transition.REFER_OUT,
            Segment.starts_on > Episode.admitted_on,
            Episode.client_id.in_(_visible(actor).scalar_subquery()),
            ~signed.exists(),
        )
    )


def awaiting_cosignature(supervisor_id: uuid.UUID) -> Select[DischargeSummary]:
    """Summaries waiting for a co-signature whose author this person supervises now,
    oldest signature first."""
    supervised = select(Supervision.user_id).where(Supervision.supervisor_id == supervisor_id)
    return (
        select(DischargeSummary)
        .where(
            DischargeSummary.status == SummaryStatus.AWAITING_COSIGNATURE,
            DischargeSummary.signed_by.in_(supervised.scalar_subquery()),
        )
        .order_by(DischargeSummary.signed_at, DischargeSummary.id)
    )


# ---- other domains' rows for a stay's dates ---------------------------------------------------


def bookings(
    client_id: uuid.UUID, start: date, end: date
) -> Select[uuid.UUID | None, AppointmentKind | None, AttendanceStatus, int]:
    """The client's attendance records from ``start`` to ``end`` (both included): whether
    each was a group seat, the appointment's kind otherwise, the status and the minutes
    credited."""
    return (
        select(
            AttendanceRecord.seat_id,
            Appointment.kind,
            AttendanceRecord.status,
            AttendanceRecord.credited_minutes,
        )
        .outerjoin(Appointment, Appointment.id == AttendanceRecord.appointment_id)
        .where(
            AttendanceRecord.client_id == client_id,
            AttendanceRecord.day >= start,
            AttendanceRecord.day <= end,
        )
    )


def objective_changes(lineage_ids: Sequence[uuid.UUID]) -> Select[ObjectiveStatusChange]:
    return select(ObjectiveStatusChange).where(ObjectiveStatusChange.lineage_id.in_(lineage_ids))


def aftercare_plan_of(episode_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(AftercarePlan.id).where(AftercarePlan.episode_id == episode_id)
