"""Case-management pages: the worklist (``/case-management``), the community resource
directory, and the chart's Case management tab with its forms (a need, its status, a
referral, its changes and follow-ups).

Forms post and come back (htmx boosts them; they work without JavaScript too). A refused
chart form re-renders the chart tab with the field's error and the values entered (status
4xx) through the chart page's renderer; a refused directory form re-renders the directory.
Nothing is written when a form is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from stepdown.case_management import access, rules, service
from stepdown.case_management.models import NeedKind
from stepdown.case_management.rules import LIMITS
from stepdown.case_management.schemas import (
    NeedInput,
    NeedStatusInput,
    ReferralChangeInput,
    ReferralInput,
    ResourceInput,
    ResourceUpdate,
)
from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "case_management"
WORKLIST = "/case-management"
RESOURCES = "/case-management/resources"

navigation.register("Case management", WORKLIST, access.WORKLIST, order=38)
tabs.register(
    TAB,
    "Case management",
    access.READ,
    template="case_management/_chart_tab.html",
    # The program's day (``kit.clock``): a follow-up is due on the program's day, not UTC's.
    build=lambda session, actor, client: service.chart_section(
        session, actor=actor, client=client, today=today()
    ),
    order=80,
)

Writer = Annotated[Actor, allow(access.WRITE)]
ResourceWriter = Annotated[Actor, allow(access.RESOURCES_WRITE)]
Form = dict[str, str]
S = TypeVar("S", bound=BaseModel)


async def _form(request: Request) -> Form:
    data = await request.form()
    return {k: v.strip() for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}


def _validated(schema: type[S], values: dict[str, Any]) -> S:
    """A form as an API schema; the first problem becomes a refusal naming its field."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else None
        raise Invalid(error["msg"], field=name) from None


def _fields(
    form: Form, names: tuple[str, ...], *, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The form's values for a schema: only ``names``, and blanks of ``optional`` as None."""
    return {
        k: (None if k in optional and form.get(k, "") == "" else form.get(k, ""))
        for k in names
        if k in form or k in optional
    }


def _tab(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _on_chart(
    request: Request,
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    form: Form,
    action: Callable[[], str],
) -> Response:
    """Do one change in a savepoint; back to the tab (or the worklist) saying what happened,
    or the tab again with the refusal and what was typed."""
    nested = session.begin_nested()
    try:
        message = action()
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    to = WORKLIST if form.get("back") == "worklist" else _tab(client_id)
    response = RedirectResponse(to, status_code=303)
    flash.flash(request, response, message)
    return response


# --- the worklist ----------------------------------------------------------------------------


@router.get(WORKLIST, response_class=HTMLResponse)
def worklist(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.WORKLIST)]
) -> Response:
    work = service.worklist(session, actor=actor, today=today())
    return render(request, "case_management/worklist.html", {"work": work})


# --- the chart tab's forms -------------------------------------------------------------------


