"""The admissions pages: the pipeline board, the inquiry form and an inquiry's record.

Every form posts and redirects; a refusal re-renders the same page with the message next
to the field it concerns, so the pages work without JavaScript.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stepdown.clients.duplicates import LikelyDuplicate
from stepdown.inquiries import access, rules, service
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.rules import CallerType, InquirySource, Substance, Urgency
from stepdown.inquiries.schemas import (
    InquiryCreate,
    InquiryFields,
    InquiryFilter,
    InquiryUpdate,
    StatusChangeCreate,
)
from stepdown.kit.clock import parse_local, today
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Inquiries", "/inquiries", access.INQUIRIES_READ, order=20)

Errors = dict[str, str]
MOVE_FIELDS = ("to_status", "assessment_at", "partner", "reason", "note")


async def _form(request: Request) -> FormData:
    """The posted form, read once here so the routes themselves stay synchronous."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def _errors(exc: ValidationError) -> Errors:
    errors: Errors = {}
    for err in exc.errors():
        errors.setdefault(str(err["loc"][0]) if err["loc"] else "", str(err["msg"]))
    return errors


def _inquiry_values(form: FormData) -> dict[str, Any]:
    """The inquiry fields as posted; an unticked checkbox is simply absent."""
    values: dict[str, Any] = {
        name: form.get(name, "")
        for name in InquiryCreate.model_fields
        if name not in ("substances", "consent_to_contact")
    }
    values["substances"] = form.getlist("substances")
    values["consent_to_contact"] = form.get("consent_to_contact") == "on"
    return values


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the form shows them: the same keys and shapes a post sends back."""
    return {name: "" if value is None else value for name, value in values.items()}


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    inquiry: Inquiry | None,
    values: Mapping[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "inquiries/form.html",
        {
            "inquiry": inquiry,
            "values": values,
            "errors": errors,
            "sources": list(InquirySource),
            "callers": list(CallerType),
            "urgencies": list(Urgency),
            "substances": list(Substance),
            "sites": programs_service.open_sites(session, today()),
            "staff": service.assignable_staff(session),
        },
        status_code=status_code,
    )


def _redirect(request: Request, url: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash.flash(request, response, message)
    return response


@router.get("/inquiries", response_class=HTMLResponse)
def board(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.INQUIRIES_READ)]
) -> Response:
    raw = {k: v for k in ("site_id", "urgency") if (v := request.query_params.get(k, "").strip())}
    errors: Errors = {}
    try:
        criteria = InquiryFilter.model_validate(raw)
    except ValidationError as exc:
        errors = _errors(exc)
        criteria = InquiryFilter()
    the_board = service.list_board(
        session, actor=actor, site_id=criteria.site_id, urgency=criteria.urgency
    )
    open_inquiries = [i for column in the_board.columns for i in column.inquiries]
    return render(
        request,
        "inquiries/board.html",
        {
            "board": the_board,
            "values": raw,
            "errors": errors,
            "urgencies": list(Urgency),
            "sites": {s.id: s for s in programs_service.list_sites(session)},
            "staff": security_service.display_names(
                session, {i.assigned_to_id for i in open_inquiries if i.assigned_to_id}
            ),
            "can_write": access.INQUIRIES_WRITE.allows(actor.role),
        },
        status_code=422 if errors else 200,
    )


@router.get("/inquiries/new", response_class=HTMLResponse)
def new_inquiry_form(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)]
) -> Response:
    defaults = InquiryCreate.model_construct(site_id=actor.site_id, assigned_to_id=actor.user_id)
    values = _shown(defaults.model_dump())
    return _form_page(request, session, actor, inquiry=None, values=values, errors={})


@router.post("/inquiries/new", response_class=HTMLResponse)
def create_inquiry(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    form: PostedForm,
) -> Response:
    values = _inquiry_values(form)
    try:
        data = InquiryCreate.model_validate(values)
        inquiry = service.create_inquiry(session, actor=actor, data=data)
    except ValidationError as exc:
        errors = _errors(exc)
    except (Invalid, Conflict) as exc:
        errors = {exc.field or "": exc.message}
    else:
        return _redirect(request, f"/inquiries/{inquiry.id}", "Inquiry recorded.")
    return _form_page(
        request, session, actor, inquiry=None, values=values, errors=errors, status_code=422
    )


def _detail_page(
    request: Request,
    session: Session,
    actor: Actor,
    inquiry_id: uuid.UUID,
    *,
    move_values: Mapping[str, Any] | None = None,
    errors: Errors | None = None,
    duplicates: list[LikelyDuplicate] | None = None,
    chosen: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    staff = security_service.staff_directory(session)
    inquiry = service.get_inquiry(session, actor=actor, inquiry_id=inquiry_id)
    site = programs_service.get_site(session, inquiry.site_id) if inquiry.site_id else None
    assigned_ids = {inquiry.assigned_to_id} if inquiry.assigned_to_id else set()
    assigned = security_service.display_names(session, assigned_ids)
    return render(
        request,
        "inquiries/detail.html",
        {
            "inquiry": inquiry,
            "history": service.status_history(session, inquiry=inquiry),
            "site": site,
            "assigned_name": assigned.get(inquiry.assigned_to_id) if inquiry.assigned_to_id else "",
            "moves": rules.manual_moves(inquiry.status),
            "can_convert": rules.can_convert(inquiry.status),
            "can_write": access.INQUIRIES_WRITE.allows(actor.role),
            "move_values": move_values or {},
            "errors": errors or {},
            "duplicates": duplicates or [],
            "clinicians": [u for u in staff if u.role is Role.CLINICIAN],
            "case_managers": [u for u in staff if u.role is Role.CASE_MANAGER],
            "chosen": chosen or {},
        },
        status_code=status_code,
    )


@router.get("/inquiries/{inquiry_id}", response_class=HTMLResponse)
def inquiry_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_READ)],
    inquiry_id: uuid.UUID,
) -> Response:
    return _detail_page(request, session, actor, inquiry_id)


@router.get("/inquiries/{inquiry_id}/edit", response_class=HTMLResponse)
def edit_inquiry_form(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
) -> Response:
    inquiry = service.get_inquiry(session, actor=actor, inquiry_id=inquiry_id)
    values = _shown({name: getattr(inquiry, name) for name in InquiryFields.model_fields})
    return _form_page(request, session, actor, inquiry=inquiry, values=values, errors={})


@router.post("/inquiries/{inquiry_id}/edit", response_class=HTMLResponse)
def update_inquiry(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = _inquiry_values(form)
    values.pop("external_ref")
    try:
        fields = InquiryFields.model_validate(values)
        service.update_inquiry(
            session,
            actor=actor,
            inquiry_id=inquiry_id,
            changes=InquiryUpdate.model_validate(fields.model_dump()),
        )
    except ValidationError as exc:
        errors = _errors(exc)
    except (Invalid, Conflict) as exc:
        errors = {exc.field or "": exc.message}
    else:
        return _redirect(request, f"/inquiries/{inquiry_id}", "Inquiry updated.")
    inquiry = service.get_inquiry(session, actor=actor, inquiry_id=inquiry_id)
    return _form_page(
        request, session, actor, inquiry=inquiry, values=values, errors=errors, status_code=422
    )


@router.post("/inquiries/{inquiry_id}/status", response_class=HTMLResponse)
def move_status(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    values = {name: form.get(name, "") for name in MOVE_FIELDS}
    try:
        # The browser's date-time field is the program's wall clock; the API takes UTC.
        wall_time = values["assessment_at"]
        at = (
            parse_local(wall_time, field="assessment_at")
            if isinstance(wall_time, str) and wall_time.strip()
            else None
        )
        change = StatusChangeCreate.model_validate({**values, "assessment_at": at})
        inquiry = service.move_status(session, actor=actor, inquiry_id=inquiry_id, change=change)
    except ValidationError as exc:
        errors, status_code = _errors(exc), 422
        if "to_status" in errors:
            errors["to_status"] = "Choose where the inquiry moves to."
    except (Invalid, Conflict) as exc:
        errors, status_code = {exc.field or "": exc.message}, exc.status_code
    else:
        message = f"Moved to {inquiry.status.label.lower()}."
        return _redirect(request, f"/inquiries/{inquiry_id}", message)
    return _detail_page(
        request,
        session,
        actor,
        inquiry_id,
        move_values=values,
        errors=errors,
        status_code=status_code,
    )


def _staff_choice(form: FormData, field: str) -> uuid.UUID | None:
    value = form.get(field, "")
    if not isinstance(value, str) or not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Invalid("choose someone from the list", field=field) from exc


@router.post("/inquiries/{inquiry_id}/convert", response_class=HTMLResponse)
def convert_to_client(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    """Admit. Likely duplicates on file are shown first; "someone else" posts again with
    ``not_duplicate=yes``, "the same person" links the inquiry to that record."""
    try:
        client = service.convert_to_client(
            session,
            actor=actor,
            inquiry_id=inquiry_id,
            not_duplicate=form.get("not_duplicate") == "yes",
            primary_clinician_id=_staff_choice(form, "primary_clinician"),
            case_manager_id=_staff_choice(form, "case_manager"),
        )
    except service.LikelyDuplicates as exc:
        session.rollback()
        return _detail_page(
            request,
            session,
            actor,
            inquiry_id,
            duplicates=exc.candidates,
            chosen={k: str(form.get(k, "")) for k in ("primary_clinician", "case_manager")},
            status_code=409,
        )
    except (Invalid, Conflict) as exc:
        return _detail_page(
            request,
            session,
            actor,
            inquiry_id,
            errors={"convert": exc.message, "convert_field": exc.field or ""},
            status_code=exc.status_code,
        )
    message = f"Admitted: client record {client.record_number} opened."
    return _redirect(request, f"/clients/{client.id}", message)


@router.post("/inquiries/{inquiry_id}/link", response_class=HTMLResponse)
def link_to_existing(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    client_id: Annotated[uuid.UUID, Form()],
) -> Response:
    try:
        client = service.link_to_existing(
            session, actor=actor, inquiry_id=inquiry_id, client_id=client_id
        )
    except (Invalid, Conflict, NotFound) as exc:
        session.rollback()
        return _detail_page(
            request,
            session,
            actor,
            inquiry_id,
            errors={"convert": exc.message, "convert_field": exc.field or ""},
            status_code=exc.status_code,
        )
    message = f"Linked to the existing client record {client.record_number}."
    return _redirect(request, f"/clients/{client.id}", message)
