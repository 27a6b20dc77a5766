"""JSON routes for treatment plans: versions with their items, drafting, signatures,
progress notes, reviews, overdue reviews, and the client's goals."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.treatment_plans import access, service
from stepdown.treatment_plans.models import PlanReview
from stepdown.treatment_plans.schemas import (
    ClientGoalRead,
    ClientObjectiveRead,
    GoalInput,
    GoalRead,
    GoalUpdate,
    InPersonSignature,
    InterventionInput,
    InterventionRead,
    InterventionUpdate,
    ObjectiveInput,
    ObjectiveRead,
    ObjectivesSummaryRead,
    ObjectiveUpdate,
    OverdueReviewRead,
    PlanCreate,
    PlanDetail,
    PlanRead,
    ProblemInput,
    ProblemRead,
    ProgressNoteInput,
    ProgressNoteRead,
    ReviewInput,
    ReviewRead,
    StatusChangeRead,
)

router = APIRouter(prefix="/api/v1", tags=["treatment plans"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]


def _detail(view: service.PlanView) -> PlanDetail:
    return PlanDetail.model_validate(
        {
            **PlanRead.model_validate(view.plan).model_dump(),
            "problems": [ProblemRead.model_validate(p) for p in view.problems],
            "goals": [GoalRead.model_validate(g) for g in view.goals],
            "objectives": [ObjectiveRead.model_validate(o) for o in view.objectives],
            "interventions": [InterventionRead.model_validate(i) for i in view.interventions],
        }
    )


@router.get("/treatment-plans/overdue-reviews", response_model=list[OverdueReviewRead])
def overdue_reviews(
    session: DbSession, actor: Annotated[Actor, allow(access.OVERDUE)]
) -> list[OverdueReviewRead]:
    """A clinician's caseload, or the whole program for a director; most overdue first."""
    return [
        OverdueReviewRead(
            plan_id=row.plan.id,
            client_id=row.client.id,
            record_number=row.client.record_number,
            due=row.due,
            days_overdue=row.days_overdue,
        )
        for row in service.overdue_reviews(session, actor=actor)
    ]


@router.get("/clients/{client_id}/treatment-plans", response_model=list[PlanDetail])
def list_plans(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[PlanDetail]:
    """Every version, newest first."""
    return [_detail(v) for v in service.list_plans(session, actor=actor, client_id=client_id)]


@router.post("/clients/{client_id}/treatment-plans", response_model=PlanRead, status_code=201)
def create_plan(
    client_id: uuid.UUID, body: PlanCreate, session: DbSession, actor: Writer
) -> PlanRead:
    plan = service.create_plan(
        session,
        actor=actor,
        client_id=client_id,
        review_interval_days=body.review_interval_days,
    )
    return PlanRead.model_validate(plan)


@router.get("/treatment-plans/{plan_id}", response_model=PlanDetail)
def get_plan(plan_id: uuid.UUID, session: DbSession, actor: Reader) -> PlanDetail:
    return _detail(service.get_plan(session, actor=actor, plan_id=plan_id))


@router.post("/treatment-plans/{plan_id}/problems", response_model=ProblemRead, status_code=201)
def add_problem(
    plan_id: uuid.UUID, body: ProblemInput, session: DbSession, actor: Writer
) -> ProblemRead:
    problem = service.add_problem(session, actor=actor, plan_id=plan_id, statement=body.statement)
    return ProblemRead.model_validate(problem)


@router.patch("/treatment-plans/{plan_id}/problems/{problem_id}", response_model=ProblemRead)
def update_problem(
    plan_id: uuid.UUID,
    problem_id: uuid.UUID,
    body: ProblemInput,
    session: DbSession,
    actor: Writer,
) -> ProblemRead:
    problem = service.update_problem(
        session, actor=actor, plan_id=plan_id, problem_id=problem_id, statement=body.statement
    )
    return ProblemRead.model_validate(problem)


@router.post("/treatment-plans/{plan_id}/goals", response_model=GoalRead, status_code=201)
def add_goal(plan_id: uuid.UUID, body: GoalInput, session: DbSession, actor: Writer) -> GoalRead:
    return GoalRead.model_validate(
        service.add_goal(session, actor=actor, plan_id=plan_id, data=body)
    )


@router.patch("/treatment-plans/{plan_id}/goals/{goal_id}", response_model=GoalRead)
def update_goal(
    plan_id: uuid.UUID, goal_id: uuid.UUID, body: GoalUpdate, session: DbSession, actor: Writer
) -> GoalRead:
    goal = service.update_goal(
        session, actor=actor, plan_id=plan_id, goal_id=goal_id, client_words=body.client_words
    )
    return GoalRead.model_validate(goal)


@router.post("/treatment-plans/{plan_id}/objectives", response_model=ObjectiveRead, status_code=201)
def add_objective(
    plan_id: uuid.UUID, body: ObjectiveInput, session: DbSession, actor: Writer
) -> ObjectiveRead:
    return ObjectiveRead.model_validate(
        service.add_objective(session, actor=actor, plan_id=plan_id, data=body)
    )


@router.patch("/treatment-plans/{plan_id}/objectives/{objective_id}", response_model=ObjectiveRead)
def update_objective(
    plan_id: uuid.UUID,
    objective_id: uuid.UUID,
    body: ObjectiveUpdate,
    session: DbSession,
    actor: Writer,
) -> ObjectiveRead:
    objective = service.update_objective(
        session, actor=actor, plan_id=plan_id, objective_id=objective_id, data=body
    )
    return ObjectiveRead.model_validate(objective)


@router.post(
    "/treatment-plans/{plan_id}/interventions", response_model=InterventionRead, status_code=201
)
def add_intervention(
    plan_id: uuid.UUID, body: InterventionInput, session: DbSession, actor: Writer
) -> InterventionRead:
    return InterventionRead.model_validate(
        service.add_intervention(session, actor=actor, plan_id=plan_id, data=body)
    )


@router.patch(
    "/treatment-plans/{plan_id}/interventions/{intervention_id}", response_model=InterventionRead
)
def update_intervention(
    plan_id: uuid.UUID,
    intervention_id: uuid.UUID,
    body: InterventionUpdate,
    session: DbSession,
    actor: Writer,
) -> InterventionRead:
    item = service.update_intervention(
        session, actor=actor, plan_id=plan_id, intervention_id=intervention_id, data=body
    )
    return InterventionRead.model_validate(item)


@router.delete("/treatment-plans/{plan_id}/items/{kind}/{item_id}", status_code=204)
def remove_item(
    plan_id: uuid.UUID,
    kind: service.ItemKind,
    item_id: uuid.UUID,
    session: DbSession,
    actor: Writer,
) -> Response:
    service.remove_item(session, actor=actor, plan_id=plan_id, kind=kind, item_id=item_id)
    return Response(status_code=204)


@router.post("/treatment-plans/{plan_id}/clinician-signature", response_model=PlanRead)
def sign_as_clinician(plan_id: uuid.UUID, session: DbSession, actor: Writer) -> PlanRead:
    return PlanRead.model_validate(service.sign_as_clinician(session, actor=actor, plan_id=plan_id))


@router.post("/treatment-plans/{plan_id}/reopen", response_model=PlanRead)
def reopen(plan_id: uuid.UUID, session: DbSession, actor: Writer) -> PlanRead:
    return PlanRead.model_validate(service.reopen(session, actor=actor, plan_id=plan_id))


@router.post("/treatment-plans/{plan_id}/client-signature", response_model=PlanRead)
def sign_as_client(
    plan_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.CLIENT_SIGN)]
) -> PlanRead:
    """The client signs their own plan (portal)."""
    return PlanRead.model_validate(service.sign_as_client(session, actor=actor, plan_id=plan_id))


