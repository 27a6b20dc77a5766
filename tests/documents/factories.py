"""Files to upload (real PNG, JPEG and PDF, and things that are not), and a filed document."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import date

from fpdf import FPDF
from PIL import Image
from sqlalchemy.orm import Session

from stepdown.documents import service
from stepdown.documents.models import Document, DocumentKind
from stepdown.documents.storage import DocumentStorage
from stepdown.security.actor import Actor

LIMIT = 5 * 1024 * 1024


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80)
    return out.getvalue()


def pdf_bytes(text: str = "A test page") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand, with a correct cross-reference table: objects 1..n, the
    first the catalog."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zip_bytes(name: str = "word/document.xml", body: bytes = b"<w:document/>") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, body)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 118 + b"PE\x00\x00" + b"\x00" * 64
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def file_document(
    session: Session,
    storage: DocumentStorage,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    data: bytes | None = None,
    kind: DocumentKind = DocumentKind.INSURANCE_CARD,
    filename: str = "card.png",
    description: str = "front and back",
    document_date: date | None = None,
) -> Document:
    return service.upload(
        session,
        actor=actor,
        storage=storage,
        client_id=client_id,
        kind=kind,
        document_date=document_date,
        description=description,
        filename=filename,
        source=io.BytesIO(png_bytes() if data is None else data),
        max_bytes=LIMIT,
    )
