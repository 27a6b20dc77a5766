"""Intake pages: the chart's Intake tab, the form (start, save the draft), the intake
page (sign, co-sign, add an addendum), a print-friendly copy, and the list of intakes due
and waiting for a co-signature.

The form is plain HTML: the narrative sections, yes/no questions whose blank choice is
"not asked", and a table of substance rows (blank rows are ignored; the rows are
renumbered on save, so a refusal names the row as it comes back). A refused form comes
back with every value kept, the field named and the refusal's status code; nothing is
written. Signing asks for the password (or signing PIN) again.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from stepdown.chart import tabs
from stepdown.disclosures import outbound
from stepdown.intake import access, rules, service
from stepdown.intake.models import (
    Answer,
    Employment,
    Frequency,
    Housing,
    IntakeStatus,
    Route,
    Substance,
)
from stepdown.intake.schemas import IntakeWrite
from stepdown.kit import bounds, clock
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.signing import SECRET_FIELD
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Intakes", "/intakes", access.DUE, order=31)
tabs.register(
    "intake",
    "Intake",
    access.READ,
    template="intake/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=14,
)

Writer = Annotated[Actor, allow(access.WRITE)]
Reader = Annotated[Actor, allow(access.READ)]
Form = dict[str, str]
ROW_FIELDS = (
    "substance",
    "other_name",
    "age_first_use",
    "route",
    "frequency",
    "amount",
    "pattern",
    "last_use_on",
    "last_use_time",
)
BLANK_ROWS = 2  # empty rows the form offers after the listed ones

CHOICES: dict[str, Any] = {
    "answers": [(a.value, a.label) for a in Answer],
    "substances": [(s.value, s.label) for s in Substance],
    "routes": [(r.value, r.label) for r in Route],
    "frequencies": [(f.value, f.label) for f in Frequency],
    "housing": [(h.value, h.label) for h in Housing],
    "employment": [(e.value, e.label) for e in Employment],
}


def _page(intake_id: uuid.UUID) -> str:
    return f"/intakes/{intake_id}"


def _chart(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab=intake"


async def _posted(request: Request) -> Form:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _key(index: int, name: str) -> str:
    return rules.row_field(index, name)


def compact_rows(form: Form) -> Form:
    """The form with its substance rows renumbered 0.. in order and blank rows dropped,
    so row numbers in refusals match the rows shown again."""
    count = bounds.parse_int(
        form.get("substance_rows", ""),
        field="substances",
        le=rules.MAX_SUBSTANCES + BLANK_ROWS,
        default=0,
    )
    kept: list[dict[str, str]] = []
    for index in range(count):
        row = {name: form.get(_key(index, name), "").strip() for name in ROW_FIELDS}
        if any(row.values()):
            kept.append(row)
    result = {k: v for k, v in form.items() if not k.startswith("substances.")}
    for index, row in enumerate(kept):
        result.update({_key(index, name): value for name, value in row.items()})
    result["substance_rows"] = str(len(kept))
    return result


def _substances(form: Form) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for index in range(int(form.get("substance_rows", "0"))):

        def get(name: str, index: int = index) -> str:
            return form.get(_key(index, name), "")

        if not get("substance"):
            raise Invalid("choose the substance", field=_key(index, "substance"))
        rows.append(
            {
                "substance": get("substance"),
                "other_name": get("other_name"),
                "age_first_use": bounds.parse_optional_int(
                    get("age_first_use"),
                    field=_key(index, "age_first_use"),
                    ge=rules.AGE_MIN,
                    le=rules.AGE_MAX,
                ),
                "route": get("route") or None,
                "frequency": get("frequency") or None,
                "amount": get("amount"),
                "pattern": get("pattern"),
                "last_use_on": bounds.parse_day(
                    get("last_use_on"), field=_key(index, "last_use_on")
                ),
                "last_use_time": get("last_use_time") or None,
            }
        )
    return rows


def parse_form(form: Form) -> IntakeWrite:
    """The intake form as the API's shape; ``form`` has been through ``compact_rows``."""
    raw: dict[str, Any] = {name: form.get(name, "") for name in rules.TEXT_FIELDS}
    raw.update({name: form.get(name) or None for name in rules.ANSWER_FIELDS})
    raw.update({name: form.get(name) or None for name in rules.CHOICE_FIELDS})
    moment = form.get("interviewed_at", "").strip()
    if moment:
        raw["interviewed_at"] = clock.parse_local(moment, field="interviewed_at")
    raw["substances"] = _substances(form)
    return IntakeWrite.model_validate(raw)


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(part) for part in err["loc"]) or "form"
        found.setdefault(name, str(err["msg"]))
    return found


