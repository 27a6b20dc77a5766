"""JSON routes: the safety gate, recording a safety assessment, the current safety plan."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.orm import Session

from stepdown.clients import service as clients_service
from stepdown.kit.errors import NotFound
from stepdown.kit.web import DbSession
from stepdown.safety import access, rules, service
from stepdown.safety.models import SafetyPlan
from stepdown.safety.schemas import (
    SafetyAssessmentInput,
    SafetyAssessmentRead,
    SafetyPlanRead,
    SafetyReasonRead,
    SafetyStatusRead,
)
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["safety"])


def status_read(status: rules.SafetyStatus) -> SafetyStatusRead:
    return SafetyStatusRead(
        state=status.state,
        live=status.live,
        headline=status.headline,
        reasons=[
            SafetyReasonRead(rule_id=r.rule_id, sentence=r.sentence, on=r.on)
            for r in status.reasons
        ],
        open_alert_ids=list(status.open_alert_ids),
    )


def plan_read(plan: SafetyPlan) -> SafetyPlanRead:
    fields = {
        name: getattr(plan, name) for name in SafetyPlanRead.model_fields if name != "crisis_line"
    }
    return SafetyPlanRead.model_validate({**fields, "crisis_line": rules.CRISIS_LINE})


@router.get("/clients/{client_id}/safety", response_model=SafetyStatusRead)
def safety_status(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> SafetyStatusRead:
    """Whether suicide risk is live for the client now, and why (the gate both engines use)."""
    return status_read(service.status_for(session, actor=actor, client_id=client_id))


@router.post(
    "/clients/{client_id}/safety-assessments",
    response_model=SafetyAssessmentRead,
    status_code=201,
)
def record_assessment(
    client_id: uuid.UUID,
    body: SafetyAssessmentInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> SafetyAssessmentRead:
    """Document a safety assessment (with the safety plan unless the client is sent out);
    acknowledges the open safety alerts it answers."""
    recorded = service.record_assessment(session, actor=actor, client_id=client_id, data=body)
    return SafetyAssessmentRead.model_validate(recorded)


def _plan_of(session: Session, actor: Actor, client_id: uuid.UUID) -> SafetyPlanRead:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    plan = service.current_plan(session, actor=actor, client=client)
    if plan is None:
        raise NotFound("this client has no safety plan yet")
    return plan_read(plan)


@router.get("/clients/{client_id}/safety-plan", response_model=SafetyPlanRead)
def safety_plan(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> SafetyPlanRead:
    return _plan_of(session, actor, client_id)
