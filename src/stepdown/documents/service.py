"""Use cases of chart documents: file one, list a chart's, show one, serve its file, and
mark one entered in error. Every read and change is audited in the caller's transaction.

Audit entries (entity ``document``; ``detail`` holds values of fixed vocabularies only):
- the list (tab or API): one READ per chart shown (``record_reads``);
- a document's page or metadata: READ with ``{"view": "metadata"}``;
- its file shown in the browser: READ with ``{"view": "inline"}``; saved: EXPORT with
  ``{"view": "attachment"}``; a file found damaged or missing: READ with
  ``{"view": ..., "integrity": "damaged" | "missing"}`` and nothing served;
- a filing: CREATE with its kind, type and size; entered in error: UPDATE.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import IO

from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.documents import access, content, repository, rules
from stepdown.documents.models import KIND_LABELS, Document, DocumentKind, DocumentStatus
from stepdown.documents.storage import CHUNK, DocumentStorage, FileMissing, TooLarge
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role
from stepdown.settings import Settings

log = logging.getLogger("stepdown.documents")
ENTITY = "document"
NO_SUCH = "no such document, or not one you may see"


class Integrity(StrEnum):
    INTACT = "intact"
    DAMAGED = "damaged"  # the bytes no longer hash to the digest taken at upload
    MISSING = "missing"  # the store has no file under the digest


class Damaged(Conflict):
    """The stored file is not what was filed; it is not served."""

    def __init__(self, integrity: Integrity) -> None:
        what = (
            "is missing from the document store"
            if integrity is Integrity.MISSING
            else ("no longer matches the fingerprint taken when it was filed")
        )
        super().__init__(
            f"the stored file {what}, so it is not shown; tell the program's administrator "
            "(the filing itself is unchanged)",
            rule=rules.DAMAGED,
        )
        self.integrity = integrity


def _require(actor: Actor, policy: Policy) -> None:
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _names(session: Session, *ids: uuid.UUID | None) -> dict[uuid.UUID, str]:
    return security_service.display_names(session, {i for i in ids if i is not None})


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    uploader: str


@dataclass(frozen=True)
class DocumentsTab:
    """The chart's Documents tab: what the actor may read, what they may file."""

    client: Client
    rows: list[DocumentRow]
    in_error: list[DocumentRow]  # listed for the director only
    kinds: list[tuple[str, str]]  # the kinds this actor may file, as (value, label)
    can_upload: bool
    reads_every_kind: bool
    description_max: int = rules.DESCRIPTION_MAX

    def limit_for(self, settings: Settings) -> int:
        """The upload limit under the app's settings (the template has them, the tab's
        builder does not)."""
        return upload_limit(settings)

    @staticmethod
    def size_text(n: int) -> str:
        return rules.size_text(n)


def upload_limit(settings: Settings) -> int:
    """The largest file an upload may bring under these settings (the upload routes'
    request limit is raised to fit it: ``rules.UPLOAD_PATH``)."""
    return settings.documents_max_bytes


def _rows(session: Session, documents: list[Document]) -> list[DocumentRow]:
    names = _names(session, *(d.uploaded_by for d in documents))
    return [
        DocumentRow(d, names.get(d.uploaded_by, "") if d.uploaded_by else "system")
        for d in documents
    ]


def _list(
    session: Session, actor: Actor, client: Client, *, include_errors: bool
) -> list[Document]:
    include_errors = include_errors and actor.role in access.SEES_ERRORS
    stmt = repository.of_client(
        client.id, access.readable_kinds(actor.role), include_errors=include_errors
    )
    documents = list(session.scalars(stmt))
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    return documents


def documents_for_client(
    session: Session, *, actor: Actor, client_id: uuid.UUID, include_errors: bool = False
) -> list[Document]:
    """A client's documents the actor may read, newest filing first; those entered in
    error only for the director, and only when asked. Audited even when there are none."""
    _require(actor, access.READ)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return _list(session, actor, client, include_errors=include_errors)


def chart_tab(session: Session, *, actor: Actor, client: Client) -> DocumentsTab:
    """The chart's Documents tab; the chart has already loaded (and audited) the client."""
    _require(actor, access.READ)
    documents = _list(session, actor, client, include_errors=True)
    rows = _rows(session, documents)
    uploadable = access.uploadable_kinds(actor.role)
    return DocumentsTab(
        client=client,
        rows=[r for r in rows if r.document.status is DocumentStatus.CURRENT],
        in_error=[r for r in rows if r.document.status is DocumentStatus.ENTERED_IN_ERROR],
        kinds=[(k.value, KIND_LABELS[k]) for k in DocumentKind if k in uploadable],
        can_upload=access.UPLOAD.allows(actor.role),
        reads_every_kind=access.readable_kinds(actor.role) == access.ALL_KINDS,
    )


