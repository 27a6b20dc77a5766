"""The client chart page and the care-timeline forms on it (admit, transitions, discharge)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.chart import service, tabs
from stepdown.clients import access as clients_access
from stepdown.clients import care_team
from stepdown.clients import merge as client_merge
from stepdown.continuum import access as continuum_access
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Track, Transition
from stepdown.inquiries import service as inquiries_service
from stepdown.kit import bounds, mail
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.portal import access as portal_access
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

ACTIONS = {
    "step_down": "Step down",
    "step_up": "Step up",
    "change_track": "Change track",
    "refer_out": "Refer out",
    "return": "Return from referral",
    "discharge": "Discharge",
}


def chart_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    client_id: uuid.UUID,
    tab: str,
    *,
    error: StepdownError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The chart on one tab; a domain's form handler re-renders it with a refusal and the
    values typed, so a rejected form never loses what the clinician entered."""
    available = service.tabs_for(actor)
    # A tab the role is not offered but asks for by address is refused by its service (403);
    # one nobody knows shows the overview.
    tab = tab if tab in dict(available) or tab in service.TAB_POLICIES else "overview"
    chart = service.build(session, actor=actor, client_id=client_id, tab=tab)
    registered = tabs.find(tab, actor)
    can_assign = clients_access.CARE_TEAM.allows(actor.role)
    overview = tab == "overview"
    team = care_team.care_team(session, chart.client) if overview else None
    return render(
        request,
        "chart/chart.html",
        {
            "chart": chart,
            "tab": tab,
            "tabs": available,
            "tab_template": registered.template if registered else None,
            "today": today(),
            "tracks": list(Track),
            "discharge_types": list(DischargeType),
            "actions": ACTIONS,
            "can_admit": continuum_access.ADMIT.allows(actor.role),
            "can_move": continuum_access.TRANSITION.allows(actor.role),
            "error": error,
            "form": form or {},
            "team": team,
            "admission": inquiries_service.admission_facts(
                session, actor=actor, client_id=client_id
            )
            if overview
            else None,
            "merged_in": client_merge.merges_of(session, client_id=client_id) if overview else [],
            "can_merge": clients_access.CLIENTS_MERGE.allows(actor.role),
            "can_assign": can_assign,
            "can_edit_details": clients_access.CLIENTS_EDIT.allows(actor.role),
            "can_invite": portal_access.INVITE.allows(actor.role),
            "can_email": mail.configured(request.app.state.settings),
            "staff": security_service.staff_directory(session) if team and can_assign else [],
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def chart(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(clients_access.CLIENTS_READ)],
    tab: str = "overview",
) -> Response:
    return chart_page(request, session, actor, client_id, tab)


def _staff_id(form: dict[str, str], field: str) -> uuid.UUID | None:
    value = form.get(field, "")
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


@router.post("/clients/{client_id}/care-team", response_class=HTMLResponse)
async def assign_care_team(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(clients_access.CARE_TEAM)],
) -> Response:
    form: dict[str, str] = {}
    try:
        data = await request.form()
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        care_team.assign(
            session,
            actor=actor,
            client_id=client_id,
            primary_clinician_id=_staff_id(form, "primary_clinician"),
            case_manager_id=_staff_id(form, "case_manager"),
            # Offered (and posted) only for an adolescent; otherwise left as it is.
            family_contact_id=_staff_id(form, "family_contact")
            if "family_contact" in form
            else care_team.KEEP,
        )
    except StepdownError as exc:
        session.rollback()
        return chart_page(request, session, actor, client_id, "overview", error=exc, form=form)
    response = RedirectResponse(f"/clients/{client_id}#care-team", status_code=303)
    flash.flash(request, response, "Care team saved.")
    return response


@router.post("/clients/{client_id}/take", response_class=HTMLResponse)
def take_client(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(clients_access.CARE_TEAM)],
) -> Response:
    """A clinician takes a new client waiting for a clinician onto their caseload."""
    client = care_team.take(session, actor=actor, client_id=client_id)
    response = RedirectResponse(f"/clients/{client.id}", status_code=303)
    flash.flash(request, response, f"{client.display_name} is now on your caseload.")
    return response


