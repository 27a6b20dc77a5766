"""Queries on chart documents. Every one is scoped: the client is one the actor may open
(the service loads it through ``clients.service.get_client`` first) and the kinds are the
actor's (``access.readable_kinds``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Select, select

from stepdown.documents.models import Document, DocumentKind, DocumentStatus


def of_client(
    client_id: uuid.UUID, kinds: Collection[DocumentKind], *, include_errors: bool
) -> Select[Document]:
    """A client's documents of the given kinds, newest filing first."""
    stmt = select(Document).where(Document.client_id == client_id, Document.kind.in_(kinds))
    if not include_errors:
        stmt = stmt.where(Document.status == DocumentStatus.CURRENT)
    return stmt.order_by(Document.uploaded_at.desc(), Document.id)


def by_id(document_id: uuid.UUID, *, lock: bool = False) -> Select[Document]:
    """One document by id, before the scope checks (the service applies them next)."""
    stmt = select(Document).where(Document.id == document_id)
    return stmt.with_for_update() if lock else stmt


def same_file(client_id: uuid.UUID, sha256: str) -> Select[Document]:
    """A current filing of these very bytes in this client's chart."""
    return select(Document).where(
        Document.client_id == client_id,
        Document.sha256 == sha256,
        Document.status == DocumentStatus.CURRENT,
    )
