"""Filing, reading, serving and correcting chart documents through the service: scope,
kinds per role, refusals that keep nothing, integrity, and the audit trail."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.documents import rules, service
from stepdown.documents.models import Document, DocumentKind, DocumentStatus
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from tests.documents.factories import (
    ELF,
    HTML,
    LIMIT,
    file_document,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
)
from tests.documents.helpers import World, audit_mark, document_entries, make_world


@pytest.fixture
def store(tmp_path: Path) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(tmp_path / "documents")


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def _stored(store: LocalDirectoryStorage) -> list[Path]:
    if not store.root.exists():
        return []
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def _rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Document)) or 0


def _upload(
    session: Session,
    store: LocalDirectoryStorage,
    actor: Actor,
    world: World,
    data: bytes,
    **kwargs: object,
) -> Document:
    return file_document(
        session,
        store,
        actor=actor,
        client_id=world.client.id,
        data=data,
        **kwargs,  # type: ignore[arg-type]
    )


class TestFiling:
    def test_a_scan_is_filed_with_what_its_content_is(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        mark = audit_mark(session)
        data = pdf_bytes()
        document = _upload(
            session,
            store,
            world.actor("case_manager"),
            world,
            data,
            kind=DocumentKind.OUTSIDE_RECORDS,
            filename="C:\\fakepath\\records.png",  # a name that lies about the type
            document_date=today() - timedelta(days=3),
        )
        assert document.content_type == "application/pdf"
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size_bytes == len(data)
        assert document.original_name == "records.png"
        assert document.uploaded_by == world.users["case_manager"].id
        assert document.status is DocumentStatus.CURRENT
        assert document.image_width is None
        assert store.path_of(document.sha256).read_bytes() == data
        assert document_entries(session, mark) == [
            (
                "create",
                world.users["case_manager"].username,
                str(document.id),
                {
                    "kind": "outside_records",
                    "content_type": "application/pdf",
                    "size_bytes": len(data),
                },
            )
        ]

    def test_an_image_keeps_its_pixel_size(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        document = _upload(session, store, world.actor("admissions"), world, jpeg_bytes((64, 48)))
        assert (document.content_type, document.image_width, document.image_height) == (
            "image/jpeg",
            64,
            48,
        )

    @pytest.mark.parametrize(("data", "name"), [(ELF, "card.png"), (HTML, "id.jpg")])
    def test_a_renamed_file_is_refused_and_nothing_is_kept(
        self, session: Session, store: LocalDirectoryStorage, world: World, data: bytes, name: str
    ) -> None:
        before = _rows(session)
        with pytest.raises(Invalid) as caught:
            _upload(session, store, world.actor("clinician"), world, data, filename=name)
        assert caught.value.field == "file"
        assert _rows(session) == before
        assert _stored(store) == []

    def test_a_declared_size_over_the_limit_is_refused_before_anything_is_written(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        data = png_bytes()
        with pytest.raises(Invalid) as caught:
            service.upload(
                session,
                actor=world.actor("clinician"),
                storage=store,
                client_id=world.client.id,
                kind=DocumentKind.INSURANCE_CARD,
                document_date=None,
                description="",
                filename="card.png",
                source=io.BytesIO(data),
                max_bytes=len(data) - 1,
                declared_size=len(data),
            )
        assert caught.value.field == "file"
        assert "larger than the" in caught.value.message
        assert not store.root.exists()

    def test_a_file_over_the_limit_is_refused_while_read_and_nothing_is_kept(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        data = png_bytes((400, 400), "red")
        with pytest.raises(Invalid) as caught:
            service.upload(
                session,
                actor=world.actor("clinician"),
                storage=store,
                client_id=world.client.id,
                kind=DocumentKind.INSURANCE_CARD,
                document_date=None,
                description="",
                filename="card.png",
                source=io.BytesIO(data),
                max_bytes=len(data) - 1,
            )
        assert caught.value.field == "file"
        assert _stored(store) == []
        assert _rows(session) == 0

    def test_a_file_at_the_limit_is_filed(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        data = png_bytes()
        document = service.upload(
            session,
            actor=world.actor("clinician"),
            storage=store,
            client_id=world.client.id,
            kind=DocumentKind.INSURANCE_CARD,
            document_date=None,
            description="",
            filename="card.png",
            source=io.BytesIO(data),
            max_bytes=len(data),
            declared_size=len(data),
        )
        assert document.size_bytes == len(data)

    def test_the_same_file_twice_in_one_chart_is_refused(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        _upload(session, store, world.actor("clinician"), world, png_bytes())
        with pytest.raises(Conflict) as caught:
            _upload(session, store, world.actor("case_manager"), world, png_bytes())
        assert caught.value.rule == rules.DUPLICATE
        assert caught.value.field == "file"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"kind": DocumentKind.OTHER, "description": ""}, "description"),
            ({"description": "x" * 501}, "description"),
            ({"document_date": today() + timedelta(days=1)}, "document_date"),
        ],
    )
    def test_what_is_typed_is_checked_before_the_file_is_read(
        self,
        session: Session,
        store: LocalDirectoryStorage,
        world: World,
        kwargs: dict[str, object],
        field: str,
    ) -> None:
        with pytest.raises(Invalid) as caught:
            _upload(session, store, world.actor("clinician"), world, png_bytes(), **kwargs)
        assert caught.value.field == field
        assert not store.root.exists()


class TestWhoFilesWhat:
    def test_admissions_files_intake_papers_but_not_lab_reports(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        admissions = world.actor("admissions")
        _upload(session, store, admissions, world, png_bytes(), kind=DocumentKind.IDENTIFICATION)
        with pytest.raises(Invalid) as caught:
            _upload(session, store, admissions, world, pdf_bytes(), kind=DocumentKind.LAB_REPORT)
        assert caught.value.field == "kind"

    @pytest.mark.parametrize("name", ["review", "admin", "portal"])
    def test_roles_that_file_nothing_are_refused(
        self, session: Session, store: LocalDirectoryStorage, world: World, name: str
    ) -> None:
        with pytest.raises(Forbidden):
            _upload(session, store, world.actor(name), world, png_bytes())

    @pytest.mark.parametrize("name", ["other_clinician", "far_case_manager"])
    def test_staff_outside_the_clients_scope_cannot_file_or_read(
        self, session: Session, store: LocalDirectoryStorage, world: World, name: str
    ) -> None:
        document = _upload(session, store, world.actor("clinician"), world, png_bytes())
        outsider = world.actor(name)
        with pytest.raises(NotFound):
            _upload(session, store, outsider, world, pdf_bytes())
        with pytest.raises(NotFound):
            service.documents_for_client(session, actor=outsider, client_id=world.client.id)
        with pytest.raises(NotFound):
            service.get_document(session, actor=outsider, document_id=document.id)
        with pytest.raises(NotFound):
            service.open_file(
                session, actor=outsider, storage=store, document_id=document.id, download=False
            )


class TestReading:
    def test_each_role_lists_the_kinds_it_reads(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        clinician = world.actor("clinician")
        card = _upload(
            session, store, clinician, world, png_bytes(), kind=DocumentKind.INSURANCE_CARD
        )
        court = _upload(
            session, store, clinician, world, pdf_bytes(), kind=DocumentKind.COURT_PAPERS
        )
        lab = _upload(session, store, clinician, world, jpeg_bytes(), kind=DocumentKind.LAB_REPORT)

        def listed(name: str) -> set[object]:
            return {
                d.id
                for d in service.documents_for_client(
                    session, actor=world.actor(name), client_id=world.client.id
                )
            }

        assert listed("clinician") == {card.id, court.id, lab.id}
        assert listed("case_manager") == {card.id, court.id, lab.id}
        assert listed("director") == {card.id, court.id, lab.id}
        assert listed("admissions") == {card.id, court.id}
        assert listed("review") == {card.id}
        review = world.actor("review")
        service.get_document(session, actor=review, document_id=card.id)
        with pytest.raises(NotFound):
            service.get_document(session, actor=review, document_id=court.id)
        with pytest.raises(Forbidden):
            service.documents_for_client(
                session, actor=world.actor("admin"), client_id=world.client.id
            )

    def test_views_and_downloads_are_audited(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        data = png_bytes()
        document = _upload(session, store, world.actor("clinician"), world, data)
        reviewer = world.actor("review")
        mark = audit_mark(session)
        service.documents_for_client(session, actor=reviewer, client_id=world.client.id)
        service.get_document(session, actor=reviewer, document_id=document.id)
        shown = service.open_file(
            session, actor=reviewer, storage=store, document_id=document.id, download=False
        )
        assert b"".join(shown.chunks()) == data
        saved = service.open_file(
            session, actor=reviewer, storage=store, document_id=document.id, download=True
        )
        assert b"".join(saved.chunks()) == data
        who = world.users["review"].username
        doc = str(document.id)
        assert document_entries(session, mark) == [
            ("read", who, str(world.client.id), {}),
            ("read", who, doc, {"view": "metadata"}),
            ("read", who, doc, {"view": "inline"}),
            ("export", who, doc, {"view": "attachment"}),
        ]
        assert shown.headers["Content-Disposition"] == 'inline; filename="card.png"'
        assert saved.headers["Content-Disposition"] == 'attachment; filename="card.png"'
        assert shown.handle.closed

    @pytest.mark.parametrize("damage", ["changed", "deleted"])
    def test_a_damaged_file_is_reported_audited_and_not_served(
        self, session: Session, store: LocalDirectoryStorage, world: World, damage: str
    ) -> None:
        document = _upload(session, store, world.actor("clinician"), world, png_bytes())
        path = store.path_of(document.sha256)
        if damage == "changed":
            path.write_bytes(png_bytes(color="black"))
        else:
            path.unlink()
        expected = "damaged" if damage == "changed" else "missing"
        clinician = world.actor("clinician")
        mark = audit_mark(session)
        with pytest.raises(service.Damaged) as caught:
            service.open_file(
                session, actor=clinician, storage=store, document_id=document.id, download=True
            )
        assert caught.value.rule == rules.DAMAGED
        assert caught.value.status_code == 409
        page = service.document_page(
            session, actor=clinician, storage=store, document_id=document.id
        )
        assert page.integrity.value == expected
        assert not page.previewable
        details = [d for _, _, _, d in document_entries(session, mark)]
        assert details == [
            {"view": "attachment", "integrity": expected},
            {"view": "metadata", "integrity": expected},
        ]

    def test_an_intact_file_reads_as_intact(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        document = _upload(session, store, world.actor("clinician"), world, png_bytes())
        page = service.document_page(
            session, actor=world.actor("director"), storage=store, document_id=document.id
        )
        assert page.previewable
        assert page.is_image
        assert page.uploader == "Test Clinician"


class TestEnteredInError:
    def test_the_uploader_marks_it_and_it_leaves_everyday_views_but_stays(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        clinician = world.actor("clinician")
        document = _upload(session, store, clinician, world, png_bytes())
        mark = audit_mark(session)
        service.mark_entered_in_error(
            session, actor=clinician, document_id=document.id, reason=" wrong client "
        )
        assert document.status is DocumentStatus.ENTERED_IN_ERROR
        assert document.error_reason == "wrong client"
        assert document.error_marked_by == world.users["clinician"].id
        assert document.error_marked_at is not None
        assert document_entries(session, mark) == [
            (
                "update",
                world.users["clinician"].username,
                str(document.id),
                {"status": "entered_in_error", "fields": ["error_reason"]},
            )
        ]
        assert store.path_of(document.sha256).exists()
        assert (
            service.documents_for_client(session, actor=clinician, client_id=world.client.id) == []
        )
        with pytest.raises(NotFound):
            service.get_document(session, actor=clinician, document_id=document.id)
        director = world.actor("director")
        assert (
            service.documents_for_client(session, actor=director, client_id=world.client.id) == []
        )
        assert service.documents_for_client(
            session, actor=director, client_id=world.client.id, include_errors=True
        ) == [document]
        # Asked by anyone else, the flag changes nothing.
        assert (
            service.documents_for_client(
                session, actor=clinician, client_id=world.client.id, include_errors=True
            )
            == []
        )
        page = service.document_page(
            session, actor=director, storage=store, document_id=document.id
        )
        assert page.marker == "Test Clinician"
        assert not page.can_mark_error
        # The same file may be filed again (e.g. in the right chart, or anew here).
        again = _upload(session, store, clinician, world, png_bytes())
        assert again.status is DocumentStatus.CURRENT

    def test_only_the_uploader_or_the_director_marks_it(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        document = _upload(session, store, world.actor("admissions"), world, png_bytes())
        with pytest.raises(Forbidden) as caught:
            service.mark_entered_in_error(
                session, actor=world.actor("clinician"), document_id=document.id, reason="wrong"
            )
        assert caught.value.rule == rules.NOT_YOURS
        page = service.document_page(
            session, actor=world.actor("clinician"), storage=store, document_id=document.id
        )
        assert not page.can_mark_error
        service.mark_entered_in_error(
            session, actor=world.actor("director"), document_id=document.id, reason="wrong chart"
        )
        with pytest.raises(Conflict) as again:
            service.mark_entered_in_error(
                session, actor=world.actor("director"), document_id=document.id, reason="again"
            )
        assert again.value.rule == rules.ALREADY_IN_ERROR

    def test_a_reason_is_required_and_review_cannot_mark(
        self, session: Session, store: LocalDirectoryStorage, world: World
    ) -> None:
        document = _upload(session, store, world.actor("clinician"), world, png_bytes())
        with pytest.raises(Invalid) as caught:
            service.mark_entered_in_error(
                session, actor=world.actor("clinician"), document_id=document.id, reason=""
            )
        assert caught.value.field == "reason"
        with pytest.raises(Forbidden):
            service.mark_entered_in_error(
                session, actor=world.actor("review"), document_id=document.id, reason="wrong"
            )


def test_the_chart_tab_lists_current_documents_and_errors_for_the_director(
    session: Session, store: LocalDirectoryStorage, world: World
) -> None:
    clinician = world.actor("clinician")
    kept = _upload(session, store, clinician, world, png_bytes())
    wrong = _upload(session, store, clinician, world, pdf_bytes(), kind=DocumentKind.LAB_REPORT)
    service.mark_entered_in_error(session, actor=clinician, document_id=wrong.id, reason="wrong")
    mine = service.chart_tab(session, actor=clinician, client=world.client)
    assert [r.document.id for r in mine.rows] == [kept.id]
    assert mine.in_error == []
    assert mine.can_upload
    assert mine.reads_every_kind
    theirs = service.chart_tab(session, actor=world.actor("director"), client=world.client)
    assert [r.document.id for r in theirs.in_error] == [wrong.id]
    intake = service.chart_tab(session, actor=world.actor("admissions"), client=world.client)
    assert [value for value, _ in intake.kinds] == [
        "identification",
        "insurance_card",
        "outside_records",
        "signed_form",
        "court_papers",
    ]
    review = service.chart_tab(session, actor=world.actor("review"), client=world.client)
    assert not review.can_upload
    assert review.kinds == []
    assert not review.reads_every_kind
    assert LIMIT > 0
