"""Progress-note pages: the author's list (overdue, drafts, returned, to co-sign), the note
form (from an appointment on the calendar or from a chart), the note page with its
signatures, addenda and the sign, addendum, co-sign and return forms, the co-sign queue,
the program's documentation settings, the chart's Progress notes tab, the calendar's
per-appointment link, and a client's own notes.

Forms are plain HTML. A refused form comes back with every value kept, the field named
and the refusal's status code; nothing is written.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stepdown.chart import tabs
from stepdown.clinical_notes import access, rules, service
from stepdown.clinical_notes.models import (
    AddendumKind,
    AttendeeRole,
    NoteFormat,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Progress notes", "/clinical-notes", access.WRITE, order=33)
navigation.register("My progress notes", "/my-progress-notes", access.OWN, order=7)
tabs.register(
    "progress_notes",
    "Progress notes",
    access.READ,
    template="clinical_notes/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=63,
)

Writer = Annotated[Actor, allow(access.WRITE)]
Reader = Annotated[Actor, allow(access.READ)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]
E = TypeVar("E", bound=StrEnum)
# Rows of "others present" on the form.
ATTENDEE_ROWS = 4


def _note_url(note_id: uuid.UUID) -> str:
    return f"/clinical-notes/{note_id}"


def _errors(error: StepdownError | None) -> dict[str, str]:
    return {(error.field or "form"): error.message} if error is not None else {}


def _go(request: Request, url: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash.flash(request, response, message)
    return response


# --- The author's list ---------------------------------------------------------------------


@router.get("/clinical-notes", response_class=HTMLResponse)
def index(request: Request, session: DbSession, actor: Writer) -> Response:
    mine = service.my_notes(session, actor=actor)
    return render(
        request,
        "clinical_notes/index.html",
        {"mine": mine, "can_configure": access.SETTINGS.allows(actor.role)},
    )


@router.get("/clinical-notes/cosign", response_class=HTMLResponse)
def cosign_page(request: Request, session: DbSession, actor: Cosigner) -> Response:
    return render(
        request,
        "clinical_notes/queue.html",
        {
            "queue": service.cosign_queue(session, actor=actor),
            "returned": service.returned_by_me(session, actor=actor),
        },
    )


# --- Settings ------------------------------------------------------------------------------


def _settings_page(
    request: Request, values: dict[str, Any], error: StepdownError | None = None
) -> Response:
    return render(
        request,
        "clinical_notes/settings.html",
        {
            "values": values,
            "errors": _errors(error),
            "formats": [(f.value, f.label) for f in NoteFormat],
            "types": [(t.value, t.label) for t in ServiceType],
            "hours_range": rules.OVERDUE_HOURS_RANGE,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/clinical-notes/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETTINGS)]
) -> Response:
    row = service.current_settings(session)
    values = {
        "note_format": row.note_format.value,
        "overdue_hours": str(row.overdue_hours),
        "similarity_threshold": f"{row.similarity_threshold:.2f}",
        "portal_note_types": list(row.portal_note_types),
    }
    return _settings_page(request, values)


def _threshold(value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise Invalid("enter a number such as 0.90", field="similarity_threshold") from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        raise Invalid("enter a number such as 0.90", field="similarity_threshold")
    return number


@router.post("/clinical-notes/settings", response_class=HTMLResponse)
async def save_settings(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETTINGS)]
) -> Response:
    data = await request.form()
    values: dict[str, Any] = {
        "note_format": str(data.get("note_format", "")),
        "overdue_hours": str(data.get("overdue_hours", "")),
        "similarity_threshold": str(data.get("similarity_threshold", "")),
        "portal_note_types": [str(v) for v in data.getlist("portal_note_types")],
    }
    try:
        note_format = _enum(NoteFormat, values["note_format"], "note_format")
        hours = bounds.parse_int(values["overdue_hours"], field="overdue_hours", ge=1, le=720)
        types = [_enum(ServiceType, v, "portal_note_types") for v in values["portal_note_types"]]
        service.update_settings(
            session,
            actor=actor,
            note_format=note_format,
            overdue_hours=hours,
            similarity_threshold=_threshold(values["similarity_threshold"]),
            portal_note_types=types,
        )
    except StepdownError as exc:
        session.rollback()
        return _settings_page(request, values, exc)
    return _go(request, "/clinical-notes/settings", "Documentation settings saved.")


# --- The form ------------------------------------------------------------------------------


def _enum(cls: type[E], value: str, field: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _form_values(data: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: v.strip() for k, v in data.items() if isinstance(v, str) and k != "objective_ids"
    }
    values["objective_ids"] = [str(v) for v in data.getlist("objective_ids")]
    values["client_present"] = "yes" if data.get("client_present") == "yes" else ""
    return values


def _input(values: dict[str, Any], note_format: NoteFormat) -> service.NoteInput:
    """The form as the service's input; a malformed value is refused naming its field."""
    day = bounds.require_day(values.get("service_date"), field="service_date")
    attendees = []
    for index in range(ATTENDEE_ROWS):
        name = values.get(rules.attendee_field(index, "name"), "")
        relationship = values.get(rules.attendee_field(index, "relationship"), "")
        if not name and not relationship:
            continue
        role = _enum(
            AttendeeRole,
            values.get(rules.attendee_field(index, "role"), ""),
            rules.attendee_field(index, "role"),
        )
        attendees.append(rules.Attendee(role, relationship, name))
    sections = {}
    for key in rules.section_keys(note_format):
        field = rules.section_field(key)
        sections[key] = bounds.parse_text(values.get(field, ""), field=field)
    return service.NoteInput(
        service_type=_enum(ServiceType, values.get("service_type", ""), "service_type"),
        service_date=day,
        start=rules.parse_clock(values.get("start_time", ""), field="start_time"),
        end=rules.parse_clock(values.get("end_time", ""), field="end_time"),
        client_present=values.get("client_present") == "yes",
        attendees=tuple(attendees),
        sections=sections,
        objective_ids=tuple(_uuid(v, "objective_ids") for v in values.get("objective_ids", [])),
        risk=rules.RiskReview(
            _enum(RiskAnswer, values.get("suicidal_ideation", ""), "suicidal_ideation"),
            _enum(RiskAnswer, values.get("homicidal_ideation", ""), "homicidal_ideation"),
            _enum(RiskAction, values.get("risk_action", ""), "risk_action"),
            bounds.parse_text(values.get("risk_detail", ""), field="risk_detail"),
        ),
    )


