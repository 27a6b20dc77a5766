"""The documents API: filing a scan or photo (multipart), refusals by content and size
that keep nothing, each role's list, one filing's details and its file (headers, audit),
entered in error, and a damaged file answered 409 with the attempt still audited."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.app import create_app
from stepdown.documents import rules, storage
from stepdown.documents.models import Document, DocumentKind
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit.clock import today
from stepdown.security.models import User
from stepdown.settings import Settings
from tests.documents.factories import (
    ELF,
    HTML,
    PE,
    SVG,
    file_document,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    zip_bytes,
)
from tests.documents.helpers import World, audit_mark, document_entries, make_world
from tests.factories import bearer

# Small enough that a real scan passes it and a noisy photo does not, and well under the
# request limit (max_body_bytes), so the documents' own limit is what refuses.
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


def noisy_png(side: int = 120) -> bytes:
    """A PNG that does not compress: larger than ``MAX_BYTES``, valid to the last byte."""
    pixels = random.Random(14).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    return out.getvalue()


def _headers(session: Session, user: User) -> dict[str, str]:
    headers = bearer(session, user)
    session.commit()
    return headers


def _stored(store: LocalDirectoryStorage) -> list[Path]:
    if not store.root.exists():
        return []
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def _rows(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Document)) or 0


def _upload(
    client: TestClient,
    world: World,
    headers: dict[str, str],
    data: bytes,
    name: str,
    *,
    declared: str = "application/octet-stream",
    **fields: str,
) -> httpx2.Response:
    form = {"kind": "insurance_card"} | fields
    return client.post(
        f"/api/v1/clients/{world.client.id}/documents",
        data=form,
        files={"file": (name, data, declared)},
        headers=headers,
    )


class TestFiling:
    @pytest.mark.parametrize(
        ("data", "name", "kind", "content_type", "pixels"),
        [
            (pdf_bytes(), "records.png", "outside_records", "application/pdf", (None, None)),
            (png_bytes((40, 30)), "card", "insurance_card", "image/png", (40, 30)),
            (jpeg_bytes((64, 48)), "id.pdf", "identification", "image/jpeg", (64, 48)),
        ],
    )
    def test_a_scan_or_photo_is_filed_as_what_its_content_is(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        data: bytes,
        name: str,
        kind: str,
        content_type: str,
        pixels: tuple[int | None, int | None],
    ) -> None:
        headers = _headers(session, world.users["case_manager"])
        mark = audit_mark(session)
        day = today().isoformat()
        response = _upload(
            client,
            world,
            headers,
            data,
            name,
            declared="text/plain",  # what the client claims is never consulted
            kind=kind,
            description="front and back",
            document_date=day,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        digest = hashlib.sha256(data).hexdigest()
        assert body["content_type"] == content_type
        assert (body["image_width"], body["image_height"]) == pixels
        assert (body["kind"], body["description"], body["document_date"]) == (
            kind,
            "front and back",
            day,
        )
        assert (body["sha256"], body["size_bytes"], body["original_name"]) == (
            digest,
            len(data),
            name,
        )
        assert body["client_id"] == str(world.client.id)
        assert body["uploaded_by"] == str(world.users["case_manager"].id)
        assert body["status"] == "current"
        # Outside the database, under the configured directory, by digest.
        assert _stored(store) == [store.root / digest[:2] / digest]
        assert store.path_of(digest).read_bytes() == data
        assert document_entries(session, mark) == [
            (
                "create",
                world.users["case_manager"].username,
                body["id"],
                {"kind": kind, "content_type": content_type, "size_bytes": len(data)},
            )
        ]

    @pytest.mark.parametrize(
        ("data", "name", "declared", "says"),
        [
            (ELF, "scan.pdf", "application/pdf", "a program (ELF executable)"),
            (PE, "scan.pdf", "application/pdf", "a Windows program"),
            (PE, "card.jpg", "image/jpeg", "a Windows program"),
            (HTML, "card.png", "image/png", "a web page"),
            (SVG, "card.png", "image/png", "a web page"),
            (zip_bytes(), "records.pdf", "application/pdf", "an archive"),
            (b"Just some text, no image here.\n" * 4, "note.pdf", "application/pdf", ""),
        ],
    )
    def test_what_is_not_a_pdf_jpeg_or_png_is_refused_whatever_its_name(
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
        headers = _headers(session, world.users["clinician"])
        mark = audit_mark(session)
        response = _upload(client, world, headers, data, name, declared=declared)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "file"
        assert says in response.json()["detail"]
        assert _rows(session) == 0
        assert _stored(store) == []
        assert document_entries(session, mark) == []

    def test_a_file_over_the_size_limit_is_refused_and_nothing_is_written(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        data = noisy_png()
        assert len(data) > MAX_BYTES
        headers = _headers(session, world.users["clinician"])
        response = _upload(client, world, headers, data, "card.png", declared="image/png")
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "file"
        assert response.json()["detail"] == rules.too_large_message(MAX_BYTES)
        assert "16 KB" in response.json()["detail"]
        assert _rows(session) == 0
        assert _stored(store) == []

    def test_a_request_over_the_servers_body_limit_is_refused_before_the_route(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        settings: Settings,
    ) -> None:
        headers = _headers(session, world.users["clinician"])
        data = b"\x89PNG" + b"\x00" * settings.max_body_bytes
        response = _upload(client, world, headers, data, "card.png")
        assert response.status_code == 413
        assert _rows(session) == 0
        assert _stored(store) == []

    def test_a_scan_larger_than_the_servers_request_limit_is_still_accepted(
        self,
        session: Session,
        session_factory: sessionmaker[Session],
        world: World,
        settings: Settings,
    ) -> None:
        """The request limit is raised on the upload routes alone: a file over
        ``max_body_bytes`` but under ``documents_max_bytes`` is filed, while another route
        still refuses a body that size."""
        roomy = settings.model_copy(
            update={"max_body_bytes": 8 * 1024, "documents_max_bytes": 64 * 1024}
        )
        data = noisy_png(100)
        assert roomy.max_body_bytes < len(data) < roomy.documents_max_bytes
        headers = _headers(session, world.users["clinician"])
        with TestClient(create_app(roomy, session_factory=session_factory)) as roomy_client:
            filed = _upload(roomy_client, world, headers, data, "scan.png")
            other = roomy_client.post(
                f"/api/v1/clients/{world.client.id}/needs",
                json={"kind": "housing", "detail": "x" * len(data)},
                headers=headers,
            )
        assert filed.status_code == 201, filed.text
        assert filed.json()["size_bytes"] == len(data)
        assert other.status_code == 413

    def test_a_file_under_the_limit_is_filed(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        data = noisy_png(60)
        assert len(data) < MAX_BYTES
        headers = _headers(session, world.users["clinician"])
        response = _upload(client, world, headers, data, "card.png")
        assert response.status_code == 201, response.text
        assert response.json()["size_bytes"] == len(data)

    @pytest.mark.parametrize(
        ("user", "fields", "status", "field"),
        [
            ("admissions", {"kind": "lab_report"}, 422, "kind"),
            ("clinician", {"kind": "passport"}, 422, "kind"),
            ("clinician", {"kind": "other"}, 422, "description"),
            ("clinician", {"document_date": "2999-01-01"}, 422, "document_date"),
            ("clinician", {"document_date": "yesterday"}, 422, "document_date"),
            ("clinician", {"description": "x" * 501}, 422, "description"),
        ],
    )
    def test_what_is_typed_is_checked_and_named(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        user: str,
        fields: dict[str, str],
        status: int,
        field: str,
    ) -> None:
        headers = _headers(session, world.users[user])
        response = _upload(client, world, headers, pdf_bytes(), "scan.pdf", **fields)
        assert response.status_code == status, response.text
        assert response.json()["field"] == field
        assert _rows(session) == 0
        assert _stored(store) == []

    def test_a_missing_file_is_named(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        response = client.post(
            f"/api/v1/clients/{world.client.id}/documents",
            data={"kind": "insurance_card"},
            headers=_headers(session, world.users["clinician"]),
        )
        assert response.status_code == 422
        assert response.json()["field"] == "file"

    def test_the_same_file_twice_is_a_conflict(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        headers = _headers(session, world.users["clinician"])
        assert _upload(client, world, headers, png_bytes(), "a.png").status_code == 201
        again = _upload(client, world, headers, png_bytes(), "b.png")
        assert again.status_code == 409
        assert (again.json()["rule"], again.json()["field"]) == (rules.DUPLICATE, "file")
        assert _rows(session) == 1

    @pytest.mark.parametrize(("user", "status"), [("review", 403), ("admin", 403), ("portal", 403)])
    def test_roles_that_file_nothing_are_refused(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        user: str,
        status: int,
    ) -> None:
        headers = _headers(session, world.users[user])
        response = _upload(client, world, headers, png_bytes(), "card.png")
        assert response.status_code == status
        assert _stored(store) == []

    @pytest.mark.parametrize("user", ["other_clinician", "far_case_manager"])
    def test_a_chart_outside_the_callers_scope_is_not_found(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        user: str,
    ) -> None:
        headers = _headers(session, world.users[user])
        response = _upload(client, world, headers, png_bytes(), "card.png")
        assert response.status_code == 404
        assert _stored(store) == []
        unknown = client.post(
            f"/api/v1/clients/{uuid.uuid4()}/documents",
            data={"kind": "insurance_card"},
            files={"file": ("card.png", png_bytes(), "image/png")},
            headers=_headers(session, world.users["clinician"]),
        )
        assert unknown.status_code == 404

    def test_without_a_token_nothing_is_filed(
        self, client: TestClient, world: World, store: LocalDirectoryStorage
    ) -> None:
        # Without a bearer token a POST is a browser's, and must carry its CSRF token first.
        refused = _upload(client, world, {}, png_bytes(), "card.png")
        assert refused.status_code == 403
        assert refused.json()["field"] == "csrf_token"
        assert _stored(store) == []
        listing = client.get(f"/api/v1/clients/{world.client.id}/documents")
        assert listing.status_code == 401


class TestReading:
    @pytest.fixture
    def filed(
        self, session: Session, world: World, store: LocalDirectoryStorage
    ) -> dict[str, Document]:
        clinician = world.actor("clinician")
        filed = {
            "card": file_document(
                session,
                store,
                actor=clinician,
                client_id=world.client.id,
                data=png_bytes(),
                kind=DocumentKind.INSURANCE_CARD,
            ),
            "court": file_document(
                session,
                store,
                actor=clinician,
                client_id=world.client.id,
                data=pdf_bytes(),
                kind=DocumentKind.COURT_PAPERS,
                filename="order.pdf",
            ),
            "lab": file_document(
                session,
                store,
                actor=clinician,
                client_id=world.client.id,
                data=jpeg_bytes(),
                kind=DocumentKind.LAB_REPORT,
                filename="lab.jpg",
            ),
        }
        session.commit()
        return filed

    @pytest.mark.parametrize(
        ("user", "sees"),
        [
            ("clinician", {"card", "court", "lab"}),
            ("case_manager", {"card", "court", "lab"}),
            ("director", {"card", "court", "lab"}),
            ("admissions", {"card", "court"}),
            ("review", {"card"}),
        ],
    )
    def test_each_role_lists_and_opens_the_kinds_it_reads(
        self,
        client: TestClient,
        session: Session,
        world: World,
        filed: dict[str, Document],
        user: str,
        sees: set[str],
    ) -> None:
        headers = _headers(session, world.users[user])
        mark = audit_mark(session)
        listing = client.get(f"/api/v1/clients/{world.client.id}/documents", headers=headers)
        assert listing.status_code == 200
        ids = {name: str(d.id) for name, d in filed.items()}
        assert {row["id"] for row in listing.json()} == {ids[name] for name in sees}
        for name, document_id in ids.items():
            expected = 200 if name in sees else 404
            one = client.get(f"/api/v1/documents/{document_id}", headers=headers)
            assert one.status_code == expected, name
            content = client.get(f"/api/v1/documents/{document_id}/content", headers=headers)
            assert content.status_code == expected, name
        # The list is one read of the chart; each document opened, a read of it.
        entries = document_entries(session, mark)
        assert entries[0] == ("read", world.users[user].username, str(world.client.id), {})
        assert sorted((eid, d["view"]) for _, _, eid, d in entries[1:]) == sorted(
            (ids[name], view) for name in sees for view in ("metadata", "inline")
        )

    @pytest.mark.parametrize("user", ["admin", "portal"])
    def test_roles_that_read_no_documents_are_forbidden(
        self,
        client: TestClient,
        session: Session,
        world: World,
        filed: dict[str, Document],
        user: str,
    ) -> None:
        headers = _headers(session, world.users[user])
        card = filed["card"].id
        for url in (
            f"/api/v1/clients/{world.client.id}/documents",
            f"/api/v1/documents/{card}",
            f"/api/v1/documents/{card}/content",
            f"/api/v1/documents/{card}/content?download=true",
        ):
            assert client.get(url, headers=headers).status_code == 403, url

    @pytest.mark.parametrize("user", ["other_clinician", "far_case_manager"])
    def test_a_chart_outside_the_callers_scope_is_not_found(
        self,
        client: TestClient,
        session: Session,
        world: World,
        filed: dict[str, Document],
        user: str,
    ) -> None:
        headers = _headers(session, world.users[user])
        card = filed["card"].id
        for url in (
            f"/api/v1/clients/{world.client.id}/documents",
            f"/api/v1/documents/{card}",
            f"/api/v1/documents/{card}/content",
        ):
            assert client.get(url, headers=headers).status_code == 404, url

    def test_unknown_ids_are_not_found(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        headers = _headers(session, world.users["director"])
        unknown = uuid.uuid4()
        for url in (
            f"/api/v1/clients/{unknown}/documents",
            f"/api/v1/documents/{unknown}",
            f"/api/v1/documents/{unknown}/content",
        ):
            assert client.get(url, headers=headers).status_code == 404, url
        marked = client.post(
            f"/api/v1/documents/{unknown}/entered-in-error",
            json={"reason": "wrong chart"},
            headers=headers,
        )
        assert marked.status_code == 404
        assert client.get("/api/v1/documents/not-an-id", headers=headers).status_code == 422

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [("card", "image/png"), ("court", "application/pdf"), ("lab", "image/jpeg")],
    )
    def test_a_file_is_shown_inline_and_saved_each_audited(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        filed: dict[str, Document],
        name: str,
        content_type: str,
    ) -> None:
        document = filed[name]
        data = store.path_of(document.sha256).read_bytes()
        headers = _headers(session, world.users["director"])
        mark = audit_mark(session)
        url = f"/api/v1/documents/{document.id}/content"
        shown = client.get(url, headers=headers)
        saved = client.get(f"{url}?download=true", headers=headers)
        for response, disposition in ((shown, "inline"), (saved, "attachment")):
            assert response.status_code == 200
            assert response.content == data
            assert response.headers["content-type"] == content_type
            assert response.headers["content-length"] == str(len(data))
            served = rules.served_name(document.original_name, content_type)
            assert response.headers["content-disposition"] == f'{disposition}; filename="{served}"'
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["content-security-policy"] == rules.FILE_CSP
            assert "script-src" not in response.headers["content-security-policy"]
            assert response.headers["cache-control"] == "no-store"
        who = world.users["director"].username
        assert document_entries(session, mark) == [
            ("read", who, str(document.id), {"view": "inline"}),
            ("export", who, str(document.id), {"view": "attachment"}),
        ]

    def test_a_download_is_named_for_what_the_content_is(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        document = file_document(
            session,
            store,
            actor=world.actor("clinician"),
            client_id=world.client.id,
            data=pdf_bytes("renamed"),
            kind=DocumentKind.OUTSIDE_RECORDS,
            filename="Résumé\u202egpj.exe",
        )
        session.commit()
        headers = _headers(session, world.users["clinician"])
        saved = client.get(f"/api/v1/documents/{document.id}/content?download=1", headers=headers)
        assert saved.status_code == 200
        disposition = saved.headers["content-disposition"]
        assert disposition == (
            'attachment; filename="Resumegpj.exe.pdf"; '
            "filename*=UTF-8''R%C3%A9sum%C3%A9gpj.exe.pdf"
        )
        assert "\u202e" not in disposition
        assert saved.headers["content-type"] == "application/pdf"

    def test_the_details_are_audited_and_carry_no_file(
        self,
        client: TestClient,
        session: Session,
        world: World,
        filed: dict[str, Document],
    ) -> None:
        card = filed["card"]
        headers = _headers(session, world.users["review"])
        mark = audit_mark(session)
        response = client.get(f"/api/v1/documents/{card.id}", headers=headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        assert body["id"] == str(card.id)
        assert (body["kind"], body["content_type"], body["sha256"]) == (
            "insurance_card",
            "image/png",
            card.sha256,
        )
        assert (body["image_width"], body["image_height"]) == (40, 30)
        assert document_entries(session, mark) == [
            ("read", world.users["review"].username, str(card.id), {"view": "metadata"})
        ]

    @pytest.mark.parametrize("damage", ["changed", "deleted"])
    def test_a_damaged_file_is_answered_409_and_the_attempt_stays_audited(
        self,
        client: TestClient,
        session: Session,
        world: World,
        store: LocalDirectoryStorage,
        filed: dict[str, Document],
        damage: str,
    ) -> None:
        card = filed["card"]
        path = store.path_of(card.sha256)
        if damage == "changed":
            path.write_bytes(png_bytes(color="black"))
        else:
            path.unlink()
        expected = "damaged" if damage == "changed" else "missing"
        headers = _headers(session, world.users["clinician"])
        mark = audit_mark(session)
        response = client.get(f"/api/v1/documents/{card.id}/content", headers=headers)
        assert response.status_code == 409
        assert response.json()["rule"] == rules.DAMAGED
        assert response.headers["content-type"] == "application/json"
        assert document_entries(session, mark) == [
            (
                "read",
                world.users["clinician"].username,
                str(card.id),
                {"view": "inline", "integrity": expected},
            )
        ]


class TestEnteredInError:
    def test_the_uploader_marks_a_filing_and_only_the_director_still_sees_it(
        self, client: TestClient, session: Session, world: World, store: LocalDirectoryStorage
    ) -> None:
        mine = _headers(session, world.users["clinician"])
        director = _headers(session, world.users["director"])
        filed = _upload(client, world, mine, png_bytes(), "card.png").json()
        url = f"/api/v1/documents/{filed['id']}"

        short = client.post(f"{url}/entered-in-error", json={"reason": "x"}, headers=mine)
        assert short.status_code == 422
        assert short.json()["field"] == "reason"
        others = _headers(session, world.users["case_manager"])
        refused = client.post(f"{url}/entered-in-error", json={"reason": "wrong"}, headers=others)
        assert refused.status_code == 403
        assert refused.json()["rule"] == rules.NOT_YOURS
        review = _headers(session, world.users["review"])
        assert (
            client.post(f"{url}/entered-in-error", json={"reason": "x y z"}, headers=review)
        ).status_code == 403

        marked = client.post(
            f"{url}/entered-in-error", json={"reason": "wrong client"}, headers=mine
        )
        assert marked.status_code == 200, marked.text
        body = marked.json()
        assert (body["status"], body["error_reason"]) == ("entered_in_error", "wrong client")
        assert body["error_marked_by"] == str(world.users["clinician"].id)

        listing = f"/api/v1/clients/{world.client.id}/documents"
        assert client.get(listing, headers=mine).json() == []
        assert client.get(f"{listing}?include_entered_in_error=true", headers=mine).json() == []
        assert client.get(url, headers=mine).status_code == 404
        assert client.get(f"{url}/content", headers=mine).status_code == 404
        assert client.get(listing, headers=director).json() == []
        kept = client.get(f"{listing}?include_entered_in_error=true", headers=director).json()
        assert [d["id"] for d in kept] == [filed["id"]]
        assert client.get(f"{url}/content", headers=director).status_code == 200
        assert store.path_of(filed["sha256"]).exists()
        again = client.post(f"{url}/entered-in-error", json={"reason": "again"}, headers=director)
        assert again.status_code == 409
        assert again.json()["rule"] == rules.ALREADY_IN_ERROR
