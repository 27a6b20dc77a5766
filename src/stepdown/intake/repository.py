"""Queries on intakes. Which clients an actor may read is decided by the clients
repository; every intake query for a reader starts from ``readable``."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, or_, select

from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.intake.models import Intake, IntakeAddendum, IntakeStatus, IntakeSubstance
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision


def _visible_clients(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def readable(actor: Actor) -> Select[Intake]:
    """Intakes of the clients this actor may see (a clinician's caseload, the program for
    the director and utilization review)."""
    return select(Intake).where(Intake.client_id.in_(_visible_clients(actor).scalar_subquery()))


def of_client(actor: Actor, client_id: uuid.UUID) -> Select[Intake, Episode]:
    """A client's intakes with their episodes, newest admission first."""
    return (
        readable(actor)
        .add_columns(Episode)
        .join(Episode, Episode.id == Intake.episode_id)
        .where(Intake.client_id == client_id)
        .order_by(Episode.admitted_on.desc())
    )


def of_episode(episode_id: uuid.UUID) -> Select[Intake]:
    return select(Intake).where(Intake.episode_id == episode_id)


def for_update(intake_id: uuid.UUID) -> Select[Intake]:
    """Row-locked on PostgreSQL, so a save and a signature of one intake take turns."""
    return select(Intake).where(Intake.id == intake_id).with_for_update()


def episode_for_update(episode_id: uuid.UUID) -> Select[Episode]:
    """Locks the episode so two starts of its intake take turns (the second is refused)."""
    return select(Episode).where(Episode.id == episode_id).with_for_update()


def substances_of(intake_id: uuid.UUID) -> Select[IntakeSubstance]:
    return (
        select(IntakeSubstance)
        .where(IntakeSubstance.intake_id == intake_id)
        .order_by(IntakeSubstance.position)
    )


def addenda_of(intake_id: uuid.UUID) -> Select[IntakeAddendum]:
    return (
        select(IntakeAddendum)
        .where(IntakeAddendum.intake_id == intake_id)
        .order_by(IntakeAddendum.signed_at, IntakeAddendum.id)
    )


def awaiting(supervisor_id: uuid.UUID) -> Select[Intake, Client]:
    """Signed intakes waiting for a co-signature whose authors this supervisor supervises
    now (``signing.cosigner_for``), oldest first."""
    return (
        select(Intake, Client)
        .join(Client, Client.id == Intake.client_id)
        .join(Supervision, Supervision.user_id == Intake.signed_by)
        .where(
            Supervision.supervisor_id == supervisor_id,
            Intake.status == IntakeStatus.SIGNED,
            Intake.cosign_required.is_(True),
            Intake.cosigned_at.is_(None),
        )
        .order_by(Intake.signed_at)
    )


def due(actor: Actor, admitted_by: date) -> Select[Episode, Client, Intake | None]:
    """Active episodes of clients the actor may see, admitted on or before ``admitted_by``,
    whose intake is missing or still a draft; longest waiting first."""
    return (
        select(Episode, Client, Intake)
        .join(Client, Client.id == Episode.client_id)
        .outerjoin(Intake, Intake.episode_id == Episode.id)
        .where(
            Episode.client_id.in_(_visible_clients(actor).scalar_subquery()),
            Episode.status == EpisodeStatus.ACTIVE,
            Episode.admitted_on <= admitted_by,
            or_(Intake.id.is_(None), Intake.status == IntakeStatus.DRAFT),
        )
        .order_by(Episode.admitted_on, Client.legal_last_name, Client.legal_first_name)
    )