def values_of(data: service.NoteInput) -> dict[str, Any]:
    """A note's input as the form's values."""
    values: dict[str, Any] = {
        "service_type": data.service_type.value,
        "service_date": data.service_date.isoformat(),
        "start_time": data.start.strftime("%H:%M"),
        "end_time": data.end.strftime("%H:%M"),
        "client_present": "yes" if data.client_present else "",
        "objective_ids": [str(o) for o in data.objective_ids],
        "suicidal_ideation": data.risk.suicidal.value,
        "homicidal_ideation": data.risk.homicidal.value,
        "risk_action": data.risk.action.value,
        "risk_detail": data.risk.detail,
    }
    for key, text in data.sections.items():
        values[rules.section_field(key)] = text
    for index, person in enumerate(data.attendees):
        values[rules.attendee_field(index, "role")] = person.role.value
        values[rules.attendee_field(index, "relationship")] = person.relationship
        values[rules.attendee_field(index, "name")] = person.name
    return values


# The form's own inputs (with the format's sections and the rows of others present): a
# refusal naming one is shown at that input.
FORM_FIELDS = frozenset(
    {
        "service_type",
        "service_date",
        "start_time",
        "end_time",
        "client_present",
        "attendees",
        "objective_ids",
        "suicidal_ideation",
        "homicidal_ideation",
        "risk_action",
        "risk_detail",
    }
)


def _form_errors(error: StepdownError | None, note_format: NoteFormat) -> dict[str, str]:
    """A refusal naming something the form has no input for (the appointment it documents:
    attendance not taken, the client absent, already documented; the client) is shown at
    the top of the form, not dropped."""
    errors = _errors(error)
    sections = {rules.section_field(key) for key in rules.section_keys(note_format)}
    return {
        name
        if name in FORM_FIELDS or name in sections or name.startswith("attendee-")
        else "form": message
        for name, message in errors.items()
    }


def _form_page(
    request: Request,
    context: service.FormContext,
    *,
    action: str,
    values: dict[str, Any] | None = None,
    error: StepdownError | None = None,
) -> Response:
    return render(
        request,
        "clinical_notes/form.html",
        {
            "ctx": context,
            "action": action,
            "values": values if values is not None else values_of(context.data),
            "errors": _form_errors(error, context.note_format),
            "types": [(t.value, t.label) for t in context.types],
            "objective_options": [(str(o.id), o.statement) for o in context.objectives],
            "roles": [(r.value, r.label) for r in AttendeeRole],
            "answers": [(a.value, a.label) for a in RiskAnswer],
            "actions": [(a.value, a.label) for a in RiskAction],
            "rows": range(ATTENDEE_ROWS),
            "attendee_field": rules.attendee_field,
            "section_field": rules.section_field,
            "limits": rules.LIMITS,
        },
        status_code=error.status_code if error else 200,
    )


