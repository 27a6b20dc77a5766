"""API shapes of chart documents. An upload is a multipart form (``api.upload``), so only
what comes back, and the entered-in-error body, are models here."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from stepdown.documents import rules
from stepdown.documents.models import DocumentKind, DocumentStatus
from stepdown.kit.schemas import Line, Schema


class DocumentRead(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: DocumentKind
    document_date: date | None
    description: str
    content_type: str = Field(description="What the content was found to be on upload")
    sha256: str = Field(description="SHA-256 of the stored bytes, hex")
    size_bytes: int
    image_width: int | None = Field(description="Pixels across as shown (images only)")
    image_height: int | None = Field(description="Pixels down as shown (images only)")
    original_name: str = Field(description="The uploader's file name, cleaned; display only")
    uploaded_by: uuid.UUID | None
    uploaded_at: datetime
    status: DocumentStatus
    error_reason: str = Field(description="Why it was entered in error; empty otherwise")
    error_marked_by: uuid.UUID | None
    error_marked_at: datetime | None


class EnteredInError(Schema):
    reason: Line = Field(
        min_length=rules.REASON_MIN,
        max_length=rules.REASON_MAX,
        description="Why the filing was a mistake (wrong client, wrong file, unreadable)",
    )
