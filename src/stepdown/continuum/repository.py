"""Queries on the catalog, partners and episodes. Episodes are reached through clients the
actor may read (``clients.repository.readable``), never directly."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import (
    Episode,
    EpisodeStatus,
    LevelOfCare,
    PartnerProvider,
    Segment,
)
from stepdown.security.actor import Actor


def catalog_stmt() -> Select[LevelOfCare]:
    return select(LevelOfCare).order_by(LevelOfCare.step_down_order)


def partners_stmt() -> Select[PartnerProvider]:
    return select(PartnerProvider).order_by(PartnerProvider.name)


def readable_episodes(actor: Actor) -> Select[Episode]:
    visible = clients_repository.readable(actor).with_only_columns(Client.id)
    return select(Episode).where(Episode.client_id.in_(visible.scalar_subquery()))


def episodes_of(client_id: uuid.UUID) -> Select[Episode]:
    return select(Episode).where(Episode.client_id == client_id).order_by(Episode.admitted_on)


def segments_of(episode_ids: list[uuid.UUID]) -> Select[Segment]:
    return (
        select(Segment)
        .where(Segment.episode_id.in_(episode_ids))
        .order_by(Segment.episode_id, Segment.starts_on)
    )


def open_episode_of(session: Session, client_id: uuid.UUID) -> Episode | None:
    return session.scalar(
        select(Episode).where(
            Episode.client_id == client_id, Episode.status != EpisodeStatus.DISCHARGED
        )
    )
