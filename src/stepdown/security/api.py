"""JSON routes for identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from stepdown.kit.web import DbSession
from stepdown.security import access, service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.schemas import Me, UserRead

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.get("/me", response_model=Me)
def whoami(actor: Annotated[Actor, allow(access.SIGNED_IN)]) -> Me:
    return Me(
        user_id=actor.user_id, username=actor.username, role=actor.role, site_id=actor.site_id
    )


@router.get("/users", response_model=list[UserRead])
def list_users(
    session: DbSession, actor: Annotated[Actor, allow(access.USERS_READ)]
) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in service.list_users(session, actor=actor)]
