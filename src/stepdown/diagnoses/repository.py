"""Queries on diagnoses. Every diagnosis query starts from ``readable``: the diagnoses of
clients the actor may see (``clients.repository.readable``: a clinician's caseload, the
whole program for the director and utilization review)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select

from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode
from stepdown.diagnoses.models import Diagnosis, DiagnosisStatus, PrincipalPeriod
from stepdown.security.actor import Actor


def readable(actor: Actor) -> Select[Diagnosis]:
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    return select(Diagnosis).where(Diagnosis.client_id.in_(visible))


def of_client(actor: Actor, client_id: uuid.UUID) -> Select[Diagnosis]:
    return (
        readable(actor)
        .where(Diagnosis.client_id == client_id)
        .order_by(Diagnosis.diagnosed_on.desc(), Diagnosis.created_at.desc())
    )


def of_episode(actor: Actor, episode_id: uuid.UUID) -> Select[Diagnosis]:
    return (
        readable(actor)
        .where(Diagnosis.episode_id == episode_id)
        .order_by(Diagnosis.diagnosed_on, Diagnosis.code)
    )


def current_with_code(episode_id: uuid.UUID, code: str) -> Select[Diagnosis]:
    return select(Diagnosis).where(
        Diagnosis.episode_id == episode_id,
        Diagnosis.code == code,
        Diagnosis.status == DiagnosisStatus.ACTIVE,
    )


def periods_of(episode_ids: Sequence[uuid.UUID]) -> Select[PrincipalPeriod]:
    return (
        select(PrincipalPeriod)
        .where(PrincipalPeriod.episode_id.in_(episode_ids))
        .order_by(PrincipalPeriod.starts_on)
    )


def open_period(episode_id: uuid.UUID) -> Select[PrincipalPeriod]:
    return select(PrincipalPeriod).where(
        PrincipalPeriod.episode_id == episode_id, PrincipalPeriod.ends_on.is_(None)
    )


def episode_for_update(episode_id: uuid.UUID) -> Select[Episode]:
    """Row-locked on PostgreSQL, so two changes of one episode's principal diagnosis take
    turns (SQLite already holds the write lock)."""
    return select(Episode).where(Episode.id == episode_id).with_for_update()
