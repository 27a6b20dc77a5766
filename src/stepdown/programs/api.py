"""JSON routes for the program set-up: staff profiles, candidate sessions, client profiles."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.kit.errors import NotFound
from stepdown.kit.web import DbSession
from stepdown.programs import access, service
from stepdown.programs.schemas import (
    ClientProfileRead,
    ClientProfileWrite,
    GroupSessionRead,
    StaffProfileRead,
)
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/programs", tags=["programs"])


@router.get("/staff-profiles", response_model=list[StaffProfileRead])
def staff_profiles(
    session: DbSession, _: Annotated[Actor, allow(access.SETUP_READ)]
) -> list[StaffProfileRead]:
    return [StaffProfileRead.model_validate(p) for p, _ in service.staff_profiles(session)]


@router.get("/sessions", response_model=list[GroupSessionRead])
def group_sessions(
    session: DbSession, _: Annotated[Actor, allow(access.SETUP_READ)]
) -> list[GroupSessionRead]:
    return [GroupSessionRead.model_validate(g) for g in service.group_sessions(session)]


@router.get("/clients/{client_id}/schedule-profile", response_model=ClientProfileRead)
def client_profile(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> ClientProfileRead:
    _, profile = service.client_profile(session, actor=actor, client_id=client_id)
    if profile is None:
        raise NotFound("this client has no schedule profile yet")
    return ClientProfileRead.model_validate(profile)


@router.put("/clients/{client_id}/schedule-profile", response_model=ClientProfileRead)
def save_client_profile(
    client_id: uuid.UUID,
    body: ClientProfileWrite,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> ClientProfileRead:
    person, _ = service.client_profile(session, actor=actor, client_id=client_id)
    profile = service.save_client_profile(
        session,
        actor=actor,
        client=person,
        availability=[w.model_dump() for w in body.availability],
        therapist_id=body.primary_therapist_id,
        individual_sessions=body.individual_sessions,
        family_sessions=body.family_sessions,
    )
    return ClientProfileRead.model_validate(profile)
