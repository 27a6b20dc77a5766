"""Group-note pages: the sessions a leader has to document, a session's note form, the
chart's Group notes tab, and a client's own notes.

The form is plain HTML (no script): the shared text, then one fieldset per attendee with
participation, a progress line and an objective of their current plan. "Save draft" keeps
it; "Sign" saves and signs in one step, with the leader's password or signing PIN typed
into the form's ``secret`` field. A refused form comes back with every value kept (never
the secret) and the field named, with the refusal's status code; a refused signature
saves and signs nothing.

A supervisor co-signs a supervisee's signed note from the note's page (a small form with
their own password or PIN), reached from the list of notes waiting for them.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.chart import tabs
from stepdown.group_notes import access, rules, service
from stepdown.group_notes.models import (
    PARTICIPATION_LABELS,
    GroupNote,
    NoteStatus,
    Participation,
)
from stepdown.kit.errors import Conflict, Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.signing import SECRET_FIELD
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Group notes", "/group-notes", access.WRITE, order=32)
navigation.register("My group notes", "/my-group-notes", access.OWN, order=6)
tabs.register(
    "group_notes",
    "Group notes",
    access.CHART,
    template="group_notes/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=65,
)

Writer = Annotated[Actor, allow(access.WRITE)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]
Form = dict[str, str]
COSIGN_LIST = "/group-notes/awaiting-cosignature"


@router.get("/group-notes", response_class=HTMLResponse)
def sessions_page(request: Request, session: DbSession, actor: Writer) -> Response:
    rows = service.sessions_to_document(session, actor=actor)
    waiting = service.awaiting_cosignature(session, actor=actor)
    return render(
        request, "group_notes/sessions.html", {"rows": rows, "cosign_count": len(waiting)}
    )


@router.get(COSIGN_LIST, response_class=HTMLResponse)
def cosign_page(request: Request, session: DbSession, actor: Cosigner) -> Response:
    """Group notes of the staff you supervise, waiting for your co-signature."""
    rows = service.awaiting_cosignature(session, actor=actor)
    return render(request, "group_notes/awaiting_cosignature.html", {"cosign_rows": rows})


def _action(occurrence_id: uuid.UUID) -> str:
    return f"/group-notes/occurrences/{occurrence_id}"


def _note_page(
    request: Request,
    view: service.SessionNote,
    *,
    values: Form | None = None,
    error: StepdownError | None = None,
) -> Response:
    errors: dict[str, str] = {}
    if error is not None:
        errors[error.field or "form"] = error.message
    if values is not None:
        values = {k: v for k, v in values.items() if k != SECRET_FIELD}  # never echoed
    return render(
        request,
        "group_notes/note.html",
        {
            "view": view,
            "action": _action(view.occurrence.id),
            "participations": [(p.value, PARTICIPATION_LABELS[p]) for p in Participation],
            "values": values,
            "errors": errors,
            "limits": rules.LIMITS,
        },
        status_code=error.status_code if error else 200,
    )


def _blocked(request: Request, occurrence_id: uuid.UUID, error: Conflict) -> Response:
    """Attendance not taken, nobody attended, or a cancelled session: say so, and link to
    the roster where attendance is taken."""
    return render(
        request,
        "group_notes/blocked.html",
        {"message": error.message, "occurrence_id": occurrence_id},
        status_code=error.status_code,
    )


def _view(
    request: Request, session: Session, actor: Actor, occurrence_id: uuid.UUID
) -> service.SessionNote | Response:
    try:
        return service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence_id)
    except Conflict as exc:
        return _blocked(request, occurrence_id, exc)


@router.get("/group-notes/occurrences/{occurrence_id}", response_class=HTMLResponse)
def note_page(
    occurrence_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    view = _view(request, session, actor, occurrence_id)
    return view if isinstance(view, Response) else _note_page(request, view)


def _optional_uuid(value: str, field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _lines(form: Form, view: service.SessionNote) -> list[rules.LineInput]:
    """One line per attendee on the form, from its ``participation-``, ``progress-`` and
    ``objective-`` fields."""
    lines = []
    for row in view.attendees:
        cid = row.client.id
        choice = form.get(f"participation-{cid}", "")
        try:
            participation = Participation(choice) if choice else None
        except ValueError:
            raise Invalid("choose from the list", field=f"participation-{cid}") from None
        lines.append(
            rules.LineInput(
                cid,
                participation,
                form.get(rules.line_field(cid), ""),
                _optional_uuid(form.get(f"objective-{cid}", ""), f"objective-{cid}"),
            )
        )
    return lines


@router.post("/group-notes/occurrences/{occurrence_id}", response_class=HTMLResponse)
async def save_note(
    occurrence_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    view = _view(request, session, actor, occurrence_id)
    if isinstance(view, Response):
        return view
    data = await request.form()
    secret = data.get(SECRET_FIELD, "")
    form = {k: v.strip() for k, v in data.items() if isinstance(v, str) and k != SECRET_FIELD}
    signing = form.get("action") == "sign"
    signed: GroupNote | None = None
    nested = session.begin_nested()
    try:
        service.save_draft(
            session,
            actor=actor,
            occurrence_id=occurrence_id,
            topic=form.get("topic", ""),
            content=form.get("content", ""),
            dynamics=form.get("dynamics", ""),
            lines=_lines(form, view),
        )
        if signing:
            signed = service.sign(
                session,
                actor=actor,
                occurrence_id=occurrence_id,
                secret=secret if isinstance(secret, str) else "",
            )
    except StepdownError as exc:
        nested.rollback()
        return _note_page(request, view, values=form, error=exc)
    nested.commit()
    response = RedirectResponse(_action(occurrence_id), status_code=303)
    if signing:
        message = f"Signed: an individual note was filed in {len(view.attendees)} chart(s)."
        if signed is not None and signed.status is NoteStatus.AWAITING_COSIGNATURE:
            message += " It waits for your supervisor's co-signature."
    else:
        message = "Draft saved. It is filed in the attendees' charts when you sign it."
    flash.flash(request, response, message)
    return response


@router.post("/group-notes/occurrences/{occurrence_id}/cosign", response_class=HTMLResponse)
async def cosign_note(
    occurrence_id: uuid.UUID, request: Request, session: DbSession, actor: Cosigner
) -> Response:
    """Co-sign with your own password or PIN; a wrong one re-renders the note with the
    error and co-signs nothing."""
    data = await request.form()
    secret = data.get(SECRET_FIELD, "")
    nested = session.begin_nested()
    try:
        service.cosign(
            session,
            actor=actor,
            occurrence_id=occurrence_id,
            secret=secret if isinstance(secret, str) else "",
        )
    except StepdownError as exc:
        nested.rollback()
        view = _view(request, session, actor, occurrence_id)
        return view if isinstance(view, Response) else _note_page(request, view, error=exc)
    nested.commit()
    response = RedirectResponse(COSIGN_LIST, status_code=303)
    flash.flash(request, response, "Co-signed: the note is final.")
    return response


@router.get("/my-group-notes", response_class=HTMLResponse)
def my_notes(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.OWN)]
) -> Response:
    """A client's own group notes: the session's summary and their own line only."""
    entries = service.own_notes(session, actor=actor)
    return render(request, "group_notes/mine.html", {"entries": entries})