def _optional_uuid(value: str | None, field: str) -> uuid.UUID | None:
    return _uuid(value, field) if value else None


@router.get("/clinical-notes/new", response_class=HTMLResponse)
def new_note(
    request: Request,
    session: DbSession,
    actor: Writer,
    appointment: str = "",
    client: str = "",
    type: str = "",
) -> Response:
    """The form to start a note: from an appointment (filled in from it) or for a client."""
    found = service.new_note_form(
        session,
        actor=actor,
        appointment_id=_optional_uuid(appointment, "appointment"),
        client_id=_optional_uuid(client, "client"),
        service_type=_enum(ServiceType, type, "type") if type else None,
    )
    if not isinstance(found, service.FormContext):
        return RedirectResponse(_note_url(found.id), status_code=303)
    return _form_page(request, found, action="/clinical-notes/new")


def _new_context(session: Session, actor: Actor, values: dict[str, Any]) -> service.FormContext:
    found = service.new_note_form(
        session,
        actor=actor,
        appointment_id=_optional_uuid(values.get("appointment_id"), "appointment_id"),
        client_id=_optional_uuid(values.get("client_id"), "client_id"),
    )
    if not isinstance(found, service.FormContext):
        raise Invalid("this appointment already has a note", field="appointment_id")
    return found


@router.post("/clinical-notes/new", response_class=HTMLResponse)
async def create_note(request: Request, session: DbSession, actor: Writer) -> Response:
    values = _form_values(await request.form())
    context = _new_context(session, actor, values)
    nested = session.begin_nested()
    try:
        note = service.create_note(
            session,
            actor=actor,
            data=_input(values, context.note_format),
            client_id=context.client.id if context.appointment is None else None,
            appointment_id=context.appointment.id if context.appointment else None,
        )
    except StepdownError as exc:
        nested.rollback()
        return _form_page(request, context, action="/clinical-notes/new", values=values, error=exc)
    nested.commit()
    return _go(request, _note_url(note.id), "Draft saved. Sign it when it is complete.")


@router.get("/clinical-notes/appointments/{appointment_id}", response_class=HTMLResponse)
def from_appointment(appointment_id: uuid.UUID, session: DbSession, actor: Reader) -> Response:
    """From the calendar: the appointment's note, or the form to write it."""
    link = service.appointment_note(session, actor=actor, appointment_id=appointment_id)
    if link.note_id is not None:
        return RedirectResponse(_note_url(link.note_id), status_code=303)
    return RedirectResponse(f"/clinical-notes/new?appointment={appointment_id}", status_code=303)


