"""JSON route for a client's accountability summary over a date range."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.accountability import access, rules, service
from stepdown.accountability.schemas import AccountabilityRead
from stepdown.kit.clock import today
from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["accountability"])


@router.get("/clients/{client_id}/accountability", response_model=AccountabilityRead)
def summary(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
    start: Day | None = None,
    end: Day | None = None,
) -> AccountabilityRead:
    """Both dates included; without them, the last 30 days. An end before the start, or
    after today, is 422 naming ``end``."""
    start, end = rules.resolve_range(start, end, today=today())
    found = service.gather(session, actor=actor, client_id=client_id, start=start, end=end)
    return AccountabilityRead.model_validate(found)
