"""The chart's Safety tab (the gate, the assessments, the plan, the form to record one) and
the client's own safety plan in the portal.

A refused form re-renders the chart tab with the field's error and what was typed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.portal import access as portal_access
from stepdown.safety import access, rules, service
from stepdown.safety.schemas import SafetyAssessmentInput
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "safety"
tabs.register(
    TAB,
    "Safety",
    access.READ,
    template="safety/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=12,
)
navigation.register("My safety plan", "/portal/safety-plan", portal_access.PORTAL, order=3)

_TEXT = (
    "risk_level",
    "disposition",
    "rationale",
    "risk_factors",
    "protective_factors",
    "follow_up",
)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def assessment_input(form: FormData) -> SafetyAssessmentInput:
    """The form as the service takes it: each plan step is one entry per line; the plan is
    left out for a client who is sent out."""
    raw: dict[str, Any] = {key: str(form.get(key, "")) for key in _TEXT}
    if raw["disposition"] == rules.Disposition.OUTPATIENT_WITH_PLAN.value:
        plan: dict[str, Any] = {key: _lines(str(form.get(key, ""))) for key, _ in rules.PLAN_STEPS}
        plan["reason_for_living"] = str(form.get("reason_for_living", ""))
        raw["plan"] = plan
    raw["acknowledge_alert_ids"] = [str(v) for v in form.getlist("acknowledge")]
    try:
        return SafetyAssessmentInput.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "form")
        raise Invalid(error["msg"], field=where) from None


@router.post("/clients/{client_id}/safety-assessments", response_class=HTMLResponse)
async def record_assessment(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ASSESS)],
) -> Response:
    form = await request.form()
    nested = session.begin_nested()
    try:
        service.record_assessment(
            session, actor=actor, client_id=client_id, data=assessment_input(form)
        )
    except StepdownError as exc:
        nested.rollback()
        typed = {key: str(value) for key, value in form.items() if key != "csrf_token"}
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=typed)
    nested.commit()
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(
        request,
        response,
        "Safety assessment recorded.",
    )
    return response


@router.get("/portal/safety-plan", response_class=HTMLResponse)
def my_safety_plan(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(portal_access.PORTAL)],
) -> Response:
    client, plan = service.own_plan(session, actor=actor)
    return render(
        request,
        "safety/portal_plan.html",
        {
            "client": client,
            "plan": plan,
            "steps": rules.PLAN_STEPS,
            "crisis_line": rules.CRISIS_LINE,
        },
    )