@router.post("/treatment-plans/{plan_id}/in-person-signature", response_model=PlanRead)
def sign_in_person(
    plan_id: uuid.UUID, body: InPersonSignature, session: DbSession, actor: Writer
) -> PlanRead:
    """Staff attest that the client signed in their presence."""
    plan = service.sign_in_person(session, actor=actor, plan_id=plan_id, attested=body.attested)
    return PlanRead.model_validate(plan)


@router.post("/treatment-plans/{plan_id}/revisions", response_model=PlanRead, status_code=201)
def revise(plan_id: uuid.UUID, session: DbSession, actor: Writer) -> PlanRead:
    return PlanRead.model_validate(service.revise(session, actor=actor, plan_id=plan_id))


@router.post(
    "/treatment-plans/{plan_id}/progress-notes", response_model=ProgressNoteRead, status_code=201
)
def progress_note(
    plan_id: uuid.UUID, body: ProgressNoteInput, session: DbSession, actor: Writer
) -> ProgressNoteRead:
    noted = service.record_progress_note(session, actor=actor, plan_id=plan_id, data=body)
    return ProgressNoteRead(
        id=noted.note.id,
        plan_id=noted.note.plan_id,
        written_on=noted.note.written_on,
        author_id=noted.note.author_id,
        narrative=noted.note.narrative,
        changes=[StatusChangeRead.model_validate(c) for c in noted.changes],
    )


@router.post("/treatment-plans/{plan_id}/reviews", response_model=ReviewRead, status_code=201)
def review(plan_id: uuid.UUID, body: ReviewInput, session: DbSession, actor: Writer) -> ReviewRead:
    done: PlanReview = service.record_review(session, actor=actor, plan_id=plan_id, data=body)
    return ReviewRead.model_validate(done)


@router.get("/clients/{client_id}/goals", response_model=list[ClientGoalRead])
def goals(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.GOALS_READ)],
) -> list[ClientGoalRead]:
    """The goals of the plan in effect; a client reads only their own."""
    return [
        ClientGoalRead(
            client_words=g.client_words,
            objectives=[
                ClientObjectiveRead(
                    statement=o.statement, target_date=o.target_date, status=o.status
                )
                for o in g.objectives
            ],
        )
        for g in service.goals_for_client(session, actor=actor, client_id=client_id)
    ]


@router.get("/clients/{client_id}/objectives-summary", response_model=ObjectivesSummaryRead)
def objectives_summary(
    client_id: uuid.UUID,
    start: Day,
    end: Day,
    session: DbSession,
    actor: Annotated[Actor, allow(access.GOALS_READ)],
) -> ObjectivesSummaryRead:
    """Objectives met in [start, end], and those in progress on ``end``."""
    found = service.objectives_summary(
        session, actor=actor, client_id=client_id, start=start, end=end
    )

    def shown(o: service.ClientObjective) -> ClientObjectiveRead:
        return ClientObjectiveRead(
            statement=o.statement, target_date=o.target_date, status=o.status
        )

    return ObjectivesSummaryRead(
        start=found.start,
        end=found.end,
        met=[shown(o) for o in found.met],
        in_progress=[shown(o) for o in found.in_progress],
    )
