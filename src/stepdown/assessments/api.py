"""JSON routes for instruments: the catalog, recording a result, history, trend, corrections."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from stepdown.assessments import access, service
from stepdown.assessments.rules import InstrumentSpec
from stepdown.assessments.schemas import (
    BandRead,
    ChoiceRead,
    EnteredInErrorRequest,
    InstrumentRead,
    ItemRead,
    RaisedAlert,
    ResponseCreate,
    ResponseCreated,
    ResponseRead,
    TrendPointRead,
)
from stepdown.clients import service as clients_service
from stepdown.kit.schemas import Line
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["assessments"])


def _instrument_read(spec: InstrumentSpec) -> InstrumentRead:
    women = spec.bands_for_women
    return InstrumentRead(
        code=spec.code,
        name=spec.name,
        source=spec.source,
        items=[
            ItemRead(
                number=item.number,
                label=item.label,
                allowed=list(item.allowed),
                choices=[
                    ChoiceRead(value=c.value, label=c.label) for c in service.choices(spec, item)
                ],
            )
            for item in spec.items
        ],
        has_total=spec.has_total,
        total_range=spec.total_range if spec.has_total else None,
        bands=[BandRead(label=b.label, low=b.low, high=b.high) for b in spec.bands],
        bands_for_women=[BandRead(label=b.label, low=b.low, high=b.high) for b in women]
        if women is not None
        else None,
        subscales={name: list(numbers) for name, numbers in spec.subscales.items()},
        loinc_panel=spec.loinc_panel,
        loinc_total=spec.loinc_total,
    )


@router.get("/instruments", response_model=list[InstrumentRead])
def list_instruments(_: Annotated[Actor, allow(access.CATALOG)]) -> list[InstrumentRead]:
    """Every instrument with its items, allowed answers and their wording, and its bands."""
    return [_instrument_read(spec) for spec in service.catalog()]


@router.post(
    "/clients/{client_id}/instruments/{code}",
    response_model=ResponseCreated,
    status_code=status.HTTP_201_CREATED,
)
def record_response(
    client_id: uuid.UUID,
    code: Line,
    body: ResponseCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ADMINISTER)],
) -> ResponseCreated:
    """Score and store one administration; a 422 names the item (``item_9``) to fix."""
    recorded = service.record_response(
        session,
        actor=actor,
        client_id=client_id,
        code=code,
        answers=body.answers,
        sex=body.sex,
        administered_at=body.administered_at,
    )
    created = ResponseCreated.model_validate(recorded.response)
    created.alerts = [RaisedAlert.model_validate(a) for a in recorded.alerts]
    return created


@router.get("/clients/{client_id}/instruments", response_model=list[ResponseRead])
def history(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
    code: Line | None = None,
) -> list[ResponseRead]:
    """A client's results, newest first, including those entered in error."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    responses = service.list_responses(session, actor=actor, client=client, code=code)
    return [ResponseRead.model_validate(r) for r in responses]


@router.get("/clients/{client_id}/instruments/{code}/trend", response_model=list[TrendPointRead])
def trend(
    client_id: uuid.UUID,
    code: Line,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
) -> list[TrendPointRead]:
    """One instrument over time, oldest first, without results entered in error."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    points = service.trend(session, actor=actor, client=client, code=code)
    return [TrendPointRead.model_validate(p) for p in points]


@router.post("/instrument-responses/{response_id}/entered-in-error", response_model=ResponseRead)
def mark_entered_in_error(
    response_id: uuid.UUID,
    body: EnteredInErrorRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CORRECT)],
) -> ResponseRead:
    response = service.mark_entered_in_error(
        session, actor=actor, response_id=response_id, reason=body.reason
    )
    return ResponseRead.model_validate(response)
