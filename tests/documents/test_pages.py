"""Documents in the browser: the chart's Documents tab, filing a scan or photo through the
multipart form (and a refused one coming back to the form, naming the file), a
document's page with its preview, the file shown and saved (each audited), who sees
what, and marking a filing entered in error."""

from __future__ import annotations

import io
import random
import uuid
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.documents import rules, storage
from stepdown.documents.models import Document, DocumentKind, DocumentStatus
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit.clock import today
from stepdown.settings import Settings
from tests.documents.factories import ELF, PE, file_document, jpeg_bytes, pdf_bytes, png_bytes
from tests.documents.helpers import World, audit_mark, document_entries, make_world
from tests.factories import csrf_from, sign_in

MAX_BYTES = 16 * 1024


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"documents_dir": tmp_path / "documents", "documents_max_bytes": MAX_BYTES}
    )


@pytest.fixture
def store(settings: Settings) -> LocalDirectoryStorage:
    return storage.from_settings(settings)


@pytest.fixture
def world(session: Session) -> World:
    world = make_world(session)
    session.commit()
    return world


def _stored(store: LocalDirectoryStorage) -> list[Path]:
    if not store.root.exists():
        return []
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def _documents(session: Session) -> list[Document]:
    session.expire_all()
    return list(session.scalars(select(Document).order_by(Document.uploaded_at)))


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Document)) or 0


def _tab_url(world: World) -> str:
    return f"/clients/{world.client.id}?tab=documents"


def _signed_in(client: TestClient, world: World, name: str) -> str:
    """Sign in as one of the world's users; the CSRF token of the chart's Documents tab."""
    sign_in(client, world.users[name].username)
    tab = client.get(_tab_url(world))
    assert tab.status_code == 200, tab.text
    return csrf_from(tab.text)


def _post(
    client: TestClient,
    world: World,
    token: str,
    data: bytes,
    name: str,
    declared: str = "application/octet-stream",
    **fields: str,
) -> httpx2.Response:
    return client.post(
        f"/clients/{world.client.id}/documents",
        data={"csrf_token": token, "kind": "insurance_card", "description": ""} | fields,
        files={"file": (name, data, declared)},
        follow_redirects=False,
    )


def _file(
    session: Session,
    store: LocalDirectoryStorage,
    world: World,
    data: bytes,
    kind: DocumentKind,
    filename: str,
    by: str = "clinician",
    description: str = "front and back",
) -> Document:
    document = file_document(
        session,
        store,
        actor=world.actor(by),
        client_id=world.client.id,
        data=data,
        kind=kind,
        filename=filename,
        description=description,
    )
    session.commit()
    return document