@router.get("/clinical-notes/appointments/{appointment_id}/link", response_class=HTMLResponse)
def appointment_link(
    appointment_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    """The calendar's per-appointment fragment (fetched by htmx): "Write note", the draft,
    the note's status, or nothing."""
    link = service.appointment_note(session, actor=actor, appointment_id=appointment_id)
    return render(request, "clinical_notes/_appointment_link.html", {"link": link})


# --- A note --------------------------------------------------------------------------------


def _note_page(
    request: Request,
    session: Session,
    actor: Actor,
    note_id: uuid.UUID,
    *,
    values: dict[str, str] | None = None,
    error: StepdownError | None = None,
    form: str = "",
) -> Response:
    view = service.get_note(session, actor=actor, note_id=note_id)
    return render(
        request,
        "clinical_notes/note.html",
        {
            "view": view,
            "values": values or {},
            "errors": _errors(error),
            "failed_form": form,
            "kinds": [(k.value, k.label) for k in AddendumKind],
            "copy_flagged": error is not None and error.rule == rules.COPIED,
            "limits": rules.LIMITS,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/clinical-notes/{note_id}", response_class=HTMLResponse)
def note_page(note_id: uuid.UUID, request: Request, session: DbSession, actor: Reader) -> Response:
    return _note_page(request, session, actor, note_id)


@router.get("/clinical-notes/{note_id}/edit", response_class=HTMLResponse)
def edit_page(note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer) -> Response:
    context = service.edit_form(session, actor=actor, note_id=note_id)
    return _form_page(request, context, action=f"/clinical-notes/{note_id}/edit")


@router.post("/clinical-notes/{note_id}/edit", response_class=HTMLResponse)
async def save_edit(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    values = _form_values(await request.form())
    context = service.edit_form(session, actor=actor, note_id=note_id)
    nested = session.begin_nested()
    try:
        service.update_note(
            session, actor=actor, note_id=note_id, data=_input(values, context.note_format)
        )
    except StepdownError as exc:
        nested.rollback()
        return _form_page(
            request, context, action=f"/clinical-notes/{note_id}/edit", values=values, error=exc
        )
    nested.commit()
    return _go(request, _note_url(note_id), "Draft saved.")


async def _text_form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.post("/clinical-notes/{note_id}/sign", response_class=HTMLResponse)
async def sign(note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer) -> Response:
    form = await _text_form(request)
    nested = session.begin_nested()
    try:
        note = service.sign_note(
            session,
            actor=actor,
            note_id=note_id,
            secret=form.get("secret", ""),
            justification=form.get("justification", ""),
        )
    except StepdownError as exc:
        nested.rollback()
        if exc.status_code == 404:
            raise
        kept = {"justification": form.get("justification", "")}
        return _note_page(request, session, actor, note_id, values=kept, error=exc, form="sign")
    nested.commit()
    if note.cosigner_id is not None:
        message = "Signed. It now waits for your supervisor's co-signature."
    else:
        message = "Signed. The note can no longer be changed; add an addendum if needed."
    if note.late_entry:
        message += " It is marked as a late entry."
    return _go(request, _note_url(note_id), message)


@router.post("/clinical-notes/{note_id}/addenda", response_class=HTMLResponse)
async def add_addendum(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _text_form(request)
    nested = session.begin_nested()
    try:
        service.add_addendum(
            session,
            actor=actor,
            note_id=note_id,
            text=form.get("text", ""),
            secret=form.get("secret", ""),
            kind=_enum(AddendumKind, form.get("kind", "addendum"), "kind"),
        )
    except StepdownError as exc:
        nested.rollback()
        if exc.status_code == 404:
            raise
        kept = {"text": form.get("text", ""), "kind": form.get("kind", "")}
        return _note_page(request, session, actor, note_id, values=kept, error=exc, form="addendum")
    nested.commit()
    return _go(request, _note_url(note_id), "Addendum signed and added.")


@router.post("/clinical-notes/{note_id}/cosign", response_class=HTMLResponse)
async def cosign(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Cosigner
) -> Response:
    form = await _text_form(request)
    nested = session.begin_nested()
    try:
        service.cosign(session, actor=actor, note_id=note_id, secret=form.get("secret", ""))
    except StepdownError as exc:
        nested.rollback()
        if exc.status_code == 404:
            raise
        return _note_page(request, session, actor, note_id, error=exc, form="cosign")
    nested.commit()
    return _go(request, "/clinical-notes/cosign", "Co-signed. The note is final.")


@router.post("/clinical-notes/{note_id}/return", response_class=HTMLResponse)
async def return_note(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Cosigner
) -> Response:
    form = await _text_form(request)
    nested = session.begin_nested()
    try:
        service.return_note(session, actor=actor, note_id=note_id, reason=form.get("reason", ""))
    except StepdownError as exc:
        nested.rollback()
        if exc.status_code == 404:
            raise
        kept = {"reason": form.get("reason", "")}
        return _note_page(request, session, actor, note_id, values=kept, error=exc, form="return")
    nested.commit()
    return _go(request, "/clinical-notes/cosign", "Returned to the author with your reason.")


@router.get("/clinical-notes/{note_id}/discard", response_class=HTMLResponse)
def discard_confirm(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    context = service.edit_form(session, actor=actor, note_id=note_id)
    return render(request, "clinical_notes/discard.html", {"ctx": context})


@router.post("/clinical-notes/{note_id}/discard", response_class=HTMLResponse)
async def discard(
    note_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _text_form(request)
    if form.get("confirmed") != "yes":
        return RedirectResponse(f"/clinical-notes/{note_id}/discard", status_code=303)
    service.discard_draft(session, actor=actor, note_id=note_id)
    return _go(request, "/clinical-notes", "Draft discarded.")


# --- A client's own ------------------------------------------------------------------------


@router.get("/my-progress-notes", response_class=HTMLResponse)
def my_notes(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.OWN)]
) -> Response:
    views = service.own_notes(session, actor=actor)
    shared = bool(service.portal_types(service.current_settings(session)))
    return render(request, "clinical_notes/mine.html", {"views": views, "shared": shared})