def client_for_upload(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Client:
    """The client whose chart an upload form files into (audited as a read of the client)."""
    _require(actor, access.UPLOAD)
    return clients_service.get_client(session, actor=actor, client_id=client_id)


def upload(
    session: Session,
    *,
    actor: Actor,
    storage: DocumentStorage,
    client_id: uuid.UUID,
    kind: DocumentKind,
    document_date: date | None,
    description: str,
    filename: str,
    source: IO[bytes],
    max_bytes: int,
    declared_size: int | None = None,
) -> Document:
    """File a document in a client's chart. Everything typed is checked first, then the
    file: its size while it is read (``max_bytes``; a ``declared_size`` already over it
    is refused before a byte is written), then its content (``content.inspect``). A
    refusal keeps nothing, neither row nor file."""
    _require(actor, access.UPLOAD)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    rules.check_kind(actor.role, kind)
    text = rules.check_description(kind, description)
    day = rules.check_document_date(document_date, today())
    name = rules.clean_filename(filename)
    if declared_size is not None and declared_size > max_bytes:
        raise Invalid(rules.too_large_message(max_bytes), field="file")
    try:
        stored, detected = storage.put(source, max_bytes=max_bytes, check=content.inspect)
    except TooLarge as exc:
        raise Invalid(rules.too_large_message(exc.limit), field="file") from None
    if stored.size == 0:  # pragma: no cover - content.inspect refuses an empty file first
        raise Invalid("the file is empty", field="file")
    twin = session.scalars(repository.same_file(client.id, stored.sha256)).first()
    if twin is not None:
        raise Conflict(
            f"this very file is already in the chart (filed {twin.uploaded_at:%Y-%m-%d} as "
            f"{KIND_LABELS[twin.kind].lower()})",
            field="file",
            rule=rules.DUPLICATE,
        )
    document = Document(
        client_id=client.id,
        kind=kind,
        document_date=day,
        description=text,
        content_type=detected.content_type,
        sha256=stored.sha256,
        size_bytes=stored.size,
        image_width=detected.width,
        image_height=detected.height,
        original_name=name,
        uploaded_by=actor.user_id,
        uploaded_at=utc_now(),
        status=DocumentStatus.CURRENT,
    )
    session.add(document)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=document.id,
        client_id=client.id,
        detail={
            "kind": kind.value,
            "content_type": detected.content_type,
            "size_bytes": stored.size,
        },
    )
    return document


def _load(
    session: Session, actor: Actor, document_id: uuid.UUID, *, lock: bool = False
) -> tuple[Document, Client]:
    """The document if the actor may read it: its chart is one they may open, its kind
    one they read, and (entered in error) they are the director. Otherwise 404, never
    saying which."""
    _require(actor, access.READ)
    document = session.scalars(repository.by_id(document_id, lock=lock)).first()
    if document is None or document.kind not in access.readable_kinds(actor.role):
        raise NotFound(NO_SUCH)
    if document.status is DocumentStatus.ENTERED_IN_ERROR and actor.role not in access.SEES_ERRORS:
        raise NotFound(NO_SUCH)
    try:
        client = clients_service.get_client(session, actor=actor, client_id=document.client_id)
    except NotFound:
        raise NotFound(NO_SUCH) from None
    return document, client


def get_document(session: Session, *, actor: Actor, document_id: uuid.UUID) -> Document:
    """One document's filing details (not its file). Audited."""
    document, _ = _load(session, actor, document_id)
    _audit_view(session, actor, document, "metadata")
    return document


def _audit_view(
    session: Session,
    actor: Actor,
    document: Document,
    view: str,
    integrity: Integrity = Integrity.INTACT,
) -> None:
    detail = {"view": view}
    if integrity is not Integrity.INTACT:
        detail["integrity"] = integrity.value
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT if view == "attachment" else AuditAction.READ,
        entity_type=ENTITY,
        entity_id=document.id,
        client_id=document.client_id,
        detail=detail,
    )