def values_of(view: service.IntakeView) -> Form:
    """A saved intake as the form's values."""
    intake = view.intake
    values: Form = {name: getattr(intake, name) for name in rules.TEXT_FIELDS}
    for name in (*rules.ANSWER_FIELDS, *rules.CHOICE_FIELDS):
        value = getattr(intake, name)
        values[name] = value.value if value is not None else ""
    values["interviewed_at"] = clock.input_value(intake.interviewed_at)
    for index, row in enumerate(view.substances):
        local = clock.local(row.last_use_at) if row.last_use_at else None
        values.update(
            {
                _key(index, "substance"): row.substance.value,
                _key(index, "other_name"): row.other_name,
                _key(index, "age_first_use"): ""
                if row.age_first_use is None
                else str(row.age_first_use),
                _key(index, "route"): row.route.value if row.route else "",
                _key(index, "frequency"): row.frequency.value if row.frequency else "",
                _key(index, "amount"): row.amount,
                _key(index, "pattern"): row.pattern,
                _key(index, "last_use_on"): row.last_use_on.isoformat() if row.last_use_on else "",
                _key(index, "last_use_time"): local.strftime("%H:%M") if local else "",
            }
        )
    values["substance_rows"] = str(len(view.substances))
    return values


def _form_page(
    request: Request,
    view: service.IntakeView,
    values: Form,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    listed = int(values.get("substance_rows", "0"))
    rows = min(rules.MAX_SUBSTANCES, listed + BLANK_ROWS)
    return render(
        request,
        "intake/form.html",
        {
            "view": view,
            "values": values,
            "errors": errors or {},
            "rows": rows,
            "limits": rules.LIMITS,
            "ptsd_items": list(zip(rules.PTSD_ITEM_FIELDS, rules.PC_PTSD_5, strict=True)),
            "ptsd_exposure": rules.PC_PTSD_5_EXPOSURE,
            **CHOICES,
        },
        status_code=status_code,
    )


def _view_page(
    request: Request,
    session: Session,
    actor: Actor,
    view: service.IntakeView,
    *,
    error: StepdownError | None = None,
    addendum: str = "",
) -> Response:
    intake = view.intake
    return render(
        request,
        "intake/view.html",
        {
            "view": view,
            "can_write": service.may_write(session, actor=actor, intake=intake),
            "can_cosign": intake.awaiting_cosignature and view.cosigner == actor.user_id,
            "error": error,
            "addendum": addendum,
            "secret_field": SECRET_FIELD,
            "ptsd_items": list(zip(rules.PTSD_ITEM_FIELDS, rules.PC_PTSD_5, strict=True)),
            "missing": rules.missing_for_signature(intake.presenting_problem, len(view.substances)),
        },
        status_code=error.status_code if error else 200,
    )


@router.post("/clients/{client_id}/intake")
def start(client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer) -> Response:
    nested = session.begin_nested()
    try:
        intake = service.start_intake(session, actor=actor, client_id=client_id)
    except StepdownError as exc:
        nested.rollback()
        response = RedirectResponse(_chart(client_id), status_code=303)
        flash.flash(request, response, exc.message, kind="error")
        return response
    nested.commit()
    response = RedirectResponse(f"{_page(intake.id)}/edit", status_code=303)
    flash.flash(request, response, "Intake started as a draft.")
    return response


@router.get("/intakes", response_class=HTMLResponse)
def worklist(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.DUE)]
) -> Response:
    return render(
        request,
        "intake/worklist.html",
        {
            "intakes_due": service.intakes_due(session, actor=actor),
            "intakes_awaiting_cosignature": service.awaiting_cosignature(session, actor=actor),
            "due_days": rules.INTAKE_DUE_DAYS,
        },
    )