def _date(value: str) -> date:
    return bounds.require_day(value, field="on")


def _track(value: str) -> Track:
    try:
        return Track(value)
    except ValueError:
        raise Invalid("choose a track", field="track") from None


def _redirect_to_care(request: Request, client_id: uuid.UUID, message: str) -> Response:
    response = RedirectResponse(f"/clients/{client_id}?tab=care", status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/clients/{client_id}/admit", response_class=HTMLResponse)
def admit(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(continuum_access.ADMIT)],
    level: Annotated[str, Form()] = "",
    track: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "admit", "level": level, "track": track, "on": on, "reason": reason}
    nested = session.begin_nested()
    try:
        episode = continuum_service.admit(
            session,
            actor=actor,
            client_id=client_id,
            level_code=level,
            track=_track(track),
            on=_date(on),
            reason=reason,
        )
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, client_id, "care", error=exc, form=form)
    nested.commit()
    return _redirect_to_care(
        request, episode.client_id, f"Admitted to {level} ({track}) from {on}."
    )


@router.post("/episodes/{episode_id}/transition", response_class=HTMLResponse)
def transition(
    episode_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(continuum_access.TRANSITION)],
    action: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "",
    track: Annotated[str, Form()] = "none",
    on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    skip_reason: Annotated[str, Form()] = "",
    partner_id: Annotated[str, Form()] = "",
    discharge_type: Annotated[str, Form()] = "",
) -> Response:
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    form = {
        "action": action,
        "level": level,
        "track": track,
        "on": on,
        "reason": reason,
        "skip_reason": skip_reason,
        "partner_id": partner_id,
        "discharge_type": discharge_type,
    }
    nested = session.begin_nested()
    try:
        message = _do_transition(session, actor, episode_id, form)
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, episode.client_id, "care", error=exc, form=form)
    nested.commit()
    return _redirect_to_care(request, episode.client_id, message)


def _do_transition(
    session: DbSession, actor: Actor, episode_id: uuid.UUID, form: dict[str, str]
) -> str:
    action, on = form["action"], form["on"]
    if action in ("step_down", "step_up"):
        continuum_service.step(
            session,
            actor=actor,
            episode_id=episode_id,
            direction=Transition(action),
            level_code=form["level"],
            track=_track(form["track"]),
            on=_date(on),
            reason=form["reason"],
            skip_reason=form["skip_reason"],
        )
        return f"{ACTIONS[action]} to {form['level']} ({form['track']}) from {on}."
    if action == "change_track":
        continuum_service.change_track(
            session,
            actor=actor,
            episode_id=episode_id,
            track=_track(form["track"]),
            on=_date(on),
            reason=form["reason"],
        )
        return f"Track changed to {form['track']} from {on}."
    if action == "refer_out":
        try:
            partner = uuid.UUID(form["partner_id"])
        except ValueError:
            raise Invalid("choose a partner provider", field="partner_id") from None
        continuum_service.refer_out(
            session,
            actor=actor,
            episode_id=episode_id,
            partner_id=partner,
            on=_date(on),
            reason=form["reason"],
        )
        return f"Referred out from {on}; the episode is on hold until the client returns."
    if action == "return":
        continuum_service.return_from_referral(
            session,
            actor=actor,
            episode_id=episode_id,
            level_code=form["level"],
            track=_track(form["track"]),
            on=_date(on),
            reason=form["reason"],
        )
        return f"Return to {form['level']} recorded from {on}."
    if action == "discharge":
        try:
            kind = DischargeType(form["discharge_type"])
        except ValueError:
            raise Invalid("choose a discharge type", field="discharge_type") from None
        continuum_service.discharge(
            session,
            actor=actor,
            episode_id=episode_id,
            discharge_type=kind,
            on=_date(on),
            summary=form["reason"],
        )
        return f"Discharged ({kind.label.lower()}) on {on}."
    raise Invalid("choose what to record", field="action")
