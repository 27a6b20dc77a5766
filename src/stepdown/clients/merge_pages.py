"""Merging a duplicate record into the one that survives, and undoing it, for directors.

Three steps, each a page: name the surviving record (by record number) and say why; read
what will move and what stops it; confirm. Undo lists the merges that still can be.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.clients import access, merge, repository, rules, service
from stepdown.clients.models import Client
from stepdown.kit import bounds
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import NotFound, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
MergeActor = Annotated[Actor, allow(access.CLIENTS_MERGE)]


def _form_page(
    request: Request,
    source: Client,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "clients/merge.html",
        {"source": source, "values": values, "errors": errors},
        status_code=status_code,
    )


@router.get("/clients/{client_id}/merge", response_class=HTMLResponse)
def merge_form(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: MergeActor
) -> Response:
    source = service.get_client(session, actor=actor, client_id=client_id)
    return _form_page(request, source, {"target": "", "reason": ""}, {})


@router.post("/clients/{client_id}/merge", response_class=HTMLResponse)
async def merge_post(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: MergeActor
) -> Response:
    """First post: the preview (what moves, what clashes). The confirmed post merges."""
    form = await request.form()
    values = {
        "target": bounds.parse_text(str(form.get("target", "")), field="target", max_length=20)
        .strip()
        .upper(),
        "reason": bounds.parse_text(
            str(form.get("reason", "")), field="reason", max_length=300
        ).strip(),
    }
    source = service.get_client(session, actor=actor, client_id=client_id)
    target = session.scalar(repository.by_record_number(values["target"]))
    if target is None:
        return _form_page(
            request, source, values, {"target": "No client has that record number."}, 422
        )
    if not values["reason"]:
        return _form_page(
            request, source, values, {"reason": "Say why these are the same person."}, 422
        )
    try:
        if form.get("confirmed") == "yes":
            done = merge.merge(
                session,
                actor=actor,
                source_id=source.id,
                target_id=target.id,
                reason=values["reason"],
            )
        else:
            found = merge.preview(session, actor=actor, source_id=source.id, target_id=target.id)
            return render(
                request,
                "clients/merge_preview.html",
                {"preview": found, "values": values, "undo_days": rules.UNDO_DAYS},
            )
    except StepdownError as exc:
        session.rollback()
        source = service.get_client(session, actor=actor, client_id=client_id)
        return _form_page(
            request, source, values, {exc.field or "target": exc.message}, exc.status_code
        )
    response = RedirectResponse(f"/clients/{done.target_client_id}", status_code=303)
    flash.flash(
        request,
        response,
        f"{source.record_number} merged into {target.record_number}. "
        f"It can be undone for {rules.UNDO_DAYS} days from Clients › Merges.",
    )
    return response


@router.get("/clients/merges", response_class=HTMLResponse)
def merges_page(request: Request, session: DbSession, actor: MergeActor) -> Response:
    now = utc_now()
    rows = [
        (row, rules.undo_refusal(row.record.merged_at, row.record.undone_at, now))
        for row in merge.recent_merges(session, actor=actor)
    ]
    return render(request, "clients/merges.html", {"rows": rows, "undo_days": rules.UNDO_DAYS})


@router.post("/clients/merges/{merge_id}/undo", response_class=HTMLResponse)
async def undo_merge(
    merge_id: uuid.UUID, request: Request, session: DbSession, actor: MergeActor
) -> Response:
    """First post: the confirmation page. The confirmed post undoes the merge."""
    form = await request.form()
    if form.get("confirmed") != "yes":
        rows = merge.recent_merges(session, actor=actor, merge_id=merge_id)
        if not rows:
            raise NotFound("no such merge")
        return render(request, "clients/undo_merge.html", {"row": rows[0]})
    try:
        record = merge.undo(session, actor=actor, merge_id=merge_id)
    except StepdownError as exc:
        session.rollback()
        response = RedirectResponse("/clients/merges", status_code=303)
        flash.flash(request, response, exc.message)
        return response
    response = RedirectResponse(f"/clients/{record.source_client_id}", status_code=303)
    flash.flash(request, response, "Merge undone: the two records are separate again.")
    return response
