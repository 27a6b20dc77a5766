"""Document pages: the chart's Documents tab (list and upload form), the upload page a
refused upload comes back to, a document's page with its preview, its file (shown or
saved), and the confirmation that marks a filing entered in error.

The upload form is plain multipart HTML with the CSRF token as a field (read by
``security.deps.csrf_protect`` from the parsed form). The request body limit of the
upload route (``rules.request_limit``) bounds the whole upload before the route runs; the
route then copies
the file into the store in chunks, counting, so it never holds the file in memory.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from stepdown.chart import tabs
from stepdown.disclosures import outbound
from stepdown.documents import access, rules, service, storage
from stepdown.documents.models import KIND_LABELS, DocumentKind
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.settings import Settings
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "documents"
tabs.register(
    TAB,
    "Documents",
    access.READ,
    template="documents/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=97,
)

Reader = Annotated[Actor, allow(access.READ)]
Uploader = Annotated[Actor, allow(access.UPLOAD)]
Corrector = Annotated[Actor, allow(access.CORRECT)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _tab(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _kinds(actor: Actor) -> list[tuple[str, str]]:
    allowed = access.uploadable_kinds(actor.role)
    return [(k.value, KIND_LABELS[k]) for k in DocumentKind if k in allowed]


def _upload_page(
    request: Request,
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    limit = service.upload_limit(_settings(request))
    client = service.client_for_upload(session, actor=actor, client_id=client_id)
    return render(
        request,
        "documents/upload.html",
        {
            "client": client,
            "client_id": client_id,
            "kinds": _kinds(actor),
            "values": values or {},
            "errors": errors or {},
            "limit": limit,
            "limit_text": rules.size_text(limit),
            "description_max": rules.DESCRIPTION_MAX,
        },
        status_code=status_code,
    )


@router.get("/clients/{client_id}/documents/new", response_class=HTMLResponse)
def upload_page(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Uploader
) -> Response:
    return _upload_page(request, session, actor, client_id)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _kind(value: str) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise Invalid("choose the document's type", field="kind") from None


def _upload(
    session: Session, actor: Actor, settings: Settings, client_id: uuid.UUID, form: FormData
) -> uuid.UUID:
    """Parse the form's fields and file the document; the file's bytes are copied in the
    calling (worker) thread."""
    kind = _kind(_text(form, "kind"))
    day = bounds.parse_day(_text(form, "document_date"), field="document_date")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("choose the file to upload", field="file")
    document = service.upload(
        session,
        actor=actor,
        storage=storage.from_settings(settings),
        client_id=client_id,
        kind=kind,
        document_date=day,
        description=_text(form, "description"),
        filename=upload.filename,
        source=upload.file,
        max_bytes=service.upload_limit(settings),
        declared_size=upload.size,
    )
    return document.id


@router.post("/clients/{client_id}/documents", response_class=HTMLResponse)
async def upload(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Uploader
) -> Response:
    form = await request.form()
    values = {name: _text(form, name) for name in ("kind", "document_date", "description")}
    try:
        await run_in_threadpool(_upload, session, actor, _settings(request), client_id, form)
    except StepdownError as exc:
        session.rollback()
        return _upload_page(
            request,
            session,
            actor,
            client_id,
            values,
            {exc.field or "form": exc.message},
            exc.status_code,
        )
    response = RedirectResponse(_tab(client_id), status_code=303)
    flash.flash(request, response, "Document filed.")
    return response


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    page = service.document_page(
        session,
        actor=actor,
        storage=storage.from_settings(_settings(request)),
        document_id=document_id,
    )
    return render(request, "documents/document.html", {"page": page, "tab": _tab(page.client.id)})


def _file(
    request: Request, session: Session, actor: Actor, document_id: uuid.UUID, *, download: bool
) -> Response:
    """The file, or the damage page (answered, not raised, so the audit entry of the
    refused view is kept)."""
    try:
        found = service.open_file(
            session,
            actor=actor,
            storage=storage.from_settings(_settings(request)),
            document_id=document_id,
            download=download,
        )
    except service.Damaged as exc:
        return render(
            request,
            "errors/error.html",
            {"heading": "The file cannot be shown", "message": exc.message},
            status_code=exc.status_code,
        )
    return StreamingResponse(found.chunks(), headers=found.headers)


@router.get("/documents/{document_id}/file")
def document_file(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    """Shown in the browser (images and PDFs)."""
    return _file(request, session, actor, document_id, download=False)


@router.get("/documents/{document_id}/download")
def document_download(
    document_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    _: Annotated[None, outbound.internal_copy("a filed paper opened by staff in the chart")],
) -> Response:
    """Saved to the computer (audited as an export)."""
    return _file(request, session, actor, document_id, download=True)


def _confirm_page(
    request: Request,
    page: service.DocumentPage,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "page": page,
        "values": values or {},
        "errors": errors or {},
        "reason_max": rules.REASON_MAX,
        "tab": _tab(page.client.id),
    }
    return render(request, "documents/entered_in_error.html", context, status_code=status_code)


@router.get("/documents/{document_id}/entered-in-error", response_class=HTMLResponse)
def confirm_error_page(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Corrector
) -> Response:
    page = service.document_page(
        session,
        actor=actor,
        storage=storage.from_settings(_settings(request)),
        document_id=document_id,
    )
    return _confirm_page(request, page)


@router.post("/documents/{document_id}/entered-in-error", response_class=HTMLResponse)
async def mark_entered_in_error(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Corrector
) -> Response:
    form = await request.form()
    values = {"reason": _text(form, "reason")}
    nested = session.begin_nested()
    try:
        if _text(form, "confirmed") != "yes":
            raise Invalid("confirm that the filing was a mistake", field="confirmed")
        document = service.mark_entered_in_error(
            session, actor=actor, document_id=document_id, reason=values["reason"]
        )
    except StepdownError as exc:
        nested.rollback()
        page = service.document_page(
            session,
            actor=actor,
            storage=storage.from_settings(_settings(request)),
            document_id=document_id,
        )
        return _confirm_page(
            request, page, values, {exc.field or "form": exc.message}, exc.status_code
        )
    nested.commit()
    response = RedirectResponse(_tab(document.client_id), status_code=303)
    flash.flash(request, response, "Marked entered in error; the filing and its file are kept.")
    return response