@router.get("/intakes/{intake_id}", response_class=HTMLResponse)
def intake_page(
    intake_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    view = service.get_intake(session, actor=actor, intake_id=intake_id)
    return _view_page(request, session, actor, view)


@router.get("/intakes/{intake_id}/print", response_class=HTMLResponse)
def print_page(
    intake_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    _: Annotated[None, outbound.internal_copy("the chart's own paper copy of the intake")],
) -> Response:
    view = service.get_intake(session, actor=actor, intake_id=intake_id)
    return render(
        request,
        "intake/print.html",
        {
            "view": view,
            "printed_at": utc_now(),
            "printed_by": actor.username,
            "ptsd_items": list(zip(rules.PTSD_ITEM_FIELDS, rules.PC_PTSD_5, strict=True)),
        },
    )


@router.get("/intakes/{intake_id}/edit", response_class=HTMLResponse)
def edit_page(
    intake_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    view = service.get_intake(session, actor=actor, intake_id=intake_id)
    if view.intake.status is not IntakeStatus.DRAFT or not service.may_write(
        session, actor=actor, intake=view.intake
    ):
        return RedirectResponse(_page(intake_id), status_code=303)
    return _form_page(request, view, values_of(view))


@router.post("/intakes/{intake_id}", response_class=HTMLResponse)
async def save(
    intake_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    posted = await _posted(request)
    nested = session.begin_nested()
    try:
        form = compact_rows(posted)
    except StepdownError as exc:
        form = {**posted, "substance_rows": "0"}
        errors = {exc.field or "form": exc.message}
        failure: int | None = exc.status_code
    else:
        try:
            service.save_draft(session, actor=actor, intake_id=intake_id, data=parse_form(form))
            failure = None
        except ValidationError as exc:
            errors, failure = _errors(exc), 422
        except StepdownError as exc:
            errors, failure = {exc.field or "form": exc.message}, exc.status_code
    if failure is not None:
        nested.rollback()
        view = service.get_intake(session, actor=actor, intake_id=intake_id)
        return _form_page(request, view, form, errors=errors, status_code=failure)
    nested.commit()
    reviewing = posted.get("action") == "review"
    target = _page(intake_id) if reviewing else f"{_page(intake_id)}/edit"
    response = RedirectResponse(target, status_code=303)
    flash.flash(
        request,
        response,
        "Draft saved. Read it through, then sign it below."
        if reviewing
        else "Draft saved. It becomes part of the record when you sign it.",
    )
    return response


def _signing_action(
    request: Request,
    session: Session,
    actor: Actor,
    intake_id: uuid.UUID,
    act: Any,
    message: str,
    *,
    addendum: str = "",
) -> Response:
    nested = session.begin_nested()
    try:
        act()
    except StepdownError as exc:
        nested.rollback()
        view = service.get_intake(session, actor=actor, intake_id=intake_id)
        return _view_page(request, session, actor, view, error=exc, addendum=addendum)
    nested.commit()
    response = RedirectResponse(_page(intake_id), status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/intakes/{intake_id}/sign", response_class=HTMLResponse)
async def sign(
    intake_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _posted(request)

    def act() -> None:
        service.sign(session, actor=actor, intake_id=intake_id, secret=form.get(SECRET_FIELD, ""))

    return _signing_action(
        request, session, actor, intake_id, act, "Intake signed; it can no longer be changed."
    )


@router.post("/intakes/{intake_id}/cosign", response_class=HTMLResponse)
async def cosign(
    intake_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COSIGN)],
) -> Response:
    form = await _posted(request)

    def act() -> None:
        service.cosign(session, actor=actor, intake_id=intake_id, secret=form.get(SECRET_FIELD, ""))

    return _signing_action(request, session, actor, intake_id, act, "Intake co-signed.")


@router.post("/intakes/{intake_id}/addenda", response_class=HTMLResponse)
async def addendum(
    intake_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _posted(request)
    text = form.get("text", "")

    def act() -> None:
        service.add_addendum(
            session,
            actor=actor,
            intake_id=intake_id,
            text=text,
            secret=form.get(SECRET_FIELD, ""),
        )

    return _signing_action(
        request, session, actor, intake_id, act, "Addendum signed and added.", addendum=text
    )
