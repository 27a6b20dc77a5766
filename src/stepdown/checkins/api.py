"""JSON routes for check-ins: a client's own, or staff for clients they may see."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from stepdown.checkins import access, rules, service
from stepdown.checkins.schemas import (
    AveragePointRead,
    CheckInCreate,
    CheckInRead,
    DayPointRead,
    SubmittedRead,
    TrendRead,
)
from stepdown.kit import clock
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["check-ins"])


@router.get("/clients/{client_id}/check-ins", response_model=list[CheckInRead])
def list_checkins(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.API_READ)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CheckInRead]:
    """Newest first."""
    rows = service.history(session, actor=actor, client_id=client_id, limit=limit)
    return [CheckInRead.model_validate(c) for c in rows]


@router.post("/clients/{client_id}/check-ins", response_model=SubmittedRead, status_code=201)
def submit(
    client_id: uuid.UUID,
    body: CheckInCreate,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.API_SUBMIT)],
) -> SubmittedRead:
    """Thoughts of self-harm (``self_harm_thoughts: true``) raise an urgent safety alert for
    the primary clinician, and use or a craving of 8 or more an urgent alert. Leaving
    ``self_harm_thoughts`` out stores "not answered" (null), never "no"."""
    submitted = service.submit(
        session,
        actor=actor,
        client_id=client_id,
        draft=rules.Draft(**body.model_dump()),
        zone=clock.program_zone(),
    )
    return SubmittedRead(
        checkin=CheckInRead.model_validate(submitted.checkin),
        alert_ids=[a.id for a in submitted.alerts],
    )


@router.get("/clients/{client_id}/check-ins/trend", response_model=TrendRead)
def trend(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.API_READ)],
    days: Annotated[int, Query(ge=1, le=3660, description="How many days back")] = 30,
) -> TrendRead:
    """Each day's worst craving and lowest mood, and their 7-day averages."""
    result = service.trend(session, actor=actor, client_id=client_id, days=days)
    return TrendRead(
        start=result.start,
        end=result.end,
        days=[DayPointRead.model_validate(d) for d in result.days],
        averages=[AveragePointRead.model_validate(a) for a in result.averages],
    )