class TestUploadForm:
    def test_the_tab_offers_the_form_and_files_a_pdf_and_a_photo(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        token = _signed_in(client, world, "case_manager")
        tab = client.get(_tab_url(world))
        assert '<h2 id="documents-heading">Documents</h2>' in tab.text
        assert "No documents filed." in tab.text
        assert (
            f'action="/clients/{world.client.id}/documents" enctype="multipart/form-data"'
            in tab.text
        )
        assert "up to 16 KB" in tab.text
        for kind in DocumentKind:
            assert f'<option value="{kind.value}">{kind.label}</option>' in tab.text

        day = today().isoformat()
        pdf, photo = pdf_bytes("Outside records"), jpeg_bytes((64, 48))
        filed = _post(
            client,
            world,
            token,
            pdf,
            "hospital records.pdf",
            "application/pdf",
            kind="outside_records",
            document_date=day,
            description="Hospital discharge summary, 3 pages",
        )
        assert filed.status_code == 303, filed.text
        assert filed.headers["location"] == _tab_url(world)
        shot = _post(
            client, world, token, photo, "IMG_0042.JPG", "image/jpeg", kind="identification"
        )
        assert shot.status_code == 303

        documents = _documents(session)
        assert [(d.kind, d.content_type, d.original_name) for d in documents] == [
            (DocumentKind.OUTSIDE_RECORDS, "application/pdf", "hospital records.pdf"),
            (DocumentKind.IDENTIFICATION, "image/jpeg", "IMG_0042.JPG"),
        ]
        assert documents[0].document_date == today()
        assert documents[1].document_date is None
        assert (documents[1].image_width, documents[1].image_height) == (64, 48)
        assert {d.uploaded_by for d in documents} == {world.users["case_manager"].id}
        assert sorted(p.read_bytes() for p in _stored(store)) == sorted([pdf, photo])

        listed = client.get(_tab_url(world))
        assert "Document filed." in listed.text
        assert "No documents filed" not in listed.text
        for document in documents:
            assert f'<a href="/documents/{document.id}">{document.kind.label}</a>' in listed.text
        assert "Hospital discharge summary, 3 pages" in listed.text
        assert "hospital records.pdf" in listed.text
        assert "by Test Case manager" in listed.text

    def test_the_upload_page_offers_only_the_kinds_the_role_files(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world.users["admissions"].username)
        page = client.get(f"/clients/{world.client.id}/documents/new")
        assert page.status_code == 200
        assert world.client.record_number in page.text
        assert 'value="identification"' in page.text
        assert 'value="lab_report"' not in page.text
        assert 'value="other"' not in page.text

    @pytest.mark.parametrize(
        ("data", "name", "declared", "says"),
        [
            (ELF, "scan.pdf", "application/pdf", "a program (ELF executable)"),
            (PE, "insurance card.jpg", "image/jpeg", "a Windows program (PE executable)"),
        ],
    )
    def test_a_renamed_program_comes_back_to_the_form_naming_the_file(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        data: bytes,
        name: str,
        declared: str,
        says: str,
    ) -> None:
        token = _signed_in(client, world, "clinician")
        mark = audit_mark(session)
        refused = _post(
            client,
            world,
            token,
            data,
            name,
            declared,
            kind="signed_form",
            description="Consent, signed at intake",
        )
        assert refused.status_code == 422
        text = refused.text
        assert "<h1>Upload a document</h1>" in text
        assert f'<p class="field-error" id="e-file">File: the file is {says}' in text
        assert 'aria-describedby="e-file"' in text
        # What was typed comes back; the file must be chosen again.
        assert 'value="Consent, signed at intake"' in text
        assert '<option value="signed_form" selected>' in text
        assert _count(session) == 0
        assert _stored(store) == []
        # Nothing filed, so nothing but the form's read of the chart is audited.
        assert [a for a, *_ in document_entries(session, mark)] == []

    def test_a_file_over_the_size_limit_comes_back_to_the_form(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        side = 120
        out = io.BytesIO()
        pixels = random.Random(14).randbytes(side * side * 3)
        Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
        data = out.getvalue()
        assert MAX_BYTES < len(data) < settings_body_limit()
        token = _signed_in(client, world, "clinician")
        refused = _post(client, world, token, data, "card.png", "image/png")
        assert refused.status_code == 422
        assert f'id="e-file">File: {rules.too_large_message(MAX_BYTES)}' in refused.text
        assert _count(session) == 0
        assert _stored(store) == []

    def test_the_same_file_again_comes_back_to_the_form(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        token = _signed_in(client, world, "clinician")
        assert _post(client, world, token, png_bytes(), "card.png").status_code == 303
        again = _post(client, world, token, png_bytes(), "card (1).png")
        assert again.status_code == 409
        assert 'id="e-file">File: this very file is already in the chart' in again.text
        assert _count(session) == 1

    def test_a_form_without_its_csrf_token_files_nothing(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        _signed_in(client, world, "clinician")
        refused = _post(client, world, "not-the-token", png_bytes(), "card.png")
        assert refused.status_code == 403
        assert _count(session) == 0
        assert _stored(store) == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"kind": ""}, "kind"),
            ({"kind": "other", "description": ""}, "description"),
            ({"document_date": "2999-12-31"}, "document_date"),
            ({"document_date": "31/12/2020"}, "document_date"),
        ],
    )
    def test_what_is_typed_is_checked_and_named(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        fields: dict[str, str],
        field: str,
    ) -> None:
        token = _signed_in(client, world, "clinician")
        refused = _post(client, world, token, png_bytes(), "card.png", **fields)
        assert refused.status_code == 422
        assert f'id="e-{field}"' in refused.text
        assert _count(session) == 0
        assert _stored(store) == []

    def test_no_file_chosen_is_named(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        token = _signed_in(client, world, "clinician")
        refused = client.post(
            f"/clients/{world.client.id}/documents",
            data={"csrf_token": token, "kind": "insurance_card"},
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert refused.status_code == 422
        assert 'id="e-file">File: choose the file to upload' in refused.text
        assert _count(session) == 0


def settings_body_limit() -> int:
    return Settings.model_fields["max_body_bytes"].default  # type: ignore[no-any-return]


class TestDocumentPage:
    def test_an_image_is_previewed_and_its_file_shown_and_saved_each_audited(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        data = png_bytes((1200, 600))
        card = _file(session, store, world, data, DocumentKind.INSURANCE_CARD, "card.png")
        sign_in(client, world.users["review"].username)
        mark = audit_mark(session)
        page = client.get(f"/documents/{card.id}")
        assert page.status_code == 200
        # Scaled to the page's width, keeping the picture's proportions.
        assert (
            f'<img src="/documents/{card.id}/file" alt="Insurance card: front and back" '
            'width="960" height="480">'
        ) in page.text
        assert f'<a href="/documents/{card.id}/download">Download</a>' in page.text
        assert card.sha256 in page.text
        assert "Mark entered in error" not in page.text  # review corrects nothing

        shown = client.get(f"/documents/{card.id}/file")
        saved = client.get(f"/documents/{card.id}/download")
        for response, disposition in ((shown, "inline"), (saved, "attachment")):
            assert response.status_code == 200
            assert response.content == data
            assert response.headers["content-type"] == "image/png"
            assert response.headers["content-disposition"] == f'{disposition}; filename="card.png"'
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["content-security-policy"] == rules.FILE_CSP
            assert response.headers["cache-control"] == "no-store"
        who, doc = world.users["review"].username, str(card.id)
        assert document_entries(session, mark) == [
            ("read", who, doc, {"view": "metadata"}),
            ("read", who, doc, {"view": "inline"}),
            ("export", who, doc, {"view": "attachment"}),
        ]

    def test_a_phone_photo_taken_upright_is_previewed_upright(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        """A phone stores a portrait photo as landscape pixels with an EXIF orientation that
        every browser applies; the preview's box must have the photo's shown proportions,
        or the picture is squashed."""
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90 degrees clockwise to display
        out = io.BytesIO()
        Image.new("RGB", (1600, 1200), "white").save(out, "JPEG", exif=exif.tobytes())
        photo = _file(
            session, store, world, out.getvalue(), DocumentKind.IDENTIFICATION, "IMG_1.jpg"
        )
        assert (photo.image_width, photo.image_height) == (1200, 1600)
        sign_in(client, world.users["clinician"].username)
        page = client.get(f"/documents/{photo.id}")
        assert 'width="960" height="1280"' in page.text

    def test_a_pdf_opens_in_a_new_tab_as_a_pdf(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        data = pdf_bytes("Court order")
        order = _file(session, store, world, data, DocumentKind.COURT_PAPERS, "order.exe")
        sign_in(client, world.users["clinician"].username)
        page = client.get(f"/documents/{order.id}")
        assert page.status_code == 200
        assert (
            f'<a href="/documents/{order.id}/file" target="_blank" rel="noopener">Open the PDF</a>'
        ) in page.text
        assert "<img" not in page.text.split("<main", 1)[-1]
        assert f'href="/documents/{order.id}/entered-in-error"' in page.text  # the uploader
        shown = client.get(f"/documents/{order.id}/file")
        assert shown.status_code == 200
        assert shown.content == data
        assert shown.headers["content-type"] == "application/pdf"
        # Named for what it is, so the computer that saves it opens it as a PDF.
        assert shown.headers["content-disposition"] == 'inline; filename="order.exe.pdf"'
        assert shown.headers["content-security-policy"] == rules.FILE_CSP

    def test_a_missing_file_is_reported_not_served_and_the_attempt_audited(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        card = _file(session, store, world, png_bytes(), DocumentKind.INSURANCE_CARD, "card.png")
        store.path_of(card.sha256).unlink()
        sign_in(client, world.users["clinician"].username)
        mark = audit_mark(session)
        page = client.get(f"/documents/{card.id}")
        assert page.status_code == 200
        assert "The stored file is missing from the document store." in page.text
        assert f"/documents/{card.id}/file" not in page.text
        assert f"/documents/{card.id}/download" not in page.text
        shown = client.get(f"/documents/{card.id}/download")
        assert shown.status_code == 409
        assert shown.headers["content-type"].startswith("text/html")
        assert "The file cannot be shown" in shown.text
        details = [d for *_, d in document_entries(session, mark)]
        assert details == [
            {"view": "metadata", "integrity": "missing"},
            {"view": "attachment", "integrity": "missing"},
        ]


class TestWhoSeesWhat:
    @pytest.fixture
    def filed(
        self, session: Session, world: World, store: LocalDirectoryStorage
    ) -> dict[str, Document]:
        return {
            "card": _file(
                session, store, world, png_bytes(), DocumentKind.INSURANCE_CARD, "card.png"
            ),
            "court": _file(
                session, store, world, pdf_bytes(), DocumentKind.COURT_PAPERS, "order.pdf"
            ),
            "lab": _file(session, store, world, jpeg_bytes(), DocumentKind.LAB_REPORT, "lab.jpg"),
        }

    @pytest.mark.parametrize(
        ("user", "sees", "uploads"),
        [
            ("clinician", {"card", "court", "lab"}, True),
            ("case_manager", {"card", "court", "lab"}, True),
            ("director", {"card", "court", "lab"}, True),
            ("admissions", {"card", "court"}, True),
            ("review", {"card"}, False),
        ],
    )
    def test_the_tab_lists_and_opens_the_kinds_each_role_reads(
        self,
        client: TestClient,
        session: Session,
        world: World,
        filed: dict[str, Document],
        user: str,
        sees: set[str],
        uploads: bool,
    ) -> None:
        sign_in(client, world.users[user].username)
        mark = audit_mark(session)
        tab = client.get(_tab_url(world))
        assert tab.status_code == 200
        for name, document in filed.items():
            assert (f'href="/documents/{document.id}"' in tab.text) is (name in sees), name
            expected = 200 if name in sees else 404
            assert client.get(f"/documents/{document.id}").status_code == expected, name
            assert client.get(f"/documents/{document.id}/file").status_code == expected, name
        assert ('enctype="multipart/form-data"' in tab.text) is uploads
        new = client.get(f"/clients/{world.client.id}/documents/new")
        assert new.status_code == (200 if uploads else 403)
        # The tab's list is audited as one read of the chart's documents.
        assert ("read", world.users[user].username, str(world.client.id), {}) in (
            document_entries(session, mark)
        )

    def test_roles_that_read_no_documents_are_forbidden(
        self, client: TestClient, world: World, filed: dict[str, Document]
    ) -> None:
        sign_in(client, world.users["admin"].username)
        card = filed["card"].id
        for url in (f"/documents/{card}", f"/documents/{card}/file", f"/documents/{card}/download"):
            assert client.get(url).status_code == 403, url
        assert client.get(f"/clients/{world.client.id}/documents/new").status_code == 403

    def test_outside_the_callers_scope_and_unknown_ids_are_not_found(
        self, client: TestClient, world: World, filed: dict[str, Document]
    ) -> None:
        sign_in(client, world.users["far_case_manager"].username)
        card = filed["card"].id
        for url in (f"/documents/{card}", f"/documents/{card}/file", f"/documents/{card}/download"):
            assert client.get(url).status_code == 404, url
        assert client.get(f"/clients/{world.client.id}/documents/new").status_code == 404
        unknown = uuid.uuid4()
        for url in (f"/documents/{unknown}", f"/documents/{unknown}/download"):
            assert client.get(url).status_code == 404, url

    def test_signed_out_the_browser_is_sent_to_sign_in(
        self, client: TestClient, filed: dict[str, Document]
    ) -> None:
        response = client.get(f"/documents/{filed['card'].id}/file", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")


class TestEnteredInError:
    def test_the_uploader_confirms_with_a_reason_and_the_director_still_sees_it(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        wrong = _file(session, store, world, pdf_bytes(), DocumentKind.OUTSIDE_RECORDS, "x.pdf")
        sign_in(client, world.users["clinician"].username)
        url = f"/documents/{wrong.id}/entered-in-error"
        confirm = client.get(url)
        assert confirm.status_code == 200
        token = csrf_from(confirm.text)

        unconfirmed = client.post(url, data={"csrf_token": token, "reason": "wrong client"})
        assert unconfirmed.status_code == 422
        assert 'id="e-confirmed"' in unconfirmed.text
        no_reason = client.post(url, data={"csrf_token": token, "confirmed": "yes", "reason": ""})
        assert no_reason.status_code == 422
        assert 'id="e-reason"' in no_reason.text
        session.expire_all()
        assert session.get(Document, wrong.id).status is DocumentStatus.CURRENT  # type: ignore[union-attr]

        marked = client.post(
            url,
            data={"csrf_token": token, "confirmed": "yes", "reason": "Filed in the wrong chart"},
            follow_redirects=False,
        )
        assert marked.status_code == 303
        assert marked.headers["location"] == _tab_url(world)
        session.expire_all()
        document = session.get(Document, wrong.id)
        assert document is not None
        assert (document.status, document.error_reason) == (
            DocumentStatus.ENTERED_IN_ERROR,
            "Filed in the wrong chart",
        )
        assert store.path_of(wrong.sha256).exists()
        tab = client.get(_tab_url(world))
        assert "Marked entered in error" in tab.text
        assert f'href="/documents/{wrong.id}"' not in tab.text
        assert client.get(f"/documents/{wrong.id}").status_code == 404

        client.cookies.clear()
        sign_in(client, world.users["director"].username)
        theirs = client.get(_tab_url(world))
        assert '<h3 id="documents-error-heading">Entered in error</h3>' in theirs.text
        assert f'href="/documents/{wrong.id}"' in theirs.text
        assert "Filed in the wrong chart" in theirs.text
        page = client.get(f"/documents/{wrong.id}")
        assert page.status_code == 200
        assert '<span class="tag">Entered in error</span>' in page.text
        assert "by Test Clinician: Filed in the wrong chart." in page.text
        assert "Mark entered in error" not in page.text

    def test_someone_elses_filing_is_not_theirs_to_mark(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        card = _file(
            session,
            store,
            world,
            png_bytes(),
            DocumentKind.INSURANCE_CARD,
            "card.png",
            "admissions",
        )
        sign_in(client, world.users["clinician"].username)
        page = client.get(f"/documents/{card.id}")
        assert "Mark entered in error" not in page.text
        url = f"/documents/{card.id}/entered-in-error"
        token = csrf_from(client.get(url).text)
        refused = client.post(
            url, data={"csrf_token": token, "confirmed": "yes", "reason": "wrong chart"}
        )
        assert refused.status_code == 403
        assert "only the person who filed it" in refused.text
        session.expire_all()
        assert session.get(Document, card.id).status is DocumentStatus.CURRENT  # type: ignore[union-attr]
