"""The chart's Authorizations tab: each episode's authorizations with the units used,
planned and left, the request form, and the payer's decisions. A refused form comes back on
the tab with the field named and what was typed kept."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from stepdown.authorizations import access, service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.continuum.models import Episode
from stepdown.kit.errors import NotFound, StepdownError
from stepdown.kit.schemas import invalid_from
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "authorizations"
Writer = Annotated[Actor, allow(access.WRITE)]
Form = dict[str, str]

tabs.register(
    TAB,
    "Authorizations",
    access.READ,
    template="authorizations/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(
        session, actor=actor, client_id=client.id
    ),
    order=17,
)


async def _form(request: Request) -> Form:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _blank_none(form: Form, names: tuple[str, ...]) -> dict[str, Any]:
    return {k: (form.get(k, "").strip() or None) for k in names}


def _back(request: Request, client_id: uuid.UUID, message: str) -> Response:
    response = RedirectResponse(f"/clients/{client_id}?tab={TAB}", status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/episodes/{episode_id}/authorizations", response_class=HTMLResponse)
async def request_authorization(
    episode_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = "request"
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound("no such episode of care", field="episode_id")
    values = _blank_none(
        form,
        ("coverage_id", "level_code", "unit_type", "requested_units", "per_week_cap"),
    ) | _blank_none(form, ("starts_on", "ends_on", "next_review_on"))
    values["codes"] = form.get("codes", "").replace(",", " ").split()
    values["reviewer_name"] = form.get("reviewer_name", "")
    values["reviewer_contact"] = form.get("reviewer_contact", "")
    values["notes"] = form.get("notes", "")
    nested = session.begin_nested()
    try:
        data = AuthorizationRequest.model_validate(values)
        service.request_authorization(session, actor=actor, episode_id=episode_id, data=data)
    except ValidationError as exc:
        nested.rollback()
        return chart_page(
            request, session, actor, episode.client_id, TAB, error=invalid_from(exc), form=form
        )
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, episode.client_id, TAB, error=exc, form=form)
    nested.commit()
    return _back(request, episode.client_id, "Authorization request recorded (pending).")


@router.post("/authorizations/{authorization_id}/decision", response_class=HTMLResponse)
async def record_decision(
    authorization_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form.update(action="decision", authorization_id=str(authorization_id))
    found = session.get(Authorization, authorization_id)
    if found is None:
        raise NotFound("no such authorization", field="authorization_id")
    client_id = found.client_id
    values = _blank_none(
        form,
        (
            "status",
            "approved_units",
            "starts_on",
            "ends_on",
            "per_week_cap",
            "next_review_on",
            "appeal_deadline",
        ),
    )
    for name in ("auth_number", "reviewer_name", "reviewer_contact", "note"):
        values[name] = form.get(name, "")
    nested = session.begin_nested()
    try:
        data = Decision.model_validate(values)
        service.record_decision(session, actor=actor, authorization_id=authorization_id, data=data)
    except ValidationError as exc:
        nested.rollback()
        return chart_page(
            request, session, actor, client_id, TAB, error=invalid_from(exc), form=form
        )
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    return _back(request, client_id, f"Authorization now {data.status.label.lower()}.")
