"""The pure rules: file names fit to show and send, the answer's headers, limits, what a
filing must say, and who corrects one."""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.documents import rules
from stepdown.documents.models import DocumentKind
from stepdown.kit.errors import Invalid
from stepdown.security.roles import Role


class TestFileNames:
    @pytest.mark.parametrize(
        ("given_name", "shown"),
        [
            ("scan.pdf", "scan.pdf"),
            ("C:\\fakepath\\card front.jpg", "card front.jpg"),
            ("../../etc/passwd", "passwd"),
            ("invoice\u202efdp.exe", "invoicefdp.exe"),
            ("a\x00b\x1fc.png", "abc.png"),
            ('what"if<>|?.png', "what_if____.png"),
            ("...hidden", "hidden"),
            ("   ", "document"),
            ("", "document"),
            ("Carte d'identité.jpg", "Carte d'identité.jpg"),
        ],
    )
    def test_a_name_is_cleaned_for_display(self, given_name: str, shown: str) -> None:
        assert rules.clean_filename(given_name) == shown

    def test_a_long_name_keeps_its_extension(self) -> None:
        name = rules.clean_filename("x" * 500 + ".pdf")
        assert len(name) == rules.FILENAME_MAX
        assert name.endswith(".pdf")

    @given(st.text(max_size=600))
    def test_any_name_cleans_to_a_bounded_name_without_folders_or_controls(self, name: str) -> None:
        clean = rules.clean_filename(name)
        assert 0 < len(clean) <= rules.FILENAME_MAX
        assert "/" not in clean
        assert "\\" not in clean
        assert all(ord(c) >= 0x20 and c not in "\u202e\u200f" for c in clean)
        assert clean == rules.clean_filename(clean)

    @pytest.mark.parametrize(
        ("original", "content_type", "served"),
        [
            ("scan.pdf", "application/pdf", "scan.pdf"),
            ("scan.PDF", "application/pdf", "scan.PDF"),
            ("scan.exe", "application/pdf", "scan.exe.pdf"),
            ("photo.jpeg", "image/jpeg", "photo.jpeg"),
            ("photo", "image/jpeg", "photo.jpg"),
            ("card.jpg", "image/png", "card.jpg.png"),
        ],
    )
    def test_a_download_ends_in_the_extension_of_what_it_is(
        self, original: str, content_type: str, served: str
    ) -> None:
        assert rules.served_name(original, content_type) == served


EXTENDED = re.compile(r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)$")
QUOTED = re.compile(r'filename="([^"\\]*)"')


def _parse(header: str) -> tuple[str, str]:
    """What a client following RFC 6266 reads: the disposition, and the name from
    ``filename*`` (RFC 8187, preferred) or else the quoted ``filename``."""
    disposition = header.split(";", 1)[0]
    extended = EXTENDED.search(header)
    if extended:
        return disposition, unquote(extended.group(1), errors="strict")
    quoted = QUOTED.search(header)
    assert quoted is not None
    return disposition, quoted.group(1)


class TestContentDisposition:
    def test_an_ascii_name_is_one_quoted_parameter(self) -> None:
        assert rules.content_disposition("inline", "card.png") == 'inline; filename="card.png"'

    def test_a_name_beyond_ascii_has_both_forms(self) -> None:
        header = rules.content_disposition("attachment", "Carte d'identité.jpg")
        assert header == (
            'attachment; filename="Carte d\'identite.jpg"; '
            "filename*=UTF-8''Carte%20d%27identit%C3%A9.jpg"
        )
        assert _parse(header) == ("attachment", "Carte d'identité.jpg")

    def test_an_unknown_disposition_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="unknown disposition"):
            rules.content_disposition("form-data", "x.pdf")

    @given(st.text(min_size=1, max_size=300))
    def test_any_cleaned_name_round_trips_and_never_breaks_the_header(self, name: str) -> None:
        clean = rules.clean_filename(name)
        header = rules.content_disposition("inline", clean)
        assert "\r" not in header
        assert "\n" not in header
        assert header.isascii()
        assert _parse(header) == ("inline", clean)


