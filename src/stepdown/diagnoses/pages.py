"""The chart's Diagnoses tab and its forms: add a diagnosis, resolve or rule one out, make one
principal, and mark one entered in error (on a confirmation page, with the reason).

A refused form re-renders the chart tab (or the confirmation page) with the field's error
and the values entered, status 4xx, and nothing written; a change goes back to the tab
saying what was done.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.diagnoses import access, rules, service
from stepdown.diagnoses.models import DiagnosisStatus, Remission, Severity
from stepdown.kit import bounds
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "diagnoses"
tabs.register(
    TAB,
    "Diagnoses",
    access.READ,
    template="diagnoses/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=58,
)

Writer = Annotated[Actor, allow(access.WRITE)]
Form = dict[str, str]
ADD_FIELDS = (
    "code",
    "principal",
    "severity",
    "remission",
    "controlled_environment",
    "maintenance_therapy",
    "diagnosed_on",
    "diagnosed_by_id",
)


async def _form(request: Request) -> Form:
    data = await request.form()
    return {k: v.strip() for k, v in data.items() if isinstance(v, str)}


def _day(form: Form, name: str) -> date | None:
    return bounds.parse_day(form.get(name, ""), field=name)


def _severity(value: str) -> Severity | None:
    try:
        return Severity(value) if value else None
    except ValueError:
        raise Invalid("choose mild, moderate or severe", field="severity") from None


def _remission(value: str) -> Remission | None:
    try:
        return Remission(value) if value else None
    except ValueError:
        raise Invalid("choose early or sustained remission, or none", field="remission") from None


def _user(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field="diagnosed_by_id") from None


def _ending(value: str) -> DiagnosisStatus:
    try:
        status = DiagnosisStatus(value)
    except ValueError:
        status = DiagnosisStatus.ACTIVE
    if status not in service.ENDINGS:
        raise Invalid("choose resolved or ruled out", field="status")
    return status


def _back(request: Request, client_id: uuid.UUID, message: str) -> Response:
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/clients/{client_id}/diagnoses", response_class=HTMLResponse)
async def add_diagnosis(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    kept = {k: form.get(k, "") for k in ADD_FIELDS}
    nested = session.begin_nested()
    try:
        diagnosis = service.add_diagnosis(
            session,
            actor=actor,
            client_id=client_id,
            code=bounds.parse_text(kept["code"], field="code", max_length=bounds.LINE_MAX),
            principal=kept["principal"] == "yes",
            specifiers=rules.Specifiers(
                _severity(kept["severity"]),
                _remission(kept["remission"]),
                kept["controlled_environment"] == "yes",
                kept["maintenance_therapy"] == "yes",
            ),
            diagnosed_on=_day(kept, "diagnosed_on"),
            diagnosed_by_id=_user(kept["diagnosed_by_id"]),
        )
    except StepdownError as exc:
        nested.rollback()
        kept["action"] = "add_diagnosis"
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=kept)
    nested.commit()
    rank = "principal" if kept["principal"] == "yes" else "secondary"
    return _back(request, client_id, f"{diagnosis.code} recorded as a {rank} diagnosis.")


@router.post("/diagnoses/{diagnosis_id}/end", response_class=HTMLResponse)
async def end_diagnosis(
    diagnosis_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    client_id = service.client_of(session, actor=actor, diagnosis_id=diagnosis_id)
    form = await _form(request)
    kept = {"status": form.get("status", ""), "on": form.get("on", "")}
    nested = session.begin_nested()
    try:
        diagnosis = service.end_diagnosis(
            session,
            actor=actor,
            diagnosis_id=diagnosis_id,
            status=_ending(kept["status"]),
            on=_day(kept, "on"),
        )
    except StepdownError as exc:
        nested.rollback()
        kept.update(action="end", diagnosis_id=str(diagnosis_id))
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=kept)
    nested.commit()
    status = diagnosis.status.label.lower()
    return _back(request, client_id, f"{diagnosis.code} {status} from {diagnosis.ended_on}.")


@router.post("/diagnoses/{diagnosis_id}/principal", response_class=HTMLResponse)
async def make_principal(
    diagnosis_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    client_id = service.client_of(session, actor=actor, diagnosis_id=diagnosis_id)
    form = await _form(request)
    kept = {"on": form.get("on", "")}
    nested = session.begin_nested()
    try:
        day = _day(kept, "on")
        diagnosis = service.make_principal(session, actor=actor, diagnosis_id=diagnosis_id, on=day)
    except StepdownError as exc:
        nested.rollback()
        kept.update(action="principal", diagnosis_id=str(diagnosis_id))
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=kept)
    nested.commit()
    since = (day or today()).isoformat()
    return _back(
        request,
        client_id,
        f"{diagnosis.code} is the principal diagnosis from {since}; the one before is "
        "secondary from that day.",
    )


def _confirm_page(
    request: Request,
    view: service.DiagnosisView,
    *,
    reason: str = "",
    error: StepdownError | None = None,
) -> Response:
    return render(
        request,
        "diagnoses/entered_in_error.html",
        {
            "d": view,
            "reason": reason,
            "error": error,
            "reason_max": rules.REASON_MAX,
            "tab": f"/clients/{view.client_id}?tab={TAB}",
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/diagnoses/{diagnosis_id}/entered-in-error", response_class=HTMLResponse)
def entered_in_error_page(
    diagnosis_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    view = service.get_diagnosis(session, actor=actor, diagnosis_id=diagnosis_id)
    return _confirm_page(request, view)


@router.post("/diagnoses/{diagnosis_id}/entered-in-error", response_class=HTMLResponse)
async def entered_in_error(
    diagnosis_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    """Only the confirmed post (``confirmed=yes``, with the reason) marks the entry."""
    form = await _form(request)
    reason = form.get("reason", "")
    nested = session.begin_nested()
    try:
        if form.get("confirmed") != "yes":
            raise Invalid("confirm that this entry was a mistake", field="confirmed")
        diagnosis = service.mark_entered_in_error(
            session,
            actor=actor,
            diagnosis_id=diagnosis_id,
            reason=bounds.parse_text(reason, field="reason", max_length=rules.REASON_MAX),
        )
    except StepdownError as exc:
        nested.rollback()
        if exc.status_code == 404:
            raise
        view = service.get_diagnosis(session, actor=actor, diagnosis_id=diagnosis_id)
        return _confirm_page(request, view, reason=reason, error=exc)
    nested.commit()
    return _back(
        request, diagnosis.client_id, f"{diagnosis.code} marked entered in error; it stays listed."
    )
