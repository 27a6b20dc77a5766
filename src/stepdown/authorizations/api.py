"""JSON routes for authorizations; the service checks the episode's client and audits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.authorizations import access, service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.schemas import AuthorizationRead, AuthorizationRequest, Decision
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["authorizations"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]


def authorization_read(view: service.AuthorizationView) -> AuthorizationRead:
    a: Authorization = view.authorization
    return AuthorizationRead(
        id=a.id,
        episode_id=a.episode_id,
        client_id=a.client_id,
        coverage_id=a.coverage_id,
        level_code=a.level_code,
        unit_type=a.unit_type,
        codes=list(a.codes),
        requested_units=a.requested_units,
        approved_units=a.approved_units,
        per_week_cap=a.per_week_cap,
        starts_on=a.starts_on,
        ends_on=a.ends_on,
        status=a.status,
        auth_number=a.auth_number,
        next_review_on=a.next_review_on,
        appeal_deadline=a.appeal_deadline,
        reviewer_name=a.reviewer_name,
        reviewer_contact=a.reviewer_contact,
        used_units=view.balance.used,
        planned_units=view.balance.planned,
        remaining_units=view.balance.remaining,
        overrun_units=view.balance.overrun,
    )


@router.get("/episodes/{episode_id}/authorizations", response_model=list[AuthorizationRead])
def episode_authorizations(
    episode_id: uuid.UUID, session: DbSession, actor: Reader
) -> list[AuthorizationRead]:
    """The episode's authorizations, newest first, with units used (attendance), planned
    (the calendar) and remaining."""
    views = service.for_episode(session, actor=actor, episode_id=episode_id)
    return [authorization_read(v) for v in views]


@router.post(
    "/episodes/{episode_id}/authorizations", response_model=AuthorizationRead, status_code=201
)
def request_authorization(
    episode_id: uuid.UUID, body: AuthorizationRequest, session: DbSession, actor: Writer
) -> AuthorizationRead:
    found = service.request_authorization(session, actor=actor, episode_id=episode_id, data=body)
    return authorization_read(service.view_of(session, found))


@router.post("/authorizations/{authorization_id}/decisions", response_model=AuthorizationRead)
def record_decision(
    authorization_id: uuid.UUID, body: Decision, session: DbSession, actor: Writer
) -> AuthorizationRead:
    found = service.record_decision(
        session, actor=actor, authorization_id=authorization_id, data=body
    )
    return authorization_read(service.view_of(session, found))
