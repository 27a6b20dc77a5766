"""Role-scoped queries on treatment plans: every plan query starts from ``readable``."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.security.actor import Actor
from stepdown.treatment_plans.models import (
    Goal,
    Intervention,
    Objective,
    ObjectiveStatusChange,
    PlanReview,
    PlanStatus,
    Problem,
    ProgressNote,
    TreatmentPlan,
)


def readable(actor: Actor) -> Select[TreatmentPlan]:
    """Plans of the clients this actor may see (a clinician's caseload, a client's own)."""
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    return select(TreatmentPlan).where(TreatmentPlan.client_id.in_(visible))


def plans_of(actor: Actor, client_id: uuid.UUID) -> Select[TreatmentPlan]:
    return (
        readable(actor)
        .where(TreatmentPlan.client_id == client_id)
        .order_by(TreatmentPlan.created_at.desc(), TreatmentPlan.version.desc())
    )


def active_plans(actor: Actor) -> Select[TreatmentPlan]:
    return readable(actor).where(TreatmentPlan.status == PlanStatus.ACTIVE)


def problems_of(plan_ids: list[uuid.UUID]) -> Select[Problem]:
    return select(Problem).where(Problem.plan_id.in_(plan_ids)).order_by(Problem.position)


def goals_of(plan_ids: list[uuid.UUID]) -> Select[Goal]:
    return select(Goal).where(Goal.plan_id.in_(plan_ids)).order_by(Goal.position)


def objectives_of(plan_ids: list[uuid.UUID]) -> Select[Objective]:
    return select(Objective).where(Objective.plan_id.in_(plan_ids)).order_by(Objective.position)


def interventions_of(plan_ids: list[uuid.UUID]) -> Select[Intervention]:
    return (
        select(Intervention)
        .where(Intervention.plan_id.in_(plan_ids))
        .order_by(Intervention.position)
    )


def notes_of(plan_ids: list[uuid.UUID]) -> Select[ProgressNote]:
    return (
        select(ProgressNote)
        .where(ProgressNote.plan_id.in_(plan_ids))
        .order_by(ProgressNote.written_on.desc(), ProgressNote.created_at.desc())
    )


def changes_of_notes(note_ids: list[uuid.UUID]) -> Select[ObjectiveStatusChange]:
    return select(ObjectiveStatusChange).where(ObjectiveStatusChange.note_id.in_(note_ids))


def changes_of_lineages(lineage_ids: list[uuid.UUID]) -> Select[ObjectiveStatusChange]:
    return (
        select(ObjectiveStatusChange)
        .where(ObjectiveStatusChange.lineage_id.in_(lineage_ids))
        .order_by(ObjectiveStatusChange.changed_on)
    )


def reviews_of(plan_ids: list[uuid.UUID]) -> Select[PlanReview]:
    return (
        select(PlanReview)
        .where(PlanReview.plan_id.in_(plan_ids))
        .order_by(PlanReview.reviewed_on.desc(), PlanReview.created_at.desc())
    )
