"""The demo's scanned papers: several kinds across several synthetic charts, each file in
the store the seed was given and still what was filed (and what the content check
accepts), filed by the site's case manager, one marked entered in error by the director,
and a second seeding adds nothing."""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.documents import content, service
from stepdown.documents.demo import BANNER, CLIENTS, PAPERS, seed_demo_documents
from stepdown.documents.models import Document, DocumentKind, DocumentStatus
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM


def _demo_clients(session: Session) -> list[Client]:
    return list(
        session.scalars(
            select(Client).where(Client.record_number.like("DEMO-%")).order_by(Client.record_number)
        )
    )


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_demo_charts_hold_papers_of_several_kinds_whose_files_are_stored(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    session = demo_session
    documents = list(session.scalars(select(Document).order_by(Document.uploaded_at)))
    assert documents, "the demo seed filed no documents"
    by_client: dict[object, list[Document]] = defaultdict(list)
    for document in documents:
        by_client[document.client_id].append(document)
    clients = {c.id: c for c in _demo_clients(session)}
    assert set(by_client) <= set(clients)
    assert len(by_client) == CLIENTS
    assert all(clients[i].is_synthetic for i in by_client)
    # Every chart with papers has each of the demo's kinds, as PNG photos and PDF scans.
    for client_id, filed in by_client.items():
        current = [d for d in filed if d.status is DocumentStatus.CURRENT]
        assert sorted(d.kind for d in current) == sorted(p.kind for p in PAPERS), client_id
    kinds = {d.kind for d in documents}
    assert {
        DocumentKind.IDENTIFICATION,
        DocumentKind.INSURANCE_CARD,
        DocumentKind.SIGNED_FORM,
        DocumentKind.OUTSIDE_RECORDS,
        DocumentKind.LAB_REPORT,
    } <= kinds
    assert {d.content_type for d in documents} == {"image/png", "application/pdf"}

    for document in documents:
        path = demo_documents.path_of(document.sha256)
        assert path.is_file(), document.original_name
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert len(data) == document.size_bytes
        # What was filed is what the content check accepts, as it was found then.
        found = content.inspect(io.BytesIO(data))
        assert (found.content_type, found.width, found.height) == (
            document.content_type,
            document.image_width,
            document.image_height,
        )
        assert document.document_date is not None
        assert document.document_date <= today()
        if document.content_type == "application/pdf":
            assert BANNER in _pdf_text(data)


def test_the_demo_files_are_filed_by_case_managers_and_one_is_a_correction(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    session = demo_session
    documents = list(session.scalars(select(Document)))
    clients = {c.id: c for c in _demo_clients(session)}
    for document in documents:
        assert document.uploaded_by is not None
        filer = session.get(User, document.uploaded_by)
        assert filer is not None
        assert filer.role is Role.CASE_MANAGER, document.original_name
        assert filer.site_id == clients[document.client_id].site_id
    wrong = [d for d in documents if d.status is DocumentStatus.ENTERED_IN_ERROR]
    assert len(wrong) == 1
    (misfiled,) = wrong
    director = security_repository.user_by_username(session, "director")
    assert director is not None
    assert misfiled.error_marked_by == director.id
    assert misfiled.error_reason
    assert demo_documents.path_of(misfiled.sha256).is_file()  # kept, as the record is

    # The director's tab shows it apart; a case manager's does not show it at all.
    actor = security_service.actor_for(director)
    client = clients[misfiled.client_id]
    tab = service.chart_tab(session, actor=actor, client=client)
    assert [r.document.id for r in tab.in_error] == [misfiled.id]
    assert misfiled.id not in {r.document.id for r in tab.rows}
    assert len(tab.rows) == len(PAPERS)
    # And the files serve, intact, through the service.
    for row in tab.rows:
        served = service.open_file(
            session,
            actor=actor,
            storage=demo_documents,
            document_id=row.document.id,
            download=False,
        )
        assert hashlib.sha256(b"".join(served.chunks())).hexdigest() == row.document.sha256


def test_a_second_seeding_files_nothing_and_writes_nothing(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    session = demo_session
    before = {p for p in demo_documents.root.rglob("*") if p.is_file()}
    count = len(list(session.scalars(select(Document.id))))
    filed = seed_demo_documents(
        session,
        demo_documents,
        actor=SYSTEM,
        clients=_demo_clients(session),
        today=today(),
    )
    assert filed == 0
    assert len(list(session.scalars(select(Document.id)))) == count
    assert {p for p in demo_documents.root.rglob("*") if p.is_file()} == before
