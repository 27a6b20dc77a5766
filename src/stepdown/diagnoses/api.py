"""JSON routes for diagnoses: a client's list, an episode's current diagnoses on a day, adding,
resolving or ruling out, changing the principal one, marking one entered in error, and
looking codes up in the code set."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from stepdown.diagnoses import access, rules, service
from stepdown.diagnoses.models import Diagnosis
from stepdown.diagnoses.schemas import (
    QUERY_MAX,
    SEARCH_LIMIT_MAX,
    CodeRead,
    DiagnosisCreate,
    DiagnosisEnd,
    DiagnosisRead,
    EnteredInError,
    PrincipalChange,
)
from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["diagnoses"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]


def _read(view: service.DiagnosisView) -> DiagnosisRead:
    return DiagnosisRead(
        id=view.id,
        client_id=view.client_id,
        episode_id=view.episode_id,
        code=view.code,
        description=view.description,
        code_set=view.code_set,
        rank=view.rank,
        severity=view.severity,
        remission=view.remission,
        controlled_environment=view.controlled_environment,
        maintenance_therapy=view.maintenance_therapy,
        specifiers=view.specifiers,
        diagnosed_on=view.diagnosed_on,
        diagnosed_by_id=view.diagnosed_by_id,
        diagnosed_by=view.diagnosed_by,
        status=view.status,
        ended_on=view.ended_on,
        error_reason=view.error_reason,
        recorded_at=view.recorded_at,
    )


def _changed(session: DbSession, actor: Actor, diagnosis: Diagnosis) -> DiagnosisRead:
    return _read(service.get_diagnosis(session, actor=actor, diagnosis_id=diagnosis.id))


@router.get("/clients/{client_id}/diagnoses", response_model=list[DiagnosisRead])
def list_diagnoses(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[DiagnosisRead]:
    """Every diagnosis of every episode of the client, newest first, any status; ``rank``
    is as of today."""
    return [_read(v) for v in service.list_for_client(session, actor=actor, client_id=client_id)]


@router.get("/episodes/{episode_id}/diagnoses", response_model=list[DiagnosisRead])
def current_diagnoses(
    episode_id: uuid.UUID,
    session: DbSession,
    actor: Reader,
    on: Annotated[Day | None, Query(description="Default: today")] = None,
) -> list[DiagnosisRead]:
    """The episode's diagnoses that stood on a day, the principal one first."""
    views = service.current_diagnoses(session, actor=actor, episode_id=episode_id, on=on)
    return [_read(v) for v in views]


@router.post("/clients/{client_id}/diagnoses", response_model=DiagnosisRead, status_code=201)
def add_diagnosis(
    client_id: uuid.UUID, body: DiagnosisCreate, session: DbSession, actor: Writer
) -> DiagnosisRead:
    diagnosis = service.add_diagnosis(
        session,
        actor=actor,
        client_id=client_id,
        code=body.code,
        principal=body.principal,
        specifiers=rules.Specifiers(
            body.severity, body.remission, body.controlled_environment, body.maintenance_therapy
        ),
        diagnosed_on=body.diagnosed_on,
        diagnosed_by_id=body.diagnosed_by_id,
        episode_id=body.episode_id,
    )
    return _changed(session, actor, diagnosis)


@router.post("/diagnoses/{diagnosis_id}/end", response_model=DiagnosisRead)
def end_diagnosis(
    diagnosis_id: uuid.UUID, body: DiagnosisEnd, session: DbSession, actor: Writer
) -> DiagnosisRead:
    """Resolved or ruled out on a day (default today)."""
    diagnosis = service.end_diagnosis(
        session, actor=actor, diagnosis_id=diagnosis_id, status=body.status, on=body.on
    )
    return _changed(session, actor, diagnosis)


@router.post("/diagnoses/{diagnosis_id}/principal", response_model=DiagnosisRead)
def make_principal(
    diagnosis_id: uuid.UUID, body: PrincipalChange, session: DbSession, actor: Writer
) -> DiagnosisRead:
    """The principal diagnosis from a day (default today); the one before becomes secondary."""
    diagnosis = service.make_principal(session, actor=actor, diagnosis_id=diagnosis_id, on=body.on)
    return _changed(session, actor, diagnosis)


@router.post("/diagnoses/{diagnosis_id}/entered-in-error", response_model=DiagnosisRead)
def entered_in_error(
    diagnosis_id: uuid.UUID, body: EnteredInError, session: DbSession, actor: Writer
) -> DiagnosisRead:
    diagnosis = service.mark_entered_in_error(
        session, actor=actor, diagnosis_id=diagnosis_id, reason=body.reason
    )
    return _changed(session, actor, diagnosis)


@router.get("/diagnosis-codes", response_model=list[CodeRead])
def search_codes(
    actor: Annotated[Actor, allow(access.CODES)],
    q: Annotated[str, Query(min_length=1, max_length=QUERY_MAX)],
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = service.SEARCH_LIMIT,
) -> list[CodeRead]:
    """Billable ICD-10-CM codes whose code starts with ``q`` (dot optional) or whose
    description has every word of it. The code set is public: nothing is audited."""
    return [
        CodeRead(code=c.code, description=c.description)
        for c in service.search_codes(q, limit=limit)
    ]


@router.get("/diagnosis-codes/{code}", response_model=CodeRead)
def get_code(
    code: Annotated[str, Path(max_length=QUERY_MAX)], actor: Annotated[Actor, allow(access.CODES)]
) -> CodeRead:
    """One billable code and its description (422 naming ``code`` when it is none)."""
    info = service.lookup_code(code)
    return CodeRead(code=info.code, description=info.description)
