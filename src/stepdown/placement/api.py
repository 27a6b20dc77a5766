"""JSON routes for assessments, recommendations, placement decisions and the report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, status

from stepdown.clients import service as clients_service
from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.placement import access, rule_store, service
from stepdown.placement.models import DimensionalAssessment
from stepdown.placement.schemas import (
    AssessmentInput,
    AssessmentRead,
    DecisionInput,
    DecisionRead,
    LeftOutRead,
    ReportRead,
    ReportRow,
    RuleTableInput,
    RuleTableRead,
)
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["placement"])


def _read(session: DbSession, actor: Actor, assessment: DimensionalAssessment) -> AssessmentRead:
    read = AssessmentRead.model_validate(assessment)
    read.recommendation = service.recommendation_for(session, actor=actor, assessment=assessment)
    return read


@router.get("/clients/{client_id}/assessments", response_model=list[AssessmentRead])
def list_assessments(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[AssessmentRead]:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return [
        AssessmentRead.model_validate(a)
        for a in service.list_assessments(session, actor=actor, client=client)
    ]


@router.post(
    "/clients/{client_id}/assessments",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
def start_assessment(
    client_id: uuid.UUID,
    body: AssessmentInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> AssessmentRead:
    assessment = service.start_assessment(session, actor=actor, client_id=client_id, data=body)
    return _read(session, actor, assessment)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def read_assessment(
    assessment_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> AssessmentRead:
    assessment = service.get_assessment(session, actor=actor, assessment_id=assessment_id)
    return _read(session, actor, assessment)


@router.put("/assessments/{assessment_id}", response_model=AssessmentRead)
def update_assessment(
    assessment_id: uuid.UUID,
    body: AssessmentInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> AssessmentRead:
    assessment = service.update_draft(session, actor=actor, assessment_id=assessment_id, data=body)
    return _read(session, actor, assessment)


@router.post("/assessments/{assessment_id}/sign", response_model=AssessmentRead)
def sign_assessment(
    assessment_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.ASSESS)]
) -> AssessmentRead:
    return _read(session, actor, service.sign(session, actor=actor, assessment_id=assessment_id))


@router.post(
    "/assessments/{assessment_id}/addendum",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
def write_addendum(
    assessment_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.ASSESS)]
) -> AssessmentRead:
    return _read(
        session, actor, service.addendum(session, actor=actor, assessment_id=assessment_id)
    )


@router.post(
    "/assessments/{assessment_id}/decision",
    response_model=DecisionRead,
    status_code=status.HTTP_201_CREATED,
)
def decide(
    assessment_id: uuid.UUID,
    body: DecisionInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.PLACE)],
) -> Any:
    return service.decide(session, actor=actor, assessment_id=assessment_id, data=body)


@router.get("/placement/report", response_model=ReportRead)
def report(
    date_from: Day,
    date_to: Day,
    session: DbSession,
    actor: Annotated[Actor, allow(access.REPORT)],
) -> ReportRead:
    result = service.report(session, actor=actor, date_from=date_from, date_to=date_to)
    return ReportRead(
        date_from=result.date_from,
        date_to=result.date_to,
        decisions=len(result.rows),
        agreed=result.agreed,
        by_reason=result.by_reason,
        rows=[
            ReportRow(
                decided_at=d.decided_at,
                record_number=c.record_number,
                recommended=f"{d.recommended_level} {d.recommended_track}",
                placed=f"{d.placed_level} {d.placed_track}",
                discrepancy=d.discrepancy,
                discrepancy_text=d.discrepancy_text,
                left_out=[
                    LeftOutRead(
                        instrument=e.instrument, administered_at=e.administered_at, reason=e.reason
                    )
                    for e in result.exclusions.get(d.assessment_id, [])
                ],
            )
            for d, c in result.rows
        ],
    )


def _table_read(session: DbSession, table: rule_store.ActiveTable) -> RuleTableRead:
    return RuleTableRead(
        version=table.version,
        created_by=rule_store.published_by(session, table.stored),
        created_at=table.created_at,
        note=table.note,
        rows=[rule_store.row_of(rule) for rule in table.rules],
    )


@router.get("/placement/rules", response_model=RuleTableRead)
def read_rules(session: DbSession, _: Annotated[Actor, allow(access.RULES_READ)]) -> RuleTableRead:
    return _table_read(session, rule_store.active(session))


@router.post("/placement/rules", response_model=RuleTableRead, status_code=status.HTTP_201_CREATED)
def publish_rules(
    body: RuleTableInput, session: DbSession, actor: Annotated[Actor, allow(access.RULES_WRITE)]
) -> RuleTableRead:
    rule_store.publish(session, actor=actor, rows=body.rows, note=body.note)
    return _table_read(session, rule_store.active(session))
