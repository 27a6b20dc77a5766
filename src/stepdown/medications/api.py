"""JSON routes for a client's medications."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.kit.web import DbSession
from stepdown.medications import access, service
from stepdown.medications.schemas import MedicationCreate, MedicationRead, MedicationStop
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["medications"])


@router.get("/clients/{client_id}/medications", response_model=list[MedicationRead])
def list_medications(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[MedicationRead]:
    medications = service.client_medications(session, actor=actor, client_id=client_id)
    return [MedicationRead.model_validate(m) for m in medications]


@router.post("/clients/{client_id}/medications", response_model=MedicationRead, status_code=201)
def add_medication(
    client_id: uuid.UUID,
    body: MedicationCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> MedicationRead:
    medication = service.add_medication(session, actor=actor, client_id=client_id, data=body)
    return MedicationRead.model_validate(medication)


@router.post("/medications/{medication_id}/stop", response_model=MedicationRead)
def stop_medication(
    medication_id: uuid.UUID,
    body: MedicationStop,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> MedicationRead:
    medication = service.stop_medication(
        session, actor=actor, medication_id=medication_id, ends_on=body.ends_on, reason=body.reason
    )
    return MedicationRead.model_validate(medication)
