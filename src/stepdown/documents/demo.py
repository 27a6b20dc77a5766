"""Synthetic documents for the demo charts.

A few demo clients get what intake and treatment collect: an insurance card and a photo
ID (PNG "photos"), a signed consent form and outside records (PDF "scans"), and a lab
report. Every file is drawn here and says SYNTHETIC DEMO DOCUMENT in large letters; it
names no real person, payer or provider. Each is filed through the service (content
check, storage, audit), by the client's site's case manager where the demo has one (as
in a program, where case managers collect IDs and cards). One paper is filed in the
wrong chart and marked entered in error by the director, so the demo shows a correction.

Deterministic (the files are the same bytes every run) and idempotent: a client that
already has a document of the same file name is skipped for it.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.documents import access, repository, service
from stepdown.documents.models import DocumentKind
from stepdown.documents.storage import DocumentStorage
from stepdown.kit.errors import NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

BANNER = "SYNTHETIC DEMO DOCUMENT"
CLIENTS = 4  # the first demo clients get documents
# Case managers of the demo's sites (demo.seed.STAFF), who file IDs and cards.
FILERS = ("casemanager", "casemanager2")
DIRECTOR = "director"  # marks the misfiled paper entered in error
# A fixed creation date, so a PDF is the same bytes on every run.
PDF_DATE = datetime(2026, 1, 1, tzinfo=UTC)
LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True)
class Paper:
    kind: DocumentKind
    name: str
    description: str
    days_ago: int
    image: bool


PAPERS = (
    Paper(DocumentKind.INSURANCE_CARD, "insurance-card.png", "Front of the card", 20, True),
    Paper(DocumentKind.IDENTIFICATION, "photo-id.png", "State ID, front", 20, True),
    Paper(DocumentKind.SIGNED_FORM, "consent-to-treatment.pdf", "Signed at intake", 19, False),
    Paper(
        DocumentKind.OUTSIDE_RECORDS,
        "prior-treatment-summary.pdf",
        "Discharge summary from a prior program",
        18,
        False,
    ),
    Paper(DocumentKind.LAB_REPORT, "lab-report.pdf", "Outside lab panel", 6, False),
)
MISFILED = Paper(
    DocumentKind.OUTSIDE_RECORDS, "misfiled-records.pdf", "Records (filed in error)", 10, False
)


def png_card(title: str, record_number: str) -> bytes:
    """A card-sized picture saying what it is, and that it is synthetic."""
    image = Image.new("RGB", (640, 400), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 631, 391), outline="#7a1f1f", width=6)
    draw.text((32, 40), BANNER, fill="#7a1f1f", font=ImageFont.load_default(size=38))
    draw.text((32, 140), title, fill="#222222", font=ImageFont.load_default(size=30))
    draw.text((32, 200), f"Demo record {record_number}", fill="#222222")
    draw.text((32, 330), "Not a real card. Not a real person.", fill="#555555")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_paper(title: str, record_number: str) -> bytes:
    """A one-page letter-size PDF saying what it is, and that it is synthetic."""
    pdf = FPDF(format="letter")
    pdf.set_creation_date(PDF_DATE)
    pdf.set_title(f"{title} ({BANNER.lower()})")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 26)
    pdf.set_text_color(122, 31, 31)
    pdf.cell(text=BANNER, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("helvetica", "", 16)
    pdf.set_text_color(34, 34, 34)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(
        0,
        6,
        f"Demo record {record_number}. This page stands in for a scanned paper in a "
        "demonstration program. Every person and record in the demo is synthetic.",
    )
    return bytes(pdf.output())


def _file(paper: Paper, record_number: str) -> bytes:
    title = paper.kind.label
    return png_card(title, record_number) if paper.image else pdf_paper(title, record_number)


def _staff(session: Session, username: str) -> Actor | None:
    try:
        return security_service.actor_for(security_service.get_user(session, username=username))
    except NotFound:
        return None


def _filers(session: Session) -> list[Actor]:
    return [a for a in (_staff(session, name) for name in FILERS) if a is not None]


def _filer(filers: Sequence[Actor], client: Client, fallback: Actor) -> Actor:
    for filer in filers:
        if filer.role is Role.CASE_MANAGER and filer.site_id == client.site_id:
            return filer
    return fallback


def _names(session: Session, client_id: uuid.UUID) -> set[str]:
    stmt = repository.of_client(client_id, access.ALL_KINDS, include_errors=True)
    return {d.original_name for d in session.scalars(stmt)}


def seed_demo_documents(
    session: Session,
    storage: DocumentStorage,
    *,
    actor: Actor,
    clients: Sequence[Client],
    today: date,
) -> int:
    """File the synthetic papers of the first ``CLIENTS`` clients into ``storage``, and
    one paper marked entered in error; return how many documents were filed."""
    filers = _filers(session)
    filed = 0
    chosen = list(clients)[:CLIENTS]
    for client in chosen:
        filer = _filer(filers, client, actor)
        have = _names(session, client.id)
        for paper in PAPERS:
            if paper.name in have:
                continue
            service.upload(
                session,
                actor=filer,
                storage=storage,
                client_id=client.id,
                kind=paper.kind,
                document_date=today - timedelta(days=paper.days_ago),
                description=paper.description,
                filename=paper.name,
                source=io.BytesIO(_file(paper, client.record_number)),
                max_bytes=LIMIT,
            )
            filed += 1
    if chosen and MISFILED.name not in _names(session, chosen[0].id):
        first = chosen[0]
        document = service.upload(
            session,
            actor=_filer(filers, first, actor),
            storage=storage,
            client_id=first.id,
            kind=MISFILED.kind,
            document_date=today - timedelta(days=MISFILED.days_ago),
            description=MISFILED.description,
            filename=MISFILED.name,
            source=io.BytesIO(_file(MISFILED, "another client")),
            max_bytes=LIMIT,
        )
        service.mark_entered_in_error(
            session,
            actor=_staff(session, DIRECTOR) or actor,
            document_id=document.id,
            reason="Filed in the wrong chart",
        )
        filed += 1
    return filed
