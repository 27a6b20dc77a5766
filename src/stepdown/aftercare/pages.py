"""The chart's Aftercare tab and its forms, the staff worklist (``/aftercare``), the plan's
PDF, and the client's own aftercare page in the portal (``/portal/aftercare``).

Forms post and come back (htmx boosts them; they work without JavaScript too). A refused
form comes back with a message naming the field, and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from stepdown.aftercare import access, pdf, service
from stepdown.aftercare.schemas import ContactInput, FollowUpInput, MeetingInput, PlanUpdate
from stepdown.chart import tabs
from stepdown.consents.models import InformationClass
from stepdown.disclosures import gate, outbound
from stepdown.disclosures.models import Channel
from stepdown.disclosures.responses import refused
from stepdown.kit.clock import today as program_today
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden, Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Staff = Annotated[Actor, allow(access.STAFF)]
PortalClient = Annotated[Actor, allow(access.PORTAL)]
TAB = "aftercare"
PORTAL_PAGE = "/portal/aftercare"
WORKLIST = "/aftercare"

navigation.register("Aftercare", WORKLIST, access.STAFF, order=40)
navigation.register("My aftercare", PORTAL_PAGE, access.PORTAL, order=7)
tabs.register(
    TAB,
    "Aftercare",
    access.STAFF,
    template="aftercare/_chart_tab.html",
    # The program's day (``kit.clock``), as on the aftercare pages.
    build=lambda session, actor, client: service.chart_section(
        session, actor=actor, client=client, today=program_today()
    ),
    order=85,
)

Form = dict[str, str]
S = TypeVar("S", bound=BaseModel)
# The plan lists the medication for recovery beside the plan itself.
PLAN_CLASSES = frozenset({InformationClass.PLANS, InformationClass.MEDICATIONS})


def _today(request: Request) -> date:
    """The program's calendar day now: a check-in is due on the program's day, not UTC's."""
    return program_today()


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


def _blank_is_none(values: Form, *names: str) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in values.items()}


def _message(exc: StepdownError) -> str:
    prefix = f"{exc.field.replace('_', ' ').capitalize()}: " if exc.field else ""
    suffix = f" (rule: {exc.rule})" if exc.rule else ""
    return f"{prefix}{exc.message}{suffix}"


def _run(request: Request, session: Session, to: str, action: Callable[[], str]) -> Response:
    """Do one change in a savepoint and go back, saying what happened."""
    response = RedirectResponse(to, status_code=303)
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


