"""JSON routes for drug testing: read the random draws and a client's test orders."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter

from stepdown.drug_testing import access, service
from stepdown.drug_testing.models import RandomTestDraw
from stepdown.drug_testing.schemas import DrawRead, OrderRead
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/testing", tags=["drug testing"])


def _draw_read(draw: RandomTestDraw) -> DrawRead:
    return DrawRead(
        id=draw.id,
        site_id=draw.site_id,
        day=draw.day,
        rate_per_week=draw.rate_per_week,
        program_days=draw.program_days,
        commitment=draw.commitment,
        committed_at=draw.committed_at,
        seed=draw.seed,
        revealed_at=draw.revealed_at,
        probability=draw.probability,
        eligible_count=None if draw.eligible is None else len(draw.eligible),
        selected_count=None if draw.selected is None else len(draw.selected),
        draw_hash=draw.draw_hash,
    )


@router.get("/draws", response_model=list[DrawRead])
def list_draws(
    session: DbSession,
    _: Annotated[Actor, allow(access.DRAWS_READ)],
    site: str = "",
    day: date | None = None,
) -> list[DrawRead]:
    site_id = programs_service.require_site(session, site).id if site.strip() else None
    return [_draw_read(d) for d in service.list_draws(session, site_id=site_id, day=day)]


@router.get("/orders", response_model=list[OrderRead])
def list_orders(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ORDERS_READ)],
) -> list[OrderRead]:
    orders = service.client_orders(session, actor=actor, client_id=client_id)
    return [OrderRead.model_validate(o) for o in orders]
