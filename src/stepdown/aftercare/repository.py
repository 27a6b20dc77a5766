"""Queries on aftercare rows, always through the clients the actor may read."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select

from stepdown.aftercare.models import (
    AftercarePlan,
    CrisisContact,
    FollowUp,
    MutualHelpMeeting,
    RelapsePreventionCheckIn,
)
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    LevelOfCare,
    Segment,
)
from stepdown.security.actor import Actor

AFTERCARE_LEVEL = "AFTERCARE"


def _visible(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def plans(actor: Actor) -> Select[AftercarePlan]:
    return select(AftercarePlan).where(AftercarePlan.client_id.in_(_visible(actor)))


def checkins(actor: Actor) -> Select[RelapsePreventionCheckIn]:
    return select(RelapsePreventionCheckIn).where(
        RelapsePreventionCheckIn.client_id.in_(_visible(actor))
    )


def follow_ups(actor: Actor) -> Select[FollowUp]:
    return select(FollowUp).where(FollowUp.client_id.in_(_visible(actor)))


def meetings_of(plan_id: uuid.UUID) -> Select[MutualHelpMeeting]:
    return (
        select(MutualHelpMeeting)
        .where(MutualHelpMeeting.plan_id == plan_id)
        .order_by(MutualHelpMeeting.position)
    )


def contacts_of(plan_id: uuid.UUID) -> Select[CrisisContact]:
    return (
        select(CrisisContact)
        .where(CrisisContact.plan_id == plan_id)
        .order_by(CrisisContact.position)
    )


def checkins_of(plan_id: uuid.UUID) -> Select[RelapsePreventionCheckIn]:
    return (
        select(RelapsePreventionCheckIn)
        .where(RelapsePreventionCheckIn.plan_id == plan_id)
        .order_by(RelapsePreventionCheckIn.sequence)
    )


def episodes_needing_plans(actor: Actor, *, discharged_since: date) -> Select[Episode]:
    """Episodes now at the aftercare level, or discharged completed since a day, that have
    no aftercare plan."""
    at_aftercare = (
        select(Segment.episode_id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(Segment.ends_on.is_(None), LevelOfCare.code == AFTERCARE_LEVEL)
    )
    completed = (Episode.status == EpisodeStatus.DISCHARGED) & (
        Episode.discharge_type == DischargeType.COMPLETED
    )
    return (
        select(Episode)
        .where(
            Episode.client_id.in_(_visible(actor)),
            ((Episode.status == EpisodeStatus.ACTIVE) & Episode.id.in_(at_aftercare))
            | (completed & (Episode.discharged_on >= discharged_since)),
            ~Episode.id.in_(select(AftercarePlan.episode_id)),
        )
        .order_by(Episode.id)
    )


def discharged_without_follow_ups(actor: Actor, *, since: date) -> Select[Episode]:
    """Episodes discharged on or after ``since`` (not by death) with no follow-up rows."""
    return (
        select(Episode)
        .where(
            Episode.client_id.in_(_visible(actor)),
            Episode.status == EpisodeStatus.DISCHARGED,
            Episode.discharged_on >= since,
            Episode.discharge_type != DischargeType.DECEASED,
            ~Episode.id.in_(select(FollowUp.episode_id)),
        )
        .order_by(Episode.id)
    )


def at_aftercare_level(episode_id: uuid.UUID) -> Select[uuid.UUID]:
    return (
        select(Segment.id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(
            Segment.episode_id == episode_id,
            Segment.ends_on.is_(None),
            LevelOfCare.code == AFTERCARE_LEVEL,
        )
    )
