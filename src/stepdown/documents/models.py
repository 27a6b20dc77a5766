"""A document filed in a client's chart.

The row describes the file; the bytes live in the document store (``storage``), named by
their SHA-256 digest, so the path is never derived from anything a user typed and the
same scan uploaded twice is kept once. Documents are part of the legal record: there is
no delete. A document filed by mistake (wrong client, wrong file) is marked entered in
error with a reason, which hides it from everyday views; the row and the file stay.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class DocumentKind(StrEnum):
    """What the paper is. The kinds a program files at intake and during treatment."""

    IDENTIFICATION = "identification"
    INSURANCE_CARD = "insurance_card"
    OUTSIDE_RECORDS = "outside_records"
    SIGNED_FORM = "signed_form"
    LAB_REPORT = "lab_report"
    COURT_PAPERS = "court_papers"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    DocumentKind.IDENTIFICATION: "Photo ID",
    DocumentKind.INSURANCE_CARD: "Insurance card",
    DocumentKind.OUTSIDE_RECORDS: "Outside records",
    DocumentKind.SIGNED_FORM: "Signed paper form",
    DocumentKind.LAB_REPORT: "Lab report",
    DocumentKind.COURT_PAPERS: "Court papers",
    DocumentKind.OTHER: "Other",
}


class DocumentStatus(StrEnum):
    CURRENT = "current"
    ENTERED_IN_ERROR = "entered_in_error"

    @property
    def label(self) -> str:
        return "Entered in error" if self is DocumentStatus.ENTERED_IN_ERROR else "Current"


class Document(IdMixin, TimestampMixin, Base):
    __tablename__ = "client_document"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    # The date on the paper (issued, signed, collected), when it has one.
    document_date: Mapped[date | None]
    description: Mapped[str] = mapped_column(String(500), default="")
    # What the content was found to be (``content.inspect``), never what the browser said.
    content_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    # An image's size in pixels as shown (a JPEG's EXIF orientation applied), found on
    # upload (none for a PDF): the page sizes its preview.
    image_width: Mapped[int | None] = mapped_column(Integer)
    image_height: Mapped[int | None] = mapped_column(Integer)
    # The uploader's file name, cleaned for display and downloads; never a path.
    original_name: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, "document_status", length=20), default=DocumentStatus.CURRENT
    )
    error_reason: Mapped[str] = mapped_column(String(300), default="")
    error_marked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    error_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