def _tab(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _back(form: Form) -> str:
    """Where a check-in or follow-up form came from: the worklist or a client's tab."""
    try:
        return _tab(uuid.UUID(form.get("client_id", "")))
    except ValueError:
        return WORKLIST


def _on_plan(
    request: Request, session: Session, actor: Actor, plan_id: uuid.UUID, action: Callable[[], str]
) -> Response:
    client_id = service.client_of_plan(session, actor=actor, plan_id=plan_id)
    return _run(request, session, _tab(client_id), action)


# --- staff -------------------------------------------------------------------------------


@router.get(WORKLIST, response_class=HTMLResponse)
def worklist(request: Request, session: DbSession, actor: Staff) -> Response:
    """Check-ins due or missed and follow-ups to make, for the clients this person follows."""
    work = service.worklist(session, actor=actor, today=_today(request))
    return render(request, "aftercare/worklist.html", {"work": work})


@router.post("/clients/{client_id}/aftercare-plans")
def create(client_id: uuid.UUID, request: Request, session: DbSession, actor: Staff) -> Response:
    settings = request.app.state.settings

    def act() -> str:
        service.create_plan(
            session,
            actor=actor,
            client_id=client_id,
            weekly_checkins=settings.aftercare_weekly_checkins,
            checkin_months=settings.aftercare_checkin_months,
            grace_days=settings.aftercare_grace_days,
        )
        return "Draft aftercare plan started."

    return _run(request, session, _tab(client_id), act)


@router.post("/aftercare/plans/{plan_id}")
async def update(
    plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    form = await _form(request)

    def act() -> str:
        values = _blank_is_none(
            form, "case_manager_id", "sober_living_status", "mat_next_appointment"
        )
        data = _validated(PlanUpdate, values)
        service.update_plan(session, actor=actor, plan_id=plan_id, data=data)
        return "Aftercare plan saved."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/aftercare/plans/{plan_id}/meetings")
async def add_meeting(
    plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = _validated(MeetingInput, _blank_is_none(form, "at"))
        service.add_meeting(session, actor=actor, plan_id=plan_id, data=data)
        return "Meeting added."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/aftercare/plans/{plan_id}/meetings/{meeting_id}/remove")
def remove_meeting(
    plan_id: uuid.UUID, meeting_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    def act() -> str:
        service.remove_meeting(session, actor=actor, plan_id=plan_id, meeting_id=meeting_id)
        return "Meeting removed."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/aftercare/plans/{plan_id}/contacts")
async def add_contact(
    plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    form = await _form(request)

    def act() -> str:
        data = _validated(ContactInput, form)
        service.add_contact(session, actor=actor, plan_id=plan_id, data=data)
        return "Crisis contact added."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/aftercare/plans/{plan_id}/contacts/{contact_id}/remove")
def remove_contact(
    plan_id: uuid.UUID, contact_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    def act() -> str:
        service.remove_contact(session, actor=actor, plan_id=plan_id, contact_id=contact_id)
        return "Crisis contact removed."

    return _on_plan(request, session, actor, plan_id, act)


@router.post("/aftercare/plans/{plan_id}/finalize")
def finalize(plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff) -> Response:
    def act() -> str:
        plan = service.finalize(session, actor=actor, plan_id=plan_id, on=_today(request))
        return f"Plan finalized; check-ins start {plan.starts_on}. Print it for the client."

    return _on_plan(request, session, actor, plan_id, act)


@router.get("/aftercare/plans/{plan_id}.pdf")
def plan_pdf(
    plan_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.PDF)],
    target: Annotated[outbound.ReleaseTarget, outbound.release_to(Channel.AFTERCARE_PLAN)],
) -> Response:
    """The final plan to print or save: the client's own copy (staff in scope, or the
    client), or (``?recipient=&purpose=``) a copy sent to a provider under the client's
    consent, with the § 2.32 notice, recorded as a disclosure."""
    view = service.plan_for_print(session, actor=actor, plan_id=plan_id)
    release = None
    if target.recipient_id is not None and target.purpose is not None:
        if not actor.is_staff:
            raise Forbidden("staff send the plan to a provider; ask your case manager")
        try:
            release = gate.disclose(
                session,
                actor=actor,
                client_id=view.plan.client_id,
                recipient_id=target.recipient_id,
                purpose=target.purpose,
                classes=PLAN_CLASSES,
                channel=Channel.AFTERCARE_PLAN,
                description="aftercare plan",
            )
        except gate.DisclosureRefused as exc:
            return refused(request, exc, back=f"/aftercare/plans/{plan_id}")
    content = pdf.render(
        view, program=request.app.state.program.current(), printed_at=utc_now(), release=release
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="aftercare-plan.pdf"'},
    )


@router.post("/aftercare/check-ins/{checkin_id}/complete")
async def complete_checkin(
    checkin_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    form = await _form(request)

    def act() -> str:
        service.complete_checkin(session, actor=actor, checkin_id=checkin_id, today=_today(request))
        return "Check-in marked done."

    return _run(request, session, _back(form), act)


def _follow_up_input(form: Form) -> FollowUpInput:
    values: dict[str, Any] = {"reached": form.get("reached", "")}
    for name in ("abstinent", "readmitted", "employment_school", "housing"):
        if form.get(name):
            values[name] = form[name]
    return _validated(FollowUpInput, values)


@router.post("/aftercare/follow-ups/{follow_up_id}")
async def record_follow_up(
    follow_up_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> Response:
    form = await _form(request)

    def act() -> str:
        service.record_follow_up(
            session,
            actor=actor,
            follow_up_id=follow_up_id,
            data=_follow_up_input(form),
            today=_today(request),
        )
        return "Follow-up recorded."

    return _run(request, session, _back(form), act)


# --- the client's own page ---------------------------------------------------------------


@router.get(PORTAL_PAGE, response_class=HTMLResponse)
def portal(request: Request, session: DbSession, actor: PortalClient) -> Response:
    page = service.portal_page(session, actor=actor, today=_today(request))
    return render(request, "aftercare/portal.html", {"page": page})


@router.post(PORTAL_PAGE + "/check-ins/{checkin_id}/complete")
def portal_complete(
    checkin_id: uuid.UUID, request: Request, session: DbSession, actor: PortalClient
) -> Response:
    def act() -> str:
        service.complete_checkin(session, actor=actor, checkin_id=checkin_id, today=_today(request))
        return "Thank you: your check-in is marked done."

    return _run(request, session, PORTAL_PAGE, act)


@router.post(PORTAL_PAGE + "/follow-ups/{follow_up_id}")
async def portal_follow_up(
    follow_up_id: uuid.UUID, request: Request, session: DbSession, actor: PortalClient
) -> Response:
    form = await _form(request)
    form["reached"] = "true"  # the client answering is the client reached

    def act() -> str:
        service.record_follow_up(
            session,
            actor=actor,
            follow_up_id=follow_up_id,
            data=_follow_up_input(form),
            today=_today(request),
        )
        return "Thank you for answering."

    return _run(request, session, PORTAL_PAGE, act)