@router.post("/clients/{client_id}/needs", response_class=HTMLResponse)
async def add_need(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ADD_NEED)],
) -> Response:
    form = await _form(request)
    form["action"] = "add_need"

    def act() -> str:
        values = _fields(
            form, ("kind", "detail", "priority", "identified_on"), optional=("identified_on",)
        )
        data = _validated(NeedInput, values)
        need = service.add_need(session, actor=actor, client_id=client_id, data=data, today=today())
        return f"{need.kind.label} need recorded."

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/case-management/needs/{need_id}/status", response_class=HTMLResponse)
async def need_status(
    need_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = f"need:{need_id}"
    client_id = service.client_of_need(session, actor=actor, need_id=need_id)

    def act() -> str:
        data = _validated(
            NeedStatusInput, _fields(form, ("status", "on", "reason"), optional=("on",))
        )
        need = service.change_need_status(
            session, actor=actor, need_id=need_id, data=data, today=today()
        )
        return f"Need now {need.status.label.lower()}."

    return _on_chart(request, session, actor, client_id, form, act)


REFERRAL_FIELDS = (
    "need_id",
    "kind",
    "resource_id",
    "organization",
    "contact",
    "phone",
    "address",
    "made_on",
    "follow_up_on",
    "reason",
)


@router.post("/clients/{client_id}/referrals", response_class=HTMLResponse)
async def make_referral(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = "make_referral"

    def act() -> str:
        values = _fields(
            form,
            REFERRAL_FIELDS,
            optional=("need_id", "kind", "resource_id", "made_on", "follow_up_on"),
        )
        data = _validated(ReferralInput, values)
        referral = service.make_referral(
            session, actor=actor, client_id=client_id, data=data, today=today()
        )
        return (
            f"Referral to {referral.organization} recorded; follow up on {referral.follow_up_on}."
        )

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/case-management/referrals/{referral_id}/status", response_class=HTMLResponse)
async def referral_status(
    referral_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = f"referral:{referral_id}"
    client_id = service.client_of_referral(session, actor=actor, referral_id=referral_id)

    def act() -> str:
        values = _fields(
            form, ("status", "on", "follow_up_on", "reason"), optional=("on", "follow_up_on")
        )
        data = _validated(ReferralChangeInput, values)
        referral = service.change_referral(
            session, actor=actor, referral_id=referral_id, data=data, today=today()
        )
        message = f"Referral {referral.status.label.lower()}."
        if referral.follow_up_on:
            message += f" Next follow-up {referral.follow_up_on}."
        if rules.plan_status_for(referral.kind, referral.status) is not None:
            message += (
                " Recorded on the aftercare plan."
                if referral.aftercare_plan_id
                else " The client has no aftercare plan yet: it waits on the worklist."
            )
        return message

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/case-management/referrals/{referral_id}/aftercare-plan", response_class=HTMLResponse)
async def record_on_plan(
    referral_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = f"referral:{referral_id}"
    client_id = service.client_of_referral(session, actor=actor, referral_id=referral_id)

    def act() -> str:
        service.record_on_aftercare_plan(session, actor=actor, referral_id=referral_id)
        return "Recorded on the aftercare plan."

    return _on_chart(request, session, actor, client_id, form, act)


# --- the resource directory ------------------------------------------------------------------

RESOURCE_FIELDS = ("kind", "name", "contact", "phone", "address", "notes")


def _directory(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: Form | None = None,
    error: StepdownError | None = None,
) -> Response:
    kind = request.query_params.get("kind", "")
    chosen = NeedKind(kind) if kind in {k.value for k in NeedKind} else None
    resources = service.list_resources(session, actor=actor, kind=chosen)
    errors = {(error.field or "form"): error.message} if error else {}
    return render(
        request,
        "case_management/resources.html",
        {
            "resources": resources,
            "kinds": list(NeedKind),
            "chosen": chosen,
            "can_write": access.RESOURCES_WRITE.allows(actor.role),
            "form": form or {},
            "errors": errors,
            "limits": LIMITS,
        },
        status_code=error.status_code if error else 200,
    )


@router.get(RESOURCES, response_class=HTMLResponse)
def directory(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.RESOURCES_READ)]
) -> Response:
    return _directory(request, session, actor)


def _on_directory(
    request: Request, session: Session, actor: Actor, form: Form, action: Callable[[], str]
) -> Response:
    nested = session.begin_nested()
    try:
        message = action()
    except StepdownError as exc:
        nested.rollback()
        return _directory(request, session, actor, form=form, error=exc)
    nested.commit()
    response = RedirectResponse(RESOURCES, status_code=303)
    flash.flash(request, response, message)
    return response


@router.post(RESOURCES, response_class=HTMLResponse)
async def add_resource(request: Request, session: DbSession, actor: ResourceWriter) -> Response:
    form = await _form(request)
    form["action"] = "add_resource"

    def act() -> str:
        values = _fields(form, RESOURCE_FIELDS)
        resource = service.add_resource(
            session, actor=actor, data=_validated(ResourceInput, values)
        )
        return f"{resource.name} added to the directory."

    return _on_directory(request, session, actor, form, act)


@router.post(RESOURCES + "/{resource_id}", response_class=HTMLResponse)
async def update_resource(
    resource_id: uuid.UUID, request: Request, session: DbSession, actor: ResourceWriter
) -> Response:
    form = await _form(request)
    form["action"] = f"resource:{resource_id}"

    def act() -> str:
        values = _fields(form, RESOURCE_FIELDS)
        values["is_active"] = form.get("is_active") == "yes"
        resource = service.update_resource(
            session, actor=actor, resource_id=resource_id, data=_validated(ResourceUpdate, values)
        )
        state = "" if resource.is_active else " (inactive: not offered for new referrals)"
        return f"{resource.name} saved{state}."

    return _on_directory(request, session, actor, form, act)
