"""JSON routes for chart documents: a chart's list, filing one (multipart), one filing's
details, its file, and marking it entered in error."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse

from stepdown.documents import access, rules, service, storage
from stepdown.documents.models import Document, DocumentKind
from stepdown.documents.schemas import DocumentRead, EnteredInError
from stepdown.kit.schemas import Day, ErrorBody, Line
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["documents"])
Reader = Annotated[Actor, allow(access.READ)]
Uploader = Annotated[Actor, allow(access.UPLOAD)]
Corrector = Annotated[Actor, allow(access.CORRECT)]

FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The stored bytes, as the type they were found to be on upload",
        "content": {content_type: {} for content_type in rules.EXTENSIONS},
    },
    409: {
        "description": "The stored file is missing or no longer matches its digest; "
        "nothing is served (`rule` is document_damaged)",
        "model": ErrorBody,
    },
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def read(document: Document) -> DocumentRead:
    return DocumentRead.model_validate(document, from_attributes=True)


@router.get("/clients/{client_id}/documents", response_model=list[DocumentRead])
def list_documents(
    client_id: uuid.UUID, session: DbSession, actor: Reader, include_entered_in_error: bool = False
) -> list[DocumentRead]:
    """The chart's documents of the kinds the caller reads, newest filing first. Those
    entered in error are included for the director when asked."""
    documents = service.documents_for_client(
        session, actor=actor, client_id=client_id, include_errors=include_entered_in_error
    )
    return [read(d) for d in documents]


@router.post(
    "/clients/{client_id}/documents",
    response_model=DocumentRead,
    status_code=201,
)
def upload_document(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Uploader,
    file: Annotated[UploadFile, File(description="A PDF, JPEG or PNG; checked by content")],
    kind: Annotated[DocumentKind, Form()],
    description: Annotated[Line, Form(max_length=rules.DESCRIPTION_MAX)] = "",
    document_date: Annotated[Day | None, Form(description="The date on the paper")] = None,
) -> DocumentRead:
    """File a scanned or photographed document in the chart. The file's type is decided
    from its content (never its name or declared type); a refusal names the field."""
    document = service.upload(
        session,
        actor=actor,
        storage=storage.from_settings(_settings(request)),
        client_id=client_id,
        kind=kind,
        document_date=document_date,
        description=description,
        filename=file.filename or "",
        source=file.file,
        max_bytes=service.upload_limit(_settings(request)),
        declared_size=file.size,
    )
    return read(document)


@router.get("/documents/{document_id}", response_model=DocumentRead)
def get_document(document_id: uuid.UUID, session: DbSession, actor: Reader) -> DocumentRead:
    """One filing's details (not its file)."""
    return read(service.get_document(session, actor=actor, document_id=document_id))


def file_response(
    request: Request, session: DbSession, actor: Actor, document_id: uuid.UUID, *, download: bool
) -> Response:
    """The stored file, hashed again before it is sent; a damaged one is answered 409
    (the refused attempt stays in the audit trail: the error is answered, not raised)."""
    try:
        found = service.open_file(
            session,
            actor=actor,
            storage=storage.from_settings(_settings(request)),
            document_id=document_id,
            download=download,
        )
    except service.Damaged as exc:
        return JSONResponse(
            {"error": "Conflict", "detail": exc.message, "rule": exc.rule}, status_code=409
        )
    return StreamingResponse(found.chunks(), headers=found.headers)


@router.get("/documents/{document_id}/content", response_class=Response, responses=FILE_ANSWERS)
def document_content(
    document_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    download: bool = False,
) -> Response:
    """The file: shown in the browser (``download=false``) or saved (``download=true``,
    audited as an export)."""
    return file_response(request, session, actor, document_id, download=download)


@router.post("/documents/{document_id}/entered-in-error", response_model=DocumentRead)
def mark_entered_in_error(
    document_id: uuid.UUID, body: EnteredInError, session: DbSession, actor: Corrector
) -> DocumentRead:
    """Mark a filing a mistake (its uploader or the director). It leaves everyday views;
    the row and the file stay."""
    document = service.mark_entered_in_error(
        session, actor=actor, document_id=document_id, reason=body.reason
    )
    return read(document)