class TestFileHeaders:
    def test_a_pdf_is_shown_inline_with_a_policy_that_runs_nothing(self) -> None:
        headers = rules.file_headers("application/pdf", "scan.pdf", download=False, size=1234)
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Length"] == "1234"
        assert headers["Content-Disposition"] == 'inline; filename="scan.pdf"'
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
        policy = headers["Content-Security-Policy"].split("; ")
        csp = {part.split(" ", 1)[0]: part.partition(" ")[2] for part in policy}
        assert csp["default-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'"
        assert "script-src" not in csp  # so default-src 'none' applies
        assert "sandbox" not in csp  # Chromium's PDF viewer refuses to run in a sandbox
        assert csp["object-src"] == "'self'"  # the viewer's internal <embed>

    def test_a_download_is_an_attachment(self) -> None:
        headers = rules.file_headers("image/png", "card.png", download=True, size=10)
        assert headers["Content-Disposition"] == 'attachment; filename="card.png"'

    def test_a_type_that_is_not_shown_is_always_an_attachment(self) -> None:
        headers = rules.file_headers("image/tiff", "scan.tif", download=False, size=10)
        assert headers["Content-Disposition"].startswith("attachment;")


class TestLimits:
    @pytest.mark.parametrize(
        "path",
        [
            "/clients/0b7c1e9a-3a4f-4c1e-9d3e-2f1a6b5c4d3e/documents",
            "/api/v1/clients/0b7c1e9a-3a4f-4c1e-9d3e-2f1a6b5c4d3e/documents",
        ],
    )
    def test_the_upload_routes_are_the_ones_given_room(self, path: str) -> None:
        assert rules.UPLOAD_PATH.match(path)

    @pytest.mark.parametrize(
        "path",
        [
            "/clients/0b7c1e9a-3a4f-4c1e-9d3e-2f1a6b5c4d3e/needs",
            "/clients/0b7c1e9a-3a4f-4c1e-9d3e-2f1a6b5c4d3e/documents/extra",
            "/setup/import",
            "/x/clients/0b7c1e9a-3a4f-4c1e-9d3e-2f1a6b5c4d3e/documents",
        ],
    )
    def test_no_other_route_is(self, path: str) -> None:
        assert not rules.UPLOAD_PATH.match(path)

    def test_an_upload_request_holds_the_file_and_its_form(self) -> None:
        assert rules.request_limit(20 * 1024 * 1024) == 20 * 1024 * 1024 + 16 * 1024

    @pytest.mark.parametrize(
        ("n", "text"),
        [
            (20 * 1024 * 1024, "20 MB"),
            (1_032_192, "1008 KB"),
            (1536 * 1024, "1.5 MB"),
            (900, "900 bytes"),
        ],
    )
    def test_sizes_read_as_people_say_them(self, n: int, text: str) -> None:
        assert rules.size_text(n) == text


class TestFiling:
    def test_other_needs_a_description(self) -> None:
        with pytest.raises(Invalid) as caught:
            rules.check_description(DocumentKind.OTHER, "  ")
        assert caught.value.field == "description"
        assert rules.check_description(DocumentKind.OTHER, " pharmacy printout ") == (
            "pharmacy printout"
        )

    def test_a_description_is_bounded(self) -> None:
        with pytest.raises(Invalid) as caught:
            rules.check_description(DocumentKind.LAB_REPORT, "x" * (rules.DESCRIPTION_MAX + 1))
        assert caught.value.field == "description"

    def test_a_document_date_cannot_be_after_today(self) -> None:
        today = date(2026, 3, 10)
        assert rules.check_document_date(date(2026, 3, 10), today) == date(2026, 3, 10)
        assert rules.check_document_date(None, today) is None
        with pytest.raises(Invalid) as caught:
            rules.check_document_date(date(2026, 3, 11), today)
        assert caught.value.field == "document_date"

    def test_a_date_outside_the_programs_window_is_refused(self) -> None:
        with pytest.raises(Invalid) as caught:
            rules.check_document_date(date(1850, 1, 1), date(2026, 3, 10))
        assert caught.value.field == "document_date"

    @pytest.mark.parametrize(
        ("role", "kind", "allowed"),
        [
            (Role.ADMISSIONS, DocumentKind.INSURANCE_CARD, True),
            (Role.ADMISSIONS, DocumentKind.COURT_PAPERS, True),
            (Role.ADMISSIONS, DocumentKind.LAB_REPORT, False),
            (Role.CASE_MANAGER, DocumentKind.LAB_REPORT, True),
            (Role.UTILIZATION_REVIEW, DocumentKind.INSURANCE_CARD, False),
            (Role.CLIENT, DocumentKind.OTHER, False),
        ],
    )
    def test_a_role_files_only_its_kinds(
        self, role: Role, kind: DocumentKind, allowed: bool
    ) -> None:
        if allowed:
            rules.check_kind(role, kind)
        else:
            with pytest.raises(Invalid) as caught:
                rules.check_kind(role, kind)
            assert caught.value.field == "kind"

    def test_a_reason_is_required(self) -> None:
        with pytest.raises(Invalid) as caught:
            rules.check_reason(" x ")
        assert caught.value.field == "reason"
        assert rules.check_reason(" wrong client ") == "wrong client"


class TestCorrection:
    def test_the_uploader_or_the_director_marks_an_error(self) -> None:
        me, someone = uuid.uuid4(), uuid.uuid4()
        assert rules.may_mark_error(Role.CASE_MANAGER, me, me)
        assert not rules.may_mark_error(Role.CASE_MANAGER, me, someone)
        assert not rules.may_mark_error(Role.CLINICIAN, me, None)
        assert rules.may_mark_error(Role.DIRECTOR, me, someone)
        assert not rules.may_mark_error(Role.ADMISSIONS, None, None)
