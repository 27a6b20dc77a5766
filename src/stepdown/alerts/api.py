"""JSON routes for alerts: the open alerts to act on, and acknowledging one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.alerts import access, service
from stepdown.alerts.schemas import AcknowledgeRequest, AlertRead
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.get("/alerts", response_model=list[AlertRead])
def open_alerts(session: DbSession, actor: Annotated[Actor, allow(access.LIST)]) -> list[AlertRead]:
    """A clinician's caseload, or for a director the whole program; urgent first."""
    rows = service.open_alerts_for_home(session, actor=actor)
    return [AlertRead.model_validate(row.alert) for row in rows]


@router.get("/clients/{client_id}/alerts", response_model=list[AlertRead])
def client_alerts(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[AlertRead]:
    alerts = service.open_alerts_for_client(session, actor=actor, client_id=client_id)
    return [AlertRead.model_validate(a) for a in alerts]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(
    alert_id: uuid.UUID,
    body: AcknowledgeRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ACKNOWLEDGE)],
) -> AlertRead:
    alert = service.acknowledge(session, actor=actor, alert_id=alert_id, note=body.note)
    return AlertRead.model_validate(alert)
