"""JSON routes for drug testing: random draws; a client's orders, specimens, results and
summary; ordering tests, recording collections, refusals, missed collections and results;
standing schedules; and a site's tests of the day."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.drug_testing import access, service
from stepdown.drug_testing.models import RandomTestDraw, TestCollection
from stepdown.drug_testing.schemas import (
    CollectionCreate,
    CollectionRead,
    DrawRead,
    OrderCreate,
    OrderRead,
    OutcomeCreate,
    ResultRead,
    ResultsCreate,
    ScheduleRead,
    ScheduleSet,
    SummaryRead,
    TodayRead,
)
from stepdown.kit.clock import today
from stepdown.kit.schemas import Day, Line
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
    site: Line = "",
    day: Day | None = None,
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


@router.post("/orders", response_model=OrderRead, status_code=201)
def order_test(
    body: OrderCreate, session: DbSession, actor: Annotated[Actor, allow(access.ORDER)]
) -> OrderRead:
    order = service.order_test(
        session,
        actor=actor,
        client_id=body.client_id,
        reason=body.reason,
        on=body.on,
        note=body.note,
    )
    return OrderRead.model_validate(order)


@router.post("/orders/{order_id}/collection", response_model=CollectionRead, status_code=201)
def record_collection(
    order_id: uuid.UUID,
    body: CollectionCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
) -> CollectionRead:
    collection = service.record_collection(
        session,
        actor=actor,
        order_id=order_id,
        specimen_type=body.specimen_type,
        observed=body.observed,
        collected_at=body.collected_at,
        chain_of_custody_id=body.chain_of_custody_id,
        collector_id=body.collector_id,
    )
    return CollectionRead.model_validate({**_collection_fields(collection), "results": []})


@router.post("/orders/{order_id}/outcome", response_model=OrderRead)
def mark_outcome(
    order_id: uuid.UUID,
    body: OutcomeCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
) -> OrderRead:
    order = service.mark_outcome(
        session, actor=actor, order_id=order_id, status=body.status, note=body.note
    )
    return OrderRead.model_validate(order)


@router.post(
    "/collections/{collection_id}/results", response_model=list[ResultRead], status_code=201
)
def record_results(
    collection_id: uuid.UUID,
    body: ResultsCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
) -> list[ResultRead]:
    results = service.record_results(
        session, actor=actor, collection_id=collection_id, entries=body.results
    )
    return [ResultRead.model_validate(r) for r in results]


def _collection_fields(collection: TestCollection) -> dict[str, object]:
    fields = CollectionRead.model_fields.keys() - {"results"}
    return {name: getattr(collection, name) for name in fields}


@router.get("/collections", response_model=list[CollectionRead])
def list_collections(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ORDERS_READ)],
) -> list[CollectionRead]:
    rows = service.client_collections(session, actor=actor, client_id=client_id)
    return [
        CollectionRead.model_validate(
            {**_collection_fields(c), "results": [ResultRead.model_validate(r) for r in results]}
        )
        for c, results in rows
    ]


@router.get("/summary", response_model=SummaryRead)
def summary(
    client_id: uuid.UUID,
    start: Day,
    end: Day,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ORDERS_READ)],
) -> SummaryRead:
    found = service.results_summary(session, actor=actor, client_id=client_id, start=start, end=end)
    return SummaryRead(client_id=client_id, start=start, end=end, **vars(found))


@router.post("/standing", response_model=ScheduleRead | None)
def set_standing_schedule(
    body: ScheduleSet, session: DbSession, actor: Annotated[Actor, allow(access.ORDER)]
) -> ScheduleRead | None:
    schedule = service.set_standing_schedule(
        session,
        actor=actor,
        client_id=body.client_id,
        weekday=body.weekday,
        starts_on=body.starts_on,
    )
    return None if schedule is None else ScheduleRead.model_validate(schedule)


@router.get("/today", response_model=list[TodayRead])
def today_list(
    site: Line,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TODAY)],
    day: Day | None = None,
) -> list[TodayRead]:
    found = programs_service.require_site(session, site)
    rows = service.todays_tests(session, actor=actor, site_id=found.id, day=day or today())
    return [
        TodayRead(
            order=OrderRead.model_validate(r.order),
            record_number=r.client.record_number,
            display_name=r.client.display_name,
            collected_at=r.collection.collected_at if r.collection else None,
        )
        for r in rows
    ]