def _open_verified(
    storage: DocumentStorage, document: Document
) -> tuple[IO[bytes] | None, Integrity]:
    """The stored file, read through once to check its digest and rewound; None with
    the reason when it is missing or no longer what was filed. The same open file is what
    is then served, so the bytes checked are the bytes sent."""
    try:
        handle = storage.open(document.sha256)
    except FileMissing:
        return None, Integrity.MISSING
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != document.sha256 or size != document.size_bytes:
        handle.close()
        return None, Integrity.DAMAGED
    handle.seek(0)
    return handle, Integrity.INTACT


def _report(document: Document, integrity: Integrity) -> None:
    log.error(
        "document file %s: document_id=%s sha256=%s", integrity.value, document.id, document.sha256
    )


@dataclass(frozen=True)
class DocumentPage:
    """A document's page: its filing, who filed or corrected it, and whether its stored
    file is intact (checked on every view)."""

    document: Document
    client: Client
    integrity: Integrity
    uploader: str
    marker: str
    can_mark_error: bool

    @property
    def previewable(self) -> bool:
        return self.integrity is Integrity.INTACT

    @property
    def is_image(self) -> bool:
        return self.document.content_type.startswith("image/")


def document_page(
    session: Session, *, actor: Actor, storage: DocumentStorage, document_id: uuid.UUID
) -> DocumentPage:
    """The page of one document, with its file's integrity checked. Audited."""
    document, client = _load(session, actor, document_id)
    handle, integrity = _open_verified(storage, document)
    if handle is not None:
        handle.close()
    else:
        _report(document, integrity)
    _audit_view(session, actor, document, "metadata", integrity)
    names = _names(session, document.uploaded_by, document.error_marked_by)
    return DocumentPage(
        document=document,
        client=client,
        integrity=integrity,
        uploader=names.get(document.uploaded_by, "") if document.uploaded_by else "system",
        marker=names.get(document.error_marked_by, "") if document.error_marked_by else "",
        can_mark_error=document.status is DocumentStatus.CURRENT
        and access.CORRECT.allows(actor.role)
        and rules.may_mark_error(actor.role, actor.user_id, document.uploaded_by),
    )


@dataclass
class DocumentFile:
    """A verified stored file ready to send: its headers, and its bytes in chunks (the
    file is closed when they have all been read, or when the answer is abandoned)."""

    document: Document
    handle: IO[bytes]
    headers: dict[str, str]

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.handle.read(CHUNK):
                yield chunk
        finally:
            self.handle.close()


def open_file(
    session: Session,
    *,
    actor: Actor,
    storage: DocumentStorage,
    document_id: uuid.UUID,
    download: bool,
) -> DocumentFile:
    """A document's file to show (``download`` False: inline) or save. The file is hashed
    again first; one that is missing or damaged raises ``Damaged`` (409) after the
    attempt is audited, so the caller answers without rolling the audit entry back."""
    document, _ = _load(session, actor, document_id)
    view = "attachment" if download else "inline"
    handle, integrity = _open_verified(storage, document)
    _audit_view(session, actor, document, view, integrity)
    if handle is None:
        _report(document, integrity)
        raise Damaged(integrity)
    headers = rules.file_headers(
        document.content_type,
        rules.served_name(document.original_name, document.content_type),
        download=download,
        size=document.size_bytes,
    )
    return DocumentFile(document, handle, headers)


def mark_entered_in_error(
    session: Session, *, actor: Actor, document_id: uuid.UUID, reason: str
) -> Document:
    """Mark a filing a mistake: it leaves everyday views, its row and file stay, and the
    reason, who and when are kept. Its uploader or the director; once only."""
    _require(actor, access.CORRECT)
    text = rules.check_reason(reason)
    document, _ = _load(session, actor, document_id, lock=True)
    if document.status is DocumentStatus.ENTERED_IN_ERROR:
        raise Conflict(
            "the document is already marked entered in error", rule=rules.ALREADY_IN_ERROR
        )
    if not rules.may_mark_error(actor.role, actor.user_id, document.uploaded_by):
        raise Forbidden(
            "only the person who filed it, or the director, marks a document entered in error",
            rule=rules.NOT_YOURS,
        )
    document.status = DocumentStatus.ENTERED_IN_ERROR
    document.error_reason = text
    document.error_marked_by = actor.user_id
    document.error_marked_at = utc_now()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=document.id,
        client_id=document.client_id,
        detail={"status": DocumentStatus.ENTERED_IN_ERROR.value, "fields": ["error_reason"]},
    )
    return document
