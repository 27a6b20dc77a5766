"""The chart's Plan tab and its forms, and the client's own plan page.

Forms post and come back to the tab (htmx boosts them; they work without JavaScript too).
A refused form comes back with the message naming the field, and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.chart import tabs
from stepdown.clients import service as clients_service
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.treatment_plans import access, service
from stepdown.treatment_plans.models import Modality, ObjectiveStatus
from stepdown.treatment_plans.schemas import (
    GoalInput,
    InterventionInput,
    InterventionUpdate,
    ObjectiveInput,
    ObjectiveUpdate,
    ProgressNoteInput,
    ReviewInput,
    StatusChangeInput,
)
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("My plan", "/my-plan", access.CLIENT_SIGN, order=5)
tabs.register(
    "plan",
    "Plan",
    access.READ,
    template="treatment_plans/_chart_tab.html",
    build=lambda session, actor, client: service.plan_section(session, actor=actor, client=client),
    order=60,
)

Form = dict[str, str]


async def _form(request: Request) -> Form:
    data = await request.form()
    return {k: v.strip() for k, v in data.items() if isinstance(v, str)}


def _date(value: str, field: str) -> date:
    return bounds.require_day(value, field=field)


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _int(value: str, field: str) -> int:
    return bounds.parse_int(value, field=field)


def _modality(value: str) -> Modality:
    try:
        return Modality(value)
    except ValueError:
        raise Invalid("choose a kind of intervention", field="modality") from None


def _message(exc: StepdownError) -> str:
    prefix = f"{exc.field.replace('_', ' ').capitalize()}: " if exc.field else ""
    suffix = f" (rule: {exc.rule})" if exc.rule else ""
    return f"{prefix}{exc.message}{suffix}"


def _run(
    request: Request, session: Session, client_id: uuid.UUID, action: Callable[[], str]
) -> Response:
    """Do one change in a savepoint and go back to the tab, saying what happened."""
    response = RedirectResponse(f"/clients/{client_id}?tab=plan", status_code=303)
    nested = session.begin_nested()
    try:
        message = action()
    except StepdownError as exc:
        nested.rollback()
        flash.flash(request, response, _message(exc), kind="error")
        return response
    nested.commit()
    flash.flash(request, response, message)
    return response


def _on_plan(
    request: Request,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    action: Callable[[], str],
) -> Response:
    client_id = service.client_of_plan(session, actor=actor, plan_id=plan_id)
    return _run(request, session, client_id, action)


@router.post("/clients/{client_id}/treatment-plans")
async def create(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        days = _int(form.get("review_interval_days", ""), "review_interval_days")
        plan = service.create_plan(
            session, actor=actor, client_id=client_id, review_interval_days=days
        )
        return f"Draft plan version {plan.version} started."

    return _run(request, session, client_id, act)


@router.post("/treatment-plans/{plan_id}/interval")
async def interval(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        days = _int(form.get("review_interval_days", ""), "review_interval_days")
        service.set_review_interval(session, actor=actor, plan_id=plan_id, days=days)
        return f"Reviews every {days} days."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/problems")
async def add_problem(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        service.add_problem(
            session, actor=actor, plan_id=plan_id, statement=form.get("statement", "")
        )
        return "Problem added."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/goals")
async def add_goal(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = GoalInput.model_construct(
            problem_id=_uuid(form.get("problem_id", ""), "problem_id"),
            client_words=form.get("client_words", ""),
        )
        service.add_goal(session, actor=actor, plan_id=plan_id, data=data)
        return "Goal added."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/objectives")
async def add_objective(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = ObjectiveInput.model_construct(
            goal_id=_uuid(form.get("goal_id", ""), "goal_id"),
            statement=form.get("statement", ""),
            target_date=_date(form.get("target_date", ""), "target_date"),
        )
        service.add_objective(session, actor=actor, plan_id=plan_id, data=data)
        return "Objective added."

    return _on_plan(request, session, actor, plan_id, act)


def _responsible(form: Form) -> uuid.UUID | None:
    value = form.get("responsible_user_id", "")
    return _uuid(value, "responsible_user_id") if value else None


@router.post("/treatment-plans/{plan_id}/interventions")
async def add_intervention(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = InterventionInput.model_construct(
            modality=_modality(form.get("modality", "")),
            description=form.get("description", ""),
            frequency=form.get("frequency", ""),
            responsible_user_id=_responsible(form),
        )
        service.add_intervention(session, actor=actor, plan_id=plan_id, data=data)
        return "Intervention added."

    return _on_plan(request, session, actor, plan_id, act)


def _item_kind(kind: str) -> service.ItemKind:
    try:
        return service.ItemKind(kind)
    except ValueError:
        raise Invalid("no such kind of plan item", field="kind") from None


def _edit(
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    kind: service.ItemKind,
    item_id: uuid.UUID,
    form: Form,
) -> None:
    if kind is service.ItemKind.PROBLEM:
        service.update_problem(
            session,
            actor=actor,
            plan_id=plan_id,
            problem_id=item_id,
            statement=form.get("statement", ""),
        )
    elif kind is service.ItemKind.GOAL:
        service.update_goal(
            session,
            actor=actor,
            plan_id=plan_id,
            goal_id=item_id,
            client_words=form.get("client_words", ""),
        )
    elif kind is service.ItemKind.OBJECTIVE:
        service.update_objective(
            session,
            actor=actor,
            plan_id=plan_id,
            objective_id=item_id,
            data=ObjectiveUpdate.model_construct(
                statement=form.get("statement", ""),
                target_date=_date(form.get("target_date", ""), "target_date"),
            ),
        )
    else:
        service.update_intervention(
            session,
            actor=actor,
            plan_id=plan_id,
            intervention_id=item_id,
            data=InterventionUpdate.model_construct(
                modality=_modality(form.get("modality", "")),
                description=form.get("description", ""),
                frequency=form.get("frequency", ""),
                responsible_user_id=_responsible(form),
            ),
        )


@router.post("/treatment-plans/{plan_id}/items/{kind}/{item_id}")
async def edit_item(
    plan_id: uuid.UUID,
    kind: str,
    item_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        item_kind = _item_kind(kind)
        _edit(session, actor, plan_id, item_kind, item_id, form)
        return f"{item_kind.value.capitalize()} changed."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/items/{kind}/{item_id}/remove")
def remove_item(
    plan_id: uuid.UUID,
    kind: str,
    item_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    def act() -> str:
        item_kind = _item_kind(kind)
        service.remove_item(session, actor=actor, plan_id=plan_id, kind=item_kind, item_id=item_id)
        return f"{item_kind.value.capitalize()} removed."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/sign")
def sign(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    def act() -> str:
        service.sign_as_clinician(session, actor=actor, plan_id=plan_id)
        return "Signed. The plan now waits for the client's signature."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/sign-in-person")
async def sign_in_person(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        plan = service.sign_in_person(
            session, actor=actor, plan_id=plan_id, attested=form.get("attested") == "yes"
        )
        return f"Client's signature recorded; version {plan.version} is now in effect."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/reopen")
def reopen(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    def act() -> str:
        service.reopen(session, actor=actor, plan_id=plan_id)
        return "Signature withdrawn; the draft can be changed again."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/revise")
def revise(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    def act() -> str:
        plan = service.revise(session, actor=actor, plan_id=plan_id)
        return (
            f"Draft version {plan.version} started; the plan in effect stays so until both "
            "sign the new one."
        )

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/notes")
async def progress_note(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        changes = []
        for key, value in form.items():
            if key.startswith("status_") and value:
                try:
                    status = ObjectiveStatus(value)
                except ValueError:
                    raise Invalid("choose a status from the list", field="changes") from None
                changes.append(
                    StatusChangeInput.model_construct(
                        objective_id=_uuid(key.removeprefix("status_"), "changes"),
                        to_status=status,
                    )
                )
        data = ProgressNoteInput.model_construct(
            written_on=_date(form.get("written_on", ""), "written_on"),
            narrative=form.get("narrative", ""),
            changes=changes,
        )
        noted = service.record_progress_note(session, actor=actor, plan_id=plan_id, data=data)
        return f"Progress note saved with {len(noted.changes)} status change(s)."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/treatment-plans/{plan_id}/reviews")
async def review(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = ReviewInput.model_construct(
            reviewed_on=_date(form.get("reviewed_on", ""), "reviewed_on"),
            summary=form.get("summary", ""),
        )
        done = service.record_review(session, actor=actor, plan_id=plan_id, data=data)
        return f"Review recorded; the next is due {done.next_due.isoformat()}."

    return _on_plan(request, session, actor, plan_id, act)


@router.get("/my-plan", response_class=HTMLResponse)
def my_plan(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.CLIENT_SIGN)]
) -> Response:
    """The client's own goals, and the plan waiting for their signature, if any."""
    client = clients_service.own_record(session, actor=actor)
    goals = service.goals_for_client(session, actor=actor, client_id=client.id) if client else []
    pending = (
        service.awaiting_client_signature(session, actor=actor, client_id=client.id)
        if client
        else None
    )
    return render(
        request,
        "treatment_plans/my_plan.html",
        {"client": client, "goals": goals, "pending": pending},
    )


@router.post("/my-plan/{plan_id}/sign")
def my_plan_sign(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_SIGN)],
) -> Response:
    response = RedirectResponse("/my-plan", status_code=303)
    nested = session.begin_nested()
    try:
        service.sign_as_client(session, actor=actor, plan_id=plan_id)
    except StepdownError as exc:
        nested.rollback()
        flash.flash(request, response, _message(exc), kind="error")
        return response
    nested.commit()
    flash.flash(request, response, "Thank you: you signed your treatment plan.")
    return response
