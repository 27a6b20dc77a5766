"""The chart's Medications tab: current and past prescriptions, add one, stop one.

A refused form re-renders the chart tab with the field's error and the values entered,
status 4xx, through the chart page's own renderer.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.drug_testing.models import Analyte
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.medications import access, service
from stepdown.medications.schemas import MedicationCreate
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "medications"
tabs.register(
    TAB,
    "Medications",
    access.READ,
    template="medications/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=65,
)


def parse_date(value: str, field: str) -> date:
    return bounds.require_day(value, field=field)


def _choice(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _create(form: dict[str, str], analytes: list[str]) -> MedicationCreate:
    try:
        chosen = [Analyte(a) for a in analytes] or None
    except ValueError:
        raise Invalid("choose analytes from the list", field="analytes") from None
    ends_on = parse_date(form["ends_on"], "ends_on") if form["ends_on"].strip() else None
    try:
        return MedicationCreate(
            name=form["name"],
            analytes=chosen,
            is_mat=_choice(form["is_mat"]),
            prescriber=form["prescriber"],
            starts_on=parse_date(form["starts_on"], "starts_on"),
            ends_on=ends_on,
        )
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0])
        raise Invalid("too long", field=where) from None


def _back(request: Request, client_id: uuid.UUID, message: str) -> Response:
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/clients/{client_id}/medications", response_class=HTMLResponse)
async def add_medication(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    data = await request.form()
    form = {k: str(data.get(k, "")) for k in ("name", "prescriber", "starts_on", "ends_on")}
    form["is_mat"] = str(data.get("is_mat", ""))
    analytes = [str(v) for v in data.getlist("analytes")]
    nested = session.begin_nested()
    try:
        medication = service.add_medication(
            session, actor=actor, client_id=client_id, data=_create(form, analytes)
        )
    except StepdownError as exc:
        nested.rollback()
        form["action"] = "add_medication"
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    return _back(request, client_id, f"Added {medication.name}.")


@router.post("/medications/{medication_id}/stop", response_class=HTMLResponse)
def stop_medication(
    medication_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
    client_id: Annotated[uuid.UUID, Form()],
    ends_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    nested = session.begin_nested()
    try:
        medication = service.stop_medication(
            session,
            actor=actor,
            medication_id=medication_id,
            ends_on=parse_date(ends_on, "ends_on"),
            reason=reason,
        )
    except StepdownError as exc:
        nested.rollback()
        form = {"action": "stop", "medication_id": str(medication_id), "ends_on": ends_on}
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    return _back(request, medication.client_id, f"Stopped {medication.name} after {ends_on}.")
