"""JSON routes for the weekly calendar: a site's, a staff member's and a client's week."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.calendar import access, rules, service
from stepdown.calendar.schemas import ClientWeekRead, WeekRead
from stepdown.kit.clock import today
from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


@router.get("/site/{site_id}", response_model=WeekRead)
def site_week(
    site_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: Day | None = None,
) -> WeekRead:
    week_of = rules.week_start(week or today())
    found = service.site_week(session, actor=actor, site_id=site_id, week_of=week_of)
    return WeekRead.model_validate(found)


@router.get("/staff/{user_id}", response_model=WeekRead)
def staff_week(
    user_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CALENDAR_READ)],
    week: Day | None = None,
) -> WeekRead:
    week_of = rules.week_start(week or today())
    found = service.staff_week(session, actor=actor, user_id=user_id, week_of=week_of)
    return WeekRead.model_validate(found)


@router.get("/client/{client_id}", response_model=ClientWeekRead)
def client_week(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_WEEK)],
    week: Day | None = None,
) -> ClientWeekRead:
    week_of = rules.week_start(week or today())
    found = service.client_week(session, actor=actor, client_id=client_id, week_of=week_of)
    return ClientWeekRead.model_validate(found)
