"""The forms on the chart's Assessments tab: administer an instrument, mark a result in error.

A refused form re-renders the chart on the Assessments tab (422) with the item named and
every answer kept; success redirects (303) with a flash naming the score. No JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.assessments import access, service
from stepdown.assessments.rules import InstrumentSpec, Sex
from stepdown.chart import service as chart_service
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "assessments"


def _tab_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    client_id: uuid.UUID,
    error: StepdownError,
    form: dict[str, Any],
) -> Response:
    chart = chart_service.build(session, actor=actor, client_id=client_id, tab=TAB)
    return render(
        request,
        "chart/chart.html",
        {
            "chart": chart,
            "tab": TAB,
            "tabs": chart_service.TABS,
            "error": None,  # shown next to the form it belongs to instead
            "form": {},
            "assessment_error": error,
            "assessment_form": form,
        },
        status_code=error.status_code,
    )


def _redirect(request: Request, client_id: uuid.UUID, message: str) -> Response:
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(request, response, message)
    return response


def _answers(spec: InstrumentSpec, values: dict[str, str]) -> list[int | None]:
    """A blank item stays blank, so the scorer names it as missing."""
    answers: list[int | None] = []
    for item in spec.items:
        name = f"item_{item.number}"
        raw = values.get(name, "")
        if not raw:
            answers.append(None)
            continue
        try:
            answers.append(bounds.parse_int(raw, field=name, ge=-1000, le=1000))
        except Invalid:
            raise Invalid(
                f"{spec.name} item {item.number}: {raw!r} is not one of the answers", field=name
            ) from None
    return answers


def _sex(spec: InstrumentSpec, value: str) -> Sex | None:
    if spec.code != "auditc":
        return None
    try:
        return Sex(value)
    except ValueError:
        raise Invalid(
            "choose female or male: the AUDIT-C cut-off depends on it", field="sex"
        ) from None


def _scored(spec: InstrumentSpec, recorded: service.Recorded) -> str:
    response = recorded.response
    if response.total is not None:
        summary = f"total {response.total}, {response.band}"
    elif response.subscales:
        summary = ", ".join(f"{k} {v}" for k, v in response.subscales.items())
    else:
        summary = f"{response.band} risk"
    message = f"{spec.name} recorded: {summary}."
    if recorded.alerts:
        message += " An alert was raised: see the banner above."
    return message


@router.post("/clients/{client_id}/instruments/{code}", response_class=HTMLResponse)
async def administer(
    client_id: uuid.UUID,
    code: str,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ADMINISTER)],
) -> Response:
    spec = service.instrument(code)
    submitted = await request.form()
    values = {
        key: str(value).strip()
        for key, value in submitted.items()
        if key.startswith("item_") or key == "sex"
    }
    form: dict[str, Any] = {
        "code": spec.code,
        "values": values,
        "sex": values.get("sex", ""),
    }
    nested = session.begin_nested()
    try:
        recorded = service.record_response(
            session,
            actor=actor,
            client_id=client_id,
            code=spec.code,
            answers=_answers(spec, values),
            sex=_sex(spec, values.get("sex", "")),
        )
    except StepdownError as exc:
        nested.rollback()
        return _tab_page(request, session, actor, client_id, exc, form)
    nested.commit()
    return _redirect(request, client_id, _scored(spec, recorded))


@router.post("/instrument-responses/{response_id}/entered-in-error", response_class=HTMLResponse)
def mark_entered_in_error(
    response_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CORRECT)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    response = service.get_response(session, actor=actor, response_id=response_id)
    client_id = response.client_id
    form = {"correcting": str(response_id), "reason": reason}
    nested = session.begin_nested()
    try:
        service.mark_entered_in_error(session, actor=actor, response_id=response_id, reason=reason)
    except StepdownError as exc:
        nested.rollback()
        return _tab_page(request, session, actor, client_id, exc, form)
    nested.commit()
    return _redirect(
        request, client_id, "Result marked entered in error; it is left out of trends."
    )
