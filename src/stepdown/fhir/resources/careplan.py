"""CarePlan and Goal, from a treatment plan version, its problems, goals, objectives and
interventions.

A plan version is a draft, active, or superseded by the next version (FHIR's ``revoked``:
"terminated prior to reaching completion, though it may have been replaced by a new
plan"; the new version ``replaces`` it). A goal is in the client's own words, expressed by
the client; its objectives are its targets (statement and target date); the problem it
addresses has no Condition of its own (problems are the plan's words, not diagnoses), so
it is a reference by display only. A goal of a superseded version is ``cancelled``: the
next version carries its copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal as FhirGoal

from stepdown.fhir.resources.common import Json, concept, meta, patient, reference
from stepdown.treatment_plans.models import (
    Goal,
    Intervention,
    Objective,
    PlanStatus,
    Problem,
    TreatmentPlan,
)

PLAN_STATUS = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.SUPERSEDED: "revoked",
}
ACTIVITY_STATUS = {
    PlanStatus.DRAFT: "not-started",
    PlanStatus.ACTIVE: "in-progress",
    PlanStatus.SUPERSEDED: "stopped",
}
GOAL_STATUS = {
    PlanStatus.DRAFT: "proposed",
    PlanStatus.ACTIVE: "active",
    PlanStatus.SUPERSEDED: "cancelled",
}


def care_plan(
    plan: TreatmentPlan,
    *,
    problems: Sequence[Problem],
    goals: Sequence[Goal],
    interventions: Sequence[Intervention],
) -> CarePlan:
    period = {"start": plan.effective_on} if plan.effective_on else None
    return CarePlan(
        id=str(plan.id),
        meta=meta(),
        status=PLAN_STATUS[plan.status],
        intent="plan",
        title=f"Treatment plan, version {plan.version}",
        subject=patient(plan.client_id),
        period=period,
        created=plan.created_at,
        replaces=[reference("CarePlan", plan.supersedes_id)] if plan.supersedes_id else None,
        supportingInfo=[reference("EpisodeOfCare", plan.episode_id)],
        addresses=[{"display": p.statement} for p in sorted(problems, key=_position)] or None,
        goal=[reference("Goal", g.id) for g in sorted(goals, key=_position)] or None,
        activity=[_activity(i, plan.status) for i in sorted(interventions, key=_position)] or None,
    )


def _activity(intervention: Intervention, status: PlanStatus) -> Json:
    words = f"{intervention.modality.label}, {intervention.frequency}"
    detail: Json = {"code": concept(intervention.modality.label), "status": ACTIVITY_STATUS[status]}
    detail["description"] = (
        f"{words}: {intervention.description}" if intervention.description else words
    )
    return {"detail": detail}


def goal(
    item: Goal,
    *,
    plan: TreatmentPlan,
    problems: Mapping[uuid.UUID, Problem],
    objectives: Sequence[Objective],
) -> FhirGoal:
    problem = problems.get(item.problem_id)
    return FhirGoal(
        id=str(item.id),
        meta=meta(),
        lifecycleStatus=GOAL_STATUS[plan.status],
        description=concept(item.client_words),
        subject=patient(plan.client_id),
        expressedBy=patient(plan.client_id),
        startDate=plan.effective_on,
        addresses=[{"display": problem.statement}] if problem else None,
        target=[
            {"measure": concept(o.statement), "dueDate": o.target_date}
            for o in sorted(objectives, key=_position)
        ]
        or None,
    )


def _position(row: Problem | Goal | Objective | Intervention) -> int:
    return row.position
